"""The outline indexes an archive keeps for the next build (`_KeptOutlines`,
under `MeetingTexts.outlines_key`): an archive made from them is the archive
made from nothing, whatever changed; and the build cache's name for a list
of outlines changes when an outline does, not when only turns do."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_project import build, built_project, copy_built, edit_transcript
from test_archive_difference import StateTexts, _fields, edited, meeting, meetings

import generator.archive as archive_module
from generator.archive import OUTLINE_STATE, build_archive, outline
from generator.model import Meeting


class NamedTexts(StateTexts):
    """`StateTexts` naming each list of outlines by a hash of their values."""

    def outlines_key(self, outlines: list[Meeting]) -> str:
        data = pickle.dumps(list(outlines), protocol=pickle.HIGHEST_PROTOCOL)
        return hashlib.blake2b(data, digest_size=16).hexdigest()


@pytest.fixture(autouse=True)
def _no_last_archive():
    archive_module._LAST = None  # noqa: SLF001
    yield
    archive_module._LAST = None  # noqa: SLF001


def _build(whole: list[Meeting], states: dict[str, Any]):
    archive_module._LAST = None  # noqa: SLF001  (a one-off build: nothing in memory)
    return build_archive([outline(m) for m in whole], NamedTexts(whole, states))[0]


@settings(max_examples=120, deadline=None)
@given(meetings, st.data())
def test_an_archive_made_from_kept_outline_indexes_is_made_from_nothing(found, data):
    before = [meeting(i, *m) for i, m in enumerate(found)]
    after = edited(found, before, data)
    if data.draw(st.booleans(), label="a bad date"):
        from dataclasses import replace

        after = [replace(m, date="2020-13-45") if i == 0 else m for i, m in enumerate(after)]
    states: dict[str, Any] = {}
    _build(before, states)
    kept_before = states.get(OUTLINE_STATE)
    assert kept_before is not None
    again = _build(after, states)
    fresh = _build(after, {})
    assert _fields(again) == _fields(fresh)
    assert again.meetings == fresh.meetings
    if [outline(m) for m in after] == [outline(m) for m in before]:
        assert states[OUTLINE_STATE] is kept_before  # read back, not made again


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("kept-outlines"), 4, seed=11)


def _outlines_key(project: Path) -> str | None:
    from generator.cache import BuildCache
    from generator.config import load_project
    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(project)
    cache = BuildCache(proj)
    found, _ = load_meetings(proj, cache)
    return meeting_texts(proj, cache).outlines_key(found)


def test_the_name_of_the_outlines_follows_their_values(built: Path, tmp_path: Path):
    project = copy_built(built, tmp_path / "project")
    first = _outlines_key(project)
    assert first is not None and first == _outlines_key(project)
    edit_transcript(project, 1)  # a word of a speech: the outline stays
    assert build(project) == 0
    assert _outlines_key(project) == first
    people = project / "content" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("name:"))
    people.write_text(text.replace(line, line + " Jr", 1), encoding="utf-8")
    assert build(project) == 0
    assert _outlines_key(project) != first


def test_entries_without_a_token_are_named_by_their_content(built: Path, tmp_path: Path):
    """An outline store written before entries had tokens names each outline
    by the content hash and salt it was made from: the name of a freshly
    built project's outlines is the same either way."""
    from dataclasses import replace

    from generator.cache import read_pickles, write_pickles

    project = copy_built(built, tmp_path / "project")
    first = _outlines_key(project)
    for path in sorted((project / ".plenum-cache" / "outlines").glob("*.pickle")):
        fmt, entries = read_pickles(path, 1)[0]
        assert all(entry.token for entry in entries.values())
        write_pickles(path, (fmt, {key: replace(entry, token="")
                                   for key, entry in entries.items()}))
    assert _outlines_key(project) == first
