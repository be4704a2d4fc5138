"""A durable staged site (generator/output.py) flushes what this build wrote —
the files the manifest had to hash, the manifest and the staging folders — and
not the whole system: the files linked from the previous site are on disk
since that build. Where a file cannot be flushed through the descriptor it was
read by, everything is synced, as before."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from generator import output
from generator.output import MANIFEST_NAME, staged_site, verify_manifest


def _build(site: Path, files: dict[str, str], previous: Path | None = None) -> None:
    with staged_site(site) as staging:
        for rel, text in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = previous / rel if previous is not None else None
            if old is not None and old.exists() and old.read_text() == text:
                os.link(old, target)  # as the build links an unchanged page
            else:
                target.write_text(text)


@pytest.fixture
def flushed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The inodes of the files and folders fsync'ed; a system-wide sync fails."""
    seen: list[int] = []
    real = os.fsync
    monkeypatch.setattr(output.os, "sync", lambda: pytest.fail("synced the whole system"))
    monkeypatch.setattr(output.os, "fsync", lambda fd: seen.append(os.fstat(fd).st_ino)
                        or real(fd))
    return seen


def test_a_build_flushes_the_files_it_wrote_not_the_linked_ones(
        tmp_path: Path, flushed: list[int]) -> None:
    site = tmp_path / "site"
    first = {"index.html": "v1", "a/one.html": "one", "a/two.html": "two"}
    _build(site, first)
    assert {(site / rel).stat().st_ino for rel in first} <= set(flushed)
    kept = site / "a" / "one.html"
    kept_inode = kept.stat().st_ino
    flushed.clear()
    _build(site, {**first, "index.html": "v2"}, previous=site)
    assert verify_manifest(site) == []
    assert kept.stat().st_ino == kept_inode  # linked, not written
    assert kept_inode not in flushed
    assert (site / "index.html").stat().st_ino in flushed
    assert (site / MANIFEST_NAME).stat().st_ino in flushed
    assert {site.stat().st_ino, (site / "a").stat().st_ino} <= set(flushed)  # the folders


def test_a_file_that_cannot_be_flushed_so_means_a_full_sync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_size == 3:  # index.html, read-only
            raise OSError(errno.EBADF, "Bad file descriptor")  # where fsync needs write access
        real(fd)

    monkeypatch.setattr(output.os, "fsync", fsync)
    monkeypatch.setattr(output.os, "sync", lambda: synced.append(True))
    _build(tmp_path / "site", {"index.html": "abc", "other.html": "longer"})
    assert synced == [True]
    assert verify_manifest(tmp_path / "site") == []
