"""Commitments ("toezeggingen") as the chair lists them at the end: a sentence
announcing them ("De Minister heeft nog een tweetal toezeggingen gedaan."), then
one dash-led item each ("– Hij informeert de Kamer …")."""

from __future__ import annotations

import re

ANNOUNCE = re.compile(r"\btoezegging(?:en)?\b", re.I)
ITEM = re.compile(r"^\s*[–•·-]\s+(?P<text>\S.*)$", re.S)
INLINE_ITEM = re.compile(r"(?:^|(?<=[.:;])\s)[–•-]\s+(?=[A-Z])")


def find_commitments(paragraphs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The dash-led items after a paragraph announcing commitments, as
    (text, line). In flattened text the items sit inside one paragraph."""
    found: list[tuple[str, int]] = []
    announced = False
    for text, line in paragraphs:
        if announced and (m := ITEM.match(text)):
            found.append((" ".join(m.group("text").split()), line))
            continue
        if ANNOUNCE.search(text):
            announced = True
            after = text[ANNOUNCE.search(text).end():]
            parts = INLINE_ITEM.split(after)
            found.extend((" ".join(p.split()), line) for p in parts[1:] if p.strip())
        elif found:
            announced = False
    return found
