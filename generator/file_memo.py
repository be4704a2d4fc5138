"""Cache files kept parsed in memory between the builds of one process (the
live preview, `generator.serve`), so that a rebuild neither reads nor parses
again what the previous build read or wrote.

Off unless `keep_parsed_files` turned it on: a one-off build reads each file
once and keeps nothing. An entry is keyed by the file's device, inode, size
and modification time as found when it was read (`read`) or just after it
was written (`wrote`): the build cache writes every file it keeps by an
atomic rename (a new inode), so a file rewritten since has another key and
is read again.

A file modified less than `RACY_NS` before it was read is not kept (as the
import's record does, `generator.import_state`): on a file system with
coarse timestamps a later file could get its freed inode, its size and the
same timestamp. That rule is lifted for files in the cache folder of a
project whose lock this process holds (`generator.project_lock.holds`):
nothing else writes there, and this process tells `wrote` what it writes. So
the code that writes a file it also reads through `read` calls `wrote` after
the rename (or `forget` when it removes or rewrites it otherwise).

Values are shared between builds: callers must never mutate what `read`
gives, nor a value after handing it to `wrote` (copy first where a caller
needs to change it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from generator.project_lock import holds

T = TypeVar("T")

RACY_NS = 2_000_000_000  # a file modified this recently when read is not kept (but see above)

_parsed: dict[str, tuple[tuple[int, int, int, int], Any]] = {}
_enabled = False


def keep_parsed_files(enabled: bool = True) -> None:
    """Keep (or stop keeping, and forget) parsed files in this process."""
    global _enabled
    _enabled = enabled
    if not enabled:
        _parsed.clear()


def is_on() -> bool:
    """True when this process keeps parsed files (`keep_parsed_files`)."""
    return _enabled


def _keep(name: str, st: os.stat_result, value: Any) -> None:
    if holds(name) or st.st_mtime_ns < time.time_ns() - RACY_NS:
        _parsed[name] = ((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns), value)
    else:
        _parsed.pop(name, None)


def read(path: Path, parse: Callable[[bytes], T]) -> T:
    """``parse(bytes of path)``, or what it gave (or was given to `wrote`)
    for this very file before. Raises what opening or reading the file
    raises, and what `parse` raises (nothing is kept then)."""
    if not _enabled:
        return parse(path.read_bytes())
    name = os.fspath(path)
    with open(name, "rb") as fh:
        st = os.fstat(fh.fileno())
        found = _parsed.get(name)
        if found is not None and found[0] == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
            return found[1]
        data = fh.read()
    value = parse(data)
    _keep(name, st, value)
    return value


def wrote(path: Path, value: Any) -> None:
    """Say that `path` was just written, by an atomic rename, as what `read`
    would parse into `value`: the next `read` of this file gives `value`
    without reading it. `value` must not be mutated afterwards."""
    if not _enabled:
        return
    name = os.fspath(path)
    try:
        st = os.stat(name)
    except OSError:
        _parsed.pop(name, None)
        return
    _keep(name, st, value)


def forget(path: Path) -> None:
    """Drop what is kept of `path` (removed, or written without `wrote`)."""
    _parsed.pop(os.fspath(path), None)
