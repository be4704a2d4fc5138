"""Two clean builds give identical bytes, whatever the environment: a different
project folder, hash seed, time zone, locale and number of worker processes.
Nothing in the output may depend on the clock, the machine or the order of a
set or a directory listing."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/shared/corpus")
EXTRA = ("tk-pdftxt-20240208-tmd-volkshuisvesting.txt",)  # motions, votes, a second meeting

pytestmark = pytest.mark.slow


def make_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("templates", "static", "transcripts"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "plenum.toml", dest / "plenum.toml")
    for name in EXTRA:
        if (CORPUS / name).exists():
            shutil.copy(CORPUS / name, dest / "transcripts" / name)
    return dest


def snapshot_code(dest: Path) -> Path:
    """A copy of the generator, so both builds run the same code even while the
    working tree changes (its hash is part of the output)."""
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "build.py", dest / "build.py")
    shutil.copytree(ROOT / "generator", dest / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "build.py"


CODE: list[Path] = []


def build(project: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, str(CODE[0]), "--root", str(project), "build", *args],
        capture_output=True, text=True, timeout=900, env={**os.environ, **env})
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("determinism")
    CODE[:] = [snapshot_code(base / "code")]
    first = make_project(base / "one")
    second = make_project(base / "another folder" / "two")
    build(first, {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8"}, "-j", "1")
    build(second, {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Chatham", "LC_ALL": "C"},
          "-j", "2")
    return first, second


def test_two_clean_builds_in_different_environments_give_identical_sites(two_builds):
    first, second = two_builds
    a, b = digests(first / "site"), digests(second / "site")
    assert len(a) > 10
    assert differences(a, b) == []


def test_two_clean_imports_give_identical_content_files(two_builds):
    first, second = two_builds
    a, b = digests(first / "content"), digests(second / "content")
    assert a
    assert differences(a, b) == []


def test_the_output_does_not_mention_the_project_folder(two_builds):
    first, _ = two_builds
    needle = str(first).encode()
    leaks = [p.relative_to(first).as_posix() for p in (first / "site").rglob("*")
             if p.is_file() and needle in p.read_bytes()]
    assert leaks == []


def test_a_rebuild_of_unchanged_input_gives_the_same_bytes_as_a_clean_build(two_builds):
    first, _ = two_builds
    before = digests(first / "site")
    build(first, {"PYTHONHASHSEED": "99"})
    assert differences(before, digests(first / "site")) == []
