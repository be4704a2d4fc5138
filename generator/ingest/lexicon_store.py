"""The wordfreq lists the hyphenation repair reads (Dutch and English), copied
once into an indexed SQLite file, for an import that parses a few transcripts.

A transcript asks about a few dozen word forms; loading the lists for them
(importing wordfreq, decompressing two lists, building two dicts of 300,000
words) takes about a second, looking them up in this file a few milliseconds.
An import of many transcripts still loads the lists (before forking, so its
workers share them). The two give the same frequencies: the file keeps each
word's wordfreq bucket, and a word listed in two buckets keeps the later one,
as the dict built from the lists does.

    LexiconStore.open(folder) -> LexiconStore | None
    store.frequency(word, lang) -> float     (0.0: not a listed word)

It lives in the user's cache folder (`default_folder`: ``$PLENUM_CACHE_DIR``,
else ``$XDG_CACHE_HOME/plenum``, else ``~/.cache/plenum``), since it depends on
the installed wordfreq only and every project can share it. The file is named
by a hash of wordfreq's data files (names, sizes, mtimes) and `FORMAT`; it is
written under a temporary name and renamed, so a reader never sees half of it,
and files of other data are removed when a new one is made.
Anything that goes wrong (no wordfreq, an unwritable folder, a corrupt file)
gives None, and the caller loads the lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sqlite3
from pathlib import Path

FORMAT = 1
LANGUAGES = ("nl", "en")
PREFIX = "lexicon-"
SUFFIX = ".sqlite"


def default_folder() -> Path:
    """The user's cache folder for Plenum (see the module doc)."""
    if os.environ.get("PLENUM_CACHE_DIR"):
        return Path(os.environ["PLENUM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "plenum"


def _data_files() -> list[Path]:
    """wordfreq's list files of `LANGUAGES`, found without importing wordfreq
    (which takes a third of a second)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return []
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return sorted(p for lang in LANGUAGES for p in data.glob(f"*_{lang}.msgpack.gz"))


def store_name() -> str | None:
    """The file name of the store for the installed wordfreq data (None: none found)."""
    files = _data_files()
    if not files:
        return None
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for path in files:
        st = path.stat()
        digest.update(f"{path.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return f"{PREFIX}{digest.hexdigest()[:16]}{SUFFIX}"


def frequency_of_bucket(index: int) -> float:
    """A word's frequency from its bucket: ``wordfreq.cB_to_freq(-index)``."""
    return 10 ** (-index / 100)


def build_store(path: Path) -> None:
    """Write the store to `path` (atomically) from wordfreq's lists."""
    import wordfreq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE words (lang TEXT, word TEXT, bucket INTEGER, "
                       "PRIMARY KEY (lang, word)) WITHOUT ROWID")
            for lang in LANGUAGES:
                buckets = {}
                for index, bucket in enumerate(wordfreq.get_frequency_list(lang)):
                    buckets.update(dict.fromkeys(bucket, index))  # a later bucket wins
                db.executemany("INSERT INTO words VALUES (?, ?, ?)",
                               ((lang, word, index) for word, index in sorted(buckets.items())))
            db.commit()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class LexiconStore:
    """An open store. Not shared across a fork: `open` it in each process."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    @classmethod
    def open(cls, folder: Path) -> LexiconStore | None:
        """The store under `folder`, made first if there is none for the
        installed data; None when it cannot be made or read."""
        name = store_name()
        if name is None:
            return None
        path = folder / name
        try:
            if not path.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                build_store(path)
                for other in folder.glob(f"{PREFIX}*{SUFFIX}"):
                    if other.name != name:
                        other.unlink(missing_ok=True)
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            db.execute("SELECT bucket FROM words WHERE lang = ? AND word = ?", ("nl", "de"))
        except (OSError, sqlite3.Error, ImportError):
            return None
        return cls(db)

    def frequency(self, word: str, lang: str) -> float:
        """The word's frequency in `lang` as wordfreq's lists give it (0.0: unknown)."""
        row = self._db.execute("SELECT bucket FROM words WHERE lang = ? AND word = ?",
                               (lang, word)).fetchone()
        return 0.0 if row is None else frequency_of_bucket(row[0])
