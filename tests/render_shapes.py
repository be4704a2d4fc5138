"""Render a meeting read from XML (real text, structure known) into the shapes a
text transcript arrives in, for `tests/test_cross_source.py`:

- `render_lines`: a PDF text extraction like the seed: the header's lines, label
  lines, body lines wrapped at ~75 characters with words hyphenated at the line
  end (Dutch patterns from `pyphen`, as a typesetter would), motion blocks with
  a blank line between clauses, a page footer "Tweede Kamer, vergaderjaar …, nr.
  … <page>" every 55 lines and a leading space on the next page's first line;
- `render_narrow`, `render_run_in`: the same in a 40-character column, and with
  the label running into the first line of the speech (older Handelingen);
- `render_flat`: the same without furniture and with every newline removed (the
  PDF's line-end hyphens stay inside the words, as in `tk-pdftxt-*`);
- `render_markdown`: OCR'ed Markdown, labels as `## Label:` headings and a blank
  line between paragraphs.

Where this is not how a real report looks: the XML keeps no position of a motion
inside the speech, so a motion is printed after its speaker's paragraphs (before
the chair's "Naar mij blijkt …" when the chair reads it); a plenary Handelingen
PDF has running heads ("TK 14", the date) rather than a Kamerstuk footer, and
two columns of ~40 characters rather than one of ~75.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyphen

from generator.model import Meeting, Turn, TurnKind

WIDTH = 75
PAGE = 55
_DIC = pyphen.Pyphen(lang="nl_NL")
_WORD = re.compile(r"^(?P<lead>[(\"'‘“]*)(?P<core>[^\W\d_]{8,})(?P<tail>[^\w]*)$")
# The chair's words about a motion just read: the motion is printed before them.
MOTION_INFO = re.compile(
    r"^(?:Deze (?:gewijzigde )?motie is voorgesteld|Naar mij blijkt|Zij krijgt)")


@dataclass
class Rendered:
    """The text and what a reader should find in it."""

    text: str
    hyphenated: list[str] = field(default_factory=list)  # words broken with an added hyphen
    width: int = WIDTH
    run_in: bool = False  # labels run into the first line of the speech


def _split(word: str, room: int) -> tuple[str, str, bool] | None:
    """Where a typesetter breaks `word` to put at most `room` characters (hyphen
    included) on this line: (left, right, hyphen added)."""
    if "-" in word.strip("-"):
        left, _, right = word.partition("-")
        if len(left) + 1 <= room and left[-1:].isalpha() and right[:1].isalpha():
            return left + "-", right, False
        return None
    m = _WORD.match(word)
    if not m:
        return None
    core = m.group("core")
    for pos in reversed(_DIC.positions(core)):
        left = m.group("lead") + core[:pos]
        if pos >= 3 and len(core) - pos >= 3 and len(left) + 1 <= room:
            return left + "-", core[pos:] + m.group("tail"), True
    return None


def wrap(text: str, out: Rendered, width: int | None = None) -> list[str]:
    """Greedy wrapping with hyphenation where at least six characters are left."""
    width = width or out.width
    lines: list[str] = []
    line = ""
    for word in text.split():
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            room = width - len(line) - 1
            split = _split(word, room) if room >= 6 else None
            if split:
                left, right, added = split
                lines.append(line + " " + left)
                if added:
                    out.hyphenated.append(word)
                line = right
            else:
                lines.append(line + " ")
                line = word
    if line:
        lines.append(line + " ")
    return lines


def _motion_block(motion_text: str, out: Rendered) -> list[str]:
    block = ["Motie", ""]
    for paragraph in motion_text.split("\n\n"):
        block.extend(wrap(paragraph, out))
        block.append("")
    return block


def _turn_blocks(meeting: Meeting, turn: Turn, out: Rendered) -> list[list[str]]:
    """A turn as blocks of lines (blank lines between blocks)."""
    motions = [m.text for m in meeting.motions if m.turn == turn.id]
    if turn.kind == TurnKind.PROCEDURAL or not turn.label:
        return [wrap(p, out) for p in turn.paragraphs]
    paragraphs = list(turn.paragraphs)
    if out.run_in and paragraphs and not MOTION_INFO.match(paragraphs[0]):
        # Older Handelingen print the label in bold at the start of the text.
        paragraphs[0] = f"{turn.label} {paragraphs[0]}"
        body: list[str] = []
    else:  # a label longer than the column wraps at a space, never at a hyphen
        body = wrap(turn.label, Rendered("", width=10_000)) if len(
            turn.label) <= out.width else _wrap_label(turn.label, out.width)
    cut = next((i for i, p in enumerate(paragraphs) if MOTION_INFO.match(p)), len(paragraphs))
    for p in paragraphs[:cut]:
        body.extend(wrap(p, out))
    blocks = [body]
    if motions:
        blocks.append([line for m in motions for line in _motion_block(m, out)][:-1])
        if cut < len(paragraphs):
            blocks.append([x for p in paragraphs[cut:] for x in wrap(p, out)])
    else:
        body.extend(x for p in paragraphs[cut:] for x in wrap(p, out))
    return blocks


def _wrap_label(label: str, width: int) -> list[str]:
    lines = [""]
    for word in label.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append("")
        lines[-1] = (lines[-1] + " " + word).strip()
    return [line + " " for line in lines]


def _header_lines(turn: Turn, out: Rendered) -> list[list[str]]:
    # The XML puts "Voorzitter: X Griffier: Y" in one paragraph; a report prints two lines.
    paragraphs = [q for p in turn.paragraphs for q in re.split(r" (?=Griffier: )", p)]
    return [wrap(p, out) for p in paragraphs]


def _blocks(meeting: Meeting, out: Rendered) -> list[list[str]]:
    blocks: list[list[str]] = []
    first_speech = next(i for i, t in enumerate(meeting.turns) if t.kind == TurnKind.SPEECH)
    for i, turn in enumerate(meeting.turns):
        if i < first_speech:
            blocks.extend(_header_lines(turn, out))
        else:
            blocks.extend(_turn_blocks(meeting, turn, out))
    return blocks


def render_lines(meeting: Meeting, dossier: str = "31 311", number: int = 12,
                 width: int = WIDTH, run_in: bool = False) -> Rendered:
    """The seed's shape: wrapped lines, hyphens, footers, page-start spaces."""
    out = Rendered("", width=width, run_in=run_in)
    lines: list[str] = []
    for block in _blocks(meeting, out):
        lines.extend(block)
        lines.append("")
    paged: list[str] = []
    page = 1
    for k, line in enumerate(lines):
        if k and k % PAGE == 0:
            page += 1
            paged.extend(["", f"Tweede Kamer, vergaderjaar 2017–2018, {dossier}, nr. {number} "
                          f"{page}", "", "", ""])
            line = " " + line
        paged.append(line)
    out.text = "\n".join(paged) + "\n"
    return out


def render_narrow(meeting: Meeting) -> Rendered:
    """A Handelingen column: the seed's shape at 40 characters, long labels
    wrapped over two lines ("Minister voor Natuur en Stikstof Van der" / "Wal:")."""
    return render_lines(meeting, width=40)


def render_run_in(meeting: Meeting) -> Rendered:
    """Older Handelingen: the label runs into the speech's first line
    ("De heer Pechtold (D66): Voorzitter. Ik …")."""
    return render_lines(meeting, width=60, run_in=True)


def render_flat(meeting: Meeting) -> Rendered:
    """Every newline removed: lines joined by a space, after a line-end hyphen
    by nothing (the hyphen stays inside the word)."""
    out = Rendered("")
    text = ""
    for block in _blocks(meeting, out):
        for line in block:
            line = line.strip()
            if not line:
                continue
            text = text + line if text.endswith("-") or not text else text + " " + line
    out.text = text
    return out


def render_markdown(meeting: Meeting) -> Rendered:
    """OCR'ed Markdown: `## Label:` headings, paragraphs separated by blank lines."""
    out = Rendered("")
    parts: list[str] = []
    for block in _blocks(meeting, out):
        head = block[0].strip()
        if head.endswith(":") and head in {t.label for t in meeting.turns}:
            parts.append("## " + head)
            block = block[1:]
        text = "\n".join(block).strip()
        if text:
            parts.append(text)
    out.text = "\n\n".join(parts) + "\n"
    return out
