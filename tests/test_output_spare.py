"""The double-buffered site (generator/output.py): a build that keeps most
files brings the spare tree (the site before the previous one) up to date
instead of staging the whole site. The result is byte for byte the site a
clean build writes, with the manifest a full hashing would write; no file the
live site shares with the spare is ever changed; a spare that is not exactly
what a build left is not trusted; SIGKILLs at random points leave `site/`
whole and the next build right."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from generator import output
from generator.output import (
    MANIFEST_NAME,
    SPARE_MARK,
    clean_leftovers,
    keep,
    spare_path,
    staged_site,
    verify_manifest,
    write_manifest,
)

ROOT = Path(__file__).resolve().parent.parent

from synthetic_project import assert_same_as_clean_build, build, built_project, file_tree  # noqa: E402


@pytest.fixture
def updates(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each build made its site whole: "spare" (the spare tree updated)
    or "staging" (the kept files linked into the staging folder)."""
    seen: list[str] = []
    spare, link = output._update_spare, output._link_kept

    def updated(*args, **kwargs):
        seen.append("spare")
        return spare(*args, **kwargs)

    def linked(*args, **kwargs):
        seen.append("staging")
        return link(*args, **kwargs)

    monkeypatch.setattr(output, "_update_spare", updated)
    monkeypatch.setattr(output, "_link_kept", linked)
    return seen


def stage(site: Path, files: dict[str, str], remember: bool = False) -> None:
    """Build `files` as the site build does: a file whose text the current
    site holds is kept, every other one written."""
    with staged_site(site, remember=remember) as staging:
        for rel, text in files.items():
            old = site / rel
            if old.is_file() and old.read_text() == text and keep(site, staging, rel):
                continue
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


def manifest_from_scratch(site: Path, tmp_path: Path) -> bytes:
    """The manifest `write_manifest` writes hashing every file of a copy."""
    copy = tmp_path / "scratch"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy)
    (copy / MANIFEST_NAME).unlink()
    write_manifest(copy)
    return (copy / MANIFEST_NAME).read_bytes()


def verify_spare(spare: Path) -> list[str]:
    """`verify_manifest` of a spare tree, which also holds its mark."""
    return [p for p in verify_manifest(spare) if p != f"{SPARE_MARK}: not in the manifest"]


def without_manifest(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in file_tree(folder).items() if k not in (MANIFEST_NAME, SPARE_MARK)}


def version(n: int) -> dict[str, str]:
    """The files of version `n`: 120 files in 6 folders, each changing every
    few versions; each version lacks a few (removed, added back later); a
    name that is a file in some versions is a folder in others."""
    files = {f"d{i % 6}/f{i}.html": f"{i} {n // (4 + i % 5)}\n" * 30
             for i in range(120) if (i + n) % 25 != 0}
    files["index.html"] = f"home {n}\n"
    if n % 4 < 2:
        files["shape"] = "a file\n"
    else:
        files["shape/inner.html"] = "a folder\n"
    if n == 3:
        files["d9/only-once.html"] = "a folder that exists in one version\n"
    return files


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many manifests were parsed (read from disk)."""
    seen: list[int] = []
    parse = output._manifest_lines_by_path

    def counted(text: str) -> dict[str, str]:
        seen.append(1)
        return parse(text)

    monkeypatch.setattr(output, "_manifest_lines_by_path", counted)
    return seen


@pytest.mark.parametrize("remember", [False, True], ids=["cli", "remembering"])
def test_a_spare_updated_over_many_builds_is_the_site_a_clean_build_writes(
        tmp_path: Path, updates: list[str], parsed: list[int], remember: bool) -> None:
    site = tmp_path / "site"
    stage(site, version(0), remember)
    for n in range(1, 12):
        previous = without_manifest(site)
        if n == 3:
            parsed.clear()
        stage(site, version(n), remember)
        assert without_manifest(site) == {k: v.encode() for k, v in version(n).items()}
        assert verify_manifest(site) == []
        assert (site / MANIFEST_NAME).read_bytes() == manifest_from_scratch(site, tmp_path)
        spare = spare_path(site)
        if spare.exists():  # the site swapped out, intact: nothing was written in place
            assert verify_spare(spare) == []
            assert without_manifest(spare) == previous
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")
                    and p != spare]
    assert updates.count("spare") >= 8, updates  # the spare was used, not merely kept
    if remember:  # from the third build on, the manifests the process wrote are not read
        assert parsed == []
    else:
        assert len(parsed) >= 2 * 8


def test_a_remembered_manifest_replaced_since_is_read_again(tmp_path: Path,
                                                            parsed: list[int]) -> None:
    site = tmp_path / "site"
    for n in range(3):
        stage(site, version(n), remember=True)
    manifest = site / MANIFEST_NAME
    text = manifest.read_text()
    first = text.splitlines(keepends=True)[0]
    lost = first.partition("  ")[2].strip()
    edited = site / f".{MANIFEST_NAME}.edited"
    edited.write_text(text.replace(first, ""))  # a manifest no longer listing one file
    os.replace(edited, manifest)
    parsed.clear()
    stage(site, version(2), remember=True)
    assert parsed  # read, not taken from memory
    assert lost in without_manifest(site)  # written again: it could not be kept
    assert (site / MANIFEST_NAME).read_bytes() == manifest_from_scratch(site, tmp_path)


@pytest.mark.parametrize("damage", ["no mark", "wrong mark", "manifest edited",
                                    "manifest missing", "a file, not a folder",
                                    "a symlink"])
def test_a_spare_of_unknown_state_is_not_trusted(tmp_path: Path, updates: list[str],
                                                 damage: str) -> None:
    site = tmp_path / "site"
    for n in range(3):
        stage(site, version(n))
    spare = spare_path(site)
    assert (spare / SPARE_MARK).is_file()
    if damage == "no mark":
        (spare / SPARE_MARK).unlink()
    elif damage == "wrong mark":
        (spare / SPARE_MARK).write_text("0" * 64 + "\n")
    elif damage == "manifest edited":  # as a killed update would leave it
        manifest = spare / MANIFEST_NAME
        lines = manifest.read_text().splitlines(keepends=True)
        manifest.unlink()  # (a new file: the spare shares nothing with it)
        manifest.write_text("".join(lines[1:]))
    elif damage == "manifest missing":
        (spare / MANIFEST_NAME).unlink()
    elif damage == "a file, not a folder":
        shutil.rmtree(spare)
        spare.write_text("not a tree\n")
    else:
        other = tmp_path / "elsewhere"
        shutil.copytree(spare, other)
        shutil.rmtree(spare)
        spare.symlink_to(other)
    updates.clear()
    stage(site, version(3))
    assert updates == ["staging"]
    assert without_manifest(site) == {k: v.encode() for k, v in version(3).items()}
    assert verify_manifest(site) == []
    assert spare.is_dir() and not spare.is_symlink()  # the site swapped out, now
    assert verify_spare(spare) == []
    updates.clear()
    stage(site, version(4))
    assert updates == ["spare"]
    assert without_manifest(site) == {k: v.encode() for k, v in version(4).items()}


def test_a_spare_claimed_by_a_killed_build_is_removed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    claimed = tmp_path / f".site{output.MERGING_INFIX}{dead.pid}"
    claimed.mkdir()
    (claimed / "half.html").write_text("half updated")
    clean_leftovers(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_build_that_rewrites_most_files_keeps_a_spare_of_links_to_its_own_files(
        tmp_path: Path, updates: list[str]) -> None:
    """The site swapped out would cost a whole site's disk as the spare: it
    is removed, and the spare is the new site's files hard-linked (no file
    data of its own), which the next build updates instead of linking every
    kept file into its staging folder."""
    site = tmp_path / "site"
    stage(site, {f"f{i}.html": f"one {i}" for i in range(20)})
    stage(site, {f"f{i}.html": f"two {i}" for i in range(20)})
    spare = spare_path(site)
    assert verify_spare(spare) == []
    assert {p.name: p.stat().st_ino for p in spare.iterdir() if p.name != SPARE_MARK} \
        == {p.name: p.stat().st_ino for p in site.iterdir()}
    assert updates == ["staging", "staging"]
    files = {f"f{i}.html": f"two {i}" for i in range(20)} | {"f3.html": "three"}
    stage(site, files)
    assert updates == ["staging", "staging", "spare"]
    assert without_manifest(site) == {k: v.encode() for k, v in files.items()}
    assert (site / MANIFEST_NAME).read_bytes() == manifest_from_scratch(site, tmp_path)
    assert verify_spare(spare_path(site)) == []
    assert (spare_path(site) / "f3.html").read_text() == "two 3"  # the site before, intact


@pytest.mark.parametrize("remember", [False, True], ids=["cli", "serve"])
def test_a_linked_spare_is_updated_with_the_files_this_build_changed(
        tmp_path: Path, updates: list[str], remember: bool) -> None:
    site = tmp_path / "site"
    stage(site, {f"d{i % 3}/f{i}.html": f"one {i}" for i in range(30)}, remember)
    stage(site, {f"d{i % 3}/f{i}.html": f"two {i}" for i in range(30)}, remember)
    files = {f"d{i % 3}/f{i}.html": f"two {i}" for i in range(30) if i != 7}
    files |= {"d1/f4.html": "four", "d4/new.html": "new"}
    stage(site, files, remember)
    assert updates == ["staging", "staging", "spare"]
    assert without_manifest(site) == {k: v.encode() for k, v in files.items()}
    assert (site / MANIFEST_NAME).read_bytes() == manifest_from_scratch(site, tmp_path)


def test_a_failed_build_leaves_site_and_spare_as_they_were(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for n in range(3):
        stage(site, version(n))
    before, spare_before = file_tree(site), file_tree(spare_path(site))
    with pytest.raises(RuntimeError), staged_site(site) as staging:
        assert keep(site, staging, "index.html")
        (staging / "new.html").write_text("new")
        raise RuntimeError("a template error")
    assert file_tree(site) == before and file_tree(spare_path(site)) == spare_before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-spare", "site"]


def test_keep_outside_a_staged_site_asks_the_caller_to_link(tmp_path: Path) -> None:
    site = tmp_path / "site"
    stage(site, {"a.html": "a"})
    assert not keep(site, tmp_path / "elsewhere", "a.html")
    with staged_site(site) as staging:
        assert not keep(site, staging, "not-in-the-site.html")
        assert not keep(tmp_path / "other", staging, "a.html")
        assert not keep(None, staging, "a.html")
        assert keep(site, staging, "a.html")
    assert file_tree(site)["a.html"] == b"a"


# --- the real build ----------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("spare"), 6, seed=23)


def toggle(path: Path) -> None:
    """Change one word of a synthetic transcript (back again the next time)."""
    text = path.read_text(encoding="utf-8")
    pair = ("Goedemiddag. Ik open", "Goedemorgen. Ik open")
    old, new = pair if pair[0] in text else pair[::-1]
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("serve", [False, True], ids=["cli", "serve"])
def test_builds_through_the_spare_equal_clean_builds(synthetic: Path, tmp_path: Path,
                                                    updates: list[str], serve: bool) -> None:
    """(`serve`: in one process that keeps parsed files, as the live preview:
    the staged site remembers the manifests it wrote.)"""
    from generator import file_memo

    file_memo.keep_parsed_files(serve)
    try:
        _builds_through_the_spare(synthetic, tmp_path, updates)
    finally:
        file_memo.keep_parsed_files(False)


def _builds_through_the_spare(synthetic: Path, tmp_path: Path, updates: list[str]) -> None:
    root = tmp_path / "project"
    shutil.copytree(synthetic, root, symlinks=True, ignore=shutil.ignore_patterns(".site-*"))
    transcripts = sorted((root / "transcripts").glob("*.txt"))
    removed = transcripts[2]
    saved = {p: p.read_bytes() for p in (removed, removed.with_name(removed.stem + ".meta.yaml"))
             if p.exists()}
    steps = [
        lambda: toggle(transcripts[0]),
        lambda: toggle(transcripts[1]),
        lambda: [p.unlink() for p in saved],  # a meeting removed
        lambda: toggle(transcripts[3]),  # the spare still has the removed meeting's files
        lambda: [p.write_bytes(b) for p, b in saved.items()],  # and back
        lambda: toggle(transcripts[4]),
        lambda: toggle(transcripts[0]),  # back to an earlier text
    ]
    for step in steps:
        step()
        assert build(root) == 0
        assert verify_manifest(root / "site") == []
        assert (root / "site" / MANIFEST_NAME).read_bytes() == \
            manifest_from_scratch(root / "site", tmp_path)
        assert_same_as_clean_build(root, tmp_path)
    assert updates.count("spare") >= 3, updates


def test_a_kept_file_gone_from_site_fails_the_build_and_the_next_one_renders(
        synthetic: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(synthetic, root, symlinks=True, ignore=shutil.ignore_patterns(".site-*"))
    before = file_tree(root / "site")
    page = sorted((root / "site" / "vergaderingen").glob("*.html"))[-1]
    page.unlink()  # someone changed site/ after the build (no spare tree: a copy)
    toggle(sorted((root / "transcripts").glob("*.txt"))[0])
    assert build(root) == 1
    assert file_tree(root / "site") == {k: v for k, v in before.items()
                                        if k != page.relative_to(root / "site").as_posix()}
    assert build(root) == 0
    assert_same_as_clean_build(root, tmp_path)


# --- killed ----------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from test_output_spare import stage, version
    stage(Path(sys.argv[1]), version(int(sys.argv[2])))
""")


@pytest.mark.slow
def test_sigkill_at_random_points_with_a_spare_leaves_a_whole_site(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT), tests=str(ROOT / "tests")))
    site = tmp_path / "out" / "site"
    run = [sys.executable, str(script), str(site)]
    durations = []
    for n in range(3):
        started = time.perf_counter()
        subprocess.run([*run, str(n)], check=True, timeout=60)
        durations.append(time.perf_counter() - started)
    duration = max(durations)

    def version_of(folder: Path) -> int:
        assert verify_spare(folder) == [], "not a complete site"
        found = without_manifest(folder)
        return next(n for n in range(60) if found == {k: v.encode()
                                                      for k, v in version(n).items()})

    rng = random.Random(8)
    current, outcomes = 2, {"previous": 0, "new": 0}
    for n in range(3, 40):
        proc = subprocess.Popen([*run, str(n)])
        time.sleep(rng.uniform(0, duration * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = version_of(site)
        assert found in (current, n)
        outcomes["new" if found == n else "previous"] += 1
        current = found
    print("SIGKILL with a spare tree:", outcomes)
    assert outcomes["previous"] > 0 and outcomes["new"] > 0, outcomes
    subprocess.run([*run, "42"], check=True, timeout=60)
    assert version_of(site) == 42
    subprocess.run([*run, "43"], check=True, timeout=60)  # (few files differ from 42)
    assert version_of(site) == 43
    assert version_of(spare_path(site)) == 42  # kept whole, updated through the kills
    assert sorted(p.name for p in site.parent.iterdir()) == [".site-spare", "site"]
