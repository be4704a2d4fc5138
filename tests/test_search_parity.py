"""The browser must analyse text exactly as the index build did: the JavaScript
fold/tokenize/stem in search.js against generator/search/analysis.py, on every
distinct word of the real example transcript (run in Node)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.search import analysis

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"
SCRIPT = ROOT / "generator" / "search" / "search.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def run_js(function: str, inputs: list[str]) -> list:
    program = (
        f"const s = require({json.dumps(str(SCRIPT))});"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        f"process.stdout.write(JSON.stringify(input.map(x => s.{function}(x))));"
    )
    done = subprocess.run(["node", "-e", program], input=json.dumps(inputs), text=True,
                          capture_output=True, check=True)
    return json.loads(done.stdout)


def seed_words() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    return sorted(set(re.findall(r"[^\s]+", text)))


def test_seed_has_thousands_of_distinct_words():
    assert len({t for w in seed_words() for t in analysis.tokenize(w)}) > 2000


def test_javascript_stems_every_seed_word_like_snowball():
    tokens = sorted({t for w in seed_words() for t in analysis.tokenize(w)})
    extra = ["heden", "mogelijkheden", "lijkheid", "gemeenten", "bevoegdheden", "zeeen",
             "yoghurt", "kooien", "baarden", "loopbaar", "eenvoudig", "bedoeling", "y", "ii"]
    words = tokens + extra
    assert run_js("stem", words) == [analysis.stem(w) for w in words]


def test_javascript_folds_and_tokenizes_raw_text_like_python():
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    samples = lines + ["Geïnvesteerd in Curaçao", "collega’s en auto's", "'s-Gravenhage",
                       "ĳzer ÉÉN naïef", "MH17-onderzoek", "d'66 x's y'sé"]
    assert run_js("tokenize", samples) == [analysis.tokenize(s) for s in samples]
