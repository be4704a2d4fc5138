"""What segmenting a transcript gives, whatever its variant: raw turns (a label
or a procedural line, and pieces of running text or motion blocks) plus the
header facts. `text.py` builds the meeting from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.errors import Diagnostic
from generator.ingest.header import Header
from generator.ingest.labels import Label
from generator.ingest.layout import Line

TEXT, MOTION = "text", "motion"


@dataclass
class RawTurn:
    """A turn as cut from the text: label (None for a procedural line), where it
    starts, and its pieces (TEXT or MOTION, each a list of lines)."""

    label: Label | None
    line: int
    pieces: list[tuple[str, list[Line]]] = field(default_factory=list)
    chair: str | None = None  # "Voorzitter: Name" inside the report: the chair changes


@dataclass
class Segmented:
    """What segmenting found: header facts, raw turns, problems."""

    header: Header
    turns: list[RawTurn]
    diagnostics: list[Diagnostic]
    title: str | None = None
    dossier: str | None = None
    limit: int = 0  # layout.fit_limit of the body lines
