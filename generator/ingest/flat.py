"""Segmenting flattened text (every newline removed): labels after sentence
ends, motions and procedural lines cut out of the running text, the agenda
item heading ("6 Staat van de Volkshuisvesting Voorzitter: Martin Bosma …")."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from generator.errors import Diagnostic, info, warning
from generator.ingest.header import Header, normalise_dossier
from generator.ingest.labels import find_inline_labels
from generator.ingest.layout import Line
from generator.ingest.motions import INLINE_MOTION
from generator.ingest.segments import MOTION, TEXT, RawTurn, Segmented

AGENDA = re.compile(r"Aan de orde is\b")
FLAT_PROCEDURAL = re.compile(
    r"(?:(?<=[.?!…)])|^)\s*(?P<p>De vergadering wordt(?: van \d{1,2}[.:]\d{2} uur)?"
    r"(?: tot \d{1,2}[.:]\d{2} uur)? geschorst\.|Daartoe wordt besloten\."
    r"|De (?:algemene |verdere )?beraadslaging wordt (?:gesloten|geschorst|hervat|geopend)\."
    r"|Sluiting(?: \d{1,2}[.:]\d{2} uur)?\.|\((?:Applaus|Geroffel op de bankjes|Hilariteit)\))"
)
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
    hint = any(w in text for w in ("geschorst", "besloten", "beraadslaging", "Sluiting", "("))
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


def _flat_header(text: str) -> tuple[str | None, str | None, str]:
    """(title, chair, agenda text) from the start of a flattened item:
    "6 Staat van de Volkshuisvesting Voorzitter: Martin Bosma Staat van de
    Volkshuisvesting Aan de orde is …"."""
    agenda = AGENDA.search(text)
    before = text[:agenda.start()] if agenda else text
    rest = text[agenda.start():].strip() if agenda else ""
    before = re.sub(r"^\s*\d{1,3}\s+", "", before).strip()
    chair = None
    if "Voorzitter:" in before:
        title, _, after = before.partition("Voorzitter:")
        title = title.strip()
        chair = after.replace(title, "").strip() if title else after.strip()
    else:
        words = before.split()
        half = len(words) // 2
        title = " ".join(words[:half]) if words[:half] == words[half:] else before
    if len(title) > 200:  # not a heading: no labels, or a cut extraction
        title, chair = "", None
    return title or None, chair or None, rest


def _line_finder(text: str) -> Callable[[int], int]:
    """Offset -> 1-based line number; 0 throughout for a text without newlines
    (model.Source: a single-line extraction has no line numbers)."""
    breaks = [i for i, c in enumerate(text) if c == "\n"]
    if not breaks:
        return lambda offset: 0
    return lambda offset: bisect.bisect_right(breaks, offset - 1) + 1


def segment_flat(text: str, file: str) -> Segmented:
    line_at = _line_finder(text)
    labels = find_inline_labels(text)
    head_end = labels[0][0] if labels else len(text)
    title, chair, agenda = _flat_header(text[:head_end])
    diags: list[Diagnostic] = []
    heading = text[:head_end].split("Aan de orde is", 1)[0].strip()
    if heading:
        diags.append(info("agenda item heading read as title (and chair)", file, 1, heading))
    turns: list[RawTurn] = []
    if agenda:
        at = line_at(text.find(agenda))
        turns.append(RawTurn(None, at, [(TEXT, [Line(agenda, at)])]))
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
    dossier = re.search(r"\((\d{5}(?:-[A-Z0-9]+)?)\)", agenda)
    if not labels:
        diags.append(warning("no speaker labels found", file, 1, text[:120],
                             'labels read "De heer Name (Party):" after a sentence end'))
    return Segmented(Header(chair=chair), turns, diags, title,
                     normalise_dossier(dossier.group(1)) if dossier else None)
