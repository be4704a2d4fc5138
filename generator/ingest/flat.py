"""Segmenting flattened text (every newline removed): labels after sentence
ends, motions and procedural lines cut out of the running text, the agenda
item heading ("6 Staat van de Volkshuisvesting Voorzitter: Martin Bosma …")."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from generator.errors import Diagnostic, info, warning
from generator.ingest.header import PROCEDURAL_FORMS, Header, parse_header
from generator.ingest.labels import find_inline_labels
from generator.ingest.layout import Line
from generator.ingest.motions import INLINE_MOTION
from generator.ingest.segments import MOTION, TEXT, RawTurn, Segmented

FLAT_PROCEDURAL = re.compile(r"(?:(?<=[.?!…)])|^)\s*(?P<p>" + PROCEDURAL_FORMS + ")")
# "… sentence. Voorzitter: Martin Bosma" closing a flattened turn: a new chair.
FLAT_CHAIR = re.compile(
    r"(?:(?<=[.?!…)])|^)\s*Voorzitter:\s*[A-Z][\w'’-]*(?:\s+(?:[a-z]{1,3}\s+)*[A-Z][\w'’-]*){0,3}\s*$")


def _flat_pieces(body: str) -> list[tuple[str, str]]:
    """Cut a flattened turn into (TEXT|MOTION|"procedural", text) pieces."""
    pieces: list[tuple[str, str]] = []
    position = 0
    matches = INLINE_MOTION.finditer(body) if "gehoord de beraadslaging" in body else ()
    for m in matches:
        pieces.extend(_flat_procedural(body[position:m.start()]))
        pieces.append((MOTION, m.group(0)))
        position = m.end()
    pieces.extend(_flat_procedural(body[position:]))
    return pieces


def _flat_procedural(text: str) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    position = 0
    hint = any(w in text for w in ("geschorst", "besloten", "beraadslaging", "Sluiting", "(",
                                   "Conform", "Overeenkomstig"))
    for m in FLAT_PROCEDURAL.finditer(text) if hint else ():
        if text[position:m.start()].strip():
            pieces.append((TEXT, text[position:m.start()].strip()))
        pieces.append(("procedural", m.group("p")))
        position = m.end()
    rest = text[position:].strip()
    change = FLAT_CHAIR.search(rest)
    if change:
        if rest[:change.start()].strip():
            pieces.append((TEXT, rest[:change.start()].strip()))
        pieces.append(("chair", change.group(0).strip()))
    elif rest:
        pieces.append((TEXT, rest))
    return pieces


# Where a header "line" starts inside flattened text.
HEADER_BREAK = re.compile(
    r"\s+(?=Voorzitter:|Griffier:|Aanwezig (?:zijn|is)\b|Aanvang \d|Aan de orde is\b"
    r"|De (?:vaste |algemene |tijdelijke )?commissie voor .{3,80}? heeft op\b"
    r"|De (?:voorzitter|griffier) van de (?:vaste |algemene |tijdelijke )?commissie\b"
    r"|Verslag van een\b|Vastgesteld\b|Van dit overleg\b|\(Zie )")


def _flat_header(text: str, line_at: Callable[[int], int]) -> tuple[str | None, Header]:
    """Title and header of a flattened report: the text before the first label
    cut where a header line would start, then read as the header of a
    line-wrapped report. A Handelingen item starts "6 Staat van de
    Volkshuisvesting Voorzitter: Martin Bosma Staat van de Volkshuisvesting Aan
    de orde is …": the title is what precedes every header line (printed twice:
    once), and is removed from the chair's line. The item's number goes only
    before a heading (a capital): "136 staat …" at the start of a cut
    extraction is text, and stays."""
    head = re.sub(r"^\s*\d{1,3}\s+(?=[A-Z])", "", text).strip()
    pieces = [p.strip() for p in HEADER_BREAK.split(head) if p.strip()]
    title = None
    if pieces and not HEADER_BREAK.match(" " + pieces[0]):
        title = pieces.pop(0)
        words = title.split()
        half = len(words) // 2
        if words[:half] == words[half:]:
            title = " ".join(words[:half])
        if len(title) > 200:  # not a heading: no labels, or a cut extraction
            pieces.insert(0, title)
            title = None
    if title:  # "Voorzitter: Martin Bosma Staat van de Volkshuisvesting"
        pieces = [p[:-len(title)].strip() if p.startswith("Voorzitter:") and p.endswith(title)
                  else p for p in pieces]
    at = line_at(text.find(pieces[0])) if pieces else 0
    lines = [(p, at) for p in pieces]
    return title, parse_header(lines, " ".join(pieces))


def _line_finder(text: str) -> Callable[[int], int]:
    """Offset -> 1-based line number; 0 throughout for a text without newlines
    (model.Source: a single-line extraction has no line numbers)."""
    breaks = [m.start() for m in re.finditer("\n", text)] if "\n" in text else []
    if not breaks:
        return lambda offset: 0
    return lambda offset: bisect.bisect_right(breaks, offset - 1) + 1


def segment_flat(text: str, file: str) -> Segmented:
    line_at = _line_finder(text)
    labels = find_inline_labels(text)
    head_end = labels[0][0] if labels else len(text)
    title, header = _flat_header(text[:head_end], line_at)
    diags: list[Diagnostic] = [
        warning("header text not recognised", file, max(no, 1), piece,
                "expected Voorzitter:, Griffier:, Aanwezig zijn …, Aanvang … uur.")
        for piece, no in header.unknown]
    heading = text[:head_end].split("Aan de orde is", 1)[0].strip()
    if title:  # the heading as printed, so that no word of it is lost
        diags.append(info("agenda item heading read as title (and chair)", file, 1, heading))
    turns: list[RawTurn] = []
    if header.agenda:
        at = header.agenda[0][1]
        turns.append(RawTurn(None, at, [(TEXT, [Line(t, at) for t, _ in header.agenda])]))
    for k, (start, end, label) in enumerate(labels):
        stop = labels[k + 1][0] if k + 1 < len(labels) else len(text)
        at = line_at(start)
        current: RawTurn | None = RawTurn(label, at)
        turns.append(current)
        for kind, piece in _flat_pieces(text[end:stop]):
            if kind in ("procedural", "chair"):
                name = piece.partition(":")[2].strip() if kind == "chair" else None
                turns.append(RawTurn(None, at, [(TEXT, [Line(piece, at)])], name))
                current = None
            else:
                if current is None:
                    current = RawTurn(label, at)
                    turns.append(current)
                current.pieces.append((kind, [Line(piece, at)]))
    if not labels:
        diags.append(warning("no speaker labels found", file, 1, text[:120],
                             'labels read "De heer Name (Party):" after a sentence end'))
    return Segmented(header, turns, diags, title or header.title, header.dossier)
