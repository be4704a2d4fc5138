"""The report's frame: header (chair, clerk, attendance, start), procedural lines
(suspensions, "Daartoe wordt besloten.", closing) and what the text states about
title, date and dossier."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MONTHS = {
    m: i for i, m in enumerate(
        ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
         "september", "oktober", "november", "december"], start=1)
}

CHAIR_LINE = re.compile(r"^\s*Voorzitter\s*:\s*(?P<name>[^:]+?)\s*$")
CLERK_LINE = re.compile(r"^\s*Griffier\s*:\s*(?P<name>[^:]+?)\s*$")
ATTENDANCE = re.compile(r"Aanwezig (?:zijn|is)\b.*?\bte weten\s*:\s*(?P<list>.*)", re.S)
START = re.compile(r"\bAanvang\s+(?P<h>\d{1,2})[.:](?P<m>\d{2})\s*uur\b")
# "Sluiting 17.18 uur." or "De vergadering wordt om 22.41 uur gesloten."
END = re.compile(
    r"^\s*(?:Sluiting\s+(?:(?P<h>\d{1,2})[.:](?P<m>\d{2})\s*uur)?\.?"
    r"|De vergadering wordt (?:om (?P<h2>\d{1,2})[.:](?P<m2>\d{2}) uur )?gesloten"
    r"(?: om (?P<h3>\d{1,2})[.:](?P<m3>\d{2}) uur)?\.)\s*$")


def end_time(m: re.Match[str]) -> str | None:
    """The closing time an `END` match states, if any."""
    for h, mm in (("h", "m"), ("h2", "m2"), ("h3", "m3")):
        if m.group(h):
            return clock(m.group(h), m.group(mm))
    return None
# "… wordt van 14.59 uur tot 15.11 uur geschorst.", "… wordt enkele ogenblikken
# geschorst.", "… wordt voor enkele minuten geschorst." (no times).
_PAUSE = r"(?: (?:voor )?(?:een paar|\w+) (?:ogenblikken|ogenblik|minuten|minuut|tijd))?"
SUSPENSION = re.compile(
    r"De vergadering wordt(?: van (?P<h1>\d{1,2})[.:](?P<m1>\d{2}) uur)?"
    r"(?: tot (?P<h2>\d{1,2})[.:](?P<m2>\d{2}) uur)?" + _PAUSE + r" geschorst\."
)
# Lines of the report that nobody speaks: they become procedural turns. (The
# flattened-text reader finds the same forms inside a line: `flat.py`.)
PROCEDURAL_FORMS = (
    r"De vergadering wordt(?: van \d{1,2}[.:]\d{2} uur)?"
    r"(?: tot \d{1,2}[.:]\d{2} uur)?" + _PAUSE + r" geschorst\."
    r"|De vergadering wordt (?:om \d{1,2}[.:]\d{2} uur )?(?:gesloten|heropend|hervat|geopend)"
    r"(?: om \d{1,2}[.:]\d{2} uur)?\."
    r"|Daartoe wordt besloten\."
    r"|(?:Overeenkomstig|Conform) (?:het|de) (?:voorstel|voorstellen) van de [Vv]oorzitter"
    r" wordt (?:aldus )?besloten\."
    r"|De (?:algemene |verdere )?beraadslaging wordt (?:gesloten|geschorst|hervat|geopend)\."
    r"|Sluiting(?: \d{1,2}[.:]\d{2} uur)?\."
    r"|\((?:Applaus|Geroffel op de bankjes|Hilariteit|Rumoer|Gelach)[^()]{0,40}\)"
    r"|\((?:Zie vergadering van|Zie |Het bijvoegsel is opgenomen)[^()]{3,120}\)"
)
PROCEDURAL = re.compile(
    r"^(?:" + PROCEDURAL_FORMS + r"|Aan de orde is (?:de|het) .{3,400}?\.(?= |$)(?!\S))\s*$")
PROCEDURAL_START = re.compile(
    r"^(?:De vergadering|Daartoe|De (?:algemene |verdere )?beraadslaging|Sluiting|Aan de orde is"
    r"|Overeenkomstig|Conform|\()")
# Offices as the attendance list prints them: "Minister van Buitenlandse Zaken",
# in older reports lower case ("minister-president, minister van Algemene Zaken").
_OFFICE = (r"(?:[Mm]inister-[Pp]resident|[Vv]iceminister-[Pp]resident|[Mm]inister"
           r"|[Ss]taatssecretaris)")
GOV_START = re.compile(r",?\s+en\s+(?=(?:de heer|mevrouw|de heren|de dames)\s)")
DATE = re.compile(
    r"\b(?:(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+|heeft op\s+)"
    r"(?P<d>\d{1,2})\s+(?P<month>" + "|".join(MONTHS) + r")\s+(?P<y>\d{4})\b",
    re.I,
)
DOSSIER_IN_TEXT = re.compile(r"\((?P<digits>\d{5})(?P<suffix>-[A-Z0-9]+)?\)")


@dataclass(frozen=True)
class Header:
    """What the header states (names as printed)."""

    chair: str | None = None
    clerk: str | None = None
    members: tuple[str, ...] = ()
    government: tuple[tuple[str, str], ...] = ()  # (name, role as printed)
    start: str | None = None
    end: str | None = None  # "Sluiting 22.41 uur" printed at the top of a Handelingen day
    date: str | None = None
    unknown: tuple[tuple[str, int], ...] = field(default=())  # lines not understood
    # From a Kamerstuk cover page, when the extraction kept it:
    title: str | None = None  # "35 373 Ruslandstrategie" -> "Ruslandstrategie"
    dossier: str | None = None
    committee: str | None = None  # "De vaste commissie voor X heeft op … overleg gevoerd"
    agenda: tuple[tuple[str, int], ...] = ()  # that sentence and its "over: – …" list


def clock(h: str | None, m: str | None) -> str | None:
    """("13", "30") -> "13:30"; None unless both are given and valid."""
    if h is None or m is None or int(h) > 24 or int(m) > 59:
        return None
    return f"{int(h):02d}:{m}"


def split_names(text: str) -> tuple[str, ...]:
    """"Bosman, Pia Dijkstra, Van Helvert en Voordewind" -> names."""
    parts = re.split(r"\s*,\s*|\s+en\s+", text.strip().rstrip(".,;"))
    return tuple(" ".join(p.split()) for p in parts if p.strip())


_NEXT_PERSON = re.compile(r",?\s+(?:en\s+)?(?=(?:de heer|mevrouw|de heren|de dames)\s)")
_PERSON_TITLE = re.compile(r"^(?:en\s+)?(?:de heer|mevrouw|de heren|de dames)\s+")
_OFFICE_START = re.compile(_OFFICE + r"\b")


def parse_government(text: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """"de heer Blok, Minister van Buitenlandse Zaken, en mevrouw Van Engelshoven,
    Minister van Onderwijs, Cultuur en Wetenschap." -> (name, office) pairs, and
    what did not read as one ("" when all did). An office may hold commas: each
    entry runs from one "de heer"/"mevrouw" to the next (", en mevrouw …" or
    ", mevrouw …")."""
    government: list[tuple[str, str]] = []
    leftover: list[str] = []
    for entry in _NEXT_PERSON.split(" " + text.strip()):
        entry = _PERSON_TITLE.sub("", entry.strip()).strip().rstrip(".,;").strip()
        if not entry:
            continue
        name, _, role = entry.partition(",")
        role = " ".join(role.split())
        if name and role and _OFFICE_START.match(role) and len(name) <= 60:
            government.append((" ".join(name.split()), role))
        else:
            leftover.append(entry)
    return tuple(government), " ".join(leftover)


def parse_attendance(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]:
    """The list after "te weten:": members, government members, and what of the
    government part did not read as "Name, Minister …" ("" when all did)."""
    parts = GOV_START.split(text, maxsplit=1)
    members = split_names(parts[0])
    if len(parts) == 1:
        return members, (), ""
    government, leftover = parse_government(parts[1])
    return members, government, leftover


def parse_date(text: str) -> str | None:
    """An ISO date from a weekday/"heeft op" date stated in the text, else None."""
    m = DATE.search(text)
    if not m:
        return None
    day, month, year = int(m.group("d")), MONTHS[m.group("month").lower()], int(m.group("y"))
    if not 1 <= day <= 31:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


BARE_DATE = re.compile(
    r"^\s*(?P<d>\d{1,2})\s+(?P<month>" + "|".join(MONTHS) + r")\s+(?P<y>\d{4})\s*$", re.I)


def running_head_date(raws: list[str], heads: frozenset[str]) -> str | None:
    """The date a Handelingen PDF prints on every page ("8 februari 2024"), found
    among its running heads: the meeting's date."""
    if not any(month in key for key in heads for month in MONTHS):
        return None
    for raw in raws:
        line = raw.strip().lstrip("#* ").rstrip("* ")  # OCR: "**8 februari 2024**"
        if BARE_DATE.match(line) and re.sub(r"\d+", "#", line) in heads:
            return parse_date("maandag " + line)
    return None


CANONICAL_ATTENDANCE = re.compile(
    r"^\s*Aanwezig (?:zijn|is) \S+ (?:leden|lid) der Kamer, te weten:")
START_LINE = re.compile(r"^\s*Aanvang\s+\d{1,2}[.:]\d{2}\s*uur\.?\s*$")
# A Handelingen day starts "14e vergadering" / "Woensdag 15 oktober 2014".
SITTING_LINE = re.compile(r"^\s*\d{1,3}e\s+vergadering\s*$", re.I)
DATE_LINE = re.compile(
    r"^\s*(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+\d{1,2}\s+"
    r"(?:" + "|".join(MONTHS) + r")\s+\d{4}\s*$", re.I)


# A Kamerstuk cover page ("verslag van een notaoverleg/commissiedebat"):
COVER_FURNITURE = re.compile(
    r"^\s*(?:Tweede Kamer der Staten-Generaal\b.*|Vergaderjaar \d{4}\s*[–-]\s*\d{4}\s*"
    r"|Vastgesteld\b.*|Van dit overleg brengt de commissie\b.*"
    r"|Nr\.\s*\d+\s+(?:VERSLAG|Verslag)\b.*|(?:VERSLAG|Verslag) van een\b.*)$")
AGENDA_LINE = re.compile(r"^\s*Aan de orde is\b")
# "De voorzitter van de commissie," (the name on the next line) or on one line
# "De griffier van de vaste commissie voor Financiën, Weeber".
ITEM_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
ITEM_HEADING = re.compile(r"^(?:\d{1,3}\s+)?(?P<title>[A-Z][^:]{2,150})$")
SENTENCE_STOP = re.compile(r"[.?!;:,]$")
COVER_SIGNATURE = re.compile(
    r"^\s*De (?P<who>voorzitter|griffier) van de (?:vaste |algemene |tijdelijke )?commissie"
    r"(?: voor [^,]{2,80})?,?\s*(?P<name>[A-Z][^,]{1,60})?\s*$")
COVER_TITLE = re.compile(
    r"^\s*(?P<dossier>\d{2} ?\d{3}(?:[-–][A-Z0-9]+)?)\s+(?P<title>[^\d\s].{2,})$")
COVER_MEETING = re.compile(
    r"^\s*De (?P<committee>(?:vaste |algemene |tijdelijke )?commissie voor .+?) heeft op\b"
    r"|^\s*De (?:vaste |algemene |tijdelijke )?commissie voor\b")


@dataclass
class _HeaderScan:
    """Mutable state of one header scan."""

    chair: str | None = None
    clerk: str | None = None
    title: str | None = None
    dossier: str | None = None
    end: str | None = None
    unknown: list[tuple[str, int]] = field(default_factory=list)
    attendance: list[tuple[str, int]] = field(default_factory=list)
    agenda: list[tuple[str, int]] = field(default_factory=list)
    mode: str = ""  # "attendance", "agenda", "voorzitter", "griffier" or ""
    last: tuple[str, int] = ("", 0)  # the line scanned before this one


def _scan_line(scan: _HeaderScan, text: str, no: int) -> None:
    if scan.mode in ("voorzitter", "griffier"):  # the name under a cover signature
        if scan.mode == "voorzitter":
            scan.chair = scan.chair or text.strip()
        else:
            scan.clerk = scan.clerk or text.strip()
        scan.mode = ""
    elif m := CHAIR_LINE.match(text):
        scan.chair, scan.mode = m.group("name"), ""
    elif m := CLERK_LINE.match(text):
        scan.clerk, scan.mode = m.group("name"), ""
    elif START_LINE.match(text) or SITTING_LINE.match(text) or DATE_LINE.match(text):
        scan.mode = ""
    elif m := END.match(text):
        scan.end, scan.mode = end_time(m), ""
    elif m := COVER_SIGNATURE.match(text):
        scan.mode = "" if m.group("name") else m.group("who")
        if m.group("name") and m.group("who") == "voorzitter":
            scan.chair = scan.chair or m.group("name").strip()
        elif m.group("name"):
            scan.clerk = scan.clerk or m.group("name").strip()
    elif COVER_FURNITURE.match(text):
        scan.mode = ""
    elif text.lstrip().startswith("Aanvang"):  # a start line we cannot read: report it
        scan.mode = ""
        scan.unknown.append((text, no))
    elif scan.mode == "attendance" or text.lstrip().startswith("Aanwezig"):
        scan.attendance.append((text, no))
        scan.mode = "" if text.rstrip().endswith(".") else "attendance"  # the list ends it
    elif scan.mode == "agenda" or COVER_MEETING.match(text) or AGENDA_LINE.match(text):
        if AGENDA_LINE.match(text) and not scan.agenda:
            _take_item_heading(scan)
        scan.agenda.append((text, no))
        scan.mode = "agenda"
    elif ITEM_NUMBER.match(text):
        pass  # "4" above a Handelingen item's heading (or a page number)
    elif scan.title is None and (m := COVER_TITLE.match(text)):
        scan.dossier, scan.title = m.group("dossier"), m.group("title").strip()
    else:
        scan.unknown.append((text, no))


def _take_item_heading(scan: _HeaderScan) -> None:
    """A Handelingen item's heading is the line right above its "Aan de orde is"
    ("Begroting Landbouw, Natuur en Voedselkwaliteit 2024", "1 Europese Top"):
    the title, when no cover gave one."""
    if scan.title is not None or not scan.unknown or scan.unknown[-1] != scan.last:
        return
    text = scan.last[0].strip()
    m = ITEM_HEADING.match(text)
    if m and not SENTENCE_STOP.search(text):
        scan.title = m.group("title")
        scan.unknown.pop()


def parse_header(lines: list[tuple[str, int]], joined: str) -> Header:
    """Parse the lines before the first speaker label. `joined` is the same text
    with wrapped lines joined (the attendance list spans lines). Lines that are
    not one of the known forms end up in `unknown` (for a diagnostic)."""
    scan = _HeaderScan()
    for text, no in lines:
        _scan_line(scan, text, no)
        scan.last = (text, no)
    members: tuple[str, ...] = ()
    government: tuple[tuple[str, str], ...] = ()
    if m := ATTENDANCE.search(joined):
        listed = START.split(m.group("list"))[0]
        listed = re.split(r"\bAanvang\b", listed)[0]
        members, government, leftover = parse_attendance(listed)
    else:
        leftover = ""
    unknown = scan.unknown
    if leftover or (not members and not government):
        unknown.extend(scan.attendance)  # keep the whole list visible: part is not understood
    elif scan.attendance and not CANONICAL_ATTENDANCE.match(scan.attendance[0][0]):
        unknown.append(scan.attendance[0])  # an unusual preamble: show it rather than drop it
    start = START.search(joined)
    committee = next((m.group("committee") for t, _ in scan.agenda[:1]
                      if (m := COVER_MEETING.match(t)) and m.group("committee")), None)
    return Header(
        chair=scan.chair, clerk=scan.clerk, members=members, government=government,
        start=clock(start.group("h"), start.group("m")) if start else None, end=scan.end,
        date=parse_date(joined), unknown=tuple(sorted(unknown, key=lambda x: x[1])),
        title=scan.title, dossier=_header_dossier(scan),
        committee=committee, agenda=tuple(scan.agenda),
    )


def _header_dossier(scan: _HeaderScan) -> str | None:
    """The cover's dossier, else one the agenda sentence names "(36410-XIV)"."""
    if scan.dossier:
        return normalise_dossier(scan.dossier)
    agenda = " ".join(t for t, _ in scan.agenda)
    m = DOSSIER_IN_TEXT.search(agenda)
    return normalise_dossier(m.group("digits") + (m.group("suffix") or "")) if m else None


def normalise_dossier(printed: str) -> str:
    """"32847" or "35 373" -> "35 373"; "36410-XIV" -> "36 410-XIV"."""
    compact = re.sub(r"\s+", "", printed).replace("–", "-")
    m = re.match(r"^(\d{2})(\d{3})(.*)$", compact)
    return f"{m.group(1)} {m.group(2)}{m.group(3)}" if m else compact
