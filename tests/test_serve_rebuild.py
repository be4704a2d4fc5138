"""Rebuilds in one process, as the live preview makes them (`build_project`):
what the process keeps between builds (`generator.file_memo`) is never
stale, and every rebuild leaves the site a clean build of the same inputs
writes."""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from synthetic_project import (
    built_project,
    clean_site,
    copy_built,
    edit_transcript,
    file_tree,
    recorded_calls,
)

from generator import file_memo
from generator.config import load_project


@pytest.fixture(autouse=True)
def _forget_parsed_files():
    """What serve keeps (parsed files, a frozen heap) must not reach the
    tests run after these in this process."""
    import gc

    from generator import sitebuild

    yield
    file_memo.keep_parsed_files(False)
    gc.unfreeze()
    sitebuild._heap_kept_frozen = False


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("serve"), 3, seed=3)


@pytest.mark.parametrize("locked", [False, True], ids=["unlocked", "locked"])
def test_rebuilds_after_edits_in_one_process_equal_clean_builds(built: Path, tmp_path: Path,
                                                                 locked: bool):
    """Locked, as `build.py serve` runs: what each build wrote to the cache
    is handed to the next unread (`file_memo.wrote`)."""
    from generator.errors import Severity
    from generator.project_lock import project_lock
    from generator.serve import build_project

    root = copy_built(built, tmp_path / "project")
    project = load_project(root)
    with project_lock(root, "serve") if locked else contextlib.nullcontext():
        assert not [d for d in build_project(project) if d.severity is Severity.ERROR]
        edits = (lambda: edit_transcript(root, 1), lambda: edit_transcript(root, 2),
                 lambda: edit_transcript(root, 1, back=True))  # the third undoes the first
        for edit in edits:
            edit()
            assert not [d for d in build_project(project) if d.severity is Severity.ERROR]
            assert file_tree(root / "site") == clean_site(root, tmp_path)


def count_parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths `file_memo.read` parses from now on (not those it gives
    from memory), until `monkeypatch.undo()`."""
    parsed: list[str] = []
    read = file_memo.read

    def counting_read(path: Path, parse: Callable) -> object:
        def counted(data: bytes) -> object:
            parsed.append(os.fspath(path))
            return parse(data)
        return read(path, counted)

    monkeypatch.setattr(file_memo, "read", counting_read)
    return parsed


def _kept_cache_files(root: Path) -> list[Path]:
    """The files of the cache a preview keeps parsed (not the meetings' own
    pickles, the search index's or the lock)."""
    cache = root / ".plenum-cache"
    skip = {"meetings", "search", "import-state"}
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.name != "lock"
                  and p.relative_to(cache).parts[0] not in skip)


def test_cache_files_replaced_behind_a_preview_are_read_again(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Another writer puts an older build's cache files back (each by a
    rename: a new inode, with the same modification time as the file it
    replaces): the preview parses them again instead of using what it wrote,
    and its rebuild still equals a clean build."""
    from generator.errors import Severity
    from generator.project_lock import project_lock
    from generator.serve import build_project

    root = copy_built(built, tmp_path / "project")
    project = load_project(root)
    with project_lock(root, "serve"):
        assert not [d for d in build_project(project) if d.severity is Severity.ERROR]
        older = {path: path.read_bytes() for path in _kept_cache_files(root)}
        edit_transcript(root, 1)
        assert not [d for d in build_project(project) if d.severity is Severity.ERROR]
        replaced = set()
        for path, data in older.items():
            if path.exists() and path.read_bytes() != data:
                tmp = path.with_name(f"{path.name}.behind")
                tmp.write_bytes(data)
                stat = path.stat()
                os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
                os.replace(tmp, path)
                replaced.add(os.fspath(path))
        outline_shards = {p for p in replaced if "/outlines/" in p}
        assert outline_shards  # (the edit changed an outline: its shard was rewritten)
        parsed = count_parsed_files(monkeypatch)
        edit_transcript(root, 2)
        assert not [d for d in build_project(project) if d.severity is Severity.ERROR]
        assert outline_shards <= set(parsed)  # every build reads every outline shard
        # the other files every build reads were not parsed again: from memory
        every_build = {os.fspath(p) for p in older
                       if p.parent.name in ("outlines", "state") or p.name.startswith("archive-")}
        assert every_build - replaced
        assert {p for p in parsed if p in every_build} <= replaced
        monkeypatch.undo()
        assert file_tree(root / "site") == clean_site(root, tmp_path)


def test_a_warmed_preview_rebuilds_the_first_save_without_reading_the_kept_files(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`Preview.warm` (serve, before it serves) reads what every build reads
    of the cache; the first rebuild then parses none of it again."""
    from generator.errors import Severity
    from generator.project_lock import project_lock
    from generator.serve import Preview

    root = copy_built(built, tmp_path / "project")
    preview = Preview(load_project(root))
    with project_lock(root, "serve"):
        assert preview.rebuild()
        preview.warm()
        parsed = count_parsed_files(monkeypatch)
        edit_transcript(root, 1)
        assert preview.rebuild()
        assert not [d for d in preview.errors if d.severity is Severity.ERROR]
        monkeypatch.undo()
    cache = root / ".plenum-cache"
    assert not [p for p in parsed if Path(p).parent.name in ("outlines", "state")
                or Path(p).parent == cache]
    assert file_tree(root / "site") == clean_site(root, tmp_path)


def test_a_warmed_preview_makes_the_first_saves_archive_by_difference(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Serve's first build finds nothing to do and makes no archive;
    `Preview.warm` makes it, so the first save's build takes the changed
    meeting's parts out of the sums and its new ones in instead of summing
    every meeting's (`generator.archive._facts_by_difference`), and the
    page check finds every unchanged speaker's line where it left it."""
    from generator import archive, pagestate
    from generator.project_lock import project_lock
    from generator.serve import Preview

    root = copy_built(built, tmp_path / "project")
    preview = Preview(load_project(root))
    with project_lock(root, "serve"):
        assert preview.rebuild()
        monkeypatch.setattr(archive, "_LAST", None)  # (what an earlier test left)
        preview.warm()
        assert archive._LAST is not None
        assert pagestate._SPEAKER_LINES is not None
        warmed = archive._LAST.outlines
        whole = recorded_calls(monkeypatch, archive, "_facts_indexes")
        edit_transcript(root, 1)
        assert preview.rebuild()
        assert not preview.errors
        assert whole == []
        assert archive._LAST.outlines is warmed  # (a word of a speech: the same outlines)
    assert file_tree(root / "site") == clean_site(root, tmp_path)


def test_a_heap_kept_frozen_stays_frozen_through_a_paused_stage(
        monkeypatch: pytest.MonkeyPatch):
    """What serve froze on purpose after a build (`settle_heap`) is not
    thawed by the stages of the next one (`collector_paused`), and what a
    stage made joins the oldest generation when nothing is kept frozen."""
    import gc

    from generator import sitebuild

    monkeypatch.setattr(sitebuild, "_heap_kept_frozen", False)
    gc.unfreeze()
    try:
        sitebuild.freeze_kept_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with sitebuild.collector_paused():
            made = [[n] for n in range(1000)]
        assert gc.get_freeze_count() == frozen
        gc.unfreeze()
        monkeypatch.setattr(sitebuild, "_heap_kept_frozen", False)
        with sitebuild.collector_paused():
            made += [[n] for n in range(1000)]
        assert gc.get_freeze_count() == 0
        assert gc.is_tracked(made[-1])
    finally:
        gc.unfreeze()


def test_the_preview_records_content_as_its_build_found_it_after_the_import(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Plenum's build looks at ``content/`` once, after its import wrote it:
    the site build trusts those stats (no `os.stat` of a content file), the
    preview records them as the inputs built, and the next look finds
    nothing to build."""
    from generator import cache
    from generator.project_lock import project_lock
    from generator.serve import Preview, snapshot

    root = copy_built(built, tmp_path / "project")
    project = load_project(root)
    preview = Preview(project)
    stat = os.stat
    content = f"{project.content_dir}{os.sep}"
    asked: list[str] = []

    def counting_stat(path, *args, **kwargs):  # (the build cache's calls alone)
        if sys._getframe(1).f_code.co_filename == cache.__file__ \
                and os.fspath(path).startswith(content):
            asked.append(os.fspath(path))
        return stat(path, *args, **kwargs)

    with project_lock(root, "serve"):
        assert preview.rebuild()
        edit_transcript(root, 1)
        monkeypatch.setattr(cache.os, "stat", counting_stat)
        assert preview.rebuild()
        monkeypatch.undo()
        assert not preview.errors
        assert asked == []
        assert preview._seen is not None
        assert preview._seen[project.content_dir] == snapshot(project.content_dir)
        assert not preview.rebuild()
    assert file_tree(root / "site") == clean_site(root, tmp_path)


def test_file_digests_trust_the_stats_they_are_given(tmp_path: Path):
    """A file whose given size and modification time are those its digest
    was found under is not hashed again; other given stats make it hashed."""
    from generator.cache import FileDigests

    path = tmp_path / "a.md"
    path.write_text("one")
    st = path.stat()
    first = FileDigests(root=tmp_path)
    digest = first.digest(path)
    same = FileDigests(first.used, root=tmp_path,
                       stats={os.fspath(path): (st.st_mtime_ns, st.st_size, st.st_ino)})
    assert same.digest(path) == digest and same.hashed == 0
    path.write_text("two")
    moved = FileDigests(first.used, root=tmp_path,
                        stats={os.fspath(path): (st.st_mtime_ns + 1, st.st_size, st.st_ino)})
    assert moved.digest(path) != digest and moved.hashed == 1


def _settle(path: Path) -> None:
    """Date the file back past `file_memo.RACY_NS` (only settled files are kept)."""
    stat = path.stat()
    old = stat.st_mtime_ns - 2 * file_memo.RACY_NS
    os.utime(path, ns=(old, old))


def test_a_file_replaced_since_it_was_read_is_read_again(tmp_path: Path):
    """Same size and modification time, another file (an atomic rename, as
    the build cache writes): the new bytes are parsed."""
    file_memo.keep_parsed_files()
    path = tmp_path / "state.pickle"
    path.write_bytes(pickle.dumps({"a": 1}))
    _settle(path)
    assert file_memo.read(path, pickle.loads) == {"a": 1}
    stat = path.stat()
    tmp = tmp_path / "new.tmp"
    tmp.write_bytes(pickle.dumps({"a": 2}))
    assert tmp.stat().st_size == stat.st_size
    os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(tmp, path)
    assert file_memo.read(path, pickle.loads) == {"a": 2}


def test_a_file_rewritten_in_place_is_read_again(tmp_path: Path):
    file_memo.keep_parsed_files()
    path = tmp_path / "head.json"
    path.write_text('{"a": 1}')
    _settle(path)
    assert file_memo.read(path, bytes.decode) == '{"a": 1}'
    path.write_text('{"a": 22}')
    assert file_memo.read(path, bytes.decode) == '{"a": 22}'
    path.unlink()
    with pytest.raises(FileNotFoundError):
        file_memo.read(path, bytes.decode)


def _counting_unpickler() -> tuple[list[bytes], Callable[[bytes], list]]:
    """A parse function for `file_memo.read` and the bytes of each call."""
    parsed: list[bytes] = []

    def parse(data: bytes) -> list:
        parsed.append(data)
        return pickle.loads(data)

    return parsed, parse


def test_parsed_files_are_kept_only_when_asked_for(tmp_path: Path):
    path = tmp_path / "x.pickle"
    path.write_bytes(pickle.dumps([1]))
    _settle(path)
    parsed, parse = _counting_unpickler()
    file_memo.read(path, parse)
    file_memo.read(path, parse)
    assert len(parsed) == 2  # off: read each time
    file_memo.keep_parsed_files()
    file_memo.read(path, parse)
    file_memo.read(path, parse)
    assert len(parsed) == 3
    file_memo.keep_parsed_files(False)
    file_memo.read(path, parse)
    assert len(parsed) == 4


def test_a_file_modified_just_before_it_was_read_is_not_kept(tmp_path: Path):
    """Its inode, size and timestamp may come back with other bytes (a coarse
    clock): it is parsed again next time."""
    file_memo.keep_parsed_files()
    path = tmp_path / "x.pickle"
    path.write_bytes(pickle.dumps([1]))
    parsed, parse = _counting_unpickler()
    file_memo.read(path, parse)
    file_memo.read(path, parse)
    assert len(parsed) == 2


def _write_by_rename(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_file_this_process_wrote_in_its_locked_cache_is_not_read_back(tmp_path: Path):
    """Write-through: what `wrote` was told is what `read` gives, the file
    just written (no `RACY_NS` wait: the process holds the project's lock)."""
    from generator.project_lock import project_lock

    file_memo.keep_parsed_files()
    path = tmp_path / ".plenum-cache" / "state.pickle"
    path.parent.mkdir()
    parsed, parse = _counting_unpickler()
    with project_lock(tmp_path, "serve"):
        value = {"a": 1}
        _write_by_rename(path, pickle.dumps(value))
        file_memo.wrote(path, value)
        assert file_memo.read(path, parse) is value
        assert parsed == []
        _write_by_rename(path, pickle.dumps({"a": 2}))  # behind the process's back
        assert file_memo.read(path, parse) == {"a": 2}
        assert len(parsed) == 1
        assert file_memo.read(path, parse) == {"a": 2}  # kept: read once
        assert len(parsed) == 1
    assert file_memo.read(path, parse) == {"a": 2}  # kept while it was trusted
    _write_by_rename(path, pickle.dumps({"a": 3}))
    file_memo.read(path, parse)
    file_memo.read(path, parse)
    assert len(parsed) == 3  # unlocked again: a fresh file is not kept


def test_a_fresh_file_written_outside_a_locked_cache_is_read_again(tmp_path: Path):
    from generator.project_lock import project_lock

    file_memo.keep_parsed_files()
    path = tmp_path / "state.pickle"
    parsed, parse = _counting_unpickler()
    with project_lock(tmp_path / "project", "serve"):
        _write_by_rename(path, pickle.dumps([1]))
        file_memo.wrote(path, [1])
        assert file_memo.read(path, parse) == [1]
    assert len(parsed) == 1


def test_a_file_written_while_nothing_is_kept_is_not_remembered(tmp_path: Path):
    from generator.project_lock import project_lock

    path = tmp_path / ".plenum-cache" / "x.pickle"
    path.parent.mkdir()
    parsed, parse = _counting_unpickler()
    with project_lock(tmp_path, "build"):
        _write_by_rename(path, pickle.dumps([1]))
        file_memo.wrote(path, [2])  # off: ignored
        file_memo.keep_parsed_files()
        assert file_memo.read(path, parse) == [1]
        file_memo.forget(path)
        assert file_memo.read(path, parse) == [1]
    assert len(parsed) == 2


def test_the_preview_hands_its_look_at_the_inputs_to_the_import(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The import in a preview lists neither ``transcripts/`` nor ``content/``
    again: it takes them as the preview found them when it looked for a
    change, and a save made after that look is built by the next one."""
    from generator import importer
    from generator.project_lock import project_lock
    from generator.serve import Preview

    root = copy_built(built, tmp_path / "project")
    project = load_project(root)
    preview = Preview(project)
    scandir = os.scandir
    listed: list[str] = []

    def counting_scandir(path=".", *args):  # (the import's calls alone)
        if sys._getframe(1).f_code.co_filename == importer.__file__:
            listed.append(os.fspath(path))
        return scandir(path, *args)

    with project_lock(root, "serve"):
        assert preview.rebuild()
        monkeypatch.setattr(importer.os, "scandir", counting_scandir)
        edit_transcript(root, 1)
        assert preview.rebuild()
        edit_transcript(root, 2)
        assert preview.rebuild()
        monkeypatch.undo()
        assert not preview.errors
        assert listed == []
        assert not preview.rebuild()
    assert file_tree(root / "site") == clean_site(root, tmp_path)


def test_the_listing_a_preview_hands_over_is_the_one_the_import_makes(tmp_path: Path):
    """`Inputs.listing` (from the preview's `snapshot`s) gives the import the
    regular files of each folder, symlinks followed, as it lists them itself
    (`importer._regular_files`): not those of subfolders, nor broken links."""
    import time

    from generator.importer import _regular_files
    from generator.serve import Inputs, snapshot, watched_paths

    root = copy_built(built_project(tmp_path / "built", 2, seed=5), tmp_path / "project")
    project = load_project(root)
    transcripts = project.transcripts_dir
    (transcripts / "notes").mkdir()
    (transcripts / "notes" / "aside.txt").write_text("not a transcript of this folder")
    (transcripts / ".hidden").write_text("a hidden file")
    first = sorted(p for p in transcripts.iterdir() if p.is_file())[0]
    (transcripts / "linked.txt").symlink_to(first)
    (transcripts / "broken.txt").symlink_to(transcripts / "missing.txt")
    (project.content_dir / "folder-link").symlink_to(transcripts / "notes")
    listing = Inputs(time.time_ns(), {top: snapshot(top) for top in watched_paths(project)}
                     ).listing(project)
    assert listing.transcripts == _regular_files(transcripts)
    assert listing.content == _regular_files(project.content_dir)
    assert "linked.txt" in listing.transcripts and "aside.txt" not in listing.transcripts


def test_a_preview_build_collects_once_after_it_and_leaves_the_collector_on(
        built: Path, tmp_path: Path):
    """The collector is off for the whole of a preview's build (the stages
    pause it anyway): the only collections are rendering's own (none for a
    one-transcript edit of this archive) and the full one `settle_heap`
    makes after it, which still finds the build's cyclic garbage; the
    collector is on again after, and the site is a clean build's."""
    import gc

    from generator.project_lock import project_lock
    from generator.serve import Preview

    root = copy_built(built, tmp_path / "project")
    preview = Preview(load_project(root))
    collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "stop":
            collections.append(info["generation"])

    with project_lock(root, "serve"):
        assert preview.rebuild()
        preview.warm()
        edit_transcript(root, 1)
        gc.callbacks.append(seen)
        try:
            assert preview.rebuild()
        finally:
            gc.callbacks.remove(seen)
        assert not preview.errors
        assert gc.isenabled()
        assert collections[-1:] == [2]  # `settle_heap`'s, last
        assert all(generation == 1 for generation in collections[:-1])  # rendering's
        cycle: list = []
        cycle.append(cycle)
        del cycle  # (garbage the next automatic collection finds: the collector is on)
    assert file_tree(root / "site") == clean_site(root, tmp_path)
