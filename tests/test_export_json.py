"""The meeting JSON of the site is exactly what ``json.dumps(indent=2)`` writes."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from site_fixture import seed_meeting

from generator.export import _encode, meeting_json, meeting_to_dict
from generator.model import Source, Turn, TurnKind

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


def test_meeting_json_is_the_standard_library_indented_dump():
    meeting = seed_meeting()
    assert meeting_json(meeting) == json.dumps(meeting_to_dict(meeting), ensure_ascii=False,
                                               indent=2)


@settings(deadline=None)  # a loaded machine must not fail it
@given(JSON_VALUES)
def test_any_json_value_is_encoded_as_json_dumps_indent_2_encodes_it(value):
    out: list[str] = []
    _encode(value, "\n", out)
    assert "".join(out) == json.dumps(value, ensure_ascii=False, indent=2)


TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
TURNS = st.lists(st.builds(
    Turn, id=TEXT, speaker=st.none() | TEXT, label=TEXT,
    paragraphs=st.lists(TEXT, max_size=3).map(tuple),
    source=st.builds(Source, file=st.just("x.md"), line=st.integers(0, 10**6)),
    kind=st.sampled_from(TurnKind)), max_size=4).map(tuple)


@settings(deadline=None)
@given(TURNS)
def test_a_meetings_turns_are_written_as_the_standard_library_writes_them(turns):
    meeting = replace(seed_meeting(), turns=turns)
    assert meeting_json(meeting) == json.dumps(meeting_to_dict(meeting), ensure_ascii=False,
                                               indent=2)
