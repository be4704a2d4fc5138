"""BackgroundWriter: atomic writes made durable in batches on a thread, each
renamed over its target only once on disk."""

from __future__ import annotations

import ctypes
import errno
import os
import sys

import pytest

from generator import content_writer
from generator.content_writer import BackgroundWriter, atomic_write, file_system_type

# True: by syncfs where the file system allows it; False: an fsync per file.
WAYS = [True, False]


@pytest.mark.parametrize("syncfs", WAYS)
def test_background_writes_land_whole_and_leave_no_temporary_files(tmp_path, syncfs):
    targets = [tmp_path / f"{n}.md" for n in range(20)]
    (tmp_path / "3.md").write_text("old", encoding="utf-8")
    with BackgroundWriter(threads=2, pending=4, batch=3, syncfs=syncfs) as writer:
        for n, path in enumerate(targets):
            writer.write(path, f"meeting {n} – één\n", owner=f"t{n}.txt")
            assert len(writer._where) <= 4  # the limit of pending writes holds
    assert [p.read_text(encoding="utf-8") for p in targets] == [
        f"meeting {n} – één\n" for n in range(20)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in targets)
    assert writer.failed == []


@pytest.mark.parametrize("syncfs", WAYS)
def test_settle_finishes_a_pending_write_before_the_file_is_read_or_removed(tmp_path, syncfs):
    target = tmp_path / "a.md"
    writer = BackgroundWriter(batch=1000, syncfs=syncfs)  # (no batch starts by itself)
    writer.write(target, "first")
    writer.settle(target)
    assert target.read_text(encoding="utf-8") == "first"
    writer.write(target, "second")  # a second write to one path waits for the first
    writer.settle(target)
    target.unlink()
    assert writer.close() == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("syncfs", WAYS)
def test_a_write_that_fails_in_the_background_is_reported_and_leaves_no_temporary_file(
        tmp_path, syncfs):
    blocked = tmp_path / "blocked.md"
    blocked.mkdir()  # renaming a file over a folder fails
    (blocked / "x").write_text("keep", encoding="utf-8")
    writer = BackgroundWriter(syncfs=syncfs)
    writer.write(tmp_path / "fine.md", "fine", owner="f.txt")
    writer.write(blocked, "text", owner="t.txt")
    failed = writer.close()
    assert [(f.path, f.owner) for f in failed] == [(blocked, "t.txt")]
    assert isinstance(failed[0].error, OSError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.md", "fine.md"]


class _Disk:
    """A fake syncfs, and os.fsync and os.replace, that log what happened, in
    order: a file is on disk once a syncfs began after it was written (closed)
    or once it was fsynced."""

    def __init__(self, monkeypatch, folder, result: int = 0):
        self.events: list[tuple[str, frozenset[str] | str]] = []
        self.folder = folder
        self.result = result
        real_replace, real_fsync = os.replace, os.fsync

        def syncfs(fd: int) -> int:
            self.events.append(("sync", frozenset(
                p.name for p in folder.iterdir() if p.name.endswith(".tmp"))))
            if result:
                ctypes.set_errno(errno.EIO)
            return result

        def replace(src, dst) -> None:
            self.events.append(("rename", os.path.basename(src)))
            real_replace(src, dst)

        def fsync(fd: int) -> None:
            real_fsync(fd)
            self.events.append(("sync", frozenset({os.readlink(f"/proc/self/fd/{fd}")
                                                   .split("/")[-1]})))

        monkeypatch.setattr(content_writer, "_libc_syncfs", lambda: syncfs)
        monkeypatch.setattr(content_writer.os, "fsync", fsync)
        monkeypatch.setattr(content_writer, "file_system_type", lambda device: "ext4")
        monkeypatch.setattr(content_writer.os, "replace", replace)

    def renamed_after_a_sync(self) -> bool:
        synced: set[str] = set()
        for kind, what in self.events:
            if kind == "sync":
                synced |= what  # type: ignore[arg-type]
            elif what not in synced:
                return False
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_every_file_is_renamed_only_after_a_syncfs_that_covers_it(tmp_path, monkeypatch):
    disk = _Disk(monkeypatch, tmp_path)
    with BackgroundWriter(pending=16, batch=5) as writer:
        for n in range(40):
            writer.write(tmp_path / f"{n}.md", f"meeting {n}\n")
            if n == 17:
                writer.settle(tmp_path / "17.md")  # (queued: fsynced on its own)
                assert (tmp_path / "17.md").read_text(encoding="utf-8") == "meeting 17\n"
    syncs = sum(1 for kind, _ in disk.events if kind == "sync")
    assert 1 <= syncs <= 40 // 5 + 2  # in batches, not one per file
    assert sum(1 for kind, _ in disk.events if kind == "rename") == 40
    assert disk.renamed_after_a_sync()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.md" for n in range(40))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_a_failed_syncfs_is_followed_by_an_fsync_of_each_file_naming_the_one_that_failed(
        tmp_path, monkeypatch):
    _Disk(monkeypatch, tmp_path, result=-1)
    (tmp_path / "2.md").write_text("old", encoding="utf-8")
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(".2.md."):
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(content_writer.os, "fsync", fsync)
    with BackgroundWriter(batch=100) as writer:
        for n in range(5):
            writer.write(tmp_path / f"{n}.md", f"new {n}", owner=f"{n}.txt")
    assert [(f.path.name, f.owner, f.error.errno) for f in writer.failed] == [
        ("2.md", "2.txt", errno.EIO)]
    assert (tmp_path / "2.md").read_text(encoding="utf-8") == "old"  # the old file stays
    assert [(tmp_path / f"{n}.md").read_text(encoding="utf-8") for n in (0, 1, 3, 4)] == [
        f"new {n}" for n in (0, 1, 3, 4)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{n}.md" for n in range(5)]


def test_a_write_that_cannot_start_raises_at_once_and_leaves_the_target(tmp_path):
    target = tmp_path / "missing" / "a.md"  # (no such folder)
    with BackgroundWriter() as writer, pytest.raises(FileNotFoundError):
        writer.write(target, "text")
    assert writer.failed == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/mountinfo")
def test_the_file_system_type_is_found_by_device(tmp_path):
    kind = file_system_type(os.stat(tmp_path).st_dev)
    assert kind is not None and kind.isprintable() and " " not in kind
    assert file_system_type(os.makedev(4095, 1048575)) is None


def test_atomic_write_replaces_the_file(tmp_path):
    target = tmp_path / "a.md"
    atomic_write(target, "old")
    atomic_write(target, "nieuw")
    assert target.read_text(encoding="utf-8") == "nieuw"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]
