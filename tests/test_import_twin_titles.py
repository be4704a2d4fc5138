"""An import of a few transcripts in a process that keeps nothing (the CLI
after an edit) parses them first and makes its twin index
(`duplicates.Twins`) of only the content files that may share a title with
one of their meetings (`importer._twin_titles`). It must give exactly what
the same import with the whole index gives: the same content/ tree,
messages, diagnostics and record, twins found or not."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from import_helpers import age, edit, record_values, save_as_editor, summary, transcript
from synthetic_project import file_tree

import generator.importer as importer
from benchmarks.synth import generate_archive
from generator.config import load_project
from generator.duplicates import Twins
from generator.importer import import_transcripts


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight synthetic transcripts, imported, their files an hour old."""
    root = tmp_path_factory.mktemp("twin-titles")
    generate_archive(8, root / "transcripts", seed=11, target_bytes=6_000)
    assert import_transcripts(load_project(root)).written == 8
    age(root)
    return root


def add_twin(root: Path) -> None:
    """The same meeting again, as a second transcript: not imported twice."""
    path = transcript(root, 2)
    shutil.copy(path, path.with_name("zz-copy.txt"))
    shutil.copy(path.with_suffix(".meta.yaml"), path.with_name("zz-copy.meta.yaml"))


def add_twin_in_place(root: Path) -> None:
    """The twin written over an earlier transcript's name (it replaces a meeting)."""
    source = transcript(root, 1)
    target = transcript(root, 5)
    save_as_editor(target, source.read_text(encoding="utf-8"))
    save_as_editor(target.with_suffix(".meta.yaml"),
                   source.with_suffix(".meta.yaml").read_text(encoding="utf-8"))


def retitle(root: Path) -> None:
    """A meeting given another meeting's title (looked up, not the same meeting)."""
    other = transcript(root, 0).with_suffix(".meta.yaml").read_text(encoding="utf-8")
    title = next(line for line in other.splitlines() if line.startswith("title:"))
    path = transcript(root, 6).with_suffix(".meta.yaml")
    lines = [title if line.startswith("title:") else line
             for line in path.read_text(encoding="utf-8").splitlines()]
    save_as_editor(path, "\n".join(lines) + "\n")


def edit_two(root: Path) -> None:
    edit(root)
    retitle(root)


CHANGES: list[Callable[[Path], None]] = [edit, add_twin, add_twin_in_place, retitle, edit_two]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
def test_a_few_transcripts_import_as_with_the_whole_twin_index(
        archive: Path, tmp_path: Path, change: Callable[[Path], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    filtered, whole = tmp_path / "filtered", tmp_path / "whole"
    shutil.copytree(archive, filtered)
    change(filtered)
    shutil.copytree(filtered, whole)
    put: list[Path] = []
    original = Twins.put_content

    def counting(self: Twins, path: Path, *args: object) -> None:
        put.append(path)
        original(self, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Twins, "put_content", counting)
    got = import_transcripts(load_project(filtered))
    put_filtered = len(put)
    monkeypatch.setattr(importer, "_twin_titles", lambda parsed: None)
    put.clear()
    expected = import_transcripts(load_project(whole))
    assert summary(got) == summary(expected)
    assert file_tree(filtered / "content") == file_tree(whole / "content")
    assert record_values(filtered) == record_values(whole)
    assert len(put) >= 7  # the whole index: every content file
    assert put_filtered < len(put)  # only those with a title of a parsed meeting
    if change in (add_twin, add_twin_in_place):
        assert any("not imported twice" in d.message for d in got.diagnostics)


def test_twin_titles_are_the_titles_twins_look_up(archive: Path) -> None:
    parsed = [importer._parse_item((p, p.name))
              for p in sorted((archive / "transcripts").glob("*.txt"))[:3]]
    assert importer._twin_titles(parsed) == {
        " ".join(m.title.split()).casefold() for p in parsed for m in p.meetings}
