"""One frozen context dataclass per page kind: the contract between the archive
and a template (STYLE.md §7). Every page receives its fields as template
variables, plus ``u`` (`generator.urls.Urls` bound to the page), ``t`` (the
`generator.i18n.Catalogue`) and ``site`` (`SiteInfo`). Templates only display
what a context holds; the builders in `generator.pages` gather it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from generator.archive import CommitmentEntry, MotionEntry, Party
from generator.charts import Figure
from generator.model import Meeting, Motion, Person, Turn, VerdictKind
from generator.stats import Figures


@dataclass(frozen=True)
class SiteInfo:
    """Site-wide settings every page shows."""

    title: str
    language: str
    base_url: str


@dataclass(frozen=True)
class PageMeta:
    """What the <head> of a page needs: its path (from the site root), title,
    description, Open Graph type and schema.org JSON-LD (None: no block)."""

    path: str
    title: str
    description: str
    og_type: str = "website"
    jsonld: dict[str, Any] | None = None
    noindex: bool = False

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`PersonRow`)
        return (PageMeta, (self.path, self.title, self.description, self.og_type, self.jsonld,
                           self.noindex))


@dataclass(frozen=True)
class MeetingRow:
    """A meeting in a list."""

    slug: str
    title: str
    date: str | None
    committee: str | None
    kind: str
    speeches: int
    motions: int

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`PersonRow`)
        return (MeetingRow, (self.slug, self.title, self.date, self.committee, self.kind,
                             self.speeches, self.motions))


@dataclass(frozen=True)
class PersonRow:
    """A person in a list, with their party (slug None: no party page) and
    figures (None where the page names the person without them: a speech's
    speaker, a meeting's chair; so an edit that changes the person's word
    count leaves those pages as they were)."""

    id: str
    name: str
    party: str | None
    party_slug: str | None
    role: str | None
    figures: Figures | None

    def __reduce__(self) -> tuple:
        # its fields in order, without their names: a page fingerprint
        # (`generator.cache.PagePlan.fingerprint`) pickles thousands of rows
        return (PersonRow, (self.id, self.name, self.party, self.party_slug, self.role,
                            self.figures))


@dataclass(frozen=True)
class NameLink:
    """A name as printed, linked to a speaker page when it resolved."""

    name: str
    person_id: str | None

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`PersonRow`)
        return (NameLink, (self.name, self.person_id))


@dataclass(frozen=True)
class SpeechItem:
    """One turn as `_speech.html` shows it, on a meeting or a speaker page.

    `interrupts` is the floor holder this turn interrupts (None: not an
    interruption); `snippet` replaces the paragraphs on a speaker page."""

    meeting_slug: str
    meeting_title: str
    meeting_date: str | None
    turn: Turn
    anchor: str
    speaker: PersonRow | None
    procedural: bool
    interrupts: PersonRow | None
    section: str | None  # a table-of-contents heading that starts here
    motions: tuple[MotionEntry, ...]  # read out in this turn
    verdicts: tuple[MotionEntry, ...]  # given in this turn
    snippet: str | None = None

    def __reduce__(self) -> tuple:
        return (SpeechItem, (self.meeting_slug, self.meeting_title, self.meeting_date, self.turn,
                             self.anchor, self.speaker, self.procedural, self.interrupts,
                             self.section, self.motions, self.verdicts, self.snippet))


@dataclass(frozen=True)
class TocEntry:
    title: str
    anchor: str

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`PersonRow`)
        return (TocEntry, (self.title, self.anchor))


@dataclass(frozen=True)
class HomeContext:
    meta: PageMeta
    meeting_count: int
    speech_count: int
    motion_count: int
    person_count: int
    first_date: str | None
    last_date: str | None
    latest: tuple[MeetingRow, ...]
    active: tuple[PersonRow, ...]
    charts: tuple[Figure, ...] = ()  # generator.charts, drawn by _charts/


@dataclass(frozen=True)
class MeetingGroup:
    """Meetings of one year (newest year first) and one committee or kind."""

    year: str
    heading: str
    meetings: tuple[MeetingRow, ...]
    anchor: str = ""  # id of the year heading ("jaar-2020", "jaar-onbekend")

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`PersonRow`)
        return (MeetingGroup, (self.year, self.heading, self.meetings, self.anchor))


@dataclass(frozen=True)
class MeetingsIndexContext:
    meta: PageMeta
    groups: tuple[MeetingGroup, ...]


@dataclass(frozen=True)
class MeetingContext:
    meta: PageMeta
    meeting: Meeting
    slug: str
    title: str
    chair: PersonRow | None
    present: tuple[PersonRow, ...]
    government: tuple[PersonRow, ...]
    toc: tuple[TocEntry, ...]
    motions: tuple[MotionEntry, ...]  # read out in a turn of this meeting (cards there)
    unread_motions: tuple[MotionEntry, ...]  # no turn to show them at: cards at the end
    items: tuple[SpeechItem, ...]
    suspensions: tuple[tuple[str, str, str | None], ...]  # start, end, turn anchor
    commitments: tuple[tuple[str, str | None], ...]  # text, turn anchor
    figures: tuple[PersonRow, ...]
    total: Figures
    charts: tuple[Figure, ...] = ()  # generator.charts, drawn by _charts/

    def __reduce__(self) -> tuple:
        """Pickled with its speech items short (`_short_items`): a page
        fingerprint pickles the context, and there the meeting stands for all
        its turns (by its content hash), so the items need not repeat them."""
        short = _short_items(self)
        values = tuple(getattr(self, f.name) for f in fields(self))
        if short is None:
            return (MeetingContext, values)
        return (_meeting_context, (values[:_ITEMS] + values[_ITEMS + 1:], *short))


def _short_items(context: MeetingContext
                 ) -> tuple[tuple[PersonRow, ...], tuple[tuple, ...]] | None:
    """The speech items of a meeting page without what the context holds
    already: each item's turn is the meeting's turn at the item's place, its
    meeting slug, title and date are the page's; a speaker or interrupted row
    is a place in a table of the page's rows (-1: None). None: the items are
    not that (they are then pickled whole)."""
    items, meeting = context.items, context.meeting
    turns = meeting.turns
    if len(items) != len(turns):
        return None
    places: dict[PersonRow, int] = {}
    short = []
    try:
        for item, turn in zip(items, turns, strict=True):
            if (item.turn is not turn and item.turn != turn) or item.meeting_slug != context.slug \
                    or item.meeting_title != context.title or item.meeting_date != meeting.date:
                return None
            speaker = -1 if item.speaker is None else places.setdefault(item.speaker, len(places))
            interrupts = -1 if item.interrupts is None \
                else places.setdefault(item.interrupts, len(places))
            short.append((item.anchor, speaker, item.procedural, interrupts, item.section,
                          item.motions, item.verdicts, item.snippet))
    except TypeError:  # a row that cannot be hashed
        return None
    return tuple(places), tuple(short)


def _meeting_context(values: tuple, rows: tuple[PersonRow, ...], short: tuple[tuple, ...]
                     ) -> MeetingContext:
    """A `MeetingContext` from its `__reduce__`."""
    meeting, slug, title = values[1], values[2], values[3]
    items = tuple(
        SpeechItem(slug, title, meeting.date, turn, anchor,
                   rows[speaker] if speaker >= 0 else None, procedural,
                   rows[interrupts] if interrupts >= 0 else None, section, motions, verdicts,
                   snippet)
        for turn, (anchor, speaker, procedural, interrupts, section, motions, verdicts, snippet)
        in zip(meeting.turns, short, strict=True))
    return MeetingContext(*values[:_ITEMS], items, *values[_ITEMS:])


@dataclass(frozen=True)
class SpeakersIndexContext:
    meta: PageMeta
    people: tuple[PersonRow, ...]


@dataclass(frozen=True)
class SpeakerContext:
    meta: PageMeta
    person: PersonRow
    roles: tuple[str, ...]
    meetings: tuple[MeetingRow, ...]
    speeches: tuple[SpeechItem, ...]  # the newest `pages.SPEAKER_SPEECHES`
    hidden_speeches: int  # older speeches not listed (their meetings are)
    motions: tuple[MotionEntry, ...]  # the newest `pages.LISTED_MOTIONS`
    hidden_motions: int  # older motions not listed (the motions index has them)
    figures: Figures
    charts: tuple[Figure, ...] = ()  # generator.charts, drawn by _charts/


@dataclass(frozen=True)
class PartiesIndexContext:
    meta: PageMeta
    parties: tuple[tuple[Party, Figures], ...]


@dataclass(frozen=True)
class PartyContext:
    meta: PageMeta
    party: Party
    members: tuple[PersonRow, ...]
    motions: tuple[MotionEntry, ...]  # the newest `pages.LISTED_MOTIONS`
    hidden_motions: int  # older motions not listed (the motions index has them)
    figures: Figures
    charts: tuple[Figure, ...] = ()  # generator.charts, drawn by _charts/


@dataclass(frozen=True)
class MotionContext:
    meta: PageMeta
    entry: MotionEntry
    motion: Motion
    title: str
    meeting_slug: str
    submitters: tuple[NameLink, ...]
    read_out: str | None  # turn anchor on the meeting page
    verdict_at: str | None
    verdict_speaker: PersonRow | None
    replaces: MotionEntry | None


@dataclass(frozen=True)
class VerdictFilter:
    """A link in the motions filter: a verdict kind (None: no verdict; "all")."""

    kind: VerdictKind | None | str
    label: str
    path: str
    count: int
    current: bool


@dataclass(frozen=True)
class MotionsIndexContext:
    meta: PageMeta
    heading: str
    filters: tuple[VerdictFilter, ...]
    motions: tuple[MotionEntry, ...]  # this file's share of the list, newest first
    charts: tuple[Figure, ...] = ()  # generator.charts, drawn by _charts/
    page_number: int = 1
    pager: tuple[tuple[int, str], ...] = ()  # (number, path) of every file of a long list


@dataclass(frozen=True)
class CommitmentsContext:
    meta: PageMeta
    commitments: tuple[tuple[CommitmentEntry, str, str | None], ...]  # entry, slug, anchor


@dataclass(frozen=True)
class AboutContext:
    meta: PageMeta
    meeting_count: int


@dataclass(frozen=True)
class DataContext:
    meta: PageMeta
    example_html: str  # pygments output of a JSON excerpt (escaped by pygments)
    meetings: tuple[MeetingRow, ...]
    format_version: int
    csv_columns: tuple[str, ...]  # documented with locale keys data.column.<name>


@dataclass(frozen=True)
class SearchContext:
    """The search page (template ``search.html``, owned by the search module)."""

    meta: PageMeta
    parties: tuple[Party, ...]
    people: tuple[Person, ...]
    years: tuple[str, ...]


@dataclass(frozen=True)
class NotFoundContext:
    meta: PageMeta


_ITEMS = [f.name for f in fields(MeetingContext)].index("items")
