"""The speakers' chart data (`generator.figures.SpeakerFigures`) is made per
speaker when a page asks for it: whatever the archive, every speaker's is what
the definition gives when made for all speakers at once (per meeting spoken
in, in archive order, their figures there; the verdicts of their motions)."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_meetings import PARTIES, PEOPLE, small_meeting

from generator.archive import build_archive
from generator.figures import SpeakerFigureData, SpeakerMeeting, count_verdicts
from generator.model import Meeting, VerdictKind


def meeting(index: int, date: str | None, speeches: list[tuple[int, int]],
            motions: list[tuple[list[int], int | None]], parties: list[int]) -> Meeting:
    return small_meeting(index, date, [(PEOPLE[who], words, True) for who, words in speeches],
                         motions, parties)


meetings = st.lists(st.tuples(
    st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
    st.lists(st.tuples(st.integers(0, len(PEOPLE) - 1), st.integers(1, 200)), max_size=8),
    st.lists(st.tuples(st.lists(st.integers(0, len(PEOPLE) - 1), max_size=3),
                       st.one_of(st.none(), st.integers(0, len(VerdictKind)))), max_size=3),
    st.lists(st.integers(0, len(PARTIES) - 1), min_size=len(PEOPLE), max_size=len(PEOPLE)),
), max_size=6)


def eager(archive) -> dict[str, SpeakerFigureData]:
    """Every speaker's chart data at once, by the definition."""
    spoke: dict[str, list[SpeakerMeeting]] = {}
    for m in archive.meetings:
        for pid, fig in archive.figures[m.id].by_person.items():
            spoke.setdefault(pid, []).append(SpeakerMeeting(m.id, m.date, fig))
    return {pid: SpeakerFigureData(tuple(spoke.get(pid, ())), count_verdicts(
        [e.motion for e in archive.motions_by_submitter.get(pid, ())]))
        for pid in sorted(archive.people)}


@settings(max_examples=60, deadline=None)
@given(meetings, st.permutations(PEOPLE))
def test_each_speakers_chart_data_made_alone_is_the_definitions(found, asked):
    archive, _ = build_archive([meeting(i, *m) for i, m in enumerate(found)])
    expected = eager(archive)
    speakers = archive.chart_data.speakers
    for pid in asked:  # one at a time, in any order: each as made for all at once
        assert (pid in speakers) == (pid in expected)
        assert speakers.get(pid) == expected.get(pid)
    assert list(speakers) == list(expected) and len(speakers) == len(expected)
    assert dict(speakers.items()) == expected
    assert pickle.loads(pickle.dumps(speakers)) == expected  # pickled as its items


@settings(max_examples=40, deadline=None)
@given(meetings)
def test_the_page_checks_speaker_outlines_are_those_of_the_chart_data_made(found):
    """`generator.pagedeps.speaker_outlines` of the lazy `SpeakerFigures`
    (made from their outlines) equals what it gives of the chart
    data made for every speaker (a plain mapping)."""
    from generator.pagedeps import speaker_outlines

    archive, _ = build_archive([meeting(i, *m) for i, m in enumerate(found)])
    assert speaker_outlines(archive.chart_data.speakers) == speaker_outlines(eager(archive))
