"""`build --clean` starts over: it removes what earlier site builds stored in
`.plenum-cache/` (parsed meetings, facts, the archive state, the search cache,
page fingerprints) and keeps the import's own records, and it gives the same
site as an incremental build."""

from __future__ import annotations

import time

from generator.import_state import read_record
from tests.synthetic_project import build, built_project, file_tree


def test_clean_build_removes_the_site_builds_cache_and_keeps_the_imports(tmp_path):
    root = built_project(tmp_path / "p", meetings=3, seed=11)
    cache = root / ".plenum-cache"
    stale = cache / "meetings" / "stale-entry.v2.pickle"
    stale.write_bytes(b"not a pickle")
    (cache / "search" / "stale-entry").write_bytes(b"x")
    import_record = read_record(root)
    assert import_record["said"], "the import keeps its own records in the cache"
    incremental_site = file_tree(root / "site")

    started = time.time_ns()  # every stored file is older
    time.sleep(1.5)  # newer files stay newer on file systems that round times to seconds
    assert build(root, "--clean") == 0

    stored = [p for name in ("meetings", "search") for p in (cache / name).rglob("*")
              if p.is_file()]
    assert stored and all(p.stat().st_mtime_ns > started for p in stored), \
        "a clean build reused what an earlier build stored"
    assert not stale.exists()
    assert not (cache / "search" / "stale-entry").exists()
    after = read_record(root)  # kept (and grown by files that settled)
    for section, entries in import_record.items():
        assert all(after[section].get(key) == entry for key, entry in entries.items())
    assert file_tree(root / "site") == incremental_site
    # the cache the clean build stored serves the next build
    assert build(root) == 0
    assert file_tree(root / "site") == incremental_site
