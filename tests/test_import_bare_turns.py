"""`importer._bare_turn` and `importer._source` make the objects their
constructors make (the import fills their fields' dict directly: faster for
the ~100 turns a transcript): equal, the same fields in the same order, the
same pickle and hash, for any values."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import importer
from generator.model import Source, Turn, TurnKind

names = st.text(max_size=12)


def test_the_fast_way_is_taken() -> None:
    assert importer._FILL_FIELDS


@settings(max_examples=200, deadline=None)
@given(names, st.none() | names, names, names, st.integers(0, 10**6),
       st.sampled_from([TurnKind.SPEECH, TurnKind.PROCEDURAL, "speech"]))
def test_bare_turns_are_what_the_constructors_make(tid, speaker, label, file, line, kind) -> None:
    made = importer._bare_turn(tid, speaker, label, importer._source(file, line), kind)
    plain = Turn(tid, speaker, label, (), Source(file, line), kind)  # type: ignore[arg-type]
    assert made == plain and hash(made) == hash(plain)
    assert type(made) is Turn and type(made.source) is Source
    assert list(vars(made).items()) == list(vars(plain).items())
    assert list(vars(made.source).items()) == list(vars(plain.source).items())
    assert pickle.dumps(made) == pickle.dumps(plain)
    assert repr(made) == repr(plain)
