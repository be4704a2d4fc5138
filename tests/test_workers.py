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


def test_bounded_map_forks_a_fresh_worker_at_its_limits_and_keeps_the_order():
    import os

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> tuple[int, int]:
        return n * n, os.getpid()

    results = bounded_map(task, list(range(30)), workers=2, batch=4,
                          limits=WorkerLimits(items=3, faulted=1 << 40))
    assert [square for square, _ in results] == [n * n for n in range(30)]
    pids = [pid for _, pid in results]
    assert os.getpid() not in pids
    done = [pids.count(pid) for pid in set(pids)]
    assert max(done) == 3 and len(done) >= 10  # then a fresh worker took the rest


def test_bounded_map_ends_a_worker_once_it_has_faulted_in_its_budget():
    import os

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> int:
        bytearray(1 << 20)  # touches a mebibyte: its pages are faulted in
        return os.getpid()

    pids = bounded_map(task, list(range(12)), workers=1, batch=6,
                       limits=WorkerLimits(items=100, faulted=1))
    assert len(set(pids)) == 12  # every worker was over its budget after one item


def test_bounded_map_raises_what_a_task_raised():
    import pytest

    from generator.workers import WorkerLimits, bounded_map

    def task(n: int) -> int:
        if n == 7:
            raise ValueError("seven")
        return n

    with pytest.raises(ValueError, match="seven"):
        bounded_map(task, list(range(20)), workers=2, batch=3,
                    limits=WorkerLimits(items=100, faulted=1 << 40))
