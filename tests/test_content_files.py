"""`generator.content.content_files` (the content files' paths as strings,
which a build's loading names them by) are `content_paths` as pathlib
makes them, whatever the names and however the folder is named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import Project
from generator.content import content_files, content_paths

_NAMES = st.lists(st.sampled_from(["a", "B", ".", "-", "é", "readme", "README", "x.md", " "]),
                  min_size=1, max_size=5).map("".join).filter(lambda n: n not in (".", ".."))


def _project(content_dir: Path) -> Project:
    class Only:  # (content_paths and content_files read the content folder alone)
        pass

    found = Only()
    found.content_dir = content_dir  # type: ignore[attr-defined]
    return found  # type: ignore[return-value]


@settings(max_examples=50, deadline=None)
@given(st.sets(_NAMES.map(lambda n: n + ".md") | _NAMES, max_size=8))
def test_content_files_are_content_paths_as_strings(tmp_path_factory, names):
    folder = tmp_path_factory.mktemp("content")
    for name in names:
        (folder / name).write_text("x", encoding="utf-8")
    project = _project(folder)
    assert content_files(project) == list(map(os.fspath, content_paths(project)))
    assert all(not Path(p).name.lower().startswith("readme") for p in content_files(project))


@pytest.mark.parametrize("relative", [".", "content", "content/sub"])
def test_a_relative_content_folder_gives_the_paths_pathlib_joins(tmp_path, monkeypatch,
                                                                   relative):
    monkeypatch.chdir(tmp_path)
    folder = Path(relative)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2020-01-01-a.md").write_text("x", encoding="utf-8")
    project = _project(folder)
    assert content_files(project) == [os.fspath(folder / "2020-01-01-a.md")]
    assert content_paths(project) == [folder / "2020-01-01-a.md"]


def test_no_content_folder_gives_no_files(tmp_path):
    assert content_files(_project(tmp_path / "missing")) == []
