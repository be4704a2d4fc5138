"""Votes on motions from the chair's words; sentences are real Handelingen text
(tk-ohxml-20180405-h70-6-stemmingen.xml and the 2014 VLOS plenary)."""

from __future__ import annotations

from generator.ingest.votes import OTHERS, attach_votes, find_votes, parse_parties
from generator.model import Motion, Source, Turn

RESULT_722 = (
    "Ik constateer dat de leden van de fracties van de SP, de PvdA, GroenLinks, de PvdD, "
    "DENK, 50PLUS, D66, de SGP, het CDA en de ChristenUnie voor deze motie hebben gestemd "
    "en de leden van de overige fracties ertegen, zodat zij is aangenomen.")


def turn(n: int, *paragraphs: str, label: str = "De voorzitter:") -> Turn:
    return Turn(f"t{n:04d}", None, label, paragraphs, Source("x.txt", n))


def motion(number: str, dossier: str = "21501-08") -> Motion:
    return Motion(f"{dossier}-{number}", number, dossier, ("Wassenberg",), (None,),
                  "De Kamer, …", (), (), "t0001", Source("x.txt", 1))


def test_parties_are_split_and_their_articles_dropped():
    assert parse_parties("de leden van de fracties van de SP, de PvdA, GroenLinks, de PvdD, "
                         "DENK en 50PLUS") == ("SP", "PvdA", "GroenLinks", "PvdD", "DENK",
                                               "50PLUS")
    assert parse_parties("de leden van de overige fracties") == (OTHERS,)
    assert parse_parties("de leden van de fractie van de PVV") == ("PVV",)


def test_split_factions_and_single_members_keep_their_names():
    assert parse_parties("de leden van de fracties van de VVD, 50PLUS/Klein en "
                         "50PLUS/Baay-Timmerman") == ("VVD", "50PLUS/Klein",
                                                      "50PLUS/Baay-Timmerman")
    assert parse_parties("de leden van de fractie van de SP en het lid Klein") == ("SP", "Klein")


def test_vote_announced_in_the_next_turn_is_paired_with_its_motion():
    turns = (
        turn(1, "In stemming komt de motie-Laçin/Beckerman (21501-08, nr. 722)."),
        turn(2, RESULT_722),
    )
    (found,) = find_votes(turns)
    assert (found.number, found.dossier, found.names) == ("722", "21501-08", "Laçin/Beckerman")
    assert found.vote.result == "aangenomen"
    assert found.vote.parties_for[-3:] == ("SGP", "CDA", "ChristenUnie")
    assert found.vote.parties_against == (OTHERS,)
    assert found.vote.turn == "t0002"


def test_vote_on_a_motion_read_out_here_is_attached_to_it():
    turns = (turn(1, "In stemming komt de motie-Wassenberg (21501-08, nr. 722)."),
             turn(2, RESULT_722))
    (voted,), diags = attach_votes((motion("722"),), turns, "x.txt")
    assert voted.vote.result == "aangenomen" and voted.text == "De Kamer, …"
    assert diags == []


def test_vote_on_a_motion_not_read_out_here_creates_a_stub():
    turns = (turn(1, "In stemming komt de motie-Kröger (21501-08, nr. 724). " + RESULT_722),)
    (stub,), _ = attach_votes((), turns, "x.txt")
    assert (stub.id, stub.number, stub.dossier, stub.title) == (
        "21501-08-724", "724", "21501-08", "motie-Kröger")
    assert stub.text == "" and stub.submitters == ("Kröger",) and stub.turn is None
    assert stub.vote.result == "aangenomen"


def test_amended_motion_vote_records_what_it_replaces():
    turns = (
        turn(1, "In stemming komt de gewijzigde motie-Wassenberg "
                "(21501-08, nr. 726, was nr. 719)."),
        turn(2, "Ik constateer dat de leden van de fracties van de SP, de PvdA, GroenLinks, de "
                "PvdD, DENK en 50PLUS voor deze gewijzigde motie hebben gestemd en de leden van "
                "de overige fracties ertegen, zodat zij is verworpen."),
    )
    (stub,), _ = attach_votes((), turns, "x.txt")
    assert stub.number == "726" and stub.replaces == "719"
    assert stub.vote.result == "verworpen"
    assert stub.vote.parties_for == ("SP", "PvdA", "GroenLinks", "PvdD", "DENK", "50PLUS")


def test_unanimous_vote_has_no_sides():
    turns = (turn(1, "In stemming komt de motie-Graus (21501-08, nr. 730).",
                  "Ik constateer dat deze motie met algemene stemmen is aangenomen."),)
    (stub,), _ = attach_votes((), turns, "x.txt")
    assert (stub.vote.result, stub.vote.parties_for, stub.vote.parties_against) == (
        "aangenomen", (), ())


def test_result_without_a_motion_in_stemming_is_ignored():
    assert find_votes((turn(1, RESULT_722),)) == []


def test_withdrawn_and_taken_over_motions_get_that_verdict():
    turns = (
        turn(1, "Aangezien de motie-Segers/Van Haersma Buma (21501-20, nr. 917) is ingetrokken, "
                "maakt zij geen onderwerp van beraadslaging meer uit."),
        turn(2, "Aangezien de motie-Wassenberg (21501-08, nr. 722) is overgenomen, maakt zij "
                "geen onderwerp van beraadslaging meer uit."),
    )
    motions = (motion("917", "21501-20"), motion("722"))
    (withdrawn, taken), _ = attach_votes(motions, turns, "x.txt")
    assert withdrawn.verdict.kind == "ingetrokken" and withdrawn.verdict.turn == "t0001"
    assert taken.verdict.kind == "overgenomen" and taken.verdict.turn == "t0002"


def test_explicit_against_side_is_read_too():
    turns = (turn(1, "In stemming komt de motie-Klaver c.s. (21501-20, nr. 918).",
                  "Ik constateer dat de leden van de fracties van GroenLinks, de SP en "
                  "50PLUS/Klein voor deze motie hebben gestemd en de leden van de fractie van "
                  "de PVV ertegen, zodat zij is aangenomen."),)
    (stub,), _ = attach_votes((), turns, "x.txt")
    assert stub.vote.parties_for == ("GroenLinks", "SP", "50PLUS/Klein")
    assert stub.vote.parties_against == ("PVV",)
    assert stub.submitters == ("Klaver",) and stub.title == "motie-Klaver c.s."
