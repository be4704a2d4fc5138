"""The text parser on real transcripts: the seed (line-wrapped PDF text), the
two flattened corpus files, the OCR'ed Markdown fixture, and bad input.

Expected values were written from reading the transcripts, not from the
parser's output: e.g. the seed has 306 label lines (110 + 3 chair labels at
page starts, ...), motions nrs. 3-18, three "De vergadering wordt … geschorst."
lines and two dash-led commitments."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import Severity
from generator.ingest.text import parse_text
from generator.model import TurnKind

ROOT = Path(__file__).resolve().parent.parent
SEED = "transcripts/000_80043238be0c1716.txt"
VOLKSHUISVESTING = "tests/data/corpus/tk-pdftxt-20240208-tmd-volkshuisvesting.txt"
LNV = "tests/data/corpus/tk-pdftxt-20240201-begroting-lnv.txt"
OCR = "tests/data/ocr/ruslandstrategie-excerpt.md"


def parse(relative: str):
    result = parse_text((ROOT / relative).read_text(encoding="utf-8"), relative)
    (meeting,) = result.meetings
    return meeting, result.diagnostics


def speeches(meeting):
    return [t for t in meeting.turns if t.kind == TurnKind.SPEECH]


@pytest.fixture(scope="module")
def seed():
    return parse(SEED)


@pytest.fixture(scope="module")
def seed_lines():
    return (ROOT / SEED).read_text(encoding="utf-8").split("\n")


def test_seed_parses_without_warnings(seed):
    _, diagnostics = seed
    assert [d.format() for d in diagnostics if d.severity != Severity.INFO] == []


def test_every_seed_turn_starts_at_its_label_line(seed, seed_lines):
    meeting, _ = seed
    turns = speeches(meeting)
    assert len(turns) == 306
    for turn in turns:
        assert seed_lines[turn.source.line - 1].strip() == turn.label


def test_seed_speakers_are_resolved_to_the_people_in_the_header(seed):
    meeting, _ = seed
    counts = Counter(t.speaker for t in speeches(meeting))
    assert counts == {
        "pia-dijkstra": 112, "blok": 42, "karabulut": 39, "de-roon": 25, "bosman": 18,
        "sjoerdsma": 16, "ploumen": 15, "van-helvert": 13, "van-den-nieuwenhuijzen": 12,
        "voordewind": 10, "van-der-staaij": 4,
    }
    assert meeting.chair == "pia-dijkstra"
    assert meeting.person("blok").role == "Minister van Buitenlandse Zaken"
    assert meeting.person("van-den-nieuwenhuijzen").party == "GroenLinks"
    assert meeting.person("pia-dijkstra").role == "voorzitter"
    assert len(meeting.present) == 11


def test_seed_header_gives_clerk_start_end_and_dossier_but_no_date(seed):
    meeting, _ = seed
    assert (meeting.clerk, meeting.start, meeting.end) == ("Meijers", "13:30", "17:18")
    assert meeting.dossier == "35 373"
    assert meeting.date is None  # the cover page is missing: never invent a date
    assert meeting.kind == "commissie"
    assert meeting.committee == "vaste commissie voor Buitenlandse Zaken"  # the chair says so


def test_seed_has_three_suspensions_as_procedural_turns(seed):
    meeting, _ = seed
    assert [(s.start, s.end) for s in meeting.suspensions] == [
        ("14:59", "15:11"), ("16:21", "16:30"), ("16:51", "17:00")]
    by_id = {t.id: t for t in meeting.turns}
    for suspension in meeting.suspensions:
        turn = by_id[suspension.turn]
        assert turn.kind == TurnKind.PROCEDURAL and turn.speaker is None
        assert "geschorst" in turn.paragraphs[0]
    procedural = [t.paragraphs[0] for t in meeting.turns if t.kind == TurnKind.PROCEDURAL]
    assert "Daartoe wordt besloten." in procedural
    assert "Sluiting 17.18 uur." in procedural


def test_seed_has_sixteen_numbered_motions_with_submitters(seed):
    meeting, _ = seed
    assert [m.number for m in meeting.motions] == [str(n) for n in range(3, 19)]
    assert {m.dossier for m in meeting.motions} == {"35 373"}
    assert meeting.motions[0].id == "35373-3"
    by_number = {m.number: m for m in meeting.motions}
    assert by_number["3"].submitters == ("Bosman", "Koopmans")
    assert by_number["3"].submitter_ids == ("bosman", None)  # Koopmans was not present
    assert by_number["6"].submitters == (
        "Sjoerdsma", "Van Helvert", "Voordewind", "Van der Staaij", "Van den Nieuwenhuijzen")
    assert by_number["11"].submitters == ("Karabulut",)
    assert by_number["16"].submitters == ("De Roon", "Wilders")


def test_seed_motion_is_split_into_considerations_and_requests(seed):
    meeting, _ = seed
    motion = next(m for m in meeting.motions if m.number == "9")
    assert [c.split()[0] for c in motion.considerations] == [
        "constaterende", "overwegende", "overwegende", "van"]
    assert motion.requests[0].startswith("verzoekt de Minister met gelijkgestemde landen")
    assert motion.text.startswith("De Kamer,\ngehoord de beraadslaging,\n")
    assert motion.text.endswith("en gaat over tot de orde van de dag.")


def test_motion_belongs_to_the_reading_turn_which_keeps_only_its_own_words(seed):
    meeting, _ = seed
    by_id = {t.id: t for t in meeting.turns}
    for motion in meeting.motions:
        turn = by_id[motion.turn]
        assert turn.kind == TurnKind.SPEECH and turn.speaker != meeting.chair
        assert not any("gehoord de beraadslaging" in p for p in turn.paragraphs)
    reading = by_id[meeting.motions[0].turn]
    assert reading.paragraphs[-1].endswith("Die dien ik in namens hem.")


def test_seed_commitments_are_the_two_dash_items_of_the_chair(seed):
    meeting, _ = seed
    texts = [c.text for c in meeting.commitments]
    assert len(texts) == 2
    assert texts[0] == ("Hij informeert de Kamer over het conflict in Nagorno-Karabach zodra "
                        "daarover meer informatie beschikbaar is.")
    assert texts[1].startswith("De Minister informeert de Kamer binnen een week")
    assert "motie-Van den Nieuwenhuijzen/Ploumen" in texts[1]
    assert {meeting.turns[int(c.turn[1:]) - 1].speaker for c in meeting.commitments} == {
        meeting.chair}


def test_no_page_furniture_in_any_turn(seed):
    meeting, _ = seed
    text = "\n".join(p for t in meeting.turns for p in t.paragraphs)
    assert "vergaderjaar" not in text
    assert not re.search(r"nr\. 19 \d", text)


def test_a_page_footer_between_label_and_text_does_not_split_the_turn(seed, seed_lines):
    meeting, _ = seed
    footer_line = next(i for i, x in enumerate(seed_lines, 1) if x.startswith("Tweede Kamer"))
    turn = [t for t in meeting.turns if t.source.line < footer_line][-1]
    assert turn.label == "De heer Bosman (VVD):"
    assert turn.paragraphs[0].startswith("Het probleem met de vragen van mevrouw Karabulut")


def test_paragraphs_end_at_short_lines_that_end_a_sentence(seed):
    meeting, _ = seed
    opening = meeting.turns[0].paragraphs
    assert len(opening) == 3
    assert opening[0].endswith("een motie waarin gevraagd is om een Ruslandstrategie.")
    assert opening[1].startswith("Ik heet de Minister en zijn ambtenaren van harte welkom.")
    # an en dash at a line start inside a sentence does not open a paragraph
    text = " ".join(p for t in meeting.turns for p in t.paragraphs)
    assert "Als onze belangen worden aangevallen – dat was duidelijk het geval –" in text


def test_seed_sections_follow_the_termijnen(seed):
    meeting, _ = seed
    assert [s.title for s in meeting.sections] == [
        "Eerste termijn van de Kamer", "Eerste termijn van de regering",
        "Tweede termijn van de Kamer", "Tweede termijn van de regering"]


def test_flattened_volkshuisvesting_has_its_labels_motions_and_suspensions():
    meeting, diagnostics = parse(VOLKSHUISVESTING)
    assert [d for d in diagnostics if d.severity != Severity.INFO] == []
    assert len(speeches(meeting)) == 138
    assert len({t.speaker for t in speeches(meeting)}) == 10
    assert meeting.title == "Staat van de Volkshuisvesting"
    assert meeting.chair == "martin-bosma"
    assert meeting.date is None  # "(CD d.d. 31/01)" is the committee debate, not this one
    assert [m.number for m in meeting.motions] == [str(n) for n in range(1136, 1152)]
    assert {m.dossier for m in meeting.motions} == {"32 847"}
    assert meeting.dossier == "32 847"
    assert ("13:07", "13:37") in [(s.start, s.end) for s in meeting.suspensions]
    assert [s.title for s in meeting.sections] == ["Moties", "Reactie van de regering"]
    by_id = {t.id: t for t in meeting.turns}
    assert by_id[meeting.sections[0].turn].label == "De heer De Hoop (GroenLinks-PvdA):"
    assert by_id[meeting.sections[1].turn].label == "Minister De Jonge:"
    text = " ".join(p for t in meeting.turns for p in t.paragraphs)
    assert "Aldus Hendrik Marsman. Het is altijd moeilijk" in text  # printed "Marsman.Het"
    assert meeting.motions[2].submitters == ("De Hoop", "Welzijn")
    assert meeting.motions[2].submitter_ids == ("de-hoop", "welzijn")


def test_flattened_lnv_has_its_labels_no_motions_and_one_suspension():
    meeting, _ = parse(LNV)
    assert len(speeches(meeting)) == 212
    assert Counter(t.label for t in speeches(meeting))["Minister Adema:"] == 81
    assert meeting.title == "Begroting Landbouw, Natuur en Voedselkwaliteit 2024"
    assert meeting.dossier == "36 410-XIV"
    assert meeting.motions == ()
    assert [(s.start, s.end) for s in meeting.suspensions] == [("13:54", "14:28")]
    assert meeting.person("tjeerd-de-groot").party == "D66"


def test_ocr_markdown_labels_and_debris_are_handled():
    meeting, diagnostics = parse(OCR)
    assert [d for d in diagnostics if d.severity != Severity.INFO] == []
    assert meeting.chair == "pia-dijkstra"
    assert [m.id for m in meeting.motions] == ["35373-3", "35373-4"]
    text = " ".join(p for t in meeting.turns for p in t.paragraphs)
    assert "\\" not in text and "$" not in text and "#" not in text and "**" not in text
    assert meeting.end == "17:18"
    assert meeting.person("blok").role == "Minister van Buitenlandse Zaken"


def test_a_broken_label_becomes_a_warning_with_file_and_line():
    text = ("Voorzitter: Pia Dijkstra\n\nDe voorzitter:\nGoedemiddag.\n\n"
            "Mevrouw Karabulut (SP:\nIk heb een vraag.\n")
    result = parse_text(text, "x.txt")
    (diagnostic,) = [d for d in result.diagnostics if d.message == "speaker label not recognised"]
    assert (diagnostic.file, diagnostic.line) == ("x.txt", 6)
    # the text is kept, not dropped
    assert "Mevrouw Karabulut (SP:" in " ".join(result.meetings[0].turns[0].paragraphs)


def test_an_unfinished_motion_stays_text_and_an_unnumbered_motion_is_reported():
    text = ("De voorzitter:\nHet woord is aan u.\n\nDe heer Bosman (VVD):\nMotie\n\nDe Kamer,\n\n"
            "gehoord de beraadslaging,\n\nverzoekt de regering iets te doen,\n\n"
            "en gaat over tot de orde van de dag.\n\nDe heer De Roon (PVV):\nMotie\n\n"
            "De Kamer, maar hier houdt het op.\n")
    meeting = parse_text(text, "x.txt").meetings[0]
    assert len(meeting.motions) == 1
    assert meeting.motions[0].id == "x-m1" and meeting.motions[0].number is None
    assert "De Kamer, maar hier houdt het op." in " ".join(meeting.turns[-1].paragraphs)


@pytest.mark.parametrize("text", [
    "", "\n\n\n", "De voorzitter:", "Motie\nDe Kamer,\n", ":" * 5000, "(" * 3000 + "Minister",
    "Zij krijgt nr. 3 (35 373).", "De heer " * 2000, "\x00\ufffd\u202e" * 100,
])
def test_odd_input_never_crashes(text):
    result = parse_text(text, "odd.txt")
    assert len(result.meetings) == 1


def test_a_new_voorzitter_line_changes_who_the_chair_label_means():
    lines = ("Voorzitter: Pia Dijkstra\nGriffier: Meijers\n\nDe voorzitter:\n"
             "Ik open de vergadering.\n\nDe heer Bosman (VVD):\nDank u.\n\n"
             "Voorzitter: Van Helvert\n\nDe voorzitter:\n"
             "Het woord is aan u.\n")
    meeting = parse_text(lines, "x.txt").meetings[0]
    assert meeting.chair == "pia-dijkstra"
    assert [t.speaker for t in meeting.turns] == ["pia-dijkstra", "bosman", None, "van-helvert"]
    # flattened text: the new chair's name runs straight into the next label
    head = ("Voorzitter: Martin Bosma Aan de orde is het debat. De voorzitter: Welkom. "
            "De heer Bosman (VVD): Dank u. ")
    flat = head + "Voorzitter: Tom van der Lee De voorzitter: Het woord is aan u. " + " " * 3000
    meeting = parse_text(flat, "y.txt").meetings[0]
    assert [t.speaker for t in meeting.turns if t.label == "De voorzitter:"] == [
        "martin-bosma", "tom-van-der-lee"]


# The cover page of a committee report ("verslag"), which the seed's extraction
# lost, in the shape Kamerstukken print it (constructed: no extraction with its
# cover is available here), in front of the seed's first page.
COVER = """Tweede Kamer der Staten-Generaal 2
Vergaderjaar 2020–2021

35 373 Ruslandstrategie

Nr. 19 VERSLAG VAN EEN NOTAOVERLEG
Vastgesteld 21 oktober 2020

De vaste commissie voor Buitenlandse Zaken heeft op 28 september 2020
overleg gevoerd met de heer Blok, Minister van Buitenlandse Zaken, over:
– de notitie van de Minister van Buitenlandse Zaken d.d. 23 juni 2020
inzake Ruslandstrategie (Kamerstuk 35 373, nr. 1).

Van dit overleg brengt de commissie bijgaand geredigeerd woordelijk verslag uit.

De voorzitter van de commissie,
Pia Dijkstra

De griffier van de commissie,
Meijers

"""


def test_a_cover_page_gives_title_date_dossier_and_committee(seed_lines):
    text = COVER + "\n".join(seed_lines[:40])
    result = parse_text(text, "cover.txt")
    meeting = result.meetings[0]
    assert [d.format() for d in result.diagnostics if d.severity != Severity.INFO] == []
    assert (meeting.title, meeting.date, meeting.dossier) == (
        "Ruslandstrategie", "2020-09-28", "35 373")  # "Vastgesteld 21 oktober" is not it
    assert meeting.committee == "vaste commissie voor Buitenlandse Zaken"
    assert meeting.id == "2020-09-28-ruslandstrategie"
    first = meeting.turns[0]
    assert first.kind == TurnKind.PROCEDURAL
    assert first.paragraphs[0].endswith("inzake Ruslandstrategie (Kamerstuk 35 373, nr. 1).")
    assert meeting.turns[1].speaker == "pia-dijkstra"


def test_a_label_wrapped_in_a_narrow_column_is_still_one_label():
    text = ("Voorzitter: Martin Bosma\n\nDe voorzitter:\nHet woord is aan de minister.\n\n"
            "Minister voor Natuur en Stikstof Van der\nWal:\nDank u wel.\n\n"
            "Mevrouw Van der Plas\n(BBB):\nJa.\n")
    meeting = parse_text(text, "x.txt").meetings[0]
    assert [(t.label, t.speaker, t.source.line) for t in meeting.turns] == [
        ("De voorzitter:", "martin-bosma", 3),
        ("Minister voor Natuur en Stikstof Van der Wal:", "van-der-wal", 6),
        ("Mevrouw Van der Plas (BBB):", "van-der-plas", 10)]
    assert meeting.person("van-der-wal").role == "Minister voor Natuur en Stikstof"


def test_flattened_text_rejoins_line_end_hyphens_but_keeps_compounds():
    meeting, _ = parse(LNV)
    text = " ".join(p for t in meeting.turns for p in t.paragraphs)
    assert "hun inleidingen gewoon" in text  # printed "inlei-dingen" at a line end
    assert "inlei-dingen" not in text
    for compound in ("publiek-privaat", "grootvee-eenheden", "collega-ministers",
                     "mini-eilandje"):
        assert compound in text


# --- robustness: forms of the genre beyond the seed (docs/parser.md) ----------

# The opening of a plenary Handelingen day (real: the 2014 plenary of the VLOS
# corpus file, as printed), a committee report's cover, labels at a page start,
# wrapped and office-only labels, stage directions and a chair change.
PLENARY = """14e vergadering
Woensdag 15 oktober 2014
Aanvang 10.15 uur
Sluiting 22.41 uur
Voorzitter: Van Miltenburg
Aanwezig zijn 117 leden der Kamer, te weten:
Agema, Arib, Van Ark, Rutte en Yücel,
en de heer Dijsselbloem, minister van Financiën, mevrouw Klijnsma, staats-
secretaris van Sociale Zaken en Werkgelegenheid, en de heer Rutte, minister-
president, minister van Algemene Zaken.

De voorzitter:
Ik deel aan de Kamer mee dat het volgende lid zich heeft afgemeld:
Knops, voor vandaag en morgen.

1 Europese Top
Aan de orde is het debat over de agenda van de Europese Top van 23 en 24 oktober.

De voorzitter:
Ik heet de minister-president van harte welkom.

Minister Rutte:
Voorzitter. Dank u wel.

(Hilariteit)

De heer Van den
Nieuwenhuijzen (GroenLinks):
Ik heb een vraag.

Tweede Kamer, vergaderjaar 2014–2015, 21 501-20, nr. 915 3



 De staatssecretaris:
Dat is niet aan mij.

De vergadering wordt enkele ogenblikken geschorst.

Voorzitter: Arib

De voorzitter:
Het woord is aan de heer Pechtold.

De heer Pechtold (D66):
Dank u wel.

(Applaus)

Overeenkomstig de voorstellen van de voorzitter wordt besloten.
"""


@pytest.fixture(scope="module")
def plenary():
    result = parse_text(PLENARY, "plenary.txt")
    return result.meetings[0], result.diagnostics


def test_plenary_header_gives_date_start_end_chair_and_offices_in_lower_case(plenary):
    meeting, diagnostics = plenary
    assert (meeting.kind, meeting.date, meeting.start, meeting.end, meeting.chair) == (
        "plenair", "2014-10-15", "10:15", "22:41", "van-miltenburg")
    assert [d for d in diagnostics if d.severity is not Severity.INFO] == []
    roles = {p.id: p.role for p in meeting.people}
    assert roles["klijnsma"] == "staatssecretaris van Sociale Zaken en Werkgelegenheid"
    assert roles["rutte"] == "lid"  # the member Rutte, beside Minister-President Rutte
    assert roles["rutte-minister-president"] == "minister-president, minister van Algemene Zaken"


@pytest.mark.parametrize(("label", "speaker"), [
    ("Minister Rutte:", "rutte-minister-president"),  # the minister, not the member
    ("De heer Van den Nieuwenhuijzen (GroenLinks):", "van-den-nieuwenhuijzen"),  # wrapped
    ("De staatssecretaris:", "klijnsma"),  # office only, at a page start
    ("De heer Pechtold (D66):", "pechtold"),
])
def test_genre_labels_resolve_to_their_speaker(plenary, label, speaker):
    meeting, _ = plenary
    assert [t.speaker for t in meeting.turns if t.label == label] == [speaker]


def test_agenda_item_stage_directions_and_decisions_are_procedural(plenary):
    meeting, _ = plenary
    procedural = [t.paragraphs[0] for t in meeting.turns if t.kind == TurnKind.PROCEDURAL]
    assert procedural == [
        "1 Europese Top Aan de orde is het debat over de agenda van de Europese Top van 23 en "
        "24 oktober.",
        "(Hilariteit)", "De vergadering wordt enkele ogenblikken geschorst.", "Voorzitter: Arib",
        "(Applaus)", "Overeenkomstig de voorstellen van de voorzitter wordt besloten."]
    assert [(s.start, s.end) for s in meeting.suspensions] == [(None, None)]
    chair_turns = [t.speaker for t in meeting.turns if t.label == "De voorzitter:"]
    assert chair_turns == ["van-miltenburg", "van-miltenburg", "arib"]


def test_an_amended_motion_read_by_the_chair_gets_its_number_and_submitter():
    # Real: Handelingen 5 April 2018, stemmingen (tk-ohxml-20180405-h70-6).
    text = """De voorzitter:
De motie-Wassenberg (21501-08, nr. 719) is in die zin gewijzigd dat zij
thans luidt:

Motie

De Kamer,

gehoord de beraadslaging,

verzoekt de regering om te onderzoeken hoe een reductie van het aantal
gehouden dieren in Nederland kan bijdragen aan een verbetering van de
luchtkwaliteit,

en gaat over tot de orde van de dag.

Naar mij blijkt, wordt de indiening ervan voldoende ondersteund.
Zij krijgt nr. 726, was nr. 719 (21501-08).
"""
    (meeting,) = parse_text(text, "x.txt").meetings
    (motion,) = meeting.motions
    assert (motion.number, motion.replaces, motion.dossier, motion.submitters) == (
        "726", "719", "21 501-08", ("Wassenberg",))


def test_a_flattened_committee_report_gives_its_cover_facts():
    # Real: the opening of the 2018 AO Financiële markten (VLOS corpus file), flattened.
    text = ("Verslag van een algemeen overleg De vaste commissie voor Financiën heeft op "
            "8 november 2018 overleg gevoerd met de heer Hoekstra, minister van Financiën, over "
            "Financiële markten. De voorzitter van de vaste commissie voor Financiën, Anne "
            "Mulder De griffier van de vaste commissie voor Financiën, Weeber Voorzitter: Anne "
            "Mulder Griffier: Weeber Aanwezig zijn acht leden der Kamer, te weten: Tony van "
            "Dijck, Leijten en Snels, en de heer Hoekstra, minister van Financiën. Aanvang 14.01 "
            "uur. De voorzitter: Ik open dit algemeen overleg Financiële markten. Minister "
            "Hoekstra: Dank u wel.")
    result = parse_text(text, "x.txt")
    (meeting,) = result.meetings
    assert (meeting.kind, meeting.date, meeting.chair, meeting.clerk, meeting.start) == (
        "commissie", "2018-11-08", "anne-mulder", "Weeber", "14:01")
    assert meeting.committee == "vaste commissie voor Financiën"
    assert [t.speaker for t in meeting.turns if t.label] == ["anne-mulder", "hoekstra"]
    assert [d for d in result.diagnostics if d.severity is not Severity.INFO] == []


def test_closing_sentence_gives_the_end_time_and_ocr_running_heads_are_furniture():
    page = "\n\n## Tweede Kamer\n\n**8 februari 2024**\n\n"
    text = ("## De voorzitter:\n\nIk open de vergadering.\n" + page
            + "## De heer Stoffer (SGP):\n\nDank u wel.\n" + page
            + "## De voorzitter:\n\nDank u wel.\n" + page
            + "De vergadering wordt om 13.07 uur gesloten.\n")
    (meeting,) = parse_text(text, "x.md").meetings
    assert meeting.end == "13:07" and meeting.date == "2024-02-08"
    assert [p for t in meeting.turns for p in t.paragraphs] == [
        "Ik open de vergadering.", "Dank u wel.", "Dank u wel.",
        "De vergadering wordt om 13.07 uur gesloten."]


def test_the_speaker_goes_on_after_a_stage_direction_without_a_warning():
    text = ("Voorzitter: Arib\n\nDe heer Pechtold (D66):\nIk zeg dit.\n\n(Hilariteit)\n\n"
            "Ik ga verder.\n\nDe vergadering wordt geschorst.\n\nDaarna zonder label.\n")
    result = parse_text(text, "x.txt")
    turns = [(t.label, t.paragraphs) for t in result.meetings[0].turns]
    assert turns[:3] == [("De heer Pechtold (D66):", ("Ik zeg dit.",)), ("", ("(Hilariteit)",)),
                         ("De heer Pechtold (D66):", ("Ik ga verder.",))]
    # after any other procedural line, unannounced text is still reported
    assert [d.line for d in result.diagnostics
            if d.message == "text after a procedural line has no speaker label"] == [12]
