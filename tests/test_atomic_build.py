"""Output is atomic: a file is the old or the new one, `site/` is the previous or
the new complete site at every instant, even when the build is killed (SIGKILL)
at random points; and nothing is written outside the output folder."""

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

from generator.errors import PlenumError
from generator.output import (
    MANIFEST_NAME,
    atomic_write_bytes,
    atomic_write_text,
    clean_leftovers,
    safe_join,
    staged_site,
    verify_manifest,
)

ROOT = Path(__file__).resolve().parent.parent


# --- safe_join --------------------------------------------------------------

@pytest.mark.parametrize("parts", [
    ("meetings", "x.html"), ("a/b/../c.html",), ("",), ("./x",),
])
def test_safe_join_accepts_paths_inside_the_root(tmp_path, parts):
    result = safe_join(tmp_path, *parts)
    assert result == tmp_path / os.path.normpath(os.path.join(*parts))
    assert tmp_path.resolve() in [result.resolve(), *result.resolve().parents]


@pytest.mark.parametrize("parts", [
    ("..", "x.html"), ("../../etc/passwd",), ("/etc/passwd",), ("a", "..", "..", "b"),
    ("meetings", "..\x00.html"), ("x\x00",),
])
def test_safe_join_refuses_paths_escaping_the_root_or_with_nul(tmp_path, parts):
    with pytest.raises(PlenumError) as caught:
        safe_join(tmp_path, *parts)
    assert caught.value.diagnostic.hint


def test_safe_join_refuses_a_symlink_that_leads_outside(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(PlenumError):
        safe_join(root, "link", "escaped.html")


# --- atomic files -------------------------------------------------------------

def test_atomic_write_replaces_the_file_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "page.html"
    atomic_write_text(target, "old")
    atomic_write_bytes(target, "nieuw – één".encode())
    assert target.read_text(encoding="utf-8") == "nieuw – één"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "page.html"
    atomic_write_text(target, "old")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


# --- staged_site ---------------------------------------------------------------

def write_site(folder: Path, version: str, files: int = 20) -> None:
    for i in range(files):
        sub = folder / f"d{i % 4}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i}.html").write_text(f"{version} {i}\n")


def test_staged_site_swaps_in_a_complete_site_with_a_manifest(tmp_path):
    site = tmp_path / "site"
    with staged_site(site, durable=False) as staging:
        assert staging.parent == tmp_path and staging.is_dir() and staging != site
        assert not list(staging.iterdir())
        write_site(staging, "v1")
    assert verify_manifest(site) == []
    assert (site / "d1" / "f1.html").read_text() == "v1 1\n"
    with staged_site(site, durable=False) as staging:
        write_site(staging, "v2", files=3)
    assert verify_manifest(site) == []
    assert (site / "d1" / "f1.html").read_text() == "v2 1\n"
    assert not (site / "d1" / "f5.html").exists()  # the old site is gone, not merged
    # the spare: the new site's own files, hard-linked (no data of its own)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-spare", "site"]
    spare = tmp_path / ".site-spare"
    assert {p.relative_to(spare): p.stat().st_ino for p in spare.rglob("*.html")} \
        == {p.relative_to(site): p.stat().st_ino for p in site.rglob("*.html")}


def test_a_failing_build_leaves_the_previous_site_untouched(tmp_path):
    site = tmp_path / "site"
    with staged_site(site, durable=False) as staging:
        write_site(staging, "v1")
    before = (site / MANIFEST_NAME).read_text()
    with pytest.raises(RuntimeError), staged_site(site, durable=False) as staging:
        write_site(staging, "v2")
        raise RuntimeError("template error")
    assert (site / MANIFEST_NAME).read_text() == before
    assert verify_manifest(site) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_without_an_atomic_exchange_the_fallback_swap_gives_the_same_result(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr("generator.output._exchange", lambda a, b: False)
    site = tmp_path / "site"
    for version in ("v1", "v2"):
        with staged_site(site, durable=False) as staging:
            write_site(staging, version)
        assert verify_manifest(site) == []
        assert (site / "d1" / "f1.html").read_text() == f"{version} 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_manifest_detects_missing_changed_and_extra_files(tmp_path):
    site = tmp_path / "site"
    with staged_site(site, durable=False) as staging:
        write_site(staging, "v1")
    (site / "d0" / "f0.html").unlink()
    (site / "d1" / "f1.html").write_text("tampered")
    (site / "extra.html").write_text("x")
    problems = verify_manifest(site)
    assert problems == ["extra.html: not in the manifest", "d0/f0.html: missing",
                        "d1/f1.html: changed"]


def test_leftovers_of_killed_builds_are_removed_but_running_builds_are_kept(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f".site-staging-{dead.pid}").mkdir()
    (tmp_path / f".site-old-{dead.pid}").mkdir()
    alive = tmp_path / f".site-staging-{os.getppid()}"
    alive.mkdir()
    clean_leftovers(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, "site"]


def test_a_site_lost_between_two_fallback_renames_is_restored(tmp_path):
    site = tmp_path / "site"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = tmp_path / f".site-old-{dead.pid}"
    old.mkdir()
    (old / "index.html").write_text("previous")
    clean_leftovers(site)
    assert (site / "index.html").read_text() == "previous"


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from generator.output import staged_site
    site, version = Path(sys.argv[1]), sys.argv[2]
    with staged_site(site) as staging:
        for i in range(300):
            sub = staging / f"d{{i % 7}}"
            sub.mkdir(exist_ok=True)
            (sub / f"f{{i}}.html").write_text(f"{{version}} {{i}}\\n" * 50)
            if i % 50 == 0:
                time.sleep(0.002)
""")


def site_version(site: Path) -> str:
    assert verify_manifest(site) == [], "site/ is not a complete build"
    versions = {p.read_text().split(" ")[0] for p in site.rglob("*.html")}
    assert len(versions) == 1 and len(list(site.rglob("*.html"))) == 300
    return versions.pop()


@pytest.mark.slow
def test_sigkill_at_random_points_leaves_the_previous_or_the_new_complete_site(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT)))
    site = tmp_path / "out" / "site"
    run = [sys.executable, str(script), str(site)]
    subprocess.run([*run, "v0"], check=True, timeout=60)
    durations = []  # the longest of three runs: flushing to disk varies with the load
    for version in ("w1", "w2", "v1"):
        started = time.perf_counter()
        subprocess.run([*run, version], check=True, timeout=60)
        durations.append(time.perf_counter() - started)
    duration = max(durations)
    rng = random.Random(6)  # fixed seed: the same kill points on every run
    current, outcomes = "v1", {"previous": 0, "new": 0}
    for attempt in range(25):
        version = f"v{attempt + 2}"
        proc = subprocess.Popen([*run, version])
        time.sleep(rng.uniform(0, duration * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = site_version(site)
        assert found in (current, version)
        outcomes["new" if found == version else "previous"] += 1
        current = found
    print("SIGKILL outcomes:", outcomes)
    assert outcomes["previous"] > 0 and outcomes["new"] > 0, outcomes  # kills before and after
    subprocess.run([*run, "final"], check=True, timeout=60)
    assert site_version(site) == "final"
    # leftovers cleaned (the spare, links to the site's files, is kept)
    assert sorted(p.name for p in site.parent.iterdir()) in (["site"], [".site-spare", "site"])


# --- the real build, killed -------------------------------------------------------

KILLS = int(os.environ.get("PLENUM_KILLS", "8"))  # kills of build.py (each one a build)
PROJECT_PARTS = ("build.py", "generator", "templates", "static", "transcripts", "content",
                 "plenum.toml", "pyproject.toml")


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_PARTS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def build(project: Path, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", "build", *extra], cwd=project,
                          capture_output=True, text=True, timeout=timeout)


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def require_site_build() -> None:
    for module in ("sitebuild.py", "content.py", "ingest/text.py"):
        if not (ROOT / "generator" / module).exists():
            pytest.skip(f"generator/{module} has not landed yet")


@pytest.mark.slow
def test_killing_build_py_at_random_points_leaves_the_previous_or_the_new_site(tmp_path):
    require_site_build()
    project = copy_project(tmp_path / "project")
    first = build(project)
    assert first.returncode in (0, 1), first.stderr
    previous = site_files(project / "site")
    assert MANIFEST_NAME in previous, "the build does not use generator.output.staged_site"
    # A second input state, built completely once to know the new site.
    meta = project / "transcripts" / "000_80043238be0c1716.meta.yaml"
    original_meta = meta.read_text(encoding="utf-8")
    meta.write_text(original_meta.replace("Notaoverleg Ruslandstrategie",
                                          "Notaoverleg Ruslandstrategie (herzien)"))
    assert build(project).returncode in (0, 1)
    new = site_files(project / "site")
    assert new != previous
    # How long a build like the ones killed below takes: one that has the
    # swapped-out site as its spare (the first rebuild has none and is slower).
    meta.write_text(original_meta)
    started = time.perf_counter()
    assert build(project).returncode in (0, 1)
    duration = time.perf_counter() - started
    assert site_files(project / "site") == previous

    rng = random.Random(6)
    states = {"previous": previous, "new": new}
    outcomes = {"killed mid-build": 0, "finished first": 0, "previous": 0, "new": 0}
    for _attempt in range(KILLS):
        current = next(k for k, v in states.items() if v == site_files(project / "site"))
        target = "new" if current == "previous" else "previous"
        meta.write_text(original_meta if target == "previous" else original_meta.replace(
            "Notaoverleg Ruslandstrategie", "Notaoverleg Ruslandstrategie (herzien)"))
        proc = subprocess.Popen([sys.executable, "build.py", "build"], cwd=project,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration))
        outcomes["killed mid-build" if proc.poll() is None else "finished first"] += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = site_files(project / "site")
        assert found in (states["previous"], states["new"]), "site/ is neither build"
        assert verify_manifest(project / "site") == []
        outcomes["new" if found == states[target] else "previous"] += 1
    print("SIGKILL of build.py:", outcomes)
    assert outcomes["killed mid-build"] >= KILLS // 2, outcomes
    # After the kills, an ordinary build still works and cleans up.
    result = build(project)
    assert result.returncode in (0, 1), result.stderr
    assert verify_manifest(project / "site") == []
    # the previous site is removed by a detached process: give it time
    deadline = time.monotonic() + 60
    while (leftovers := [p.name for p in project.iterdir() if p.name.startswith(".site")
                         and p.name != ".site-spare"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers == []  # (the spare tree, the site before this one, is kept)
