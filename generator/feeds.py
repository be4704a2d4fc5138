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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TextIO
from xml.sax.saxutils import escape, quoteattr

from generator import urls
from generator.archive import Archive
from generator.cache import PagePlan, hash_text, link_or_copy
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
        location = _absolute(base_url, path)
        if "&" in location or "<" in location or ">" in location:  # paths are slugs: rare
            location = escape(location)
        lines.append(f"  <url><loc>{location}</loc></url>")
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
    return _block_key(archive, plan.meeting_file_fingerprint(path, meeting), speakers)


def _block_key(archive: Archive, made_from: str | None, speakers: Sequence[str]) -> str | None:
    """`csv_block_key` of a meeting whose JSON file has fingerprint `made_from`."""
    if made_from is None:
        return None
    people = archive.people
    named = []
    for pid in speakers:
        person = people.get(pid)
        named.append(f"{pid}\x01{person.name}\x01{person.party}" if person else pid)
    return hash_text([made_from, *named])


SAME_CSV_CHECK = 64  # at most this many meetings' rows are compared with the previous CSV


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
    is not read at all. When the rows made again are those the previous CSV
    holds (and every other block is copied in place), the previous CSV itself
    is linked. Returns the fingerprint of each JSON file and the block of each
    meeting's rows (for the build cache)."""
    meetings = archive.meetings
    paths = [urls.meeting_json_path(archive.meeting_slug(m)) for m in meetings]
    made_from = [plan.meeting_file_fingerprint(path, m) for path, m in zip(paths, meetings,
                                                                              strict=True)] \
        if plan is not None else [None] * len(meetings)
    old_csv = plan.previous_site / urls.SPEECHES_CSV if plan and plan.previous_site else None
    reusable = _reusable_blocks(archive, made_from, previous_blocks or {}, old_csv)
    fingerprints: list[tuple[str, str | None]] = []
    linker = _Linker(plan, site_dir)
    for i, meeting in enumerate(meetings):  # the JSON of a meeting whose rows are copied
        if meeting.id in reusable:
            if not linker.link(paths[i], made_from[i]):
                write_meeting_json(archive, archive.full(meeting), site_dir)
            fingerprints.append((paths[i], made_from[i]))
    todo = [i for i, m in enumerate(meetings) if m.id not in reusable]

    def write(batch: Sequence[int]) -> list[tuple[str, tuple[str, ...], str, str | None]]:
        made = []
        for i in batch:
            meeting = archive.full(meetings[i])
            if not linker.link(paths[i], made_from[i]):
                write_meeting_json(archive, meeting, site_dir)
            rows = io.StringIO()
            speakers = write_speech_rows(csv_writer(rows), archive, meeting)
            made.append((rows.getvalue(), speakers, paths[i], made_from[i]))
        return made

    target = urls.output_file(site_dir, urls.SPEECHES_CSV)
    target.parent.mkdir(parents=True, exist_ok=True)
    blocks: dict[str, CsvBlock] = {}
    made = (item for batch in fork_map(write, chunked(todo, BATCH), jobs) for item in batch)
    if reusable and old_csv is not None and len(todo) <= SAME_CSV_CHECK:
        early = [next(made) for _ in todo]
        if _same_csv(meetings, todo, early, reusable, previous_blocks or {}, old_csv):
            link_or_copy(old_csv, target)
            remade = {}
            for i, (_, speakers, path, fingerprint) in zip(todo, early, strict=True):
                fingerprints.append((path, fingerprint))
                remade[i] = speakers
            for i, meeting in enumerate(meetings):
                block = reusable.get(meeting.id)
                if block is None:
                    block = replace((previous_blocks or {})[meeting.id], speakers=remade[i])
                    block = replace(block, key=_block_key(archive, made_from[i], remade[i]))
                if block.key is not None:
                    blocks[meeting.id] = block
            return fingerprints, blocks
        made = iter(early)
    with target.open("wb") as out, contextlib.ExitStack() as stack:
        old = stack.enter_context(old_csv.open("rb")) if reusable and old_csv else None
        out.write(_csv_header())
        copy = _RangeCopier(old, out)
        for i, meeting in enumerate(meetings):
            offset = copy.position()
            block = reusable.get(meeting.id)
            if block is not None and old is not None:
                copy.add(block.offset, block.length)
                length, speakers, key = block.length, block.speakers, block.key
            else:
                copy.flush()
                rows, speakers, path, fingerprint = next(made)
                length = out.write(rows.encode("utf-8"))
                fingerprints.append((path, fingerprint))
                key = _block_key(archive, made_from[i], speakers)
            if key is not None:
                blocks[meeting.id] = CsvBlock(key, offset, length, speakers)
        copy.flush()
    return fingerprints, blocks


def _same_csv(meetings: Sequence[Meeting], todo: Sequence[int],
              made: Sequence[tuple[str, tuple[str, ...], str, str | None]],
              reusable: Mapping[str, CsvBlock], previous: Mapping[str, CsvBlock],
              old_csv: Path) -> bool:
    """Whether the CSV to write is the previous one byte for byte: every
    meeting's rows sit where they sat (the header before them), the copied
    blocks in place and the rows made again (`made`, for `todo`) equal to
    the previous bytes at their block."""
    offset = len(_csv_header())
    for meeting in meetings:
        block = reusable.get(meeting.id) or previous.get(meeting.id)
        if block is None or block.offset != offset:
            return False
        offset += block.length
    try:
        if old_csv.stat().st_size != offset:
            return False
        with old_csv.open("rb") as old:
            for i, (rows, *_) in zip(todo, made, strict=True):
                block = previous[meetings[i].id]
                data = rows.encode("utf-8")
                old.seek(block.offset)
                if len(data) != block.length or old.read(block.length) != data:
                    return False
    except OSError:
        return False
    return True


class _Linker:
    """`PagePlan.reuse` of many files: one system call for a file whose
    folder exists (no path objects)."""

    def __init__(self, plan: PagePlan | None, site_dir: Path):
        self.plan, self.out = plan, site_dir
        self.old = f"{plan.previous_site}/" if plan and plan.previous_site else None
        self.new = f"{site_dir}/"

    def link(self, path: str, fingerprint: str | None) -> bool:
        plan = self.plan
        if plan is None or fingerprint is None or self.old is None \
                or plan.previous.get(path) != fingerprint:
            return False
        try:
            os.link(self.old + path, self.new + path)
            return True
        except OSError:
            return plan.reuse(path, fingerprint, self.out)


def _csv_header() -> bytes:
    out = io.StringIO()
    speeches_csv_writer(out)
    return out.getvalue().encode("utf-8")


def _reusable_blocks(archive: Archive, made_from: Sequence[str | None],
                     previous: Mapping[str, CsvBlock], old_csv: Path | None
                     ) -> dict[str, CsvBlock]:
    """The previous build's blocks whose key is this build's key for the
    same meeting (none when the previous CSV is not the one they describe);
    `made_from` the fingerprint of each meeting's JSON, in archive order."""
    if old_csv is None or not previous:
        return {}
    try:
        size = old_csv.stat().st_size
    except OSError:
        return {}
    if size != max(b.offset + b.length for b in previous.values()):
        return {}
    found = {}
    for meeting, fingerprint in zip(archive.meetings, made_from, strict=True):
        block = previous.get(meeting.id)
        if block is not None and block.key == _block_key(archive, fingerprint, block.speakers):
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
    previous = plan.previous_site if plan is not None else None
    _write_or_link(site_dir, urls.FEED, atom_feed(archive, t, title, base_url), previous)
    _write_or_link(site_dir, urls.SITEMAP, sitemap(html_paths, base_url), previous)
    _write_or_link(site_dir, urls.ROBOTS, robots(base_url), previous)
    return fingerprints, blocks


def _write_or_link(site_dir: Path, path: str, text: str, previous_site: Path | None) -> None:
    """Write `text` at `path`, or link the previous site's file when it holds
    these very bytes (the manifest then keeps its hash)."""
    if previous_site is not None:
        data = text.encode("utf-8")
        old = urls.output_file(previous_site, path)
        with contextlib.suppress(OSError):
            if old.stat().st_size == len(data) and old.read_bytes() == data:
                target = urls.output_file(site_dir, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(old, target)
                return
    _write(site_dir, path, text)
