"""The build state in shards (`generator.state_shards`): a build rewrites only
the shards whose entries changed; a missing, truncated or mismatched shard,
and the single ``state.json`` of earlier versions, give a correct build,
never a crash or a mix of two sites."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
from synthetic_project import (
    assert_same_as_clean_build,
    build,
    built_project,
    copy_built,
    edit_transcript,
)

from generator.cache import BuildCache
from generator.config import load_project
from generator.state_shards import HEAD, SHARDS, STATE_DIR, StateShards, shard_of


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("state"), 3, seed=5)


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return copy_built(built, tmp_path / "project")


def _state(root: Path) -> Path:
    return root / ".plenum-cache" / STATE_DIR


def test_a_save_rewrites_only_the_shards_whose_entries_changed(tmp_path: Path):
    store = StateShards(tmp_path)
    entries = {f"page-{i}.html": f"fp{i}" for i in range(500)}
    store.save({"format": 1}, {"pages": entries})
    again = StateShards(tmp_path)
    head = again.head()
    assert again.section(head, "pages") == entries
    files = {p.name: p.stat().st_ino for p in tmp_path.glob("pages-*.pickle")}
    assert len(files) == SHARDS
    again.save({"format": 1}, {"pages": {**entries, "page-7.html": "changed"}})
    rewritten = {p.name for p in tmp_path.glob("pages-*.pickle")
                 if p.stat().st_ino != files[p.name]}
    assert rewritten == {f"pages-{shard_of('page-7.html'):02d}.pickle"}
    assert StateShards(tmp_path).section(StateShards(tmp_path).head(), "pages") == \
        {**entries, "page-7.html": "changed"}


def test_a_shard_not_named_by_the_head_makes_its_section_unknown(tmp_path: Path):
    """A build killed after writing a shard but before its head: the shard
    has a token the head does not name."""
    store = StateShards(tmp_path)
    store.save({}, {"pages": {"a": "1", "b": "2"}})
    head = StateShards(tmp_path).head()
    path = tmp_path / f"pages-{shard_of('a'):02d}.pickle"
    path.write_bytes(pickle.dumps((1, "another-build", {"a": "3"})))
    assert StateShards(tmp_path).section(head, "pages") is None
    path.write_bytes(path.read_bytes()[:5])  # truncated
    assert StateShards(tmp_path).section(head, "pages") is None


def test_the_state_is_sharded_and_an_unchanged_build_reads_it(project: Path):
    state = _state(project)
    assert (state / HEAD).is_file()
    assert len(list(state.glob("pages-*.pickle"))) == SHARDS
    assert not (project / ".plenum-cache" / "state.json").exists()
    cache = BuildCache(load_project(project))
    assert cache.is_noop(cache.input_digests())
    assert cache.previous_pages and cache.previous_csv_blocks


def test_an_edit_rewrites_a_few_shards_and_gives_the_clean_site(project: Path, tmp_path: Path):
    before = {p.name: p.stat().st_ino for p in _state(project).glob("*.pickle")}
    edit_transcript(project, 1)
    assert build(project) == 0
    after = {p.name: p.stat().st_ino for p in _state(project).glob("*.pickle")}
    assert before.keys() == after.keys()
    rewritten = [name for name in after if after[name] != before[name]]
    assert 0 < len(rewritten) < len(after) / 2, rewritten
    assert_same_as_clean_build(project, tmp_path)


@pytest.mark.parametrize("section", ["inputs", "pages", "csv_blocks"])
def test_a_truncated_shard_gives_a_correct_build_not_a_crash(project: Path, tmp_path: Path,
                                                             section: str):
    shard = _state(project) / f"{section}-03.pickle"
    shard.write_bytes(shard.read_bytes()[:7])
    edit_transcript(project, 1)
    assert build(project) == 0
    assert_same_as_clean_build(project, tmp_path)
    # and the state is whole again: the next build has nothing to do
    cache = BuildCache(load_project(project))
    assert cache.is_noop(cache.input_digests())


def test_the_state_json_of_an_earlier_version_is_read_then_replaced(project: Path,
                                                                     tmp_path: Path):
    """A cache written before the state was sharded: its one ``state.json``
    still describes the site in place (a build with nothing changed does
    nothing), and the next build writes shards and removes it."""
    state = _state(project)
    store = StateShards(state)
    head = store.head()
    legacy = {key: value for key, value in head.items() if key != "shards"}
    for section in ("inputs", "pages", "csv_blocks"):
        legacy[section] = store.section(head, section)
    shutil.rmtree(state)
    old = project / ".plenum-cache" / "state.json"
    old.write_text(json.dumps(legacy), encoding="utf-8")
    cache = BuildCache(load_project(project))
    assert cache.is_noop(cache.input_digests())
    assert cache.previous_pages == legacy["pages"]
    edit_transcript(project, 1)
    assert build(project) == 0
    assert not old.exists() and (state / HEAD).is_file()
    assert_same_as_clean_build(project, tmp_path)


def test_a_failed_build_forgets_the_state(project: Path):
    BuildCache(load_project(project)).invalidate()
    assert not (_state(project) / HEAD).exists()
    cache = BuildCache(load_project(project))
    assert not cache.previous_inputs and not cache.previous_pages


def test_entries_added_changed_and_removed_are_saved(tmp_path: Path):
    entries = {f"k{i}": [i, f"v{i}"] for i in range(300)}
    StateShards(tmp_path).save({}, {"csv_blocks": entries})
    store = StateShards(tmp_path)
    read = store.section(store.head(), "csv_blocks")
    assert read == entries
    now = {k: v for k, v in entries.items() if k not in ("k3", "k200")}
    now["k7"] = [7, "changed"]
    now["new"] = [0, "added"]
    store.save({}, {"csv_blocks": now})
    again = StateShards(tmp_path)
    assert again.section(again.head(), "csv_blocks") == now
    touched = {shard_of(k) for k in ("k3", "k200", "k7", "new")}
    tokens = again.head()["shards"]["csv_blocks"]
    assert len({tokens[i] for i in touched}) == 1
    assert sum(t == tokens[next(iter(touched))] for t in tokens) == len(touched)
