"""The floor and interruption rule (generator/stats.py) on real seed turns."""

from pathlib import Path

import pytest

from generator.ingest import read_transcript
from generator.model import Meeting
from generator.stats import find_interruptions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seed() -> Meeting:
    path = ROOT / "transcripts" / "000_80043238be0c1716.txt"
    return read_transcript(path, "transcripts/000_80043238be0c1716.txt").meetings[0]


def turn_after(meeting: Meeting, chair_words: str, speaker: str) -> str:
    """The id of `speaker`'s turn right after the chair's turn with these words."""
    for before, turn in zip(meeting.turns, meeting.turns[1:], strict=False):
        if chair_words in " ".join(before.paragraphs) and turn.speaker == speaker:
            return turn.id
    raise AssertionError(f"no turn of {speaker} after {chair_words!r}")


def test_a_member_the_chair_calls_on_by_party_holds_the_floor(seed):
    found = find_interruptions(seed)
    for words, speaker in (("Dan gaan we naar de heer Voordewind", "voordewind"),
                           ("Mevrouw Karabulut is aan de beurt namens de SP", "karabulut"),
                           ("De heer De Roon namens de PVV", "de-roon")):
        assert turn_after(seed, words, speaker) not in found, words


def test_a_question_the_chair_announces_is_an_interruption_of_the_floor_holder(seed):
    found = find_interruptions(seed)
    tid = turn_after(seed, "Er is een vraag voor u van mevrouw Ploumen", "ploumen")
    assert found[tid].floor_holder == "bosman"


def test_a_second_question_in_an_interruption_stays_an_interruption(seed):
    found = find_interruptions(seed)
    tid = turn_after(seed, "Mevrouw Karabulut in tweede instantie", "karabulut")
    assert tid in found and found[tid].floor_holder != "karabulut"
