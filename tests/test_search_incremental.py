"""The fast path of a rebuild (`generator.search.incremental`): a meeting edited
without changing its records' lengths re-encodes only the changed terms, and
the index has the bytes of a build from scratch; any other edit falls back to
the full build, with the same bytes."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_search_cache import PIECES, archive, site_search

import generator.search.incremental as incremental
from generator.model import Meeting

WORD = re.compile(r"(?<!\S)[A-Za-z]{6,}(?!\S)")


def substituted(meetings: tuple[Meeting, ...], new_word: str, piece: int = 2,
                nth: int = 0) -> tuple[Meeting, ...]:
    """`meetings` with the `nth` plain word (letters only) of the first speech
    of meeting `piece` replaced by `new_word`: one token for one, so every
    record keeps its length."""
    meeting = meetings[piece]
    first = next(n for n, t in enumerate(meeting.turns) if t.paragraphs)
    turn = meeting.turns[first]
    found = list(WORD.finditer(turn.paragraphs[0]))[nth]
    text = turn.paragraphs[0][:found.start()] + new_word + turn.paragraphs[0][found.end():]
    edited = dataclasses.replace(turn, paragraphs=(text, *turn.paragraphs[1:]))
    turns = (*meeting.turns[:first], edited, *meeting.turns[first + 1:])
    return (*meetings[:piece], dataclasses.replace(meeting, turns=turns), *meetings[piece + 1:])


@pytest.fixture
def outcomes(monkeypatch) -> list[bool]:
    """Per search build from here on, whether the fast path wrote the index."""
    seen: list[bool] = []
    real = incremental.update_index

    def spy(*args, **kwargs):
        stats = real(*args, **kwargs)
        seen.append(stats is not None)
        return stats

    monkeypatch.setattr(incremental, "update_index", spy)
    return seen


def test_a_word_replaced_takes_the_fast_path_and_gives_the_clean_build(tmp_path, outcomes):
    cache, facts = tmp_path / "cache", {}
    before = archive()
    first, _ = site_search(before, tmp_path / "first", cache, facts)
    assert outcomes == []  # no state yet: the full build, which leaves one
    steps = [
        substituted(before, "Sanctiepakket"),  # a known word for another
        substituted(before, "Xylofoonconcert"),  # a word new to the vocabulary
        substituted(substituted(before, "Xylofoonconcert"), "Sanctiepakket", piece=1),
        before,  # back: the new word leaves the vocabulary
    ]
    for n, after in enumerate(steps):
        clean, _ = site_search(after, tmp_path / f"clean{n}", None, {})
        warm, read = site_search(after, tmp_path / f"warm{n}", cache, facts)
        assert warm == clean and (clean != first) == (after is not before)
        assert outcomes[-1] is True
        assert len(read) <= 2  # only the changed meetings' text
    assert len(outcomes) == len(steps)


def test_an_unchanged_archive_takes_the_fast_path(tmp_path, outcomes):
    cache, facts = tmp_path / "cache", {}
    before = archive()
    first, _ = site_search(before, tmp_path / "first", cache, facts)
    again, read = site_search(before, tmp_path / "again", cache, facts)
    assert again == first and read == [] and outcomes == [True]


def test_a_record_that_changes_length_falls_back_to_the_full_build(tmp_path, outcomes):
    cache, facts = tmp_path / "cache", {}
    site_search(archive(), tmp_path / "first", cache, facts)
    after = archive(changed=True)  # a word added: the record's length and the mean move
    clean, _ = site_search(after, tmp_path / "clean", None, {})
    warm, _ = site_search(after, tmp_path / "warm", cache, facts)
    assert warm == clean and outcomes == [False]
    # the full build left a new state: the next word change is fast again
    again = substituted(after, "Sanctiepakket", piece=0)
    clean, _ = site_search(again, tmp_path / "clean2", None, {})
    warm, _ = site_search(again, tmp_path / "warm2", cache, facts)
    assert warm == clean and outcomes == [False, True]


def test_a_lost_kept_file_falls_back_to_the_full_build(tmp_path, outcomes):
    cache, facts = tmp_path / "cache", {}
    site_search(archive(), tmp_path / "first", cache, facts)
    (cache / "files" / "t" / "0.js").unlink()
    after = substituted(archive(), "Sanctiepakket")
    clean, _ = site_search(after, tmp_path / "clean", None, {})
    warm, _ = site_search(after, tmp_path / "warm", cache, facts)
    assert warm == clean and outcomes == [False]
    assert len(archive()) == PIECES
