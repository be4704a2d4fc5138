"""The import writes a meeting's blocks in the worker that parsed it
(`written_ahead`) and the front matter once its person ids are resolved: the
content file must be the one `write_meeting` writes of the resolved meeting,
whichever ids resolving changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from site_fixture import SEED_TRANSCRIPT, hostile_meeting, seed_meeting
from synthetic_meetings import PEOPLE, small_meeting

from generator.importer import ParsedFile, parse_file, written_ahead
from generator.markdown_io import ImportStamp, write_blocks, write_meeting, write_meeting_bytes
from generator.model import Meeting, VerdictKind
from generator.registry import rename_people

ROOT = Path(__file__).resolve().parent.parent
STAMP = ImportStamp("p", "0" * 64, None, meetings=1)


def _ids(meeting: Meeting) -> list[str]:
    return [p.id for p in meeting.people]


def _check(meeting: Meeting, mapping: dict[str, str]) -> None:
    parsed = written_ahead(parse_result(meeting))
    slim, blocks = parsed.meetings[0], parsed.blocks[0]  # type: ignore[index]
    assert all(t.paragraphs == () for t in slim.turns)
    for stamp in (STAMP, None):
        assert write_meeting(rename_people(slim, mapping), stamp, blocks) == \
            write_meeting(rename_people(meeting, mapping), stamp)
        # what the import writes: the same file in UTF-8, blocks spliced as bytes
        assert write_meeting_bytes(rename_people(slim, mapping), stamp, blocks) == \
            write_meeting(rename_people(meeting, mapping), stamp).encode("utf-8")


def parse_result(meeting: Meeting) -> ParsedFile:
    return ParsedFile("transcripts/x.txt", "0" * 64, None, (meeting,), ())


@pytest.mark.parametrize("make", [seed_meeting, hostile_meeting])
def test_blocks_written_ahead_give_the_file_of_the_resolved_meeting(make) -> None:
    meeting = make()
    ids = _ids(meeting)
    _check(meeting, {})
    _check(meeting, {pid: pid for pid in ids})
    _check(meeting, {ids[0]: ids[0] + "-2"})
    _check(meeting, {pid: f"{pid}-{n}" for n, pid in enumerate(ids)})


def test_the_seed_transcript_as_the_import_parses_it() -> None:
    path = ROOT / "transcripts" / f"{SEED_TRANSCRIPT}.txt"
    full = parse_file(path, f"transcripts/{path.name}")
    meeting = full.meetings[0]
    assert any(m.submitter_ids for m in meeting.motions)
    submitter = next(s for m in meeting.motions for s in m.submitter_ids if s)
    chair = meeting.chair
    assert chair is not None
    for mapping in ({}, {chair: "de-voorzitter-2"}, {submitter: submitter + "-3"},
                    {p.id: p.id + "-9" for p in meeting.people}):
        _check(meeting, mapping)


@settings(max_examples=60, deadline=None)
@given(speeches=st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 3), st.booleans()),
                         max_size=6),
       motions=st.lists(st.tuples(st.lists(st.integers(0, 4), max_size=3),
                                  st.integers(0, len(VerdictKind))), max_size=3),
       renamed=st.sets(st.sampled_from(PEOPLE)))
def test_any_renaming_of_any_small_meeting(speeches, motions, renamed) -> None:
    meeting = small_meeting(1, "2020-01-01", speeches, motions, [0, 1, 2, 0, 1])
    _check(meeting, {pid: pid + "-2" for pid in renamed})


def test_blocks_of_another_meeting_are_refused() -> None:
    meeting = seed_meeting()
    other = small_meeting(1, None, [("alpha", 1, True)], [], [0] * 5)
    with pytest.raises(ValueError):
        write_meeting(other, None, write_blocks(meeting))
