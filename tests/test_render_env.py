"""The template environment: the direct call path for the site's helpers and
macros (`generator.render.HelperContext`) behaves as Jinja's own."""

from __future__ import annotations

from pathlib import Path

from jinja2 import DictLoader, pass_context
from jinja2.runtime import Context

from generator.i18n import Catalogue
from generator.render import make_environment
from generator.urls import Urls


def _env(templates: dict[str, str]):
    env = make_environment(Path("."), Catalogue("nl", {
        "w.fixed": "vast", "w.named": "hallo {name}", "w.n.one": "{n} ding",
        "w.n.other": "{n} dingen", "number.group": "."}))
    env.loader = DictLoader(templates)
    return env


def test_helpers_macros_and_context_functions_render_as_with_jinjas_call():
    env = _env({
        "m.html": ("{% macro box(x) %}[{{ x }}]{% endmacro %}"
                   "{% macro wrap(x) %}[{{ x }}{{ caller() }}]{% endmacro %}"),
        "page.html": (
            '{% from "m.html" import box, wrap with context %}'
            "{% for i in items %}{% set local = i * 2 %}"
            "{{ t('w.fixed') }} {{ t('w.named', name=i) }} {{ t('w.n', n=i) }} "
            "{{ u.person('p' ~ i) }} {{ box(i) }}{% call wrap(local) %}!{% endcall %} "
            "{{ seen(local) }}|{% endfor %}"),
    })

    @pass_context
    def seen(context, value):  # a context function still receives the active context
        return f"{context.resolve('title')}:{context.get('local', value)}"

    env.globals["seen"] = seen
    values = {"items": [1, 2], "u": Urls("vergaderingen/x.html"), "title": "T"}
    html = env.get_template("page.html").render(values)
    env.context_class = Context  # Jinja's own call path gives the same page
    assert env.get_template("page.html").render(values) == html
    assert html == (
        "vast hallo 1 1 ding ../sprekers/p1.html [1][2!] T:2|"
        "vast hallo 2 2 dingen ../sprekers/p2.html [2][4!] T:4|")


def test_a_missing_word_is_still_an_error():
    env = _env({"page.html": "{{ t('w.missing') }}"})
    try:
        env.get_template("page.html").render(u=Urls("index.html"))
    except KeyError as exc:
        assert "w.missing" in str(exc)
    else:
        raise AssertionError("a missing word rendered")
