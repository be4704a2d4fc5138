"""The process pool the import parses on (`generator.workers.fork_map`):
results come back through a widened pipe, and the pool's worker handler does
not spin while results wait to be read."""

from __future__ import annotations

import fcntl
import sys
import time
from multiprocessing.pool import Pool

import pytest

from generator.workers import fork_map, forked_pool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork and F_SETPIPE_SZ")


def _big(n: int) -> str:
    return str(n) * 20_000  # a result of tens of kB, as a parsed transcript's


def test_the_results_pipe_is_widened_when_asked() -> None:
    with forked_pool(2, results_buffer=1 << 20) as pool:
        assert fcntl.fcntl(pool._outqueue._reader.fileno(), fcntl.F_GETPIPE_SZ) == 1 << 20
    with forked_pool(2) as pool:
        assert fcntl.fcntl(pool._outqueue._reader.fileno(), fcntl.F_GETPIPE_SZ) < 1 << 20


def test_the_worker_handler_does_not_wake_for_every_waiting_result(monkeypatch) -> None:
    wakes = []
    real = Pool._wait_for_updates

    def counted(sentinels, change_notifier, timeout=None):  # type: ignore[no-untyped-def]
        wakes.append(1)
        return real(sentinels, change_notifier, timeout)

    monkeypatch.setattr(Pool, "_wait_for_updates", staticmethod(counted))
    items = list(range(120))
    results = []
    for result in fork_map(_big, items, jobs=2, tasks_per_worker=50, results_buffer=1 << 20):
        time.sleep(0.002)  # this process is slower than the workers: results wait
        results.append(result)
    assert results == [_big(n) for n in items]
    # It wakes when a worker exits (and is replaced) or the pool closes: 3
    # times here on an idle machine, up to 108 on a loaded one (a worker's
    # sentinel is ready a moment before the worker can be reaped, and the
    # handler looks again meanwhile). Python's own pool woke 407-729 times,
    # each time a result waited in the pipe.
    assert len(wakes) < 200, len(wakes)
