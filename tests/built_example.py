"""The example archive built once per test session (shared by the chart,
browser and accessibility tests), and a reader for the charts' tables."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from site_fixture import build_project, copy_project


def example_site(tmp_path_factory) -> Path:
    """`site/` of the example project, built into the session's temp folder on
    first use and reused by every later caller in the session."""
    root = tmp_path_factory.getbasetemp() / "example-built-once"
    done = root / "built.ok"
    if not done.exists():
        if root.exists():
            import shutil

            shutil.rmtree(root)
        root.mkdir()
        copy_project(root)
        diagnostics = build_project(root)
        errors = [d for d in diagnostics if d.severity == "error"]
        assert not errors, errors
        done.write_text("ok")
    return root / "site"


class ChartTables(HTMLParser):
    """Every chart figure of a page: id -> header cells and rows, each cell a
    (text, href) pair, as `_charts/figure.html` writes them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: dict[str, dict] = {}
        self._figure: str | None = None
        self._row: list | None = None
        self._cell: list | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "chart-figure" in (attrs.get("class") or ""):
            self._figure = attrs["id"]
            self.figures[self._figure] = {"head": [], "rows": [], "svg": 0}
        if self._figure is None:
            return
        if tag == "svg" and "chart" in (attrs.get("class") or "").split():
            self.figures[self._figure]["svg"] += 1
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", None]
        elif tag == "a" and self._cell is not None:
            self._cell[1] = attrs.get("href")

    def handle_endtag(self, tag):
        if self._figure is None:
            return
        if tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            target = "head" if self._in_head else "rows"
            if target == "head":
                self.figures[self._figure]["head"] = [text for text, _ in self._row]
            else:
                self.figures[self._figure]["rows"].append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "figure":
            self._figure = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


def chart_tables(path: Path) -> dict[str, dict]:
    parser = ChartTables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.figures


def number(text: str) -> int:
    """A number as the site writes it (12.345)."""
    return int(text.replace(".", "").replace("\u00a0", ""))
