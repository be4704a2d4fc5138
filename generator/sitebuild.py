"""Build the site: a flat list of timed stages (load, archive, render, feeds,
static files, search), written into a staging folder that replaces ``site/``
in one step, so a failed build never leaves half a site behind.

    build_site(project, verbose, clean, jobs) -> list[Diagnostic]
"""

from __future__ import annotations

import gc
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from generator.cache import BuildCache, hash_text, link_tree
from generator.config import Project
from generator.errors import Diagnostic, Severity, error
from generator.urls import STATIC

if TYPE_CHECKING:  # the stages' modules are imported when a build has work to do
    from generator.archive import Archive, MeetingTexts
    from generator.model import Meeting


@contextmanager
def timed(name: str, verbose: bool) -> Iterator[None]:
    started = time.perf_counter()
    yield
    if verbose:
        print(f"  {name:<12} {time.perf_counter() - started:8.3f} s", file=sys.stderr)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile: loading and indexing the
    archive make millions of long-lived objects, and the collector, run as
    they grew the heap, traversed it again and again (about two thirds of the
    archive stage at 10,000 meetings). What they made is not frozen after
    (`gc.freeze`): the cyclic garbage among it then outlived the stages, and
    a clean build at 1,000 meetings peaked at 383 MB instead of 284 MB.

    What survived the stage is moved into the oldest generation on the way
    out (`gc.freeze` then `gc.unfreeze` at once: a list splice, no
    traversal), where the next full collection finds its garbage. Left in
    the youngest generation, all of it was traversed by the first automatic
    collections after the stage: 1.35–2.5 of 7.8–9.7 CPU-s of a
    one-transcript rebuild at 10,000 meetings went to the collector (gc
    callbacks, three runs on a loaded machine), 0.2–0.36 s after. Not
    while a process keeps its heap frozen on purpose (`freeze_kept_heap`):
    `gc.unfreeze` would thaw all of it. (Asked by a flag: `gc.get_freeze_count`
    walks the frozen objects, ~0.15 s per stage for a preview's heap at
    10,000 meetings.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not _heap_kept_frozen:
            gc.freeze()  # what survived joins the oldest generation, untraversed
            gc.unfreeze()
        if enabled:
            gc.enable()


_heap_kept_frozen = False  # `freeze_kept_heap` froze what the process keeps


def freeze_kept_heap() -> None:
    """Collect the cyclic garbage of what is not frozen, then freeze the
    rest for the collector, on purpose (a process that keeps what it built
    for its next build, `generator.serve.settle_heap`): `collector_paused`
    then leaves it frozen. A pool of forked workers thaws the heap when it
    ends (`generator.workers`); the stages after it then leave their
    survivors where the collector put them, until the next call freezes
    all again."""
    global _heap_kept_frozen
    gc.collect()
    gc.freeze()
    _heap_kept_frozen = True


def heap_thawed() -> None:
    """A pool of forked workers thawed the whole heap (`generator.workers`):
    `collector_paused` moves the survivors of the stages after it again, until
    `freeze_kept_heap` freezes all once more."""
    global _heap_kept_frozen
    _heap_kept_frozen = False


def load_meetings(project: Project, cache: BuildCache | None = None, jobs: int = 1
                  ) -> tuple[list[Meeting], list[Diagnostic]]:
    """Every meeting of `content/`, with the speaker registry applied (a file
    unchanged since the last build comes parsed from the build cache). With a
    `cache`, the meetings are outlines (no turns) and `meeting_texts` gives
    their turns: memory stays bounded whatever the size of the archive; the
    files to parse are parsed by `jobs` workers (0: one per core) when many."""
    from generator.content import load_meetings as load_content
    from generator.content import read_content_file

    if cache is None:
        meetings, diagnostics = load_content(project)
    else:
        registry = _registry(project, cache)
        meetings, diagnostics = load_content(
            project, registry=registry, applied=cache.loader(read_content_file, registry[0], jobs))
        cache.save_outlines()
        cache.remember_meetings(meetings, salt=cache.registry_digest())
    return list(meetings), list(diagnostics)


def _registry(project: Project, cache: BuildCache) -> tuple:
    """The speaker registry and its diagnostics (`load_registry`), parsed
    once per registry file and generator code (`BuildCache.registry`)."""
    from generator.registry import REGISTRY_FILE, load_registry

    path = project.content_dir / REGISTRY_FILE
    return cache.registry(lambda: load_registry(path, project.display(path)))


def meeting_texts(project: Project, cache: BuildCache) -> MeetingTexts:
    """The turns of the outlines `load_meetings` loaded through `cache`."""
    registry, _ = _registry(project, cache)  # as content loading does
    return cache.texts(registry)


def warm_archive(project: Project, jobs: int = 0) -> None:
    """Load the meetings and make the archive as a build would now, and
    what the page check reads of it (`generator.pagestate.warm_page_check`),
    rendering nothing: a process that keeps its last archive (a live
    preview: `generator.archive`) then makes the archive of its next build
    by difference, the first after a save included (its first build found
    nothing to do and made none: the archive's full path took ~2 CPU-s more
    at 10,000 meetings). Only after a good build (the cache has its
    inputs); what it writes to the cache is what a build would (entries
    under their content's keys), usually nothing."""
    from generator.archive import build_archive
    from generator.pagestate import warm_page_check

    cache = BuildCache(project)
    if not cache.previous_inputs:
        return
    with collector_paused():
        meetings, _ = load_meetings(project, cache, jobs)
        if meetings:
            archive, _ = build_archive(meetings, meeting_texts(project, cache), jobs)
            warm_page_check(archive)


def copy_static(static_dir: Path, out_dir: Path) -> None:
    if static_dir.is_dir():
        shutil.copytree(static_dir, out_dir / STATIC, dirs_exist_ok=True)


def build_search(archive: Archive, out_dir: Path, cache_dir: Path | None = None
                 ) -> list[Diagnostic]:
    try:
        from generator.search import build_search_index
    except ImportError:
        return []
    return list(build_search_index(archive, out_dir, cache_dir=cache_dir))


def without_page_data(archive: Archive) -> Archive:
    """The archive without what only pages read (each speaker's newest
    speeches, the charts' numbers; ~140 MB of objects at 10,000 meetings):
    the feeds and the search index never read them, and the memory they held
    is reused by those stages instead of growing the process."""
    return replace(archive, newest_speeches=MappingProxyType({}), chart_data=None)


def write_site(project: Project, meetings: Iterable[Meeting], out_dir: Path,
               verbose: bool = False, jobs: int = 1,
               cache: BuildCache | None = None,
               inputs: Mapping[str, str] | None = None,
               texts: MeetingTexts | None = None) -> list[Diagnostic]:
    """Render an archive of `meetings` into `out_dir` (which exists). With a
    `cache`, pages whose fingerprint is unchanged are linked from ``site/``.
    With `texts`, `meetings` are outlines whose turns `texts` gives."""
    from generator.archive import build_archive
    from generator.contexts import SiteInfo
    from generator.feeds import stored_csv_blocks, write_feeds
    from generator.i18n import load_catalogue
    from generator.render import compiled_templates, render_site

    t = load_catalogue(project.language)
    site = SiteInfo(project.title, t.language, project.base_url)
    with timed("archive", verbose), collector_paused():
        archive, diagnostics = build_archive(meetings, texts, jobs)
    with timed("render", verbose), collector_paused():  # (rendering collects by itself;
        # left on after it, the collector traversed all the stage made: ~0.08 CPU-s at 10k)
        plan = None
        if cache is not None:
            previous = project.site_dir if project.site_dir.is_dir() else None
            plan = cache.plan(project.templates_dir, hash_text([repr(site)]), previous)
        paths, render_diags, fingerprints, deps = render_site(
            archive, site, t, project.templates_dir, out_dir, jobs, plan,
            compiled_templates(cache.folder, cache.version) if cache is not None else None)
        diagnostics += render_diags
        if cache is not None:
            cache.record_pages(fingerprints)
            cache.record_deps(deps)
            cache.previous_deps = None  # read by rendering only
            plan = replace(plan, previous_deps=None) if plan is not None else None
    del deps
    archive = without_page_data(archive)
    with timed("feeds", verbose), collector_paused():  # (a full collection: ~0.25 s at 10k)
        previous_blocks = stored_csv_blocks(cache.previous_csv_blocks) \
            if cache is not None else None
        fingerprints, blocks = write_feeds(archive, t, project.title, project.base_url,
                                           out_dir, paths, jobs, plan, previous_blocks)
        if cache is not None:
            cache.record_pages(fingerprints)
            cache.record_csv_blocks(blocks)
    with timed("static", verbose):
        copy_static(project.static_dir, out_dir)
    from generator.output import hash_ahead

    hash_ahead(out_dir)  # the files written so far, during the search stage
    with timed("search", verbose), collector_paused():  # (search: a full collection took ~1 s)
        previous_index = project.site_dir / "search"
        if cache is not None and inputs is not None and cache.archive_unchanged(inputs) \
                and previous_index.is_dir():
            link_tree(previous_index, out_dir / "search")  # built from the archive alone
        else:
            diagnostics += build_search(archive, out_dir,
                                        cache.folder / "search" if cache is not None else None)
    return diagnostics


def build_site(project: Project, verbose: bool = False, clean: bool = False,
               jobs: int = 0, stats: Mapping[str, tuple[int, int, int]] | None = None
               ) -> list[Diagnostic]:
    """Load every meeting and write the whole site. `site/` is only replaced
    when rendering produced no errors. `jobs` worker processes render a large
    archive (0: one per core). The build cache (`generator.cache`) makes a
    build with nothing changed return at once and links every page whose
    inputs are unchanged from the previous site; `clean` ignores the cache.
    What is frozen for the garbage collector stays so (a pool of forked
    workers unfreezes what it froze, `generator.workers`): the live preview
    freezes what it keeps between builds (`generator.serve.settle_heap`).
    `stats`: the modification time, size and inode of input files (by
    path) as the caller found them just before (the live preview looks at
    ``content/`` after its import): trusted instead of stat'ing them again."""
    return _build_site(project, verbose, clean, jobs, stats)


def _build_site(project: Project, verbose: bool, clean: bool, jobs: int,
                stats: Mapping[str, tuple[int, int, int]] | None = None) -> list[Diagnostic]:
    cache = BuildCache(project, clean=clean, stats=stats)
    with timed("check", verbose):
        inputs = cache.input_digests()
        if cache.is_noop(inputs):  # nothing changed since the last good build
            cache.save_digests()
            return cache.replay_diagnostics()
    with timed("load", verbose), collector_paused():
        meetings, diagnostics = load_meetings(project, cache, jobs)
    if not meetings:
        return [*diagnostics, error("no meetings to build", project.display(
            project.content_dir), hint="add transcripts to transcripts/ and run build.py")]
    from generator.output import SiteChanged, staged_site

    try:
        with staged_site(project.site_dir, remove_in_background=True,
                         remember=_remembers(cache)) as out_dir:
            site_diags = write_site(project, meetings, out_dir, verbose, jobs, cache, inputs,
                                    meeting_texts(project, cache))
            diagnostics += site_diags
            if any(d.severity is Severity.ERROR for d in site_diags):
                raise _Abort
    except _Abort:
        cache.invalidate()
        return diagnostics
    except SiteChanged as changed:  # a kept file is gone: the next build renders all
        cache.invalidate()
        return [*diagnostics, changed.diagnostic]
    cache.save(inputs, diagnostics)
    return diagnostics


def _remembers(cache: BuildCache) -> bool:
    """Whether the staged site may keep what it wrote in memory for the next
    build: this process keeps parsed files (`build.py serve`) and holds the
    project's lock (nothing else writes the site meanwhile)."""
    from generator import file_memo
    from generator.project_lock import holds

    return file_memo.is_on() and holds(str(cache.folder.absolute() / "lock"))


class _Abort(Exception):
    """Leaves the staging block without swapping the new site in."""
