"""The context and chart records that pickle as their fields in order (their own
``__reduce__``, for page fingerprints): each reads back equal, and its
fingerprint bytes change with every field, as the default pickle's did."""

from __future__ import annotations

import io
import pickle
from dataclasses import fields, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from generator import charts, contexts
from generator.stable_pickle import hashing_pickler

_CLASSES = [charts.Series, charts.Bar, charts.Mark, charts.Cell, charts.Figure,
            contexts.PageMeta, contexts.MeetingRow, contexts.NameLink, contexts.TocEntry,
            contexts.MeetingGroup, contexts.PersonRow]

_VALUE = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans(),
                   st.text(max_size=8).map(Markup),
                   st.tuples(st.text(max_size=4), st.integers()))


def _bytes(value: object) -> bytes:
    buffer = io.BytesIO()
    hashing_pickler(buffer).dump(value)
    return buffer.getvalue()


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda cls: cls.__name__)
def test_every_record_class_reduces_to_its_own_fields(cls: type) -> None:
    assert "__reduce__" in vars(cls)
    names = [f.name for f in fields(cls)]
    record = cls(*names)
    assert record.__reduce__() == (cls, tuple(names))


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reads_back_equal_and_every_field_changes_the_bytes(cls: type, data: st.DataObject
                                                            ) -> None:
    names = [f.name for f in fields(cls)]
    values = [data.draw(_VALUE) for _ in names]
    record = cls(*values)
    assert pickle.loads(pickle.dumps(record)) == record
    for name, value in zip(names, values, strict=True):
        other = (value, data.draw(_VALUE))  # another value whatever was drawn
        assert _bytes(replace(record, **{name: other})) != _bytes(record)
