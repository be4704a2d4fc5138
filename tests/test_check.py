"""`build.py check`: content/ and the speaker registry validated, every problem
with file and line, on content imported from the real seed transcript."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import Project, load_project
from generator.content import check_content, check_meeting
from generator.errors import Severity
from generator.importer import import_transcripts
from generator.markdown_io import read_meeting
from generator.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
SEED = "000_80043238be0c1716"
CONTENT = "content/2020-09-28-notaoverleg-ruslandstrategie.md"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checked")
    (root / "transcripts").mkdir()
    for name in (f"{SEED}.txt", f"{SEED}.meta.yaml"):
        shutil.copy(ROOT / "transcripts" / name, root / "transcripts" / name)
    assert import_transcripts(load_project(root)).written == 1
    return root


@pytest.fixture
def project(imported: Path, tmp_path: Path) -> Project:
    shutil.copytree(imported, tmp_path / "archive")
    return load_project(tmp_path / "archive")


def edit(project: Project, old: str, new: str, path: str = CONTENT) -> int:
    """Replace the first `old` in a content file; the 1-based line it was on."""
    file = project.root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def errors(project: Project) -> list[tuple[str, str, int]]:
    return [(d.message, d.file, d.line) for d in check_content(project)
            if d.severity is Severity.ERROR]


def test_freshly_imported_content_has_no_errors(project: Project) -> None:
    assert errors(project) == []
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root",
                             str(project.root), "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_bad_front_matter_is_reported_with_file_and_line(project: Project) -> None:
    line = edit(project, "clerk: Meijers\n", "clerk: [Meijers\n")
    [(message, file, at)] = errors(project)
    assert message.startswith("front matter is not valid YAML")
    assert (file, at) == (CONTENT, line)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root",
                             str(project.root), "check"], capture_output=True, text=True)
    assert result.returncode == 1
    assert f'File "{CONTENT}", line' in result.stderr


def test_an_unknown_speaker_id_is_reported_at_its_turn(project: Project) -> None:
    line = edit(project, "{#t0002 speaker=karabulut", "{#t0002 speaker=karabulutt")
    assert errors(project) == [("unknown speaker 'karabulutt'", CONTENT, line)]


def test_a_duplicate_turn_id_is_reported_at_the_second_turn(project: Project) -> None:
    line = edit(project, "::: turn {#t0003 ", "::: turn {#t0002 ")
    assert ("turn id 't0002' is used more than once", CONTENT, line) in errors(project)


def test_a_motion_pointing_at_a_missing_turn_is_reported_at_the_motion(
        project: Project) -> None:
    text = (project.root / CONTENT).read_text(encoding="utf-8")
    opening = next(x for x in text.splitlines() if x.startswith("::: motion {#35373-3 "))
    turn = opening.split(" turn=")[1].split()[0]
    line = edit(project, opening, opening.replace(f" turn={turn}", " turn=t9999"))
    assert errors(project) == [
        ("motion of motion '35373-3' points at a missing turn 't9999'", CONTENT, line)]


def test_a_verdict_pointing_at_a_missing_turn_is_reported_at_its_motion(
        project: Project) -> None:
    text = (project.root / CONTENT).read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("#### Appreciatie"))
    opening = next(i for i in range(at, 0, -1) if lines[i].startswith("::: motion"))
    motion = lines[opening].split("{#")[1].split()[0]
    turn = lines[at].split(" turn=")[1].split()[0].rstrip("}")
    edit(project, lines[at], lines[at].replace(f"turn={turn}", "turn=t9999"))
    assert errors(project) == [
        (f"verdict of motion {motion!r} points at a missing turn 't9999'", CONTENT, opening + 1)]


def test_an_unclosed_block_is_reported_with_its_line(project: Project) -> None:
    text = (project.root / CONTENT).read_text(encoding="utf-8")
    start = text.index("::: turn {#t0002 ")
    close = text.index("\n:::\n", start)
    (project.root / CONTENT).write_text(text[:close] + text[close + 4:], encoding="utf-8")
    next_line = text[:text.index("::: turn {#t0003 ")].count("\n") + 1 - 1
    assert ("block opened inside another block", CONTENT, next_line) in errors(project)


def test_registry_problems_are_reported_with_file_and_line(project: Project) -> None:
    registry = project.content_dir / "people.yaml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text + "\nbosman:\n  name: Bosman again\n", encoding="utf-8")
    line = len(text.splitlines()) + 2
    assert [e for e in errors(project) if e[1] == "content/people.yaml"] == [
        ("person id 'bosman' appears twice (first on line "
         f"{text.splitlines().index('bosman:') + 1}); the later entry wins",
         "content/people.yaml", line)]


@pytest.fixture(scope="module")
def content_lines(imported: Path) -> list[str]:
    return (imported / CONTENT).read_text(encoding="utf-8").split("\n")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mangled_content_file_never_crashes_and_every_error_has_a_line(
        content_lines: list[str], data: st.DataObject) -> None:
    lines = list(content_lines)
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "junk"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(j, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "truncate":
            lines[i] = lines[i][: len(lines[i]) // 2]
        else:
            lines[i] = data.draw(st.sampled_from(
                [":::", "::: turn {#", "---", "#### Tekst", "- {id: x", "people: 3", "\x00"]))
        if not lines:
            lines.append("")
    meeting, diagnostics = read_meeting("\n".join(lines), CONTENT)
    assert all(d.file == CONTENT and d.line > 0 for d in diagnostics
               if d.severity is Severity.ERROR)
    if meeting is not None:
        check_meeting(meeting, "\n".join(lines), CONTENT, Registry())
