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
from generator.model import (
    Commitment,
    Meeting,
    Motion,
    Person,
    Section,
    Source,
    Suspension,
    Verdict,
    Vote,
)

OUTLINE_SHARDS = 32
OUTLINE_FORMAT = 1


@dataclass(frozen=True)
class StoredOutline:
    """What loading made of one content file."""

    digest: str  # the file's content hash
    salt: str  # the speaker registry and the generator's code
    meeting: Meeting | None  # its outline, registry applied (None: unreadable)
    diagnostics: tuple[Diagnostic, ...]
    token: str = ""  # names the outline's value (`token_of`): an entry made again for
    # the same file takes its previous entry's token when its outline is equal to that
    # one's, else its own (`OutlineStore.token`); so equal tokens, equal outlines


def token_of(entry: StoredOutline) -> str:
    """The name of an entry's outline value: its token, or (an entry made
    without one, by an earlier version) the content hash and salt it was
    made from, which determine its outline; the token an entry made afresh
    gets is that too (`OutlineStore.token`)."""
    return entry.token or f"{entry.digest}+{entry.salt}"


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

    def read_all(self) -> None:
        """Read every shard now (a live preview warming its cache)."""
        for shard in range(OUTLINE_SHARDS):
            self._shard(shard)

    def get(self, key: str, digest: str, salt: str) -> StoredOutline | None:
        """The entry of content file `key` if it was made from `digest` and `salt`."""
        shard = outline_shard(key)
        entry = self._shard(shard).get(key)
        if not (isinstance(entry, StoredOutline) and entry.digest == digest
                and entry.salt == salt):
            return None
        self._now.setdefault(shard, {})[key] = entry
        return entry

    def token(self, key: str, meeting: Meeting | None, digest: str, salt: str) -> str:
        """The token of a new entry of content file `key` whose outline is
        `meeting`, made from content `digest` and `salt`: the token of the
        entry the store holds for that file if its outline is equal, else
        ``digest+salt`` (which no other outline is named by: equal content,
        registry and code give an equal outline)."""
        found = self._shard(outline_shard(key)).get(key)
        if isinstance(found, StoredOutline) and meeting is not None \
                and found.meeting == meeting:
            return token_of(found)
        return f"{digest}+{salt}"

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
                write_pickles(self._path(shard), (OUTLINE_FORMAT, now), kept=True,
                              packed=((OUTLINE_FORMAT, shared(now)),))


def shared(entries: dict[str, StoredOutline]) -> dict[str, StoredOutline]:
    """`entries` (equal, entry for entry) with the equal strings and small
    records (people, sources, sections, verdict kinds' turns...) of their
    meetings made one object each: a shard pickles each of them once
    (pickle's memo), so it is smaller and reads back faster (10,000 meetings:
    42 MB of outline shards, ~6 of 7 of their strings and ~3 of 4 of their
    people repeated within their shard). Motions and meetings stay distinct
    objects (the archive tells motions apart by identity); long texts (a
    motion's text, considerations, requests, a commitment) are left as they
    are (rarely equal)."""
    seen: dict = {}
    out: dict[str, StoredOutline] = {}
    for key, entry in entries.items():
        meeting = entry.meeting
        if meeting is not None:
            meeting = _shared_meeting(meeting, seen)
            entry = StoredOutline(entry.digest, entry.salt, meeting, entry.diagnostics,
                                  entry.token)
        out[key] = entry
    return out


def _shared_meeting(m: Meeting, seen: dict) -> Meeting:
    """`_shared` of one meeting (a new `Meeting` equal to `m`; `seen`: the
    values met so far, by value)."""
    s = seen.setdefault

    def text(value: str | None) -> str | None:
        return value if value is None else s(value, value)

    def texts(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple([s(v, v) for v in values])

    def source(found: Source) -> Source:
        key = ("source", found.file, found.line)
        made = seen.get(key)
        if made is None:
            made = seen[key] = Source(s(found.file, found.file), found.line)
        return made

    def person(found: Person) -> Person:
        key = ("person", found.id, found.name, found.party, found.role)
        made = seen.get(key)
        if made is None:
            made = seen[key] = Person(s(found.id, found.id), s(found.name, found.name),
                                      text(found.party), text(found.role))
        return made

    def section(found: Section) -> Section:
        key = ("section", found.title, found.turn)
        made = seen.get(key)
        if made is None:
            made = seen[key] = Section(s(found.title, found.title), s(found.turn, found.turn))
        return made

    def motion(found: Motion) -> Motion:
        verdict, vote = found.verdict, found.vote
        return Motion(
            text(found.id), text(found.number), text(found.dossier), texts(found.submitters),
            tuple([text(v) for v in found.submitter_ids]), found.text, found.considerations,
            found.requests, text(found.turn), source(found.source),
            verdict if verdict is None else Verdict(verdict.kind, text(verdict.turn),
                                                    verdict.quote, source(verdict.source)),
            vote if vote is None else Vote(text(vote.result), texts(vote.parties_for),
                                           texts(vote.parties_against), text(vote.turn),
                                           source(vote.source)),
            text(found.replaces), text(found.title))

    return Meeting(
        text(m.id), text(m.title), text(m.date), text(m.body), text(m.kind),  # type: ignore[arg-type]
        text(m.committee), text(m.dossier), text(m.chair), text(m.clerk), text(m.start),
        text(m.end), tuple([person(p) for p in m.people]), texts(m.present), m.turns,
        tuple([motion(found) for found in m.motions]),
        tuple([Commitment(c.text, text(c.turn), source(c.source)) for c in m.commitments]),
        tuple([Suspension(text(x.start), text(x.end), text(x.turn), source(x.source))
               for x in m.suspensions]),
        tuple([section(x) for x in m.sections]), source(m.source), text(m.language))  # type: ignore[arg-type]
