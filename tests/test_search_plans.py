"""The fast path of a search rebuild keeps the last build's term shards and
deep files when the terms whose df moved keep the tier sizes those plans
are made from (`incremental.kept_plans`): then planning again gives exactly
those plans, whatever the vocabulary and the df."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search.incremental import kept_plans
from generator.search.index import IndexOptions, deep_file_plan, plan_term_shards

# small bounds and files, so that a few hundred terms have deep tiers and files
OPTIONS = IndexOptions(tier_bounds=(4, 16, 64, 256), term_shard_bytes=300, max_files=60,
                       deep_file_postings=8, rare_tier_start=256, rare_file_postings=64)

dfs = st.lists(st.one_of(st.integers(1, 6), st.integers(1, 600)), min_size=1, max_size=300)


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """A df vector and the same with a few terms' df moved by a little."""
    old = draw(dfs)
    new = list(old)
    for t in draw(st.lists(st.integers(0, len(old) - 1), min_size=1, max_size=6)):
        new[t] = max(1, new[t] + draw(st.integers(-3, 3)))
    return old, new


def deep_plan(df: list[int], shards: list, record_shards: int, hint: int | None = None):
    return deep_file_plan(df, OPTIONS, OPTIONS.max_files - record_shards - len(shards) - 2,
                          hint=hint)


@settings(max_examples=400, deadline=None)
@given(edits(), st.integers(0, 20))
def test_plans_said_kept_are_the_plans_made_again(edit, record_shards):
    old, new = edit
    names = [f"term{t:04d}" for t in range(len(old))]
    moved = {names[t]: (a, b) for t, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}
    same_shards, same_deep = kept_plans(moved, OPTIONS)
    shards = plan_term_shards(names, old, OPTIONS)
    new_shards = plan_term_shards(names, new, OPTIONS)
    if same_shards:
        assert new_shards == shards
    if same_deep and len(new_shards) == len(shards):
        before = deep_plan(old, shards, record_shards)
        assert deep_plan(new, new_shards, record_shards) == before
        assert deep_plan(new, new_shards, record_shards, hint=before[1]) == before  # as run


def test_a_df_crossing_a_tier_bound_is_planned_again():
    first, second = OPTIONS.tier_bounds[:2]
    assert kept_plans({"a": (first + 1, first + 3)}, OPTIONS) == (True, False)
    assert kept_plans({"a": (1, 2)}, OPTIONS) == (False, True)
    assert kept_plans({"a": (second + 500, second + 501)}, OPTIONS) == (True, False)
    assert kept_plans({"a": (first, first)}, OPTIONS) == (True, True)
    assert kept_plans({}, OPTIONS) == (True, True)
