"""Bytes -> text: detect the encoding, repair double-encoded UTF-8, refuse binary."""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import Diagnostic, error


@dataclass(frozen=True)
class Decoded:
    text: str | None  # None when the file had to be refused
    diagnostics: tuple[Diagnostic, ...]


def decode_transcript(data: bytes, file: str) -> Decoded:
    """Decode transcript bytes (first version: UTF-8 with or without BOM)."""
    if b"\x00" in data:
        return Decoded(None, (error("file contains NUL bytes: not a text transcript", file),))
    try:
        return Decoded(data.decode("utf-8-sig"), ())
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Decoded(None, (error("file is not valid UTF-8", file, line),))
