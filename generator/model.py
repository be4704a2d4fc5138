"""The typed model every stage shares: frozen dataclasses, no behaviour beyond
small derived properties.

Dependencies point one way: ingest -> model -> markdown_io -> archive -> render /
search. Every record remembers where it came from (`Source`), so any later stage
can point a user at the transcript line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Source:
    """Where a record came from: a path relative to the project and a 1-based line
    (0 when the format has no lines, e.g. a single-line extraction)."""

    file: str
    line: int = 0


class VerdictKind(StrEnum):
    """The government's judgement of a motion ("appreciatie")."""

    OORDEEL_KAMER = "oordeel_kamer"
    OORDEEL_KAMER_MET_KANTTEKENING = "oordeel_kamer_met_kanttekening"
    OORDEEL_KAMER_MET_INTERPRETATIE = "oordeel_kamer_met_interpretatie"
    ONTRADEN = "ontraden"
    AANGEHOUDEN = "aangehouden"
    OVERGENOMEN = "overgenomen"
    INGETROKKEN = "ingetrokken"


class TurnKind(StrEnum):
    """What a turn is: a speech by a person, or a procedural line of the report
    (a suspension, "Daartoe wordt besloten.") that nobody speaks."""

    SPEECH = "speech"
    PROCEDURAL = "procedural"


@dataclass(frozen=True)
class Person:
    """A person taking part in a meeting.

    `id` is stable across meetings (a slug, e.g. ``van-den-nieuwenhuijzen``);
    `name` is the fullest form the sources give (``Pia Dijkstra``, ``Blok``);
    `role` is ``lid``, ``voorzitter``, ``griffier`` or a government office as
    printed in the attendance list (``Minister van Buitenlandse Zaken``)."""

    id: str
    name: str
    party: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Turn:
    """One speech turn (or procedural line), with the label exactly as printed."""

    id: str
    speaker: str | None
    label: str
    paragraphs: tuple[str, ...]
    source: Source
    kind: TurnKind = TurnKind.SPEECH


@dataclass(frozen=True)
class Verdict:
    """The government's verdict on a motion, and the turn where it was given."""

    kind: VerdictKind
    turn: str | None
    quote: str
    source: Source


@dataclass(frozen=True)
class Vote:
    """A recorded vote on a motion ("zodat zij is aangenomen/verworpen")."""

    result: str  # "aangenomen" | "verworpen"
    parties_for: tuple[str, ...]
    parties_against: tuple[str, ...]
    turn: str | None
    source: Source


@dataclass(frozen=True)
class Motion:
    """A motion read out in the meeting.

    `submitters` are names as printed by the chair ("Van den Nieuwenhuijzen");
    `submitter_ids` are the same people resolved to person ids (None where a name
    could not be resolved, e.g. a co-signer who was not present)."""

    id: str
    number: str | None
    dossier: str | None
    submitters: tuple[str, ...]
    submitter_ids: tuple[str | None, ...]
    text: str
    considerations: tuple[str, ...]
    requests: tuple[str, ...]
    turn: str | None
    source: Source
    verdict: Verdict | None = None
    vote: Vote | None = None
    replaces: str | None = None  # number of the motion this one amends ("was nr. 8")
    title: str | None = None  # e.g. "Motie van het lid Bosman over sancties"


@dataclass(frozen=True)
class Suspension:
    """"De vergadering wordt van 14.59 uur tot 15.11 uur geschorst." Times as HH:MM."""

    start: str | None
    end: str | None
    turn: str | None
    source: Source


@dataclass(frozen=True)
class Commitment:
    """A commitment ("toezegging") as listed, usually by the chair at the end."""

    text: str
    turn: str | None
    source: Source


@dataclass(frozen=True)
class Section:
    """A part of the meeting that a table of contents shows (an agenda item, a
    "termijn"), starting at `turn`."""

    title: str
    turn: str


@dataclass(frozen=True)
class Meeting:
    """One meeting (or one agenda item of a plenary day), fully parsed."""

    id: str
    title: str | None
    date: str | None  # ISO 8601 date, or None when no source states it
    body: str  # "Tweede Kamer"
    kind: str  # "commissie" | "plenair"
    committee: str | None
    dossier: str | None  # "35 373"
    chair: str | None  # person id
    clerk: str | None  # name as printed
    start: str | None  # "13:30"
    end: str | None
    people: tuple[Person, ...]
    present: tuple[str, ...]  # person ids of those listed as present
    turns: tuple[Turn, ...]
    motions: tuple[Motion, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    sections: tuple[Section, ...] = ()
    source: Source = field(default_factory=lambda: Source(""))
    language: str = "nl"

    def person(self, person_id: str | None) -> Person | None:
        """The person with this id, or None."""
        return next((p for p in self.people if p.id == person_id), None)
