"""The machine-readable files of the site: an Atom feed of meetings,
``sitemap.xml``, ``robots.txt``, a CSV of all speeches and one JSON file per
meeting (the open-data format of `generator.export`). Deterministic: dates come
from the meetings, never from the clock. The files that hold speech text are
written as the meetings stream past, one meeting's text in memory at a time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from generator import urls
from generator.archive import Archive
from generator.cache import PagePlan
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


def write_speech_rows(writer: Any, archive: Archive, meeting: Meeting) -> None:
    """One row per turn of `meeting` (with its turns), in the order spoken."""
    slug = archive.meeting_slug(meeting)
    for turn in meeting.turns:
        person = archive.people.get(turn.speaker or "")
        text = "\n\n".join(turn.paragraphs)
        writer.writerow(csv_cell(cell) for cell in (
            meeting.id, meeting.date or "", turn.id, turn.kind.value, turn.speaker or "",
            person.name if person else "", (person.party or "") if person else "",
            turn.label, len(text.split()) if turn.kind is TurnKind.SPEECH else 0, text,
            urls.meeting_path(slug) + "#" + urls.turn_anchor(turn.id)))


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


def write_meeting_files(archive: Archive, site_dir: Path, jobs: int = 1,
                        plan: PagePlan | None = None) -> list[tuple[str, str | None]]:
    """The per-meeting JSON files and the speeches CSV, in one pass over the
    meetings' text: workers (`jobs`, 0: one per core) write the JSON and return
    their meetings' CSV rows, which are written here in archive order. With a
    `plan`, the JSON of a meeting unchanged since the previous build is linked
    from it. Returns the fingerprint of each JSON file (for the build cache)."""

    def write(batch: Sequence[int]) -> tuple[str, list[tuple[str, str | None]]]:
        rows = io.StringIO()
        writer = csv_writer(rows)
        written = []
        for i in batch:
            meeting = archive.full(archive.meetings[i])
            path = urls.meeting_json_path(archive.meeting_slug(meeting))
            fingerprint = plan.meeting_file_fingerprint(path, meeting) if plan else None
            if not (plan and plan.reuse(path, fingerprint, site_dir)):
                write_meeting_json(archive, meeting, site_dir)
            written.append((path, fingerprint))
            write_speech_rows(writer, archive, meeting)
        return rows.getvalue(), written

    target = urls.output_file(site_dir, urls.SPEECHES_CSV)
    target.parent.mkdir(parents=True, exist_ok=True)
    fingerprints: list[tuple[str, str | None]] = []
    with target.open("w", encoding="utf-8", newline="") as out:
        speeches_csv_writer(out)
        for rows, written in fork_map(write, chunked(range(len(archive.meetings)), BATCH), jobs):
            out.write(rows)
            fingerprints += written
    return fingerprints


def write_feeds(archive: Archive, t: Catalogue, title: str, base_url: str, site_dir: Path,
                html_paths: list[str], jobs: int = 1, plan: PagePlan | None = None
                ) -> list[tuple[str, str | None]]:
    """Write every machine-readable file of the site; the fingerprints of
    those a later build may link instead of writing (`write_meeting_files`)."""
    fingerprints = write_meeting_files(archive, site_dir, jobs, plan)
    _write(site_dir, urls.FEED, atom_feed(archive, t, title, base_url))
    _write(site_dir, urls.SITEMAP, sitemap(html_paths, base_url))
    _write(site_dir, urls.ROBOTS, robots(base_url))
    return fingerprints
