"""The feeds' per-meeting paths and JSON fingerprints, as a rebuild in one
process (`build.py serve`) takes them from the last build
(`feeds._meeting_paths`), are those made from scratch, whatever changed in
between: content hashes, the salt, the meetings themselves."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import feeds, urls
from generator.archive import remembered_slugify
from generator.cache import PagePlan


class Outlines:
    """What `_meeting_paths` reads of an archive."""

    def __init__(self, meetings: tuple):
        self.meetings = meetings

    def meeting_slug(self, meeting) -> str:
        return remembered_slugify(meeting.id, fallback="vergadering")


def from_scratch(archive: Outlines, plan: PagePlan | None):
    paths = [urls.meeting_json_path(archive.meeting_slug(m)) for m in archive.meetings]
    made = [plan.meeting_file_fingerprint(p, m) if plan else None
            for p, m in zip(paths, archive.meetings, strict=True)]
    return paths, made, [urls.speeches_csv_path(m.date) for m in archive.meetings]


def plan_of(digests: dict, salt: str) -> PagePlan:
    return PagePlan(meeting_digests=digests, template_hashes={}, salt=salt, previous={},
                    previous_site=None)


@pytest.fixture(autouse=True)
def _forget_last():
    feeds._LAST_PATHS = None
    yield
    feeds._LAST_PATHS = None


steps = st.lists(st.tuples(st.sampled_from(["digest", "salt", "meetings", "none", "same"]),
                           st.integers(0, 5)), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_paths_kept_between_builds_are_those_made_from_scratch(changes):
    feeds._LAST_PATHS = None
    meetings = tuple(SimpleNamespace(id=f"m{i}", date=f"20{10 + i % 3}-01-0{1 + i % 5}")
                     for i in range(6))
    digests = {m.id: f"d{m.id}" for m in meetings}
    digests.pop("m4")  # a meeting not loaded through the cache: no fingerprint
    salt = "s0"
    archive = Outlines(meetings)
    for kind, n in changes:
        if kind == "digest":
            digests = {**digests, f"m{n}": f"d{n}-{len(changes)}-{kind}"}
        elif kind == "salt":
            salt += "+"
        elif kind == "meetings":
            archive = Outlines((*archive.meetings[:n], SimpleNamespace(id=f"x{n}", date=None),
                                *archive.meetings[n + 1:]))
        plan = None if kind == "none" else plan_of(dict(digests), salt)
        assert feeds._meeting_paths(archive, plan) == from_scratch(archive, plan)
