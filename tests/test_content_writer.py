"""BackgroundWriter: atomic writes whose fsync and rename finish on threads."""

from __future__ import annotations

from generator.content_writer import BackgroundWriter, atomic_write


def test_background_writes_land_whole_and_leave_no_temporary_files(tmp_path):
    targets = [tmp_path / f"{n}.md" for n in range(20)]
    (tmp_path / "3.md").write_text("old", encoding="utf-8")
    with BackgroundWriter(threads=2, pending=4) as writer:
        for n, path in enumerate(targets):
            writer.write(path, f"meeting {n} – één\n", owner=f"t{n}.txt")
    assert [p.read_text(encoding="utf-8") for p in targets] == [
        f"meeting {n} – één\n" for n in range(20)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in targets)
    assert writer.failed == []


def test_settle_finishes_a_pending_write_before_the_file_is_read_or_removed(tmp_path):
    target = tmp_path / "a.md"
    writer = BackgroundWriter()
    writer.write(target, "first")
    writer.settle(target)
    assert target.read_text(encoding="utf-8") == "first"
    writer.write(target, "second")  # a second write to one path waits for the first
    writer.settle(target)
    target.unlink()
    assert writer.close() == []
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_fails_in_the_background_is_reported_and_leaves_no_temporary_file(
        tmp_path):
    blocked = tmp_path / "blocked.md"
    blocked.mkdir()  # renaming a file over a folder fails
    (blocked / "x").write_text("keep", encoding="utf-8")
    writer = BackgroundWriter()
    writer.write(blocked, "text", owner="t.txt")
    failed = writer.close()
    assert [(f.path, f.owner) for f in failed] == [(blocked, "t.txt")]
    assert isinstance(failed[0].error, OSError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.md"]


def test_atomic_write_replaces_the_file(tmp_path):
    target = tmp_path / "a.md"
    atomic_write(target, "old")
    atomic_write(target, "nieuw")
    assert target.read_text(encoding="utf-8") == "nieuw"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]
