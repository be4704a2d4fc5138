"""A parsed transcript as a worker sends it back (`ParsedFile.__reduce__`:
the turns of meetings written ahead as plain rows) loads equal to what was
sent, turn by turn, for any meeting; one that was not written ahead, or has
a turn the rows do not hold, is pickled as it is."""

from __future__ import annotations

import pickle
from dataclasses import replace
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from site_fixture import SEED_TRANSCRIPT, hostile_meeting, seed_meeting
from synthetic_meetings import PEOPLE, small_meeting

from generator.importer import ParsedFile, _with_turns, parse_file, written_ahead
from generator.model import Source, Turn, TurnKind, VerdictKind

ROOT = Path(__file__).resolve().parent.parent


def _round_trip(parsed: ParsedFile) -> ParsedFile:
    back = pickle.loads(ForkingPickler.dumps(parsed))
    assert back == parsed
    for got, sent in zip(back.meetings, parsed.meetings, strict=True):
        assert got.turns == sent.turns
        assert [type(t.kind) for t in got.turns] == [type(t.kind) for t in sent.turns]
    return back


def _sent_as_rows(parsed: ParsedFile) -> bool:
    return parsed.__reduce__()[0] is _with_turns


def test_the_seed_transcript_as_a_worker_sends_it() -> None:
    path = ROOT / "transcripts" / f"{SEED_TRANSCRIPT}.txt"
    full = parse_file(path, f"transcripts/{path.name}")
    ahead = written_ahead(full)
    assert _sent_as_rows(ahead)
    assert any(t.kind is TurnKind.PROCEDURAL for t in _round_trip(ahead).meetings[0].turns)
    assert not _sent_as_rows(full)  # (paragraphs: pickled as it is)
    _round_trip(full)


def test_fixtures_and_odd_turns() -> None:
    for meeting in (seed_meeting(), hostile_meeting()):
        parsed = written_ahead(ParsedFile("transcripts/x.txt", "0" * 64, None, (meeting,), ()))
        assert _sent_as_rows(parsed)
        _round_trip(parsed)
        slim = parsed.meetings[0]
        odd = replace(slim, turns=(*slim.turns, Turn("t9999", None, "", (), Source("y.txt"),
                                                      "speech")))  # type: ignore[arg-type]
        kept = replace(parsed, meetings=(odd,))
        assert not _sent_as_rows(kept)
        _round_trip(kept)


@settings(max_examples=60, deadline=None)
@given(speeches=st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 3), st.booleans()),
                         max_size=6),
       motions=st.lists(st.tuples(st.lists(st.integers(0, 4), max_size=3),
                                  st.integers(0, len(VerdictKind))), max_size=3),
       meetings=st.integers(1, 3))
def test_any_small_meetings(speeches, motions, meetings) -> None:
    made = tuple(small_meeting(n, "2020-01-01", speeches, motions, [0, 1, 2, 0, 1])
                 for n in range(1, meetings + 1))
    parsed = written_ahead(ParsedFile("transcripts/x.txt", "0" * 64, "1" * 64, made, ()))
    assert _sent_as_rows(parsed)
    _round_trip(parsed)
