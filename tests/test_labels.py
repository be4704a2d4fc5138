"""Table tests of speaker labels: real labels from the seed and the flattened
corpus files (tussenvoegsels, hyphenated parties, labels at a page start), a few
genre forms they lack (marked), and real lines that only start with a name."""

from __future__ import annotations

import pytest

from generator.ingest.labels import (
    CHAIR,
    GOVERNMENT,
    MEMBER,
    find_inline_labels,
    looks_like_label,
    parse_label_line,
    parse_label_start,
)

# (line as printed, kind, name, party, role)
REAL_LABELS = [
    ("De voorzitter: ", CHAIR, None, None, None),
    ("De heer Bosman (VVD): ", MEMBER, "Bosman", "VVD", None),
    ("Mevrouw Karabulut (SP): ", MEMBER, "Karabulut", "SP", None),
    ("De heer Van den Nieuwenhuijzen (GroenLinks): ", MEMBER, "Van den Nieuwenhuijzen",
     "GroenLinks", None),
    ("De heer De Roon (PVV): ", MEMBER, "De Roon", "PVV", None),
    ("De heer Van der Staaij (SGP): ", MEMBER, "Van der Staaij", "SGP", None),
    ("De heer Voordewind (ChristenUnie): ", MEMBER, "Voordewind", "ChristenUnie", None),
    ("Minister Blok: ", GOVERNMENT, "Blok", None, "Minister"),
    # page starts: the first line of a new page begins with a space
    (" De heer Van Helvert (CDA): ", MEMBER, "Van Helvert", "CDA", None),
    (" Minister Blok: ", GOVERNMENT, "Blok", None, "Minister"),
    (" De voorzitter: ", CHAIR, None, None, None),
    # flattened corpus files (2024)
    ("De heer De Hoop (GroenLinks-PvdA):", MEMBER, "De Hoop", "GroenLinks-PvdA", None),
    ("Mevrouw Nijhof-Leeuw (PVV):", MEMBER, "Nijhof-Leeuw", "PVV", None),
    ("De heer Tjeerd de Groot (D66):", MEMBER, "Tjeerd de Groot", "D66", None),
    ("De heer Peter de Groot (VVD):", MEMBER, "Peter de Groot", "VVD", None),
    ("Mevrouw Van der Plas (BBB):", MEMBER, "Van der Plas", "BBB", None),
    ("Mevrouw Ouwehand (PvdD):", MEMBER, "Ouwehand", "PvdD", None),
    ("Minister De Jonge:", GOVERNMENT, "De Jonge", None, "Minister"),
    ("Minister Adema:", GOVERNMENT, "Adema", None, "Minister"),
]

# Genre forms not in the files here (constructed from the Handelingen conventions).
GENRE_LABELS = [
    ("Staatssecretaris Van Ark:", GOVERNMENT, "Van Ark", None, "Staatssecretaris"),
    ("Minister-President Rutte:", GOVERNMENT, "Rutte", None, "Minister-President"),
    ("Minister voor Natuur en Stikstof Van der Wal:", GOVERNMENT, "Van der Wal", None,
     "Minister voor Natuur en Stikstof"),
    ("Minister Van der Wal-Zeggelink:", GOVERNMENT, "Van der Wal-Zeggelink", None, "Minister"),
    ("Staatssecretaris Van Veldhoven-van der Meer:", GOVERNMENT, "Van Veldhoven-van der Meer",
     None, "Staatssecretaris"),
    ("Minister Van 't Wout:", GOVERNMENT, "Van 't Wout", None, "Minister"),
    ("Mevrouw Simons (BIJ1):", MEMBER, "Simons", "BIJ1", None),
    ("Mevrouw Teunissen (Partij voor de Dieren):", MEMBER, "Teunissen",
     "Partij voor de Dieren", None),
    ("De heer Eerdmans (JA21):", MEMBER, "Eerdmans", "JA21", None),
    ("Mevrouw Den Haan (50PLUS):", MEMBER, "Den Haan", "50PLUS", None),
    ("De heer Van Haga (Groep Van Haga):", MEMBER, "Van Haga", "Groep Van Haga", None),
    ("De heer Omtzigt (Lid Omtzigt):", MEMBER, "Omtzigt", "Lid Omtzigt", None),
    # Office only, no name (resolved through the attendance list).
    ("De minister:", GOVERNMENT, None, None, "Minister"),
    ("De staatssecretaris:", GOVERNMENT, None, None, "Staatssecretaris"),
    ("De Minister-President:", GOVERNMENT, None, None, "Minister-President"),
    # Real 2014/2018 labels from the XML corpus files.
    ("De heer Klein (50PLUS/Klein):", MEMBER, "Klein", "50PLUS/Klein", None),
    ("Mevrouw Berndsen-Jansen (D66):", MEMBER, "Berndsen-Jansen", "D66", None),
    ("De heer Van Haersma Buma (CDA):", MEMBER, "Van Haersma Buma", "CDA", None),
    ("De heer Jasper van Dijk (SP):", MEMBER, "Jasper van Dijk", "SP", None),
    ("Mevrouw Aukje de Vries (VVD):", MEMBER, "Aukje de Vries", "VVD", None),
    ("De heer Wörsdörfer (VVD):", MEMBER, "Wörsdörfer", "VVD", None),
    ("Staatssecretaris Keijzer:", GOVERNMENT, "Keijzer", None, "Staatssecretaris"),
]

# Real lines from the seed that start like a label but are running text.
REAL_NON_LABELS = [
    "Voorzitter: Pia Dijkstra ",
    "Voorzitter, doen we die interruptie dan met twee vervolgvragen? ",
    "Voorzitter. Ten aanzien van Rusland is de VVD voorstander van een beleid ",
    "Mevrouw Karabulut zegt heel veel waar ik op wil reageren. Ik ben het er ",
    "Mevrouw Karabulut in tweede instantie. ",
    "Mevrouw Karabulut, toe nou! We willen zo graag proberen om het een ",
    "Minister daartoe bereid? Daarnaast willen we dat dit kabinet zich veel ",
    "Minister Blok op dat voorstel. ",
    "De heer Bosman vroeg mij om ook in te gaan op eventueel militair ",
    "De voorzitter heeft haar al weerlegd. ",
    "Deze motie is voorgesteld door de leden Bosman en Koopmans. Naar mij ",
    "De Kamer, ",
]


@pytest.mark.parametrize(("line", "kind", "name", "party", "role"), REAL_LABELS + GENRE_LABELS)
def test_label_on_its_own_line_is_parsed(line, kind, name, party, role):
    label = parse_label_line(line)
    assert label is not None, line
    assert (label.kind, label.name, label.party, label.role) == (kind, name, party, role)
    assert label.text == line.strip()


@pytest.mark.parametrize("line", REAL_NON_LABELS)
def test_running_text_that_starts_with_a_name_is_not_a_label(line):
    assert parse_label_line(line) is None


def test_label_inside_flattened_text_needs_a_sentence_end_before_it():
    text = ("Het woord is aan hem. De heer De Hoop (GroenLinks-PvdA): Dank, voorzitter. "
            "Zij krijgt nr. 1138 (32847).De heer De Hoop (GroenLinks-PvdA): Dan mijn laatste "
            "motie. Mevrouw Beckerman van de SP. Mevrouw Beckerman (SP): Helemaal eens. "
            "De voorzitter: Helder. De heer Flach. Minister Adema:Het is belangrijk. "
            "Ik vraag de minister Adema: hoe zit het?")
    labels = [label for _, _, label in find_inline_labels(text)]
    assert [(x.kind, x.name) for x in labels] == [
        (MEMBER, "De Hoop"), (MEMBER, "De Hoop"), (MEMBER, "Beckerman"), (CHAIR, None),
        (GOVERNMENT, "Adema"),
    ]


def test_markdown_heading_and_bold_labels_are_parsed_with_the_rest_of_the_line():
    label, rest = parse_label_start("## De heer Bosman (VVD):")
    assert (label.name, label.party, rest) == ("Bosman", "VVD", "")
    label, rest = parse_label_start("**De voorzitter:** Deze motie is voorgesteld door het lid X.")
    assert label.kind == CHAIR
    assert rest == "Deze motie is voorgesteld door het lid X."


def test_a_broken_label_is_noticed_for_a_diagnostic():
    assert parse_label_line("Mevrouw Karabulut (SP:") is None
    assert looks_like_label("Mevrouw Karabulut (SP:")
    assert not looks_like_label("Mevrouw Karabulut zegt heel veel waar ik op wil reageren.")


def test_labels_resolve_to_the_people_of_the_header():
    from generator.people import build_roster

    roster = build_roster(
        "Pia Dijkstra", ("Bosman", "Pia Dijkstra", "Van den Nieuwenhuijzen"),
        (("Blok", "Minister van Buitenlandse Zaken"),))
    assert roster.resolve(parse_label_line("De voorzitter:")) == "pia-dijkstra"
    assert roster.resolve(parse_label_line("Minister Blok:")) == "blok"
    assert roster.resolve(parse_label_line(
        "De heer Van den Nieuwenhuijzen (GroenLinks):")) == "van-den-nieuwenhuijzen"
    # a surname finds the fuller name; a name nobody listed becomes a new person
    assert roster.find("Dijkstra") == "pia-dijkstra"
    assert roster.resolve(parse_label_line("Mevrouw Karabulut (SP):")) == "karabulut"
    people = {p.id: p for p in roster.people()}
    assert people["blok"].role == "Minister van Buitenlandse Zaken"
    assert people["van-den-nieuwenhuijzen"].party == "GroenLinks"
    assert people["pia-dijkstra"].role == "voorzitter"
    assert people["karabulut"].role == "lid"
    assert "karabulut" not in roster.present


def test_two_people_with_one_surname_are_told_apart_by_first_name_or_party():
    from generator.people import build_roster

    roster = build_roster(None, (), ())
    tjeerd = roster.resolve(parse_label_line("De heer Tjeerd de Groot (D66):"))
    peter = roster.resolve(parse_label_line("De heer Peter de Groot (VVD):"))
    assert (tjeerd, peter) == ("tjeerd-de-groot", "peter-de-groot")
    assert roster.find("De Groot") is None  # ambiguous: no guess
    first = roster.resolve(parse_label_line("De heer Jansen (SP):"))
    second = roster.resolve(parse_label_line("De heer Jansen (VVD):"))
    assert first != second
    assert roster.resolve(parse_label_line("De voorzitter:")) is None  # no chair named


def test_an_office_with_commas_in_the_attendance_list_is_read_whole():
    from generator.ingest.header import parse_attendance

    members, government, leftover = parse_attendance(
        "Bosman en Voordewind, en de heer Slob, Minister voor Basis- en Voortgezet Onderwijs "
        "en Media, en mevrouw Van Engelshoven, Minister van Onderwijs, Cultuur en Wetenschap.")
    assert members == ("Bosman", "Voordewind")
    assert government == (
        ("Slob", "Minister voor Basis- en Voortgezet Onderwijs en Media"),
        ("Van Engelshoven", "Minister van Onderwijs, Cultuur en Wetenschap"))
    assert leftover == ""
