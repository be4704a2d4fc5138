"""A hostile transcript, built end to end with `python build.py build`, renders
inert in every page, feed, JSON file, CSV file and search shard, and writes
nothing outside the project's output folders; `serve` only listens on this
machine unless told otherwise.

The transcript (tests/data/hostile/hostile.txt, in the seed's text format) and
its metadata sidecar put script tags, event-handler attributes, `javascript:`
URLs, CSS expressions, template syntax, spreadsheet formulas, quotes, `../` and
a NUL into names, party names, motion numbers, ids and text. Every payload
contains the marker ``alert(``: wherever it lands it must be text, never
markup or code.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "hostile"
MARKER = "alert("
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href",
                  "srcset", "background", "cite", "ping", "srcdoc"}
SAFE_PATH = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")
OUTPUT_DIRS = ("site", "content", ".plenum-cache")


def build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project),
                           "build"], capture_output=True, text=True, timeout=600)


def snapshot(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# Hand edits of the imported content file: hostile ids and numbers where the
# Markdown format (docs/format.md) lets a person type them.
CONTENT_EDITS = (
    ("- {id: bosman, name: Bosman,",
     "- {id: \"../../b'><script>alert('pid')</script>\", name: Bosman,"),
    ("speaker=bosman", "speaker=\"../../b'><script>alert('pid')</script>\""),
    ('{#35373-3 number=3 dossier="35 373"',
     '{#35373-3 number="../4\'><script>alert(\'nr\')</script>" dossier="../35 373<script>"'),
)


def edit_content(project: Path) -> None:
    [path] = (project / "content").glob("*.md")
    text = path.read_text(encoding="utf-8")
    for old, new in CONTENT_EDITS:
        assert old in text, f"content format changed: update CONTENT_EDITS ({old!r})"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module", params=["transcript", "hand-edited content"])
def hostile(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    project = base / "deep" / "project"
    (project / "transcripts").mkdir(parents=True)
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "plenum.toml", project / "plenum.toml")
    for path in HOSTILE.iterdir():
        shutil.copy(path, project / "transcripts" / path.name)
    before = snapshot(base)
    if request.param == "hand-edited content":
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project),
                        "import"], capture_output=True, timeout=600)
        edit_content(project)
    result = build(project)
    after = snapshot(base)
    return base, project, result, after - before


def files(site: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in suffixes)


# --- inertness checkers ---------------------------------------------------------

class InertHTML(HTMLParser):
    """Collects every way an HTML document could run or load something the
    input put there."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._raw: str | None = None  # "script" or "style" while inside one
        self._type = ""
        self._buffer = ""

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""  # attribute values may quote the input: text
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler attribute: {raw[:120]}")
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in URL_ATTRIBUTES and compact.startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"script URL in {name}: {raw[:120]}")
            if name == "style" and ("expression(" in compact or "javascript:" in compact):
                self.problems.append(f"script in a style attribute: {raw[:120]}")
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.problems.append(f"<{tag}> element: {raw[:120]}")
        if tag in ("script", "style"):
            self._raw, self._buffer = tag, ""
            self._type = dict(attrs).get("type") or ""

    def handle_endtag(self, tag):
        if self._raw and tag == self._raw:
            self._check_raw_text()
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self._buffer += data

    def _check_raw_text(self):
        if self._raw == "script" and self._type in ("application/ld+json", "application/json"):
            try:
                json.loads(self._buffer)
            except ValueError:
                self.problems.append(f"JSON in <script> broken open: {self._buffer[:120]}")
        elif MARKER in self._buffer or "javascript:" in self._buffer:
            self.problems.append(f"input inside <{self._raw}>: {self._buffer[:120]}")


def html_problems(html: str) -> list[str]:
    checker = InertHTML()
    checker.feed(html)
    checker.close()
    return checker.problems


CSV_FORMULA = re.compile(r"^[=+\-@\t\r]")
NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def csv_problems(text: str) -> list[str]:
    """Cells a spreadsheet would run as a formula (OWASP "CSV injection")."""
    problems = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if CSV_FORMULA.match(cell) and not NUMBER.match(cell):
                problems.append(f"formula-like cell: {cell[:80]!r}")
    return problems


# --- the tests ----------------------------------------------------------------------

def test_the_hostile_transcript_builds_without_a_crash(hostile):
    _, project, result, _ = hostile
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert (project / "site" / "index.html").is_file(), result.stderr


def test_nothing_is_written_outside_the_output_folders(hostile):
    base, project, _, new = hostile
    allowed = [project / name for name in OUTPUT_DIRS]
    outside = sorted(str(p.relative_to(base)) for p in new
                     if not any(p == a or a in p.parents for a in allowed))
    assert outside == []
    assert not list(Path("/tmp").glob("plenum-escape*"))


def test_every_output_path_is_a_plain_relative_name(hostile):
    _, project, _, _ = hostile
    for folder in ("site", "content"):
        for path in (project / folder).rglob("*"):
            rel = path.relative_to(project / folder).as_posix()
            assert SAFE_PATH.match(rel) and ".." not in rel.split("/"), rel


def problems_in(project, suffix: str, check) -> dict[str, list]:
    """`check(text)` of every site file with this suffix, where it found any."""
    found = files(project / "site", suffix)
    assert found, f"no {suffix} files in the site"
    problems = {str(p.relative_to(project)): check(p.read_text(encoding="utf-8"))
                for p in found}
    return {k: v for k, v in problems.items() if v}


def test_every_page_is_inert(hostile):
    _, project, _, _ = hostile
    assert problems_in(project, ".html", html_problems) == {}


def test_the_hostile_text_is_shown_as_text_not_dropped(hostile):
    _, project, _, _ = hostile
    text = "".join(p.read_text(encoding="utf-8") for p in files(project / "site", ".html"))
    assert "&lt;script&gt;alert(&#39;voorzitter&#39;)" in text or \
        "&lt;script&gt;alert('voorzitter')" in text
    assert "javascript:alert(" in text  # shown, as text
    assert "O&#39;Hara" in text or "O'Hara" in text


def test_every_json_file_parses_and_keeps_the_text_as_data(hostile):
    _, project, _, _ = hostile
    found = False
    for path in files(project / "site", ".json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        found |= "<script>alert('voorzitter')</script>" in json.dumps(data, ensure_ascii=False)
    assert found


def test_every_feed_and_sitemap_is_well_formed_and_its_html_is_inert(hostile):
    _, project, _, _ = hostile
    feeds = files(project / "site", ".xml", ".atom", ".rss")
    assert feeds
    for path in feeds:
        tree = ET.parse(path)
        for element in tree.iter():
            assert not element.tag.lower().endswith("script"), (path, element.tag)
            if element.get("type") == "html" and element.text:
                assert html_problems(element.text) == [], (path, element.tag)
            for name, value in element.attrib.items():
                assert not value.strip().lower().startswith("javascript:"), (path, name)


def test_every_csv_file_parses_and_has_no_formula_cells(hostile):
    _, project, _, _ = hostile
    assert problems_in(project, ".csv", csv_problems) == {}


def test_every_search_shard_keeps_the_input_inside_string_literals(hostile):
    _, project, _, _ = hostile
    shards = [p for p in (project / "site").rglob("*")
              if p.is_file() and "search" in p.relative_to(project / "site").parts[:1]
              and p.suffix in (".js", ".json")]
    assert shards
    for path in shards:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            json.loads(text)
            continue
        # Outside string literals, a shard must not contain the input's markup.
        code = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`',
                      '""', text)
        assert MARKER not in code and "</script" not in code.lower(), path


def test_serve_listens_on_this_machine_only_by_default():
    from generator.cli import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    import inspect

    from generator import serve

    default = inspect.signature(serve.serve).parameters.get("host")
    assert default is None or default.default in (inspect.Parameter.empty, "127.0.0.1")


# --- broken files among good ones ---------------------------------------------------

ENCODING_DATA = ROOT / "tests" / "data" / "encoding"
BROKEN = ("image.txt", "ruslandstrategie.nul.txt")
ODD = ("ruslandstrategie.utf16.txt", "ruslandstrategie.mojibake.txt",
       "ruslandstrategie.cp1252.txt")


def test_binary_and_nul_files_are_refused_by_name_while_the_others_are_built(tmp_path):
    project = tmp_path / "project"
    (project / "transcripts").mkdir(parents=True)
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "plenum.toml", project / "plenum.toml")
    for name in BROKEN + ODD:
        shutil.copy(ENCODING_DATA / name, project / "transcripts" / name)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert 'File "transcripts/image.txt"' in result.stderr and "PNG image" in result.stderr
    assert 'File "transcripts/ruslandstrategie.nul.txt", line' in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(BROKEN), errors  # the good files build without errors
    pages = "".join(p.read_text(encoding="utf-8")
                    for p in (project / "site").rglob("*.html"))
    assert pages.count("Oost-Oekraïne") >= len(ODD)  # each odd encoding, decoded right
    assert "Ã" not in pages and "\ufffd" not in pages


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on `port` (from /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for row in fh.readlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net")
def test_a_running_serve_listens_on_the_loopback_address_only(tmp_path):
    import socket
    import time

    project = tmp_path / "project"
    project.mkdir()
    for name in ("templates", "static", "transcripts"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "plenum.toml", project / "plenum.toml")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(project),
                             "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not listening_addresses(port) and time.monotonic() < deadline:
            assert proc.poll() is None, "serve exited"
            time.sleep(0.5)
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cp1252_project(folder: Path) -> list[str]:
    (folder / "transcripts").mkdir(parents=True)
    shutil.copy(ENCODING_DATA / "ruslandstrategie.cp1252.txt", folder / "transcripts")
    return [sys.executable, str(ROOT / "build.py"), "--root", str(folder), "import"]


def test_encoding_warnings_pass_an_import_but_fail_it_under_strict(tmp_path):
    run = cp1252_project(tmp_path / "relaxed")
    relaxed = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert relaxed.returncode == 0, relaxed.stderr
    assert "warning: file is not UTF-8" in relaxed.stderr
    assert 'File "transcripts/ruslandstrategie.cp1252.txt", line' in relaxed.stderr
    run = cp1252_project(tmp_path / "strict")
    strict = subprocess.run([*run, "--strict"], capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1, strict.stderr


def test_strict_fails_again_on_the_same_input_when_nothing_changed(tmp_path):
    # A snapshot of the code: the import stamp holds a hash of the parser's code,
    # and an edit of the working tree between the two runs would force a re-parse.
    shutil.copytree(ROOT / "generator", tmp_path / "code" / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "build.py", tmp_path / "code" / "build.py")
    run = cp1252_project(tmp_path / "project")
    run[1] = str(tmp_path / "code" / "build.py")
    subprocess.run(run, capture_output=True, text=True, timeout=300)
    again = subprocess.run([*run, "--strict"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 1, again.stderr


# --- in a real browser -----------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.slow
def test_no_page_of_the_hostile_site_runs_a_script_or_loads_from_elsewhere(hostile, chromium):
    """Every page opened in headless Chromium (from file://), and the search page
    asked for the hostile text: no dialog opens, no request leaves the site."""
    _, project, _, _ = hostile
    site = project / "site"
    context = chromium.new_context(java_script_enabled=True)
    page = context.new_page()
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: None if request.url.startswith(("file:", "data:"))
            else outside.append(request.url))
    try:
        for path in sorted(site.rglob("*.html")):
            page.goto(path.as_uri(), wait_until="load")
        for query in ("alert", "script", "voorzitter", "javascript", "HYPERLINK"):
            page.goto((site / "zoeken" / "index.html").as_uri())
            page.fill("#q", query)
            page.wait_for_function(
                "document.querySelector('.search-status').textContent !== ''")
            page.wait_for_function(
                "!document.getElementById('plenum-search').hasAttribute('aria-busy')")
            if query == "voorzitter":
                assert page.query_selector_all("a.result-link"), "search found nothing"
            for link in page.query_selector_all("a.result-link"):
                assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
        page.wait_for_timeout(300)  # an onload/onerror handler would have fired by now
    finally:
        context.close()
    assert dialogs == []
    assert outside == []
