"""The parts of an incremental build that skip work: page contexts not built
when nothing they read changed (`generator.pagedeps`), speeches CSV rows
copied from the previous build, manifest hashes kept for linked files, the
previous site removed in the background. The whole-site equality with a clean
build is tests/test_incremental.py's."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pytest

from generator.archive import build_archive
from generator.cache import BuildCache
from generator.config import load_project
from generator.output import MANIFEST_NAME, staged_site, verify_manifest
from generator.pagedeps import ALL, MEETING, Reads, TokenDigests, tracked

ROOT = Path(__file__).resolve().parent.parent

from synthetic_project import (  # noqa: E402
    build,
    built_project,
    copy_built,
    edit_transcript,
    recorded_calls,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("parts"), 4, seed=5)


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return copy_built(built, tmp_path / "project")


def test_an_edited_transcript_builds_only_the_contexts_that_read_it(project: Path,
                                                                    monkeypatch):
    import generator.pages as pages

    meetings = recorded_calls(monkeypatch, pages, "meeting_page")
    motions = recorded_calls(monkeypatch, pages, "motion_page")
    edit_transcript(project, 1)
    assert build(project) == 0
    assert len(meetings) == 1  # the edited meeting's page; the others are linked
    assert all(entry.meeting.id == meetings[0][1].id for _, entry, _ in motions)


def test_a_build_with_nothing_read_changed_builds_no_meeting_context(project: Path,
                                                                     monkeypatch):
    import generator.pages as pages

    meetings = recorded_calls(monkeypatch, pages, "meeting_page")
    (project / "static" / "extra.css").write_text("p { margin: 0 }\n")  # not read by pages
    assert build(project) == 0
    assert meetings == []
    assert verify_manifest(project / "site") == []


def test_an_edited_transcript_reads_the_text_of_that_meeting_alone_for_the_csv(
        project: Path, monkeypatch):
    import generator.feeds as feeds

    rows = recorded_calls(monkeypatch, feeds, "write_speech_rows")
    before = _speeches_csvs(project)
    edit_transcript(project, 1)
    assert build(project) == 0
    after = _speeches_csvs(project)
    assert len(rows) == 1
    changed = [name for name in after if after[name] != before.get(name)]
    assert len(changed) == 1 and after.keys() == before.keys()  # the CSV of one year
    assert after[changed[0]].replace(b"Goedemorgen. Ik open", b"Goedemiddag. Ik open",
                                     1) == before[changed[0]]


def _speeches_csvs(project: Path) -> dict[str, bytes]:
    """The bytes of each speeches CSV (one per year), by name."""
    return {p.name: p.read_bytes()
            for p in sorted((project / "site" / "data" / "speeches").iterdir())}


def test_a_renamed_speaker_rewrites_the_csv_rows_of_the_meetings_they_spoke_in(
        project: Path, monkeypatch):
    import generator.feeds as feeds

    registry = project / "content" / "people.yaml"
    text = registry.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("name:"))
    old_name = line.split("name:", 1)[1].strip().strip("'\"")
    registry.write_text(text.replace(line, line.replace(old_name, old_name + " Jr"), 1),
                        encoding="utf-8")
    rows = recorded_calls(monkeypatch, feeds, "write_speech_rows")
    assert build(project) == 0
    csv = b"".join(_speeches_csvs(project).values()).decode("utf-8")
    assert f"{old_name} Jr" in csv
    assert rows  # the rows naming them were made again, not copied


def test_a_tracked_archive_notes_keys_whole_fields_and_meetings(project: Path):
    proj = load_project(project)
    cache = BuildCache(proj)
    from generator.sitebuild import load_meetings, meeting_texts

    meetings, _ = load_meetings(proj, cache)
    archive, _ = build_archive(meetings, meeting_texts(proj, cache))
    reads = Reads()
    view = tracked(archive, reads)
    first = view.meetings[0]
    view.people.get("nobody")
    view.full(first)
    view.motions_by_turn.get((first.id, "t1"))
    list(view.person_figures.items())
    view.chart_data.meetings.get(first.id)
    assert reads.tokens == {("meetings", ALL), ("people", "nobody"), (MEETING, first.id),
                            ("motions_by_turn", first.id), ("person_figures", ALL),
                            ("chart_data.meetings", first.id)}
    digests = TokenDigests(archive, cache.meeting_digests)
    assert all(digests.digest(token) is not None for token in reads.tokens)
    assert digests.digest((MEETING, "not-a-meeting")) is None
    for kept in (view.people, view, view.chart_data):  # a context may not keep the view:
        with pytest.raises((TypeError, pickle.PicklingError, AttributeError)):
            pickle.dumps(kept)  # its page then has no fingerprint, so it is always built


def test_motions_speeches_and_meeting_figures_are_hashed_by_their_meeting_s_content_hash(
        project: Path):
    from dataclasses import replace
    from types import MappingProxyType

    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(project)
    cache = BuildCache(proj)
    meetings, _ = load_meetings(proj, cache)
    archive, _ = build_archive(meetings, meeting_texts(proj, cache))
    digests = TokenDigests(archive, cache.meeting_digests)
    slug, entry = next(iter(archive.motions.items()))
    pid, refs = next((pid, refs) for pid, refs in archive.newest_speeches.items() if refs)
    motion, speeches = digests.digest(("motions", slug)), digests.digest(("newest_speeches", pid))
    assert motion is not None and speeches is not None
    mid = entry.meeting.id
    figures = digests.digest(("figures", mid))  # made from that meeting alone
    for meeting_id, token, before in ((mid, ("motions", slug), motion),
                                      (refs[0].meeting.id, ("newest_speeches", pid), speeches),
                                      (mid, ("figures", mid), figures)):
        changed = {**cache.meeting_digests, meeting_id: "another content hash"}
        assert TokenDigests(archive, changed).digest(token) != before
    without = replace(archive, figures=MappingProxyType({}))
    assert TokenDigests(without, cache.meeting_digests).digest(("figures", mid)) != figures

    def motion_digest(loose):  # a motion that is not its meeting's own: hashed whole
        view = replace(archive, motions=MappingProxyType({slug: loose}))
        return TokenDigests(view, cache.meeting_digests).digest(("motions", slug))

    copied = motion_digest(replace(entry, motion=replace(entry.motion)))
    edited = motion_digest(replace(entry, motion=replace(entry.motion, text="another text")))
    assert None not in (copied, edited) and len({motion, copied, edited}) == 3
    unplaced = replace(archive, newest_speeches=MappingProxyType(
        {pid: tuple(replace(ref, place=None) for ref in refs)}))
    assert TokenDigests(unplaced, cache.meeting_digests).digest(("newest_speeches", pid)) \
        not in (None, speeches)


def test_a_speaker_s_chart_data_is_hashed_by_its_value(project: Path):
    """Each meeting's part of a speaker's chart data (date and figures) is
    hashed as it is: another content hash of that meeting (an edit of someone
    else's speech) leaves the token as it was, another figure changes it."""
    from dataclasses import replace

    from generator.figures import VerdictCounts
    from generator.pagedeps import SPEAKER_FIGURES
    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(project)
    cache = BuildCache(proj)
    meetings, _ = load_meetings(proj, cache)
    archive, _ = build_archive(meetings, meeting_texts(proj, cache))
    assert archive.chart_data is not None
    pid, data = next((pid, d) for pid, d in archive.chart_data.speakers.items() if d.meetings)
    token = (SPEAKER_FIGURES, pid)
    before = TokenDigests(archive, cache.meeting_digests).digest(token)
    assert before is not None
    changed = {**cache.meeting_digests, data.meetings[0].meeting: "another content hash"}
    assert TokenDigests(archive, changed).digest(token) == before

    def with_data(value):
        speakers = {**archive.chart_data.speakers, pid: value}
        return replace(archive, chart_data=replace(archive.chart_data, speakers=speakers))

    first = data.meetings[0]
    longer = replace(first, figures=replace(first.figures, words=first.figures.words + 1))
    for other in (replace(data, verdicts=VerdictCounts((1,) * len(data.verdicts.counts))),
                  replace(data, meetings=(longer, *data.meetings[1:])),
                  replace(data, meetings=(replace(first, date="1900-01-01"),
                                          *data.meetings[1:]))):
        assert TokenDigests(with_data(other), cache.meeting_digests).digest(token) \
            not in (None, before)


def test_a_meeting_summary_is_hashed_by_its_value(project: Path):
    """A page that reads a meeting's summary (a speaker page: its speech count)
    depends on that value, not on the meeting's content hash."""
    from dataclasses import replace

    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(project)
    cache = BuildCache(proj)
    meetings, _ = load_meetings(proj, cache)
    archive, _ = build_archive(meetings, meeting_texts(proj, cache))
    mid = archive.meetings[0].id
    token = ("summaries", mid)
    before = TokenDigests(archive, cache.meeting_digests).digest(token)
    assert before is not None
    changed = {**cache.meeting_digests, mid: "another content hash"}
    assert TokenDigests(archive, changed).digest(token) == before
    summary = archive.summaries[mid]
    other = replace(archive, summaries={**archive.summaries,
                                        mid: replace(summary, speeches=summary.speeches + 1)})
    assert TokenDigests(other, cache.meeting_digests).digest(token) not in (None, before)


def _archives(project: Path) -> tuple:
    """The archive built from the build cache (and its archive state, which
    this keeps for the next call) and the one built from whole meetings."""
    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(project)
    cache = BuildCache(proj)
    outlines, _ = load_meetings(proj, cache)
    whole, _ = load_meetings(proj)
    return build_archive(outlines, meeting_texts(proj, cache))[0], build_archive(whole)[0]


def _same_facts(cached, fresh) -> None:
    for name in ("newest_speeches", "speech_counts", "meetings_by_speaker", "figures",
                 "summaries", "person_figures", "party_figures", "chart_data"):
        assert getattr(cached, name) == getattr(fresh, name), name
    assert [[ref.place for ref in refs] for refs in cached.newest_speeches.values()] == \
        [[ref.place for ref in refs] for refs in fresh.newest_speeches.values()]


@pytest.mark.parametrize("limits", [(1, 1), (1, 12), (12, 1)])
def test_the_archive_state_gives_the_facts_reading_every_meeting_gives(
        project: Path, monkeypatch, limits):
    """Kept with one number of newest speeches per speaker and read with
    another (more: the speeches of older meetings are read from their facts),
    the archive state gives what reading every meeting's text gives."""
    import generator.archive as archive
    from generator.cache import CachedTexts

    assert _state_shards(project)  # kept by the build
    read = recorded_calls(monkeypatch, CachedTexts, "remembered")
    for step, limit in enumerate(limits):
        monkeypatch.setattr(archive, "LISTED_SPEECHES", limit)
        read.clear()
        cached, fresh = _archives(project)
        if step:  # the facts of a meeting are read only for the speeches the state lacks
            assert bool(read) == (limit > limits[0])
        spread = {len({ref.meeting.id for ref in refs}) for refs in fresh.newest_speeches.values()}
        assert any(len(refs) == limit for refs in fresh.newest_speeches.values())
        # some speaker's newest speeches come from several meetings with the larger limit
        assert (max(spread) > 1) == (limit > min(limits))
        _same_facts(cached, fresh)


def test_a_stale_or_unreadable_archive_state_never_gives_wrong_facts(project: Path,
                                                                      monkeypatch):
    from generator.cache import CachedTexts

    kept = {path: path.read_bytes() for path in _state_shards(project)}
    edit_transcript(project, 1)
    assert build(project) == 0  # its state names the edited meeting's new facts
    for path, data in kept.items():  # the state of the build before the edit: one meeting stale
        path.write_bytes(data)
    read = recorded_calls(monkeypatch, CachedTexts, "remembered")
    _same_facts(*_archives(project))
    # the edited meeting's facts were read, not taken from the state; no other's
    assert len({meeting.id for _, meeting, _ in read}) == 1
    for broken in (b"", pickle.dumps(("another layout", {}, {}))):
        for path, data in kept.items():
            path.write_bytes(broken or data[:len(data) // 2])
        _same_facts(*_archives(project))


def _state_shards(project: Path) -> list[Path]:
    return sorted((project / ".plenum-cache").glob("archive-*.state.pickle"))


def test_a_build_rewrites_only_the_archive_state_shards_whose_meetings_changed(
        project: Path, monkeypatch):
    """Meetings' parts are kept by meeting, newest speeches by speaker: an
    edited transcript rewrites its meeting's shard and the speech shards of
    the speakers whose newest speeches it holds."""
    from generator.archive import STATE_SHARDS, speech_shard, state_shard
    from generator.cache import CachedTexts

    archive = _archives(project)[0]
    kept = recorded_calls(monkeypatch, CachedTexts, "keep_state")
    assert build(project, "--clean") == 0
    parts = [name for _, name, _ in kept if name.removeprefix("archive-").isdigit()]
    assert len(parts) == len({state_shard(m.id) for m in archive.meetings}) <= STATE_SHARDS
    kept.clear()
    edit_transcript(project, 1)
    edited = sorted((project / "transcripts").glob("*.txt"))[1].name
    mid = next(m.id for m in archive.meetings if m.source.file.endswith(edited))
    speakers = {pid for pid in archive.newest_speeches
                if mid in archive.newest_speeches.meetings_of(pid)}
    assert speakers
    assert build(project) == 0
    assert sorted(name for _, name, _ in kept) == sorted(
        [f"archive-{state_shard(mid):02d}", "archive-speakers",
         *{f"archive-speeches/{speech_shard(pid):04d}" for pid in speakers}])


def test_newest_speeches_are_read_from_their_speaker_s_shard_when_asked_for(
        project: Path, monkeypatch):
    from generator.cache import CachedTexts

    read = recorded_calls(monkeypatch, CachedTexts, "previous_state")
    facts = recorded_calls(monkeypatch, CachedTexts, "remembered")
    cached, fresh = _archives(project)
    assert not facts and not any("speeches/" in name for _, name in read)
    pid = next(iter(cached.newest_speeches))
    assert cached.newest_speeches[pid] == fresh.newest_speeches[pid]
    assert sum("speeches/" in name for _, name in read) == 1 and not facts
    _same_facts(cached, fresh)
    for path in (project / ".plenum-cache" / "archive-speeches").iterdir():
        path.write_bytes(b"")  # unreadable: the speeches come from the meetings' facts
    cached, fresh = _archives(project)
    _same_facts(cached, fresh)
    assert facts


def test_the_manifest_keeps_hashes_of_linked_files_and_rehashes_modified_ones(tmp_path):
    site = tmp_path / "site"
    with staged_site(site, durable=False) as staging:
        (staging / "a.html").write_text("a\n")
        (staging / "b.html").write_text("b\n")
    with staged_site(site, durable=False) as staging:
        os.link(site / "a.html", staging / "a.html")
        os.link(site / "b.html", staging / "b.html")
        time.sleep(0.01)
        with (site / "b.html").open("w") as fh:  # changed in place after its manifest
            fh.write("changed\n")
    assert verify_manifest(site) == []
    assert "a.html" in (site / MANIFEST_NAME).read_text()


def test_the_previous_site_is_removed_in_the_background(tmp_path):
    site = tmp_path / "site"
    for version in ("v1", "v2"):
        with staged_site(site, durable=False, remove_in_background=True) as staging:
            (staging / "index.html").write_text(version)
        assert (site / "index.html").read_text() == version
    deadline = time.monotonic() + 30
    while len(list(tmp_path.iterdir())) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # the v1 site is gone; the spare is the v2 site's own files, hard-linked
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-spare", "site"]
    spare = tmp_path / ".site-spare" / "index.html"
    assert spare.stat().st_ino == (site / "index.html").stat().st_ino


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_copied_csv_runs_join_adjacent_blocks_and_keep_every_byte(tmp_path, monkeypatch,
                                                                  kernel_copy):
    import generator.feeds as feeds

    if not kernel_copy:  # a system without copy_file_range: copied through this process
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    old = tmp_path / "old.csv"
    old.write_bytes(bytes(range(256)) * 40)
    copies = []
    real = feeds._copy_range
    monkeypatch.setattr(feeds, "_copy_range", lambda *a: copies.append(a[2:]) or real(*a))
    with old.open("rb") as source, (tmp_path / "new.csv").open("wb") as target:
        target.write(b"head")
        copy = feeds._RangeCopier(source, target)
        copy.add(0, 100)
        copy.add(100, 50)  # follows the previous block: one run
        assert copy.position() == 154
        copy.flush()
        target.write(b"new rows")
        copy.add(2000, 8000)
        copy.add(500, 10)  # does not follow: a run of its own
        copy.flush()
    data = old.read_bytes()
    assert copies == [(0, 150), (2000, 8000), (500, 10)]
    assert (tmp_path / "new.csv").read_bytes() == (b"head" + data[:150] + b"new rows"
                                                   + data[2000:10000] + data[500:510])
