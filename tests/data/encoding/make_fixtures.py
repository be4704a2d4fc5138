"""Regenerate the encoding fixtures from a real excerpt of the seed transcript.

    .venv/bin/python tests/data/encoding/make_fixtures.py

`ruslandstrategie.txt` is lines 379-407 of transcripts/000_80043238be0c1716.txt
(Notaoverleg Ruslandstrategie, 28 September 2020: De heer Sjoerdsma), byte for
byte; every other file is that text saved the way real tools save it.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[2] / "transcripts" / "000_80043238be0c1716.txt"
# Lines 55-61 have no curly quotes or dashes, so Latin-1 can hold them.
LATIN1_LINES = (55, 61)


def excerpt(first: int, last: int) -> str:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[first - 1: last]) + "\n"


def main() -> None:
    text = excerpt(379, 407)
    latin = excerpt(*LATIN1_LINES)
    files = {
        "ruslandstrategie.txt": text.encode("utf-8"),
        "ruslandstrategie.utf8-bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "ruslandstrategie.crlf.txt": text.replace("\n", "\r\n").encode("utf-8"),
        "ruslandstrategie.utf16.txt": text.replace("\n", "\r\n").encode("utf-16"),
        "ruslandstrategie.utf16be-bom.txt": b"\xfe\xff" + text.encode("utf-16-be"),
        "ruslandstrategie.utf16le-nobom.txt": text.encode("utf-16-le"),
        "ruslandstrategie.utf16be-nobom.txt": text.encode("utf-16-be"),
        "ruslandstrategie.cp1252.txt": text.replace("\n", "\r\n").encode("cp1252"),
        "moskou.latin1.txt": latin.encode("latin-1"),
        # UTF-8 read as Windows-1252 and saved as UTF-8 again (what scrapers do).
        "ruslandstrategie.mojibake.txt": text.encode("utf-8").decode("cp1252").encode("utf-8"),
        # A file concatenated from a UTF-8 part and a Windows-1252 part.
        "ruslandstrategie.mixed.txt": text.encode("utf-8") + latin.encode("cp1252"),
        # Decomposed accents (macOS file names, some PDF extractors).
        "ruslandstrategie.nfd.txt": __import__("unicodedata").normalize("NFD", text).encode(),
        "ruslandstrategie.nul.txt": text.encode("utf-8").replace(b"Poetin", b"Poe\x00tin", 1),
        # A PNG image renamed .txt (the 1x1 transparent PNG), and a zip renamed .txt.
        "image.txt": bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6300010000050001"
            "0d0a2db40000000049454e44ae426082"),
        "archive.txt": bytes.fromhex(
            "504b0304140000000000000000000000000000000000000000000000000000"),
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
