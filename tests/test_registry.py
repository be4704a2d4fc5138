"""The speaker registry (content/people.yaml): one id per person across the
archive, on real transcripts; same surnames and rotating chairs stay apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.ingest import read_transcript
from generator.model import Meeting, Person, Source, Turn
from generator.registry import (
    Registry,
    RegistryPerson,
    Spell,
    _line_of_key,
    apply_registry,
    dump_registry,
    key_lines,
    parse_registry,
    resolve_meeting,
)

ROOT = Path(__file__).resolve().parent.parent
VLOS = ROOT / "tests" / "data" / "corpus" / "tk-vlos-20141015-plenair.xml"
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"


def resolve_all(meetings: list[Meeting], registry: Registry | None = None
                ) -> tuple[list[Meeting], Registry]:
    registry = registry or Registry()
    out = []
    for meeting in meetings:
        resolved, registry, _ = resolve_meeting(meeting, registry)
        out.append(resolved)
    return out, registry


def ids_by_name(meeting: Meeting) -> dict[str, str]:
    return {p.name: p.id for p in meeting.people}


def meeting(date: str, *people: tuple[Person, str]) -> Meeting:
    """A small meeting: each person speaks once, with the label as printed."""
    return Meeting(
        id=f"m-{date}", title=None, date=date, body="Tweede Kamer", kind="plenair",
        committee=None, dossier=None, chair=None, clerk=None, start=None, end=None,
        people=tuple(p for p, _ in people), present=(),
        turns=tuple(Turn(f"t{i:04d}", p.id, label, ("Voorzitter.",), Source("x.txt", i))
                    for i, (p, label) in enumerate(people, 1)))


@pytest.fixture(scope="module")
def plenary_day() -> list[Meeting]:
    """The four agenda items of the real plenary day of 15 October 2014."""
    return list(read_transcript(VLOS, "transcripts/plenair.xml").meetings)


def test_arno_rutte_and_mark_rutte_on_the_same_day_stay_two_people(
        plenary_day: list[Meeting]) -> None:
    resolved, registry = resolve_all(plenary_day)
    arno = {ids_by_name(m)["Arno Rutte"] for m in resolved}
    mark = {ids_by_name(m)["Mark Rutte"] for m in resolved}
    assert arno == {"arno-rutte"} and mark == {"mark-rutte"}
    assert registry.get("mark-rutte").roles[0].value.startswith("Minister-president")


def test_a_member_and_a_minister_printed_with_one_surname_stay_apart() -> None:
    member = Person("rutte", "Rutte", "VVD", "lid")
    premier = Person("rutte", "Rutte", None, "Minister-President")
    resolved, registry = resolve_all([
        meeting("2014-10-15", (member, "De heer Rutte (VVD):")),
        meeting("2014-10-16", (premier, "Minister-President Rutte:")),
        meeting("2014-10-17", (member, "De heer Rutte (VVD):"))])
    assert [m.people[0].id for m in resolved] == ["rutte", "rutte-2", "rutte"]
    assert [p.id for p in registry.people] == ["rutte", "rutte-2"]


def test_rotating_chairs_never_merge(plenary_day: list[Meeting]) -> None:
    seed = read_transcript(SEED, "transcripts/seed.txt").meetings[0]
    resolved, registry = resolve_all([*plenary_day, seed])
    chairs = [m.chair for m in resolved]
    assert chairs == ["anouchka-van-miltenburg", "khadija-arib", "pieter-duisenberg",
                      "bart-de-liefde", "pia-dijkstra"]
    assert not [p.id for p in registry.people if "De voorzitter:" in p.aliases]
    # the chair of one item is an ordinary member in the others, under one id
    assert {ids_by_name(m)["Khadija Arib"] for m in resolved[:4]} == {"khadija-arib"}


def test_the_same_member_keeps_one_id_across_meetings_and_years() -> None:
    bosman = Person("bosman", "Bosman", "VVD", "lid")
    resolved, registry = resolve_all([meeting("2019-05-01", (bosman, "De heer Bosman (VVD):")),
                                      meeting("2020-09-28", (bosman, "De heer Bosman (VVD):"))])
    assert [m.people[0].id for m in resolved] == ["bosman", "bosman"]
    assert registry.get("bosman").parties == (Spell("VVD", "2019-05-01", "2020-09-28"),)


def test_a_full_name_and_a_surname_with_the_same_printed_label_are_one_person() -> None:
    full = Person("jesse-klaver", "Jesse Klaver", "GroenLinks", "lid")
    short = Person("klaver", "Klaver", "GroenLinks", "lid")
    resolved, registry = resolve_all([
        meeting("2014-10-15", (full, "De heer Klaver (GroenLinks):")),
        meeting("2018-11-08", (short, "De heer Klaver (GroenLinks):"))])
    assert [m.people[0].id for m in resolved] == ["jesse-klaver", "jesse-klaver"]
    assert registry.get("jesse-klaver").name == "Jesse Klaver"


def test_two_people_of_one_meeting_never_get_one_id() -> None:
    a = Person("dijkstra", "Dijkstra", "VVD", "lid")
    b = Person("dijkstra-d66", "Dijkstra", "D66", "lid")
    first, registry = resolve_all([meeting("2014-10-15", (a, "De heer Dijkstra (VVD):"))])
    resolved, _ = resolve_all([meeting("2014-10-16", (a, "De heer Dijkstra (VVD):"),
                                       (b, "Mevrouw Dijkstra (D66):"))], registry)
    assert [p.id for p in resolved[0].people] == ["dijkstra", "dijkstra-d66"]


def test_merging_two_ids_with_an_alias_applies_when_content_is_loaded() -> None:
    m = meeting("2014-10-15", (Person("barry-madlener", "Barry Madlener", "PVV", "lid"),
                               "De heer Madlener (PVV):"))
    registry = Registry((RegistryPerson("madlener", "Barry Madlener",
                                        aliases=("barry-madlener",),
                                        parties=(Spell("PVV"),)),))
    loaded = apply_registry(m, registry)
    assert loaded.people[0].id == "madlener" and loaded.turns[0].speaker == "madlener"


def test_a_party_corrected_in_the_registry_applies_to_loading_and_later_imports() -> None:
    printed = Person("bosman", "Bosman", "WD", "lid")  # an OCR error in the source
    [first], registry = resolve_all([meeting("2020-09-28", (printed, "De heer Bosman (WD):"))])
    entry = registry.get("bosman")
    registry = Registry((replace(entry, parties=(Spell("VVD", "2020-09-28", "2020-09-28"),)),))
    assert apply_registry(first, registry).people[0].party == "VVD"
    [again], _ = resolve_all([meeting("2020-09-29", (printed, "De heer Bosman (WD):"))], registry)
    assert again.people[0].id == "bosman"


def test_an_import_keeps_every_hand_written_value() -> None:
    mine = RegistryPerson("bosman", "André Bosman", aliases=("A. Bosman",),
                          parties=(Spell("VVD", "2010-01-01", None),), note="checked by hand")
    _, registry = resolve_all([meeting("2020-09-28", (Person("bosman", "André Bosman", "VVD",
                                                            "lid"), "De heer Bosman (VVD):"))],
                              Registry((mine,)))
    entry = registry.get("bosman")
    assert (entry.name, entry.note) == ("André Bosman", "checked by hand")
    assert entry.aliases[0] == "A. Bosman" and entry.parties[0].value == "VVD"


def test_the_registry_file_reads_back_as_written(plenary_day: list[Meeting]) -> None:
    _, registry = resolve_all(plenary_day)
    text = dump_registry(registry)
    assert parse_registry(text, "content/people.yaml") == (registry, [])
    assert "arno-rutte:\n  name: Arno Rutte\n" in text


def test_a_person_id_written_twice_is_reported_with_its_line() -> None:
    text = "bosman:\n  name: Bosman\nblok:\n  name: Blok\nbosman:\n  name: André Bosman\n"
    _, diagnostics = parse_registry(text, "content/people.yaml")
    assert [(d.file, d.line) for d in diagnostics] == [("content/people.yaml", 5)]


def test_a_broken_registry_is_reported_with_file_and_line() -> None:
    _, diagnostics = parse_registry("bosman:\n  name: Bosman\n  aliases: [x\n",
                                    "content/people.yaml")
    assert diagnostics[0].file == "content/people.yaml" and diagnostics[0].line >= 3


def test_merging_two_ids_with_an_alias_applies_to_later_imports() -> None:
    full = Person("barry-madlener", "Barry Madlener", "PVV", "lid")
    _, registry = resolve_all([meeting("2014-10-15", (full, "De heer Madlener (PVV):"))])
    kept = RegistryPerson("madlener", "Madlener", aliases=("barry-madlener",),
                          parties=(Spell("PVV", "2024-02-08", "2024-02-08"),))
    merged = Registry((*registry.people, kept))  # the old entry not yet deleted
    [again], _ = resolve_all([meeting("2014-10-16", (full, "De heer Madlener (PVV):"))], merged)
    assert again.people[0].id == "madlener" and again.turns[0].speaker == "madlener"


PDFTXT_LNV = ROOT / "tests" / "data" / "corpus" / "tk-pdftxt-20240201-begroting-lnv.txt"
PDFTXT_HOUSING = ROOT / "tests" / "data" / "corpus" / "tk-pdftxt-20240208-tmd-volkshuisvesting.txt"


@pytest.fixture(scope="module")
def text_meetings() -> list[Meeting]:
    """Two real 2024 items from the text parser, which knows members by surname
    only (Ouwehand, PvdD, on 1 February; Madlener, PVV, on 8 February)."""
    return [read_transcript(path, f"transcripts/{path.name}").meetings[0]
            for path in (PDFTXT_LNV, PDFTXT_HOUSING)]


def speakers_as_loaded(meetings: list[Meeting], registry: Registry) -> dict[str, set[str]]:
    """Each name the sources print, with the ids it has once content is loaded."""
    out: dict[str, set[str]] = {}
    for m in meetings:
        m = apply_registry(m, registry)
        for t in m.turns:
            if t.speaker and "voorzitter" not in t.label.casefold():
                out.setdefault(t.label, set()).add(t.speaker)
    return out


@pytest.mark.parametrize("a, b, same", [
    ("Barry Madlener", "Madlener", True),
    ("Esther Ouwehand", "Ouwehand", True),
    ("Sybrand van Haersma Buma", "Van Haersma Buma", True),
    ("J. van Dijk", "Jasper van Dijk", True),
    ("Arno Rutte", "Mark Rutte", False),
    ("Inge van Dijk", "Jasper van Dijk", False),
    ("Madlener", "Ouwehand", False),
])
def test_names_are_compatible_when_the_surname_agrees_and_given_names_do_not_differ(
        a: str, b: str, same: bool) -> None:
    from generator.registry import compatible_names

    assert compatible_names(a, b) is same and compatible_names(b, a) is same


def test_a_member_by_surname_and_the_same_member_by_full_name_and_party_are_one_person(
        plenary_day: list[Meeting], text_meetings: list[Meeting]) -> None:
    resolved, registry = resolve_all([*text_meetings, *plenary_day])
    loaded = speakers_as_loaded(resolved, registry)
    assert loaded["De heer Madlener (PVV):"] == {"barry-madlener"}  # 2024 and 2014
    assert loaded["Mevrouw Ouwehand (PvdD):"] == {"esther-ouwehand"}
    assert registry.get("madlener") is None and registry.canonical("madlener") == "barry-madlener"
    assert registry.get("barry-madlener").name == "Barry Madlener"
    # the Ruttes and the chairs stay apart
    assert {"arno-rutte", "mark-rutte", "khadija-arib", "anouchka-van-miltenburg"} <= {
        p.id for p in registry.people}


def test_the_same_transcripts_give_the_same_ids_whichever_is_imported_first(
        plenary_day: list[Meeting], text_meetings: list[Meeting]) -> None:
    text_first, registry_a = resolve_all([*text_meetings, *plenary_day])
    vlos_first, registry_b = resolve_all([*plenary_day, *text_meetings])
    assert speakers_as_loaded(text_first, registry_a) == speakers_as_loaded(vlos_first, registry_b)
    assert [p.id for p in registry_a.people] == [p.id for p in registry_b.people]


def test_a_surname_with_another_party_at_the_same_time_stays_another_person() -> None:
    full = Person("barry-madlener", "Barry Madlener", "PVV", "lid")
    other = Person("madlener", "Madlener", "VVD", "lid")
    resolved, _ = resolve_all([meeting("2014-10-15", (full, "De heer Madlener (PVV):")),
                               meeting("2014-10-16", (other, "De heer Madlener (VVD):"))])
    assert [m.people[0].id for m in resolved] == ["barry-madlener", "madlener"]


def test_a_surname_and_a_full_name_a_career_apart_stay_two_people() -> None:
    full = Person("barry-madlener", "Barry Madlener", "PVV", "lid")
    later = Person("madlener", "Madlener", "PVV", "lid")
    resolved, _ = resolve_all([meeting("2014-10-15", (full, "De heer Madlener (PVV):")),
                               meeting("2044-10-15", (later, "De heer Madlener (PVV):"))])
    assert [m.people[0].id for m in resolved] == ["barry-madlener", "madlener"]


_KEYISH = st.text(alphabet='ab": #-', max_size=6)


@given(st.lists(st.builds(lambda k, v: k + v, _KEYISH, st.text(alphabet='ab: "', max_size=4)),
                max_size=12), _KEYISH)
def test_the_one_pass_key_lookup_finds_the_line_the_scan_finds(lines: list[str],
                                                               key: str) -> None:
    line_of = key_lines(lines)
    assert line_of(key) == _line_of_key(lines, key)
    for line in lines:
        probe = line.partition(":")[0]
        assert line_of(probe) == _line_of_key(lines, probe)
        assert line_of(probe.strip('"')) == _line_of_key(lines, probe.strip('"'))


def _indexes(registry: Registry) -> tuple:
    return (registry.people, registry._by_id, registry.redirects(),
            {k: [p.id for p in v] for k, v in registry._by_key.items()},
            {k: [p.id for p in v] for k, v in registry._by_surname.items()})


_NAMES = st.sampled_from(["Bosman", "Jan Bosman", "Klaver", "Jesse Klaver", "Van der Lee",
                          "Tom van der Lee", "Dijk", "Jasper van Dijk"])
_IDS = st.sampled_from(["bosman", "jan-bosman", "klaver", "jesse-klaver", "lee", "dijk",
                        "van-dijk", "x"])


@given(st.lists(st.tuples(_IDS, _NAMES, st.lists(st.one_of(_IDS, _NAMES), max_size=3)),
                max_size=6),
       st.lists(st.tuples(st.booleans(), _IDS, _NAMES, st.lists(_IDS, max_size=2)),
                max_size=6))
def test_an_updated_registry_has_the_indexes_of_one_built_from_scratch(
        before: list, changes: list) -> None:
    people = {pid: RegistryPerson(pid, name, tuple(aliases)) for pid, name, aliases in before}
    registry = Registry(tuple(sorted(people.values(), key=lambda p: p.id)))
    for remove, pid, name, aliases in changes:
        if remove:
            people.pop(pid, None)
        else:
            people[pid] = RegistryPerson(pid, name, tuple(aliases))
        registry = registry.updated(dict(people))
        scratch = Registry(tuple(sorted(people.values(), key=lambda p: p.id)))
        assert _indexes(registry) == _indexes(scratch)


def test_a_registry_read_in_file_order_is_updated_as_if_sorted() -> None:
    registry, _ = parse_registry("zoe:\n  name: Zoe\nanna:\n  name: Anna\n  aliases: [zoe-2]\n",
                                 "people.yaml")
    people = {p.id: p for p in registry.people}
    people["bert"] = RegistryPerson("bert", "Bert", ("zoe-2",))
    updated = registry.updated(people)
    assert [p.id for p in updated.people] == ["anna", "bert", "zoe"]
    assert _indexes(updated) == _indexes(Registry(updated.people))
    assert updated.canonical("zoe-2") == "bert"


def twins_of_one_label(label: str) -> Registry:
    """Two entries that both know `label`, seen in 2003 and in 2006."""
    return Registry(tuple(
        RegistryPerson(pid, "Van Haga", (label,), (Spell("CDA", seen, seen),),
                       (Spell("lid", seen, seen),))
        for pid, seen in (("van-haga", "2003-11-05"), ("van-haga-2", "2006-05-25"))))


def test_an_ambiguous_label_goes_to_the_entry_seen_nearest_in_time() -> None:
    label = "Mevrouw Van Haga (CDA):"
    member = Person("van-haga", "Van Haga", "CDA", "lid")
    resolved, registry = resolve_all(
        [meeting("2004-01-10", (member, label)), meeting("2006-06-01", (member, label))],
        twins_of_one_label(label))
    assert [m.people[0].id for m in resolved] == ["van-haga", "van-haga-2"]
    assert [p.id for p in registry.people] == ["van-haga", "van-haga-2"]
    _, _, diagnostics = resolve_meeting(meeting("2004-01-10", (member, label)),
                                        twins_of_one_label(label))
    assert ["taken as 'van-haga', the one seen nearest in time" in d.message
            for d in diagnostics] == [True]


BEFORE_BOTH = st.dates(min_value=date(1996, 1, 1), max_value=date(2003, 11, 5))
AFTER_BOTH = st.dates(min_value=date(2006, 5, 25), max_value=date(2014, 12, 31))


@given(st.lists(st.one_of(BEFORE_BOTH, AFTER_BOTH), min_size=1, max_size=40))
def test_an_ambiguous_label_does_not_add_an_entry_for_every_meeting(days: list[date]) -> None:
    """An entry added because a label was ambiguous learns the label too, so
    when every later meeting printing it added one more entry, an archive of
    many years held hundreds of one person. Meetings before the first twin was
    seen, or after the second, in any order, go to the nearer twin."""
    label = "Mevrouw Van Haga (CDA):"
    member = Person("van-haga", "Van Haga", "CDA", "lid")
    resolved, registry = resolve_all([meeting(d.isoformat(), (member, label)) for d in days],
                                     twins_of_one_label(label))
    assert [p.id for p in registry.people] == ["van-haga", "van-haga-2"]
    assert [m.people[0].id for m in resolved] == [
        "van-haga" if d <= date(2003, 11, 5) else "van-haga-2" for d in days]


def test_an_ambiguous_label_with_a_tie_in_time_still_adds_an_entry() -> None:
    label = "Mevrouw Van Haga (CDA):"
    twins = Registry(tuple(
        RegistryPerson(pid, "Van Haga", (label,), (Spell("CDA", "2005-01-01", "2005-12-31"),))
        for pid in ("van-haga", "van-haga-2")))
    member = Person("van-haga", "Van Haga", "CDA", "lid")
    resolved, registry = resolve_all([meeting("2005-06-01", (member, label))], twins)
    assert resolved[0].people[0].id == "van-haga-3"
    assert len(registry.people) == 3


@given(st.lists(st.tuples(_IDS, _NAMES, st.lists(st.one_of(_IDS, _NAMES), max_size=3)),
                max_size=6),
       st.lists(st.tuples(st.booleans(), _IDS, _NAMES, st.lists(_IDS, max_size=2)),
                max_size=6))
def test_an_update_told_which_ids_changed_is_the_registry_built_from_scratch(
        before: list, changes: list) -> None:
    """`updated(people, touched)` (resolve_meeting's way: the changed ids only,
    `people` in the registry's order) gives what building from scratch gives."""
    registry = Registry(tuple(sorted(
        {pid: RegistryPerson(pid, name, tuple(aliases)) for pid, name, aliases in before}
        .values(), key=lambda p: p.id)))
    for remove, pid, name, aliases in changes:
        people = dict(registry._by_id)
        if remove:
            people.pop(pid, None)
        else:
            people[pid] = RegistryPerson(pid, name, tuple(aliases))
        registry = registry.updated(people, {pid})
        scratch = Registry(tuple(sorted(people.values(), key=lambda p: p.id)))
        assert _indexes(registry) == _indexes(scratch)
        assert list(registry._by_id) == sorted(registry._by_id)
