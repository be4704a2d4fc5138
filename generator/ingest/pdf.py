"""Handelingen PDF -> line-wrapped text -> the text parser.

pdfminer.six's layout analysis gives text boxes with coordinates. A Handelingen
page has two columns: boxes are read column by column (left, then right), each
from top to bottom; a box spanning both columns (a heading) ends the columns
above it. Running headers and footers ("Tweede Kamer", the item title, the date,
"TK 40", the page number "40-6-1") are recognised as text in the top or bottom
band of the page that repeats on most pages (digits ignored) or looks like a
page number, and removed. Boxes are separated by a blank line; lines keep their
printed wrapping (and hyphens), as in a text extraction, so the text parser sees
the same genre as in the seed.

Lines of the turns and motions are lines of that extracted text; diagnostics
also name the PDF page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from generator.errors import Diagnostic, error
from generator.ingest import ParseResult
from generator.model import Meeting
from generator.slugs import slugify

# Bands (fractions of the page height) where running headers/footers live.
BOTTOM_BAND = 0.12
TOP_BAND = 0.06
_PAGE_NUMBER = re.compile(r"^(?:\d+(?:-\d+){1,3}|TK \d+|\d{1,4})$")


@dataclass(frozen=True)
class Box:
    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    text: str


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})\b")
_HEADING = re.compile(r"^\s*(\d{1,3})\s*\n(.+)$", re.S)


@dataclass(frozen=True)
class Extraction:
    text: str
    pages: int
    line_pages: tuple[int, ...]  # 1-based page of each line of `text`
    title: str | None = None  # the item heading ("6 / Staat van de Volkshuisvesting")
    date: str | None = None  # ISO date from the running footer ("8 februari 2024")


def parse_pdf(data: bytes, file: str) -> ParseResult:
    """Extract the text of a Handelingen PDF and parse it as a text transcript."""
    extraction, diags = extract_text(data, file)
    if extraction is None:
        return ParseResult((), tuple(diags))
    from generator.ingest.text import parse_text

    result = parse_text(extraction.text, file)
    located = [_with_page(d, extraction) for d in result.diagnostics]
    return ParseResult(tuple(_with_metadata(m, extraction) for m in result.meetings),
                       tuple(diags) + tuple(located))


def _with_metadata(meeting: Meeting, extraction: Extraction) -> Meeting:
    """Title (the item heading) and date (the running footer) that the page
    layout states but the extracted text no longer does."""
    title = meeting.title or extraction.title
    date = meeting.date or extraction.date
    if (title, date) == (meeting.title, meeting.date):
        return meeting
    meeting_id = f"{date}-{slugify(title)}" if date and title else meeting.id
    return replace(meeting, title=title, date=date, id=meeting_id)


def _with_page(diag: Diagnostic, extraction: Extraction) -> Diagnostic:
    if not 0 < diag.line <= len(extraction.line_pages):
        return diag
    page = extraction.line_pages[diag.line - 1]
    return replace(diag, message=f"{diag.message} (PDF page {page}, line {diag.line} of "
                                 "the extracted text)")


def read_boxes(data: bytes) -> tuple[list[list[Box]], list[tuple[float, float]]]:
    """Text boxes per page, and each page's (width, height)."""
    from io import BytesIO

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    pages: list[list[Box]] = []
    sizes: list[tuple[float, float]] = []
    # boxes_flow=None: no hierarchical box ordering (order_boxes does it), ~30% faster
    layout = LAParams(boxes_flow=None)
    for number, page in enumerate(extract_pages(BytesIO(data), laparams=layout), start=1):
        sizes.append((page.width, page.height))
        pages.append([Box(number, el.x0, el.x1, el.y0, el.y1, el.get_text())
                      for el in page if isinstance(el, LTTextContainer)
                      and el.get_text().strip()])
    return pages, sizes


def extract_text(data: bytes, file: str) -> tuple[Extraction | None, list[Diagnostic]]:
    """Column-aware text of a PDF, running headers and footers removed."""
    try:
        pages, sizes = read_boxes(data)
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        return None, [error(f"cannot read PDF: {type(exc).__name__}: {exc}"[:300], file,
                            hint="is the file a complete, unencrypted PDF?")]
    if not pages or not any(pages):
        return None, [error("PDF has no text layer (scanned?)", file,
                            hint="run OCR first and add the text transcript instead")]
    furniture = _furniture(pages, sizes)
    date = _footer_date(pages[0], sizes[0][1])
    lines: list[str] = []
    line_pages: list[int] = []
    title: str | None = None
    for boxes, (width, height) in zip(pages, sizes, strict=True):
        body = [b for b in boxes if not _is_furniture(b, height, furniture)]
        for box in order_boxes(body, width):
            heading = _HEADING.match(box.text) if not lines else None
            if heading:
                title = _join_heading(heading.group(2))  # kept as the meeting title
                continue
            if title and box.page == 1 and " ".join(box.text.split()) == title:
                continue  # the title repeated under the chair line
            if lines:
                lines.append("")
                line_pages.append(box.page)
            for line in box.text.rstrip("\n").split("\n"):
                lines.append(line)
                line_pages.append(box.page)
    return Extraction("\n".join(lines) + "\n", len(pages), tuple(line_pages), title, date), []


def _join_heading(text: str) -> str:
    """A heading wrapped over lines: "Natuur en Voed-" + "selkwaliteit" joins."""
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    out = ""
    for line in lines:
        if out.endswith("-") and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}".strip()
    return out


def _footer_date(boxes: list[Box], height: float) -> str | None:
    """"8 februari 2024" in the running header/footer of the first page."""
    for box in boxes:
        m = _DATE.search(" ".join(box.text.split())) if _in_band(box, height) else None
        if m:
            return f"{m.group(3)}-{MONTHS.index(m.group(2)) + 1:02d}-{int(m.group(1)):02d}"
    return None


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()))


def _in_band(box: Box, height: float) -> bool:
    return box.y1 < height * BOTTOM_BAND or box.y0 > height * (1 - TOP_BAND)


def _furniture(pages: list[list[Box]], sizes: list[tuple[float, float]]) -> set[str]:
    """Texts in the header/footer bands that repeat on at least half the pages."""
    seen: Counter[str] = Counter()
    for boxes, (_w, height) in zip(pages, sizes, strict=True):
        seen.update({_key(b.text) for b in boxes if _in_band(b, height)})
    need = max(2, (len(pages) + 1) // 2) if len(pages) > 1 else 2
    return {key for key, count in seen.items() if count >= need}


def _is_furniture(box: Box, height: float, furniture: set[str]) -> bool:
    if not _in_band(box, height):
        return False
    text = " ".join(box.text.split())
    return _key(text) in furniture or bool(_PAGE_NUMBER.match(text))


def order_boxes(boxes: list[Box], width: float) -> list[Box]:
    """Reading order of a two-column page: between full-width boxes, the left
    column top to bottom, then the right column."""
    middle = width / 2
    slack = width * 0.03

    def is_full(b: Box) -> bool:
        return b.x0 < middle - slack and b.x1 > middle + slack

    ordered: list[Box] = []
    band: list[Box] = []

    def flush() -> None:
        left = sorted((b for b in band if b.x0 < middle - slack), key=lambda b: -b.y1)
        right = sorted((b for b in band if b.x0 >= middle - slack), key=lambda b: -b.y1)
        ordered.extend(left + right)
        band.clear()

    for box in sorted(boxes, key=lambda b: -b.y1):
        if is_full(box):
            flush()
            ordered.append(box)
        else:
            band.append(box)
    flush()
    return ordered
