"""axe-core on every page kind of the built example site, in light and dark
mode: zero serious or critical violations (contrast, names, landmarks, ARIA,
the charts' SVG included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from built_example import example_site

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / ".cache" / "npm" / "node_modules" / "axe-core" / \
    "axe.min.js"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (scripts/setup --dev)")
    return example_site(tmp_path_factory)


def every_kind(site: Path) -> dict[str, str]:
    """One page of each kind: kind -> site-relative path."""
    def first(folder, keep=lambda p: p.name != "index.html"):
        return f"{folder}/{next(p for p in sorted((site / folder).glob('*.html')) if keep(p)).name}"

    return {
        "home": "index.html",
        "meetings": "vergaderingen/index.html",
        "meeting": first("vergaderingen"),
        "speakers": "sprekers/index.html",
        "speaker": "sprekers/karabulut.html",
        "parties": "partijen/index.html",
        "party": "partijen/sp.html",
        "motions": "moties/index.html",
        "motions-by-verdict": "moties/ontraden.html",
        "motion": first("moties", lambda p: p.name[0].isdigit()),
        "commitments": "toezeggingen/index.html",
        "search": "zoeken/index.html",
        "data": "data/index.html",
        "about": "over.html",
        "not-found": "404.html",
    }


KINDS = ["home", "meetings", "meeting", "speakers", "speaker", "parties", "party", "motions",
         "motions-by-verdict", "motion", "commitments", "search", "data", "about", "not-found"]


def serious(results: dict) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else json.dumps(
                n["target"]) for n in v["nodes"][:4])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_axe_finds_no_serious_or_critical_violations(chromium, site, kind, scheme):
    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto((site / every_kind(site)[kind]).as_uri())
        # open the charts' tables, so their contrast is checked too
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    assert serious(results) == []


def test_axe_checks_the_charts_it_is_shown(chromium, site):
    """The meeting page's figures are in the DOM axe sees: an SVG labelled by
    its title, and tables with header cells."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto((site / every_kind(site)["meeting"]).as_uri())
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("""axe.run('#cijfers', {runOnly: [
            'svg-img-alt', 'th-has-data-cells', 'td-has-header', 'color-contrast', 'link-name',
            'nested-interactive']})""")
        names = page.evaluate("""[...document.querySelectorAll('svg.chart')].map(svg =>
            svg.getAttribute('aria-labelledby').split(' ')
               .map(id => document.getElementById(id).textContent).join(' '))""")
    finally:
        context.close()
    assert serious(results) == []
    passed = {rule["id"] for rule in results["passes"]}
    assert "svg-img-alt" in passed and "link-name" in passed
    assert len(names) >= 3 and all(name.strip() for name in names)
