"""The ``content/`` tree: load it and check it (the import that writes it is
`generator.importer`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from generator.config import Project
from generator.errors import Diagnostic, error, info, warning
from generator.markdown_io import read_meeting
from generator.model import Meeting
from generator.registry import REGISTRY_FILE, Registry, apply_registry, load_registry


def content_paths(project: Project) -> list[Path]:
    """The content files (``*.md`` but READMEs and hidden files), by name: one
    `scandir` and string work (pathlib's glob and sort were ~0.2 s at 10,000)."""
    return list(map(Path, content_files(project)))


def content_files(project: Project) -> list[str]:
    """`content_paths` as strings (a build's loading names each file by its
    path as a string: a `Path` per file, and its string made again from its
    parts, took 0.08-0.11 CPU-s at 10,000 files against ~0.02)."""
    folder = project.content_dir
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.endswith(".md")]
    except OSError:  # (not a folder)
        return []
    top = os.fspath(folder / "_")[:-1]  # (the folder's part of a path in it, as pathlib joins)
    return [top + name for name in sorted(names)
            if not name.lower().startswith("readme") and not name.startswith(".")]


# ------------------------------------------------------------------- load and check


def _load_registry(project: Project) -> tuple[Registry, list[Diagnostic]]:
    path = project.content_dir / REGISTRY_FILE
    return load_registry(path, project.display(path))


def read_content_file(project: Project, path: Path) -> tuple[Meeting | None, list[Diagnostic]]:
    shown = project.display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error(f"cannot read content file: {exc}", shown)]
    return read_meeting(text, shown)


ContentReader = Callable[[Project, Path], tuple[Meeting | None, list[Diagnostic]]]
ContentsReader = Callable[[Project, Sequence[str]],  # (the files' paths as strings)
                          Iterable[tuple[Meeting | None, list[Diagnostic]]]]


def load_meetings(project: Project, read: ContentReader | None = None,
                  registry: tuple[Registry, list[Diagnostic]] | None = None,
                  applied: ContentsReader | None = None
                  ) -> tuple[list[Meeting], list[Diagnostic]]:
    """Every meeting of ``content/``, sorted by id, with the registry applied
    (merged ids redirected, names and parties as the registry has them).
    `read` replaces `read_content_file`, e.g. by one that caches parsed files;
    `registry`, the registry and its diagnostics as `load_registry` gives
    them (e.g. from the build cache), reading ``people.yaml``; `applied`
    replaces both reading and applying `registry` (it gives the files'
    meetings, in their order, with the registry applied, e.g. as the build
    cache kept them)."""
    registry_, found = registry if registry is not None else _load_registry(project)
    diagnostics = list(found)
    meetings: dict[str, Meeting] = {}
    paths = content_files(project)
    reader = read or read_content_file
    results = applied(project, paths) if applied is not None else (
        reader(project, Path(path)) for path in paths)
    for path, (meeting, diags) in zip(paths, results, strict=True):
        diagnostics += diags
        if meeting is None:
            continue
        if meeting.id in meetings:
            diagnostics.append(error(f"meeting id {meeting.id!r} is used by two content files; "
                                     "this one is left out", project.display(Path(path)), 2,
                                     hint="give each meeting its own 'id:'"))
            continue
        meetings[meeting.id] = meeting if applied else apply_registry(meeting, registry_)
    return [meetings[k] for k in sorted(meetings)], diagnostics


def _block_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of the blocks in a content file, by the id in their opening line."""
    lines: dict[str, list[int]] = {}
    for i, line in enumerate(text.split("\n"), 1):
        if line.startswith(":::") and (m := re.search(r"\{#([^\s}]+)", line)):
            lines.setdefault(m.group(1), []).append(i)
    return lines


def _line_with(text: str, *needles: str) -> int:
    """The 1-based line where the first of `needles` that occurs first occurs
    (1 when none does: every diagnostic of a file points at a line in it)."""
    for needle in needles:
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 1


def check_meeting(meeting: Meeting, text: str, shown: str,
                  registry: Registry) -> list[Diagnostic]:
    """Cross-references of one meeting that the format alone cannot enforce."""
    diags: list[Diagnostic] = []
    where = _block_lines(text)
    first = {k: v[0] for k, v in where.items()}
    turn_ids = {t.id for t in meeting.turns}
    people = {p.id for p in meeting.people}
    for tid, lines in where.items():
        if len(lines) > 1 and tid in turn_ids:
            diags += [error(f"turn id {tid!r} is used more than once", shown, line,
                            hint="give each turn its own id") for line in lines[1:]]
    for t in meeting.turns:
        if t.speaker and t.speaker not in people and registry.get(
                registry.canonical(t.speaker)) is None:
            diags.append(error(f"unknown speaker {t.speaker!r}", shown,
                               first.get(t.id) or _line_with(text, f"speaker={t.speaker}"),
                               hint="use an id from 'people:' in the front matter or from "
                                    "content/people.yaml"))
    for pid in sorted(people):
        if registry.people and registry.get(registry.canonical(pid)) is None:
            diags.append(warning(f"person {pid!r} is not in the speaker registry", shown,
                                 _line_with(text, f"- {{id: {pid},", pid),
                                 hint="add it to content/people.yaml (an import does that)"))
    seen_motions: dict[str, int] = {}
    for mo in meeting.motions:
        n = seen_motions[mo.id] = seen_motions.get(mo.id, -1) + 1
        lines = where.get(mo.id, [])
        line = lines[n] if n < len(lines) else _line_with(text, "::: motion", mo.id)
        if n:
            diags.append(error(f"motion id {mo.id!r} is used more than once", shown, line,
                               hint="give each motion its own id"))
        refs = [("motion", mo.turn), ("verdict", mo.verdict and mo.verdict.turn),
                ("vote", mo.vote and mo.vote.turn)]
        diags += [error(f"{what} of motion {mo.id!r} points at a missing turn {ref!r}", shown,
                        line, hint="use the id of a turn in this file") for what, ref in refs
                  if ref and ref not in turn_ids]
    others = [("suspension", s.turn, "suspensions:") for s in meeting.suspensions] + [
        ("section", s.turn, "sections:") for s in meeting.sections] + [
        ("commitment", c.turn, f"::: commitment {{turn={c.turn}") for c in meeting.commitments]
    diags += [error(f"a {what} points at a missing turn {ref!r}", shown,
                    _line_with(text, f"turn: {ref}", f"turn={ref}", needle),
                    hint="use the id of a turn in this file") for what, ref, needle in others
              if ref and ref not in turn_ids]
    if meeting.chair and meeting.chair not in people:
        diags.append(warning(f"chair {meeting.chair!r} is not among 'people'", shown,
                             _line_with(text, "chair:")))
    return diags


def check_content(project: Project) -> list[Diagnostic]:
    """Everything `build.py check` reports: the registry, and every content
    file's front matter, blocks and cross-references, with file and line."""
    registry, diagnostics = _load_registry(project)
    owners: dict[str, str] = {}
    for path in content_paths(project):
        shown = project.display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            diagnostics.append(error(f"cannot read content file: {exc}", shown))
            continue
        meeting, diags = read_meeting(text, shown)
        diagnostics += diags
        if meeting is None:
            continue
        if meeting.id in owners:
            diagnostics.append(error(f"meeting id {meeting.id!r} is also used by "
                                     f"{owners[meeting.id]}", shown, 2))
        owners.setdefault(meeting.id, shown)
        if path.stem != meeting.id:
            diagnostics.append(info(f"file name does not match the meeting id {meeting.id!r}",
                                    shown, 2))
        diagnostics += check_meeting(meeting, text, shown, registry)
    return diagnostics
