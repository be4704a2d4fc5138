"""The outline store and the archive state pickle their shards with equal
strings and small records made one object (`outline_store.shared`,
`archive._shared_parts`): what a shard reads back is equal, entry for entry,
to what was kept, and smaller."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_meetings import PARTIES, PEOPLE, small_meeting
from synthetic_project import built_project

from generator.archive import _part, _shared_parts, _turn_facts, outline
from generator.cache import read_pickles, write_pickles
from generator.model import Commitment, Section, Source, Suspension, VerdictKind, Vote
from generator.outline_store import OUTLINE_SHARDS, StoredOutline, shared

speeches = st.lists(st.tuples(st.sampled_from((*PEOPLE, "ghost")), st.integers(1, 60),
                              st.booleans()), max_size=8)
meetings = st.lists(st.tuples(
    st.one_of(st.none(), st.sampled_from(["2020-01-05", "2021-07-09"])),
    speeches,
    st.lists(st.tuples(st.lists(st.integers(0, len(PEOPLE) - 1), max_size=3),
                       st.one_of(st.none(), st.integers(0, len(VerdictKind)))), max_size=3),
    st.lists(st.integers(0, len(PARTIES) - 1), min_size=len(PEOPLE), max_size=len(PEOPLE)),
), min_size=1, max_size=6)


def _stored(value: object) -> object:
    """`value` written and read back as the build cache stores it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "value.pickle"
        write_pickles(path, value)
        return read_pickles(path, 1)[0]


def _with_records(meeting, n: int):
    """`meeting` with a vote, a commitment, a suspension and sections (the
    records `small_meeting` leaves empty)."""
    from dataclasses import replace

    motions = tuple(replace(m, vote=Vote("aangenomen", ("SP", "VVD"), ("SP",), "t0",
                                         Source("x", n))) for m in meeting.motions)
    return replace(meeting, motions=motions,
                   commitments=(Commitment("Toezegging", "t1", Source("x", 2)),),
                   suspensions=(Suspension("14:00", None, "t0", Source("x", 3)),),
                   sections=(Section("Moties", "t0"), Section("Moties", "t1")),
                   source=Source(f"content/m{n}.md", 1))


@settings(max_examples=60, deadline=None)
@given(meetings)
def test_shared_outlines_and_parts_are_equal_to_those_kept(found):
    whole = [_with_records(small_meeting(i, *m), i) for i, m in enumerate(found)]
    entries = {f"content/m{i}.md": StoredOutline(f"d{i}", "salt", outline(m), ())
               for i, m in enumerate(whole)}
    entries["content/bad.md"] = StoredOutline("d", "salt", None, ())
    made = shared(entries)
    assert made == entries
    assert list(made) == list(entries)
    assert _stored(made) == entries
    outlines = [e.meeting for e in made.values() if e.meeting is not None]
    motions = [m for meeting in outlines for m in meeting.motions]
    assert len({id(m) for m in motions}) == len(motions)  # told apart by identity
    people = {id(p) for meeting in outlines for p in meeting.people}
    assert len(people) == len({p for meeting in outlines for p in meeting.people})

    parts = {m.id: (f"key{m.id}", _part(_turn_facts(m))) for m in whole}
    kept = _shared_parts(parts)
    assert kept == parts
    assert list(kept) == list(parts)
    assert _stored(kept) == parts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("shared"), 6, seed=3)


def test_a_built_project_keeps_its_shards_shared(built: Path):
    """The shards a build wrote are `shared` already: sharing them again
    changes neither their entries nor their size."""
    folder = built / ".plenum-cache" / "outlines"
    found = 0
    for shard in range(OUTLINE_SHARDS):
        path = folder / f"{shard:02d}.pickle"
        if not path.exists():
            continue
        fmt, entries = read_pickles(path, 1)[0]
        found += len(entries)
        again = pickle.dumps(shared(entries), protocol=pickle.HIGHEST_PROTOCOL)
        assert pickle.loads(again) == entries
        plain = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        assert len(again) <= len(plain)
    assert found >= 6


def test_a_preview_keeps_the_outlines_it_put_and_the_file_holds_them_shared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A live preview's next build recognises unchanged meetings by identity
    (`archive._same_outlines`): the outlines a store wrote come back as the
    very objects put, not as the shared copies the file holds (which made
    every meeting of a rewritten shard look changed, and the archive stage of
    a preview's second edit ~8x slower at 10,000 meetings)."""
    from generator import file_memo
    from generator.outline_store import OutlineStore

    monkeypatch.setattr(file_memo, "holds", lambda name: True)  # (a preview holds the lock)
    whole = [_with_records(small_meeting(i, "2020-01-05", [(PEOPLE[0], 5, True)], [([0, 1], 1)],
                                         [0] * len(PEOPLE)), i) for i in range(40)]
    entries = {f"content/m{i}.md": StoredOutline(f"d{i}", "salt", outline(m), ())
               for i, m in enumerate(whole)}
    folder = tmp_path / "outlines"
    file_memo.keep_parsed_files(True)
    try:
        store = OutlineStore(folder)
        for key, entry in entries.items():
            store.put(key, entry)
        store.save()
        again = OutlineStore(folder)
        for key, entry in entries.items():
            assert again.get(key, entry.digest, entry.salt) is entry
    finally:
        file_memo.keep_parsed_files(False)
    read = OutlineStore(folder)  # as a one-off build reads it: from the file
    for key, entry in entries.items():
        found = read.get(key, entry.digest, entry.salt)
        assert found == entry and found is not entry
    shared_somewhere = False
    for path in folder.glob("*.pickle"):
        fmt, stored = read_pickles(path, 1)[0]
        people = [p for e in stored.values() for p in e.meeting.people]
        assert len({id(p) for p in people}) == len(set(people))  # written shared
        shared_somewhere |= len(people) > len(set(people))
    assert shared_somewhere  # (40 meetings in 32 shards: some shard holds two)
