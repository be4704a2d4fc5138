"""Writing output safely: atomic files, an atomically swapped site folder, and
paths that cannot leave the project.

- `atomic_write_bytes` / `atomic_write_text`: the file is written to a temporary
  file in the same folder, flushed to disk and renamed over the target, so a
  reader (or a crash) sees the old file or the new one, never half of one.
- `staged_site`: the whole site is rendered into a fresh staging folder beside
  ``site/``; only when the build succeeds is it swapped in. On Linux the swap is
  one ``renameat2(RENAME_EXCHANGE)`` system call, which exchanges two real
  folders atomically: ``site/`` is the previous complete site until that call
  and the new complete site after it, even if the build is killed (SIGKILL,
  power cut after the sync). Elsewhere it falls back to two renames and the
  next build repairs the (microsecond) gap. Leftovers of killed builds are
  removed by the next build. See docs/robustness.md.
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
from collections.abc import Iterator
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
                remove_in_background: bool = False) -> Iterator[Path]:
    """Yield a fresh, empty staging folder beside `site_dir`; when the block
    ends without an exception, write the manifest into it and swap it in
    atomically. On an exception the staging folder is removed and `site_dir`
    is left exactly as it was. With `remove_in_background`, the previous site
    is removed by a separate process after the swap (the build does not wait
    for thousands of unlinks)."""
    site_dir = Path(site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(site_dir)
    staging = site_dir.with_name(f".{site_dir.name}{STAGING_INFIX}{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        yield staging
        written, folders = _write_manifest(staging, site_dir, synced=durable)
        if durable:  # the new files are on disk before the name points at them
            _sync_folders(folders, written)
        swap_in(staging, site_dir, remove_in_background)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


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
    listed = {}
    for line in text.splitlines(keepends=True):
        digest, _, rel = line.partition("  ")
        rel = rel.removesuffix("\n")
        if len(digest) == 64 and rel and rel != MANIFEST_NAME:
            listed[rel] = line if line.endswith("\n") else line + "\n"
    return os.fspath(site), written_ns, listed


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
    if not site_dir.exists() and not site_dir.is_symlink():
        os.rename(staging, site_dir)
    elif site_dir.is_dir() and not site_dir.is_symlink() and _exchange(staging, site_dir):
        # `staging` now holds the previous site
        if not (remove_in_background and _remove_later(staging, site_dir)):
            shutil.rmtree(staging)
    else:
        old = site_dir.with_name(f".{site_dir.name}{OLD_INFIX}{os.getpid()}")
        os.rename(site_dir, old)
        os.rename(staging, site_dir)  # killed between these two: the next build restores
        _remove(old)
    _fsync_dir(site_dir.parent)


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
        for infix in (STAGING_INFIX, OLD_INFIX):
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
