"""The archive: every meeting loaded, resolved and indexed once, before anything
is rendered (STYLE.md §2). Immutable; templates receive its cross-links and
never search for them.

    build_archive(meetings) -> (Archive, diagnostics)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from generator.errors import Diagnostic, warning
from generator.figures import ArchiveFigureData, archive_figures
from generator.model import Commitment, Meeting, Motion, Person, Turn, TurnKind, VerdictKind
from generator.slugs import slugify
from generator.stats import Figures, MeetingFigures, meeting_figures, party_figures, sum_figures
from generator.urls import party_slug

VERDICT_ORDER = tuple(VerdictKind)


@dataclass(frozen=True)
class SpeechRef:
    """A speech turn in its meeting."""

    meeting: Meeting
    turn: Turn


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

    Meetings are sorted by date (undated last), then id. Every mapping is
    read-only and iterates in a fixed order, so two builds render the same bytes."""

    meetings: tuple[Meeting, ...]
    people: Mapping[str, Person]  # by person id, sorted by name
    parties: Mapping[str, Party]  # by party slug
    motions: Mapping[str, MotionEntry]  # by motion slug, in meeting order
    motions_by_meeting: Mapping[str, tuple[MotionEntry, ...]]  # by meeting id
    speeches_by_speaker: Mapping[str, tuple[SpeechRef, ...]]
    meetings_by_speaker: Mapping[str, tuple[Meeting, ...]]
    motions_by_submitter: Mapping[str, tuple[MotionEntry, ...]]
    motions_by_turn: Mapping[tuple[str, str], tuple[MotionEntry, ...]]  # read out there
    verdicts_by_turn: Mapping[tuple[str, str], tuple[MotionEntry, ...]]  # verdict given
    motions_by_verdict: Mapping[VerdictKind | None, tuple[MotionEntry, ...]]
    commitments: tuple[CommitmentEntry, ...]
    figures: Mapping[str, MeetingFigures]  # by meeting id
    person_figures: Mapping[str, Figures]
    party_figures: Mapping[str, Figures]  # by party name
    roles: Mapping[str, tuple[str, ...]]  # person id -> roles as printed, sorted
    chart_data: ArchiveFigureData | None = None  # the charts' numbers (generator.figures)

    def meeting_slug(self, meeting: Meeting) -> str:
        return slugify(meeting.id, fallback="vergadering")

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
                people[person.id] = replace(person, role=None)
                continue
            name = person.name if len(person.name) > len(known.name) else known.name
            people[person.id] = replace(known, name=name, party=person.party or known.party)
    return dict(sorted(people.items(), key=lambda kv: (kv[1].name.lower(), kv[0])))


def _motion_entries(meetings: list[Meeting]) -> dict[str, MotionEntry]:
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


def build_archive(meetings: Iterable[Meeting]) -> tuple[Archive, list[Diagnostic]]:
    """Sort, merge and index every meeting; compute every figure once."""
    ordered, diags = _unique_meetings(meetings)
    people = merge_people(ordered)
    roles: dict[str, set[str]] = defaultdict(set)
    for meeting in ordered:
        for person in meeting.people:
            if person.role:
                roles[person.id].add(person.role)

    speeches: dict[str, list[SpeechRef]] = defaultdict(list)
    spoke_in: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in ordered:
        for turn in meeting.turns:
            if turn.kind is TurnKind.SPEECH and turn.speaker in people:
                speeches[turn.speaker].append(SpeechRef(meeting, turn))
                seen = spoke_in[turn.speaker]
                if not seen or seen[-1] is not meeting:
                    seen.append(meeting)

    motions = _motion_entries(ordered)
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

    figures = {m.id: meeting_figures(m) for m in ordered}
    per_person = sum_figures([f.by_person for f in figures.values()])
    per_party = party_figures(per_person, {pid: p.party for pid, p in people.items()})

    archive = Archive(
        meetings=tuple(ordered),
        people=_frozen(people),
        parties=_frozen({slug: Party(names[slug], slug, tuple(members))
                         for slug, members in sorted(parties.items())}),
        motions=_frozen(motions),
        motions_by_meeting=_frozen({k: tuple(v) for k, v in by_meeting.items()}),
        speeches_by_speaker=_frozen({k: tuple(v) for k, v in sorted(speeches.items())}),
        meetings_by_speaker=_frozen({k: tuple(v) for k, v in sorted(spoke_in.items())}),
        motions_by_submitter=_frozen({k: tuple(v) for k, v in sorted(by_submitter.items())}),
        motions_by_turn=_frozen({k: tuple(v) for k, v in by_turn.items()}),
        verdicts_by_turn=_frozen({k: tuple(v) for k, v in verdict_turn.items()}),
        motions_by_verdict=_frozen({k: tuple(v) for k, v in by_verdict.items()}),
        commitments=tuple(CommitmentEntry(c, m) for m in ordered for c in m.commitments),
        figures=_frozen(figures),
        person_figures=_frozen(per_person),
        party_figures=_frozen(per_party),
        roles=_frozen({k: tuple(sorted(v)) for k, v in sorted(roles.items())}),
        chart_data=archive_figures(tuple(ordered), people, figures,
                                   {k: tuple(v) for k, v in by_submitter.items()}),
    )
    return archive, diags
