"""`registry.rename_people` makes again only the records whose person id
changes; the meeting it gives equals the plain definition's (every
referencing record made again through the mapping), for any meeting and
mapping, the seed transcript's included."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from site_fixture import SEED_TRANSCRIPT
from synthetic_meetings import PEOPLE, small_meeting

from generator.ingest import read_transcript
from generator.model import Meeting, VerdictKind
from generator.registry import rename_people

ROOT = Path(__file__).resolve().parent.parent


def plain_rename(meeting: Meeting, mapping: dict[str, str]) -> Meeting:
    """`rename_people` as defined before its shortcut."""
    if all(k == v for k, v in mapping.items()):
        return meeting

    def m(pid):
        return None if pid is None else mapping.get(pid, pid)

    return replace(
        meeting, chair=m(meeting.chair),
        people=tuple(replace(p, id=mapping.get(p.id, p.id)) for p in meeting.people),
        present=tuple(mapping.get(p, p) for p in meeting.present),
        turns=tuple(replace(t, speaker=m(t.speaker)) if t.speaker in mapping else t
                    for t in meeting.turns),
        motions=tuple(replace(mo, submitter_ids=tuple(m(s) for s in mo.submitter_ids))
                      for mo in meeting.motions))


def same(got: Meeting, want: Meeting) -> None:
    assert got == want
    assert pickle.dumps(got) == pickle.dumps(want)
    for a, b in zip(got.turns, want.turns, strict=True):
        assert type(a) is type(b) and type(a.kind) is type(b.kind)


ids = st.sampled_from([*PEOPLE, "zulu", "alpha-2"])


@settings(max_examples=150, deadline=None)
@given(speeches=st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 3), st.booleans()),
                         max_size=8),
       motions=st.lists(st.tuples(st.lists(st.integers(0, 4), max_size=3),
                                  st.integers(0, len(VerdictKind))), max_size=3),
       mapping=st.dictionaries(ids, ids, max_size=6),
       chair=st.none() | ids, present=st.lists(ids, max_size=4))
def test_any_small_meeting_and_mapping(speeches, motions, mapping, chair, present) -> None:
    meeting = replace(small_meeting(1, "2020-01-01", speeches, motions, [0, 1, 2, 0, 1]),
                      chair=chair, present=tuple(present))
    same(rename_people(meeting, mapping), plain_rename(meeting, mapping))


def test_the_seed_transcript() -> None:
    path = ROOT / "transcripts" / f"{SEED_TRANSCRIPT}.txt"
    meeting = read_transcript(path, f"transcripts/{path.name}").meetings[0]
    ids = [p.id for p in meeting.people]
    for mapping in ({}, {i: i for i in ids}, {ids[0]: "someone-else"},
                    {i: f"{i}-2" for i in ids}, {i: i if n % 2 else f"{i}-x"
                                                 for n, i in enumerate(ids)}):
        same(rename_people(meeting, mapping), plain_rename(meeting, mapping))
