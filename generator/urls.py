"""Every URL and output path of the site, in one place.

Paths are site-relative POSIX strings that always end in a file
(``vergaderingen/<id>.html``), so the site works from ``file://`` and from any
subpath. Templates never join paths: they ask a `Urls` bound to the page being
rendered, which returns links relative to that page.

Ids and numbers from a transcript pass through `generator.slugs.slugify` before
they become part of a path or an anchor, so no transcript can write outside the
site folder or break out of an attribute.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from generator.model import VerdictKind
from generator.slugs import slugify as _slugify

# pure, and called for every link of every page: remember recent answers
slugify = lru_cache(maxsize=1 << 16)(_slugify)
_remembered = lru_cache(maxsize=1 << 16)  # for the page paths below (pure as well)

HOME = "index.html"
MEETINGS = "vergaderingen/index.html"
SPEAKERS = "sprekers/index.html"
PARTIES = "partijen/index.html"
MOTIONS = "moties/index.html"
COMMITMENTS = "toezeggingen/index.html"
SEARCH = "zoeken/index.html"
DATA = "data/index.html"
SPEECHES_CSV_DIR = "data/speeches"  # one CSV per year: ``data/speeches/<year>.csv``
UNDATED = "undated"  # the CSV of meetings without a (readable) year
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
NOT_FOUND = "404.html"
ABOUT = "over.html"
STATIC = "static"


def _verdict_page(kind: VerdictKind | None) -> str:
    return "zonder-oordeel" if kind is None else slugify(kind.value)


# Names of the fixed pages in each folder: an id that slugs to one of them gets
# a "_" prefix (never part of a slug), so no transcript can replace a list page.
RESERVED = {
    "vergaderingen": frozenset({"index"}),
    "sprekers": frozenset({"index"}),
    "partijen": frozenset({"index"}),
    "moties": frozenset({"index", _verdict_page(None), *(_verdict_page(k) for k in VerdictKind)}),
}


def _page(folder: str, slug: str) -> str:
    name = slugify(slug)
    return f"{folder}/{'_' + name if name in RESERVED[folder] else name}.html"


@_remembered
def meeting_path(meeting_slug: str) -> str:
    return _page("vergaderingen", meeting_slug)


def speeches_csv_year(date: str | None) -> str | None:
    """The year whose speeches CSV holds a meeting of `date` (None: undated;
    an unvalidated date never becomes part of a path)."""
    year = (date or "")[:4]
    return year if len(year) == 4 and year.isascii() and year.isdigit() else None


def speeches_csv_path(date: str | None) -> str:
    """The CSV file holding the speeches of a meeting of `date`."""
    return f"{SPEECHES_CSV_DIR}/{speeches_csv_year(date) or UNDATED}.csv"


def meeting_json_path(meeting_slug: str) -> str:
    return f"data/meetings/{slugify(meeting_slug)}.json"


@_remembered
def person_path(person_id: str) -> str:
    return _page("sprekers", person_id)


def party_slug(party: str) -> str:
    return slugify(party, fallback="partij")


@_remembered
def party_path(party: str) -> str:
    return _page("partijen", party_slug(party))


@_remembered
def motion_path(motion_slug: str) -> str:
    return _page("moties", motion_slug)


def verdict_list_path(kind: VerdictKind | None) -> str:
    """One list page per verdict kind (``moties/ontraden.html``), and one for
    motions without a verdict, so filtering works without JavaScript."""
    return f"moties/{_verdict_page(kind)}.html"


def paged(path: str, page: int) -> str:
    """Page `page` of a list split over several files: ``moties/ontraden.html``,
    ``moties/ontraden_2.html``, ... ("_" never occurs in a slug, so no id collides)."""
    if page <= 1:
        return path
    stem, _, suffix = path.rpartition(".")
    return f"{stem}_{page}.{suffix}"


def static_path(name: str) -> str:
    return f"{STATIC}/{name}"


def turn_anchor(turn_id: str) -> str:
    """The anchor of a speech on its meeting page: the turn id itself."""
    return slugify(turn_id, fallback="t")


def motion_anchor(motion_id: str) -> str:
    return "motie-" + slugify(motion_id, fallback="m")


def section_anchor(index: int) -> str:
    return f"deel-{index + 1}"


def relative(from_path: str, to_path: str) -> str:
    """A link from the page at `from_path` to `to_path` (both site-relative).
    A fragment (``#t0001``) on `to_path` is kept."""
    target, _, fragment = to_path.partition("#")
    if not target:
        rel = posixpath.basename(from_path)
    else:
        # both paths are normalised and inside the site (no "..", no leading "/"),
        # so a common-prefix walk is enough (posixpath.relpath is much slower)
        here = from_path.split("/")[:-1]
        there = target.split("/")
        common = 0
        while (common < len(here) and common < len(there) - 1
               and here[common] == there[common]):
            common += 1
        rel = "../" * (len(here) - common) + "/".join(there[common:])
    return rel + ("#" + fragment if fragment else "")


def output_file(site_dir: Path, path: str) -> Path:
    """The file a site-relative path is written to; refuses anything that would
    leave `site_dir` (a last guard: every path above is built from slugs)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"unsafe output path: {path!r}")
    return site_dir.joinpath(*pure.parts)


class Urls:
    """URL helpers bound to the page being rendered; every method returns a
    link relative to that page. Templates receive one as ``u``."""

    def __init__(self, page_path: str, base_url: str = "", absolute: bool = False):
        """`absolute`: links are absolute URLs under `base_url` (the 404 page,
        which a host serves at any depth, where relative links would break)."""
        self.page = page_path
        self.base_url = base_url
        self.absolute_links = absolute and bool(base_url)
        self._seen: dict[str, str] = {}  # a meeting page links the same people often

    def to(self, path: str) -> str:
        link = self._seen.get(path)
        if link is None:
            link = (f"{self.base_url}/{path}" if self.absolute_links
                    else relative(self.page, path))
            self._seen[path] = link
        return link

    def home(self) -> str:
        return self.to(HOME)

    def meetings(self) -> str:
        return self.to(MEETINGS)

    def speakers(self) -> str:
        return self.to(SPEAKERS)

    def parties(self) -> str:
        return self.to(PARTIES)

    def motions(self) -> str:
        return self.to(MOTIONS)

    def commitments(self) -> str:
        return self.to(COMMITMENTS)

    def search(self) -> str:
        return self.to(SEARCH)

    def data(self) -> str:
        return self.to(DATA)

    def about(self) -> str:
        return self.to(ABOUT)

    def feed(self) -> str:
        return self.to(FEED)

    def speeches_csv(self, *date: str | None) -> str:
        """The CSV of the speeches of the year of `date`. Without a date (a
        project's template from before the CSV was split by year), the list of
        the CSVs on the data page."""
        if not date:
            return self.to(DATA) + "#csv"
        return self.to(speeches_csv_path(date[0]))

    def speeches_csvs(self, meetings: Iterable[Any]) -> list[tuple[str | None, str]]:
        """The year (None: undated) and link of every speeches CSV holding a
        meeting of `meetings` (anything with a ``date``), by year, undated last."""
        years = {speeches_csv_year(m.date) for m in meetings}
        return [(year, self.to(speeches_csv_path(year)))
                for year in sorted(years, key=lambda y: (y is None, y or ""))]

    def static(self, name: str) -> str:
        return self.to(static_path(name))

    def meeting(self, meeting_slug: str) -> str:
        return self.to(meeting_path(meeting_slug))

    def meeting_json(self, meeting_slug: str) -> str:
        return self.to(meeting_json_path(meeting_slug))

    def speech(self, meeting_slug: str, turn_id: str) -> str:
        return self.to(meeting_path(meeting_slug) + "#" + turn_anchor(turn_id))

    def motion_in_meeting(self, meeting_slug: str, motion_id: str) -> str:
        return self.to(meeting_path(meeting_slug) + "#" + motion_anchor(motion_id))

    def turn_anchor(self, turn_id: str) -> str:
        return turn_anchor(turn_id)

    def motion_anchor(self, motion_id: str) -> str:
        return motion_anchor(motion_id)

    def person(self, person_id: str) -> str:
        return self.to(person_path(person_id))

    def party(self, party: str) -> str:
        return self.to(party_path(party))

    def motion(self, motion_slug: str) -> str:
        return self.to(motion_path(motion_slug))

    def verdict_list(self, kind: VerdictKind | None) -> str:
        return self.to(verdict_list_path(kind))

    def absolute(self, path: str | None = None) -> str:
        """The absolute URL of a page (for Open Graph and feeds), or the
        site-relative path when no base URL is configured."""
        path = self.page if path is None else path
        return f"{self.base_url}/{path}" if self.base_url else path
