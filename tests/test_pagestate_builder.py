"""`generator.pagestate.StateBuilder`: the next build's page state made page
by page as a render's workers return the pages, in whatever order they come,
is byte for byte the state made of all the pages at once (the loop it
replaced, kept here as the reference)."""

from __future__ import annotations

import pickle
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import load_project
from generator.pagestate import TEMPLATE, PageCheck, PageState, Record

pytest.importorskip("generator.sitebuild")

from synthetic_project import built_project  # noqa: E402


def _reference(check: PageCheck, order: Sequence[str], carried: Mapping[str, int],
               built: Mapping[str, Record]) -> PageState:
    """`PageCheck.next_state` as it was before `StateBuilder`: one loop over
    the pages in order once all are built."""
    state = check.state
    keys: list[str] = []
    paths: list[str] = []
    templates: list[str] = []
    fingerprints: list[str] = []
    starts: list[int] = []
    lengths: list[int] = []
    added: list[int] = []
    base = len(state.flat) if state is not None else 0
    fields: dict = {}
    next_id = state.next_id if state is not None else 0
    for key in order:
        place = carried.get(key)
        if place is not None and state is not None:
            keys.append(key)
            paths.append(state.paths[place])
            templates.append(state.templates[place])
            fingerprints.append(state.fingerprints[place])
            starts.append(-1 - place)
            lengths.append(0)
            continue
        record = built.get(key)
        if record is None:
            continue
        ids = []
        for token in (*record.tokens, (TEMPLATE, record.template)):
            name, token_key = token
            field = fields.get(name)
            if field is None:
                field = fields[name] = check._writable(name)
            found = field.entries.get(token_key)
            if found is None:
                now = check.digest(token)
                if now is None:
                    break
                found = field.entries[token_key] = (next_id, now)
                field.changed = True
                next_id += 1
            ids.append(found[0])
        else:
            keys.append(key)
            paths.append(record.path)
            templates.append(record.template)
            fingerprints.append(record.fingerprint)
            starts.append(base + len(added))
            lengths.append(len(ids))
            added += ids
    pool = np.concatenate((state.flat if state is not None else np.zeros(0, np.int32),
                           np.asarray(added, dtype=np.int32)))
    start = np.asarray(starts, dtype=np.int64)
    length = np.asarray(lengths, dtype=np.int64)
    if state is not None:
        kept = start < 0
        places = -1 - start[kept]
        start[kept] = state.offsets[places]
        length[kept] = state.offsets[places + 1] - state.offsets[places]
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    flat = pool[np.repeat(start - offsets[:-1], length) + np.arange(offsets[-1])]
    merged: dict = {}
    if state is not None:
        merged.update(state._fields)
    merged.update(check._own)
    from generator.pagestate import MEETING, MEETING_FIELDS, PER_KEY, TEXTS

    sources = {name: check._source(name) for name in merged
               if name not in (TEMPLATE, TEXTS, MEETING) and name not in MEETING_FIELDS
               and name not in PER_KEY}
    return PageState(check.salt, keys, paths, templates, fingerprints, offsets,
                     flat.astype(np.int32, copy=False), merged,
                     {k: v for k, v in sources.items() if v is not None},
                     check.meetings, check.outlines, next_id, check.speaker_sources())


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PageState, list[Record]]:
    """A built project, its page state, and a record per page rebuilt from it
    (plus one whose token cannot be hashed: never kept)."""
    root = built_project(tmp_path_factory.mktemp("builder"), 4, seed=11)
    _, cache = _archive(root)
    state = cache.previous_deps
    assert state is not None
    tokens = {}
    for name in state.field_names():
        for key, (token_id, _) in state.field(name).entries.items():
            tokens[token_id] = (name, key)
    records = [Record(key, state.paths[i], state.templates[i], state.fingerprints[i],
                      tuple(tokens[int(t)] for t in state.tokens_of(i)
                            if tokens[int(t)][0] != TEMPLATE))
               for i, key in enumerate(state.keys)]
    records.insert(3, Record("bad", "bad/index.html", "about.html", "f" * 32,
                             (("meeting", "no such meeting"),)))
    return root, state, records


def _archive(root: Path):
    from generator.archive import build_archive
    from generator.cache import BuildCache
    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(root)
    cache = BuildCache(proj)
    meetings, _ = load_meetings(proj, cache)
    archive, _ = build_archive(meetings, meeting_texts(proj, cache))
    return archive, cache


def _check(root: Path, state: PageState | None) -> PageCheck:
    archive, cache = _archive(root)
    plan = cache.plan(load_project(root).templates_dir, "", None)
    return PageCheck(state, archive, cache.meeting_digests, plan.template_hashes,
                     state.salt if state is not None else plan.salt)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), with_state=st.booleans(), share=st.floats(0, 1),
       missing=st.integers(0, 3))
def test_a_state_made_page_by_page_is_the_state_made_at_once(
        pages: tuple[Path, PageState, list[Record]], seed: int, with_state: bool, share: float,
        missing: int):
    root, state, records = pages
    rng = random.Random(seed)
    order = [record.key for record in records]
    places = state.places()
    # with a previous state, some pages are linked (carried) and the others built
    carried = {key: places[key] for key in order
               if with_state and key in places and rng.random() < share}
    given_at = [at for at, key in enumerate(order) if key not in carried]
    dropped = set(rng.sample(given_at, min(missing, len(given_at))))  # never built: not kept
    built = {order[at]: records[at] for at in given_at if at not in dropped}
    previous = state if with_state else None
    expected = _reference(_check(root, previous), order, carried, built)
    check = _check(root, previous)
    builder = check.builder(order, carried)
    rng.shuffle(given_at)
    for at in given_at:
        if at not in dropped:
            builder.add(at, records[at])
        elif rng.random() < 0.5:
            builder.add(at, None)  # a page that failed
    made = builder.finish()
    assert pickle.dumps(made) == pickle.dumps(expected)
    assert made.keys == [key for key in order if key in carried or key in built
                         and key != "bad"]
    again = _check(root, previous).next_state(order, carried, built)
    assert pickle.dumps(again) == pickle.dumps(expected)
