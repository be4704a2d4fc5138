"""`build.py import`: transcripts/ -> content/, on the real seed transcript.

The seed is imported once per session into a pristine project; each test works
on a copy of it, so only tests that change a transcript parse it again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from site_fixture import SEED_TRANSCRIPT, seed_transcripts, shared_alias_project

from generator.config import Project, load_project
from generator.content import load_meetings
from generator.errors import Severity
from generator.importer import import_transcripts
from generator.ingest import read_transcript
from generator.markdown_io import read_meeting, write_meeting

ROOT = Path(__file__).resolve().parent.parent
SEED = SEED_TRANSCRIPT
CONTENT = "content/2020-09-28-notaoverleg-ruslandstrategie.md"


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    seed_transcripts(root)
    outcome = import_transcripts(load_project(root))
    assert (outcome.written, outcome.refused) == (1, False), outcome
    return root


@pytest.fixture
def project(imported: Path, tmp_path: Path) -> Project:
    root = tmp_path / "archive"
    shutil.copytree(imported, root)
    return load_project(root)


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def run_cli(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project.root),
                           *args], capture_output=True, text=True, timeout=300)


def touch_sidecar(project: Project, extra: str = "# reviewed\n") -> None:
    """Change the transcript's sidecar, so the next import parses it again."""
    sidecar = project.transcripts_dir / f"{SEED}.meta.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_import_writes_one_content_file_per_meeting_and_the_registry(project: Project) -> None:
    names = sorted(p.name for p in project.content_dir.iterdir())
    assert names == [Path(CONTENT).name, "people.yaml"]
    text = (project.root / CONTENT).read_text(encoding="utf-8")
    assert text.startswith("---\nid: 2020-09-28-notaoverleg-ruslandstrategie\n"
                           "title: Notaoverleg Ruslandstrategie\n")
    assert '::: turn {#t0002 speaker=karabulut label="Mevrouw Karabulut (SP):"' in text


def test_the_content_file_reads_back_as_the_parsed_meeting(project: Project) -> None:
    parsed = read_transcript(project.transcripts_dir / f"{SEED}.txt",
                             f"transcripts/{SEED}.txt").meetings[0]
    meeting, diagnostics = read_meeting((project.root / CONTENT).read_text(encoding="utf-8"),
                                        CONTENT)
    assert diagnostics == []
    assert meeting == parsed  # the seed's people are new to the registry: ids unchanged
    assert (len(meeting.turns), len(meeting.motions), len(meeting.commitments)) == (311, 16, 2)
    assert read_meeting(write_meeting(parsed), CONTENT) == (parsed, [])


def test_an_unchanged_reimport_writes_nothing(project: Project) -> None:
    before = snapshot(project.content_dir)
    outcome = import_transcripts(project)
    assert (outcome.written, outcome.unchanged, outcome.refused) == (0, 1, False)
    assert snapshot(project.content_dir) == before


def test_an_unchanged_reimport_repeats_the_speaker_warnings_so_strict_fails_again(
        tmp_path: Path) -> None:
    """Two registry entries fit a label: the warning comes from resolving
    speakers, not from parsing, and must be repeated while nothing changed."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "content").mkdir()
    for name in (f"{SEED}.txt", f"{SEED}.meta.yaml"):
        shutil.copy(ROOT / "transcripts" / name, tmp_path / "transcripts" / name)
    twins = "\n".join(f"{pid}:\n  name: Bosman\n  parties:\n"
                      "  - {party: VVD, from: 2019-01-01, to: 2019-01-01}\n"
                      for pid in ("bosman", "bosman-2"))
    (tmp_path / "content" / "people.yaml").write_text(twins, encoding="utf-8")
    project = load_project(tmp_path)
    first, second = (run_cli(project, "import", "--strict") for _ in range(2))
    assert "0 unchanged" in first.stderr and "1 unchanged" in second.stderr
    for run in (first, second):
        assert run.returncode == 1
        assert "'Bosman' could be any of bosman, bosman-2" in run.stderr


def test_a_reimport_keeps_the_id_a_speaker_who_could_be_several_people_had(
        tmp_path: Path) -> None:
    """An alias two entries share makes a speaker ambiguous: the first import
    adds an entry; a re-import (a new parser, a changed sidecar) must keep that
    id, not add another one each time (permalinks and people.yaml would churn)."""
    project = load_project(shared_alias_project(tmp_path))
    first = import_transcripts(project)
    assert any("added as 'bosman-3'" in d.message for d in first.diagnostics)
    for extra in ("# reviewed\n", "# reviewed twice\n"):
        touch_sidecar(project, extra)
        again = import_transcripts(project)
        assert again.written == 1
        assert any("kept as 'bosman-3'" in d.message for d in again.diagnostics)
        registry = (project.content_dir / "people.yaml").read_text(encoding="utf-8")
        assert "bosman-4" not in registry
        assert "{id: bosman-3, name: Bosman, party: VVD" in (
            project.content_dir / CONTENT.removeprefix("content/")).read_text(encoding="utf-8")


def test_an_unchanged_old_transcript_is_not_hashed_again(project: Project, monkeypatch) -> None:
    """Size, mtime and inode as recorded stand for the hash (as git's index);
    a file changed less than two seconds before hashing is never recorded."""
    import generator.importer as content

    transcript = project.transcripts_dir / f"{SEED}.txt"
    hashed: list[Path] = []
    real = content.sha256_file
    monkeypatch.setattr(content, "sha256_file", lambda path: hashed.append(path) or real(path))
    import_transcripts(project)  # files copied just now: too recent to record
    assert transcript in hashed
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in project.transcripts_dir.iterdir():
        os.utime(path, ns=(hour_ago, hour_ago))
    hashed.clear()
    import_transcripts(project)
    assert transcript in hashed  # recorded now, with its hash
    hashed.clear()
    outcome = import_transcripts(project)
    assert hashed == [] and (outcome.written, outcome.unchanged) == (0, 1)
    touch_sidecar(project)  # a new mtime and size: hashed and imported again
    outcome = import_transcripts(project)
    assert project.transcripts_dir / f"{SEED}.meta.yaml" in hashed and outcome.written == 1


def test_a_hand_edit_is_kept_when_the_transcript_did_not_change(project: Project) -> None:
    path = project.root / CONTENT
    edited = path.read_text(encoding="utf-8").replace("speaker=karabulut", "speaker=bosman", 1)
    path.write_text(edited, encoding="utf-8")
    outcome = import_transcripts(project)
    assert not outcome.refused and outcome.written == 0
    assert path.read_text(encoding="utf-8") == edited


def test_a_hand_edited_file_is_refused_with_its_name_and_exit_code_3(project: Project) -> None:
    path = project.root / CONTENT
    edited = path.read_text(encoding="utf-8").replace("speaker=karabulut", "speaker=bosman", 1)
    path.write_text(edited, encoding="utf-8")
    touch_sidecar(project)
    result = run_cli(project, "import")
    assert result.returncode == 3, result.stderr
    assert f"refused: {CONTENT} was edited by hand" in result.stderr
    assert "--force" in result.stderr and f"delete {CONTENT}" in result.stderr
    assert path.read_text(encoding="utf-8") == edited


def test_force_overwrites_a_hand_edited_file(project: Project) -> None:
    path = project.root / CONTENT
    pristine = path.read_text(encoding="utf-8")
    path.write_text(pristine.replace("speaker=karabulut", "speaker=bosman", 1), encoding="utf-8")
    touch_sidecar(project)
    outcome = import_transcripts(project, force=True)
    assert (outcome.written, outcome.refused) == (1, False)
    rewritten = path.read_text(encoding="utf-8")
    assert "speaker=karabulut" in rewritten and "speaker=bosman label=\"Mevrouw" not in rewritten


def test_a_changed_sidecar_is_imported_again(project: Project) -> None:
    sidecar = project.transcripts_dir / f"{SEED}.meta.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace(
        "title: Notaoverleg Ruslandstrategie", "title: Notaoverleg over Rusland"),
        encoding="utf-8")
    outcome = import_transcripts(project)
    assert outcome.written == 1
    renamed = project.content_dir / "2020-09-28-notaoverleg-over-rusland.md"
    assert "title: Notaoverleg over Rusland\n" in renamed.read_text("utf-8")
    assert not (project.root / CONTENT).exists(), "the superseded content file is removed"


def test_one_bad_transcript_does_not_stop_the_others(project: Project) -> None:
    (project.transcripts_dir / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    shutil.rmtree(project.content_dir)
    outcome = import_transcripts(project)
    assert outcome.written == 1 and outcome.skipped == 1
    assert any(d.file == "transcripts/broken.txt" and d.severity is Severity.ERROR
               for d in outcome.diagnostics)


def test_writes_are_atomic_and_leave_no_temporary_files(project: Project) -> None:
    touch_sidecar(project)
    import_transcripts(project)
    assert not [p.name for p in project.content_dir.iterdir() if p.name.startswith(".")]


def test_two_transcripts_with_the_same_meeting_id_do_not_overwrite_each_other(
        project: Project) -> None:
    for suffix in (".txt", ".meta.yaml"):
        shutil.copy(project.transcripts_dir / f"{SEED}{suffix}",
                    project.transcripts_dir / f"copy{suffix}")
    for name in (f"{SEED}.meta.yaml", "copy.meta.yaml"):
        path = project.transcripts_dir / name
        path.write_text(path.read_text(encoding="utf-8") + "id: ruslandstrategie\n", "utf-8")
    # another title: two meetings with one id, not one meeting from two sources
    copy_meta = project.transcripts_dir / "copy.meta.yaml"
    copy_meta.write_text(copy_meta.read_text(encoding="utf-8").replace(
        "title:", "title: Kopie van", 1), "utf-8")
    outcome = import_transcripts(project)
    assert outcome.written == 1
    assert any("also the id of a meeting in transcripts/" in d.message
               for d in outcome.diagnostics)


def test_a_broken_registry_stops_the_import_before_anything_is_written(
        project: Project) -> None:
    (project.content_dir / "people.yaml").write_text("bosman: [unclosed\n", encoding="utf-8")
    touch_sidecar(project)
    before = snapshot(project.content_dir)
    outcome = import_transcripts(project)
    assert outcome.written == 0
    assert [(d.file, d.severity) for d in outcome.diagnostics][:1] == [
        ("content/people.yaml", Severity.ERROR)]
    assert snapshot(project.content_dir) == before


def test_load_meetings_returns_every_meeting_sorted_by_id(project: Project) -> None:
    shutil.copy(project.root / CONTENT, project.content_dir / "aaa.md")
    text = (project.content_dir / "aaa.md").read_text(encoding="utf-8")
    (project.content_dir / "aaa.md").write_text(text.replace("id: 2020-", "id: zzz-", 1), "utf-8")
    meetings, diagnostics = load_meetings(project)
    assert [m.id for m in meetings] == ["2020-09-28-notaoverleg-ruslandstrategie",
                                      "zzz-09-28-notaoverleg-ruslandstrategie"]
    assert not [d for d in diagnostics if d.severity is Severity.ERROR]


def test_a_hostile_meeting_id_cannot_write_outside_content(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "data" / "hostile", tmp_path / "transcripts")
    outcome = import_transcripts(load_project(tmp_path))
    assert outcome.written == 1
    assert sorted(p.name for p in (tmp_path / "content").iterdir()) == [
        "people.yaml", "tmp-plenum-escape-script-alert-id-script.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".plenum-cache", "content", "transcripts"]
    assert any("not a safe file name" in d.message for d in outcome.diagnostics)


def test_a_reader_that_crashes_costs_only_its_own_transcript(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.importer

    real = generator.importer.read_transcript

    def flaky(path: Path, display: str | None = None, data: bytes | None = None
              ):  # type: ignore[no-untyped-def]
        if path.name == "crash.txt":
            raise RuntimeError("a bug in a reader")
        return real(path, display, data)

    monkeypatch.setattr(generator.importer, "read_transcript", flaky)
    (project.transcripts_dir / "crash.txt").write_text("De voorzitter:\nGoedemiddag.\n", "utf-8")
    shutil.rmtree(project.content_dir)
    outcome = import_transcripts(project)
    assert outcome.written == 1 and outcome.skipped == 1
    [crash] = [d for d in outcome.diagnostics if d.file == "transcripts/crash.txt"]
    assert "the reader crashed" in crash.message and "a bug in a reader" in crash.message


def test_the_shipped_example_content_is_what_importing_its_transcripts_gives(tmp_path):
    """``content/`` in the repository is the import of ``transcripts/`` by
    this parser, stamp included: the README's first command (which imports
    first) must not change a file a clone holds."""
    from site_fixture import copy_project

    root = copy_project(tmp_path / "example")
    outcome = import_transcripts(load_project(root), force=True, jobs=1)
    assert not [d for d in outcome.diagnostics if d.severity is Severity.ERROR]
    made = {p.name: p.read_bytes() for p in (root / "content").iterdir() if p.is_file()}
    shipped = {p.name: p.read_bytes() for p in (ROOT / "content").iterdir() if p.is_file()}
    assert made.keys() == shipped.keys()
    for name in sorted(made):
        assert made[name] == shipped[name], f"content/{name}: run build.py import and commit"
