"""A hostile transcript renders inert: every string is escaped, JSON-LD cannot
close its <script>, and ids and numbers cannot write outside the site."""

from __future__ import annotations

import json
import re

import pytest
from site_fixture import (
    EVIL,
    build_meetings,
    build_project,
    copy_project,
    hostile_meeting,
    read_page,
)

from generator.render import jsonld
from generator.urls import output_file

ALLOWED_ID = re.compile(r"^[a-z0-9-]+$")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    out = base / "deep" / "site"
    diagnostics = build_meetings([hostile_meeting()], out)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return base, out


def test_no_markup_from_a_hostile_meeting_survives_unescaped(hostile_site):
    _, site = hostile_site
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "</title><script>" not in html, page


def test_the_only_scripts_are_json_ld_and_the_site_s_own_files(hostile_site):
    _, site = hostile_site
    for page in site.rglob("*.html"):
        parsed = read_page(page)
        html = page.read_text(encoding="utf-8")
        opened = re.findall(r"<script\b[^>]*>", html)
        for tag in opened:
            assert 'type="application/ld+json"' in tag or re.search(r'src="[./a-z]+\.js"', tag), tag
        for body in parsed.scripts:
            if body.strip():
                json.loads(body)  # the whole JSON-LD block is still one JSON value


def test_hostile_ids_become_slugs_and_every_file_stays_inside_the_site(hostile_site):
    base, site = hostile_site
    outside = [p for p in base.rglob("*") if p.is_file() and site not in p.parents]
    assert outside == []
    for path in site.rglob("*"):
        name = path.relative_to(site).as_posix()
        assert ".." not in name and "<" not in name and '"' not in name
    for page in site.rglob("*.html"):
        for element_id in read_page(page).ids:
            assert ALLOWED_ID.match(element_id), (page, element_id)


def test_hostile_text_is_shown_escaped_not_dropped(hostile_site):
    _, site = hostile_site
    meetings = list((site / "vergaderingen").glob("*.html"))
    meeting_pages = [p for p in meetings if p.name != "index.html"]
    html = meeting_pages[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;" in html or "&quot;&gt;" in html


def test_json_ld_escapes_a_closing_script_tag():
    text = str(jsonld({"name": "</script><script>alert(1)</script>", "x": "a & b"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


def test_output_paths_refuse_to_leave_the_site(tmp_path):
    for bad in ("../x.html", "/etc/passwd", "a/../../b.html", ""):
        with pytest.raises(ValueError):
            output_file(tmp_path, bad)


def test_a_hostile_transcript_file_builds_into_an_inert_site(tmp_path):
    root = copy_project(tmp_path / "project")
    seed = (root / "transcripts" / "000_80043238be0c1716.txt").read_text(encoding="utf-8")
    evil = seed.replace("Mevrouw Ploumen (PvdA):", f"Mevrouw Ploumen (PvdA{EVIL}):", 1)
    evil = evil.replace("Ah! Maar dan", f"Ah! {EVIL} Maar dan", 1)
    evil = evil.replace("Zij krijgt nr. 3 (35 373).", "Zij krijgt nr. ../../3 (35 373).", 1)
    (root / "transcripts" / "000_80043238be0c1716.txt").write_text(evil, encoding="utf-8")
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    build_project(root)
    site = root / "site"
    assert (site / "index.html").is_file()
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    allowed = (site, root / "content", root / ".plenum-cache")
    assert [p for p in written if not any(a in p.parents for a in allowed)] == []
    found_escaped = False
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        found_escaped |= "&lt;script&gt;alert(1)" in html
    assert found_escaped


def test_ids_named_like_a_list_page_cannot_replace_it(tmp_path):
    from dataclasses import replace

    from site_fixture import seed_meeting

    from generator import urls

    meeting = seed_meeting()
    people = tuple(replace(p, id="index", party="Index") if p.id == "bosman" else p
                   for p in meeting.people)
    turns = tuple(replace(t, speaker="index") if t.speaker == "bosman" else t
                  for t in meeting.turns)
    motion = replace(meeting.motions[0], id="ontraden")
    meeting = replace(meeting, id="index", people=people, turns=turns, motions=(motion,))
    build_meetings([meeting], tmp_path)
    for path, heading in ((urls.SPEAKERS, "Sprekers"), (urls.MEETINGS, "Vergaderingen"),
                          (urls.PARTIES, "Partijen"), ("moties/ontraden.html", "Moties: ")):
        assert f"<h1>{heading}" in (tmp_path / path).read_text(encoding="utf-8"), path
    for path in (urls.person_path("index"), urls.meeting_path("index"),
                 urls.party_path("Index"), urls.motion_path("ontraden")):
        assert path.split("/")[1].startswith("_") and (tmp_path / path).is_file(), path
