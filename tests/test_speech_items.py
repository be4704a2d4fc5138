"""`generator.pages.speech_items` notes the reads of the turns' motions and
verdicts once per meeting (as the tracked view notes them: by meeting) and
reads the archive's own mappings per turn: the same items, and the same
tokens, as reading each turn through the view."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.archive import build_archive
from generator.cache import BuildCache
from generator.config import load_project
from generator.i18n import load_catalogue
from generator.pagedeps import Reads, tracked
from generator.pages import speech_items

pytest.importorskip("generator.sitebuild")

from synthetic_project import built_project  # noqa: E402


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    from generator.sitebuild import load_meetings, meeting_texts

    root: Path = built_project(tmp_path_factory.mktemp("speech_items"), 4, seed=5)
    proj = load_project(root)
    cache = BuildCache(proj)
    meetings, _ = load_meetings(proj, cache)
    built, _ = build_archive(meetings, meeting_texts(proj, cache))
    return built, load_catalogue(proj.language)


def test_speech_items_read_what_reading_every_turn_through_the_view_reads(archive):
    plain, t = archive
    assert any(plain.motions_by_turn.values())  # the check means something
    for meeting in plain.meetings:
        full = plain.full(meeting)
        reads = Reads()
        items = speech_items(tracked(plain, reads), full, t)
        assert items == speech_items(plain, full, t)
        assert [(i.motions, i.verdicts) for i in items] == [
            (plain.motions_by_turn.get((meeting.id, turn.id), ()),
             plain.verdicts_by_turn.get((meeting.id, turn.id), ())) for turn in full.turns]
        # the reference: every turn's motions and verdicts read through a view
        reference = Reads()
        view = tracked(plain, reference)
        view.interruptions(full)
        for turn in full.turns:
            view.motions_by_turn.get((meeting.id, turn.id), ())
            view.verdicts_by_turn.get((meeting.id, turn.id), ())
        by_turn = {token for token in reads.tokens
                   if token[0] in ("motions_by_turn", "verdicts_by_turn")}
        assert by_turn == {token for token in reference.tokens
                           if token[0] in ("motions_by_turn", "verdicts_by_turn")}
        assert bool(by_turn) == bool(full.turns)
