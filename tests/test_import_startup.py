"""What the import does once, in its own process, so that its forked workers
need not: the readers' modules are imported before the pool forks (each fresh
worker imported them again, ~0.35 CPU-s, 20 forks at 10,000 transcripts); and
the duplicate check's cheap bounds give what the full matching gives."""

from __future__ import annotations

import os
import subprocess
import sys
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.duplicates import SIMILAR_LABELS, Shape, same_shape

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("store", [True, False])
def test_the_readers_are_imported_before_the_workers_fork(tmp_path, store: bool) -> None:
    """Checked in a fresh interpreter: this one imported the readers long ago.
    The hyphenation repair's word lists are not loaded when the lexicon store
    can be made (in a fresh cache folder), and loaded once, before forking,
    when it cannot (the cache folder is a file)."""
    cache = tmp_path / "cache"
    if not store:
        cache.write_text("not a folder")
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from generator import importer, workers
from generator.config import load_project
seen = []
real = workers.fork_map
def fork_map(task, items, *args, **kwargs):
    seen.append(("generator.ingest.text" in sys.modules, len(items)))
    return real(task, items, *args, **kwargs)
workers.fork_map = fork_map
importer._FEW_TRANSCRIPTS = 0  # (as if the example's transcript were one of many)
outcome = importer.import_transcripts(load_project(Path({str(tmp_path / "example")!r})),
                                      jobs=2)
assert seen and seen[0][1] >= 1, seen
assert seen[0][0], "the text reader was not imported before forking"
assert outcome.written, outcome.messages
from generator.ingest import hyphenation
loaded = hyphenation._frequencies.cache_info().currsize
assert loaded == {0 if store else 2}, loaded
print("ok")
"""
    sys.path.insert(0, str(ROOT / "tests"))
    from site_fixture import copy_project

    root = copy_project(tmp_path / "example")
    for path in (root / "content").glob("*.md"):
        path.unlink()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=300,
                          env={**os.environ, "PLENUM_CACHE_DIR": str(cache)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


_LABELS = st.lists(st.sampled_from(["de voorzitter:", "minister x:", "mevrouw y (d66):",
                                    "de heer z (vvd):", "a:", "b:"]), max_size=30)


@given(_LABELS, _LABELS, st.booleans())
def test_the_duplicate_check_is_the_full_matching(a: list[str], b: list[str],
                                                  same_date: bool) -> None:
    one = Shape("titel", "2020-01-01", tuple(a))
    other = Shape("titel", "2020-01-01" if same_date else None, tuple(b))
    plain = bool(a) and bool(b) and SequenceMatcher(
        None, tuple(a), tuple(b), autojunk=False).ratio() >= SIMILAR_LABELS
    assert same_shape(one, other) == plain
