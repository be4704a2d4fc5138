"""The content format (docs/format.md): every meeting survives write -> read, a
human can edit it, and malformed files give diagnostics with file and line."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.markdown_io import (
    ImportStamp,
    escape_paragraph,
    is_hand_edited,
    read_meeting,
    read_stamp,
    unescape_paragraph,
    write_meeting,
)
from generator.model import (
    Commitment,
    Meeting,
    Motion,
    Person,
    Section,
    Source,
    Suspension,
    Turn,
    TurnKind,
    Verdict,
    VerdictKind,
    Vote,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"
FILE = "transcripts/000_80043238be0c1716.txt"

# Text that breaks naive writers: Markdown and HTML syntax, entities, escapes,
# YAML indicators, quotes, control characters, line and paragraph separators.
NASTY = [
    "*", "_", "#", "<", ">", "[", "]", "(", ")", "\\", "`", "&", "&amp;", "&#65;", "&nbsp;",
    ":::", "::: turn {#t9}", "{#x}", "{", "}", "1.", "2)", "-", "+", "=", "~~~", "```", "|",
    "---", "***", "<script>alert(1)</script>", "'", '"', "’", "“", ": ", " #", "\n", "\n\n",
    "\r", "\r\n", "\t", " ", "  ", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\xa0",
    "\u3000", "\ufeff", "ë", "Ã«", "😀", "null", "~", "yes", "13:30", "2020-09-28", "- ", "> ",
    "voor: ", "tegen:", "#### Tekst", "!", "[x](javascript:alert(1))", "%", "@", "\\\n",
]
text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=6).map("".join)
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
any_id = st.one_of(ids, text.filter(bool))
opt_text = st.none() | text
lines = st.integers(min_value=0, max_value=100_000)


@st.composite
def sources(draw: st.DrawFn) -> Source:
    return Source(draw(st.sampled_from([FILE, FILE, "other/file.xml"]) | text), draw(lines))


@st.composite
def motions(draw: st.DrawFn) -> Motion:
    submitters = draw(st.lists(text, max_size=3))
    verdict = draw(st.none() | st.builds(Verdict, st.sampled_from(list(VerdictKind)),
                                          st.none() | ids, text, sources()))
    vote = draw(st.none() | st.builds(Vote, text, st.lists(text, max_size=3).map(tuple),
                                       st.lists(text, max_size=3).map(tuple),
                                       st.none() | ids, sources()))
    return Motion(
        id=draw(any_id), number=draw(opt_text), dossier=draw(opt_text),
        submitters=tuple(submitters),
        submitter_ids=tuple(draw(st.none() | any_id) for _ in submitters),
        text=draw(text), considerations=tuple(draw(st.lists(text, max_size=3))),
        requests=tuple(draw(st.lists(text, max_size=3))), turn=draw(st.none() | ids),
        source=draw(sources()), verdict=verdict, vote=vote, replaces=draw(opt_text),
        title=draw(opt_text))


@st.composite
def meetings(draw: st.DrawFn) -> Meeting:
    turns = draw(st.lists(st.builds(Turn, any_id, st.none() | any_id, text,
                                    st.lists(text, max_size=4).map(tuple), sources(),
                                    st.sampled_from(list(TurnKind))), max_size=5))
    people = draw(st.lists(st.builds(Person, any_id, text, opt_text, opt_text), max_size=4))
    return Meeting(
        id=draw(any_id), title=draw(opt_text), date=draw(opt_text), body=draw(text),
        kind=draw(text), committee=draw(opt_text), dossier=draw(opt_text),
        chair=draw(st.none() | any_id), clerk=draw(opt_text), start=draw(opt_text),
        end=draw(opt_text), people=tuple(people),
        present=tuple(draw(st.lists(any_id, max_size=4))), turns=tuple(turns),
        motions=tuple(draw(st.lists(motions(), max_size=3))),
        commitments=tuple(draw(st.lists(st.builds(Commitment, text, st.none() | ids,
                                                  sources()), max_size=2))),
        suspensions=tuple(draw(st.lists(st.builds(Suspension, opt_text, opt_text,
                                                  st.none() | ids, sources()), max_size=2))),
        sections=tuple(draw(st.lists(st.builds(Section, text, any_id), max_size=2))),
        source=Source(draw(st.sampled_from([FILE, ""]) | text), draw(lines)),
        language=draw(text))


def seed_meeting() -> Meeting:
    """A meeting built by hand from the seed's real text (header and first turns)."""
    lines_ = SEED.read_text(encoding="utf-8").splitlines()

    def para(first: int, last: int) -> str:
        return " ".join(line.strip() for line in lines_[first - 1:last])

    people = (Person("pia-dijkstra", "Pia Dijkstra", "D66", "voorzitter"),
              Person("karabulut", "Karabulut", "SP", "lid"),
              Person("bosman", "Bosman", "VVD", "lid"),
              Person("blok", "Blok", None, "Minister van Buitenlandse Zaken"))
    turns = (
        Turn("t0001", "pia-dijkstra", "De voorzitter:", (para(14, 18), para(19, 25)),
             Source(FILE, 13)),
        Turn("t0002", "karabulut", "Mevrouw Karabulut (SP):", (para(28, 28),), Source(FILE, 27)),
        Turn("t0003", "pia-dijkstra", "De voorzitter:", (para(31, 35), para(36, 37)),
             Source(FILE, 30)),
        Turn("t0004", "bosman", "De heer Bosman (VVD):", (para(40, 41), para(42, 50)),
             Source(FILE, 39)),
    )
    return Meeting(
        id="2020-09-28-notaoverleg-ruslandstrategie", title="Notaoverleg Ruslandstrategie",
        date="2020-09-28", body="Tweede Kamer", kind="commissie",
        committee="vaste commissie voor Buitenlandse Zaken", dossier="35 373",
        chair="pia-dijkstra", clerk="Meijers", start="13:30", end=None, people=people,
        present=("pia-dijkstra", "karabulut", "bosman"), turns=turns,
        motions=(Motion("35373-3", "3", "35 373", ("Bosman", "Koopmans"), ("bosman", None),
                        para(2713, 2726), (para(2716, 2720),), (para(2721, 2723),), "t0004",
                        Source(FILE, 2712),
                        Verdict(VerdictKind.OORDEEL_KAMER, "t0004", "Oordeel Kamer.",
                                Source(FILE, 3000))),),
        commitments=(Commitment("De Minister stuurt de Kamer een brief.", "t0003",
                                Source(FILE, 3600)),),
        suspensions=(Suspension("14:59", "15:11", "t0003", Source(FILE, 1500)),),
        sections=(Section("Eerste termijn", "t0001"),), source=Source(FILE))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meetings(), st.booleans())
def test_every_meeting_survives_a_write_and_read_unchanged(meeting: Meeting,
                                                           stamped: bool) -> None:
    """Unstamped files are read with markdown-it, stamped ones (untouched import
    output) by the line reader: both must give the meeting back."""
    written = write_meeting(meeting, ImportStamp("p", "0" * 64) if stamped else None)
    assert read_meeting(written, "content/x.md") == (meeting, [])


@settings(max_examples=300, deadline=None)
@given(text)
def test_any_paragraph_text_survives_escaping(value: str) -> None:
    assert unescape_paragraph("\n".join(escape_paragraph(value))) == value


def test_the_seed_meeting_survives_a_write_and_read_unchanged() -> None:
    meeting = seed_meeting()
    assert read_meeting(write_meeting(meeting), "content/seed.md") == (meeting, [])


def test_a_content_file_reads_like_the_transcript_for_a_human() -> None:
    written = write_meeting(seed_meeting())
    assert '::: turn {#t0002 speaker=karabulut label="Mevrouw Karabulut (SP):" line=27}' in written
    assert "Voorzitter, doen we die interruptie dan met twee vervolgvragen?" in written
    assert "- {id: bosman, name: Bosman, party: VVD, role: lid}" in written


def test_changing_the_speaker_attribute_reattributes_the_speech() -> None:
    written = write_meeting(seed_meeting())
    edited = written.replace("{#t0002 speaker=karabulut", "{#t0002 speaker=bosman")
    meeting, diagnostics = read_meeting(edited, "content/seed.md")
    assert diagnostics == []
    assert meeting is not None and meeting.turns[1].speaker == "bosman"


def test_a_hand_wrapped_paragraph_reads_as_one_paragraph() -> None:
    written = write_meeting(seed_meeting())
    wrapped = written.replace("Voorzitter, doen we die interruptie dan",
                              "Voorzitter, doen we die\n   interruptie dan")
    meeting, _ = read_meeting(wrapped, "content/seed.md")
    assert meeting is not None
    assert meeting.turns[1].paragraphs == seed_meeting().turns[1].paragraphs


def test_a_bad_front_matter_is_reported_with_file_and_line() -> None:
    written = write_meeting(seed_meeting())
    broken = written.replace("clerk: Meijers", "clerk: [Meijers")
    meeting, diagnostics = read_meeting(broken, "content/seed.md")
    assert meeting is None
    assert diagnostics[0].file == "content/seed.md"
    assert diagnostics[0].line == written.splitlines().index("clerk: Meijers") + 1


def test_a_block_without_closing_fence_is_reported_with_its_line() -> None:
    written = write_meeting(seed_meeting())
    broken = written.replace("vervolgvragen?\n:::\n", "vervolgvragen?\n", 1)
    _, diagnostics = read_meeting(broken, "content/seed.md")
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "#t0003" in x)) + 1
    assert [(d.message, d.line) for d in diagnostics] == [
        ("block opened inside another block", line)]


def test_a_file_without_front_matter_is_an_error_not_a_crash() -> None:
    meeting, diagnostics = read_meeting("# Notaoverleg\n\ntext\n", "content/x.md")
    assert meeting is None and diagnostics[0].line == 1


def test_the_import_stamp_detects_a_hand_edit() -> None:
    stamp = ImportStamp("text/1", "a" * 64, None)
    written = write_meeting(seed_meeting(), stamp)
    assert read_stamp(written) == replace(stamp, content_sha256=read_stamp(written).content_sha256)
    assert not is_hand_edited(written)
    assert is_hand_edited(written.replace("speaker=karabulut", "speaker=bosman"))
    assert read_meeting(written, "content/seed.md") == (seed_meeting(), [])


def test_reading_a_60_kb_content_file_takes_a_few_milliseconds() -> None:
    base = seed_meeting()
    meeting = replace(base, turns=tuple(replace(base.turns[i % 4], id=f"t{i:04d}")
                                        for i in range(1, 101)))
    written = write_meeting(meeting)
    assert 50_000 < len(written.encode()) < 80_000
    best = min(_timed(read_meeting, written) for _ in range(5))
    assert best < 0.05, f"{best * 1000:.1f} ms"


def _timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn(*args, "content/x.md")
    return time.perf_counter() - started


CORPUS = ROOT / "tests" / "data" / "corpus"


def test_real_transcripts_of_every_format_survive_a_write_and_read_unchanged() -> None:
    from generator.ingest import read_transcript

    names = ["tk-ohxml-20180405-h70-6-stemmingen.xml", "tk-ohxml-2018-h61-10-vao-ondernemen.xml",
             "tk-pdftxt-20240208-tmd-volkshuisvesting.txt"]
    meetings = [m for name in names for m in read_transcript(CORPUS / name, name).meetings]
    assert len(meetings) == 3 and sum(len(m.motions) for m in meetings) > 10
    for meeting in meetings:
        assert read_meeting(write_meeting(meeting), "content/x.md") == (meeting, [])


GOLDEN = ROOT / "tests" / "golden" / "format-seed-excerpt.md"


def golden_meeting() -> Meeting:
    """The hand-built seed meeting plus a turn of text that needs every escape."""
    base = seed_meeting()
    nasty = Turn("t0005", None, "", (
        "# niet een kop", "1. geen lijst", "- ook geen lijst", "> geen citaat", ":::",
        "*sterren* en _lage streepjes_ en [haken](x) en <b>html</b> en `code` en {#id}",
        "&amp; blijft &amp; en \\ blijft \\", " spaties aan beide kanten ",
        "regel\nnieuwe regel\n", "\x00\r\u2028", ""), Source(FILE, 99), TurnKind.PROCEDURAL)
    return replace(base, turns=(*base.turns, nasty))


def test_the_format_of_a_content_file_is_stable() -> None:
    """The format is a contract: a change rewrites every archive's content files.
    After an intended change: PLENUM_REGEN_GOLDEN=1 pytest tests/test_markdown_io.py"""
    import os

    written = write_meeting(golden_meeting())
    if os.environ.get("PLENUM_REGEN_GOLDEN"):
        GOLDEN.write_text(written, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if written != expected:
        actual = ROOT / "test-artifacts" / "format-seed-excerpt.actual.md"
        actual.parent.mkdir(exist_ok=True)
        actual.write_text(written, encoding="utf-8")
        pytest.fail(f"content format changed; please diff {GOLDEN} {actual}")
    assert read_meeting(expected, "content/x.md") == (golden_meeting(), [])


def test_untouched_import_output_is_read_without_markdown_it_and_reads_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import markdown_io

    meeting = golden_meeting()
    stamped = write_meeting(meeting, ImportStamp("p", "0" * 64))
    edited = stamped.replace("content_sha256: ", "content_sha256: 0", 1)  # a hand edit
    assert read_meeting(edited, "content/x.md") == (meeting, [])

    class NoMarkdownIt:
        def parse(self, text: str) -> None:
            raise AssertionError("markdown-it was used")

    monkeypatch.setattr(markdown_io, "_md", NoMarkdownIt())
    assert read_meeting(stamped, "content/x.md") == (meeting, [])
