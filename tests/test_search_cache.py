"""The per-meeting cache of analysed records: a rebuild with a warm cache after
one meeting changed analyses only that meeting and writes the same bytes as a
build from scratch."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest
from search_support import example_meetings, example_pieces, people_of

from generator.model import Meeting
from generator.search import default_splitter
from generator.search.analysis_cache import SUFFIX
from generator.search.index import IndexOptions, IndexWriter, build_index

PIECES = 4


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def archive(changed: bool = False) -> tuple[Meeting, ...]:
    """The example meeting cut into `PIECES` meetings; with `changed`, one word
    of the third one's first speech differs."""
    return example_pieces(PIECES, 2 if changed else None)


def build(meetings: tuple[Meeting, ...], out: Path, cache: Path | None = None,
          workers: int = 2) -> dict[str, str]:
    build_index(meetings, people_of(example_meetings()), out, default_splitter(),
                IndexOptions(term_shard_bytes=4000), workers=workers, cache_dir=cache)
    return digest(out)


def entries(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name.endswith(SUFFIX)}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_warm_cache_after_one_meeting_changed_gives_the_clean_build(tmp_path, monkeypatch,
                                                                      workers):
    monkeypatch.setattr(IndexWriter, "BATCH", 40)  # batches span several meetings
    cache = tmp_path / "cache"
    before = archive()
    assert build(before, tmp_path / "cold", cache, workers) == build(before, tmp_path / "plain")
    stored = entries(cache)
    assert len(stored) == PIECES

    after = archive(changed=True)
    clean = build(after, tmp_path / "clean")
    assert clean != digest(tmp_path / "plain")  # the change reaches the index
    assert build(after, tmp_path / "warm", cache, workers) == clean
    now = entries(cache)
    assert len(now) == PIECES  # the changed meeting's old entry is pruned
    assert len(set(now) - set(stored)) == 1  # only the changed meeting was counted again
    assert all(now[name] == stored[name] for name in set(now) & set(stored))


def test_a_cache_entry_is_keyed_by_the_analysis(tmp_path):
    cache = tmp_path / "cache"
    build(archive(), tmp_path / "a", cache)
    first = set(entries(cache))
    build_index(archive(), people_of(example_meetings()), tmp_path / "b", default_splitter(),
                IndexOptions(part_weight=2), cache_dir=cache)
    assert first.isdisjoint(entries(cache))  # other weights: other counts, other keys


def test_an_unreadable_cache_entry_is_counted_again(tmp_path):
    cache = tmp_path / "cache"
    expected = build(archive(), tmp_path / "a", cache)
    for entry in cache.glob(f"*{SUFFIX}"):
        entry.write_bytes(b"not a pickle")
    assert build(archive(), tmp_path / "b", cache) == expected


def inodes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_ino
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_index_files_with_the_bytes_of_the_last_build_are_linked_from_it(tmp_path):
    """A rebuild links the files whose bytes did not change (the same inode as
    the last build's, so the site manifest reuses their hashes); the changed
    ones are written, and the whole is the clean build's bytes."""
    cache = tmp_path / "cache"
    build(archive(), tmp_path / "first", cache)
    first = inodes(tmp_path / "first")
    assert build(archive(), tmp_path / "again", cache) == digest(tmp_path / "first")
    assert inodes(tmp_path / "again") == first  # nothing changed: every file linked

    after = archive(changed=True)
    clean = build(after, tmp_path / "clean")
    assert build(after, tmp_path / "warm", cache) == clean
    warm = inodes(tmp_path / "warm")
    kept = {rel for rel in warm if warm[rel] == first.get(rel)}
    changed = {rel for rel in clean if clean[rel] != digest(tmp_path / "first").get(rel)}
    assert kept and changed
    assert kept == set(warm) - changed  # linked exactly when the bytes are the same


def test_a_kept_index_file_changed_in_place_is_not_linked(tmp_path):
    cache = tmp_path / "cache"
    expected = build(archive(), tmp_path / "first", cache)
    shard = tmp_path / "first" / "t" / "0.js"
    original = shard.read_bytes()
    shard.write_bytes(original.replace(b"register", b"REGISTER"))  # the farm's link too
    assert build(archive(), tmp_path / "again", cache) == expected
    assert (tmp_path / "again" / "t" / "0.js").stat().st_ino != shard.stat().st_ino


class RememberingTexts:
    """Turns kept in memory, facts remembered per meeting content as the build
    cache does (`generator.archive.MeetingTexts`); counts the turns read."""

    def __init__(self, meetings: tuple[Meeting, ...], facts: dict):
        self._turns = {m.id: m.turns for m in meetings}
        self._facts = facts
        self.read: list[str] = []

    def turns(self, meeting: Meeting):
        self.read.append(meeting.id)
        return self._turns[meeting.id]

    def _key(self, meeting: Meeting, make) -> tuple:
        return (meeting.id, hash(self._turns[meeting.id]), make.__module__, make.__qualname__)

    def remembered(self, meeting: Meeting, make):
        key = self._key(meeting, make)
        if key not in self._facts:
            self._facts[key] = make(dataclasses.replace(meeting, turns=self.turns(meeting)))
        return self._facts[key]

    def is_remembered(self, meeting: Meeting, make) -> bool:
        return self._key(meeting, make) in self._facts

    def facts_key(self, meeting: Meeting, make) -> str:
        return repr(self._key(meeting, make))

    def previous_state(self, name: str) -> None:  # keeps no archive state between builds
        return None

    def keep_state(self, name: str, value: object) -> None:
        pass

    def keeps_state_in_memory(self) -> bool:
        return False


def site_search(meetings: tuple[Meeting, ...], out: Path, cache: Path | None,
                facts: dict) -> tuple[dict[str, str], list[str]]:
    """The site's search stage on an archive of outlines: the index's bytes and
    the meetings whose turns it read."""
    from generator.archive import build_archive, outline
    from generator.search import build_search_index

    texts = RememberingTexts(meetings, facts)
    archive, _ = build_archive([outline(m) for m in meetings], texts)
    texts.read.clear()
    build_search_index(archive, out, cache_dir=cache)
    return digest(out / "search"), texts.read


def test_the_site_search_reads_only_the_text_of_meetings_it_has_not_stored(tmp_path):
    cache, facts = tmp_path / "cache", {}
    before = archive()
    plain, _ = site_search(before, tmp_path / "plain", None, {})
    first, read = site_search(before, tmp_path / "first", cache, facts)
    assert first == plain and len(read) == PIECES  # made the facts: read every meeting
    again, read = site_search(before, tmp_path / "again", cache, facts)
    assert again == plain and read == []  # every meeting from the cache: no text read

    after = archive(changed=True)
    clean, _ = site_search(after, tmp_path / "clean", None, {})
    assert clean != plain
    warm, read = site_search(after, tmp_path / "warm", cache, facts)
    assert warm == clean and read == [after[2].id]  # only the changed meeting


def test_a_speakers_party_changed_elsewhere_reaches_the_stored_meetings(tmp_path):
    """Records take the speaker's party from the archive's people, which every
    meeting contributes to: a change in one meeting's list of people changes
    the rows of the others, whose own content did not change."""
    cache, facts = tmp_path / "cache", {}
    before = archive()
    site_search(before, tmp_path / "first", cache, facts)
    last = before[-1]  # a later meeting's party wins (`merge_people`)
    renamed = tuple(dataclasses.replace(p, party="Nieuwe Partij") if p.party else p
                    for p in last.people)
    after = (*before[:-1], dataclasses.replace(last, people=renamed))
    clean, _ = site_search(after, tmp_path / "clean", None, {})
    assert clean != digest(tmp_path / "first" / "search")
    warm, _ = site_search(after, tmp_path / "warm", cache, facts)
    assert warm == clean


def kept_keys(cache: Path) -> dict[str, str]:
    """The cache key per meeting that the search facts file keeps."""
    import pickle

    from generator.search import FACTS_DIR, FACTS_SHARDS

    entries: dict = {}
    for n in range(FACTS_SHARDS):
        with (cache / FACTS_DIR / f"{n:02d}.pickle").open("rb") as f:
            entries.update(pickle.load(f)[2])
    return {mid: entry[3] for mid, entry in entries.items()}


def test_the_kept_keys_are_those_made_from_scratch_after_any_change(tmp_path):
    """A meeting whose fact, motion slugs and resolved people are unchanged
    keeps its key without making it again; the keys are always those a build
    without the facts file makes (a renamed person changes the keys of the
    meetings that name them, and only theirs)."""
    cache, facts = tmp_path / "cache", {}
    before = archive()
    site_search(before, tmp_path / "first", cache, facts)
    first = kept_keys(cache)
    assert len(first) == PIECES

    last = before[-1]
    named = {p.id for p in last.people}
    renamed = tuple(dataclasses.replace(p, name=p.name + " Jr.") if p.party else p
                    for p in last.people)
    after = (*before[:-1], dataclasses.replace(last, people=renamed))
    warm, _ = site_search(after, tmp_path / "warm", cache, facts)
    kept = kept_keys(cache)
    shutil.rmtree(cache / "facts")
    scratch, _ = site_search(after, tmp_path / "scratch", cache, facts)
    assert kept == kept_keys(cache) and warm == scratch
    assert warm == site_search(after, tmp_path / "plain", None, {})[0]
    assert kept != first and named  # the renamed people reach the meetings naming them


def test_an_unreadable_facts_file_makes_every_key_again(tmp_path):
    cache, facts = tmp_path / "cache", {}
    before = archive()
    expected, _ = site_search(before, tmp_path / "first", cache, facts)
    keys = kept_keys(cache)
    for junk in (b"not a pickle", b"\x80\x05N."):  # garbage, then a pickle of None
        for name in ("head.pickle", "00.pickle", "07.pickle"):
            (cache / "facts" / name).write_bytes(junk)
        again, _ = site_search(before, tmp_path / f"again{len(junk)}", cache, facts)
        assert again == expected and kept_keys(cache) == keys


def test_kept_keys_of_a_shard_written_under_another_head_are_made_again(tmp_path,
                                                                        monkeypatch):
    """A build killed after writing the facts shards of a new salt or people
    but before their head leaves shards whose stamp is not the head's: their
    keys are not trusted (their facts are: they are named by content)."""
    import pickle

    from generator.search import FACTS_SHARDS
    from generator.search import index as search_index

    cache, facts = tmp_path / "cache", {}
    before = archive()
    expected, _ = site_search(before, tmp_path / "first", cache, facts)
    keys = kept_keys(cache)
    for n in range(FACTS_SHARDS):
        path = cache / "facts" / f"{n:02d}.pickle"
        fmt, _, entries = pickle.loads(path.read_bytes())
        path.write_bytes(pickle.dumps((fmt, "another head", entries)))
    made: list[str] = []
    real = search_index.meeting_key

    def counting(*args, **kwargs):
        made.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(search_index, "meeting_key", counting)
    again, _ = site_search(before, tmp_path / "again", cache, facts)
    assert again == expected and kept_keys(cache) == keys
    assert len(made) == PIECES  # every key made again
    made.clear()
    site_search(before, tmp_path / "third", cache, facts)
    assert made == []  # and kept once more


def test_the_meeting_fact_names_the_meetings_value(tmp_path):
    """`meeting_fact` keys a meeting's cached search rows: equal meetings
    (a copy read back from a pickle, a fresh process) give the same fact,
    a word, speaker or field changed gives another."""
    import pickle
    import subprocess
    import sys

    from generator.search.records import meeting_fact

    whole, changed = archive()[2], archive(changed=True)[2]
    copy = pickle.loads(pickle.dumps(whole))
    assert copy is not whole and meeting_fact(copy) == meeting_fact(whole)
    assert meeting_fact(changed)[0] != meeting_fact(whole)[0]
    assert meeting_fact(dataclasses.replace(whole, title="Anders"))[0] != meeting_fact(whole)[0]
    first = next(t for t in whole.turns if t.speaker)
    moved = dataclasses.replace(first, speaker=first.speaker + "-x")
    other = dataclasses.replace(whole, turns=tuple(moved if t is first else t
                                                   for t in whole.turns))
    assert meeting_fact(other)[0] != meeting_fact(whole)[0]
    saved = tmp_path / "meeting.pickle"
    saved.write_bytes(pickle.dumps(whole))
    code = ("import pickle, sys; from generator.search.records import meeting_fact; "
            f"print(meeting_fact(pickle.loads(open({str(saved)!r}, 'rb').read()))[0])")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": "random",
                                            "PYTHONPATH": str(Path(__file__).parents[1])})
    assert fresh.stdout.strip() == meeting_fact(whole)[0]


def test_a_farm_the_site_does_not_share_is_healed_by_the_next_staged_build(tmp_path,
                                                                             monkeypatch):
    """A build that wrote the index afresh (a clean build over a site) gets
    the site's old files back from the staged site's spare where the bytes
    are the same, so the farm holds files the site does not share. The next
    build makes the farm's links the site's files (after comparing bytes),
    and the one after it keeps every unchanged file without a link."""
    from generator import output
    from generator.archive import build_archive, outline
    from generator.search import build_search_index, reuse
    from generator.search.index import FARM

    seen: list[tuple[int, int]] = []
    close = reuse.OutputFiles.close

    def counting_close(self):
        seen.append((self.adopted, len(output._ACTIVE.kept) if output._ACTIVE else -1))
        return close(self)

    monkeypatch.setattr(reuse.OutputFiles, "close", counting_close)
    site, cache, meetings = tmp_path / "site", tmp_path / "cache", archive()

    def staged_build(farm: Path, edited: tuple[Meeting, ...] = meetings) -> None:
        with output.staged_site(site, durable=False) as staging:
            (staging / "static.txt").write_text("static")  # kept by the later builds,
            archive_, _ = build_archive([outline(m) for m in edited],
                                        RememberingTexts(edited, {}))
            build_search_index(archive_, staging, cache_dir=farm)
            if (site / "static.txt").exists():
                (staging / "static.txt").unlink()
                assert output.keep(site, staging, "static.txt")  # as static files are

    staged_build(cache)
    staged_build(cache)  # (a spare now)
    staged_build(tmp_path / "clean")  # a clean build: the index written afresh, and
    # the spare's files with the same bytes kept instead

    def unshared() -> list[str]:
        farm = tmp_path / "clean" / FARM
        return [rel for rel in inodes(site / "search")
                if (farm / rel).exists() and (farm / rel).stat().st_ino
                != (site / "search" / rel).stat().st_ino]

    assert unshared()  # the farm the site does not share
    seen.clear()
    staged_build(tmp_path / "clean")
    assert unshared() == [] and seen[0][0] > 0
    staged_build(tmp_path / "clean")
    assert seen[1][0] == 0
    expected = tmp_path / "expected"
    archive_, _ = build_archive([outline(m) for m in meetings], RememberingTexts(meetings, {}))
    build_search_index(archive_, expected)
    assert digest(site / "search") == digest(expected / "search")


def test_the_farms_index_reads_back_as_written(tmp_path, monkeypatch):
    """What `OutputFiles.close` saves is what the next build reads: from the
    file, and from what a live preview keeps (`generator.file_memo`)."""
    from generator import file_memo
    from generator.search import reuse

    out, farm = tmp_path / "out", tmp_path / "farm"
    out.mkdir()
    files = reuse.OutputFiles(out, farm)
    files.write("a.js", b"alpha")
    files.write("b.js", b"beta" * 100)
    files.close()
    saved = dict(files._now)
    assert set(saved) == {"a.js", "b.js"} and all(isinstance(v, reuse.Stored)
                                                  for v in saved.values())
    assert reuse._read_index(farm) == saved  # from the file
    monkeypatch.setattr(file_memo, "_enabled", True)
    monkeypatch.setattr(file_memo, "_parsed", {})
    assert reuse._read_index(farm) == saved  # parsed, then kept
    assert reuse._read_index(farm) == saved
    again = reuse.OutputFiles(tmp_path / "out", farm)
    again.close()  # (nothing written: the memo is what the file holds)
    assert reuse._read_index(farm) == {}
    monkeypatch.setattr(file_memo, "_parsed", {})
    assert reuse._read_index(farm) == {}
