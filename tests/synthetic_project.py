"""A small project of synthetic meetings (made from the real transcripts'
paragraphs by benchmarks/synth.py), built once, for the incremental-build tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synth import generate_archive  # noqa: E402
from generator.cli import main  # noqa: E402


def build(root: Path, *extra: str) -> int:
    """`build.py build` on one process (the bytes do not depend on it)."""
    return main(["--root", str(root), "build", "--jobs", "1", *extra])


def built_project(root: Path, meetings: int, seed: int, with_example: bool = False) -> Path:
    """`root` with Plenum's templates and static files, `meetings` synthetic
    transcripts (and the example transcript), imported and built."""
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, root / name)
    (root / "transcripts").mkdir()
    if with_example:
        for path in (ROOT / "transcripts").glob("000_*"):
            shutil.copy(path, root / "transcripts" / path.name)
    generate_archive(meetings, root / "transcripts", seed=seed, target_bytes=12_000)
    assert build(root) == 0
    return root


def copy_built(built: Path, root: Path) -> Path:
    """A copy of the built project `built` at `root` (without a staging folder
    a killed build may have left), for a test to edit and build again."""
    shutil.copytree(built, root, symlinks=True, ignore=shutil.ignore_patterns(".site-*"))
    return root


def recorded_calls(monkeypatch, module: object, name: str) -> list:
    """The arguments of every call of `module.name` from now on (it still runs)."""
    seen: list = []
    original = getattr(module, name)

    def counting(*args, **kwargs):
        seen.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return seen


def edit_transcript(root: Path, index: int, back: bool = False) -> Path:
    """Change one word of the `index`-th transcript of `root` (in name order):
    its chair's greeting, which every synthetic transcript has (`back`: undo
    that change)."""
    path = sorted((root / "transcripts").glob("*.txt"))[index]
    text = path.read_text(encoding="utf-8")
    old, new = "Goedemiddag. Ik open", "Goedemorgen. Ik open"
    if back:
        old, new = new, old
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def file_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative POSIX path) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_site(root: Path, tmp_path: Path, keep_cache: bool = False) -> dict[str, bytes]:
    """The site a clean build of a copy of `root` (in `tmp_path`/fresh) writes;
    `keep_cache`: the copy keeps the build cache (and the import's record)."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    skipped = ("site", ".site-*") if keep_cache else ("site", ".site-*", ".plenum-cache")
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(*skipped))
    assert build(fresh, "--clean") == 0
    return file_tree(fresh / "site")


def assert_same_as_clean_build(root: Path, tmp_path: Path, keep_cache: bool = False) -> None:
    """`root`'s site has the files, byte for byte, of a clean build of it."""
    incremental, clean = file_tree(root / "site"), clean_site(root, tmp_path, keep_cache)
    assert sorted(incremental) == sorted(clean)
    assert [name for name in clean if incremental[name] != clean[name]] == []
