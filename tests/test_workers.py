"""fork_map: results in input order, whatever they hold."""

from __future__ import annotations

from types import MappingProxyType

from generator.workers import fork_map


def test_fork_map_returns_results_in_order_even_read_only_mappings():
    offset = 10  # a closure: workers inherit it by fork

    def task(n: int) -> MappingProxyType:
        return MappingProxyType({"n": n + offset})

    results = list(fork_map(task, list(range(20)), jobs=2, min_items=2))
    assert [r["n"] for r in results] == list(range(10, 30))
    assert all(isinstance(r, MappingProxyType) for r in results)


def test_bounded_map_forks_a_fresh_worker_at_its_limits_and_keeps_the_order():
    import os

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> tuple[int, int]:
        return n * n, os.getpid()

    results = bounded_map(task, list(range(30)), workers=2, batch=4,
                          limits=WorkerLimits(items=3, faulted=1 << 40))
    assert [square for square, _ in results] == [n * n for n in range(30)]
    pids = [pid for _, pid in results]
    assert os.getpid() not in pids
    done = [pids.count(pid) for pid in set(pids)]
    assert max(done) == 3 and len(done) >= 10  # then a fresh worker took the rest


def test_bounded_map_ends_a_worker_once_it_has_faulted_in_its_budget():
    import os

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> int:
        bytearray(1 << 20)  # touches a mebibyte: its pages are faulted in
        return os.getpid()

    pids = bounded_map(task, list(range(12)), workers=1, batch=6,
                       limits=WorkerLimits(items=100, faulted=1))
    assert len(set(pids)) == 12  # every worker was over its budget after one item


def test_bounded_map_keeps_a_worker_without_a_limit_on_items_until_its_budget():
    import os

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> int:
        return os.getpid()

    pids = bounded_map(task, list(range(50)), workers=1, batch=4,
                       limits=WorkerLimits(items=None, faulted=1 << 40))
    assert len(set(pids)) == 1 and os.getpid() not in pids


def test_bounded_map_gives_back_the_queued_batches_of_a_worker_that_ends():
    """Each worker ends after one item with a second batch queued behind the
    one it was doing: every item is still done once, in order, and the
    ended workers leave no file descriptor behind."""
    import os

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> tuple[int, int]:
        return n + 1, os.getpid()

    before = len(os.listdir("/proc/self/fd"))
    results = bounded_map(task, list(range(60)), workers=2, batch=3,
                          limits=WorkerLimits(items=1, faulted=1 << 40))
    assert [value for value, _ in results] == list(range(1, 61))
    assert len({pid for _, pid in results}) == 60
    assert len(os.listdir("/proc/self/fd")) == before


def test_bounded_map_raises_what_a_task_raised():
    import pytest

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> int:
        if n == 7:
            raise ValueError("seven")
        return n

    with pytest.raises(ValueError, match="seven"):
        bounded_map(task, list(range(20)), workers=2, batch=3,
                    limits=WorkerLimits(items=100, faulted=1 << 40))


def test_a_pool_that_thaws_a_heap_kept_frozen_says_so_and_stages_splice_again(
        monkeypatch):
    """A pool unfreezes the whole heap when it ends, also what serve froze on
    purpose (`sitebuild.freeze_kept_heap`); the stages after it must then move
    their survivors into the oldest generation again (`collector_paused`),
    not leave them to the collector's young generations."""
    import gc

    from generator import sitebuild

    monkeypatch.setattr(sitebuild, "_heap_kept_frozen", False)
    gc.unfreeze()
    try:
        sitebuild.freeze_kept_heap()
        assert sitebuild._heap_kept_frozen
        assert list(fork_map(abs, list(range(-20, 0)), jobs=2, min_items=2)) == \
            list(range(20, 0, -1))
        assert gc.get_freeze_count() == 0
        assert not sitebuild._heap_kept_frozen
        with sitebuild.collector_paused():
            made = [[n] for n in range(1000)]
        assert gc.get_freeze_count() == 0  # spliced into the oldest generation, not frozen
        assert gc.is_tracked(made[-1])
    finally:
        gc.unfreeze()


_FORKED_AT: list[float] = []  # in a forked worker: when it was forked


def _note_fork() -> None:
    import time

    _FORKED_AT[:] = [time.monotonic()]


def test_bounded_map_replaces_an_ended_worker_by_a_spare_forked_beforehand():
    import itertools
    import multiprocessing
    import os
    import time

    from generator.workers import WorkerLimits, bounded_map

    os.register_at_fork(after_in_child=_note_fork)

    def task(n: int) -> tuple[int, int, float, float]:
        started = time.monotonic()
        time.sleep(0.05)
        return n, os.getpid(), _FORKED_AT[0], started

    results = bounded_map(task, list(range(24)), workers=1, batch=2,
                          limits=WorkerLimits(items=3, faulted=1 << 40))
    assert [n for n, *_ in results] == list(range(24))
    assert not multiprocessing.active_children()  # the last spare was stopped
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    forked: dict[int, float] = {}
    for _, pid, forked_at, started in results:
        first[pid] = min(first.get(pid, started), started)
        last[pid] = max(last.get(pid, started), started)
        forked[pid] = forked_at
    order = sorted(first, key=first.__getitem__)
    assert len(order) == 8  # 3 items each
    for before, pid in itertools.pairwise(order):  # forked before its predecessor's last item
        assert forked[pid] < last[before]
