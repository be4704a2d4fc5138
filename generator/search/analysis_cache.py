"""A per-meeting cache of analysed search records, so a rebuild after one
meeting changed analyses only that meeting.

What counting makes of a meeting's records (per record: its terms with their
frequencies in half-units, and its length in tokens) depends only on what is
counted of each record (heading and text, speaker, party) and on the analysis
(the code of `analysis.py` and `index.py`, the compound lexicon, the weights).
An entry is stored under a hash of exactly that, one file per meeting, so it
never needs invalidating: a changed meeting or analysis gets a new key, and
`prune` removes the keys a build did not use. The global part of the build
(BM25, tiers, encoding) runs on every build; it needs every posting.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = 1
SUFFIX = ".counts.pickle"
ROWS_SUFFIX = ".rows.pickle"


@dataclass(frozen=True)
class CountedMeeting:
    """The postings of one meeting's records: `terms` are the meeting's distinct
    terms; per posting, the index of its term, the record within the
    meeting and the tf, sorted by term then record; `doc_len` per record."""

    terms: list[str]
    term_index: np.ndarray  # uint32
    docs: np.ndarray  # uint32
    tfs: np.ndarray  # uint8
    doc_len: np.ndarray  # uint32


@dataclass(frozen=True)
class RecordRows:
    """What the index keeps of one meeting's records besides their terms, per
    record: its facets (speaker id, speaker, party, year, kind, type) and its
    row of the record files as JSON, cut where the speaker's number goes (the
    archive numbers speakers)."""

    rows: list[tuple[str, str, str, str, str, str, str, str]]


def analysis_salt(splitter: object | None, weights: Sequence[object]) -> str:
    """What, besides a record's text, decides its counted terms: the analysis
    and counting code, the compound lexicon and the weights."""
    digest = hashlib.blake2b(f"format-{FORMAT}".encode(), digest_size=16)
    here = Path(__file__).resolve().parent
    for name in ("analysis.py", "index.py", "records.py"):
        digest.update((here / name).read_bytes())
    digest.update(repr(tuple(weights)).encode())
    lexicon = getattr(splitter, "lexicon", None)
    if splitter is None:
        digest.update(b"no-splitter")
    else:  # a `Lexicon`'s digest, made once per lexicon
        digest.update((lexicon.digest() if hasattr(lexicon, "digest") else repr(lexicon)).encode())
    return digest.hexdigest()


class AnalysisCache:
    """Counted meetings stored as files in `folder`, keyed by content."""

    def __init__(self, folder: Path, salt: str):
        self.folder = folder
        self.salt = salt
        self.used: set[str] = set()
        folder.mkdir(parents=True, exist_ok=True)

    def key(self, inputs: Sequence[tuple[str, str, str]]) -> str:
        """The key of a meeting whose records count (text, speaker, party)."""
        parts = [part for fields in inputs for part in fields]
        digest = hashlib.blake2b(self.salt.encode(), digest_size=20)
        digest.update(array("q", map(len, parts)).tobytes())  # the lengths: unambiguous
        digest.update("".join(parts).encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()
        self.used.add(key)
        return key

    def use(self, key: str) -> str:
        """`key` (made elsewhere) is used by this build."""
        self.used.add(key)
        return key

    def _path(self, key: str) -> Path:
        return _entry_path(self.folder, key)

    def get_rows(self, key: str) -> RecordRows | None:
        try:
            with (self.folder / f"{key}{ROWS_SUFFIX}").open("rb") as f:
                found = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            return None
        return found if isinstance(found, RecordRows) else None

    def put_rows(self, key: str, rows: RecordRows) -> None:
        _store_pickle(self.folder / f"{key}{ROWS_SUFFIX}", rows)

    def get(self, key: str) -> CountedMeeting | None:
        try:
            with self._path(key).open("rb") as f:
                found = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            return None
        return found if isinstance(found, CountedMeeting) else None

    def put(self, key: str, counted: CountedMeeting) -> None:
        store(self.folder, key, counted)

    def forget(self, keys: Iterable[str]) -> None:
        """Removes the entries of `keys` this build did not use: after a
        build that used the entries of the last one but for `keys`, the
        cache is what `prune` leaves (the fast path of a rebuild: listing
        the ~20,000 entries at 10,000 meetings took ~0.05 s). Entries a
        killed build left stay until the next `prune`."""
        for key in keys:
            if key not in self.used:
                for suffix in (SUFFIX, ROWS_SUFFIX):
                    with contextlib.suppress(OSError):
                        os.unlink(self.folder / f"{key}{suffix}")

    def prune(self) -> None:
        """Removes the entries this build did not use (meetings removed or
        changed, an older analysis) and stray temporary files."""
        used = {f"{key}{suffix}" for key in self.used for suffix in (SUFFIX, ROWS_SUFFIX)}
        with os.scandir(self.folder) as listing:  # file types without a stat each
            for stored in listing:
                if stored.name in used or stored.is_dir():
                    continue  # used, or not an entry (the index files kept by `reuse`)
                with contextlib.suppress(OSError):
                    os.unlink(stored.path)


def _entry_path(folder: Path, key: str) -> Path:
    return folder / f"{key}{SUFFIX}"


def store(folder: Path, key: str, counted: CountedMeeting) -> None:
    """Stores an entry (written to a temporary file, then renamed: a killed
    build leaves no half-written entry under a key). Counting workers call it."""
    _store_pickle(_entry_path(folder, key), counted)


def _store_pickle(path: Path, value: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def split_batch(names: Sequence[str], terms: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                doc_len: np.ndarray, bounds: Sequence[tuple[int, int]]
                ) -> list[CountedMeeting]:
    """Cuts a counted batch (postings by term id, `names` naming the ids) into
    the meetings whose records are [a, b) of the batch (consecutive ranges,
    in order, as a counting worker's segments are).

    A batch as `_TermCounter.count` makes it is sorted by term, then record:
    a meeting's postings are then those of its records in the batch's order,
    so one stable sort by meeting and a pass over the term changes make every
    meeting's (what a sort and a `np.unique` per meeting made: ~10% of a
    search worker's time in a clean build). Anything else is cut per meeting
    (`_split_each`)."""
    n = len(terms)
    starts = np.array([a for a, _ in bounds], np.int64)
    ends = np.array([b for _, b in bounds], np.int64)
    t = terms.astype(np.int64)
    d = docs.astype(np.int64)
    if n and (not (np.all(starts[1:] == ends[:-1]) and np.all(starts <= ends))
              or not np.all((t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (d[1:] > d[:-1])))):
        return _split_each(names, terms, docs, tfs, doc_len, bounds)
    if not bounds:
        return []
    # the meeting of each posting (len(bounds): outside every range, left out),
    # small enough for a radix sort
    kind = np.uint16 if len(bounds) < (1 << 16) - 1 else np.int64
    lo_doc, hi_doc = int(starts[0]), int(ends[-1])
    of_record = np.full(max(int(doc_len.shape[0]), hi_doc, int(d.max(initial=-1)) + 1) + 1,
                        len(bounds), kind)
    of_record[lo_doc:hi_doc] = np.repeat(np.arange(len(bounds), dtype=kind), ends - starts)
    meeting = of_record[d]
    order = np.argsort(meeting, kind="stable")
    t, d, m = t[order], d[order], meeting[order]
    cuts = np.searchsorted(m, np.arange(len(bounds) + 1)).tolist()
    # a posting starts a term of its meeting when its term or meeting differs from the last's
    first = np.ones(len(t), bool)
    if len(t) > 1:
        first[1:] = (t[1:] != t[:-1]) | (m[1:] != m[:-1])
    rank = np.cumsum(first) - 1  # the term's number among all meetings' terms
    ids = t[first].tolist()
    tf = tfs[order].astype(np.uint8)
    local_all = rank.astype(np.uint32)
    docs_all = d.astype(np.uint32)
    out: list[CountedMeeting] = []
    for (a, b), lo, hi in zip(bounds, cuts[:-1], cuts[1:], strict=True):
        if lo == hi:
            out.append(CountedMeeting([], np.zeros(0, np.uint32), np.zeros(0, np.uint32),
                                      np.zeros(0, np.uint8), doc_len[a:b].astype(np.uint32)))
            continue
        base = int(rank[lo])
        top = int(rank[hi - 1]) + 1
        out.append(CountedMeeting([names[i] for i in ids[base:top]],
                                  local_all[lo:hi] - np.uint32(base),
                                  docs_all[lo:hi] - np.uint32(a),
                                  tf[lo:hi], doc_len[a:b].astype(np.uint32)))
    return out


def _split_each(names: Sequence[str], terms: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                doc_len: np.ndarray, bounds: Sequence[tuple[int, int]]
                ) -> list[CountedMeeting]:
    """`split_batch` of postings in any order: a sort per meeting."""
    out: list[CountedMeeting] = []
    by_doc = np.argsort(docs, kind="stable")  # by record, then as they were (by term id)
    starts = np.searchsorted(docs[by_doc], [a for a, _ in bounds])
    ends = np.searchsorted(docs[by_doc], [b for _, b in bounds])
    for (a, b), lo, hi in zip(bounds, starts.tolist(), ends.tolist(), strict=True):
        sel = by_doc[lo:hi]
        ids, local = np.unique(terms[sel], return_inverse=True)
        d = (docs[sel] - a).astype(np.uint32)
        order = np.lexsort((d, local))
        out.append(CountedMeeting([names[i] for i in ids.tolist()],
                                  local[order].astype(np.uint32), d[order],
                                  tfs[sel][order].astype(np.uint8),
                                  doc_len[a:b].astype(np.uint32)))
    return out
