"""One meeting from two sources: the import keeps one.

Users hold a meeting in more than one of the formats the parliament publishes
(the PDF and a text extracted from it; the VLOS XML and the Handelingen XML).
Both in ``transcripts/`` would give the meeting twice, with every speech, motion
and vote counted twice. Two meetings are the same meeting when they have the same
title, dates that do not differ (equal, or one unknown) and nearly the same
speech labels in the same order (`same_meeting`). The import keeps the one from
the preferred source (`source_rank`: XML, then PDF, then text; between two of one
format, the first file name) and reports the other (docs/formats.md).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from generator.model import Meeting, TurnKind

SIMILAR_LABELS = 0.9  # share of speech labels in the same order
_FORMAT_RANK = {".xml": 0, ".pdf": 1}  # structured first, extracted text last
_TITLE_LINE = re.compile(r"^title: (.*)$", re.M)


def source_rank(display: str) -> tuple[int, str]:
    """Which transcript wins when two give one meeting: lower is preferred."""
    return _FORMAT_RANK.get(Path(display).suffix.lower(), 2), display


def _norm_title(title: str | None) -> str:
    return " ".join((title or "").split()).casefold()


# A one-line scalar that YAML reads as itself: a letter, then no indicator,
# control or line-breaking character (anything else is read by YAML).
_PLAIN_TEXT = re.compile("[^\\W\\d_][^:#'\"{}\\[\\],&*!|>%@`\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def title_key(text: str) -> str:
    """The normalised title of a content file, from its text (or just its front
    matter): what `same_shape` compares. A title as the writer writes most of
    them (plain words) is read without YAML."""
    m = _TITLE_LINE.search(text)
    if not m:
        return ""
    raw = m.group(1)
    if _PLAIN_TEXT.fullmatch(raw) and raw == raw.rstrip() and raw.lower() not in _YAML_WORDS:
        return _norm_title(raw)
    with contextlib.suppress(yaml.YAMLError):
        return _norm_title(str(yaml.safe_load(raw) or ""))
    return ""


def _labels(meeting: Meeting) -> tuple[str, ...]:
    return tuple(" ".join(t.label.split()).casefold() for t in meeting.turns
                 if t.kind is TurnKind.SPEECH)


@dataclass(frozen=True)
class Shape:
    """What `same_meeting` compares: normalised title, date and speech labels
    (kept instead of the meeting, so the import does not hold every meeting)."""

    title: str
    date: str | None
    labels: tuple[str, ...]

    @classmethod
    def of(cls, meeting: Meeting) -> Shape:
        return cls(_norm_title(meeting.title), meeting.date, _labels(meeting))


def same_shape(a: Shape, b: Shape) -> bool:
    if not a.title or a.title != b.title:
        return False
    if a.date and b.date and a.date != b.date:
        return False
    if not a.labels or not b.labels:
        return False
    # ratio() <= quick_ratio() <= real_quick_ratio() (the same formula over a
    # count of matches that can only be higher): the cheap bounds rule most
    # pairs out (different meetings of one title and date) before the matching.
    matcher = SequenceMatcher(None, a.labels, b.labels, autojunk=False)
    return (matcher.real_quick_ratio() >= SIMILAR_LABELS
            and matcher.quick_ratio() >= SIMILAR_LABELS
            and matcher.ratio() >= SIMILAR_LABELS)


def same_meeting(a: Meeting, b: Meeting) -> bool:
    """Whether two parsed meetings are one meeting read from two sources."""
    return same_shape(Shape.of(a), Shape.of(b))


@dataclass
class _Known:
    path: Path
    source: str
    title: str | None  # normalised; None until read
    order: tuple  # place among the known meetings: the first match wins
    shape: Shape | None = None  # None until loaded
    date: str | None = None  # its date when known before loading (a meeting of
    # another date is not the same meeting, so it need not be loaded)


@dataclass
class Twins:
    """The meetings of the archive as the import goes: content files already in
    ``content/`` (read lazily: their titles when a new meeting has a title, the
    whole file when the title matches) and the meetings written by this import.
    Indexed by path and by title, so that each meeting costs the same however
    large the archive."""

    load: Callable[[Path], Meeting | None]
    _by_path: dict[Path, _Known] = field(default_factory=dict)
    _untitled: dict[Path, _Known] = field(default_factory=dict)
    _by_title: dict[str, dict[Path, _Known]] = field(default_factory=dict)
    _count: int = 0

    @classmethod
    def of_content(cls, files: Iterable[tuple[Path, str, str | None, str | None, tuple]],
                   load: Callable[[Path], Meeting | None]) -> Twins:
        """`files`: (content file, the transcript it was imported from, its
        `title_key` or None to read it when needed, its date or None when
        unknown or not stated, its place: see `put_content`)."""
        twins = cls(load)
        for path, source, title, date, order in files:
            twins.put_content(path, source, title, date, order)
        return twins

    def put_content(self, path: Path, source: str, title: str | None, date: str | None,
                    order: tuple) -> None:
        """Know (again) a content file; `order` places it among the others
        (any tuple starting with 0; meetings this import `add`s come after them)."""
        self._put(_Known(path, source, title, order, date=date))

    def has(self, path: Path) -> bool:
        return path in self._by_path

    def reorder(self, path: Path, order: tuple) -> None:
        """Give a known content file another place (as `put_content`)."""
        self._by_path[path].order = order

    def _put(self, known: _Known) -> None:
        self.forget(known.path)
        self._by_path[known.path] = known
        if known.title is None:
            self._untitled[known.path] = known
        else:
            self._by_title.setdefault(known.title, {})[known.path] = known

    def _read_title(self, path: Path) -> str:
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                head = fh.read(65536)
        except OSError:
            return ""
        return title_key(head)

    def _read_titles(self) -> None:
        for path, known in self._untitled.items():
            known.title = self._read_title(path)
            self._by_title.setdefault(known.title, {})[path] = known
        self._untitled.clear()

    def find(self, meeting: Meeting, source: str, shape: Shape | None = None
             ) -> tuple[str, Path] | None:
        """The other transcript and content file holding this meeting, if any
        (`shape`: the meeting's, if known)."""
        title = _norm_title(meeting.title)
        if not title:
            return None
        self._read_titles()
        candidates = sorted(self._by_title.get(title, {}).values(), key=lambda k: k.order)
        for known in candidates:
            if known.source == source or (known.shape is None and known.date and meeting.date
                                          and known.date != meeting.date):
                continue
            if known.shape is None:
                loaded = self.load(known.path)
                known.shape = None if loaded is None else Shape.of(loaded)
            shape = shape or Shape.of(meeting)
            if known.shape is not None and same_shape(shape, known.shape):
                return known.source, known.path
        return None

    def add(self, meeting: Meeting, source: str, path: Path, shape: Shape | None = None
            ) -> None:
        shape = shape or Shape.of(meeting)
        self._count += 1
        self._put(_Known(path, source, shape.title, (1, "", self._count), shape))

    def forget(self, path: Path) -> None:
        known = self._by_path.pop(path, None)
        if known is None:
            return
        self._untitled.pop(path, None)
        if known.title is not None:
            self._by_title.get(known.title, {}).pop(path, None)
