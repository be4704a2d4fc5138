"""The fast path of a rebuild: a few meetings changed without changing which
records there are, so only the terms whose postings changed are scored and
encoded again, and every other index file is the last build's.

A term's encoded tiers depend on its postings (record, tf), its df, the record
count N, and per record of its postings the length normaliser, the boost, the
speaker and the group. When every changed meeting keeps its number of records
and each record keeps its length and facets (a word replaced, a typo fixed),
N, the mean record length, the record numbering and the speaker numbering are
unchanged, so a term whose postings did not change encodes to what the last
build wrote. The full build keeps in the search cache (`STATE_DIR`) its sorted
postings file, the per-record arrays the scores need and an `IndexState`: the
meetings' cache keys and record counts, the vocabulary with its df, the term
shard and deep-file plans, the facets. This module compares the new meetings'
keys with the state's; for each changed meeting it diffs the old and new
counted postings (both in the analysis cache), rebuilds the postings of the
terms that differ, plans the shards and deep files again from the new df (the
same functions as the full build, so the same plan), encodes only those terms,
and writes only the files whose content can differ: record files holding a
changed meeting's records, term shards and deep files holding a changed term
or whose composition moved (their other entries are read back from the last
build's files). Every other file is linked from the last build's
(`reuse.OutputFiles.keep`). Anything else (a record added or removed, a length
changed, a new speaker, many meetings changed, a missing cache entry or kept
file) returns None and the caller runs the full build, which writes a new state.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from generator.search.analysis import CompoundSplitter
from generator.search.analysis_cache import AnalysisCache, CountedMeeting, RecordRows, split_batch
from generator.search.index import (
    FARM,
    FORMAT_VERSION,
    REGISTER,
    STATE_DIR,
    IndexOptions,
    IndexStats,
    _Facets,
    _js,
    _Scoring,
    _TermCounter,
    counted_fields,
    encode_terms,
    manifest_js,
    plan_deep_files,
    plan_term_shards,
    record_file_js,
    record_row,
)
from generator.search.records import SearchRecord
from generator.search.reuse import OutputFiles

STATE_FORMAT = 1
STATE_FILE = "state.pickle"
POSTINGS = "postings.bin"  # the full build's postings, terms sorted, records ascending
ARRAYS = ("norm2", "boost", "speaker", "group")  # per record, as `_Scoring`
MAX_CHANGED = 32  # changed meetings the fast path takes; beyond, the full build
MAX_CHANGED_POSTINGS = 1 << 22  # postings kept apart from the base file (16 MB)


@dataclass(frozen=True)
class IndexState:
    """What the last build's index was made of (see the module doc)."""

    version: str
    keys: tuple[str, ...]  # per meeting, its cache key
    counts: tuple[int, ...]  # per meeting, its records
    names: list[str]  # the vocabulary, sorted
    df: list[int]  # by rank
    shards: list[tuple[int, int]]  # term shards: ranks [a, b)
    deep: list[list[tuple[int, int]]]  # by rank: (deep file, index) of tiers 1, 2, ...
    facets: _Facets
    record_shards: int
    n_docs: int
    base: dict[str, tuple[int, int]]  # term -> its slice of POSTINGS
    changed: dict[str, np.ndarray]  # term -> its postings since they differ from the base

    @classmethod
    def after_full_build(cls, opt: IndexOptions, meetings: Sequence[tuple[str, int]],
                         names: list[str], df: list[int], shards: list[tuple[int, int]],
                         deep: list[list[tuple[int, int]]], facets: _Facets,
                         record_shards: int, n_docs: int) -> IndexState:
        start = np.concatenate(([0], np.cumsum(df, dtype=np.int64))).tolist()
        base = {term: (start[t], start[t + 1]) for t, term in enumerate(names)}
        return cls(state_version(opt), tuple(k for k, _ in meetings),
                   tuple(n for _, n in meetings), names, df, shards, deep, facets,
                   record_shards, n_docs, base, {})


def state_version(opt: IndexOptions) -> str:
    return f"{STATE_FORMAT}-{FORMAT_VERSION}-{opt!r}"


def drop_state(folder: Path) -> None:
    """Forgets the state (before the files it describes change)."""
    (folder / STATE_FILE).unlink(missing_ok=True)


def keep_postings(spill: Path, folder: Path) -> None:
    """Moves a full build's sorted postings and per-record arrays from its spill
    folder into the state folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (POSTINGS, *(f"{a}.npy" for a in ARRAYS)):
        shutil.move(spill / name, folder / name)


def save_state(folder: Path, state: IndexState) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{STATE_FILE}.{os.getpid()}.tmp"
    with tmp.open("wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, folder / STATE_FILE)


def load_state(folder: Path, opt: IndexOptions) -> IndexState | None:
    """The last build's state, if it has one made with these options."""
    try:
        with (folder / STATE_FILE).open("rb") as f:
            state = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        return None
    if not isinstance(state, IndexState) or state.version != state_version(opt):
        return None
    return state


class _Fallback(Exception):
    """The fast path does not apply: run the full build."""


def update_index(out_dir: Path, cache: AnalysisCache, splitter: CompoundSplitter | None,
                 opt: IndexOptions, state: IndexState, keys: Sequence[str],
                 records_of: Callable[[int], list[SearchRecord]]) -> IndexStats | None:
    """Writes the index of the meetings with cache `keys` into `out_dir` from the
    last build's `state`, or returns None (writing nothing there) when the fast
    path does not apply. `records_of(i)` gives the records of meeting i."""
    try:
        return _Update(out_dir, cache, splitter, opt, state, keys, records_of).run()
    except _Fallback:
        return None


def meeting_postings(counted: CountedMeeting) -> dict[str, dict[int, int]]:
    """term -> {record within the meeting: tf}."""
    out: dict[str, dict[int, int]] = {}
    for t, doc, tf in zip(counted.term_index.tolist(), counted.docs.tolist(),
                          counted.tfs.tolist(), strict=True):
        out.setdefault(counted.terms[t], {})[doc] = tf
    return out


def count_meeting(counter: _TermCounter, records: list[SearchRecord]) -> CountedMeeting:
    """What counting makes of one meeting's records (as a counting worker would)."""
    batch = counter.count([counted_fields(r) for r in records])
    return split_batch(counter._terms, batch.terms, batch.docs, batch.tfs, batch.doc_len,
                       [(0, len(records))])[0]


def _payload(text: str, kind: str, key: int) -> object:
    prefix = f"{REGISTER}({json.dumps(kind)},{key},"
    if not (text.startswith(prefix) and text.endswith(");\n")):
        raise _Fallback
    return json.loads(text[len(prefix):-3])


class _Update:
    """One run of the fast path (`update_index`)."""

    def __init__(self, out_dir: Path, cache: AnalysisCache, splitter: CompoundSplitter | None,
                 opt: IndexOptions, state: IndexState, keys: Sequence[str],
                 records_of: Callable[[int], list[SearchRecord]]):
        self.out = out_dir
        self.cache = cache
        self.splitter = splitter
        self.opt = opt
        self.state = state
        self.keys = list(keys)
        self.records_of = records_of
        self.folder = cache.folder / STATE_DIR
        self.files = OutputFiles(out_dir, cache.folder / FARM)
        self.starts = np.concatenate(([0], np.cumsum(state.counts, dtype=np.int64))).tolist()
        self._parsed: dict[str, object] = {}

    def run(self) -> IndexStats:
        state = self.state
        if len(self.keys) != len(state.keys):
            raise _Fallback
        if sum(len(p) for p in state.changed.values()) > MAX_CHANGED_POSTINGS:
            raise _Fallback
        changed = [i for i, (new, old) in enumerate(zip(self.keys, state.keys, strict=True))
                   if new != old]
        if len(changed) > MAX_CHANGED:
            raise _Fallback
        edits, rows = self._diff(changed)
        postings = {term: self._edited(term, changes) for term, changes in edits.items()}
        df_of = dict(zip(state.names, state.df, strict=True))
        for term, packed in postings.items():
            if len(packed):
                df_of[term] = len(packed)
            else:
                df_of.pop(term, None)
        names = state.names if len(df_of) == len(state.names) and all(
            t in df_of for t in postings) else sorted(df_of)
        df = [df_of[term] for term in names]
        shards = plan_term_shards(names, df, self.opt)
        budget = self.opt.max_files - state.record_shards - len(shards) - 2
        deep = plan_deep_files(df, self.opt, budget)
        encoded = self._encode(postings, df_of)
        texts: dict[str, str | None] = {}  # rel -> new text, or None: the last build's
        self._record_files(changed, rows, texts)
        self._term_shards(names, shards, deep, encoded, texts)
        self._deep_files(names, deep, encoded, texts)
        texts["manifest.js"] = manifest_js(self.opt, [names[a] for a, _ in shards],
                                           state.n_docs, state.facets)
        return self._write(texts, replace(
            state, keys=tuple(self.keys), names=names, df=df, shards=shards, deep=deep,
            changed={**state.changed, **postings}), len(encoded))

    # --- what changed ---------------------------------------------------------------

    def _diff(self, changed: list[int]
              ) -> tuple[dict[str, list[tuple[int, int, dict[int, int]]]], dict[int, RecordRows]]:
        """Per term whose postings differ, per changed meeting holding it: the
        meeting's records [lo, hi) and the term's new postings there; and the
        changed meetings' rows."""
        edits: dict[str, list[tuple[int, int, dict[int, int]]]] = {}
        rows_of: dict[int, RecordRows] = {}
        counter: _TermCounter | None = None
        for i in changed:
            old_key, key = self.state.keys[i], self.keys[i]
            if self.state.counts[i] == 0:
                if self.records_of(i):
                    raise _Fallback
                continue
            old, old_rows = self.cache.get(old_key), self.cache.get_rows(old_key)
            counted, rows = self.cache.get(key), self.cache.get_rows(key)
            if counted is None or rows is None or len(rows.rows) != len(counted.doc_len):
                records = self.records_of(i)
                if not records:
                    raise _Fallback
                counter = counter or _TermCounter(self.splitter, self.opt)
                counted = count_meeting(counter, records)
                rows = RecordRows([record_row(r, self.opt) for r in records])
                self.cache.put(key, counted)
                self.cache.put_rows(key, rows)
            if old is None or old_rows is None or len(rows.rows) != self.state.counts[i]:
                raise _Fallback
            if [r[:6] for r in rows.rows] != [r[:6] for r in old_rows.rows]:
                raise _Fallback  # facets (speaker numbering, groups, boosts) may move
            if not np.array_equal(counted.doc_len, old.doc_len):
                raise _Fallback  # record lengths: the mean length and normaliser move
            rows_of[i] = rows
            before, after = meeting_postings(old), meeting_postings(counted)
            lo, hi = self.starts[i], self.starts[i + 1]
            for term in before.keys() | after.keys():
                now = after.get(term, {})
                if before.get(term, {}) != now:
                    edits.setdefault(term, []).append((lo, hi, now))
        return edits, rows_of

    def _postings(self, term: str) -> np.ndarray:
        """The last build's postings of `term` (record << 8 | tf, records ascending)."""
        found = self.state.changed.get(term)
        if found is not None:
            return found
        lo, hi = self.state.base.get(term, (0, 0))
        with (self.folder / POSTINGS).open("rb") as f:
            f.seek(4 * lo)
            got = np.fromfile(f, np.uint32, count=hi - lo)
        if len(got) != hi - lo:
            raise _Fallback
        return got

    def _edited(self, term: str, changes: list[tuple[int, int, dict[int, int]]]) -> np.ndarray:
        packed = self._postings(term)
        docs = packed >> 8
        keep = np.ones(len(packed), bool)
        added: list[int] = []
        for lo, hi, now in changes:
            keep &= (docs < lo) | (docs >= hi)
            added += [((lo + doc) << 8) | tf for doc, tf in now.items()]
        return np.sort(np.concatenate([packed[keep], np.array(added, np.uint32)]))

    def _encode(self, postings: dict[str, np.ndarray], df_of: dict[str, int]
                ) -> dict[str, tuple[int, list[int], list[str]]]:
        """Per changed term still in the vocabulary: its df, tier maxima and tiers."""
        terms = sorted(t for t in postings if t in df_of)
        if not terms:
            return {}
        arrays = [np.load(self.folder / f"{a}.npy", mmap_mode="r") for a in ARRAYS]
        if any(len(a) != self.state.n_docs for a in arrays):
            raise _Fallback
        run = encode_terms(np.concatenate([postings[t] for t in terms]),
                           np.array([len(postings[t]) for t in terms], np.int64),
                           _Scoring(*arrays, n_docs=self.state.n_docs), self.opt, 0)
        return {t: (run.df[j], run.maxima[j], run.tiers[j]) for j, t in enumerate(terms)}

    # --- the files --------------------------------------------------------------------

    def _old(self, kind: str, n: int) -> object:
        """The parsed payload of the last build's file `kind`/`n`."""
        rel = f"{kind}/{n}.js"
        if rel not in self._parsed:
            if not self.files.can_keep(rel):
                raise _Fallback
            self._parsed[rel] = _payload(self.files.kept_text(rel), kind, n)
        return self._parsed[rel]

    def _rows(self, j: int, rows_of: dict[int, RecordRows]) -> list:
        found = rows_of.get(j) or self.cache.get_rows(self.keys[j])
        if found is None or len(found.rows) != self.state.counts[j]:
            raise _Fallback
        return found.rows

    def _record_files(self, changed: list[int], rows_of: dict[int, RecordRows],
                      texts: dict[str, str | None]) -> None:
        per_file = self.opt.records_per_shard
        redo = {n for i in rows_of
                for n in range(self.starts[i] // per_file,
                               (self.starts[i + 1] - 1) // per_file + 1)}
        speakers = self.state.facets.speakers
        for n in range(self.state.record_shards):
            if n not in redo:
                texts[f"r/{n}.js"] = None
                continue
            lo, hi = n * per_file, min((n + 1) * per_file, self.state.n_docs)
            out: list[str] = []
            j = bisect.bisect_right(self.starts, lo) - 1
            while j < len(self.keys) and self.starts[j] < hi:
                rows = self._rows(j, rows_of) if self.state.counts[j] else []
                a = max(lo - self.starts[j], 0)
                b = min(hi - self.starts[j], len(rows))
                for speaker_id, name, _, _, _, _, before, after in rows[a:b]:
                    out.append(f"{before}{speakers[speaker_id or '~' + name]}{after}")
                j += 1
            if len(out) != hi - lo:
                raise _Fallback
            texts[f"r/{n}.js"] = record_file_js(n, out)

    def _term_shards(self, names: list[str], shards: list[tuple[int, int]],
                     deep: list[list[tuple[int, int]]],
                     encoded: dict[str, tuple[int, list[int], list[str]]],
                     texts: dict[str, str | None]) -> None:
        state = self.state
        old_rank = {term: t for t, term in enumerate(state.names)}
        old_firsts = [a for a, _ in state.shards]
        for s, (a, b) in enumerate(shards):
            terms = names[a:b]
            if s < len(state.shards):
                oa, ob = state.shards[s]
                if (state.names[oa:ob] == terms and not any(t in encoded for t in terms)
                        and deep[a:b] == state.deep[oa:ob]):
                    texts[f"t/{s}.js"] = None
                    continue
            entries: dict[str, list] = {}
            for t in range(a, b):
                term = names[t]
                if term in encoded:
                    df, maxima, tiers = encoded[term]
                    entry: list = [df, maxima, tiers[0]]
                else:
                    rank = old_rank.get(term)
                    if rank is None:
                        raise _Fallback
                    old_shard = bisect.bisect_right(old_firsts, rank) - 1
                    entry = list(self._old("t", old_shard)[term][:3])
                if deep[t]:
                    entry.append([list(p) for p in deep[t]])
                entries[term] = entry
            texts[f"t/{s}.js"] = _js("t", s, entries)

    def _deep_files(self, names: list[str], deep: list[list[tuple[int, int]]],
                    encoded: dict[str, tuple[int, list[int], list[str]]],
                    texts: dict[str, str | None]) -> None:
        state = self.state
        new = _composition(names, deep)
        old = _composition(state.names, state.deep)
        old_rank = {term: t for t, term in enumerate(state.names)}
        for f, parts in enumerate(new):
            if f < len(old) and parts == old[f] and not any(t in encoded for t, _ in parts):
                texts[f"d/{f}.js"] = None
                continue
            tiers: list[str] = []
            for term, k in parts:
                if term in encoded:
                    tiers.append(encoded[term][2][k])
                    continue
                rank = old_rank.get(term)
                if rank is None or len(state.deep[rank]) < k:
                    raise _Fallback
                of, index = state.deep[rank][k - 1]
                tiers.append(self._old("d", of)[index])
            texts[f"d/{f}.js"] = _js("d", f, tiers)

    def _write(self, texts: dict[str, str | None], state: IndexState,
               n_encoded: int) -> IndexStats:
        """Checks that every file to keep is there, then writes the index, the
        state and prunes the analysis cache."""
        if not all(self.files.can_keep(rel) for rel, text in texts.items() if text is None):
            raise _Fallback
        for sub in ("t", "d", "r"):
            shutil.rmtree(self.out / sub, ignore_errors=True)
            (self.out / sub).mkdir(parents=True)
        drop_state(self.folder)
        stats = IndexStats(records=state.n_docs, terms=len(state.names),
                           postings=int(sum(state.df)), term_shards=len(state.shards),
                           record_shards=state.record_shards, encoded=n_encoded)
        for rel, text in texts.items():
            stats.files += 1
            if text is None:
                self.files.keep(rel)
            else:
                data = text.encode("utf-8")
                self.files.write(rel, data)
            with contextlib.suppress(OSError):
                stats.bytes += (self.out / rel).stat().st_size
        stats.tier_files = sum(1 for rel in texts if rel.startswith("d/"))
        self.files.close()
        stats.linked = self.files.linked
        self.cache.prune()
        save_state(self.folder, state)
        return stats


def _composition(names: list[str], deep: list[list[tuple[int, int]]]
                 ) -> list[list[tuple[str, int]]]:
    """Per deep file, its (term, tier) in order."""
    files: list[list[tuple[str, int]]] = []
    for t, places in enumerate(deep):
        for k, (f, index) in enumerate(places, 1):
            while len(files) <= f:
                files.append([])
            assert len(files[f]) == index
            files[f].append((names[t], k))
    return files
