"""One Plenum process per project (`generator.project_lock`): a second one
stops at once, exit code 2, naming the process that holds the project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import project_lock
from generator.project_lock import ProjectLocked

ROOT = Path(__file__).resolve().parent.parent


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "build.py", "--root", str(root), "build"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_second_process_is_refused_while_serve_holds_the_project(tmp_path: Path):
    with project_lock.project_lock(tmp_path, "serve"):
        result = _build(tmp_path)
    assert result.returncode == 2
    assert f"another Plenum process (serve, pid {os.getpid()}) is using this project; " \
           "stop it first" in result.stderr
    assert not (tmp_path / "site").exists()


def test_the_lock_is_free_again_once_released_or_its_process_is_gone(tmp_path: Path):
    with project_lock.project_lock(tmp_path, "build"):
        pass
    holder = subprocess.Popen(  # takes the lock, then is killed: the OS releases it
        [sys.executable, "-c", "import sys, time; from generator.project_lock import acquire; "
         "acquire(sys.argv[1], 'build'); print('held', flush=True); time.sleep(60)",
         str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(ProjectLocked) as refused:
            project_lock.acquire(tmp_path, "serve")
        assert (refused.value.holder.pid, refused.value.holder.command) == (holder.pid, "build")
    finally:
        holder.kill()
        holder.wait()
    with project_lock.project_lock(tmp_path, "serve"):
        assert project_lock.holds(str(tmp_path / ".plenum-cache" / "state" / "x"))


def test_the_holder_may_take_it_again_and_holds_it_until_the_last_release(tmp_path: Path):
    inside = str(tmp_path / ".plenum-cache" / "registry.pickle")
    assert not project_lock.holds(inside)
    with project_lock.project_lock(tmp_path, "serve"):
        with project_lock.project_lock(tmp_path, "build"):
            assert project_lock.holds(inside)
        assert project_lock.holds(inside)
        assert not project_lock.holds(str(tmp_path / "content" / "x.md"))
        assert not project_lock.holds(str(tmp_path / ".plenum-cache-other" / "x"))
    assert not project_lock.holds(inside)
