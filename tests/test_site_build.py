"""Building the example archive writes every page of the URL scheme, the open
data matches the model, figures follow their documented rule, and two builds
give identical bytes."""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import json
from xml.etree import ElementTree

import pytest
from site_fixture import build_meetings, build_project, copy_project, read_page, seed_meeting

from generator import urls
from generator.archive import build_archive
from generator.config import load_project
from generator.export import meeting_to_dict
from generator.model import TurnKind
from generator.sitebuild import build_site, load_meetings
from generator.stats import FLOOR_WORDS, find_interruptions


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("project"))
    diagnostics = build_project(root)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    meetings, _ = load_meetings(load_project(root))
    return root, meetings


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_build_writes_every_page_of_the_url_scheme(example):
    root, meetings = example
    site = root / "site"
    meeting = meetings[0]
    expected = [urls.HOME, urls.MEETINGS, urls.meeting_path(meeting.id), urls.SPEAKERS,
                urls.person_path(meeting.people[0].id), urls.PARTIES, urls.MOTIONS,
                urls.COMMITMENTS, urls.SEARCH, urls.DATA, urls.meeting_json_path(meeting.id),
                urls.speeches_csv_path(meeting.date), urls.FEED, urls.SITEMAP, urls.ROBOTS,
                urls.NOT_FOUND, urls.ABOUT, "static/style.css"]
    expected += [urls.motion_path(m.id) for m in meeting.motions]
    expected += [urls.party_path(p.party) for p in meeting.people if p.party]
    missing = [path for path in expected if not (site / path).is_file()]
    assert missing == []


def test_two_builds_of_the_same_input_give_identical_bytes(example, tmp_path):
    """Built by the CLI in fresh processes with different hash seeds, so a set
    iterated into the output would show."""
    import os
    import subprocess
    import sys

    from site_fixture import ROOT

    first = digest(example[0] / "site")
    for seed in ("1", "2"):
        other = copy_project(tmp_path / f"again{seed}")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(other),
                                 "build", "-j", "1"], env=env, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, result.stderr
        assert digest(other / "site") == first


def test_the_meeting_json_is_the_open_data_export_of_the_meeting(example):
    root, meetings = example
    for meeting in meetings:
        path = root / "site" / urls.meeting_json_path(meeting.id)
        assert json.loads(path.read_text(encoding="utf-8")) == meeting_to_dict(meeting)


def test_the_speeches_csvs_have_one_row_per_turn_with_a_deep_link(example):
    root, meetings = example
    rows = []
    for path in sorted((root / "site" / urls.SPEECHES_CSV_DIR).iterdir()):
        text = path.read_text(encoding="utf-8")
        found = list(csv.DictReader(io.StringIO(text, newline="")))
        assert {urls.speeches_csv_path(r["date"]) for r in found} == \
            {path.relative_to(root / "site").as_posix()}  # a year's file, its meetings
        rows += found
    assert len(rows) == sum(len(m.turns) for m in meetings)
    first = meetings[0].turns[1]
    row = next(r for r in rows if r["turn"] == first.id)
    assert row["url"] == f"{urls.meeting_path(meetings[0].id)}#{urls.turn_anchor(first.id)}"
    assert row["text"] == "\n\n".join(first.paragraphs)


def test_the_feed_and_sitemap_are_well_formed_xml_listing_each_meeting(example):
    root, meetings = example
    feed = ElementTree.parse(root / "site" / urls.FEED).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert len(feed.findall("a:entry", ns)) == len(meetings)
    sitemap = (root / "site" / urls.SITEMAP).read_text(encoding="utf-8")
    ElementTree.fromstring(sitemap)
    assert urls.meeting_path(meetings[0].id) in sitemap
    assert urls.NOT_FOUND not in sitemap


def test_interruptions_follow_the_floor_holder_rule():
    meeting = seed_meeting()
    found = find_interruptions(meeting)
    # Ploumen asks Bosman twice while he holds the floor; his answer is his own.
    assert {k: (v.speaker, v.floor_holder) for k, v in found.items()} == {
        "t0004": ("ploumen", "bosman"), "t0006": ("ploumen", "bosman")}


def test_figures_count_turns_and_words_per_speaker_independently_of_the_stats_module():
    meeting = seed_meeting()
    archive, _ = build_archive([meeting])
    figures = archive.figures[meeting.id].by_person
    for person in meeting.people:
        turns = [t for t in meeting.turns if t.speaker == person.id
                 and t.kind is TurnKind.SPEECH]
        words = sum(len(" ".join(t.paragraphs).split()) for t in turns)
        got = figures.get(person.id)
        assert (got.turns if got else 0, got.words if got else 0) == (len(turns), words)
    assert figures["bosman"].interruptions_received == 2
    assert figures["ploumen"].interruptions_made == 2
    assert sum(len(p.split()) for p in meeting.turns[1].paragraphs) >= FLOOR_WORDS


def test_a_template_error_leaves_the_previous_site_in_place(example, tmp_path):
    root = copy_project(tmp_path / "broken")
    build_project(root)
    before = digest(root / "site")
    (root / "templates" / "motion.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ no_such_field }}{% endblock %}',
        encoding="utf-8")
    diagnostics = build_site(load_project(root))
    assert any("motion.html" in d.file and d.severity == "error" for d in diagnostics)
    assert digest(root / "site") == before


def test_css_and_js_together_stay_under_30_kb_gzipped_and_the_seed_page_weight_is_reported(
        example, capsys):
    root, meetings = example
    site = root / "site"
    assets = [p for p in (site / "static").rglob("*") if p.suffix in (".css", ".js")]
    # the search client; the index shards beside it are data, not code
    assets += [p for p in [site / "search" / "search.js"] if p.is_file()]
    size = sum(len(gzip.compress(p.read_bytes(), 9, mtime=0)) for p in assets)
    assert size < 30_000
    page = site / urls.meeting_path(meetings[0].id)
    sheets = [(page.parent / link).resolve() for link in read_page(page).links
              if link.endswith(".css")]  # every stylesheet the page links
    assert sheets
    html_gz = len(gzip.compress(page.read_bytes(), 9, mtime=0))
    css = sum(p.stat().st_size for p in sheets)
    css_gz = sum(len(gzip.compress(p.read_bytes(), 9, mtime=0)) for p in sheets)
    with capsys.disabled():
        print(f"\nseed meeting page: HTML {page.stat().st_size} B ({html_gz} B gzipped) "
              f"+ CSS {css} B ({css_gz} B gzipped, {len(sheets)} files) = "
              f"{html_gz + css_gz} B gzipped; all CSS+JS {size} B gzipped")


def test_a_hand_made_meeting_shows_motion_card_verdict_and_interruption_label(tmp_path):
    build_meetings([seed_meeting()], tmp_path)
    html = (tmp_path / urls.meeting_path("000_80043238be0c1716")).read_text(encoding="utf-8")
    assert 'class="speech interruption" id="t0004"' in html
    assert "Interruptie" in html
    assert 'id="motie-35373-4"' in html
    assert "verdict-ontraden" in html
    assert 'class="procedural" id="t0007"' in html
    motion = (tmp_path / urls.motion_path("35373-4")).read_text(encoding="utf-8")
    assert f'href="../{urls.meeting_path("000_80043238be0c1716")}#t0011"' in motion


def test_parallel_rendering_writes_the_same_bytes_as_one_process(tmp_path, monkeypatch):
    from dataclasses import replace

    from site_fixture import ROOT

    from generator import render
    from generator.sitebuild import write_site
    from generator.workers import WorkerLimits

    monkeypatch.setattr(render, "PARALLEL_MIN_PAGES", 0)
    meetings = [replace(seed_meeting(), id=f"m{i}", date=f"2020-0{i + 1}-01") for i in range(3)]
    outputs = []
    # the second run on two processes forks a fresh worker every third page,
    # within a run of pages (`render.WORKER_LIMITS`)
    for run, (jobs, limits) in enumerate(((1, None), (2, None), (2, WorkerLimits(3, 1 << 40)))):
        if limits is not None:
            monkeypatch.setattr(render, "WORKER_LIMITS", limits)
        out = tmp_path / f"run{run}"
        out.mkdir()
        assert write_site(load_project(ROOT), meetings, out, jobs=jobs) == []
        outputs.append(digest(out))
    assert outputs[0] == outputs[1] == outputs[2]


def test_templates_use_only_the_fields_their_context_declares():
    from dataclasses import fields

    from jinja2 import meta, nodes
    from site_fixture import ROOT

    from generator.i18n import load_catalogue
    from generator.pages import all_pages
    from generator.render import make_environment

    t = load_catalogue("nl")
    env = make_environment(ROOT / "templates", t)
    archive, _ = build_archive([seed_meeting()])
    always = {"u", "t", "site"}

    def used(name):
        tree = env.parse(env.loader.get_source(env, name)[0])
        imported = {n if isinstance(n, str) else n[1]
                    for node in tree.find_all(nodes.FromImport) for n in node.names}
        assigned = set()
        for node in tree.find_all(nodes.Assign):
            target = node.target
            names = [target] if isinstance(target, nodes.Name) else target.find_all(nodes.Name)
            assigned.update(n.name for n in names)
        return meta.find_undeclared_variables(tree) - imported - assigned

    assert used("base.html") <= always | {"meta"}
    seen = set()
    for page in all_pages(archive, t, "x"):
        if page.template in seen:
            continue
        seen.add(page.template)
        declared = {f.name for f in fields(page.context)}
        assert "meta" in declared
        if page.template in env.list_templates():
            assert used(page.template) <= declared | always, page.template
    assert {"meeting.html", "speaker.html", "motion.html", "party.html"} <= seen


def test_the_chair_gives_the_floor_by_name_before_or_after_the_word_woord():
    from dataclasses import replace

    from generator.model import Source, Turn

    meeting = seed_meeting()

    def turn(n, speaker, text):
        return Turn(f"x{n}", speaker, "", (text,), Source("x", n))

    turns = (
        turn(1, "pia-dijkstra", "Dan gaan we naar de heer Bosman, die het woord krijgt."),
        turn(2, "bosman", "Voorzitter, kort."),
        turn(3, "ploumen", "Een vraag aan de heer Bosman."),
        turn(4, "pia-dijkstra", "Dank u wel. Ik geef het woord aan de Minister."),
        turn(5, "blok", "Dank u wel."),
        turn(6, "karabulut", "Een vraag aan de Minister."),
    )
    found = find_interruptions(replace(meeting, turns=turns))
    assert {k: (v.speaker, v.floor_holder) for k, v in found.items()} == {
        "x3": ("ploumen", "bosman"), "x6": ("karabulut", "blok")}


def test_every_word_a_template_asks_for_is_in_the_dutch_catalogue():
    import re

    from site_fixture import ROOT

    from generator.i18n import load_catalogue

    words = load_catalogue("nl").words
    asked = set()
    for path in (ROOT / "templates").rglob("*.html"):
        asked |= set(re.findall(r"""\bt\(\s*['"]([a-z_.]+)['"]""", path.read_text("utf-8")))
    assert len(asked) > 50
    asked = {k for k in asked if not k.endswith(".")}  # t("vote." ~ result): built keys
    missing = sorted(k for k in asked if k not in words and f"{k}.other" not in words)
    assert missing == []


def test_a_meeting_without_motions_commitments_or_parties_builds_without_errors(tmp_path):
    from dataclasses import replace

    meeting = seed_meeting()
    meeting = replace(meeting, motions=(), commitments=(), suspensions=(), sections=(),
                      people=tuple(replace(p, party=None) for p in meeting.people),
                      date=None, title=None)
    assert build_meetings([meeting], tmp_path) == []
    assert "Geen moties." in (tmp_path / urls.MOTIONS).read_text(encoding="utf-8")


def test_a_date_that_is_not_iso_becomes_undated_with_a_warning(tmp_path):
    from dataclasses import replace

    meeting = replace(seed_meeting(), date="28-09-2020")
    diagnostics = build_meetings([meeting], tmp_path)
    assert [d.severity for d in diagnostics] == ["warning"]
    assert "28-09-2020" in diagnostics[0].message
    html = (tmp_path / urls.meeting_path(meeting.id)).read_text(encoding="utf-8")
    assert "datum onbekend" in html and "<time" not in html


def test_a_build_leaves_nothing_frozen_from_the_garbage_collector(tmp_path):
    """A `serve` process builds again and again: what a build froze for the
    collector (worker pools freeze the heap before forking) must be let go,
    or every build's cyclic garbage would stay in memory for good."""
    root = copy_project(tmp_path / "served")
    build_site(load_project(root), jobs=1)
    assert gc.get_freeze_count() == 0
    build_site(load_project(root), jobs=1, clean=True)
    assert gc.get_freeze_count() == 0
