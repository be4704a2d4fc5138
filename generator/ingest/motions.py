"""Motions read out in a debate: the block "Motie / De Kamer, / gehoord de
beraadslaging, / constaterende …; / verzoekt …, / en gaat over tot de orde van
de dag." and the chair's "Deze motie is voorgesteld door de leden A en B. …
Zij krijgt nr. 3 (35 373)."

`split_motion_text` is shared with the XML readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.slugs import slugify

MOTION_HEAD = re.compile(r"^\s*(?:Gewijzigde\s+)?[Mm]otie\s*$")
KAMER = re.compile(r"^\s*De Kamer,")
MOTION_END = re.compile(r"en\s+gaat\s+over\s+tot\s+de\s+orde\s+van\s+de\s+dag\.?")
# Flattened text: the whole block on one line.
INLINE_MOTION = re.compile(
    r"(?:(?:Gewijzigde\s+)?[Mm]otie\s+)?De Kamer,\s*gehoord de beraadslaging,.*?"
    r"en\s*gaat\s+over\s+tot\s+de\s+orde\s+van\s+de\s+dag\.?",
    re.S,
)
CONSIDERATION_WORDS = (
    r"constaterende|overwegende|van mening|van oordeel|gelet op|gezien|"
    r"nota? nemende|kennis genomen hebbende|kennisnemende|concluderende|"
    r"ervan uitgaande|wijzend op|vaststellende|erkennende|benadrukkende|"
    r"overwegend|in aanmerking nemende|betreurende|voorts|tevens"
)
REQUEST_WORDS = (
    r"verzoekt|roept|spreekt uit|spreekt zich uit|draagt|besluit|dringt|vraagt|"
    r"verklaart|zegt|wijst|keurt|geeft|stelt voor|doet een beroep"
)
# A clause starts after ";" with a keyword; after "," only the frame continues
# ("…, gehoord de beraadslaging," / "…, en gaat over tot de orde van de dag.").
CLAUSE_START = re.compile(
    rf"(?<=[;:])\s*(?=(?:gehoord de beraadslaging|{CONSIDERATION_WORDS}|{REQUEST_WORDS}|"
    rf"en\s*gaat over tot de orde)\b)"
    r"|(?<=,)\s*(?=(?:gehoord de beraadslaging|en\s*gaat over tot de orde)\b)"
    r"|(?<=beraadslaging,)\s*"
)
CONSIDERATION = re.compile(rf"^(?:{CONSIDERATION_WORDS})\b")
REQUEST = re.compile(rf"^(?:{REQUEST_WORDS})\b")
FRAME = re.compile(
    r"^(?:De Kamer,?|gehoord de beraadslaging,?|en\s*gaat over tot de orde van de dag\.?)$")

SUBMITTERS = re.compile(
    r"Deze\s+(?:gewijzigde\s+)?motie\s+is\s+voorgesteld\s+door\s+(?:de\s+leden|het\s+lid)\s+"
    r"(?P<names>.+?)\.(?=\s|$|[A-Z])",
    re.S,
)
NUMBER = re.compile(
    r"Zij\s+krijgt\s+nr\.\s*(?P<number>\d+)(?:,\s*was\s+nr\.\s*(?P<was>\d+))?\s*"
    r"\((?P<dossier>\d[\d\s]*\d(?:\s*[-–]\s*[A-Z0-9]+)?)\)"
)


@dataclass(frozen=True)
class Adoption:
    """The chair's statement after a motion: submitters, number, dossier."""

    submitters: tuple[str, ...]
    number: str | None
    dossier: str | None
    replaces: str | None


def split_clauses(text: str) -> list[str]:
    """The motion text as clauses: "De Kamer,", "gehoord de beraadslaging,",
    each consideration and request, "en gaat over tot de orde van de dag."."""
    text = " ".join(text.split())
    text = re.sub(r"^(?:Gewijzigde\s+)?[Mm]otie\s+", "", text)
    text = re.sub(r"^(De Kamer,)\s*", r"\1\n", text)
    pieces: list[str] = []
    for block in text.split("\n"):
        pieces.extend(p.strip() for p in CLAUSE_START.split(block) if p.strip())
    return pieces


def _strip_separator(clause: str) -> str:
    return re.sub(r"\s*[;,]\s*$", "", clause)


def split_motion_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(considerations, requests) of a motion's text: considerations begin with
    "constaterende", "overwegende", "van mening", ...; requests with "verzoekt",
    "roept … op", "spreekt uit", .... Text after a request that starts with no
    keyword (a continuation) stays with the clause before it."""
    considerations: list[str] = []
    requests: list[str] = []
    current: list[str] | None = None
    for clause in split_clauses(text):
        if FRAME.match(clause):
            current = None
            continue
        if CONSIDERATION.match(clause):
            current = considerations
        elif REQUEST.match(clause):
            current = requests
        elif current is None:
            current = considerations
        else:
            current[-1] = current[-1] + " " + clause
            continue
        current.append(_strip_separator(clause))
    return tuple(considerations), tuple(requests)


def normalise_motion_text(text: str) -> str:
    """The motion's text, one clause per line."""
    return "\n".join(split_clauses(text))


def split_names(text: str) -> tuple[str, ...]:
    parts = re.split(r"\s*,\s*|\s+en\s+", " ".join(text.split()))
    return tuple(p for p in parts if p)


# "De motie-Wassenberg (21501-08, nr. 719) is in die zin gewijzigd dat zij thans
# luidt:": the chair reads an amended motion; its number follows without a
# "Deze motie is voorgesteld door …".
AMENDED = re.compile(r"\b[Dd]e (?:gewijzigde )?motie-(?P<names>[^()]{2,120}?)\s*\(")


def find_adoptions(text: str) -> list[Adoption]:
    """Every "Deze motie is voorgesteld door …" (+ "Zij krijgt nr. …") in a
    turn's text, in order; a "Zij krijgt nr. …" after no such sentence (an
    amended motion the chair reads) too, with the names of "De motie-X/Y (…)"."""
    found: list[tuple[int, Adoption]] = []
    submitters = list(SUBMITTERS.finditer(text))
    claimed: list[tuple[int, int]] = []
    for i, m in enumerate(submitters):
        stop = submitters[i + 1].start() if i + 1 < len(submitters) else len(text)
        number = NUMBER.search(text, m.end(), stop)
        found.append((m.start(), _adoption(split_names(m.group("names")), number)))
        if number:
            claimed.append((number.start(), number.end()))
    if "krijgt" in text:
        previous = 0
        for number in NUMBER.finditer(text):
            if (number.start(), number.end()) not in claimed:
                amended = list(AMENDED.finditer(text, previous, number.start()))
                names = split_names(amended[-1].group("names").replace("/", ", ")) \
                    if amended else ()
                found.append((number.start(), _adoption(names, number)))
            previous = number.end()
    return [adoption for _, adoption in sorted(found, key=lambda x: x[0])]


def _adoption(names: tuple[str, ...], number: re.Match[str] | None) -> Adoption:
    return Adoption(
        submitters=names,
        number=number.group("number") if number else None,
        dossier=number.group("dossier") if number else None,
        replaces=number.group("was") if number else None,
    )


def motion_id(dossier: str | None, number: str | None) -> str | None:
    """"35 373", "3" -> "35373-3"; "21501-20", "915" -> "21501-20-915"; None
    without a number or dossier. Always a safe slug, whatever the source holds."""
    if not number or not dossier:
        return None
    compact = re.sub(r"\s+", "", dossier).replace("–", "-")
    return slugify(f"{compact}-{number}")


