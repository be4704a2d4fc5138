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


def _labels(meeting: Meeting) -> list[str]:
    return [" ".join(t.label.split()).casefold() for t in meeting.turns
            if t.kind is TurnKind.SPEECH]


def same_meeting(a: Meeting, b: Meeting) -> bool:
    """Whether two parsed meetings are one meeting read from two sources."""
    if not _norm_title(a.title) or _norm_title(a.title) != _norm_title(b.title):
        return False
    if a.date and b.date and a.date != b.date:
        return False
    la, lb = _labels(a), _labels(b)
    if not la or not lb:
        return False
    return SequenceMatcher(None, la, lb, autojunk=False).ratio() >= SIMILAR_LABELS


@dataclass
class _Known:
    path: Path
    source: str
    title: str | None  # normalised; None until read
    meeting: Meeting | None = None


@dataclass
class Twins:
    """The meetings of the archive as the import goes: content files already in
    ``content/`` (read lazily, only when a new meeting has their title) and the
    meetings written by this import."""

    load: Callable[[Path], Meeting | None]
    known: list[_Known] = field(default_factory=list)

    @classmethod
    def of_content(cls, files: Iterable[tuple[Path, str]],
                   load: Callable[[Path], Meeting | None]) -> Twins:
        """`files`: (content file, the transcript it was imported from)."""
        return cls(load, [_Known(path, source, None) for path, source in files])

    def _title(self, known: _Known) -> str:
        if known.title is None:
            known.title = ""
            try:
                with known.path.open(encoding="utf-8", errors="replace") as fh:
                    head = fh.read(65536)
            except OSError:
                return ""
            if m := _TITLE_LINE.search(head):
                with contextlib.suppress(yaml.YAMLError):
                    known.title = _norm_title(str(yaml.safe_load(m.group(1)) or ""))
        return known.title

    def find(self, meeting: Meeting, source: str) -> tuple[str, Path] | None:
        """The other transcript and content file holding this meeting, if any."""
        title = _norm_title(meeting.title)
        if not title:
            return None
        for known in self.known:
            if known.source == source or self._title(known) != title:
                continue
            if known.meeting is None:
                known.meeting = self.load(known.path)
            if known.meeting is not None and same_meeting(meeting, known.meeting):
                return known.source, known.path
        return None

    def add(self, meeting: Meeting, source: str, path: Path) -> None:
        self.forget(path)
        self.known.append(_Known(path, source, _norm_title(meeting.title), meeting))

    def forget(self, path: Path) -> None:
        self.known = [k for k in self.known if k.path != path]
