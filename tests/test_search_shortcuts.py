"""Shortcuts of the search stage against their plain definitions:
`split_batch` (one sort for a whole counted batch) against the cut of each
meeting (`_split_each`: a sort and `np.unique` per meeting), a deep-tier
file's JSON, wordfreq's version."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search.analysis_cache import _split_each, split_batch
from generator.search.index import IndexOptions, _TermCounter


def _same(got, want) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.terms == w.terms
        for field in ("term_index", "docs", "tfs", "doc_len"):
            a, b = getattr(g, field), getattr(w, field)
            assert a.dtype == b.dtype, field
            assert a.tolist() == b.tolist(), field


@st.composite
def batches(draw):
    """Postings as counting makes them (sorted by term, then record, each
    pair once) over some records, and consecutive meetings over them."""
    n_records = draw(st.integers(0, 12))
    n_terms = draw(st.integers(1, 8))
    pairs = draw(st.sets(st.tuples(st.integers(0, n_terms - 1),
                                   st.integers(0, max(n_records - 1, 0))),
                         max_size=40)) if n_records else set()
    pairs = sorted(pairs)
    sizes = draw(st.lists(st.integers(0, 4), max_size=6))
    bounds, at = [], draw(st.integers(0, 2))
    for size in sizes:
        bounds.append((at, at + size))
        at += size
    records = max(n_records, at)
    terms = np.array([t for t, _ in pairs], np.uint32)
    docs = np.array([d for _, d in pairs], np.uint32)
    tfs = np.array(draw(st.lists(st.integers(1, 255), min_size=len(pairs),
                                 max_size=len(pairs))), np.uint8)
    doc_len = np.arange(records, dtype=np.uint32) + 1
    names = [f"w{i}" for i in range(n_terms)]
    return names, terms, docs, tfs, doc_len, bounds


@given(batches())
@settings(max_examples=300, deadline=None)
def test_split_batch_is_the_cut_of_each_meeting(batch):
    _same(split_batch(*batch), _split_each(*batch))


@given(batches(), st.randoms())
@settings(max_examples=100, deadline=None)
def test_postings_in_another_order_are_cut_per_meeting(batch, rnd):
    names, terms, docs, tfs, doc_len, bounds = batch
    order = list(range(len(terms)))
    rnd.shuffle(order)
    shuffled = (names, terms[order], docs[order], tfs[order], doc_len, bounds)
    _same(split_batch(*shuffled), _split_each(*shuffled))


def test_a_counted_batch_splits_as_each_meeting_alone():
    texts = ["de kamer stemt over de motie", "motie aangenomen", "", "de minister antwoordt",
             "kamer kamer kamer", "stemmingen over moties en amendementen"]
    counter = _TermCounter(None, IndexOptions())
    batch = [(t, "Jan Jansen", "VVD") for t in texts]
    counted = counter.count(batch)
    bounds = [(0, 2), (2, 3), (3, 6)]
    got = split_batch(counter._terms, counted.terms, counted.docs, counted.tfs,
                      counted.doc_len, bounds)
    _same(got, _split_each(counter._terms, counted.terms, counted.docs, counted.tfs,
                           counted.doc_len, bounds))
    for (a, b), meeting in zip(bounds, got, strict=True):  # as if counted alone
        alone = counter.count(batch[a:b])
        names = [counter._terms[t] for t in sorted(set(alone.terms.tolist()))]
        assert meeting.terms == names
        assert meeting.docs.tolist() == alone.docs.tolist()
        assert meeting.tfs.tolist() == alone.tfs.tolist()


@given(st.integers(0, 5000), st.lists(st.binary(max_size=40), max_size=8))
@settings(max_examples=200, deadline=None)
def test_a_deep_file_of_base64_tiers_is_its_json(key, blobs):
    import base64

    from generator.search.index import _js, tiers_js

    tiers = [base64.b64encode(b).decode("ascii") for b in blobs]
    assert tiers_js(key, tiers) == _js("d", key, tiers)


def test_the_wordfreq_version_is_the_metadata_s():
    from importlib.metadata import version

    from generator.search import _wordfreq_version

    assert _wordfreq_version() == version("wordfreq")


def test_the_lexicon_is_made_from_wordfreq_s_dict_as_before():
    """`Lexicon.from_wordfreq` reads wordfreq's buckets; the plain definition
    walks its frequency dict (sorted by frequency) to the floor."""
    from wordfreq import get_frequency_dict

    from generator.search.analysis import MIN_PART, Lexicon, fold

    made = Lexicon.from_wordfreq()
    plain: dict[str, float] = {}
    for word, f in get_frequency_dict("nl").items():
        if f < 10 ** (3.0 - 9):
            break
        folded = fold(word)
        if folded.isalpha() and folded.isascii() and len(folded) >= MIN_PART:
            plain[folded] = max(f, plain.get(folded, 0.0))
    assert list(made.freq.items()) == list(plain.items())
    assert made.digest() == Lexicon(plain).digest()


def test_records_are_made_as_their_constructor_makes_them():
    """`build_records` fills each record's dict (`records._record`) and
    keeps turn anchors: the same records, fields in the same order (the
    same pickle), as `SearchRecord(...)` and `urls.turn_anchor` make."""
    import dataclasses
    import pickle

    from search_support import example_meetings, people_of

    from generator import urls
    from generator.model import TurnKind
    from generator.search.records import MOTION, SPEECH, SearchRecord, build_records

    meetings = example_meetings()
    records = build_records(meetings, people_of(meetings))
    assert {r.type for r in records} == {SPEECH, MOTION}
    speeches = [t for m in meetings for t in m.turns
                if t.kind == TurnKind.SPEECH and any(p.strip() for p in t.paragraphs)]
    assert [r.url.rpartition("#")[2] for r in records if r.type == SPEECH] \
        == [urls.turn_anchor(t.id) for t in speeches]
    for record in records:
        made = SearchRecord(**dataclasses.asdict(record))
        assert record == made and hash(record) == hash(made)
        assert list(vars(record)) == [f.name for f in dataclasses.fields(SearchRecord)]
        assert pickle.dumps(record) == pickle.dumps(made)
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.text = ""  # type: ignore[misc]
