"""The site's search stage with the meetings analysed on the workers
(`index.analyse_meetings`): they read each meeting's turns, make its fact,
cache key, records, rows and postings, where the build process did. The
index, the analysis cache and the kept facts are those of doing it in the
build process, whatever mix of stored, counted and unreadable meetings."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import shutil
from pathlib import Path

import pytest
from search_support import example_pieces

import generator.search as search
from generator.archive import build_archive, outline
from generator.model import Meeting
from generator.search import FACTS_DIR, FACTS_SHARDS, build_search_index
from generator.search.analysis_cache import CountedMeeting
from generator.search.incremental import meeting_postings
from generator.search.index import STATE_DIR, IndexWriter, MeetingSource

PIECES = 6


def pieces(changed: int | None = None) -> tuple[Meeting, ...]:
    """The example meeting cut into `PIECES` meetings (motions in the first);
    with `changed`, one word of that piece's first speech differs."""
    return example_pieces(PIECES, changed)


class Texts:
    """Turns kept in memory with facts keys (`generator.archive.MeetingTexts`),
    picklable, so the workers can read them; `missing`: meetings whose turns
    a worker cannot read (the build process can)."""

    def __init__(self, meetings: tuple[Meeting, ...], missing: frozenset[str] = frozenset()):
        self._turns = {m.id: m.turns for m in meetings}
        self.missing = missing
        self.in_worker = False

    def __getstate__(self) -> dict:
        return {**self.__dict__, "in_worker": True}

    def turns(self, meeting: Meeting):
        if self.in_worker and meeting.id in self.missing:
            raise ValueError("not here")
        return self._turns[meeting.id]

    def remembered(self, meeting: Meeting, make):
        return make(dataclasses.replace(meeting, turns=self.turns(meeting)))

    def is_remembered(self, meeting: Meeting, make) -> bool:
        return False

    def facts_key(self, meeting: Meeting, make) -> str:
        return hashlib.sha256(pickle.dumps((meeting.id, self._turns[meeting.id]))).hexdigest()

    def previous_state(self, name: str) -> None:
        return None

    def keep_state(self, name: str, value: object) -> None:
        pass

    def keeps_state_in_memory(self) -> bool:
        return False


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cache_entries(cache: Path) -> dict[str, object]:
    """The analysis cache's entries (unpickled) and the kept facts."""
    found: dict[str, object] = {}
    for p in sorted(cache.iterdir()):
        if p.is_file() and p.name.endswith(".pickle"):
            found[p.name] = _plain(pickle.loads(p.read_bytes()))
    for n in range(FACTS_SHARDS):
        shard = cache / FACTS_DIR / f"{n:02d}.pickle"
        if shard.exists():
            found[f"facts {n}"] = pickle.loads(shard.read_bytes())
    return found


def _plain(value: object) -> object:
    """A cache entry as compared: counted postings by term (the order of a
    meeting's terms is its counting process's, which any process may be)."""
    if isinstance(value, CountedMeeting):
        return meeting_postings(value), value.doc_len.tolist()
    return value


def run(meetings: tuple[Meeting, ...], out: Path, cache: Path, monkeypatch,
        on_workers: bool, missing: frozenset[str] = frozenset()) -> dict[str, str]:
    """The search stage of a site build; `on_workers`: meetings analysed on
    the workers (else in this process, as before)."""
    texts = Texts(meetings, missing)
    archive, _ = build_archive([outline(m) for m in meetings], texts)  # type: ignore[arg-type]
    source = MeetingSource(texts, dict(archive.people)) if on_workers else None
    monkeypatch.setattr(search, "_worker_source", lambda _archive: source)
    calls: list[int] = []
    real = IndexWriter.add_job

    def add_job(self, job, records):
        calls.append(job.index)
        return real(self, job, records)

    monkeypatch.setattr(IndexWriter, "add_job", add_job)
    build_search_index(archive, out, cache_dir=cache)
    assert bool(calls) == on_workers
    return digest(out / "search")


@pytest.mark.parametrize("batch", [40, 1000])
def test_meetings_analysed_on_the_workers_give_the_build_of_the_build_process(
        tmp_path, monkeypatch, batch):
    monkeypatch.setattr(IndexWriter, "BATCH", batch)  # chunks of one and of all meetings
    meetings = pieces()
    here = run(meetings, tmp_path / "here", tmp_path / "c1", monkeypatch, on_workers=False)
    there = run(meetings, tmp_path / "there", tmp_path / "c2", monkeypatch, on_workers=True)
    assert here == there
    assert cache_entries(tmp_path / "c1") == cache_entries(tmp_path / "c2")
    # and again, every meeting now from the analysis cache (its kept keys dropped)
    for c in ("c1", "c2"):
        shutil.rmtree(tmp_path / c / FACTS_DIR)
        shutil.rmtree(tmp_path / c / STATE_DIR)
    assert run(meetings, tmp_path / "here2", tmp_path / "c1", monkeypatch, False) == here
    assert run(meetings, tmp_path / "there2", tmp_path / "c2", monkeypatch, True) == here
    assert cache_entries(tmp_path / "c1") == cache_entries(tmp_path / "c2")


def test_a_meeting_the_workers_cannot_read_is_analysed_by_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(IndexWriter, "BATCH", 60)
    meetings = pieces()
    expected = run(meetings, tmp_path / "here", tmp_path / "c1", monkeypatch, on_workers=False)
    missing = frozenset({meetings[1].id, meetings[4].id})
    assert run(meetings, tmp_path / "there", tmp_path / "c2", monkeypatch, on_workers=True,
               missing=missing) == expected
    assert cache_entries(tmp_path / "c1") == cache_entries(tmp_path / "c2")


@pytest.mark.parametrize("lost_entry", [False, True])
def test_stored_and_analysed_meetings_mixed_give_the_clean_build(tmp_path, monkeypatch,
                                                                 lost_entry):
    """Meetings whose keys were kept come from the analysis cache in this
    process (or are made here again when their entry is lost), the changed
    ones from the workers, all in archive order (the full path: no state)."""
    monkeypatch.setattr(IndexWriter, "BATCH", 40)
    cache = tmp_path / "cache"
    run(pieces(), tmp_path / "first", cache, monkeypatch, on_workers=True)
    after = pieces(changed=2)
    clean = run(after, tmp_path / "clean", tmp_path / "other", monkeypatch, on_workers=False)
    assert clean != digest(tmp_path / "first" / "search")
    shutil.rmtree(cache / STATE_DIR)  # (else the fast path)
    if lost_entry:  # the entry of a meeting whose key is kept
        [kept] = [p for p in cache.glob("*.rows.pickle")
                  if pickle.loads(p.read_bytes()).rows[0][6].count(f"{after[3].id}.html")]
        kept.unlink()
    assert run(after, tmp_path / "warm", cache, monkeypatch, on_workers=True) == clean
    assert cache_entries(cache) == cache_entries(tmp_path / "other")


def test_a_site_build_reads_its_meetings_on_the_workers_from_the_build_cache(tmp_path,
                                                                            monkeypatch):
    """`build --clean` of a project: the workers read the meetings from the
    build cache (`generator.cache.CachedTexts`) and the site's index is the
    one the build process makes."""
    from synthetic_project import build, built_project, file_tree

    root = built_project(tmp_path / "project", 2, seed=5, with_example=True)
    sources: list[object] = []
    real = search._worker_source

    def spy(archive):
        sources.append(real(archive))
        return sources[-1]

    monkeypatch.setattr(search, "_worker_source", spy)
    assert build(root, "--clean") == 0
    on_workers = file_tree(root / "site" / "search")
    assert len(sources) == 1 and type(sources[0].texts).__name__ == "CachedTexts"
    assert sources[0].texts.restore is None  # (a lost meeting file: the build process's)
    monkeypatch.setattr(search, "_worker_source", lambda archive: None)
    assert build(root, "--clean") == 0
    assert file_tree(root / "site" / "search") == on_workers
