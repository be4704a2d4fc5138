"""Relevance of the search on the example archive, against the judgments in
tests/search_relevance.yaml: recall@10 and MRR, through the Python query
engine reading the shards that the build wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_support import (
    build_example_index,
    example_records,
    judged_queries,
    load_judgments,
    resolve,
)

from generator.search.query import Engine, ShardLoader

MIN_RECALL_AT_10 = 0.85
MIN_MRR = 0.85
MIN_PER_QUERY_RECALL = 0.30


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search")
    build_example_index(out)
    return out


@pytest.fixture(scope="module")
def records():
    return example_records()


def run(index_dir: Path, query: str, filters: dict[str, list[str]]) -> list[int]:
    engine = Engine(ShardLoader(index_dir))  # cold: nothing loaded yet
    result = engine.search(query, {k: set(v) for k, v in filters.items()}, need=10)
    return [h.doc for h in result.hits]


def test_relevance_set_has_at_least_thirty_queries_of_every_kind():
    items = load_judgments()
    assert len(items) >= 30
    kinds = {i["kind"] for i in items}
    assert {"compound", "inflection", "diacritics", "name", "phrase", "facet"} <= kinds


def test_every_judged_reference_names_exactly_one_record(records):
    for item in load_judgments():
        for ref in item["relevant"]:
            found = resolve(ref, records)
            assert len(found) == 1, f"{item['query']!r}: {ref} matches {len(found)} records"


def test_recall_at_10_and_mrr_meet_the_thresholds(index_dir, records, capsys):
    rows = []
    for judged in judged_queries(records):
        top = run(index_dir, judged.query, judged.filters)
        relevant = set(judged.relevant)
        recall = len(relevant & set(top)) / min(len(relevant), 10)
        rank = next((i + 1 for i, d in enumerate(top) if d in relevant), None)
        rows.append((judged, recall, 1 / rank if rank else 0.0))
    mean_recall = sum(r for _, r, _ in rows) / len(rows)
    mrr = sum(rr for _, _, rr in rows) / len(rows)
    with capsys.disabled():
        print(f"\n{'query':34} {'kind':12} {'rel':>3} {'R@10':>5} {'RR':>5}")
        for judged, recall, rr in rows:
            label = judged.query + (f" {judged.filters}" if judged.filters else "")
            print(f"{label[:34]:34} {judged.kind:12} {len(judged.relevant):3} "
                  f"{recall:5.2f} {rr:5.2f}")
        print(f"{len(rows)} queries: mean recall@10 {mean_recall:.3f}, MRR {mrr:.3f}")
    weak = [j.query for j, r, _ in rows if r < MIN_PER_QUERY_RECALL]
    assert mean_recall >= MIN_RECALL_AT_10
    assert mrr >= MIN_MRR
    assert not weak, f"queries with recall@10 below {MIN_PER_QUERY_RECALL}: {weak}"
