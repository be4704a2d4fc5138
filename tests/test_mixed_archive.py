"""One archive from every source the parliament publishes: the seed transcript
plus every corpus file (VLOS XML, Handelingen XML, two PDFs and the text
extracted from those same PDFs), imported and built once by the CLI in a
temporary project. Everything the model holds must be reachable and every link
must resolve; the PDF and its extracted text are one meeting, imported once."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
from site_fixture import ROOT, copy_project, crawl
from test_site_links import broken_links

from generator import urls
from generator.archive import build_archive
from generator.config import load_project
from generator.duplicates import same_meeting
from generator.importer import import_transcripts
from generator.ingest import read_transcript
from generator.sitebuild import load_meetings

CORPUS = ROOT / "tests" / "data" / "corpus"
HOUSING_TXT = "tk-pdftxt-20240208-tmd-volkshuisvesting.txt"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("mixed"))
    for path in sorted(CORPUS.iterdir()):
        shutil.copy(path, root / "transcripts" / path.name)
    run = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(root), "build"],
                         capture_output=True, text=True, timeout=600, check=False)
    meetings, diagnostics = load_meetings(load_project(root))
    archive, _ = build_archive(meetings)
    return root, run, meetings, diagnostics, archive


def by_id(meetings):
    return {m.id: m for m in meetings}


def test_the_mixed_archive_builds_without_errors(mixed):
    root, run, meetings, diagnostics, _ = mixed
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert not re.search(r"^error:", output, re.M), output
    assert re.search(r"^0 error\(s\)", output, re.M), output
    assert not [d for d in diagnostics if d.severity == "error"]
    # the seed, four VLOS items and the committee AO, four Handelingen items, two PDFs
    assert len(meetings) == 1 + 4 + 1 + 4 + 2


def test_every_internal_link_and_anchor_of_the_mixed_archive_resolves(mixed):
    root = mixed[0]
    assert broken_links(root / "site") == []


def test_every_meeting_speaker_and_motion_is_reachable_from_the_home_page(mixed):
    root, _, meetings, _, archive = mixed
    pages, _ = crawl(root / "site")
    for meeting in meetings:
        page = urls.meeting_path(archive.meeting_slug(meeting))
        assert page in pages, meeting.id
        assert {urls.turn_anchor(t.id) for t in meeting.turns} <= pages[page].ids, meeting.id
        assert {urls.motion_anchor(mo.id) for mo in meeting.motions} <= pages[page].ids
        for person in meeting.people:
            assert urls.person_path(person.id) in pages, (meeting.id, person.id)
    assert {urls.motion_path(slug) for slug in archive.motions} <= set(pages)
    assert len(archive.motions) > 50


def test_motion_pages_with_a_vote_show_the_result_and_the_parties(mixed):
    root, _, _, _, archive = mixed
    voted = [e for e in archive.motions.values() if e.motion.vote]
    assert len(voted) == 4  # the four votes of the Handelingen stemmingen
    for entry in voted:
        html = (root / "site" / urls.motion_path(entry.slug)).read_text(encoding="utf-8")
        assert "Stemming" in html, entry.slug
        assert entry.motion.vote.result in html.lower(), entry.slug
        for party in (*entry.motion.vote.parties_for, *entry.motion.vote.parties_against):
            assert party in html, (entry.slug, party)


def test_a_stub_motion_page_says_it_was_voted_on_not_submitted_there(mixed):
    root, _, _, _, archive = mixed
    stubs = [e for e in archive.motions.values() if not e.motion.text and e.motion.turn is None]
    assert stubs
    for entry in stubs:
        html = (root / "site" / urls.motion_path(entry.slug)).read_text(encoding="utf-8")
        assert "In stemming gebracht in" in html and "Ingediend in" not in html, entry.slug
    full = next(e for e in archive.motions.values() if e.motion.text)
    html = (root / "site" / urls.motion_path(full.slug)).read_text(encoding="utf-8")
    assert "Ingediend in" in html


def test_the_two_ruttes_and_every_rotating_chair_have_their_own_speaker_page(mixed):
    root, _, meetings, _, _ = mixed
    site = root / "site"
    day = [m for m in meetings if m.date == "2014-10-15"]
    chairs = {t.speaker for m in day for t in m.turns if t.label.startswith("De voorzitter")}
    assert len(chairs - {None}) >= 4
    for pid in chairs - {None} | {"arno-rutte", "mark-rutte"}:
        assert (site / urls.person_path(pid)).is_file(), pid
    arno = (site / urls.person_path("arno-rutte")).read_text(encoding="utf-8")
    mark = (site / urls.person_path("mark-rutte")).read_text(encoding="utf-8")
    assert "Arno Rutte" in arno and "VVD" in arno
    assert "Mark Rutte" in mark and "Minister-president" in mark


def test_a_member_named_in_full_by_one_format_and_by_surname_in_another_has_one_page(mixed):
    root, _, meetings, _, _ = mixed
    site = root / "site"
    speakers = {t.speaker for m in meetings for t in m.turns
                if t.label in ("De heer Madlener (PVV):", "Mevrouw Ouwehand (PvdD):")}
    assert speakers == {"barry-madlener", "esther-ouwehand"}
    years = {m.date[:4] for m in meetings
             if any(t.speaker == "barry-madlener" for t in m.turns)}
    assert years == {"2014", "2024"}
    assert not (site / urls.person_path("madlener")).exists()


def test_the_pdf_and_its_extracted_text_give_one_meeting_from_the_pdf(mixed):
    root, run, meetings, _, _ = mixed
    sources = sorted(m.source.file for m in meetings if m.date and m.date.startswith("2024"))
    assert sources == ["transcripts/tk-pdf-20240201-begroting-lnv.pdf",
                       "transcripts/tk-pdf-20240208-tmd-volkshuisvesting.pdf"]
    assert "not imported twice" in run.stdout + run.stderr
    assert not list((root / "content").glob("tk-pdftxt-*.md"))


def test_an_undated_meeting_is_listed_last_and_shown_as_date_unknown(mixed):
    root, _, meetings, _, archive = mixed
    undated = [m for m in meetings if m.date is None]
    assert [m.id for m in undated] == ["tk-ohxml-2018-h61-10-vao-ondernemen"]
    assert archive.meetings[-1].id == undated[0].id
    site = root / "site"
    page = (site / urls.meeting_path(undated[0].id)).read_text(encoding="utf-8")
    assert "datum onbekend" in page
    listing = (site / urls.MEETINGS).read_text(encoding="utf-8")
    assert listing.rfind("datum onbekend") > listing.rfind("2014")
    assert listing.index(undated[0].id) > listing.index("2014-10-15-europese-top")


def test_handelingen_items_dated_by_their_file_name_get_dated_ids(mixed):
    ids = set(by_id(mixed[2]))
    assert "2018-04-05-nederlandse-economie-na-de-brexit" in ids


# -- the same meeting from two sources, without the slow PDFs -------------------


def test_the_same_meeting_needs_the_same_title_compatible_dates_and_the_same_speakers():
    text = read_transcript(CORPUS / HOUSING_TXT, HOUSING_TXT).meetings[0]
    dated = replace(text, date="2024-02-08")
    assert same_meeting(text, dated)
    assert not same_meeting(dated, replace(text, date="2024-02-09"))
    assert not same_meeting(text, replace(text, title="Staat van de Volkshuisvesting II"))
    assert not same_meeting(text, replace(text, turns=text.turns[:len(text.turns) // 2]))


def test_a_preferred_transcript_added_later_replaces_the_earlier_import_whatever_the_order(
        tmp_path):
    """b.txt is imported first; a.txt (the same meeting, preferred by its name)
    arrives later: a's meeting replaces b's, and later imports keep it so."""
    shutil.copy(ROOT / "plenum.toml", tmp_path / "plenum.toml")
    (tmp_path / "transcripts").mkdir()
    shutil.copy(CORPUS / HOUSING_TXT, tmp_path / "transcripts" / "b.txt")
    project = load_project(tmp_path)
    first = import_transcripts(project)
    assert [p.name for p in (tmp_path / "content").glob("*.md")] == ["b.md"]
    assert first.written == 1
    shutil.copy(CORPUS / HOUSING_TXT, tmp_path / "transcripts" / "a.txt")
    second = import_transcripts(project)
    assert sorted(p.name for p in (tmp_path / "content").glob("*.md")) == ["a.md"]
    assert any("removed content/b.md" in m for m in second.messages)
    third = import_transcripts(project)
    assert sorted(p.name for p in (tmp_path / "content").glob("*.md")) == ["a.md"]
    assert third.written == 0 and not [d for d in third.diagnostics if d.severity == "error"]
    assert any("not imported twice" in d.message and d.file == "transcripts/b.txt"
               for d in third.diagnostics)
