"""A rendered page leaves no cyclic garbage: the contexts Jinja made for it
(one per macro module imported "with context", each holding its macros) are
emptied, so what the page read is freed at once, not at the next collection
(`generator.render._unlink`). The output is Jinja's own."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from generator.contexts import AboutContext, PageMeta, SiteInfo
from generator.i18n import load_catalogue
from generator.pages import Page
from generator.render import make_environment, render_page
from generator.urls import Urls

TEMPLATES = {
    "_m.html": "{% macro link(x) %}<a href=\"{{ u.to(x) }}\">{{ x }}</a>{% endmacro %}",
    "_plain.html": "{% macro shout(x) %}{{ x|upper }}!{% endmacro %}",
    "_inc.html": "{% from \"_m.html\" import link with context %}[{{ link('b/') }}]",
    "page.html": ("{% from \"_m.html\" import link with context %}"
                  "{% import \"_plain.html\" as plain %}"
                  "{{ link('a/') }} {{ plain.shout(meta.title) }} {{ meeting_count }}"
                  "{% include \"_inc.html\" %}\n"),
}


class Title(str):
    """A title the test can watch being freed."""


def _env(folder: Path):
    for name, text in TEMPLATES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return make_environment(folder, load_catalogue("nl"))


def _page(n: int) -> Page:
    return Page("page.html", AboutContext(PageMeta(f"p{n}/", Title(f"titel {n}"), ""), n))


def test_a_page_leaves_no_cyclic_garbage_and_is_freed_at_once(tmp_path):
    env = _env(tmp_path)
    site = SiteInfo("Site", "nl", "")
    expected = [env.get_template("page.html").render(  # Jinja alone (leaves cycles)
        {"meta": page.context.meta, "meeting_count": n, "u": Urls(page.path, ""),
         "site": site}) for n, page in enumerate(map(_page, range(3)))]
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        outputs = []
        for n in range(3):  # the module imported without context is Jinja's, kept between pages
            page = _page(n)
            watched = weakref.ref(page.context.meta.title)
            outputs.append(render_page(env, page, site))
            del page
            assert watched() is None  # freed by reference counting alone
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()
    assert outputs == expected
    assert outputs[2] == '<a href="../a/">a/</a> TITEL 2! 2[<a href="../b/">b/</a>]'


def test_a_failing_page_is_unlinked_too(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "bad.html").write_text(
        "{% from \"_m.html\" import link with context %}{{ link('a/') }}{{ nothing }}")
    page = Page("bad.html", _page(0).context)
    gc.collect()
    try:
        render_page(env, page, SiteInfo("Site", "nl", ""))
    except Exception as exc:  # noqa: BLE001 - StrictUndefined
        assert "nothing" in str(exc)
    else:
        raise AssertionError("rendered an undefined name")
