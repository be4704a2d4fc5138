"""Gather every page's context from the archive (STYLE.md §2): one builder per
page kind, each returning the frozen context of `generator.contexts`. No IO and
no HTML here; `generator.render` turns the contexts into files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from operator import is_
from typing import Any, TypeVar

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import JsonLexer

from generator import charts, urls
from generator.archive import LISTED_SPEECHES, Archive, MotionEntry, SpeechRef, snippet
from generator.contexts import (
    AboutContext,
    CommitmentsContext,
    DataContext,
    HomeContext,
    MeetingContext,
    MeetingGroup,
    MeetingRow,
    MeetingsIndexContext,
    MotionContext,
    MotionsIndexContext,
    NameLink,
    NotFoundContext,
    PageMeta,
    PartiesIndexContext,
    PartyContext,
    PersonRow,
    SearchContext,
    SpeakerContext,
    SpeakersIndexContext,
    SpeechItem,
    TocEntry,
    VerdictFilter,
)
from generator.export import FORMAT_VERSION, meeting_to_dict
from generator.i18n import Catalogue
from generator.model import Meeting, Motion, Person, TurnKind, VerdictKind
from generator.pagedeps import Reads, tracked, untracked
from generator.stats import Figures

LATEST = 10
# the columns of the speeches CSVs, data/speeches/<year>.csv (generator.feeds writes them
# in this order)
CSV_COLUMNS = ("meeting", "date", "turn", "kind", "speaker", "name", "party", "label",
               "words", "text", "url")
MOST_ACTIVE = 10
MOTIONS_PER_PAGE = 500  # a motions list is split into files of this many
LISTED_MOTIONS = 200  # a speaker or party page lists at most this many motions
SPEAKER_SPEECHES = LISTED_SPEECHES  # a speaker page lists at most this many (newest first)


R = TypeVar("R", SpeechRef, MotionEntry)


@dataclass(frozen=True)
class Page:
    """A page to render: its template and its context."""

    template: str
    context: object

    @property
    def path(self) -> str:
        return self.context.meta.path  # type: ignore[attr-defined]


def meeting_title(meeting: Meeting, t: Catalogue) -> str:
    return meeting.title or t("meeting.untitled", id=meeting.id)


def meeting_description(meeting: Meeting, turns: int, t: Catalogue) -> str:
    """One sentence about a meeting, for its meta description and the feed."""
    return t("meeting.description", title=meeting_title(meeting, t), date=t.date(meeting.date),
             turns=t("count.turns", n=turns), motions=t("count.motions", n=len(meeting.motions)))


def kind_name(kind: str, t: Catalogue) -> str:
    return t(f"kind.{kind}") if kind in ("commissie", "plenair") else kind


def motion_title(motion: Motion, t: Catalogue) -> str:
    if motion.title:
        return motion.title
    if motion.number:
        return t("motion.numbered", number=motion.number)
    return t("motion.untitled")


def meeting_row(archive: Archive, meeting: Meeting, t: Catalogue) -> MeetingRow:
    return MeetingRow(archive.meeting_slug(meeting), meeting_title(meeting, t), meeting.date,
                      meeting.committee, meeting.kind, archive.summaries[meeting.id].speeches,
                      len(meeting.motions))


def person_row(archive: Archive, person: Person, figures: Figures | None = None,
               role: str | None = None) -> PersonRow:
    party = archive.party_of(person.id)
    return PersonRow(person.id, person.name, person.party, party.slug if party else None,
                     role, figures if figures is not None else
                     archive.person_figures.get(person.id, Figures()))


def _row(archive: Archive, person_id: str | None, meeting: Meeting | None = None
         ) -> PersonRow | None:
    """A person named on a page without their figures (`PersonRow`)."""
    person = archive.people.get(person_id or "")
    if person is None:
        return None
    local = meeting.person(person_id) if meeting else None
    party = archive.party_of(person.id)
    return PersonRow(person.id, person.name, person.party, party.slug if party else None,
                     local.role if local else None, None)


# -- home and lists ----------------------------------------------------------

def home_page(archive: Archive, t: Catalogue, site_title: str) -> Page:
    dated = [m.date for m in archive.meetings if m.date]
    active = sorted(archive.person_figures.items(), key=lambda kv: (-kv[1].words, kv[0]))
    rows = tuple(person_row(archive, archive.people[pid], figures)
                 for pid, figures in active[:MOST_ACTIVE] if pid in archive.people)
    latest = tuple(meeting_row(archive, m, t) for m in reversed(archive.meetings[-LATEST:]))
    speeches = sum(archive.speech_counts.values())
    meta = PageMeta(urls.HOME, site_title, t("home.description", n=len(archive.meetings)),
                    jsonld={"@context": "https://schema.org", "@type": "WebSite",
                            "name": site_title})
    return Page("index.html", HomeContext(
        meta, len(archive.meetings), speeches, len(archive.motions), len(archive.people),
        min(dated) if dated else None, max(dated) if dated else None, latest, rows,
        charts.home_charts(archive, rows, urls.Urls(meta.path), t)))


def meetings_index_page(archive: Archive, t: Catalogue) -> Page:
    groups: dict[tuple[str, str], list[MeetingRow]] = {}
    for meeting in archive.meetings:
        year = (meeting.date or "")[:4] or t("date.unknown")
        heading = meeting.committee or kind_name(meeting.kind, t)
        groups.setdefault((year, heading), []).append(meeting_row(archive, meeting, t))
    ordered = sorted(groups.items(), key=lambda kv: (-int(kv[0][0]) if kv[0][0].isdigit()
                                                       else 1, kv[0][1].lower()))
    meta = PageMeta(urls.MEETINGS, t("meetings.title"), t("meetings.description"))
    return Page("meetings.html", MeetingsIndexContext(
        meta, tuple(MeetingGroup(y, h, tuple(rows), "jaar-" + (y if y.isdigit() else "onbekend"))
                    for (y, h), rows in ordered)))


def speakers_index_page(archive: Archive, t: Catalogue) -> Page:
    rows = tuple(person_row(archive, p) for p in archive.people.values())
    meta = PageMeta(urls.SPEAKERS, t("speakers.title"), t("speakers.description"))
    return Page("speakers.html", SpeakersIndexContext(meta, rows))


def parties_index_page(archive: Archive, t: Catalogue) -> Page:
    rows = tuple((p, archive.party_figures.get(p.name, Figures()))
                 for p in archive.parties.values())
    meta = PageMeta(urls.PARTIES, t("parties.title"), t("parties.description"))
    return Page("parties.html", PartiesIndexContext(meta, rows))


# -- meeting -----------------------------------------------------------------

def speech_items(archive: Archive, meeting: Meeting, t: Catalogue) -> tuple[SpeechItem, ...]:
    slug = archive.meeting_slug(meeting)
    title = meeting_title(meeting, t)
    interruptions = archive.interruptions(meeting)
    sections = {s.turn: s.title for s in meeting.sections}
    rows: dict[str | None, PersonRow | None] = {}  # a meeting has few speakers, many turns

    def row(person_id: str | None) -> PersonRow | None:
        if person_id not in rows:
            rows[person_id] = _row(archive, person_id, meeting)
        return rows[person_id]

    # the turns' motions and verdicts: a tracked view notes a read of these
    # fields by meeting (`pagedeps.BY_MEETING`), so it is noted once here and
    # the archive's own mappings are read per turn (two calls fewer a turn)
    inner, reads = untracked(archive)
    motions_by_turn, verdicts_by_turn = inner.motions_by_turn, inner.verdicts_by_turn
    if reads is not None and meeting.turns:
        reads.add("motions_by_turn", meeting.id)
        reads.add("verdicts_by_turn", meeting.id)
    items = []
    for turn in meeting.turns:
        hit = interruptions.get(turn.id)
        items.append(SpeechItem(
            slug, title, meeting.date, turn, urls.turn_anchor(turn.id),
            row(turn.speaker), turn.kind is TurnKind.PROCEDURAL,
            row(hit.floor_holder) if hit else None,
            sections.get(turn.id),
            motions_by_turn.get((meeting.id, turn.id), ()),
            verdicts_by_turn.get((meeting.id, turn.id), ()),
        ))
    return tuple(items)


def meeting_page(archive: Archive, meeting: Meeting, t: Catalogue) -> Page:
    meeting = archive.full(meeting)
    slug = archive.meeting_slug(meeting)
    turn_ids = {turn.id for turn in meeting.turns}
    title = meeting_title(meeting, t)
    present = [r for r in (_row(archive, pid, meeting) for pid in meeting.present) if r]
    members = tuple(r for r in present if not _is_government(r.role))
    government = tuple(r for r in present if _is_government(r.role))
    figures = archive.figures[meeting.id]
    fig_rows = tuple(sorted(
        (person_row(archive, archive.people[pid], f) for pid, f in figures.by_person.items()
         if pid in archive.people), key=lambda r: (-r.figures.words, r.id)))
    motions = archive.motions_by_meeting.get(meeting.id, ())
    read_out = tuple(e for e in motions if e.motion.turn in turn_ids)
    unread = tuple(e for e in motions if e.motion.turn not in turn_ids)
    description = meeting_description(meeting, figures.total.turns, t)
    jsonld = {"@context": "https://schema.org", "@type": "Event", "name": title,
              "startDate": meeting.date, "eventStatus": "https://schema.org/EventScheduled",
              "location": {"@type": "Place", "name": meeting.body},
              "organizer": {"@type": "Organization", "name": meeting.body},
              "about": meeting.committee}
    meta = PageMeta(urls.meeting_path(slug), title, description, "article",
                    {k: v for k, v in jsonld.items() if v})
    toc = tuple(TocEntry(s.title, urls.turn_anchor(s.turn)) for s in meeting.sections
                if s.turn in turn_ids)
    commitments = tuple((c.text, urls.turn_anchor(c.turn) if c.turn in turn_ids else None)
                        for c in meeting.commitments)
    suspensions = tuple((s.start or "?", s.end or "?",
                         urls.turn_anchor(s.turn) if s.turn in turn_ids else None)
                        for s in meeting.suspensions)
    return Page("meeting.html", MeetingContext(
        meta, meeting, slug, title, _row(archive, meeting.chair, meeting), members, government,
        toc, read_out, unread, speech_items(archive, meeting, t), suspensions, commitments,
        fig_rows, figures.total, charts.meeting_charts(archive, meeting, urls.Urls(meta.path), t)))


def _is_government(role: str | None) -> bool:
    return bool(role) and role.lower().split()[0] in ("minister", "staatssecretaris")


# -- speakers, parties -------------------------------------------------------

def speaker_page(archive: Archive, person: Person, t: Catalogue) -> Page:
    row = person_row(archive, person)
    shown = archive.newest_speeches.get(person.id, ())
    items = []
    for ref in shown:
        items.append(SpeechItem(
            archive.meeting_slug(ref.meeting), meeting_title(ref.meeting, t), ref.meeting.date,
            ref.turn, urls.turn_anchor(ref.turn.id), row, False,
            _row(archive, ref.interrupts) if ref.interrupts is not None else None, None,
            archive.motions_by_turn.get((ref.meeting.id, ref.turn.id), ()),
            archive.verdicts_by_turn.get((ref.meeting.id, ref.turn.id), ()),
            ref.snippet))
    meetings = tuple(meeting_row(archive, m, t)
                     for m in archive.meetings_by_speaker.get(person.id, ()))
    description = t("speaker.description", name=person.name,
                    party=person.party or "", meetings=len(meetings))
    jsonld = {"@context": "https://schema.org", "@type": "Person", "name": person.name}
    if person.party:
        jsonld["memberOf"] = {"@type": "Organization", "name": person.party}
    meta = PageMeta(urls.person_path(person.id), person.name, description, "profile", jsonld)
    return Page("speaker.html", SpeakerContext(
        meta, row, archive.roles.get(person.id, ()), meetings, tuple(items),
        archive.speech_counts.get(person.id, 0) - len(shown),
        *_newest(archive.motions_by_submitter.get(person.id, ())),
        row.figures, charts.speaker_charts(archive, person, urls.Urls(meta.path), t)))


def newest_meetings_first(refs: Sequence[R]) -> list[R]:
    """Speeches (or motions) of the newest meeting first, each meeting's in the
    order spoken; `refs` are in archive order (oldest meeting first)."""
    groups: list[list[R]] = []
    for ref in refs:
        if groups and groups[-1][0].meeting is ref.meeting:
            groups[-1].append(ref)
        else:
            groups.append([ref])
    return [ref for group in reversed(groups) for ref in group]


def party_page(archive: Archive, slug: str, t: Catalogue) -> Page:
    party = archive.parties[slug]
    rows = (person_row(archive, archive.people[pid]) for pid in party.members)
    members = tuple(sorted((r for r in rows if r.figures.turns),  # those who spoke
                           key=lambda r: (-r.figures.words, r.name.lower(), r.id)))
    meta = PageMeta(urls.party_path(party.name), party.name,
                    t("party.description", name=party.name, n=len(members)), "website",
                    {"@context": "https://schema.org", "@type": "PoliticalParty",
                     "name": party.name})
    return Page("party.html", PartyContext(
        meta, party, members, *_newest(archive.motions_of_party(party)),
        archive.party_figures.get(party.name, Figures()),
        charts.party_charts(archive, party, urls.Urls(meta.path), t)))


def _newest(entries: tuple[MotionEntry, ...]) -> tuple[tuple[MotionEntry, ...], int]:
    """The newest `LISTED_MOTIONS` of a person's or party's motions, and how many
    older ones the page leaves to the motions index."""
    ordered = newest_meetings_first(entries)
    return tuple(ordered[:LISTED_MOTIONS]), max(0, len(ordered) - LISTED_MOTIONS)


# -- motions, commitments ----------------------------------------------------

def motion_page(archive: Archive, entry: MotionEntry, t: Catalogue) -> Page:
    motion, meeting = entry.motion, entry.meeting
    turns = archive.summaries[meeting.id].turns  # the turns records point at
    title = motion_title(motion, t)
    submitters = tuple(
        NameLink(name, pid if pid in archive.people else None)
        for name, pid in zip(motion.submitters, _pad(motion.submitter_ids, motion.submitters),
                             strict=True))
    verdict = motion.verdict
    verdict_at = verdict.turn if verdict and verdict.turn in turns else None
    replaces = next((e for e in archive.motions_by_meeting.get(meeting.id, ())
                     if motion.replaces and e.motion.number == motion.replaces), None)
    description = " ".join(motion.requests)[:200] or motion.text[:200]
    jsonld = {"@context": "https://schema.org", "@type": "CreativeWork", "name": title,
              "text": motion.text, "dateCreated": meeting.date,
              "author": [{"@type": "Person", "name": n} for n in motion.submitters]}
    meta = PageMeta(urls.motion_path(entry.slug), title, description, "article",
                    {k: v for k, v in jsonld.items() if v})
    return Page("motion.html", MotionContext(
        meta, entry, motion, title, archive.meeting_slug(meeting), submitters,
        urls.turn_anchor(motion.turn) if motion.turn in turns else None,
        urls.turn_anchor(verdict_at) if verdict_at else None,
        _row(archive, turns[verdict_at], meeting) if verdict_at is not None else None,
        replaces))


def _pad(ids: tuple[str | None, ...], names: tuple[str, ...]) -> tuple[str | None, ...]:
    return (tuple(ids) + (None,) * len(names))[:len(names)]


def _motion_lists(archive: Archive, t: Catalogue
                  ) -> list[tuple[VerdictKind | None | str, str, str, tuple[MotionEntry, ...]]]:
    """The list of all motions and one per verdict kind that occurs: kind,
    path, label and entries."""
    kinds: list[VerdictKind | None] = [k for k, v in archive.motions_by_verdict.items() if v]
    lists: list[tuple[VerdictKind | None | str, str, str, tuple[MotionEntry, ...]]] = [
        ("all", urls.MOTIONS, t("motions.all"), tuple(archive.motions.values()))]
    lists += [(k, urls.verdict_list_path(k), t.verdict(k), archive.motions_by_verdict[k])
              for k in kinds]
    return lists


def _list_pages(entries: int) -> int:
    return max(1, -(-entries // MOTIONS_PER_PAGE))


def motions_index_pages(archive: Archive, t: Catalogue) -> Iterator[Page]:
    """The list of all motions, and one list per verdict kind that occurs; newest
    first, split into files of `MOTIONS_PER_PAGE`."""
    lists = _motion_lists(archive, t)
    for kind, path, label, entries in lists:
        filters = tuple(VerdictFilter(k, lbl, p, len(e), k == kind) for k, p, lbl, e in lists)
        heading = t("motions.title") if kind == "all" else t("motions.title_kind", kind=label)
        ordered = newest_meetings_first(entries)
        count = _list_pages(len(ordered))
        pager = tuple((n, urls.paged(path, n)) for n in range(1, count + 1))
        for number, page_path in pager:
            chunk = tuple(ordered[(number - 1) * MOTIONS_PER_PAGE:number * MOTIONS_PER_PAGE])
            title = heading if number == 1 else t("motions.page_title", title=heading, n=number)
            meta = PageMeta(page_path, title, t("motions.description", n=len(entries)))
            figures = (charts.motions_charts(archive, urls.Urls(page_path), t)
                       if kind == "all" and number == 1 else ())
            yield Page("motions.html", MotionsIndexContext(
                meta, heading, filters, chunk, figures, number, pager if count > 1 else ()))


def commitments_page(archive: Archive, t: Catalogue) -> Page:
    rows = []
    for entry in archive.commitments:
        turn = entry.commitment.turn
        rows.append((entry, archive.meeting_slug(entry.meeting),
                     urls.turn_anchor(turn) if archive.has_turn(entry.meeting, turn) else None))
    meta = PageMeta(urls.COMMITMENTS, t("commitments.title"), t("commitments.description"))
    return Page("commitments.html", CommitmentsContext(meta, tuple(rows)))


# -- fixed pages -------------------------------------------------------------

def about_page(archive: Archive, t: Catalogue) -> Page:
    meta = PageMeta(urls.ABOUT, t("about.title"), t("about.description"))
    return Page("about.html", AboutContext(meta, len(archive.meetings)))


def data_page(archive: Archive, t: Catalogue) -> Page:
    import json

    example = _json_example(archive)
    # pygments escapes every token it emits, so its output may be trusted as markup
    html = Markup(highlight(json.dumps(example, ensure_ascii=False, indent=2), JsonLexer(),
                            HtmlFormatter(nowrap=True)))  # noqa: S704
    meta = PageMeta(urls.DATA, t("data.title"), t("data.description"))
    rows = tuple(meeting_row(archive, m, t) for m in archive.meetings)
    return Page("data.html", DataContext(meta, html, rows, FORMAT_VERSION, CSV_COLUMNS))


def _json_example(archive: Archive) -> dict:
    """The first meeting's JSON, shortened to a few items per list."""
    if not archive.meetings:
        return {"format": FORMAT_VERSION, "id": "…", "turns": [], "motions": []}
    data = meeting_to_dict(archive.full(archive.meetings[0]))
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = value[:2]
    for turn in data["turns"]:
        turn["paragraphs"] = [snippet((p,), 20) for p in turn["paragraphs"][:1]]
    return data


def search_page(archive: Archive, t: Catalogue) -> Page:
    years = sorted({m.date[:4] for m in archive.meetings if m.date}, reverse=True)
    meta = PageMeta(urls.SEARCH, t("search.title"), t("search.description"))
    return Page("search.html", SearchContext(meta, tuple(archive.parties.values()),
                                             tuple(archive.people.values()), tuple(years)))


def not_found_page(t: Catalogue) -> Page:
    meta = PageMeta(urls.NOT_FOUND, t("notfound.title"), t("notfound.description"),
                    noindex=True)
    return Page("404.html", NotFoundContext(meta))


Token = tuple[str, Any]  # what a page builder reads (`generator.pagedeps`)


@dataclass(frozen=True)
class PageSpec:
    """One page of the site, not yet built: `key` names it across builds,
    `make` builds it from an archive (the archive or a tracked view of it,
    `generator.pagedeps`), and `needs` are the tokens of what `make` was
    given besides the archive (None: `make` does not build from the archive
    it is given, so its reads cannot be tracked)."""

    key: str
    make: Callable[[Archive], Page]
    needs: tuple[Token, ...] | None = ()


def page_specs(archive: Archive, t: Catalogue, site_title: str) -> list[PageSpec]:
    """One spec per HTML page of the site, in a fixed order; a page's context
    is gathered only when its `make` is called (parallel renderers and the
    build cache skip the others). The specs are those of the last call of
    this process (the motions lists' aside) when the archive's indexes they
    are made from are the very same objects: a live preview's archive keeps
    them where the outlines are unchanged (45,000 specs at 10,000 meetings)."""
    global _LAST_SPECS
    sources = (archive.meetings, archive.people, archive.parties, archive.motions,
               archive.motions_by_verdict, t, site_title)
    last = _LAST_SPECS
    if last is not None and all(map(is_, last[0], sources)):
        head, count, tail = last[1], last[2], last[3]
    else:
        head, count, tail = _specs(archive, t, site_title)
        _LAST_SPECS = (sources, head, count, tail)
    lists = _MotionLists(t)  # (a fresh one: it keeps the pages it made of one archive)
    return [*head, *(PageSpec(f"motions-list:{n}", partial(lists.page, n)) for n in range(count)),
            *tail]


# what the last `page_specs` made its specs from, and the specs before and after the
# motions lists (the objects themselves: while kept here, no other can take their identity)
_LAST_SPECS: tuple[tuple, list[PageSpec], int, list[PageSpec]] | None = None


def _specs(archive: Archive, t: Catalogue, site_title: str
           ) -> tuple[list[PageSpec], int, list[PageSpec]]:
    """The specs of `page_specs` before the motions lists, their count, and
    the specs after them."""
    specs = [PageSpec("home", lambda a: home_page(a, t, site_title)),
             PageSpec("meetings", lambda a: meetings_index_page(a, t))]
    specs += [PageSpec(f"meeting:{m.id}", partial(_meeting_page, m, t), (("meeting", m.id),))
              for m in archive.meetings]
    specs.append(PageSpec("speakers", lambda a: speakers_index_page(a, t)))
    specs += [PageSpec(f"speaker:{pid}", partial(_speaker_page, p, t), (("people", pid),))
              for pid, p in archive.people.items()]
    specs.append(PageSpec("parties", lambda a: parties_index_page(a, t)))
    specs += [PageSpec(f"party:{slug}", partial(_party_page, slug, t)) for slug in archive.parties]
    count = sum(_list_pages(len(entries)) for *_, entries in _motion_lists(archive, t))
    tail = [PageSpec(f"motion:{slug}", partial(_motion_page, e, t), (("motions", slug),))
            for slug, e in archive.motions.items()]
    tail += [PageSpec("commitments", lambda a: commitments_page(a, t)),
             PageSpec("about", lambda a: about_page(a, t)),
             PageSpec("data", lambda a: data_page(a, t)),
             PageSpec("search", lambda a: search_page(a, t)),
             PageSpec("404", lambda a: not_found_page(t))]
    return specs, count, tail


class _MotionLists:
    """The motions index pages of one build, all made on first use (each
    list is ordered once for all its pages). Made from a tracked view, each
    page reads what making them all read."""

    def __init__(self, t: Catalogue):
        self.t = t
        self._made: tuple[list[Page], set[Token], bool] | None = None

    def page(self, number: int, archive: Archive) -> Page:
        inner, reads = untracked(archive)
        if self._made is None or (reads is not None and not self._made[2]):
            shared = Reads()
            source = tracked(inner, shared) if reads is not None else inner
            self._made = (list(motions_index_pages(source, self.t)), shared.tokens,
                          reads is not None)
        pages, tokens, _ = self._made
        if reads is not None:
            reads.tokens |= tokens
        return pages[number]


def _meeting_page(meeting: Meeting, t: Catalogue, archive: Archive) -> Page:
    return meeting_page(archive, meeting, t)


def _speaker_page(person: Person, t: Catalogue, archive: Archive) -> Page:
    return speaker_page(archive, person, t)


def _party_page(slug: str, t: Catalogue, archive: Archive) -> Page:
    return party_page(archive, slug, t)


def _motion_page(entry: MotionEntry, t: Catalogue, archive: Archive) -> Page:
    return motion_page(archive, entry, t)


def page_builders(archive: Archive, t: Catalogue, site_title: str
                  ) -> list[Callable[[], Page]]:
    """One builder per HTML page of the site, in a fixed order; a builder gathers
    its page's context only when called (parallel renderers skip the others)."""
    return [partial(spec.make, archive) for spec in page_specs(archive, t, site_title)]


def all_pages(archive: Archive, t: Catalogue, site_title: str) -> Iterator[Page]:
    """Every HTML page of the site, in a fixed order."""
    for build in page_builders(archive, t, site_title):
        yield build()
