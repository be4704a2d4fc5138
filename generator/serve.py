"""Live preview: build, serve ``site/``, rebuild and reload the browser on change.

Thin on purpose. `Preview` knows the build and the last build's errors and
offers a WSGI app that serves the site's files (with an error overlay injected
into every HTML page while the last build failed); `_serve_with_livereload` is the
only code that imports the live-reload library, so swapping it means rewriting
one function. Nothing the preview adds is ever written to ``site/``.
"""

from __future__ import annotations

import contextlib
import html
import mimetypes
import os
import sys
import traceback
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from generator.config import CONFIG_FILE, Project
from generator.errors import Diagnostic, Severity, error, format_diagnostics, summarise

if TYPE_CHECKING:
    from generator.importer import Listing
    from generator.watch import Looker

BuildFunction = Callable[[Project], list[Diagnostic]]
StartResponse = Callable[..., object]

OVERLAY_ID = "plenum-build-error"


def watched_paths(project: Project) -> list[Path]:
    """Every input whose change calls for a rebuild."""
    return [project.transcripts_dir, project.content_dir, project.templates_dir,
            project.static_dir, project.root / CONFIG_FILE]


def build_project(project: Project, content_seen: Callable[[Snapshot], None] | None = None,
                  inputs: Inputs | None = None) -> list[Diagnostic]:
    """One build as ``build.py build`` does it: import changed transcripts, then
    render (incrementally: the build cache makes a small change cheap). The
    process keeps the cache files it read or wrote parsed for the next build
    (`generator.file_memo`: keyed by each file's identity, never stale; files
    it just wrote only while it holds the project's lock, as `build.py serve`
    does for its whole life: `generator.project_lock`). ``content/`` is
    looked at once after the import (which writes it) and before the site
    build (which only reads it): the site build trusts what was found
    instead of looking at each file again, and `content_seen` is given it
    (the preview's record of the inputs after the build). `inputs`: the
    inputs as the caller looked at them just before (the preview), which
    the import then takes instead of looking at ``transcripts/`` and
    ``content/`` again."""
    from generator.file_memo import keep_parsed_files
    from generator.importer import import_transcripts
    from generator.sitebuild import build_site, collector_paused

    keep_parsed_files()
    # The collector stays off for the whole build, and `settle_heap` collects
    # once at its end, before it is on again (the import as
    # `generator.cli.cmd_import`; the stages pause it anyway, rendering
    # collects by itself). Left on between the stages, it traversed each
    # stage's survivors when the stage ended, again in the next older
    # generation, and then `settle_heap` did: at 10,000 meetings a
    # one-transcript rebuild spent 0.26-0.28 CPU-s in 32 collections, now
    # 0.065-0.077 in `settle_heap`'s one (gc callbacks, loaded machine).
    with collector_paused():
        try:
            outcome = import_transcripts(project, force=False,
                                         listing=inputs.listing(project) if inputs else None)
            for line in outcome.messages:
                print(line, file=sys.stderr)
            diagnostics = list(outcome.diagnostics)
            content = inputs.look(project.content_dir) if inputs is not None and inputs.look \
                else snapshot(project.content_dir)
            if content_seen is not None:
                content_seen(content)
            diagnostics += build_site(project, verbose=False, clean=False, jobs=0,
                                      stats=content)
        finally:
            settle_heap()
    return diagnostics


RENDERING_MODULES = ("generator.archive", "generator.contexts", "generator.feeds",
                     "generator.i18n", "generator.pagestate", "generator.render",
                     "generator.search")  # imported by `Preview.warm`


def settle_heap() -> None:
    """Collect what the build left as cyclic garbage, then freeze what
    survives for the collector (`gc.freeze`): what the process keeps parsed
    for the next build (`generator.file_memo`), the modules, the compiled
    templates. The next build's collections then traverse only what that
    build makes, not the kept heap again and again (at 10,000 meetings a
    full collection of it took 1-2 s, and a rebuild made several). The
    collection here sees only what is not frozen yet: this build's survivors.
    A frozen object that later becomes part of a garbage cycle is not
    collected; what the process keeps is replaced by reference (no cycles),
    so little is; a pool of forked workers unfreezes everything when it
    ends (`generator.workers`), and the next call freezes it again."""
    from generator.sitebuild import freeze_kept_heap

    freeze_kept_heap()


def exception_diagnostic(exc: BaseException, project: Project) -> Diagnostic:
    """A diagnostic for an exception a build did not turn into one itself: a
    template syntax error keeps its file and line; anything else points at the
    innermost frame of the traceback."""
    diagnostic = getattr(exc, "diagnostic", None)
    if isinstance(diagnostic, Diagnostic):
        return diagnostic
    lineno = getattr(exc, "lineno", None)
    filename = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if lineno is not None and filename:  # jinja2.TemplateSyntaxError and friends
        shown = project.display(Path(filename)) if os.path.isabs(filename) \
            else f"templates/{filename}"
        text = ""
        source = getattr(exc, "source", None)
        if source and 0 < lineno <= len(source.splitlines()):
            text = source.splitlines()[lineno - 1]
        return error(getattr(exc, "message", None) or str(exc), shown, lineno, text)
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1] if frames else None
    return error(f"{type(exc).__name__}: {exc}",
                 project.display(Path(where.filename)) if where else "build",
                 where.lineno or 0 if where else 0, where.line or "" if where else "",
                 hint="this looks like a bug in Plenum; the preview keeps running")


Snapshot = dict[str, tuple[int, int, int]]  # file -> modification time, size, inode


def snapshot(top: Path) -> Snapshot:
    """Every file under `top` (or `top` itself: a file) as it is now, hidden
    folders aside: one `os.scandir` per folder, one `stat` per file."""
    found: Snapshot = {}
    if top.is_file():
        stat = top.stat()
        found[str(top)] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        return found
    folders = [str(top)]
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except OSError:  # gone meanwhile, or not a folder
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir():
                        if not entry.name.startswith(".") and not entry.is_symlink():
                            folders.append(entry.path)
                        continue
                    stat = entry.stat()
                except OSError:  # removed meanwhile
                    continue
                found[entry.path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return found


class Inputs(NamedTuple):
    """The watched inputs as looked at (`snapshot` of each of
    `watched_paths`), and when: `import_state.now_ns()` before the first;
    `look`: what `snapshot` of one of them gives now (by difference from
    `seen`, `generator.watch`), None: `snapshot` it."""

    taken_at: int
    seen: dict[Path, Snapshot]
    look: Callable[[Path], Snapshot] | None = None

    def listing(self, project: Project) -> Listing:
        """What the import lists of ``transcripts/`` and ``content/``: their
        own files (not those of subfolders), by name, as (size, mtime, inode)."""
        from generator.importer import Listing

        return Listing(self.taken_at, _own_files(self.seen.get(project.transcripts_dir, {}),
                                                 project.transcripts_dir),
                       _own_files(self.seen.get(project.content_dir, {}), project.content_dir))


def _own_files(found: Snapshot, folder: Path) -> dict[str, tuple[int, int, int]]:
    """The files `snapshot(folder)` found in `folder` itself, by name."""
    top = str(folder)
    own: dict[str, tuple[int, int, int]] = {}
    for path, (mtime, size, inode) in found.items():
        head, _, name = path.rpartition(os.sep)
        if head == top:
            own[name] = (size, mtime, inode)
    return own


class Preview:
    """The state of a preview session: the project, how to build it, and the
    errors of the last build (shown in the browser until a good build)."""

    def __init__(self, project: Project, build: BuildFunction = build_project):
        self.project = project
        self.build = build
        self.errors: list[Diagnostic] = []
        self._reported: set[Diagnostic] = set()  # shown in the terminal after the last build
        self._seen: dict[Path, Snapshot] | None = None
        self._looker: Looker | None = None  # inotify's changes (`generator.watch`)
        self._looking = True  # not tried yet, or working

    def look(self, previous: dict[Path, Snapshot] | None = None,
             only: list[Path] | None = None) -> dict[Path, Snapshot]:
        """`snapshot` of each watched input (of `only` those) as it is now:
        where inotify works, the `previous` look brought up to date with
        the changes it reported (`generator.watch.Looker`); else each
        looked at whole."""
        tops = watched_paths(self.project) if only is None else only
        if self._looking and self._looker is None:
            from generator.watch import Looker

            self._looker = Looker.start(watched_paths(self.project), snapshot)
            self._looking = self._looker is not None
            if self._looker is not None:  # (a process has few inotify instances)
                weakref.finalize(self, self._looker.close)
        if self._looker is None:
            return {top: snapshot(top) for top in tops}
        return self._looker.look(previous or {}, only=tops)

    def rebuild(self) -> bool:
        """Build if any watched input changed since the last build (a build's own
        writes to ``content/`` do not count); report errors. True if it built.
        The inputs are looked at once before the build, and ``content/``, which
        the build writes (the import), again after it (Plenum's build looks
        right after its import and says what it found, `build_project`): a
        save elsewhere made while it built calls for another build."""
        from generator.import_state import now_ns

        taken_at = now_ns()
        now = self.look(self._seen)
        if now == self._seen:
            return False
        content_dir = self.project.content_dir
        seen: list[Snapshot] = []  # ``content/`` as Plenum's build found it after its import
        try:
            if self.build is build_project:
                diagnostics = build_project(self.project, seen.append, Inputs(
                    taken_at, now, lambda top: self.look(now, only=[top])[top]))
            else:
                diagnostics = self.build(self.project)
        except Exception as exc:  # the preview must survive any broken input
            diagnostics = [exception_diagnostic(exc, self.project)]
        now[content_dir] = seen[-1] if seen else self.look(now, only=[content_dir])[content_dir]
        self._seen = now
        self.errors = [d for d in diagnostics if d.severity == Severity.ERROR]
        print(self.report(diagnostics), file=sys.stderr, flush=True)
        return True

    def report(self, diagnostics: list[Diagnostic]) -> str:
        """What the terminal shows after a build: every error, the warnings
        and notes not shown after the previous build (an archive can have
        thousands, and a save rarely changes them), and one summary line."""
        new = [d for d in diagnostics
               if d.severity == Severity.ERROR or d not in self._reported]
        self._reported = set(diagnostics)
        repeated = len(diagnostics) - len(new)
        lines = [format_diagnostics(new)] if new else []
        if diagnostics:
            lines.append(summarise(diagnostics) + (
                f" ({repeated} shown after an earlier build, not repeated)" if repeated else ""))
        lines.append("build failed: the browser shows the errors; fix and save to retry"
                     if self.errors else "built")
        return "\n".join(lines)

    def warm(self) -> None:
        """After the first build: read what the next build reads of the build
        cache and keep it parsed (`BuildCache.warm`), make the archive as
        the next build would start from it (`generator.sitebuild.warm_archive`:
        a first build with nothing to do made none), and import the modules
        a build that renders imports (a build with nothing to do imports
        none), then freeze it all for the collector (`settle_heap`), so that
        the first save is rebuilt as fast as the later ones. Only for
        Plenum's own build; never fails (a damaged cache file is the build's
        to report)."""
        if self.build is not build_project:
            return
        import importlib

        from generator.cache import BuildCache

        with contextlib.suppress(Exception):
            cache = BuildCache(self.project)
            cache.warm()
            from generator.search import warm as warm_search

            warm_search(cache.folder / "search")
        with contextlib.suppress(Exception):
            from generator.sitebuild import warm_archive

            warm_archive(self.project)
        for name in RENDERING_MODULES:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        settle_heap()

    # --- the WSGI app -------------------------------------------------------------

    def overlay(self) -> str:
        """The HTML of the error overlay, or "" after a good build."""
        if not self.errors:
            return ""
        items = "".join(f"<pre>{html.escape(d.format())}</pre>" for d in self.errors)
        return (f'<div id="{OVERLAY_ID}" role="alert" style="position:fixed;inset:0 0 auto 0;'
                'z-index:2147483647;max-height:80vh;overflow:auto;margin:0;padding:1em 1.5em;'
                'background:#fff4f4;color:#6b0000;border-bottom:4px solid #b00020;'
                'font:14px/1.45 ui-monospace,monospace;box-shadow:0 2px 12px #0004">'
                f'<strong>Plenum: the last build failed '
                f'({html.escape(summarise(self.errors))})</strong>{items}'
                '<p style="font-family:sans-serif">Fix the file and save: this page reloads '
                'by itself. The pages below are from the last good build.</p></div>')

    def _resolve(self, url_path: str) -> Path | None:
        site = self.project.site_dir.resolve()
        relative = url_path.lstrip("/")
        candidate = (site / relative).resolve()
        if candidate != site and site not in candidate.parents:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def app(self, environ: dict, start_response: StartResponse) -> Iterator[bytes]:
        """Serve ``site/`` as a static host would, plus the error overlay."""
        from urllib.parse import unquote

        path = self._resolve(unquote(environ.get("PATH_INFO", "/")))
        status = "200 OK"
        if path is None:
            status = "404 Not Found"
            path = self._resolve("/404.html")
        if path is None:
            body = b"<!doctype html><html><head><title>Plenum</title></head><body></body></html>"
            ctype = "text/html; charset=utf-8"
        else:
            body = path.read_bytes()
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript",
                                                     "application/json"):
                ctype += "; charset=utf-8"
        if ctype.startswith("text/html") and (overlay := self.overlay()):
            body = _inject(body, overlay.encode("utf-8"))
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store")])
        return iter([body])


def _inject(page: bytes, fragment: bytes) -> bytes:
    """Put `fragment` right after the opening <body> tag (or in front)."""
    lower = page.lower()
    start = lower.find(b"<body")
    if start < 0:
        return fragment + page
    end = page.find(b">", start)
    return page[:end + 1] + fragment + page[end + 1:]


def _serve_with_livereload(preview: Preview, host: str, port: int) -> None:
    """The live-reload adapter: poll the inputs, rebuild, reload the browser.
    Each poll is one `Preview.rebuild`, which looks at the inputs once
    (`snapshot`): livereload's own watcher looked at every file again with
    two more system calls each (~0.55 CPU-s a poll, every 0.8 s, at 10,000
    meetings) and then called the rebuild, which looked again, and again
    after the import had written ``content/``."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import Watcher

    class PreviewWatcher(Watcher):
        def examine(self) -> tuple[str | None, float | None]:
            if self._changes:  # (livereload's own: the reload after a restart)
                return self._changes.pop()
            self.filepath = "*" if preview.rebuild() else None
            return self.filepath, None

    # livereload drops a reload that follows the previous one within 3 s; an
    # author saving twice quickly must still see the second save.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    server = Server(app=preview.app, watcher=PreviewWatcher())
    server.watch(str(preview.project.root))  # (a task, or livereload watches the cwd)
    server.serve(port=port, host=host, debug=False, restart_delay=0)


def serve(project: Project, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Build, then serve ``site/`` on http://host:port/ until interrupted."""
    preview = Preview(project)
    preview.rebuild()
    preview.warm()
    print(f"serving {project.display(project.site_dir)}/ on http://{host}:{port}/ "
          "(Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        _serve_with_livereload(preview, host, port)
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
