"""Sections for the table of contents: the "termijnen" the chair opens ("Ik geef
… het woord … in eerste termijn", "Aan de orde is de tweede termijn van de kant
van de Minister") and the start of the motions."""

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


def find_sections(turns: tuple[Turn, ...], chair: str | None) -> list[Section]:
    """Sections started by the chair's turns, each at the turn after the
    announcement (or at the announcement itself when it is the agenda line)."""
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
    return sections
