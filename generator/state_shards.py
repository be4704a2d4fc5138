"""The state of the last good site build (`generator.cache.BuildCache`), kept
so that a build that changed little rewrites little of it.

``.plenum-cache/state/`` holds:

- ``head.json``: the small part of the state (format, build id, site stamp,
  template references, diagnostics) and, for each large section, the token
  of each of its shards; written last and atomically, it names the shards
  that make up the state;
- ``<section>-NN.pickle``: the entries of a large mapping (the inputs' hashes,
  the pages' fingerprints, the speeches CSV's blocks) whose key hashes to shard
  NN, with the token the head names. A save rewrites only the shards whose
  entries differ from those read, each under a fresh token; the others keep
  theirs (one page of a 45,000-page site: a few shards of 32, not 7 MB).

A shard that is missing, unreadable, of another format or whose token is not
the head's (a build killed between writing shards and its head) makes its
section unknown (`section` gives None): the build then treats the state as
absent. Time, never a wrong site.
"""

from __future__ import annotations

import json
import os
import pickle
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator import file_memo

STATE_DIR = "state"
HEAD = "head.json"
SHARDS = 32
SHARD_FORMAT = 1


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % SHARDS


def split(entries: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`entries` as `SHARDS` mappings, by `shard_of` their keys."""
    parts: list[dict[str, Any]] = [{} for _ in range(SHARDS)]
    for key, value in entries.items():
        parts[shard_of(key)][key] = value
    return parts


class StateShards:
    """The state folder of one cache. `head` reads the head; `section` a large
    section (all its shards, checked against the head's tokens); `save` writes
    the shards that changed, then the head."""

    def __init__(self, folder: Path):
        self.folder = folder
        # per section read: the shards' tokens, their entries, and all of them
        self._read: dict[str, tuple[list[str], list[dict[str, Any]], dict[str, Any]]] = {}

    def _shard_path(self, section: str, shard: int) -> Path:
        return self.folder / f"{section}-{shard:02d}.pickle"

    def head(self) -> dict:
        """The head (empty when missing or unreadable; kept parsed by a live
        preview: not to be mutated)."""
        try:
            head = file_memo.read(self.folder / HEAD, json.loads)
        except (OSError, ValueError):
            return {}
        return head if isinstance(head, dict) else {}

    def section(self, head: Mapping, name: str) -> dict[str, Any] | None:
        """The entries of section `name` of the state `head` names (None: a
        shard is missing, unreadable or not the one the head names)."""
        tokens = head.get("shards", {}).get(name) if isinstance(head.get("shards"), dict) \
            else None
        if not isinstance(tokens, list) or len(tokens) != SHARDS:
            return None
        parts: list[dict[str, Any]] = []
        for shard, token in enumerate(tokens):
            try:  # (kept parsed by a live preview: the entries are never mutated)
                found = file_memo.read(self._shard_path(name, shard), pickle.loads)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                    IndexError, TypeError, ValueError):
                return None
            if not (isinstance(found, tuple) and len(found) == 3 and found[0] == SHARD_FORMAT
                    and found[1] == token and isinstance(found[2], dict)):
                return None
            parts.append(found[2])
        entries: dict[str, Any] = {}
        for part in parts:
            entries.update(part)
        self._read[name] = (list(tokens), parts, entries)  # (`entries` not to be mutated)
        return entries

    def save(self, head: dict, sections: Mapping[str, Mapping[str, Any]]) -> None:
        """Write `sections` (the shards whose entries differ from those read
        by `section`), then `head` naming every shard."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fresh = os.urandom(8).hex()
        tokens: dict[str, list[str]] = {}
        for name, entries in sections.items():
            before = self._read.get(name)
            if before is None:
                parts: dict[int, dict[str, Any]] = dict(enumerate(split(entries)))
                names = [fresh] * SHARDS
            else:
                parts = _changed_parts(before[1], before[2], entries)
                names = [fresh if shard in parts else token
                         for shard, token in enumerate(before[0])]
            for shard, part in parts.items():
                _write_atomic(self._shard_path(name, shard), (SHARD_FORMAT, fresh, part),
                              pickle.dumps((SHARD_FORMAT, fresh, part),
                                           protocol=pickle.HIGHEST_PROTOCOL))
            tokens[name] = names
        whole = {**head, "shards": tokens}
        data = json.dumps(whole, sort_keys=True, separators=(",", ":"))
        _write_atomic(self.folder / HEAD, json.loads(data), data.encode("utf-8"))
        self._read.clear()  # (what was read no longer describes the files)

    def forget(self) -> None:
        """Drop the head: the state is then unknown (its shards unused)."""
        (self.folder / HEAD).unlink(missing_ok=True)


_ABSENT = object()


def _changed_parts(parts: list[dict[str, Any]], read: Mapping[str, Any],
                   entries: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """The new entries of each shard holding a key added, changed or removed
    since `read` (whose shards are `parts`): found by one pass over the
    entries, without hashing the keys of the unchanged ones."""
    changed = [key for key, value in entries.items() if read.get(key, _ABSENT) != value]
    changed += read.keys() - entries.keys()
    found: dict[int, dict[str, Any]] = {}
    for key in changed:
        shard = shard_of(key)
        if shard not in found:
            found[shard] = {k: entries[k] for k in parts[shard] if k in entries}
        if key in entries:
            found[shard][key] = entries[key]
    return found


def _write_atomic(path: Path, value: object, data: bytes) -> None:
    """Write `data` (the bytes of `value`) by an atomic rename; a live
    preview's next build gets `value` back unread (`file_memo.wrote`)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    file_memo.wrote(path, value)
