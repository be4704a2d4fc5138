"""The build cache: what the last build read and wrote, keyed by content hashes,
so the next build redoes only what changed.

Everything lives in ``<project>/.plenum-cache/`` and may be deleted at any time
(``build --clean`` ignores it):

- ``digests.json``: a content hash per input file, reused while the file's size
  and modification time are unchanged (as git's index does), so a build hashes
  only the files that changed;
- ``meetings/<hash>.pickle``: the parsed `Meeting` of a content file, so an
  unchanged file is never parsed twice;
- ``state.json``: the hashes of every input of the last good build (content,
  templates, static files, settings, catalogue, the generator's own code) and a
  fingerprint per page. A page's fingerprint hashes its template (with every
  template it extends, includes or imports) and its whole context, with each
  meeting in it replaced by its content hash: two equal fingerprints mean the
  same bytes, so an unchanged page is linked from the previous site instead of
  rendered. Correct by construction: a page is skipped only when nothing it
  shows can have changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from generator.config import CONFIG_FILE, Project
from generator.model import Meeting

CACHE_DIR = ".plenum-cache"
FORMAT = 1  # bump when the layout of the cache changes
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
    if not folder.is_dir():
        return []
    found = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        found += [Path(top, n) for n in names
                  if not n.startswith(".") and (not suffixes or n.endswith(suffixes))]
    return sorted(found)


class FileDigests:
    """Content hashes of files, recomputed only when size or mtime changed."""

    def __init__(self, known: Mapping[str, list] | None = None):
        self.known: dict[str, list] = dict(known or {})
        self.used: dict[str, list] = {}

    def digest(self, path: Path) -> str:
        key = str(path)
        stat = path.stat()
        entry = self.known.get(key)
        if entry is None or entry[0] != stat.st_size or entry[1] != stat.st_mtime_ns:
            entry = [stat.st_size, stat.st_mtime_ns, _hash_file(path)]
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

    def __init__(self, project: Project, clean: bool = False):
        self.project = project
        self.folder = project.root / CACHE_DIR
        state = {} if clean else self._read_json("state.json")
        if state.get("format") != FORMAT:
            state = {}
        self.previous_inputs: dict[str, str] = state.get("inputs", {})
        self.previous_pages: dict[str, str] = state.get("pages", {})
        self.previous_site: list | None = state.get("site")
        self.files = FileDigests({} if clean else self._read_json("digests.json"))
        self.meeting_digests: dict[int, str] = {}  # id(Meeting) -> content hash
        self.pages: dict[str, str] = {}  # fingerprints of this build's pages
        self._version: str | None = None

    # --- inputs --------------------------------------------------------------------

    def _read_json(self, name: str) -> dict:
        try:
            return json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = generator_version()
        return self._version

    def input_digests(self) -> dict[str, str]:
        """A hash per input of the site build, by path relative to the project."""
        project = self.project
        paths = [*_files(project.content_dir), *_files(project.templates_dir),
                 *_files(project.static_dir)]
        if (project.root / CONFIG_FILE).is_file():
            paths.append(project.root / CONFIG_FILE)
        digests = {project.display(p): self.files.digest(p) for p in paths}
        digests["<generator>"] = self.version
        return digests

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

    def changed_inputs(self, inputs: Mapping[str, str]) -> list[str]:
        """Inputs added, changed or removed since the last good build."""
        keys = set(inputs) | set(self.previous_inputs)
        return sorted(k for k in keys if inputs.get(k) != self.previous_inputs.get(k))

    # --- parsed meetings -----------------------------------------------------------

    def load_meeting(self, path: Path, parse: Callable[[Path], object]) -> object:
        """`parse(path)` (whatever it returns: a Meeting, or a result holding
        meetings and diagnostics), from the cache when the file is unchanged."""
        digest = self.files.digest(path)
        stored = self.folder / "meetings" / f"{digest}.pickle"
        result = None
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
            result = pickle.loads(stored.read_bytes())
        if result is None:
            result = parse(path)
            stored.parent.mkdir(parents=True, exist_ok=True)
            tmp = stored.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, stored)
        self.remember_meetings(result, digest)
        return result

    def remember_meetings(self, result: object, digest: str) -> None:
        """Note which content hash the meetings in `result` came from."""
        items = result if isinstance(result, (list, tuple)) else [result]
        for item in items:
            if isinstance(item, Meeting):
                self.meeting_digests[id(item)] = digest
            for meeting in getattr(item, "meetings", ()) or ():
                if isinstance(meeting, Meeting):
                    self.meeting_digests[id(meeting)] = digest

    # --- pages ---------------------------------------------------------------------

    def page_fingerprint(self, path: str, template_digest: str, context: object,
                         salt: str = "") -> str | None:
        """The page's fingerprint (None if its context cannot be hashed, which
        only means it is always rendered)."""
        buffer = io.BytesIO()
        pickler = _Fingerprinter(buffer, self.meeting_digests)
        try:
            pickler.dump((path, template_digest, salt, context))
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        fingerprint = _hash_bytes(buffer.getvalue())
        self.pages[path] = fingerprint
        return fingerprint

    def page_unchanged(self, path: str, fingerprint: str | None) -> bool:
        """The previous build wrote this page from the same fingerprint."""
        return fingerprint is not None and self.previous_pages.get(path) == fingerprint

    def reuse_pages(self, pages: Sequence[object], template_hashes: Mapping[str, str],
                    salt: str, out_dir: Path, previous_site: Path | None) -> list[int]:
        """Fingerprint every page; put each unchanged one in `out_dir` as a link
        to its file in `previous_site`. The indices of the pages left to render."""
        todo = []
        for index, page in enumerate(pages):
            path, template = page.path, page.template  # type: ignore[attr-defined]
            fingerprint = self.page_fingerprint(path, template_hashes.get(template, ""),
                                                page.context, salt)  # type: ignore[attr-defined]
            old = previous_site / path if previous_site is not None else None
            if old is not None and self.page_unchanged(path, fingerprint) and old.is_file():
                link_or_copy(old, out_dir / path)
            else:
                todo.append(index)
        return todo

    def forget_page(self, path: str) -> None:
        """Do not trust this page next time (it failed to render)."""
        self.pages.pop(path, None)

    # --- saving --------------------------------------------------------------------

    def save(self, inputs: Mapping[str, str], pages: Mapping[str, str] | None = None) -> None:
        """Record a good build (call after the site is in place)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        state = {"format": FORMAT, "inputs": dict(inputs),
                 "pages": dict(self.pages if pages is None else pages),
                 "site": self.site_stamp()}
        _write_json(self.folder / "state.json", state)
        _write_json(self.folder / "digests.json", self.files.used)
        self._prune_meetings()

    def invalidate(self) -> None:
        """Forget the last good build (after a failed one): the next build
        re-checks every page."""
        with contextlib.suppress(OSError):
            (self.folder / "state.json").unlink()

    def _prune_meetings(self) -> None:
        keep = {entry[2] for entry in self.files.used.values()}
        folder = self.folder / "meetings"
        if not folder.is_dir():
            return
        for stored in folder.glob("*.pickle"):
            if stored.stem not in keep:
                with contextlib.suppress(OSError):
                    stored.unlink()


class _Fingerprinter(pickle.Pickler):
    """Pickles a context, writing each known meeting as its content hash."""

    def __init__(self, file: io.BytesIO, meeting_digests: Mapping[int, str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.meeting_digests = meeting_digests

    def persistent_id(self, obj: object) -> str | None:
        if type(obj) is Meeting:
            return self.meeting_digests.get(id(obj))
        return None


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


# --- templates ---------------------------------------------------------------------

def template_digests(templates_dir: Path, files: FileDigests | None = None) -> dict[str, str]:
    """A hash per template name covering the template and every template it
    extends, includes or imports (transitively). A template that names another
    dynamically depends on all of them."""
    from jinja2 import Environment, TemplateSyntaxError, meta

    files = files or FileDigests()
    env = Environment()
    paths = {p.relative_to(templates_dir).as_posix(): p for p in _files(templates_dir)}
    own = {name: files.digest(path) for name, path in paths.items()}
    refs: dict[str, set[str]] = {}
    for name, path in paths.items():
        try:
            found = meta.find_referenced_templates(env.parse(path.read_text(encoding="utf-8")))
            names = set(found)
        except (TemplateSyntaxError, UnicodeDecodeError):
            names = set()
        refs[name] = set(paths) if None in names else {n for n in names if n}
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


def hash_text(parts: Iterable[str]) -> str:
    """A short hash of some strings (settings, catalogue) for a fingerprint salt."""
    return _hash_bytes("\x00".join(parts).encode("utf-8"))
