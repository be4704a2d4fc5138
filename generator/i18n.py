"""Every user-visible word of the site, from one catalogue per language
(``generator/locales/<lang>.toml``). A second language is a second file.

Templates receive a `Catalogue` as ``t`` and call ``t("meeting.chair")`` or
``t("count.turns", n=3)`` (a key with ``one``/``other`` forms picks one by
``n``); a missing key is an error, never a silent blank.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from generator.model import VerdictKind

LOCALES = Path(__file__).resolve().parent / "locales"


class Catalogue:
    """Words of one language, looked up by dotted key."""

    def __init__(self, language: str, words: dict[str, str]):
        self.language = language
        self.words = words

    def __call__(self, key: str, **values: object) -> str:
        if not values:  # most calls: a fixed word
            text = self.words.get(key)
            if text is not None:
                return text
        n = values.get("n")
        if key not in self.words and f"{key}.other" in self.words and isinstance(n, int):
            key = f"{key}.one" if n == 1 else f"{key}.other"
        try:
            text = self.words[key]
        except KeyError:
            raise KeyError(f"no text for {key!r} in locales/{self.language}.toml") from None
        if isinstance(n, int) and key.endswith((".one", ".other")):
            values = {**values, "n": self.number(n)}  # 12.345 bijdragen
        return text.format(**values) if values else text

    def verdict(self, kind: VerdictKind | str | None) -> str:
        """The name of a verdict kind ("Oordeel Kamer", "Ontraden", ...)."""
        value = kind.value if isinstance(kind, VerdictKind) else (kind or "none")
        return self(f"verdict.{value}")

    def date(self, iso: str | None) -> str:
        """``2020-09-28`` -> ``28 september 2020``; other text is returned as is."""
        if not iso:
            return self("date.unknown")
        parts = iso.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return iso
        year, month, day = (int(p) for p in parts)
        if not 1 <= month <= 12:
            return iso
        return self("date.format", day=day, month=self(f"month.{month}"), year=year)

    def number(self, value: int) -> str:
        """Thousands grouped the way the language writes them (12.345)."""
        return f"{value:,}".replace(",", self("number.group"))


def _flatten(data: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@cache
def load_catalogue(language: str = "nl") -> Catalogue:
    path = LOCALES / f"{language}.toml"
    if not path.exists():
        path = LOCALES / "nl.toml"
        language = "nl"
    with path.open("rb") as fh:
        return Catalogue(language, _flatten(tomllib.load(fh)))
