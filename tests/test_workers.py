"""fork_map: results in input order, whatever they hold."""

from __future__ import annotations

from types import MappingProxyType

from generator.workers import fork_map


def test_fork_map_returns_results_in_order_even_read_only_mappings():
    offset = 10  # a closure: workers inherit it by fork

    def task(n: int) -> MappingProxyType:
        return MappingProxyType({"n": n + offset})

    results = list(fork_map(task, list(range(20)), jobs=2, min_items=2))
    assert [r["n"] for r in results] == list(range(10, 30))
    assert all(isinstance(r, MappingProxyType) for r in results)
