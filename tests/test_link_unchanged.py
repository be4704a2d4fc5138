"""The pages a rebuild links without building them (`render._link_unchanged`,
by C loops and one `output.keep_all`) are those the plain per-page rule
picks, and the site is a clean build's whichever way they are kept or
linked; `pagestate._moved` is its definition."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import generator.render as render
from generator import output
from generator.output import keep_all, staged_site
from generator.pagestate import _moved

pytest.importorskip("generator.sitebuild")

from synthetic_project import (  # noqa: E402
    assert_same_as_clean_build,
    build,
    built_project,
    copy_built,
    edit_transcript,
    file_tree,
)

digests = st.dictionaries(st.sampled_from([f"m{i}" for i in range(12)]),
                          st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), max_size=12)


@given(digests, digests)
def test_moved_is_every_meeting_whose_hash_differs_came_went_or_is_none(now, before):
    expected = {mid for mid in now.keys() | before.keys()
                if now.get(mid) is None or now.get(mid) != before.get(mid)}
    assert _moved(now, before) == expected


def test_keep_all_keeps_every_listed_file_or_none(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with staged_site(site) as staging:
        for name in ("a.html", "b.html", "c/d.html"):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(name)
    assert not keep_all(site, tmp_path / "elsewhere", ["a.html"])
    with staged_site(site) as staging:
        assert not keep_all(site, staging, ["a.html", "not-in-the-site.html"])
        assert not keep_all(tmp_path / "other", staging, ["a.html"])
        assert not keep_all(None, staging, ["a.html"])
        assert output._ACTIVE is not None and output._ACTIVE.kept == set()
        assert keep_all(site, staging, ["a.html", "c/d.html"])
        (staging / "e.html").write_text("e")
    assert file_tree(site) == {"a.html": b"a.html", "c/d.html": b"c/d.html", "e.html": b"e",
                               output.MANIFEST_NAME: file_tree(site)[output.MANIFEST_NAME]}
    assert output.verify_manifest(site) == []


def _expected(job, check) -> tuple[set[int], list, list, dict]:
    """What the per-page rule links: a page of the previous state, built
    from the archive, unique, none of whose reads changed, whose recorded
    fingerprint is the plan's."""
    state, plan = check.state, job.plan
    affected = check.affected()
    places = state.places()
    done, pairs, prints, carried = set(), [], [], {}
    for index, spec in enumerate(job.specs):
        if spec.needs is None or spec.key in job.repeated:
            continue
        place = places.get(spec.key)
        if place is None or (len(affected) and bool(affected[place])):
            continue
        path, fingerprint = state.paths[place], state.fingerprints[place]
        if plan.previous.get(path) != fingerprint:
            continue
        done.add(index)
        pairs.append((index, path))
        prints.append((path, fingerprint))
        carried[spec.key] = place
    return done, pairs, prints, carried


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("link-unchanged"), 4, seed=11)


@pytest.mark.parametrize("way", ["kept", "linked"])
def test_the_pages_linked_are_those_of_the_per_page_rule(built: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         way: str) -> None:
    project = copy_built(built, tmp_path / "project")
    linked_unchanged = render._link_unchanged
    seen: list[int] = []

    def checked(job, check, carried):
        expected = _expected(job, check) if check is not None and check.state is not None \
            else None
        done, share = linked_unchanged(job, check, carried)
        if expected is not None:
            assert done == expected[0]
            assert share[0] == expected[1] and share[2] == expected[2]
            assert carried == expected[3]
            seen.append(len(done))
        return done, share

    monkeypatch.setattr(render, "_link_unchanged", checked)
    if way == "linked":  # as outside a staged site: each page linked from the previous one
        monkeypatch.setattr(render, "keep_all", lambda *args: False)
        monkeypatch.setattr(render, "keep", lambda *args: False)
    for n in (1, 2):
        edit_transcript(project, n)
        assert build(project) == 0
    assert len(seen) == 2 and all(seen)
    assert np.all(np.array(seen) > 0)
    assert_same_as_clean_build(project, tmp_path, keep_cache=True)
