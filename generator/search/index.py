"""The sharded search index: records in, `site/search/` out.

Every file is a script that calls ``PlenumSearch.register(kind, key, data)``, so
the browser loads it with a ``<script>`` element: that works from ``file://``,
where ``fetch`` of local files is refused, as well as over http, and every path
is relative to the search page. The layout (see docs/search.md):

    search/manifest.js      counts, term-shard keys, facet tables
    search/t/<n>.js         term shard n: for each term its df, per-tier maxima
                            and its best postings (tier 0)
    search/t/<n>-<k>.js     tier k of the terms of shard n that have one
    search/r/<n>.js         records n*R .. n*R+R-1: what a result shows

Postings of a term are sorted by score and cut into tiers of growing size, so a
query for a common word loads only its best postings first. Within a tier they
are sorted by record number and delta-encoded: ``[gap, score, speaker, group]``.

The build streams: records are tokenised and written as they come, postings
are kept in compact arrays, and the term shards are written at the end.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from generator.model import Meeting, Person
from generator.search.analysis import CompoundSplitter, part_terms, stem, tokenize
from generator.search.records import MOTION, SearchRecord, build_records

FORMAT_VERSION = 1
MAX_RECORDS = 1 << 24  # record numbers share a uint32 with the term frequency
REGISTER = "PlenumSearch.register"


@dataclass(frozen=True)
class IndexOptions:
    """Tuning of the index; docs/search.md explains each choice."""

    tier_bounds: tuple[int, ...] = (48, 512, 4096, 32768, 262144)  # cumulative
    term_shard_bytes: int = 24000  # raw bytes of tier-0 postings per term shard
    records_per_shard: int = 24  # see records_per_shard_for()
    k1: float = 1.2
    b: float = 0.75
    motion_boost: float = 1.5  # a motion's own text outranks a speech quoting it
    speaker_weight: int = 4  # half-units of tf: the speaker's name counts as 2
    party_weight: int = 2  # the party counts as 1 occurrence
    text_weight: int = 2  # each word of the text counts as 1
    part_weight: int = 1  # each compound part counts as 0.5
    score_scale: float = 8.0  # scores are stored as round(bm25 * scale)
    exact_postings: int = 512  # the client loads terms with at most this many postings whole


@dataclass
class IndexStats:
    records: int = 0
    terms: int = 0
    term_shards: int = 0
    tier_files: int = 0
    record_shards: int = 0
    files: int = 0
    bytes: int = 0


def _js(kind: str, key: object, data: object) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{REGISTER}({json.dumps(kind)},{json.dumps(key)},{payload});\n"


@dataclass
class _Facets:
    speakers: dict[str, int] = field(default_factory=dict)
    speaker_rows: list[list] = field(default_factory=list)
    parties: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def speaker(self, record: SearchRecord) -> int:
        key = record.speaker_id or "~" + record.speaker
        if key not in self.speakers:
            party = self.parties.setdefault(record.party, len(self.parties)) if record.party else -1
            self.speakers[key] = len(self.speaker_rows)
            self.speaker_rows.append([record.speaker_id, record.speaker, party])
        return self.speakers[key]

    def group(self, record: SearchRecord) -> int:
        key = (record.year, record.kind, record.type)
        return self.groups.setdefault(key, len(self.groups))


class _TermCounter:
    """Counts the terms of batches of records; runs in a worker process (or inline).

    Each distinct token is analysed once (`_expansions`: its stem repeated
    text_weight times, each compound part part_weight times), so counting a
    record is one C-level Counter pass over its tokens."""

    def __init__(self, splitter: CompoundSplitter | None, opt: IndexOptions):
        self.splitter = splitter
        self.opt = opt
        self._expansions: dict[str, tuple[str, ...]] = {}  # token -> weighted terms
        self._field_terms: dict[tuple[str, str], tuple[str, ...]] = {}  # speaker, party

    def count(self, batch: list[tuple[str, str, str]]) -> tuple[array, dict[str, array]]:
        """For (text, speaker, party) of each record: the token counts, and per term
        its postings ``local record number << 8 | tf`` (tf in half-units, <= 255)."""
        doc_len = array("I")
        postings: dict[str, array] = {}
        expansions = self._expansions
        for doc, (text, speaker, party) in enumerate(batch):
            tokens = tokenize(text)
            doc_len.append(len(tokens))
            for token in set(tokens).difference(expansions):
                expansions[token] = _repeat(((self.opt.text_weight, (stem(token),)),
                                             (self.opt.part_weight,
                                              part_terms(self.splitter, token))))
            extra = self._field_terms.get((speaker, party))
            if extra is None:
                extra = self._field_terms[speaker, party] = _repeat(
                    (w, tuple(stem(t) for t in tokenize(field)))
                    for w, field in ((self.opt.speaker_weight, speaker),
                                     (self.opt.party_weight, party)))
            counts = Counter(chain(chain.from_iterable(map(expansions.__getitem__, tokens)),
                                   extra))
            packed = doc << 8
            for term, tf in counts.items():
                entry = postings.get(term)
                if entry is None:
                    entry = postings[term] = array("I")
                entry.append(packed | (tf if tf < 255 else 255))
        return doc_len, postings


def _repeat(weighted: Iterable[tuple[int, tuple[str, ...]]]) -> tuple[str, ...]:
    return tuple(term for weight, terms in weighted for term in terms for _ in range(weight))


_COUNTER: _TermCounter | None = None  # the worker process's own


def _start_worker(splitter: CompoundSplitter | None, opt: IndexOptions) -> None:
    global _COUNTER
    _COUNTER = _TermCounter(splitter, opt)


def _count_in_worker(batch: list[tuple[str, str, str]]) -> tuple[array, dict[str, array]]:
    assert _COUNTER is not None
    return _COUNTER.count(batch)


_FINISHING: IndexWriter | None = None  # the writer whose term shards workers write


def _write_term_shard_in_worker(task: tuple[int, list[str]]) -> tuple[int, int, int]:
    assert _FINISHING is not None
    return _FINISHING._write_term_shard(*task)


def default_workers() -> int:
    return os.cpu_count() or 1


class IndexWriter:
    """Add records one by one, then `finish()`; writes into `out_dir`.

    Term counting, the bulk of the work, runs in `workers` processes on batches of
    `BATCH` records; their postings are appended in batch order, so the index is
    the same for any number of workers."""

    BATCH = 1000

    def __init__(self, out_dir: Path, splitter: CompoundSplitter | None = None,
                 options: IndexOptions | None = None, workers: int | None = None):
        self.out = out_dir
        self.opt = options or IndexOptions()
        self.stats = IndexStats()
        self.facets = _Facets()
        self.postings: dict[str, array] = {}
        self.doc_len = array("I")
        self.doc_speaker = array("I")
        self.doc_group = array("H")
        self.doc_motion = array("B")
        self._batch: list[list] = []
        self._texts: list[tuple[str, str, str]] = []
        self._pending: deque = deque()  # AsyncResults of counted batches, in order
        workers = default_workers() if workers is None else workers
        self._pool = None
        self._workers = workers
        self._counter = _TermCounter(splitter, self.opt)
        if self._can_fork():
            # fork: the workers inherit the splitter's lexicon instead of pickling it
            self._pool = multiprocessing.get_context("fork").Pool(
                workers, _start_worker, (splitter, self.opt))
        for sub in ("t", "r"):  # a rebuild must not leave shards of the last one
            shutil.rmtree(out_dir / sub, ignore_errors=True)
            (out_dir / sub).mkdir(parents=True)

    def add(self, record: SearchRecord) -> None:
        doc = len(self.doc_speaker)
        if doc >= MAX_RECORDS:
            raise ValueError(f"the index holds at most {MAX_RECORDS} records")
        self._texts.append((record.heading + "\n" + record.text, record.speaker, record.party))
        if len(self._texts) == self.BATCH:
            self._count_batch()
        speaker = self.facets.speaker(record)
        self.doc_speaker.append(speaker)
        self.doc_group.append(self.facets.group(record))
        self.doc_motion.append(record.type == MOTION)
        self._batch.append([record.type[0], record.url, record.title, record.date, speaker,
                            record.heading, record.text])
        if len(self._batch) == self.opt.records_per_shard:
            self._flush_records()

    def _count_batch(self) -> None:
        texts, self._texts = self._texts, []
        if self._pool is None:
            self._merge(*self._counter.count(texts))
            return
        self._pending.append(self._pool.apply_async(_count_in_worker, (texts,)))
        while len(self._pending) > 2 * self._workers or (
                self._pending and self._pending[0].ready()):
            self._merge(*self._pending.popleft().get())

    def _merge(self, doc_len: array, local: dict[str, array]) -> None:
        """Appends a counted batch's postings, renumbered to follow the last batch."""
        offset = len(self.doc_len) << 8
        self.doc_len.extend(doc_len)
        postings = self.postings
        for term, entries in local.items():
            entry = postings.get(term)
            if entry is None:
                entry = postings[term] = array("I")
            entry.extend(map(offset.__add__, entries) if offset else entries)

    def _drain(self) -> None:
        if self._texts:
            self._count_batch()
        while self._pending:
            self._merge(*self._pending.popleft().get())
        self.close()

    def close(self) -> None:
        """Stops the worker processes (`finish` does it; call it after an error)."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def _write(self, rel: str, text: str) -> None:
        data = text.encode("utf-8")
        (self.out / rel).write_bytes(data)
        self.stats.files += 1
        self.stats.bytes += len(data)

    def _flush_records(self) -> None:
        if self._batch:
            n = self.stats.record_shards
            self._write(f"r/{n}.js", _js("r", n, self._batch))
            self.stats.record_shards += 1
            self._batch = []

    def finish(self) -> IndexStats:
        self._drain()
        self._flush_records()
        n_docs = len(self.doc_len)
        self.stats.records = n_docs
        self.stats.terms = len(self.postings)
        avgdl = (sum(self.doc_len) / n_docs) if n_docs else 1.0
        opt = self.opt
        self._norm2 = [2 * (opt.k1 * (1 - opt.b + opt.b * dl / max(avgdl, 1.0)))
                       for dl in self.doc_len]
        self._boost = [opt.motion_boost if m else 1.0 for m in self.doc_motion]
        self._speaker_of, self._group_of = self.doc_speaker.tolist(), self.doc_group.tolist()
        shards = self._plan_term_shards()
        tasks = list(enumerate(shards))
        if self._can_fork() and len(shards) > 1:
            global _FINISHING
            _FINISHING = self  # forked workers see the postings without pickling them
            try:
                with multiprocessing.get_context("fork").Pool(self._workers) as pool:
                    written = pool.map(_write_term_shard_in_worker, tasks, chunksize=4)
            finally:
                _FINISHING = None
        else:
            written = [self._write_term_shard(n, terms) for n, terms in tasks]
        for files, nbytes, tier_files in written:
            self.stats.files += files
            self.stats.bytes += nbytes
            self.stats.tier_files += tier_files
        self.stats.term_shards = len(shards)
        self._write_manifest([terms[0] for terms in shards], n_docs)
        return self.stats

    def _can_fork(self) -> bool:
        return (self._workers > 1 and "fork" in multiprocessing.get_all_start_methods()
                and not multiprocessing.current_process().daemon)  # pool workers can't fork

    def _plan_term_shards(self) -> list[list[str]]:
        """Contiguous runs of the sorted vocabulary, cut after about
        `term_shard_bytes` of tier-0 postings (4 ints each; a term's tier 0 holds
        min(df, first tier bound) postings, so the cut needs only the df)."""
        first = self.opt.tier_bounds[0]
        shards: list[list[str]] = []
        size = self.opt.term_shard_bytes
        for term in sorted(self.postings):
            if size >= self.opt.term_shard_bytes:
                shards.append([])
                size = 0
            shards[-1].append(term)
            size += len(term) + 16 * min(len(self.postings[term]), first)
        return shards

    def _write_term_shard(self, n: int, terms: list[str]) -> tuple[int, int, int]:
        """Writes term shard n and its tier files; returns (files, bytes, tier files)."""
        before = (self.stats.files, self.stats.bytes, self.stats.tier_files)
        shard: dict[str, list] = {}
        tiers: dict[int, dict[str, list]] = {}
        for term in terms:
            entry, tier_data = self._encode_term(term, self.stats.records, self._norm2,
                                                 self._boost)
            shard[term] = entry
            for k, flat in enumerate(tier_data, start=1):
                tiers.setdefault(k, {})[term] = flat
        self._write(f"t/{n}.js", _js("t", n, shard))
        for k, data in sorted(tiers.items()):
            self._write(f"t/{n}-{k}.js", _js("t", f"{n}-{k}", data))
            self.stats.tier_files += 1
        return (self.stats.files - before[0], self.stats.bytes - before[1],
                self.stats.tier_files - before[2])

    def _encode_term(self, term: str, n_docs: int, norm2: list[float],
                     boost: list[float]) -> tuple[list, list[list[int]]]:
        packed = self.postings.pop(term)
        docs = list(map((8).__rrshift__, packed))  # p >> 8
        tfs = list(map((255).__and__, packed))
        df = len(docs)
        opt = self.opt
        idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        scale = idf * (opt.k1 + 1) * opt.score_scale
        # tf is in half-units, hence norm2 = 2 * norm (exact in floating point)
        scores = [round(scale * tf / (tf + norm2[d]) * boost[d]) or 1  # at least 1
                  for d, tf in zip(docs, tfs, strict=True)]
        bounds = opt.tier_bounds
        if df <= bounds[0]:  # one tier (most terms): already in record order
            return [df, [max(scores)], self._flat(docs, scores)], []
        # Best first; ties keep record order (docs are ascending; the sort is stable).
        order = sorted(range(df), key=scores.__getitem__, reverse=True)
        tiers: list[list[int]] = []
        maxima: list[int] = []
        start = 0
        for bound in (*bounds, df):
            if start >= df:
                break
            if bound <= start:
                continue
            chunk = sorted(order[start:bound])  # by record number, for delta coding
            maxima.append(scores[order[start]])
            tiers.append(self._flat(list(map(docs.__getitem__, chunk)),
                                    list(map(scores.__getitem__, chunk))))
            start = bound
        return [df, maxima, tiers[0]], tiers[1:]

    def _flat(self, docs: list[int], scores: list[int]) -> list[int]:
        """[gap, score, speaker, group] per posting, docs ascending."""
        gaps = list(map(int.__sub__, docs, chain((0,), docs)))
        return list(chain.from_iterable(zip(gaps, scores,
                                            map(self._speaker_of.__getitem__, docs),
                                            map(self._group_of.__getitem__, docs), strict=True)))

    def _write_manifest(self, keys: list[str], n_docs: int) -> None:
        f = self.facets
        manifest = {
            "version": FORMAT_VERSION,
            "records": n_docs,
            "recordsPerShard": self.opt.records_per_shard,
            "tiers": list(self.opt.tier_bounds),
            "exactPostings": self.opt.exact_postings,
            "shards": keys,
            "speakers": f.speaker_rows,
            "parties": list(f.parties),
            "groups": [list(g) for g in f.groups],
        }
        self._write("manifest.js", _js("manifest", 0, manifest))


MIN_RECORDS_PER_SHARD = 24
MAX_RECORD_FILES = 4000  # static hosts cap file counts (5,000); the term shards need the rest


def records_per_shard_for(n_records: int) -> int:
    """Records per record file: 24 (a few kB per shown result), more once the
    archive would otherwise need over `MAX_RECORD_FILES` files."""
    return max(MIN_RECORDS_PER_SHARD, -(-n_records // MAX_RECORD_FILES))


def write_index(records: Iterable[SearchRecord], out_dir: Path,
                splitter: CompoundSplitter | None = None,
                options: IndexOptions | None = None, workers: int | None = None) -> IndexStats:
    """Write the index of `records` into `out_dir` (e.g. ``site/search``)."""
    writer = IndexWriter(out_dir, splitter, options, workers)
    try:
        for record in records:
            writer.add(record)
        return writer.finish()
    finally:
        writer.close()


def build_index(meetings: Iterable[Meeting], people: Mapping[str, Person], out_dir: Path,
                splitter: CompoundSplitter | None = None,
                options: IndexOptions | None = None,
                motion_slugs: Mapping[tuple[str, str], str] | None = None,
                workers: int | None = None) -> IndexStats:
    """Index `meetings` (any iterable: a generator keeps memory flat) into `out_dir`.
    `workers` processes (default: one per core) count terms and write shards."""
    writer = IndexWriter(out_dir, splitter, options, workers)
    try:
        for meeting in meetings:
            for record in build_records([meeting], people, motion_slugs):
                writer.add(record)
        return writer.finish()
    finally:
        writer.close()
