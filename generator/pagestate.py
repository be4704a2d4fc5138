"""What the previous build knew of its pages, kept compact, and which of them
an incremental build has to build again.

Every page the previous build recorded (`generator.pagedeps`) is kept as its
key, path, template, fingerprint and the ids of the tokens it read; every
token as its id and the hash its value had (`PageState`). A build does not
hash every token again to find the pages none of whose reads changed: it
finds the tokens that changed (`PageCheck`) and builds again only the pages
that read one of them:

- a token of a meeting (its outline and turns, or a field made from that
  meeting alone: `MEETING_FIELDS`) changed only if that meeting's content
  hash did (or it came or went);
- a field made from the meetings' outlines alone (`OUTLINE_FIELDS`: motions,
  people, parties and their indexes) changed only if some outline did: the
  outlines are named by a hash of their value, kept by content hash, so a
  build hashes the outlines of changed meetings alone;
- a speaker's chart data (`SPEAKER_FIGURES`) is hashed again only for a
  speaker among whose meetings one changed, or whose number of meetings or
  verdict counts did (`PageState.speakers`: an edit of one meeting hashes
  its speakers' data, not every speaker's);
- any other field is hashed whole (cheap ones) or key by key (`PER_KEY`), and
  only when that differs are its tokens hashed one by one and compared.

A token nobody can hash (None) counts as changed. The template of a page is a
token too (`TEMPLATE`), and a change of the build's salt (the generator's
code, the site settings) builds every page.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter, is_
from typing import Any

import numpy as np

from generator.archive import MEETING_FIELDS, Archive
from generator.pagedeps import (
    ALL,
    MEETING,
    SPEAKER_FIGURES,
    Token,
    TokenDigests,
    outline_digest,
    speaker_outlines,
)

_ID = attrgetter("id")
TEMPLATE = "<template>"  # the token (TEMPLATE, name) stands for the template closure's hash
TEXTS = "texts"  # every meeting's turns (read whole)
FORMAT = 2  # 2: with `PageState.speakers`

# fields made from the meetings' outlines alone, in archive order (with the
# speaker registry applied, as loading applies it): the same outlines give
# the same values (tests/test_pagestate.py checks this of `build_archive`)
OUTLINE_FIELDS = frozenset({
    "meetings", "people", "parties", "motions", "motions_by_meeting", "motions_by_submitter",
    "motions_by_turn", "verdicts_by_turn", "motions_by_verdict", "commitments", "roles",
    "meetings_by_id", "chart_data.verdicts_by_party", "chart_data.party_verdicts_by_meeting",
    "chart_data.period", "chart_data.meetings_per_period",
})
BY_SPEAKER_MEETINGS = "meetings_by_speaker"  # outlines of the meetings each person spoke in
PER_KEY = frozenset({"newest_speeches", SPEAKER_FIGURES})  # hashed key by key, cheaply


@dataclass(frozen=True)
class Record:
    """What this build knows of a page it built: where it went, its
    fingerprint, and the tokens its context was built from."""

    key: str
    path: str
    template: str
    fingerprint: str
    tokens: tuple[Token, ...]


class _Field:
    """The tokens of one field: key -> (id, hash of its value)."""

    def __init__(self, entries: dict[Any, tuple[int, str]], stored: bytes | None = None):
        self.entries = entries
        self.stored = stored  # the pickle it was read from
        self.changed = False  # entries added or rehashed since read

    def pickled(self) -> bytes:
        if self.stored is None or self.changed:
            return pickle.dumps(self.entries, protocol=pickle.HIGHEST_PROTOCOL)
        return self.stored


class PageState:
    """The pages of one build and the tokens they read (see the module doc).
    Pickled compactly: lists of strings, two numpy arrays and one pickle per
    field, unpickled when a build first needs that field."""

    def __init__(self, salt: str, keys: list[str], paths: list[str], templates: list[str],
                 fingerprints: list[str], offsets: np.ndarray, flat: np.ndarray,
                 fields: dict[str, bytes | _Field], sources: dict[str, str],
                 meetings: dict[str, str | None], outlines: dict[str, str], next_id: int,
                 speakers: dict[str, str] | None = None):
        self.salt = salt
        self.keys, self.paths, self.templates, self.fingerprints = keys, paths, templates, \
            fingerprints
        self.offsets, self.flat = offsets, flat  # page i read flat[offsets[i]:offsets[i + 1]]
        self._fields = fields
        self.sources = sources  # field -> hash of what it is made from (`PageCheck._source`)
        self.meetings = meetings  # meeting id -> content hash, in archive order
        self.outlines = outlines  # content hash -> outline digest
        self.next_id = next_id
        self.speakers = speakers or {}  # person id -> `speaker_figures_source`
        self._index: dict[str, int] | None = None

    def index(self, key: str) -> int | None:
        """The place of page `key` in this state (None: not recorded)."""
        return self.places().get(key)

    def places(self) -> dict[str, int]:
        """The place of each page in this state, by key."""
        if self._index is None:
            self._index = dict(zip(self.keys, range(len(self.keys)), strict=True))
        return self._index

    def field_names(self) -> list[str]:
        return list(self._fields)

    def field(self, name: str) -> _Field:
        found = self._fields.get(name)
        if found is None:
            found = self._fields[name] = _Field({})
        elif isinstance(found, bytes):
            found = self._fields[name] = _Field(pickle.loads(found), found)
        return found

    def tokens_of(self, page: int) -> np.ndarray:
        return self.flat[self.offsets[page]:self.offsets[page + 1]]

    def __reduce__(self) -> tuple:
        fields = {name: value if isinstance(value, bytes) else value.pickled()
                  for name, value in self._fields.items()}
        return (_restore, (FORMAT, self.salt, self.keys, self.paths, self.templates,
                           self.fingerprints, self.offsets.tobytes(), self.flat.tobytes(),
                           fields, self.sources, self.meetings, self.outlines, self.next_id,
                           self.speakers))


def _restore(version: int, salt: str, keys: list[str], paths: list[str], templates: list[str],
             fingerprints: list[str], offsets: bytes, flat: bytes, fields: dict[str, bytes],
             sources: dict[str, str], meetings: dict[str, str | None], outlines: dict[str, str],
             next_id: int, *rest: object) -> PageState | None:
    if version != FORMAT or len(rest) != 1 or not isinstance(rest[0], dict):
        return None
    return PageState(salt, keys, paths, templates, fingerprints,
                     np.frombuffer(offsets, dtype=np.int64), np.frombuffer(flat, dtype=np.int32),
                     dict(fields), sources, meetings, outlines, next_id, rest[0])


# the outlines by id and, per speaker, their meetings and line of the last
# `PageCheck._meetings_by_speaker` of this process (the objects themselves:
# while kept here, no other object can take their identity)
_SPEAKER_LINES: tuple[Mapping, dict[str, tuple[Sequence, str]]] | None = None


class PageCheck:
    """This build's view of the previous build's `PageState`: which of its
    pages read a token that changed (`affected`), the hash of any token now
    (`digest`), and the state to keep for the next build (`next_state`)."""

    def __init__(self, state: PageState | None, archive: Archive,
                 meeting_digests: Mapping[str, str], template_hashes: Mapping[str, str],
                 salt: str):
        if state is not None and (not isinstance(state, PageState) or state.salt != salt):
            state = None
        self.state = state
        self.archive = archive
        self.template_hashes = template_hashes
        self.salt = salt
        # (C loops over the meetings: a live preview's rebuild checks 10,000 of them)
        ids = list(map(_ID, archive.meetings))
        contents = list(map(meeting_digests.get, ids))
        self.meetings = dict(zip(ids, contents, strict=True))
        known = state.outlines if state is not None else {}
        found: list[str | None] = list(map(known.get, contents))  # None: not known
        if None in found:  # outlines without a known content hash: hashed now
            for at in [at for at, digest in enumerate(found) if digest is None]:
                found[at] = outline_digest(archive.meetings[at])
        self.outlines: dict[str, str] = dict(zip(contents, found, strict=True))  # type: ignore[arg-type]
        self.outlines.pop(None, None)  # type: ignore[call-overload]
        # (content hash -> outline digest, for the next build)
        by_id: dict[str, str] = dict(zip(ids, found, strict=True))  # type: ignore[arg-type]
        self.digests = TokenDigests(archive, meeting_digests, by_id)
        self.outline_state = _hash_lines(map("{}={}".format, ids, found))
        self.sources: dict[str, str] = {}
        self._checked: set[str] = set()  # fields whose tokens were all hashed again
        self._speakers: dict[str, str] | None = None  # `speaker_sources`
        self._speaker_meetings: dict[str, tuple[str, ...]] = {}  # and their meetings' ids
        self._changed: list[int] = []
        self._own: dict[str, _Field] = {}  # the fields this build rehashed or added to

    def _writable(self, name: str) -> _Field:
        """This build's copy of field `name` of the previous state, to rehash
        or add tokens to: the previous state is never changed (a process
        that keeps what it read, `generator.file_memo`, may hand the same
        state to a later build, whatever became of this one)."""
        found = self._own.get(name)
        if found is None:
            base = self.state.field(name) if self.state is not None else _Field({})
            found = self._own[name] = _Field(dict(base.entries),
                                             None if base.changed else base.stored)
        return found

    # -- the previous build's pages -------------------------------------------

    def affected(self) -> np.ndarray:
        """Per page of the previous state, whether it read a token that
        changed since (all True without a state)."""
        state = self.state
        if state is None:
            return np.ones(0, dtype=bool)
        moved = _moved(self.meetings, state.meetings)
        for name in state.field_names():
            self._check_field(name, moved)
        if not self._changed:
            return np.zeros(len(state.keys), dtype=bool)
        lookup = np.zeros(state.next_id, dtype=bool)
        lookup[np.asarray(self._changed, dtype=np.int64)] = True
        hits = np.concatenate(([0], np.cumsum(lookup[state.flat], dtype=np.int64)))
        return hits[state.offsets[1:]] != hits[state.offsets[:-1]]

    def _check_field(self, name: str, moved: set[str]) -> None:
        assert self.state is not None
        if name in (MEETING, TEXTS) or name in MEETING_FIELDS:
            if not moved:
                return
            field = self.state.field(name)
            keys = [k for k in field.entries
                    if k == ALL or k in moved or not isinstance(k, str)
                    or name == TEXTS]
            self._rehash(name, keys)
            return
        if name == SPEAKER_FIGURES:
            field = self.state.field(name)
            self._rehash(name, self._speakers_to_check(field.entries, moved))
            return
        if name != TEMPLATE and name not in PER_KEY:
            source = self._source(name)
            if source is not None and self.state.sources.get(name) == source:
                return
        self._checked.add(name)
        self._rehash(name, list(self.state.field(name).entries))

    def speaker_sources(self) -> dict[str, str]:
        """`speaker_figures_source` of every speaker's chart data now."""
        if self._speakers is None:
            try:
                values = self.digests._field(SPEAKER_FIGURES)
            except AttributeError:  # an archive without chart data
                values = {}
            self._speakers, self._speaker_meetings = speaker_outlines(
                values if isinstance(values, Mapping) else {})
        return self._speakers

    def _speakers_to_check(self, entries: Mapping[Any, tuple[int, str]], moved: set[str]
                           ) -> list[Any]:
        """The keys of `SPEAKER_FIGURES` whose value may have changed: those
        whose source (`speaker_figures_source`) is not the previous build's,
        or among whose meetings one changed (the others are left unhashed)."""
        assert self.state is not None
        previous, now = self.state.speakers, self.speaker_sources()
        meetings = self._speaker_meetings
        return [key for key in entries
                if not isinstance(key, str) or now.get(key) is None
                or previous.get(key) != now[key]
                or not moved.isdisjoint(meetings[key])]

    def _rehash(self, name: str, keys: Iterable[Any]) -> None:
        assert self.state is not None
        entries = self.state.field(name).entries
        for key in keys:
            token_id, old = entries[key]
            now = self.digest((name, key))
            if now is None or now != old:
                self._changed.append(token_id)
                if now is not None:
                    field = self._writable(name)
                    field.entries[key] = (token_id, now)
                    field.changed = True

    def _source(self, name: str) -> str | None:
        """A hash of what field `name` is made from: when it is the previous
        build's, every key of the field holds what it held then."""
        if name not in self.sources:
            if name in OUTLINE_FIELDS:
                found: str | None = f"outlines:{self.outline_state}"
            elif name == BY_SPEAKER_MEETINGS:
                found = self._meetings_by_speaker()
            else:
                found = self.digests._hash_value(self.digests._field(name))
            if found is None:
                return None
            self.sources[name] = found
        return self.sources[name]

    def _meetings_by_speaker(self) -> str | None:
        """The source of `BY_SPEAKER_MEETINGS`: the outlines, and the ids of
        each speaker's meetings (None: a meeting there is not the archive's
        outline of its id, so the ids do not name it; `speaker_lines`)."""
        lines = speaker_lines(self.archive.meetings_by_id,
                              self.digests._field(BY_SPEAKER_MEETINGS))
        return None if lines is None else _hash_lines([self.outline_state, *lines])

    # -- this build's tokens ----------------------------------------------------

    def digest(self, token: Token) -> str | None:
        """The hash of what `token` holds in this build's archive."""
        field, key = token
        if field == TEMPLATE:
            return self.template_hashes.get(key, "?")
        state = self.state
        if state is not None and field not in self._checked and self._unchanged(field, key):
            own = self._own.get(field)
            found = (own if own is not None else state.field(field)).entries.get(key)
            if found is not None:
                return found[1]
        return self.digests.digest(token)

    def _unchanged(self, field: str, key: Any) -> bool:
        """Whether `token` holds what it held in the previous build, as far as
        `affected` found without hashing it."""
        assert self.state is not None
        if field == MEETING or field in MEETING_FIELDS:
            return isinstance(key, str) and key != ALL and self.meetings.get(key) is not None \
                and self.meetings.get(key) == self.state.meetings.get(key)
        if field == TEXTS or field in PER_KEY:
            return False
        source = self._source(field)
        return source is not None and self.state.sources.get(field) == source

    # -- the next build's state ---------------------------------------------------

    def next_state(self, order: Sequence[str], carried: Mapping[str, int],
                   built: Mapping[str, Record]) -> PageState | None:
        """The state of this build's pages: `order` their keys as the site
        lists them, `carried` the place in the previous state of each page
        linked without being built, `built` the record of each page built
        (a page in neither is not kept)."""
        state = self.state
        keys: list[str] = []
        paths: list[str] = []
        templates: list[str] = []
        fingerprints: list[str] = []
        starts: list[int] = []  # where each page's token ids start in `pool`
        lengths: list[int] = []
        added: list[int] = []  # the token ids of the pages built, after the previous ones
        base = len(state.flat) if state is not None else 0
        fields: dict[str, _Field] = {}
        next_id = state.next_id if state is not None else 0
        for key in order:
            place = carried.get(key)
            if place is not None and state is not None:
                keys.append(key)
                paths.append(state.paths[place])
                templates.append(state.templates[place])
                fingerprints.append(state.fingerprints[place])
                starts.append(-1 - place)  # made a start below, with every other one
                lengths.append(0)
                continue
            record = built.get(key)
            if record is None:
                continue
            ids = []
            for token in (*record.tokens, (TEMPLATE, record.template)):
                name, token_key = token
                field = fields.get(name)
                if field is None:
                    field = fields[name] = self._writable(name)
                found = field.entries.get(token_key)
                if found is None:
                    now = self.digest(token)
                    if now is None:
                        break  # cannot be checked next time: not kept, so always built
                    found = field.entries[token_key] = (next_id, now)
                    field.changed = True
                    next_id += 1
                ids.append(found[0])
            else:
                keys.append(key)
                paths.append(record.path)
                templates.append(record.template)
                fingerprints.append(record.fingerprint)
                starts.append(base + len(added))
                lengths.append(len(ids))
                added += ids
        pool = np.concatenate((state.flat if state is not None else np.zeros(0, np.int32),
                               np.asarray(added, dtype=np.int32)))
        start = np.asarray(starts, dtype=np.int64)
        length = np.asarray(lengths, dtype=np.int64)
        if state is not None:
            kept = start < 0
            places = -1 - start[kept]
            start[kept] = state.offsets[places]
            length[kept] = state.offsets[places + 1] - state.offsets[places]
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(length, out=offsets[1:])
        # page i's ids: pool[starts[i]:starts[i] + lengths[i]], gathered in one step
        flat = pool[np.repeat(start - offsets[:-1], length) + np.arange(offsets[-1])]
        merged: dict[str, bytes | _Field] = {}
        if state is not None:
            merged.update(state._fields)  # noqa: SLF001 - the same class's storage
        merged.update(self._own)  # (`fields` among them)
        sources = {name: self._source(name) for name in merged
                   if name not in (TEMPLATE, TEXTS, MEETING) and name not in MEETING_FIELDS
                   and name not in PER_KEY}
        return PageState(self.salt, keys, paths, templates, fingerprints, offsets,
                         flat.astype(np.int32, copy=False), merged,
                         {k: v for k, v in sources.items() if v is not None},
                         self.meetings, self.outlines, next_id, self.speaker_sources())


def _moved(now: Mapping[str, str | None], before: Mapping[str, str | None]) -> set[str]:
    """The meetings whose content hash is not what it was (or that came or
    went, or have none now). By set operations on the items (a rebuild
    compares 10,000 of them, a few of which changed)."""
    if now == before and None not in now.values():
        return set()
    moved = {mid for mid, _ in now.items() ^ before.items()}
    if None in now.values():
        moved.update(mid for mid, digest in now.items() if digest is None)
    return moved


def speaker_lines(by_id: Mapping[str, Any], by_speaker: Mapping[str, Sequence]
                  ) -> list[str] | None:
    """A line per speaker of `by_speaker` (their id and the ids of the
    meetings they spoke in; None: a meeting there is not the outline of its
    id in `by_id`, so the ids do not name it). A speaker's line is the last
    call's of this process when their meetings are the very tuple it was
    made from and `by_id` the very mapping (a live preview's archive keeps
    both where nothing changed: `warm_page_check`)."""
    global _SPEAKER_LINES
    known = _SPEAKER_LINES[1] if _SPEAKER_LINES is not None \
        and _SPEAKER_LINES[0] is by_id else {}
    made: dict[str, tuple[Sequence, str]] = {}
    lines = []
    for pid, meetings in by_speaker.items():
        found = known.get(pid)
        if found is not None and found[0] is meetings:
            line = found[1]
        else:
            ids = list(map(_ID, meetings))  # (C loops: some 200,000 meetings at 10,000)
            if not all(map(is_, map(by_id.get, ids), meetings)):
                return None
            line = f"{pid}={','.join(ids)}"
        made[pid] = (meetings, line)
        lines.append(line)
    _SPEAKER_LINES = (by_id, made)
    return lines


def warm_page_check(archive: Archive) -> None:
    """Find now what the page check of the next build of this process reads
    of every speaker (the outline of their chart data, `speaker_outlines`,
    and their line of `BY_SPEAKER_MEETINGS`): an archive made from this
    one by difference keeps both where a speaker's meetings are unchanged
    (a live preview warming up before the first save)."""
    speakers = archive.chart_data.speakers if archive.chart_data is not None else {}
    speaker_outlines(speakers)
    speaker_lines(archive.meetings_by_id, archive.meetings_by_speaker)


def _hash_lines(lines: Iterable[str]) -> str:
    import hashlib

    return hashlib.blake2b("\n".join(lines).encode(), digest_size=16).hexdigest()
