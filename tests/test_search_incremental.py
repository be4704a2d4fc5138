"""The fast path of a rebuild (`generator.search.incremental`): a meeting edited
without changing which records there are (words replaced, added or removed)
re-encodes only the terms whose encoding moved, and the index has the bytes of
a build from scratch; any other edit falls back to the full build, with the
same bytes."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_support import example_meetings, people_of
from test_search_cache import PIECES, archive, site_search

import generator.search.incremental as incremental
from generator.model import Meeting
from generator.search import index
from generator.search.index import IndexOptions
from generator.search.records import build_records

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
        assert cache_entries(cache) == pruned_entries(cache)  # the old keys' entries gone
    assert len(outcomes) == len(steps)


def cache_entries(cache) -> set[str]:
    return {p.name for p in cache.iterdir() if p.is_file()}


def pruned_entries(cache) -> set[str]:
    """The entries of the analysis cache that `prune` would leave: those of
    the keys the last build kept for its meetings."""
    from test_search_cache import kept_keys

    from generator.search.analysis_cache import ROWS_SUFFIX, SUFFIX

    return {f"{key}{suffix}" for key in kept_keys(cache).values()
            for suffix in (SUFFIX, ROWS_SUFFIX)}


def test_an_unchanged_archive_takes_the_fast_path(tmp_path, outcomes):
    cache, facts = tmp_path / "cache", {}
    before = archive()
    first, _ = site_search(before, tmp_path / "first", cache, facts)
    again, read = site_search(before, tmp_path / "again", cache, facts)
    assert again == first and read == [] and outcomes == [True]


def edited(meetings: tuple[Meeting, ...], edit, piece: int = 2,
           speech: int = 0) -> tuple[Meeting, ...]:
    """`meetings` with the first paragraph of speech `speech` of meeting
    `piece` replaced by `edit(paragraph)`."""
    meeting = meetings[piece]
    at = [n for n, t in enumerate(meeting.turns) if t.paragraphs][speech]
    turn = meeting.turns[at]
    turn = dataclasses.replace(turn, paragraphs=(edit(turn.paragraphs[0]), *turn.paragraphs[1:]))
    turns = (*meeting.turns[:at], turn, *meeting.turns[at + 1:])
    return (*meetings[:piece], dataclasses.replace(meeting, turns=turns), *meetings[piece + 1:])


def word_added(text: str) -> str:
    return text + " Sanctiepakket."


def word_removed(text: str) -> str:
    return text.split(" ", 1)[1]


def sentence_added(text: str) -> str:
    return text + " Dat wil ik hier nadrukkelijk vooropstellen, want het gaat om de veiligheid."


def assert_steps_match_clean_builds(tmp_path, outcomes, steps, fast: list[bool]) -> None:
    """Builds the example archive with a cache, then each step in turn with
    it and from scratch: the same bytes each time, by the given paths."""
    cache, facts = tmp_path / "cache", {}
    site_search(archive(), tmp_path / "first", cache, facts)
    for n, after in enumerate(steps):
        clean, _ = site_search(after, tmp_path / f"clean{n}", None, {})
        warm, _ = site_search(after, tmp_path / f"warm{n}", cache, facts)
        assert warm == clean, f"step {n}"
    assert outcomes == fast


def test_words_added_and_removed_take_the_fast_path_and_give_the_clean_build(tmp_path,
                                                                            outcomes):
    """A record whose length moves changes its own normaliser only (the mean
    length is rounded): its terms are rescored, the few whose stored score
    moves are encoded again."""
    before = archive()
    steps = [
        edited(before, word_added),
        edited(before, word_removed),
        edited(edited(before, sentence_added), word_removed, piece=1, speech=3),
        edited(before, lambda text: text.replace(" de ", " de nieuwe ", 1), piece=3),
        before,
    ]
    assert_steps_match_clean_builds(tmp_path, outcomes, steps, [True] * len(steps))


def test_a_fast_edit_rescores_only_terms_whose_scores_move(tmp_path, monkeypatch):
    """A word added to a long speech: the speech's other terms keep their
    postings; only those whose rounded score for it moved are encoded."""
    encoded: list[int] = []
    real = incremental.encode_terms

    def spy(packed, df, *args):
        encoded.append(len(df))
        return real(packed, df, *args)

    monkeypatch.setattr(incremental, "encode_terms", spy)
    cache, facts = tmp_path / "cache", {}
    site_search(archive(), tmp_path / "first", cache, facts)
    speeches = [t for t in archive()[2].turns if t.paragraphs]
    longest = max(range(len(speeches)), key=lambda n: len(" ".join(speeches[n].paragraphs)))
    distinct = len(set(" ".join(speeches[longest].paragraphs).lower().split()))
    after = edited(archive(), word_added, speech=longest)
    warm, _ = site_search(after, tmp_path / "warm", cache, facts)
    assert warm == site_search(after, tmp_path / "clean", None, {})[0]
    assert distinct > 100 and len(encoded) == 1 and 1 <= encoded[0] < distinct / 4


def test_a_speech_or_meeting_added_or_removed_falls_back_to_the_full_build(tmp_path, outcomes):
    """Record numbers, the record count (idf) and the record files move: the
    full build, with the clean build's bytes, which leaves a state the next
    edit takes the fast path from."""
    before = archive()
    meeting = before[1]
    speech = next(t for t in meeting.turns if t.paragraphs)
    added = dataclasses.replace(speech, id=speech.id + "b", paragraphs=("Dank u wel.",))
    with_speech = (before[0], dataclasses.replace(meeting, turns=(added, *meeting.turns)),
                   *before[2:])
    extra = dataclasses.replace(before[3], id=before[3].id + "-extra")
    steps = [with_speech, before, (*before, extra), before, edited(before, word_added)]
    # a meeting added or removed does not try the fast path (the counts differ)
    assert_steps_match_clean_builds(tmp_path, outcomes, steps, [False, False, True])


def test_an_edit_that_moves_the_rounded_mean_length_falls_back(tmp_path, outcomes):
    """Words enough to move the mean record length by a token change every
    record's normaliser: the full build."""
    records = sum(len(build_records([m], people_of(example_meetings()))) for m in archive())
    many = " ".join(["Sanctiepakket"] * (records + 10))
    steps = [edited(archive(), lambda text: text + " " + many),
             edited(edited(archive(), lambda text: text + " " + many), word_added, piece=1)]
    assert_steps_match_clean_builds(tmp_path, outcomes, steps, [False, True])


def test_a_lost_kept_file_falls_back_to_the_full_build(tmp_path, outcomes):
    cache, facts = tmp_path / "cache", {}
    site_search(archive(), tmp_path / "first", cache, facts)
    (cache / "files" / "t" / "0.js").unlink()
    after = substituted(archive(), "Sanctiepakket")
    clean, _ = site_search(after, tmp_path / "clean", None, {})
    warm, _ = site_search(after, tmp_path / "warm", cache, facts)
    assert warm == clean and outcomes == [False]
    assert len(archive()) == PIECES


WORDS = ("de", "sancties", "Rusland", "Xylofoonconcert", "gasafhankelijkheid", "Poetin")
EDIT = st.tuples(st.integers(0, PIECES - 1), st.integers(0, 7),
                 st.sampled_from(["add", "remove", "replace"]), st.sampled_from(WORDS),
                 st.integers(0, 40))


def apply_edit(meetings: tuple[Meeting, ...], edit: tuple) -> tuple[Meeting, ...]:
    piece, speech, op, word, at = edit

    def change(text: str) -> str:
        words = text.split(" ")
        i = at % len(words)
        if op == "add":
            return " ".join([*words[:i], word, *words[i:]])
        if op == "remove" and len(words) > 1:
            return " ".join(words[:i] + words[i + 1:])
        return " ".join([*words[:i], word, *words[i + 1:]])

    speeches = sum(1 for t in meetings[piece].turns if t.paragraphs)
    return edited(meetings, change, piece, speech % speeches)


@pytest.fixture
def tiny_tiers(monkeypatch) -> list[int]:
    """Indexes of tiny tiers (so common terms have six), and per fast build
    the number of terms whose tiers were patched (`_Update._patch`)."""
    real_options, real_patch = index.options_for, incremental._Update._patch
    patched: list[int] = []

    def options(n_records: int) -> IndexOptions:
        return dataclasses.replace(real_options(n_records), tier_bounds=(4, 12, 30, 60, 100))

    def patch(self, *args):
        patched.append(1)
        return real_patch(self, *args)

    monkeypatch.setattr(index, "options_for", options)
    monkeypatch.setattr(incremental._Update, "_patch", patch)
    return patched


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(EDIT, min_size=1, max_size=3), min_size=1, max_size=3))
def test_any_sequence_of_word_edits_gives_the_clean_build(tmp_path_factory, tiny_tiers, steps):
    """Words added, removed and replaced anywhere, a few meetings at a time,
    build after build: each incremental index has the bytes of a clean build
    (with tiny tiers, so rescored postings move within and across tiers)."""
    tmp = tmp_path_factory.mktemp("edits")
    cache, facts = tmp / "cache", {}
    now = archive()
    site_search(now, tmp / "first", cache, facts)
    for n, edits in enumerate(steps):
        for edit in edits:
            now = apply_edit(now, edit)
        clean, _ = site_search(now, tmp / f"clean{n}", None, {})
        warm, _ = site_search(now, tmp / f"warm{n}", cache, facts)
        assert warm == clean


def test_rescored_postings_are_patched_within_and_across_tiers(tmp_path, outcomes, tiny_tiers):
    """A sentence added to the longest speech, then removed: the speech's
    terms whose score moved are patched tier by tier, with the bytes of a
    clean build."""
    speeches = [t for t in archive()[2].turns if t.paragraphs]
    longest = max(range(len(speeches)), key=lambda n: len(" ".join(speeches[n].paragraphs)))
    steps = [edited(archive(), sentence_added, speech=longest), archive()]
    assert_steps_match_clean_builds(tmp_path, outcomes, steps, [True, True])
    assert len(tiny_tiers) >= 10


def test_meetings_edited_build_after_build_overlay_the_base_postings_up_to_a_limit(
        tmp_path, outcomes, monkeypatch):
    """Each fast build adds its edited meetings to the overlay on the full
    build's postings file (their postings come from the analysis cache); past
    `MAX_OVERLAY` meetings the full build runs and starts a new base."""
    monkeypatch.setattr(incremental, "MAX_OVERLAY", 2)
    now, steps = archive(), []
    for piece in (0, 1, 1, 2, 3):
        now = edited(now, word_added, piece=piece)
        steps.append(now)
    assert_steps_match_clean_builds(tmp_path, outcomes, steps, [True, True, True, False, True])
