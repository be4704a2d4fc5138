"""The government's verdicts on motions, from real turns of the seed transcript
and the flattened volkshuisvesting transcript (copied text, real paragraphs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.ingest.text import parse_text
from generator.ingest.verdicts import attach_verdicts, classify, split_sentences
from generator.model import Motion, Source, Turn, TurnKind, VerdictKind

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"
CORPUS = ROOT / "tests" / "data" / "corpus"
VOLKSHUISVESTING = CORPUS / "tk-pdftxt-20240208-tmd-volkshuisvesting.txt"
FILE = "transcripts/000_80043238be0c1716.txt"
K = VerdictKind


def motion(number: str, turn: str = "t0001") -> Motion:
    return Motion(id=f"35373-{number}", number=number, dossier="35 373", submitters=(),
                  submitter_ids=(), text="De Kamer, gehoord de beraadslaging, …", considerations=(),
                  requests=(), turn=turn, source=Source(FILE, 2700))


def turn(tid: str, label: str, *paragraphs: str, speaker: str | None = None,
         line: int = 3300, kind: TurnKind = TurnKind.SPEECH) -> Turn:
    return Turn(tid, speaker, label, tuple(paragraphs), Source(FILE, line), kind)


CHAIR = "pia-dijkstra"
READ = turn("t0001", "De voorzitter:", "Zij krijgt nr. 3 (35 373).", speaker=CHAIR, line=2730)


def chair(tid: str, *paragraphs: str, line: int = 3300) -> Turn:
    return turn(tid, "De voorzitter:", *paragraphs, speaker=CHAIR, line=line)


def blok(tid: str, *paragraphs: str, line: int = 3300) -> Turn:
    return turn(tid, "Minister Blok:", *paragraphs, speaker="blok", line=line)


def verdicts_of(motions, turns):
    result, diags = attach_verdicts(tuple(motions), (READ, *turns), CHAIR, FILE)
    return {m.number: m.verdict for m in result}, diags


# Seed lines 3342-3356: nr. 3 oordeel Kamer, nr. 4 ontraden, nr. 5 a request to hold.
SEED_3_TO_5 = (
    "Dank u wel, voorzitter. Ik zal de moties aflopen, omdat de hele termijn daar eigenlijk op "
    "gericht was. De motie op stuk nr. 3 van de heer Bosman en de heer Koopmans roept het "
    "kabinet op om vast te houden aan de sancties zolang niet aan de voorwaarden voor opheffing "
    "wordt voldaan. Die motie laat ik graag aan het oordeel van de Kamer. De motie op stuk nr. 4 "
    "van de heren Van den Nieuwenhuijzen, Sjoerdsma en Voordewind gaat over Nord Stream 2 en "
    "verzoekt de regering er bij Duitsland en de Commissie voor te pleiten dat de eisen van de "
    "Gasrichtlijn zo strikt mogelijk worden getoetst. Ik heb al aangegeven dat, nu er een "
    "richtlijn is, de toepassing in individuele gevallen niet aan mij is, maar aan de rechter. "
    "De zaak ligt ook voor de rechter. Er is een eerste rechtelijke uitspraak geweest in "
    "Duitsland en er is hoger beroep aangetekend. Ik vind het niet rechtsstatelijk dat ik me ga "
    "bemoeien met een individuele zaak die voor de rechter ligt. Om die reden ontraad ik de "
    "motie. De motie op stuk nr. 5 van de heer Van den Nieuwenhuijzen en mevrouw Ploumen "
    "verzoekt de regering het Neso-kantoor in Rusland niet te sluiten zolang er geen "
    "alternatief is. Ik wil de indieners vragen om die motie aan te houden, want ik wil echt "
    "even met mijn collega van Onderwijs kunnen overleggen en daar schriftelijk op terugkomen."
)
NIEUWENHUIJZEN = "De heer Van den Nieuwenhuijzen (GroenLinks):"


def test_a_verdict_applies_to_the_motion_the_minister_named_last():
    found, diags = verdicts_of([motion("3"), motion("4"), motion("5")],
                               [blok("t0269", SEED_3_TO_5, line=3341)])
    assert found["3"].kind == K.OORDEEL_KAMER
    assert found["3"].quote == "Die motie laat ik graag aan het oordeel van de Kamer."
    assert found["4"].kind == K.ONTRADEN and found["4"].turn == "t0269"
    assert found["4"].source == Source(FILE, 3341)


def test_a_held_motion_is_aangehouden_at_the_chairs_decision():
    turns = [
        blok("t0269", SEED_3_TO_5, line=3341),
        chair("t0270", "Ik zie de indieners knikken."),
        turn("t0273", NIEUWENHUIJZEN, "Dan houden we de motie tot die tijd aan.",
             speaker="van-den-nieuwenhuijzen"),
        chair("t0274", "Op verzoek van de heer Van den Nieuwenhuijzen stel ik voor zijn motie "
              "(35 373, nr. 5) aan te houden.", line=3373),
        turn("t0275", "", "Daartoe wordt besloten.", kind=TurnKind.PROCEDURAL, line=3377),
    ]
    found, _ = verdicts_of([motion("3"), motion("4"), motion("5")], turns)
    assert found["5"].kind == K.AANGEHOUDEN
    assert (found["5"].turn, found["5"].source.line) == ("t0274", 3373)


def test_a_hold_the_member_agrees_to_counts_even_without_the_chairs_formula():
    turns = [blok("t0269", SEED_3_TO_5),
             turn("t0273", NIEUWENHUIJZEN, "Dan houden we de motie tot die tijd aan.",
                  speaker="van-den-nieuwenhuijzen")]
    found, _ = verdicts_of([motion("3"), motion("4"), motion("5")], turns)
    assert (found["5"].kind, found["5"].turn) == (K.AANGEHOUDEN, "t0273")


def test_an_unanswered_request_to_hold_is_a_warning_and_no_verdict():
    motions = [motion("3"), motion("4"), motion("5")]
    found, diags = verdicts_of(motions, [blok("t0269", SEED_3_TO_5)])
    assert found["5"] is None
    assert any("asked to hold motion nr. 5" in d.message for d in diags)


def test_a_reservation_makes_oordeel_kamer_met_kanttekening():
    text = ("De motie op stuk nr. 7 van dezelfde indieners verzoekt de regering de "
            "visumprocedure voor de groepen studenten, wetenschappers, journalisten en "
            "kunstenaars te versimpelen. Ik wil een knip maken. Maar ik ga mijn best doen waar "
            "er nationaal speelruimte is. Met die kanttekening laat ik het oordeel over de motie "
            "aan de Kamer.")
    found, _ = verdicts_of([motion("7")], [blok("t0277", text)])
    assert found["7"].kind == K.OORDEEL_KAMER_MET_KANTTEKENING


def test_an_interpretation_the_member_accepts_makes_met_interpretatie():
    text = ("De motie op stuk nr. 12 van de heer Van der Staaij verzoekt de regering zich ook in "
            "EU-verband te blijven inspannen. Als ik het zo mag interpreteren dat de collega van "
            "EZK en ik gezamenlijk met een brief over de energieafhankelijkheid bij u terugkomen, "
            "laat ik haar graag aan het oordeel van de Kamer.")
    turns = [blok("t0291", text),
             chair("t0292", "Dat mag, aan het knikken van de heer Van der Staaij te zien."),
             turn("t0293", "De heer Van der Staaij (SGP):", "Ik ben akkoord daarmee, ja.",
                  speaker="van-der-staaij")]
    found, _ = verdicts_of([motion("12")], turns)
    assert (found["12"].kind, found["12"].turn) == (K.OORDEEL_KAMER_MET_INTERPRETATIE, "t0291")


def test_an_interruption_and_a_first_mention_do_not_give_nr_10_a_verdict_too_early():
    turns = [
        blok("t0285", "Dus deze moet ik ontraden.", "Dan de motie op stuk nr. 10 van mevrouw "
             "Karabulut."),
        turn("t0286", "Mevrouw Karabulut (SP):", "Eén vraag daarover: wat is erop tegen om dit "
             "ook in Europees verband op te pakken?", speaker="karabulut"),
        blok("t0287", "Daarom wil ik niet buiten NAVO-verband onderhandelen over de "
             "consequenties van het opzeggen van het INF-verdrag."),
        chair("t0290", "Gaat u verder."),
        blok("t0291", "De volgende motie, die op stuk nr. 10, is ook van mevrouw Karabulut. Dat "
             "is onze inzet, dus deze laat ik graag aan het oordeel van de Kamer.", line=3479),
    ]
    found, _ = verdicts_of([motion("9"), motion("10")], turns)
    assert found["10"].kind == K.OORDEEL_KAMER and found["10"].turn == "t0291"


def test_a_back_reference_to_an_earlier_verdict_is_not_a_new_verdict():
    turns = [
        blok("t0285", "Dan de volgende motie, die op stuk nr. 8, van de heer Voordewind. Dat is "
             "mijn inzet, dus deze laat ik graag aan het oordeel van de Kamer.", line=3434),
        blok("t0298", "Dan de motie op stuk nr. 18 van de heren Van Helvert, Voordewind en Van "
             "der Staaij. De eerste twee alinea’s sluiten erg aan bij de motie van de heer "
             "Voordewind, die ik al eerder oordeel Kamer had gegeven, maar de laatste alinea gaat "
             "nu al uit van een ultimatum aan een van beide partijen, met consequenties daarbij. "
             "Die laatste alinea brengt mij dus tot het oordeel ontraden."),
        blok("t0306", "Ja, als er een gewijzigde motie komt, kom ik daar schriftelijk op terug. "
             "Ik wijs wel op de motie-Voordewind c.s. op stuk nr. 8, die u ook heeft ondertekend. "
             "Daarvan heb ik gezegd: oordeel Kamer."),
    ]
    found, diags = verdicts_of([motion("8"), motion("18")], turns)
    assert (found["8"].kind, found["8"].turn) == (K.OORDEEL_KAMER, "t0285")
    assert found["18"].kind == K.ONTRADEN
    assert not any("changes" in d.message for d in diags)


def test_a_verdict_for_a_group_of_motions_applies_to_each():
    text = ("Het gaat over de moties op de stukken nrs. 1136, 1140 en 1150. Ik hoop dat u in deze "
            "snelheid de administratie goed kunt bijhouden. Die zou ik alle drie willen ontraden.")
    found, _ = verdicts_of([motion("1136"), motion("1140"), motion("1150")],
                           [turn("t0094", "Minister De Jonge:", text, speaker="de-jonge")])
    assert {n: v.kind for n, v in found.items()} == dict.fromkeys(
        ["1136", "1140", "1150"], K.ONTRADEN)


def test_combined_motions_share_the_verdict_and_a_refused_adoption_changes_nothing():
    de_jonge = "Minister De Jonge:"
    turns = [
        turn("t0110", de_jonge, "De motie op stuk nr. 1139 verzoekt de regering om de Kamer in de "
             "eerste helft van 2024 te informeren. Die combineer ik dan weer met de motie op stuk "
             "nr. 1148 van de heer Stoffer en de heer Flach. Ik zeg daarover graag een brief toe.",
             speaker="de-jonge"),
        chair("t0111", "En dus?"),
        turn("t0112", de_jonge, "Laat ik het oordeel aan de Kamer.", speaker="de-jonge"),
        turn("t0118", de_jonge, "We maken er zo wel een rondje van. De motie op stuk nr. 1139 kan "
             "worden overgenomen.", speaker="de-jonge"),
        chair("t0119", "Nee, die motie wordt niet overgenomen."),
        turn("t0120", de_jonge, "Niet overgenomen?", speaker="de-jonge"),
        chair("t0121", "Nee, de motie blijft staan met oordeel Kamer."),
    ]
    found, _ = verdicts_of([motion("1139"), motion("1148")], turns)
    assert (found["1139"].kind, found["1139"].turn) == (K.OORDEEL_KAMER, "t0112")
    assert found["1148"].kind == K.OORDEEL_KAMER


def test_the_chair_restating_a_verdict_fills_a_gap_but_never_overrules():
    turns = [
        turn("t0126", "Minister De Jonge:", "Dan ga ik naar de motie op stuk nr. 1141. Meer "
             "middelen vrijmaken gaat niet. Dan kom ik bij de motie op stuk nr. 1142. Ik ontraad "
             "deze motie dus.", speaker="de-jonge"),
        chair("t0128", "De motie op stuk nr. 1141 was ook ontraden, hè?", line=99),
        turn("t0129", "Minister De Jonge:", "Zeker, en de motie op stuk nr. 1142 ook.",
             speaker="de-jonge"),
        chair("t0130", "De motie op stuk nr. 1142 heeft oordeel Kamer gekregen, hè?"),
    ]
    found, _ = verdicts_of([motion("1141"), motion("1142")], turns)
    assert (found["1141"].kind, found["1141"].turn) == (K.ONTRADEN, "t0128")
    assert found["1142"].kind == K.ONTRADEN


def test_a_terse_verdict_after_the_chairs_prompt_applies_to_the_motion_named_before():
    turns = [
        turn("t0134", "Minister De Jonge:", "Dan de motie op stuk nr. 1147. Die verzoekt de "
             "regering in beeld te brengen welke ontwikkelingen er zijn.", speaker="de-jonge"),
        chair("t0135", "Dus?"),
        turn("t0136", "Minister De Jonge:", "Oordeel Kamer. Of ik de motie niet wil overnemen, "
             "hoor ik de heer Paternotte vragen. Ik ben niet zo van het overnemen.",
             speaker="de-jonge"),
    ]
    found, _ = verdicts_of([motion("1147")], turns)
    assert (found["1147"].kind, found["1147"].quote) == (K.OORDEEL_KAMER, "Oordeel Kamer.")


def test_a_withdrawn_motion_is_ingetrokken():
    text = ("Aangezien de motie-Van den Nieuwenhuijzen/Ploumen (35 373, nr. 5) is ingetrokken, "
            "maakt zij geen onderwerp van beraadslaging meer uit.")
    found, _ = verdicts_of([motion("5")], [chair("t0300", text)])
    assert found["5"].kind == K.INGETROKKEN


def test_an_adopted_motion_is_overgenomen():
    found, _ = verdicts_of([motion("1139")], [
        turn("t0112", "Minister De Jonge:", "Dan de motie op stuk nr. 1139. Ik neem de motie "
             "graag over.", speaker="de-jonge"),
        chair("t0113", "De motie op stuk nr. 1139 is overgenomen."),
    ])
    assert found["1139"].kind == K.OVERGENOMEN


def test_a_member_saying_ontraden_gives_no_verdict():
    found, _ = verdicts_of([motion("1136")], [
        turn("t0100", "De heer De Hoop (GroenLinks-PvdA):", "Ik begrijp eigenlijk niet waarom "
             "mijn motie op stuk nr. 1136 ontraden is.", speaker="de-hoop")])
    assert found["1136"] is None


def test_a_verdict_without_a_named_motion_is_a_warning_with_the_line():
    found, diags = verdicts_of([motion("3")], [blok("t0200", "Dus deze moet ik ontraden.",
                                                    line=1234)])
    assert found["3"] is None
    assert [(d.severity, d.line) for d in diags if "no motion named" in d.message] == [
        ("warning", 1234)]


def test_a_verdict_never_goes_to_a_motion_not_yet_read_out():
    turns = (blok("t0200", "De motie op stuk nr. 3: ontraden."),
             chair("t0500", "Zij krijgt nr. 3 (35 373)."))
    result, _ = attach_verdicts((motion("3", turn="t0500"),), turns, CHAIR, FILE)
    assert result[0].verdict is None


@pytest.mark.parametrize(("sentence", "kind"), [
    ("Ik laat het oordeel over deze motie aan de Kamer.", K.OORDEEL_KAMER),
    ("Voorzitter, ik ontraad deze motie.", K.ONTRADEN),
    ("Met de overweging die ik daar mee heb gegeven, laat ik ook het oordeel van deze motie aan "
     "de Kamer.", K.OORDEEL_KAMER_MET_KANTTEKENING),
    ("Met deze interpretatie laat ik het oordeel van deze motie aan de Kamer.",
     K.OORDEEL_KAMER_MET_INTERPRETATIE),
    ("Als ik de motie als volgt mag uitleggen, laat ik het oordeel daarover graag aan de Kamer.",
     K.OORDEEL_KAMER_MET_INTERPRETATIE),
    ("Met die uitleg laat ik het oordeel over deze motie aan de Kamer.",
     K.OORDEEL_KAMER_MET_INTERPRETATIE),
    ("Dan ontraad ik de motie gewoon.", K.ONTRADEN),
    ("De motie op stuk nr. 1137: ontraden.", K.ONTRADEN),
    ("Het ontraden van deze motie zou impliceren dat je op deze punten geen gelijk speelveld "
     "hoeft te hebben.", None),
    ("Dan wil ik graag een oordeel van de minister.", None),
])
def test_real_verdict_sentences_from_the_corpus_are_classified(sentence, kind):
    assert classify(sentence) == kind


def test_sentences_split_where_extraction_glued_them_but_not_after_nr():
    text = ("maar ik wil toch graag het oordeel aan de Kamer laten.Dan de motie op stuk nr. 1151. "
            "Die mag op de boekenlijst.")
    assert split_sentences(text) == [
        "maar ik wil toch graag het oordeel aan de Kamer laten.",
        "Dan de motie op stuk nr. 1151.", "Die mag op de boekenlijst."]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=4), st.sampled_from(
    ["Minister Blok:", "De voorzitter:", "Mevrouw Karabulut (SP):", ""]))
def test_any_turn_text_never_crashes(paragraphs, label):
    result, diags = attach_verdicts((motion("3"),), (READ, turn("t0002", label, *paragraphs)),
                                    CHAIR, FILE)
    assert len(result) == 1 and isinstance(diags, list)


# End to end: the whole seed through the text parser (expected from reading the debate).
SEED_EXPECTED = {
    "3": K.OORDEEL_KAMER, "4": K.ONTRADEN, "5": K.AANGEHOUDEN, "6": K.OORDEEL_KAMER,
    "7": K.OORDEEL_KAMER_MET_KANTTEKENING, "8": K.OORDEEL_KAMER, "9": K.ONTRADEN,
    "10": K.OORDEEL_KAMER, "11": K.ONTRADEN, "12": K.OORDEEL_KAMER_MET_INTERPRETATIE,
    "13": K.OORDEEL_KAMER, "14": K.OORDEEL_KAMER, "15": K.OORDEEL_KAMER_MET_INTERPRETATIE,
    "16": K.ONTRADEN, "17": K.ONTRADEN, "18": K.ONTRADEN,
}
VOLKSHUISVESTING_EXPECTED = {
    "1136": K.ONTRADEN, "1137": K.OORDEEL_KAMER, "1138": K.OORDEEL_KAMER_MET_INTERPRETATIE,
    "1139": K.OORDEEL_KAMER, "1140": K.ONTRADEN, "1141": K.ONTRADEN, "1142": K.ONTRADEN,
    "1143": K.ONTRADEN, "1144": K.ONTRADEN, "1145": K.OORDEEL_KAMER,
    "1146": K.OORDEEL_KAMER_MET_INTERPRETATIE, "1147": K.OORDEEL_KAMER, "1148": K.OORDEEL_KAMER,
    "1149": K.OORDEEL_KAMER, "1150": K.ONTRADEN, "1151": K.OORDEEL_KAMER,
}


def parsed_verdicts(path: Path) -> tuple[dict, dict]:
    meeting = parse_text(path.read_text(encoding="utf-8"), str(path)).meetings[0]
    turns = {t.id: t for t in meeting.turns}
    return {m.number: m.verdict for m in meeting.motions}, turns


@pytest.mark.parametrize(("path", "expected"), [
    (SEED, SEED_EXPECTED), (VOLKSHUISVESTING, VOLKSHUISVESTING_EXPECTED)])
def test_every_motion_of_a_real_debate_gets_the_verdict_a_reader_finds(path, expected):
    found, turns = parsed_verdicts(path)
    got = {n: v.kind if v else None for n, v in found.items()}
    right = sum(got.get(n) == kind for n, kind in expected.items())
    print(f"{path.name}: {right}/{len(expected)} verdicts right")
    assert got == expected
    for verdict in found.values():
        quoted_turn = turns[verdict.turn]
        assert verdict.source.line == quoted_turn.source.line
        assert any(verdict.quote in " ".join(p.split()) for p in quoted_turn.paragraphs)


KEIJZER = "Staatssecretaris Keijzer:"


def keijzer(tid: str, *paragraphs: str) -> Turn:
    return turn(tid, KEIJZER, *paragraphs, speaker="keijzer")


def brexit_motion(number: str, *submitters: str) -> Motion:
    return Motion(id=f"23987-{number}", number=number, dossier="23 987", submitters=submitters,
                  submitter_ids=(None,) * len(submitters), text="…", considerations=(),
                  requests=(), turn="t0001", source=Source("brexit.xml", 1))


BREXIT_MOTIONS = [brexit_motion("234", "Amhaouch"), brexit_motion("235", "Moorlag", "Van der Lee"),
                  brexit_motion("236", "Moorlag", "Van der Lee")]


def test_the_chair_asking_for_a_skipped_verdict_gets_it_for_the_motion_before():
    # Handelingen 5 April 2018, debate on the economy after the brexit (corpus ohxml).
    turns = [
        keijzer("t0238", "De motie op stuk nr. 234 is van de heer Amhaouch. Die motie gaat over "
                "voorlichting aan het midden- en kleinbedrijf. Ik ben het helemaal eens met "
                "tijdige voorlichting daarover.", "Dan kom ik op de motie op stuk nr. 235."),
        chair("t0239", "En uw oordeel is?"),
        keijzer("t0240", "Oordeel Kamer. Daar was ik volgens mij mee begonnen; excuus.",
                "Dan kom ik op de motie van de heren Moorlag en Van der Lee, waarin de regering "
                "wordt verzocht om in samenwerking met sociale partners een aanpak te ontwikkelen. "
                "Hoezeer ik ook het belang zie van de werknemers in deze discussie, ik moet deze "
                "motie nu ontraden."),
    ]
    found, _ = verdicts_of(BREXIT_MOTIONS, turns)
    assert (found["234"].kind, found["234"].quote) == (K.OORDEEL_KAMER, "Oordeel Kamer.")
    assert found["235"].kind == K.ONTRADEN
    assert found["236"] is None


def test_a_verdict_the_government_confirms_to_the_chair_overrules_the_earlier_one():
    turns = [
        keijzer("t0256", "De motie op stuk nr. 236. Met die uitleg laat ik het oordeel over deze "
                "motie aan de Kamer."),
        chair("t0257", "Even heel scherp: ik merk een verschil van interpretatie over deze motie. "
              "Als de heer Veldman uw interpretatie niet overneemt, ontraadt u de motie?"),
        keijzer("t0258", "Dat is correct, voorzitter."),
        chair("t0262", "Mag ik dan vaststellen dat u een andere interpretatie heeft en dat u "
              "daarmee de motie ontraaddt?"),
        keijzer("t0263", "Ja, dat is correct."),
    ]
    found, diags = verdicts_of(BREXIT_MOTIONS, turns)
    assert (found["236"].kind, found["236"].turn) == (K.ONTRADEN, "t0262")
    assert any("changes from oordeel_kamer_met_interpretatie to ontraden" in d.message
               for d in diags)


def test_a_misspoken_number_is_resolved_by_the_submitters_with_a_warning():
    motions = [brexit_motion("232", "Paternotte", "Veldman")]
    turns = [turn("t0229", "Minister Wiebes:", "Eén motie, namelijk die op stuk nr. 307 van de "
                  "heren Paternotte en Veldman. Deze motie laat ik aan het oordeel van de Kamer.",
                  speaker="wiebes")]
    found, diags = verdicts_of(motions, turns)
    assert found["232"].kind == K.OORDEEL_KAMER
    assert any("no motion nr. 307" in d.message for d in diags)


def test_a_verdict_on_an_amendment_is_not_given_to_the_motion_before():
    turns = [blok("t0300", "De motie op stuk nr. 3 laat ik aan het oordeel van de Kamer. Dan het "
                  "amendement op stuk nr. 12. Dat amendement ontraad ik dus ook.")]
    found, diags = verdicts_of([motion("3"), motion("12")], turns)
    assert found["3"].kind == K.OORDEEL_KAMER and found["12"] is None
    assert not any(d.severity == "warning" for d in diags)


def test_a_reference_with_a_dropped_nr_still_names_the_motion():
    # Handelingen 15 October 2014 (VLOS): "de motie op stuk. 919".
    turns = [turn("t0263", "Minister Rutte:", "Tot slot kom ik toe aan de motie op stuk. 919 van "
                  "de leden Klaver en Segers. Om die reden ontraad ik de motie.", speaker="rutte")]
    found, _ = verdicts_of([motion("918"), motion("919")], turns)
    assert found["919"].kind == K.ONTRADEN and found["918"] is None


def test_verdict_words_before_any_motion_is_read_out_are_not_a_warning():
    turns = (blok("t0100", "Een eerdere motie hebben wij toen ook ontraden, dus ik ontraad dat "
                  "voorstel ook."), chair("t0200", "Zij krijgt nr. 3 (35 373)."))
    result, diags = attach_verdicts((motion("3", turn="t0200"),), turns, CHAIR, FILE)
    assert result[0].verdict is None and diags == []


def test_a_member_who_will_not_hold_the_motion_leaves_it_without_a_verdict():
    # Handelingen 5 April 2018, VAO Wlz (corpus ohxml): the chair's phrasing, as a member's.
    turns = [blok("t0269", SEED_3_TO_5),
             turn("t0273", NIEUWENHUIJZEN, "Ik houd deze motie dus niet aan.",
                  speaker="van-den-nieuwenhuijzen")]
    found, diags = verdicts_of([motion("3"), motion("4"), motion("5")], turns)
    assert found["5"] is None
    assert any("asked to hold motion nr. 5" in d.message for d in diags)
