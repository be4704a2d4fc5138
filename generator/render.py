"""The Jinja environment and the rendering of every page into a folder.

Autoescape is on for every template and undefined names are errors
(StrictUndefined). Transcript text is never marked safe: the only Markup this
module makes is JSON-LD (serialised with ``<``, ``>`` and ``&`` escaped, so a
``</script>`` in a transcript stays inside the string) and pygments output of
the data page (pygments escapes its input).
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from generator.archive import Archive
from generator.contexts import SiteInfo
from generator.errors import Diagnostic, error
from generator.i18n import Catalogue
from generator.pages import Page, all_pages, kind_name, motion_title
from generator.urls import Urls, output_file

SEARCH_TEMPLATE = "search.html"
SEARCH_FALLBACK = "_search_fallback.html"


def jsonld(data: dict[str, Any] | None) -> Markup:
    """A JSON-LD object safe inside <script>: no "<", ">" or "&" survives."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - every markup character is escaped above


def make_environment(templates_dir: Path, t: Catalogue) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["jsonld"] = jsonld
    env.filters["date"] = t.date
    env.filters["num"] = t.number
    env.filters["verdict"] = t.verdict
    env.filters["kind"] = lambda kind: kind_name(kind, t)
    env.filters["motion_title"] = lambda motion: motion_title(motion, t)
    env.globals["t"] = t
    return env


def page_variables(page: Page, site: SiteInfo) -> dict[str, Any]:
    """The template's variables: the context's fields, plus ``u`` and ``site``."""
    ctx = page.context
    data = {f.name: getattr(ctx, f.name) for f in fields(ctx)}  # type: ignore[arg-type]
    data["u"] = Urls(page.path, site.base_url)
    data["site"] = site
    return data


def render_page(env: Environment, page: Page, site: SiteInfo) -> str:
    name = page.template
    if name == SEARCH_TEMPLATE and SEARCH_TEMPLATE not in env.list_templates():
        name = SEARCH_FALLBACK
    return env.get_template(name).render(page_variables(page, site))


def render_site(archive: Archive, site: SiteInfo, t: Catalogue, templates_dir: Path,
                out_dir: Path) -> tuple[list[str], list[Diagnostic]]:
    """Write every HTML page under `out_dir`; the site-relative paths written
    (for the sitemap) and a diagnostic per page that failed to render."""
    env = make_environment(templates_dir, t)
    written: list[str] = []
    diags: list[Diagnostic] = []
    for page in all_pages(archive, t, site.title):
        try:
            html = render_page(env, page, site)
        except TemplateError as exc:
            lineno = getattr(exc, "lineno", 0) or 0
            where = getattr(exc, "filename", None) or f"templates/{page.template}"
            diags.append(error(f"template error while rendering {page.path}: {exc}",
                               str(where), lineno,
                               hint="templates may only use the fields of their context"))
            continue
        target = output_file(out_dir, page.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8", newline="\n")
        written.append(page.path)
    return written, diags
