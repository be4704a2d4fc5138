"""An import in a long-lived process (serve: `file_memo` keeps parsed files)
takes what the previous import of that process established (`importer._Kept`,
`import_state` carrying its record over) and looks again only at files whose
stat changed. After each kind of change it gives exactly what a fresh import
of the same files gives: the same content/ tree, messages and diagnostics."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from import_helpers import age, edit, record_values, save_as_editor, summary, transcript
from synthetic_project import file_tree, recorded_calls

import generator.import_state as import_state
import generator.importer as importer
from benchmarks.synth import generate_archive
from generator import file_memo
from generator.config import load_project
from generator.importer import import_transcripts


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight synthetic transcripts (two more kept aside as `spare`), imported."""
    root = tmp_path_factory.mktemp("kept")
    generate_archive(10, root / "spare", seed=7, target_bytes=6_000)
    (root / "transcripts").mkdir()
    for path in sorted((root / "spare").iterdir())[:16]:
        path.rename(root / "transcripts" / path.name)
    assert import_transcripts(load_project(root)).written == 8
    import_transcripts(load_project(root))
    age(root)
    return root


@pytest.fixture
def keeping() -> Iterator[None]:
    file_memo.keep_parsed_files()
    yield
    file_memo.keep_parsed_files(False)
    importer._kept = None


def fresh_import(root: Path) -> importer.ImportOutcome:
    """An import as a new process makes it (this process's kept state left as it was)."""
    kept, last = importer._kept, import_state._last
    file_memo.keep_parsed_files(False)
    try:
        return import_transcripts(load_project(root))
    finally:
        importer._kept, import_state._last = kept, last
        file_memo.keep_parsed_files()


def assert_same_record(root: Path, fresh: Path) -> None:
    """The kept import's record holds what the fresh import's does, and
    otherwise only entries of files that are still there (a sidecar whose
    transcript went: still valid, though no import looks it up again)."""
    kept, made = record_values(root), record_values(fresh)
    for section, entries in made.items():
        assert {n: kept[section].get(n) for n in entries} == entries, section
        assert all((root / n).exists() for n in kept[section]), section


def edit_in_place(root: Path) -> None:
    """Behind the process's back: the same inode, written in place."""
    path = transcript(root, 5)
    text = path.read_text(encoding="utf-8")
    with path.open("r+", encoding="utf-8") as fh:
        fh.write(text.replace("Goedemiddag. Ik open", "Goedemorgen. Ik ging", 1))


def add(root: Path) -> None:
    for path in sorted((root / "spare").iterdir())[-2:]:
        shutil.copy(path, root / "transcripts" / path.name)


def add_twin(root: Path) -> None:
    """The same meeting again, as a second transcript (not imported twice)."""
    path = transcript(root, 2)
    shutil.copy(path, path.with_name("zz-copy.txt"))


def remove(root: Path) -> None:
    path = transcript(root, 1)
    path.unlink()
    path.with_name(path.stem + ".meta.yaml").unlink()


def rename(root: Path) -> None:
    path = transcript(root, 4)
    path.rename(path.with_name("renamed.txt"))


def edit_sidecar(root: Path) -> None:
    path = transcript(root, 6).with_suffix(".meta.yaml")
    text = path.read_text(encoding="utf-8")
    save_as_editor(path, text.replace("title: ", "title: Extra ", 1))


def hand_edit_content(root: Path) -> None:
    path = sorted((root / "content").glob("*.md"))[0]
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\nA note by hand.\n")


def break_registry(root: Path) -> None:
    """A registry the import stops at (it writes nothing)."""
    path = root / "content" / "people.yaml"
    shutil.copy(path, root / "people.yaml.kept")
    save_as_editor(path, path.read_text(encoding="utf-8") + "\n: [unclosed\n")


def mend_registry(root: Path) -> None:
    shutil.copy(root / "people.yaml.kept", root / "content" / "people.yaml")


def drop_record(root: Path) -> None:
    shutil.rmtree(root / import_state.RECORD)


CHANGES: list[Callable[[Path], None]] = [edit, edit_in_place, add, add_twin, remove, rename,
                                         edit_sidecar, hand_edit_content, break_registry,
                                         edit, mend_registry, drop_record]


@pytest.mark.usefixtures("keeping")
def test_each_change_imports_as_a_fresh_import(archive: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "kept"
    shutil.copytree(archive, root)
    project = load_project(root)
    import_transcripts(project)  # establishes what the next import keeps
    age(root)
    import_transcripts(project)
    indexed = recorded_calls(monkeypatch, importer, "_source_index")
    for k, change in enumerate(CHANGES):
        change(root)
        copy = tmp_path / f"fresh{k}"
        shutil.copytree(root, copy)
        kept = import_transcripts(project)
        assert summary(kept) == summary(fresh_import(copy)), change.__name__
        if change is break_registry:
            assert kept.messages[-1].startswith("import stopped")
        assert file_tree(root / "content") == file_tree(copy / "content"), change.__name__
        assert_same_record(root, copy)
        again = import_transcripts(project)  # and with nothing changed since
        assert summary(again) == summary(fresh_import(copy)), change.__name__
    # Every import took the index it kept, but the ones after an import that
    # stopped (at the broken registry) and after the record was dropped.
    of_root = [content for content, *_ in indexed
               if next(iter(content.values())).folder.parent == root]
    assert len(of_root) == 2


@pytest.mark.usefixtures("keeping")
def test_a_kept_import_stats_the_folders_and_reads_no_file(archive: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "kept"
    shutil.copytree(archive, root)
    age(root)
    project = load_project(root)
    first = import_transcripts(project)
    age(root)
    import_transcripts(project)
    heads = recorded_calls(monkeypatch, importer, "_head")
    hashed = recorded_calls(monkeypatch, importer, "sha256_file")
    loaded = recorded_calls(monkeypatch, import_state, "_read_shard")
    assert summary(import_transcripts(project)) == summary(first)
    assert heads == hashed == loaded == []


def test_an_import_outside_serve_keeps_nothing(archive: Path, tmp_path: Path) -> None:
    root = tmp_path / "once"
    shutil.copytree(archive, root)
    importer._kept = None
    import_transcripts(load_project(root))
    assert importer._kept is None
