"""The archive: every meeting loaded, resolved and indexed once, before anything
is rendered (STYLE.md §2). Immutable; templates receive its cross-links and
never search for them.

    build_archive(meetings, texts=None) -> (Archive, diagnostics)

Memory stays bounded whatever the size of the archive: the archive holds each
meeting's *outline* (the meeting without its turns) and what the indexes and
figures need of the turns (counts, the turns other records point at, the
newest speeches of each speaker with a snippet). The turns themselves come from
`MeetingTexts` when a page or an output shows them (`Archive.full`,
`Archive.full_meetings`), one meeting at a time.

What the archive takes from a meeting's turns (its facts) is kept by the build
cache between builds in one *archive state* (`MeetingTexts.keep_state`): each
meeting's part of its facts (figures, summary, speech counts) and the speeches
of each speaker's newest meetings, every entry under its meeting's facts key.
A build reads the text or facts of a meeting only when its key changed (or a
speaker's newest speeches now reach further back than the state kept). The
meetings' parts are kept in `STATE_SHARDS` shards by meeting id, the newest
speeches in `SPEECH_SHARDS` shards by speaker: a build rewrites only the shards
whose entries changed (a few for one changed transcript), and reads a
speaker's kept speeches only when a page shows them (`NewestSpeeches`).
What the indexes of the outlines take longest to make (their order, the
people, the motions' slugs, the charts' outline numbers) is kept too, under a
name for the list of outlines (`MeetingTexts.outlines_key`): a build whose
outlines are the last build's (an edited speech) reads it back.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from generator.errors import Diagnostic, warning
from generator.figures import (
    ArchiveFigureData,
    MeetingFigureData,
    OutlineFigureData,
    SpeakerFigures,
    SpeakerMemo,
    TimelineEvent,
    archive_figures,
    meeting_figure_data,
    outline_figures,
    spoken_in,
)
from generator.model import Commitment, Meeting, Motion, Person, Turn, TurnKind, VerdictKind
from generator.slugs import slugify
from generator.stats import (
    Figures,
    Interruption,
    MeetingFigures,
    meeting_figures,
    party_figures,
    sum_figures,
)
from generator.urls import party_slug
from generator.urls import slugify as remembered_slugify
from generator.workers import chunked, fork_map

T = TypeVar("T")
VERDICT_ORDER = tuple(VerdictKind)
LISTED_SPEECHES = 200  # a speaker page lists at most this many speeches (newest first)
SNIPPET_WORDS = 40
TEXT_BATCH = 8  # meetings per work item of the pass over the text


# fields (of the archive, or of its chart data) whose value under a meeting id is
# made from that meeting alone: its content, the speaker registry and the code
# (`generator.pagedeps` names such a value by the meeting's content hash)
MEETING_FIELDS = frozenset({"figures", "summaries", "chart_data.meetings",
                            "chart_data.verdicts_by_meeting"})


@dataclass(frozen=True)
class SpeechRef:
    """A speech turn in its meeting: the turn without its paragraphs (`turn.id`,
    `turn.label`, ...) and its first words."""

    meeting: Meeting
    turn: Turn
    snippet: str = ""
    interrupts: str | None = None  # the floor holder (person id) it interrupts
    place: tuple[str, int] | None = field(default=None, compare=False, repr=False)
    # (speaker id, index): where it sits in its meeting's facts (`_TurnFacts.speeches`),
    # which the meeting's content determines: what a page-dependency hash names it by


@dataclass(frozen=True)
class MeetingSummary:
    """What the archive keeps of a meeting's turns once their text is dropped."""

    speeches: int  # speech turns
    turns: Mapping[str, str | None]  # turns that records point at (motions, verdicts,
    # commitments, sections, suspensions) and exist: turn id -> speaker


class MeetingTexts(Protocol):
    """Where the turns of a meeting come from: the archive keeps outlines only."""

    def turns(self, meeting: Meeting) -> tuple[Turn, ...]:
        """The turns of `meeting` (an outline), as content loading made them."""
        ...

    def remembered(self, meeting: Meeting, make: Callable[[Meeting], T]) -> T:
        """``make(meeting with its turns)`` (`make` a pure function of it),
        possibly as an earlier build computed it for the same content."""
        ...

    def is_remembered(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> bool | None:
        """Whether `remembered` would read the value back rather than make it;
        None when this source remembers nothing."""
        ...

    def facts_key(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> str | None:
        """A name for ``make(meeting with its turns)`` that changes whenever
        what it is made from does (None: this source names nothing)."""
        ...

    def previous_state(self, name: str) -> Any:
        """What `keep_state` kept under `name` in an earlier build (None: nothing
        or unreadable). Its users trust only entries under a current `facts_key`."""
        ...

    def keep_state(self, name: str, value: object) -> None:
        """Keep `value` for the next build's `previous_state`."""
        ...

    def keeps_state_in_memory(self) -> bool:
        """Whether `previous_state` gives a later build of this process the
        very objects `keep_state` was given (a live preview's cache): only
        then is the last archive worth keeping."""
        ...

    # Optional: ``outlines_key(meetings) -> str | None``, a name for the list of
    # outlines `meetings` (in order) that changes whenever one of their values
    # does, or the registry or the code: the outline indexes made of them are
    # then kept under it (`_indexes_of_outlines`). Without it, they are made
    # every time.


class KeptTexts:
    """Turns kept in memory: meetings handed to `build_archive` whole (a test,
    a small archive)."""

    def __init__(self, turns: Mapping[str, tuple[Turn, ...]]):
        self._turns = dict(turns)

    def turns(self, meeting: Meeting) -> tuple[Turn, ...]:
        return self._turns[meeting.id]

    def remembered(self, meeting: Meeting, make: Callable[[Meeting], T]) -> T:
        return make(replace(meeting, turns=self.turns(meeting)))

    def is_remembered(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> bool | None:
        return None

    def facts_key(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> str | None:
        return None

    def previous_state(self, name: str) -> Any:
        return None

    def keep_state(self, name: str, value: object) -> None:
        pass

    def keeps_state_in_memory(self) -> bool:
        return False


def outline(meeting: Meeting) -> Meeting:
    """The meeting without its turns (everything else stays)."""
    return replace(meeting, turns=()) if meeting.turns else meeting


def snippet(paragraphs: tuple[str, ...], words: int = SNIPPET_WORDS) -> str:
    """The first `words` words of the paragraphs, with " …" when there are more
    (splits only as far as it needs to)."""
    tokens: list[str] = []
    for paragraph in paragraphs:
        tokens += paragraph.split(None, words + 1 - len(tokens))
        if len(tokens) > words:
            break
    return " ".join(tokens[:words]) + (" …" if len(tokens) > words else "")


@dataclass(frozen=True)
class MotionEntry:
    """A motion with its meeting and its unique page slug."""

    motion: Motion
    meeting: Meeting
    slug: str


@dataclass(frozen=True)
class CommitmentEntry:
    commitment: Commitment
    meeting: Meeting


@dataclass(frozen=True)
class Party:
    name: str
    slug: str
    members: tuple[str, ...]  # person ids, sorted by name


@dataclass(frozen=True)
class Archive:
    """All meetings and their cross-link indexes.

    Meetings are sorted by date (undated last), then id; they are outlines
    (``turns == ()``): `full` and `full_meetings` give them with their turns.
    Every mapping is read-only and iterates in a fixed order, so two builds
    render the same bytes."""

    meetings: tuple[Meeting, ...]  # outlines
    texts: MeetingTexts  # the turns of each meeting
    summaries: Mapping[str, MeetingSummary]  # by meeting id
    people: Mapping[str, Person]  # by person id, sorted by name
    parties: Mapping[str, Party]  # by party slug
    motions: Mapping[str, MotionEntry]  # by motion slug, in meeting order
    motions_by_meeting: Mapping[str, tuple[MotionEntry, ...]]  # by meeting id
    speech_counts: Mapping[str, int]  # speeches per person id
    newest_speeches: Mapping[str, tuple[SpeechRef, ...]]  # newest LISTED_SPEECHES first
    meetings_by_speaker: Mapping[str, tuple[Meeting, ...]]
    motions_by_submitter: Mapping[str, tuple[MotionEntry, ...]]
    motions_by_turn: Mapping[tuple[str, str], tuple[MotionEntry, ...]]  # read out there
    verdicts_by_turn: Mapping[tuple[str, str], tuple[MotionEntry, ...]]  # verdict given
    motions_by_verdict: Mapping[VerdictKind | None, tuple[MotionEntry, ...]]
    commitments: tuple[CommitmentEntry, ...]
    figures: Mapping[str, MeetingFigures]  # by meeting id; without interruptions (see
    # `interruptions`: the archive does not keep one record per interrupting turn)
    person_figures: Mapping[str, Figures]
    party_figures: Mapping[str, Figures]  # by party name
    roles: Mapping[str, tuple[str, ...]]  # person id -> roles as printed, sorted
    meetings_by_id: Mapping[str, Meeting]  # the outlines by meeting id
    chart_data: ArchiveFigureData | None = None  # the charts' numbers (generator.figures)

    def full(self, meeting: Meeting) -> Meeting:
        """`meeting` (an outline of this archive) with its turns."""
        return replace(meeting, turns=self.texts.turns(meeting))

    def full_meetings(self) -> Iterator[Meeting]:
        """Every meeting with its turns, in archive order, one at a time (a
        consumer that keeps none holds one meeting's text at a time)."""
        for meeting in self.meetings:
            yield self.full(meeting)

    def interruptions(self, meeting: Meeting) -> Mapping[str, Interruption]:
        """The meeting's interruptions by turn id (`generator.stats`)."""
        return self.texts.remembered(meeting, _turn_facts).figures.interruptions

    def has_turn(self, meeting: Meeting, turn_id: str | None) -> bool:
        """Whether a turn that a record of `meeting` points at exists."""
        return turn_id in self.summaries[meeting.id].turns

    def meeting_slug(self, meeting: Meeting) -> str:
        # asked for every speech a speaker page lists: the cached slugify
        return remembered_slugify(meeting.id, fallback="vergadering")

    def party_of(self, person_id: str | None) -> Party | None:
        person = self.people.get(person_id or "")
        if person is None or not person.party:
            return None
        return self.parties.get(party_slug(person.party))

    def motions_of_party(self, party: Party) -> tuple[MotionEntry, ...]:
        seen: dict[str, MotionEntry] = {}
        for pid in party.members:
            for entry in self.motions_by_submitter.get(pid, ()):
                seen[entry.slug] = entry
        order = {slug: i for i, slug in enumerate(self.motions)}
        return tuple(sorted(seen.values(), key=lambda e: order[e.slug]))


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


def _date_key(meeting: Meeting) -> tuple[int, str, str]:
    return (0 if meeting.date else 1, meeting.date or "", meeting.id)


def is_iso_date(text: str | None) -> bool:
    """``2020-09-28``: what `Meeting.date` promises (checked here, because a
    hand-edited sidecar or content file may hold anything)."""
    if text is None or len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _checked_dates(meetings: Iterable[Meeting]) -> tuple[list[Meeting], list[Diagnostic]]:
    """Meetings whose date is not an ISO date become undated, with a warning."""
    out: list[Meeting] = []
    diags: list[Diagnostic] = []
    for meeting in meetings:
        if meeting.date is not None and not is_iso_date(meeting.date):
            diags.append(warning(
                f"meeting date {meeting.date!r} is not a date as YYYY-MM-DD; shown as undated",
                meeting.source.file, meeting.source.line,
                hint="write the date as 2020-09-28 (in the metadata sidecar or content file)"))
            meeting = replace(meeting, date=None)
        out.append(meeting)
    return out, diags


def _unique_meetings(meetings: Iterable[Meeting]) -> tuple[list[Meeting], list[Diagnostic]]:
    """Drop meetings whose id slug repeats one already seen (their pages would
    overwrite each other)."""
    kept: dict[str, Meeting] = {}
    meetings, diags = _checked_dates(meetings)
    for meeting in sorted(meetings, key=_date_key):
        slug = slugify(meeting.id, fallback="vergadering")
        if slug in kept:
            diags.append(warning(f"two meetings share the id {slug!r}; the second is skipped",
                                 meeting.source.file, meeting.source.line,
                                 hint="give one of them another id in its metadata sidecar"))
            continue
        kept[slug] = meeting
    return list(kept.values()), diags


def merge_people(meetings: Iterable[Meeting]) -> dict[str, Person]:
    """One Person per id across meetings; later meetings fill in a missing party
    and the longer name wins (the registry has already resolved identities)."""
    people: dict[str, Person] = {}
    for meeting in meetings:
        for person in meeting.people:
            known = people.get(person.id)
            if known is None:
                people[person.id] = person if person.role is None else \
                    Person(person.id, person.name, person.party)
                continue
            name = person.name if len(person.name) > len(known.name) else known.name
            party = person.party or known.party
            if name != known.name or party != known.party:  # else the same Person again
                people[person.id] = replace(known, name=name, party=party)
    return dict(sorted(people.items(), key=lambda kv: (kv[1].name.lower(), kv[0])))


def _motion_entries(meetings: list[Meeting], slugs: Sequence[str] | None = None
                    ) -> dict[str, MotionEntry]:
    """Every motion by its unique slug. `slugs`: those this gave for the same
    meetings before (`_KeptOutlines`), in order."""
    if slugs is not None:
        motions = [(motion, meeting) for meeting in meetings for motion in meeting.motions]
        if len(motions) != len(slugs):
            raise ValueError("not the motions the slugs were made for")
        return {slug: MotionEntry(motion, meeting, slug)
                for slug, (motion, meeting) in zip(slugs, motions, strict=True)}
    entries: dict[str, MotionEntry] = {}
    for meeting in meetings:
        mslug = slugify(meeting.id, fallback="vergadering")
        for motion in meeting.motions:
            slug = slugify(motion.id, fallback="motie")
            if slug in entries:
                slug = f"{mslug}-{slug}"
            n = 2
            base = slug
            while slug in entries:
                slug, n = f"{base}-{n}", n + 1
            entries[slug] = MotionEntry(motion, meeting, slug)
    return entries


def _pointed_at(meeting: Meeting) -> set[str | None]:
    """Turn ids that records of the meeting point at."""
    ids: set[str | None] = {s.turn for s in meeting.sections}
    ids.update(s.turn for s in meeting.suspensions)
    ids.update(c.turn for c in meeting.commitments)
    for motion in meeting.motions:
        ids.add(motion.turn)
        ids.add(motion.verdict.turn if motion.verdict else None)
        ids.add(motion.vote.turn if motion.vote else None)
    return ids


def _summary(meeting: Meeting) -> MeetingSummary:
    pointed = _pointed_at(meeting)
    turns: dict[str, str | None] = {}
    for turn in meeting.turns:
        if turn.id in pointed:
            turns.setdefault(turn.id, turn.speaker)  # the first of a repeated id
    return MeetingSummary(sum(1 for turn in meeting.turns if turn.kind is TurnKind.SPEECH),
                          MappingProxyType(turns))


@dataclass(frozen=True)
class _TurnFacts:
    """What the archive takes from one meeting's turns (made in a worker)."""

    figures: MeetingFigures
    figure_data: MeetingFigureData
    summary: MeetingSummary
    speeches: Mapping[str, tuple[tuple[Turn, str, str | None], ...]]  # speaker id ->
    # (turn without its paragraphs, snippet, floor holder it interrupts), as spoken


def _turn_facts(meeting: Meeting) -> _TurnFacts:
    """A pure function of the meeting (the build cache may remember it)."""
    found = meeting_figures(meeting)
    speeches: dict[str, list[tuple[Turn, str, str | None]]] = defaultdict(list)
    for t in meeting.turns:
        if t.kind is TurnKind.SPEECH and t.speaker is not None:
            hit = found.interruptions.get(t.id)
            speeches[t.speaker].append((Turn(t.id, t.speaker, t.label, (), t.source, t.kind),
                                        snippet(t.paragraphs), hit.floor_holder if hit else None))
    return _TurnFacts(replace(found, turn_words=MappingProxyType({})),
                      meeting_figure_data(meeting, found), _summary(meeting),
                      {pid: tuple(refs) for pid, refs in speeches.items()})


Speeches = tuple[tuple[Turn, str, str | None], ...]  # a speaker's in one meeting (`_TurnFacts`)


@dataclass(frozen=True)
class _MeetingPart:
    """What the archive keeps of one meeting's facts, the speeches' text aside
    (small: the archive state holds it for every meeting)."""

    figures: MeetingFigures  # without interruptions or turn words
    figure_data: MeetingFigureData
    summary: MeetingSummary
    speeches: Mapping[str, int]  # speaker id -> their speeches, in the facts' order


def _part(facts: _TurnFacts) -> _MeetingPart:
    return _MeetingPart(replace(facts.figures, interruptions=MappingProxyType({})),
                        facts.figure_data, facts.summary,
                        MappingProxyType({pid: len(refs) for pid, refs in facts.speeches.items()}))


class _NewestGroups:
    """Each speaker's speeches by meeting, keeping only the groups (one per
    meeting) that can still be among the newest `limit`: memory stays
    bounded however many meetings stream past. A group dropped here is not
    among the newest of any longer series either (the newer groups that made
    it drop only grow), so the groups of some meetings can be gathered apart
    from those of the others."""

    def __init__(self, limit: int):
        self.limit = limit
        self.groups: dict[str, list[tuple[str, Speeches]]] = defaultdict(list)
        self.kept: dict[str, int] = defaultdict(int)

    def add(self, meeting_id: str, speeches: Mapping[str, Speeches]) -> None:
        for pid, turns in speeches.items():
            groups = self.groups[pid]
            groups.append((meeting_id, turns))
            self.kept[pid] += len(turns)
            while len(groups) > 1 and self.kept[pid] - len(groups[0][1]) >= self.limit:
                self.kept[pid] -= len(groups.pop(0)[1])

    def kept_groups(self) -> dict[tuple[str, str], Speeches]:
        return {(mid, pid): turns for pid, groups in self.groups.items() for mid, turns in groups}


def _newest_meetings(ordered: Sequence[Meeting], parts: Mapping[str, _MeetingPart],
                     people: Mapping[str, Person], limit: int) -> dict[str, list[str]]:
    """Per speaker, the meetings (newest first) whose speeches are among their
    newest `limit`: every meeting they spoke in until `limit` are counted."""
    counted: dict[str, int] = defaultdict(int)
    found: dict[str, list[str]] = defaultdict(list)
    for meeting in reversed(ordered):
        for pid, count in parts[meeting.id].speeches.items():
            if pid in people and counted[pid] < limit:
                found[pid].append(meeting.id)
                counted[pid] += count
    return found


ARCHIVE_STATE = "archive"  # the name `MeetingTexts.keep_state` keeps it under (one per shard)
STATE_FORMAT = 2
STATE_SHARDS = 32  # a meeting's entries sit in one shard: a build rewrites the shards it changed


@dataclass(frozen=True)
class _Gathered:
    """Every meeting's part and the speeches of the newest ones per speaker."""

    parts: dict[str, _MeetingPart]  # by meeting id
    newest: dict[str, list[str]]  # speaker id -> meeting ids, newest first
    speeches: dict[tuple[str, str], Speeches]  # (meeting id, speaker id) of `newest`
    # (of the speakers whose speeches were gathered now; the others' come from `kept`)
    kept: _KeptSpeeches


def state_shard(meeting_id: str) -> int:
    """The shard of the archive state that keeps a meeting's entries."""
    return zlib.crc32(meeting_id.encode("utf-8")) % STATE_SHARDS


def _shard_name(shard: int) -> str:
    return f"{ARCHIVE_STATE}-{shard:02d}"


def _entry_keys(parts: Mapping) -> dict:
    """A shard's facts key per meeting."""
    return {mid: e[0] if isinstance(e, tuple) and len(e) == 2 else None
            for mid, e in parts.items()}


@dataclass(frozen=True)
class _PreviousState:
    """The entries an earlier build kept, by shard (None: missing or
    unreadable): a meeting's part under its facts key."""

    shards: list[dict | None]

    @cached_property
    def parts(self) -> dict:
        """Every shard's entries, by meeting id."""
        parts: dict = {}
        for entries in self.shards:
            parts.update(entries or {})
        return parts

    def entry(self, meeting_id: str) -> Any:
        """The entry of one meeting (None: none)."""
        entries = self.shards[state_shard(meeting_id)]
        return None if entries is None else entries.get(meeting_id)


def _previous(texts: MeetingTexts) -> _PreviousState:
    """What the shards of the archive state hold (empty where they are missing
    or unreadable)."""
    shards: list[dict | None] = []
    for shard in range(STATE_SHARDS):
        state = texts.previous_state(_shard_name(shard))
        ok = isinstance(state, tuple) and len(state) == 2 and state[0] == STATE_FORMAT \
            and isinstance(state[1], dict)
        shards.append(state[1] if ok else None)
    return _PreviousState(shards)


def _keep(texts: MeetingTexts, keys: Mapping[str, str | None], gathered: _Gathered,
          previous: _PreviousState, members: Sequence[Sequence[str]] | None = None,
          only: Iterable[int] | None = None) -> None:
    """Keep the meetings' parts for the next build, rewriting only the shards
    whose entries (meetings and their facts keys) are not those kept: an
    entry's value is a function of its key, so a shard with the same keys
    holds the same values. With `members` (the meeting ids of each shard,
    `_shard_members`), only the shards `only` are compared (those of the
    meetings whose keys changed since the entries kept: the others' are)."""
    if members is None:
        members = _shard_members(gathered.parts)
    for shard in range(STATE_SHARDS) if only is None else sorted(set(only)):
        entries = {mid: (keys[mid], gathered.parts[mid]) for mid in members[shard]
                   if keys[mid] is not None}
        if _entry_keys(previous.shards[shard] or {}) != _entry_keys(entries):
            texts.keep_state(_shard_name(shard), (STATE_FORMAT, _shared_parts(entries)))
            # (a missing shard holds no entries)


def _shared_parts(entries: Mapping[str, tuple[str | None, _MeetingPart]]
                  ) -> dict[str, tuple[str | None, _MeetingPart]]:
    """`entries` (equal, entry for entry) with the equal strings, `Figures`
    and empty mappings of their parts made one object each: a shard pickles
    each once (pickle's memo), and reads back faster (10,000 meetings: ~6 of
    7 strings of the state repeated within their shard; 0.62 -> 0.46 CPU-s
    to read the 32 shards)."""
    seen: dict = {}
    s = seen.setdefault
    empty: Mapping = MappingProxyType({})

    def figures(found: Figures) -> Figures:
        return s((found.turns, found.words, found.interruptions_made,
                  found.interruptions_received), found)

    def text(value: str | None) -> str | None:
        return value if value is None else s(value, value)

    def keyed(mapping: Mapping[str, T], value: Callable[[T], T]) -> Mapping[str, T]:
        return MappingProxyType({s(k, k): value(v) for k, v in mapping.items()}) if mapping \
            else empty

    def same(value: T) -> T:
        return value

    out: dict[str, tuple[str | None, _MeetingPart]] = {}
    for mid, (key, part) in entries.items():
        found, data = part.figures, part.figure_data
        by_person = keyed(found.by_person, figures)
        out[mid] = (key, _MeetingPart(
            MeetingFigures(s(found.meeting, found.meeting), by_person, figures(found.total),
                           keyed(found.interruptions, same), keyed(found.turn_words, same)),
            MeetingFigureData(
                s(data.meeting, data.meeting),
                tuple([(s(pid, pid), by_person.get(pid) or figures(f)) for pid, f in data.share]),
                tuple([TimelineEvent(s(e.kind, e.kind), s(e.label, e.label), s(e.turn, e.turn),
                                     e.position) for e in data.timeline]),
                text(data.start), text(data.end)),
            MeetingSummary(part.summary.speeches, keyed(part.summary.turns, text)),
            keyed(part.speeches, same)))
    return out


def _shard_members(meeting_ids: Iterable[str]) -> list[list[str]]:
    """The meeting ids of each shard of the archive state, in the order given."""
    members: list[list[str]] = [[] for _ in range(STATE_SHARDS)]
    for mid in meeting_ids:
        members[state_shard(mid)].append(mid)
    return members


SPEECH_SHARDS = 1024  # the newest speeches kept by speaker: a page reads its speaker's shard
SPEECH_INDEX = f"{ARCHIVE_STATE}-speakers"  # speaker id -> (meeting id, facts key) kept


def speech_shard(person_id: str) -> int:
    """The shard of the kept speeches that holds a speaker's newest speeches."""
    return zlib.crc32(person_id.encode("utf-8")) % SPEECH_SHARDS


def _speech_shard_name(shard: int) -> str:
    return f"{ARCHIVE_STATE}-speeches/{shard:04d}"


_Sources = tuple[tuple[str, str | None], ...]  # a speaker's newest meetings and their keys


def _previous_index(texts: MeetingTexts) -> dict[str, _Sources]:
    """Which newest speeches the speech shards kept, by speaker (empty when
    missing or unreadable)."""
    state = texts.previous_state(SPEECH_INDEX)
    if not (isinstance(state, tuple) and len(state) == 2 and state[0] == STATE_FORMAT
            and isinstance(state[1], dict)):
        return {}
    return state[1]


class _KeptSpeeches:
    """The newest speeches of the speakers whose kept entries are current,
    read from their speech shard when first asked for (a build that renders
    a few speaker pages reads a few shards). An entry that is missing or
    under another key (a shard written by a build killed before its index)
    is read from the meeting's facts instead: a stale shard costs time,
    never a wrong page."""

    def __init__(self, texts: MeetingTexts, keys: Mapping[str, str | None],
                 by_id: Mapping[str, Meeting]):
        self.texts, self.keys, self.by_id = texts, keys, by_id
        self._shards: dict[int, dict] = {}

    def shard(self, shard: int) -> dict:
        """What a speech shard holds: (meeting id, speaker id) -> (facts key, speeches)."""
        if shard not in self._shards:
            state = self.texts.previous_state(_speech_shard_name(shard))
            ok = isinstance(state, tuple) and len(state) == 2 and state[0] == STATE_FORMAT \
                and isinstance(state[1], dict)
            self._shards[shard] = state[1] if ok else {}
        return self._shards[shard]

    def speeches(self, meeting_id: str, person_id: str) -> Speeches:
        found = _kept(self.shard(speech_shard(person_id)).get((meeting_id, person_id)),
                      self.keys.get(meeting_id))
        if isinstance(found, tuple):
            return found
        return self.texts.remembered(self.by_id[meeting_id], _turn_facts).speeches[person_id]


def _keep_speeches(texts: MeetingTexts, kept: _KeptSpeeches, index: Mapping[str, _Sources],
                   sources: Mapping[str, _Sources],
                   speeches: Mapping[tuple[str, str], Speeches]) -> None:
    """Rewrite the speech shards of the speakers whose newest speeches were
    gathered now (`speeches`) or who are gone, then the index of what the
    shards hold."""
    changed = {pid for pid in index.keys() | sources.keys()
               if index.get(pid) != sources.get(pid)}
    shard_of = {pid: speech_shard(pid) for pid in changed}
    gathered: dict[int, list] = defaultdict(list)  # shard -> its new entries, in order
    for (mid, pid), refs in speeches.items():  # (once: not once per shard, 1024 of them)
        if pid in changed and pid in sources:
            gathered[shard_of[pid]].append(((mid, pid), (kept.keys[mid], refs)))
    for shard in sorted(set(shard_of.values())):
        entries = {pair: entry for pair, entry in kept.shard(shard).items()
                   if isinstance(pair, tuple) and len(pair) == 2 and pair[1] not in changed}
        entries.update(gathered.get(shard, ()))
        texts.keep_state(_speech_shard_name(shard), (STATE_FORMAT, entries))
    if changed:
        texts.keep_state(SPEECH_INDEX, (STATE_FORMAT, dict(sources)))


def _kept(found: Any, key: str | None) -> Any:
    """The value of a `(facts key, value)` entry of the state, if `key` is its key."""
    if key is None or not isinstance(found, tuple) or len(found) != 2 or found[0] != key:
        return None
    return found[1]


@dataclass(frozen=True)
class _Parts:
    """Every meeting's part, under the facts keys of this build, and what the
    archive state an earlier build kept held (`_gather_parts`)."""

    keys: dict[str, str | None]  # by meeting id
    parts: dict[str, _MeetingPart]  # by meeting id
    previous: _PreviousState
    fresh: _NewestGroups  # speeches that came along with their part
    changed: list[str] | None  # the meetings whose key is not the last archive's (None:
    # made without one)

    def previous_part(self, meeting_id: str, key: str | None) -> _MeetingPart | None:
        """The part the state kept for the meeting under `key` (None: none)."""
        found = _kept(self.previous.entry(meeting_id), key)
        return found if isinstance(found, _MeetingPart) else None


def _gather_parts(ordered: Sequence[Meeting], people: Mapping[str, Person],
                  texts: MeetingTexts, jobs: int, last: _Built | None = None) -> _Parts:
    """Each meeting's part, reading the text of the meetings only where the
    archive state an earlier build kept has no entry under the meeting's
    current facts key (its content, registry and the generator's code).
    With `last` (an archive of the same meetings), the parts of the
    meetings whose keys are its keys are its parts."""
    keys = {m.id: texts.facts_key(m, _turn_facts) for m in ordered}
    previous = _previous(texts)
    parts: dict[str, _MeetingPart] = {}
    todo: Sequence[Meeting] = ordered
    if last is not None:
        then = last.keys
        parts = dict(last.parts)
        todo = [m for m in ordered if keys[m.id] is None or keys[m.id] != then.get(m.id)]
    missing = []
    for meeting in todo:
        part = _kept(previous.entry(meeting.id), keys[meeting.id])
        if isinstance(part, _MeetingPart):
            parts[meeting.id] = part
        else:
            missing.append(meeting)
    fresh = _NewestGroups(LISTED_SPEECHES)
    for meeting, (part, came) in zip(missing, _parts_in_order(missing, texts, jobs), strict=True):
        parts[meeting.id] = part
        if came is not None:
            fresh.add(meeting.id, {pid: refs for pid, refs in came.items() if pid in people})
    return _Parts(keys, parts, previous, fresh,
                  None if last is None else [m.id for m in todo])


def _gather(ordered: Sequence[Meeting], people: Mapping[str, Person], texts: MeetingTexts,
            jobs: int, found: _Parts | None = None,
            newest: dict[str, list[str]] | None = None,
            by_id: Mapping[str, Meeting] | None = None,
            members: Sequence[Sequence[str]] | None = None,
            changed: Iterable[str] | None = None) -> _Gathered:
    """The facts the archive needs (`_gather_parts`, unless `found` has
    them) and the speeches of each speaker's `newest` meetings (made from the
    parts unless given); then keep the state for the next build (`_keep`:
    with `members` and the meetings `changed` since the state kept, only
    their shards are compared). `by_id`: the meetings by id, if at hand."""
    if found is None:
        found = _gather_parts(ordered, people, texts, jobs)
    keys, parts, previous, fresh = found.keys, found.parts, found.previous, found.fresh
    if newest is None:
        newest = _newest_meetings(ordered, parts, people, LISTED_SPEECHES)
    if by_id is None:
        by_id = {m.id: m for m in ordered}
    kept = _KeptSpeeches(texts, keys, by_id)
    index = _previous_index(texts)
    sources = {pid: tuple((mid, keys[mid]) for mid in mids) for pid, mids in newest.items()}
    sources = {pid: pairs for pid, pairs in sources.items()
               if all(key is not None for _, key in pairs)}
    made = fresh.kept_groups()
    speeches: dict[tuple[str, str], Speeches] = {}
    unread: dict[str, list[str]] = defaultdict(list)  # meeting id -> speakers to read there
    for pid, mids in newest.items():
        if pid in sources and index.get(pid) == sources[pid]:
            continue  # the shards hold them: read when a page asks (`_KeptSpeeches`)
        for mid in mids:
            got = made.get((mid, pid))
            if got is None and pid in index:
                got = _kept(kept.shard(speech_shard(pid)).get((mid, pid)), keys[mid])
            if isinstance(got, tuple):
                speeches[(mid, pid)] = got
            else:
                unread[mid].append(pid)
    if unread:
        speeches.update(_read_speeches([m for m in ordered if m.id in unread], unread, texts,
                                       jobs))
    gathered = _Gathered(parts, newest, speeches, kept)
    _keep(texts, keys, gathered, previous, members,
          None if changed is None or members is None else map(state_shard, changed))
    _keep_speeches(texts, kept, index, sources, speeches)
    return gathered


def _read_speeches(meetings: Sequence[Meeting], speakers: Mapping[str, Sequence[str]],
                   texts: MeetingTexts, jobs: int) -> Iterator[tuple[tuple[str, str], Speeches]]:
    """The speeches of `speakers[meeting.id]` in each of `meetings`, read from
    their facts by `jobs` workers (which send back only those speeches)."""
    def read(batch: Sequence[int]) -> list[dict[str, Speeches]]:
        found = []
        for i in batch:
            facts = texts.remembered(meetings[i], _turn_facts)
            found.append({pid: facts.speeches[pid] for pid in speakers[meetings[i].id]})
        return found
    done = (found for batch in fork_map(read, chunked(range(len(meetings)), TEXT_BATCH), jobs)
            for found in batch)
    for meeting, found in zip(meetings, done, strict=True):
        for pid, refs in found.items():
            yield (meeting.id, pid), refs


class NewestSpeeches(Mapping):
    """Per speaker id, their newest speeches: newest meeting first, each
    meeting's speeches in the order spoken, at most `limit`. A speaker's are
    made when first asked for (from the speeches gathered now or those the
    archive state kept: `_KeptSpeeches`), so a build that shows a few speaker
    pages reads the kept speeches of those speakers alone."""

    def __init__(self, newest: Mapping[str, Sequence[str]], by_id: Mapping[str, Meeting],
                 limit: int, speeches: Callable[[str, str], Speeches]):
        self._newest = {pid: tuple(mids) for pid, mids in sorted(newest.items())}
        self._by_id, self.limit, self._speeches = by_id, limit, speeches
        self._made: dict[str, tuple[SpeechRef, ...]] = {}

    def __getitem__(self, person_id: str) -> tuple[SpeechRef, ...]:
        found = self._made.get(person_id)
        if found is None:
            mids = self._newest[person_id]
            found = self._made[person_id] = tuple(
                SpeechRef(self._by_id[mid], *speech, place=(person_id, j))
                for mid in mids for j, speech in enumerate(self._speeches(mid, person_id))
            )[:self.limit]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._newest)

    def __len__(self) -> int:
        return len(self._newest)

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._newest

    def meetings_of(self, person_id: str) -> tuple[str, ...] | None:
        """The meetings a speaker's newest speeches come from, newest first
        (None: not a speaker): with `limit` and each meeting's content, what
        determines their speeches (`generator.pagedeps` hashes these)."""
        return self._newest.get(person_id)

    def __reduce__(self) -> tuple:
        return (dict, (list(self.items()),))


def _newest_speeches(gathered: _Gathered, by_id: Mapping[str, Meeting],
                     limit: int) -> NewestSpeeches:
    """Per speaker, newest meeting first, each meeting's speeches in the order
    spoken, at most `limit`."""
    def speeches(meeting_id: str, person_id: str) -> Speeches:
        found = gathered.speeches.get((meeting_id, person_id))
        return found if found is not None else gathered.kept.speeches(meeting_id, person_id)
    return NewestSpeeches(gathered.newest, by_id, limit, speeches)


def _parts_in_order(ordered: Sequence[Meeting], texts: MeetingTexts, jobs: int
                    ) -> Iterator[tuple[_MeetingPart, Mapping[str, Speeches] | None]]:
    """The part of each meeting's facts, in order: the only pass over the text
    of every meeting, on `jobs` workers. Where `texts` remembers facts, a
    worker reads them (or makes and stores them) and sends back the part
    alone: the speeches stay in the facts file, read where a speaker's newest
    need them (the whole facts, pickled by a worker and again on the way back,
    would cost twice what reading them costs). Otherwise the speeches come
    along."""
    remembers = bool(ordered) and texts.is_remembered(ordered[0], _turn_facts) is not None

    def make(batch: Sequence[int]) -> list[tuple[_MeetingPart, Mapping[str, Speeches] | None]]:
        made = []
        for i in batch:
            facts = texts.remembered(ordered[i], _turn_facts)
            made.append((_part(facts), None if remembers else facts.speeches))
        return made
    for batch in fork_map(make, chunked(range(len(ordered)), TEXT_BATCH), jobs):
        yield from batch


@dataclass(frozen=True)
class _OutlineIndexes:
    """What `build_archive` makes of the meetings' outlines alone
    (`generator.pagestate.OUTLINE_FIELDS`, the people's roles, the charts'
    `OutlineFigureData`): outlines equal to another build's give the same."""

    ordered: tuple[Meeting, ...]  # sorted, unique, dates checked
    diagnostics: tuple[Diagnostic, ...]
    people: Mapping[str, Person]
    roles: Mapping[str, tuple[str, ...]]
    parties: Mapping[str, Party]
    motions: Mapping[str, MotionEntry]
    motions_by_meeting: Mapping[str, tuple[MotionEntry, ...]]
    motions_by_submitter: Mapping[str, tuple[MotionEntry, ...]]
    submitted: Mapping[str, tuple[MotionEntry, ...]]  # the same, in the order found
    motions_by_turn: Mapping[tuple[str, str], tuple[MotionEntry, ...]]
    verdicts_by_turn: Mapping[tuple[str, str], tuple[MotionEntry, ...]]
    motions_by_verdict: Mapping[VerdictKind | None, tuple[MotionEntry, ...]]
    commitments: tuple[CommitmentEntry, ...]
    meetings_by_id: Mapping[str, Meeting]
    chart: OutlineFigureData | None  # made by `_with_chart` when the archive has texts


def _outline_indexes(ordered: list[Meeting], diags: list[Diagnostic],
                     kept: _KeptOutlines | None = None) -> _OutlineIndexes:
    """The indexes of `_OutlineIndexes` (`ordered` as `_unique_meetings` gives it;
    `kept`: what an earlier build found for the same outlines)."""
    if kept is not None:
        people, sorted_roles = dict(kept.people), dict(kept.roles)
    else:
        people = merge_people(ordered)
        roles: dict[str, set[str]] = defaultdict(set)
        for meeting in ordered:
            for person in meeting.people:
                if person.role:
                    roles[person.id].add(person.role)
        sorted_roles = {k: tuple(sorted(v)) for k, v in sorted(roles.items())}
    motions = _motion_entries(ordered, kept.slugs if kept is not None else None)
    by_submitter: dict[str, list[MotionEntry]] = defaultdict(list)
    by_turn: dict[tuple[str, str], list[MotionEntry]] = defaultdict(list)
    verdict_turn: dict[tuple[str, str], list[MotionEntry]] = defaultdict(list)
    by_verdict: dict[VerdictKind | None, list[MotionEntry]] = {k: [] for k in VERDICT_ORDER}
    by_verdict[None] = []
    by_meeting: dict[str, list[MotionEntry]] = defaultdict(list)
    for entry in motions.values():
        motion = entry.motion
        by_meeting[entry.meeting.id].append(entry)
        for pid in dict.fromkeys(p for p in motion.submitter_ids if p in people):
            by_submitter[pid].append(entry)
        if motion.turn:
            by_turn[(entry.meeting.id, motion.turn)].append(entry)
        if motion.verdict and motion.verdict.turn:
            verdict_turn[(entry.meeting.id, motion.verdict.turn)].append(entry)
        by_verdict[motion.verdict.kind if motion.verdict else None].append(entry)
    parties: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for pid, person in people.items():
        if person.party:
            parties[party_slug(person.party)].append(pid)
            names.setdefault(party_slug(person.party), person.party)
    return _OutlineIndexes(
        ordered=tuple(ordered),
        diagnostics=tuple(diags),
        people=_frozen(people),
        roles=_frozen(sorted_roles),
        parties=_frozen({slug: Party(names[slug], slug, tuple(members))
                         for slug, members in sorted(parties.items())}),
        motions=_frozen(motions),
        motions_by_meeting=_frozen({k: tuple(v) for k, v in by_meeting.items()}),
        motions_by_submitter=_frozen({k: tuple(v) for k, v in sorted(by_submitter.items())}),
        submitted={k: tuple(v) for k, v in by_submitter.items()},
        motions_by_turn=_frozen({k: tuple(v) for k, v in by_turn.items()}),
        verdicts_by_turn=_frozen({k: tuple(v) for k, v in verdict_turn.items()}),
        motions_by_verdict=_frozen({k: tuple(v) for k, v in by_verdict.items()}),
        commitments=tuple(CommitmentEntry(c, m) for m in ordered for c in m.commitments),
        meetings_by_id=_frozen({m.id: m for m in ordered}),
        chart=kept.chart if kept is not None else None,
    )


OUTLINE_STATE = f"{ARCHIVE_STATE}-outlines"  # `_KeptOutlines` of the last outlines


@dataclass(frozen=True)
class _KeptOutlines:
    """What the outline indexes of a list of outlines are made of that takes
    longest to make and holds no meeting: kept under a name for that list
    (`MeetingTexts.outlines_key`), so that a build whose outlines are those
    of the last one (an edit of a speech) does not make it again. 10,000
    meetings: ~1.1 CPU-s to make, ~0.1 to read back."""

    ordered: tuple[str, ...]  # the meeting ids, as `_unique_meetings` orders them
    undated: frozenset[str]  # those whose date `_checked_dates` took away
    diagnostics: tuple[Diagnostic, ...]
    people: dict[str, Person]  # `merge_people`
    roles: dict[str, tuple[str, ...]]
    slugs: tuple[str, ...]  # the motions' slugs (`_motion_entries`), in order
    chart: OutlineFigureData


def _indexes_of_outlines(meetings: Sequence[Meeting], texts: MeetingTexts) -> _OutlineIndexes:
    """`_outline_indexes` of `meetings` (with their chart data), from what
    an earlier build kept for the same outlines where `texts` names them;
    kept for the next build when made."""
    name = getattr(texts, "outlines_key", None)  # (a `MeetingTexts` may name none)
    key = name(meetings) if name is not None else None
    if key is not None:
        state = texts.previous_state(OUTLINE_STATE)
        if isinstance(state, tuple) and len(state) == 3 and state[0] == STATE_FORMAT \
                and state[1] == key and isinstance(state[2], _KeptOutlines):
            found = _from_kept(meetings, state[2])
            if found is not None:
                return found
    ordered, diags = _unique_meetings(meetings)
    made = _with_chart(_outline_indexes(ordered, diags))
    if key is not None and made.chart is not None:
        given = {m.id: m for m in meetings}
        texts.keep_state(OUTLINE_STATE, (STATE_FORMAT, key, _KeptOutlines(
            tuple(m.id for m in made.ordered),
            frozenset(m.id for m in made.ordered if given.get(m.id) is not m),
            made.diagnostics, dict(made.people), dict(made.roles),
            tuple(made.motions), made.chart)))
    return made


def _from_kept(meetings: Sequence[Meeting], kept: _KeptOutlines) -> _OutlineIndexes | None:
    """`_with_chart(_outline_indexes(...))` of `meetings` from `kept` (None:
    `kept` does not fit them)."""
    given = {m.id: m for m in meetings}
    try:
        ordered = [replace(given[mid], date=None) if mid in kept.undated else given[mid]
                   for mid in kept.ordered]
        return _outline_indexes(ordered, list(kept.diagnostics), kept)
    except (KeyError, ValueError):
        return None


def _with_chart(found: _OutlineIndexes) -> _OutlineIndexes:
    """`found` with its `OutlineFigureData`."""
    if found.chart is not None:
        return found
    return replace(found, chart=outline_figures(found.ordered, found.people, found.submitted))


@dataclass(frozen=True)
class _FactsIndexes:
    """What `build_archive` sums up of the meetings' parts (`_facts_indexes`)."""

    spoke_in: dict[str, tuple[Meeting, ...]]  # person of the archive -> meetings spoken in
    # (a person's tuple is the last build's own when their meetings are the same)
    counts: dict[str, int]  # speeches per person of the archive
    per_person: dict[str, Figures]  # every person's figures, summed; sorted by id
    by_person: dict[str, list[Meeting]] | None  # `generator.figures.spoken_in` (None:
    # not made: the speakers' chart data makes it when first asked)
    newest: dict[str, list[str]]  # `_newest_meetings`


def _facts_indexes(ordered: Sequence[Meeting], people: Mapping[str, Person],
                   parts: Mapping[str, _MeetingPart]) -> _FactsIndexes:
    """The sums of `_FactsIndexes`, from every meeting's part."""
    spoke_in: dict[str, list[Meeting]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for meeting in ordered:
        for pid, count in parts[meeting.id].speeches.items():
            if pid in people:
                spoke_in[pid].append(meeting)
                counts[pid] += count
    per_person = sum_figures([parts[m.id].figures.by_person for m in ordered])
    return _FactsIndexes({pid: tuple(found) for pid, found in spoke_in.items()}, dict(counts),
                         per_person, None,
                         _newest_meetings(ordered, parts, people, LISTED_SPEECHES))


def _facts_by_difference(last: _FactsIndexes, by_person: Mapping[str, list[Meeting]],
                         ordered: Sequence[Meeting], people: Mapping[str, Person],
                         parts: Mapping[str, _MeetingPart],
                         changed: Mapping[str, _MeetingPart]) -> _FactsIndexes:
    """`_facts_indexes` of `parts`, from `last`: those of the same meetings
    (the same objects, in the same order; `by_person` their `spoken_in`)
    when the meetings of `changed` had the parts it gives. Each changed
    meeting's old part is taken out of the sums and its new part added:
    only the people of its parts get other sums, lists or newest meetings."""
    place = _Places(ordered)
    spoke_in, counts, per_person = dict(last.spoke_in), dict(last.counts), {}
    spoke_any = dict(by_person)
    touched: set[str] = set()  # people whose `newest` may differ
    for mid, old in changed.items():
        new, meeting = parts[mid], place.meeting(mid)
        was = {pid for pid in old.speeches if pid in people}
        now = {pid for pid in new.speeches if pid in people}
        touched |= was | now
        spoke_in.update((pid, tuple(found))
                        for pid, found in place.moved(spoke_in, meeting, was, now).items())
        for pid in was:
            counts[pid] -= old.speeches[pid]
        for pid in now:
            counts[pid] = counts.get(pid, 0) + new.speeches[pid]
        for pid in was - now:
            if not spoke_in[pid]:
                del spoke_in[pid], counts[pid]
        spoke_any.update(place.moved(spoke_any, meeting, old.figures.by_person,
                                     new.figures.by_person))
        for pid, figures in old.figures.by_person.items():
            total = per_person.get(pid) or _figure_list(last.per_person[pid])
            per_person[pid] = [a - b for a, b in zip(total, _figure_list(figures), strict=True)]
        for pid, figures in new.figures.by_person.items():
            total = per_person.get(pid) or _figure_list(last.per_person.get(pid, Figures()))
            per_person[pid] = [a + b for a, b in zip(total, _figure_list(figures), strict=True)]
    for pid in [pid for pid, found in spoke_any.items() if not found]:
        del spoke_any[pid]
    summed = dict(last.per_person)
    for pid, total in per_person.items():
        if pid in spoke_any:
            summed[pid] = Figures(*total)
        else:
            summed.pop(pid, None)
    if summed.keys() != last.per_person.keys():
        summed = dict(sorted(summed.items()))
    newest = dict(last.newest)
    for pid in touched:
        found = _newest_of(spoke_in.get(pid, ()), pid, parts, LISTED_SPEECHES)
        if found:
            newest[pid] = found
        else:
            newest.pop(pid, None)
    return _FactsIndexes(spoke_in, counts, summed, spoke_any, newest)


def _figure_list(figures: Figures) -> list[int]:
    return [figures.turns, figures.words, figures.interruptions_made,
            figures.interruptions_received]


def _newest_of(spoke_in: Sequence[Meeting], person_id: str,
               parts: Mapping[str, _MeetingPart], limit: int) -> list[str]:
    """`_newest_meetings` of one person, from the meetings they spoke in."""
    found: list[str] = []
    counted = 0
    for meeting in reversed(spoke_in):
        if counted >= limit:
            break
        found.append(meeting.id)
        counted += parts[meeting.id].speeches[person_id]
    return found


class _Places:
    """The archive order of its meetings, for inserting one into a list."""

    def __init__(self, ordered: Sequence[Meeting]):
        self.ordered = ordered
        self._place: dict[str, int] | None = None

    def place(self) -> dict[str, int]:
        if self._place is None:
            self._place = {m.id: i for i, m in enumerate(self.ordered)}
        return self._place

    def meeting(self, meeting_id: str) -> Meeting:
        return self.ordered[self.place()[meeting_id]]

    def moved(self, lists: Mapping[str, Sequence[Meeting]], meeting: Meeting,
              was: Iterable[str], now: Iterable[str]) -> dict[str, list[Meeting]]:
        """New lists (copies) for the people of `lists` that `meeting` left
        (in `was` alone) or joined (in `now` alone), in archive order."""
        was, now = set(was), set(now)
        out: dict[str, list[Meeting]] = {}
        for pid in was - now:
            out[pid] = [m for m in lists[pid] if m is not meeting]
        place = self.place()
        at = place[meeting.id]
        for pid in now - was:
            found = list(lists.get(pid, ()))
            i = len(found)
            while i > 0 and place[found[i - 1].id] > at:
                i -= 1
            out[pid] = [*found[:i], meeting, *found[i:]]
        return out


@dataclass(frozen=True)
class _Built:
    """What the last `build_archive` with texts made in this process: the
    next one starts from it where its meetings are the same (a live preview
    rebuilds after each save; a one-off build makes one archive)."""

    inputs: tuple[Meeting, ...]  # the meetings it was given
    outlines: _OutlineIndexes
    keys: Mapping[str, str | None]  # facts key by meeting id
    parts: Mapping[str, _MeetingPart]  # by meeting id, in archive order
    figures: Mapping[str, MeetingFigures]  # the parts' figures, as the archive has them
    summaries: Mapping[str, MeetingSummary]  # and summaries
    figure_data: Mapping[str, MeetingFigureData]  # and chart data
    members: list[list[str]]  # the meeting ids of each shard of the archive state
    facts: _FactsIndexes
    speakers: SpeakerMemo  # of its speakers' chart data (filled as pages asked)
    limit: int  # the newest speeches it listed per speaker (`LISTED_SPEECHES`)


_LAST: _Built | None = None
MAX_CHANGED = 64  # changed meetings beyond which the sums are made again from every part


def _same_outlines(meetings: Sequence[Meeting], last: _Built | None) -> _OutlineIndexes | None:
    """The last build's outline indexes, if `meetings` are the meetings it
    was given (the same objects, or a few equal ones: its objects stand for
    them, so that every index holds this archive's meetings)."""
    if last is None or len(meetings) != len(last.inputs) or last.limit != LISTED_SPEECHES:
        return None
    others = 0
    for now, then in zip(meetings, last.inputs, strict=True):
        if now is not then:
            others += 1
            if others > MAX_CHANGED or now != then:
                return None
    return last.outlines


def _changed_parts(found: _Parts, last: _Built) -> dict[str, _MeetingPart] | None:
    """The meetings whose facts key is not the last build's, with their part
    then (None: too many)."""
    if found.changed is None or len(found.changed) > MAX_CHANGED:
        return None
    return {mid: last.parts[mid] for mid in found.changed}


def build_archive(meetings: Iterable[Meeting], texts: MeetingTexts | None = None,
                  jobs: int = 1) -> tuple[Archive, list[Diagnostic]]:
    """Sort, merge and index every meeting; compute every figure once.

    Without `texts`, `meetings` are whole and kept in memory; with it, they are
    outlines and their turns are read from `texts` one meeting at a time.
    `jobs` worker processes (0: one per core) read the turns.

    Where `texts` keeps its state in memory (a live preview rebuilding after
    each save, `MeetingTexts.keeps_state_in_memory`), an archive of the same outlines as the
    last one this process made takes that one's indexes of the outlines and
    the parts of the meetings whose facts are unchanged, and sums the parts
    by difference: those of the changed meetings taken out, their new ones
    added (`_facts_by_difference`)."""
    global _LAST
    meetings = list(meetings)
    last = None
    if texts is None:
        ordered, diags = _unique_meetings(meetings)
        texts = KeptTexts({m.id: m.turns for m in ordered})
        outlines = _outline_indexes([outline(m) for m in ordered], diags)
    else:
        last, _LAST = _LAST, None  # (a build that fails leaves nothing behind)
        found_outlines = _same_outlines(meetings, last)
        if found_outlines is None:
            last = None
            found_outlines = _indexes_of_outlines(meetings, texts)
        outlines = found_outlines
    outlines = _with_chart(outlines)
    ordered = list(outlines.ordered)
    people = outlines.people
    found = _gather_parts(ordered, people, texts, jobs, last)
    parts = found.parts
    changed = _changed_parts(found, last) if last is not None else None
    memo = SpeakerMemo()
    if last is not None and changed is not None:
        facts = _facts_by_difference(last.facts, _spoke(last, parts, changed), ordered,
                                     people, parts, changed)
        moved = {pid for mid, old in changed.items()
                 for pid in (*old.figures.by_person, *parts[mid].figures.by_person)}
        memo = SpeakerMemo(facts.by_person, last.speakers.verdicts,
                           {pid: found for pid, found in last.speakers.outlines.items()
                            if pid not in moved})
        figures, summaries, figure_data = (dict(last.figures), dict(last.summaries),
                                           dict(last.figure_data))
        for mid in changed:
            part = parts[mid]
            figures[mid], summaries[mid], figure_data[mid] = (part.figures, part.summary,
                                                              part.figure_data)
        members = last.members
    else:
        last = None
        facts = _facts_indexes(ordered, people, parts)
        figures = {m.id: parts[m.id].figures for m in ordered}
        summaries = {m.id: parts[m.id].summary for m in ordered}
        figure_data = {m.id: parts[m.id].figure_data for m in ordered}
        members = _shard_members(parts)
    by_id = outlines.meetings_by_id
    gathered = _gather(ordered, people, texts, jobs, found, facts.newest, by_id, members,
                       changed)
    speakers = SpeakerFigures(outlines.ordered, people, figures, outlines.motions_by_submitter,
                              memo)
    per_party = party_figures(facts.per_person, {pid: p.party for pid, p in people.items()})
    archive = Archive(
        meetings=outlines.ordered,
        texts=texts,
        summaries=_frozen(summaries),
        people=people,
        parties=outlines.parties,
        motions=outlines.motions,
        motions_by_meeting=outlines.motions_by_meeting,
        speech_counts=_frozen(dict(sorted(facts.counts.items()))),
        newest_speeches=_newest_speeches(gathered, by_id, LISTED_SPEECHES),
        meetings_by_speaker=_frozen(dict(sorted(facts.spoke_in.items()))),
        motions_by_submitter=outlines.motions_by_submitter,
        motions_by_turn=outlines.motions_by_turn,
        verdicts_by_turn=outlines.verdicts_by_turn,
        motions_by_verdict=outlines.motions_by_verdict,
        commitments=outlines.commitments,
        figures=_frozen(figures),
        person_figures=_frozen(facts.per_person),
        party_figures=_frozen(per_party),
        roles=outlines.roles,
        meetings_by_id=by_id,
        chart_data=archive_figures(outlines.ordered, people, figures, outlines.submitted,
                                   figure_data, outlines.chart, speakers),
    )
    if texts.keeps_state_in_memory():
        _LAST = _Built(tuple(meetings), outlines, found.keys, parts, figures, summaries,
                       figure_data, members, facts, memo, LISTED_SPEECHES)
    return archive, list(outlines.diagnostics)


def _spoke(last: _Built, parts: Mapping[str, _MeetingPart],
           changed: Mapping[str, _MeetingPart]) -> dict[str, list[Meeting]]:
    """`spoken_in` of the last build's meetings: as its speakers' chart data
    found it, or made now from their parts then (`changed` gives those that
    are not the `parts` now)."""
    if last.speakers.spoke is not None:
        return last.speakers.spoke
    figures = {mid: (changed.get(mid) or part).figures for mid, part in parts.items()}
    return spoken_in(last.outlines.ordered, figures)
