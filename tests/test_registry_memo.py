"""The registry's shortcuts against their plain definitions: when an entry was
seen (remembered per entry), spells and entries kept as they were when a
meeting teaches nothing, and a meeting that changes no entry keeping the
registry."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import registry as reg
from generator.model import Meeting, Person, Source, Turn
from generator.registry import Registry, RegistryPerson, Spell, resolve_meeting

_dates = st.one_of(st.none(), st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31))
                   .map(datetime.date.isoformat), st.sampled_from(["", "0000-01-01", "n.d."]))
_spells = st.lists(st.builds(Spell, st.sampled_from(["VVD", "CDA", "lid", "Minister van X"]),
                             _dates, _dates), max_size=4).map(tuple)
_entries = st.builds(RegistryPerson, st.just("p"), st.just("P"), st.just(()), _spells, _spells)


def _plain_years(entry: RegistryPerson) -> tuple[int, int] | None:
    years = [y for s in entry.roles + entry.parties
             for y in (reg._year(s.start), reg._year(s.end)) if y]
    return (min(years), max(years)) if years else None


def _plain_days(entry: RegistryPerson) -> tuple[int, int] | None:
    days = [reg._ordinal(d) for s in entry.roles + entry.parties for d in (s.start, s.end)]
    known = [d for d in days if d is not None]
    return (min(known), max(known)) if known else None


def _plain_near(entry: RegistryPerson, date: str | None, apart: int = reg.YEARS_APART) -> bool:
    year = reg._year(date)
    years = [y for s in entry.roles + entry.parties
             for y in (reg._year(s.start), reg._year(s.end)) if y]
    return year is None or not years or min(years) - apart <= year <= max(years) + apart


def _plain_extend(spells: tuple[Spell, ...], value: str | None,
                  date: str | None) -> tuple[Spell, ...]:
    if not value:
        return spells
    out = list(spells)
    for i, s in enumerate(out):
        if s.value == value:
            if date:
                out[i] = Spell(value, min(filter(None, (s.start, date))),
                               max(filter(None, (s.end, date))))
            return tuple(out)
    return (*out, Spell(value, date, date))


@settings(max_examples=300)
@given(_entries, _dates, st.integers(0, 30))
def test_seen_and_near_match_their_plain_definitions(entry, date, apart):
    for _ in range(2):  # worked out, then remembered
        assert reg._seen_years(entry) == _plain_years(entry)
        assert reg._seen_days(entry) == _plain_days(entry)
        assert reg._near(entry, date, apart) == _plain_near(entry, date, apart)


def test_a_new_entry_is_not_given_what_was_remembered_for_another():
    old = RegistryPerson("p", "P", (), (Spell("VVD", "2001-01-01", "2002-01-01"),))
    assert reg._seen_years(old) == (2001, 2002)
    new = replace(old, parties=(Spell("VVD", "2001-01-01", "2010-01-01"),))
    assert reg._seen_years(new) == (2001, 2010)
    assert reg._seen_days(new) == _plain_days(new)
    reg._SEEN_YEARS.clear()
    assert reg._seen_years(old) == (2001, 2002)  # (worked out again)


@given(_spells, st.sampled_from([None, "", "VVD", "CDA", "lid"]), _dates)
def test_extend_matches_its_plain_definition_and_keeps_unchanged_spells(spells, value, date):
    got = reg._extend(spells, value, date)
    assert got == _plain_extend(spells, value, date)
    if got == spells:
        assert got is spells


def _meeting(date: str, people: list[Person], labels: list[str]) -> Meeting:
    turns = tuple(Turn(f"t{i:04d}", p.id, label, ("x",), Source("a.txt", i))
                  for i, (p, label) in enumerate(zip(people, labels, strict=True), 1))
    return Meeting(f"m-{date}", "T", date, "Tweede Kamer", "commissie", None, None, None, None,
                   None, None, tuple(people), tuple(p.id for p in people), turns,
                   source=Source("a.txt", 1))


def test_a_meeting_that_teaches_nothing_keeps_the_registry():
    people = [Person("bosman", "Bosman", "VVD", "lid"), Person("blok", "Blok", None,
                                                                "Minister van Financiën")]
    labels = ["De heer Bosman (VVD):", "Minister Blok:"]
    _, first, _ = resolve_meeting(_meeting("2020-01-01", people, labels), Registry())
    _, second, _ = resolve_meeting(_meeting("2020-06-01", people, labels), first)
    assert second is not first and second != first  # the spells widened
    resolved, third, _ = resolve_meeting(_meeting("2020-03-01", people, labels), second)
    assert third is second  # within the spells, no new label: nothing to learn
    assert [p.id for p in resolved.people] == ["bosman", "blok"]
    # the same as making the registry afresh from its people
    assert Registry(tuple(sorted(third.people, key=lambda p: p.id))) == third
    assert third.redirects() == Registry(third.people).redirects()


def test_resolving_an_archive_matches_resolving_without_the_shortcuts(monkeypatch):
    """Resolve a few parsed meetings in turn with the shortcuts, then with
    each entry learnt afresh and nothing remembered: the same meetings,
    registry and warnings."""
    from generator.ingest import read_transcript

    root = Path(__file__).parent.parent
    paths = sorted((root / "transcripts").glob("*.txt"))[:3] or \
        sorted((root / "tests" / "fixtures").rglob("*.txt"))[:6]
    meetings = [m for p in paths for m in read_transcript(p, p.name).meetings]
    assert meetings

    def run() -> tuple:
        registry, out = Registry(), []
        for m in meetings * 2:  # the second time round, little is new
            resolved, registry, diags = resolve_meeting(m, registry, "x")
            out.append((resolved, diags))
        return (out, registry.people, registry.redirects(), registry._by_key,
                registry._by_surname)

    fast = run()
    learn = reg._learn
    monkeypatch.setattr(reg, "_learn", lambda *a: replace(learn(*a)))  # always a new entry
    monkeypatch.setattr(reg, "_extend", _plain_extend)
    monkeypatch.setattr(reg, "_near", _plain_near)
    monkeypatch.setattr(reg, "_seen_days", _plain_days)
    assert run() == fast
