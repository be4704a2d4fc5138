"""Loading through the build cache parses the content files it has no
outline for on forked workers (`generator.cache.BuildCache.loader`): the
meetings, diagnostics, what the cache notes of each meeting and the files it
writes are those of loading them in this process, whichever files miss."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from synthetic_project import built_project, copy_built

import generator.cache as cache_module
import generator.content as content
from generator.cache import BuildCache
from generator.config import load_project
from generator.outline_store import OUTLINE_SHARDS, outline_shard


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("parallel-load"), 9, seed=11)


@pytest.fixture
def workers_for_few(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers parse even a handful of files, two files per work item."""
    monkeypatch.setattr(cache_module, "PARSED_IN_PROCESS", 1)
    monkeypatch.setattr(cache_module, "PARSE_BATCH", 2)


def _parsers(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each parse of a content file appends its process id to `log` (from
    whichever process parses it)."""
    original = content.read_content_file

    def logged(project, path):
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(project, path)

    monkeypatch.setattr(content, "read_content_file", logged)


def _forget_outlines(root: Path, keep_shards: frozenset[int] = frozenset()) -> None:
    """Remove the meetings' pickles and the outline shards (but `keep_shards`)."""
    folder = root / ".plenum-cache"
    shutil.rmtree(folder / "meetings")
    for shard in range(OUTLINE_SHARDS):
        if shard not in keep_shards:
            (folder / "outlines" / f"{shard:02d}.pickle").unlink(missing_ok=True)


def _load(root: Path, jobs: int) -> tuple[list, list, BuildCache]:
    from generator.sitebuild import load_meetings

    project = load_project(root)
    cache = BuildCache(project)
    meetings, diagnostics = load_meetings(project, cache, jobs)
    return meetings, diagnostics, cache


def _files(root: Path, name: str) -> dict[str, bytes]:
    folder = root / ".plenum-cache" / name
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _noted(cache: BuildCache) -> tuple:
    """What the cache noted of each loaded meeting (its file by name: the
    projects compared are copies in two folders)."""
    return (cache.meeting_digests, cache._digest_by_meeting, cache._token_by_meeting,
            {mid: Path(path).name for mid, path in cache._path_by_meeting.items()})


def test_files_parsed_on_workers_load_as_in_process(built, tmp_path, monkeypatch,
                                                     workers_for_few):
    here, there = (copy_built(built, tmp_path / name) for name in ("here", "there"))
    for root in (here, there):
        _forget_outlines(root)
    log = tmp_path / "parsed"
    _parsers(monkeypatch, log)
    alone = _load(here, 1)
    assert set(log.read_text().split()) == {str(os.getpid())}
    log.unlink()
    forked = _load(there, 2)
    parsed_by = log.read_text().split()
    assert len(parsed_by) == 9 and str(os.getpid()) not in parsed_by  # all on workers
    assert forked[0] == alone[0] and forked[1] == alone[1]
    assert [m.id for m in forked[0]] == sorted(m.id for m in forked[0])
    assert _noted(forked[2]) == _noted(alone[2])
    for cache in (alone[2], forked[2]):
        cache.save_outlines()
    assert _files(there, "meetings") == _files(here, "meetings")
    assert _files(there, "outlines") == _files(here, "outlines")


@pytest.mark.parametrize("kept", [frozenset(range(0, OUTLINE_SHARDS, 2)),
                                  frozenset(range(1, OUTLINE_SHARDS, 3))])
def test_a_mix_of_kept_and_parsed_outlines_loads_as_a_whole_load(built, tmp_path,
                                                                 workers_for_few, kept):
    """Some files' outlines come from the store, the others from workers,
    interleaved in the files' order: the meetings are those a load without
    any cache gives (as outlines), and a second load keeps them all."""
    from generator.archive import outline
    from generator.sitebuild import load_meetings

    root = copy_built(built, tmp_path / "project")
    keys = [f"content/{p.name}" for p in sorted((root / "content").glob("*.md"))]
    assert {outline_shard(k) in kept for k in keys} == {True, False}  # a mix indeed
    _forget_outlines(root, kept)
    meetings, diagnostics, cache = _load(root, 2)
    cache.save_outlines()
    whole, whole_diags = load_meetings(load_project(root))
    assert meetings == [outline(m) for m in whole]
    assert diagnostics == whole_diags
    again, again_diags, _ = _load(root, 2)
    assert again == meetings and again_diags == diagnostics
