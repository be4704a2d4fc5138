"""The outline store of the build cache (`generator.outline_store`): loading
reads a few shards instead of one pickle per meeting and applies the speaker
registry only to meetings whose content file, registry or code changed; a
stale, unreadable or missing shard (or meeting pickle) costs time, never a
wrong meeting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from synthetic_project import build, built_project, copy_built

from generator.cache import BuildCache
from generator.config import load_project
from generator.outline_store import OUTLINE_SHARDS, outline_shard


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("outlines"), 4, seed=7)


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return copy_built(built, tmp_path / "project")


def _applied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the outlines (meetings loaded without their turns, as the
    build loads them) the registry is applied to from now on."""
    import generator.content as content
    import generator.registry as registry

    seen: list[str] = []
    original = registry.apply_registry

    def counting(meeting, found):
        if not meeting.turns:
            seen.append(meeting.id)
        return original(meeting, found)

    for module in (registry, content):
        monkeypatch.setattr(module, "apply_registry", counting)
    return seen


def _loaded(project: Path) -> tuple[list, list]:
    """The meetings (outlines) and diagnostics loading through the cache
    gives, and those a whole load without any cache gives, as outlines."""
    from generator.archive import outline
    from generator.sitebuild import load_meetings

    proj = load_project(project)
    cached, cached_diags = load_meetings(proj, BuildCache(proj))
    whole, whole_diags = load_meetings(proj)
    assert cached_diags == whole_diags
    return cached, [outline(m) for m in whole]


def _edit_second_content_file(project: Path) -> Path:
    path = [p for p in sorted((project / "content").glob("*.md"))
            if "Goedemiddag. Ik open" in p.read_text(encoding="utf-8")][1]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Goedemiddag. Ik open", "Goedemorgen. Ik open", 1),
                    encoding="utf-8")
    return path


def _shards(project: Path) -> list[Path]:
    return sorted((project / ".plenum-cache" / "outlines").glob("*.pickle"))


def test_an_edited_content_file_applies_the_registry_to_its_meeting_alone(project, monkeypatch):
    applied = _applied(monkeypatch)
    cached, whole = _loaded(project)
    assert cached == whole
    assert applied == []  # the store had them all
    edited = _edit_second_content_file(project)
    applied.clear()
    assert build(project) == 0
    assert applied == [edited.stem] and edited.stem in {m.id for m in whole}
    applied.clear()
    cached, whole = _loaded(project)
    assert cached == whole and applied == []


def test_a_build_rewrites_only_the_shard_of_the_edited_file(project: Path):
    shards = {path.name: path.stat().st_mtime_ns for path in _shards(project)}
    assert 0 < len(shards) <= OUTLINE_SHARDS
    edited = _edit_second_content_file(project)
    assert build(project) == 0
    after = {path.name: path.stat().st_mtime_ns for path in _shards(project)}
    key = edited.relative_to(project).as_posix()
    assert after.keys() == shards.keys()
    assert [name for name in after if after[name] != shards[name]] == \
        [f"{outline_shard(key):02d}.pickle"]


def test_a_changed_registry_applies_to_every_meeting_again(project: Path, monkeypatch):
    registry = project / "content" / "people.yaml"
    text = registry.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("name:"))
    old_name = line.split("name:", 1)[1].strip().strip("'\"")
    registry.write_text(text.replace(line, line.replace(old_name, old_name + " Jr"), 1),
                        encoding="utf-8")
    applied = _applied(monkeypatch)
    assert build(project) == 0
    meetings = {m.id for m in _loaded(project)[1]}
    assert sorted(applied) == sorted(meetings)
    cached, whole = _loaded(project)
    assert cached == whole
    assert any(p.name == f"{old_name} Jr" for m in cached for p in m.people)


@pytest.mark.parametrize("damage", ["empty", "truncated", "other layout", "removed"])
def test_an_unreadable_or_missing_shard_is_read_again_from_the_meetings(project: Path,
                                                                        monkeypatch, damage):
    import pickle

    for path in _shards(project):
        if damage == "removed":
            path.unlink()
        else:
            data = {"empty": b"", "truncated": path.read_bytes()[:40],
                    "other layout": pickle.dumps((99, {"x": 1}))}[damage]
            path.write_bytes(data)
    applied = _applied(monkeypatch)
    cached, whole = _loaded(project)
    assert cached == whole
    assert sorted(applied) == sorted(m.id for m in whole)


def test_removed_meeting_pickles_are_written_again_when_their_turns_are_read(
        project: Path, tmp_path: Path, monkeypatch):
    """The store gives the outlines; the turns come from the meetings'
    pickles, which are parsed again from the content files when removed."""
    from synthetic_project import file_tree

    path = sorted((project / "transcripts").glob("*.txt"))[1]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Goedemiddag. Ik open", "Goedemorgen. Ik open", 1),
                    encoding="utf-8")
    shutil.rmtree(project / ".plenum-cache" / "meetings")
    # the search stage keeps its own copy of the meetings' facts: without it,
    # it reads the unchanged meetings' turns too
    shutil.rmtree(project / ".plenum-cache" / "search" / "facts")
    restored: list[str] = []
    original = BuildCache._restore
    monkeypatch.setattr(BuildCache, "_restore",
                        lambda self, mid: restored.append(mid) or original(self, mid))
    assert build(project) == 0
    assert restored  # the turns of unchanged meetings were read (their facts were gone)
    fresh = tmp_path / "fresh"
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("site", ".site-*",
                                                                  ".plenum-cache"))
    assert build(fresh, "--clean") == 0
    assert file_tree(project / "site") == file_tree(fresh / "site")
    assert any((project / ".plenum-cache" / "meetings").glob("*.v2.pickle"))


def test_a_stale_entry_of_another_content_hash_is_never_used(project: Path):
    kept = {path: path.read_bytes() for path in _shards(project)}
    _edit_second_content_file(project)
    assert build(project) == 0
    for path, data in kept.items():  # the store as it was before the edit
        path.write_bytes(data)
    cached, whole = _loaded(project)
    assert cached == whole
