"""Page weight of the example archive: what a reader downloads for each page kind.

    .venv/bin/python benchmarks/page_weight.py

Builds the example archive (transcripts/) into a temporary project and prints a
table: per page kind, the HTML and the stylesheets and scripts it links, raw and
gzipped (level 9, as static hosts serve them). The budget from the site issue:
CSS and JS together under 30 kB gzipped.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_MEETING = "vergaderingen/2020-09-28-notaoverleg-ruslandstrategie.html"
PAGES = {
    "home": "index.html",
    "meeting (seed)": SEED_MEETING,
    "speaker": "sprekers/karabulut.html",
    "motion": "moties/35373-7.html",
    "motions index": "moties/index.html",
    "search": "zoeken/index.html",
}
ASSET = re.compile(r'(?:href|src)="([^"#?]+\.(?:css|js))"')
CSS_JS_BUDGET = 30_000


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9, mtime=0))


def build_example(root: Path) -> Path:
    for name in ("transcripts", "templates", "static"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "plenum.toml", root / "plenum.toml")
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(root), "build"],
                   check=True, capture_output=True)
    return root / "site"


def weigh(site: Path, page: str) -> tuple[int, int, int, int]:
    """(html, html gzipped, linked css+js, linked css+js gzipped) of one page."""
    path = site / page
    html = path.read_bytes()
    assets = {(path.parent / link).resolve() for link in ASSET.findall(html.decode("utf-8"))}
    data = [a.read_bytes() for a in sorted(assets) if a.is_file()]
    return len(html), gz(html), sum(map(len, data)), sum(map(gz, data))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        site = build_example(Path(tmp))
        print("| page | HTML | HTML gz | CSS+JS | CSS+JS gz | total gz |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind, page in PAGES.items():
            if not (site / page).exists():
                print(f"| {kind} | missing: {page} | | | | |")
                continue
            html, html_gz, assets, assets_gz = weigh(site, page)
            print(f"| {kind} | {html:,} | {html_gz:,} | {assets:,} | {assets_gz:,} "
                  f"| {html_gz + assets_gz:,} |")
        every = [p for p in (site / "static").rglob("*") if p.suffix in (".css", ".js")]
        every += [site / "search" / "search.js"] if (site / "search" / "search.js").exists() else []
        total = sum(gz(p.read_bytes()) for p in every)
        verdict = "within" if total < CSS_JS_BUDGET else "OVER"
        print(f"\nAll CSS and JS of the site: {total:,} B gzipped ({verdict} the "
              f"{CSS_JS_BUDGET:,} B budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
