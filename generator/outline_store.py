"""The loaded outlines of the last build, in a few shards by content file, so
a build reads a few pickles instead of one per meeting and applies the speaker
registry only to the meetings whose file (or registry, or code) changed.

Each entry is what loading made of one content file: the meeting's outline
with the registry applied and the file's diagnostics, under the file's
content hash and a salt naming the registry and the generator's code
(`StoredOutline`). An entry under another hash or salt is never used, so a
stale, missing or unreadable shard costs time, never a wrong site. A build
rewrites only the shards whose entries changed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from generator.cache import read_pickles, write_pickles
from generator.errors import Diagnostic
from generator.model import Meeting

OUTLINE_SHARDS = 32
OUTLINE_FORMAT = 1


@dataclass(frozen=True)
class StoredOutline:
    """What loading made of one content file."""

    digest: str  # the file's content hash
    salt: str  # the speaker registry and the generator's code
    meeting: Meeting | None  # its outline, registry applied (None: unreadable)
    diagnostics: tuple[Diagnostic, ...]


def outline_shard(key: str) -> int:
    """The shard that keeps the entry of a content file (by its key in the project)."""
    return zlib.crc32(key.encode("utf-8")) % OUTLINE_SHARDS


class OutlineStore:
    """The shards under `folder`, read when an entry of theirs is first asked
    for; `save` writes back the shards whose entries this build changed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._read: dict[int, dict[str, StoredOutline]] = {}  # as found on disk
        self._now: dict[int, dict[str, StoredOutline]] = {}  # this build's entries

    def _path(self, shard: int) -> Path:
        return self.folder / f"{shard:02d}.pickle"

    def _shard(self, shard: int) -> dict[str, StoredOutline]:
        found = self._read.get(shard)
        if found is None:
            state = read_pickles(self._path(shard), 1, kept=True)  # (never mutated)
            ok = state is not None and isinstance(state[0], tuple) and len(state[0]) == 2 \
                and state[0][0] == OUTLINE_FORMAT and isinstance(state[0][1], dict)
            found = self._read[shard] = state[0][1] if ok else {}  # type: ignore[index]
        return found

    def get(self, key: str, digest: str, salt: str) -> StoredOutline | None:
        """The entry of content file `key` if it was made from `digest` and `salt`."""
        shard = outline_shard(key)
        entry = self._shard(shard).get(key)
        if not (isinstance(entry, StoredOutline) and entry.digest == digest
                and entry.salt == salt):
            return None
        self._now.setdefault(shard, {})[key] = entry
        return entry

    def put(self, key: str, entry: StoredOutline) -> None:
        """Keep `entry` for content file `key` (after `get` found none)."""
        shard = outline_shard(key)
        self._shard(shard)  # read first: `save` compares with it
        self._now.setdefault(shard, {})[key] = entry

    def save(self) -> None:
        """Rewrite the shards whose entries are not those found (an entry
        added, replaced or gone); remove those no content file uses now."""
        for shard in range(OUTLINE_SHARDS):
            now = self._now.get(shard)
            if now is None:
                if shard not in self._read or self._read[shard]:
                    self._path(shard).unlink(missing_ok=True)
                continue
            before = self._read.get(shard, {})
            if now.keys() != before.keys() or any(before[k] is not v for k, v in now.items()):
                write_pickles(self._path(shard), (OUTLINE_FORMAT, now), kept=True)
