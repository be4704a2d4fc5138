"""The build cache: what the last build read and wrote, keyed by content hashes,
so the next build redoes only what changed.

Everything lives in ``<project>/.plenum-cache/`` and may be deleted at any time
(``build --clean`` removes what earlier builds stored and starts over):

- ``digests.json``: a content hash per input file, reused while the file's size
  and modification time are unchanged (as git's index does), so a build hashes
  only the files that changed;
- ``meetings/<hash>.v2.pickle``: the parsed `Meeting` of a content file, so an
  unchanged file is never parsed twice: two pickles, its outline (and the
  file's diagnostics), then its turns. The site build loads the outlines
  alone and reads a meeting's turns when it shows them (`CachedTexts`);
- ``meetings/<hash>-<salt>-<function>.facts.pickle``: what the archive
  derives from a meeting's turns (figures, snippets), keyed also by the
  speaker registry and the generator's code (`salt`), so an unchanged
  meeting's text is not read again; facts of an older salt are pruned;
- ``state/``: the hashes of every input of the last good build (content,
  templates, static files, settings, catalogue, the generator's own code) and a
  fingerprint per page. A page's fingerprint hashes its template (with every
  template it extends, includes or imports) and its whole context, with each
  meeting in it replaced by its content hash: two equal fingerprints mean the
  same bytes, so an unchanged page is linked from the previous site instead of
  rendered. Correct by construction: a page is skipped only when nothing it
  shows can have changed. It also holds, per meeting, where its rows sit in
  the site's speeches CSV and what they were made from
  (`generator.feeds.CsvBlock`): an unchanged meeting's rows are copied. In
  shards, of which a build rewrites those that changed (`generator.state_shards`;
  the single ``state.json`` of earlier versions is read once, then removed);
- ``pages.pickle``: per page, what its context was read from
  (`generator.pagestate.PageState`), tied to the state by a build id: a
  page whose inputs all hash the same is linked without building its context;
- ``registry.pickle``: the parsed speaker registry, keyed by the file's hash
  and the generator's code;
- ``archive-NN.state.pickle``: what the archive stage keeps of every
  meeting's facts (figures, summary, speech counts), each under its meeting's
  facts key (`CachedTexts.facts_key`), in a few shards by meeting id: a build
  reads them instead of every meeting's facts, reads the facts of a meeting
  only when the key changed, and rewrites only the shards whose entries
  changed; ``archive-speeches/NNNN.state.pickle``: the speeches of each
  speaker's newest meetings, sharded by speaker and read when a page shows
  that speaker, with ``archive-speakers.state.pickle`` saying which they hold
  (`generator.archive`); ``archive-outlines.state.pickle``: what the archive's
  outline indexes are made of (order, people, motion slugs, the charts'
  outline numbers), under a name for the list of outlines
  (`CachedTexts.outlines_key`, from the outline store's tokens). An entry
  under another key is never used, so a stale file costs time, never a
  wrong site.

A live preview (`generator.serve`) builds again and again in one process:
the files every build reads (the state and its head, the outline shards,
the archive state, the registry, ``digests.json``) are kept parsed between
its builds, and what a build writes of them is handed to the next one
unread (`generator.file_memo`; `kept=True` below): keyed by each file's
identity, so a file replaced by anyone else is read again; so is
``pages.pickle`` (the page check copies what it changes of the state it
read). The meetings' pickles and facts (large, one per meeting) are read
from disk each time.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from generator import file_memo
from generator.config import CONFIG_FILE, Project
from generator.errors import Diagnostic, Severity
from generator.model import Meeting, Turn
from generator.project_lock import holds
from generator.stable_pickle import hashing_pickler
from generator.state_shards import STATE_DIR, StateShards

T = TypeVar("T")

CACHE_DIR = ".plenum-cache"
MEETING_SUFFIX = ".v2.pickle"  # outline, then turns
FACTS_SUFFIX = ".facts.pickle"
STATE_SUFFIX = ".state.pickle"  # a stage's state (`CachedTexts.keep_state`)
OUTLINES_DIR = "outlines"  # the loaded outlines (`generator.outline_store`)
REGISTRY_PICKLE = "registry.pickle"  # the parsed speaker registry of the last build
DEPS_FILE = "pages.pickle"  # what each page was built from (`generator.pagedeps`)
LEGACY_FILES = ("archive.state.pickle",)  # of an older layout: removed by the next build
LEGACY_STATE = "state.json"  # the whole state before `generator.state_shards`: read, then removed
FORMAT = 1  # bump when the layout of the cache changes
PARSE_BATCH = 16  # content files per work item of a worker parsing them (`BuildCache.loader`)
PARSED_IN_PROCESS = 64  # fewer files to parse than this: parsed in this process, no workers
GENERATOR_DIR = Path(__file__).resolve().parent


def _hash_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path, suffixes: tuple[str, ...] = ()) -> list[Path]:
    """The files under `folder` (hidden ones and caches aside) in the order
    of their paths."""
    return [Path(name) for name in _file_names(folder, suffixes)]


def _file_names(folder: Path, suffixes: tuple[str, ...] = ()) -> list[str]:
    """`_files` as strings (a `Path` per file costs more than finding it).
    Sorted as tuples of path parts, the order `Path`s sort in (10,000
    content files: 0.06 CPU-s against 0.095 for sorting `Path`s)."""
    if not folder.is_dir():
        return []
    found: list[tuple[str, ...]] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        parts = tuple(top.split(os.sep))
        found += [(*parts, n) for n in names
                  if not n.startswith(".") and (not suffixes or n.endswith(suffixes))]
    found.sort()
    return [os.sep.join(parts) for parts in found]


class FileDigests:
    """Content hashes of files, recomputed only when size or mtime changed. A
    file is looked at once per build: asked again (the content files, by the
    check and then by loading), it has the hash it had then. Files under
    `root` are known by their path relative to it, so a project that was moved
    or copied (with its cache) does not hash its files again."""

    def __init__(self, known: Mapping[str, list] | None = None, root: Path | None = None,
                 stats: Mapping[str, tuple[int, int, int]] | None = None):
        self.known: dict[str, list] = dict(known or {})
        self.used: dict[str, list] = {}
        self.hashed = 0  # files hashed by this build (not known, or changed since)
        self._prefix = f"{root}{os.sep}" if root is not None else None
        # path -> (modification time, size, inode) as the caller just found them
        # (a live preview's look at its inputs, `generator.serve.snapshot`): not stat'ed again
        self.stats = stats or {}

    def key(self, path: Path | str) -> str:
        """The name `path` is known by: relative to the root when under it."""
        name = os.fspath(path)
        prefix = self._prefix
        return name[len(prefix):] if prefix is not None and name.startswith(prefix) else name

    def digest(self, path: Path | str) -> str:
        key = self.key(path)
        seen = self.used.get(key)
        if seen is not None:
            return seen[2]
        found = self.stats.get(os.fspath(path))
        if found is not None:
            mtime, size = found[0], found[1]
        else:
            stat = os.stat(path)
            mtime, size = stat.st_mtime_ns, stat.st_size
        entry = self.known.get(key)
        if entry is None or entry[0] != size or entry[1] != mtime:
            entry = [size, mtime, _hash_file(Path(path))]
            self.hashed += 1
        self.used[key] = entry
        return entry[2]


def generator_version() -> str:
    """A hash of Plenum's own code and data: any change to it invalidates
    every cached page (a generator change may change any page)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"cache-format-{FORMAT}".encode())
    for path in _files(GENERATOR_DIR, (".py", ".toml", ".js", ".json", ".txt", ".yaml")):
        digest.update(path.relative_to(GENERATOR_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class BuildCache:
    """The cache of one project. `clean=True` starts from nothing (and the
    build then overwrites what was stored)."""

    def __init__(self, project: Project, clean: bool = False,
                 stats: Mapping[str, tuple[int, int, int]] | None = None):
        """`stats`: the modification time, size and inode of input files as
        the caller just found them (by path), which `files` then trusts."""
        self.project = project
        self.folder = project.root / CACHE_DIR
        if clean:
            self._forget_builds()
        self._state = StateShards(self.folder / STATE_DIR)
        state = {} if clean else self._read_state()
        if state.get("format") != FORMAT or not self._describes_site_in_place(state):
            state = {}
        self._head = state  # the sections not yet read are read from it (`_section`)
        self.previous_inputs: dict[str, str] = state.get("inputs", {})
        self._previous_pages: dict[str, str] | None = state.get("pages")
        self._previous_csv_blocks: dict[str, list] | None = state.get("csv_blocks")
        self.previous_site: list | None = state.get("site")
        self.files = FileDigests({} if clean else self._read_json("digests.json"),
                                 root=project.root, stats=stats)
        self.meeting_digests: dict[str, str] = {}  # meeting id -> content hash + salt
        self._digest_by_meeting: dict[str, str] = {}  # meeting id -> content file hash
        self._path_by_meeting: dict[str, str] = {}  # meeting id -> its content file
        self._token_by_meeting: dict[str, str] = {}  # meeting id -> `StoredOutline.token`
        self._outlines: Any = None  # `generator.outline_store.OutlineStore`, when loading
        self._registry: tuple[str, Any] | None = None  # (key, value) of `registry`
        self._read: Callable[[Project, Path], tuple[Meeting | None, list]] | None = None
        self.previous_diagnostics: list[dict] = state.get("diagnostics", [])
        self.pages: dict[str, str] = {}  # fingerprints of this build's pages
        self._deps_of_build: str | None = state.get("build")  # read when first asked for
        self._previous_deps: Any = None  # read when first asked for (`_deps_read`)
        self._deps_read = not state
        self.deps: Any = None  # this build's (`generator.pagestate.PageState`)
        self.csv_blocks: dict[str, list] = {}  # this build's (`generator.feeds.CsvBlock`)
        refs = state.get("template_refs", {})  # template hash -> the templates it names
        # (a copy: `template_digests` adds to it, and the head is kept parsed by a preview)
        self.template_refs: dict[str, list[str]] = dict(refs) if isinstance(refs, dict) else {}
        self._version: str | None = None

    def _forget_builds(self) -> None:
        """Remove what earlier site builds stored, so a clean build reuses
        nothing. The import's own records (which transcripts were parsed, and
        their warnings) are not the site build's and stay."""
        for name in ("meetings", "search", OUTLINES_DIR):
            shutil.rmtree(self.folder / name, ignore_errors=True)
        shutil.rmtree(self.folder / STATE_DIR, ignore_errors=True)
        names = (LEGACY_STATE, "digests.json", DEPS_FILE, REGISTRY_PICKLE)
        states = [*self.folder.glob(f"*{STATE_SUFFIX}"), *self.folder.glob(f"*/*{STATE_SUFFIX}")] \
            if self.folder.is_dir() else []
        for path in [*(self.folder / name for name in names), *states]:
            path.unlink(missing_ok=True)

    # --- the state of the last good build --------------------------------------------

    def _read_state(self) -> dict:
        """The head of the last good build's state with its inputs (the other
        large sections are read when first asked for); a state of the
        layout before `generator.state_shards` (one ``state.json``) is read
        whole. Empty when missing or incomplete."""
        head = self._state.head()
        if not head:
            legacy = self._read_json(LEGACY_STATE)
            return legacy if isinstance(legacy.get("inputs"), dict) else {}
        inputs = self._state.section(head, "inputs")
        return {} if inputs is None else {**head, "inputs": inputs}

    def _section(self, name: str) -> dict:
        """A large section of the last good build's state ({}: none, or a
        shard of it unreadable)."""
        found = self._state.section(self._head, name) if self._head.get("shards") else None
        return found if found is not None else {}

    @property
    def previous_pages(self) -> dict[str, str]:
        """The fingerprint of each page of the last good build."""
        if self._previous_pages is None:
            self._previous_pages = self._section("pages")
        return self._previous_pages

    @property
    def previous_csv_blocks(self) -> dict[str, list]:
        """Where the last good build wrote each meeting's rows of the speeches
        CSV (`record_csv_blocks`)."""
        if self._previous_csv_blocks is None:
            self._previous_csv_blocks = self._section("csv_blocks")
        return self._previous_csv_blocks

    # --- inputs --------------------------------------------------------------------

    def _read_json(self, name: str) -> dict:
        """A JSON file of the cache (kept parsed by a live preview: not to be
        mutated), {} when missing or unreadable."""
        try:
            found = file_memo.read(self.folder / name, json.loads)
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = generator_version()
        return self._version

    def input_digests(self) -> dict[str, str]:
        """A hash per input of the site build, by path relative to the project."""
        project = self.project
        names = [*_file_names(project.content_dir), *_file_names(project.templates_dir),
                 *_file_names(project.static_dir)]
        if (project.root / CONFIG_FILE).is_file():
            names.append(os.fspath(project.root / CONFIG_FILE))
        digest = self.files.digest
        digests = {self.files.key(name): digest(name) for name in names}
        digests["<generator>"] = self.version
        return digests

    def registry_digest(self) -> str:
        """Hash of the speaker registry (``content/people.yaml``): loaded
        meetings have it applied."""
        from generator.registry import REGISTRY_FILE

        path = self.project.content_dir / REGISTRY_FILE
        return self.files.digest(path) if path.is_file() else ""

    def _describes_site_in_place(self, state: Mapping) -> bool:
        """True when `state` was saved by the build whose site is in place. A
        build killed after swapping its site in but before saving its state
        leaves the previous build's page fingerprints behind: trusting them
        would link that build's pages into this one (a mix of two sites)."""
        return state.get("site") is not None and state.get("site") == self.site_stamp()

    def site_stamp(self) -> list | None:
        """Size and mtime of the site's manifest (written last by every build):
        changes when anything rewrote or removed the site."""
        from generator.output import MANIFEST_NAME

        with contextlib.suppress(OSError):
            stat = (self.project.site_dir / MANIFEST_NAME).stat()
            return [stat.st_size, stat.st_mtime_ns]
        return None

    def is_noop(self, inputs: Mapping[str, str]) -> bool:
        """True when no input changed since the last good build and its site is
        still in place: the build has nothing to do."""
        return (bool(self.previous_inputs) and dict(inputs) == self.previous_inputs
                and self.previous_site is not None and self.site_stamp() == self.previous_site)

    def save_digests(self) -> None:
        """Keep the hashes this build computed when it found nothing to do
        (files touched but not changed, or a moved project): without this,
        every later no-op build would hash those files again."""
        if self.files.hashed:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_json(self.folder / "digests.json", self.files.used, kept=True)

    def archive_unchanged(self, inputs: Mapping[str, str]) -> bool:
        """Only templates or static files changed since the last good build:
        everything computed from the archive alone (the search index) is the
        same as the previous build's."""
        if not self.previous_inputs:
            return False
        content = self.project.display(self.project.content_dir).rstrip("/") + "/"
        return not any(key.startswith(content) or key in ("<generator>", CONFIG_FILE)
                       for key in self.changed_inputs(inputs))

    def changed_inputs(self, inputs: Mapping[str, str]) -> list[str]:
        """Inputs added, changed or removed since the last good build."""
        keys = set(inputs) | set(self.previous_inputs)
        return sorted(k for k in keys if inputs.get(k) != self.previous_inputs.get(k))

    # --- parsed meetings -----------------------------------------------------------

    def _stored(self, digest: str) -> Path:
        return self.folder / "meetings" / f"{digest}{MEETING_SUFFIX}"

    def reader(self, read: Callable[[Project, Path], tuple[Meeting | None, list]],
               outlines: bool = False) -> Callable[[Project, Path], tuple[Meeting | None, list]]:
        """Wrap a content-file reader (`generator.content.read_content_file`) so
        that an unchanged file is unpickled instead of parsed. With `outlines`,
        the meetings come without their turns (`texts` gives them back)."""
        def cached(project: Project, path: Path) -> tuple[Meeting | None, list]:
            digest = self.files.digest(path)
            meeting, diagnostics = self._parsed(read, project, path, digest, outlines)
            if meeting is not None:
                # the first file of an id is the one loading keeps
                self._digest_by_meeting.setdefault(meeting.id, digest)
            return meeting, diagnostics

        return cached

    def _parsed(self, read: Callable[[Project, Path], tuple[Meeting | None, list]],
                project: Project, path: Path, digest: str, outlines: bool
                ) -> tuple[Meeting | None, list]:
        """What `reader` gives for one file of content hash `digest`, but
        noting nothing in this cache object (a forked worker may do it): the
        file's meeting (an outline with `outlines`) and diagnostics,
        unpickled, or parsed by `read` and stored."""
        from generator.archive import outline

        stored = self._stored(digest)
        result = _read_pickles(stored, 1 if outlines else 2)
        if result is None:
            meeting, diagnostics = read(project, path)
            shape = meeting and outline(meeting)
            _write_pickles(stored, (shape, diagnostics),
                           meeting.turns if meeting is not None else ())
            return (shape if outlines else meeting), diagnostics
        (meeting, diagnostics), *rest = result
        if rest and meeting is not None:
            meeting = replace(meeting, turns=rest[0])
        if meeting is not None and outlines:
            meeting = outline(meeting)
        return meeting, diagnostics

    def loader(self, read: Callable[[Project, Path], tuple[Meeting | None, list]],
               registry: Any, jobs: int = 1
               ) -> Callable[[Project, Sequence[str]], Iterator[tuple[Meeting | None, list]]]:
        """A reader of content files (`generator.content.ContentsReader`)
        giving each file's outline with the speaker `registry` applied
        (`generator.registry.apply_registry`), in order: an unchanged file's
        comes from the outline store, made by an earlier build for the same
        content, registry and code; the others are unpickled, or parsed, and
        stored (`reader`), on `jobs` forked workers (0: one per core) when
        there are many (`PARSED_IN_PROCESS`). Call `save_outlines` after loading."""
        from generator.outline_store import OutlineStore, StoredOutline, token_of
        from generator.registry import apply_registry
        from generator.workers import chunked, fork_map

        store = self._outlines = OutlineStore(self.folder / OUTLINES_DIR)
        self._read = read
        salt = self._facts_salt()

        def load(project: Project, paths: Sequence[str]
                 ) -> Iterator[tuple[Meeting | None, list]]:
            keys = [self.files.key(path) for path in paths]
            digests = [self.files.digest(path) for path in paths]
            found = [store.get(key, digest, salt) for key, digest in zip(keys, digests,
                                                                          strict=True)]
            missing = [i for i, entry in enumerate(found) if entry is None]

            def parse(batch: Sequence[int]) -> list[tuple[Meeting | None, tuple]]:
                made = []
                for i in batch:
                    meeting, diagnostics = self._parsed(read, project, Path(paths[i]),
                                                        digests[i], outlines=True)
                    made.append((None if meeting is None else apply_registry(meeting, registry),
                                 tuple(diagnostics)))
                return made

            batches = chunked(missing, PARSE_BATCH)
            parsed = (made for batch in fork_map(
                parse, batches, jobs if len(missing) >= PARSED_IN_PROCESS else 1,
                min_items=1) for made in batch)
            for key, digest, path, entry in zip(keys, digests, paths, found, strict=True):
                if entry is None:
                    applied, diagnostics = next(parsed)
                    entry = StoredOutline(digest, salt, applied, diagnostics,
                                          store.token(key, applied, digest, salt))
                    store.put(key, entry)
                if entry.meeting is not None:  # (the first file of an id is the one kept)
                    self._digest_by_meeting.setdefault(entry.meeting.id, digest)
                    self._path_by_meeting.setdefault(entry.meeting.id, path)
                    self._token_by_meeting.setdefault(entry.meeting.id, token_of(entry))
                yield entry.meeting, list(entry.diagnostics)

        return load

    def warm(self) -> None:
        """Read what a build that loads the archive reads of the cache every
        time (the state's large sections, the outline shards, the stages'
        states, the registry), kept parsed for it (`generator.file_memo`):
        a live preview does this while it waits for the first save."""
        from generator.outline_store import OutlineStore

        for name in ("pages", "csv_blocks"):
            self._section(name)
        OutlineStore(self.folder / OUTLINES_DIR).read_all()
        _read_pickles(self.folder / DEPS_FILE, 1, kept=True)
        with contextlib.suppress(OSError):
            for path in sorted(self.folder.glob(f"*{STATE_SUFFIX}")):
                _read_pickles(path, 1, kept=True)
        _read_pickles(self.folder / REGISTRY_PICKLE, 2, kept=True)

    def save_outlines(self) -> None:
        """Keep what `loader` loaded for the next build (the shards that changed)."""
        if self._outlines is not None:
            self._outlines.save()
            self._outlines = None  # (its shards' entries)

    def remember_meetings(self, meetings: Iterable[Meeting], salt: str = "") -> None:
        """Note the content hash behind each loaded meeting (plus `salt`: the
        hash of whatever else went into it, e.g. the speaker registry), so a
        page fingerprint can name a meeting by its hash instead of its text
        (whether the page holds its outline or the whole meeting: which one is
        the page builder's choice, part of the generator's code)."""
        for meeting in meetings:
            digest = self._digest_by_meeting.get(meeting.id)
            if digest is not None:
                self.meeting_digests[meeting.id] = f"{digest}+{salt}"

    def registry(self, load: Callable[[], T]) -> T:
        """``load()`` (the parsed speaker registry), or the value an earlier
        build stored for the same registry file and generator code."""
        key = hash_text([self.registry_digest(), self.version])
        if self._registry is not None and self._registry[0] == key:
            return self._registry[1]  # asked for by loading and again by the texts
        found = _read_pickles(self.folder / REGISTRY_PICKLE, 2, kept=True)
        if found is not None and found[0] == key:
            value = found[1]
        else:
            value = load()
            _write_pickles(self.folder / REGISTRY_PICKLE, key, value, kept=True)
        self._registry = (key, value)
        return value

    def texts(self, registry: object) -> CachedTexts:
        """The turns of the meetings this cache's reader loaded, read back from
        their pickles with the speaker `registry` applied as loading did."""
        return CachedTexts(self._digest_by_meeting, self.folder / "meetings", registry,
                           self._facts_salt(), self.folder, self._restore,
                           self._token_by_meeting)

    def _restore(self, meeting_id: str) -> None:
        """Write the pickles of a loaded meeting again (removed since the
        outline store gave its outline): parsed from its content file if that
        still has the hash it was loaded with."""
        found = self._path_by_meeting.get(meeting_id)
        digest = self._digest_by_meeting.get(meeting_id)
        if found is None or digest is None or self._read is None:
            return
        path = Path(found)
        from generator.archive import outline

        with contextlib.suppress(OSError):
            if _hash_file(path) == digest:
                meeting, diagnostics = self._read(self.project, path)
                turns = meeting.turns if meeting is not None else ()
                _write_pickles(self._stored(digest), (meeting and outline(meeting), diagnostics),
                               turns)

    def _facts_salt(self) -> str:
        """What remembered facts depend on besides the content: the registry
        and the generator's code."""
        return hash_text([self.registry_digest(), self.version])

    # --- pages ---------------------------------------------------------------------

    def plan(self, templates_dir: Path, salt: str, previous_site: Path | None) -> PagePlan:
        """What renderers need to skip unchanged pages (`previous_site` None:
        render every page). The generator's own code is part of every page's
        fingerprint: a change to a filter or a renderer may change any page."""
        return PagePlan(dict(self.meeting_digests),
                        template_digests(templates_dir, self.files, self.template_refs),
                        f"{salt}+{self.version}", dict(self.previous_pages), previous_site,
                        self.previous_deps if previous_site is not None else None)

    def record_pages(self, fingerprints: Iterable[tuple[str, str | None]]) -> None:
        """Keep the fingerprints of the pages this build wrote."""
        for path, fingerprint in fingerprints:
            if fingerprint is not None:
                self.pages[path] = fingerprint

    def record_deps(self, deps: object) -> None:
        """Keep what the pages of this build were built from
        (`generator.pagestate.PageState`)."""
        self.deps = deps

    @property
    def previous_deps(self) -> Any:
        """What the pages of the last good build were built from (None: not
        known; read on first use: a build with nothing to do never needs it)."""
        if not self._deps_read:
            self._previous_deps = self._read_deps(self._deps_of_build)
            self._deps_read = True
        return self._previous_deps

    @previous_deps.setter
    def previous_deps(self, deps: Any) -> None:
        self._previous_deps, self._deps_read = deps, True

    def _read_deps(self, build: str | None) -> Any:
        """The page dependencies saved with the state of build `build`."""
        # (kept by a preview: the page check never changes the state it read,
        # `generator.pagestate.PageCheck._writable`)
        found = _read_pickles(self.folder / DEPS_FILE, 1, kept=True)
        if build is None or found is None or not isinstance(found[0], dict) \
                or found[0].get("build") != build:
            return None
        return found[0].get("deps")

    def record_csv_blocks(self, blocks: Mapping[str, Iterable]) -> None:
        """Keep where this build wrote each meeting's rows of the speeches CSV
        (`generator.feeds.CsvBlock` as a list: key, offset, length, speakers,
        file)."""
        self.csv_blocks = {mid: _plain(block) for mid, block in blocks.items()}

    # --- saving --------------------------------------------------------------------

    def save(self, inputs: Mapping[str, str], diagnostics: Iterable[object] = ()) -> None:
        """Record a good build (call after the site is in place), with its
        diagnostics, which a no-op build reports again."""
        from dataclasses import asdict

        self.folder.mkdir(parents=True, exist_ok=True)
        build = os.urandom(8).hex()  # ties the page dependencies to this state
        _write_pickles(self.folder / DEPS_FILE, {"build": build, "deps": self.deps}, kept=True)
        head = {"format": FORMAT, "build": build, "template_refs": self._used_template_refs(),
                "site": self.site_stamp(),
                "diagnostics": [asdict(d) for d in diagnostics]}  # type: ignore[call-overload]
        self._state.save(head, {"inputs": inputs, "pages": self.pages,
                                "csv_blocks": self.csv_blocks})
        (self.folder / LEGACY_STATE).unlink(missing_ok=True)
        if self.files.used != self.files.known:  # (else the file holds them already)
            _write_json(self.folder / "digests.json", self.files.used, kept=True)
        self._prune_meetings()
        for name in LEGACY_FILES:
            (self.folder / name).unlink(missing_ok=True)

    def _used_template_refs(self) -> dict[str, list[str]]:
        """The template references of the templates this build's inputs hold."""
        used = {entry[2] for entry in self.files.used.values()}
        return {key: names for key, names in self.template_refs.items()
                if key.partition("+")[0] in used}

    def replay_diagnostics(self) -> list[Diagnostic]:
        """The diagnostics of the last good build (a no-op build reports them
        again, so --strict gives the same answer twice)."""
        return [Diagnostic(**{**d, "severity": Severity(d["severity"])})
                for d in self.previous_diagnostics]

    def invalidate(self) -> None:
        """Forget the last good build (after a failed one): the next build
        re-checks every page."""
        with contextlib.suppress(OSError):
            self._state.forget()
            (self.folder / LEGACY_STATE).unlink(missing_ok=True)

    def _prune_meetings(self) -> None:
        """Remove the stored meetings and facts of content no input has now
        (and files of an older layout). Names as strings from one listing (a
        `Path` per stored file: 0.04-0.08 CPU-s against 0.02 for the 30,000
        files of 10,000 meetings)."""
        keep = {entry[2] for entry in self.files.used.values()}
        folder = os.fspath(self.folder / "meetings")
        try:
            names = os.listdir(folder)
        except OSError:
            return
        current_facts = f"{self._facts_salt()}-"
        for name in names:
            if name.endswith(FACTS_SUFFIX):  # <digest>-<salt>-<function>.facts.pickle
                digest, _, rest = name.partition("-")
                current = digest in keep and rest.startswith(current_facts)
            else:
                current = name.endswith(MEETING_SUFFIX) and \
                    name[:-len(MEETING_SUFFIX)] in keep
            if not current:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))


@dataclass(frozen=True)
class PagePlan:
    """Fingerprints of the previous build's pages and what a page's fingerprint
    is made of. Forked render workers inherit it."""

    meeting_digests: Mapping[str, str]  # meeting id -> content hash + salt
    template_hashes: Mapping[str, str]
    salt: str
    previous: Mapping[str, str]
    previous_site: Path | None
    previous_deps: Any = None  # `generator.pagestate.PageState` of the previous build

    def fingerprint(self, page: object) -> str | None:
        """Hash of the page's template closure and context (None: cannot be
        hashed, so always rendered)."""
        path, template = page.path, page.template  # type: ignore[attr-defined]
        buffer = io.BytesIO()
        pickler = _fingerprint_pickler(buffer, self.meeting_digests)
        try:
            pickler.dump((path, template, self.template_hashes.get(template, "?"), self.salt,
                          page.context))  # type: ignore[attr-defined]
        except (pickle.PicklingError, TypeError, AttributeError, ValueError):
            return None
        return _hash_bytes(buffer.getvalue())

    def meeting_file_fingerprint(self, path: str, meeting: Meeting) -> str | None:
        """The fingerprint of a file made from `meeting` alone (its JSON):
        its content hash and the generator's code (None: not loaded through
        the cache, so always written)."""
        digest = self.meeting_digests.get(meeting.id)
        return None if digest is None else hash_text([path, digest, self.salt])

    def reuse(self, path: str, fingerprint: str | None, out_dir: Path) -> bool:
        """If the previous build wrote `path` from the same fingerprint, link
        its file into `out_dir` and return True."""
        if fingerprint is None or self.previous_site is None:
            return False
        if self.previous.get(path) != fingerprint:
            return False
        from generator.output import keep

        if keep(self.previous_site, out_dir, path):  # a staged site: kept, not linked
            return True
        old = self.previous_site / path
        try:  # the usual case first: one system call (most folders exist by now)
            os.link(old, out_dir / path)
            return True
        except OSError:
            pass
        if not old.is_file():
            return False
        link_or_copy(old, out_dir / path)
        return True


def _meeting_reference(digest: str) -> None:  # pragma: no cover - never unpickled
    """Stands for a meeting in a fingerprint: the pickle names it by hash."""


def _fingerprint_pickler(file: io.BytesIO, meeting_digests: Mapping[str, str]) -> pickle.Pickler:
    """A pickler that writes each known meeting as its content hash, and
    every value in full where it occurs. The dispatch table keeps the
    per-object work in C (a `persistent_id` method would call back into
    Python for every object: three times slower)."""
    # no memo: equal values give equal bytes however objects happen to be shared
    # (a record read back from the cache is a copy, not the object made fresh)
    pickler = hashing_pickler(file)
    table = copyreg.dispatch_table.copy()

    def reduce_meeting(meeting: Meeting) -> tuple:
        digest = meeting_digests.get(meeting.id)
        if digest is None:  # not loaded through the cache: hash it whole
            return (Meeting, (), meeting.__dict__)
        return (_meeting_reference, (digest,))

    table[Meeting] = reduce_meeting
    pickler.dispatch_table = table
    return pickler


class CachedTexts:
    """The turns of each loaded meeting, unpickled from the build cache when
    asked for (`generator.archive.MeetingTexts`): the site build keeps outlines
    in memory and one meeting's text at a time. The registry is applied as
    content loading applies it (`generator.registry.apply_registry`), so the
    turns are those a whole load would have given. `salt` names the registry
    and the generator's code, for `remembered`."""

    def __init__(self, digests: Mapping[str, str], meetings_dir: Path, registry: object,
                 salt: str, folder: Path | None = None,
                 restore: Callable[[str], None] | None = None,
                 tokens: Mapping[str, str] | None = None):
        self.digests = dict(digests)  # meeting id -> content hash (of its pickles' names)
        self.meetings_dir = meetings_dir
        self.registry = registry
        self.salt = salt
        self.folder = folder  # of the states kept (`keep_state`); None: none kept
        self.restore = restore  # writes a meeting's pickles again (by id) when missing
        self.tokens = dict(tokens or {})  # meeting id -> its outline's token (`outlines_key`)
        self._make_keys: dict[tuple[str, str], str] = {}

    def stored(self, meeting_id: str) -> Path:
        """The pickles of a loaded meeting (`BuildCache.reader`)."""
        return self.meetings_dir / f"{self.digests[meeting_id]}{MEETING_SUFFIX}"

    def turns(self, meeting: Meeting) -> tuple[Turn, ...]:
        from generator.registry import apply_registry

        path = self.stored(meeting.id)
        found = _read_pickles(path, 2)
        if found is None and self.restore is not None:
            self.restore(meeting.id)
            found = _read_pickles(path, 2)
        if found is None or found[0][0] is None or found[0][0].id != meeting.id:
            raise ValueError(f"build cache: {path} does not hold meeting {meeting.id!r}; "
                             "build again with --clean")
        whole = replace(found[0][0], turns=found[1])
        return apply_registry(whole, self.registry).turns  # type: ignore[arg-type]

    def _facts_name(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> str:
        """The facts key (`facts_key`) of a loaded meeting (asked for every
        meeting by every build: string work only)."""
        name = (make.__module__, make.__qualname__)  # (not `make`: it may be a fresh closure)
        key = self._make_keys.get(name)
        if key is None:
            key = self._make_keys[name] = f"{self.salt}-{hash_text(list(name))}"
        return f"{self.digests[meeting.id]}-{key}"

    def _facts_path(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> Path:
        return self.meetings_dir / f"{self._facts_name(meeting, make)}{FACTS_SUFFIX}"

    def is_remembered(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> bool:
        return self._facts_path(meeting, make).is_file()

    def facts_key(self, meeting: Meeting, make: Callable[[Meeting], Any]) -> str | None:
        """The name of the file `remembered` keeps ``make(meeting)`` in: the
        meeting's content hash, the registry, the generator's code and `make`."""
        if meeting.id not in self.digests:
            return None
        return self._facts_name(meeting, make)

    def outlines_key(self, meetings: Iterable[Meeting]) -> str | None:
        """A name for the list of `meetings` (outlines as loading gave them,
        in that order) that changes whenever one of their values does, or
        the registry or the generator's code (None: one is not known). Made
        of the outline store's tokens (`generator.outline_store.StoredOutline`):
        an edit that left a meeting's outline as it was keeps its name."""
        tokens = self.tokens
        names = [self.salt]
        for meeting in meetings:
            token = tokens.get(meeting.id)
            if not token:
                return None
            names.append(f"{meeting.id}\0{token}")
        return hash_text(names)

    def previous_state(self, name: str) -> Any:
        if self.folder is None:
            return None
        found = _read_pickles(self.folder / f"{name}{STATE_SUFFIX}", 1, kept=True)
        return None if found is None else found[0]

    def keep_state(self, name: str, value: object) -> None:
        if self.folder is not None:
            _write_pickles(self.folder / f"{name}{STATE_SUFFIX}", value, kept=True)

    def keeps_state_in_memory(self) -> bool:
        """True in a process that keeps parsed files and holds the project's
        lock: only there are the states it keeps handed back unread
        (`generator.file_memo`)."""
        return self.folder is not None and file_memo.is_on() \
            and holds(os.fspath(self.folder / f"state{STATE_SUFFIX}"))

    def remembered(self, meeting: Meeting, make: Callable[[Meeting], T]) -> T:
        """``make(meeting with its turns)``, stored beside the meeting: a later
        build with the same content, registry and generator code reads it
        back instead of reading the turns."""
        facts = self._facts_path(meeting, make)
        found = _read_pickles(facts, 1)
        if found is not None:
            return found[0]
        value = make(replace(meeting, turns=self.turns(meeting)))
        _write_pickles(facts, value)
        return value


_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
               IndexError, TypeError, ValueError)


def _load_pickles(data: bytes, count: int) -> list[Any]:
    stream = io.BytesIO(data)
    return [pickle.load(stream) for _ in range(count)]


def _read_pickles(path: Path, count: int, kept: bool = False) -> list[Any] | None:
    """The first `count` pickles of the file, or None when it is missing or
    unreadable (a cache file may always be deleted or be of an older layout).
    `kept`: a live preview keeps them parsed for its next build
    (`generator.file_memo`), so every reader of that file must ask for the
    same `count`, and nobody may mutate what it gets."""
    try:
        if kept:
            return file_memo.read(path, partial(_load_pickles, count=count))
        with path.open("rb") as fh:
            return [pickle.load(fh) for _ in range(count)]
    except _UNREADABLE:
        return None


def _write_pickles(path: Path, *values: object, kept: bool = False,
                   packed: tuple | None = None) -> None:
    """Write the values as consecutive pickles, atomically (a concurrent
    reader sees the whole file or none). `kept`: the file is read with
    `kept` too: a live preview's next build gets `values` back without
    reading the file (`generator.file_memo.wrote`; not to be mutated).
    `packed`: what to pickle instead, equal to `values` value for value (one
    object for equal parts: a smaller file); the preview keeps `values`
    themselves, whose objects its next build recognises by identity."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        for value in (values if packed is None else packed):
            pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _STORE_TABLE
            pickler.dump(value)
    os.replace(tmp, path)
    if kept:
        file_memo.wrote(path, list(values))


read_pickles, write_pickles = _read_pickles, _write_pickles  # for the cache's other stores


def read_only(mapping: dict) -> MappingProxyType:
    """Unpickles a read-only mapping of an archive record."""
    return MappingProxyType(mapping)


_STORE_TABLE = {**copyreg.dispatch_table,
                MappingProxyType: lambda proxy: (read_only, (dict(proxy),))}


def _plain(record: Iterable) -> list:
    """A record of the cache state (a dataclass or a tuple) as a JSON list: its
    fields, not copied (`dataclasses.astuple` copies every nested tuple, one
    Python call per item: 0.13-0.16 CPU-s against 0.03 for the speeches CSV's
    10,000 blocks; and one getter per class, not `dataclasses.fields` per record)."""
    getter = _FIELD_GETTERS.get(type(record))
    if getter is None:
        from dataclasses import fields, is_dataclass

        if not is_dataclass(record):
            return list(record)
        names = [f.name for f in fields(record)]  # type: ignore[arg-type]
        if len(names) > 1:
            getter = attrgetter(*names)
        else:  # (attrgetter of one name gives the value, not a tuple)
            getter = lambda found: tuple(getattr(found, n) for n in names)  # noqa: E731
        _FIELD_GETTERS[type(record)] = getter
    return list(getter(record))


_FIELD_GETTERS: dict[type, Callable[[Any], tuple]] = {}  # dataclass -> its fields' values


def _write_json(path: Path, data: object, kept: bool = False) -> None:
    """Write `data` as JSON by an atomic rename. `kept`: the file is read by
    `BuildCache._read_json`, and `data` is what it would parse (JSON types
    only): a live preview's next build gets it back unread (not to be mutated)."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)
    if kept:
        file_memo.wrote(path, data)


# --- templates ---------------------------------------------------------------------

DYNAMIC = "\x00dynamic"  # in a template's references: it names a template by an expression


def template_references(path: Path) -> list[str]:
    """The templates a template extends, includes or imports by name (with
    `DYNAMIC` when it names one by an expression)."""
    from jinja2 import Environment, TemplateSyntaxError, meta

    try:
        found = meta.find_referenced_templates(Environment().parse(
            path.read_text(encoding="utf-8")))
        names = set(found)
    except (TemplateSyntaxError, UnicodeDecodeError):
        names = set()
    return sorted(DYNAMIC if n is None else n for n in names if n != "")


def template_digests(templates_dir: Path, files: FileDigests | None = None,
                     known_refs: dict[str, list[str]] | None = None) -> dict[str, str]:
    """A hash per template name covering the template and every template it
    extends, includes or imports (transitively). A template that names another
    dynamically depends on all of them. `known_refs` maps a template's content
    hash to its references (`template_references`): a template unchanged
    since they were found is not parsed again; those of the others are added."""
    import jinja2

    files = files or FileDigests()
    known_refs = {} if known_refs is None else known_refs
    paths = {p.relative_to(templates_dir).as_posix(): p for p in _files(templates_dir)}
    own = {name: files.digest(path) for name, path in paths.items()}
    refs: dict[str, set[str]] = {}
    for name, path in paths.items():
        key = f"{own[name]}+{jinja2.__version__}"
        if key not in known_refs:
            known_refs[key] = template_references(path)
        names = set(known_refs[key])
        refs[name] = set(paths) if DYNAMIC in names else names
    digests = {}
    for name in paths:
        closure, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in closure:
                closure.add(current)
                todo.extend(refs.get(current, ()))
        digests[name] = _hash_bytes("\n".join(
            f"{n}:{own.get(n, 'missing')}" for n in sorted(closure)).encode())
    return digests


def link_or_copy(source: Path, target: Path) -> None:
    """Put `source`'s file at `target`: a hard link when possible (the old site
    is replaced as a whole, never written in place), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        import shutil

        shutil.copy2(source, target)


def link_tree(source: Path, target: Path) -> None:
    """Hard-link every file under `source` (not hidden ones) to the same place
    under `target`: each folder made once, one system call per file (none
    in a staged site: the files are kept, `generator.output.keep_tree`)."""
    import shutil

    from generator.output import keep_tree

    if keep_tree(source, target):
        return
    for top, dirs, names in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__pycache__"))]
        rel = os.path.relpath(top, source)
        out = os.fspath(target) if rel == "." else os.path.join(target, rel)
        os.makedirs(out, exist_ok=True)
        for name in names:
            if not name.startswith("."):
                try:
                    os.link(f"{top}/{name}", f"{out}/{name}")
                except OSError:
                    shutil.copy2(f"{top}/{name}", f"{out}/{name}")


def hash_text(parts: Iterable[str]) -> str:
    """A short hash of some strings (settings, catalogue) for a fingerprint salt."""
    return _hash_bytes("\x00".join(parts).encode("utf-8"))
