"""Shared by the search tests: the example archive, its index, and the
relevance judgments of tests/search_relevance.yaml resolved to record numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import yaml

from generator.ingest import read_transcript
from generator.model import Meeting
from generator.search import default_splitter
from generator.search.index import IndexStats, build_index
from generator.search.records import SearchRecord, build_records

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "transcripts" / "000_80043238be0c1716.txt"
JUDGMENTS = ROOT / "tests" / "search_relevance.yaml"


@cache
def example_meetings() -> tuple[Meeting, ...]:
    return read_transcript(SEED, "transcripts/" + SEED.name).meetings


def people_of(meetings: tuple[Meeting, ...]) -> dict:
    return {p.id: p for m in meetings for p in m.people}


def example_records() -> list[SearchRecord]:
    """In index order: record number i is the i-th record."""
    meetings = example_meetings()
    return build_records(meetings, people_of(meetings))


def build_example_index(out: Path) -> IndexStats:
    meetings = example_meetings()
    return build_index(meetings, people_of(meetings), out, default_splitter())


@dataclass(frozen=True)
class Judged:
    query: str
    kind: str
    filters: dict[str, list[str]]
    relevant: tuple[int, ...]  # record numbers


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def resolve(ref: dict, records: list[SearchRecord]) -> list[int]:
    """Record numbers matching a judgment's reference (speaker + phrase)."""
    phrase = _squash(ref["phrase"])
    return [i for i, r in enumerate(records)
            if r.speaker_id == ref["speaker"] and phrase in _squash(r.text)
            and ref.get("type", r.type) == r.type]


def load_judgments() -> list[dict]:
    return yaml.safe_load(JUDGMENTS.read_text(encoding="utf-8"))


def judged_queries(records: list[SearchRecord]) -> list[Judged]:
    out = []
    for item in load_judgments():
        docs = tuple(dict.fromkeys(d for ref in item["relevant"] for d in resolve(ref, records)))
        out.append(Judged(item["query"], item["kind"], item.get("filters") or {}, docs))
    return out


def example_pieces(count: int, changed: int | None = None) -> tuple[Meeting, ...]:
    """The example meeting cut into `count` meetings (every `count`-th turn;
    the motions in the first); with `changed`, one word of that piece's first
    speech differs."""
    whole = example_meetings()[0]
    pieces = []
    for i in range(count):
        turns = whole.turns[i::count]
        if i == changed:
            first = next(n for n, t in enumerate(turns) if t.paragraphs)
            turn = turns[first]
            edited = replace(
                turn, paragraphs=(turn.paragraphs[0] + " Sanctiepakket.", *turn.paragraphs[1:]))
            turns = (*turns[:first], edited, *turns[first + 1:])
        pieces.append(replace(whole, id=f"{whole.id}-{i}", turns=turns,
                              motions=whole.motions if i == 0 else ()))
    return tuple(pieces)
