"""Which watched inputs changed, by Linux inotify: a poll of the live
preview costs what changed, not a look at every file (~30,000 at 10,000
meetings: one `os.scandir` per folder and one `stat` per file, 0.27-0.3
CPU-s a poll).

    looker = Looker(tops)      # None where inotify is not available
    looker.look(previous)      # -> what `snapshot` of each top would give now

`Looker.look` takes the previous look (by top, as `generator.serve.snapshot`
gives it) and returns the look now: the entries of the paths inotify named
since the last call are looked at again (a stat each; a new folder is looked
at whole and watched), every other entry is the previous one. Whatever it
cannot follow exactly (the kernel's queue overflowed, a watch could not be
added, a watched top was replaced, an unknown event) makes it look at that
top, or at everything, afresh: it can cost time, never a missed change.

The kernel queues an event while the system call that changed the file runs,
so every change completed before `look` reads the queue is in it. Standard
library only (ctypes); anything but Linux gets None and the caller looks at
every file as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import stat
import struct
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

Snapshot = dict[str, tuple[int, int, int]]  # file -> modification time, size, inode

IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_CLOSE_WRITE = 0x008
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ISDIR = 0x40000000
IN_ONLYDIR = 0x01000000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
        | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then the name, NUL-padded)


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


class Looker:
    """The watches on the folders under some tops (folders, or a file) and
    on the tops' parent folders (a top made, removed or replaced); `look`
    gives the look at the tops now from the previous one. One per process
    that polls."""

    def __init__(self, libc: ctypes.CDLL, fd: int, tops: list[Path],
                 snapshot: Callable[[Path], Snapshot]):
        self._libc, self._fd = libc, fd
        self.tops = tops
        self._snapshot = snapshot  # a whole look at one top (`generator.serve.snapshot`)
        self._folders: dict[int, str] = {}  # watch -> folder
        self._watch_of: dict[str, int] = {}  # folder -> watch
        self._dirty: set[Path] = set(tops)  # tops to look at whole
        self._names: dict[Path, set[str]] = {}  # by top: paths named since its last look
        self._by_name = {os.fspath(top): top for top in tops}
        self._linked: set[Path] = set()  # tops holding a symlink: looked at whole each time

    @classmethod
    def start(cls, tops: Iterable[Path], snapshot: Callable[[Path], Snapshot]
              ) -> Looker | None:
        """A looker watching `tops` (None: inotify is not available here)."""
        libc = _libc()
        if libc is None or not hasattr(libc, "inotify_init1"):
            return None
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            return None
        return cls(libc, fd, list(tops), snapshot)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = -1

    def _watch(self, folder: str) -> bool:
        """Watch `folder` (asked again of a watched folder: the kernel gives
        the watch of its inode, which tells a stale name); False when it
        cannot be."""
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), MASK)
        if wd < 0:
            return False
        stale = self._watch_of.get(folder)
        if stale is not None and stale != wd:  # the name's old folder moved away
            self._unwatch(stale)
        old = self._folders.get(wd)
        if old is not None and old != folder:  # this folder, known by its old name
            self._watch_of.pop(old, None)
        self._folders[wd] = folder
        self._watch_of[folder] = wd
        return True

    def _unwatch(self, wd: int) -> None:
        folder = self._folders.pop(wd, None)
        if folder is not None and self._watch_of.get(folder) == wd:
            del self._watch_of[folder]
        self._libc.inotify_rm_watch(self._fd, wd)

    def _look_whole(self, top: Path) -> Snapshot | None:
        """`snapshot(top)`, watching every folder it looks into and the
        top's parent; None when a folder could not be watched."""
        ok = self._watch(os.fspath(top.parent)) or not top.parent.is_dir()
        if top.is_dir() and not top.is_symlink():
            folders = [os.fspath(top)]
            linked = False
            seen: set[str] = set()
            while folders:
                folder = folders.pop()
                seen.add(folder)
                ok = self._watch(folder) and ok
                try:
                    with os.scandir(folder) as entries:
                        for entry in entries:
                            with contextlib.suppress(OSError):
                                if entry.is_symlink():
                                    linked = True  # its target's changes are not reported
                                elif entry.is_dir() and not entry.name.startswith("."):
                                    folders.append(entry.path)
                except OSError:
                    continue
            self._unwatch_under(top, seen)
            if linked:
                self._linked.add(top)
            else:
                self._linked.discard(top)
        else:
            self._unwatch_under(top, set())
            if top.is_symlink():
                self._linked.add(top)
            else:
                self._linked.discard(top)
        found = self._snapshot(top)  # (after the watches: a change meanwhile is queued)
        return found if ok else None

    def _unwatch_under(self, top: Path, seen: set[str]) -> None:
        """Drop the watches of the folders under `top` but those `seen` (the
        others are gone, or moved away)."""
        prefix = os.fspath(top) + os.sep
        for folder, wd in list(self._watch_of.items()):
            if folder.startswith(prefix) and folder not in seen:
                self._unwatch(wd)

    def _read_events(self) -> None:
        """Take every queued event: the paths named, by top, or the tops to
        look at whole."""
        while True:
            try:
                data = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return
            except InterruptedError:
                continue
            except OSError:
                self._dirty.update(self.tops)
                return
            if not data:
                return
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _, size = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size:offset + _EVENT.size + size].rstrip(b"\0")
                offset += _EVENT.size + size
                self._event(wd, mask, os.fsdecode(name))

    def _event(self, wd: int, mask: int, name: str) -> None:
        if mask & IN_Q_OVERFLOW:
            self._dirty.update(self.tops)
            return
        folder = self._folders.get(wd)
        if folder is None:
            return
        if mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF):  # the folder went or moved
            if not mask & IN_IGNORED:
                self._unwatch(wd)
            else:
                self._folders.pop(wd, None)
                if self._watch_of.get(folder) == wd:
                    del self._watch_of[folder]
            top = self._top_of(folder)
            if top is not None:
                self._dirty.add(top)
            return
        if not name:
            return
        path = f"{folder}{os.sep}{name}"
        top = self._by_name.get(path)
        if top is not None:  # a top itself made, removed, replaced or (a file) changed
            self._dirty.add(top)
            return
        top = self._top_of(folder)
        if top is not None:
            self._names.setdefault(top, set()).add(path)

    def _top_of(self, path: str) -> Path | None:
        """The folder top that `path` is (or is under)."""
        for name, top in self._by_name.items():
            if path == name or path.startswith(name + os.sep):
                return top
        return None

    def look(self, previous: Mapping[Path, Snapshot], only: Iterable[Path] | None = None
             ) -> dict[Path, Snapshot]:
        """What `snapshot` gives now of each top (of `only` those), made from
        `previous` (the last look at them, by top) and the changes inotify
        reported since they were last looked at. An unchanged top's entry
        is the previous one itself."""
        self._read_events()
        now: dict[Path, Snapshot] = {}
        for top in self.tops if only is None else only:
            before = previous.get(top)
            names = self._names.pop(top, set())
            if before is None or top in self._dirty or top in self._linked:
                now[top] = self._whole(top)
            elif not names:
                now[top] = before
            else:
                found = dict(before)
                for path in names:
                    self._update(top, path, found)
                now[top] = self._whole(top) if top in self._dirty else found  # (a folder
                # came or went, or a symlink: the top whole, now)
        return now

    def _whole(self, top: Path) -> Snapshot:
        """`snapshot(top)`; the top is looked at whole again next time too
        when not all of it could be watched."""
        self._dirty.discard(top)
        found = self._look_whole(top)
        if found is None:
            self._dirty.add(top)
            return self._snapshot(top)
        return found

    def _update(self, top: Path, path: str, found: Snapshot) -> None:
        """Bring the entry of `path` (named by an event under the folder
        `top`) in `found` up to date; a symlink or a folder made, moved or
        removed makes the top dirty (`look` then looks at it whole)."""
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            st = None
        if st is None:
            if found.pop(path, None) is None:  # perhaps a folder: its files went with it
                self._drop_under(path, found)
        elif stat.S_ISLNK(st.st_mode) or stat.S_ISDIR(st.st_mode):
            self._dirty.add(top)
        else:
            found[path] = (st.st_mtime_ns, st.st_size, st.st_ino)

    @staticmethod
    def _drop_under(folder: str, found: Snapshot) -> None:
        prefix = folder + os.sep
        for path in [p for p in found if p.startswith(prefix)]:
            del found[path]
