"""Property-based fuzzing of `read_transcript` with real transcripts, mutated the
way PDFs, scrapers, OCR and hand edits break them.

Properties, for every mutated input:

1. No crash: `read_transcript` returns; it never raises.
2. Every problem is a diagnostic that names the file; every warning and error
   of the parser carries a line inside the file (decoding problems may be about
   the whole file: line 0).
3. No text lost: every word of the input that is not furniture occurs in the
   output (the meeting's open-data JSON: metadata, people, turns, motions,
   commitments, ...) or in a diagnostic (its message or quoted text).

Definitions used by property 3:

- The *input* is the decoded text (`decode_transcript`: the encoding tests
  cover decoding itself). A file refused as a whole (binary, or no meeting
  and an error diagnostic, e.g. text that starts like XML but is not) loses
  nothing silently: the user is told that the file was not read.
- A *word* is a maximal run of Unicode letters and digits (``[^\\W_]+``), case
  kept. It *occurs* in the output if it is a substring of the output: a word
  split by a line-end hyphen ("Ruslandstra-" / "tegie") occurs in the joined
  word ("Ruslandstrategie"). Each word must occur at least as many times in
  the output as it occurs as a word in the input after the first speaker
  label, so a dropped paragraph of common words is still caught; a word of the
  head (the text before the first label: title, chair, attendance list) must
  occur at least once, as the parser rightly lists a person once however often
  the head names them (except "en", the attendance list's last separator).
- *Furniture* is text the parser is meant to turn into structure rather than
  keep: the running page footer ("Tweede Kamer, vergaderjaar 2020–2021, 35 373,
  nr. 19 4"), the fixed formulas of the attendance block ("Voorzitter:",
  "Griffier:", "Aanwezig zijn tien leden der Kamer, te weten:", "en de heer" before a
  government member, "Aanvang 13.30
  uur.", "Sluiting 17.18 uur.") and of a motion ("Motie", "De Kamer,",
  "gehoord de beraadslaging,", "en gaat over tot de orde van de dag."). Names
  in the attendance block are not furniture: they must occur (as people).
  `FURNITURE` below is the exact list.

Set PLENUM_FUZZ_EXAMPLES to run more examples (default 60 per property).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import Severity
from generator.ingest import read_transcript
from generator.ingest.encoding import decode_transcript

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"
ONE_LINE = Path("/work/shared/corpus/tk-pdftxt-20240208-tmd-volkshuisvesting.txt")
SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
EXAMPLES = int(os.environ.get("PLENUM_FUZZ_EXAMPLES", "60"))
SHOWN = "transcripts/fuzz.txt"

pytestmark = pytest.mark.skipif(
    not (ROOT / "generator" / "ingest" / "text.py").exists(),
    reason="the text parser (generator/ingest/text.py) has not landed yet")

WORD = re.compile(r"[^\W_]+")
FURNITURE = [re.compile(p, re.MULTILINE) for p in (
    r"^Tweede Kamer, vergaderjaar \d{4}[–-]\d{4}, \d+ \d+, nr\. \d+ \d+ *$",
    r"^ *(?:Voorzitter|Griffier):",
    r"^ *Aanwezig zijn \w+ leden der Kamer, te weten:",
    r"\ben (?:de heer|mevrouw)(?= [^,\n]+, (?:Minister|Staatssecretaris))",
    r"\b(?:Aanvang|Sluiting) \d+[.:]\d+ uur\.",
    r"\bMotie\s+De Kamer,",  # inline, in one-line extractions
    r"^ *Motie *$",
    r"^ *De Kamer, *$",
    r"gehoord de beraadslaging,",
    r"en gaat over tot de orde van de dag\.",
)]
HEAD_FURNITURE = {"en"}  # "Van der Staaij en Voordewind": the list's last separator
LABEL = re.compile(r"^(?:De heer|Mevrouw|Minister|Staatssecretaris|De voorzitter)\b.*:\s*$")


# --- the check ---------------------------------------------------------------

def strings(value: Any) -> list[str]:
    """Every string inside nested JSON-ready data."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def output_text(result) -> str:
    from generator.export import meeting_to_dict

    parts = [s for m in result.meetings for s in strings(meeting_to_dict(m))]
    parts += [s for d in result.diagnostics for s in (d.message, d.text, d.hint)]
    return "\n".join(parts)


def input_words(text: str) -> Counter[str]:
    """How often each word must occur in the output (see the module docstring)."""
    for pattern in FURNITURE:
        text = pattern.sub(" ", text)
    lines = text.split("\n")
    first_label = next((i for i, ln in enumerate(lines) if LABEL.match(ln)), len(lines))
    required = Counter(WORD.findall("\n".join(lines[first_label:])))
    for word in WORD.findall("\n".join(lines[:first_label])):
        if word not in HEAD_FURNITURE:
            required[word] = max(required[word], 1)
    return required


def lost_words(text: str, result) -> list[str]:
    """Words of `text` that occur fewer times in the output than in the input,
    each with the first input line that has it."""
    out = output_text(result)
    lost = []
    for word, count in sorted(input_words(text).items()):
        if out.count(word) < count:
            line = next((i for i, ln in enumerate(text.split("\n"), 1)
                         if word in WORD.findall(ln)), 0)
            lost.append(f"{word!r} x{count - out.count(word)} (line {line})")
    return lost


def parse_bytes(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.txt"
        path.write_bytes(data)
        return read_transcript(path, SHOWN)


def check_properties(data: bytes) -> None:
    result = parse_bytes(data)  # property 1: this returns
    decoded = decode_transcript(data, SHOWN)
    decoding = set(decoded.diagnostics)
    for d in result.diagnostics:
        assert d.file == SHOWN, d.format()
        d.format()
    if decoded.text is None:
        assert any(d.severity is Severity.ERROR for d in result.diagnostics)
        assert not result.meetings
        return
    if not result.meetings and any(d.severity is Severity.ERROR for d in result.diagnostics):
        return  # refused as a whole, and said so
    lines = decoded.text.count("\n") + 1
    for d in result.diagnostics:
        if d in decoding or d.severity is Severity.INFO:
            continue
        assert 1 <= d.line <= lines, f"diagnostic without a line in the file:\n{d.format()}"
    for meeting in result.meetings:  # model.Source: line 0 in a flat (one-line) extraction
        for turn in meeting.turns:
            assert 0 <= turn.source.line <= lines, turn
    lost = lost_words(decoded.text, result)
    assert not lost, f"{len(lost)} word(s) lost: " + ", ".join(lost[:25])


# --- the mutations ------------------------------------------------------------

def excerpt() -> st.SearchStrategy[list[str]]:
    """A run of real seed lines (sometimes from the top, with the header)."""
    def cut(start: int, length: int) -> list[str]:
        return SEED_LINES[start: start + length]
    return st.builds(cut, st.one_of(st.just(0), st.integers(0, len(SEED_LINES) - 40)),
                     st.integers(5, 160))


LINE_EDITS = ("delete", "duplicate", "swap", "truncate")


def edit_line(draw, lines: list[str], i: int, op: str) -> None:
    """Apply one of LINE_EDITS to line `i`, in place."""
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]) - 1)))]


@st.composite
def mutated_lines(draw) -> list[str]:
    lines = list(draw(excerpt()))
    for _ in range(draw(st.integers(0, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "label",
                                   "blank", "join"]))
        if op in LINE_EDITS:
            edit_line(draw, lines, i, op)
        elif op == "label":
            labels = [k for k, ln in enumerate(lines) if LABEL.match(ln)] or [i]
            k = draw(st.sampled_from(labels))
            lines[k] = draw(st.sampled_from([
                lines[k].replace(":", ""), lines[k].replace(")", ""),
                lines[k].replace("(", ""), lines[k].lower(), lines[k].upper(),
                lines[k].rstrip() + " extra tekst", "  " + lines[k],
                lines[k].replace(" ", "", 1), lines[k].replace("De heer", "De her"),
                lines[k] + lines[k],
            ]))
        elif op == "blank":
            lines.insert(i, "")
        elif op == "join" and i + 1 < len(lines):
            lines[i: i + 2] = [lines[i] + lines[i + 1]]
    return lines


def encode(text: str, encoding: str) -> bytes:
    if encoding == "mojibake":
        return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    return text.encode(encoding, errors="replace")


ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252",
             "latin-1", "mojibake", "crlf"]


@st.composite
def mutated_bytes(draw) -> bytes:
    data = encode("\n".join(draw(mutated_lines())), draw(st.sampled_from(ENCODINGS)))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        junk = draw(st.binary(min_size=1, max_size=6))
        data = data[:at] + junk + data[at:]
    return data


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- the tests ------------------------------------------------------------------

def test_the_whole_seed_parses_without_losing_a_word():
    data = SEED.read_bytes()
    check_properties(data)


def test_the_one_line_pdf_extraction_parses_without_losing_a_word():
    if not ONE_LINE.exists():
        pytest.skip("corpus not available")
    check_properties(ONE_LINE.read_bytes())


@FUZZ
@given(mutated_lines())
def test_mutated_real_transcripts_never_crash_and_lose_no_words(lines):
    check_properties("\n".join(lines).encode("utf-8"))


@FUZZ
@given(mutated_bytes())
def test_mutated_transcripts_in_wrong_encodings_and_with_random_bytes_are_safe(data):
    check_properties(data)


@FUZZ
@given(st.integers(0, 40_000), st.integers(200, 6000), st.data())
def test_cut_pieces_of_a_one_line_extraction_never_crash_and_lose_no_words(start, size, data):
    if not ONE_LINE.exists():
        pytest.skip("corpus not available")
    text = ONE_LINE.read_text(encoding="utf-8")[start: start + size]
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.text(max_size=20)) + text[at:]
    check_properties(text.encode("utf-8"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text):
    check_properties(text.encode("utf-8", errors="surrogatepass"))


# --- hand-edited content files ----------------------------------------------------

EDIT_SNIPPETS = ["", ":::", "::: speech {#t0001 speaker=bosman}", "---", "{#", "}", "id: x",
                 "speaker: nobody", "- {id: x, name: 'Y'}", "\"", "'", "\t", ":", "#", "- ",
                 "turn: t9999", "::: motion {#35373-3 turn=t0404}", "date: 2020-13-45",
                 "<script>alert(1)</script>", "people: [", "\ufeff", "é"]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The seed imported into content/ of a fresh project."""
    from generator.config import load_project
    from generator.importer import import_transcripts

    root = tmp_path_factory.mktemp("handedit")
    (root / "transcripts").mkdir()
    for path in SEED.parent.glob(SEED.stem + "*"):
        (root / "transcripts" / path.name).write_bytes(path.read_bytes())
    project = load_project(root)
    import_transcripts(project)
    [content] = sorted(project.content_dir.glob("*.md"))
    return project, content, content.read_text(encoding="utf-8")


@st.composite
def edited_lines(draw, text: str) -> list[str]:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "insert",
                                   "splice"]))
        if op in LINE_EDITS:
            edit_line(draw, lines, i, op)
        elif op == "insert":
            lines.insert(i, draw(st.sampled_from(EDIT_SNIPPETS)))
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(EDIT_SNIPPETS)) + lines[i][at:]
        if not lines:
            lines = [""]
    return lines


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hand_edited_content_files_never_crash_check_or_load(imported, data):
    from generator.content import check_content, load_meetings

    project, content, original = imported
    lines = data.draw(edited_lines(original))
    content.write_text("\n".join(lines), encoding="utf-8")
    try:
        shown = project.display(content)
        for diagnostics in (check_content(project), load_meetings(project)[1]):
            for d in diagnostics:
                d.format()
                if d.file == shown and d.severity is Severity.ERROR:
                    assert 1 <= d.line <= len(lines), f"error without a line:\n{d.format()}"
    finally:
        content.write_text(original, encoding="utf-8")


# --- minimal failing examples found by the fuzzer, reported to the parser's owner ---

HEAD = ("Voorzitter: Pia Dijkstra\n"
        "Aanwezig zijn twee leden der Kamer, te weten: Bosman en Voordewind,\n\n")
BODY = "\n\nDe voorzitter:\nGoedemiddag.\n"


@pytest.mark.parametrize("line", [
    "en de heer Blok, Mnister van Buitenlandse Zaken.",  # a typo in the office
    "en de heer Blo",  # truncated
])
def test_a_damaged_government_member_line_is_kept_or_reported(line):
    check_properties((HEAD + line + BODY).encode("utf-8"))


def test_a_damaged_start_line_after_a_damaged_government_line_is_kept_or_reported():
    head = HEAD + "en de heer Blok, Minister van Buitenlandse Zaken.X\nAanvang 13.30x uur."
    check_properties((head + BODY).encode("utf-8"))
