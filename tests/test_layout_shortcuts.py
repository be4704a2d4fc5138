"""The layout functions' shortcuts (checks inlined or done first to skip a call)
give what the plain definitions give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.ingest.hyphenation import join_hyphenated
from generator.ingest.layout import (
    Line,
    _head_key,
    ends_paragraph,
    ends_sentence,
    fit_limit,
    head_matcher,
    join_lines,
    paragraphs,
    repeated_heads,
    split_lines,
)

# Words and endings that exercise sentence ends, closers, colons, bullets,
# abbreviations, hyphens, digits and Markdown marks.
_WORDS = st.sampled_from([
    "de", "minister", "Kamer", "nr.", "bijv.", "c.q.", "zeer-", "lange", "regel", "Dat",
    "is", "zo.", "waar?", "ja!", "(Applaus)", "\"zo.\"", "motie:", "–", "-", "8", "12",
    "februari", "2024", "Tweede", "**8**", "#", "*", "Beleids-", "maatregel", "…", "vol",
    "x" * 31,
])
_TEXTS = st.lists(_WORDS, min_size=0, max_size=12).map(" ".join)
_LINES = st.lists(st.tuples(_TEXTS, st.booleans()), max_size=60).map(
    lambda xs: [Line(text, no, gap) for no, (text, gap) in enumerate(xs, start=1)])


def _fit_limit_plainly(lines: list[Line]) -> int:
    sums = sorted(
        len(a.text) + 1 + len(b.text.split(" ", 1)[0])
        for a, b in zip(lines, lines[1:], strict=False)
        if len(a.text) >= 30 and not b.gap and not ends_sentence(a.text)
    )
    return 0 if len(sums) < 20 else sums[len(sums) // 50]


def _paragraphs_plainly(lines: list[Line], limit: int) -> list[tuple[str, int]]:
    result, current = [], []
    for i, line in enumerate(lines):
        current.append(line)
        following = lines[i + 1] if i + 1 < len(lines) else None
        if following is None or ends_paragraph(line, following, limit):
            result.append((join_lines([x.text for x in current], {}), current[0].no))
            current = []
    return result


@settings(deadline=None)  # (the first join may load the word lists)
@given(_LINES)
def test_fit_limit_is_its_definition(lines: list[Line]) -> None:
    assert fit_limit(lines) == _fit_limit_plainly(lines)


@settings(deadline=None)  # (the first join may load the word lists)
@given(_LINES, st.integers(0, 120))
def test_paragraphs_are_those_ends_paragraph_gives(lines: list[Line], limit: int) -> None:
    assert paragraphs(lines, {}, limit) == _paragraphs_plainly(lines, limit)


@settings(deadline=None)  # (the first join may load the word lists)
@given(st.lists(_TEXTS, max_size=10), _TEXTS)
def test_split_lines_rules_out_by_first_character_only_lines_that_are_no_head(
        heads_from: list[str], line: str) -> None:
    """A line `split_lines` skips asking `is_head` about is never a head."""
    heads = frozenset(_head_key(x) for x in heads_from)
    start = line.strip()
    firsts = {k[:1] for k in heads} | {"#", "*"}
    asked = start[:1] in firsts or ("#" in firsts and start[:1].isdecimal())
    if head_matcher(heads)(start):
        assert asked


@settings(deadline=None)  # (the first join may load the word lists)
@given(st.lists(st.one_of(_TEXTS, st.just(""), st.just("  8 februari 2024")), max_size=40),
       st.booleans())
def test_split_lines_given_the_split_text_is_split_lines_of_the_text(
        raws: list[str], markdown: bool) -> None:
    text = "\n".join(raws)
    heads = repeated_heads(text.split("\n"))
    results = [split_lines(text, markdown, heads, text.split("\n")),
               split_lines(text, markdown, heads), split_lines(text, markdown)]
    assert len({(tuple(lines), tuple(m.group(0) for m in footers))
                for lines, footers in results}) == 1


def _join_lines_plainly(texts: list[str], evidence: dict[str, int]) -> str:
    out = ""
    for text in texts:
        text = text.strip()
        if not out:
            out = text
            continue
        hyphen = out.endswith("-") and (out[-2:-1].isalnum() or out.endswith("--"))
        if hyphen and text[:1].isalnum():
            head, _, left = out.rpartition(" ")
            right, _, rest = text.partition(" ")
            joined = join_hyphenated(left, right, evidence)
            out = (head + " " if head else "") + joined + (" " + rest if rest else "")
        elif out.endswith("/"):
            out = out + text
        else:
            out = out + " " + text
    return out


@settings(deadline=None)  # (the first join may load the word lists)
@given(st.lists(st.one_of(_TEXTS, st.sampled_from(["", " ", "-", "--", "a/", "/", "x-"])),
                max_size=12))
def test_join_lines_is_its_definition(texts: list[str]) -> None:
    assert join_lines(texts, {}) == _join_lines_plainly(texts, {})
