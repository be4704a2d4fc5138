"""The built example site in headless Chromium: no horizontal scrolling on a
phone (375 px) or a desktop (1280 px), in light and dark mode, with
screenshots saved to test-artifacts/; the charts follow the colour scheme;
keyboard-only navigation reaches every permalink of the meeting page and the
skip link works; and the site works from file://."""

from __future__ import annotations

import pytest
from built_example import example_site

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return example_site(tmp_path_factory)


def page_kinds(site):
    """One page of every kind the brief names: site-relative paths by kind."""
    meeting = sorted((site / "vergaderingen").glob("*.html"))
    meeting = next(p for p in meeting if p.name != "index.html")
    motion = next(p for p in sorted((site / "moties").glob("*.html"))
                  if p.name[0].isdigit())
    return {
        "home": "index.html",
        "meeting": f"vergaderingen/{meeting.name}",
        "speaker": "sprekers/karabulut.html",
        "party": "partijen/sp.html",
        "motion": f"moties/{motion.name}",
        "motions": "moties/index.html",
    }


@pytest.fixture()
def open_page(chromium, site):
    contexts = []

    def opener(path, width=1280, scheme="light", height=900):
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto((site / path).as_uri())
        return page

    yield opener
    for context in contexts:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["home", "meeting", "speaker", "party", "motion", "motions"])
def test_every_page_kind_fits_the_screen_without_horizontal_scrolling(
        open_page, site, artifacts_dir, kind, width, scheme):
    path = page_kinds(site)[kind]
    page = open_page(path, width, scheme)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    shot = artifacts_dir / f"site-{kind}-{width}-{scheme}.png"
    # the meeting page is very long: the top, and its figures on their own
    page.screenshot(path=str(shot), full_page=kind != "meeting")
    if kind == "meeting":
        page.locator("#cijfers").screenshot(path=str(artifacts_dir / f"site-meeting-figures-"
                                                                   f"{width}-{scheme}.png"))
    assert scroll <= inner, f"{path} scrolls sideways at {width}px ({scroll} > {inner})"
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                     && !e.closest('.table-wrap, pre, details:not([open])'))
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert wide == [], f"{path}: elements wider than the screen at {width}px: {wide}"
    assert page.errors == []


def test_charts_take_their_colours_from_the_colour_scheme(open_page, site):
    path = page_kinds(site)["meeting"]
    fills = {}
    for scheme in SCHEMES:
        page = open_page(path, 1280, scheme)
        fills[scheme] = page.evaluate("""() => {
            const rect = document.querySelector('#fig-spreektijd pattern rect');
            const text = document.querySelector('#fig-spreektijd svg text');
            return [getComputedStyle(rect).fill, getComputedStyle(text).fill,
                    document.querySelector('#fig-spreektijd svg').getBoundingClientRect().width];
        }""")
    (light_bar, light_text, width), (dark_bar, dark_text, _) = fills["light"], fills["dark"]
    assert light_bar == "rgb(0, 114, 178)"  # Okabe-Ito blue, from var(--chart-1)
    assert dark_bar != light_bar and dark_text != light_text
    assert width > 300, "the chart scales up to the column on a desktop"


@pytest.mark.parametrize("kind", ["home", "meeting", "speaker", "party", "motions"])
def test_charts_scale_down_to_a_phone_without_a_label_running_past_their_edges(
        open_page, site, kind):
    page = open_page(page_kinds(site)[kind], 375)
    clipped = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')]
            .filter(t => { const r = t.getBoundingClientRect();
                           return r.right > box.right + 1 || r.left < box.left - 1; })
            .map(t => t.textContent);
    })""")
    charts = page.locator("svg.chart").count()
    assert charts >= 1 and clipped == []


def focus_walk(page, limit, until=None):
    """Press Tab `limit` times from the top of the page; every element focused
    on the way, in order ("permalink " + href for a permalink, else its href,
    id or tag). Stops early once `until` has been focused."""
    page.evaluate("""() => { window.__focused = [];
        document.addEventListener('focusin', e => window.__focused.push(
            (e.target.classList.contains('permalink') ? 'permalink ' : '')
            + (e.target.getAttribute('href') || e.target.id || e.target.tagName))); }""")
    for i in range(limit):
        page.keyboard.press("Tab")
        if until and i % 50 == 49 and page.evaluate("t => window.__focused.includes(t)", until):
            break
    return page.evaluate("window.__focused")


def test_keyboard_alone_reaches_every_permalink_of_the_meeting_page(open_page, site):
    page = open_page(page_kinds(site)["meeting"])
    permalinks = page.evaluate(
        "[...document.querySelectorAll('a.permalink')]"
        ".map(a => 'permalink ' + a.getAttribute('href'))")
    focusable = page.evaluate("""document.querySelectorAll(
        'a[href], button, input, summary, [tabindex]:not([tabindex="-1"])').length""")
    assert len(permalinks) > 300  # one per turn of the seed meeting
    focused = focus_walk(page, focusable + 5, until=permalinks[-1])
    missing = [href for href in permalinks if href not in focused]
    assert missing == []
    # in document order: the tab order never jumps back through the transcript
    order = [focused.index(href) for href in permalinks]
    assert order == sorted(order)


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_into_the_main_content(
        open_page, site):
    page = open_page(page_kinds(site)["meeting"])
    page.keyboard.press("Tab")
    first = page.evaluate("""() => { const a = document.activeElement;
        const r = a.getBoundingClientRect();
        return [a.className, a.getAttribute('href'), r.left >= 0 && r.right <= innerWidth]; }""")
    assert first == ["skip", "#inhoud", True], "the skip link shows when focused"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    inside = page.evaluate("document.activeElement.closest('main') !== null")
    assert inside, "after the skip link, the next Tab lands in <main>, past the navigation"


def test_the_site_works_from_file_urls_home_to_meeting_to_speaker(open_page, site):
    page = open_page("index.html")
    assert page.url.startswith("file://")
    page.locator("main ul.meetings a").first.click()
    page.wait_for_load_state()
    assert "/vergaderingen/" in page.url and page.url.endswith(".html")
    title = page.locator("h1").inner_text()
    assert title
    styled = page.evaluate("""() => [getComputedStyle(document.querySelector('.wrap')).maxWidth,
        getComputedStyle(document.querySelector('#fig-spreektijd pattern rect')).fill]""")
    assert styled[0] != "none", "style.css loads from file://"
    assert styled[1] == "rgb(0, 114, 178)", "charts.css loads from file://"
    page.locator("#fig-tijdlijn svg a").first.click()
    assert "#t" in page.url, "a timeline mark jumps into the transcript"
    page.locator("article.speech h3 a[href*='sprekers/']").first.click()
    page.wait_for_load_state()
    assert "/sprekers/" in page.url
    assert page.locator("h1").inner_text() and page.locator("#fig-activiteit svg").count() == 1
    page.go_back()
    assert page.locator("h1").inner_text() == title
    assert page.errors == []


def test_busy_charts_keep_their_labels_inside_and_apart(chromium):
    """Two years of meetings per month, and bars with very long names, drawn on
    a phone: no label leaves its chart and no two column labels overlap."""
    from site_fixture import ROOT

    from generator import charts

    columns = [(f"{m:02d}-{2020 + i // 12}", 1000 + 37 * i) for i, m in
               enumerate(list(range(1, 13)) * 2)]
    svg = charts.column_chart("c", "Titel", "Uitleg", charts.Series("x", "chart-1"), columns,
                              lambda n: f"{n:,}".replace(",", "."))
    long = "1996-01-05 · Commissiedebat Ontwikkelingssamenwerking en Buitenlandse Handel"
    series = [charts.Series("x", "chart-1"), charts.Series("y", "chart-2", "dots")]
    bars = [charts.Bar(long, (3, 4), "12 beurten"), charts.Bar("Kort", (1, 0))]
    others = (charts.bar_chart("b", "T", "U", series, bars)
              + charts.stacked_chart("s", "T", "U", series, bars)
              + charts.timeline_chart("l", "T", "U", "13:30", "17:18",
                                      [charts.Mark("section", long, "#t1", 0.2)]))
    css = (ROOT / "static" / "charts.css").read_text(encoding="utf-8")
    context = chromium.new_context(viewport={"width": 375, "height": 600})
    try:
        page = context.new_page()
        page.set_content(f"<!DOCTYPE html><style>{css}</style><main style='padding:16px'>"
                         f"{svg}{others}</main>")
        boxes = page.evaluate("""() => [...document.querySelectorAll('text')].map(t => {
            const box = t.closest('svg').getBoundingClientRect();
            const r = t.getBoundingClientRect();
            return [t.closest('svg').getAttribute('aria-labelledby').split('-')[0],
                    t.getAttribute('class'), r.left - box.left, box.right - r.right,
                    r.left, r.right]; })""")
    finally:
        context.close()
    assert {chart for chart, *_ in boxes} == {"c", "b", "s", "l"}
    outside = [(chart, cls) for chart, cls, left, right, _, _ in boxes if left < -1 or right < -1]
    assert outside == []
    for css_class in ("chart-value", "chart-label"):
        row = sorted((a, b) for chart, cls, _, _, a, b in boxes
                     if chart == "c" and cls == css_class)
        assert len(row) >= 4
        assert all(prev[1] <= nxt[0] + 0.5 for prev, nxt in zip(row, row[1:], strict=False))
