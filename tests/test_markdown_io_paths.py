"""The two readers of content files agree: the line reader that `read_meeting`
uses for files shaped as `write_meeting` writes them (`_canonical_blocks`) and
markdown-it, which reads everything else. Both must give the same meeting and
the same diagnostics on every content file the importer writes (corpus, seed,
hostile transcript, the example's content/) and on hand-edited variants of
them: there the line reader must either give up or read them exactly as
markdown-it does."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import markdown_io
from generator.ingest import TRANSCRIPT_SUFFIXES, read_transcript
from generator.markdown_io import (
    ImportStamp,
    is_hand_edited,
    read_meeting,
    write_meeting,
)
from generator.markdown_syntax import (
    YamlLoader,
    flow_map,
    read_flow_list,
    read_flow_map,
    read_yaml_scalar,
    yaml_scalar,
)

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPT_DIRS = [ROOT / "tests" / "data" / "corpus", ROOT / "transcripts",
                   ROOT / "tests" / "data" / "hostile"]
STAMP = ImportStamp("test", "0" * 64)


@cache
def imported_files() -> dict[str, str]:
    """Every content file an import writes for the test transcripts, plus the
    example archive's committed content/."""
    files = {}
    for folder in TRANSCRIPT_DIRS:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in TRANSCRIPT_SUFFIXES or path.name.startswith("README"):
                continue
            for meeting in read_transcript(path, path.name).meetings:
                files[f"{path.name}:{meeting.id}"] = write_meeting(meeting, STAMP)
    for path in sorted((ROOT / "content").glob("*.md")):
        files[f"content/{path.name}"] = path.read_text(encoding="utf-8")
    return files


def both_readers(text: str) -> tuple[tuple, tuple]:
    return (read_meeting(text, "content/x.md"),
            read_meeting(text, "content/x.md", line_reader=False))


def test_the_test_files_cover_every_format() -> None:
    names = " ".join(imported_files())
    assert all(kind in names for kind in ("ohxml", "vlos", "pdftxt", "pdf:", "hostile",
                                          "content/"))
    assert len(imported_files()) >= 12


@pytest.mark.parametrize("name", sorted(imported_files()))
def test_line_reader_and_markdown_it_read_every_imported_file_alike(name: str) -> None:
    text = imported_files()[name]
    assert not is_hand_edited(text)
    lines = text.split("\n")
    start = lines.index("---", 1) + 1
    assert markdown_io._canonical_blocks(markdown_io._Reader("x"), lines, start) is not None, \
        "the line reader gave up on import output"
    fast, general = both_readers(text)
    assert fast == general
    assert fast[0] is not None and fast[1] == []


# Hand edits, line by line: what a person (or a merge tool) does to a file.
EDIT_LINES = [
    "", " ", "  ", "\t", ":::", "::: ", "::: turn {#t9999 speaker=x}", "::: motion {#m1}",
    "::: commitment {turn=t0001}", "::: unknown", "::::", ":::: turn {#t1}", "- item",
    "-item", "* item", "+ item", "1. item", "2) item", "#### Tekst", "#### Stemming",
    "#### Onbekend", "### Tekst", "####Tekst", "# kop", "> citaat", "    ingesprongen",
    "  - ingesprongen item", "\tmet tab", "---", "***", "___", "===", "~~~", "```",
    "<div>", "<!-- notitie -->", "gewone tekst", "tekst met \\", "&amp; &#65;", "{#t0001}",
    "- voor: SP", "- tegen: VVD", "- x {#id}", "Tekst\\", "| a | b |", "[x]: http://x",
    "...", " ---", "--- ", "----", "title: x", "people: []", "- {id: x}", "\r", "\x00",
]


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, str]]]:
    names = sorted(imported_files())
    name = draw(st.sampled_from(names))
    ops = draw(st.lists(st.tuples(
        st.sampled_from(["insert", "replace", "delete", "duplicate", "append", "prepend"]),
        st.integers(min_value=0, max_value=10**6),
        st.sampled_from(EDIT_LINES) | st.text(alphabet=" -#:>*{}\\t0123456789ab.", max_size=6)),
        min_size=1, max_size=4))
    return name, ops


def edited(text: str, ops: list[tuple[str, int, str]]) -> str:
    lines = text.split("\n")
    for op, at, line in ops:
        i = 1 + at % max(1, len(lines) - 1)  # anywhere but the opening '---'
        if op == "insert":
            lines.insert(i, line)
        elif op == "replace" and i < len(lines):
            lines[i] = line
        elif op == "delete" and i < len(lines):
            del lines[i]
        elif op == "duplicate" and i < len(lines):
            lines.insert(i, lines[i])
        elif op == "append" and i < len(lines):
            lines[i] += line
        elif op == "prepend" and i < len(lines):
            lines[i] = line + lines[i]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(edits())
def test_hand_edited_files_read_alike(edit) -> None:  # type: ignore[no-untyped-def]
    name, ops = edit
    fast, general = both_readers(edited(imported_files()[name], ops))
    assert fast == general



def front_matter_lines(text: str) -> list[str]:
    return text[4:text.find("\n---\n", 3)].split("\n")


@pytest.mark.parametrize("name", sorted(imported_files()))
def test_the_front_matter_of_every_imported_file_is_read_without_yaml_as_yaml_reads_it(
        name: str) -> None:
    lines = front_matter_lines(imported_files()[name])
    fast = markdown_io._canonical_front_matter(lines)
    assert fast is not None
    assert fast == yaml.load("\n".join(lines), Loader=YamlLoader)  # noqa: S506 - a safe loader


SCALAR_PIECES = ["a", "B", " ", ":", "#", '"', "\\", "\n", "\t", "\x00", "\x85", "\u2028", "é",
                 "null", "~", "12", "-", ",", "{", "}", "[", "]", "'", "’", "\ufeff", "😀", "yes"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SCALAR_PIECES) | st.text(max_size=3), max_size=6).map("".join))
def test_every_scalar_the_writer_writes_is_read_back_without_yaml(value: str) -> None:
    source = yaml_scalar(value)
    assert read_yaml_scalar(source) == (value,)
    assert read_flow_map(flow_map([("id", value), ("name", "x")])) == {"id": value, "name": "x"}
    assert read_flow_list(f"[{source}, {source}]") == [value, value]


SOURCE_PIECES = ['"', "\\", "x41", "u00E9", "n", "a", " ", ",", ", ", "{", "}", "[", "]", ": ",
                 "null", "k", "\\x4", "'", "#", "id: ", "{id: ", "~", "\t"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(SOURCE_PIECES), max_size=8).map("".join))
def test_what_the_yaml_free_reader_accepts_it_reads_as_yaml_does(source: str) -> None:
    for read in (read_yaml_scalar, read_flow_map, read_flow_list):
        got = read(source)
        if got is not None:
            value = yaml.load("x: " + source, Loader=YamlLoader)["x"]  # noqa: S506
            assert got == ((value,) if read is read_yaml_scalar else value)
