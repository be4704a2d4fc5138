"""Line-end hyphenation: decide whether "buiten-" + "landse" is one word
("buitenlandse") or a real hyphenated form ("NAVO-verdragsgebied").

Interface used by the text parser (stable):

    join_hyphenated(left, right, evidence) -> str

`left` is the last token of a line, ending in "-"; `right` is the first token of
the next line; `evidence` counts the lower-cased word forms found in the whole
transcript (so a form the transcript spells elsewhere wins). Returns the single
token that replaces both.
"""

from __future__ import annotations

from collections import Counter


def join_hyphenated(left: str, right: str, evidence: Counter[str]) -> str:
    """Placeholder rule until the lexicon-based version lands: keep the hyphen
    before a capital or digit, join otherwise."""
    stem = left[:-1]
    if right[:1].isupper() or right[:1].isdigit() or stem[-1:].isupper():
        return left + right
    return stem + right
