"""The numbers behind the site's charts, computed once in the archive stage
(`build_archive` calls `archive_figures`); `generator.charts` only draws them.

- Meeting: speaking share per person (turns, words, interruptions made and
  received, from `generator.stats`), and a timeline of the meeting: where each
  section starts, each suspension and each motion read out, placed by the share
  of the meeting's words spoken before that turn (the transcript has no clock
  per turn, and words track speaking time far better than turn counts).
- Speaker: per meeting spoken in, their figures there; the verdicts their
  motions (submitted or co-signed) got.
- Verdicts per party and per meeting: a motion counts once for every party
  among its resolved submitters (the motions a party page lists), and once for
  its meeting. Motions without a verdict count as ``None``.
- Archive: meetings per month (per year when the dated meetings span more than
  24 months), and every speaker's total figures (the home page draws the most
  active).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from generator.model import Meeting, Motion, Person, TurnKind, VerdictKind
from generator.stats import Figures, MeetingFigures, count_words

VERDICT_KEYS: tuple[VerdictKind | None, ...] = (*VerdictKind, None)
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # a date the month chart can place
MONTHS_BEFORE_YEARS = 24


@dataclass(frozen=True)
class VerdictCounts:
    """Motions per verdict kind, aligned with `VERDICT_KEYS`."""

    counts: tuple[int, ...] = (0,) * len(VERDICT_KEYS)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def items(self) -> tuple[tuple[VerdictKind | None, int], ...]:
        return tuple(zip(VERDICT_KEYS, self.counts, strict=True))


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened at a turn: ``kind`` is ``section``,
    ``suspension`` or ``motion``; ``position`` is 0..1 through the meeting."""

    kind: str
    label: str
    turn: str
    position: float


@dataclass(frozen=True)
class MeetingFigureData:
    meeting: str
    share: tuple[tuple[str, Figures], ...]  # person id, figures; most words first
    timeline: tuple[TimelineEvent, ...]
    start: str | None
    end: str | None


@dataclass(frozen=True)
class SpeakerMeeting:
    meeting: str  # meeting id
    date: str | None
    figures: Figures


@dataclass(frozen=True)
class SpeakerFigureData:
    meetings: tuple[SpeakerMeeting, ...]  # in archive (date) order
    verdicts: VerdictCounts


@dataclass(frozen=True)
class ArchiveFigureData:
    meetings: Mapping[str, MeetingFigureData]  # by meeting id
    speakers: Mapping[str, SpeakerFigureData]  # by person id
    verdicts_by_party: Mapping[str, VerdictCounts]  # by party name, sorted
    verdicts_by_meeting: Mapping[str, VerdictCounts]  # by meeting id, archive order
    party_verdicts_by_meeting: Mapping[str, tuple[tuple[str, VerdictCounts], ...]]  # party
    period: str  # "month" | "year"
    meetings_per_period: tuple[tuple[str, int], ...]  # "2020-09" or "2020", oldest first


_VERDICT_INDEX = {key: i for i, key in enumerate(VERDICT_KEYS)}


def count_verdicts(motions: list[Motion]) -> VerdictCounts:
    if not motions:  # most people's (asked for every person of the archive)
        return VerdictCounts()
    index = _VERDICT_INDEX
    counts = [0] * len(VERDICT_KEYS)
    for motion in motions:
        counts[index[motion.verdict.kind if motion.verdict else None]] += 1
    return VerdictCounts(tuple(counts))


def meeting_timeline(meeting: Meeting, turn_words: Mapping[str, int] | None = None
                     ) -> tuple[TimelineEvent, ...]:
    """Sections, suspensions and motions read out, in transcript order.
    `turn_words` (words per speech turn, from `stats.meeting_figures`) saves
    counting them again."""
    before: dict[str, int] = {}
    spoken = 0
    for turn in meeting.turns:
        before[turn.id] = spoken
        if turn.kind is TurnKind.SPEECH:
            spoken += turn_words[turn.id] if turn_words else count_words(turn)
    total = spoken or 1
    events: list[tuple[int, TimelineEvent]] = []
    order = {turn.id: i for i, turn in enumerate(meeting.turns)}

    def add(kind: str, label: str, turn: str | None) -> None:
        if turn in before:
            events.append((order[turn], TimelineEvent(kind, label, turn, before[turn] / total)))

    for section in meeting.sections:
        add("section", section.title, section.turn)
    for suspension in meeting.suspensions:
        add("suspension", f"{suspension.start or '?'}–{suspension.end or '?'}", suspension.turn)
    for motion in meeting.motions:
        add("motion", motion.number or motion.id, motion.turn)
    rank = {"section": 0, "suspension": 1, "motion": 2}
    events.sort(key=lambda e: (e[0], rank[e[1].kind]))
    return tuple(e for _, e in events)


def meeting_figure_data(meeting: Meeting, figures: MeetingFigures) -> MeetingFigureData:
    share = sorted(figures.by_person.items(), key=lambda kv: (-kv[1].words, -kv[1].turns, kv[0]))
    timeline = meeting_timeline(meeting, figures.turn_words)
    return MeetingFigureData(meeting.id, tuple(share), timeline, meeting.start, meeting.end)


def _periods(meetings: tuple[Meeting, ...]) -> tuple[str, tuple[tuple[str, int], ...]]:
    months = sorted(m.date[:7] for m in meetings if m.date and _MONTH.match(m.date))
    if not months:
        return "month", ()
    first, last = months[0], months[-1]
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])
    if span >= MONTHS_BEFORE_YEARS:
        keys = [m[:4] for m in months]
        everyone = [str(y) for y in range(int(first[:4]), int(last[:4]) + 1)]
        return "year", tuple((y, keys.count(y)) for y in everyone)
    everyone = []
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        everyone.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "month", tuple((m, months.count(m)) for m in everyone)


def spoken_in(meetings: Sequence[Meeting], figures: Mapping[str, MeetingFigures]
              ) -> dict[str, list[Meeting]]:
    """Per person id, the meetings (in the order given) whose figures have a
    part for them."""
    spoke: dict[str, list[Meeting]] = {}
    for meeting in meetings:
        for pid in figures[meeting.id].by_person:
            found = spoke.get(pid)
            if found is None:
                spoke[pid] = [meeting]
            else:
                found.append(meeting)
    return spoke


@dataclass
class SpeakerMemo:
    """What a `SpeakerFigures` found so far (filled as it is asked): which
    meetings each person has figures in (`spoken_in`; None: not yet), the
    verdict counts of their motions and their `SpeakerFigures.outline`. A
    later archive of the same outlines and figures may start from it (the
    archive stage gives it the entries that still hold)."""

    spoke: dict[str, list[Meeting]] | None = None
    verdicts: dict[str, VerdictCounts] = field(default_factory=dict)
    outlines: dict[str, tuple[tuple[str, ...], VerdictCounts]] = field(default_factory=dict)


class SpeakerFigures(Mapping):
    """`SpeakerFigureData` per person id of `people` (sorted by id), each
    made when first asked for: a build that renders a few speaker pages
    makes a few (making all of them, one `SpeakerMeeting` per speaker per
    meeting, took a third of the archive stage at 10,000 meetings). Which
    meetings each speaker has figures in (`spoken_in`) is found on the first
    read, in one pass over the meetings' figures, unless `memo` has it."""

    def __init__(self, meetings: tuple[Meeting, ...], people: Mapping[str, Person],
                 figures: Mapping[str, MeetingFigures],
                 motions_by_submitter: Mapping[str, tuple], memo: SpeakerMemo | None = None):
        self._people = sorted(people)
        self._known = frozenset(self._people)
        self._meetings, self._figures = meetings, figures
        self._motions = motions_by_submitter
        self.memo = memo if memo is not None else SpeakerMemo()
        self._made: dict[str, SpeakerFigureData] = {}
        self._verdicts = self.memo.verdicts
        self._outlines = self.memo.outlines

    def spoke(self) -> dict[str, list[Meeting]]:
        """`spoken_in` of the archive's meetings (made on the first call; the
        caller must not change it)."""
        if self.memo.spoke is None:
            self.memo.spoke = spoken_in(self._meetings, self._figures)
        return self.memo.spoke

    def _spoken_in(self, person_id: str) -> list[Meeting]:
        return self.spoke().get(person_id, [])

    def _verdicts_of(self, person_id: str) -> VerdictCounts:
        found = self._verdicts.get(person_id)
        if found is None:
            found = self._verdicts[person_id] = count_verdicts(
                [e.motion for e in self._motions.get(person_id, ())])
        return found

    def __getitem__(self, person_id: str) -> SpeakerFigureData:
        found = self._made.get(person_id)
        if found is None:
            if person_id not in self._known:
                raise KeyError(person_id)
            found = self._made[person_id] = SpeakerFigureData(
                tuple(SpeakerMeeting(m.id, m.date, self._figures[m.id].by_person[person_id])
                      for m in self._spoken_in(person_id)),
                self._verdicts_of(person_id))
        return found

    def outline(self, person_id: str) -> tuple[tuple[str, ...], VerdictCounts]:
        """The ids of the meetings in `person_id`'s chart data and their
        verdict counts, without making the chart data (the page check reads
        these of every speaker, and the chart data of a few)."""
        found = self._outlines.get(person_id)
        if found is None:
            if person_id not in self._known:
                raise KeyError(person_id)
            found = self._outlines[person_id] = (
                tuple(m.id for m in self._spoken_in(person_id)), self._verdicts_of(person_id))
        return found

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)

    def __reduce__(self) -> tuple:
        return (dict, (list(self.items()),))


@dataclass(frozen=True)
class OutlineFigureData:
    """The charts' numbers made from the meetings' outlines (and the people)
    alone: an archive whose outlines are another's has the same."""

    verdicts_by_party: Mapping[str, VerdictCounts]
    verdicts_by_meeting: Mapping[str, VerdictCounts]
    party_verdicts_by_meeting: Mapping[str, tuple[tuple[str, VerdictCounts], ...]]
    period: str
    meetings_per_period: tuple[tuple[str, int], ...]


def archive_figures(meetings: tuple[Meeting, ...], people: Mapping[str, Person],
                    figures: Mapping[str, MeetingFigures],
                    motions_by_submitter: Mapping[str, tuple],
                    per_meeting: Mapping[str, MeetingFigureData] | None = None,
                    outline_data: OutlineFigureData | None = None,
                    speakers: SpeakerFigures | None = None) -> ArchiveFigureData:
    """Every chart's numbers. `motions_by_submitter` maps a person id to their
    `MotionEntry`s (each has ``.motion`` and ``.meeting``); `per_meeting` is
    `meeting_figure_data` of every meeting, when the caller made it while the
    meeting's turns were at hand (else it is made here from `meetings`; the
    archive keeps it, so the caller must not change it after).
    `outline_data` (`outline_figures` of these outlines) and `speakers` (the
    speakers' chart data of these meetings and figures), when the caller has
    them, are not made again."""
    if per_meeting is None:
        per_meeting = {m.id: meeting_figure_data(m, figures[m.id]) for m in meetings}
    elif list(per_meeting) != [m.id for m in meetings]:
        per_meeting = {m.id: per_meeting[m.id] for m in meetings}
    if outline_data is None:
        outline_data = outline_figures(meetings, people, motions_by_submitter)
    return ArchiveFigureData(
        meetings=MappingProxyType(per_meeting),
        speakers=speakers if speakers is not None else
        SpeakerFigures(meetings, people, figures, motions_by_submitter),
        verdicts_by_party=outline_data.verdicts_by_party,
        verdicts_by_meeting=outline_data.verdicts_by_meeting,
        party_verdicts_by_meeting=outline_data.party_verdicts_by_meeting,
        period=outline_data.period,
        meetings_per_period=outline_data.meetings_per_period,
    )


def outline_figures(meetings: tuple[Meeting, ...], people: Mapping[str, Person],
                    motions_by_submitter: Mapping[str, tuple]) -> OutlineFigureData:
    """The numbers of `OutlineFigureData` (arguments as `archive_figures`).
    Counted in place, each motion's verdict looked up once per party it is
    counted for (10,000 meetings: ~0.5 -> ~0.2 CPU-s)."""
    index, width = _VERDICT_INDEX, len(VERDICT_KEYS)
    place = {m.id: i for i, m in enumerate(meetings)}
    by_party: dict[str, dict[int, tuple[int, int]]] = {}  # party -> id(motion) ->
    # (its meeting's place, its verdict's index)
    for pid, entries in motions_by_submitter.items():
        person = people.get(pid)
        party = person.party if person is not None else None
        if party:
            found = by_party.setdefault(party, {})
            for entry in entries:
                verdict = entry.motion.verdict
                found[id(entry.motion)] = (place[entry.meeting.id],
                                           index[verdict.kind if verdict else None])
    party_meetings: dict[str, tuple[tuple[str, VerdictCounts], ...]] = {}
    party_totals: dict[str, VerdictCounts] = {}
    for party, motions in sorted(by_party.items()):
        grouped: dict[int, list[int]] = {}
        total = [0] * width
        for at, verdict_at in motions.values():
            counts = grouped.get(at)
            if counts is None:
                counts = grouped[at] = [0] * width
            counts[verdict_at] += 1
            total[verdict_at] += 1
        party_meetings[party] = tuple((meetings[at].id, VerdictCounts(tuple(grouped[at])))
                                      for at in sorted(grouped))
        party_totals[party] = VerdictCounts(tuple(total))
    period, per_period = _periods(meetings)
    return OutlineFigureData(
        verdicts_by_party=MappingProxyType(party_totals),
        verdicts_by_meeting=MappingProxyType({m.id: count_verdicts(list(m.motions))
                                              for m in meetings if m.motions}),
        party_verdicts_by_meeting=MappingProxyType(party_meetings),
        period=period,
        meetings_per_period=per_period,
    )
