"""The hashing pickler (generator/stable_pickle.py): the bytes of a value depend
on the value alone, in any process, and Plenum's classes are written by number."""

from __future__ import annotations

import copy
import io
import pickle
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from generator.model import Person, Source, Turn, TurnKind
from generator.stable_pickle import hashing_pickler

ROOT = Path(__file__).resolve().parent.parent

texts = st.text(max_size=30)
turns = st.builds(Turn, id=texts, speaker=st.none() | texts, label=texts,
                  paragraphs=st.lists(texts, max_size=3).map(tuple),
                  source=st.builds(Source, file=texts, line=st.integers(0, 10**6)),
                  kind=st.sampled_from(TurnKind))


def hashed_bytes(value: object) -> bytes:
    buffer = io.BytesIO()
    hashing_pickler(buffer).dump(value)
    return buffer.getvalue()


@given(st.lists(turns, max_size=5))
def test_equal_values_give_equal_bytes_however_objects_are_shared(values):
    shared = [values[0]] * 3 if values else []
    assert hashed_bytes(copy.deepcopy(values)) == hashed_bytes(values)
    assert hashed_bytes(shared) == hashed_bytes([copy.deepcopy(v) for v in shared])


def test_classes_are_written_by_number_not_by_name():
    people = [Person(f"p{i}", f"Naam {i}", "PVV") for i in range(50)]
    buffer = io.BytesIO()
    plain = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    plain.fast = True  # no memo, as the hashing pickler
    plain.dump(people)
    assert buffer.getvalue().count(b"generator.model") == len(people)
    assert b"generator.model" not in hashed_bytes(people)
    assert len(hashed_bytes(people)) < len(buffer.getvalue())


def test_the_bytes_are_the_same_in_a_fresh_process_that_imports_in_another_order():
    value = [Person("a", "A", None), Turn("t1", "a", "A:", ("x",), Source("f", 1))]
    script = (
        "import io, sys; import generator.figures, generator.charts, generator.stats\n"
        "from generator.model import Person, Source, Turn\n"
        "from generator.stable_pickle import hashing_pickler\n"
        "b = io.BytesIO()\n"
        "hashing_pickler(b).dump([Person('a', 'A', None), "
        "Turn('t1', 'a', 'A:', ('x',), Source('f', 1))])\n"
        "sys.stdout.write(b.getvalue().hex())\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert bytes.fromhex(out) == hashed_bytes(value)
