"""The open-data VLOS XML reader on the two real files in tests/data/corpus/.

Expected counts come from reading the XML: every <woordvoerder> and
<interrumpant> is a speech turn, and so is every chair statement the XML keeps in
a fragment (the "Motieinfo" after a motion, "Bericht verhindering", "Motie
intrekking", "Ingekomen stukken").
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.ingest import read_transcript
from generator.ingest.vlos import parse_vlos
from generator.model import TurnKind

CORPUS = Path(__file__).parent / "data" / "corpus"
PLENARY = CORPUS / "tk-vlos-20141015-plenair.xml"
COMMITTEE = CORPUS / "tk-vlos-20181108-ao-financiele-markten.xml"


def speeches(meeting):
    return [t for t in meeting.turns if t.kind == TurnKind.SPEECH]


@pytest.fixture(scope="module")
def plenary():
    result = read_transcript(PLENARY, PLENARY.name)
    assert not [d for d in result.diagnostics if d.severity == "error"]
    return result.meetings


@pytest.fixture(scope="module")
def committee():
    result = read_transcript(COMMITTEE, COMMITTEE.name)
    assert not [d for d in result.diagnostics if d.severity == "error"]
    (meeting,) = result.meetings
    return meeting


def test_committee_meeting_header_is_read_from_the_xml(committee):
    assert committee.id == "2018-11-08-financiele-markten"
    assert committee.title == "Financiële markten"
    assert committee.date == "2018-11-08"
    assert committee.kind == "commissie"
    assert committee.committee == "vaste commissie voor Financiën"
    assert committee.chair == "anne-mulder"
    assert committee.clerk == "Weeber"
    assert (committee.start, committee.end) == ("14:01", "16:58")


def test_committee_meeting_has_161_speech_turns_by_nine_people_and_no_motions(committee):
    assert len(speeches(committee)) == 161
    speakers = Counter(t.speaker for t in speeches(committee))
    assert None not in speakers
    assert len(speakers) == 9
    assert committee.person("wopke-hoekstra").role == "Minister van Financiën"
    assert committee.motions == ()
    assert [(s.start, s.end) for s in committee.suspensions] == [
        ("14:22", "14:32"), ("14:58", "15:10")]
    assert len(committee.present) == 9


def test_committee_chair_turns_carry_the_printed_label_and_resolve_to_the_chair(committee):
    chair_turns = [t for t in committee.turns if t.label == "De voorzitter:"]
    assert chair_turns and {t.speaker for t in chair_turns} == {"anne-mulder"}
    first_member = next(t for t in committee.turns if t.speaker == "henk-nijboer")
    assert first_member.label == "De heer Nijboer (PvdA):"
    assert first_member.paragraphs[0].startswith("Dank u wel, voorzitter.")


def test_plenary_day_is_split_into_one_meeting_per_agenda_item_with_speech(plenary):
    assert [m.id for m in plenary] == [
        "2014-10-15-europese-top",
        "2014-10-15-regeling-van-werkzaamheden",
        "2014-10-15-beloningsbeleid-financiele-ondernemingen",
        "2014-10-15-wet-aanpassing-financieel-toetsingskader",
    ]
    assert {m.date for m in plenary} == {"2014-10-15"}
    assert {m.kind for m in plenary} == {"plenair"}
    assert [m.dossier for m in plenary] == ["21 501-20", None, "33 964", "33 972"]


def test_plenary_speech_turns_match_a_count_of_the_xml(plenary):
    # 604 woordvoerder/interrumpant elements, plus chair statements kept in
    # fragments: 5 + 9 + 12 motion announcements, 1 withdrawal, 1 absence notice,
    # 1 list of incoming documents.
    assert [len(speeches(m)) for m in plenary] == [281, 16, 203, 133]
    assert sum(len(speeches(m)) for m in plenary) == 604 + 26 + 3
    assert all(t.speaker for m in plenary for t in speeches(m))


def test_rotating_chairs_are_four_people_each_resolved_where_they_sat(plenary):
    assert [m.chair for m in plenary] == [
        "anouchka-van-miltenburg", "khadija-arib", "pieter-duisenberg", "bart-de-liefde"]
    chair_turns = Counter(t.speaker for m in plenary for t in m.turns
                          if t.label == "De voorzitter:")
    assert set(chair_turns) == {
        "anouchka-van-miltenburg", "khadija-arib", "pieter-duisenberg", "bart-de-liefde"}
    for meeting in plenary:
        assert meeting.person(meeting.chair).role == "voorzitter"


def test_two_ruttes_on_15_october_2014_stay_two_people(plenary):
    europe = plenary[0]
    arno, mark = europe.person("arno-rutte"), europe.person("mark-rutte")
    assert (arno.name, arno.party, arno.role) == ("Arno Rutte", "VVD", "lid")
    assert (mark.name, mark.party) == ("Mark Rutte", None)
    assert mark.role.startswith("Minister-president")
    rutte_turns = [t for t in europe.turns if t.label == "Minister Rutte:"]
    assert len(rutte_turns) == 50
    assert {t.speaker for t in rutte_turns} == {"mark-rutte"}
    assert "arno-rutte" in europe.present and "mark-rutte" in europe.present


def test_split_faction_is_kept_as_the_party_name(plenary):
    people = {p.id: p for m in plenary for p in m.people}
    assert people["norbert-klein"].party == "50PLUS/Klein"
    assert people["henk-krol"].party == "50PLUS/Baay-Timmerman"


def test_plenary_motions_have_numbers_submitters_and_text(plenary):
    assert [len(m.motions) for m in plenary] == [5, 0, 9, 12]
    first = plenary[0].motions[0]
    assert (first.id, first.number, first.dossier) == ("21501-20-915", "915", "21501-20")
    assert first.submitters == ("Van Haersma Buma", "Segers")
    assert first.submitter_ids == ("sybrand-van-haersma-buma", "gert-jan-segers")
    assert first.considerations[0].startswith("overwegende dat de opmars van IS")
    assert first.requests[0].startswith("verzoekt de regering, tijdens de Europese top")
    assert first.title == "Europese steun uitspreken voor ingrijpen in Syrië"
    reader = plenary[0].turns[int(first.turn[1:]) - 1]
    assert reader.speaker == "sybrand-van-haersma-buma"
    numbers = [m.number for meeting in plenary for m in meeting.motions]
    assert len(set(zip(numbers, [m.dossier for mt in plenary for m in mt.motions],
                       strict=True))) == 26


def test_withdrawn_motion_is_marked_ingetrokken(plenary):
    withdrawn = next(m for m in plenary[0].motions if m.number == "917")
    assert withdrawn.verdict is not None and withdrawn.verdict.kind == "ingetrokken"


def test_plenary_suspensions_and_sections(plenary):
    assert [[(s.start, s.end) for s in m.suspensions] for m in plenary] == [
        [("12:05", "12:14"), ("13:55", "15:46")],
        [(None, None)],
        [("17:18", "17:35"), ("19:11", "20:00")],
        [("21:27", "21:45")],
    ]
    titles = [s.title for s in plenary[0].sections]
    assert titles == ["Opening", "Mededelingen", "Europese Top", "Termijn inbreng",
                      "Termijn antwoord", "Termijn inbreng", "Termijn antwoord"]


def test_turn_ids_are_sequential_per_meeting(plenary):
    for meeting in plenary:
        assert [t.id for t in meeting.turns] == [
            f"t{i:04d}" for i in range(1, len(meeting.turns) + 1)]


@pytest.mark.parametrize("text", [
    "", "not xml", "<vlosCoreDocument><vergadering>", "<?xml version='1.0'?><x/>",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><vlosCoreDocument>&a;'
    "</vlosCoreDocument>",
])
def test_bad_vlos_input_gives_diagnostics_never_a_crash(text):
    result = parse_vlos(text, "transcripts/bad.xml")
    assert result.meetings == ()
    assert result.diagnostics
    assert all(d.file == "transcripts/bad.xml" for d in result.diagnostics)


def test_truncated_vlos_reports_the_line():
    text = PLENARY.read_text(encoding="utf-8-sig")[:5000]
    result = parse_vlos("\n\n" + text, "x.xml")
    (diag,) = result.diagnostics
    assert diag.severity == "error" and "not well-formed" in diag.message
    assert diag.line == 3


def test_speech_without_a_speaker_is_reported_and_kept():
    text = (
        '<vlosCoreDocument xmlns="http://www.tweedekamer.nl/ggm/vergaderverslag/v1.0">\n'
        "<vergadering soort=\"Plenair\"><datum>2020-01-02T00:00:00</datum>\n"
        "<activiteit><titel>Iets</titel><activiteithoofd>\n"
        "<activiteitdeel><activiteititem><woordvoerder>\n"
        "<tekst><alinea><alineaitem>Zonder spreker.</alineaitem></alinea></tekst>\n"
        "</woordvoerder></activiteititem></activiteitdeel>\n"
        "</activiteithoofd></activiteit></vergadering></vlosCoreDocument>")
    result = parse_vlos(text, "t.xml")
    (meeting,) = result.meetings
    assert meeting.id == "2020-01-02-iets"
    assert meeting.turns[0].paragraphs == ("Zonder spreker.",)
    (diag,) = result.diagnostics
    assert diag.severity == "warning" and diag.line == 4


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.integers(0, 279_000), length=st.integers(1, 5_000), junk=st.text(max_size=5))
def test_damaged_vlos_never_crashes(start, length, junk):
    text = COMMITTEE.read_text(encoding="utf-8-sig")
    result = parse_vlos(text[:start] + junk + text[start + length:], "t.xml")
    assert result.meetings or result.diagnostics


def test_a_printed_name_that_starts_with_a_two_word_first_name_is_not_doubled(plenary):
    people = {p.id: p.name for m in plenary for p in m.people}
    assert people["mei-li-vos"] == "Mei Li Vos"  # voornaam "Mei Li", verslagnaam "Mei Li Vos"
    assert people["jan-vos"] == "Jan Vos"
    assert not [pid for pid in people if "mei-li-mei-li" in pid]
