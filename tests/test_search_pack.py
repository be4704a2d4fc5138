"""The deep-file plan (`index.deep_file_plan`) packs each depth over the
terms with a tier there, counts files without making a plan for the steps it
does not choose, and takes each df's units from a memo: the plan and step
are those of the plain greedy packing of every term at every depth. The
compositions of deep files kept between builds (`incremental._composition`)
are those made afresh."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search import incremental
from generator.search.index import IndexOptions, _units, deep_file_plan, tier_sizes

OPTIONS = IndexOptions(tier_bounds=(4, 16, 64, 256), term_shard_bytes=300, max_files=60,
                       deep_file_postings=8, rare_tier_start=256, rare_file_postings=64)


def plain_pack(units: list[list[list[int]]], caps: list[int]) -> tuple[list, int]:
    """The greedy packing as first written: every term at every depth."""
    depth = max((len(u) for u in units), default=0)
    plan: list[list[tuple[int, int]]] = [[] for _ in units]
    n_files = 0
    for k in range(depth):
        cap = caps[min(k, len(caps) - 1)]
        filled = cap
        index = 0
        for t, u in enumerate(units):
            if k >= len(u):
                continue
            size = sum(u[k])
            if filled + size > cap and filled > 0:
                n_files += 1
                filled = index = 0
            for _ in u[k]:
                plan[t].append((n_files - 1, index))
                index += 1
            filled += size
    return plan, n_files


def plain_plan(dfs: list[int], opt: IndexOptions, budget: int) -> tuple[list, int]:
    """`deep_file_plan` as first written: every step from the first, packed whole."""
    bounds, joint = opt.tier_bounds, max(opt.joint_tiers, 1)
    units = [_units(tier_sizes(df, bounds)[1:], joint) for df in dfs]
    full = [b - a for a, b in zip(bounds, (*bounds[1:], bounds[-1] * 8), strict=True)]
    starts = [bounds[0], *bounds[joint:]]
    full = [sum(full[:joint]), *full[joint:]]
    scale = opt.deep_file_postings / math.sqrt(full[0])
    step = 0
    while True:
        caps = [max(opt.rare_file_postings if start >= opt.rare_tier_start
                    else opt.deep_file_postings, int(scale * math.sqrt(f)))
                for start, f in zip(starts, full, strict=True)]
        plan, n_files = plain_pack(units, caps)
        if n_files <= max(budget, 1) or scale > 1 << 30:
            return plan, step
        step += 1
        scale *= 1.1


dfs = st.lists(st.one_of(st.integers(1, 6), st.integers(1, 600)), min_size=0, max_size=300)


@settings(max_examples=300, deadline=None)
@given(dfs, st.integers(1, 60), st.integers(1, 3), st.one_of(st.none(), st.integers(0, 30)))
def test_the_plan_is_the_plain_greedy_packing(df, budget, joint, hint):
    opt = IndexOptions(**{**OPTIONS.__dict__, "joint_tiers": joint})
    assert deep_file_plan(df, opt, budget, hint) == plain_plan(df, opt, budget)


@settings(max_examples=100, deadline=None)
@given(dfs, dfs)
def test_a_kept_composition_is_the_one_made_afresh(a, b):
    plans = [deep_file_plan(df, OPTIONS, 40)[0] for df in (a, b)]
    names = [[f"t{i}" for i in range(len(df))] for df in (a, b)]
    made = [incremental._composition(n, p) for n, p in zip(names, plans, strict=True)]
    incremental._COMPOSITIONS.clear()
    for n, p, m in zip(names, plans, made, strict=True):
        assert incremental._composition(list(n), [list(x) for x in p]) == m  # afresh
        assert incremental._composition(n, p) == m  # kept (or made again): the same
    assert incremental._composition(names[1], plans[1]) is incremental._composition(
        names[1], plans[1])
