"""Cross-source tests: the same meetings in XML (structure known) and as text.

Each real XML meeting of the corpus is rendered into the shapes a text
transcript arrives in (`tests/render_shapes.py`: the seed's wrapped, hyphenated,
paginated lines; a flattened one-line extraction; OCR'ed Markdown), then parsed
by the text parser. It must recover what the XML reader found: the speakers turn
by turn (as label names), the motions with their numbers and submitters, the
suspensions, and the words (no footer in any turn, hyphenated words rejoined).
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from render_shapes import (
    Rendered,
    render_flat,
    render_lines,
    render_markdown,
    render_narrow,
    render_run_in,
)

from generator.ingest import read_transcript
from generator.ingest.text import parse_text
from generator.model import Meeting, TurnKind

CORPUS = Path(__file__).parent / "data" / "corpus"
XML_FILES = sorted(p.name for p in CORPUS.glob("tk-*.xml"))
SHAPES = {"lines": render_lines, "narrow": render_narrow, "run-in": render_run_in,
          "flat": render_flat, "markdown": render_markdown}
# Words the text parser may get wrong per 1,000 (hyphenation is a judgement:
# "zwart-witte" broken at its hyphen reads as "zwartwitte"; flattened text
# cannot tell a kept line-end hyphen from a real one).
WORD_ERRORS_PER_1000 = {"lines": 0.5, "narrow": 1.0, "run-in": 0.5, "markdown": 0.5,
                        "flat": 2.0}


@cache
def xml_meetings(name: str) -> tuple[Meeting, ...]:
    return read_transcript(CORPUS / name, name).meetings


@cache
def rendered(name: str, index: int, shape: str) -> tuple[Rendered, Meeting]:
    out = SHAPES[shape](xml_meetings(name)[index])
    (meeting,) = parse_text(out.text, f"{name}.{shape}.txt").meetings
    return out, meeting


def cases() -> list[tuple[str, int, str]]:
    return [(name, i, shape) for name in XML_FILES
            for i in range(len(xml_meetings(name))) for shape in SHAPES]


def speech_turns(meeting: Meeting) -> list[tuple[str, list[str]]]:
    """(label, paragraphs) of each speech; a label-less chair line (ohxml keeps
    "Gaat u verder." outside any speech) belongs to the speech before it."""
    out: list[tuple[str, list[str]]] = []
    for turn in meeting.turns:
        if turn.kind == TurnKind.PROCEDURAL:
            continue
        if not turn.label and out:
            out[-1][1].extend(turn.paragraphs)
        elif turn.label:
            out.append((turn.label, list(turn.paragraphs)))
    return out


@pytest.mark.parametrize(("name", "index", "shape"), cases())
def test_text_rendering_of_an_xml_meeting_gives_the_same_speakers_turn_by_turn(
        name, index, shape):
    expected = [label for label, _ in speech_turns(xml_meetings(name)[index])]
    _, meeting = rendered(name, index, shape)
    assert [label for label, _ in speech_turns(meeting)] == expected


@pytest.mark.parametrize(("name", "index", "shape"), cases())
def test_text_rendering_of_an_xml_meeting_gives_the_same_motions_and_suspensions(
        name, index, shape):
    source = xml_meetings(name)[index]
    _, meeting = rendered(name, index, shape)
    assert [(m.number, m.submitters) for m in meeting.motions] == [
        (m.number, m.submitters) for m in source.motions]
    clauses = [(m.considerations, m.requests) for m in meeting.motions]
    if shape == "flat":  # a kept line-end hyphen may stay inside a word: count clauses
        clauses = [(len(c), len(r)) for c, r in clauses]
        assert clauses == [(len(m.considerations), len(m.requests)) for m in source.motions]
    else:
        assert clauses == [(m.considerations, m.requests) for m in source.motions]
    assert [(s.start, s.end) for s in meeting.suspensions] == [
        (s.start, s.end) for s in source.suspensions]


@pytest.mark.parametrize(("name", "index", "shape"), cases())
def test_text_rendering_of_an_xml_meeting_keeps_its_words_without_furniture(
        name, index, shape):
    out, meeting = rendered(name, index, shape)
    assert not any("vergaderjaar" in p for t in meeting.turns for p in t.paragraphs)
    expected_turns = speech_turns(xml_meetings(name)[index])
    got_turns = speech_turns(meeting)
    total, wrong, shown = 0, 0, []
    for (_, want), (_, have) in zip(expected_turns, got_turns, strict=True):
        a, b = " ".join(want).split(), " ".join(have).split()
        total += len(a)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op != "equal":
                wrong += max(i2 - i1, j2 - j1)
                shown.append((a[i1:i2], b[j1:j2]))
    assert wrong <= total * WORD_ERRORS_PER_1000[shape] / 1000, shown[:20]
    if shape != "flat":  # every word the renderer broke with a hyphen is whole again
        text = " ".join([p for t in meeting.turns for p in t.paragraphs]
                        + [m.text for m in meeting.motions] + [p.name for p in meeting.people])
        missed = [w for w in out.hyphenated if w.strip(".,;:?!)\"'") not in text]
        assert len(missed) <= max(1, len(out.hyphenated) // 100), missed


def test_committee_header_in_the_seed_shape_gives_date_chair_clerk_and_start():
    _, meeting = rendered("tk-vlos-20181108-ao-financiele-markten.xml", 0, "lines")
    assert (meeting.kind, meeting.date, meeting.chair, meeting.clerk, meeting.start) == (
        "commissie", "2018-11-08", "anne-mulder", "Weeber", "14:01")
    assert meeting.committee == "vaste commissie voor Financiën"
    assert meeting.person("hoekstra").role == "minister van Financiën"


def test_flattened_committee_header_gives_the_same_facts():
    _, meeting = rendered("tk-vlos-20181108-ao-financiele-markten.xml", 0, "flat")
    assert (meeting.kind, meeting.date, meeting.chair, meeting.clerk, meeting.start) == (
        "commissie", "2018-11-08", "anne-mulder", "Weeber", "14:01")


def test_plenary_header_with_attendance_is_a_plenary_and_a_minister_is_not_the_member():
    _, meeting = rendered("tk-vlos-20141015-plenair.xml", 0, "lines")
    assert meeting.kind == "plenair" and meeting.chair == "van-miltenburg"
    assert len(meeting.present) == 120
    # 2014: a member Rutte (VVD) and Minister-President Rutte, both in the list.
    pm = next(t.speaker for t in meeting.turns if t.label == "Minister Rutte:")
    assert meeting.person(pm).role == "minister-president, minister van Algemene Zaken"


# --- a second real extraction: poppler's pdftotext on the corpus PDFs ----------

PDFTOTEXT = shutil.which("pdftotext")
PDFS = sorted(p.name for p in CORPUS.glob("tk-pdf-*.pdf"))


@cache
def pdftotext(name: str, layout: bool) -> str:
    args = [PDFTOTEXT, *(["-layout"] if layout else []), str(CORPUS / name), "-"]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def output_words(result) -> Counter[str]:
    (meeting,) = result.meetings
    parts = [p for t in meeting.turns for p in t.paragraphs] + [m.text for m in meeting.motions]
    parts += [d.text for d in result.diagnostics] + [meeting.title or ""]
    parts += [t.label for t in meeting.turns] + [p.name for p in meeting.people]
    return Counter(WORD.findall(" ".join(parts)))


WORD = re.compile(r"[^\W\d_]{4,}")


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (Debian poppler-utils) not installed")
@pytest.mark.parametrize("layout", [False, True])
@pytest.mark.parametrize("name", PDFS)
def test_pdftotext_extraction_parses_without_losing_text(name, layout):
    """Columns interleave (plain) or sit side by side (-layout): the PDF reader's
    problem. The text parser must still return a meeting and keep the words, in
    turns or in diagnostics. Words the parser rejoined at a hyphen count as lost
    halves; with -layout a line holds both columns, so more line-end hyphens
    join words of different columns: 98% (plain) and 97% (layout)."""
    text = pdftotext(name, layout)
    result = parse_text(text, name + ".txt")
    got = output_words(result)
    wanted = Counter(WORD.findall(text))
    kept = sum(min(n, got[w]) for w, n in wanted.items())
    assert kept >= (0.97 if layout else 0.98) * sum(wanted.values())


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (Debian poppler-utils) not installed")
@pytest.mark.parametrize("name", PDFS)
def test_plain_pdftotext_extraction_finds_the_speakers_of_the_flattened_extraction(name):
    flat = (CORPUS / name.replace("tk-pdf-", "tk-pdftxt-").replace(".pdf", ".txt"))
    (expected,) = parse_text(flat.read_text(encoding="utf-8"), flat.name).meetings
    (meeting,) = parse_text(pdftotext(name, False), name + ".txt").meetings
    assert {t.label for t in meeting.turns if t.label} == {
        t.label for t in expected.turns if t.label}
    # The item's heading above "Aan de orde is" is its title, as in the flat file.
    assert (meeting.title, meeting.dossier) == (expected.title, expected.dossier)
    # The date the running heads print on every page is the meeting's date.
    day = name.split("-")[2]
    assert meeting.date == f"{day[:4]}-{day[4:6]}-{day[6:]}"
    # Running heads ("Tweede Kamer", "8 februari 2024", "TK 40", the item title)
    # recur between blank lines: furniture, never text.
    heads = re.compile(r"(?<![Dd]e )Tweede Kamer|\bTK \d+|\d+ februari 2024|(?<!debat )"
                       + re.escape(expected.title or "-"))
    assert [p for t in meeting.turns for p in t.paragraphs if heads.search(p)] == []
