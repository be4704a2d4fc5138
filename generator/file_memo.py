"""Cache files kept parsed in memory between the builds of one process (the
live preview, `generator.serve`), so that a rebuild does not unpickle again
what the previous build read or wrote.

Off unless `keep_parsed_files` turned it on: a one-off build reads each file
once and keeps nothing. An entry is keyed by the file's device, inode, size
and modification time as found when it was read: the build cache writes
every file it keeps by an atomic rename (a new inode), so a file rewritten
since has another key and is read again; a value is never stale. Callers
must treat what `read` gives as read-only (it is shared with later builds).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

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
    _parsed[name] = (key, value)
    return value
