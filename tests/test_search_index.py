"""The index writer and the query engine on the example archive: records from
the model, deterministic output, the query language, and early stopping on
tiered postings giving exactly the exhaustive top 10."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from search_support import example_meetings, example_records, people_of

from generator.search import default_splitter
from generator.search.index import (
    MAX_RECORD_FILES,
    IndexOptions,
    IndexWriter,
    build_index,
    deep_file_plan,
    options_for,
    plan_deep_files,
    records_per_shard_for,
    tier_sizes,
)
from generator.search.query import Engine, ShardLoader, parse_query
from generator.search.records import MOTION, SPEECH

QUERIES = ["rusland", "navo", "sancties", "rusland navo", "de minister", "rus*",
           '"de minister"', "rusland -navo", "voorzitter dank", "gas", "kabinet rusland",
           "oekraine steun", "de het", "minister nederland europese"]


def build(out: Path, workers: int | None = None, **options) -> Path:
    meetings = example_meetings()
    build_index(meetings, people_of(meetings), out, default_splitter(), IndexOptions(**options),
                workers=workers)
    return out


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("index"))


def search(index: Path, query: str, **filters):
    engine = Engine(ShardLoader(index))
    return engine, engine.search(query, {k: set(v) for k, v in filters.items()})


def test_records_link_speeches_to_their_anchor_and_motions_to_their_page():
    records = example_records()
    speeches = [r for r in records if r.type == SPEECH]
    motions = [r for r in records if r.type == MOTION]
    meeting = example_meetings()[0]
    assert len(motions) == len(meeting.motions) > 0
    assert speeches[0].url == f"vergaderingen/{meeting.id}.html#{speeches[0].ref}"
    assert all(r.url.startswith("moties/") for r in motions)
    blok = next(r for r in speeches if r.speaker_id == "blok")
    assert blok.speaker == "Blok" and blok.title == meeting.title and blok.date == meeting.date
    karabulut = next(r for r in speeches if r.speaker_id == "karabulut")
    assert karabulut.party == "SP"
    assert not any(r.text.strip() == "" for r in records)


def test_two_builds_write_identical_bytes(tmp_path):
    assert digest(build(tmp_path / "a")) == digest(build(tmp_path / "b"))


def test_worker_processes_write_the_same_bytes_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(IndexWriter, "BATCH", 40)  # many batches in flight at once
    monkeypatch.setattr(IndexWriter, "ENCODE_TASK", 2000)  # many encoding tasks
    one = digest(build(tmp_path / "one", workers=1, term_shard_bytes=2000))
    two = digest(build(tmp_path / "two", workers=2, term_shard_bytes=2000))
    assert len([f for f in one if f.startswith("t/")]) > 10
    assert one == two


@pytest.fixture(scope="module")
def tiered_and_whole(tmp_path_factory) -> tuple[Path, Path]:
    return (build(tmp_path_factory.mktemp("tiered"), tier_bounds=(4, 16, 64), exact_postings=0),
            build(tmp_path_factory.mktemp("whole"), tier_bounds=(10**6,)))


@pytest.mark.parametrize("query", QUERIES)
def test_early_stopping_on_tiers_gives_the_exhaustive_top_ten(tiered_and_whole, query):
    tiered, whole = tiered_and_whole
    _, a = search(tiered, query)
    _, b = search(whole, query)
    assert [(h.doc, h.score) for h in a.hits] == [(h.doc, h.score) for h in b.hits]
    if a.exact:
        assert a.total == b.total


def test_deep_tiers_are_read_from_the_packed_files(tiered_and_whole):
    tiered, _ = tiered_and_whole
    engine, result = search(tiered, "rusland navo")
    deep = [rel for rel in engine.loader.cache if rel.startswith("d/")]
    assert deep and result.hits


def test_a_common_word_loads_only_its_best_postings_when_they_settle_the_top_ten(tmp_path):
    tiered = build(tmp_path, tier_bounds=(16, 64, 256), exact_postings=0)
    engine, result = search(tiered, "rusland")
    assert len(result.hits) == 10 and not result.exact
    assert not any(rel.startswith("d/") for rel in engine.loader.cache)  # no deep tier needed


def test_a_phrase_needs_its_words_in_that_order(index_dir):
    _, ordered = search(index_dir, '"Nord Stream"')
    _, reversed_ = search(index_dir, '"Stream Nord"')
    _, loose = search(index_dir, "stream nord")
    assert ordered.total > 0 and reversed_.total == 0
    assert loose.total >= ordered.total


def test_an_excluded_word_removes_every_record_containing_it(index_dir):
    engine, result = search(index_dir, "sancties -rusland")
    _, all_sancties = search(index_dir, "sancties")
    assert 0 < result.total < all_sancties.total
    for hit in result.hits:
        assert "rusland" not in engine.record(hit.doc)[6].lower()


def test_a_prefix_matches_words_that_start_with_it(index_dir):
    engine, result = search(index_dir, "cyber*")
    assert result.total >= 5
    for hit in result.hits:
        assert "cyber" in engine.record(hit.doc)[6].lower()


def test_diacritics_and_case_do_not_matter(index_dir):
    _, a = search(index_dir, "Geïnvesteerd")
    _, b = search(index_dir, "geinvesteerd")
    assert a.total == b.total > 0


def test_facets_are_or_within_and_across_with_counts(index_dir):
    _, all_ = search(index_dir, "sancties")
    counts = dict(all_.facets["party"])
    _, pvv = search(index_dir, "sancties", party=["PVV"])
    _, both = search(index_dir, "sancties", party=["PVV", "SP"])
    assert pvv.total == counts["PVV"] and both.total == counts["PVV"] + counts["SP"]
    _, motions = search(index_dir, "sancties", party=["PVV", "VVD"], type=["motion"])
    assert motions.total == dict(motions.facets["type"])["motion"] <= both.total + counts["VVD"]


def test_query_parser_reads_words_phrases_prefixes_and_exclusions():
    q = parse_query('Sancties "Nord Stream" rus* -China')
    assert [c.terms[0] for c in q.clauses] == ["sanctie", "nord", "stream", "rus"]
    assert q.phrases == [["nord", "stream"]] and q.excluded == ["china"]
    assert q.clauses[-1].prefix


def test_record_files_grow_so_a_large_archive_stays_under_the_file_cap():
    assert records_per_shard_for(300) == 24
    assert records_per_shard_for(700_000) * MAX_RECORD_FILES >= 700_000
    assert options_for(300).record_text_chars == 0  # small archives keep the whole text
    assert options_for(700_000).record_text_chars > 0


def test_deep_tiers_fit_the_file_budget_and_share_files_only_within_a_depth():
    """A term's first two deep tiers go into one file (one unit); deeper tiers
    share files only with other terms' tiers of the same depth."""
    dfs = [10, 60, 700, 5000, 40000, 300_000] * 50
    opt = IndexOptions()
    assert opt.joint_tiers == 2
    for budget in (20, 100, 1000):
        plan = plan_deep_files(dfs, opt, budget)
        files = [f for places in plan for f, _ in places]
        assert len(set(files)) <= budget
        unit_of: dict[int, int] = {}
        for places in plan:
            if len(places) >= 2:
                assert places[0][0] == places[1][0] and places[1][1] == places[0][1] + 1
            for depth, (f, _) in enumerate(places):
                assert unit_of.setdefault(f, max(depth - 1, 0)) == max(depth - 1, 0)
    assert [len(p) for p in plan[:6]] == [len(tier_sizes(df, opt.tier_bounds)) - 1
                                          for df in dfs[:6]]
    assert [len(p) for p in plan[:5]] == [0, 1, 2, 3, 4]
    separate = plan_deep_files(dfs, IndexOptions(joint_tiers=1), 1000)
    assert separate[3][0][0] != separate[3][1][0]


def test_a_hint_of_the_last_step_gives_the_plan_found_without_it():
    """`deep_file_plan` tries the step an earlier plan chose first: whatever
    the hint (right, too low, too high, off the end), the plan and step are
    those found by trying every step from the first."""
    opt = IndexOptions()
    for dfs in ([10, 60, 700, 5000, 40000, 300_000] * 50, [3, 900, 90_000, 600_000] * 7):
        for budget in (5, 20, 100, 1000):
            plan, step = deep_file_plan(dfs, opt, budget)
            assert plan == plan_deep_files(dfs, opt, budget)
            for hint in {0, 1, max(step - 1, 0), step, step + 1, step + 7, 400}:
                assert deep_file_plan(dfs, opt, budget, hint) == (plan, step)
    plan, step = deep_file_plan([10, 60, 700, 5000, 40000, 300_000] * 50, opt, 20)
    assert step > 1  # the budget was tight: the caps grew


def test_a_capped_record_keeps_the_start_of_its_text(tmp_path):
    records = example_records()
    long = max(records, key=lambda r: len(r.text))
    writer = IndexWriter(tmp_path, None, IndexOptions(record_text_chars=200), workers=1)
    writer.add(long)
    writer.finish()
    engine = Engine(ShardLoader(tmp_path))
    stored = engine.record(0)[6]
    assert len(stored) <= 202 and stored.endswith(" \u2026")
    assert long.text.startswith(stored[:-2])


def test_the_client_script_stays_small_when_gzipped():
    import gzip

    from generator.search import CLIENT

    size = len(gzip.compress(CLIENT.read_bytes(), 9))
    print(f"search.js: {CLIENT.stat().st_size} bytes, {size} gzipped")
    assert size < 12_000


def test_fast_tokenizer_finds_exactly_the_runs_of_letters_and_digits_of_the_folded_text():
    from generator.search import analysis

    samples = [r.heading + "\n" + r.text for r in example_records()[:400]]
    samples.append("İstanbul K Ǆ ﬁnance café collega's x\u2019s MH17-onderzoek 𝔄bc ß ẞ Ⅻ ½ ① "
                   "Oekraïne geïnvesteerd \u02bcs €12,5 mld\u00a0CO\u2082-uitstoot \ud800 a\tb")
    for text in samples:
        assert analysis.tokenize(text) == analysis._TOKEN.findall(analysis.fold(text))


def test_postings_round_trip_through_varints_and_base64():
    import base64

    import numpy as np

    from generator.search.index import decode_varints, encode_varints

    values = np.array([0, 1, 127, 128, 300, 16383, 16384, 2**21 - 1, 2**21, 2**28 - 1, 5])
    data, ends = encode_varints(values)
    assert ends[-1] == len(data) == 24
    assert decode_varints(base64.b64encode(data.tobytes()).decode()) == values.tolist()


def test_a_tier_is_stored_in_columns_and_decodes_to_its_postings():
    import numpy as np

    from generator.search.index import (
        _Scoring,
        decode_postings,
        decode_varints,
        encode_terms,
    )

    n_docs = 8
    scoring = _Scoring(norm2=np.full(n_docs, 2.4), boost=np.ones(n_docs),
                       speaker=np.arange(n_docs) + 100, group=np.arange(n_docs) % 3, n_docs=n_docs)
    docs = [[0, 3, 5, 7], [1, 2, 6]]  # two terms, records ascending
    tfs = [[2, 8, 4, 2], [6, 2, 2]]
    packed = np.array([d << 8 | t for ds, ts in zip(docs, tfs, strict=True)
                       for d, t in zip(ds, ts, strict=True)], np.uint32)
    encoded = encode_terms(packed, np.array([4, 3]), scoring, IndexOptions(tier_bounds=(2,)), 0)
    for term, tiers in enumerate(encoded.tiers):
        seen: list[int] = []
        for k, tier in enumerate(tiers):
            flat = decode_postings(tier)
            rows = [flat[i:i + 4] for i in range(0, len(flat), 4)]
            records = list(np.cumsum([r[0] for r in rows]))
            assert records == sorted(records)  # a tier is in record order
            assert [r[2] for r in rows] == [100 + d for d in records]
            assert [r[3] for r in rows] == [d % 3 for d in records]
            assert max(r[1] for r in rows) == encoded.maxima[term][k]
            columns = decode_varints(tier)
            assert columns[:len(rows)] == [r[0] for r in rows]  # the gaps come first
            seen += records
        assert sorted(seen) == docs[term]
    assert [len(t) for t in encoded.tiers] == [2, 2]


def test_a_tier_decodes_to_arrays_that_encode_to_the_same_text_and_its_worst_posting():
    """`decode_tier` and `encode_tier` (the fast path patches tiers with them)
    give back exactly what `encode_terms` wrote, large values included; the
    worst posting of each tier is its last one in rank order."""
    import numpy as np

    from generator.search.index import _Scoring, decode_tier, encode_terms, encode_tier

    rng = np.random.default_rng(4)
    n_docs = 300_000
    scoring = _Scoring(norm2=rng.uniform(0.5, 9, n_docs), boost=np.where(rng.random(n_docs) < 0.1,
                                                                          1.5, 1.0),
                       speaker=rng.integers(0, 1 << 22, n_docs), group=rng.integers(0, 300, n_docs),
                       n_docs=n_docs)
    docs = [np.sort(rng.choice(n_docs, size, replace=False)) for size in (3, 700, 20_000)]
    packed = np.concatenate([(d << 8) | rng.integers(1, 40, len(d))
                             for d in docs]).astype(np.uint32)
    opt = IndexOptions(tier_bounds=(2, 50, 600, 5000))
    encoded = encode_terms(packed, np.array([len(d) for d in docs]), scoring, opt, 0)
    for term, tiers in enumerate(encoded.tiers):
        seen = []
        for k, tier in enumerate(tiers):
            records, scores, speakers, groups = decode_tier(tier)
            assert np.array_equal(speakers, scoring.speaker[records])
            assert np.array_equal(groups, scoring.group[records])
            assert encode_tier(records, scores, speakers, groups) == tier
            assert scores.max() == encoded.maxima[term][k]
            last = min(zip(scores.tolist(), (-records).tolist(), strict=True))
            assert encoded.worst[term][k] == (last[0], -last[1])
            seen.append(records)
        assert np.array_equal(np.sort(np.concatenate(seen)), docs[term])
    for chunk in (1, 7, 600, 4999, 5000, 1 << 20):  # bounds memory; never changes the bytes
        assert encode_terms(packed, np.array([len(d) for d in docs]), scoring, opt, 0,
                            chunk=chunk) == encoded


def test_a_phrase_beyond_a_capped_records_cut_is_still_found(tmp_path):
    """A capped record keeps only its opening; a phrase further on cannot be
    checked there, so the record stays a hit (its words all match) instead of
    silently disappearing. A phrase an uncut record lacks is still rejected."""
    records = example_records()
    long = max(records, key=lambda r: len(r.text))
    words = long.text.split()
    tail_phrase = " ".join(words[-3:-1])  # near the end: far beyond a 200-character cut
    writer = IndexWriter(tmp_path / "cut", None, IndexOptions(record_text_chars=200), workers=1)
    writer.add(long)
    writer.finish()
    cut = Engine(ShardLoader(tmp_path / "cut"))
    assert tail_phrase.lower() not in cut.record(0)[6].lower()
    assert [h.doc for h in cut.search(f'"{tail_phrase}"').hits] == [0]

    writer = IndexWriter(tmp_path / "whole", None, IndexOptions(), workers=1)
    writer.add(long)
    writer.finish()
    whole = Engine(ShardLoader(tmp_path / "whole"))
    assert [h.doc for h in whole.search(f'"{tail_phrase}"').hits] == [0]
    reversed_phrase = " ".join(reversed(words[-3:-1]))
    if reversed_phrase.lower() not in long.text.lower():
        assert whole.search(f'"{reversed_phrase}"').hits == []


def test_the_spill_lays_out_postings_by_sorted_term_with_records_ascending(tmp_path):
    """Postings spilled by first character (digits, letters, non-ASCII, the
    empty term) come back in sorted-term order, each term's in spill order."""
    import numpy as np

    from generator.search.index import _Spill

    rng = np.random.default_rng(7)
    names = ["zee", "appel", "école", "", "9de", "aap", "über", "boom", "a", "zz"]
    spill = _Spill(tmp_path)
    spill.name_terms(names[:6])
    expected: dict[int, list[int]] = {t: [] for t in range(len(names))}
    record = 0
    for batch in range(5):
        if batch == 2:
            spill.name_terms(names[6:])
        known = 6 if batch < 2 else len(names)
        pairs = sorted({(int(t), record + int(d)) for t, d in zip(
            rng.integers(0, known, 40), rng.integers(0, 30, 40), strict=True)})
        record += 30
        terms = np.array([t for t, _ in pairs], np.uint32)
        packed = np.array([d << 8 | (d % 7) for _, d in pairs], np.uint32)
        for t, p in zip(terms.tolist(), packed.tolist(), strict=True):
            expected[t].append(p)
        spill.append(terms, packed)
    by_name = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), np.int64)
    rank[by_name] = np.arange(len(names))
    df = np.array([len(expected[t]) for t in by_name], np.int64)
    written = []
    for count in spill.write_sorted(tmp_path / "postings.bin", rank, df):
        # each step: the postings so far, all in the file already
        assert (tmp_path / "postings.bin").stat().st_size == 4 * count
        written.append(count)
    assert written == sorted(written) and written[-1] == int(df.sum())
    laid_out = np.fromfile(tmp_path / "postings.bin", np.uint32).tolist()
    assert laid_out == [p for t in by_name for p in expected[t]]
    assert not list(tmp_path.glob("g*.bin"))  # the spill files are gone
