"""The figures of an archive, computed once in the archive stage: turns, words,
interruptions made and received, per person, per party and per meeting.

Definitions (docs/site.md repeats them for readers):

- A *turn* is one speech turn (`TurnKind.SPEECH`); procedural lines are not turns.
- *Words* are whitespace-separated tokens in a turn's paragraphs.
- The *chair* is the meeting's chair and anyone whose role is ``voorzitter``;
  chair turns are counted as turns and words but never as interruptions.
- The *floor holder* is the member the chair gave the floor to: a chair turn
  that says "het woord" and names a person (by surname, or "de Minister" /
  "de Staatssecretaris" for the one person in that office) gives them the floor.
  The first name after the last "woord" counts, else the first name in that
  sentence ("de heer Van der Staaij, die het woord krijgt").
  A chair turn whose closing sentences name the next speaker with a cue of
  turn-taking ("namens", "aan de beurt", "gaan we naar", "spreektijd") and not
  of an interruption ("vraag", "interruptie", "in tweede instantie",
  "slotzin", a question mark) also hands them the floor ("Dan gaan we naar de
  heer Voordewind. Hij spreekt namens de ChristenUnie.").
  A speech turn of at least `FLOOR_WORDS` words by a non-chair speaker also
  takes the floor (a new term often starts without the chair naming anyone).
  A procedural line (a suspension) ends everyone's hold on the floor.
- An *interruption* is a speech turn by a non-chair speaker other than the floor
  holder, shorter than `FLOOR_WORDS` words, while someone holds the floor. It is
  *made* by its speaker and *received* by the floor holder. The floor holder's
  answers are part of their own contribution.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from generator.model import Meeting, Person, Turn, TurnKind

FLOOR_WORDS = 150
_GIVES_FLOOR = re.compile(r"\bwoord\b", re.IGNORECASE)
_OFFICES = ("minister", "staatssecretaris")


@dataclass(frozen=True)
class Figures:
    """Counts for one person, party or meeting."""

    turns: int = 0
    words: int = 0
    interruptions_made: int = 0
    interruptions_received: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.turns + other.turns, self.words + other.words,
                       self.interruptions_made + other.interruptions_made,
                       self.interruptions_received + other.interruptions_received)


@dataclass(frozen=True)
class Interruption:
    """A turn that interrupts `floor_holder` (a person id)."""

    turn: str
    speaker: str
    floor_holder: str


@dataclass(frozen=True)
class MeetingFigures:
    """One meeting's figures: per person, the total, and which turns interrupt."""

    meeting: str
    by_person: Mapping[str, Figures]
    total: Figures
    interruptions: Mapping[str, Interruption]  # by turn id
    turn_words: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # by id


def count_words(turn: Turn) -> int:
    return sum(len(p.split()) for p in turn.paragraphs)


def chair_ids(meeting: Meeting) -> frozenset[str]:
    ids = {p.id for p in meeting.people if (p.role or "").lower() == "voorzitter"}
    if meeting.chair:
        ids.add(meeting.chair)
    return frozenset(ids)


def _surname_pattern(person: Person) -> re.Pattern[str] | None:
    """Matches the person's name as a chair says it ("de heer Van den
    Nieuwenhuijzen", "mevrouw Pia Dijkstra"): the full name or its last word(s)."""
    name = person.name.strip()
    if not name:
        return None
    parts = name.split()
    alternatives = {re.escape(name)}
    if len(parts) > 1 and parts[0][:1].isupper() and parts[0].lower() not in (
        "van", "de", "den", "der", "ter", "ten", "el", "la", "le"
    ):
        alternatives.add(re.escape(" ".join(parts[1:])))
    body = "|".join(sorted(alternatives, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


_Patterns = list[tuple[str, list[re.Pattern[str]]]]


def _name_patterns(meeting: Meeting, chairs: frozenset[str]) -> _Patterns:
    """Per non-chair person, the patterns a chair names them by."""
    out: _Patterns = []
    for person in meeting.people:
        if person.id in chairs:
            continue
        patterns = [p for p in [_surname_pattern(person)] if p]
        role = (person.role or "").lower()
        patterns += [re.compile(rf"\bde {office}\b", re.IGNORECASE)
                     for office in _OFFICES if role.startswith(office)]
        out.append((person.id, patterns))
    return out


def _named_in(text: str, patterns: _Patterns) -> str | None:
    """The person a chair's turn gives the floor to: the first one named after
    the last "woord" ("het woord is aan de heer Bosman"), else the first one named
    in that sentence ("... Van der Staaij, die het woord krijgt"), or None."""
    matches = list(_GIVES_FLOOR.finditer(text))
    if not matches:
        return None
    at = matches[-1]
    start = max(text.rfind(". ", 0, at.start()) + 1, text.rfind("? ", 0, at.start()) + 1)
    stop = text.find(". ", at.end())
    stop = len(text) if stop < 0 else stop
    return (_first_named(text[at.end():stop], patterns)
            or _first_named(text[start:stop], patterns))


_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_HANDOVER = re.compile(r"\b(?:namens|aan de beurt|gaan we (?:nu )?naar|dan naar|spreektijd)\b",
                       re.IGNORECASE)
_NOT_HANDOVER = re.compile(r"\b(?:vra(?:a|ge)g\w*|interrump\w*|interruptie\w*|instantie|"
                           r"slotzin|reageren)\b", re.IGNORECASE)


def _hands_over(text: str, next_speaker: str | None, patterns: _Patterns) -> bool:
    """Does the chair's closing call on the next speaker as the one to speak
    now, not as an interruption? ("Dan gaan we naar de heer Voordewind. Hij
    spreekt namens de ChristenUnie.")"""
    if next_speaker is None:
        return False
    text = text.strip()
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    closing = text[(ends[-3] if len(ends) > 2 else 0):].strip()
    if (not closing or closing.endswith("?") or not _HANDOVER.search(closing)
            or _NOT_HANDOVER.search(closing)):
        return False
    return _first_named(closing, [(pid, pats) for pid, pats in patterns
                                  if pid == next_speaker]) == next_speaker


def _next_speaker(turns: tuple[Turn, ...], index: int, chairs: frozenset[str]) -> str | None:
    """The speaker of the next speech turn after `index` that is not the chair's."""
    for turn in turns[index + 1:]:
        if turn.kind is not TurnKind.SPEECH:
            return None
        if turn.speaker not in chairs:
            return turn.speaker
    return None


def _first_named(tail: str, patterns: _Patterns) -> str | None:
    best: tuple[int, int, str] | None = None
    for person_id, person_patterns in patterns:
        for hit in (h for p in person_patterns for h in p.finditer(tail)):
            # the first name after "woord" wins; the longer match breaks ties
            key = (hit.start(), -(hit.end() - hit.start()), person_id)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def find_interruptions(meeting: Meeting, counted: list[int] | None = None
                       ) -> dict[str, Interruption]:
    """Interruptions by turn id, under the rule in the module docstring.
    `counted`: the words of each turn, when the caller has counted them."""
    chairs = chair_ids(meeting)
    patterns = _name_patterns(meeting, chairs)
    floor: str | None = None
    found: dict[str, Interruption] = {}
    for index, turn in enumerate(meeting.turns):
        if turn.kind is not TurnKind.SPEECH:
            floor = None
            continue
        if turn.speaker in chairs:
            text = " ".join(turn.paragraphs)
            named = _named_in(text, patterns)
            if named is None:
                upcoming = _next_speaker(meeting.turns, index, chairs)
                named = upcoming if _hands_over(text, upcoming, patterns) else None
            floor = named or floor
            continue
        if turn.speaker is None:
            continue
        words = counted[index] if counted is not None else count_words(turn)
        if words >= FLOOR_WORDS or floor is None:
            floor = turn.speaker if words >= FLOOR_WORDS else floor
            continue
        if turn.speaker != floor:
            found[turn.id] = Interruption(turn.id, turn.speaker, floor)
    return found


def meeting_figures(meeting: Meeting) -> MeetingFigures:
    """Turns, words and interruptions per person in one meeting."""
    counted = [count_words(turn) if turn.kind is TurnKind.SPEECH else 0 for turn in meeting.turns]
    interruptions = find_interruptions(meeting, counted)
    turns: dict[str, int] = defaultdict(int)
    words: dict[str, int] = defaultdict(int)
    made: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    for turn, n in zip(meeting.turns, counted, strict=True):
        if turn.kind is TurnKind.SPEECH and turn.speaker:
            turns[turn.speaker] += 1
            words[turn.speaker] += n
    for item in interruptions.values():
        made[item.speaker] += 1
        received[item.floor_holder] += 1
    people = sorted(set(turns) | set(received))
    by_person = {
        pid: Figures(turns[pid], words[pid], made[pid], received[pid]) for pid in people
    }
    total = sum(by_person.values(), Figures())
    return MeetingFigures(meeting.id, MappingProxyType(by_person), total,
                          MappingProxyType(dict(sorted(interruptions.items()))),
                          MappingProxyType({t.id: n for t, n in zip(meeting.turns, counted,
                                                                    strict=True)
                                            if t.kind is TurnKind.SPEECH}))


def sum_figures(parts: list[Mapping[str, Figures]]) -> dict[str, Figures]:
    """Add per-key figures across meetings (as `Figures.__add__` does, in
    plain integers: called for every person of every meeting)."""
    out: dict[str, list[int]] = {}
    for part in parts:
        for key, value in part.items():
            total = out.get(key)
            if total is None:
                out[key] = [value.turns, value.words, value.interruptions_made,
                            value.interruptions_received]
            else:
                total[0] += value.turns
                total[1] += value.words
                total[2] += value.interruptions_made
                total[3] += value.interruptions_received
    return {key: Figures(*total) for key, total in sorted(out.items())}


def party_figures(by_person: Mapping[str, Figures],
                  party_of: Mapping[str, str | None]) -> dict[str, Figures]:
    """Per party name: the sum of its members' figures."""
    out: dict[str, Figures] = {}
    for pid, figures in by_person.items():
        party = party_of.get(pid)
        if party:
            out[party] = out.get(party, Figures()) + figures
    return dict(sorted(out.items()))
