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
import resource
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
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


class _Pool(Pool):
    """A `multiprocessing.pool.Pool` whose worker handler thread (which forks
    a worker in place of one that exited) waits for a worker to exit or the
    pool to change, and not also for a result to be readable: it did nothing
    with the result but look again, so while results waited to be read (this
    process busy with the last one) it woke thousands of times a second,
    taking the interpreter lock from this process's real work (64,000 wakes,
    ~1.4 CPU-s, for an import of 1,000 transcripts). Workers' exits are its
    own sentinels; closing or ending the pool writes to the change notifier."""

    def _get_sentinels(self) -> list:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]


@contextlib.contextmanager
def forked_pool(workers: int, tasks_per_worker: int | None = None,
                results_buffer: int | None = None) -> Iterator[Pool]:
    """A pool of `workers` forked processes that share this process's heap
    copy on write, with the heap frozen for the garbage collector meanwhile
    (``gc.freeze``, as the gc module's documentation advises before a fork).
    Garbage is collected and free memory returned to the system first: a
    worker that allocates into a free slot of an inherited page copies it.
    With `tasks_per_worker`, a worker exits after that many tasks and a fresh
    one is forked: what a worker copied of the shared heap is given back.
    `results_buffer`: the size in bytes to give the pipe the results come
    back in (`widen_pipe`)."""
    with _frozen_heap(), _Pool(workers, maxtasksperchild=tasks_per_worker,
                               context=multiprocessing.get_context("fork")) as pool:
        if results_buffer:
            with contextlib.suppress(AttributeError):  # (a Pool's queue, not public)
                widen_pipe(pool._outqueue._reader.fileno(), results_buffer)  # type: ignore
        yield pool


def widen_pipe(fd: int, size: int) -> None:
    """Give a pipe a buffer of `size` bytes (Linux; elsewhere, or beyond the
    system's limit, it keeps its own). A worker sends its result whole and
    goes on while this process is busy, instead of waiting for it to read
    each 64 kB, and holding the lock the other workers send under meanwhile."""
    with contextlib.suppress(OSError, AttributeError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Garbage collected, free memory given back to the system, and the heap
    frozen for the collector meanwhile (see `forked_pool`). Thawed after,
    a heap the process had frozen on purpose too (`generator.sitebuild.
    freeze_kept_heap`), which is then told (`heap_thawed`)."""
    gc.collect()
    _trim_heap()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        from generator.sitebuild import heap_thawed

        heap_thawed()


def _trim_heap() -> None:
    """glibc's ``malloc_trim(0)``: give free heap pages back to the system."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def fork_map(task: Callable[[T], R], items: Sequence[T], jobs: int = 0,
             label: str = "", min_items: int = 8,
             tasks_per_worker: int | None = TASKS_PER_WORKER,
             results_buffer: int | None = None) -> Iterator[R]:
    """Yield `task(item)` for every item, in order, using `jobs` forked workers
    (0: one per core). `task` may be a closure: workers inherit it by fork. A
    worker is replaced by a fresh fork after `tasks_per_worker` items (None:
    never), which gives back what it copied of the shared heap.
    `results_buffer`: see `forked_pool` (for results of tens of kB)."""
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
            with forked_pool(workers, tasks_per_worker, results_buffer) as pool:
                for result in pool.imap(_run, items, chunksize=1):
                    yield result
                    bar.advance()
        finally:
            _TASK = None


@dataclass(frozen=True)
class WorkerLimits:
    """When a worker of `bounded_map` exits (and a fresh one is forked): as
    soon as it has faulted in `faulted` bytes of memory since its fork, or
    after `items` items (None: no such limit), whichever comes first. Each
    page of the shared heap a worker writes to (reading a Python object
    writes its reference count) is copied into the worker, and new
    allocations are its own: both are page faults, so the fault count bounds
    what a worker holds of its own however large the shared heap is."""

    items: int | None
    faulted: int


def faulted_bytes() -> int:
    """Bytes of memory this process has faulted in since it started (minor
    page faults: copied-on-write and newly touched pages; one system call)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt * resource.getpagesize()


BATCHES_IN_FLIGHT = 2  # a worker finds its next batch waiting when it sends a result


def bounded_map(task: Callable[[T], R], items: Sequence[T], workers: int, batch: int,
                limits: WorkerLimits) -> list[R]:
    """`task(item)` for every item, in order, on `workers` forked processes
    that share this process's heap (`forked_pool`). A worker is given `batch`
    items at a time, with a second batch queued behind the one it is doing
    (it never waits for this process between batches), and ends within
    `limits` (`WorkerLimits`): the items it did not do, in the batch it
    ended in and those queued, go to the next worker: a spare forked
    beforehand, while the workers worked, and waiting for them (a fresh one
    is forked while the ended one exits otherwise). An exception raised by
    `task` is raised here."""
    results: list = [None] * len(items)
    pending: deque[int] = deque(range(len(items)))
    live: dict[Connection, multiprocessing.process.BaseProcess] = {}
    queued: dict[Connection, deque[list[int]]] = {}  # batches sent, not yet answered
    context = multiprocessing.get_context("fork")
    global _TASK
    _TASK = task

    def give(conn: Connection, batches: int = BATCHES_IN_FLIGHT) -> None:
        while pending and len(queued[conn]) < batches:
            positions = [pending.popleft() for _ in range(min(batch, len(pending)))]
            try:
                conn.send(positions)
            except OSError:  # it has ended: its last answer is still to be read
                pending.extendleft(reversed(positions))
                return
            queued[conn].append(positions)

    spare: list[tuple[Connection, multiprocessing.process.BaseProcess]] = []

    def fork() -> tuple[Connection, multiprocessing.process.BaseProcess]:
        mine, theirs = context.Pipe()
        process = context.Process(target=_bounded_worker, args=(theirs, items, limits),
                                  daemon=True)
        process.start()
        theirs.close()
        return mine, process

    def start() -> None:
        """A worker at work: the spare if there is one (forked while the
        others worked: a worker that ends is replaced without waiting for a
        fork, ~30 ms at 10,000 meetings, hundreds of times a stage), else a
        fresh fork."""
        mine, process = spare.pop() if spare else fork()
        live[mine], queued[mine] = process, deque()
        give(mine, 1)  # the second batch once every worker has its first

    def staff() -> None:
        """Workers up to `workers` while items are pending, each with its
        batches; a worker with nothing to do is told to stop. While items
        are pending that the workers do not hold, a spare is forked for the
        next worker that ends (once every worker has its batches: it is
        forked while they work)."""
        while pending and len(live) < workers:
            start()
        for conn in list(live):
            give(conn)
            if not queued[conn]:
                del queued[conn]
                _stop(conn, live.pop(conn))
        if pending and not spare:
            spare.append(fork())

    ended: list[multiprocessing.process.BaseProcess] = []  # exiting: joined at the end
    try:
        with _frozen_heap():
            staff()
            while live:
                for conn in wait(list(live)):
                    done, left, failure, ending = _receive(conn, live[conn])
                    if failure is not None:
                        raise failure
                    for position, result in done:
                        results[position] = result
                    queued[conn].popleft()
                    if ending:  # its successor starts while it exits (freeing its pages)
                        undone = [*left, *(p for positions in queued.pop(conn) for p in positions)]
                        pending.extendleft(reversed(undone))
                        ended = [*_exiting(ended), live.pop(conn)]
                        conn.close()
                staff()
            while spare:  # (kept till the end: a worker that ends gives items back)
                _stop(*spare.pop())
    finally:
        _TASK = None
        for conn, process in [*live.items(), *spare]:
            process.terminate()
            process.join()
            conn.close()
        for process in ended:
            process.join()
    return results


def _receive(conn: Connection, process: multiprocessing.process.BaseProcess) -> tuple:
    try:
        return conn.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"a worker process ended without its results "
                           f"(exit code {process.exitcode})") from None


def _exiting(processes: list[multiprocessing.process.BaseProcess]
             ) -> list[multiprocessing.process.BaseProcess]:
    """Those of `processes` still running; the others are closed (their
    file descriptors freed)."""
    running = []
    for process in processes:
        if process.exitcode is None:
            running.append(process)
        else:
            process.close()
    return running


def _stop(conn: Connection, process: multiprocessing.process.BaseProcess) -> None:
    with contextlib.suppress(OSError):
        conn.send(None)
    process.join()
    conn.close()


def _bounded_worker(conn: Connection, items: Sequence[Any], limits: WorkerLimits) -> None:
    """Do the batches `conn` sends until told to stop (None) or over `limits`;
    each answer: the (position, result) pairs done, the positions left, an
    exception (or None) and whether this worker ends."""
    assert _TASK is not None
    count = 0
    while (positions := conn.recv()) is not None:
        done: list[tuple[int, Any]] = []
        ending = False
        for at, position in enumerate(positions):
            try:
                done.append((position, _TASK(items[position])))
            except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
                try:
                    conn.send(([], [], exc, True))
                except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                    conn.send(([], [], RuntimeError(repr(exc)), True))
                return
            count += 1
            if (limits.items is not None and count >= limits.items) \
                    or faulted_bytes() >= limits.faulted:
                ending = True
                conn.send((done, positions[at + 1:], None, True))
                break
        if ending:
            return
        conn.send((done, [], None, False))
