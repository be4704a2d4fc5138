"""An archive built from the last one of the process (`build_archive` in a
live preview: the outline indexes taken over, the parts' sums made by
difference) is the archive built from nothing, whatever meetings changed
and however."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_meetings import PARTIES, PEOPLE, small_meeting
from synthetic_project import recorded_calls

import generator.archive as archive_module
from generator.archive import Archive, build_archive, outline
from generator.model import Meeting, Turn, VerdictKind

SPEAKERS = (*PEOPLE, "ghost")  # a speaker the meeting does not list among its people


class StateTexts:
    """Whole meetings in memory, their facts named by a hash of their value
    and the archive state kept in a dict (as the build cache keeps them)."""

    def __init__(self, meetings: list[Meeting], states: dict[str, Any]):
        self.whole = {m.id: m for m in meetings}
        self.states = states

    def turns(self, meeting: Meeting) -> tuple[Turn, ...]:
        return self.whole[meeting.id].turns

    def remembered(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> Any:
        return make(self.whole[meeting.id])

    def is_remembered(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> bool | None:
        return None

    def facts_key(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> str | None:
        data = pickle.dumps(self.whole[meeting.id], protocol=pickle.HIGHEST_PROTOCOL)
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def previous_state(self, name: str) -> Any:
        return self.states.get(name)

    def keep_state(self, name: str, value: object) -> None:
        self.states[name] = value

    def keeps_state_in_memory(self) -> bool:
        return True


def meeting(index: int, date: str | None, speeches: list[tuple[int, int, bool]],
            motions: list[tuple[list[int], int | None]], parties: list[int]) -> Meeting:
    return small_meeting(index, date, [(SPEAKERS[who], words, speech)
                                       for who, words, speech in speeches], motions, parties)


speeches = st.lists(st.tuples(st.integers(0, len(SPEAKERS) - 1), st.integers(1, 90),
                              st.booleans()), max_size=8)
meetings = st.lists(st.tuples(
    st.one_of(st.none(), st.sampled_from(["2020-01-05", "2020-03-01", "2021-07-09"])),
    speeches,
    st.lists(st.tuples(st.lists(st.integers(0, len(PEOPLE) - 1), max_size=3),
                       st.one_of(st.none(), st.integers(0, len(VerdictKind)))), max_size=2),
    st.lists(st.integers(0, len(PARTIES) - 1), min_size=len(PEOPLE), max_size=len(PEOPLE)),
), min_size=1, max_size=7)


def edited(found: list, before: list[Meeting], data: st.DataObject) -> list[Meeting]:
    """`before` (made of `found`) with up to three meetings drawn again: some
    with only their speeches redrawn (the outline as it was), some whole."""
    after = list(before)
    for i in data.draw(st.sets(st.integers(0, len(before) - 1), max_size=3), label="edited"):
        if data.draw(st.booleans(), label="turns only"):  # outline as it was
            after[i] = meeting(i, *found[i][:1], data.draw(speeches, label="speeches"),
                               *found[i][2:])
        else:
            after[i] = meeting(i, *data.draw(meetings, label="meeting")[0])
    return after


def _fields(found: Archive) -> dict[str, Any]:
    """Every field of an archive but its texts, and what its lazy parts give."""
    values = {f.name: getattr(found, f.name) for f in fields(found) if f.name != "texts"}
    speakers = found.chart_data.speakers
    values["speaker outlines"] = {pid: speakers.outline(pid) for pid in speakers}
    values["newest places"] = {pid: [ref.place for ref in refs]
                               for pid, refs in found.newest_speeches.items()}
    return values


def _build(whole: list[Meeting], states: dict[str, Any]) -> Archive:
    return build_archive([outline(m) for m in whole], StateTexts(whole, states))[0]


@pytest.fixture(autouse=True)
def _no_last_archive():
    archive_module._LAST = None  # noqa: SLF001
    yield
    archive_module._LAST = None  # noqa: SLF001


@settings(max_examples=150, deadline=None)
@given(meetings, st.data())
def test_an_archive_made_from_the_last_is_the_archive_made_from_nothing(found, data):
    before = [meeting(i, *m) for i, m in enumerate(found)]
    after = edited(found, before, data)
    states: dict[str, Any] = {}
    first = _build(before, states)
    if data.draw(st.booleans(), label="pages asked"):
        _fields(first)  # the speakers' chart data found what it finds when asked
    again = _build(after, states)
    archive_module._LAST = None  # noqa: SLF001
    fresh = _build(after, {})
    assert _fields(again) == _fields(fresh)


def test_an_edited_speech_sums_by_difference(monkeypatch):
    """The difference is what the test above checks: an edit of a turn's
    text takes the last archive's outline indexes and sums only the parts."""
    found = [meeting(i, "2020-01-05", [(i % 5, 10, True), (5, 3, True), (1, 4, False)],
                     [([0, 1], 0)], [1, 2, 0, 1, 2]) for i in range(6)]
    states: dict[str, Any] = {}
    first = _build(found, states)
    made = [recorded_calls(monkeypatch, archive_module, name)
            for name in ("_facts_indexes", "_outline_indexes", "_unique_meetings")]
    edited = list(found)
    edited[2] = replace(found[2], turns=(*found[2].turns, replace(
        found[2].turns[0], id="t9", paragraphs=("nog een woord",))))
    again = _build(edited, states)
    assert made == [[], [], []]
    assert again.speech_counts != first.speech_counts
    monkeypatch.undo()
    archive_module._LAST = None  # noqa: SLF001
    assert _fields(again) == _fields(_build(edited, {}))
