"""Cache files kept parsed in memory between the builds of one process (the
live preview, `generator.serve`), so that a rebuild does not unpickle again
what the previous build read or wrote.

Off unless `keep_parsed_files` turned it on: a one-off build reads each file
once and keeps nothing. An entry is keyed by the file's device, inode, size
and modification time as found when it was read: the build cache writes
every file it keeps by an atomic rename (a new inode), so a file rewritten
since has another key and is read again. A file modified less than
`RACY_NS` before it was read is not kept (as the import's record does,
`generator.import_state`): on a file system with coarse timestamps a later
file could get its freed inode, its size and the same timestamp. So a value
is never stale. Callers must treat what `read` gives as read-only (it is
shared with later builds).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

RACY_NS = 2_000_000_000  # a file modified this recently when read is not kept

_parsed: dict[str, tuple[tuple[int, int, int, int], Any]] = {}
_enabled = False


def keep_parsed_files(enabled: bool = True) -> None:
    """Keep (or stop keeping, and forget) parsed files in this process."""
    global _enabled
    _enabled = enabled
    if not enabled:
        _parsed.clear()


def read(path: Path, parse: Callable[[bytes], T]) -> T:
    """``parse(bytes of path)``, or what it gave for this very file before.
    Raises what opening or reading the file raises, and what `parse` raises
    (nothing is kept then)."""
    if not _enabled:
        return parse(path.read_bytes())
    name = os.fspath(path)
    with open(name, "rb") as fh:
        st = os.fstat(fh.fileno())
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        found = _parsed.get(name)
        if found is not None and found[0] == key:
            return found[1]
        data = fh.read()
    value = parse(data)
    if st.st_mtime_ns < time.time_ns() - RACY_NS:
        _parsed[name] = (key, value)
    else:
        _parsed.pop(name, None)
    return value
