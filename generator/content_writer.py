"""Atomic file writes, with the wait for the disk moved off the import's path.

`atomic_write` writes a temporary file beside the target, fsyncs it and renames
it over the target: a reader or a crash sees the old file or the new one. The
fsync is most of its time and is spent waiting for the disk, not computing.
`BackgroundWriter` does the first half (create and fill the temporary file: the
part that fails on a full disk or a read-only folder) in the caller, who hears
of such a failure at once, and the fsync and rename on a few threads (the fsync
releases the GIL; the disk batches concurrent ones). A target whose write is
still pending is finished first when it is read, removed or written again
(`settle`); `close` finishes them all and reports any that failed.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_serial = itertools.count()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def start_write(path: Path, data: bytes) -> tuple[int, str]:
    """A temporary file beside `path` holding `data`: (its open descriptor, its
    name). Named by this process and a counter, created exclusively (a name
    taken by a file left behind is skipped) with the permissions a new file
    gets (0666 less the umask)."""
    while True:
        tmp = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}-{next(_serial)}.tmp"
        try:
            fd = os.open(tmp, _CREATE, 0o666)
            break
        except FileExistsError:
            continue
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


def finish_write(fd: int, tmp: str, path: Path) -> None:
    """Flush the temporary file to disk and rename it over `path`."""
    try:
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    """Write `text` so that `path` is always either the old or the new file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`atomic_write` of bytes."""
    finish_write(*start_write(path, data), path)


@dataclass(frozen=True)
class FailedWrite:
    """A background write that did not complete: the target keeps its old bytes."""

    path: Path
    owner: str  # what the caller said the file was for (a transcript's name)
    error: OSError


class BackgroundWriter:
    """`atomic_write`, its fsync and rename on `threads` threads (module doc).
    At most `pending` writes wait at a time (each holds an open descriptor)."""

    def __init__(self, threads: int = 4, pending: int = 64) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="fsync")
        self._pending: dict[Path, tuple[Future[None], str]] = {}
        self._limit = pending
        self.failed: list[FailedWrite] = []

    def write(self, path: Path, text: str, owner: str = "") -> os.stat_result:
        """Start writing `text` to `path` (`write_bytes`)."""
        return self.write_bytes(path, text.encode("utf-8"), owner)

    def write_bytes(self, path: Path, data: bytes, owner: str = "") -> os.stat_result:
        """Start writing `data` to `path`; raises OSError when the temporary file
        cannot be made or filled (the target is then untouched). Returns the
        stat the file will have once renamed (size, modification time and
        inode are set when it is filled), for recording what it holds."""
        self.settle(path)
        fd, tmp = start_write(path, data)
        try:
            filled = os.fstat(fd)
        except OSError:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
            raise
        self._pending[path] = (self._pool.submit(finish_write, fd, tmp, path), owner)
        if len(self._pending) > self._limit:
            self.settle(next(iter(self._pending)))
        return filled

    def settle(self, path: Path) -> None:
        """Finish the pending write of `path`, if there is one."""
        job = self._pending.pop(path, None)
        if job is None:
            return
        future, owner = job
        try:
            future.result()
        except OSError as exc:
            self.failed.append(FailedWrite(path, owner, exc))

    def close(self) -> list[FailedWrite]:
        """Finish every pending write; the ones that failed, in the order written."""
        for path in list(self._pending):
            self.settle(path)
        self._pool.shutdown()
        return self.failed

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
