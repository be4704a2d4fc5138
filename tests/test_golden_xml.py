"""Golden tests: the XML readers' full output on real corpus files equals the
reviewed files in tests/golden/. On a mismatch the actual output is written
beside the expected one (`<case>.actual.json`): diff them, and if the change is
intended, regenerate with `.venv/bin/python tests/regen_golden_xml.py`."""

from __future__ import annotations

import pytest
from regen_golden import mismatch
from regen_golden_xml import CASES, render


@pytest.mark.parametrize("case", sorted(CASES))
def test_xml_reader_output_matches_the_golden_file(case):
    problem = mismatch(case, render(CASES[case]), "regen_golden_xml.py")
    assert problem is None, problem
