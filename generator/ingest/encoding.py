"""Bytes -> text: detect the encoding, repair double-encoded UTF-8, refuse binary.

Transcripts arrive as UTF-8 (with or without BOM), UTF-16 from Windows tools,
Windows-1252 from old exports, and double-encoded UTF-8 ("mojibake": ``Ã«`` for
``ë``) from scrapers. This module turns any of them into clean text, and says
what it did in a diagnostic; files that are not text at all (an image or a zip
renamed ``.txt``, a file with NUL bytes) are refused with an error that names
the file and says what to do. See docs/robustness.md.

The order matters: a BOM decides first; then known binary signatures; then the
NUL-byte pattern of UTF-16 without a BOM (UTF-16 text is full of NULs, so it
must be recognised before NUL bytes are refused); then UTF-8, falling back per
line to Windows-1252. The decoded text then gets its line endings (CRLF, CR ->
LF) and mojibake repaired, stray control characters removed and Unicode
normalised to NFC.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from generator.errors import Diagnostic, error, info, warning


@dataclass(frozen=True)
class Decoded:
    text: str | None  # None when the file had to be refused
    diagnostics: tuple[Diagnostic, ...]
    encoding: str = "utf-8"  # what the bytes were decoded as


REENCODE_HINT = "save the file as UTF-8 text (in most editors: Save As, encoding UTF-8)"

# Signatures of files that are certainly not transcripts, by their first bytes.
BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "put the transcript text in this file instead"),
    (b"\xff\xd8\xff", "a JPEG image", "put the transcript text in this file instead"),
    (b"GIF87a", "a GIF image", "put the transcript text in this file instead"),
    (b"GIF89a", "a GIF image", "put the transcript text in this file instead"),
    (b"PK\x03\x04", "a zip archive (or a .docx/.odt document)",
     "unpack it, or export the document as text or PDF"),
    (b"\x1f\x8b", "a gzip archive", "unpack it first"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word/Excel document",
     "export the document as text or PDF"),
    (b"\x7fELF", "a program", "this is not a transcript"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive", "unpack it first"),
    (b"Rar!\x1a\x07", "a RAR archive", "unpack it first"),
)

BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its LE BOM starts like UTF-16's
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Double-encoded UTF-8: each byte of a UTF-8 sequence read as Windows-1252 or
# Latin-1. A lead byte (C2-F4) followed by continuation bytes (80-BF).
_CP1252_HIGH = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_CONT = "[\u0080-\u00bf" + re.escape(_CP1252_HIGH) + "]"
# One character class first (the lead byte; the branch picks its length by
# looking back at it): the regex engine then skips non-candidates in C, several
# times faster on clean text than an alternation of three classes.
MOJIBAKE = re.compile(
    f"[\u00c2-\u00f4](?:(?<=[\u00c2-\u00df]){_CONT}|(?<=[\u00e0-\u00ef]){_CONT}{{2}}"
    f"|(?<=[\u00f0-\u00f4]){_CONT}{{3}})"
)
# C0 controls except tab and newline, DEL, C1 controls, and stray BOMs / ZWNBSP.
SEPARATOR = re.compile("[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")  # between words: a space
CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufeff]")
PAGE_BREAK = re.compile("^\x0c+", re.MULTILINE)
_CONTROL_OR_SEPARATOR = re.compile(f"[{CONTROL.pattern[1:-1]}{SEPARATOR.pattern[1:-1]}]")
SAMPLE = 8192
DOUBLE_BOM = "\u00ef\u00bb\u00bf"  # a UTF-8 byte order mark, itself double-encoded


def decode_transcript(data: bytes, file: str) -> Decoded:
    """Decode transcript bytes to clean text (LF line endings, NFC, no BOM),
    with a diagnostic for anything that was not plain UTF-8; ``text`` is None
    when the file is refused (binary, NUL bytes)."""
    diags: list[Diagnostic] = []
    text, encoding = _decode_bytes(data, file, diags)
    if text is None:
        return Decoded(None, tuple(diags), encoding)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Valid UTF-8 (`encoding`): the text is the bytes decoded (but a BOM), so a
    # character sequence absent from the bytes' decoding is absent from the
    # text, and the bytes are searched first, several times faster (most
    # transcripts hold no mojibake and no control character).
    utf8 = encoding == "utf-8"
    repaired = text if utf8 and _no_mojibake(data) else _repair_mojibake(text, file, diags)
    if not (utf8 and repaired is text and _no_controls(data)):
        repaired = _remove_controls(repaired, file, diags)
    text = unicodedata.normalize("NFC", repaired)
    return Decoded(text, tuple(diags), encoding)


# `_no_mojibake` and `_no_controls`: one byte-to-class translation of the
# UTF-8 bytes, then substring searches for the class sequences a match would
# need. Classes: 1 a control byte (C0 but tab, LF and CR; DEL); 2 the lead
# byte C2; 3 a continuation byte 80-9F; 4 the lead byte E2; 5 the lead byte
# EF; 6 A8 or A9; 7 BB; 8 BF.
_CLASS_OF_BYTE = bytearray(256)
for _byte in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F):
    _CLASS_OF_BYTE[_byte] = 1
_CLASS_OF_BYTE[0xC2], _CLASS_OF_BYTE[0xE2], _CLASS_OF_BYTE[0xEF] = 2, 4, 5
for _byte in range(0x80, 0xA0):
    _CLASS_OF_BYTE[_byte] = 3
_CLASS_OF_BYTE[0xA8] = _CLASS_OF_BYTE[0xA9] = 6
_CLASS_OF_BYTE[0xBB], _CLASS_OF_BYTE[0xBF] = 7, 8
_BYTE_CLASSES = bytes(_CLASS_OF_BYTE)
del _byte, _CLASS_OF_BYTE
# A MOJIBAKE match starts with a character U+00C2-U+00F4 (UTF-8: C3 82-B4)
# followed by one of `_CONT` (each as its UTF-8 bytes).
_MOJIBAKE_START = re.compile(b"\xc3[\x82-\xb4](?:" + b"|".join(sorted(
    {re.escape(c.encode("utf-8")) for c in "".join(map(chr, range(0x80, 0xC0))) + _CP1252_HIGH}))
    + b")")


def _no_mojibake(data: bytes) -> bool:
    """Whether no decoding of a part of the UTF-8 `data` holds a `MOJIBAKE`
    match (or starts with `DOUBLE_BOM`): `_repair_mojibake` would change nothing."""
    return _MOJIBAKE_START.search(data) is None


def _no_controls(data: bytes) -> bool:
    """Whether no decoding of a part of the UTF-8 `data` holds a character
    `_remove_controls` removes or replaces (C0 but tab, LF and CR; DEL; the
    C1 controls U+0080-U+009F, NEL among them; U+2028, U+2029, U+FEFF; a
    form feed anywhere): it would change nothing."""
    classes = data.translate(_BYTE_CLASSES)
    return (b"\x01" not in classes and b"\x02\x03" not in classes
            and b"\x04\x03\x06" not in classes and b"\x05\x07\x08" not in classes)


def _decode_bytes(data: bytes, file: str, diags: list[Diagnostic]) -> tuple[str | None, str]:
    """The text and the encoding name; None (and an error) for refused files."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_declared(data[len(bom):], encoding, file, diags, "its byte order mark")
    for signature, what, hint in BINARY_SIGNATURES:
        if data.startswith(signature):
            diags.append(error(f"file is {what}, not a text transcript", file, 0, hint=hint))
            return None, "binary"
    utf16 = _sniff_utf16(data)
    if utf16:
        return _decode_declared(data, utf16, file, diags, "its pattern of NUL bytes")
    if b"\x00" in data:
        at = data.index(b"\x00")
        line = data[:at].count(b"\n") + 1
        diags.append(error(
            "file contains NUL bytes: it is binary or damaged, not a text transcript", file,
            line, text=_excerpt(data, at),
            hint="open it in a text editor to check it; re-export the transcript as UTF-8 "
                 "text, or delete the NUL characters"))
        return None, "binary"
    declared = _xml_declared(data)
    if declared:
        return _decode_xml_declared(data, declared, file, diags)
    if _looks_binary(data):
        diags.append(error(
            "file looks binary (many control bytes), not a text transcript", file, 0,
            hint="check that this is the transcript text; re-export it as UTF-8 text"))
        return None, "binary"
    return _decode_utf8_or_cp1252(data, file, diags)


def _decode_declared(data: bytes, encoding: str, file: str, diags: list[Diagnostic],
                     evidence: str) -> tuple[str | None, str]:
    """Decode with an encoding known from a BOM or the NUL pattern."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        diags.append(error(
            f"file claims to be {encoding.upper()} ({evidence}) but is not valid "
            f"{encoding.upper()} at byte {exc.start}", file, 0, text=_excerpt(data, exc.start),
            hint=REENCODE_HINT))
        return None, encoding
    if encoding != "utf-8":
        diags.append(info(f"file is {encoding.upper()}; decoded it (detected by {evidence})",
                          file, 0, hint=REENCODE_HINT + " to skip this step"))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        diags.append(error(
            "file contains NUL characters: it is damaged, not a text transcript", file, line,
            hint="re-export the transcript as UTF-8 text, or delete the NUL characters"))
        return None, encoding
    return text, encoding


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-Latin text has a NUL in every other byte.
    Returns the codec name when the pattern is clear and the bytes decode."""
    sample = data[:SAMPLE]
    sample = sample[: len(sample) // 2 * 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    nul_even = sample[0::2].count(0)
    nul_odd = sample[1::2].count(0)
    for codec, high, low in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        if high >= 0.4 * pairs and low <= 0.02 * pairs:
            try:
                data[: len(data) // 2 * 2].decode(codec)
            except UnicodeDecodeError:
                return None
            return codec
    return None


XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _xml_declared(data: bytes) -> str | None:
    """The 8-bit encoding an XML declaration names (``windows-1252``,
    ``iso-8859-1``), or None for none, UTF-8 or an unknown name."""
    m = XML_DECLARATION.match(data[:200])
    if not m:
        return None
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None
    if name.startswith(("utf-8", "utf-16", "utf-32")) or name == "ascii":
        return None
    return "latin-1" if name == "iso8859-1" else name


def _decode_xml_declared(data: bytes, declared: str, file: str,
                         diags: list[Diagnostic]) -> tuple[str, str]:
    """An XML file whose declaration names an 8-bit encoding. Bytes that are
    valid UTF-8 are UTF-8 whatever the declaration says (a scraper re-saved the
    file; 8-bit text is practically never valid UTF-8 by chance)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not data.isascii():
            diags.append(warning(
                f"the XML declaration says {declared.upper()} but the file is UTF-8; read it "
                "as UTF-8", file, 1, hint="correct the declaration to encoding=\"utf-8\""))
        return text, "utf-8"
    # Latin-1 as Windows-1252, as browsers do: real "ISO-8859-1" has curly quotes.
    text = _decode_cp1252(data) if declared == "latin-1" else data.decode(declared, "replace")
    diags.append(info(f"file is {declared.upper()}, as its XML declaration says; decoded it",
                      file, 1, hint=REENCODE_HINT + " to skip this step"))
    return text, declared


_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (9, 10, 12, 13))


def _looks_binary(data: bytes) -> bool:
    """Control bytes (other than tab, LF, CR, form feed) are rare in text."""
    sample = data[:SAMPLE]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # (counted in C)
    return controls > 0.05 * len(sample)


def _decode_utf8_or_cp1252(data: bytes, file: str,
                           diags: list[Diagnostic]) -> tuple[str, str]:
    """UTF-8; lines that are not valid UTF-8 are read as Windows-1252 (Latin-1
    for the five bytes Windows-1252 leaves undefined)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    out: list[str] = []
    fallback: list[int] = []
    utf8_non_ascii = False
    for number, raw in enumerate(lines, 1):
        try:
            out.append(raw.decode("utf-8"))
            utf8_non_ascii = utf8_non_ascii or not raw.isascii()
        except UnicodeDecodeError:
            out.append(_decode_cp1252(raw))
            fallback.append(number)
    first = fallback[0]
    shown = out[first - 1]
    if utf8_non_ascii:
        diags.append(warning(
            f"file mixes encodings: {len(fallback)} line(s) are not UTF-8 and were read as "
            f"Windows-1252, first at line {first}", file, first, text=shown,
            hint="check those lines; " + REENCODE_HINT))
        return "\n".join(out), "utf-8+cp1252"
    diags.append(warning(
        f"file is not UTF-8; read it as Windows-1252 (Latin-1), first non-ASCII text at "
        f"line {first}", file, first, text=shown,
        hint="check that accented letters look right; " + REENCODE_HINT))
    return "\n".join(out), "cp1252"


def _decode_cp1252(raw: bytes) -> str:
    return "".join(
        chunk.decode("cp1252", errors="strict") if ok else chunk.decode("latin-1")
        for ok, chunk in _split_undefined_cp1252(raw)
    )


_UNDEFINED_CP1252 = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))


def _split_undefined_cp1252(raw: bytes) -> list[tuple[bool, bytes]]:
    """Split into runs of bytes Windows-1252 defines (True) and does not (False)."""
    runs: list[tuple[bool, bytes]] = []
    start = 0
    for i, byte in enumerate(raw):
        if byte in _UNDEFINED_CP1252:
            if i > start:
                runs.append((True, raw[start:i]))
            runs.append((False, raw[i:i + 1]))
            start = i + 1
    if start < len(raw):
        runs.append((True, raw[start:]))
    return runs


def repair_mojibake(text: str, file: str) -> tuple[str, list[Diagnostic]]:
    """Repair double-encoded UTF-8 in already decoded text (for readers called
    without `decode_transcript`); the repaired text and a diagnostic if any."""
    diags: list[Diagnostic] = []
    return _repair_mojibake(text, file, diags), diags


def _repair_mojibake(text: str, file: str, diags: list[Diagnostic]) -> str:
    """Repair double-encoded UTF-8 line by line with ftfy, which only changes
    text that is far likelier to be mojibake than real (``Ã«`` -> ``ë``)."""
    bom = text.startswith(DOUBLE_BOM)
    text = text.removeprefix(DOUBLE_BOM)
    if not MOJIBAKE.search(text):
        return text
    import ftfy

    lines = text.split("\n")
    repairs = 0
    first = 0
    example = ""
    for i, line in enumerate(lines):
        if not MOJIBAKE.search(line):
            continue
        fixed = ftfy.fix_encoding(line)
        if fixed == line:
            continue
        repairs += max(1, len(MOJIBAKE.findall(line)) - len(MOJIBAKE.findall(fixed)))
        if not first:
            first = i + 1
            found = next((m.group() for m in MOJIBAKE.finditer(line)
                          if m.group() not in fixed), "")
            example = f" ('{found}' for '{ftfy.fix_encoding(found)}')" if found else ""
        lines[i] = fixed
    if not repairs:
        return text
    diags.append(warning(
        f"repaired {repairs} double-encoded character(s){example}: UTF-8 that was read as "
        f"Windows-1252 or Latin-1 and saved again, first at line {first}"
        + (" (the file also starts with a double-encoded byte order mark)" if bom else ""),
        file, first, text=lines[first - 1],
        hint="the source was converted twice; check the repaired text, or fix the "
             "source and save it as UTF-8"))
    return "\n".join(lines)


def _remove_controls(text: str, file: str, diags: list[Diagnostic]) -> str:
    """Drop control characters (they break HTML and XML feeds) and stray BOMs;
    turn separators that stand between words (vertical tab: Word's line break;
    U+2028/U+2029; a form feed inside a line) into spaces, so no two words are
    glued. A leading BOM and form feeds at the start of a line (page breaks from
    pdftotext) go silently; anything else gets one warning."""
    text = text.removeprefix("\ufeff")
    if "\x0c" in text:
        text = PAGE_BREAK.sub("", text)
    if not _CONTROL_OR_SEPARATOR.search(text):
        return text
    found = sorted([m.start() for m in CONTROL.finditer(text) if m.group() != "\ufeff"]
                   + [m.start() for m in SEPARATOR.finditer(text)])
    if found:
        at = found[0]
        line = text.count("\n", 0, at) + 1
        diags.append(warning(
            f"removed {len(found)} invisible control character(s) (e.g. U+{ord(text[at]):04X}), "
            f"first at line {line}; those between words became spaces", file, line,
            text=CONTROL.sub("?", SEPARATOR.sub("?", _line_at(text, at))),
            hint="they are invisible and not allowed in web pages; check the source"))
    return CONTROL.sub("", SEPARATOR.sub(" ", text))


def _line_at(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start: end if end >= 0 else len(text)]


def _excerpt(data: bytes, at: int) -> str:
    """The bytes around `at`, shown safely (for binary data: as escapes)."""
    chunk = data[max(0, at - 30): at + 30]
    return chunk.decode("latin-1").encode("unicode_escape").decode("ascii")
