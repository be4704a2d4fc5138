"""Small whole meetings made from a few numbers, for property tests of the
archive (`test_archive_difference.py`, `test_speaker_figures.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from generator.model import Meeting, Motion, Person, Source, Turn, TurnKind, Verdict, VerdictKind

PEOPLE = ("alpha", "bravo", "charlie", "delta", "echo")
PARTIES = (None, "SP", "VVD")


def small_meeting(index: int, date: str | None, speeches: Sequence[tuple[str, int, bool]],
                  motions: Sequence[tuple[Sequence[int], int | None]],
                  parties: Sequence[int]) -> Meeting:
    """Meeting ``m{index}`` on `date` with every one of `PEOPLE` (of the party
    `PARTIES[parties[i]]`), a turn per (speaker id, words, is a speech) of
    `speeches`, and a motion per (submitters as indices into `PEOPLE`, verdict
    as an index into `VerdictKind` or past its end for none) of `motions`."""
    people = tuple(Person(pid, pid.title(), PARTIES[parties[i]]) for i, pid in enumerate(PEOPLE))
    turns = tuple(Turn(f"t{n}", speaker, "", ("woord " * words,), Source("x"),
                       TurnKind.SPEECH if speech else TurnKind.PROCEDURAL)
                  for n, (speaker, words, speech) in enumerate(speeches))
    kinds = (*VerdictKind, None)
    made = tuple(Motion(f"m{index}-{n}", str(n), None, (), tuple(PEOPLE[s] for s in who), "",
                        (), (), None, Source("x"),
                        None if kind is None or kinds[kind] is None
                        else Verdict(kinds[kind], None, "", Source("x")))
                 for n, (who, kind) in enumerate(motions))
    return Meeting(f"m{index:03d}", None, date, "", "commissie", None, None, None, None,
                   None, None, people, (), turns, made)
