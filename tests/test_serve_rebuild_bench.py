"""benchmarks/serve_rebuild.py: serve's rebuilds (`Preview.rebuild`), one
after another in one process, timed; edits that cancel out give back the
same site."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest

from benchmarks import serve_rebuild
from generator import file_memo, sitebuild
from tests.synthetic_project import built_project


@pytest.fixture(autouse=True)
def _as_a_fresh_process():
    """The benchmark runs serve's rebuilds in this process: what serve keeps
    (parsed files, a frozen heap) must not reach the tests run after it (a
    file a test rewrites in place within a clock tick would be taken from
    memory)."""
    yield
    file_memo.keep_parsed_files(False)
    gc.unfreeze()
    sitebuild._heap_kept_frozen = False


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_four_edits_are_timed_and_leave_the_transcripts_and_the_site_as_they_were(
        tmp_path: Path, capsys):
    root = built_project(tmp_path / "project", 3, seed=11)
    transcripts, site = _files(root / "transcripts"), _files(root / "site")

    assert serve_rebuild.main([str(root), "--edits", "4"]) == 0

    err = capsys.readouterr().err
    timings = re.findall(r"^  rebuild(\d)  (\d+\.\d{3}) s$", err, re.M)
    assert [k for k, _ in timings] == ["1", "2", "3", "4"]
    assert all(float(seconds) > 0 for _, seconds in timings)
    cpu = re.findall(r"^  cpu(\d)  (\d+\.\d{3}) s CPU$", err, re.M)
    assert [k for k, _ in cpu] == ["1", "2", "3", "4"]
    assert all(float(seconds) > 0 for _, seconds in cpu)
    assert err.count("\nbuilt\n") + err.startswith("built\n") == 5  # Preview.rebuild each time
    assert _files(root / "transcripts") == transcripts
    assert _files(root / "site") == site
