"""The shortcuts the importer takes for speed give exactly what the plain
definitions they replace give (a regex search, a full word count, a regex
parse), on arbitrary text drawn from the characters that matter to each."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.ingest import encoding
from generator.ingest.layout import (
    ABBREVIATION_END,
    BULLET,
    SENTENCE_END,
    Line,
    WordEvidence,
    _head_key,
    count_words,
    ends_paragraph,
    ends_sentence,
    head_matcher,
)
from generator.markdown_syntax import _ATTR_TOKEN, _ATTRS, parse_attrs

ROOT = Path(__file__).resolve().parent.parent


def texts(pieces: list[str], most: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces) | st.text(max_size=2), max_size=most).map("".join)


@settings(max_examples=600, deadline=None)
@given(texts(["ab", " ", ".", "?", "!", "…", '"', "”", "’", "'", ")", "]", "»", "\n", ":"]))
def test_ends_sentence_is_the_sentence_end_regex(text: str) -> None:
    assert ends_sentence(text) == bool(SENTENCE_END.search(text))


WORD_PIECES = ["a", "b", "ab", "-", "--", " ", "\n", "é", "1", "_", "x-y", "A", "İ", ".", "²",
               "ß", "\u0301"]


@settings(max_examples=400, deadline=None)
@given(texts(WORD_PIECES), st.lists(texts(WORD_PIECES, 4), max_size=5))
def test_word_evidence_counts_a_form_as_the_full_word_count_does(text: str,
                                                                 asked: list[str]) -> None:
    full = count_words(text)
    evidence = WordEvidence(text)
    for word in [*full, *asked, *(w.lower() for w in asked)]:
        assert evidence.get(word, 0) == full.get(word, 0), word
    assert dict(WordEvidence(text)) == dict(full)


def test_word_evidence_agrees_on_real_transcripts() -> None:
    for path in sorted((ROOT / "tests" / "data" / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        full = count_words(text)
        evidence = WordEvidence(text)
        words = sorted(full)[::7]
        assert all(evidence.get(w, 0) == full[w] for w in words)
        assert all(evidence.get(w + "-" + v, 0) == full.get(w + "-" + v, 0)
                   for w, v in zip(words, words[1:], strict=False))


OLD_MOJIBAKE = re.compile(f"[\u00c2-\u00df]{encoding._CONT}|[\u00e0-\u00ef]{encoding._CONT}{{2}}"
                          f"|[\u00f0-\u00f4]{encoding._CONT}{{3}}")


@settings(max_examples=600, deadline=None)
@given(texts(["a", "é", "\u00c2", "\u00c3", "\u00e2", "\u00f0", "\u00f4", "\u0080", "\u00bf",
              "\u00a9", "€", "–", "’", "\u00df", "\u00e0", "\u00ef", "\u00f5", " ", "\n",
              "\x0b", "\x0c", "\x00", "\ufeff", "\u2028", "\x85", "\x9f"]))
def test_the_one_class_scans_find_what_the_old_ones_found(text: str) -> None:
    assert ([m.span() for m in encoding.MOJIBAKE.finditer(text)]
            == [m.span() for m in OLD_MOJIBAKE.finditer(text)])
    assert bool(encoding._CONTROL_OR_SEPARATOR.search(text)) == bool(
        encoding.CONTROL.search(text) or encoding.SEPARATOR.search(text))


@settings(max_examples=400, deadline=None)
@given(st.sets(texts(["Tweede Kamer", " ", "1", "23", "#", "*", "a", ",", "–"], 5), max_size=4),
       texts(["Tweede Kamer", " ", "1", "23", "#", "*", "a", ",", "–", "\t", "٣"], 8))
def test_the_running_head_matcher_is_the_head_key_lookup(heads: set[str], line: str) -> None:
    keys = frozenset(_head_key(h) for h in heads)
    assert head_matcher(keys)(line) == (_head_key(line) in keys)


def regex_attrs(text: str) -> dict[str, str] | None:
    """`parse_attrs` as it was: the attribute-list regex, then its tokens."""
    if not _ATTRS.fullmatch(text):
        return None
    attrs = {}
    for ident, key, raw in _ATTR_TOKEN.findall(text):
        if ident:
            attrs["id"] = ident
        elif raw[0] != '"':
            attrs[key] = raw
        else:
            try:
                attrs[key] = json.loads(raw) if "\\" in raw else raw[1:-1]
            except ValueError:
                return None
    return attrs


@settings(max_examples=800, deadline=None)
@given(texts(["#", "a", "b1", "=", " ", "\t", "-", "_", ".", ":", "/", "{", "}", "x=y", "#t0001",
              "speaker=blok", "line=12", "\u00a0", "é", "\n", "k=v#x", "=a", "9=", '"', '\\"']))
def test_attributes_without_quotes_parse_as_the_regex_parses_them(text: str) -> None:
    assert parse_attrs(text) == regex_attrs(text)


def plain_ends_paragraph(line: Line, following: Line, limit: int) -> bool:
    """`ends_paragraph` as it was: the bullet test first, the abbreviation
    regex searched over the whole line."""
    if BULLET.match(following.text):
        return ends_sentence(line.text) or line.text.endswith(":")
    if not ends_sentence(line.text) or ABBREVIATION_END.search(line.text):
        return False
    if following.text[:1].islower():
        return False
    if following.gap:
        return True
    return len(line.text) + 1 + len(following.text.split(" ", 1)[0]) < limit


LINE_PIECES = ["a", "b", "nr", "t.a.v", "c.q", ".", "?", ":", "”", " ", "- ", "• x", "De",
               "d.w.z", "blz", "\n"]


@settings(max_examples=800, deadline=None)
@given(texts(LINE_PIECES), texts(LINE_PIECES), st.booleans(), st.integers(0, 40))
def test_ends_paragraph_is_the_plain_definition(line: str, following: str, gap: bool,
                                                limit: int) -> None:
    a, b = Line(line, 1), Line(following, 2, gap)
    assert ends_paragraph(a, b, limit) == plain_ends_paragraph(a, b, limit)


@settings(max_examples=400, deadline=None)
@given(texts(WORD_PIECES + ["abab", "ab-ab", "abab-", "-abab", "ababab"], 16),
       texts(["ab", "a", "b", "é", "-", "x"], 4), texts(["ab", "a", "b", "é", "-", "x"], 4))
def test_counting_two_forms_at_once_counts_each_as_alone(text: str, start: str,
                                                          rest: str) -> None:
    """`WordEvidence.ask_both` (one search for a shared start) counts a joined
    and a hyphenated form as two separate counts do."""
    full = count_words(text.lower())
    for one, other in ((start + rest, f"{start}-{rest}"), ("abab" + rest, f"abab-{rest}"),
                       ("ababab" + rest, "abab")):
        evidence = WordEvidence(text)
        evidence.ask_both(one, other)
        assert (evidence.get(one, 0), evidence.get(other, 0)) == (full.get(one, 0),
                                                                  full.get(other, 0))


def test_counting_two_forms_at_once_agrees_on_real_transcripts() -> None:
    for path in sorted((ROOT / "tests" / "data" / "corpus").glob("*.txt"))[:4]:
        text = path.read_text(encoding="utf-8")
        words = [w for w in count_words(text) if len(w) > 6][:40]
        for word in words:
            one, other = word, f"{word[:5]}-{word[5:]}"
            evidence, alone = WordEvidence(text), WordEvidence(text)
            evidence.ask_both(one, other)
            assert (evidence.get(one), evidence.get(other)) == (alone.get(one), alone.get(other))
