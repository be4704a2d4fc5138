"""One Plenum process per project: `build`, `import` and `serve` each hold an
exclusive lock on the project while they run (`serve` for its whole life).

The lock is `fcntl.flock` on ``.plenum-cache/lock``: the operating system
releases it when the process ends, however it ends, so a killed build never
leaves a stale lock. The holder writes its pid and command into the file; a
second process finds the lock taken, reads them and stops at once
(`ProjectLocked`; the command line exits with code 2). Taking the lock again
in the process that holds it is allowed (a nested hold).

While a process holds the lock nothing else writes the project's cache
folder, so what the process remembers of the files it wrote there stays true
(`generator.file_memo` relies on it: `holds`). Limits: the folder must be on a
file system with working `flock` (local ones; NFS emulates it), and a user
who deletes ``.plenum-cache/`` while a process runs deletes the lock with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "lock"  # in the cache folder (`generator.cache.CACHE_DIR`)
CACHE_DIR = ".plenum-cache"  # (as `generator.cache`, not imported: that module is heavy)


@dataclass(frozen=True)
class Holder:
    """The process that holds a project's lock, as it wrote itself down."""

    pid: int | None  # None: not written yet (it has just taken the lock) or unreadable
    command: str


class ProjectLocked(Exception):
    """Another process holds the project's lock."""

    def __init__(self, root: Path, holder: Holder):
        self.root = root
        self.holder = holder
        who = f"{holder.command}, pid {holder.pid}" if holder.pid is not None else "pid unknown"
        super().__init__(f"another Plenum process ({who}) is using this project; "
                         "stop it first")


@dataclass
class _Held:
    fd: int
    depth: int


_held: dict[str, _Held] = {}  # cache folder (absolute) -> the lock this process holds there


def _folder(root: Path) -> str:
    return os.path.abspath(os.path.join(root, CACHE_DIR))


def _read_holder(fd: int) -> Holder:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
        if len(text) >= 2:
            return Holder(int(text[0]), text[1])
    return Holder(None, "unknown")


def acquire(root: Path, command: str) -> None:
    """Take the project's lock for `command` ("build", "import", "serve"), or
    raise `ProjectLocked` naming the process that has it. Raises OSError when
    the cache folder cannot be made or the lock file opened."""
    folder = _folder(root)
    held = _held.get(folder)
    if held is not None:
        held.depth += 1
        return
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise ProjectLocked(Path(root), holder) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
    _held[folder] = _Held(fd, 1)


def release(root: Path) -> None:
    """Give up one hold of the project's lock (the lock itself with the last)."""
    folder = _folder(root)
    held = _held.get(folder)
    if held is None:
        return
    held.depth -= 1
    if held.depth == 0:
        del _held[folder]
        os.close(held.fd)  # releases the flock (the file stays: unlinking it would race)


@contextlib.contextmanager
def project_lock(root: Path, command: str) -> Iterator[None]:
    """Hold the project's lock for the block (`acquire`, then `release`)."""
    acquire(root, command)
    try:
        yield
    finally:
        release(root)


def holds(path: str) -> bool:
    """True when `path` (absolute) lies in the cache folder of a project whose
    lock this process holds: nothing but this process writes it."""
    if not _held:
        return False
    path = os.path.normpath(path)
    return any(path.startswith(folder + os.sep) for folder in _held)
