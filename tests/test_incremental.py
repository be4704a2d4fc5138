"""Incremental builds: after every kind of change, the site an incremental build
leaves is byte for byte the site a clean build of the same inputs writes; and
the cache really saves work."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.cache import BuildCache, FileDigests, template_digests
from generator.config import load_project

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("generator.content")
pytest.importorskip("generator.sitebuild")

from synthetic_project import (  # noqa: E402
    build,
    built_project,
    file_tree,
    generate_archive,
)


@pytest.fixture(scope="module")
def archive_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small project: the example transcript and three synthetic meetings."""
    return built_project(tmp_path_factory.mktemp("archive"), 3, seed=11, with_example=True)


@pytest.fixture
def project(archive_template: Path, tmp_path: Path) -> Path:
    """A copy of the built project (site and cache included) to change."""
    root = tmp_path / "project"
    shutil.copytree(archive_template, root, symlinks=True,
                    ignore=shutil.ignore_patterns(".site-*"))  # an old site being removed
    return root


def _assert_same_as_cleanbuild(root: Path, tmp_path: Path) -> None:
    """Build incrementally, then build a copy of the same inputs from nothing."""
    assert build(root) == 0
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("site", ".site-*", ".plenum-cache"))
    assert build(fresh, "--clean") == 0
    incremental, clean = file_tree(root / "site"), file_tree(fresh / "site")
    assert sorted(incremental) == sorted(clean)
    different = [name for name in clean if incremental[name] != clean[name]]
    assert not different, f"differ from a clean build: {different[:10]}"


def _synthetic(root: Path) -> Path:
    return sorted((root / "transcripts").glob("0000*.txt"))[1]


def test_an_edited_transcript_gives_the_same_site_as_a_cleanbuild(project: Path,
                                                                     tmp_path: Path):
    path = _synthetic(project)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Goedemiddag. Ik open", "Goedemorgen. Ik open", 1), encoding="utf-8")
    _assert_same_as_cleanbuild(project, tmp_path)
    assert "Goedemorgen" in "".join(
        p.read_text(encoding="utf-8") for p in (project / "site").rglob("*.html"))


def test_a_changed_speaker_party_gives_the_same_site_as_a_cleanbuild(project: Path,
                                                                      tmp_path: Path):
    path = _synthetic(project)
    text = path.read_text(encoding="utf-8")
    label = next(line for line in text.splitlines() if line.startswith(("De heer", "Mevrouw")))
    party = label[label.index("(") + 1:label.index(")")]
    path.write_text(text.replace(label, label.replace(f"({party})", "(Volt)")),
                    encoding="utf-8")
    _assert_same_as_cleanbuild(project, tmp_path)


def test_an_added_and_a_removed_transcript_give_the_same_site_as_a_cleanbuild(
        project: Path, tmp_path: Path):
    removed = _synthetic(project)
    removed.unlink()
    removed.with_name(removed.stem + ".meta.yaml").unlink()
    generate_archive(5, tmp_path / "more", seed=12, target_bytes=12_000)
    for path in sorted((tmp_path / "more").iterdir())[-2:]:
        shutil.copy(path, project / "transcripts" / path.name)
    _assert_same_as_cleanbuild(project, tmp_path)


def test_an_edited_template_gives_the_same_site_as_a_cleanbuild(project: Path,
                                                                  tmp_path: Path):
    speech = project / "templates" / "_speech.html"
    speech.write_text(speech.read_text(encoding="utf-8") + "<!-- edited -->\n",
                      encoding="utf-8")
    _assert_same_as_cleanbuild(project, tmp_path)


def test_an_edited_static_file_and_settings_give_the_same_site_as_a_cleanbuild(
        project: Path, tmp_path: Path):
    css = project / "static" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    (project / "plenum.toml").write_text('[site]\ntitle = "Ander archief"\n', encoding="utf-8")
    _assert_same_as_cleanbuild(project, tmp_path)


def test_a_build_with_nothing_changed_leaves_the_site_untouched(project: Path,
                                                                tmp_path: Path):
    before = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert build(project) == 0
    after = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert before == after
    _assert_same_as_cleanbuild(project, tmp_path)


def test_a_moved_or_touched_project_hashes_its_files_once(project: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    """The `project` fixture is a copy (same sizes and mtimes) in another folder:
    its inputs are known by relative path, so its no-op build hashes nothing. A
    touched file is hashed by the next no-op build and remembered, not hashed
    again by every no-op build after it."""
    import generator.cache as cache_module

    hashed: list[str] = []
    real = cache_module._hash_file
    monkeypatch.setattr(cache_module, "_hash_file",
                        lambda path: hashed.append(Path(path).name) or real(path))
    site = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert build(project) == 0
    assert hashed == []
    touched = sorted((project / "content").glob("*.md"))[0]
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert build(project) == 0
    assert hashed == [touched.name]
    assert build(project) == 0
    assert hashed == [touched.name]
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()} == site


def test_an_edited_transcript_re_renders_only_pages_that_show_it(project: Path):
    cache = BuildCache(load_project(project))
    before = dict(cache.previous_pages)
    path = _synthetic(project)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Goedemiddag. Ik open", "Goedemorgen. Ik open", 1), encoding="utf-8")
    assert build(project) == 0
    after = BuildCache(load_project(project)).previous_pages
    changed = [p for p in after if after[p] != before.get(p)]
    meetings = [p for p in after if p.startswith("vergaderingen/") and "index" not in p]
    assert 1 <= sum(p.startswith("vergaderingen/") for p in changed) <= 2
    assert len(changed) < len(after) / 2, changed
    assert len(meetings) == 4


def test_an_edited_partial_template_changes_the_digest_of_every_template_using_it(
        tmp_path: Path):
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    before = template_digests(folder, FileDigests())
    (folder / "_speech.html").write_text("changed", encoding="utf-8")
    after = template_digests(folder, FileDigests())
    changed = {name for name in before if before[name] != after[name]}
    assert "_speech.html" in changed and "meeting.html" in changed
    assert "about.html" not in changed


def test_template_references_are_found_again_only_for_edited_templates(tmp_path: Path,
                                                                         monkeypatch):
    import generator.cache as cache

    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    known: dict = {}
    first = template_digests(folder, FileDigests(), known)
    assert first == template_digests(folder, FileDigests())
    parsed: list = []
    real = cache.template_references
    monkeypatch.setattr(cache, "template_references", lambda path: parsed.append(path.name)
                        or real(path))
    assert template_digests(folder, FileDigests(), known) == first and not parsed
    (folder / "about.html").write_text('{% include "_speech.html" %}', encoding="utf-8")
    after = template_digests(folder, FileDigests(), known)
    assert parsed == ["about.html"]
    assert after == template_digests(folder, FileDigests())  # as if nothing were known
    assert after["about.html"] != first["about.html"]
    assert {n for n in first if first[n] != after[n]} == {"about.html"}


def test_an_edited_template_keeps_the_search_index_of_the_previousbuild(project: Path):
    index = project / "site" / "search"
    before = {p.relative_to(index): p.stat().st_ino for p in index.rglob("*") if p.is_file()}
    base = project / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
    assert build(project) == 0
    after = {p.relative_to(index): p.stat().st_ino for p in index.rglob("*") if p.is_file()}
    assert before and after == before  # the same files, linked, not rebuilt


def test_a_build_prunes_remembered_facts_of_older_code_or_removed_content(project: Path):
    folder = project / ".plenum-cache" / "meetings"
    kept = sorted(p.name for p in folder.iterdir())
    assert any(n.endswith(".facts.pickle") for n in kept)
    digest = kept[0].split(".")[0].split("-")[0]
    stale = [folder / f"{digest}-old-salt.facts.pickle", folder / "0123abcd.v2.pickle",
             folder / f"{digest}.pickle"]  # older code, removed content, older layout
    for path in stale:
        path.write_bytes(b"stale")
    static = project / "static" / "style.css"
    static.write_text(static.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    assert build(project) == 0
    assert sorted(p.name for p in folder.iterdir()) == kept


def test_a_site_swapped_in_without_its_cache_state_is_not_mixed_with_it(project: Path,
                                                                         tmp_path: Path):
    """A build killed after swapping its site in but before saving the cache
    leaves the state of the build before it. The next build must not trust
    that state's page fingerprints: with the inputs back as they were then,
    it would link the killed build's pages (seen as a mix of two sites)."""
    state = project / ".plenum-cache" / "state"
    state_a = tmp_path / "state-a"
    shutil.copytree(state, state_a)
    path = _synthetic(project)
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("Goedemiddag. Ik open", "Goedemorgen. Ik open", 1),
                    encoding="utf-8")
    assert build(project) == 0
    shutil.rmtree(state)  # as if killed between the swap and saving the state
    shutil.copytree(state_a, state)
    path.write_text(original, encoding="utf-8")
    _assert_same_as_cleanbuild(project, tmp_path)
    assert "Goedemorgen" not in "".join(
        p.read_text(encoding="utf-8") for p in (project / "site").rglob("*.html"))
