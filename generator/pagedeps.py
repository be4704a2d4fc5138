"""What each page's context was built from, so that an incremental build can
skip building the context of a page none of whose inputs changed.

A page builder reads the archive through a *tracked view* (`tracked`): every
field, every mapping key and every meeting's turns it reads is noted as a
`Token` ``(field, key)``. The build cache keeps, per page, those tokens and
a hash of what each held (`generator.pagestate`). The next build hashes what
tokens hold in its own archive (`TokenDigests`); when none a page read changed
the builder, a pure function of what it read, would build the same context,
so the page's fingerprint and file are those of the previous build and the
builder is not run at all. A meeting outline in a value is named by a hash of
the outline (`outline_digest`), any other meeting by its content hash.

Sound as long as builders reach the archive only through the view they are
given: a builder that reads a whole field (iterates a mapping, reads the
meetings tuple) depends on all of it; a module-level cache keyed by the
archive sees a new view per page, so it cannot hide a read.
"""

from __future__ import annotations

import copy
import copyreg
import hashlib
import io
import pickle
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from generator.archive import MEETING_FIELDS, Archive, MotionEntry, NewestSpeeches, SpeechRef
from generator.figures import SpeakerFigureData, SpeakerFigures, SpeakerMeeting, VerdictCounts
from generator.model import Meeting
from generator.stable_pickle import hashing_pickler
from generator.stats import Figures

ALL = "*"  # the key of a token that stands for a whole field
MEETING = "meeting"  # the field of a token that stands for a meeting (outline and turns)
BY_MEETING = frozenset({"motions_by_turn", "verdicts_by_turn"})  # keyed by (meeting id, turn
# id): a read is noted per meeting, and stands for all of that meeting's keys

Token = tuple[str, Any]
SPEAKER_FIGURES = "chart_data.speakers"  # by person id: per meeting spoken in, made from it
# meeting fields hashed by their value, not named by the meeting's content
# hash: a speaker page reads the summary (speech count) of each meeting the
# speaker spoke in, which an edit of a speech seldom changes
BY_VALUE = frozenset({"summaries"})


class Reads:
    """The tokens one page builder read."""

    def __init__(self) -> None:
        self.tokens: set[Token] = set()

    def add(self, field: str, key: Any) -> None:
        self.tokens.add((field, key))


class _TrackedMapping(Mapping):
    """A read-only mapping that notes every key read (and the whole mapping
    when iterated or counted)."""

    __slots__ = ("_name", "_data", "_reads", "_by_meeting")

    def __init__(self, name: str, data: Mapping, reads: Reads):
        self._name, self._data, self._reads = name, data, reads
        self._by_meeting = name in BY_MEETING

    def _note(self, key: Any) -> None:
        if self._by_meeting and isinstance(key, tuple) and key:
            key = key[0]
        self._reads.add(self._name, key)

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return self._data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return key in self._data

    def __iter__(self) -> Iterator:
        self._reads.add(self._name, ALL)
        return iter(self._data)

    def __len__(self) -> int:
        self._reads.add(self._name, ALL)
        return len(self._data)

    def __reduce__(self) -> Any:
        # a context that kept the mapping itself could be read after its reads
        # were recorded: refusing to pickle it makes its page unfingerprinted,
        # so always built
        raise TypeError("a tracked view of the archive is not page data")

    def keys(self) -> Any:
        self._reads.add(self._name, ALL)
        return self._data.keys()

    def values(self) -> Any:
        self._reads.add(self._name, ALL)
        return self._data.values()

    def items(self) -> Any:
        self._reads.add(self._name, ALL)
        return self._data.items()


def _tracked_record(value: Any, prefix: str, reads: Reads) -> Any:
    """A copy of a frozen dataclass whose field reads are noted in `reads`:
    mapping fields key by key, other fields whole."""
    view = copy.copy(value)
    object.__setattr__(view, "__class__", _tracked_class(type(value)))
    for f in fields(value):
        found = getattr(value, f.name)
        if isinstance(found, Mapping):
            found = _TrackedMapping(f"{prefix}{f.name}", found, reads)
        object.__setattr__(view, f.name, found)
    object.__setattr__(view, "_reads", reads)
    object.__setattr__(view, "_prefix", prefix)
    return view


_TRACKED_CLASSES: dict[type, type] = {}


def _tracked_class(cls: type) -> type:
    """A subclass of the dataclass `cls` that notes reads of its fields that
    are not mappings (mappings note their own reads)."""
    if cls not in _TRACKED_CLASSES:
        names = frozenset(f.name for f in fields(cls))

        def note(self: Any, name: str) -> Any:
            found = object.__getattribute__(self, name)
            if name in names and not isinstance(found, _TrackedMapping):
                prefix = object.__getattribute__(self, "_prefix")
                object.__getattribute__(self, "_reads").add(f"{prefix}{name}", ALL)
            return found

        _TRACKED_CLASSES[cls] = type(f"Tracked{cls.__name__}", (cls,),
                                     {"__getattribute__": note})
    return _TRACKED_CLASSES[cls]


class _TrackedArchive(Archive):
    """An archive whose reads are noted (made by `tracked`)."""

    def __getattribute__(self, name: str) -> Any:
        found = object.__getattribute__(self, name)
        if name in _PLAIN_FIELDS:
            object.__getattribute__(self, "_reads").add(name, ALL)
        return found

    def full(self, meeting: Meeting) -> Meeting:
        object.__getattribute__(self, "_reads").add(MEETING, meeting.id)
        return object.__getattribute__(self, "_inner").full(meeting)

    def interruptions(self, meeting: Meeting) -> Any:
        object.__getattribute__(self, "_reads").add(MEETING, meeting.id)
        return object.__getattribute__(self, "_inner").interruptions(meeting)

    def __reduce__(self) -> Any:
        raise TypeError("a tracked view of the archive is not page data")


_FIELDS = tuple(f.name for f in fields(Archive))
_PLAIN_FIELDS = frozenset({"meetings", "texts", "commitments"})


def tracked(archive: Archive, reads: Reads) -> Archive:
    """A view of `archive` that notes in `reads` everything read from it."""
    view = object.__new__(_TrackedArchive)
    for name in _FIELDS:
        value = getattr(archive, name)
        if isinstance(value, Mapping) and name not in _PLAIN_FIELDS:
            value = _TrackedMapping(name, value, reads)
        elif name == "chart_data":
            if value is None:
                reads.add(name, ALL)  # cannot note reads of nothing: depend on it whole
            else:
                value = _tracked_record(value, "chart_data.", reads)
        object.__setattr__(view, name, value)
    object.__setattr__(view, "_inner", archive)
    object.__setattr__(view, "_reads", reads)
    return view


def untracked(archive: Archive) -> tuple[Archive, Reads | None]:
    """The archive behind a view `tracked` made, and the reads it notes
    (`archive` itself and None for an archive that is not a view)."""
    if type(archive) is _TrackedArchive:
        return (object.__getattribute__(archive, "_inner"),
                object.__getattribute__(archive, "_reads"))
    return archive, None


_ABSENT = "<absent>"


class TokenDigests:
    """A hash of what each token holds in one archive (memoised). None for a
    token that cannot be hashed (then the page is always built)."""

    def __init__(self, archive: Archive, meeting_digests: Mapping[str, str],
                 outline_digests: Mapping[str, str] | None = None):
        self.archive = archive
        self.meeting_digests = meeting_digests
        self.outline_digests = outline_digests  # meeting id -> `outline_digest`
        self._memo: dict[Token, str | None] = {}
        self._groups: dict[str, dict[Any, list]] = {}
        self._motion_places: dict[int, int] = {}  # id(motion) -> its index in its meeting
        self._places_of: set[int] = set()  # id() of the meetings indexed there
        self._keep_alive: list[Meeting] = []  # so that no id() above is reused

    def digest(self, token: Token) -> str | None:
        if token not in self._memo:
            self._memo[token] = self._compute(token)
        return self._memo[token]

    def _compute(self, token: Token) -> str | None:
        field, key = token
        if field == MEETING:
            return self.meeting_digests.get(key)
        if field == "texts":  # every meeting's turns
            return _hash(repr(sorted(self.meeting_digests.items())).encode())
        value = self._field(field)
        if key == ALL:
            return self._hash_value(value)
        if field in BY_VALUE and isinstance(value, Mapping) and _hashable(key):
            return self._hash_value(value.get(key, _ABSENT))
        if field in MEETING_FIELDS and _hashable(key) and key in self.meeting_digests:
            # made from that meeting alone: its content hash names the value
            found = self.meeting_digests[key] if key in value else _ABSENT
            return _hash(f"{field}\x00{found}".encode())
        if field in BY_MEETING:
            return self._hash_value(self._group(field, value).get(key, ()))
        if isinstance(value, NewestSpeeches) and _hashable(key):
            return self._newest_speeches(value, key)
        if field == SPEAKER_FIGURES and isinstance(value, Mapping) and _hashable(key) \
                and isinstance(found := value.get(key), SpeakerFigureData):
            return self._speaker_figures(key, found)
        if not isinstance(value, Mapping):
            return None
        return self._hash_value(value.get(key, _ABSENT) if _hashable(key) else None)

    def _newest_speeches(self, value: NewestSpeeches, key: Any) -> str | None:
        """A speaker's newest speeches, named by the content hashes of the
        meetings they come from (which, with the limit, determine them), so
        that checking a page does not read the speeches themselves."""
        mids = value.meetings_of(key)
        if mids is None:
            return _hash(f"newest_speeches\x00{_ABSENT}".encode())
        digests = [self.meeting_digests.get(mid) for mid in mids]
        if None in digests:
            return None
        return _hash("\x00".join(["newest_speeches", repr(key), str(value.limit),
                                   *digests]).encode())  # type: ignore[list-item]

    def _speaker_figures(self, key: Any, value: SpeakerFigureData) -> str | None:
        """A speaker's chart data, each meeting's part (its id, date and the
        speaker's figures there) written as plain text: an edit of another
        speaker's speech leaves it as it was (naming the part by the
        meeting's content hash would not), and it costs a few bytes per
        meeting instead of a pickle of the figures."""
        parts = [f"{_MEETING_PART(m)!r}\x01{_FIGURES(m.figures)!r}" for m in value.meetings
                 if type(m) is SpeakerMeeting and type(m.figures) is Figures]
        verdicts = _plain_repr(value.verdicts) if type(value.verdicts) is VerdictCounts \
            else self._hash_value(value.verdicts)
        if len(parts) != len(value.meetings) or verdicts is None:
            return self._hash_value(value)
        return _hash("\x00".join([SPEAKER_FIGURES, repr(key), verdicts, *parts]).encode())

    def _field(self, field: str) -> Any:
        value: Any = self.archive
        for part in field.split("."):
            value = getattr(value, part)
        return value

    def _group(self, field: str, mapping: Mapping) -> dict[Any, list]:
        if field not in self._groups:
            groups: dict[Any, list] = {}
            for key, value in mapping.items():
                groups.setdefault(key[0], []).append((key, value))
            self._groups[field] = groups
        return self._groups[field]

    def motion_place(self, entry: MotionEntry) -> int | None:
        """The index of the entry's motion in its meeting's motions (None: not
        one of them, as that very object)."""
        meeting = entry.meeting
        if id(meeting) not in self._places_of:
            self._places_of.add(id(meeting))
            self._keep_alive.append(meeting)
            self._motion_places.update((id(m), i) for i, m in enumerate(meeting.motions))
        place = self._motion_places.get(id(entry.motion))
        if place is None or place >= len(meeting.motions) \
                or meeting.motions[place] is not entry.motion:
            return None
        return place

    def _outline_of(self, meeting: Meeting) -> str | None:
        """The outline digest of `meeting` when it is this archive's outline
        of its id (as that very object), else None."""
        assert self.outline_digests is not None
        if self.archive.meetings_by_id.get(meeting.id) is not meeting:
            return None
        return self.outline_digests.get(meeting.id)

    def _hash_value(self, value: Any) -> str | None:
        buffer = io.BytesIO()
        try:
            _value_pickler(buffer, self.meeting_digests, self.motion_place,
                           self._outline_of if self.outline_digests is not None else None
                           ).dump(value)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError):
            return None
        return _hash(buffer.getvalue())


def speaker_figures_source(value: Any) -> str | None:
    """What a speaker's chart data (`SPEAKER_FIGURES`) is made from besides the
    meetings they spoke in: how many those are and the speaker's verdict
    counts (None: not of the expected shape). Equal to the previous build's,
    with none of those meetings changed, the value is the previous one: a
    speaker's meetings can change only by a meeting that changed, so the
    same count and no changed meeting among them means the same meetings."""
    if not isinstance(value, SpeakerFigureData) or type(value.verdicts) is not VerdictCounts:
        return None
    return f"{len(value.meetings)}\x00{_plain_repr(value.verdicts)}"


def speaker_meeting_ids(value: SpeakerFigureData) -> Iterator[str]:
    """The ids of the meetings in a speaker's chart data."""
    return map(_MEETING_ID, value.meetings)


def speaker_outlines(values: Mapping) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Of every speaker of the chart data `values` (`SPEAKER_FIGURES`): its
    `speaker_figures_source` (speakers without one left out) and the ids of
    its meetings. From a `SpeakerFigures`, the chart data is not made: the
    same source from its outline (making every speaker's chart data to
    check which changed took ~0.7 s at 10,000 meetings)."""
    sources: dict[str, str] = {}
    meeting_ids: dict[str, tuple[str, ...]] = {}
    for pid in values:
        if isinstance(values, SpeakerFigures):
            ids, verdicts = values.outline(pid)
            source: str | None = f"{len(ids)}\x00{_plain_repr(verdicts)}"
        else:
            value = values[pid]
            source = speaker_figures_source(value)
            ids = tuple(speaker_meeting_ids(value)) if source is not None else ()
        if source is not None:
            sources[pid], meeting_ids[pid] = source, ids
    return sources, meeting_ids


def _plain_repr(counts: VerdictCounts) -> str:
    """The value of verdict counts (fields of ints and tuples of ints: their
    repr is their value) without a pickler."""
    return repr(tuple(getattr(counts, name) for name in _VERDICT_FIELDS))


_VERDICT_FIELDS = tuple(f.name for f in fields(VerdictCounts))
# every field of a speaker's part of a meeting, as a tuple of plain values
_MEETING_ID = attrgetter("meeting")
_MEETING_PART = attrgetter(*(f.name for f in fields(SpeakerMeeting) if f.name != "figures"))
_FIGURES = attrgetter(*(f.name for f in fields(Figures)))


def _hashable(key: Any) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _meeting_reference(digest: str) -> None:  # pragma: no cover - never unpickled
    """Stands for a meeting in a token's hash."""


def _motion_reference(meeting_digest: str, place: int, slug: str) -> None:  # pragma: no cover
    """Stands for a motion entry in a token's hash: the motion at `place` in
    the meeting of that content hash, under `slug`."""


def _speech_reference(meeting_digest: str, speaker: str, place: int) -> None:  # pragma: no cover
    """Stands for a speech reference in a token's hash: the speaker's speech
    at `place` in the facts of the meeting of that content hash."""


def _outline_reference(digest: str) -> None:  # pragma: no cover - never unpickled
    """Stands for a meeting outline in a token's hash: the outline of that
    digest (`outline_digest`)."""


def outline_digest(meeting: Meeting) -> str:
    """A hash of the meeting's value as the archive holds it (its outline:
    everything but the turns, with the speaker registry applied)."""
    buffer = io.BytesIO()
    hashing_pickler(buffer).dump(meeting)
    return _hash(buffer.getvalue())


def _value_pickler(file: io.BytesIO, meeting_digests: Mapping[str, str],
                   motion_place: Callable[[MotionEntry], int | None] | None = None,
                   outline_of: Callable[[Meeting], str | None] | None = None
                   ) -> pickle.Pickler:
    """A pickler that writes each meeting as its content hash (an unknown
    meeting makes the value unhashable) and read-only mappings as dicts; with
    `outline_of`, a meeting that is the archive's outline of its id as the
    digest of that outline and any other meeting whole. With
    `motion_place`, a motion entry whose motion is one of its meeting's (as
    that very object) is written as (meeting hash, place, slug): its motion is
    part of the meeting's outline, which the hash stands for, so the entry's
    value is the same whenever those three are (and it costs a few bytes
    instead of the motion's whole text). A speech reference that knows its
    place in its meeting's facts (`SpeechRef.place`) is written as that place
    and the meeting's hash: the facts are a function of the meeting's content
    and speaker registry, which the hash stands for."""
    pickler = hashing_pickler(file)  # no memo: equal values give equal bytes
    table = copyreg.dispatch_table.copy()

    def reduce_meeting(meeting: Meeting) -> tuple:
        if outline_of is not None:
            found = outline_of(meeting)
            if found is None:  # not the archive's outline of its id: its value, whole
                return (Meeting, (), meeting.__dict__)
            return (_outline_reference, (found,))
        digest = meeting_digests.get(meeting.id)
        if digest is None:
            raise pickle.PicklingError(f"meeting {meeting.id!r} has no content hash")
        return (_meeting_reference, (digest,))

    def named(meeting: Meeting) -> str | None:
        """What stands for the meeting of an entry: its outline's digest, or
        its content hash."""
        return outline_of(meeting) if outline_of is not None else meeting_digests.get(meeting.id)

    table[Meeting] = reduce_meeting
    if motion_place is not None:
        def reduce_entry(entry: MotionEntry) -> tuple:
            place = motion_place(entry)
            digest = named(entry.meeting)
            if place is None or digest is None:
                return (MotionEntry, (entry.motion, entry.meeting, entry.slug))
            return (_motion_reference, (digest, place, entry.slug))

        table[MotionEntry] = reduce_entry

    def reduce_speech(ref: SpeechRef) -> tuple:
        digest = meeting_digests.get(ref.meeting.id)
        if outline_of is not None and outline_of(ref.meeting) is None:
            digest = None
        if ref.place is None or digest is None:
            return (SpeechRef, (ref.meeting, ref.turn, ref.snippet, ref.interrupts))
        return (_speech_reference, (digest, *ref.place))

    table[SpeechRef] = reduce_speech
    table[MappingProxyType] = lambda proxy: (dict, (list(proxy.items()),))
    pickler.dispatch_table = table
    return pickler
