"""Golden tests: the text parser's full output on real transcripts (the seed,
both flattened corpus files, the OCR'ed Markdown fixture) equals the reviewed
files in tests/golden/. On a mismatch the actual output is written beside the
expected one (`<case>.actual.json`): diff them, and if the change is intended,
regenerate with `.venv/bin/python tests/regen_golden.py`."""

from __future__ import annotations

import pytest
from regen_golden import CASES, mismatch, render


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_parser_output_matches_the_golden_file(case):
    problem = mismatch(case, render(CASES[case]), "regen_golden.py")
    assert problem is None, problem
