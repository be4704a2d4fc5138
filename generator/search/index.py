"""The sharded search index: records in, `site/search/` out.

Every file is a script that calls ``PlenumSearch.register(kind, key, data)``, so
the browser loads it with a ``<script>`` element: that works from ``file://``,
where ``fetch`` of local files is refused, as well as over http, and every path
is relative to the search page. The layout (see docs/search.md):

    search/manifest.js   counts, term-shard keys, facet tables
    search/t/<n>.js      term shard n: per term its df, per-tier maxima, its best
                         postings (tier 0) and where its deeper tiers are
    search/d/<n>.js      deep-tier file n: a list of encoded tiers, packed in term
                         order, one depth per run of files
    search/r/<n>.js      records n*R .. n*R+R-1: what a result shows

Postings of a term are sorted by score and cut into tiers of growing size, so a
query for a common word loads only its best postings first. Within a tier they
are sorted by record number and stored as base64 of unsigned LEB128 varints,
four per posting in columns: the record gaps, then the scores, the speakers and
the groups (`encode_varints`; columns compress better than rows).

The build streams: records are written as they come; workers turn batches of
record texts into (term, record, tf) triples with numpy; the postings are kept
as one uint32 each (record << 8 | tf) in a spill file. At the end they are laid
out in term order with a counting sort, then the workers score, tier and encode
runs of terms with numpy, and the term shards and deep-tier files are written.
"""

from __future__ import annotations

import base64
import ctypes
import functools
import json
import math
import multiprocessing
import os
import shutil
import tempfile
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np

from generator.model import Meeting, Person
from generator.search.analysis import CompoundSplitter, part_terms, stem, tokenize
from generator.search.analysis_cache import (
    AnalysisCache,
    CountedMeeting,
    RecordRows,
    analysis_salt,
    split_batch,
    store,
)
from generator.search.records import MOTION, SearchRecord, build_records
from generator.search.reuse import OutputFiles

FORMAT_VERSION = 3
MAX_RECORDS = 1 << 24  # record numbers share a uint32 with the term frequency
REGISTER = "PlenumSearch.register"
POSTING_CHARS = 10  # about what one encoded posting takes (for planning shards)
FARM = "files"  # in the cache folder: links to the last build's index files (`reuse`)
STATE_DIR = "state"  # in the cache folder: the last build's postings and plan (`incremental`)


@dataclass(frozen=True)
class IndexOptions:
    """Tuning of the index; docs/search.md explains each choice."""

    tier_bounds: tuple[int, ...] = (48, 512, 4096, 32768, 131072, 524288)  # cumulative
    term_shard_bytes: int = 24000  # estimated bytes of tier-0 postings per term shard
    records_per_shard: int = 24  # see records_per_shard_for()
    record_text_chars: int = 0  # 0: records keep their whole text; see text_chars_for()
    k1: float = 1.2
    b: float = 0.75
    motion_boost: float = 1.5  # a motion's own text outranks a speech quoting it
    speaker_weight: int = 4  # half-units of tf: the speaker's name counts as 2
    party_weight: int = 2  # the party counts as 1 occurrence
    text_weight: int = 2  # each word of the text counts as 1
    part_weight: int = 1  # each compound part counts as 0.5
    score_scale: float = 8.0  # scores are stored as round(bm25 * scale)
    exact_postings: int = 512  # the client loads terms with at most this many postings whole
    max_files: int = 5000  # static hosts cap file counts; deep-tier files get what is left
    deep_file_postings: int = 2048  # a deep-tier file holds at least this many postings
    rare_tier_start: int = 524288  # tiers from this rank on are rarely loaded ...
    rare_file_postings: int = 1 << 20  # ... and packed into files this large
    joint_tiers: int = 2  # a term's first deep tiers are packed together, into one file


@dataclass
class IndexStats:
    records: int = 0
    postings: int = 0
    terms: int = 0
    term_shards: int = 0
    tier_files: int = 0
    record_shards: int = 0
    files: int = 0
    bytes: int = 0
    linked: int = 0  # files linked from the last build's, not written
    encoded: int = 0  # terms scored and encoded by this build


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _js(kind: str, key: object, data: object) -> str:
    payload = _json(data)
    return f"{REGISTER}({json.dumps(kind)},{json.dumps(key)},{payload});\n"


def tiers_js(key: int, tiers: list[str]) -> str:
    """Deep-tier file `key` of encoded tiers: `_js("d", key, tiers)` for
    tiers that are base64 (as `_encode_tiers` makes them), which JSON holds
    as they are: joined, not scanned for characters to escape (~400 MB of
    them at 10,000 meetings, all encoded in the build process)."""
    if not tiers:
        return _js("d", key, tiers)
    joined = '","'.join(tiers)
    return f'{REGISTER}("d",{int(key)},["{joined}"]);\n'


@dataclass
class _Facets:
    speakers: dict[str, int] = field(default_factory=dict)
    speaker_rows: list[list] = field(default_factory=list)
    parties: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def speaker(self, speaker_id: str, name: str, party: str) -> int:
        key = speaker_id or "~" + name
        if key not in self.speakers:
            number = self.parties.setdefault(party, len(self.parties)) if party else -1
            self.speakers[key] = len(self.speaker_rows)
            self.speaker_rows.append([speaker_id, name, number])
        return self.speakers[key]

    def group(self, key: tuple[str, str, str]) -> int:
        """The number of a (year, kind, type) group."""
        return self.groups.setdefault(key, len(self.groups))


# --- counting terms ---------------------------------------------------------------

class _WordIds(dict):
    """A whitespace-separated word of the text -> its id in the counter's table.
    Splitting on whitespace first and tokenising each distinct word once gives
    the same tokens as `tokenize` on the whole text (folding and the separators
    act within words), at the cost of one C-level dict lookup per word."""

    def __init__(self, add_word) -> None:
        super().__init__()
        self._add_word = add_word

    def __missing__(self, word: str) -> int:
        wid = self._add_word(tokenize(word))
        if len(self) < 4_000_000:
            self[word] = wid
        return wid


@dataclass(frozen=True)
class CountedBatch:
    """A batch's postings: (term, record) pairs sorted by term then record, with
    tf in half-units; term ids are the counting process's own (`new_terms` names
    those it had not reported before)."""

    counter: int  # which counting process (its ids)
    doc_len: np.ndarray  # tokens per record
    terms: np.ndarray
    docs: np.ndarray  # record number within the batch
    tfs: np.ndarray
    new_terms: list[str]


class _TermCounter:
    """Turns batches of records into postings; runs in a worker process (or inline).

    Each distinct word is analysed once into weighted terms (the stem of each of
    its tokens at text_weight, each compound part at part_weight), kept as a CSR
    table, so a batch is one dict lookup per word, then numpy (expand, sort, sum)."""

    def __init__(self, splitter: CompoundSplitter | None, opt: IndexOptions,
                 known: Mapping[str, tuple[tuple[str, int], ...]] | None = None):
        self.splitter = splitter
        self.opt = opt
        self._known = known or {}  # token -> its weighted terms, as `analysed_tokens` gave
        self.key = os.getpid()
        self.words = _WordIds(self._add_word)
        self._tokens: dict[str, list[tuple[int, int]]] = {}  # token -> [(term, weight)]
        self._fields: dict[tuple[str, str], int] = {}  # (speaker, party) -> pseudo-word
        self._term_ids: dict[str, int] = {}
        self._terms: list[str] = []
        self._reported = 0
        self._ptr = [0]
        self._n_tokens: list[int] = []
        self._exp_terms: list[int] = []
        self._exp_weights: list[int] = []
        self._csr: tuple[np.ndarray, ...] | None = None

    def _term_id(self, term: str) -> int:
        tid = self._term_ids.get(term)
        if tid is None:
            tid = self._term_ids[term] = len(self._terms)
            self._terms.append(term)
        return tid

    def _expansion(self, token: str) -> list[tuple[int, int]]:
        found = self._tokens.get(token)
        if found is None:
            terms = self._known.get(token) or self._analysed(token)
            found = self._tokens[token] = [(self._term_id(term), w) for term, w in terms]
        return found

    def _analysed(self, token: str) -> tuple[tuple[str, int], ...]:
        """The token's weighted terms: its stem, and its compound parts."""
        return ((stem(token), self.opt.text_weight),
                *((p, self.opt.part_weight) for p in part_terms(self.splitter, token)))

    def analysed_tokens(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """Every token this counter has analysed, with its weighted terms (a
        later counter of the same analysis takes them as `known`: stemming
        is most of the cost of counting one meeting)."""
        return {token: tuple((self._terms[t], w) for t, w in terms)
                for token, terms in self._tokens.items()}

    def _add_word(self, tokens: list[str]) -> int:
        return self._add_row(len(tokens), [p for t in tokens for p in self._expansion(t)])

    def _field_id(self, speaker: str, party: str) -> int:
        wid = self._fields.get((speaker, party))
        if wid is None:
            wid = self._fields[speaker, party] = self._add_row(0, [
                (self._term_id(stem(t)), w)
                for w, text in ((self.opt.speaker_weight, speaker), (self.opt.party_weight, party))
                for t in tokenize(text)])
        return wid

    def _add_row(self, n_tokens: int, weighted: list[tuple[int, int]]) -> int:
        for term, weight in weighted:
            self._exp_terms.append(term)
            self._exp_weights.append(weight)
        self._ptr.append(len(self._exp_terms))
        self._n_tokens.append(n_tokens)
        self._csr = None
        return len(self._n_tokens) - 1

    def _table(self) -> tuple[np.ndarray, ...]:
        if self._csr is None:
            self._csr = (np.array(self._ptr, np.int64), np.array(self._n_tokens, np.int64),
                         np.array(self._exp_terms, np.int64),
                         np.array(self._exp_weights, np.int64))
        return self._csr

    def count(self, batch: list[tuple[str, str, str]]) -> CountedBatch:
        """Postings of (text, speaker, party) records."""
        n = len(batch)
        lookup = self.words.__getitem__
        ids: list[int] = []
        ends = np.zeros(n, np.int64)
        fields = np.zeros(n, np.int64)
        for i, (text, speaker, party) in enumerate(batch):
            ids.extend(map(lookup, text.split()))
            ends[i] = len(ids)
            fields[i] = self._field_id(speaker, party)
        ptr, n_tokens, exp_terms, exp_weights = self._table()
        words = np.concatenate([np.array(ids, np.int64), fields])
        word_docs = np.concatenate([np.repeat(np.arange(n), np.diff(ends, prepend=0)),
                                    np.arange(n)])
        doc_len = np.bincount(word_docs, n_tokens[words], minlength=n)
        start = ptr[words]
        width = ptr[words + 1] - start
        stops = np.cumsum(width)
        total = int(stops[-1]) if len(stops) else 0
        at = np.repeat(start - (stops - width), width) + np.arange(total)
        # one sortable int64 per (term, record, weight); the sum per pair is its tf
        bits = int(exp_weights.max()).bit_length() if len(exp_weights) else 1
        key = np.sort(((exp_terms[at] * max(n, 1) + np.repeat(word_docs, width)) << bits)
                      | exp_weights[at])
        key, weight = key >> bits, key & ((1 << bits) - 1)
        first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if total else \
            np.zeros(0, np.int64)
        tfs = np.minimum(np.add.reduceat(weight, first), 255) if total else first
        key = key[first]
        new_terms, self._reported = self._terms[self._reported:], len(self._terms)
        return CountedBatch(self.key, doc_len.astype(np.uint32),
                            (key // max(n, 1)).astype(np.uint32),
                            (key % max(n, 1)).astype(np.uint32), tfs.astype(np.uint8), new_terms)


    def count_and_store(self, batch: list[tuple[str, str, str]], segments: list[tuple[str, int]],
                        cache: Path | None) -> CountedBatch:
        """`count`, and with a cache folder, each meeting's counts stored there
        under its key (`segments`: the batch's meetings, as cache key and number
        of records)."""
        counted = self.count(batch)
        if cache is not None and segments:
            ends = np.cumsum([n for _, n in segments]).tolist()
            bounds = list(zip([0, *ends[:-1]], ends, strict=True))
            for (key, _), meeting in zip(segments, split_batch(
                    self._terms, counted.terms, counted.docs, counted.tfs, counted.doc_len,
                    bounds), strict=True):
                store(cache, key, meeting)
        return counted


_COUNTER: _TermCounter | None = None  # the worker process's own
_SOURCE: MeetingSource | None = None  # the worker process's: where meetings' turns come from
_WORKER_CACHE: dict[tuple[str, str], AnalysisCache] = {}


def _start_worker(splitter: CompoundSplitter | None, opt: IndexOptions,
                  source: MeetingSource | None = None) -> None:
    global _COUNTER, _SOURCE
    _COUNTER = _TermCounter(splitter, opt)
    _SOURCE = source


@dataclass(frozen=True)
class MeetingSource:
    """What a worker needs to make a meeting's records from its outline
    alone (`analyse_meetings`): where its turns come from (a
    `generator.archive.MeetingTexts` that pickles) and the archive's people."""

    texts: object
    people: dict[str, Person]


@dataclass(frozen=True)
class MeetingJob:
    """A meeting whose cache key is not known yet: its outline, its motions'
    page slugs (in its order; None: the motion's id), its fact
    (`records.meeting_fact`) when known, and its place in the archive."""

    index: int
    outline: Meeting
    motion_slugs: tuple[str | None, ...]
    fact: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class AnalysedMeetings:
    """What a worker made of a chunk of `MeetingJob`s: per job its cache key,
    fact and record rows (None: its turns were not at hand there, so the
    build makes them), and the postings in job order: a `CountedBatch` for a
    run of meetings counted here, a `CountedMeeting` for one the analysis
    cache held, an int for a job left to the build."""

    made: list[tuple[str, tuple[str, tuple[str, ...]], list] | None]
    postings: list[CountedBatch | CountedMeeting | int]


def _slugs_of(job: MeetingJob) -> dict[tuple[str, str], str]:
    """The motion slugs of `job`'s meeting as the archive's mapping gives them."""
    return {(job.outline.id, m.id): slug
            for m, slug in zip(job.outline.motions, job.motion_slugs, strict=True)
            if slug is not None}


def analyse_meetings(counter: _TermCounter, source: MeetingSource, jobs: list[MeetingJob],
                     folder: Path, salt: str) -> AnalysedMeetings:
    """Per job: its fact (read from its turns unless known), its cache key,
    and its records' postings and rows, from the analysis cache under that
    key if there, else counted (the meetings of a run together) and stored
    there: what the build process did per meeting (`build_search_index`)."""
    from dataclasses import replace

    from generator.search.records import meeting_fact, resolved_context

    opt = counter.opt
    cache = _WORKER_CACHE.get((str(folder), salt))
    if cache is None:
        _WORKER_CACHE.clear()
        cache = _WORKER_CACHE[str(folder), salt] = AnalysisCache(folder, salt)
    made: list = []
    postings: list = []
    inputs: list[tuple[str, str, str]] = []
    segments: list[tuple[str, int]] = []

    def flush() -> None:
        if inputs:
            postings.append(counter.count_and_store(inputs, segments, folder))
            inputs.clear()
            segments.clear()

    texts, people = source.texts, source.people
    for j, job in enumerate(jobs):
        outline, slugs = job.outline, _slugs_of(job)
        full = None
        try:
            fact = job.fact
            if fact is None:
                full = replace(outline, turns=texts.turns(outline))  # type: ignore[attr-defined]
                fact = meeting_fact(full)
            key = meeting_key(cache, opt, fact[0], resolved_context(outline, fact[1], people,
                                                                    slugs))
            counted = cache.get(key)
            if counted is not None:
                rows = cache.get_rows(key)
                if rows is not None and len(rows.rows) == len(counted.doc_len):
                    flush()
                    postings.append(counted)
                    made.append((key, fact, rows.rows))
                    continue
            if full is None:
                full = replace(outline, turns=texts.turns(outline))  # type: ignore[attr-defined]
        except (OSError, ValueError, KeyError):  # not at hand here: the build makes it
            flush()
            postings.append(j)
            made.append(None)
            continue
        records = build_records([full], people, slugs)
        rows = [record_row(record, opt) for record in records]
        made.append((key, fact, rows))
        if not records:
            continue
        cache.put_rows(key, RecordRows(rows))
        if counted is not None:
            flush()
            postings.append(counted)
        else:
            inputs += [counted_fields(r) for r in records]
            segments.append((key, len(records)))
    flush()
    return AnalysedMeetings(made, postings)


def _analyse_in_worker(jobs: list[MeetingJob], folder: Path, salt: str) -> AnalysedMeetings:
    assert _COUNTER is not None and _SOURCE is not None
    return analyse_meetings(_COUNTER, _SOURCE, jobs, folder, salt)


def _count_in_worker(batch: list[tuple[str, str, str]], segments: list[tuple[str, int]],
                     cache: Path | None) -> CountedBatch:
    assert _COUNTER is not None
    return _COUNTER.count_and_store(batch, segments, cache)


# --- encoding postings ------------------------------------------------------------

def encode_varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unsigned LEB128 of each value (< 2**28): the bytes, and where each value
    ends. Every value's first byte is written at once, then the few longer
    values' further bytes."""
    values = values.astype(np.uint32)
    if len(values) and int(values.max()) >= 1 << 28:
        raise ValueError("a posting value does not fit in four varint bytes")
    size = (1 + (values >= 1 << 7).view(np.uint8) + (values >= 1 << 14).view(np.uint8)
            + (values >= 1 << 21).view(np.uint8))
    ends = np.cumsum(size, dtype=np.int64)
    out = np.empty(int(ends[-1]) if len(values) else 0, np.uint8)
    at = ends - size
    for j in (1, 2, 3, 4):
        more = size > j
        out[at] = (values & 0x7F).astype(np.uint8) | (more.view(np.uint8) << 7)
        rest = np.flatnonzero(more)
        if not len(rest):
            break
        values, size, at = values[rest] >> 7, size[rest], at[rest] + 1
    return out, ends


def decode_varints(text: str) -> list[int]:
    """The values of base64 of unsigned LEB128 varints."""
    out: list[int] = []
    value = shift = 0
    for byte in base64.b64decode(text):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            out.append(value)
            value = shift = 0
    return out


def decode_postings(text: str) -> list[int]:
    """The flat [gap, score, speaker, group, ...] of one encoded tier (stored
    in columns: all gaps, then all scores, speakers, groups)."""
    values = decode_varints(text)
    n = len(values) // 4
    return [values[c * n + i] for i in range(n) for c in range(4)]


def mean_length(total_tokens: int, n_docs: int) -> int:
    """The mean record length BM25 normalises by, rounded to a whole token
    (at least 1). Rounded, it stays put when one meeting gains or loses a few
    words (at 10,000 meetings, about a million records, a word moves the
    exact mean by a millionth of a token), so an edit changes only the edited
    records' normalisers and the other records keep their scores
    (docs/search.md, "The length normaliser")."""
    if n_docs <= 0:
        return 1
    return max((2 * int(total_tokens) + n_docs) // (2 * n_docs), 1)  # round half up


def length_norms(doc_len: np.ndarray, mean: int, opt: IndexOptions) -> np.ndarray:
    """Per record, BM25's length normaliser doubled (tf is in half-units):
    2 * k1 * (1 - b + b * dl / mean)."""
    return 2 * (opt.k1 * (1 - opt.b + opt.b * doc_len.astype(np.float64) / float(mean)))


def term_scale(df: np.ndarray, n_docs: int, opt: IndexOptions) -> np.ndarray:
    """Per term of `df` postings: idf * (k1 + 1) * score_scale."""
    dfs = df.astype(np.float64)
    idf = np.log(1 + (n_docs - dfs + 0.5) / (dfs + 0.5))
    return idf * (opt.k1 + 1) * opt.score_scale


def bm25_scores(scale: np.ndarray, tfs: np.ndarray, norm2: np.ndarray,
                boost: np.ndarray) -> np.ndarray:
    """The stored scores of postings (each argument per posting; tf in
    half-units): round(bm25 * score_scale * boost), at least 1. The one
    formula of the full build and the fast path, so both give the same bytes."""
    tfs = tfs.astype(np.float64)
    return np.maximum(np.rint(scale * tfs / (tfs + norm2) * boost), 1).astype(np.int64)


@dataclass(frozen=True)
class _Scoring:
    """What BM25 needs per record, shared by the encoding workers."""

    norm2: np.ndarray  # `length_norms`
    boost: np.ndarray
    speaker: np.ndarray
    group: np.ndarray
    n_docs: int


@dataclass(frozen=True)
class EncodedTerms:
    """A run of terms, encoded: per term its df, tier maxima and tiers (base64)."""

    first: int  # rank of the first term
    df: list[int]
    maxima: list[list[int]]
    tiers: list[list[str]]
    # per term, per tier: its last posting in rank order (score, record), so
    # the fast path can tell which tiers a posting whose score moved crosses
    worst: list[list[tuple[int, int]]] = field(default_factory=list)


def encode_terms(packed: np.ndarray, df: np.ndarray, scoring: _Scoring,
                 opt: IndexOptions, first: int, chunk: int = 1 << 16) -> EncodedTerms:
    """Scores, tiers and encodes the postings of consecutive terms: `packed` holds
    their postings (record << 8 | tf, records ascending per term), `df` their counts.

    Memory stays near 12 bytes a posting plus what `chunk` postings take: one
    packed int64 key a posting (term, score, record) is sorted best first, and
    each tier, a contiguous run of those keys, is sorted by record and encoded
    with at most `chunk` postings' temporaries at a time (the most common
    words have ~860,000 postings at 10,000 meetings: made whole, their arrays
    took ~220 MB in each encoding worker)."""
    if not len(packed):
        return EncodedTerms(first, [], [], [], [])
    n_terms, n = len(df), len(packed)
    df = np.asarray(df, np.int64)
    term_end = np.cumsum(df)
    scale = term_scale(df, scoring.n_docs, opt)
    scores = np.empty(n, np.int32)
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        part = packed[lo:hi]
        docs = (part >> 8).astype(np.int64)
        term = np.searchsorted(term_end, np.arange(lo, hi), side="right")
        scores[lo:hi] = bm25_scores(scale[term], part & 0xFF, scoring.norm2[docs],
                                    scoring.boost[docs])
    # Sorting packed int64 keys (fields in bit ranges) is much faster than
    # argsort, and each key is unique, so the order is fully determined.
    d_bits = max((int(packed.max()) >> 8).bit_length(), 1)
    s_bits = max(int(scores.max()).bit_length(), 1)
    n_tiers = len(opt.tier_bounds) + 1
    if n_terms.bit_length() + n_tiers.bit_length() + d_bits + s_bits > 63:
        raise ValueError("too many terms in one encoding task")
    top, d_mask = (1 << s_bits) - 1, (1 << d_bits) - 1
    key = np.empty(n, np.int64)  # best first per term; ties keep record order
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        term = np.searchsorted(term_end, np.arange(lo, hi), side="right")
        rank = top - scores[lo:hi].astype(np.int64)
        key[lo:hi] = ((term << (s_bits + d_bits)) | (rank << d_bits)
                      | (packed[lo:hi] >> 8).astype(np.int64))
    del scores
    key.sort()
    # The tiers (term, tier) as runs of the sorted keys, from the df alone.
    lows = np.array([0, *opt.tier_bounds], np.int64)
    highs = np.array([*opt.tier_bounds, np.iinfo(np.int64).max], np.int64)
    g_lo = np.minimum(lows[None, :], df[:, None])
    g_hi = np.minimum(highs[None, :], df[:, None])
    g_term = np.nonzero(g_hi > g_lo)[0]  # row-major: terms in order, tiers in order
    g_start = (term_end - df)[g_term] + g_lo[g_hi > g_lo]
    g_stop = (term_end - df)[g_term] + g_hi[g_hi > g_lo]
    best, last = key[g_start], key[g_stop - 1]
    maxima_of = (top - ((best >> d_bits) & top)).tolist()
    worst_of = zip((top - ((last >> d_bits) & top)).tolist(), (last & d_mask).tolist(), strict=True)
    tiers: list[list[str]] = [[] for _ in range(n_terms)]
    maxima: list[list[int]] = [[] for _ in range(n_terms)]
    worst: list[list[tuple[int, int]]] = [[] for _ in range(n_terms)]
    for t, m, w in zip(g_term.tolist(), maxima_of, worst_of, strict=True):
        maxima[t].append(m)
        worst[t].append(w)
    g = 0
    starts, stops = g_start.tolist(), g_stop.tolist()
    while g < len(starts):  # runs of whole tiers of about `chunk` postings
        h = g + 1
        while h < len(starts) and stops[h] - starts[g] <= chunk:
            h += 1
        texts = _encode_tiers(key[starts[g]:stops[h - 1]], np.array(stops[g:h]) - starts[g],
                              d_bits, s_bits, scoring, chunk)
        for t, text in zip(g_term[g:h].tolist(), texts, strict=True):
            tiers[t].append(text)
        g = h
    return EncodedTerms(first, df.tolist(), maxima, tiers, worst)


def _encode_tiers(keys: np.ndarray, stops: np.ndarray, d_bits: int, s_bits: int,
                  scoring: _Scoring, chunk: int) -> list[str]:
    """Consecutive tiers as `encode_terms` stores them: `keys` (score-sorted,
    as there) holds them, tier i ending at `stops[i]`. Each tier is sorted by
    record and written in columns (gaps, scores, speakers, groups), each
    column encoded `chunk` values at a time (varints are per value, so the
    bytes do not depend on where the pieces are cut)."""
    top, d_mask = (1 << s_bits) - 1, (1 << d_bits) - 1
    tier = np.repeat(np.arange(len(stops), dtype=np.int64), np.diff(stops, prepend=0))
    if len(stops).bit_length() + d_bits + s_bits > 63:
        raise ValueError("too many tiers in one encoding run")
    by_record = ((tier << (d_bits + s_bits)) | ((keys & d_mask) << s_bits)
                 | (top - ((keys >> d_bits) & top)))
    del tier
    by_record.sort()
    docs = (by_record >> s_bits) & d_mask
    scores = by_record & top
    del by_record
    gaps = np.diff(docs, prepend=0)
    gaps[stops[:-1]] = docs[stops[:-1]]  # each tier's first gap is its first record
    columns = (lambda lo, hi: gaps[lo:hi], lambda lo, hi: scores[lo:hi],
               lambda lo, hi: scoring.speaker[docs[lo:hi]],
               lambda lo, hi: scoring.group[docs[lo:hi]])
    parts: list[list[bytes]] = [[] for _ in stops]
    for column in columns:
        pieces: list[bytes] = []
        ends: list[np.ndarray] = []
        base = 0
        for lo in range(0, len(docs), chunk):
            data, end = encode_varints(column(lo, min(lo + chunk, len(docs))))
            pieces.append(data.tobytes())
            ends.append(end + base)
            base += len(data)
        blob = b"".join(pieces)
        byte_stop = np.concatenate(ends)[stops - 1].tolist()
        for i, (a, b) in enumerate(zip([0, *byte_stop[:-1]], byte_stop, strict=True)):
            parts[i].append(blob[a:b])
    return [base64.b64encode(b"".join(p)).decode("ascii") for p in parts]


def encode_tier(docs: np.ndarray, scores: np.ndarray, speakers: np.ndarray,
                groups: np.ndarray) -> str:
    """One tier as `encode_terms` writes it, from its postings sorted by record:
    base64 of the varints of its gaps, scores, speakers and groups, in columns."""
    gaps = np.diff(docs.astype(np.int64), prepend=0)
    data, _ = encode_varints(np.concatenate([gaps, scores, speakers, groups]).astype(np.int64))
    return base64.b64encode(data.tobytes()).decode("ascii")


def decode_tier(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The records, scores, speakers and groups of one encoded tier (numpy)."""
    data = np.frombuffer(base64.b64decode(text), np.uint8)
    ends = np.flatnonzero(data < 0x80)
    starts = np.concatenate(([0], ends[:-1] + 1))
    values = np.zeros(len(ends), np.int64)
    for j in range(4):  # at most four bytes a value (`encode_varints`)
        more = np.flatnonzero(ends - starts >= j)
        if not len(more):
            break
        values[more] |= (data[starts[more] + j] & 0x7F).astype(np.int64) << (7 * j)
    n = len(values) // 4
    return np.cumsum(values[:n]), values[n:2 * n], values[2 * n:3 * n], values[3 * n:]


_OPENED: dict[str, _Scoring] = {}  # spill folder -> its per-record arrays


def _open_spill(folder: str, n_docs: int) -> _Scoring:
    """The per-record arrays that `finish` wrote to `folder`, mapped read-only
    (the page cache is shared, so workers do not copy them)."""
    global _COUNTER, _SOURCE
    got = _OPENED.get(folder)
    if got is None:
        # counting is over (`finish` drains it before encoding starts): its
        # tables (every distinct word of the archive) go, and what it freed
        _COUNTER = _SOURCE = None
        release_freed_memory()
        path = Path(folder)
        arrays = [np.load(path / f"{name}.npy", mmap_mode="r")
                  for name in ("norm2", "boost", "speaker", "group")]
        _OPENED.clear()
        got = _OPENED[folder] = _Scoring(*arrays, n_docs=n_docs)
    return got


def _read_postings(folder: str, lo: int, hi: int) -> np.ndarray:
    """Postings `lo` to `hi` of the spill's sorted postings file. Read, not
    mapped: mapped pages stay in a worker's memory until it ends (at 10,000
    meetings the file is ~270 MB, and each worker held all of it)."""
    with open(Path(folder) / "postings.bin", "rb") as fh:
        fh.seek(lo * 4)
        return np.fromfile(fh, np.uint32, count=hi - lo)


@cache
def _libc_malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_freed_memory() -> None:
    """Returns freed heap memory to the system (glibc keeps freed numpy buffers
    in its heap, where they would count against this process until it ends)."""
    trim = _libc_malloc_trim()
    if trim is not None:
        trim(0)


def _encode_task(task: tuple[str, int, int, int, list[int], int, IndexOptions]) -> EncodedTerms:
    folder, n_docs, lo, hi, df, first, opt = task
    scoring = _open_spill(folder, n_docs)
    return encode_terms(_read_postings(folder, lo, hi), np.array(df, np.int64), scoring, opt,
                        first)


# --- the layout -------------------------------------------------------------------

def tier_sizes(df: int, bounds: tuple[int, ...]) -> list[int]:
    """Postings in each tier of a term with `df` postings."""
    sizes, low = [], 0
    for bound in (*bounds, df):
        if low >= df:
            break
        if bound > low:
            sizes.append(min(bound, df) - low)
            low = bound
    return sizes


def plan_deep_files(dfs: list[int], opt: IndexOptions, budget: int) -> list[list[tuple[int, int]]]:
    """Where each term's deep tiers go: per term, [(file, index in file)] for
    tiers 1, 2, .... Tiers of one depth are packed in term order into files of
    at most `cap` postings (a larger tier gets a file of its own; a tier never
    spans files). The cap of a depth is proportional to the square root of its
    full tier size (a compromise between one file size for all depths, which
    makes the often loaded shallow tiers costly, and a size proportional to the
    tier, which leaves the deep files huge), at least `deep_file_postings`, and
    grows until the files fit in `budget`. Tiers that start beyond
    `rare_tier_start` (the far end of very common words, which few queries reach)
    go into files of `rare_file_postings`, so they take few of the files.

    A term's first `joint_tiers` deep tiers are one unit (packed like one
    tier): a query that needs a common word's tier 1 mostly needs its tier 2
    as well, and gets it in the same file, instead of a second file shared
    with other terms' tiers 2."""
    return deep_file_plan(dfs, opt, budget)[0]


def deep_file_plan(dfs: list[int], opt: IndexOptions, budget: int, hint: int | None = None
                   ) -> tuple[list[list[tuple[int, int]]], int]:
    """`plan_deep_files`, and the step of the caps it chose (they grow by 10% a
    step). `hint`, the step an earlier plan of nearly the same df chose, is
    tried first: the plan is the same as without it (the number of files
    never grows with the caps, since each depth is packed greedily in order,
    so a step that fits while the one before it does not is the first that
    fits), but takes two packings instead of one per step (~20 at 10,000
    meetings, ~50 ms each)."""
    bounds = opt.tier_bounds
    joint = max(opt.joint_tiers, 1)
    columns = _by_depth(dfs, tuple(bounds), joint)
    full = [b - a for a, b in zip(bounds, (*bounds[1:], bounds[-1] * 8), strict=True)]
    starts = [bounds[0], *bounds[joint:]]
    full = [sum(full[:joint]), *full[joint:]]
    scales = [opt.deep_file_postings / math.sqrt(full[0]) if full else 1.0]

    def packed(step: int, count_only: bool = False) -> tuple[list[list[tuple[int, int]]], int]:
        while len(scales) <= step:
            scales.append(scales[-1] * 1.1)
        caps = [max(opt.rare_file_postings if start >= opt.rare_tier_start
                    else opt.deep_file_postings, int(scales[step] * math.sqrt(f)))
                for start, f in zip(starts, full, strict=True)]
        return _pack(columns, len(dfs), caps, count_only)

    def last(step: int) -> bool:
        return scales[step] > 1 << 30

    if hint is not None and hint >= 0:
        plan, n_files = packed(hint)
        if n_files <= max(budget, 1) and (
                hint == 0 or (packed(hint - 1, count_only=True)[1] > max(budget, 1)
                              and not last(hint - 1))):
            return plan, hint
    step = 0
    while True:  # (the files counted at each step, the plan made at the one chosen)
        if packed(step, count_only=True)[1] <= max(budget, 1) or last(step):
            return packed(step)[0], step
        step += 1


def _units(sizes: list[int], joint: int) -> list[list[int]]:
    """A term's deep tier sizes as packing units: the first `joint` together."""
    return ([sizes[:joint]] if sizes else []) + [[s] for s in sizes[joint:]]


@functools.lru_cache(maxsize=1 << 16)
def _unit_sizes(df: int, bounds: tuple[int, ...], joint: int) -> tuple[tuple[int, int], ...]:
    """Per packing unit of a term with `df` postings (`_units`), its
    postings and its number of tiers (many terms share a df)."""
    return tuple((sum(unit), len(unit)) for unit in _units(tier_sizes(df, bounds)[1:], joint))


def _by_depth(dfs: list[int], bounds: tuple[int, ...], joint: int
              ) -> list[list[tuple[int, int, int]]]:
    """Per depth, the (term, postings, tiers) of every term with a unit
    there, in term order."""
    columns: list[list[tuple[int, int, int]]] = []
    for t, df in enumerate(dfs):
        units = _unit_sizes(df, bounds, joint)
        while len(columns) < len(units):
            columns.append([])
        for k, (size, count) in enumerate(units):
            columns[k].append((t, size, count))
    return columns


def _pack(columns: list[list[tuple[int, int, int]]], n_terms: int, caps: list[int],
          count_only: bool = False) -> tuple[list[list[tuple[int, int]]], int]:
    """The units of each depth (`_by_depth`) packed in term order into files
    of at most the depth's cap; with `count_only`, the number of files alone
    (the plan is empty). Each depth walks only the terms with a unit there
    (the walk over every term at every depth was half of a plan)."""
    plan: list[list[tuple[int, int]]] = [] if count_only else [[] for _ in range(n_terms)]
    n_files = 0
    for k, column in enumerate(columns):
        cap = caps[min(k, len(caps) - 1)]
        filled = cap  # forces a new file at the first unit
        index = 0
        for t, size, count in column:
            if filled + size > cap and filled > 0:
                n_files += 1
                filled = index = 0
            if not count_only:
                plan[t].extend([(n_files - 1, index + j) for j in range(count)])
            index += count
            filled += size
    return plan, n_files


def plan_term_shards(names: list[str], df: list[int], opt: IndexOptions) -> list[tuple[int, int]]:
    """Contiguous runs [a, b) of the sorted vocabulary, cut after about
    `term_shard_bytes` of tier-0 postings (a term's tier 0 holds min(df, first
    tier bound) postings, so the cut needs only the df)."""
    first = opt.tier_bounds[0]
    shards: list[tuple[int, int]] = []
    size = 0
    a = 0
    for t, (term, n) in enumerate(zip(names, df, strict=True)):
        size += len(term) + 24 + POSTING_CHARS * min(n, first)
        if size >= opt.term_shard_bytes:
            shards.append((a, t + 1))
            a, size = t + 1, 0
    if a < len(names):
        shards.append((a, len(names)))
    return shards


def manifest_js(opt: IndexOptions, keys: list[str], n_docs: int, facets: _Facets) -> str:
    """The manifest: counts, the term shards' first terms, the facet tables."""
    return _js("manifest", 0, {
        "version": FORMAT_VERSION,
        "records": n_docs,
        "recordsPerShard": opt.records_per_shard,
        "tiers": list(opt.tier_bounds),
        "exactPostings": opt.exact_postings,
        "shards": keys,
        "speakers": facets.speaker_rows,
        "parties": list(facets.parties),
        "groups": [list(g) for g in facets.groups],
    })


def record_file_js(n: int, rows: list[str]) -> str:
    """Record file `n` of the rows (JSON) of its records."""
    return f'{REGISTER}("r",{n},[{",".join(rows)}]);\n'


def _forked_pool(workers: int, *initializer):
    """A pool of workers forked from a small server process ("forkserver"), not
    from this one: in a site build this process holds the archive (~800 MB at
    10,000 meetings), and workers forked from it kept the pages it rewrote
    afterwards alive (about 500 MB more for the build at that size). The
    initializer's arguments (the compound splitter, ~0.6 MB) are pickled."""
    return multiprocessing.get_context("forkserver").Pool(workers, *initializer)


def default_workers() -> int:
    return os.cpu_count() or 1


class IndexWriter:
    """Add records one by one, then `finish()`; writes into `out_dir`.

    Term counting runs in `workers` processes on batches of `BATCH` records;
    their postings are appended in batch order, so the index is the same for any
    number of workers. The same processes encode the postings in `finish`."""

    BATCH = 1000
    ENCODE_TASK = 1 << 17  # postings per encoding task

    def __init__(self, out_dir: Path, splitter: CompoundSplitter | None = None,
                 options: IndexOptions | None = None, workers: int | None = None,
                 cache_dir: Path | None = None, source: MeetingSource | None = None):
        self.out = out_dir
        self.opt = options or IndexOptions()
        self.stats = IndexStats()
        self.facets = _Facets()
        self._term_ids: dict[str, int] = {}
        self._names: list[str] = []  # our term ids -> terms
        opt = self.opt
        self._cache = None if cache_dir is None else analysis_cache(cache_dir, splitter, opt)
        self._segments: list[tuple[str, int]] = []  # uncached meetings in _texts: key, records
        self._cache_folder = None if self._cache is None else self._cache.folder
        self._maps: dict[int, list[int]] = {}  # counting process -> its term ids -> ours
        # the postings go to spill files, one per first character of their
        # terms (`_Spill`); only the df per term stays in memory
        self._df = np.zeros(0, np.int64)  # by our term id
        self._held: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._held_records = 0  # records of the cached meetings in `_held`
        self._doc_lens: list[np.ndarray] = []
        self._n_counted = 0
        # per record (arrays, not lists: 9 bytes a record, not 24)
        self.doc_speaker = array("i")
        self.doc_group = array("i")
        self.doc_motion = array("b")
        self._batch: list[str] = []  # rows of the record file being filled, as JSON
        self._texts: list[tuple[str, str, str]] = []
        self._jobs: list[MeetingJob] = []  # meetings for the workers to analyse (`add_job`)
        self._job_records = 0  # their records, as estimated
        # the rows of meetings added since the last queued item (`_queue`):
        # (cache key or None, records, rows)
        self._rows: list[tuple[str | None, int, list]] = []
        # AsyncResults of counted batches and analysed jobs and the `_Ready`
        # postings and rows of cached meetings, in archive order
        self._pending: deque = deque()
        # what the build keeps of a job the workers analysed (`made(job, key,
        # fact)`) and does itself when one could not be (`redo(job)`: its key,
        # fact and records); set by `build_search_index`
        self.made: Callable[[MeetingJob, str, tuple], None] | None = None
        self.redo: Callable[[MeetingJob], tuple[str, tuple, list[SearchRecord]]] | None = None
        workers = default_workers() if workers is None else workers
        self._pool = None
        self._workers = workers
        self._counter = _TermCounter(splitter, self.opt)
        if self._can_fork():
            self._pool = _forked_pool(workers, _start_worker, (splitter, self.opt, source))
        self.analyses_meetings = self._pool is not None and source is not None \
            and self._cache is not None
        for sub in ("t", "d", "r"):  # a rebuild must not leave shards of the last one
            shutil.rmtree(out_dir / sub, ignore_errors=True)
            (out_dir / sub).mkdir(parents=True)
        # Inside the output folder, so a killed site build's leftovers go with
        # its staging folder; removed by close().
        self._spill = tempfile.TemporaryDirectory(prefix=".spill-", dir=out_dir)
        self._files = OutputFiles(out_dir, None if cache_dir is None else cache_dir / FARM)
        # the files are written (hashed, linked into the farm) by a thread:
        # mostly system calls, which leave this process's interpreter free
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="search-files")
        self._writes: deque = deque()  # their futures, in order
        self._spilled = _Spill(Path(self._spill.name))
        # the meetings' cache keys and record counts, for the next build's fast
        # path (`incremental`); None once a record comes without a key
        self._meetings: list[tuple[str, int]] | None = [] if cache_dir is not None else None
        self._state_dir = None if cache_dir is None else cache_dir / STATE_DIR
        self._worst: dict[str, list[tuple[int, int]]] = {}  # for the state (`EncodedTerms`)
        if self._state_dir is not None:
            from generator.search.incremental import drop_state
            drop_state(self._state_dir)  # what it describes is about to change

    def add(self, record: SearchRecord) -> None:
        """Adds one record (counted in batches of `BATCH`; not cached)."""
        self._meetings = None
        self._send_jobs()
        self._texts.append(counted_fields(record))
        self._rows.append((None, 1, [self._row_of(record)]))
        if len(self._texts) == self.BATCH:
            self._count_batch()

    def add_meeting(self, records: list[SearchRecord], key: str | None = None) -> None:
        """Adds the records of one meeting. With a cache folder, a meeting whose
        records were counted before (same inputs, same analysis) is not counted
        again; a newly counted one is stored. A `key` (what decides the records:
        `build_search_index`) replaces the hash of their inputs as the cache key,
        and their rows are stored under it too (`add_stored_meeting`)."""
        self._send_jobs()
        inputs = [counted_fields(r) for r in records]
        rows_key = given = key  # rows are stored under a given key only
        if key is None:
            self._meetings = None
        n_records = len(records)
        if self._cache is not None and inputs:
            key = self._cache.key(inputs) if key is None else self._cache.use(key)
        else:
            key = rows_key = None
        counted = self._cache.get(key) if key is not None and self._cache else None
        rows = [self._row_of(record) for record in records]
        if rows_key is not None and self._cache is not None:
            self._cache.put_rows(rows_key, RecordRows(rows))
        if counted is not None:
            if self._texts:
                self._count_batch()
            self._queue(_Ready(_Stored(counted, given, rows)))
        else:
            self._texts += inputs
            self._rows.append((given, n_records, rows))
            if key is not None:
                self._segments.append((key, len(inputs)))
            if len(self._texts) >= self.BATCH:
                self._count_batch()
        self._merge_ready()

    def meeting_key(self, *parts: str) -> str:
        """A cache key for a meeting whose records `parts` decide (with the
        analysis and these options)."""
        assert self._cache is not None
        return meeting_key(self._cache, self.opt, *parts)

    def add_stored_meeting(self, key: str) -> bool:
        """Adds a meeting from the cache alone (its counted terms and rows stored
        under `key` by an earlier `add_meeting(records, key)`); False, adding
        nothing, when they are not there."""
        if self._cache is None:
            return False
        counted = self._cache.get(key)
        rows = self._cache.get_rows(key) if counted is not None else None
        if rows is None or len(rows.rows) != len(counted.doc_len):
            return False
        self._cache.use(key)
        self._send_jobs()
        if self._texts:
            self._count_batch()
        self._queue(_Ready(_Stored(counted, key, rows.rows)))
        self._merge_ready()
        return True

    def add_job(self, job: MeetingJob, records: int) -> None:
        """Adds a meeting the workers analyse (`analyses_meetings` must be
        true): they make its fact, cache key, records and postings
        (`analyse_meetings`), `records` of them as estimated, in chunks of
        about `BATCH` records; `made` is called with what they made, in
        archive order, as the results are merged."""
        assert self.analyses_meetings
        if self._texts:
            self._count_batch()
        self._jobs.append(job)
        self._job_records += max(records, 1)
        if self._job_records >= self.BATCH:
            self._send_jobs()

    def _send_jobs(self) -> None:
        if not self._jobs:
            return
        jobs, self._jobs, self._job_records = self._jobs, [], 0
        assert self._pool is not None and self._cache is not None
        self._queue(_Chunk(self._pool.apply_async(
            _analyse_in_worker, (jobs, self._cache.folder, self._cache.salt)), jobs))
        self._merge_ready()

    def _queue(self, item: object) -> None:
        """Queues `item` after the rows of the meetings added before it."""
        if self._rows:
            self._pending.append(_Ready(_Rows(self._rows)))
            self._rows = []
        self._pending.append(item)

    def _row_of(self, record: SearchRecord) -> tuple[str, str, str, str, str, str, str, str]:
        return record_row(record, self.opt)

    def _count_batch(self) -> None:
        texts, self._texts = self._texts, []
        segments, self._segments = self._segments, []
        if self._pool is None:
            counted = self._counter.count_and_store(texts, segments, self._cache_folder)
            self._queue(_Ready(counted))
        else:
            self._queue(self._pool.apply_async(
                _count_in_worker, (texts, segments, self._cache_folder)))
        self._merge_ready()

    def _merge_ready(self) -> None:
        """Merges the counted batches at the head of the queue (in order), waiting
        when more than two per worker are pending."""
        while len(self._pending) > 2 * self._workers or (
                self._pending and self._pending[0].ready()):
            self._merge_next()

    def _merge_next(self) -> None:
        item = self._pending.popleft().get()
        if isinstance(item, _Stored):
            self._hold(item.counted)
            self._add_rows(item.key, len(item.rows), item.rows)
        elif isinstance(item, _Rows):
            for key, n_records, rows in item.rows:
                self._add_rows(key, n_records, rows)
        elif isinstance(item, tuple):  # (jobs, AnalysedMeetings)
            self._merge_analysed(*item)
        else:
            self._append_held()
            self._merge(item)

    def _merge_analysed(self, jobs: list[MeetingJob], analysed: AnalysedMeetings) -> None:
        """The postings and rows of a chunk of jobs the workers analysed (the
        jobs they could not, done here), and what they made kept (`made`)."""
        made = analysed.made
        for part in analysed.postings:
            if isinstance(part, CountedMeeting):
                self._hold(part)
            elif isinstance(part, int):
                made[part] = self._do_here(jobs[part])
            else:
                self._append_held()
                self._merge(part)
        for job, (key, fact, rows) in zip(jobs, made, strict=True):
            assert self._cache is not None
            self._cache.use(key)
            self._add_rows(key, len(rows), rows)
            if self.made is not None:
                self.made(job, key, fact)

    def _do_here(self, job: MeetingJob) -> tuple[str, tuple, list]:
        """A job the workers could not do (its turns were not at hand there):
        done as `add_meeting` does, its postings merged at once."""
        assert self.redo is not None and self._cache is not None
        key, fact, records = self.redo(job)
        rows = [self._row_of(record) for record in records]
        if not records:
            return key, fact, rows
        self._cache.put_rows(key, RecordRows(rows))
        counted = self._cache.get(key)
        if counted is not None:
            self._hold(counted)
        else:
            self._append_held()
            self._merge(self._counter.count_and_store([counted_fields(r) for r in records],
                                                      [(key, len(records))], self._cache.folder))
        return key, fact, rows

    def _hold(self, counted: CountedMeeting) -> None:
        """A cached meeting's postings, appended with the next ones (`_append_held`)."""
        ids = self._term_ids
        # the new terms (their ids' order does not change the bytes: the layout sorts)
        for term in sorted(set(counted.terms).difference(ids)):
            ids[term] = len(self._names)
            self._names.append(term)
        ours = np.fromiter(map(ids.__getitem__, counted.terms), np.uint32,
                           len(counted.terms))[counted.term_index]
        self._held.append((ours, counted.docs, counted.tfs, counted.doc_len))
        self._held_records += len(counted.doc_len)
        if self._held_records >= self.BATCH:
            self._append_held()

    def _add_rows(self, key: str | None, n_records: int, rows: list) -> None:
        """A meeting's rows (in archive order) and its key for the next build's
        state: `_add_row` of each, in one loop (the build process does this
        for every record: ~1 million at 10,000 meetings)."""
        if self._meetings is not None:
            if key is None:
                self._meetings = None
            else:
                self._meetings.append((key, n_records))
        if len(self.doc_speaker) + len(rows) > MAX_RECORDS:
            raise ValueError(f"the index holds at most {MAX_RECORDS} records")
        facets = self.facets
        speakers, groups = facets.speakers, facets.groups
        add_speaker, add_group = self.doc_speaker.append, self.doc_group.append
        add_motion = self.doc_motion.append
        per_file = self.opt.records_per_shard
        batch = self._batch
        for speaker_id, name, party, year, kind, type_, before, after in rows:
            speaker = speakers.get(speaker_id or "~" + name)
            if speaker is None:
                speaker = facets.speaker(speaker_id, name, party)
            group = groups.get((year, kind, type_))
            if group is None:
                group = facets.group((year, kind, type_))
            add_speaker(speaker)
            add_group(group)
            add_motion(type_ == MOTION)
            batch.append(f"{before}{speaker}{after}")
            if len(batch) == per_file:
                self._flush_records()
                batch = self._batch

    def _append_held(self) -> None:
        """Appends the cached meetings read since the last batch as one chunk: a
        chunk per meeting would keep a (terms, counts) pair per meeting and term
        until the end (over 1 GB at 10,000 meetings). Same postings either way."""
        held, self._held, self._held_records = self._held, [], 0
        if not held:
            return
        offsets = np.cumsum([0] + [len(h[3]) for h in held[:-1]])
        self._append(np.concatenate([h[0] for h in held]),
                     np.concatenate([h[1].astype(np.uint32) + np.uint32(at)
                                     for h, at in zip(held, offsets, strict=True)]),
                     np.concatenate([h[2] for h in held]),
                     np.concatenate([h[3] for h in held]))

    def _merge(self, batch: CountedBatch) -> None:
        """Keeps a counted batch's postings by our term ids."""
        mapping = self._maps.setdefault(batch.counter, [])
        ids = self._term_ids
        for term in batch.new_terms:
            if term not in ids:
                ids[term] = len(self._names)
                self._names.append(term)
            mapping.append(ids[term])
        ours = np.array(mapping, np.uint32)[batch.terms]
        # (a counted batch is sorted by term: each term's postings together)
        self._append(ours, batch.docs, batch.tfs, batch.doc_len, runs=True)

    def _append(self, ours: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                doc_len: np.ndarray, runs: bool = False) -> None:
        """Appends postings (our term ids; records of this batch, ascending per
        term; `runs`: each term's together, `_Spill.append`) to the spill,
        renumbered to follow the last batch, and counts them into the df."""
        names = self._names
        if len(self._df) < len(names):
            grown = len(names) - len(self._df)
            self._df = np.concatenate([self._df, np.zeros(grown, np.int64)])
            self._spilled.name_terms(names[len(names) - grown:])
        packed = ((docs + np.uint32(self._n_counted)) << np.uint32(8)) | tfs
        self._spilled.append(ours, packed.astype(np.uint32), runs)
        self._df += np.bincount(ours, minlength=len(self._df))
        self._doc_lens.append(doc_len)
        self._n_counted += len(doc_len)

    def _drain(self) -> None:
        self._send_jobs()
        if self._texts:
            self._count_batch()
        if self._rows:
            self._queue(_Ready(_Rows([])))
        while self._pending:
            self._merge_next()
        self._append_held()
        if self._cache is not None:
            self._cache.prune()

    def close(self) -> None:
        """Stops the worker processes and removes the spill folder (`finish` does
        it; call it after an error)."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
        self._writer.shutdown(wait=True)
        self._spilled.close()
        self._spill.cleanup()

    WRITES_AHEAD = 32  # files queued for the writing thread at most

    def _write(self, rel: str, text: str) -> None:
        data = text.encode("utf-8")
        writes = self._writes
        writes.append(self._writer.submit(self._files.write, rel, data))
        while len(writes) > self.WRITES_AHEAD or writes[0].done():
            writes.popleft().result()  # (an error of the thread's is raised here)
            if not writes:
                break
        self.stats.files += 1
        self.stats.bytes += len(data)

    def _written(self) -> None:
        """Waits until every file queued is written."""
        while self._writes:
            self._writes.popleft().result()

    def _flush_records(self) -> None:
        if self._batch:
            n = self.stats.record_shards
            self._write(f"r/{n}.js", record_file_js(n, self._batch))
            self.stats.record_shards += 1
            self._batch = []

    def _postings_by_term(self, path: Path) -> tuple[list[str], np.ndarray, Iterator[int]]:
        """The sorted terms and their df, and the writing of every posting into
        one array file, terms in sorted order, records ascending within a term
        (`_Spill.write_sorted`: each step writes the next group and gives the
        postings written so far)."""
        names = self._names
        by_name = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), np.int64)
        rank[by_name] = np.arange(len(names))
        df = self._df[by_name] if len(by_name) else np.zeros(0, np.int64)
        self._df = np.zeros(0, np.int64)

        def written() -> Iterator[int]:
            yield from self._spilled.write_sorted(path, rank, df)
            release_freed_memory()

        return [names[i] for i in by_name], df, written()

    def finish(self) -> IndexStats:
        """Scores, tiers and writes the postings. The counting workers (forked
        when this process was small) encode runs of terms from arrays spilled to
        a temporary folder, so no process copies the postings."""
        self._drain()
        self._flush_records()
        opt = self.opt
        doc_len = np.concatenate([np.zeros(0, np.int64), *self._doc_lens]).astype(np.int64)
        n_docs = len(doc_len)
        total_tokens = int(doc_len.sum())
        tmp = self._spill.name
        folder = Path(tmp)
        np.save(folder / "norm2.npy", length_norms(doc_len, mean_length(total_tokens, n_docs), opt))
        np.save(folder / "boost.npy",
                np.where(np.frombuffer(self.doc_motion, np.int8) != 0, opt.motion_boost, 1.0))
        np.save(folder / "speaker.npy", np.frombuffer(self.doc_speaker, np.int32).astype(np.int64))
        np.save(folder / "group.npy", np.frombuffer(self.doc_group, np.int32).astype(np.int64))
        names, df, layout = self._postings_by_term(folder / "postings.bin")
        self.stats.records, self.stats.terms = n_docs, len(names)
        self.stats.encoded = len(names)
        self.stats.postings = int(df.sum())
        shards = plan_term_shards(names, df.tolist(), opt)
        budget = opt.max_files - self.stats.record_shards - len(shards) - 2
        deep, deep_step = deep_file_plan(df.tolist(), opt, budget)
        start = np.concatenate(([0], np.cumsum(df))).tolist()
        tasks = [(tmp, n_docs, start[a], start[b], df[a:b].tolist(), a, opt)
                 for a, b in _encoding_tasks(df, self.ENCODE_TASK)]
        try:
            if self._pool is not None and len(tasks) > 1:
                self._write_terms(names, shards, deep,
                                  self._in_order(_encode_task, tasks, layout))
            else:
                for _ in layout:
                    pass
                self._write_terms(names, shards, deep, map(_encode_task, tasks))
            if self._state_dir is not None and self._meetings is not None:
                from generator.search.incremental import keep_postings
                keep_postings(folder, self._state_dir)
            self._write_manifest([names[a] for a, _ in shards], n_docs)
            self._written()
        finally:
            _OPENED.clear()
            self.close()
        self._files.close()
        self.stats.linked = self._files.linked
        if self._state_dir is not None and self._meetings is not None:
            from generator.search.incremental import IndexState, save_state
            save_state(self._state_dir, IndexState.after_full_build(
                self.opt, self._meetings, names, df.tolist(), shards, deep, self.facets,
                self.stats.record_shards, n_docs, total_tokens, self._worst, deep_step))
        return self.stats

    def _in_order(self, function, tasks: list, layout: Iterator[int]) -> Iterator:
        """`function` of each encoding task on the pool, results in order, at
        most two tasks per worker in flight (so finished results do not pile
        up here). A task starts once `layout` (the postings file being
        written, group by group: the postings written so far) holds its
        postings: the workers encode while the rest is laid out."""
        assert self._pool is not None
        pending: deque = deque()
        written = 0
        for task in tasks:
            while written < task[3]:  # (its postings lo to hi)
                written = next(layout)
            pending.append(self._pool.apply_async(function, (task,)))
            if len(pending) > 2 * self._workers:
                yield pending.popleft().get()
        for _ in layout:
            pass
        while pending:
            yield pending.popleft().get()

    def _write_terms(self, names: list[str], shards: list[tuple[int, int]],
                     deep: list[list[tuple[int, int]]], encoded: Iterator[EncodedTerms]) -> None:
        """Writes the term shards and deep-tier files, in term order, from the
        encoded runs of terms (which arrive in term order)."""
        last_term: dict[int, int] = {}  # deep file -> the last term with a tier in it
        for t, places in enumerate(deep):
            for f, _ in places:
                last_term[f] = t
        shard_at = 0
        shard: dict[str, list] = {}
        open_files: dict[int, list[str]] = {}
        for run in encoded:
            for i, (df, maxima, tiers) in enumerate(zip(run.df, run.maxima, run.tiers,
                                                        strict=True)):
                t = run.first + i
                if run.worst:
                    self._worst[names[t]] = run.worst[i]
                entry: list = [df, maxima, tiers[0]]
                if deep[t]:
                    entry.append([list(p) for p in deep[t]])
                shard[names[t]] = entry
                for (f, index), data in zip(deep[t], tiers[1:], strict=True):
                    open_files.setdefault(f, []).append(data)
                    assert len(open_files[f]) == index + 1
                for f in dict.fromkeys(f for f, _ in deep[t]):
                    if last_term[f] == t:
                        self._write(f"d/{f}.js", tiers_js(f, open_files.pop(f)))
                        self.stats.tier_files += 1
                if t + 1 == shards[shard_at][1]:
                    self._write(f"t/{shard_at}.js", _js("t", shard_at, shard))
                    shard, shard_at = {}, shard_at + 1
                    self.stats.term_shards += 1
        assert not open_files and shard_at == len(shards)

    def _can_fork(self) -> bool:
        return (self._workers > 1 and "forkserver" in multiprocessing.get_all_start_methods()
                and not multiprocessing.current_process().daemon)  # pool workers can't fork

    def _write_manifest(self, keys: list[str], n_docs: int) -> None:
        self._write("manifest.js", manifest_js(self.opt, keys, n_docs, self.facets))


class _Spill:
    """The postings of every batch, on disk until `finish` lays them out.

    Postings go to one file per first character of their term (its code point,
    non-ASCII together last): the sorted vocabulary is then a run of such
    groups, each a contiguous range of the laid-out postings, so the layout
    sorts one group at a time in memory and writes the array file in order.
    Nothing of the size of all postings is ever held or mapped by the parent
    (a mapped array's written pages count in its resident memory)."""

    GROUPS = 129

    def __init__(self, folder: Path):
        self.folder = folder
        self._group_of = np.zeros(0, np.uint8)  # by term id
        self._files: dict[int, object] = {}
        self._sizes: dict[int, list[int]] = {}  # group -> postings per batch

    def name_terms(self, terms: list[str]) -> None:
        """The next term ids are `terms`."""
        groups = np.array([min(ord(t[0]), self.GROUPS - 1) if t else 0 for t in terms], np.uint8)
        self._group_of = np.concatenate([self._group_of, groups])

    def append(self, terms: np.ndarray, packed: np.ndarray, runs: bool = False) -> None:
        """One batch's postings: `terms` (our ids), `packed` (record << 8 | tf),
        records ascending per term. `runs`: each term's postings are together
        already (a counted batch: sorted by the counting process's term ids),
        so a stable sort by group keeps them so (a radix sort of one byte, not
        a sort of the term ids: ~40% of the build process's merging)."""
        group = self._group_of[terms]
        if runs:
            order = np.argsort(group, kind="stable")
        else:
            order = np.argsort((group.astype(np.int64) << 32) | terms.astype(np.int64),
                               kind="stable")
        group, terms, packed = group[order], terms[order], packed[order]
        cuts = np.searchsorted(group, np.arange(self.GROUPS + 1)).tolist()
        for g in range(self.GROUPS):
            a, b = cuts[g], cuts[g + 1]
            if a == b:
                continue
            if g not in self._files:
                self._files[g] = (self.folder / f"g{g}.bin").open("wb")
                self._sizes[g] = []
            f = self._files[g]
            # (a buffered write: `ndarray.tofile` makes ~8 system calls a call,
            # and a batch writes two arrays per group of its terms)
            f.write(terms[a:b].astype(np.uint32).data)
            f.write(np.ascontiguousarray(packed[a:b], np.uint32).data)
            self._sizes[g].append(b - a)

    def close(self) -> None:
        for f in self._files.values():
            f.close()

    def write_sorted(self, path: Path, rank: np.ndarray, df: np.ndarray) -> Iterator[int]:
        """Writes all postings to `path` (raw uint32), terms by `rank` (their
        place in the sorted vocabulary; `df` by rank), records ascending per
        term: per group a counting sort of its batches, which arrive in record
        order. A generator: each step writes a group (flushed: readable by
        other processes) and gives the postings written so far."""
        self.close()
        start = np.concatenate(([0], np.cumsum(df)))
        ranks_of_group = np.zeros(self.GROUPS + 1, np.int64)
        if len(rank):
            by_rank = np.empty(len(rank), np.int64)
            by_rank[rank] = np.arange(len(rank))
            counts = np.bincount(self._group_of[by_rank], minlength=self.GROUPS)
            ranks_of_group[1:] = np.cumsum(counts)
        with path.open("wb") as out:
            for g in sorted(self._sizes):
                lo, hi = int(ranks_of_group[g]), int(ranks_of_group[g + 1])
                base = int(start[lo])
                block = np.empty(int(start[hi]) - base, np.uint32)
                cursor = start[lo:hi] - base
                spilled = self.folder / f"g{g}.bin"
                with spilled.open("rb") as f:
                    for size in self._sizes[g]:
                        terms = np.fromfile(f, np.uint32, size)
                        packed = np.fromfile(f, np.uint32, size)
                        first = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1])))
                        counts = np.diff(np.append(first, size))
                        r = rank[terms[first]] - lo
                        at = np.repeat(cursor[r] - first, counts) + np.arange(size)
                        block[at] = packed
                        cursor[r] += counts
                spilled.unlink()
                assert out.tell() == 4 * base
                out.write(block.data)
                out.flush()
                del block
                yield int(start[hi])
        self._sizes = {}
        yield int(start[-1]) if len(start) else 0


def _encoding_tasks(df: np.ndarray, postings_per_task: int) -> list[tuple[int, int]]:
    """Runs [a, b) of consecutive terms with about `postings_per_task` postings."""
    tasks: list[tuple[int, int]] = []
    a = size = 0
    for t, n in enumerate(df.tolist()):
        size += n
        if size >= postings_per_task:
            tasks.append((a, t + 1))
            a, size = t + 1, 0
    if a < len(df) or not tasks:
        tasks.append((a, len(df)))
    return tasks


@dataclass(frozen=True)
class _Stored:
    """A meeting's postings and rows from the analysis cache (`key`: its key)."""

    counted: CountedMeeting
    key: str | None
    rows: list


@dataclass(frozen=True)
class _Rows:
    """The rows of meetings whose postings are counted in a batch: (cache
    key or None, records, rows) per meeting."""

    rows: list[tuple[str | None, int, list]]


class _Chunk:
    """Jobs queued with the AsyncResult of their analysis."""

    def __init__(self, result, jobs: list[MeetingJob]):
        self.result = result
        self.jobs = jobs

    def ready(self) -> bool:
        return self.result.ready()

    def get(self) -> tuple[list[MeetingJob], AnalysedMeetings]:
        return self.jobs, self.result.get()


class _Ready:
    """A result that is already there, queued among the workers' pending ones."""

    def __init__(self, value: object):
        self.value = value

    def ready(self) -> bool:
        return True

    def get(self) -> object:
        return self.value


def analysis_cache(cache_dir: Path, splitter: CompoundSplitter | None,
                   opt: IndexOptions) -> AnalysisCache:
    """The per-meeting cache of counted terms in `cache_dir`, for this analysis."""
    return AnalysisCache(cache_dir, analysis_salt(
        splitter, (opt.text_weight, opt.part_weight, opt.speaker_weight, opt.party_weight)))


def meeting_key(cache: AnalysisCache, opt: IndexOptions, *parts: str) -> str:
    """The cache key of a meeting whose records `parts` decide (with the
    analysis and these options); the key counts as used by this build."""
    return cache.key([(*parts, _options_repr(opt))])


@cache
def _options_repr(opt: IndexOptions) -> str:
    return repr(opt)  # made once, not once per meeting


def record_row(record: SearchRecord, opt: IndexOptions
               ) -> tuple[str, str, str, str, str, str, str, str]:
    """The record's facets and its row of the record files as JSON, without
    the speaker's number: (speaker id, speaker, party, year, kind, type,
    the JSON before that number, the JSON after it)."""
    text = _cut(record.text, opt.record_text_chars)
    q = encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str
    before = f"[{q(record.type[0])},{q(record.url)},{q(record.title)},{q(record.date)},"
    # a cut text is marked: a phrase beyond the cut cannot be checked
    after = f",{q(record.heading)},{q(text)}{'' if text is record.text else ',1'}]"
    return (record.speaker_id, record.speaker, record.party, record.year, record.kind,
            record.type, before, after)


def counted_fields(record: SearchRecord) -> tuple[str, str, str]:
    """What term counting reads of a record."""
    return record.heading + "\n" + record.text, record.speaker, record.party


def _cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters cut at a space (0: no limit)."""
    if not limit or len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit] + " \u2026"


MIN_RECORDS_PER_SHARD = 24
MAX_RECORD_FILES = 2500  # of the 5,000 files; the term shards and deep tiers get the rest
CAPPED_TEXT_CHARS = 280  # text kept per record once record files must grow (~36 words: a snippet)


def records_per_shard_for(n_records: int) -> int:
    """Records per record file: 24 (a few kB per shown result), more once the
    archive would otherwise need over `MAX_RECORD_FILES` files."""
    return max(MIN_RECORDS_PER_SHARD, -(-n_records // MAX_RECORD_FILES))


def options_for(n_records: int) -> IndexOptions:
    """The options for an archive of `n_records`: record files of 24 records
    with their whole text; beyond 60,000 records (the file cap) more records per
    file, each keeping only the first `CAPPED_TEXT_CHARS` of its text, so a shown
    result still costs little (docs/search.md, "Records")."""
    per_shard = records_per_shard_for(n_records)
    capped = per_shard > MIN_RECORDS_PER_SHARD
    return IndexOptions(records_per_shard=per_shard,
                        record_text_chars=CAPPED_TEXT_CHARS if capped else 0)


def build_index(meetings: Iterable[Meeting], people: Mapping[str, Person], out_dir: Path,
                splitter: CompoundSplitter | None = None,
                options: IndexOptions | None = None,
                motion_slugs: Mapping[tuple[str, str], str] | None = None,
                workers: int | None = None, cache_dir: Path | None = None) -> IndexStats:
    """Index `meetings` (any iterable: a generator keeps memory flat) into `out_dir`.
    `workers` processes (default: one per core) count terms and encode postings.
    With `cache_dir`, each meeting's counted terms are kept there, and a meeting
    counted before is not counted again (`analysis_cache`); the index is the same."""
    writer = IndexWriter(out_dir, splitter, options, workers, cache_dir)
    try:
        for meeting in meetings:
            writer.add_meeting(build_records([meeting], people, motion_slugs))
        return writer.finish()
    finally:
        writer.close()
