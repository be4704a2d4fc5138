"""Sections for the table of contents: the "termijnen" the chair opens ("Ik geef
… het woord … in eerste termijn", "Aan de orde is de tweede termijn van de kant
van de Minister"), the start of the motions and the government's reply to them
(a tweeminutendebat has no termijnen)."""

from __future__ import annotations

import re

from generator.model import Section, Turn

ORDINAL = r"(?P<ordinal>eerste|tweede|derde|vierde)"
SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+")
TERM = re.compile(rf"\b{ORDINAL}\s+termijn\b", re.I)
OPENS = re.compile(r"\bhet woord\b|\bAan de orde is\b|\bbeantwoording\b|\bgeef\b", re.I)
CLOSES = re.compile(r"\beinde?\b|\bafgelopen\b|\bminder\b", re.I)
GOVERNMENT = re.compile(
    r"\b(?:Minister|Staatssecretaris|regering|kabinet|bewindspersone?n?)\b", re.I)


def _term_in(text: str) -> tuple[str, str] | None:
    """(ordinal, side) when a sentence of the chair opens a termijn."""
    if "termijn" not in text:
        return None
    previous = ""
    for sentence in SENTENCE_BREAK.split(text):
        term = TERM.search(sentence)
        opened = OPENS.search(sentence) or OPENS.search(previous)
        previous = sentence
        if not term or not opened:
            continue
        if CLOSES.search(sentence):
            continue
        side = "regering" if GOVERNMENT.search(sentence) else "Kamer"
        return term.group("ordinal").lower(), side
    return None


def find_sections(turns: tuple[Turn, ...], motion_turns: tuple[str, ...] = (),
                  government: frozenset[str] = frozenset()) -> list[Section]:
    """Sections: the termijnen the chair opens (each at the turn after the
    announcement); "Moties" where the first motion is read and "Reactie van de
    regering" at the government's first turn after the last one, unless a
    termijn already starts there."""
    sections: list[Section] = []
    last: tuple[str, str] | None = None
    for i, turn in enumerate(turns):
        if turn.label.lower().lstrip().startswith(("de voorzitter", "voorzitter")):
            found = _term_in(" ".join(turn.paragraphs))
            if found and found != last:
                last = found
                ordinal, side = found
                title = f"{ordinal.capitalize()} termijn van de {side}"
                start = turns[i + 1].id if i + 1 < len(turns) else turn.id
                sections.append(Section(title, start))
    return _with_motion_sections(sections, turns, motion_turns, government)


def _with_motion_sections(sections: list[Section], turns: tuple[Turn, ...],
                          motion_turns: tuple[str, ...],
                          government: frozenset[str]) -> list[Section]:
    if not motion_turns:
        return sections
    order = {t.id: k for k, t in enumerate(turns)}
    starts = {s.turn for s in sections}
    first, final = motion_turns[0], motion_turns[-1]
    extra = []
    if first not in starts and not _inside_kamer_termijn(sections, order, first):
        extra.append(Section("Moties", first))
    reply = next((t.id for t in turns[order[final] + 1:] if t.speaker in government), None)
    if reply and reply not in starts and not any(
            "regering" in s.title and order[s.turn] > order[final] for s in sections):
        extra.append(Section("Reactie van de regering", reply))
    return sorted(sections + extra, key=lambda s: order[s.turn])


def _inside_kamer_termijn(sections: list[Section], order: dict[str, int], turn: str) -> bool:
    """True when the termijn in force at `turn` is a Kamer termijn that began
    no earlier than ten turns before it (the motions belong to it)."""
    before = [s for s in sections if order[s.turn] <= order[turn]]
    if not before or "Kamer" not in before[-1].title:
        return False
    return order[turn] - order[before[-1].turn] < 10
