"""The first rebuild after a clean build over a site (`build --clean`, then an
edit): the swap of the clean build kept the old site's index files wherever
it wrote the same bytes, so the search cache's links (the farm) are other
files than the site's. The rebuild takes the fast path, makes the farm's
links the site's files by their lines in the site's manifest (no index file
of the site read), and writes the bytes of a build from scratch; the rebuild
after it finds nothing to adopt."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest
from test_search_cache import RememberingTexts, archive, digest, inodes
from test_search_incremental import substituted

import generator.search.incremental as incremental
from generator import output
from generator.archive import build_archive, outline
from generator.model import Meeting
from generator.search import build_search_index, reuse
from generator.search.index import FARM


@pytest.fixture
def seen(monkeypatch) -> dict[str, list]:
    """Per search build from here on: whether the fast path wrote the index
    ("fast"), the farm files it adopted ("adopted"), the files of the
    previous site's index it opened ("opened")."""
    found: dict[str, list] = {"fast": [], "adopted": [], "opened": []}
    update, close = incremental.update_index, reuse.OutputFiles.close

    def spy_update(*args, **kwargs):
        stats = update(*args, **kwargs)
        found["fast"].append(stats is not None)
        return stats

    def spy_close(self):
        found["adopted"].append(self.adopted)
        return close(self)

    def spy_open(path, *args, **kwargs):
        found["opened"].append(os.fspath(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(incremental, "update_index", spy_update)
    monkeypatch.setattr(reuse.OutputFiles, "close", spy_close)
    monkeypatch.setattr(reuse, "open", spy_open, raising=False)
    return found


def staged_build(site: Path, cache: Path, meetings: tuple[Meeting, ...]) -> None:
    with output.staged_site(site, durable=False) as staging:
        archive_, _ = build_archive([outline(m) for m in meetings],
                                    RememberingTexts(meetings, {}))
        build_search_index(archive_, staging, cache_dir=cache)


def unshared(site: Path, cache: Path) -> list[str]:
    """The index files whose farm link is not the site's file."""
    farm = cache / FARM
    return [rel for rel in inodes(site / "search")
            if (farm / rel).exists()
            and (farm / rel).stat().st_ino != (site / "search" / rel).stat().st_ino]


def from_scratch(tmp_path: Path, meetings: tuple[Meeting, ...], name: str) -> dict[str, str]:
    archive_, _ = build_archive([outline(m) for m in meetings], RememberingTexts(meetings, {}))
    build_search_index(archive_, tmp_path / name)
    return digest(tmp_path / name / "search")


def after_a_clean_build(tmp_path: Path) -> tuple[Path, Path, tuple[Meeting, ...]]:
    """A site built twice with one cache (so it has a spare), then built
    clean (a new cache) with the same meetings: the farm the site does not
    share."""
    site, meetings = tmp_path / "site", archive()
    staged_build(site, tmp_path / "cache", meetings)
    staged_build(site, tmp_path / "cache", meetings)
    staged_build(site, tmp_path / "clean", meetings)
    assert unshared(site, tmp_path / "clean")
    return site, tmp_path / "clean", meetings


def test_the_first_rebuild_after_a_clean_build_adopts_by_the_manifest_on_the_fast_path(
        tmp_path, seen):
    site, cache, meetings = after_a_clean_build(tmp_path)
    for key in seen:
        seen[key].clear()
    edited = substituted(meetings, "Sanctiepakket")  # a word for another
    staged_build(site, cache, edited)
    assert seen["fast"] == [True]  # the state the clean build left is used
    assert seen["adopted"][0] > 0 and unshared(site, cache) == []
    index = os.fspath(site / "search")
    assert not [path for path in seen["opened"] if path.startswith(index)]  # no file read
    assert digest(site / "search") == from_scratch(tmp_path, edited, "expected")

    staged_build(site, cache, meetings)  # back again: nothing left to adopt
    assert seen["fast"] == [True, True] and seen["adopted"][1] == 0
    assert digest(site / "search") == from_scratch(tmp_path, meetings, "expected-again")


def test_a_site_file_changed_since_its_manifest_is_read_not_adopted_by_its_line(tmp_path,
                                                                               seen):
    """A site index file modified after the manifest was written (here: the
    same size, other bytes) is not taken by its manifest line: its bytes
    are compared, it is not adopted, and the index is still the one built
    from scratch (the farm's own file is kept)."""
    site, cache, meetings = after_a_clean_build(tmp_path)
    rel = sorted(rel for rel in unshared(site, cache) if rel.startswith("t/"))[0]
    path = site / "search" / rel
    data = path.read_bytes()
    changed = data[:-2] + (b" \n" if data[-2:] != b" \n" else b"\t\n")
    os.unlink(path)  # (not in place: the spare shares the file)
    path.write_bytes(changed)
    for key in seen:
        seen[key].clear()
    staged_build(site, cache, meetings)
    assert seen["fast"] == [True]
    assert os.fspath(path) in seen["opened"]  # compared by its bytes
    assert rel in unshared(site, cache) or (site / "search" / rel).read_bytes() == data
    assert digest(site / "search") == from_scratch(tmp_path, meetings, "expected")
