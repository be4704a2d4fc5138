"""PDF reader: column-aware extraction of real two-column Handelingen PDFs, then
the text parser. The same meeting read from the PDF and from its (flattened)
text extraction must give the same speakers and motions."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.ingest import read_transcript
from generator.ingest.pdf import Box, extract_text, order_boxes, parse_pdf
from generator.model import TurnKind

CORPUS = Path(__file__).parent / "data" / "corpus"
HOUSING_PDF = CORPUS / "tk-pdf-20240208-tmd-volkshuisvesting.pdf"
HOUSING_TXT = CORPUS / "tk-pdftxt-20240208-tmd-volkshuisvesting.txt"
LNV_PDF = CORPUS / "tk-pdf-20240201-begroting-lnv.pdf"
LNV_TXT = CORPUS / "tk-pdftxt-20240201-begroting-lnv.txt"

pytestmark = pytest.mark.slow  # pdfminer reads about a page per second


@pytest.fixture(scope="module")
def housing_extraction():
    extraction, diags = extract_text(HOUSING_PDF.read_bytes(), HOUSING_PDF.name)
    assert diags == []
    return extraction


@pytest.fixture(scope="module")
def housing_pdf():
    result = read_transcript(HOUSING_PDF, HOUSING_PDF.name)
    (meeting,) = result.meetings
    return meeting


@pytest.fixture(scope="module")
def housing_txt():
    (meeting,) = read_transcript(HOUSING_TXT, HOUSING_TXT.name).meetings
    return meeting


def test_running_headers_and_page_numbers_are_removed(housing_extraction):
    lines = [line.strip() for line in housing_extraction.text.splitlines()]
    assert housing_extraction.pages == 13
    for furniture in ("Tweede Kamer", "TK 40", "8 februari 2024", "40-6-1", "40-6-13"):
        assert furniture not in lines
    assert not any(line.startswith("40-6-") for line in lines)


def test_heading_and_footer_give_title_and_date(housing_extraction, housing_pdf):
    assert housing_extraction.title == "Staat van de Volkshuisvesting"
    assert housing_extraction.date == "2024-02-08"
    assert housing_pdf.id == "2024-02-08-staat-van-de-volkshuisvesting"
    assert housing_pdf.chair == "martin-bosma"


def test_columns_are_read_one_after_the_other(housing_extraction):
    text = housing_extraction.text
    # Left column of page 1 ends with the poem, the right column goes on after it.
    assert text.index("Aldus Hendrik Marsman.") < text.index("Het is altijd moeilijk om dan")
    assert text.index("(Applaus)") < text.index("De verte lokt.")
    # Page 1's right column ends inside motion nr. 1137, page 2's left column ends it.
    assert text.index("gaande kunnen houden midd") < text.index("Zij krijgt nr. 1137 (32847).")


def test_pdf_and_its_text_extraction_give_the_same_speakers_and_motions(housing_pdf,
                                                                       housing_txt):
    def speakers(m):
        return [t.speaker for t in m.turns if t.kind == TurnKind.SPEECH]

    assert len(speakers(housing_pdf)) == 138
    assert speakers(housing_pdf) == speakers(housing_txt)
    assert {p.id for p in housing_pdf.people} == {p.id for p in housing_txt.people}
    assert [(m.id, m.submitters, m.submitter_ids) for m in housing_pdf.motions] == [
        (m.id, m.submitters, m.submitter_ids) for m in housing_txt.motions]
    assert [m.number for m in housing_pdf.motions] == [str(n) for n in range(1136, 1152)]
    assert [(s.start, s.end) for s in housing_pdf.suspensions] == [
        (s.start, s.end) for s in housing_txt.suspensions]


def test_applause_stays_outside_every_motion(housing_pdf):
    assert not any("Applaus" in m.text for m in housing_pdf.motions)
    first = housing_pdf.motions[0]
    assert first.submitters == ("De Hoop",)
    assert first.requests[0].startswith("verzoekt de regering te onderzoeken hoe de huurstijging")


def test_longer_pdf_matches_its_text_extraction():
    pdf = read_transcript(LNV_PDF, LNV_PDF.name).meetings[0]
    txt = read_transcript(LNV_TXT, LNV_TXT.name).meetings[0]
    assert pdf.title == "Begroting Landbouw, Natuur en Voedselkwaliteit 2024"
    assert pdf.date == "2024-02-01"
    speech = [t.speaker for t in pdf.turns if t.kind == TurnKind.SPEECH]
    assert len(speech) == 212
    assert speech == [t.speaker for t in txt.turns if t.kind == TurnKind.SPEECH]
    assert pdf.motions == ()
    assert [(s.start, s.end) for s in pdf.suspensions] == [("13:54", "14:28")]


def test_boxes_are_ordered_left_column_then_right_between_full_width_headings():
    def box(x0, x1, y1, text):
        return Box(1, x0, x1, y1 - 10, y1, text)

    boxes = [box(305, 540, 700, "right top"), box(55, 290, 500, "left bottom"),
             box(55, 540, 780, "heading"), box(55, 290, 700, "left top"),
             box(305, 540, 400, "right bottom"), box(55, 540, 300, "full below"),
             box(55, 290, 200, "left after")]
    assert [b.text for b in order_boxes(boxes, 595)] == [
        "heading", "left top", "left bottom", "right top", "right bottom", "full below",
        "left after"]


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4\n", b"%PDF-1.7\n1 0 obj << /Type /Catalog",
                                  HOUSING_PDF.read_bytes()[:20000]])
def test_damaged_pdf_gives_a_diagnostic_never_a_crash(data):
    result = parse_pdf(data, "transcripts/broken.pdf")
    assert result.meetings == ()
    assert result.diagnostics[0].severity == "error"
    assert result.diagnostics[0].file == "transcripts/broken.pdf"
