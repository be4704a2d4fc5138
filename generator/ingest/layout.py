"""Layout of extracted transcript text: which variant it is, page furniture,
line joining (with line-end hyphenation) and paragraphs.

Genre rules implemented here (docs/parser.md):
- a page footer "Tweede Kamer, vergaderjaar 2020–2021, 35 373, nr. 19 4" (and a
  Handelingen running head with "TK 40") is furniture, never text;
- blank lines around a page break are lost or spurious: a page break never ends
  a paragraph by itself;
- a line that ends a sentence and is clearly shorter than the column (the next
  line's first word would have fitted) ends a paragraph; so does a blank line
  after a sentence end, and a dash bullet starts one;
- a line-end hyphen after a letter goes to `hyphenation.join_hyphenated`.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from generator.ingest.hyphenation import (
    ELISION_WORDS,
    VOWEL_CLASHES,
    WORD_ZIPF,
    is_acronym,
    is_word,
    join_hyphenated,
    zipf,
)

LINES = "lines"  # line-wrapped PDF extraction (the seed)
FLAT = "flat"  # every newline removed
MARKDOWN = "markdown"  # OCR'ed Markdown of a Handelingen PDF

FOOTER = re.compile(
    r"^\s*Tweede Kamer, vergaderjaar \d{4}\s*[–-]\s*\d{4},"
    r" (?P<dossier>\d[\d ]*\d(?:[-–][A-Z0-9]+)?),"
    r" nr\. (?P<number>\d+)\s+(?P<page>\d+)\s*$"
)
RUNNING_HEAD = re.compile(r"^\s*(?:Tweede Kamer\b.*\bTK \d+\b.*|TK \d+|\d+-\d+-\d+)\s*$")
DIGITS = re.compile(r"\d+")
WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.?!…](?:[\"”’')\]»]*)$")
_CLOSERS = "\"”’')]»"
_ENDS = (".", "?", "!", "…")


def ends_sentence(text: str) -> bool:
    """``SENTENCE_END.search(text)``, several times faster: the last character
    that is not a closing quote or bracket ends a sentence."""
    last = text[-1:]
    if last in _ENDS:
        return True
    if last not in _CLOSERS and last != "\n":  # most lines: decided by their last character
        return False
    if text.endswith("\n"):  # `$` also matches before a final newline
        text = text[:-1]
    return text.rstrip(_CLOSERS)[-1:] in _ENDS
# "c.q.", "d.w.z.", "nr.", "bijv." at a line end do not end a sentence.
ABBREVIATION_END = re.compile(
    r"(?:\b\w\.\w\.(?:\w\.)*|\b(?:nr|blz|bijv|resp|jl|mr|dr|drs|ir|prof|art|vs|ca|zgn|t\.a\.v)\.)$")
BULLET = re.compile(r"^\s*[–•·-]\s+\S")
# Markdown debris from OCR: LaTeX spacing and formatting, stray heading marks.
LATEX_SPACE = re.compile(r"\$\\?\\?(?:quad|qquad|,|;|!|\s)*\$")
LATEX_CMD = re.compile(r"\\+(?:textbf|textit|emph|mathrm|text)\{([^{}]*)\}")
LATEX_LEFTOVER = re.compile(r"\\+[a-zA-Z]+\b|\$+")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
# A Markdown heading or a bold label at a line start: OCR'ed Markdown.
MARKDOWN_LINE_START = re.compile(r"^(?:#{1,6} |\*\*[A-Z])", re.M)


class Line(NamedTuple):
    """One physical line of the source, cleaned: `text` without trailing space,
    `no` its 1-based number (0 for flattened text), `gap` True when a blank line
    (not caused by a page break) precedes it. (A named tuple: a transcript has
    thousands, and a tuple is several times cheaper to make than a frozen
    dataclass.)"""

    text: str
    no: int
    gap: bool = False


def detect_variant(text: str) -> str:
    """LINES, FLAT or MARKDOWN, from the shape of the text."""
    lines = text.count("\n")
    if lines < 3 and len(text) > 300:  # no wrapped column is that long
        return FLAT
    head = text[:20000]
    if ("\\textbf" in head or "$\\quad" in head
            or (head.startswith(("#", "**")) or "\n#" in head or "\n**" in head)
            and MARKDOWN_LINE_START.search(head)):
        return MARKDOWN
    if lines and len(text) / (lines + 1) > 400:
        return FLAT
    return LINES


def count_words(text: str) -> Counter[str]:
    """Lower-cased word forms of `text` and how often each occurs."""
    # A word never spans whitespace: find the words once per distinct token.
    counts: Counter[str] = Counter()
    for token, n in Counter(text.lower().split()).items():
        for word in WORDS.findall(token):
            counts[word] += n
    return counts


_LETTER = re.compile(r"[^\W\d_]")  # what WORDS is made of
_SHARED_START = 4  # `WordEvidence.ask_both` searches for a common start at least this long


def _bounded(text: str, at: int, end: int) -> bool:
    """Whether ``text[at:end]`` is a whole `WORDS` match where it stands: not
    preceded by a letter (or a letter and a hyphen) nor followed by one (or a
    hyphen and a letter), where a match would go on."""
    return not (at and (_LETTER.match(text, at - 1) or (
        text[at - 1] == "-" and at > 1 and _LETTER.match(text, at - 2)))) and not (
        _LETTER.match(text, end) or (text.startswith("-", end) and _LETTER.match(text, end + 1)))


class WordEvidence(Mapping[str, int]):
    """Lower-cased word forms of the whole transcript (`count_words`): evidence
    for hyphenation. A transcript asks for a few dozen forms at most, so a form
    is counted when asked for, by finding it in the text (about a tenth of a
    transcript's parsing went into counting every word); iterating counts them all."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lower: str | None = None
        self._asked: dict[str, int] = {}
        self._all: Counter[str] | None = None

    def _count(self, word: str) -> int:
        """How many `WORDS` matches of the lower-cased text equal `word`: its
        occurrences not preceded by a letter (or a letter and a hyphen) nor
        followed by one (or a hyphen and a letter), where a match would go on."""
        if not WORDS.fullmatch(word):
            return 0
        text, n, size = self._lowered(), 0, len(word)
        at = text.find(word)
        while at >= 0:
            if _bounded(text, at, at + size):
                n += 1
            at = text.find(word, at + 1)
        return n

    def _lowered(self) -> str:
        if self._lower is None:
            self._lower = self._text.lower()
        return self._lower

    def ask_both(self, one: str, other: str) -> None:
        """Count two forms that start alike ("beleids-maatregel" and
        "beleidsmaatregel") in one search of the text, for their common start
        (what `get` then gives for them; nothing when that start is short)."""
        if one in self._asked and other in self._asked:
            return
        start = os.path.commonprefix([one, other])
        if len(start) < _SHARED_START:
            return
        forms = [w for w in (one, other) if WORDS.fullmatch(w)]
        counts = dict.fromkeys((one, other), 0)
        text = self._lowered()
        at = text.find(start)
        while at >= 0:
            for form in forms:
                if text.startswith(form, at) and _bounded(text, at, at + len(form)):
                    counts[form] += 1
            at = text.find(start, at + 1)
        self._asked.update(counts)

    def get(self, word: str, default: int | None = None) -> int | None:  # type: ignore[override]
        if word not in self._asked:
            self._asked[word] = self._count(word)
        return self._asked[word] or default

    def __getitem__(self, word: str) -> int:
        count = self.get(word)
        if count is None:
            raise KeyError(word)
        return count

    def _words(self) -> Counter[str]:
        if self._all is None:
            self._all = count_words(self._text)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())


def word_evidence(text: str) -> WordEvidence:
    """The word forms of a transcript (`WordEvidence`), counted when first needed."""
    return WordEvidence(text)


INNER_HYPHEN = re.compile(r"(?<![\w-])([^\W\d_]+)-([^\W\d_]+)(?![\w-])")


def rejoin_inner_hyphens(text: str, evidence: Mapping[str, int]) -> str:
    """Flattened text keeps the PDF's line-end hyphens inside words ("inlei-dingen",
    "Neder-land"), beside real hyphenated words ("minister-president"): see
    `inline_hyphen` for the decision."""
    def decide(m: re.Match[str]) -> str:
        word = m.group(0)
        return inline_hyphen(word, evidence) if m.group(2).islower() else word

    return INNER_HYPHEN.sub(decide, text) if "-" in text else text


def inline_hyphen(word: str, evidence: Mapping[str, int]) -> str:
    """"a-b" inside flattened text: a kept line-end hyphen or the spelling?
    1. The transcript elsewhere: the joined form printed at least as often as
    the hyphenated one (this occurrence is no evidence for itself) joins; a
    hyphenated form printed elsewhere too stays.
    2. A frequent Dutch word when joined ("kanttekening", "Nederland") joins,
    unless the first part is a word itself and the joined form is rare
    ("minister-president").
    3. A joined form the lexicon does not know joins when the first part is a
    fragment ("aandeelhoudersbetrok-kenheid"), stays when it is a word or an
    acronym ("pop-upwinkel", "cao-gedeelte"): Dutch hyphenates a compound only
    there."""
    stem, _, core = word.partition("-")
    if core in ELISION_WORDS:  # "klimaat-en energiebeleid": the line end lost its space
        return f"{stem}- {core}"
    joined = stem + core
    with_join, with_hyphen = evidence.get(joined.lower(), 0), evidence.get(word.lower(), 0) - 1
    if with_join or with_hyphen > 0:
        return joined if with_join >= with_hyphen else word
    stem_is_word = is_word(stem.lower()) or is_acronym(stem)
    frequency = zipf(joined.lower())
    if frequency >= 2.5 or (frequency >= WORD_ZIPF and not stem_is_word):
        return joined
    if (stem[-1:] + core[:1]).lower() in VOWEL_CLASHES and is_word(core.lower(), 3.0):
        return word  # grootvee-eenheden, auto-industrie (not doorgroei-ende)
    return word if stem_is_word else joined


GLUED_SENTENCE = re.compile(r"(?<=[a-zà-ÿ]{2}[.?!])(?=[A-Z][a-zà-ÿ])|(?<=[a-zà-ÿ],)(?=[a-zà-ÿ])")


def unglue(text: str) -> str:
    """Flattened text sometimes loses the space at a line end after a sentence
    or a comma ("Marsman.Het", "aan de Kamer,en gaat"): put it back."""
    return GLUED_SENTENCE.sub(" ", text)


def clean_markdown_line(line: str) -> str:
    """Strip OCR'ed Markdown/LaTeX debris from one line, keeping its words."""
    line = LATEX_SPACE.sub(" ", line)
    line = LATEX_CMD.sub(r"\1", line)
    line = LATEX_LEFTOVER.sub(" ", line)
    line = EMPHASIS.sub(r"\2", line)
    line = re.sub(r"^\s*#+\s*", "", line)
    line = re.sub(r"(?<!\w)#(?!\w)", " ", line)
    return re.sub(r"[ \t]{2,}", " ", line).rstrip()


def _head_core(line: str) -> str:
    return line.strip().lstrip("#* ").rstrip("* ")


def _head_key(line: str) -> str:
    """A line with digits masked (and Markdown marks removed: OCR prints running
    heads as headings)."""
    return DIGITS.sub("#", _head_core(line))


def head_matcher(heads: frozenset[str]) -> Callable[[str], bool]:
    """``lambda line: _head_key(line) in heads``, but the digit masking (a regex
    substitution) only for lines whose first and last characters could give a
    key in `heads`: most lines are ruled out by two set lookups."""
    firsts, lasts = {k[:1] for k in heads}, {k[-1:] for k in heads}

    def is_head(line: str) -> bool:  # `_head_core` inlined: called for every line
        core = line.strip().lstrip("#* ").rstrip("* ")
        first, last = core[:1], core[-1:]  # as they stand in the key (\d -> #)
        return (("#" if first.isdecimal() else first) in firsts
                and ("#" if last.isdecimal() else last) in lasts
                and DIGITS.sub("#", core) in heads)

    return is_head


def repeated_heads(raws: list[str], least: int = 3) -> frozenset[str]:
    """Running heads a PDF extraction kept ("Tweede Kamer", "8 februari 2024",
    the item title over two lines, "40-6-3"): blocks of one or two short lines
    between blank lines that recur, digits aside, on at least `least` pages. Such
    a line is furniture wherever it stands. A block with a line ending in
    punctuation, with a colon or in brackets (motion clauses, labels, "(Applaus)")
    or a motion heading is text, however often it recurs."""
    counts: Counter[str] = Counter()
    stripped = [x.strip() for x in raws]
    total = len(stripped)
    i = 0
    while i < total:
        if not stripped[i]:
            i += 1
            continue
        end = i + 1
        while end < total and stripped[end]:
            end += 1
        block = stripped[i:end]
        if i > 0 and end < total and len(block) <= 2 and all(_could_be_head(x) for x in block):
            counts.update(_head_key(x) for x in block)
        i = end
    return frozenset(key for key, n in counts.items() if n >= least)


def _could_be_head(line: str) -> bool:
    return (len(line) <= 100 and line[-1] not in ".,;:?!…)\"”’'" and ":" not in line
            and line[0] not in "(–-•" and line.lower() not in ("motie", "gewijzigde motie"))


_new_tuple = tuple.__new__  # what a named tuple's constructor calls, without its frame


def split_lines(text: str, markdown: bool = False, heads: frozenset[str] | None = None,
                raws: list[str] | None = None) -> tuple[list[Line], list[re.Match[str]]]:
    """Physical lines without page furniture; the footers found (for the dossier).
    A page's first line (leading space) keeps its text, stripped. `raws`:
    ``text.split("\\n")``, when the caller has it (it is not changed)."""
    out: list[Line] = []
    footers: list[re.Match[str]] = []
    gap = False
    after_break = False
    in_comment = False
    if raws is None:
        raws = text.split("\n")
    heads = repeated_heads(raws) if heads is None else heads
    is_head = head_matcher(heads)
    blank_heads = "" in heads  # a blank line is then a running head too
    # A line's first character rules most lines out before `is_head`: a line
    # not starting with a Markdown mark starts as its key does (a digit as "#").
    head_firsts = {k[:1] for k in heads} | {"#", "*"}
    for no, raw in enumerate(raws, start=1):
        line = raw.rstrip()
        if markdown:
            # An HTML comment is the Markdown author's note, not transcript text.
            if in_comment or line.lstrip().startswith("<!--"):
                in_comment = "-->" not in line
                continue
            line = clean_markdown_line(line)
        start = line.lstrip()  # the line stripped
        if not start and not blank_heads:
            gap = gap or not after_break
            continue
        # Only a line starting "Tweede Kamer", "TK " or a digit can be a footer or
        # a running head: test that before the two regexes.
        first = start[:1]
        digit = first.isdecimal()
        furniture = digit or start.startswith(("Tweede Kamer", "TK "))
        footer = FOOTER.match(line) if furniture else None
        head = heads and (first in head_firsts or digit) \
            and is_head(start) and not (  # kept above its agenda item
                no < len(raws) and raws[no].lstrip().startswith("Aan de orde is"))
        if footer or (furniture and RUNNING_HEAD.match(line)) or head:
            if footer:
                footers.append(footer)
            gap, after_break = False, True
            continue
        if not start:
            gap = gap or not after_break
            continue
        out.append(_new_tuple(Line, (start, no, gap and bool(out))))  # = Line(...), faster
        gap = after_break = False
    return out, footers


def fit_limit(lines: list[Line]) -> int:
    """How long a line plus the next line's first word may be and still have
    fitted on one line: a low percentile of that sum over lines that certainly
    wrapped (no sentence end, no blank line after). The font is proportional, so
    the column is not a fixed number of characters."""
    # (``sorted(len(a.text) + 1 + len(b.text.split(" ", 1)[0]) for a, b in pairs
    # if len(a.text) >= 30 and not b.gap and not ends_sentence(a.text))``, with
    # no call per line but for a rare closing bracket: this runs over every body line.)
    sums: list[int] = []
    for a, b in zip(lines, lines[1:], strict=False):
        text = a.text
        if len(text) < 30 or b.gap:
            continue
        last = text[-1]
        if last in _ENDS or ((last in _CLOSERS or last == "\n") and ends_sentence(text)):
            continue
        at = b.text.find(" ")
        sums.append(len(text) + 1 + (at if at >= 0 else len(b.text)))
    sums.sort()
    if len(sums) < 20:
        return 0  # too little evidence: only blank lines end paragraphs
    return sums[len(sums) // 50]


def ends_paragraph(line: Line, following: Line, limit: int) -> bool:
    """Does `line` end a paragraph, given the line after it? Yes after a sentence
    end when a blank line follows or the next word would have fitted."""
    ends = ends_sentence(line.text)
    if not ends and not line.text.endswith(":"):
        return False  # most lines: whether a bullet follows or not
    if BULLET.match(following.text):
        return True
    # An abbreviation is at most six characters at the end (a longer run of
    # initials ends in a shorter one): search only the tail (`\b` still sees
    # the character before it).
    if not ends or ABBREVIATION_END.search(line.text, max(0, len(line.text) - 12)):
        return False
    if following.text[:1].islower():  # a paragraph never starts in lower case
        return False
    if following.gap:
        return True
    first_word = following.text.split(" ", 1)[0]
    return len(line.text) + 1 + len(first_word) < limit


def join_lines(texts: list[str], evidence: Mapping[str, int]) -> str:
    """Join wrapped lines into one string, resolving line-end hyphens."""
    out = ""
    for text in texts:
        text = text.strip()
        if not out:
            out = text
            continue
        last = out[-1]  # (one index, not two `endswith` per line)
        if last == "-" and (out[-2:-1].isalnum() or out.endswith("--")) and text[:1].isalnum():
            head, _, left = out.rpartition(" ")
            right, _, rest = text.partition(" ")
            joined = join_hyphenated(left, right, evidence)
            out = (head + " " if head else "") + joined + (" " + rest if rest else "")
        elif last == "/":
            out += text  # "motie-Van den Nieuwenhuijzen/" + "Ploumen"
        else:
            out += " " + text  # (`+=` extends `out` in place: no copy per line)
    return out


def paragraphs(lines: list[Line], evidence: Mapping[str, int], limit: int) -> list[tuple[str, int]]:
    """Group body lines into paragraphs: (text, first line number)."""
    result: list[tuple[str, int]] = []
    if not lines:
        return result
    texts: list[str] = []
    first = lines[0].no
    for line, following in zip(lines, lines[1:], strict=False):
        text = line.text
        texts.append(text)
        # A line whose last character is none of those ends no paragraph
        # (`ends_paragraph` says False without a call: most lines).
        if text[-1:] in _MAY_END_PARAGRAPH and ends_paragraph(line, following, limit):
            result.append((join_lines(texts, evidence), first))
            texts, first = [], following.no
    texts.append(lines[-1].text)
    result.append((join_lines(texts, evidence), first))
    return result


# The last characters of a line `ends_paragraph` can say True of: a sentence
# end (`ends_sentence`: one of _ENDS, or a closer after one) or a colon.
_MAY_END_PARAGRAPH = frozenset((*_ENDS, *_CLOSERS, "\n", ":"))
