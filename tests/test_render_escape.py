"""Autoescaped output through `generator.render.fast_escape`: the same text and
type as markupsafe's `escape` for every value, and templates render the same
bytes as with Jinja's own template class."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import DictLoader, Template
from markupsafe import Markup, escape

from generator.i18n import Catalogue
from generator.render import PlenumTemplate, fast_escape, make_environment


class _Html:
    def __init__(self, text: str):
        self.text = text

    def __html__(self) -> str:
        return self.text


class _Text(str):
    """A str subclass (not a plain string: markupsafe converts it)."""


_VALUES = st.one_of(
    st.text(), st.text().map(Markup), st.text().map(_Text), st.text().map(_Html),
    st.integers(), st.floats(allow_nan=False), st.none(), st.booleans(),
    st.lists(st.text(), max_size=3))


@given(_VALUES)
def test_fast_escape_is_markupsafes_escape(value: object) -> None:
    mine, theirs = fast_escape(value), escape(value)
    assert type(mine) is type(theirs) is Markup
    assert str(mine) == str(theirs)


def _env(templates: dict[str, str], template_class: type[Template]):
    env = make_environment(Path("."), Catalogue("nl", {"w": "<b>&</b>"}))
    env.template_class = template_class
    env.loader = DictLoader(templates)
    return env


_TEMPLATES = {
    "m.html": '{% macro box(x) %}<i title="{{ x }}">{{ x }}</i>{% endmacro %}',
    "page.html": (
        '{% from "m.html" import box with context %}'
        "{% for v in values %}{{ v }}|{{ box(v) }}|{{ t('w') }}|{{ v ~ '<' }}|"
        "{% set s %}{{ v }}{% endset %}{{ s }}|{{ [v] | join(', ') }}\n{% endfor %}"),
}


@given(st.lists(_VALUES, max_size=6))
def test_templates_render_as_with_jinjas_template_class(values: list[object]) -> None:
    ours = _env(_TEMPLATES, PlenumTemplate).get_template("page.html")
    assert ours.root_render_func.__globals__["escape"] is fast_escape
    jinjas = _env(_TEMPLATES, Template).get_template("page.html")
    assert jinjas.root_render_func.__globals__["escape"] is escape
    assert ours.render(values=values) == jinjas.render(values=values)
