"""The import's stat-keyed record (generator/import_state.py): with nothing
changed no transcript, content file or registry is opened; a changed stat
means reading the file again; a hand edit is still found; a corrupt, foreign or
stale record is ignored and the import gives what it gives without one."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from site_fixture import SEED_TRANSCRIPT, seed_transcripts

import generator.import_state as import_state
import generator.importer as importer
from generator.config import Project, load_project
from generator.duplicates import _norm_title, title_key
from generator.import_state import (
    LEGACY,
    RECORD,
    ImportRecord,
    bytes_digest,
    read_record,
    shard_of,
)
from generator.importer import import_transcripts

ROOT = Path(__file__).resolve().parent.parent
SEED = SEED_TRANSCRIPT
CONTENT = "content/2020-09-28-notaoverleg-ruslandstrategie.md"
HOUR_AGO = time.time_ns() - 3600 * 10**9


def age(root: Path) -> None:
    """Make every input look an hour old, so that the import may record it."""
    for folder in ("transcripts", "content"):
        for path in (root / folder).iterdir():
            os.utime(path, ns=(HOUR_AGO, HOUR_AGO))


@pytest.fixture(scope="session")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An imported archive whose record covers every file."""
    root = tmp_path_factory.mktemp("settled")
    seed_transcripts(root)
    assert import_transcripts(load_project(root)).written == 1
    age(root)
    import_transcripts(load_project(root))
    return root


@pytest.fixture
def project(settled: Path, tmp_path: Path) -> Project:
    root = tmp_path / "archive"
    shutil.copytree(settled, root)  # copy2: sizes and mtimes kept, new inodes
    import_transcripts(load_project(root))  # records the new inodes
    return load_project(root)


class Opened:
    """Which files the import reads, by the functions it reads them with."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.heads: list[Path] = []
        self.hashed: list[Path] = []
        self.registries: list[Path] = []
        real_head, real_sha, real_registry = (importer._head, importer.sha256_file,
                                              importer.read_registry)
        monkeypatch.setattr(importer, "_head", lambda p: self.heads.append(p) or real_head(p))
        monkeypatch.setattr(importer, "sha256_file",
                            lambda p: self.hashed.append(p) or real_sha(p))
        monkeypatch.setattr(importer, "read_registry",
                            lambda p, f, d=None: self.registries.append(p)
                            or real_registry(p, f, d))

    def any(self) -> bool:
        return bool(self.heads or self.hashed or self.registries)


def record_stamp(root: Path) -> dict[str, int]:
    """The mtime of each shard of the record: a shard rewritten gets a new one."""
    return {p.name: p.stat().st_mtime_ns for p in sorted((root / RECORD).iterdir())}


def write_record(root: Path, sections: dict[str, dict]) -> None:
    ImportRecord.of(sections).save(root)


def messages(outcome: importer.ImportOutcome) -> list[str]:
    return [d.format() for d in outcome.diagnostics]


def test_a_noop_import_opens_no_transcript_content_file_or_registry(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = messages(import_transcripts(project))
    opened = Opened(monkeypatch)
    outcome = import_transcripts(project)
    assert not opened.any()
    assert (outcome.written, outcome.unchanged) == (0, 1)
    assert messages(outcome) == expected  # stored warnings are repeated


def test_a_changed_stat_means_reading_the_file_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    content = project.root / CONTENT
    transcript = project.transcripts_dir / f"{SEED}.txt"
    registry = project.content_dir / "people.yaml"
    for path in (content, transcript, registry):
        os.utime(path, ns=(HOUR_AGO + 10**9, HOUR_AGO + 10**9))  # same bytes, another mtime
    opened = Opened(monkeypatch)
    outcome = import_transcripts(project)
    assert opened.heads == [content] and opened.hashed == [transcript]
    assert opened.registries == [registry]
    assert (outcome.written, outcome.unchanged) == (0, 1)


def test_a_file_changed_just_now_is_not_recorded(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    content = project.root / CONTENT
    content.write_bytes(content.read_bytes())  # a new mtime: now
    opened = Opened(monkeypatch)
    import_transcripts(project)
    import_transcripts(project)  # an edit in the same clock tick would keep size and mtime
    assert opened.heads == [content, content]


def test_a_racy_file_is_checked_by_its_bytes_not_read_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written just before the import listed them (the registry and the
    content files an import writes, a transcript saved just now) are recorded
    with a hash of their bytes: the next import hashes them and parses nothing,
    and does not rewrite the record when they settle."""
    written = [project.content_dir / "people.yaml", project.root / CONTENT,
               project.transcripts_dir / f"{SEED}.txt"]
    for path in written:
        path.write_bytes(path.read_bytes())  # a new mtime: now
    expected = messages(import_transcripts(project))  # reads them, records them as racy
    record = record_stamp(project.root)
    opened = Opened(monkeypatch)
    monkeypatch.setattr(importer, "head_facts", lambda _: pytest.fail("head parsed again"))
    outcome = import_transcripts(project)
    assert opened.registries == [] and messages(outcome) == expected
    assert opened.heads == [project.root / CONTENT]  # the check: its head hashed
    assert opened.hashed == [project.transcripts_dir / f"{SEED}.txt"]
    assert record_stamp(project.root) == record  # not rewritten


def test_a_racy_file_changed_in_the_same_clock_tick_is_read_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same size and mtime, other bytes (an edit in the clock tick of the read):
    the hash of its bytes tells, and the registry is parsed again."""
    registry = project.content_dir / "people.yaml"
    registry.write_bytes(registry.read_bytes())
    import_transcripts(project)
    before = registry.stat()
    text = registry.read_text(encoding="utf-8")
    assert "name: Nieuw" not in text
    edited = text.replace("name: ", "name:\t", 1)  # same size, still valid YAML, other bytes
    registry.write_text(edited, encoding="utf-8")
    os.utime(registry, ns=(before.st_atime_ns, before.st_mtime_ns))
    inode = registry.stat().st_ino
    data = read_record(project.root)
    (entry,) = data["registry"].values()
    assert len(entry) == 5  # racy: with the digest of its bytes
    entry[2] = inode  # as if the edit kept the inode too (an in-place write)
    write_record(project.root, data)
    opened: list[bytes | None] = []
    real = importer.read_registry
    monkeypatch.setattr(importer, "read_registry",
                        lambda p, f, d=None: opened.append(d) or real(p, f, d))
    import_transcripts(project)
    assert opened == [edited.encode("utf-8")]  # parsed from the bytes the check read


def test_a_hand_edit_is_still_found_and_refused(project: Project) -> None:
    path = project.root / CONTENT
    edited = path.read_text(encoding="utf-8").replace("speaker=karabulut", "speaker=bosman", 1)
    path.write_text(edited, encoding="utf-8")
    assert not import_transcripts(project).refused  # transcript unchanged: kept
    sidecar = project.transcripts_dir / f"{SEED}.meta.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    outcome = import_transcripts(project)
    assert outcome.refused and outcome.refused_files == [CONTENT]
    assert path.read_text(encoding="utf-8") == edited


def test_a_hand_edit_of_the_front_matter_is_read(project: Project) -> None:
    """A recorded head stands for the file only while its stat is unchanged: an
    edited source line makes the content file another transcript's (kept: it
    was edited by hand)."""
    path = project.root / CONTENT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"source: transcripts/{SEED}.txt",
                                 "source: transcripts/elsewhere.txt", 1), encoding="utf-8")
    outcome = import_transcripts(project)
    assert [d.message for d in outcome.diagnostics] == [
        f"the same meeting as {CONTENT}, which was edited by hand: that file is kept and "
        "this transcript not imported"]
    assert (outcome.written, outcome.skipped) == (0, 1)


def test_an_edited_registry_gives_its_new_warnings(project: Project) -> None:
    registry = project.content_dir / "people.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + "\nnieuw:\n  name: Nieuw\n"
                        "  colour: blue\n", encoding="utf-8")
    outcome = import_transcripts(project)
    assert any("unknown field 'colour'" in d.message for d in outcome.diagnostics)
    assert any("unknown field 'colour'" in d.message
               for d in import_transcripts(project).diagnostics)


@pytest.mark.parametrize("record", [
    b"not a pickle at all",
    pickle.dumps({"format": 99, "heads": {}}),
    pickle.dumps([1, 2, 3]),
    pickle.dumps({"format": 2, "hashes": [], "heads": "x", "registry": 7, "said": None}),
])
def test_a_corrupt_or_foreign_record_is_ignored(project: Project, record: bytes) -> None:
    expected = messages(import_transcripts(project))
    for shard in (project.root / RECORD).iterdir():
        shard.write_bytes(record)
    outcome = import_transcripts(project)
    assert (outcome.written, outcome.unchanged, outcome.refused) == (0, 1, False)
    assert messages(outcome) == expected


def test_entries_of_the_wrong_shape_are_ignored(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = messages(import_transcripts(project))
    data = read_record(project.root)
    for section in ("hashes", "heads", "registry", "said"):
        for name, entry in data[section].items():
            data[section][name] = [*entry[:3], {"not": "facts"}] if section != "said" \
                else [entry[0], [["nonsense"]]]
    write_record(project.root, data)
    opened = Opened(monkeypatch)
    outcome = import_transcripts(project)
    assert opened.heads and opened.registries  # read again, not trusted
    assert (outcome.written, outcome.unchanged) == (0, 1)
    assert messages(outcome) == expected


def test_a_stale_record_from_another_copy_is_not_trusted(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the archive (new inodes) with another edit: its files are read."""
    copy = tmp_path / "copy"
    shutil.copytree(project.root, copy)
    path = copy / CONTENT
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Notaoverleg Ruslandstrategie", "title: Notaoverleg Chinastrategie"),
        encoding="utf-8")
    os.utime(path, ns=(HOUR_AGO, HOUR_AGO))
    opened = Opened(monkeypatch)
    import_transcripts(load_project(copy))
    assert path in opened.heads


def test_the_record_of_an_earlier_version_spares_parsing_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade keeps what the import said (import-diagnostics.json) and
    parses nothing; the old records are removed once the new one is written."""
    expected = messages(import_transcripts(project))
    said = read_record(project.root)["said"]
    cache = project.root / ".plenum-cache"
    fields = ("severity", "message", "file", "line", "text", "hint")
    (cache / "import-diagnostics.json").write_text(json.dumps({
        display: {"key": key, "diagnostics": [dict(zip(fields, row, strict=True))
                                              for row in rows]}
        for display, (key, rows) in said.items()}), encoding="utf-8")
    (cache / "transcript-hashes.json").write_text("{}", encoding="utf-8")
    shutil.rmtree(project.root / RECORD)
    monkeypatch.setattr(importer, "read_transcript", lambda *_: pytest.fail("parsed again"))
    outcome = import_transcripts(project)
    assert outcome.unchanged == 1 and messages(outcome) == expected
    assert not (cache / "import-diagnostics.json").exists()
    assert not (cache / "transcript-hashes.json").exists()


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from("aZé Ö1-:#'\"{}[],&*!|>%@`\t\x85\u2028yesnoNULL~."), max_size=14))
def test_title_key_reads_a_title_as_yaml_does(title: str) -> None:
    line = f"title: {title}"
    try:
        expected = _norm_title(str(yaml.safe_load(title) or ""))
    except yaml.YAMLError:
        expected = ""
    if "\n" in title or "\r" in title:
        return
    assert title_key(f"---\n{line}\ndate: null\n") == expected


def test_the_first_noop_build_after_an_import_and_a_build_parses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the benchmark runs them: an import writes the content files and the
    registry, a build follows at once (its import finds them all written
    moments ago) and then a no-op build. That no-op parses no transcript, no
    content file's head and not the registry, and leaves the record as it was
    (it used to parse people.yaml and rewrite the record)."""
    from generator.sitebuild import build_site

    (tmp_path / "archive").mkdir()
    root = seed_transcripts(tmp_path / "archive")
    project = load_project(root)
    assert import_transcripts(project).written == 1
    import_transcripts(project)  # the build's import: everything is racy
    build_site(project, jobs=1)
    record = record_stamp(root)
    monkeypatch.setattr(importer, "read_transcript", lambda *_: pytest.fail("parsed"))
    monkeypatch.setattr(importer, "read_registry", lambda *_: pytest.fail("registry parsed"))
    monkeypatch.setattr(importer, "head_facts", lambda _: pytest.fail("head parsed"))
    outcome = import_transcripts(project)
    assert (outcome.written, outcome.unchanged) == (0, 1)
    assert record_stamp(root) == record  # not rewritten


def test_the_json_record_of_the_previous_version_spares_parsing_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole record in one JSON file (format 1) is read once, written as
    shards, and removed."""
    expected = messages(import_transcripts(project))
    data = read_record(project.root)
    json_record = project.root / LEGACY[2]
    json_record.write_text(json.dumps({"format": 1, **data}), encoding="utf-8")
    shutil.rmtree(project.root / RECORD)
    opened = Opened(monkeypatch)
    outcome = import_transcripts(project)
    assert not opened.any() and messages(outcome) == expected
    assert not json_record.exists() and read_record(project.root) == data


def test_a_changed_transcript_rewrites_only_the_shards_of_its_entries(
        project: Project) -> None:
    """One transcript edited: its shard (and that of the content file written
    from it, and of the registry) are rewritten, no other."""
    transcript = project.transcripts_dir / f"{SEED}.txt"
    shown = project.display(transcript)
    transcript.write_text(transcript.read_text(encoding="utf-8").replace(
        "Goedemiddag", "Goedemorgen", 1), encoding="utf-8")
    before = record_stamp(project.root)
    assert len(before) > 3
    assert import_transcripts(project).written == 1
    after = record_stamp(project.root)
    rewritten = {name for name in before if after[name] != before[name]}
    allowed = {f"{shard_of(name):02d}.pickle" for name in (
        shown, CONTENT, project.display(project.content_dir / "people.yaml"))}
    assert f"{shard_of(shown):02d}.pickle" in rewritten and rewritten <= allowed
    assert read_record(project.root)["hashes"][shown][3] == importer.sha256_file(transcript)


def test_a_damaged_shard_costs_reading_its_files_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    transcript = project.transcripts_dir / f"{SEED}.txt"
    shard = project.root / RECORD / f"{shard_of(project.display(transcript)):02d}.pickle"
    shard.write_bytes(shard.read_bytes()[:20])
    opened = Opened(monkeypatch)
    outcome = import_transcripts(project)
    assert transcript in opened.hashed and (outcome.written, outcome.unchanged) == (0, 1)
    assert not opened.heads or opened.heads == [project.root / CONTENT]
    opened.hashed.clear()
    import_transcripts(project)
    assert opened.hashed == []  # the shard is whole again


def test_a_fresh_import_records_the_heads_it_wrote_as_reading_them_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The content files a fresh import writes are in its record with the
    facts that reading their heads gives, so the next import that looks for
    a transcript's content files reads none of them (it read every one:
    ~10,000 at 10,000 meetings, seconds from a cold disk)."""
    monkeypatch.setattr(import_state, "RACY_NS", 0)  # as if the import took a while
    root = tmp_path
    seed_transcripts(root)
    project = load_project(root)
    assert import_transcripts(project).written == 1
    entries = read_record(root)["heads"]
    written = sorted(p for p in project.content_dir.glob("*.md"))
    assert [project.display(p) for p in written] == sorted(entries)
    record = ImportRecord.load(root)
    for path in written:
        st = path.stat()
        facts = record.known_head(project.display(path),
                                  (st.st_size, st.st_mtime_ns, st.st_ino))
        assert facts == importer.head_facts(importer._head(path))
    transcript = project.transcripts_dir / f"{SEED}.txt"
    transcript.write_bytes(transcript.read_bytes() + b"\n")  # a stale transcript
    opened = Opened(monkeypatch)
    outcome = import_transcripts(load_project(root))
    assert opened.heads == []  # its content file found by the recorded head
    assert (outcome.written, outcome.skipped) == (1, 0)
    assert [p.name for p in project.content_dir.glob("*.md")] == [p.name for p in written]


def test_the_recorded_head_of_a_file_written_just_now_is_checked_by_its_digest(
        tmp_path: Path) -> None:
    seed_transcripts(tmp_path)
    project = load_project(tmp_path)
    import_transcripts(project)
    (path,) = project.content_dir.glob("*.md")
    entry = read_record(tmp_path)["heads"][project.display(path)]
    assert entry[4] == bytes_digest(importer._head(path).encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"---\n", b"\n---", b"a", b"\xc3\xa9", b"\xc3", b"\n",
                                 b"x" * 1000, b"y" * 4093, b"z" * 65533]), max_size=12))
def test_the_head_of_written_bytes_is_the_head_read_from_the_file(
        tmp_path_factory: pytest.TempPathFactory, pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("head") / "file.md"
    path.write_bytes(data)
    assert importer.head_of_bytes(data) == importer._head(path)
