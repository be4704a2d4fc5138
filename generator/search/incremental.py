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
import json
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from generator import file_memo
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
    bm25_scores,
    counted_fields,
    decode_tier,
    deep_file_plan,
    encode_terms,
    encode_tier,
    length_norms,
    manifest_js,
    mean_length,
    plan_term_shards,
    record_file_js,
    record_row,
    term_scale,
    tier_sizes,
    tiers_js,
)
from generator.search.records import SearchRecord
from generator.search.reuse import OutputFiles

STATE_FORMAT = 3
STATE_FILE = "state.pickle"
TOKENS = "tokens.pickle"  # (analysis salt, token -> weighted terms) the fast path analysed
POSTINGS = "postings.bin"  # the full build's postings, terms sorted, records ascending
ARRAYS = ("norm2", "boost", "speaker", "group")  # per record, as `_Scoring`
MAX_CHANGED = 32  # changed meetings the fast path takes; beyond, the full build
MAX_OVERLAY = 64  # meetings whose postings differ from the base file; beyond, the full build


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
    total_tokens: int  # the records' lengths summed (`mean_length`)
    base: dict[str, tuple[int, int]]  # term -> its slice of POSTINGS
    # meetings whose postings differ from POSTINGS since it was written: theirs
    # are those counted under their key (in the analysis cache)
    overlay: tuple[int, ...]
    worst: dict[str, list[tuple[int, int]]]  # term -> per tier its last posting (score, record)
    deep_step: int  # the step of the deep files' caps (`deep_file_plan`): where a new plan starts

    @classmethod
    def after_full_build(cls, opt: IndexOptions, meetings: Sequence[tuple[str, int]],
                         names: list[str], df: list[int], shards: list[tuple[int, int]],
                         deep: list[list[tuple[int, int]]], facets: _Facets,
                         record_shards: int, n_docs: int, total_tokens: int,
                         worst: dict[str, list[tuple[int, int]]], deep_step: int) -> IndexState:
        start = np.concatenate(([0], np.cumsum(df, dtype=np.int64))).tolist()
        base = {term: (start[t], start[t + 1]) for t, term in enumerate(names)}
        return cls(state_version(opt), tuple(k for k, _ in meetings),
                   tuple(n for _, n in meetings), names, df, shards, deep, facets,
                   record_shards, n_docs, total_tokens, base, (), worst, deep_step)


def state_version(opt: IndexOptions) -> str:
    return f"{STATE_FORMAT}-{FORMAT_VERSION}-{opt!r}"


def drop_state(folder: Path) -> None:
    """Forgets the state (before the files it describes change)."""
    (folder / STATE_FILE).unlink(missing_ok=True)
    file_memo.forget(folder / STATE_FILE)


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
    file_memo.wrote(folder / STATE_FILE, state)


def load_state(folder: Path, opt: IndexOptions) -> IndexState | None:
    """The last build's state, if it has one made with these options (kept
    parsed between the builds of `build.py serve`: never changed in place)."""
    try:
        state = file_memo.read(folder / STATE_FILE, pickle.loads)
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


@dataclass(frozen=True)
class _Diff:
    """What the changed meetings change."""

    # per term whose postings differ, per changed meeting holding it: the
    # meeting's records [lo, hi) and the term's new postings there
    edits: dict[str, list[tuple[int, int, dict[int, int]]]]
    rows: dict[int, RecordRows]  # the changed meetings' rows
    # per changed meeting whose record lengths moved: its first record, the
    # old and the new lengths
    lengths: list[tuple[int, np.ndarray, np.ndarray]]
    # per term whose postings did not change: its (record, tf) at the records
    # whose length moved (their scores may move)
    touched: dict[str, list[tuple[int, int]]]


@dataclass(frozen=True)
class _Encoded:
    """A changed term: its df, tier maxima, tiers (None: the last build's
    tier) and each tier's last posting in rank order (score, record)."""

    df: int
    maxima: list[int]
    tiers: list[str | None]
    worst: list[tuple[int, int]]


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
        self._old_rank = {term: t for t, term in enumerate(state.names)}
        self._old_firsts = [a for a, _ in state.shards]
        self._old_postings: dict[str, np.ndarray] = {}
        self._overlaid: dict[int, dict[str, dict[int, int]]] = {}
        self.counter: _TermCounter | None = None  # counted the changed meetings not in the cache
        self.replaced: list[str] = []  # the last build's keys of the changed meetings

    def run(self) -> IndexStats:
        state = self.state
        if len(self.keys) != len(state.keys):
            raise _Fallback
        changed = [i for i, (new, old) in enumerate(zip(self.keys, state.keys, strict=True))
                   if new != old]
        self.replaced = [state.keys[i] for i in changed]  # their entries are pruned (`_write`)
        overlay = tuple(sorted({*state.overlay, *changed}))
        if len(changed) > MAX_CHANGED or len(overlay) > MAX_OVERLAY:
            raise _Fallback
        diff = self._diff(changed)
        edits, rows, lengths, touched = diff.edits, diff.rows, diff.lengths, diff.touched
        total_tokens = state.total_tokens + sum(int(new.sum()) - int(old.sum())
                                                for _, old, new in lengths)
        norm2 = self._norms(lengths, total_tokens)
        postings = {term: self._edited(term, changes) for term, changes in edits.items()}
        df_of = dict(zip(state.names, state.df, strict=True))
        state_df = dict(df_of)
        for term, packed in postings.items():
            if len(packed):
                df_of[term] = len(packed)
            else:
                df_of.pop(term, None)
        names = state.names if len(df_of) == len(state.names) and all(
            t in df_of for t in postings) else sorted(df_of)
        df = [df_of[term] for term in names]
        deep_step = state.deep_step
        if names is state.names and df == state.df:  # the plans are functions of these
            shards, deep = state.shards, state.deep
        else:
            same_shards, same_deep = kept_plans(
                {t: (state_df[t], df_of[t]) for t in postings}, self.opt) \
                if names is state.names else (False, False)
            shards = state.shards if same_shards else plan_term_shards(names, df, self.opt)
            if same_deep and len(shards) == len(state.shards):
                deep = state.deep
            else:
                budget = self.opt.max_files - state.record_shards - len(shards) - 2
                deep, deep_step = deep_file_plan(df, self.opt, budget, hint=deep_step)
        # a term keeping its df and records keeps its idf and tier sizes: only
        # the postings whose score moved move, and only the tiers they cross
        # are encoded again; any other changed term is encoded whole
        same = {t: packed for t, packed in postings.items()
                if len(packed) == state_df.get(t, -1) and len(packed)
                and np.array_equal(packed >> 8, self._postings(t) >> 8)}
        candidates = {t: _within(same[t], [(lo, hi) for lo, hi, _ in edits[t]])
                      + touched.get(t, []) for t in same}
        candidates.update((t, p) for t, p in touched.items() if t not in postings)
        old_tfs = {t: self._postings(t) for t in same}
        encoded = self._encode({t: p for t, p in postings.items() if t not in same}, df_of,
                               norm2)
        for term, moves in self._moves(candidates, old_tfs, norm2).items():
            encoded[term] = self._patch(term, *moves)
        texts: dict[str, str | None] = {}  # rel -> new text, or None: the last build's
        self._record_files(changed, rows, texts)
        self._term_shards(names, shards, deep, encoded, texts)
        self._deep_files(names, deep, encoded, texts)
        texts["manifest.js"] = manifest_js(self.opt, [names[a] for a, _ in shards],
                                           state.n_docs, state.facets)
        worst = {**state.worst, **{t: e.worst for t, e in encoded.items()}}
        return self._write(texts, replace(
            state, keys=tuple(self.keys), names=names, df=df, shards=shards, deep=deep,
            total_tokens=total_tokens, overlay=overlay, deep_step=deep_step,
            worst={t: worst[t] for t in names}), len(encoded), norm2 if lengths else None)

    # --- what changed ---------------------------------------------------------------

    def _diff(self, changed: list[int]) -> _Diff:
        """What the changed meetings change (`_Diff`)."""
        edits: dict[str, list[tuple[int, int, dict[int, int]]]] = {}
        rows_of: dict[int, RecordRows] = {}
        lengths: list[tuple[int, np.ndarray, np.ndarray]] = []
        touched: dict[str, list[tuple[int, int]]] = {}
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
                counter = counter or _TermCounter(self.splitter, self.opt, self._tokens())
                counted = count_meeting(counter, records)
                rows = RecordRows([record_row(r, self.opt) for r in records])
                self.cache.put(key, counted)
                self.cache.put_rows(key, rows)
            if old is None or old_rows is None or len(rows.rows) != self.state.counts[i]:
                raise _Fallback
            if [r[:6] for r in rows.rows] != [r[:6] for r in old_rows.rows]:
                raise _Fallback  # facets (speaker numbering, groups, boosts) may move
            rows_of[i] = rows
            before, after = meeting_postings(old), meeting_postings(counted)
            lo, hi = self.starts[i], self.starts[i + 1]
            moved: set[int] = set()
            if not np.array_equal(counted.doc_len, old.doc_len):
                lengths.append((lo, old.doc_len, counted.doc_len))
                moved = set(np.flatnonzero(counted.doc_len != old.doc_len).tolist())
            for term in before.keys() | after.keys():
                now = after.get(term, {})
                if before.get(term, {}) != now:
                    edits.setdefault(term, []).append((lo, hi, now))
                elif moved:
                    touched.setdefault(term, []).extend(
                        (lo + doc, tf) for doc, tf in now.items() if doc in moved)
        self.counter = counter
        return _Diff(edits, rows_of, lengths, {t: p for t, p in touched.items() if p})

    def _tokens(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """The tokens earlier fast paths analysed (`TOKENS`), if of this analysis."""
        try:
            with (self.folder / TOKENS).open("rb") as f:
                salt, tokens = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
            return {}
        return tokens if salt == self.cache.salt and isinstance(tokens, dict) else {}

    def _keep_tokens(self) -> None:
        """Keeps the tokens this run's counter analysed, with the earlier ones."""
        if self.counter is None:
            return
        tokens = self.counter.analysed_tokens()
        known = self.counter._known
        if tokens.keys() <= known.keys():
            return
        tmp = self.folder / f".{TOKENS}.{os.getpid()}.tmp"
        with tmp.open("wb") as f:
            pickle.dump((self.cache.salt, {**known, **tokens}), f,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.folder / TOKENS)

    def _norms(self, lengths: list[tuple[int, np.ndarray, np.ndarray]],
               total_tokens: int) -> np.ndarray | None:
        """The records' length normalisers after the edit (None: the last
        build's, unchanged). Falls back when the rounded mean length moved:
        then every record's normaliser, and so nearly every score, moves."""
        if not lengths:
            return None
        n_docs = self.state.n_docs
        mean = mean_length(self.state.total_tokens, n_docs)
        if mean_length(total_tokens, n_docs) != mean:
            raise _Fallback
        norm2 = np.load(self.folder / "norm2.npy")
        if len(norm2) != n_docs:
            raise _Fallback
        for lo, _, new in lengths:
            norm2[lo:lo + len(new)] = length_norms(new, mean, self.opt)
        return norm2

    def _moves(self, candidates: dict[str, list[tuple[int, int]]],
               old_tfs: dict[str, np.ndarray], norm2: np.ndarray | None
               ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per term of `candidates` (df and records unchanged; its new (record,
        tf) at the changed meetings' records) whose stored score moved at some
        record: those records, their old and their new scores. Most terms of an
        edited record keep every score (a score is rounded to 1/8 of a BM25
        point), so their bytes stay. `old_tfs`: the last build's postings of
        terms whose tf changed (the others' tf is the same)."""
        if not candidates:
            return {}
        old_norm2 = np.load(self.folder / "norm2.npy", mmap_mode="r")
        boost = np.load(self.folder / "boost.npy", mmap_mode="r")
        norm2 = old_norm2 if norm2 is None else norm2
        df_of = dict(zip(self.state.names, self.state.df, strict=True))
        terms = sorted(candidates)
        sizes = [len(candidates[t]) for t in terms]
        pairs = np.array([p for t in terms for p in candidates[t]], np.int64).reshape(-1, 2)
        docs, tfs = pairs[:, 0], pairs[:, 1]
        old_tf = tfs.copy()
        at = 0
        for t, n in zip(terms, sizes, strict=True):
            if t in old_tfs:
                packed = old_tfs[t]
                where = np.searchsorted(packed >> 8, docs[at:at + n])
                old_tf[at:at + n] = packed[where] & 0xFF
            at += n
        scale = np.repeat(term_scale(np.array([df_of[t] for t in terms], np.int64),
                                     self.state.n_docs, self.opt), sizes)
        old = bm25_scores(scale, old_tf, old_norm2[docs], boost[docs])
        new = bm25_scores(scale, tfs, norm2[docs], boost[docs])
        term_of = np.repeat(np.arange(len(terms)), sizes)
        moved = np.flatnonzero(old != new)
        return {terms[t]: (docs[moved[term_of[moved] == t]], old[moved[term_of[moved] == t]],
                           new[moved[term_of[moved] == t]])
                for t in np.unique(term_of[moved]).tolist()}

    def _patch(self, term: str, docs: np.ndarray, old: np.ndarray,
               new: np.ndarray) -> _Encoded:
        """`term` with the postings at `docs` rescored from `old` to `new`:
        only the tiers from the best to the worst tier an old or new score
        falls in are decoded, re-ranked and encoded; the postings before and
        after them keep their ranks (as many keys leave that range of ranks as
        enter it)."""
        worst = self.state.worst.get(term)
        entry = self._old_entry(term)
        if worst is None or len(worst) != len(entry[1]):
            raise _Fallback

        def tier_of(score: int, doc: int) -> int:
            for k, (w_score, w_doc) in enumerate(worst):
                if (-score, doc) <= (-w_score, w_doc):
                    return k
            return len(worst) - 1

        ks = [tier_of(s, d) for s, d in zip(old.tolist(), docs.tolist(), strict=True)]
        ks += [tier_of(s, d) for s, d in zip(new.tolist(), docs.tolist(), strict=True)]
        lo, hi = min(ks), max(ks)
        parts = [decode_tier(self._old_tier(term, k, entry)) for k in range(lo, hi + 1)]
        sizes = [len(p[0]) for p in parts]
        t_docs, t_scores, t_speakers, t_groups = (np.concatenate(column)
                                                  for column in zip(*parts, strict=True))
        order = np.argsort(t_docs, kind="stable")
        at = order[np.searchsorted(t_docs, docs, sorter=order)]
        if not (np.array_equal(t_docs[at], docs) and np.array_equal(t_scores[at], old)):
            raise _Fallback  # the state does not describe these files
        t_scores[at] = new
        ranked = np.lexsort((t_docs, -t_scores))  # best first, ties by record
        maxima, tiers, worst_now = list(entry[1]), [None] * len(entry[1]), list(worst)
        cut = 0
        for k, size in zip(range(lo, hi + 1), sizes, strict=True):
            mine = ranked[cut:cut + size]
            cut += size
            last = mine[-1]
            worst_now[k] = (int(t_scores[last]), int(t_docs[last]))
            mine = mine[np.argsort(t_docs[mine])]  # by record
            tiers[k] = encode_tier(t_docs[mine], t_scores[mine], t_speakers[mine],
                                   t_groups[mine])
            maxima[k] = int(t_scores[mine].max())
        return _Encoded(entry[0], maxima, tiers, worst_now)

    def _old_entry(self, term: str) -> list:
        """The last build's term-shard entry of `term`: [df, maxima, tier 0, ...]."""
        rank = self._old_rank.get(term)
        if rank is None:
            raise _Fallback
        shard = bisect.bisect_right(self._old_firsts, rank) - 1
        return self._old("t", shard)[term]

    def _old_tier(self, term: str, k: int, entry: list | None = None) -> str:
        """The last build's tier `k` of `term`."""
        if k == 0:
            return (entry or self._old_entry(term))[2]
        rank = self._old_rank.get(term)
        if rank is None or len(self.state.deep[rank]) < k:
            raise _Fallback
        f, index = self.state.deep[rank][k - 1]
        return self._old("d", f)[index]

    def _postings(self, term: str) -> np.ndarray:
        """The last build's postings of `term` (record << 8 | tf, records
        ascending): its slice of POSTINGS, with the records of the meetings
        changed since (`IndexState.overlay`) as counted under their key then."""
        found = self._old_postings.get(term)
        if found is not None:
            return found
        lo, hi = self.state.base.get(term, (0, 0))
        with (self.folder / POSTINGS).open("rb") as f:
            f.seek(4 * lo)
            packed = np.fromfile(f, np.uint32, count=hi - lo)
        if len(packed) != hi - lo:
            raise _Fallback
        if self.state.overlay:
            docs = packed >> 8
            keep = np.ones(len(packed), bool)
            added: list[int] = []
            for i in self.state.overlay:
                first, end = self.starts[i], self.starts[i + 1]
                keep[np.searchsorted(docs, first):np.searchsorted(docs, end)] = False
                added += [((first + doc) << 8) | tf
                          for doc, tf in self._overlaid_postings(i).get(term, {}).items()]
            packed = np.sort(np.concatenate([packed[keep], np.array(added, np.uint32)]))
        self._old_postings[term] = packed
        return packed

    def _overlaid_postings(self, i: int) -> dict[str, dict[int, int]]:
        """The postings of meeting `i` of the overlay as the last build had them."""
        found = self._overlaid.get(i)
        if found is None:
            counted = self.cache.get(self.state.keys[i])
            if counted is None:
                raise _Fallback
            found = self._overlaid[i] = meeting_postings(counted)
        return found

    def _edited(self, term: str, changes: list[tuple[int, int, dict[int, int]]]) -> np.ndarray:
        packed = self._postings(term)
        docs = packed >> 8
        keep = np.ones(len(packed), bool)
        added: list[int] = []
        for lo, hi, now in changes:
            keep &= (docs < lo) | (docs >= hi)
            added += [((lo + doc) << 8) | tf for doc, tf in now.items()]
        return np.sort(np.concatenate([packed[keep], np.array(added, np.uint32)]))

    def _encode(self, postings: dict[str, np.ndarray], df_of: dict[str, int],
                norm2: np.ndarray | None) -> dict[str, _Encoded]:
        """Per changed term still in the vocabulary: its df, tier maxima and
        tiers (`norm2`: the length normalisers after the edit, if they moved)."""
        terms = sorted(t for t in postings if t in df_of)
        if not terms:
            return {}
        arrays = [np.load(self.folder / f"{a}.npy", mmap_mode="r") for a in ARRAYS]
        if norm2 is not None:
            arrays[0] = norm2
        if any(len(a) != self.state.n_docs for a in arrays):
            raise _Fallback
        run = encode_terms(np.concatenate([postings[t] for t in terms]),
                           np.array([len(postings[t]) for t in terms], np.int64),
                           _Scoring(*arrays, n_docs=self.state.n_docs), self.opt, 0)
        return {t: _Encoded(run.df[j], run.maxima[j], list(run.tiers[j]), run.worst[j])
                for j, t in enumerate(terms)}

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
                     deep: list[list[tuple[int, int]]], encoded: dict[str, _Encoded],
                     texts: dict[str, str | None]) -> None:
        state = self.state
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
                    got = encoded[term]
                    tier0 = got.tiers[0] if got.tiers[0] is not None else self._old_tier(term, 0)
                    entry: list = [got.df, got.maxima, tier0]
                else:
                    entry = list(self._old_entry(term)[:3])
                if deep[t]:
                    entry.append([list(p) for p in deep[t]])
                entries[term] = entry
            texts[f"t/{s}.js"] = _js("t", s, entries)

    def _deep_files(self, names: list[str], deep: list[list[tuple[int, int]]],
                    encoded: dict[str, _Encoded], texts: dict[str, str | None]) -> None:
        state = self.state
        # the same plan (the usual edit): only the files holding a tier encoded anew
        same = names is state.names and deep is state.deep and all(
            len(deep[self._old_rank[t]]) == len(got.tiers) - 1 for t, got in encoded.items())
        redo = {f for t, got in encoded.items()
                for (f, _), tier in zip(deep[self._old_rank[t]], got.tiers[1:], strict=True)
                if tier is not None} if same else set()
        new = _composition(names, deep)
        old = new if same else _composition(state.names, state.deep)  # (usually the last
        # build's `new`: kept, `_COMPOSITIONS`)

        def new_tier(term: str, k: int) -> str | None:
            got = encoded.get(term)
            return None if got is None else got.tiers[k]

        for f, parts in enumerate(new):
            if (f not in redo) if same else (
                    f < len(old) and parts == old[f]
                    and all(new_tier(t, k) is None for t, k in parts)):
                texts[f"d/{f}.js"] = None
                continue
            tiers: list[str] = []
            for term, k in parts:
                text = new_tier(term, k)
                tiers.append(text if text is not None else self._old_tier(term, k))
            texts[f"d/{f}.js"] = tiers_js(f, tiers)

    def _write(self, texts: dict[str, str | None], state: IndexState,
               n_encoded: int, norm2: np.ndarray | None) -> IndexStats:
        """Checks that every file to keep is there, then writes the index, the
        state (with `norm2`, the moved length normalisers) and prunes the
        analysis cache."""
        if not all(self.files.can_keep(rel) for rel, text in texts.items() if text is None):
            raise _Fallback
        for sub in ("t", "d", "r"):
            shutil.rmtree(self.out / sub, ignore_errors=True)
            (self.out / sub).mkdir(parents=True)
        drop_state(self.folder)
        if norm2 is not None:
            tmp = self.folder / f".norm2.{os.getpid()}.npy"
            np.save(tmp, norm2)
            os.replace(tmp, self.folder / "norm2.npy")
        stats = IndexStats(records=state.n_docs, terms=len(state.names),
                           postings=int(sum(state.df)), term_shards=len(state.shards),
                           record_shards=state.record_shards, encoded=n_encoded)
        for rel, text in texts.items():
            stats.files += 1
            if text is None:
                stats.bytes += self.files.keep(rel)
            else:
                data = text.encode("utf-8")
                self.files.write(rel, data)
                stats.bytes += len(data)
        stats.tier_files = sum(1 for rel in texts if rel.startswith("d/"))
        self.files.close()
        stats.linked = self.files.linked
        self.cache.forget(self.replaced)  # (not `prune`: a listing of ~20,000 entries)
        self._keep_tokens()
        save_state(self.folder, state)
        return stats


def kept_plans(moved: dict[str, tuple[int, int]], opt: IndexOptions) -> tuple[bool, bool]:
    """For a vocabulary whose terms keep their order, of which only those of
    `moved` changed their df (term -> old df, new df): whether the term
    shards, and whether the deep files, planned again are the last build's.
    The shard cuts count each term's tier-0 size (``min(df, first bound)``),
    the deep plan packs the deep tier sizes alone, in term order, within a
    budget of files that only the number of shards moves: a plan whose
    input is the same is the same. A word swapped or added moves the df of
    a few terms; planning the deep files again took ~0.1 s at 10,000
    meetings."""
    bounds = opt.tier_bounds
    shards = all(min(old, bounds[0]) == min(new, bounds[0]) for old, new in moved.values())
    deep = all(tier_sizes(old, bounds)[1:] == tier_sizes(new, bounds)[1:]
               for old, new in moved.values())
    return shards, deep


def _within(packed: np.ndarray, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The (record, tf) of the postings `packed` (records ascending) at the
    records of `ranges` ([lo, hi) each)."""
    docs = packed >> 8
    at = np.concatenate([np.arange(np.searchsorted(docs, lo), np.searchsorted(docs, hi))
                         for lo, hi in ranges])
    return list(zip((docs[at]).tolist(), (packed[at] & 0xFF).tolist(), strict=True))


def _composition(names: list[str], deep: list[list[tuple[int, int]]]
                 ) -> list[list[tuple[str, int]]]:
    """Per deep file, its (term, tier) in order. The last two made are kept
    with the very lists they were made from (never changed in place: an
    `IndexState`'s, kept parsed by `file_memo`): the next build of this
    process (`build.py serve`) asks again for its state's, which were the
    new plan of this one (~30 ms at 10,000 meetings)."""
    for made_names, made_deep, files in _COMPOSITIONS:
        if made_names is names and made_deep is deep:
            return files
    files: list[list[tuple[str, int]]] = []
    for t, places in enumerate(deep):
        for k, (f, index) in enumerate(places, 1):
            while len(files) <= f:
                files.append([])
            assert len(files[f]) == index
            files[f].append((names[t], k))
    _COMPOSITIONS.append((names, deep, files))
    del _COMPOSITIONS[:-2]
    return files


_COMPOSITIONS: list[tuple[list[str], list[list[tuple[int, int]]], list[list[tuple[str, int]]]]] = []
