"""A meeting page's context pickles its speech items short (each item's turn
is the meeting's, which a page fingerprint names by its content hash): it
reads back equal, and its fingerprint changes with every field of every
item, as the whole context's did."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
from synthetic_meetings import small_meeting

from generator import contexts, pages
from generator.archive import build_archive
from generator.cache import PagePlan
from generator.contexts import MeetingContext, PersonRow
from generator.i18n import load_catalogue


def _archive():
    meetings = [small_meeting(n, f"2020-01-{n + 1:02d}", [("alpha", 5, True),
                                                         ("bravo", 3, True)],
                              [((0,), 0), ((1,), None)], [1, 2, 1, 0, 2]) for n in range(3)]
    return build_archive(meetings)[0]


def _pages():
    archive = _archive()
    t = load_catalogue("nl")
    return [spec.make(archive) for spec in pages.page_specs(archive, t, "Site")]


def _meeting_contexts() -> list[MeetingContext]:
    found = [p.context for p in _pages() if isinstance(p.context, MeetingContext)]
    assert found
    return found


def _plan(context: MeetingContext) -> PagePlan:
    return PagePlan(meeting_digests={context.meeting.id: "digest"}, template_hashes={},
                    salt="s", previous={}, previous_site=None)


def _fingerprint(context: object, plan: PagePlan) -> str | None:
    return plan.fingerprint(pages.Page("meeting.html", context))


def test_every_context_reads_back_equal():
    for page in _pages():
        assert pickle.loads(pickle.dumps(page.context)) == page.context


def test_a_meeting_page_pickles_its_items_short_and_reads_them_back_with_the_turns():
    for context in _meeting_contexts():
        assert context.items and contexts._short_items(context) is not None
        back = pickle.loads(pickle.dumps(context))
        assert back == context
        assert all(item.turn is turn for item, turn in zip(back.items, back.meeting.turns,
                                                           strict=True))


def test_items_that_are_not_the_meetings_turns_are_pickled_whole():
    context = _meeting_contexts()[0]
    shuffled = replace(context, items=context.items[::-1])
    assert contexts._short_items(shuffled) is None
    assert pickle.loads(pickle.dumps(shuffled)) == shuffled
    plan = _plan(context)
    assert _fingerprint(shuffled, plan) != _fingerprint(context, plan)


def _changes(item: contexts.SpeechItem) -> list[contexts.SpeechItem]:
    other = PersonRow("zulu", "Zulu", "Partij", "partij", None, None)
    return [replace(item, meeting_slug=item.meeting_slug + "-x"),
            replace(item, meeting_title=item.meeting_title + "!"),
            replace(item, meeting_date="1999-01-01"),
            replace(item, turn=replace(item.turn, label=item.turn.label + "?")),
            replace(item, anchor=item.anchor + "x"),
            replace(item, speaker=other),
            replace(item, speaker=None),
            replace(item, procedural=not item.procedural),
            replace(item, interrupts=other),
            replace(item, section="Kop"),
            replace(item, motions=(), verdicts=(), snippet="kort")]


@pytest.mark.parametrize("at", [0, -1])
def test_the_fingerprint_changes_with_every_field_of_an_item(at):
    context = _meeting_contexts()[0]
    plan = _plan(context)
    before = _fingerprint(context, plan)
    assert before is not None
    assert _fingerprint(pickle.loads(pickle.dumps(context)), plan) == before
    items = list(context.items)
    seen = {before}
    for changed in _changes(items[at]):
        if changed == items[at]:
            continue
        items_now = [*items]
        items_now[at] = changed
        fingerprint = _fingerprint(replace(context, items=tuple(items_now)), plan)
        assert fingerprint not in seen
        seen.add(fingerprint)


def test_equal_contexts_of_other_objects_have_one_fingerprint():
    first, second = _meeting_contexts()[0], _meeting_contexts()[0]
    assert first is not second and first == second
    assert _fingerprint(first, _plan(first)) == _fingerprint(second, _plan(second))
