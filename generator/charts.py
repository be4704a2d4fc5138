"""Charts drawn at build time as inline SVG: numbers in, escaped markup out.

The drawing functions are pure: no archive, no IO. Every chart is an ``<svg>``
with a ``viewBox`` (crisp at any width and in print), a ``<title>`` and
``<desc>`` it is labelled by, colours only through CSS classes whose fills are
custom properties (``var(--chart-1)``, ``var(--verdict-ontraden)``) so dark mode
and print restyle them, and a pattern per series (solid, hatched, dotted, ...)
plus numbers written beside every bar, so colour is never the only signal.
The colours are the Okabe-Ito palette, distinguishable with any common form of
colour blindness. Static charts have ``role="img"``; the meeting timeline,
whose marks link into the transcript, keeps the SVG's own role (a graphics
document the Nu checker accepts) so its named links stay reachable.

`generator.figures` computes the numbers once in the archive stage; the
`*_charts` functions at the end turn them into `Figure`s for one page (SVG,
legend and the same numbers as a table) with that page's words and links.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from generator.figures import VERDICT_KEYS, VerdictCounts

if TYPE_CHECKING:
    from generator.archive import Archive, Party
    from generator.contexts import PersonRow
    from generator.i18n import Catalogue
    from generator.model import Meeting, Person
    from generator.urls import Urls

WIDTH = 400
FONT = 14
NOTE_FONT = 12  # a note after a label ("· 12 beurten")
PATTERNS = ("solid", "hatch", "dots", "cross", "rhatch", "hlines", "vlines", "grid")


@dataclass(frozen=True)
class Series:
    """One kind of bar: its legend name, CSS class (the fill) and pattern."""

    name: str
    css: str
    pattern: str = "solid"

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`Cell`)
        return (Series, (self.name, self.css, self.pattern))


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a label and one value per series; `note` is
    written after the label (bar charts) or after the bar (stacked charts)."""

    label: str
    values: tuple[int, ...]
    note: str | None = None

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`Cell`)
        return (Bar, (self.label, self.values, self.note))


@dataclass(frozen=True)
class Mark:
    """A timeline mark: ``kind`` (section, suspension, motion), its label, the
    link it opens, and its position (0..1) through the meeting."""

    kind: str
    label: str
    href: str
    position: float

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`Cell`)
        return (Mark, (self.kind, self.label, self.href, self.position))


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    numeric: bool = False

    def __reduce__(self) -> tuple:
        # its fields in order, without their names: a page fingerprint
        # (`generator.cache.PagePlan.fingerprint`) pickles every cell of every
        # figure, and a class's own reduce is faster than the default (a dict
        # of the fields by name) and writes less to hash
        return (Cell, (self.text, self.href, self.numeric))


@dataclass(frozen=True)
class Figure:
    """What `_charts/figure.html` shows: caption, SVG, legend, and the same
    numbers as a table (`head` and `rows` of cells)."""

    id: str
    title: str
    svg: Markup
    legend: tuple[tuple[str, Markup], ...]
    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __reduce__(self) -> tuple:
        # its fields in order, without their names (`Cell`)
        return (Figure, (self.id, self.title, self.svg, self.legend, self.head, self.rows))


# -- drawing -----------------------------------------------------------------

def _n(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of a label's width in a sans-serif font."""
    return len(text) * size * 0.6


def _fit(text: str, room: float) -> str:
    """`text`, cut short with an ellipsis when it would not fit in `room`
    (the table beside the chart has it in full)."""
    if _text_width(text) <= room:
        return text
    return text[:max(int(room / (FONT * 0.6)) - 1, 1)].rstrip() + "…"


def _pattern(pid: str, series: Series) -> str:
    lines = {
        "solid": "",
        "hatch": '<path class="chart-ink" d="M-1 1l2-2M0 8l8-8M7 9l2-2"/>',
        "rhatch": '<path class="chart-ink" d="M-1 7l2 2M0 0l8 8M7 -1l2 2"/>',
        "dots": '<circle class="chart-dot" cx="4" cy="4" r="1.4"/>',
        "cross": '<path class="chart-ink" d="M0 8l8-8M0 0l8 8"/>',
        "hlines": '<path class="chart-ink" d="M0 4h8"/>',
        "vlines": '<path class="chart-ink" d="M4 0v8"/>',
        "grid": '<path class="chart-ink" d="M0 4h8M4 0v8"/>',
    }[series.pattern]
    return (f'<pattern id="{escape(pid)}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect class="{escape(series.css)}" width="8" height="8"/>{lines}</pattern>')


def _defs(chart_id: str, series: Sequence[Series]) -> str:
    return "<defs>" + "".join(_pattern(f"{chart_id}-p{i}", s)
                              for i, s in enumerate(series)) + "</defs>"


def _open(chart_id: str, height: float, title: str, desc: str, role: str | None = "img") -> str:
    cid = escape(chart_id)
    has_role = f' role="{role}"' if role else ""
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {_n(height)}"{has_role} '
            f'aria-labelledby="{cid}-t {cid}-d" font-size="{FONT}">'
            f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>')


def swatch(chart_id: str, index: int) -> Markup:
    """A legend swatch filled like series `index` of chart `chart_id`."""
    return Markup(  # noqa: S704 - only the escaped id is interpolated
        f'<svg class="swatch" viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
        f'<rect width="16" height="16" fill="url(#{escape(chart_id)}-p{index})"/></svg>')


def bar_chart(chart_id: str, title: str, desc: str, series: Sequence[Series],
              bars: Sequence[Bar], fmt: Callable[[int], str] = str) -> Markup:
    """Horizontal bars, one group per row; every series on the same scale. The
    label sits above its bars so long names need no left margin on a phone."""
    top = max((v for bar in bars for v in bar.values), default=0) or 1
    span = WIDTH - 12 - FONT * 0.6 * max((len(fmt(v)) for b in bars for v in b.values), default=0)
    row_h = 20 + 16 * len(series) + 8
    out = [_open(chart_id, max(row_h * len(bars), 1), title, desc), _defs(chart_id, series)]
    for r, bar in enumerate(bars):
        y = r * row_h
        note = f" · {bar.note}" if bar.note else ""
        label = _fit(bar.label, WIDTH - _text_width(note, NOTE_FONT))
        note = (f'<tspan class="chart-note" font-size="{NOTE_FONT}">{escape(note)}</tspan>'
                if note else "")
        out.append(f'<text class="chart-label" x="0" y="{_n(y + 14)}">{escape(label)}'
                   f'{note}</text>')
        for s, value in enumerate(bar.values):
            by = y + 20 + s * 16
            length = span * value / top
            out.append(f'<rect x="0" y="{_n(by)}" width="{_n(max(length, 1 if value else 0))}" '
                       f'height="13" fill="url(#{escape(chart_id)}-p{s})" class="chart-bar"/>')
            out.append(f'<text class="chart-value" x="{_n(length + 5)}" y="{_n(by + 11)}">'
                       f'{escape(fmt(value))}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every string above is escaped


def stacked_chart(chart_id: str, title: str, desc: str, series: Sequence[Series],
                  bars: Sequence[Bar], fmt: Callable[[int], str] = str) -> Markup:
    """One stacked horizontal bar per row (parts of a whole, e.g. verdicts),
    each part numbered inside when it is wide enough; the total after it."""
    top = max((sum(bar.values) for bar in bars), default=0) or 1
    notes = [bar.note or fmt(sum(bar.values)) for bar in bars]
    span = WIDTH - 12 - FONT * 0.6 * max(map(len, notes), default=0)
    row_h = 46
    out = [_open(chart_id, max(row_h * len(bars), 1), title, desc), _defs(chart_id, series)]
    for r, bar in enumerate(bars):
        y = r * row_h
        out.append(f'<text class="chart-label" x="0" y="{_n(y + 14)}">'
                   f'{escape(_fit(bar.label, WIDTH))}</text>')
        x = 0.0
        for s, value in enumerate(bar.values):
            if not value:
                continue
            length = span * value / top
            out.append(f'<rect x="{_n(x)}" y="{_n(y + 20)}" width="{_n(length)}" height="18" '
                       f'fill="url(#{escape(chart_id)}-p{s})" class="chart-bar"/>')
            if length >= 16:
                out.append(f'<text class="chart-in" x="{_n(x + length / 2)}" y="{_n(y + 33)}" '
                           f'text-anchor="middle">{escape(fmt(value))}</text>')
            x += length
        out.append(f'<text class="chart-value" x="{_n(x + 5)}" y="{_n(y + 33)}">'
                   f'{escape(bar.note or fmt(sum(bar.values)))}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every string above is escaped


def column_chart(chart_id: str, title: str, desc: str, series: Series,
                 columns: Sequence[tuple[str, int]], fmt: Callable[[int], str] = str) -> Markup:
    """Vertical columns over time (meetings per month, words per meeting), the
    value above each column and its label below; when they would not fit,
    only every k-th column is labelled (the table has them all), and no label
    runs past either edge."""
    height, base = 190, 160
    top = max((v for _, v in columns), default=0) or 1
    n = max(len(columns), 1)
    step = WIDTH / n
    width = min(step * 0.7, 48)
    widest_label = max((_text_width(label) for label, _ in columns), default=0) + 8
    widest_value = max((_text_width(fmt(v)) for _, v in columns), default=0) + 4
    every_label = max(1, math.ceil(widest_label / step))
    every_value = max(1, math.ceil(widest_value / step))
    out = [_open(chart_id, height, title, desc), _defs(chart_id, [series]),
           f'<path class="chart-axis" d="M0 {base}.5H{WIDTH}"/>']

    right_edge = {"chart-value": -WIDTH, "chart-label": -WIDTH}

    def text(css: str, x: float, y: float, words: str) -> None:
        """Centred on x, moved inside the edges, skipped if it would touch the
        previous text of its row."""
        half = _text_width(words) / 2
        x = min(max(x, half), WIDTH - half)
        if x - half < right_edge[css] + 2:
            return
        right_edge[css] = x + half
        out.append(f'<text class="{css}" x="{_n(x)}" y="{_n(y)}" text-anchor="middle">'
                   f'{escape(words)}</text>')

    for i, (label, value) in enumerate(columns):
        cx = step * i + step / 2
        h = (base - 30) * value / top
        out.append(f'<rect x="{_n(cx - width / 2)}" y="{_n(base - h)}" width="{_n(width)}" '
                   f'height="{_n(h)}" fill="url(#{escape(chart_id)}-p0)" class="chart-bar"/>')
        if i % every_value == 0:
            text("chart-value", cx, base - h - 4, fmt(value))
        if i % every_label == 0:
            text("chart-label", cx, base + 18, label)
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every string above is escaped


TIMELINE_SERIES = {"section": Series("", "chart-3", "solid"),
                   "suspension": Series("", "chart-2", "hatch"),
                   "motion": Series("", "chart-1", "solid")}


def timeline_chart(chart_id: str, title: str, desc: str, start: str | None, end: str | None,
                   marks: Sequence[Mark]) -> Markup:
    """A vertical timeline, top to bottom through the meeting: a bar per
    section start, a hatched band per suspension, a diamond per motion read
    out. Labels are pushed down so they never overlap, with a leader line to
    their place; every mark links to its turn."""
    axis_x, label_x, gap = 64, 96, 18
    length = max(300, gap * len(marks))
    out_marks = []
    last = -gap
    for mark in marks:
        y = 20 + length * mark.position
        ly = max(y, last + gap)
        last = ly
        out_marks.append((mark, y, ly))
    height = max(length + 44, last + 16)
    kinds = list(TIMELINE_SERIES)
    out = [_open(chart_id, height, title, desc, role=None),
           _defs(chart_id, [TIMELINE_SERIES[k] for k in kinds]),
           f'<path class="chart-axis" d="M{axis_x}.5 20V{_n(20 + length)}"/>',
           f'<text class="chart-label" x="{axis_x - 8}" y="24" text-anchor="end">'
           f'{escape(start or "")}</text>',
           f'<text class="chart-label" x="{axis_x - 8}" y="{_n(24 + length)}" '
           f'text-anchor="end">{escape(end or "")}</text>']
    for mark, y, ly in out_marks:
        p = f"url(#{escape(chart_id)}-p{kinds.index(mark.kind)})"
        if mark.kind == "section":
            shape = f'<rect x="{axis_x - 14}" y="{_n(y - 2)}" width="28" height="4" fill="{p}"/>'
        elif mark.kind == "suspension":
            shape = (f'<rect x="{axis_x - 10}" y="{_n(y - 5)}" width="20" height="10" fill="{p}" '
                     f'class="chart-edge"/>')
        else:
            shape = (f'<path d="M{axis_x} {_n(y - 6)}l6 6-6 6-6-6z" fill="{p}" '
                     f'class="chart-edge"/>')
        bold = mark.kind == "section"  # bold letters are wider
        cls = "chart-label chart-strong" if bold else "chart-label"
        out.append(
            f'<a href="{escape(mark.href)}" aria-label="{escape(mark.label)}">{shape}'
            f'<path class="chart-lead" d="M{axis_x + 14} {_n(y)}L{label_x - 4} {_n(ly - 4)}"/>'
            f'<text class="{cls}" x="{label_x}" y="{_n(ly)}">'
            f'{escape(_fit(mark.label, (WIDTH - label_x) * (0.88 if bold else 1)))}</text></a>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every string above is escaped


VERDICT_STYLE = dict(zip(VERDICT_KEYS, ("solid", "hatch", "dots", "cross", "hlines",
                                        "rhatch", "vlines", "grid"), strict=True))


def verdict_series(label: Callable[[object], str]) -> tuple[Series, ...]:
    """One series per verdict kind (and none), in `VERDICT_KEYS` order."""
    return tuple(Series(label(k), f"verdict-{k.value if k else 'none'}-fill", VERDICT_STYLE[k])
                 for k in VERDICT_KEYS)


def legend(chart_id: str, series: Sequence[Series]) -> tuple[tuple[str, Markup], ...]:
    return tuple((s.name, swatch(chart_id, i)) for i, s in enumerate(series))


def verdict_rows(counts: VerdictCounts) -> tuple[int, ...]:
    return counts.counts


# -- the figures of each page kind -------------------------------------------
# Each takes the archive's precomputed numbers (`archive.chart_data`), the
# page's `Urls` and the catalogue, and returns the page's figures in order.

MAX_ROWS = 25  # per-meeting charts show the newest this many meetings


def _latest(rows: list, title: str, t: Catalogue) -> tuple[list, str]:
    """The newest `MAX_ROWS` of rows in meeting order, and the title saying so."""
    if len(rows) <= MAX_ROWS:
        return rows, title
    return rows[-MAX_ROWS:], t("chart.latest", title=title, n=MAX_ROWS)


def _person_label(person: Person | PersonRow) -> str:
    return f"{person.name} ({person.party})" if person.party else person.name


def _meeting_cell(archive: Archive, meeting_id: str, u: Urls) -> Cell:
    """A meeting as a row label: its date and title, linked to its page."""
    meeting = archive.meetings_by_id[meeting_id]
    return Cell(f"{meeting.date or '?'} · {meeting.title or meeting_id}",
                u.meeting(archive.meeting_slug(meeting)))


def _verdict_figure(fig_id: str, title: str, desc: str, t: Catalogue,
                    rows: Sequence[tuple[Cell, VerdictCounts]], first: str) -> Figure:
    series = verdict_series(t.verdict)
    used = [i for i in range(len(series)) if any(c.counts[i] for _, c in rows)]
    shown = [series[i] for i in used]
    bars = [Bar(cell.text, tuple(c.counts[i] for i in used),
                t("chart.motions_n", n=c.total)) for cell, c in rows]
    svg = stacked_chart(fig_id, title, desc, shown, bars, t.number)
    head = (first, *(s.name for s in shown), t("chart.total"))
    table = tuple((cell, *(Cell(t.number(c.counts[i]), numeric=True) for i in used),
                   Cell(t.number(c.total), numeric=True)) for cell, c in rows)
    return Figure(fig_id, title, svg, legend(fig_id, shown), head, table)


def meeting_charts(archive: Archive, meeting: Meeting, u: Urls, t: Catalogue
                   ) -> tuple[Figure, ...]:
    """Timeline, words per speaker, interruptions made and received."""
    data = archive.chart_data.meetings[meeting.id]
    figures = []
    if data.timeline:
        kinds = {"section": t("chart.kind_section"), "suspension": t("chart.kind_suspension"),
                 "motion": t("chart.kind_motion")}
        marks = [Mark(e.kind, _mark_label(e, t), "#" + u.turn_anchor(e.turn), e.position)
                 for e in data.timeline]
        title = t("chart.timeline")
        svg = timeline_chart("fig-tijdlijn", title, t("chart.timeline_desc"),
                             meeting.start, meeting.end, marks)
        rows = tuple((Cell(m.label, m.href), Cell(kinds[m.kind]),
                      Cell(f"{round(m.position * 100)}%", numeric=True)) for m in marks)
        series = [Series(kinds[k], s.css, s.pattern) for k, s in TIMELINE_SERIES.items()]
        figures.append(Figure("fig-tijdlijn", title, svg, legend("fig-tijdlijn", series),
                              (t("chart.moment"), t("chart.kind"), t("chart.position")), rows))
    people = [(archive.people[pid], f) for pid, f in data.share if pid in archive.people]
    if people:
        figures.append(_share_figure("fig-spreektijd", t("chart.share"), t("chart.share_desc"),
                                     people, u, t))
        interrupting = [(p, f) for p, f in people
                        if f.interruptions_made or f.interruptions_received]
        if interrupting:
            figures.append(_interruptions_figure(
                "fig-interrupties", t("chart.interruptions"), t("chart.interruptions_desc"),
                [(Cell(_person_label(p), u.person(p.id)), f) for p, f in interrupting], t,
                t("figures.name")))
    return tuple(figures)


def _mark_label(event, t: Catalogue) -> str:
    if event.kind == "suspension":
        return t("chart.suspended", times=event.label)
    if event.kind == "motion":
        return t("chart.motion", number=event.label)
    return event.label


def _share_figure(fig_id: str, title: str, desc: str, people, u: Urls, t: Catalogue
                  ) -> Figure:
    series = [Series(t("figures.words"), "chart-1", "solid")]
    bars = [Bar(_person_label(p), (f.words,), t("chart.turns_n", n=f.turns)) for p, f in people]
    svg = bar_chart(fig_id, title, desc, series, bars, t.number)
    head = (t("figures.name"), t("figures.words"), t("figures.turns"), t("figures.made"),
            t("figures.received"))
    rows = tuple((Cell(_person_label(p), u.person(p.id)),
                  *(Cell(t.number(v), numeric=True) for v in (
                      f.words, f.turns, f.interruptions_made, f.interruptions_received)))
                 for p, f in people)
    return Figure(fig_id, title, svg, legend(fig_id, series), head, rows)


def _interruptions_figure(fig_id: str, title: str, desc: str, rows, t: Catalogue,
                          first: str) -> Figure:
    series = [Series(t("figures.made"), "chart-2", "hatch"),
              Series(t("figures.received"), "chart-4", "dots")]
    bars = [Bar(cell.text, (f.interruptions_made, f.interruptions_received)) for cell, f in rows]
    svg = bar_chart(fig_id, title, desc, series, bars, t.number)
    table = tuple((cell, Cell(t.number(f.interruptions_made), numeric=True),
                   Cell(t.number(f.interruptions_received), numeric=True)) for cell, f in rows)
    return Figure(fig_id, title, svg, legend(fig_id, series),
                  (first, t("figures.made"), t("figures.received")), table)


def speaker_charts(archive: Archive, person: Person, u: Urls, t: Catalogue
                   ) -> tuple[Figure, ...]:
    """Words per meeting over time, interruptions per meeting, verdicts."""
    data = archive.chart_data.speakers.get(person.id)
    if data is None:
        return ()
    figures = []
    meetings = archive.meetings_by_id
    if data.meetings:
        fig_id, title = "fig-activiteit", t("chart.activity")
        series = Series(t("figures.words"), "chart-1", "solid")
        columns = [(m.date or "?", m.figures.words) for m in data.meetings]
        svg = column_chart(fig_id, title, t("chart.activity_desc", name=person.name), series,
                           columns, t.number)
        rows = tuple((Cell(meetings[m.meeting].title or m.meeting,
                           u.meeting(archive.meeting_slug(meetings[m.meeting]))),
                      Cell(m.date or t("date.unknown")),
                      *(Cell(t.number(v), numeric=True) for v in (
                          m.figures.words, m.figures.turns, m.figures.interruptions_made,
                          m.figures.interruptions_received)))
                     for m in data.meetings)
        head = (t("chart.meeting"), t("meeting.date"), t("figures.words"), t("figures.turns"),
                t("figures.made"), t("figures.received"))
        figures.append(Figure(fig_id, title, svg, legend(fig_id, [series]), head, rows))
        hit = [m for m in data.meetings
               if m.figures.interruptions_made or m.figures.interruptions_received]
        hit, title = _latest(hit, t("chart.interruptions"), t)
        if hit:
            figures.append(_interruptions_figure(
                "fig-interrupties", title, t("chart.speaker_interruptions_desc", name=person.name),
                [(_meeting_cell(archive, m.meeting, u), m.figures) for m in hit], t,
                t("chart.meeting")))
    if data.verdicts.total:
        figures.append(_verdict_figure(
            "fig-appreciaties", t("chart.verdicts_person"),
            t("chart.verdicts_person_desc", name=person.name), t,
            [(Cell(t("chart.own_motions")), data.verdicts)], t("chart.motions")))
    return tuple(figures)


def party_charts(archive: Archive, party: Party, u: Urls, t: Catalogue
                 ) -> tuple[Figure, ...]:
    """The verdicts of the party's motions, per meeting."""
    rows = archive.chart_data.party_verdicts_by_meeting.get(party.name, ())
    if not rows:
        return ()
    cells = [(_meeting_cell(archive, mid, u), counts) for mid, counts in rows]
    cells, title = _latest(cells, t("chart.verdicts_party", name=party.name), t)
    return (_verdict_figure("fig-appreciaties", title,
                            t("chart.verdicts_party_desc", name=party.name), t, cells,
                            t("chart.meeting")),)


def motions_charts(archive: Archive, u: Urls, t: Catalogue) -> tuple[Figure, ...]:
    """Verdicts per party and per meeting."""
    data = archive.chart_data
    figures = []
    if data.verdicts_by_party:
        cells = [(Cell(name, u.party(name)), counts)
                 for name, counts in data.verdicts_by_party.items()]
        figures.append(_verdict_figure("fig-appreciaties-partij", t("chart.verdicts_by_party"),
                                       t("chart.verdicts_by_party_desc"), t, cells,
                                       t("parties.party")))
    if data.verdicts_by_meeting:
        cells = [(_meeting_cell(archive, mid, u), counts)
                 for mid, counts in data.verdicts_by_meeting.items()]
        cells, title = _latest(cells, t("chart.verdicts_by_meeting"), t)
        figures.append(_verdict_figure("fig-appreciaties-vergadering", title,
                                       t("chart.verdicts_by_meeting_desc"), t, cells,
                                       t("chart.meeting")))
    return tuple(figures)


def _period_label(key: str, t: Catalogue) -> str:
    if len(key) == 7:
        return f"{t(f'month.{int(key[5:])}')[:3]} {key[:4]}"
    return key


def home_charts(archive: Archive, active: Sequence[PersonRow], u: Urls, t: Catalogue
                ) -> tuple[Figure, ...]:
    """Meetings per month (or year), and the `active` speakers (`PersonRow`s)."""
    data = archive.chart_data
    figures = []
    if data.meetings_per_period:
        fig_id = "fig-vergaderingen"
        title = t(f"chart.meetings_per_{data.period}")
        series = Series(t("chart.meetings"), "chart-1", "solid")
        columns = [(_period_label(k, t), n) for k, n in data.meetings_per_period]
        svg = column_chart(fig_id, title, t("chart.meetings_desc"), series, columns, t.number)
        rows = tuple((Cell(label), Cell(t.number(n), numeric=True)) for label, n in columns)
        figures.append(Figure(fig_id, title, svg, legend(fig_id, [series]),
                              (t(f"chart.{data.period}"), t("chart.meetings")), rows))
    if active:
        people = [(row, row.figures) for row in active]
        figures.append(_share_figure("fig-actief", t("chart.active"), t("chart.active_desc"),
                                     people, u, t))
    return tuple(figures)
