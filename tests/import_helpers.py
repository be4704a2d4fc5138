"""Helpers shared by the import tests that edit a small imported archive and
compare two imports: edits saved as an editor saves, and the outcome and
record of an import in a form two imports can be compared by."""

from __future__ import annotations

import os
import time
from pathlib import Path

import generator.import_state as import_state
import generator.importer as importer
from generator.import_state import read_record

HOUR_AGO = time.time_ns() - 3600 * 10**9


def age(root: Path) -> None:
    """Make every input and the import's record look an hour old (settled:
    the import may keep what it read of them)."""
    for folder in ("transcripts", "content", import_state.RECORD):
        for path in (root / folder).iterdir():
            os.utime(path, ns=(HOUR_AGO, HOUR_AGO))


def transcript(root: Path, index: int) -> Path:
    """The `index`-th transcript of `root`, in name order."""
    return sorted((root / "transcripts").glob("*.txt"))[index]


def save_as_editor(path: Path, text: str) -> None:
    """Write `text` to a new file renamed over `path` (a new inode)."""
    tmp = path.with_name(path.name + ".swp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def edit(root: Path) -> None:
    """Change a word of the fourth transcript's chair's greeting."""
    path = transcript(root, 3)
    text = path.read_text(encoding="utf-8")
    save_as_editor(path, text.replace("Goedemiddag. Ik open", "Goedemorgen. Ik open", 1))


def summary(out: importer.ImportOutcome) -> tuple:
    """What an import said and counted."""
    return (out.messages, out.diagnostics, out.written, out.unchanged, out.skipped,
            out.refused, out.refused_files)


def record_values(root: Path) -> dict:
    """The import record without stats (the inodes of a copy differ)."""
    return {section: {name: entry[3] if section != "said" else entry
                      for name, entry in entries.items()}
            for section, entries in read_record(root).items()}
