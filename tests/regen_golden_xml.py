"""Golden outputs of the XML readers (and the PDF reader) on the real corpus files.

Regenerate after an intended change, then review the diff before committing:

    .venv/bin/python tests/regen_golden_xml.py

Each case is read with `generator.ingest.read_transcript` (decoding and mojibake
repair included, no sidecar) and written as `tests/golden/<case>.json`: the
open-data JSON of every meeting plus the diagnostics. `tests/test_golden_xml.py`
compares against these files. (The 1 MB VLOS plenary day is covered by counts in
tests/test_vlos.py instead of a golden file.)
"""

from __future__ import annotations

from regen_golden import ROOT, golden_json, write_cases

from generator.ingest import read_transcript

CORPUS = "tests/data/corpus"
CASES = {
    "vlos-ao-financiele-markten": f"{CORPUS}/tk-vlos-20181108-ao-financiele-markten.xml",
    "ohxml-vao-ondernemen": f"{CORPUS}/tk-ohxml-2018-h61-10-vao-ondernemen.xml",
    "ohxml-vao-wlz-ggz": f"{CORPUS}/tk-ohxml-20180405-h70-3-vao-wlz-ggz.xml",
    "ohxml-stemmingen": f"{CORPUS}/tk-ohxml-20180405-h70-6-stemmingen.xml",
    "ohxml-brexit": f"{CORPUS}/tk-ohxml-20180405-h70-12-brexit.xml",
}


def render(relative: str) -> str:
    """The golden text for one XML (or PDF) transcript, decoded as on import."""
    return golden_json(read_transcript(ROOT / relative, relative))


def main() -> None:
    write_cases(CASES, render)


if __name__ == "__main__":
    main()
