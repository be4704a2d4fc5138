"""The speeches CSV: one row per turn, cells a spreadsheet will not run."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from site_fixture import seed_meeting

from generator.archive import build_archive
from generator.feeds import csv_row, write_speech_rows
from generator.model import Person, Source, Turn, TurnKind


def test_rows_name_each_speaker_and_neutralise_formulas():
    meeting = seed_meeting()
    people = (*meeting.people, Person("=kwaad", "=Kwaad", party="+Partij"))
    turns = (*meeting.turns,
             Turn("t90", "=kwaad", "=Kwaad:", ("=1+1", "tweede"), Source("x.md", 3)),
             Turn("t91", None, "", ("Schorsing.",), Source("x.md", 4), TurnKind.PROCEDURAL))
    meeting = replace(meeting, people=people, turns=turns)
    archive, _ = build_archive([meeting])
    out = io.StringIO()
    speakers = write_speech_rows(out, archive, archive.full(archive.meetings[0]))
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == len(turns)
    assert speakers == tuple(dict.fromkeys(t.speaker for t in turns if t.speaker))
    bad = rows[-2]
    assert bad[2:8] == ["t90", "speech", "'=kwaad", "'=Kwaad", "'+Partij", "'=Kwaad:"]
    assert bad[8:10] == ["2", "'=1+1\n\ntweede"]
    assert bad[10].endswith("#t90")
    assert rows[-1][3:9] == ["procedural", "", "", "", "", "0"]


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# text that holds what the CSV rules are about: commas, quotes, line ends, formula starts
_TEXT = st.text(st.sampled_from([",", '"', "\r", "\n", "\t", "=", "+", "-", "@", "'", " ",
                                 "a", "é", "\u2028", "\x00"]) | st.characters())


@given(st.lists(_TEXT | st.integers(), min_size=2, max_size=8))
def test_a_row_is_what_the_csv_module_writes_of_the_neutralised_cells(values):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(
        ["'" + v if isinstance(v, str) and v.startswith(_FORMULA) else v for v in values])
    assert csv_row(values) == out.getvalue()
    back = next(csv.reader(io.StringIO(csv_row(values), newline="")))
    assert back == ["'" + v if isinstance(v, str) and v.startswith(_FORMULA) else str(v)
                    for v in values]
