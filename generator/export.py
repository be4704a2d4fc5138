"""Meeting -> plain JSON-ready dict: the open-data format of `build.py parse --json`
and of `site/data/meetings/<id>.json` (documented in docs/data.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from json.encoder import encode_basestring as _string  # C: escapes as ensure_ascii=False
from typing import Any

from generator.model import Meeting, Motion, Turn

FORMAT_VERSION = 1


def turn_to_dict(turn: Turn) -> dict[str, Any]:
    return {
        "id": turn.id,
        "speaker": turn.speaker,
        "label": turn.label,
        "kind": turn.kind.value,
        "paragraphs": list(turn.paragraphs),
        "line": turn.source.line,
    }


def motion_to_dict(motion: Motion) -> dict[str, Any]:
    verdict = motion.verdict
    vote = motion.vote
    return {
        "id": motion.id,
        "number": motion.number,
        "dossier": motion.dossier,
        "title": motion.title,
        "submitters": list(motion.submitters),
        "submitter_ids": list(motion.submitter_ids),
        "text": motion.text,
        "considerations": list(motion.considerations),
        "requests": list(motion.requests),
        "turn": motion.turn,
        "line": motion.source.line,
        "verdict": None if verdict is None else {
            "kind": verdict.kind.value, "turn": verdict.turn, "quote": verdict.quote,
            "line": verdict.source.line,
        },
        "vote": None if vote is None else {
            "result": vote.result, "for": list(vote.parties_for),
            "against": list(vote.parties_against), "turn": vote.turn,
        },
        "replaces": motion.replaces,
    }


def meeting_to_dict(meeting: Meeting) -> dict[str, Any]:
    """The whole meeting as JSON-ready data; keys are stable (docs/data.md)."""
    return {
        "format": FORMAT_VERSION,
        "id": meeting.id,
        "title": meeting.title,
        "date": meeting.date,
        "body": meeting.body,
        "kind": meeting.kind,
        "committee": meeting.committee,
        "dossier": meeting.dossier,
        "chair": meeting.chair,
        "clerk": meeting.clerk,
        "start": meeting.start,
        "end": meeting.end,
        "source": meeting.source.file,
        "suspensions": [
            {"start": s.start, "end": s.end, "turn": s.turn, "line": s.source.line}
            for s in meeting.suspensions
        ],
        "sections": [{"title": s.title, "turn": s.turn} for s in meeting.sections],
        "people": [
            {"id": p.id, "name": p.name, "party": p.party, "role": p.role}
            for p in meeting.people
        ],
        "present": list(meeting.present),
        "turns": [turn_to_dict(t) for t in meeting.turns],
        "motions": [motion_to_dict(m) for m in meeting.motions],
        "commitments": [
            {"text": c.text, "turn": c.turn, "line": c.source.line} for c in meeting.commitments
        ],
    }


def meeting_json(meeting: Meeting) -> str:
    """``json.dumps(meeting_to_dict(meeting), ensure_ascii=False, indent=2)``,
    the same text about three times faster (the standard library encodes an
    indented document in pure Python; this one builds it from C-escaped
    strings, and the turns, most of a meeting, without a dict each)."""
    data = meeting_to_dict(replace(meeting, turns=()))
    data["turns"] = _Raw(turns_json(meeting.turns))
    out: list[str] = []
    _encode(data, "\n", out)
    return "".join(out)


@dataclass(frozen=True)
class _Raw:
    """Text `_encode` writes as it is (JSON encoded already)."""

    text: str


# where a turn's lines start in a meeting's JSON: the turns list is a value of
# the top-level object, so its items sit at depth 2 and their fields at depth 3
_LIST, _ITEM, _FIELD, _PARAGRAPH = "\n  ", "\n    ", "\n      ", "\n        "


def turns_json(turns: Sequence[Turn]) -> str:
    """``[turn_to_dict(t) for t in turns]`` as `meeting_json` writes the value
    of the meeting's ``"turns"`` key."""
    if not turns:
        return "[]"
    items = []
    for turn in turns:
        paragraphs = ("[" + _PARAGRAPH + ("," + _PARAGRAPH).join(map(_string, turn.paragraphs))
                      + _FIELD + "]") if turn.paragraphs else "[]"
        items.append("".join((
            "{", _FIELD, '"id": ', _string(turn.id),
            ",", _FIELD, '"speaker": ', "null" if turn.speaker is None else _string(turn.speaker),
            ",", _FIELD, '"label": ', _string(turn.label),
            ",", _FIELD, '"kind": ', _string(turn.kind.value),
            ",", _FIELD, '"paragraphs": ', paragraphs,
            ",", _FIELD, '"line": ', int.__repr__(turn.source.line),
            _ITEM, "}")))
    return "[" + _ITEM + ("," + _ITEM).join(items) + _LIST + "]"


def _encode(value: Any, newline: str, out: list[str]) -> None:
    """Append `value` as ``json.dumps(indent=2, ensure_ascii=False)`` writes it
    at the depth whose line start is `newline` (a newline and the indent)."""
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        if all(type(item) is str for item in value):
            out.append("[" + inner + ("," + inner).join(map(_string, value)) + newline + "]")
            return
        out.append("[")
        for i, item in enumerate(value):
            out.append(inner if i == 0 else "," + inner)
            _encode(item, inner, out)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            out.append((inner if i == 0 else "," + inner) + _string(key) + ": ")
            _encode(item, inner, out)
        out.append(newline + "}")
    elif type(value) is _Raw:
        out.append(value.text)
    else:  # floats and anything else: not in the format; let json decide
        out.append(json.dumps(value, ensure_ascii=False))
