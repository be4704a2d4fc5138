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
import shutil
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
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


class IndexWriter:
    """Add records one by one, then `finish()`; writes into `out_dir`."""

    def __init__(self, out_dir: Path, splitter: CompoundSplitter | None = None,
                 options: IndexOptions | None = None):
        self.out = out_dir
        self.splitter = splitter
        self.opt = options or IndexOptions()
        self.stats = IndexStats()
        self.facets = _Facets()
        self.postings: dict[str, array] = {}
        self.doc_len = array("I")
        self.doc_speaker = array("I")
        self.doc_group = array("H")
        self.doc_motion = array("B")
        self._expansions: dict[str, tuple[str, ...]] = {}  # token -> weighted terms
        self._field_terms: dict[tuple[str, str], tuple[str, ...]] = {}  # speaker, party
        self._appenders: dict[str, Callable[[int], None]] = {}  # term -> postings.append
        self._batch: list[list] = []
        for sub in ("t", "r"):  # a rebuild must not leave shards of the last one
            shutil.rmtree(out_dir / sub, ignore_errors=True)
            (out_dir / sub).mkdir(parents=True)

    def add(self, record: SearchRecord) -> None:
        doc = len(self.doc_len)
        if doc >= MAX_RECORDS:
            raise ValueError(f"the index holds at most {MAX_RECORDS} records")
        counts = self._term_counts(record)
        appenders = self._appenders
        packed = doc << 8  # one uint32 per posting: record number, then tf (half-units)
        for term, tf in counts.items():
            appenders[term](packed | (tf if tf < 255 else 255))
        speaker = self.facets.speaker(record)
        self.doc_speaker.append(speaker)
        self.doc_group.append(self.facets.group(record))
        self.doc_motion.append(record.type == MOTION)
        self._batch.append([record.type[0], record.url, record.title, record.date, speaker,
                            record.heading, record.text])
        if len(self._batch) == self.opt.records_per_shard:
            self._flush_records()

    def _term_counts(self, record: SearchRecord) -> Counter[str]:
        """Term -> tf in half-units. Each distinct token is analysed once per build
        (`_expansions`: its stem repeated text_weight times, each compound part
        part_weight times), so counting a record is one C-level Counter pass."""
        tokens = tokenize(record.heading + "\n" + record.text)
        self.doc_len.append(len(tokens))
        expansions = self._expansions
        for token in set(tokens).difference(expansions):
            expansions[token] = self._expand(((self.opt.text_weight, stem(token)),
                                              (self.opt.part_weight,
                                               part_terms(self.splitter, token))))
        fields = (record.speaker, record.party)
        extra = self._field_terms.get(fields)
        if extra is None:
            extra = self._field_terms[fields] = self._expand(
                (w, tuple(stem(t) for t in tokenize(text)))
                for w, text in ((self.opt.speaker_weight, record.speaker),
                                (self.opt.party_weight, record.party)))
        return Counter(chain(chain.from_iterable(map(expansions.__getitem__, tokens)), extra))

    def _expand(self, weighted: Iterable[tuple[int, str | tuple[str, ...]]]) -> tuple[str, ...]:
        """Terms repeated by their weights; registers each term's postings array."""
        out: list[str] = []
        for weight, terms in weighted:
            for term in (terms,) if isinstance(terms, str) else terms:
                out += [term] * weight
                if term not in self._appenders:
                    self.postings[term] = entry = array("I")
                    self._appenders[term] = entry.append
        return tuple(out)

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
        self._flush_records()
        n_docs = len(self.doc_len)
        self.stats.records = n_docs
        self.stats.terms = len(self.postings)
        avgdl = (sum(self.doc_len) / n_docs) if n_docs else 1.0
        opt = self.opt
        norm2 = [2 * (opt.k1 * (1 - opt.b + opt.b * dl / max(avgdl, 1.0))) for dl in self.doc_len]
        boost = [opt.motion_boost if m else 1.0 for m in self.doc_motion]
        self._speaker_of, self._group_of = self.doc_speaker.tolist(), self.doc_group.tolist()
        keys: list[str] = []
        shard: dict[str, list] = {}
        tiers: dict[int, dict[str, list]] = {}
        size = 0
        for term in sorted(self.postings):
            entry, tier_data = self._encode_term(term, n_docs, norm2, boost)
            if shard and size >= opt.term_shard_bytes:
                self._write_term_shard(len(keys) - 1, shard, tiers)
                shard, tiers, size = {}, {}, 0
            if not shard:
                keys.append(term)
            shard[term] = entry
            for k, flat in enumerate(tier_data, start=1):
                tiers.setdefault(k, {})[term] = flat
            size += len(term) + 4 * len(entry[2])
        if shard:
            self._write_term_shard(len(keys) - 1, shard, tiers)
        self._write_manifest(keys, n_docs)
        return self.stats

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

    def _write_term_shard(self, n: int, shard: dict[str, list],
                          tiers: dict[int, dict[str, list]]) -> None:
        self._write(f"t/{n}.js", _js("t", n, shard))
        self.stats.term_shards += 1
        for k, data in sorted(tiers.items()):
            self._write(f"t/{n}-{k}.js", _js("t", f"{n}-{k}", data))
            self.stats.tier_files += 1

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
                options: IndexOptions | None = None) -> IndexStats:
    """Write the index of `records` into `out_dir` (e.g. ``site/search``)."""
    writer = IndexWriter(out_dir, splitter, options)
    for record in records:
        writer.add(record)
    return writer.finish()


def build_index(meetings: Iterable[Meeting], people: Mapping[str, Person], out_dir: Path,
                splitter: CompoundSplitter | None = None,
                options: IndexOptions | None = None,
                motion_slugs: Mapping[tuple[str, str], str] | None = None) -> IndexStats:
    """Index `meetings` (any iterable: a generator keeps memory flat) into `out_dir`."""
    writer = IndexWriter(out_dir, splitter, options)
    for meeting in meetings:
        for record in build_records([meeting], people, motion_slugs):
            writer.add(record)
    return writer.finish()
