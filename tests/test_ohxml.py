"""The officielebekendmakingen Handelingen XML reader on the four real agenda
items in tests/data/corpus/ (one clean, three pretty-printed and double-encoded).

Counts from reading the XML: each <spreekbeurt> is a speech turn, and so is the
chair's <motie-info> after each motion; a bare <tekst> is a procedural line or
the chair speaking on (joined to the chair's turn before it).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.ingest import read_transcript
from generator.ingest.ohxml import parse_ohxml
from generator.model import TurnKind

CORPUS = Path(__file__).parent / "data" / "corpus"


def read(name):
    path = CORPUS / name
    result = read_transcript(path, path.name)
    assert not [d for d in result.diagnostics if d.severity == "error"]
    (meeting,) = result.meetings
    return meeting


def speeches(meeting):
    return [t for t in meeting.turns if t.kind == TurnKind.SPEECH]


@pytest.fixture(scope="module")
def ondernemen():
    return read("tk-ohxml-2018-h61-10-vao-ondernemen.xml")


@pytest.fixture(scope="module")
def wlz():
    return read("tk-ohxml-20180405-h70-3-vao-wlz-ggz.xml")


@pytest.fixture(scope="module")
def brexit():
    return read("tk-ohxml-20180405-h70-12-brexit.xml")


def test_clean_file_has_47_speech_turns_seven_speakers_and_six_motions(ondernemen):
    assert ondernemen.id == "tk-ohxml-2018-h61-10-vao-ondernemen"
    assert ondernemen.title == "Ondernemen en Bedrijfsfinanciering"
    assert ondernemen.date is None  # neither the XML nor the file name states it
    assert ondernemen.dossier == "31 311"
    assert len(speeches(ondernemen)) == 41 + 6
    labels = Counter(t.label for t in speeches(ondernemen))
    assert len(labels) == 7
    assert labels["De voorzitter:"] == 24
    assert labels["Staatssecretaris Keijzer:"] == 7
    assert [m.id for m in ondernemen.motions] == [f"31311-{n}" for n in range(199, 205)]
    first = ondernemen.motions[0]
    assert first.submitters == ("Wörsdörfer", "Bruins", "Amhaouch")
    assert first.submitter_ids == ("worsdorfer", None, "amhaouch")  # Bruins did not speak
    assert first.requests[0].startswith("verzoekt de regering in het voor de zomer")


def test_chair_line_outside_any_speech_joins_the_chair_turn(ondernemen):
    announcement = ondernemen.turns[2]
    assert announcement.label == "De voorzitter:"
    assert announcement.paragraphs == (
        "Deze motie is voorgesteld door de leden Wörsdörfer, Bruins en Amhaouch. Naar mij "
        "blijkt, wordt de indiening ervan voldoende ondersteund.",
        "Zij krijgt nr. 199 (31311).",
        "Gaat u verder.",
    )


def test_motion_text_is_a_record_of_its_own_not_part_of_the_speech(ondernemen):
    first = ondernemen.motions[0]
    reader = ondernemen.turns[int(first.turn[1:]) - 1]
    assert reader.label == "De heer Wörsdörfer (VVD):"
    assert not any("gaat over tot de orde van de dag" in p for p in reader.paragraphs)
    assert first.text.startswith("De Kamer,")


def test_double_encoded_file_is_repaired_and_read(wlz):
    assert wlz.title == "Wlz / Pgb / Toegang tot de Wlz voor ggz-cliënten"
    assert not any("Ã" in p for t in wlz.turns for p in t.paragraphs)
    assert len(speeches(wlz)) == 48 + 7
    assert {p.id: p.role for p in wlz.people if p.role != "lid"} == {
        "de-jonge": "Minister", "blokhuis": "Staatssecretaris"}
    assert [m.number for m in wlz.motions] == [str(n) for n in range(210, 217)]
    assert wlz.motions[2].submitter_ids == ("bergkamp", "segers", None)  # Dijksma not here
    assert [(s.start, s.end) for s in wlz.suspensions] == [("10:28", "10:35")]


def test_mojibake_is_repaired_even_without_the_decoder(wlz):
    raw = (CORPUS / "tk-ohxml-20180405-h70-3-vao-wlz-ggz.xml").read_text(encoding="utf-8")
    result = parse_ohxml(raw, "x.xml")
    assert "repaired" in result.diagnostics[0].message
    assert result.meetings[0].title == wlz.title


def test_brexit_debate_has_bare_suspensions_between_speeches(brexit):
    assert len(speeches(brexit)) == 259 + 8
    assert len({t.label for t in speeches(brexit)}) == 11
    assert [(s.start, s.end) for s in brexit.suspensions] == [
        ("20:06", "20:20"), (None, None), ("21:43", "21:51")]
    suspension = next(t for t in brexit.turns if t.id == brexit.suspensions[0].turn)
    assert suspension.kind == TurnKind.PROCEDURAL
    assert suspension.paragraphs == ("De vergadering wordt van 20.06 uur tot 20.20 uur geschorst.",)
    assert [m.number for m in brexit.motions] == [str(n) for n in range(232, 240)]
    assert brexit.person("wiebes").role == "Minister"


def test_stemmingen_item_records_four_votes_and_the_amended_motion():
    meeting = read("tk-ohxml-20180405-h70-6-stemmingen.xml")
    assert len(speeches(meeting)) == 7
    by_number = {m.number: m for m in meeting.motions}
    assert set(by_number) == {"726", "721", "722", "724"}
    amended = by_number["726"]
    assert amended.replaces == "719"
    assert amended.text.startswith("De Kamer,")
    assert amended.submitters == ("Wassenberg",)
    assert amended.vote.result == "verworpen"
    assert amended.vote.parties_for == ("SP", "PvdA", "GroenLinks", "PvdD", "DENK", "50PLUS")
    assert amended.vote.parties_against == ("overige fracties",)
    stub = by_number["722"]
    assert (stub.id, stub.title, stub.text) == ("21501-08-722", "motie-Laçin/Beckerman", "")
    assert stub.submitters == ("Laçin", "Beckerman")
    assert stub.vote.result == "aangenomen"
    assert "VVD" in by_number["721"].vote.parties_for
    assert "VVD" not in by_number["724"].vote.parties_for
    graus = next(t for t in meeting.turns if t.label == "De heer Graus (PVV):")
    assert graus.speaker == "graus"  # the stemverklaring


@pytest.mark.parametrize("text", [
    "", "<officiele-publicatie/>", "<officiele-publicatie><handelingen><agendapunt>",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
    "<officiele-publicatie><handelingen><agendapunt><spreekbeurt/><onbekend/>"
    "</agendapunt></handelingen></officiele-publicatie>",
])
def test_bad_handelingen_input_gives_diagnostics_never_a_crash(text):
    result = parse_ohxml(text, "transcripts/bad.xml")
    assert result.diagnostics
    assert all(d.file == "transcripts/bad.xml" for d in result.diagnostics)


def test_unknown_element_is_reported_with_its_line():
    text = ("<officiele-publicatie>\n<handelingen>\n<agendapunt>\n<item-titel>X</item-titel>\n"
            "<vreemd>tekst</vreemd>\n</agendapunt>\n</handelingen>\n</officiele-publicatie>")
    result = parse_ohxml(text, "t.xml")
    unknown = [d for d in result.diagnostics if "vreemd" in d.message]
    assert unknown and unknown[0].line == 5


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.integers(0, 37_000), length=st.integers(1, 3_000), junk=st.text(max_size=8))
def test_damaged_handelingen_never_crash(start, length, junk):
    text = (CORPUS / "tk-ohxml-2018-h61-10-vao-ondernemen.xml").read_text(encoding="utf-8-sig")
    result = parse_ohxml(text[:start] + junk + text[start + length:], "t.xml")
    assert result.meetings or result.diagnostics


def test_text_in_an_unknown_element_of_a_speech_is_kept():
    text = ("<officiele-publicatie><handelingen><agendapunt><item-titel>X</item-titel>"
            "<spreekbeurt><spreker><voorvoegsels>De heer</voorvoegsels><naam><achternaam>Graus"
            "</achternaam></naam> (<politiek>PVV</politiek>):</spreker><tekst>"
            "<al-groep><al>Voorzitter.</al></al-groep><tussenkop>Dierenwelzijn</tussenkop>"
            "</tekst></spreekbeurt></agendapunt></handelingen></officiele-publicatie>")
    (meeting,) = parse_ohxml(text, "t.xml").meetings
    assert meeting.turns[0].label == "De heer Graus (PVV):"
    assert meeting.turns[0].paragraphs == ("Voorzitter.", "Dierenwelzijn")


def handelingen(head: str = "", attrs: str = "") -> str:
    return ("<officiele-publicatie><metadata>" + head + "</metadata><handelingen>"
            f"<agendapunt{attrs}><item-titel>Brexit</item-titel><spreekbeurt><spreker>"
            "<voorvoegsels>De heer</voorvoegsels><naam><achternaam>Graus</achternaam></naam> "
            "(<politiek>PVV</politiek>):</spreker><tekst><al-groep><al>Op 1 januari 2019 "
            "gaat het mis.</al></al-groep></tekst></spreekbeurt></agendapunt></handelingen>"
            "</officiele-publicatie>")


def test_a_date_in_the_file_name_dates_the_meeting_and_gives_it_a_dated_id(wlz):
    assert wlz.date == "2018-04-05"
    assert wlz.id == "2018-04-05-wlz-pgb-toegang-tot-de-wlz-voor-ggz-clienten"
    result = parse_ohxml(handelingen(), "transcripts/tk-20180405-item.xml")
    assert any("taken from the file name" in d.message for d in result.diagnostics)


def test_a_session_year_in_the_official_file_name_is_not_taken_for_a_date():
    (meeting,) = parse_ohxml(handelingen(), "transcripts/h-tk-20172018-70-12.xml").meetings
    assert meeting.date is None and meeting.id == "h-tk-20172018-70-12"


def test_a_date_in_the_speeches_is_never_taken_for_the_meeting_date():
    (meeting,) = parse_ohxml(handelingen(), "x.xml").meetings
    assert meeting.date is None  # "Op 1 januari 2019" is said, not the date of the sitting


@pytest.mark.parametrize("head, attrs", [
    ('<meta name="OVERHEIDop.datumVergadering" content="2018-04-05"/>', ""),
    ("<vergaderdatum>5 april 2018</vergaderdatum>", ""),
    ("", ' datum="2018-04-05"'),
])
def test_a_date_in_the_metadata_or_the_agenda_item_dates_the_meeting(head, attrs):
    (meeting,) = parse_ohxml(handelingen(head, attrs), "h-tk-20172018-70-12.xml").meetings
    assert meeting.date == "2018-04-05"
    assert meeting.id == "2018-04-05-brexit"
