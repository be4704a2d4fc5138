"""The Jinja environment and the rendering of every page into a folder.

Autoescape is on for every template and undefined names are errors
(StrictUndefined). Transcript text is never marked safe: the only Markup this
module makes is JSON-LD (serialised with ``<``, ``>`` and ``&`` escaped, so a
``</script>`` in a transcript stays inside the string) and pygments output of
the data page (pygments escapes its input).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import multiprocessing
import operator
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from itertools import compress
from pathlib import Path
from types import MethodType
from typing import Any

import markupsafe
import numpy as np
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    select_autoescape,
)
from jinja2.runtime import Context, Macro
from jinja2.utils import internalcode
from markupsafe import Markup, escape

from generator.archive import Archive, is_iso_date
from generator.cache import PagePlan
from generator.contexts import SiteInfo
from generator.errors import Diagnostic, error
from generator.i18n import Catalogue
from generator.output import keep, keep_all
from generator.pagedeps import Reads, tracked
from generator.pages import Page, PageSpec, kind_name, motion_title, page_specs
from generator.pagestate import PageCheck, PageState, Record
from generator.urls import NOT_FOUND, Urls, output_file
from generator.workers import WorkerLimits, bounded_map

SEARCH_TEMPLATE = "search.html"
SEARCH_FALLBACK = "_search_fallback.html"


def jsonld(data: dict[str, Any] | None) -> Markup:
    """A JSON-LD object safe inside <script>: no "<", ">" or "&" survives."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - every markup character is escaped above


def time_element(t: Catalogue, iso: str | None) -> Markup:
    """A date as ``<time datetime="2020-09-28">28 september 2020</time>``; a date
    that is missing or not a valid ISO date is plain (escaped) text."""
    if not is_iso_date(iso):
        return escape(t.date(iso))
    return Markup('<time datetime="{}">{}</time>').format(iso, t.date(iso))


class HelperContext(Context):
    """A template context that calls the site's helpers (``u``, ``t``) and
    macros directly. Jinja's `Context.call` first looks on every callable for
    ``pass_context`` and its kin, which none of these has; templates call them
    about ten times per speech, so the look-up was a tenth of rendering.
    Each is listed in `_MADE` while a page renders (`render_page`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _MADE is not None:
            _MADE.append(self)

    @internalcode
    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = __obj.__self__ if type(__obj) is MethodType else __obj
        if type(owner) in _PLAIN_CALLABLES:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


_PLAIN_CALLABLES = frozenset({Urls, Catalogue, Macro})  # none takes a context
_MADE: list[Context] | None = None  # the contexts made for the page being rendered

# markupsafe's C escaping of a plain string (private: without it, its `escape`)
_escape_text: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)
_new_str = str.__new__


def fast_escape(value: Any, /) -> Markup:
    """`markupsafe.escape` with its common cases in one call: a plain string
    (made Markup without `Markup.__new__`'s look for ``__html__``, which a
    plain string has not) and Markup (already escaped: itself, not an equal
    copy). Autoescaped output calls it for every ``{{ }}``: about 2.6 million
    times at 1,000 meetings, and markupsafe's own took ~10% of rendering."""
    kind = type(value)
    if kind is str and _escape_text is not None:
        return _new_str(Markup, _escape_text(value))
    if kind is Markup:
        return value
    return escape(value)


class PlenumTemplate(Template):
    """A template whose output is escaped by `fast_escape` (Jinja's compiled
    code looks ``escape`` up in the template's module namespace)."""

    @classmethod
    def _from_namespace(cls, environment: Environment, namespace: Any, globals: Any
                        ) -> Template:
        if namespace.get("escape") is escape:
            namespace["escape"] = fast_escape
        return super()._from_namespace(environment, namespace, globals)


def make_environment(templates_dir: Path, t: Catalogue, compiled: Path | None = None
                     ) -> Environment:
    """The site's Jinja environment; with `compiled` (a folder), compiled
    templates are kept there for the next build (`compiled_templates`)."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        bytecode_cache=FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.context_class = HelperContext
    env.template_class = PlenumTemplate
    env.filters["jsonld"] = jsonld
    env.filters["date"] = t.date
    env.filters["time"] = functools.lru_cache(maxsize=4096)(lambda iso: time_element(t, iso))
    env.filters["num"] = t.number
    env.filters["verdict"] = t.verdict
    env.filters["kind"] = lambda kind: kind_name(kind, t)
    env.filters["motion_title"] = lambda motion: motion_title(motion, t)
    env.globals["t"] = t
    return env


def compiled_templates(folder: Path, version: str) -> Path | None:
    """A folder for the compiled templates of this generator `version` (the
    code Jinja compiles a template to depends on the environment's options,
    which are Plenum's code; each file is keyed by the template's name and
    source hash), removing those of other versions. None: cannot be made."""
    mine = folder / f"templates-{version[:16]}"
    try:
        mine.mkdir(parents=True, exist_ok=True)
        for other in folder.glob("templates-*"):
            if other != mine:
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        return None
    return mine


def page_variables(page: Page, site: SiteInfo) -> dict[str, Any]:
    """The template's variables: the context's fields, plus ``u`` and ``site``."""
    ctx = page.context
    data = {f.name: getattr(ctx, f.name) for f in fields(ctx)}  # type: ignore[arg-type]
    data["u"] = Urls(page.path, site.base_url,
                     absolute=bool(site.base_url) and page.path == NOT_FOUND)
    data["site"] = site
    return data


def render_page(env: Environment, page: Page, site: SiteInfo) -> str:
    name = page.template
    if name == SEARCH_TEMPLATE and SEARCH_TEMPLATE not in env.list_templates():
        name = SEARCH_FALLBACK
    global _MADE
    variables = page_variables(page, site)
    made: list[Context] = []
    _MADE = made
    try:
        return env.get_template(name).render(variables)
    finally:
        _MADE = None
        _unlink(made, variables["u"])


def _unlink(contexts: list[Context], mine: Urls) -> None:
    """Empty the variables of the `contexts` made to render a page that hold
    the page's variables (`mine`, its ``u``: not a module a template imported
    without context, which Jinja keeps for the next page). A macro imported
    "with context" is bound to a context of its own that holds the macro (a
    cycle), and every such context holds the page's variables: without
    this, all a page read (a meeting's turns, its items) stayed in memory
    until the next collection of cyclic garbage, which then had to traverse
    it (~10% of rendering)."""
    for context in contexts:
        if context.parent.get("u") is mine or context.vars.get("u") is mine:
            context.vars.clear()
            context.parent.clear()


GC_PAGES = 50  # pages rendered between two collections of cyclic garbage
PARALLEL_MIN_PAGES = 300  # below this, starting workers costs more than it saves
PAGES_PER_TASK = 20
# a worker exits once it has faulted in this much memory (its copy of the
# shared archive's pages it touched, and what it made), and a fresh one is
# forked: at 10,000 meetings, 20 speaker pages touched ~165 MB of the
# archive, 80 meeting pages ~37 MB. No limit on pages: the budget bounds the
# memory, and a fresh worker costs a fork and copies again what its
# predecessor had copied (about 24 MB of templates, catalogue and archive
# objects every page reads at 1,000 meetings)
WORKER_LIMITS = WorkerLimits(items=None, faulted=128 << 20)

Fingerprints = list[tuple[str, str | None]]
Deps = list[Record]


def render_site(archive: Archive, site: SiteInfo, t: Catalogue, templates_dir: Path,
                out_dir: Path, jobs: int = 1, plan: PagePlan | None = None,
                compiled: Path | None = None
                ) -> tuple[list[str], list[Diagnostic], Fingerprints, PageState | None]:
    """Write every HTML page under `out_dir`; the site-relative paths written
    (for the sitemap), a diagnostic per page that failed to render, the
    fingerprint of every page written and what each page was built from
    (`generator.pagestate`; both for the build cache; None without a plan).

    With `jobs` > 1 (0: one per core) and a large archive, forked workers
    render runs of `PAGES_PER_TASK` pages; the output is the same bytes either
    way. A worker lives within `WORKER_LIMITS`: reading the shared archive
    writes reference counts, so a long-lived worker would end up with a
    private copy of the whole archive. Templates are compiled once, before
    the fork. With a `plan` (`generator.cache`), a page whose inputs are those
    of the previous build is linked from the previous site without building
    its context, and a page whose fingerprint is that of the previous build is
    linked instead of rendered. `compiled`: where compiled templates are
    kept between builds."""
    # the archive's millions of objects: no full collections
    with _collected_every(GC_PAGES) as page_done:
        return _render_site(archive, site, t, templates_dir, out_dir, jobs, plan, compiled,
                            page_done)


def _render_site(archive: Archive, site: SiteInfo, t: Catalogue, templates_dir: Path,
                 out_dir: Path, jobs: int, plan: PagePlan | None, compiled: Path | None,
                 page_done: Callable[[], None]
                 ) -> tuple[list[str], list[Diagnostic], Fingerprints, PageState | None]:
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    env = make_environment(templates_dir, t, compiled)
    specs = page_specs(archive, t, site.title)
    check = PageCheck(plan.previous_deps, archive, plan.meeting_digests, plan.template_hashes,
                      plan.salt) if plan is not None else None
    job = _Job(env, specs, site, out_dir, plan, archive, _repeated_keys(specs), page_done)
    carried: dict[str, int] = {}
    linked = _link_unchanged(job, check, carried)  # before any fork: the check is shared
    todo = [i for i in range(len(specs)) if i not in linked[0]]
    if workers <= 1 or len(todo) < PARALLEL_MIN_PAGES or not _can_fork():
        shares = [linked[1], _render_each(job, todo, page_done)]
    else:
        _compile_templates(env)
        global _SHARED
        _SHARED = job
        try:
            shares = [linked[1], *bounded_map(_render_worker, todo, workers, PAGES_PER_TASK,
                                              WORKER_LIMITS)]
        finally:
            _SHARED = None
    paths = sorted((idx, path) for share in shares for idx, path in share[0])
    diags = [d for share in shares for d in share[1]]
    state = None
    if check is not None:
        state = check.next_state([spec.key for spec in specs], carried,
                                 {r.key: r for share in shares for r in share[3]})
    return ([path for _, path in paths], diags, [f for share in shares for f in share[2]],
            state)


Share = tuple[list[tuple[int, str]], list[Diagnostic], Fingerprints, Deps]


def _link_unchanged(job: _Job, check: PageCheck | None, carried: dict[str, int]
                    ) -> tuple[set[int], Share]:
    """Link every page of the previous build none of whose reads changed
    since (`PageCheck.affected`) without building its context; the indices
    linked and what rendering would have returned for them. `carried` gets
    the place of each in the previous state. (C loops and one `keep_all`
    where they can: a rebuild at 10,000 meetings links ~45,000 pages, and a
    Python loop with a `keep` call per page took ~0.1 s.)"""
    done: set[int] = set()
    share: Share = ([], [], [], [])
    state, plan = check.state if check is not None else None, job.plan
    if check is None or state is None or plan is None or plan.previous_site is None:
        return done, share
    affected = check.affected()
    specs, repeated = job.specs, job.repeated
    keys = list(map(_KEY, specs))
    found = list(map(state.places().get, keys))
    candidates = [index for index, (spec, place) in enumerate(zip(specs, found, strict=True))
                  if place is not None and spec.needs is not None]
    if repeated:
        candidates = [index for index in candidates if keys[index] not in repeated]
    if not candidates:
        return done, share
    at = np.fromiter((found[index] for index in candidates), dtype=np.int64,
                     count=len(candidates))
    if len(affected):
        keep_at = ~affected[at]
        candidates = np.asarray(candidates, dtype=np.int64)[keep_at].tolist()
        at = at[keep_at]
    places = at.tolist()
    paths = list(map(state.paths.__getitem__, places))
    fingerprints = list(map(state.fingerprints.__getitem__, places))
    same = list(map(operator.eq, map(plan.previous.get, paths), fingerprints))
    if not all(same):
        candidates, places, paths, fingerprints = (
            list(compress(column, same)) for column in (candidates, places, paths, fingerprints))
    previous_site = os.fspath(plan.previous_site)  # (strings: `keep` compares them per page)
    out_dir = os.fspath(job.out_dir)
    if not keep_all(previous_site, out_dir, paths):  # a staged site: kept, not linked
        linked = [_link_one(plan, previous_site, out_dir, job.out_dir, path, fingerprint)
                  for path, fingerprint in zip(paths, fingerprints, strict=True)]
        if not all(linked):
            candidates, places, paths, fingerprints = (
                list(compress(column, linked))
                for column in (candidates, places, paths, fingerprints))
    done.update(candidates)
    share[0].extend(zip(candidates, paths, strict=True))
    share[2].extend(zip(paths, fingerprints, strict=True))
    carried.update(zip(map(keys.__getitem__, candidates), places, strict=True))
    return done, share


_KEY = operator.attrgetter("key")


def _link_one(plan: PagePlan, previous_site: str, out_dir: str, out_path: Path, path: str,
              fingerprint: str) -> bool:
    """Keep or link the previous site's page `path` (fingerprint unchanged)
    into `out_dir` (`out_path`); False when it cannot be."""
    if keep(previous_site, out_dir, path):  # a staged site: kept, not linked
        return True
    try:  # `PagePlan.reuse` without its paths: one system call (most folders exist)
        os.link(f"{previous_site}/{path}", f"{out_dir}/{path}")
        return True
    except OSError:
        return plan.reuse(path, fingerprint, out_path)


@dataclass(frozen=True)
class _Job:
    """What rendering needs (forked workers inherit it)."""

    env: Environment
    specs: Sequence[PageSpec]
    site: SiteInfo
    out_dir: Path
    plan: PagePlan | None
    archive: Archive
    repeated: frozenset[str]  # keys of more than one page: never skipped
    page_done: Callable[[], None]  # called before each page (`_collected_every`)


_SHARED: _Job | None = None  # what forked workers inherit


def _repeated_keys(specs: Sequence[PageSpec]) -> frozenset[str]:
    keys = [spec.key for spec in specs]
    if len(set(keys)) == len(keys):  # (the usual case, found by C loops)
        return frozenset()
    seen: set[str] = set()
    repeated = set()
    for spec in specs:
        (repeated if spec.key in seen else seen).add(spec.key)
    return frozenset(repeated)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _compile_templates(env: Environment) -> None:
    """Load every template into the environment's cache (errors are reported
    by the pages that use the template)."""
    for name in env.list_templates():
        with contextlib.suppress(TemplateError, UnicodeDecodeError):
            env.get_template(name)


def _render_worker(index: int) -> Share:
    assert _SHARED is not None
    return _render_each(_SHARED, (index,), _SHARED.page_done)


@contextlib.contextmanager
def _collected_every(pages: int) -> Iterator[Callable[[], None]]:
    """Automatic garbage collection off; call the function yielded after each
    page and cyclic garbage (a rendered meeting page leaves about a thousand
    objects: Jinja's contexts and macros) is collected every `pages` pages.
    The automatic collector, run every 700 new objects, took ~15% of
    rendering."""
    enabled = gc.isenabled()
    gc.disable()
    done = 0

    def page_done() -> None:
        nonlocal done
        done += 1
        if done % pages == 0:
            gc.collect(1)
    try:
        yield page_done
    finally:
        if enabled:
            gc.enable()


def _render_each(job: _Job, indices: Iterable[int], page_done: Callable[[], None]) -> Share:
    """Build, fingerprint and render the pages `indices` (a page whose
    fingerprint is the previous build's is linked instead of rendered)."""
    env, site, out_dir, plan = job.env, job.site, job.out_dir, job.plan
    written: list[tuple[int, str]] = []
    diags: list[Diagnostic] = []
    fingerprints: Fingerprints = []
    deps: Deps = []
    for index in indices:
        page_done()
        spec = job.specs[index]
        track = plan is not None and spec.needs is not None and spec.key not in job.repeated
        reads = Reads()
        page = spec.make(tracked(job.archive, reads) if track else job.archive)
        if plan is not None:
            fingerprint = plan.fingerprint(page)
            if track and fingerprint is not None:
                deps.append(Record(spec.key, page.path, page.template, fingerprint,
                                   tuple(reads.tokens.union(spec.needs or ()))))
            if plan.reuse(page.path, fingerprint, out_dir):
                written.append((index, page.path))
                fingerprints.append((page.path, fingerprint))
                continue
        try:
            html = render_page(env, page, site)
        except (TemplateError, KeyError) as exc:  # KeyError: a word missing from the locale
            lineno = getattr(exc, "lineno", 0) or 0
            where = getattr(exc, "filename", None) or f"templates/{page.template}"
            diags.append(error(f"template error while rendering {page.path}: {exc}",
                               str(where), lineno,
                               hint="templates may only use the fields of their context"))
            if deps and deps[-1].path == page.path:
                deps.pop()
            continue
        target = output_file(out_dir, page.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8", newline="\n")
        written.append((index, page.path))
        if plan is not None:
            fingerprints.append((page.path, fingerprint))
    return written, diags, fingerprints, deps
