"""Meeting -> plain JSON-ready dict: the open-data format of `build.py parse --json`
and of `site/data/meetings/<id>.json` (documented in docs/data.md)."""

from __future__ import annotations

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
