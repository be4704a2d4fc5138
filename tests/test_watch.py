"""The preview's look by inotify (`generator.watch.Looker`) gives what a
whole look (`generator.serve.snapshot`) gives, after any change."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

from generator.serve import snapshot
from generator.watch import Looker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify")


def _tops(root: Path) -> list[Path]:
    return [root / "transcripts", root / "content", root / "templates", root / "plenum.toml"]


def _whole(tops: list[Path]) -> dict[Path, dict]:
    return {top: snapshot(top) for top in tops}


def _save(path: Path, text: str) -> None:
    """As an editor saves: a new file renamed over the old one."""
    tmp = path.with_name(path.name + ".saving")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _changes(root: Path, rng: random.Random) -> None:
    """One random change of the files under `root`."""
    folders = [root / "transcripts", root / "content", root / "content" / "sub",
               root / "templates", root / ".hidden"]
    folder = rng.choice(folders)
    kind = rng.choice(["write", "write", "save", "remove", "mkdir", "rmtree", "rename",
                       "symlink", "config", "move-folder", "touch"])
    files = [p for p in folder.glob("*") if p.is_file() and not p.is_symlink()] \
        if folder.is_dir() else []
    if kind in ("write", "save") or (kind == "remove" and not files):
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"f{rng.randrange(6)}.txt"
        if kind == "save" and path.is_file():
            _save(path, f"{rng.random()}")
        else:
            with path.open("a", encoding="utf-8") as fh:
                fh.write("x" * rng.randrange(1, 5))
    elif kind == "remove":
        rng.choice(files).unlink()
    elif kind == "mkdir":
        (folder / f"d{rng.randrange(3)}").mkdir(parents=True, exist_ok=True)
        (folder / f"d{rng.randrange(3)}" / "inner.txt").parent.mkdir(parents=True, exist_ok=True)
        (folder / "d0" / "inner.txt").parent.mkdir(parents=True, exist_ok=True)
        (folder / "d0" / "inner.txt").write_text("in", encoding="utf-8")
    elif kind == "rmtree":
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    elif kind == "rename" and files:
        source = rng.choice(files)
        source.rename(rng.choice([f for f in folders if f.is_dir()] or [folder]) / source.name)
    elif kind == "symlink" and files:
        link = folder / "link.txt"
        if not link.exists() and not link.is_symlink():
            link.symlink_to(rng.choice(files))
    elif kind == "config":
        if (root / "plenum.toml").exists() and rng.random() < 0.3:
            (root / "plenum.toml").unlink()
        else:
            _save(root / "plenum.toml", f"title = '{rng.random()}'\n")
    elif kind == "move-folder" and folder.is_dir():
        target = root / f"moved-{rng.randrange(2)}"
        if not target.exists():
            folder.rename(target)
            if rng.random() < 0.5:
                target.rename(folder)
    elif kind == "touch" and files:
        os.utime(rng.choice(files), ns=(1, rng.randrange(1, 10**12)))


def test_a_look_by_difference_is_a_whole_look(tmp_path: Path) -> None:
    tops = _tops(tmp_path)
    for top in tops[:3]:
        top.mkdir()
        (top / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "plenum.toml").write_text("title = 'x'\n", encoding="utf-8")
    looker = Looker.start(tops, snapshot)
    assert looker is not None
    rng = random.Random(5)
    seen = looker.look({})
    assert seen == _whole(tops)
    for step in range(400):
        for _ in range(rng.randrange(0, 4)):
            _changes(tmp_path, rng)
        seen = looker.look(seen)
        assert seen == _whole(tops), f"step {step}"
    looker.close()


def test_an_unchanged_input_is_the_previous_look_itself(tmp_path: Path) -> None:
    tops = _tops(tmp_path)
    for top in tops[:3]:
        top.mkdir()
        (top / "a.txt").write_text("a", encoding="utf-8")
    looker = Looker.start(tops, snapshot)
    assert looker is not None
    first = looker.look({})
    (tmp_path / "content" / "a.txt").write_text("changed", encoding="utf-8")
    second = looker.look(first)
    assert second[tmp_path / "transcripts"] is first[tmp_path / "transcripts"]
    assert second[tmp_path / "content"] != first[tmp_path / "content"]
    assert second == _whole(tops)
    only = looker.look(second, only=[tmp_path / "content"])
    assert list(only) == [tmp_path / "content"]
    looker.close()


def test_a_look_at_one_input_leaves_the_others_changes_for_later(tmp_path: Path) -> None:
    tops = _tops(tmp_path)
    for top in tops[:3]:
        top.mkdir()
    looker = Looker.start(tops, snapshot)
    assert looker is not None
    seen = looker.look({})
    (tmp_path / "transcripts" / "t.txt").write_text("t", encoding="utf-8")
    (tmp_path / "content" / "c.md").write_text("c", encoding="utf-8")
    content = looker.look(seen, only=[tmp_path / "content"])[tmp_path / "content"]
    assert content == snapshot(tmp_path / "content")
    later = looker.look({**seen, tmp_path / "content": content})
    assert later == _whole(tops)
    looker.close()
