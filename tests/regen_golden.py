"""Golden outputs of the text parser on real transcripts.

Regenerate after an intended change, then review the diff before committing:

    .venv/bin/python tests/regen_golden.py

Each case is parsed with `generator.ingest.text.parse_text` (no metadata
sidecar, so the golden file shows only what the text itself states) and written
as `tests/golden/<case>.json`: the open-data JSON of the meeting plus the
diagnostics. `tests/test_golden_text.py` compares against these files.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.export import meeting_to_dict  # noqa: E402
from generator.ingest import ParseResult  # noqa: E402
from generator.ingest.text import parse_text  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
CASES = {
    "text-seed-ruslandstrategie": "transcripts/000_80043238be0c1716.txt",
    "text-flat-volkshuisvesting": "tests/data/corpus/tk-pdftxt-20240208-tmd-volkshuisvesting.txt",
    "text-flat-begroting-lnv": "tests/data/corpus/tk-pdftxt-20240201-begroting-lnv.txt",
    "text-ocr-ruslandstrategie-excerpt": "tests/data/ocr/ruslandstrategie-excerpt.md",
}


def golden_json(result: ParseResult) -> str:
    """A parse result as golden text: every meeting's open data plus the
    diagnostics (deterministic)."""
    data = {
        "meetings": [meeting_to_dict(m) for m in result.meetings],
        "diagnostics": [
            {"severity": d.severity.value, "message": d.message, "line": d.line, "text": d.text}
            for d in result.diagnostics
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def render(relative: str) -> str:
    """The golden text for one text transcript."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    return golden_json(parse_text(text, relative))


def write_cases(cases: dict[str, str], render_case: Callable[[str], str]) -> None:
    """Write `tests/golden/<case>.json` for every case."""
    for case, relative in cases.items():
        path = GOLDEN / f"{case}.json"
        path.write_text(render_case(relative), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


def mismatch(case: str, actual: str, script: str) -> str | None:
    """None when `actual` equals the golden file of `case`; otherwise write it
    beside it (`<case>.actual.json`) and say how to compare and regenerate."""
    expected_path = GOLDEN / f"{case}.json"
    actual_path = GOLDEN / f"{case}.actual.json"
    if expected_path.read_text(encoding="utf-8") == actual:
        actual_path.unlink(missing_ok=True)
        return None
    actual_path.write_text(actual, encoding="utf-8")
    return (f"output changed: diff {expected_path} {actual_path} "
            f"(regenerate: .venv/bin/python tests/{script})")


def main() -> None:
    write_cases(CASES, render)


if __name__ == "__main__":
    main()
