"""Search records from the model: one per speech and one per motion.

Records are built from `Meeting`s (not scraped from the rendered HTML), so they
carry what the model knows: the deep link to the speech on its meeting page, the
speaker resolved to a person (and party), the meeting's title, date, kind and
dossier.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator import urls
from generator.model import Meeting, Motion, Person, Turn, TurnKind
from generator.stable_pickle import hashing_pickler

SPEECH = "speech"
MOTION = "motion"


@dataclass(frozen=True)
class SearchRecord:
    """What the search finds and shows: a speech or a motion."""

    type: str  # SPEECH | MOTION
    url: str  # site-relative, e.g. "vergaderingen/<id>.html#t0042"
    meeting_id: str
    ref: str  # the turn id of a speech, the motion id of a motion
    title: str  # the meeting's title
    date: str  # ISO date, "" when unknown
    kind: str  # the meeting's kind: "commissie" | "plenair"
    dossier: str
    speaker_id: str  # person id, "" when the speaker is not resolved
    speaker: str  # name to show
    party: str
    heading: str  # a motion's title or number; "" for speeches
    text: str  # paragraphs joined by newlines

    @property
    def year(self) -> str:
        return self.date[:4]


def build_records(meetings: Sequence[Meeting], people: Mapping[str, Person] | None = None,
                  motion_slugs: Mapping[tuple[str, str], str] | None = None) -> list[SearchRecord]:
    """Every speech and motion of `meetings`, in meeting and turn order.

    `people` (the archive's registry, by person id) wins over each meeting's own
    list; `motion_slugs` maps (meeting id, motion id) to the motion page's slug
    when the archive had to disambiguate two motions with the same id."""
    people = people or {}
    motion_slugs = motion_slugs or {}
    records: list[SearchRecord] = []
    speech = TurnKind.SPEECH
    for meeting in meetings:
        fields = _meeting_fields(meeting)  # (once a meeting, not once a record)
        path = urls.meeting_path(meeting.id)
        for turn in meeting.turns:
            if turn.kind == speech and any(p.strip() for p in turn.paragraphs):
                records.append(_speech_record(meeting, turn, people, fields, path))
        for motion in meeting.motions:
            slug = motion_slugs.get((meeting.id, motion.id), motion.id)
            records.append(_motion_record(meeting, motion, slug, people, fields))
    return records


def _person(meeting: Meeting, people: Mapping[str, Person], pid: str | None) -> Person | None:
    if not pid:
        return None
    return people.get(pid) or meeting.person(pid)


def _meeting_fields(meeting: Meeting) -> dict[str, str]:
    return {
        "meeting_id": meeting.id,
        "title": meeting.title or meeting.id,
        "date": meeting.date or "",
        "kind": meeting.kind or "",
        "dossier": meeting.dossier or "",
    }


_ANCHORS: dict[str, str] = {}  # turn id -> `urls.turn_anchor` (ids recur across meetings)


def _anchor(turn_id: str) -> str:
    found = _ANCHORS.get(turn_id)
    if found is None:
        found = urls.turn_anchor(turn_id)  # (a Unicode normalisation and a regex: ~4 us)
        if len(_ANCHORS) < 200_000:
            _ANCHORS[turn_id] = found
    return found


def _record(type_: str, url: str, ref: str, speaker_id: str, speaker: str, party: str,
            heading: str, text: str, fields: dict[str, str]) -> SearchRecord:
    """`SearchRecord(...)` of these fields and the meeting's `fields`
    (`_meeting_fields`), made by filling its dict in the order of its
    fields, as its `__init__` does: that one sets each field through
    `object.__setattr__` (~4.4 against ~0.8 us; a clean build makes ~1
    million records at 10,000 meetings)."""
    record = object.__new__(SearchRecord)
    record.__dict__.update({
        "type": type_, "url": url, "meeting_id": fields["meeting_id"], "ref": ref,
        "title": fields["title"], "date": fields["date"], "kind": fields["kind"],
        "dossier": fields["dossier"], "speaker_id": speaker_id, "speaker": speaker,
        "party": party, "heading": heading, "text": text})
    return record


def _speech_record(meeting: Meeting, turn: Turn, people: Mapping[str, Person],
                   fields: dict[str, str], path: str) -> SearchRecord:
    """(`fields`: `_meeting_fields(meeting)`; `path`: the meeting's page.)"""
    person = _person(meeting, people, turn.speaker)
    anchor = _anchor(turn.id)
    return _record(
        SPEECH,
        f"{path}#{anchor}",
        turn.id,
        person.id if person else "",
        person.name if person else turn.label.rstrip(":").strip(),
        (person.party or "") if person else "",
        "",
        "\n".join(p for p in turn.paragraphs if p.strip()),
        fields,
    )


def _motion_record(meeting: Meeting, motion: Motion, slug: str,
                   people: Mapping[str, Person], fields: dict[str, str]) -> SearchRecord:
    first = next((pid for pid in motion.submitter_ids if pid), None)
    person = _person(meeting, people, first)
    name = person.name if person else (motion.submitters[0] if motion.submitters else "")
    heading = motion.title or (f"Motie nr. {motion.number}" if motion.number else "Motie")
    return _record(
        MOTION,
        urls.motion_path(slug),
        motion.id,
        person.id if person else "",
        name,
        (person.party or "") if person else "",
        heading,
        motion.text,
        fields,
    )


def meeting_fact(meeting: Meeting) -> tuple[str, tuple[str, ...]]:
    """What the records of `meeting` (with its turns) are made of, as a hash,
    and the person ids they resolve through the archive's registry: with the
    resolved people and the motion slugs, it decides the records (`build_records`)
    without the meeting's text (`generator.search.build_search_index`)."""
    # a pickle without memo names the same value (`generator.stable_pickle`) and
    # takes half the time of its repr (~1.7 against ~3.2 ms for a meeting of ~60 kB)
    buffer = io.BytesIO()
    hashing_pickler(buffer).dump(meeting)
    digest = hashlib.blake2b(buffer.getbuffer(), digest_size=20)
    pids = [turn.speaker or "" for turn in meeting.turns
            if turn.kind == TurnKind.SPEECH and any(p.strip() for p in turn.paragraphs)]
    pids += [next((pid for pid in m.submitter_ids if pid), "") for m in meeting.motions]
    return digest.hexdigest(), tuple(dict.fromkeys(pids))


def resolved_context(meeting: Meeting, pids: tuple[str, ...], people: Mapping[str, Person],
                     motion_slugs: Mapping[tuple[str, str], str]) -> str:
    """What `build_records` takes from outside `meeting` for it: the people
    `pids` resolve to and its motions' slugs (`meeting` may be an outline)."""
    persons = [(p.id, p.name, p.party) if p else None
               for p in (_person(meeting, people, pid) for pid in pids)]
    slugs = [motion_slugs.get((meeting.id, m.id)) for m in meeting.motions]
    return repr((persons, slugs))
