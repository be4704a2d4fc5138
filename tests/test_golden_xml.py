"""Golden tests: the XML readers' full output on real corpus files equals the
reviewed files in tests/golden/. On a mismatch the actual output is written
beside the expected one (`<case>.actual.json`): diff them, and if the change is
intended, regenerate with `.venv/bin/python tests/regen_golden_xml.py`."""

from __future__ import annotations

import pytest
from regen_golden import GOLDEN
from regen_golden_xml import CASES, render


@pytest.mark.parametrize("case", sorted(CASES))
def test_xml_reader_output_matches_the_golden_file(case):
    expected_path = GOLDEN / f"{case}.json"
    actual = render(CASES[case])
    actual_path = GOLDEN / f"{case}.actual.json"
    if expected_path.read_text(encoding="utf-8") != actual:
        actual_path.write_text(actual, encoding="utf-8")
        pytest.fail(f"output changed: diff {expected_path} {actual_path} "
                    "(regenerate: .venv/bin/python tests/regen_golden_xml.py)")
    actual_path.unlink(missing_ok=True)
