"""`decode_transcript` looks for mojibake and control characters in the UTF-8
bytes first (`_no_mojibake`, `_no_controls`) and skips the text's regex
searches when the bytes rule them out. Checked against the plain definition
(every step on the decoded text, as before the shortcut) on text made of the
characters those steps treat specially, and on arbitrary bytes."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.ingest import encoding
from generator.ingest.encoding import (
    CONTROL,
    DOUBLE_BOM,
    MOJIBAKE,
    SEPARATOR,
    Decoded,
    decode_transcript,
)


def plain_decode(data: bytes, file: str) -> Decoded:
    """`decode_transcript` as defined: every step on the decoded text."""
    diags: list = []
    text, used = encoding._decode_bytes(data, file, diags)
    if text is None:
        return Decoded(None, tuple(diags), used)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = encoding._repair_mojibake(text, file, diags)
    text = encoding._remove_controls(text, file, diags)
    return Decoded(unicodedata.normalize("NFC", text), tuple(diags), used)


# Pieces of text those steps care about: double-encoded letters and quotes,
# leads without a continuation, C0 and C1 controls, separators, BOMs, line
# ends, form feeds, accented and combining letters.
PIECES = ["Ã«", "Ã©", "Ã", "Â", "â€™", "â€œ", "â€", "Ã¯", "ï»¿", DOUBLE_BOM, "\ufeff",
          "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1c", "\x1f", "\x7f", "\x80",
          "\x85", "\x9f", "\xa0", "\xbb", "\xbf", "\u2028", "\u2029", "\u2026", "\u2019",
          "\r\n", "\r", "\n", "\t", "e\u0301", "é", "ë", "ï", "ö", "€", "a", "De heer ",
          " ", "-", ":", "ðŸ˜€", "\U0001f600", "Ã¼ber", "\u00c2\u00a0"]

texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=2000)
@given(texts, st.booleans())
def test_utf8_text_decodes_as_the_plain_definition_says(text, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    assert decode_transcript(data, "t.txt") == plain_decode(data, "t.txt")


@settings(max_examples=300, deadline=2000)
@given(st.binary(max_size=400))
def test_any_bytes_decode_as_the_plain_definition_says(data):
    assert decode_transcript(data, "t.txt") == plain_decode(data, "t.txt")


@settings(max_examples=400, deadline=2000)
@given(texts)
def test_the_byte_checks_miss_nothing(text):
    """Each byte check says "none" only when the text has none."""
    data = text.encode("utf-8")
    if MOJIBAKE.search(text) or text.startswith(DOUBLE_BOM):
        assert not encoding._no_mojibake(data)
    if CONTROL.search(text) or SEPARATOR.search(text):
        assert not encoding._no_controls(data)


def test_the_byte_checks_pass_clean_dutch_text():
    data = "Mevrouw Van der Plas (BBB):\nDat is één ruïne, zeggen ‘ze’ … – «ja»\xa0€ 5.\n"
    assert encoding._no_mojibake(data.encode())
    assert encoding._no_controls(data.encode())
