"""The page specs a live preview's rebuild reuses (`generator.pages.page_specs`)
are those a fresh call makes, and the motions lists' are always made anew
(they keep the pages they made of one archive)."""

from __future__ import annotations

from dataclasses import replace

from synthetic_meetings import small_meeting

from generator import pages
from generator.archive import build_archive
from generator.i18n import load_catalogue


def _archive(words: int):
    meetings = [small_meeting(n, f"2020-01-{n + 1:02d}", [("alpha", words, True),
                                                         ("bravo", 3, True)],
                              [((0,), 0), ((1,), None)], [1, 2, 1, 0, 2]) for n in range(4)]
    return build_archive(meetings)[0]


def _described(specs: list[pages.PageSpec]) -> list[tuple]:
    return [(spec.key, spec.needs) for spec in specs]


def test_specs_of_the_same_indexes_are_reused_and_the_motions_lists_made_anew():
    t = load_catalogue("nl")
    archive = _archive(5)
    first = pages.page_specs(archive, t, "Site")
    again = pages.page_specs(replace(archive, figures={}), t, "Site")  # other facts only
    assert _described(again) == _described(first)
    fresh = pages._specs(archive, t, "Site")
    assert _described(again) == _described([*fresh[0], *again[len(fresh[0]):-len(fresh[2])],
                                            *fresh[2]])
    by_key = dict(zip([s.key for s in first], first, strict=True))
    lists = [s for s in again if s.key.startswith("motions-list:")]
    assert lists and all(s is not by_key[s.key] for s in lists)
    assert all(s is by_key[s.key] for s in again if not s.key.startswith("motions-list:"))
    assert again[0].make(archive) == first[0].make(archive)


def test_specs_of_other_indexes_or_settings_are_made_anew():
    t = load_catalogue("nl")
    archive = _archive(5)
    first = pages.page_specs(archive, t, "Site")
    other = _archive(7)  # equal outlines, other objects
    assert all(a is not b for a, b in zip(pages.page_specs(other, t, "Site"), first,
                                          strict=True))
    retitled = pages.page_specs(other, t, "Elders")
    assert retitled[0].make(other).context.meta.title != first[0].make(archive).context.meta.title
