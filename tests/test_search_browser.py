"""The search page in headless Chromium, on the example archive's built site:
typing, facets, deep links, keyboard, URL state, file:// and a subpath, and the
JavaScript engine giving the same answers as the Python one."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_support import example_meetings, example_records, judged_queries, resolve

from generator.config import load_project
from generator.search.query import Engine, ShardLoader
from generator.sitebuild import write_site

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built under a subpath ("archief/") so every link must be relative.
    out = tmp_path_factory.mktemp("site") / "archief"
    out.mkdir()
    diagnostics = write_site(load_project(ROOT), example_meetings(), out)
    assert not [d for d in diagnostics if d.severity == "error"]
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/archief/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def page(chromium):
    context = chromium.new_context()
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(f"{m.text} {m.location.get('url')}")
          if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def record_href(record) -> str:
    return record.url.split("#")[-1]


def result_anchors(pg) -> list[str]:
    return [a.get_attribute("href").split("#")[-1] if "#" in a.get_attribute("href")
            else a.get_attribute("href") for a in pg.query_selector_all("a.result-link")]


def search(pg, base: str, query: str) -> None:
    pg.goto(base + "zoeken/index.html")
    pg.fill("#q", query)
    pg.wait_for_function("document.querySelector('.search-status').textContent !== ''")
    pg.wait_for_function("!document.getElementById('plenum-search').hasAttribute('aria-busy')")


def test_typing_a_query_shows_the_expected_speech_first(page, server):
    records = example_records()
    search(page, server, "Tolstoj")
    target = resolve({"speaker": "van-der-staaij", "phrase": "Russische schrijver Tolstoj"},
                     records)[0]
    assert result_anchors(page)[0] == record_href(records[target])
    assert page.inner_html(".search-result .snippet").count("<mark>") >= 1
    assert "resultaat" in page.inner_text(".search-status")
    assert page.errors == []


def test_the_search_works_from_file_urls_too(page, site):
    records = example_records()
    search(page, site.as_uri() + "/", "poedel van Poetin")
    anchors = result_anchors(page)
    expected = resolve({"speaker": "van-helvert", "phrase": "kende ik de «poedel van Poetin»"},
                       records)[0]
    assert record_href(records[expected]) in anchors
    assert page.errors == []


def test_a_party_facet_narrows_results_and_is_kept_in_the_url(page, server):
    search(page, server, "sancties")
    before = int(page.inner_text(".search-status").split()[0])
    page.check("fieldset[data-facet=party] input[value=PVV]")
    page.wait_for_function(f"!document.querySelector('.search-status').textContent"
                           f".startsWith('{before} ')")
    after = int(page.inner_text(".search-status").split()[0])
    assert 0 < after < before
    parties = page.eval_on_selector_all(".search-result .party",
                                        "els => els.map(e => e.textContent)")
    assert parties and all("PVV" in p for p in parties)
    assert "party=PVV" in page.url and "q=sancties" in page.url
    page.reload()  # the state in the URL restores the same search
    page.wait_for_selector(".search-result")
    assert page.is_checked("fieldset[data-facet=party] input[value=PVV]")
    assert int(page.inner_text(".search-status").split()[0]) == after
    assert page.errors == []


def test_the_result_link_opens_the_meeting_at_that_speech(page, server):
    search(page, server, "Tolstoj")
    anchor = result_anchors(page)[0]
    with page.expect_navigation():
        page.click("a.result-link")
    assert "/vergaderingen/" in page.url and page.url.endswith("#" + anchor)
    assert "q=Tolstoj" in page.url
    assert page.eval_on_selector(":target", "e => e.id") == anchor
    assert "Tolstoj" in page.inner_text(":target")
    assert page.errors == []


def test_keyboard_slash_focuses_the_box_arrows_move_and_enter_opens(page, server):
    search(page, server, "handelsmissie")
    page.click("h1")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.getAttribute('href')")
    assert first != second and "handelsmissie" in second
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(second.split("/", 1)[1])
    assert page.errors == []


def test_without_javascript_the_page_says_so_and_links_to_the_indexes(chromium, server):
    context = chromium.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "zoeken/index.html")
    assert "JavaScript" in pg.inner_text("main")
    assert pg.is_visible("main a[href$='vergaderingen/index.html']")
    assert not pg.is_visible("#q")
    context.close()


def test_javascript_engine_answers_every_judged_query_like_the_python_engine(page, site):
    index = site / "search"
    page.goto(site.as_uri() + "/zoeken/index.html")
    page.wait_for_function("window.PlenumSearch && document.querySelector('#plenum-search').plenum"
                           " && document.querySelector('#plenum-search').plenum.engine")
    for judged in judged_queries(example_records()):
        python = Engine(ShardLoader(index)).search(
            judged.query, {k: set(v) for k, v in judged.filters.items()}, need=10)
        js = page.evaluate(
            """([q, filters]) => PlenumSearch.open(document.getElementById('plenum-search')
                 .getAttribute('data-index')).then(e => e.search(q, filters, 10))
                 .then(r => ({total: r.total, exact: r.exact, facets: r.facets,
                              hits: r.hits.map(h => [h.doc, h.score])}))""",
            [judged.query, judged.filters])
        assert js["hits"] == [[h.doc, h.score] for h in python.hits], judged.query
        assert (js["total"], js["exact"]) == (python.total, python.exact), judged.query
        assert js["facets"] == {k: [list(p) for p in v] for k, v in python.facets.items()}
    assert page.errors == []


@pytest.fixture(scope="module")
def tiered_site(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site with an index of tiny tiers (and no terms loaded whole), so the
    engines go through deep tiers, joint tier files and the stopping rule."""
    from search_support import people_of

    from generator.search import CLIENT, default_splitter
    from generator.search.index import IndexOptions, build_index

    out = tmp_path_factory.mktemp("tiered") / "archief"
    shutil.copytree(site, out, ignore=shutil.ignore_patterns("search"))
    meetings = example_meetings()
    build_index(meetings, people_of(meetings), out / "search", default_splitter(),
                IndexOptions(tier_bounds=(4, 16, 64, 128), exact_postings=0, deep_file_postings=8))
    shutil.copyfile(CLIENT, out / "search" / CLIENT.name)
    return out


TIERED_QUERIES = ["rusland", "navo", "sancties", "rusland navo", "de minister", "rus*",
                  '"de minister"', "rusland -navo", "voorzitter dank", "gas", "kabinet rusland",
                  "oekraine steun", "de het", "minister nederland europese"]


def test_javascript_engine_loads_deep_tiers_like_the_python_engine(page, tiered_site):
    index = tiered_site / "search"
    page.goto(tiered_site.as_uri() + "/zoeken/index.html")
    page.wait_for_function("window.PlenumSearch && document.querySelector('#plenum-search').plenum"
                           " && document.querySelector('#plenum-search').plenum.engine")
    deep = 0
    for query in TIERED_QUERIES:
        python = Engine(ShardLoader(index))
        result = python.search(query, need=10)
        deep += sum(rel.startswith("d/") for rel in python.loader.cache)
        js = page.evaluate(
            """(q) => PlenumSearch.open(document.getElementById('plenum-search')
                 .getAttribute('data-index')).then(e => e.search(q, {}, 10))
                 .then(r => ({total: r.total, exact: r.exact, facets: r.facets,
                              hits: r.hits.map(h => [h.doc, h.score])}))""", query)
        assert js["hits"] == [[h.doc, h.score] for h in result.hits], query
        assert (js["total"], js["exact"]) == (result.total, result.exact), query
        assert js["facets"] == {k: [list(p) for p in v] for k, v in result.facets.items()}, query
    assert deep > len(TIERED_QUERIES)  # the queries did go into the deep tiers
    assert page.errors == []
