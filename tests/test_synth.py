"""The synthetic archive generator: deterministic, seed-like, made of real text."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synth import (  # noqa: E402
    TARGET_BYTES,
    generate_archive,
    generate_transcript,
    load_material,
)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_differs(tmp_path: Path):
    first = generate_archive(3, tmp_path / "a", seed=7)
    second = generate_archive(3, tmp_path / "b", seed=7)
    other = generate_archive(3, tmp_path / "c", seed=8)
    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


def test_each_transcript_is_about_58_kb_with_a_metadata_sidecar(tmp_path: Path):
    paths = generate_archive(5, tmp_path, seed=1)
    for path in paths:
        assert 0.85 * TARGET_BYTES < path.stat().st_size < 1.2 * TARGET_BYTES
        sidecar = path.with_name(path.stem + ".meta.yaml").read_text(encoding="utf-8")
        assert re.search(r"^date: \d{4}-\d\d-\d\d$", sidecar, re.M)
        assert "title: " in sidecar and "kind: commissie" in sidecar


def test_transcripts_use_the_seed_layout_labels_motions_and_footers():
    text, _ = generate_transcript(4, n=10, seed=3)
    lines = text.splitlines()
    assert lines[0].startswith(" Voorzitter: ")
    assert any(re.fullmatch(r"(De heer|Mevrouw) .+ \([\w -]+\): ", line) for line in lines)
    assert any(re.fullmatch(r"Minister [\w' -]+: ", line) for line in lines)
    assert "\nMotie\n" in text and "en gaat over tot de orde van de dag." in text
    assert re.search(r"^Tweede Kamer, vergaderjaar \d{4}–\d{4}, ", text, re.M)
    assert max(len(line) for line in lines) <= 80


def test_speech_paragraphs_are_real_paragraphs_from_the_harvested_transcripts():
    material = load_material()
    assert len(material.member) > 300 and len(material.minister) > 300
    assert len(material.considerations) > 30 and len(material.requests) > 10
    text, _ = generate_transcript(0, n=1, seed=0)
    flat = re.sub(r"-\n(?=[a-z])", "", text)
    flat = re.sub(r"\s+", " ", flat)
    found = sum(paragraph in flat for paragraph in material.member)
    assert found >= 5


def test_meetings_are_spread_over_dates_in_file_order(tmp_path: Path):
    dates = [generate_transcript(i, n=1000, seed=0)[1]["date"] for i in (0, 500, 999)]
    assert dates == sorted(dates) and dates[0] != dates[-1]


@pytest.mark.slow
def test_a_synthetic_transcript_parses_without_errors(tmp_path: Path):
    ingest = pytest.importorskip("generator.ingest")
    pytest.importorskip("generator.ingest.text")
    [path] = generate_archive(1, tmp_path, seed=2)
    result = ingest.read_transcript(path, path.name)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert not errors, errors[:3]
    [meeting] = result.meetings
    assert len(meeting.turns) > 30 and meeting.motions
