"""Safe, stable slugs for ids and file names: ASCII, lower case, [a-z0-9-] only.

Whatever a transcript contains ("../", "/", NUL, quotes, scripts), a slug can
never leave its folder or break out of an HTML attribute.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80


def slugify(text: str, fallback: str = "x") -> str:
    """``"Van den Nieuwenhuijzen"`` -> ``"van-den-nieuwenhuijzen"``;
    ``"Geïnvesteerd"`` -> ``"geinvesteerd"``; empty results give `fallback`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")
    return slug or fallback
