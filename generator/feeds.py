"""The machine-readable files of the site: an Atom feed of meetings,
``sitemap.xml``, ``robots.txt``, a CSV of all speeches and one JSON file per
meeting (the open-data format of `generator.export`). Deterministic: dates come
from the meetings, never from the clock. The files that hold speech text are
written as the meetings stream past, one meeting's text in memory at a time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO
from xml.sax.saxutils import escape, quoteattr

from generator import urls
from generator.archive import Archive
from generator.cache import PagePlan, hash_text
from generator.export import meeting_json
from generator.i18n import Catalogue
from generator.model import Meeting, TurnKind
from generator.pages import CSV_COLUMNS, meeting_description, meeting_title
from generator.workers import chunked, fork_map

FEED_SIZE = 50
BATCH = 8  # meetings per work item


def _write(site_dir: Path, path: str, text: str) -> None:
    target = urls.output_file(site_dir, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="")


def _absolute(base_url: str, path: str) -> str:
    return f"{base_url}/{path}" if base_url else path


def write_meeting_json(archive: Archive, meeting: Meeting, site_dir: Path) -> str:
    """``data/meetings/<slug>.json`` of one meeting (with its turns)."""
    path = urls.meeting_json_path(archive.meeting_slug(meeting))
    _write(site_dir, path, meeting_json(meeting) + "\n")
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting like a formula gets a
    leading apostrophe (the OWASP advice for CSV injection). Numbers pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_writer(out: TextIO) -> Any:
    """A CSV writer on `out`: RFC 4180, CRLF line ends."""
    return csv.writer(out, lineterminator="\r\n")


def speeches_csv_writer(out: TextIO) -> Any:
    """A CSV writer on `out` that has written the header."""
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    return writer


def write_speech_rows(writer: Any, archive: Archive, meeting: Meeting) -> tuple[str, ...]:
    """One row per turn of `meeting` (with its turns), in the order spoken;
    returns the speaker ids the rows looked up, in the order first named."""
    anchor_prefix = urls.meeting_path(archive.meeting_slug(meeting)) + "#"
    meeting_id, date = csv_cell(meeting.id), csv_cell(meeting.date or "")
    speakers: dict[str, None] = {}
    people: dict[str, tuple[object, object, object]] = {}  # speaker id -> its three cells
    rows = []
    for turn in meeting.turns:
        if turn.speaker:
            speakers[turn.speaker] = None
        speaker = turn.speaker or ""
        cells = people.get(speaker)
        if cells is None:
            person = archive.people.get(speaker)
            cells = people[speaker] = (csv_cell(speaker), csv_cell(person.name) if person else "",
                                       csv_cell(person.party or "") if person else "")
        text = "\n\n".join(turn.paragraphs)
        rows.append((meeting_id, date, csv_cell(turn.id), csv_cell(turn.kind.value), *cells,
                     csv_cell(turn.label),
                     len(text.split()) if turn.kind is TurnKind.SPEECH else 0, csv_cell(text),
                     csv_cell(anchor_prefix + urls.turn_anchor(turn.id))))
    writer.writerows(rows)
    return tuple(speakers)


def atom_feed(archive: Archive, t: Catalogue, title: str, base_url: str) -> str:
    """The newest meetings as Atom. Entry ids are tag-like URNs so they stay
    stable when the site moves; links are absolute when a base URL is set."""
    meetings = list(reversed(archive.meetings))[:FEED_SIZE]
    updated = max((m.date for m in archive.meetings if m.date), default="1970-01-01")
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(t.language)}>',
             f"  <title>{escape(title)}</title>",
             f"  <id>urn:plenum:{escape(urls.FEED)}</id>",
             f"  <updated>{escape(updated)}T00:00:00Z</updated>",
             f"  <link rel=\"self\" href={quoteattr(_absolute(base_url, urls.FEED))}/>",
             f"  <link rel=\"alternate\" href={quoteattr(_absolute(base_url, urls.HOME))}/>",
             f"  <author><name>{escape(title)}</name></author>"]
    for meeting in meetings:
        slug = archive.meeting_slug(meeting)
        link = _absolute(base_url, urls.meeting_path(slug))
        summary = meeting_description(meeting, archive.figures[meeting.id].total.turns, t)
        lines += ["  <entry>",
                  f"    <title>{escape(meeting_title(meeting, t))}</title>",
                  f"    <id>urn:plenum:meeting:{escape(slug)}</id>",
                  f"    <updated>{escape(meeting.date or '1970-01-01')}T00:00:00Z</updated>",
                  f"    <link href={quoteattr(link)}/>",
                  f"    <summary>{escape(summary)}</summary>",
                  "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(paths: list[str], base_url: str) -> str:
    """Every HTML page except the 404 page. Without a base URL the locations are
    site-relative (set ``site.base_url`` in plenum.toml for a valid sitemap)."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(p for p in paths if p != urls.NOT_FOUND):
        lines.append(f"  <url><loc>{escape(_absolute(base_url, path))}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(base_url: str) -> str:
    text = "User-agent: *\nAllow: /\n"
    if base_url:
        text += f"Sitemap: {base_url}/{urls.SITEMAP}\n"
    return text


@dataclass(frozen=True)
class CsvBlock:
    """Where one meeting's rows sit in ``data/speeches.csv``, and what they
    were made from: the meeting's content hash and the generator's code
    (`PagePlan.meeting_file_fingerprint`) plus the name and party of every
    speaker id its turns name (`speakers`). A later build whose key for the
    meeting is the same copies the bytes instead of reading the turns."""

    key: str
    offset: int
    length: int
    speakers: tuple[str, ...]


def csv_block_key(archive: Archive, plan: PagePlan, meeting: Meeting,
                  speakers: Sequence[str]) -> str | None:
    """The key of a meeting's CSV rows (None: the meeting is not known by
    its content hash, so its rows are always made)."""
    path = urls.meeting_json_path(archive.meeting_slug(meeting))
    made_from = plan.meeting_file_fingerprint(path, meeting)
    if made_from is None:
        return None
    people = []
    for pid in speakers:
        person = archive.people.get(pid)
        people.append(f"{pid}\x01{person.name}\x01{person.party}" if person else pid)
    return hash_text([made_from, *people])


def write_meeting_files(archive: Archive, site_dir: Path, jobs: int = 1,
                        plan: PagePlan | None = None,
                        previous_blocks: Mapping[str, CsvBlock] | None = None
                        ) -> tuple[list[tuple[str, str | None]], dict[str, CsvBlock]]:
    """The per-meeting JSON files and the speeches CSV, in one pass over the
    meetings' text: workers (`jobs`, 0: one per core) write the JSON and return
    their meetings' CSV rows, which are written here in archive order.

    With a `plan`, the JSON of a meeting unchanged since the previous build is
    linked from it, and its rows are copied from the previous build's CSV
    when its `previous_blocks` entry has the same key: such a meeting's text
    is not read at all. Returns the fingerprint of each JSON file and the
    block of each meeting's rows (for the build cache)."""
    meetings = archive.meetings
    old_csv = plan.previous_site / urls.SPEECHES_CSV if plan and plan.previous_site else None
    reusable = _reusable_blocks(archive, plan, previous_blocks or {}, old_csv)
    fingerprints: list[tuple[str, str | None]] = []
    for meeting in meetings:  # the JSON of a meeting whose rows are copied
        if meeting.id in reusable:
            assert plan is not None
            path = urls.meeting_json_path(archive.meeting_slug(meeting))
            fingerprint = plan.meeting_file_fingerprint(path, meeting)
            if not plan.reuse(path, fingerprint, site_dir):
                write_meeting_json(archive, archive.full(meeting), site_dir)
            fingerprints.append((path, fingerprint))
    todo = [i for i, m in enumerate(meetings) if m.id not in reusable]

    def write(batch: Sequence[int]) -> list[tuple[str, tuple[str, ...], str, str | None]]:
        made = []
        for i in batch:
            meeting = archive.full(meetings[i])
            path = urls.meeting_json_path(archive.meeting_slug(meeting))
            fingerprint = plan.meeting_file_fingerprint(path, meeting) if plan else None
            if not (plan and plan.reuse(path, fingerprint, site_dir)):
                write_meeting_json(archive, meeting, site_dir)
            rows = io.StringIO()
            speakers = write_speech_rows(csv_writer(rows), archive, meeting)
            made.append((rows.getvalue(), speakers, path, fingerprint))
        return made

    target = urls.output_file(site_dir, urls.SPEECHES_CSV)
    target.parent.mkdir(parents=True, exist_ok=True)
    blocks: dict[str, CsvBlock] = {}
    made = (item for batch in fork_map(write, chunked(todo, BATCH), jobs) for item in batch)
    with target.open("wb") as out, contextlib.ExitStack() as stack:
        old = stack.enter_context(old_csv.open("rb")) if reusable and old_csv else None
        out.write(_csv_header())
        copy = _RangeCopier(old, out)
        for meeting in meetings:
            offset = copy.position()
            block = reusable.get(meeting.id)
            if block is not None and old is not None:
                copy.add(block.offset, block.length)
                length, speakers = block.length, block.speakers
            else:
                copy.flush()
                rows, speakers, path, fingerprint = next(made)
                length = out.write(rows.encode("utf-8"))
                fingerprints.append((path, fingerprint))
            key = csv_block_key(archive, plan, meeting, speakers) if plan else None
            if key is not None:
                blocks[meeting.id] = CsvBlock(key, offset, length, speakers)
        copy.flush()
    return fingerprints, blocks


def _csv_header() -> bytes:
    out = io.StringIO()
    speeches_csv_writer(out)
    return out.getvalue().encode("utf-8")


def _reusable_blocks(archive: Archive, plan: PagePlan | None,
                     previous: Mapping[str, CsvBlock], old_csv: Path | None
                     ) -> dict[str, CsvBlock]:
    """The previous build's blocks whose key is this build's key for the
    same meeting (none when the previous CSV is not the one they describe)."""
    if plan is None or old_csv is None or not previous:
        return {}
    try:
        size = old_csv.stat().st_size
    except OSError:
        return {}
    if size != max(b.offset + b.length for b in previous.values()):
        return {}
    found = {}
    for meeting in archive.meetings:
        block = previous.get(meeting.id)
        if block is not None and block.key == csv_block_key(archive, plan, meeting,
                                                              block.speakers):
            found[meeting.id] = block
    return found


class _RangeCopier:
    """Copies byte ranges of `source` to the end of `target`, joining ranges
    that follow each other into one copy: the rows of unchanged meetings are
    runs of the previous CSV, copied by the kernel (`os.copy_file_range`)
    without passing through this process."""

    def __init__(self, source: BinaryIO | None, target: BinaryIO):
        self.source, self.target = source, target
        self.start, self.length = 0, 0  # the run not copied yet, to go at target.tell()

    def position(self) -> int:
        """Where the next byte added (copied or written) goes."""
        return self.target.tell() + self.length

    def add(self, offset: int, length: int) -> None:
        if self.length and self.start + self.length == offset:
            self.length += length
            return
        self.flush()
        self.start, self.length = offset, length

    def flush(self) -> None:
        """Copy the pending run; afterwards `target` is at `position()`."""
        if self.length and self.source is not None:
            _copy_range(self.source, self.target, self.start, self.length)
        self.start, self.length = 0, 0


def _copy_range(source: BinaryIO, target: BinaryIO, offset: int, length: int) -> None:
    """Append `length` bytes of `source` from `offset` to `target`."""
    target.flush()
    at, copied = target.tell(), 0
    with contextlib.suppress(OSError, AttributeError):  # no such call here: copy below
        while copied < length:
            done = os.copy_file_range(source.fileno(), target.fileno(), length - copied,
                                      offset + copied, at + copied)
            if done == 0:
                break
            copied += done
    target.seek(at + copied)
    _copy_through(source, target, offset + copied, length - copied)


def _copy_through(source: BinaryIO, target: BinaryIO, offset: int, length: int) -> None:
    source.seek(offset)
    while length > 0:
        chunk = source.read(min(length, 1 << 20))
        if not chunk:
            raise OSError("the previous speeches CSV is shorter than its blocks")
        target.write(chunk)
        length -= len(chunk)


def write_feeds(archive: Archive, t: Catalogue, title: str, base_url: str, site_dir: Path,
                html_paths: list[str], jobs: int = 1, plan: PagePlan | None = None,
                previous_blocks: Mapping[str, CsvBlock] | None = None
                ) -> tuple[list[tuple[str, str | None]], dict[str, CsvBlock]]:
    """Write every machine-readable file of the site; the fingerprints of
    those a later build may link instead of writing, and the blocks of the
    speeches CSV a later build may copy (`write_meeting_files`)."""
    fingerprints, blocks = write_meeting_files(archive, site_dir, jobs, plan, previous_blocks)
    _write(site_dir, urls.FEED, atom_feed(archive, t, title, base_url))
    _write(site_dir, urls.SITEMAP, sitemap(html_paths, base_url))
    _write(site_dir, urls.ROBOTS, robots(base_url))
    return fingerprints, blocks
