"""The government's verdicts on motions, found in the turns after they were read
out ("oordeel Kamer", "ontraden", "aanhouden", ...).

Interface used by the text parser (stable):

    attach_verdicts(motions, turns, chair, file) -> (motions, diagnostics)
"""

from __future__ import annotations

from generator.errors import Diagnostic
from generator.model import Motion, Turn


def attach_verdicts(
    motions: tuple[Motion, ...], turns: tuple[Turn, ...], chair: str | None, file: str
) -> tuple[tuple[Motion, ...], list[Diagnostic]]:
    """Placeholder until the real extractor lands: no verdicts."""
    return motions, []
