"""Writing output safely: atomic files, an atomically swapped site folder, and
paths that cannot leave the project.

- `atomic_write_bytes` / `atomic_write_text`: the file is written to a temporary
  file in the same folder, flushed to disk and renamed over the target, so a
  reader (or a crash) sees the old file or the new one, never half of one.
- `staged_site`: the files a build writes go into a fresh staging folder
  beside ``site/``; the files it reuses unchanged it names to `keep`. Only
  when the build succeeds is the new site made whole and swapped in: usually
  in the spare tree (``.site-spare``: the site before the current one, which
  shares most files with it) by moving in what differs, else in the staging
  folder by linking the kept files. On Linux the swap is one
  ``renameat2(RENAME_EXCHANGE)`` system call, which exchanges two real
  folders atomically: ``site/`` is the previous complete site until that call
  and the new complete site after it, even if the build is killed (SIGKILL,
  power cut after the sync); the tree swapped out is the next spare.
  Elsewhere it falls back to two renames (no spare) and the next build
  repairs the (microsecond) gap. Leftovers of killed builds are removed by
  the next build. See docs/robustness.md.
- `safe_join`: joins path parts and refuses any result outside a root, whatever
  a transcript put in an id or a name (``..``, ``/``, NUL).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.errors import PlenumError, error

MANIFEST_NAME = ".plenum-manifest"  # written last into a staged site: `sha256sum -c` format
STAGING_INFIX = "-staging-"
OLD_INFIX = "-old-"


def safe_join(root: Path | str, *parts: str | os.PathLike[str]) -> Path:
    """``root / parts...``, refusing (PlenumError) any part with a NUL and any
    result that is not inside `root` once ``..`` and symlinks are resolved."""
    root = Path(root)
    for part in parts:
        if "\x00" in os.fspath(part):
            raise PlenumError(error(
                "refused a path containing a NUL character", str(root),
                text=repr(os.fspath(part)),
                hint="an id or name in the input contains a NUL; fix the input"))
    joined = root.joinpath(*parts)
    base = root.resolve()
    target = joined.resolve()
    if target != base and base not in target.parents:
        raise PlenumError(error(
            "refused to write outside the output folder", str(root), text=str(joined),
            hint="an id, number or name in the input contains '..' or '/'; "
                 "fix the input (output paths must be built from slugs)"))
    return root / target.relative_to(base)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` so that it is always the old or the new file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: Path | str, text: str) -> None:
    """`atomic_write_bytes` of UTF-8 text with LF line endings as given."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staged_site(site_dir: Path | str, durable: bool = True,
                remove_in_background: bool = False, remember: bool = False) -> Iterator[Path]:
    """Yield a fresh, empty staging folder beside `site_dir` for the files
    this build writes; a file it keeps from `site_dir` unchanged is named to
    `keep` (or `keep_tree`) instead of being linked. When the block ends
    without an exception, the new site is made whole and swapped in
    atomically: in the spare tree (the site before the previous one, brought
    up to date with what differs) when that is cheaper, else in the staging
    folder (the kept files linked into it). The site swapped out becomes the
    next build's spare when it shares most of its files with the new one (at
    most half of them were written anew: the spare then costs little disk).
    On an exception nothing is swapped and `site_dir` is left exactly as it
    was. With `remove_in_background`, a tree no longer needed is removed by
    a separate process (the build does not wait for thousands of unlinks).
    With `remember` (a process that alone writes `site_dir` for as long as
    it runs: `build.py serve` holding the project's lock), the manifests it
    writes are kept in memory for its next builds (`_Manifest`)."""
    global _ACTIVE
    site_dir = Path(site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(site_dir)
    staging = site_dir.with_name(f".{site_dir.name}{STAGING_INFIX}{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    build = _Build.start(staging, site_dir, remember)
    build.durable = durable
    _ACTIVE = build
    try:
        yield staging
        _ACTIVE = None
        _finish(build, durable, remove_in_background)
    finally:
        _ACTIVE = None
        build.join_hashing()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@dataclass
class _Build:
    """A staged build: its staging folder, the site it replaces, what that
    site's manifest lists (the files a build may keep, with their lines;
    `known`: that manifest as this process wrote it, when it remembers) and
    the files kept so far (by this process; forked workers log theirs)."""

    staging: Path
    site: Path
    listed: dict[str, str]  # path -> line of the site's manifest
    listed_ns: int  # when that manifest was written
    digest: str  # SHA-256 of that manifest ("": none)
    pid: int
    remember: bool = False
    known: _Manifest | None = None
    kept: set[str] = field(default_factory=set)
    owner: tuple[object, ...] = ()  # the last (previous_site, out_dir) found to be its own
    durable: bool = True
    # path -> (inode, size, mtime, its line, whether flushed): hashed ahead (`hash_ahead`)
    hashed: dict[str, tuple[int, int, int, str, bool]] = field(default_factory=dict)
    hashing: threading.Thread | None = None

    def join_hashing(self) -> None:
        if self.hashing is not None:
            self.hashing.join()
            self.hashing = None

    @classmethod
    def start(cls, staging: Path, site: Path, remember: bool = False) -> _Build:
        listed, written_ns, digest, known = _read_manifest(site, staging, remember)
        return cls(staging, site, listed, written_ns, digest, os.getpid(), remember, known)

    def owns(self, previous_site: Path | str | None, out_dir: Path | str) -> bool:
        """Whether `out_dir` is this build's staging folder and `previous_site`
        the site it replaces (the pair last found so is remembered: `keep` is
        asked ~50,000 times a build with the same two objects)."""
        owner = self.owner
        if owner and owner[0] is previous_site and owner[1] is out_dir:
            return True
        if previous_site is None or os.fspath(out_dir) != os.fspath(self.staging) \
                or os.fspath(previous_site) != os.fspath(self.site):
            return False
        self.owner = (previous_site, out_dir)
        return True


_ACTIVE: _Build | None = None  # the build inside `staged_site` (forked workers inherit it)
_KEPT_LOGS = ".plenum-kept"  # in the staging folder: a file per worker process
_LOG_FDS: dict[int, int] = {}  # pid -> its open log
_PID = os.getpid()  # this process's id (`keep`: no system call a file)


def _forked() -> None:
    global _PID
    _PID = os.getpid()


os.register_at_fork(after_in_child=_forked)


def previous_site_of(out_dir: Path | str) -> Path | None:
    """The site that the staged site being written in `out_dir` replaces
    (the `previous_site` its `keep` takes); None when `out_dir` is not the
    folder of a running `staged_site`."""
    build = _ACTIVE
    if build is None or os.fspath(out_dir) != os.fspath(build.staging):
        return None
    return build.site


def keep(previous_site: Path | str | None, out_dir: Path | str, path: str) -> bool:
    """Record that the file `path` of `previous_site` is, unchanged, the file
    `path` of the site being staged in `out_dir` (instead of linking it
    there); False when that is not a staged site replacing `previous_site`
    or its manifest does not list the file: then link it, as before. Safe in
    forked workers (each appends to its own log in the staging folder)."""
    build = _ACTIVE
    if build is None or path not in build.listed or not build.owns(previous_site, out_dir):
        return False
    pid = _PID
    if pid == build.pid:
        build.kept.add(path)
        return True
    fd = _LOG_FDS.get(pid)
    if fd is None:
        folder = build.staging / _KEPT_LOGS
        folder.mkdir(exist_ok=True)
        fd = _LOG_FDS[pid] = os.open(folder / str(pid),
                                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.write(fd, f"{path}\n".encode())  # unbuffered: a worker may end with os._exit
    return True


def keep_all(previous_site: Path | str | None, out_dir: Path | str, paths: Iterable[str]
             ) -> bool:
    """`keep` of every one of `paths` at once, in this process (the pages a
    rebuild leaves as they were: ~45,000 at 10,000 meetings, one call each
    took ~0.05 s); False, and nothing recorded, when `keep` would return
    False for any of them (not a staged site replacing `previous_site`, a
    forked worker, or a file its manifest does not list): then `keep` or
    link each, as before."""
    build = _ACTIVE
    if build is None or build.pid != _PID or not build.owns(previous_site, out_dir):
        return False
    paths = paths if isinstance(paths, (list, tuple)) else list(paths)
    if not all(map(build.listed.__contains__, paths)):
        return False
    build.kept.update(paths)
    return True


def keep_tree(source: Path | str, target: Path | str) -> bool:
    """`keep` of every file under the folder `source` of the previous site
    that `cache.link_tree` would link to `target` (not hidden ones, nothing
    under ``__pycache__``); False (nothing recorded) when `keep` would be."""
    build = _ACTIVE
    if build is None or build.pid != os.getpid():
        return False
    rel = os.path.relpath(source, build.site)
    if rel.startswith("..") or rel == "." \
            or os.path.normpath(target) != os.path.join(build.staging, rel):
        return False
    prefix = rel.replace(os.sep, "/") + "/"
    for path in build.listed:
        if path.startswith(prefix) and not any(
                part.startswith((".", "__pycache__")) for part in path[len(prefix):].split("/")):
            build.kept.add(path)
    return True


def hash_ahead(out_dir: Path | str) -> None:
    """Start hashing (and, for a durable site, flushing) the files written so
    far into the staged site `out_dir`, in a thread, while the build goes on
    (`generator.sitebuild`: after the feeds, whose speeches CSV of a year is
    ~50 MB at 10,000 meetings, during the search stage: the hash and the
    flush release the interpreter's lock). The manifest then takes the line
    of a file hashed so whose inode, size and modification time are still
    those it was hashed with. Nothing when `out_dir` is not a running
    staged site of this process."""
    build = _ACTIVE
    if build is None or build.pid != os.getpid() or build.hashing is not None \
            or os.fspath(out_dir) != os.fspath(build.staging):
        return
    files, _ = _site_files(build.staging)
    build.hashing = threading.Thread(target=_hash_files, args=(build, files), daemon=True)
    build.hashing.start()


def _hash_files(build: _Build, files: list[tuple[str, int]]) -> None:
    """The work of `hash_ahead`: the files that are not the previous site's
    (a link of it: `_manifest_lines` keeps its line)."""
    old, top = os.fspath(build.site), os.fspath(build.staging)
    for path, inode in files:
        if inode < 0 or path == MANIFEST_NAME or path.startswith(_KEPT_LOGS + "/"):
            continue
        try:
            if path in build.listed:
                st = os.stat(f"{old}/{path}", follow_symlinks=False)
                if st.st_ino == inode and st.st_mtime_ns < build.listed_ns:
                    continue
            before = os.stat(f"{top}/{path}", follow_symlinks=False)
            digest, flushed = _sha256_flushed(f"{top}/{path}", build.durable)
            after = os.stat(f"{top}/{path}", follow_symlinks=False)
        except OSError:
            continue
        key = (after.st_ino, after.st_size, after.st_mtime_ns)
        if key == (before.st_ino, before.st_size, before.st_mtime_ns):
            build.hashed[path] = (*key, f"{digest}  {path}\n", flushed)


def _kept_by_workers(staging: Path) -> set[str]:
    """The paths forked workers kept (their logs, which are then removed)."""
    folder = staging / _KEPT_LOGS
    kept: set[str] = set()
    if folder.is_dir():
        for log in folder.iterdir():
            kept.update(log.read_text(encoding="utf-8").splitlines())
        shutil.rmtree(folder)
    return kept


def _finish(build: _Build, durable: bool, remove_in_background: bool) -> None:
    """Make the new site whole (in the spare tree or in the staging folder),
    write its manifest, flush it and swap it in; keep what was swapped out
    as the next spare, or remove it."""
    staging, site = build.staging, build.site
    build.join_hashing()
    kept = build.kept | _kept_by_workers(staging)
    files, folders = _site_files(staging)
    written = dict(files)
    written.pop(MANIFEST_NAME, None)
    kept.difference_update(written)
    lines, hashed, fresh, changed = _manifest_lines(build, written, kept, durable)
    spare = _claim_spare(site, build.remember)
    target, touched = staging, set(folders)
    differ = None if spare is None else _spare_differs(spare[1], spare[2], lines, build, changed)
    if spare is not None and differ is not None and len(differ) < len(kept):
        touched = _update_spare(spare[0], differ, lines, build, written)
        target = spare[0]
    else:
        if spare is not None:
            _discard(spare[0], site, remove_in_background)
        touched.update(_link_kept(build, kept))
    ordered = build.known is not None and build.known.ordered \
        and len(lines) == len(build.listed) \
        and not any(path not in build.listed for path in written)
    written_manifest = _write_lines(target / MANIFEST_NAME, lines, durable, ordered,
                                    build.remember)
    if durable:  # the new files are on disk before the name points at them
        _sync_folders(sorted(touched), hashed)
    old = _swap(target, site)
    spared = False
    if old is not None:
        if build.digest and fresh * 2 <= len(lines):  # shares most files with the new site
            spared = _make_spare(old, site, build.digest)
        else:
            _discard(old, site, remove_in_background)
            _link_spare(site, lines, durable)  # the next build updates it, not a whole tree
    _fsync_dir(site.parent)
    if build.remember:
        _remember(written_manifest, build, changed, spared)


def _manifest_lines(build: _Build, written: dict[str, int], kept: set[str],
                    synced: bool) -> tuple[dict[str, str], int, int, set[str]]:
    """The new manifest's line of every file, by path: a kept file's is the
    previous manifest's; a written file is hashed (and flushed with `synced`)
    unless it is the previous site's file at that path (the same inode, not
    modified since that manifest was written: a link). The number of files
    hashed, -1 when one could not be flushed so (`_sync_folders`), the
    number of files hashed (new files: the ones the previous site does not
    share) and the paths whose line is not the previous manifest's (or that
    only one of them lists). When every listed file is kept or written again
    (no file removed), the lines are a copy of the previous manifest's, in
    its order."""
    listed, old, top = build.listed, os.fspath(build.site), os.fspath(build.staging)
    removed: list[str] = []
    if len(kept) + sum(1 for path in written if path in listed) == len(listed):
        lines = dict(listed)  # (written files' lines are replaced below)
    else:
        lines = {path: listed[path] for path in kept}
        removed = [path for path in listed if path not in lines and path not in written]
    changed = set(removed)
    hashed = fresh = 0
    for path, inode in written.items():
        line = listed.get(path)
        if line is not None and inode >= 0:
            try:
                st = os.stat(f"{old}/{path}", follow_symlinks=False)
                if st.st_ino != inode or st.st_mtime_ns >= build.listed_ns:
                    line = None
            except OSError:
                line = None
        if line is None or inode < 0:
            line, flushed = _hashed_line(build, top, path, synced)
            hashed = hashed + 1 if hashed >= 0 and flushed else -1
            fresh += 1
        if line != listed.get(path):
            changed.add(path)
        lines[path] = line
    return lines, hashed, fresh, changed


def _hashed_line(build: _Build, top: str, path: str, synced: bool) -> tuple[str, bool]:
    """The manifest line of a written file and whether it was flushed: as
    `hash_ahead` found it while the file is still the one it hashed, else
    hashed now."""
    ahead = build.hashed.get(path)
    if ahead is not None and (ahead[4] or not synced):
        try:
            st = os.stat(f"{top}/{path}", follow_symlinks=False)
            if (st.st_ino, st.st_size, st.st_mtime_ns) == ahead[:3]:
                return ahead[3], ahead[4]
        except OSError:
            pass
    digest, flushed = _sha256_flushed(f"{top}/{path}", synced)
    return f"{digest}  {path}\n", flushed


def _write_lines(manifest: Path, lines: dict[str, str], synced: bool, ordered: bool = False,
                 remember: bool = False) -> _Manifest | None:
    """The manifest: the lines in the order of the files' `Path`s (a folder's
    entries by name; "/" sorts before every character of a name; `ordered`:
    `lines` are in that order already), written to a new file renamed over
    `manifest` (never in place: a spare tree shares files with the site).
    With `remember`, what was written (`_Manifest`, its parent and changes
    still to be named)."""
    order = lines if ordered else sorted(lines, key=_path_order)
    text = "".join([lines[path] for path in order])
    tmp = manifest.with_name(f"{manifest.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        if synced:
            fh.flush()
            os.fsync(fh.fileno())
    st = os.stat(tmp)
    os.replace(tmp, manifest)
    if not remember:
        return None
    return _Manifest((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns),
                     lines if ordered else {path: lines[path] for path in order},
                     hashlib.sha256(text.encode("utf-8")).hexdigest())


def _path_order(path: str) -> str:
    return path.replace("/", "\x00")


def _link_kept(build: _Build, kept: set[str]) -> set[str]:
    """Link every kept file into the staging folder (no usable spare tree);
    the folders that got entries."""
    old, new = f"{build.site}/", f"{build.staging}/"
    folders: set[str] = set()
    for path in kept:
        folder = os.path.dirname(new + path)
        folders.add(folder)
        try:
            os.link(old + path, new + path)
        except OSError:
            os.makedirs(folder, exist_ok=True)
            _link_or_copy(old + path, new + path)
    return folders


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except FileNotFoundError:
        if os.path.lexists(source):
            raise  # the target's folder is missing
        raise SiteChanged(error(
            "a file of the previous site is missing: site/ was changed after the last build",
            source, hint="this build was not swapped in; build again (the next build "
                         "renders every page)")) from None
    except OSError:
        shutil.copy2(source, target)


class SiteChanged(PlenumError):
    """A file the build kept from the previous site is gone."""


# --- the spare tree -------------------------------------------------------------

SPARE_SUFFIX = "-spare"  # `.site-spare`: the site before the current one
MERGING_INFIX = "-merging-"  # a spare tree claimed by a running build
SPARE_MARK = ".plenum-spare"  # in a spare: the SHA-256 of the manifest it was swapped out with


def spare_path(site_dir: Path) -> Path:
    return site_dir.with_name(f".{site_dir.name}{SPARE_SUFFIX}")


def _claim_spare(site: Path, remember: bool = False
                 ) -> tuple[Path, dict[str, str], str] | None:
    """Take the spare tree (rename it to a name of this process: a build
    killed while updating it leaves it to be removed by the next build), the
    lines its manifest lists and that manifest's SHA-256; None when there is
    none, or it is not what a build left (no mark, or a manifest other than
    the one marked): such a tree is removed."""
    claimed = site.with_name(f".{site.name}{MERGING_INFIX}{os.getpid()}")
    try:
        os.rename(spare_path(site), claimed)
    except OSError:
        return None
    try:
        mark = (claimed / SPARE_MARK).read_text(encoding="ascii").strip()
        if claimed.is_symlink() or not claimed.is_dir():
            raise ValueError("not a folder")
        listed, _, digest, _ = _read_manifest(claimed, site, remember)
        if not digest or mark != digest:
            raise ValueError("not the manifest it was kept with")
    except (OSError, ValueError):
        _remove(claimed)
        return None
    return claimed, listed, digest


def _spare_differs(spare: dict[str, str], digest: str, lines: dict[str, str], build: _Build,
                   changed: set[str]) -> list[str]:
    """The paths whose line in the new manifest (`lines`) is not the spare
    tree's (or that only one of them lists): the spare's file operations.
    When the previous manifest is one this process wrote from the spare's
    (`_Manifest.parent`), only the paths either build changed are compared
    (`changed`: this build's); otherwise every path."""
    known = build.known
    if known is not None and known.digest == digest:  # a copy of the site (`_link_spare`)
        return [path for path in changed if spare.get(path) != lines.get(path)]
    if known is not None and known.parent == digest and known.changed is not None:
        return [path for path in known.changed | changed if spare.get(path) != lines.get(path)]
    differ = [path for path, line in lines.items() if spare.get(path) != line]
    differ += [path for path in spare if path not in lines]
    return differ


def _update_spare(spare: Path, differ: list[str], lines: dict[str, str],
                  build: _Build, written: dict[str, int]) -> set[str]:
    """Make the spare tree the new site: of the paths whose lines `differ`
    (`_spare_differs`), remove its files the new site does not have (and
    folders left empty), move in the written files and link in (a new name
    renamed over the old one) the kept files. No file is ever opened for
    writing: the spare shares files with the live site. The folders
    changed."""
    top, new, old = os.fspath(spare), os.fspath(build.staging), os.fspath(build.site)
    touched = {top}
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{top}/{SPARE_MARK}")
    emptied: set[str] = set()
    for path in differ:
        if path not in lines:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{top}/{path}")
            emptied.add(os.path.dirname(f"{top}/{path}"))
    for folder in sorted(emptied, key=len, reverse=True):  # deepest first
        while folder != top:
            try:
                os.rmdir(folder)
            except OSError:
                touched.add(folder)
                break
            folder = os.path.dirname(folder)
        touched.add(folder)
    for path in differ:
        if path in written:
            touched.add(_into(top, path, lambda target, p=path: os.rename(f"{new}/{p}", target)))
        elif path in lines:
            touched.add(_into(top, path, lambda target, p=path: _link_over(f"{old}/{p}", target)))
    return touched


def _into(top: str, path: str, put: Callable[[str], None]) -> str:
    """Run `put` on the file `path` of the tree `top`, making its folders
    first or removing what stands in the way (a folder where a file now is);
    the folder it is in."""
    target = f"{top}/{path}"
    folder = os.path.dirname(target)
    try:
        put(target)
    except FileNotFoundError:
        _make_folders(top, path)
        put(target)
    except (IsADirectoryError, NotADirectoryError):
        _make_folders(top, path)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        put(target)
    return folder


def _make_folders(top: str, path: str) -> None:
    """The folders of `path` under `top`, replacing a file that has a
    folder's name."""
    current = top
    for part in path.split("/")[:-1]:
        current = f"{current}/{part}"
        if os.path.lexists(current) and (os.path.islink(current) or not os.path.isdir(current)):
            os.unlink(current)
        if not os.path.isdir(current):
            os.mkdir(current)


def _link_over(source: str, target: str) -> None:
    """`target` becomes a link to `source`: a new name renamed over it."""
    folder, name = os.path.split(target)
    tmp = f"{folder}/.{name}.plenum-link"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    _link_or_copy(source, tmp)
    os.rename(tmp, target)


def _make_spare(old: Path, site: Path, digest: str) -> bool:
    """Mark the swapped-out site with the digest of its manifest and name it
    the spare (a rename: it is the spare whole, or not at all); whether it
    is."""
    try:
        atomic_write_text(old / SPARE_MARK, digest + "\n")
        spare = spare_path(site)
        if spare.exists() or spare.is_symlink():
            _remove(spare)
        os.rename(old, spare)
    except OSError:
        _remove(old)
        return False
    return True


def _link_spare(site: Path, paths: Iterable[str], durable: bool) -> bool:
    """Make the spare a tree of hard links to every file of `site` (its
    manifest included) when the site swapped out could not be kept as one
    (a clean build, a template change that rewrote most pages): it costs
    directory entries, not a second copy of the files, and the next build
    updates it with what it changes instead of linking every kept file into
    its staging folder (~50,000 links at 10,000 meetings, which the first
    rebuild after a clean build paid). Made under a name of this process,
    marked, then renamed (`_make_spare`): a build killed meanwhile leaves a
    leftover, never a partial spare. Whether it was made."""
    tree = site.with_name(f".{site.name}{MERGING_INFIX}{os.getpid()}")
    top, new = os.fspath(site), os.fspath(tree)
    try:
        if tree.exists() or tree.is_symlink():
            _remove(tree)
        os.mkdir(tree)
        folders = {new}
        for path in (*paths, MANIFEST_NAME):
            folder = os.path.dirname(f"{new}/{path}")
            if folder not in folders:
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            os.link(f"{top}/{path}", f"{new}/{path}")
        if durable:  # its entries on disk before the mark says it is whole
            for folder in sorted(folders):
                _fsync_dir(Path(folder))
        digest = _sha256(tree / MANIFEST_NAME)
    except OSError:
        _remove(tree)
        return False
    return _make_spare(tree, site, digest)


def _discard(folder: Path, site: Path, remove_in_background: bool) -> None:
    if not (remove_in_background and _remove_later(folder, site)):
        _remove(folder)


def write_manifest(folder: Path, previous: Path | None = None, synced: bool = False) -> int:
    """List every file with its SHA-256 (``sha256sum -c`` verifies it), sorted;
    written last, so its presence marks a complete site. A file that is the
    `previous` site's file (hard-linked from it: the same inode at the same
    path) keeps that site's listed line, unless it was modified after that
    manifest was written; only the files this build wrote are read. With
    `synced`, every file it hashes and the manifest are flushed to disk; the
    number of files it hashed, or -1 when a file could not be flushed that
    way (see `_sync_folders`)."""
    return _write_manifest(folder, previous, synced)[0]


def _write_manifest(folder: Path, previous: Path | None, synced: bool) -> tuple[int, list[str]]:
    """`write_manifest`, and the folders of the site (to flush them)."""
    old, written_ns, listed = _listed_lines(previous, folder) if previous is not None \
        else ("", 0, {})
    files, folders = _site_files(folder)
    top = os.fspath(folder)
    lines = []
    hashed = 0
    for rel, inode in files:
        line = listed.get(rel)
        if line is not None and inode >= 0:  # the previous site's file, unchanged since?
            try:
                st = os.stat(f"{old}/{rel}", follow_symlinks=False)
                if st.st_ino != inode or st.st_mtime_ns >= written_ns:
                    line = None
            except OSError:
                line = None
        if line is None or inode < 0:
            if rel == MANIFEST_NAME:
                continue
            digest, flushed = _sha256_flushed(f"{top}/{rel}", synced)
            hashed = hashed + 1 if hashed >= 0 and flushed else -1
            line = f"{digest}  {rel}\n"
        lines.append(line)
    manifest = folder / MANIFEST_NAME
    with manifest.open("w", encoding="utf-8") as fh:
        fh.write("".join(lines))
        if synced:
            fh.flush()
            os.fsync(fh.fileno())
    return hashed, folders


def _sha256_flushed(path: str, flush: bool) -> tuple[str, bool]:
    """The file's SHA-256, and whether it was flushed to disk (asked with
    `flush`: fsync of the descriptor it was read through, which Linux allows)."""
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if not flush:
            return digest, False
        try:
            os.fsync(fh.fileno())
        except OSError:
            return digest, False
    return digest, True


def _sync_folders(folders: list[str], written: int) -> None:
    """Make a staged site durable: the files the build wrote were flushed as
    the manifest hashed them; the files it linked are the previous site's,
    on disk since that build. What is left are the `folders`' entries.
    Should a file not have been flushed (`written` < 0: a system whose fsync
    needs a writable descriptor), everything is synced instead, as before."""
    if written < 0:
        os.sync()
        return
    for top in folders:
        _fsync_dir(Path(top))


def _site_files(folder: Path) -> tuple[list[tuple[str, int]], list[str]]:
    """Every file under `folder` (symlinks to files too, as `Path.is_file`
    says), by path relative to it, in the order of their `Path`s (a folder's
    entries by name, a subfolder's files where its name sorts), with its
    inode (-1 for a symlink: never taken for a linked file); and every
    folder (`folder` first). One listing per folder, no stat per file."""
    files: list[tuple[str, int]] = []
    folders: list[str] = []

    def walk(top: str, prefix: str) -> None:
        folders.append(top)
        found: dict[str, int | str] = {}  # name -> inode, or the path of a subfolder
        with os.scandir(top) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    found[entry.name] = entry.path
                elif entry.is_file():
                    found[entry.name] = -1 if entry.is_symlink() else entry.inode()
        for name in sorted(found):
            kind = found[name]
            if isinstance(kind, str):
                walk(kind, f"{prefix}{name}/")
            else:
                files.append((prefix + name, kind))

    walk(os.fspath(folder), "")
    return files, folders


def _listed_lines(site: Path, folder: Path) -> tuple[str, int, dict[str, str]]:
    """The previous `site` (a path), when its manifest was written, and the
    line that manifest lists for each file, by path (none when `folder` is on
    another device: inodes would not tell). A file of the new site with the
    inode of the previous site's file at its path, not modified since that
    manifest was written, is that file, linked: it keeps its line."""
    try:
        manifest = site / MANIFEST_NAME
        written_ns = manifest.stat().st_mtime_ns
        text = manifest.read_text(encoding="utf-8")
        if site.stat().st_dev != folder.stat().st_dev:
            return "", 0, {}
    except (OSError, UnicodeDecodeError):
        return "", 0, {}
    return os.fspath(site), written_ns, _manifest_lines_by_path(text)


def _read_manifest(site: Path, folder: Path, remember: bool = False
                   ) -> tuple[dict[str, str], int, str, _Manifest | None]:
    """What the manifest of `site` lists (each file's line, by path), when it
    was written, its SHA-256 and (with `remember`) what this process kept of
    it when it wrote it (then it is not read); nothing when there is no
    readable manifest or `folder` is on another device (a link could not be
    made)."""
    manifest = site / MANIFEST_NAME
    try:
        if remember:
            st = os.stat(manifest)
            known = _REMEMBERED.get((st.st_dev, st.st_ino))
            if known is not None and known.key == (st.st_dev, st.st_ino, st.st_size,
                                                   st.st_mtime_ns) \
                    and st.st_dev == os.stat(folder).st_dev:
                return known.lines, st.st_mtime_ns, known.digest, known
        with manifest.open("rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
        if site.stat().st_dev != folder.stat().st_dev:
            return {}, 0, "", None
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}, 0, "", None
    listed, digest = _manifest_lines_by_path(text), hashlib.sha256(data).hexdigest()
    known = _Manifest((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns), listed, digest,
                      ordered=False) if remember else None
    return listed, st.st_mtime_ns, digest, known


@dataclass(frozen=True)
class _Manifest:
    """A manifest this process wrote or read (`staged_site` with
    `remember`): its file's device, inode, size and mtime (a manifest is
    always written anew and renamed: another file has another key), its
    lines by path (never changed: builds share them), whether they are in
    the manifest's order as this process wrote it, its SHA-256, the SHA-256
    of the manifest it was made from and the paths whose lines differ from
    that one (None: not known)."""

    key: tuple[int, int, int, int]
    lines: dict[str, str]
    digest: str
    parent: str = ""
    changed: frozenset[str] | None = None
    ordered: bool = True


_REMEMBERED: dict[tuple[int, int], _Manifest] = {}  # (device, inode) -> what was written


def _remember(written: _Manifest | None, build: _Build, changed: set[str],
              spared: bool) -> None:
    """Keep the manifest just written (of the new site) and the previous
    one when it is now the spare's: the next build reads neither."""
    _REMEMBERED.clear()
    if written is None:
        return
    if build.known is not None and spared:
        _REMEMBERED[build.known.key[:2]] = build.known
    _REMEMBERED[written.key[:2]] = replace(written, parent=build.digest,
                                           changed=frozenset(changed))


def _manifest_lines_by_path(text: str) -> dict[str, str]:
    """Each file's line of a manifest's `text` (newline-ended), by its path."""
    listed = {}
    for line in text.splitlines(keepends=True):
        digest, _, rel = line.partition("  ")
        rel = rel.removesuffix("\n")
        if len(digest) == 64 and rel and rel != MANIFEST_NAME:
            listed[rel] = line if line.endswith("\n") else line + "\n"
    return listed


def _sha256(path: Path | str) -> str:
    """The file's SHA-256, read in blocks (the speeches CSV of a large archive
    is hundreds of megabytes)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def verify_manifest(folder: Path) -> list[str]:
    """Problems with a site folder: missing manifest, missing, changed or
    unlisted files. Empty when the folder is a complete build."""
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        return [f"{folder}: no {MANIFEST_NAME} (incomplete build)"]
    listed: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        listed[rel] = digest
    problems = []
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for rel in sorted(present - set(listed) - {MANIFEST_NAME}):
        problems.append(f"{rel}: not in the manifest")
    for rel, digest in sorted(listed.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{rel}: changed")
    return problems


def swap_in(staging: Path, site_dir: Path, remove_in_background: bool = False) -> None:
    """Make `staging` the new `site_dir`; the previous site is deleted (by
    another process, with `remove_in_background`)."""
    old = _swap(staging, site_dir)
    if old is not None:
        _discard(old, site_dir, remove_in_background)
    _fsync_dir(site_dir.parent)


def _swap(staging: Path, site_dir: Path) -> Path | None:
    """Make `staging` the new `site_dir`: exchanged atomically, after which
    `staging` holds the previous site (returned); where that cannot be done,
    by two renames, removing the previous site (None)."""
    if not site_dir.exists() and not site_dir.is_symlink():
        os.rename(staging, site_dir)
        return None
    if site_dir.is_dir() and not site_dir.is_symlink() and _exchange(staging, site_dir):
        return staging
    old = site_dir.with_name(f".{site_dir.name}{OLD_INFIX}{os.getpid()}")
    os.rename(site_dir, old)
    os.rename(staging, site_dir)  # killed between these two: the next build restores
    _remove(old)
    return None


_REMOVER = """
import os, shutil, sys
folder, mine = sys.argv[1], sys.argv[2] + str(os.getpid())
try:
    os.rename(folder, mine)  # a running build's leftovers are kept by the next build
except OSError:
    mine = folder
shutil.rmtree(mine, ignore_errors=True)
"""


def _remove_later(folder: Path, site_dir: Path) -> bool:
    """Start a detached process that removes `folder` (renamed to an old-site
    name of that process first, so a build starting meanwhile leaves it
    alone); False (nothing done) when it cannot. Should that process die,
    the next build removes the folder (`clean_leftovers`)."""
    old = site_dir.with_name(f".{site_dir.name}{OLD_INFIX}{os.getpid()}")
    try:
        os.rename(folder, old)
    except OSError:  # an old site of this process is still being renamed
        return False
    try:
        subprocess.Popen(  # noqa: S603 - our own interpreter, paths we made
            [sys.executable, "-c", _REMOVER, str(old), str(old).removesuffix(str(os.getpid()))],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
    except OSError:
        _remove(old)
    return True


def clean_leftovers(site_dir: Path) -> None:
    """Remove staging and old folders of builds that are no longer running; if
    a build was killed mid-swap (fallback path only) restore the old site."""
    prefix = f".{site_dir.name}"
    for path in sorted(site_dir.parent.glob(f"{prefix}*")):
        for infix in (STAGING_INFIX, OLD_INFIX, MERGING_INFIX):
            head, _, pid = path.name.partition(infix)
            if head != prefix or not pid.isdigit() or _running(int(pid)):
                continue
            if infix == OLD_INFIX and not site_dir.exists() and not site_dir.is_symlink():
                os.rename(path, site_dir)
            else:
                _remove(path)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE). False
    when the system or file system cannot; then nothing has changed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
