"""`registry.read_written` reads people.yaml as `dump_registry` writes it,
line by line, to what YAML reads from it; anything else it leaves to YAML
(None). Checked against YAML for any registry, for the example archive's
file and the benchmark archives' (when generated), and for texts edited at random."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.markdown_syntax import YamlLoader
from generator.registry import (
    Registry,
    RegistryPerson,
    Spell,
    dump_registry,
    parse_registry,
    read_written,
)

# Values the writer writes plain, quoted, escaped or as null.
words = st.text(alphabet=st.sampled_from(list("aZé’'.,:#-[]{}\"\\ \t\n1")), max_size=12) \
    | st.sampled_from(["null", "Null", "yes", "~", "2020-01-02", "1.5", "[]"])
dates = st.none() | st.sampled_from(["2020-01-02", "1999-12-31", "13:30", "", "null"])
spells = st.lists(st.builds(Spell, words, dates, dates), max_size=3).map(tuple)
people = st.lists(st.builds(RegistryPerson, st.text(alphabet="abc-1 :\"", min_size=1,
                                                    max_size=8),
                            words, st.lists(words, max_size=3).map(tuple), spells, spells,
                            st.none() | words), max_size=5)


def yaml_of(text: str):
    return yaml.load(text, Loader=YamlLoader)  # noqa: S506 - a safe loader


@settings(max_examples=300, deadline=None)
@given(people)
def test_what_the_writer_writes_reads_as_yaml_reads_it(persons) -> None:
    by_id = {p.id: p for p in persons}
    text = dump_registry(Registry(tuple(by_id.values())))
    fast = read_written(text)
    assert fast == yaml_of(text) or (fast is None and not by_id)
    if fast is not None:
        assert repr(fast) == repr(yaml_of(text))  # (key order and types too)


@settings(max_examples=300, deadline=None)
@given(people, st.data())
def test_an_edited_file_reads_as_yaml_reads_it_or_is_left_to_yaml(persons, data) -> None:
    text = dump_registry(Registry(tuple({p.id: p for p in persons}.values())))
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 3))
    edited = text[:at] + data.draw(st.sampled_from(["", " ", "\n", "#", ":", "  - {a: b}\n",
                                                    "x", "\"", "  note: n\n"])) + text[at + cut:]
    fast = read_written(edited)
    if fast is not None:
        try:
            slow = yaml_of(edited)
        except yaml.YAMLError:
            raise AssertionError("read a file YAML refuses") from None
        assert repr(fast) == repr(slow)


ROOT = Path(__file__).resolve().parent.parent
# people.yaml files Plenum wrote: the example archive's, and the benchmark
# archives' where they have been generated (benchmarks/out/<n>/)
WRITTEN = [ROOT / "content" / "people.yaml",
           *sorted((ROOT / "benchmarks" / "out").glob("*/content/people.yaml"))]


@pytest.mark.parametrize("path", WRITTEN, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_registry_plenum_wrote_reads_as_yaml_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = read_written(text)
    assert fast is not None  # written by dump_registry: the line reader takes it
    assert fast == yaml_of(text)


@settings(max_examples=100, deadline=None)
@given(people)
def test_parse_registry_gives_what_it_gave_through_yaml(persons) -> None:
    text = dump_registry(Registry(tuple({p.id: p for p in persons}.values())))
    assume(read_written(text) is not None)
    import generator.registry as registry

    fast = parse_registry(text, "content/people.yaml")
    original = registry.read_written
    registry.read_written = lambda _text: None
    try:
        slow = parse_registry(text, "content/people.yaml")
    finally:
        registry.read_written = original
    assert fast[0] == slow[0] and fast[0].people == slow[0].people
    assert fast[1] == slow[1]
