"""The previous build's page state (`generator.pagestate`): which pages a build
makes again is found from the tokens that changed; a page none of whose reads
changed is linked unchanged, and every incremental site is a clean build's."""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from generator.archive import KeptTexts, build_archive
from generator.cache import BuildCache
from generator.config import load_project
from generator.pagestate import OUTLINE_FIELDS, TEMPLATE, PageCheck, PageState, Record

pytest.importorskip("generator.sitebuild")

from synthetic_project import (
    assert_same_as_clean_build,  # noqa: E402
    build,
    built_project,
    copy_built,
    edit_transcript,
    recorded_calls,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("pagestate"), 4, seed=7)


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return copy_built(built, tmp_path / "project")


def _archive(root: Path):
    from generator.sitebuild import load_meetings, meeting_texts

    proj = load_project(root)
    cache = BuildCache(proj)
    meetings, _ = load_meetings(proj, cache)
    archive, _ = build_archive(meetings, meeting_texts(proj, cache))
    return archive, cache


def _field(archive, name: str):
    value = archive
    for part in name.split("."):
        value = getattr(value, part)
    return value


def test_outline_fields_are_made_from_the_outlines_alone(project: Path):
    """What `OUTLINE_FIELDS` claims of `build_archive`: other turns (other
    figures, speakers, speeches) under the same outlines give the same values."""
    archive, _ = _archive(project)
    other_turns = {}
    for meeting in archive.meetings:
        turns = archive.full(meeting).turns
        other_turns[meeting.id] = tuple(
            replace(turn, paragraphs=("Iets anders.",), speaker=None) for turn in turns[::2])
    other, _ = build_archive(archive.meetings, KeptTexts(other_turns))
    assert other.figures != archive.figures  # the facts did change
    for name in sorted(OUTLINE_FIELDS):
        assert _field(other, name) == _field(archive, name), name


def test_an_edited_turn_builds_no_motion_list_or_party_page_and_links_them(
        project: Path, tmp_path: Path, monkeypatch):
    import generator.pages as pages

    lists = recorded_calls(monkeypatch, pages, "motions_index_pages")
    parties = recorded_calls(monkeypatch, pages, "party_page")
    before = {name: (project / "site" / name).stat().st_ino
              for name in ("moties/index.html", "index.html")}
    edit_transcript(project, 1)
    assert build(project) == 0
    assert lists == [] and parties == []
    for name, inode in before.items():  # linked from the previous site, not written
        assert (project / "site" / name).stat().st_ino == inode, name
    assert_same_as_clean_build(project, tmp_path, keep_cache=True)


def _edit_a_motion_text(root: Path) -> None:
    for path in sorted((root / "content").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        at = text.find("\n- verzoekt de regering")
        if at >= 0:
            path.write_text(text[:at] + "\n- verzoekt de regering nu" +
                            text[at + len("\n- verzoekt de regering"):], encoding="utf-8")
            return
    raise AssertionError("no motion with a request in the synthetic archive")


def test_an_edited_motion_builds_the_motion_lists_again(project: Path, tmp_path: Path,
                                                        monkeypatch):
    import generator.pages as pages

    lists = recorded_calls(monkeypatch, pages, "motions_index_pages")
    kept = (*(p.relative_to(project / "site").as_posix()  # their bytes do not change
              for p in (project / "site" / "data" / "speeches").iterdir()),
            "sitemap.xml", "feed.xml")
    before = {name: (project / "site" / name).stat().st_ino for name in kept}
    _edit_a_motion_text(project)
    assert build(project) == 0
    assert len(lists) == 1  # every list page is made from one call
    assert {name: (project / "site" / name).stat().st_ino for name in kept} == before
    assert_same_as_clean_build(project, tmp_path, keep_cache=True)


def test_the_page_state_is_read_back_a_field_at_a_time(project: Path):
    cache = BuildCache(load_project(project))
    state = cache.previous_deps
    assert isinstance(state, PageState)
    assert all(isinstance(v, bytes) for v in state._fields.values())  # noqa: SLF001
    again = pickle.loads(pickle.dumps(state))
    assert again.keys == state.keys and again.paths == state.paths
    assert np.array_equal(again.flat, state.flat)
    place = state.index("home")
    assert place is not None and state.paths[place] == "index.html"
    people = state.field("people")
    assert people.entries and isinstance(state._fields["meetings"], bytes)  # noqa: SLF001
    for token_id in state.tokens_of(place):
        assert 0 <= token_id < state.next_id


def _check(project: Path, salt: str | None = None, templates: dict | None = None
           ) -> tuple[PageCheck, PageState]:
    archive, cache = _archive(project)
    state = cache.previous_deps
    plan = cache.plan(load_project(project).templates_dir, "", None)
    return PageCheck(state, archive, cache.meeting_digests,
                     templates if templates is not None else plan.template_hashes,
                     salt if salt is not None else state.salt), state


def test_nothing_changed_affects_no_page_and_another_salt_has_no_state(project: Path):
    check, state = _check(project)
    assert not check.affected().any()
    assert PageCheck(state, check.archive, check.digests.meeting_digests, {}, "other").state \
        is None


def test_an_edited_template_affects_the_pages_of_that_template_alone(project: Path):
    _, state = _check(project)
    hashes = {"party.html": "edited"}
    archive, cache = _archive(project)
    plan = cache.plan(load_project(project).templates_dir, "", None)
    check = PageCheck(state, archive, cache.meeting_digests,
                      {**plan.template_hashes, **hashes}, state.salt)
    affected = check.affected()
    templates = np.array(state.templates)
    assert affected.any() and (templates[affected] == "party.html").all()
    assert affected.sum() == (templates == "party.html").sum()


def test_a_page_record_keeps_its_tokens_and_their_hashes(project: Path):
    check, state = _check(project)
    token = ("people", next(iter(check.archive.people)))
    record = Record("extra", "extra/index.html", "about.html", "f" * 32, (token,))
    order = [*state.keys, "extra"]
    nxt = check.next_state(order, {key: i for i, key in enumerate(state.keys)},
                           {"extra": record})
    assert nxt is not None and nxt.keys == order
    for place in range(len(state.keys)):  # a page linked keeps its tokens
        assert np.array_equal(nxt.tokens_of(place), state.tokens_of(place))
        assert nxt.paths[place] == state.paths[place]
    ids = nxt.tokens_of(len(order) - 1)
    found = nxt.field("people").entries[token[1]]
    assert found[0] in ids and found[1] == check.digest(token)
    assert nxt.field(TEMPLATE).entries["about.html"][0] in ids
    unhashable = Record("bad", "bad/index.html", "about.html", "f" * 32,
                        (("meeting", "no such meeting"),))
    assert "bad" not in check.next_state(["bad"], {}, {"bad": unhashable}).keys


def test_a_check_never_changes_the_previous_state(project: Path):
    """A process that keeps what it read (`generator.file_memo`) may hand the
    same previous state to a later build, whatever became of this one: the
    check rehashes and adds tokens in copies of its fields."""
    from generator.importer import import_transcripts

    _, state = _check(project)
    edit_transcript(project, 1)
    import_transcripts(load_project(project))
    archive, cache = _archive(project)
    plan = cache.plan(load_project(project).templates_dir, "", None)
    check = PageCheck(state, archive, cache.meeting_digests, plan.template_hashes, state.salt)
    before = {name: dict(state.field(name).entries) for name in state.field_names()}
    assert check.affected().any()
    token = ("people", next(iter(archive.people)))
    record = Record("extra", "extra/index.html", "about.html", "f" * 32, (token,))
    nxt = check.next_state([*state.keys, "extra"],
                           {key: i for i, key in enumerate(state.keys)}, {"extra": record})
    assert {name: state.field(name).entries for name in before} == before
    assert nxt is not None and any(nxt.field(name).entries != before[name] for name in before)
    again = pickle.loads(pickle.dumps(nxt))
    assert {name: again.field(name).entries for name in before} == \
        {name: nxt.field(name).entries for name in before}


def test_a_site_linked_page_is_the_previous_file(project: Path):
    site = project / "site"
    before = {p: p.stat().st_ino for p in site.rglob("*.html")}
    (project / "static" / "extra.css").write_text("p { margin: 0 }\n")
    assert build(project) == 0
    after = {p: p.stat().st_ino for p in site.rglob("*.html")}
    assert after == before
    assert all(os.stat(p).st_nlink >= 1 for p in after)


def test_a_meeting_that_is_not_the_archive_s_outline_is_hashed_as_itself(project: Path):
    from types import MappingProxyType

    from generator.pagestate import BY_SPEAKER_MEETINGS

    check, state = _check(project)
    archive = check.archive
    pid, meetings = next((p, m) for p, m in archive.meetings_by_speaker.items() if m)
    copied = replace(meetings[0], title=(meetings[0].title or "") + " (kopie)")
    other = replace(archive, meetings_by_speaker=MappingProxyType(
        {**archive.meetings_by_speaker, pid: (copied, *meetings[1:])}))
    _, cache = _archive(project)
    again = PageCheck(state, other, cache.meeting_digests, check.template_hashes, state.salt)
    assert again._source(BY_SPEAKER_MEETINGS) is None  # noqa: SLF001
    affected = again.affected()
    speaker = state.index(f"speaker:{pid}")
    assert speaker is not None and affected[speaker]


def _add_a_word_to_a_speech_of(root: Path, person_id: str, meeting_id: str) -> None:
    path = root / "content" / f"{meeting_id}.md"
    text = path.read_text(encoding="utf-8")
    turn = text.index(f" speaker={person_id} ")
    at = text.index("}\n", turn) + 2  # the first word of the turn's text
    path.write_text(text[:at] + "Welnu, " + text[at:], encoding="utf-8")


def test_an_added_word_builds_no_other_meeting_page_of_the_speaker(
        project: Path, tmp_path: Path, monkeypatch):
    """A speech's length is in its speaker's word count, which speaker, party
    and index pages show; a meeting page names its speakers without their
    counts, so the other meetings' pages are not built again."""
    import generator.pages as pages

    archive, _ = _archive(project)
    edited, other, person = next(
        (m.id, o.id, pid) for m in archive.meetings for o in archive.meetings if o is not m
        for pid in {t.speaker for t in archive.full(m).turns} if pid in o.present)
    meetings = recorded_calls(monkeypatch, pages, "meeting_page")
    _add_a_word_to_a_speech_of(project, person, edited)
    assert build(project) == 0
    assert [meeting.id for _, meeting, _ in meetings] == [edited], other
    assert_same_as_clean_build(project, tmp_path, keep_cache=True)


def test_only_the_speakers_of_an_edited_meeting_have_their_figures_hashed_again(
        project: Path, monkeypatch):
    """`PageCheck.affected` hashes the chart data of the speakers of a changed
    meeting, not of every speaker."""
    from generator.figures import SpeakerFigures
    from generator.importer import import_transcripts
    from generator.pagedeps import SPEAKER_FIGURES, TokenDigests

    _, state = _check(project)
    recorded = set(state.field(SPEAKER_FIGURES).entries)
    edit_transcript(project, 1)
    import_transcripts(load_project(project))
    check, _ = _check(project)
    changed = {mid for mid, digest in check.meetings.items()
               if digest != state.meetings.get(mid)}
    assert len(changed) == 1
    calls = recorded_calls(monkeypatch, TokenDigests, "_speaker_figures")
    made = recorded_calls(monkeypatch, SpeakerFigures, "__getitem__")
    check.affected()
    hashed, made_for = [args[1] for args in calls], {args[1] for args in made}
    speakers = check.archive.chart_data.speakers
    assert isinstance(speakers, SpeakerFigures)
    spoke = {pid for pid in recorded
             if any(m.meeting in changed for m in speakers[pid].meetings)}
    assert spoke and set(hashed) == spoke
    assert len(hashed) < len(recorded)
    assert made_for == spoke  # the others' chart data is not made


def test_a_speaker_with_another_number_of_meetings_has_their_pages_built(project: Path):
    """A speaker who no longer speaks in a changed meeting has none of it
    left among their meetings: their count tells."""
    from types import MappingProxyType

    from generator.pagedeps import SPEAKER_FIGURES

    check, state = _check(project)
    speakers = check.archive.chart_data.speakers
    pid = next(p for p in state.field(SPEAKER_FIGURES).entries if len(speakers[p].meetings) > 1)
    fewer = replace(speakers[pid], meetings=speakers[pid].meetings[:-1])
    archive = replace(check.archive, chart_data=replace(
        check.archive.chart_data, speakers=MappingProxyType({**speakers, pid: fewer})))
    again = PageCheck(state, archive, check.digests.meeting_digests, check.template_hashes,
                      state.salt)
    affected = again.affected()
    token = state.field(SPEAKER_FIGURES).entries[pid][0]
    readers = [i for i in range(len(state.keys)) if token in state.tokens_of(i)]
    assert readers and affected[readers].all()
    assert affected.sum() < len(state.keys)
