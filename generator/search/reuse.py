"""Index files the last build wrote with the same bytes are hard-linked, not
written again.

A one-meeting change leaves most of the ~4,600 index files as they were (the
record files of other meetings, the term shards and deep-tier files whose
terms' scores did not move). The cache keeps a hard link to every file the
last build put into the index (`farm`) and, per file, a hash of its bytes and
the link's inode, size and mtime. A file whose new bytes hash the same is
linked from the farm instead of written: the same inode as the previous
site's file, so the site manifest reuses that file's listed hash instead of
reading it again (`generator.output.write_manifest`). A farm file changed
since (other inode, size or mtime) is never linked. When `out` is a folder
of a staged site (`generator.output.staged_site`) and the previous site's
file is the farm's (the same inode, size and mtime), the file is kept
(`generator.output.keep`), not linked: the ~4,900 files a one-meeting
change leaves as they were cost one stat each, not a link here and the
staged site's work on each link.

A file's hash is its SHA-256, the hash the site's manifest lists: when the
previous site's file is another file with the bytes the farm's link holds
(a clean build over a site: the swap kept the old site's files whose bytes
it wrote again), the manifest's line tells so without reading the file
(`OutputFiles._adopt`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
from dataclasses import dataclass
from pathlib import Path

from generator import file_memo, output

INDEX_NAME = "index.pickle"
FORMAT = 3  # 2: each file as a plain tuple (a dataclass took ~10x longer to pickle);
# 3: the digest is the SHA-256 (BLAKE2b before), as the site's manifest lists it


@dataclass(frozen=True)
class Stored:
    """What the farm's link of one file held when it was stored."""

    digest: bytes
    size: int
    inode: int
    mtime_ns: int


def _digest(data: bytes) -> bytes:
    """The SHA-256 of `data`: the manifest's hash (and, with the CPU's SHA
    instructions, twice as fast here as BLAKE2b)."""
    return hashlib.sha256(data).digest()


class OutputFiles:
    """Writes the index files into `out`; with a `farm` folder, files whose
    bytes the last build wrote too are linked from it (see the module doc)."""

    def __init__(self, out: Path, farm: Path | None = None):
        self.out = out
        self.farm = farm
        self.linked = 0
        self.adopted = 0  # farm links made the previous site's files (`_adopt`)
        self._known: dict[str, Stored] = {} if farm is None else _read_index(farm)
        self._now: dict[str, Stored] = {}
        self._folders: set[Path] = set()  # farm folders known to exist
        self._staged = _staged_site_of(out)
        self._site_has: set[str] = set()  # files the previous site holds as the farm did
        self._listed: dict[str, str] | None = None  # the previous site's manifest (`_listed_hash`)
        self._listed_ns = 0  # when that manifest was written

    def write(self, rel: str, data: bytes) -> None:
        """Puts `data` at `rel` under `out`."""
        target = self.out / rel
        if self.farm is None:
            target.write_bytes(data)
            return
        digest = _digest(data)
        known = self._known.get(rel)
        if known is not None and known.digest == digest and known.size == len(data):
            source = self.farm / rel
            with contextlib.suppress(OSError):
                st = source.stat()
                if (st.st_ino, st.st_size, st.st_mtime_ns) == (known.inode, known.size,
                                                              known.mtime_ns):
                    if not self._kept_in_site(rel, known):
                        os.link(source, target)
                    self._now[rel] = self._known[rel]  # (the site's link, when adopted)
                    self.linked += 1
                    return
        target.write_bytes(data)
        with contextlib.suppress(OSError):
            st = target.stat()
            self._keep(target, rel, known is not None)
            self._now[rel] = Stored(digest, len(data), st.st_ino, st.st_mtime_ns)

    def can_keep(self, rel: str) -> bool:
        """Whether the farm holds the last build's `rel`, unchanged since
        (or the previous site does, when `out` is a folder of a staged
        site: see the module doc)."""
        known = self._known.get(rel)
        if known is None or self.farm is None:
            return False
        if self._in_site(rel, known):
            return True
        try:
            st = os.stat(f"{self.farm}/{rel}")  # not pathlib: ~5,000 files a build
        except OSError:
            return False
        return (st.st_ino, st.st_size, st.st_mtime_ns) == (known.inode, known.size, known.mtime_ns)

    def kept_text(self, rel: str) -> str:
        """The last build's `rel` (one that `can_keep`)."""
        assert self.farm is not None
        if rel in self._site_has:
            return self._site_path(rel).read_text(encoding="utf-8")
        return (self.farm / rel).read_text(encoding="utf-8")

    def keep(self, rel: str) -> int:
        """Puts the last build's `rel` (one that `can_keep`) at `rel` under
        `out` (kept from the previous site when that is the farm's file:
        see the module doc); returns its size."""
        assert self.farm is not None
        known = self._known[rel]
        self.linked += 1
        in_site = self._in_site(rel, known)
        known = self._now[rel] = self._known[rel]  # (the site's link, when adopted)
        if not in_site:
            os.link(f"{self.farm}/{rel}", f"{self.out}/{rel}")
        elif not self._kept_in_site(rel, known):
            os.link(self._site_path(rel), f"{self.out}/{rel}")  # the farm's file too
        return known.size

    def _site_path(self, rel: str) -> Path:
        assert self._staged is not None
        previous, _, prefix = self._staged
        return previous / f"{prefix}{rel}"

    def _in_site(self, rel: str, known: Stored) -> bool:
        """Whether the previous site's `rel` is the farm's file as `known`
        (the same inode, size and mtime; remembered for `keep`)."""
        if rel in self._site_has:
            return True
        if self._staged is None:
            return False
        previous, _, prefix = self._staged
        site_file = f"{previous}/{prefix}{rel}"
        try:
            st = os.stat(site_file, follow_symlinks=False)
        except OSError:
            return False
        if (st.st_ino, st.st_size, st.st_mtime_ns) != (known.inode, known.size, known.mtime_ns) \
                and not self._adopt(rel, known, site_file, st):
            return False
        self._site_has.add(rel)
        return True

    def _adopt(self, rel: str, known: Stored, site_file: str, st: os.stat_result) -> bool:
        """When the previous site's `rel` is another file with the farm's
        bytes, make the farm's link that file (and `known` its inode, size and
        mtime) and return True. A staged site whose new file has the bytes of
        the old one keeps the old one (`generator.output`'s spare), so a
        build that wrote the index afresh (a clean build over a site) left
        the farm with files the site does not share: without this, every
        later build linked each of them into the site again (~4,600 links at
        1,000 meetings), and the staged site hashed each as a new file."""
        if not stat.S_ISREG(st.st_mode) or st.st_size != known.size or self.farm is None:
            return False
        try:
            listed = self._listed_hash(rel, st)
            if listed is None:  # (not listed, or changed since): read it
                with open(site_file, "rb") as fh:
                    if _digest(fh.read()) != known.digest:
                        return False
            elif listed != known.digest.hex():
                return False
            folder, _, name = f"{self.farm}/{rel}".rpartition("/")  # (not pathlib: ~4,900
            tmp = f"{folder}/.{name}.{os.getpid()}.tmp"  # files after a clean build)
            os.link(site_file, tmp)
            os.replace(tmp, f"{folder}/{name}")
        except OSError:
            return False
        self._known[rel] = Stored(known.digest, st.st_size, st.st_ino, st.st_mtime_ns)
        self.adopted += 1
        return True

    def _listed_hash(self, rel: str, st: os.stat_result) -> str | None:
        """The SHA-256 (hex) the previous site's manifest lists for `rel`,
        whose file is `st`, if that file was not modified since the manifest
        was written (the rule by which `generator.output` reuses a linked
        file's line); None when not known so. The manifest is read once (its
        lines of this folder only): ~5 MB at 10,000 meetings, where reading
        and hashing the ~4,900 index files it tells about took seconds."""
        if self._listed is None:
            self._listed = {}
            previous, _, prefix = self._staged  # type: ignore[misc]
            with contextlib.suppress(OSError, UnicodeDecodeError):
                with open(previous / output.MANIFEST_NAME, "rb") as fh:
                    self._listed_ns = os.fstat(fh.fileno()).st_mtime_ns
                    text = fh.read().decode("utf-8")
                marker = f"  {prefix}"
                for line in text.split("\n"):
                    if line[64:66 + len(prefix)] == marker:
                        self._listed[line[66 + len(prefix):]] = line[:64]
        if st.st_mtime_ns >= self._listed_ns:
            return None
        return self._listed.get(rel)

    def _kept_in_site(self, rel: str, known: Stored) -> bool:
        """Whether the previous site's `rel` is the farm's file as `known`
        and is now kept by the staged site `out` is a folder of."""
        if not self._in_site(rel, known):
            return False
        previous, root, prefix = self._staged  # type: ignore[misc]
        return output.keep(previous, root, prefix + rel)

    def _keep(self, target: Path, rel: str, replacing: bool) -> None:
        """Links `target` into the farm as `rel`."""
        assert self.farm is not None
        kept = self.farm / rel
        if kept.parent not in self._folders:
            kept.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(kept.parent)
        if not replacing:
            with contextlib.suppress(FileExistsError):
                os.link(target, kept)
                return
        tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
        os.link(target, tmp)
        os.replace(tmp, kept)

    def close(self) -> None:
        """Saves what the farm holds now and removes the files no longer part
        of the index."""
        if self.farm is None:
            return
        for rel in self._known.keys() - self._now.keys():
            with contextlib.suppress(OSError):
                (self.farm / rel).unlink()
        tmp = self.farm / f".{INDEX_NAME}.{os.getpid()}.tmp"
        with tmp.open("wb") as f:
            pickle.dump((FORMAT, {rel: astuple_of(known) for rel, known in self._now.items()}),
                        f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.farm / INDEX_NAME)
        file_memo.wrote(self.farm / INDEX_NAME, (FORMAT, self._now))


def _staged_site_of(out: Path) -> tuple[Path, Path, str] | None:
    """The previous site, the staging folder and the path of `out` in it
    (ending in "/"), when `out` is a folder of a staged site."""
    root = out.parent
    previous = output.previous_site_of(root)
    return None if previous is None else (previous, root, f"{out.name}/")


def _read_index(farm: Path) -> dict[str, Stored]:
    """What the farm holds (kept parsed between the builds of `build.py
    serve`: never changed in place)."""
    try:
        found = file_memo.read(farm / INDEX_NAME, parse_index)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        return {}
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == FORMAT
            and isinstance(found[1], dict)):
        return {}
    return found[1]


def astuple_of(known: Stored) -> tuple[bytes, int, int, int]:
    return (known.digest, known.size, known.inode, known.mtime_ns)


def parse_index(data: bytes) -> object:
    """The farm's index file as `OutputFiles.close` was given it (what
    `file_memo` keeps for the next build of a live preview)."""
    found = pickle.loads(data)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == FORMAT \
            and isinstance(found[1], dict):
        return (FORMAT, {rel: Stored(*entry) for rel, entry in found[1].items()})
    return found
