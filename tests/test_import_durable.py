"""The import's content files are made durable in batches (`content_writer`):
each is renamed into place only once on disk; one that cannot be made durable
is named in an error against its transcript, keeps the old file (here: none)
and leaves no temporary file, and the next import writes it again."""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from pathlib import Path

import pytest
from site_fixture import seed_transcripts

from generator import content_writer
from generator.config import load_project
from generator.errors import Severity
from generator.importer import import_transcripts

NAME = "2020-09-28-notaoverleg-ruslandstrategie.md"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="syncfs and /proc/self/fd are Linux's")


def _failing_disk(monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    """A syncfs that reports a write error, and an fsync that fails for the
    temporary files of `broken` (a content file's name)."""
    def syncfs(fd: int) -> int:
        ctypes.set_errno(errno.EIO)
        return -1

    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(f".{broken}."):
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(content_writer, "_libc_syncfs", lambda: syncfs)
    monkeypatch.setattr(content_writer, "file_system_type", lambda device: "ext4")
    monkeypatch.setattr(content_writer.os, "fsync", fsync)


def test_a_content_file_that_does_not_reach_the_disk_is_named_and_written_next_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_transcripts(tmp_path)
    with monkeypatch.context() as patch:
        _failing_disk(patch, NAME)
        outcome = import_transcripts(load_project(tmp_path))
    errors = [d for d in outcome.diagnostics if d.severity is Severity.ERROR]
    assert [(d.message, d.file) for d in errors] == [
        (f"cannot write content/{NAME}: Input/output error",
         "transcripts/000_80043238be0c1716.txt")]
    assert (outcome.written, outcome.skipped) == (0, 1)
    content = tmp_path / "content"
    assert sorted(p.name for p in content.iterdir()) == ["people.yaml"]  # no temporary file
    again = import_transcripts(load_project(tmp_path))
    assert (again.written, again.unchanged) == (1, 0)
    assert not [d for d in again.diagnostics if d.severity is Severity.ERROR]
    assert sorted(p.name for p in content.iterdir()) == [NAME, "people.yaml"]


def test_the_content_is_the_same_whichever_way_it_was_made_durable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = {}
    for way in ("syncfs", "fsync"):
        (tmp_path / way).mkdir()
        root = seed_transcripts(tmp_path / way)
        with monkeypatch.context() as patch:
            if way == "fsync":
                patch.setattr(content_writer, "_libc_syncfs", lambda: None)
            outcome = import_transcripts(load_project(root))
        assert (outcome.written, outcome.skipped) == (1, 0)
        made[way] = {p.name: p.read_bytes() for p in (root / "content").iterdir()}
    assert made["syncfs"] == made["fsync"]
    assert sorted(made["syncfs"]) == [NAME, "people.yaml"]
