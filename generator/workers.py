"""Use every core: map a function over work items in forked worker processes.

Workers are forked after the archive is built, so they share it (copy on write)
instead of receiving it pickled; only small work items (page numbers, file
paths) and small results travel between processes. The heap is frozen for the
garbage collector while workers run (`forked_pool`): a collection in a worker
would otherwise write to every object it inherited and copy the whole heap. Results come back in the
order of the items, so the output never depends on the number of workers.
Where fork is unavailable, or the work is small, everything runs in this
process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import Pool
from multiprocessing.reduction import ForkingPickler
from types import MappingProxyType
from typing import Any, TypeVar

from generator.progress import Progress

T = TypeVar("T")
R = TypeVar("R")

_TASK: Callable[[Any], Any] | None = None  # inherited by forked workers
TASKS_PER_WORKER = 25  # fork_map: a fresh worker after this many items



def _read_only(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


# results may hold the read-only mappings of the archive's records
ForkingPickler.register(MappingProxyType, lambda proxy: (_read_only, (dict(proxy),)))


def worker_count(jobs: int) -> int:
    """``--jobs`` as a number of processes: 0 means one per usable core."""
    if jobs > 0:
        return jobs
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _run(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


@contextlib.contextmanager
def forked_pool(workers: int, tasks_per_worker: int | None = None) -> Iterator[Pool]:
    """A pool of `workers` forked processes that share this process's heap
    copy on write, with the heap frozen for the garbage collector meanwhile
    (``gc.freeze``, as the gc module's documentation advises before a fork).
    Garbage is collected and free memory returned to the system first: a
    worker that allocates into a free slot of an inherited page copies it.
    With `tasks_per_worker`, a worker exits after that many tasks and a fresh
    one is forked: what a worker copied of the shared heap is given back."""
    gc.collect()
    _trim_heap()
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(
                workers, maxtasksperchild=tasks_per_worker) as pool:
            yield pool
    finally:
        gc.unfreeze()


def _trim_heap() -> None:
    """glibc's ``malloc_trim(0)``: give free heap pages back to the system."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def fork_map(task: Callable[[T], R], items: Sequence[T], jobs: int = 0,
             label: str = "", min_items: int = 8,
             tasks_per_worker: int | None = TASKS_PER_WORKER) -> Iterator[R]:
    """Yield `task(item)` for every item, in order, using `jobs` forked workers
    (0: one per core). `task` may be a closure: workers inherit it by fork. A
    worker is replaced by a fresh fork after `tasks_per_worker` items (None:
    never), which gives back what it copied of the shared heap."""
    global _TASK
    workers = min(worker_count(jobs), len(items))
    forkable = "fork" in multiprocessing.get_all_start_methods()
    with Progress(label or "work", len(items), enabled=None if label else False) as bar:
        if workers <= 1 or len(items) < min_items or not forkable:
            for item in items:
                yield task(item)
                bar.advance()
            return
        _TASK = task
        try:
            with forked_pool(workers, tasks_per_worker) as pool:
                for result in pool.imap(_run, items, chunksize=1):
                    yield result
                    bar.advance()
        finally:
            _TASK = None
