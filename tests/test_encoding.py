"""Every encoding real transcripts arrive in decodes to the same clean text, with a
diagnostic saying what was done; binary files and NUL bytes are refused.

Fixtures: tests/data/encoding/ (a real excerpt of the seed, saved each way; see
make_fixtures.py) and the real double-encoded corpus files in /work/shared/corpus.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import Severity
from generator.ingest.encoding import decode_transcript

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "encoding"
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"
CORPUS = Path("/work/shared/corpus")
EXPECTED = (DATA / "ruslandstrategie.txt").read_text(encoding="utf-8")


def decode(name: str):
    return decode_transcript((DATA / name).read_bytes(), f"transcripts/{name}")


def severities(result) -> set[Severity]:
    return {d.severity for d in result.diagnostics}


def test_plain_utf8_decodes_unchanged_and_silently():
    result = decode("ruslandstrategie.txt")
    assert result.text == EXPECTED
    assert result.diagnostics == ()


def test_the_whole_seed_transcript_decodes_unchanged_and_silently():
    data = SEED.read_bytes()
    result = decode_transcript(data, "transcripts/seed.txt")
    assert result.text == data.decode("utf-8")
    assert result.diagnostics == ()


def test_utf8_byte_order_mark_is_stripped_silently():
    result = decode("ruslandstrategie.utf8-bom.txt")
    assert result.text == EXPECTED
    assert result.diagnostics == ()


def test_windows_line_endings_become_newlines():
    result = decode("ruslandstrategie.crlf.txt")
    assert result.text == EXPECTED
    assert "\r" not in result.text


def test_old_mac_line_endings_become_newlines():
    data = EXPECTED.replace("\n", "\r").encode("utf-8")
    assert decode_transcript(data, "x.txt").text == EXPECTED


@pytest.mark.parametrize("name, codec", [
    ("ruslandstrategie.utf16.txt", "utf-16-le"),
    ("ruslandstrategie.utf16be-bom.txt", "utf-16-be"),
    ("ruslandstrategie.utf16le-nobom.txt", "utf-16-le"),
    ("ruslandstrategie.utf16be-nobom.txt", "utf-16-be"),
])
def test_utf16_with_or_without_byte_order_mark_is_decoded_with_an_info(name, codec):
    result = decode(name)
    assert result.text == EXPECTED
    assert result.encoding == codec
    assert severities(result) == {Severity.INFO}
    assert "UTF-16" in result.diagnostics[0].message
    assert result.diagnostics[0].file == f"transcripts/{name}"


def test_utf32_with_byte_order_mark_is_decoded():
    data = b"\xff\xfe\x00\x00" + EXPECTED.encode("utf-32-le")
    assert decode_transcript(data, "x.txt").text == EXPECTED


def test_windows_1252_is_decoded_with_a_warning_naming_the_first_accented_line():
    result = decode("ruslandstrategie.cp1252.txt")
    assert result.text == EXPECTED
    assert result.encoding == "cp1252"
    [diag] = result.diagnostics
    assert diag.severity == Severity.WARNING
    assert "Windows-1252" in diag.message
    first = next(i for i, line in enumerate(EXPECTED.split("\n"), 1) if not line.isascii())
    assert diag.line == first
    assert diag.text == EXPECTED.split("\n")[first - 1]
    assert diag.hint


def test_latin1_is_decoded_as_windows_1252():
    result = decode("moskou.latin1.txt")
    assert "democratieën" in result.text and "geïnvesteerd" in result.text
    assert severities(result) == {Severity.WARNING}


def test_a_file_mixing_utf8_and_windows_1252_lines_keeps_both_and_says_where():
    result = decode("ruslandstrategie.mixed.txt")
    assert result.text.startswith(EXPECTED)
    assert "democratieën" in result.text and "Oost-Oekraïne" in result.text
    [diag] = result.diagnostics
    assert "mixes encodings" in diag.message
    assert diag.line == EXPECTED.count("\n") + 2  # the first accented Windows-1252 line


def test_double_encoded_utf8_is_repaired_with_a_warning_counting_repairs():
    result = decode("ruslandstrategie.mojibake.txt")
    assert result.text == EXPECTED
    [diag] = result.diagnostics
    assert diag.severity == Severity.WARNING
    non_ascii = sum(1 for ch in EXPECTED if ord(ch) > 127)
    assert f"repaired {non_ascii} double-encoded" in diag.message
    first = next(i for i, line in enumerate(EXPECTED.split("\n"), 1) if not line.isascii())
    assert diag.line == first
    assert f"first at line {first}" in diag.message


def test_mojibake_of_the_whole_seed_is_repaired_exactly():
    text = SEED.read_text(encoding="utf-8")
    data = text.encode("utf-8").decode("cp1252").encode("utf-8")
    result = decode_transcript(data, "seed.txt")
    assert result.text == text
    assert "Ã" not in result.text


@pytest.mark.parametrize("name, sequences", [
    ("tk-ohxml-20180405-h70-6-stemmingen.xml", 8),
    ("tk-ohxml-20180405-h70-3-vao-wlz-ggz.xml", 57),
    ("tk-ohxml-20180405-h70-12-brexit.xml", 174),
])
def test_real_double_encoded_scraped_xml_is_repaired(name, sequences):
    path = CORPUS / name
    if not path.exists():
        pytest.skip("corpus not available")
    result = decode_transcript(path.read_bytes(), name)
    assert not any(bad in result.text for bad in ("Ã", "â€", "\u00e2\u0080", "ï»¿"))
    assert result.text.lstrip().startswith("<?xml")
    [diag] = result.diagnostics
    assert f"repaired {sequences} double-encoded" in diag.message
    assert "byte order mark" in diag.message
    assert diag.text.strip() and not diag.text.isascii()


def test_real_double_encoded_xml_gets_its_dutch_letters_back():
    path = CORPUS / "tk-ohxml-20180405-h70-6-stemmingen.xml"
    if not path.exists():
        pytest.skip("corpus not available")
    text = decode_transcript(path.read_bytes(), path.name).text
    assert "motie-Laçin/Beckerman" in text


@pytest.mark.parametrize("name", [
    "tk-ohxml-2018-h61-10-vao-ondernemen.xml",
    "tk-vlos-20141015-plenair.xml",
    "tk-vlos-20181108-ao-financiele-markten.xml",
    "tk-pdftxt-20240208-tmd-volkshuisvesting.txt",
    "tk-pdftxt-20240201-begroting-lnv.txt",
])
def test_clean_real_files_are_left_alone(name):
    path = CORPUS / name
    if not path.exists():
        pytest.skip("corpus not available")
    data = path.read_bytes()
    result = decode_transcript(data, name)
    expected = data.decode("utf-8-sig").replace("\r\n", "\n")
    assert result.text == unicodedata.normalize("NFC", expected)
    assert result.diagnostics == ()


def test_decomposed_accents_are_normalised_to_nfc():
    result = decode("ruslandstrategie.nfd.txt")
    assert result.text == EXPECTED
    assert result.diagnostics == ()


def test_nul_bytes_in_a_text_file_are_refused_naming_file_and_line():
    result = decode("ruslandstrategie.nul.txt")
    assert result.text is None
    [diag] = result.diagnostics
    assert diag.severity == Severity.ERROR
    assert diag.file == "transcripts/ruslandstrategie.nul.txt"
    assert "NUL" in diag.message
    assert diag.line == next(i for i, line in enumerate(EXPECTED.split("\n"), 1)
                             if "Poetin" in line)
    assert "\\x00" in diag.text and diag.hint


@pytest.mark.parametrize("name, what", [("image.txt", "PNG image"), ("archive.txt", "zip")])
def test_binary_files_renamed_txt_are_refused_saying_what_they_are(name, what):
    result = decode(name)
    assert result.text is None
    [diag] = result.diagnostics
    assert diag.severity == Severity.ERROR
    assert what in diag.message and diag.file == f"transcripts/{name}"
    assert diag.hint
    assert f'File "transcripts/{name}"' in diag.format()


def test_random_binary_without_a_signature_is_refused():
    data = bytes((i * 7919 + 13) % 256 for i in range(5000))
    result = decode_transcript(data, "noise.txt")
    assert result.text is None
    assert severities(result) == {Severity.ERROR}


def test_control_characters_are_removed_with_a_warning_and_form_feeds_silently():
    text = EXPECTED.replace("Poetin", "Poe\x1btin", 1) + "\x0c"
    result = decode_transcript(text.encode("utf-8"), "x.txt")
    assert result.text == EXPECTED
    [diag] = result.diagnostics
    assert "control character" in diag.message and "U+001B" in diag.message
    assert "\x1b" not in diag.text


@pytest.mark.parametrize("separator", ["\x0b", "\u2028", "\u2029", "\x0c", "\x85", "\x1e"])
def test_line_and_page_separators_between_words_become_spaces_so_no_words_are_glued(separator):
    text = EXPECTED.replace("Poetin koersvast", f"Poetin{separator}koersvast", 1)
    result = decode_transcript(text.encode("utf-8"), "x.txt")
    assert result.text == EXPECTED
    [diag] = result.diagnostics
    assert diag.line == next(i for i, line in enumerate(EXPECTED.split("\n"), 1)
                             if "Poetin koersvast" in line)


def test_empty_file_decodes_to_empty_text():
    assert decode_transcript(b"", "empty.txt").text == ""


def test_refused_files_show_their_bytes_safely():
    result = decode_transcript(b"abc\x00\x01<script>", "x.txt")
    assert result.text is None
    assert "\x00" not in result.diagnostics[0].format()


PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()]


@settings(max_examples=60, deadline=2000)
@given(st.sampled_from(PARAGRAPHS),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                        "cp1252", "mojibake"]))
def test_any_real_paragraph_survives_any_encoding(paragraph, encoding):
    if encoding == "mojibake":
        data = paragraph.encode("utf-8").decode("cp1252").encode("utf-8")
    else:
        data = paragraph.encode(encoding)
    result = decode_transcript(data, "p.txt")
    assert result.text == paragraph
    assert all(d.severity != Severity.ERROR for d in result.diagnostics)


@settings(max_examples=200, deadline=2000)
@given(st.binary(max_size=3000))
def test_decoding_arbitrary_bytes_never_crashes(data):
    result = decode_transcript(data, "fuzz.txt")
    if result.text is None:
        assert any(d.severity == Severity.ERROR for d in result.diagnostics)
    else:
        assert "\r" not in result.text and "\x00" not in result.text
        assert unicodedata.is_normalized("NFC", result.text)
    for d in result.diagnostics:
        assert d.file == "fuzz.txt"
        d.format()


@pytest.mark.parametrize("declared", ["windows-1252", "ISO-8859-1"])
def test_real_xml_in_the_8_bit_encoding_its_declaration_names_is_decoded_with_an_info(declared):
    path = CORPUS / "tk-ohxml-2018-h61-10-vao-ondernemen.xml"
    if not path.exists():
        pytest.skip("corpus not available")
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    text = text.replace('encoding="utf-8"', f'encoding="{declared}"', 1)
    result = decode_transcript(text.encode("cp1252"), path.name)
    assert result.text == unicodedata.normalize("NFC", text)
    assert severities(result) == {Severity.INFO}
    assert "XML declaration" in result.diagnostics[0].message


def test_utf8_xml_whose_declaration_names_another_encoding_is_read_as_utf8_with_a_warning():
    data = '<?xml version="1.0" encoding="windows-1252"?>\n<a>één</a>'.encode()
    result = decode_transcript(data, "x.xml")
    assert result.text.endswith("<a>één</a>")
    [diag] = result.diagnostics
    assert diag.severity == Severity.WARNING and "but the file is UTF-8" in diag.message


@settings(max_examples=100, deadline=2000)
@given(st.sampled_from(["windows-1252", "ISO-8859-1", "latin1", "koi8-r", "cp1250", "utf-8",
                        "UTF-16", "bogus", "", "x" * 60]),
       st.binary(max_size=500))
def test_xml_with_any_declared_encoding_and_any_bytes_never_crashes(encoding, body):
    data = f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode() + body
    result = decode_transcript(data, "fuzz.xml")
    assert result.text is not None or any(
        d.severity == Severity.ERROR for d in result.diagnostics)
