"""Speaker labels: "De voorzitter:", "De heer X (Party):", "Mevrouw X (Party):",
"Minister X:", "Staatssecretaris X:", "Minister-President X:", "Minister voor
Natuur en Stikstof X:".

A label is recognised by its shape only (never by a list of names): a form of
address or a government office, a surname with optional tussenvoegsels, an
optional party in brackets, and a colon. On a line of its own (line-wrapped
text) the whole line must be the label; in flattened text a label must follow a
sentence end (`find_inline_labels`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHAIR = "voorzitter"
MEMBER = "lid"
GOVERNMENT = "regering"

# Tussenvoegsels ("van", "de", "den", "der", "ter", "'t", ...), capitalised at the
# start of a surname ("Van den Nieuwenhuijzen") and lower case after a first
# name ("Tjeerd de Groot").
_PARTICLE = (
    r"(?:[Vv]an|[Dd]e|[Dd]en|[Dd]er|[Tt]er|[Tt]en|[Tt]e|[Hh]et|'t|’t|[Ii]n|[Oo]p|[Dd]'|[Dd]’"
    r"|[Ll]a|[Ll]e|[Dd]u|[Dd]i|[Dd]el|[Vv]on|[Zz]u|[Uu]it)"
)
# After a first name or a hyphen only lower-case particles follow ("Hugo de
# Jonge", "Van Veldhoven-van der Meer").
_LOWER_PARTICLE = r"(?:van|de|den|der|ter|ten|te|het|'t|’t|in|op|d'|d’|la|le|du|di|del|von|zu|uit)"
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’]*(?:-[\w'’]+)*"
# A surname: particles, then one or more capitalised words ("Van der Staaij",
# "Nijhof-Leeuw", "Tjeerd de Groot", "Pia Dijkstra", "Kostić").
_NAME = rf"(?:{_PARTICLE}\s+)*{_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_WORD}){{0,3}}"
# Parties: letters, digits, hyphens, slashes, spaces ("GroenLinks-PvdA",
# "50PLUS", "Partij voor de Dieren", "BIJ1", "Lid-Omtzigt").
_PARTY = r"[\w][\w/&+.’' -]{0,40}?"
_OFFICE = r"Minister-[Pp]resident|Viceminister-[Pp]resident|Minister|Staatssecretaris"

_CHAIR_RE = r"(?P<chair>(?:De|de)\s+(?:[Vv]oorzitter|VOORZITTER))"
_MEMBER_RE = (
    rf"(?P<address>De heer|Mevrouw|De HEER|MEVROUW)\s+(?P<mname>{_NAME})"
    rf"\s*\((?P<party>{_PARTY})\)"
)
_GUEST_RE = rf"(?P<gaddress>De heer|Mevrouw)\s+(?P<gname>{_NAME})"
_GOV_RE = (
    rf"(?P<office>{_OFFICE})(?:\s+(?P<portfolio>(?:van|voor)\s+[^:()]{{1,80}}?))?"
    rf"\s+(?P<oname>(?:{_PARTICLE}\s+)*{_WORD}(?:\s+(?:{_LOWER_PARTICLE}\s+)+{_WORD})?)"
)
# "De minister:", "De staatssecretaris:" (a report with one government member,
# or a committee report naming the office only): only on a line of its own.
_OFFICE_ONLY_RE = (r"(?P<only>De\s+(?:[Mm]inister-[Pp]resident|[Mm]inister|[Ss]taatssecretaris"
                   r"|[Vv]iceminister-[Pp]resident))")
_ANY_LABEL = rf"(?:{_CHAIR_RE}|{_MEMBER_RE}|{_GOV_RE}|{_OFFICE_ONLY_RE}|{_GUEST_RE})"

LABEL_LINE = re.compile(rf"^\s*{_ANY_LABEL}\s*:\s*$")
# Markdown (OCR) variant: "## De voorzitter:", "**Minister Blok:** text".
LABEL_START = re.compile(rf"^\s*(?:#+\s*)?(?:\*\*)?{_ANY_LABEL}\s*:(?:\*\*)?(?=\s|$)")
# Flattened text: a label right after a sentence end ("... vraag? Minister X:"),
# possibly glued to it ("(32847).De heer"), or at the very start.
INLINE_LABEL = re.compile(
    rf"(?P<label>(?:{_CHAIR_RE}|{_MEMBER_RE}|{_GOV_RE})\s*:)(?=\s|$|[^\W\d_])"
)
INLINE_CANDIDATE = re.compile(r"De |Mevrouw |MEVROUW |Minister|Staatssecretaris|Viceminister")
# "Voorzitter: Tom van der Lee De voorzitter:": a new chair, then the label.
CHAIR_CHANGE_BEFORE = re.compile(r"Voorzitter:\s*[A-Z][^:.?!]{0,60}\s$")
SENTENCE_BOUNDARY = frozenset('.?!…)]"”’\'')
# Something shaped like the start of a label, for diagnostics on near misses
# ("Mevrouw Karabulut (SP:").
NEAR_LABEL = re.compile(
    rf"^\s*(?:De heer|Mevrouw|{_OFFICE})\s+{_NAME}\s*(?:\([^)]*)?\)?\s*:?\s*$"
)


@dataclass(frozen=True)
class Label:
    """A parsed speaker label. `kind` is CHAIR, MEMBER or GOVERNMENT; `name` the
    surname as printed (None for the chair and for "De minister:"); `role` the office for government
    members ("Minister", "Minister voor Natuur en Stikstof")."""

    text: str
    kind: str
    name: str | None = None
    party: str | None = None
    role: str | None = None


def _label_from_match(m: re.Match[str], text: str) -> Label:
    if m.group("chair"):
        return Label(text, CHAIR)
    if m.groupdict().get("only"):
        office = m.group("only").split(None, 1)[1]
        return Label(text, GOVERNMENT, None, None, office[:1].upper() + office[1:])
    if m.group("mname"):
        return Label(text, MEMBER, _clean(m.group("mname")), _clean(m.group("party")))
    if m.group("oname"):
        office = m.group("office")
        if m.group("portfolio"):
            office = f"{office} {_clean(m.group('portfolio'))}"
        return Label(text, GOVERNMENT, _clean(m.group("oname")), None, office)
    return Label(text, MEMBER, _clean(m.group("gname")))


def _clean(text: str) -> str:
    return " ".join(text.split())


def parse_label_line(line: str) -> Label | None:
    """The label if the whole line is one (line-wrapped text), else None."""
    if not line.rstrip().endswith(":"):  # what LABEL_LINE needs, found without it
        return None
    m = LABEL_LINE.match(line)
    if not m:
        return None
    return _label_from_match(m, _clean(line).rstrip(":").rstrip() + ":")


def parse_label_start(line: str) -> tuple[Label, str] | None:
    """A label at the start of a line, with the rest of the line (OCR'ed
    Markdown: "## De voorzitter:" or "**Minister Blok:** Dank u.")."""
    m = LABEL_START.match(line)
    if not m:
        return None
    printed = _clean(re.sub(r"[#*]", "", m.group(0)))
    return _label_from_match(m, printed), line[m.end():].strip().lstrip("*").strip()


def find_inline_labels(text: str) -> list[tuple[int, int, Label]]:
    """Labels inside flattened text: (start, end, label) in order."""
    found = []
    position = 0
    while (candidate := INLINE_CANDIDATE.search(text, position)) is not None:
        start = candidate.start()
        position = start + 1
        before = text[max(0, start - 3):start].rstrip()
        if start and (not before or before[-1] not in SENTENCE_BOUNDARY) and not (
                CHAIR_CHANGE_BEFORE.search(text, max(0, start - 80), start)):
            continue
        m = INLINE_LABEL.match(text, start)
        if m:
            printed = _clean(m.group("label"))
            found.append((m.start("label"), m.end("label"), _label_from_match(m, printed)))
            position = m.end()
    return found


def looks_like_label(line: str) -> bool:
    """True for a line shaped almost like a label but not parsed as one."""
    return bool(NEAR_LABEL.match(line)) and len(line) < 90
