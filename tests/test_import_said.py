"""A replayed import reports what the import it replays reported."""

from __future__ import annotations

from pathlib import Path

from site_fixture import shared_alias_project

from generator.config import load_project
from generator.import_state import read_record
from generator.importer import import_transcripts


def test_an_import_reports_the_registry_it_wrote_as_the_next_import_reads_it(
        tmp_path: Path) -> None:
    """The import extends people.yaml; the next import (nothing changed: a
    replay) reads it and reports its warnings (an alias now of three
    entries). The import that wrote it reports the same, not the warnings of
    the file it read at its start, and records the file it wrote, so the
    replay need not parse it."""
    project = load_project(shared_alias_project(tmp_path))
    first = import_transcripts(project)
    replay = import_transcripts(project)
    assert (first.written, replay.written, replay.unchanged) == (1, 0, 1)
    belongs = [d.message for d in first.diagnostics if "belongs to" in d.message]
    assert belongs == ["alias 'de heer bosman (vvd):' belongs to bosman, bosman-2, bosman-3"]
    assert first.diagnostics == replay.diagnostics
    entry = read_record(tmp_path)["registry"]["content/people.yaml"]
    assert entry[3][1] == [[d.severity.value, d.message, d.file, d.line, d.text, d.hint]
                           for d in first.diagnostics if d.file == "content/people.yaml"]
