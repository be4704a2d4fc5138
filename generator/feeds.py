"""The machine-readable files of the site: an Atom feed of meetings,
``sitemap.xml``, ``robots.txt``, a CSV of all speeches and one JSON file per
meeting (the open-data format of `generator.export`). Deterministic: dates come
from the meetings, never from the clock. The files that hold speech text are
written as the meetings stream past, one meeting's text in memory at a time.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TextIO
from xml.sax.saxutils import escape, quoteattr

from generator import urls
from generator.archive import Archive
from generator.cache import PagePlan, hash_text, link_or_copy
from generator.export import meeting_json
from generator.i18n import Catalogue
from generator.model import Meeting, TurnKind
from generator.output import keep
from generator.pages import CSV_COLUMNS, meeting_description, meeting_title
from generator.workers import chunked, fork_map

FEED_SIZE = 50
BATCH = 8  # meetings per work item

# each meeting's JSON path, asked for every meeting by every build (a slugify each)
_meeting_json_path = functools.cache(urls.meeting_json_path)


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


def csv_field(value: str | int) -> str:
    """One cell of a CSV row as `csv_row` writes it. Text a spreadsheet would
    run as a formula gets a leading apostrophe (the OWASP advice for CSV
    injection); text holding a comma, a quote or a line end is quoted (quotes
    doubled). Numbers pass."""
    if not isinstance(value, str):
        return str(value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_row(values: Iterable[str | int]) -> str:
    """A row of `csv_field`s as ``csv.writer`` writes it (RFC 4180: minimal
    quoting, CRLF line ends). It makes the speeches CSV's header row, and
    `tests/test_speech_rows.py` compares it with the csv module; the ~1.4
    million speech rows at 10,000 meetings are joined by `write_speech_rows`
    itself, cell by cell through `csv_field` (its meeting's and speakers'
    cells made once), which is where the speed-up over the csv module is."""
    return ",".join(map(csv_field, values)) + "\r\n"


_SPEECH = TurnKind.SPEECH
_KIND_FIELDS = {kind: csv_field(kind.value) for kind in TurnKind}
_turn_anchor = functools.cache(urls.turn_anchor)  # turn ids repeat across meetings


def write_speech_rows(out: TextIO, archive: Archive, meeting: Meeting) -> tuple[str, ...]:
    """One CSV row per turn of `meeting` (with its turns), in the order
    spoken, written to `out`: the row `csv_row` would make of its cells,
    joined here from `csv_field`s; returns the speaker ids the rows looked
    up, in the order first named."""
    anchor_prefix = urls.meeting_path(archive.meeting_slug(meeting)) + "#"
    start = csv_field(meeting.id) + "," + csv_field(meeting.date or "") + ","
    people: dict[str | None, str] = {}  # speaker id -> its three cells, joined
    lines = []
    for turn in meeting.turns:
        speaker = turn.speaker
        cells = people.get(speaker)
        if cells is None:
            person = archive.people.get(speaker) if speaker else None
            cells = people[speaker] = ",".join((
                csv_field(speaker or ""), csv_field(person.name) if person else "",
                csv_field(person.party or "") if person else ""))
        text = "\n\n".join(turn.paragraphs)
        kind = turn.kind
        lines.append("".join((
            start, csv_field(turn.id), ",", _KIND_FIELDS[kind], ",", cells, ",",
            csv_field(turn.label), ",", str(len(text.split())) if kind is _SPEECH else "0", ",",
            csv_field(text), ",", csv_field(anchor_prefix + _turn_anchor(turn.id)), "\r\n")))
    out.write("".join(lines))
    return tuple(s for s in people if s)


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


_LAST_SITEMAP: tuple[list[str], str, str] | None = None  # paths, base URL, the text made


def sitemap(paths: list[str], base_url: str) -> str:
    """Every HTML page except the 404 page. Without a base URL the locations are
    site-relative (set ``site.base_url`` in plenum.toml for a valid sitemap).
    The text made last is made again only when the paths or the URL differ
    (a rebuild in `build.py serve` asks for the same ~50,000 pages again)."""
    global _LAST_SITEMAP
    last = _LAST_SITEMAP
    if last is not None and last[1] == base_url and last[0] == paths:
        return last[2]
    text = _sitemap(paths, base_url)
    _LAST_SITEMAP = (list(paths), base_url, text)
    return text


def _sitemap(paths: list[str], base_url: str) -> str:
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
    """Where one meeting's rows sit in the speeches CSV of its year (`file`,
    a site path: `urls.speeches_csv_path`), and what they were made from: the
    meeting's content hash and the generator's code
    (`PagePlan.meeting_file_fingerprint`) plus the name and party of every
    speaker id its turns name (`speakers`). A later build whose key for the
    meeting is the same copies the bytes instead of reading the turns."""

    key: str
    offset: int
    length: int
    speakers: tuple[str, ...]
    file: str


def stored_csv_blocks(stored: Mapping[str, Sequence]) -> dict[str, CsvBlock]:
    """The blocks the build cache kept (each as a list of its fields); one of
    another layout (an older build's) is left out, so its rows are made."""
    found = {}
    for mid, fields in stored.items():
        if isinstance(fields, (list, tuple)) and len(fields) == 5:
            key, offset, length, speakers, file = fields
            if isinstance(file, str) and isinstance(offset, int) and isinstance(length, int):
                found[mid] = CsvBlock(key, offset, length, tuple(speakers), file)
    return found


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


@dataclass
class _BlockKeys:
    """The `_block_key`s made for an archive whose people have these names
    and parties (by id), by JSON fingerprint and speaker ids: a rebuild in
    the same process (`build.py serve`) asks again for ~10,000 keys, of
    which an edit changes a few."""

    people: dict[str, tuple[str, str | None]]
    made: dict[tuple[str, tuple[str, ...]], str | None]

    def key(self, archive: Archive, made_from: str | None, speakers: tuple[str, ...]
            ) -> str | None:
        if made_from is None:
            return None
        found = self.made.get((made_from, speakers))
        if found is None:
            found = self.made[made_from, speakers] = _block_key(archive, made_from, speakers)
        return found


_BLOCK_KEYS: _BlockKeys | None = None


def _block_keys(archive: Archive) -> _BlockKeys:
    """The keys made so far for `archive`'s people (none when a name or a
    party differs from those of the keys kept)."""
    global _BLOCK_KEYS
    people = {pid: (person.name, person.party) for pid, person in archive.people.items()}
    if _BLOCK_KEYS is None or _BLOCK_KEYS.people != people:
        _BLOCK_KEYS = _BlockKeys(people, {})
    return _BLOCK_KEYS


SAME_CSV_CHECK = 64  # at most this many meetings' rows are compared with the previous CSVs

Made = tuple[str, tuple[str, ...], str, "str | None"]  # rows, speakers, JSON path, fingerprint


def write_meeting_files(archive: Archive, site_dir: Path, jobs: int = 1,
                        plan: PagePlan | None = None,
                        previous_blocks: Mapping[str, CsvBlock] | None = None
                        ) -> tuple[list[tuple[str, str | None]], dict[str, CsvBlock]]:
    """The per-meeting JSON files and the speeches CSVs (one per year), in
    one pass over the meetings' text: workers (`jobs`, 0: one per core) write
    the JSON and return their meetings' CSV rows, which are written here in
    archive order.

    With a `plan`, the JSON of a meeting unchanged since the previous build is
    linked from it, and its rows are copied from the previous build's CSV
    when its `previous_blocks` entry has the same key: such a meeting's text
    is not read at all. A year's CSV whose rows are all where the previous
    one holds them, the bytes made again included, is that previous file,
    linked: an edit rewrites the CSV of its year alone. Returns the
    fingerprint of each JSON file and the block of each meeting's rows (for
    the build cache)."""
    meetings = archive.meetings
    previous = previous_blocks or {}
    paths, made_from, files = _meeting_paths(archive, plan)
    old_site = plan.previous_site if plan is not None else None
    keys = _block_keys(archive)
    reusable = _reusable_blocks(archive, made_from, files, previous, old_site, keys)
    fingerprints: list[tuple[str, str | None]] = []
    linker = _Linker(plan, site_dir)
    for i, meeting in enumerate(meetings):  # the JSON of a meeting whose rows are copied
        if meeting.id in reusable:
            if not linker.link(paths[i], made_from[i]):
                write_meeting_json(archive, archive.full(meeting), site_dir)
            fingerprints.append((paths[i], made_from[i]))
    todo = [i for i, m in enumerate(meetings) if m.id not in reusable]

    def write(batch: Sequence[int]) -> list[Made]:
        made = []
        for i in batch:
            meeting = archive.full(meetings[i])
            if not linker.link(paths[i], made_from[i]):
                write_meeting_json(archive, meeting, site_dir)
            rows = io.StringIO()
            speakers = write_speech_rows(rows, archive, meeting)
            made.append((rows.getvalue(), speakers, paths[i], made_from[i]))
        return made

    made: Iterator[Made] = (item for batch in fork_map(write, chunked(todo, BATCH), jobs)
                            for item in batch)
    early: dict[int, Made] | None = None  # the rows made, when few: to compare
    if old_site is not None and len(todo) <= SAME_CSV_CHECK:
        early = dict(zip(todo, made, strict=True))  # (and lets the workers finish)
    folder = urls.output_file(site_dir, urls.SPEECHES_CSV_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    kept = _unchanged_files(meetings, files, reusable, previous, early, old_site)
    for file in kept:
        if not keep(old_site, site_dir, file):  # type: ignore[arg-type]
            link_or_copy(old_site / file, urls.output_file(site_dir, file))  # type: ignore[operator]
    blocks: dict[str, CsvBlock] = {}
    with contextlib.ExitStack() as stack:
        out: dict[str, _CsvFile] = {}
        for i, meeting in enumerate(meetings):
            file = files[i]
            block = reusable.get(meeting.id)
            item, key = None, None
            if block is None:
                item = early.pop(i) if early is not None else next(made)
                fingerprints.append((item[2], item[3]))
                key = keys.key(archive, made_from[i], tuple(item[1]))
            if file in kept:  # the rows are where the previous file holds them
                if block is None:
                    block = replace(previous[meeting.id], key=key, speakers=item[1])
            else:
                csv_file = out.get(file)
                if csv_file is None:
                    csv_file = out[file] = stack.enter_context(_CsvFile(site_dir, file,
                                                                        old_site))
                block = csv_file.copy(block) if block is not None \
                    else csv_file.write(item[0], key, item[1])
            if block.key is not None:
                blocks[meeting.id] = block
    return fingerprints, blocks


@dataclass(frozen=True)
class _Paths:
    """Per meeting of `meetings`, in order: its JSON file's path, its CSV
    file and, under the plan's `salt`, its content `digests` and the JSON
    file's fingerprint (`PagePlan.meeting_file_fingerprint`)."""

    meetings: tuple[Meeting, ...]
    paths: list[str]
    files: list[str]
    salt: str | None
    digests: list[str | None]
    made_from: list[str | None]


_LAST_PATHS: _Paths | None = None  # of the last build of this process (`build.py serve`)


def _meeting_paths(archive: Archive, plan: PagePlan | None
                   ) -> tuple[list[str], list[str | None], list[str]]:
    """Each meeting's JSON path, the fingerprint of its JSON file (None
    without a plan) and its CSV file. A rebuild in the same process whose
    outlines are the very same objects (read-only: the same ids and dates)
    takes the paths made last, and the fingerprints of the meetings whose
    content hash is unchanged: ~10,000 slugs, paths and hashes a rebuild
    made again (~0.1 s at 10,000 meetings)."""
    global _LAST_PATHS
    meetings, last = archive.meetings, _LAST_PATHS
    if last is None or last.meetings is not meetings:
        paths = [_meeting_json_path(archive.meeting_slug(m)) for m in meetings]
        files = [urls.speeches_csv_path(m.date) for m in meetings]
        last = _Paths(meetings, paths, files, None, [], [])
    if plan is None:
        _LAST_PATHS = last
        return last.paths, [None] * len(meetings), last.files
    get = plan.meeting_digests.get
    digests = [get(m.id) for m in meetings]
    if last.salt == plan.salt:
        made_from = [old if digest == known else
                     plan.meeting_file_fingerprint(path, meeting)
                     for meeting, path, digest, known, old in zip(
                         meetings, last.paths, digests, last.digests, last.made_from,
                         strict=True)]
    else:
        made_from = [plan.meeting_file_fingerprint(path, m)
                     for path, m in zip(last.paths, meetings, strict=True)]
    _LAST_PATHS = replace(last, salt=plan.salt, digests=digests, made_from=made_from)
    return last.paths, made_from, last.files


def _unchanged_files(meetings: Sequence[Meeting], files: Sequence[str],
                     reusable: Mapping[str, CsvBlock], previous: Mapping[str, CsvBlock],
                     made: Mapping[int, Made] | None, old_site: Path | None) -> set[str]:
    """The CSV files to write that are the previous build's byte for byte:
    every meeting's rows sit where they sat in the same file (the header
    before them), and the rows made again (`made`, by meeting index) equal
    the previous bytes at their block."""
    if old_site is None:
        return set()
    header = len(_csv_header())
    ends: dict[str, int] = {}
    again: dict[str, list[tuple[CsvBlock, bytes]]] = {}
    for i, meeting in enumerate(meetings):
        file = files[i]
        end = ends.get(file, header)
        if end < 0:
            continue
        block = reusable.get(meeting.id)
        if block is None:
            block = previous.get(meeting.id)
            if block is None or made is None or i not in made:
                ends[file] = -1
                continue
            again.setdefault(file, []).append((block, made[i][0].encode("utf-8")))
        ends[file] = end + block.length if block.file == file and block.offset == end else -1
    same = set()
    for file, end in ends.items():
        if end >= 0 and _holds(old_site / file, end, again.get(file, ())):
            same.add(file)
    return same


def _holds(path: Path, size: int, blocks: Iterable[tuple[CsvBlock, bytes]]) -> bool:
    """Whether the file has `size` bytes and each block's bytes are those given."""
    try:
        if path.stat().st_size != size:
            return False
        with path.open("rb") as old:
            for block, data in blocks:
                old.seek(block.offset)
                if len(data) != block.length or old.read(block.length) != data:
                    return False
    except OSError:
        return False
    return True


class _CsvFile:
    """One speeches CSV being written: the header, then each meeting's rows,
    made (`write`) or copied from the previous build's file of the same year
    (`copy`, by the kernel: `_RangeCopier`)."""

    def __init__(self, site_dir: Path, file: str, old_site: Path | None):
        self.file = file
        self.out = urls.output_file(site_dir, file).open("wb")
        self.old_path = None if old_site is None else urls.output_file(old_site, file)
        self.out.write(_csv_header())
        self.copier = _RangeCopier(None, self.out)

    def __enter__(self) -> _CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.copier.flush()
        finally:
            self.out.close()
            if self.copier.source is not None:
                self.copier.source.close()

    def copy(self, block: CsvBlock) -> CsvBlock:
        """Append the rows of `block` (of the previous file)."""
        if self.copier.source is None:
            assert self.old_path is not None, "rows copied without a previous site"
            self.copier.source = self.old_path.open("rb")
        offset = self.copier.position()
        self.copier.add(block.offset, block.length)
        return CsvBlock(block.key, offset, block.length, block.speakers, block.file)

    def write(self, rows: str, key: str | None, speakers: tuple[str, ...]) -> CsvBlock:
        """Append rows made by this build."""
        self.copier.flush()
        offset = self.out.tell()
        length = self.out.write(rows.encode("utf-8"))
        return CsvBlock(key, offset, length, speakers, self.file)  # type: ignore[arg-type]


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
        if keep(plan.previous_site, self.out, path):  # a staged site: kept, not linked
            return True
        try:
            os.link(self.old + path, self.new + path)
            return True
        except OSError:
            return plan.reuse(path, fingerprint, self.out)


def _csv_header() -> bytes:
    return csv_row(CSV_COLUMNS).encode("utf-8")


def _reusable_blocks(archive: Archive, made_from: Sequence[str | None], files: Sequence[str],
                     previous: Mapping[str, CsvBlock], old_site: Path | None,
                     keys: _BlockKeys) -> dict[str, CsvBlock]:
    """The previous build's blocks whose key is this build's key for the
    same meeting, in the CSV file that meeting's rows go to (none of a file
    that is not the one the blocks describe); `made_from` the fingerprint of
    each meeting's JSON and `files` its CSV file, in archive order."""
    if old_site is None or not previous:
        return {}
    ends = dict.fromkeys(files, 0)  # (a file named by the cache alone is not looked at)
    for block in previous.values():
        if block.file in ends:
            ends[block.file] = max(ends[block.file], block.offset + block.length)
    valid = set()
    for file, end in ends.items():
        with contextlib.suppress(OSError):
            if end and os.stat(f"{old_site}/{file}").st_size == end:
                valid.add(file)
    found = {}
    for meeting, fingerprint, file in zip(archive.meetings, made_from, files, strict=True):
        block = previous.get(meeting.id)
        if block is not None and block.file == file and file in valid \
                and block.key == keys.key(archive, fingerprint, block.speakers):
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
                if keep(previous_site, site_dir, path):  # a staged site: kept, not linked
                    return
                target = urls.output_file(site_dir, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(old, target)
                return
    _write(site_dir, path, text)
