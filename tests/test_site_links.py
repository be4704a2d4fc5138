"""Every internal link and anchor of the built example site resolves, and every
speech, motion and speaker of the model can be reached from the home page."""

from __future__ import annotations

import pytest
from site_fixture import build_meetings, build_project, copy_project, crawl, read_page, resolve

from generator import urls
from generator.config import load_project
from generator.model import TurnKind
from generator.sitebuild import load_meetings


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("project"))
    diagnostics = build_project(root)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    meetings, _ = load_meetings(load_project(root))
    assert meetings, "the example archive gave no meetings"
    return root / "site", meetings


def broken_links(site):
    """Every (page, link) whose target file or #anchor does not exist."""
    ids = {}
    broken = []
    for page in sorted(site.rglob("*.html")):
        parser = read_page(page)
        ids[page.relative_to(site).as_posix()] = parser.ids
    for page in sorted(site.rglob("*.html")):
        for link in read_page(page).links:
            hit = resolve(site, page, link)
            if hit is None:
                continue
            target, fragment = hit
            missing_file = not (site / target).is_file()
            if missing_file or (fragment and target.endswith(".html")
                                and fragment not in ids[target]):
                broken.append((page.relative_to(site).as_posix(), link))
    return broken


def test_every_internal_link_and_anchor_of_the_example_site_resolves(example):
    site, _ = example
    assert len(list(site.rglob("*.html"))) > 20
    assert broken_links(site) == []


def test_every_link_of_a_hand_made_meeting_resolves(tmp_path):
    from site_fixture import seed_meeting

    build_meetings([seed_meeting()], tmp_path)
    assert broken_links(tmp_path) == []


def test_no_link_is_absolute_or_leaves_the_site(example):
    site, _ = example
    for page in site.rglob("*.html"):
        for link in read_page(page).links:
            assert not link.startswith("/"), (page, link)
            hit = resolve(site, page, link)
            if hit:
                assert not hit[0].startswith(".."), (page, link)


def test_every_speech_motion_and_speaker_is_reachable_from_the_home_page(example):
    site, meetings = example
    pages, reached = crawl(site)
    for meeting in meetings:
        slug = urls.meeting_path(meeting.id)
        assert slug in pages, slug
        for turn in meeting.turns:
            anchor = urls.turn_anchor(turn.id)
            assert anchor in pages[slug].ids, (slug, turn.id)
        for person in meeting.people:
            assert urls.person_path(person.id) in pages, person.id
        for motion in meeting.motions:
            assert urls.motion_anchor(motion.id) in pages[slug].ids
            assert any(p.startswith("moties/") and p.endswith(urls.slugify(motion.id) + ".html")
                       for p in pages), motion.id
    speeches = [t for m in meetings for t in m.turns if t.kind is TurnKind.SPEECH]
    linked = {f for page, f in reached if page.startswith("vergaderingen/") and f}
    # every speech is linked to directly from somewhere (its permalink at least)
    assert {urls.turn_anchor(t.id) for t in speeches} <= linked


def test_speaker_pages_deep_link_to_each_of_their_speeches(example):
    site, meetings = example
    meeting = meetings[0]
    by_speaker = {}
    for turn in meeting.turns:
        if turn.kind is TurnKind.SPEECH and turn.speaker:
            by_speaker.setdefault(turn.speaker, []).append(turn.id)
    for person_id, turn_ids in by_speaker.items():
        page = site / urls.person_path(person_id)
        links = read_page(page).links
        expected = {f"../{urls.meeting_path(meeting.id)}#{urls.turn_anchor(t)}" for t in turn_ids}
        assert expected <= set(links), person_id


def test_a_motion_without_a_read_out_turn_still_gets_an_anchor_and_a_page(tmp_path):
    from dataclasses import replace

    from site_fixture import seed_meeting

    meeting = seed_meeting()
    meeting = replace(meeting, motions=(replace(meeting.motions[0], turn=None),))
    build_meetings([meeting], tmp_path)
    page = tmp_path / urls.meeting_path(meeting.id)
    assert urls.motion_anchor(meeting.motions[0].id) in read_page(page).ids
    assert (tmp_path / urls.motion_path(meeting.motions[0].id)).is_file()
    assert broken_links(tmp_path) == []


def test_with_a_base_url_the_404_page_links_absolutely_and_other_pages_stay_relative(tmp_path):
    from dataclasses import replace

    from site_fixture import ROOT, seed_meeting

    from generator.sitebuild import write_site

    project = replace(load_project(ROOT), base_url="https://example.org/debatten")
    write_site(project, [seed_meeting()], tmp_path)
    links = read_page(tmp_path / urls.NOT_FOUND).links
    assert "https://example.org/debatten/index.html" in links
    assert "https://example.org/debatten/static/style.css" in links
    assert "../index.html" in read_page(tmp_path / urls.MEETINGS).links
    assert "https://example.org/debatten/index.html" in (
        tmp_path / urls.SITEMAP).read_text(encoding="utf-8")


def test_long_motion_lists_are_split_into_linked_files_newest_first(tmp_path, monkeypatch):
    from dataclasses import replace

    from site_fixture import seed_meeting

    from generator import pages

    monkeypatch.setattr(pages, "MOTIONS_PER_PAGE", 2)
    meetings = [replace(seed_meeting(), id=f"m{i}", date=f"2020-0{i + 1}-01") for i in range(3)]
    build_meetings(meetings, tmp_path)
    assert broken_links(tmp_path) == []
    first, second = tmp_path / urls.MOTIONS, tmp_path / urls.paged(urls.MOTIONS, 2)
    assert second.name == "index_2.html" and second.is_file()
    assert not (tmp_path / urls.paged(urls.MOTIONS, 3)).exists()
    on_first, on_second = set(read_page(first).links), set(read_page(second).links)
    # the same motion id in three meetings: the oldest keeps the plain slug
    oldest, newest = "35373-4.html", "m2-35373-4.html"
    assert newest in on_first and oldest not in on_first  # newest first
    assert oldest in on_second
    _, reached = crawl(tmp_path)
    motion_pages = {p for p, _ in reached if p.startswith("moties/") and "index" not in p}
    assert len({p for p in motion_pages if "35373-4" in p}) == 3
