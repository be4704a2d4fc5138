"""The query engine, in Python: reads the written shards exactly as search.js does.

Used by the relevance tests and the benchmark (which counts the bytes a browser
would download), and as the reference the JavaScript is compared against. Keep
the two in step: same parsing, same tier loading order, same scores and ties.

Query language: plain words (all must match), "quoted phrases" (exact order),
prefixes ``word*``, exclusion ``-word``.
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.search.analysis import fold, stem, terms, tokenize
from generator.search.index import decode_postings

MAX_EXPANSIONS = 12  # terms a prefix stands for, most frequent first
MIN_PREFIX = 2
PHRASE_VERIFY_ALL = 200  # verify every candidate of a phrase query up to this many
FACETS = ("type", "year", "kind", "party", "speaker")
_QUERY_TOKEN = re.compile(r'-?"[^"]*"?|\S+')


@dataclass
class Clause:
    """One required part of a query: a word, or the words a prefix expands to."""

    terms: list[str]
    prefix: bool = False


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)

    @property
    def highlight_terms(self) -> list[str]:
        return [t for c in self.clauses if not c.prefix for t in c.terms]


def parse_query(text: str) -> Query:
    """``'sancties "Nord Stream" rus* -china'`` -> clauses, a phrase, a prefix,
    an exclusion."""
    query = Query()
    seen: set[str] = set()

    def add(term: str) -> None:
        if term and term not in seen:
            seen.add(term)
            query.clauses.append(Clause([term]))

    for raw in _QUERY_TOKEN.findall(text):
        negative = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if negative else raw
        if body.startswith('"'):
            words = terms(body.strip('"'))
            if negative:
                query.excluded += words
                continue
            for w in words:
                add(w)
            if len(words) > 1:
                query.phrases.append(words)
        elif negative:
            query.excluded += terms(body)
        elif body.endswith("*"):
            tokens = tokenize(body)
            for t in tokens[:-1]:
                add(stem(t))
            if tokens:
                last = tokens[-1]
                stemmed = stem(last)
                prefix = stemmed if last.startswith(stemmed) else last
                if len(prefix) >= MIN_PREFIX and "*" + prefix not in seen:
                    seen.add("*" + prefix)
                    query.clauses.append(Clause([prefix], prefix=True))
                    query.prefixes.append(prefix)
        else:
            for t in terms(body):
                add(t)
    return query


class ShardLoader:
    """Reads shard files (``PlenumSearch.register(kind, key, data);``) from a
    folder, caching them, and counts what a browser would download."""

    def __init__(self, index_dir: Path):
        self.dir = index_dir
        self.cache: dict[str, object] = {}
        self.bytes = 0
        self.gzip_bytes = 0
        self.files = 0

    def load(self, rel: str) -> object:
        if rel not in self.cache:
            raw = (self.dir / rel).read_bytes()
            self.bytes += len(raw)
            self.gzip_bytes += len(gzip.compress(raw, 6))
            self.files += 1
            text = raw.decode("utf-8")
            start = text.index(",", text.index(",") + 1) + 1  # after kind and key
            self.cache[rel] = json.loads(text[start:text.rindex(")")])
        return self.cache[rel]


@dataclass
class _Alt:
    term: str
    df: int
    maxima: list[int]
    deep: list[list[int]]  # per deeper tier: [deep-tier file, index in it]
    loaded: int = 0
    # The last loaded posting in (score descending, record ascending) order:
    # an unloaded posting scores below `low`, or `low` with a record above `last`.
    low: int = 0
    last: int = -1

    def bound(self, doc: int) -> int:
        """The most `doc` can score for this term when its posting is not loaded
        (-1: the term has no unloaded postings)."""
        if self.loaded >= len(self.maxima):
            return -1
        nxt = self.maxima[self.loaded]
        return min(nxt, self.low - 1) if doc < self.last else nxt


@dataclass
class Hit:
    doc: int
    score: int


@dataclass
class Result:
    total: int
    exact: bool  # False when more matches may exist beyond the loaded postings
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    query: Query


class Engine:
    """Runs queries against one index folder."""

    def __init__(self, loader: ShardLoader):
        self.loader = loader
        self.manifest: dict = loader.load("manifest.js")  # type: ignore[assignment]
        self.keys: list[str] = self.manifest["shards"]
        # a term with at most this many postings is loaded whole: exact counts
        self.exact: int = self.manifest.get("exactPostings", 512)
        self.postings: dict[str, dict[int, tuple[int, int, int]]] = {}

    # -- shards ------------------------------------------------------------
    def _shard_of(self, term: str) -> int:
        return bisect.bisect_right(self.keys, term) - 1

    def _entry(self, term: str) -> _Alt | None:
        n = self._shard_of(term)
        if n < 0:
            return None
        data = self.loader.load(f"t/{n}.js")
        entry = data.get(term)  # type: ignore[union-attr]
        if entry is None:
            return None
        alt = _Alt(term, entry[0], entry[1], entry[3] if len(entry) > 3 else [])
        if term not in self.postings:
            self.postings[term] = {}
        self._add_postings(alt, entry[2])
        alt.loaded = 1
        return alt

    def _add_postings(self, alt: _Alt, encoded: str) -> None:
        """Adds a tier's postings; it follows the loaded ones in (score
        descending, record ascending) order, so its last posting is the last."""
        target = self.postings[alt.term]
        flat = decode_postings(encoded)
        doc = 0
        low, last = -1, -1
        for i in range(0, len(flat), 4):
            doc += flat[i]
            target[doc] = (flat[i + 1], flat[i + 2], flat[i + 3])
            if low < 0 or flat[i + 1] <= low:
                low, last = flat[i + 1], doc
        if low >= 0:
            alt.low, alt.last = low, last

    def _load_next(self, alt: _Alt) -> None:
        """Loads the term's next tier, and the tiers after it in the same file
        (they cost nothing more)."""
        file = alt.deep[alt.loaded - 1][0]
        data = self.loader.load(f"d/{file}.js")
        while alt.loaded < len(alt.maxima) and alt.deep[alt.loaded - 1][0] == file:
            self._add_postings(alt, data[alt.deep[alt.loaded - 1][1]])  # type: ignore[index]
            alt.loaded += 1

    def _expand(self, prefix: str) -> list[_Alt]:
        found: list[tuple[int, str]] = []
        n = max(self._shard_of(prefix), 0)
        while n < len(self.keys) and (n == max(self._shard_of(prefix), 0)
                                      or self.keys[n].startswith(prefix)):
            data = self.loader.load(f"t/{n}.js")
            found += [(e[0], t) for t, e in data.items() if t.startswith(prefix)]  # type: ignore[union-attr]
            n += 1
        found.sort(key=lambda f: (-f[0], f[1]))
        alts = [self._entry(t) for _, t in found[:MAX_EXPANSIONS]]
        return [a for a in alts if a is not None]

    def record(self, doc: int) -> list:
        per = self.manifest["recordsPerShard"]
        return self.loader.load(f"r/{doc // per}.js")[doc % per]  # type: ignore[index]

    # -- evaluation ----------------------------------------------------------
    def facet_values(self, speaker: int, group: int) -> dict[str, str]:
        sid, name, party = self.manifest["speakers"][speaker]
        year, kind, rtype = self.manifest["groups"][group]
        return {"type": rtype, "year": year, "kind": kind,
                "party": self.manifest["parties"][party] if party >= 0 else "",
                "speaker": sid or "~" + name}

    def search(self, text: str, filters: Mapping[str, set[str]] | None = None,
               need: int = 10) -> Result:
        query = parse_query(text)
        filters = {k: v for k, v in (filters or {}).items() if v}
        clauses: list[list[_Alt]] = []
        for clause in query.clauses:
            if clause.prefix:
                alts = self._expand(clause.terms[0])
            else:
                entry = self._entry(clause.terms[0])
                alts = [entry] if entry else []
            if not alts:
                return Result(0, True, [], {}, query)
            for alt in alts:
                while alt.df <= self.exact and alt.loaded < len(alt.maxima):
                    self._load_next(alt)
            clauses.append(alts)
        if not clauses:
            return Result(0, True, [], {}, query)
        excluded: set[int] = set()
        for term in query.excluded:
            alt = self._entry(term)
            while alt and alt.loaded < len(alt.maxima):
                self._load_next(alt)
            if alt:
                excluded.update(self.postings[term])
        rejected: set[int] = set()
        while True:
            matches, info = self._matches(clauses, excluded, rejected)
            ranked = sorted((d for d in matches if self._passes(info[d], filters)),
                            key=lambda d: (-matches[d], d))
            if query.phrases:
                ranked = self._verify_phrases(query, ranked, need, rejected)
            complete = all(a.loaded == len(a.maxima) for alts in clauses for a in alts)
            if complete:
                break
            tier = self._next_tier(clauses, ranked, matches, need, excluded | rejected, filters)
            if tier is None:
                break
            self._load_next(tier)
        facets = self._facet_counts(matches, info, filters, rejected)
        hits = [Hit(d, matches[d]) for d in ranked[:need]]
        return Result(len(ranked), complete, hits, facets, query)

    def _matches(self, clauses: list[list[_Alt]], excluded: set[int], rejected: set[int]
                 ) -> tuple[dict[int, int], dict[int, dict[str, str]]]:
        weights: list[dict[int, tuple[int, int, int]]] = []
        for alts in clauses:
            merged: dict[int, tuple[int, int, int]] = {}
            for alt in alts:
                for doc, p in self.postings[alt.term].items():
                    if doc not in merged or p[0] > merged[doc][0]:
                        merged[doc] = p
            weights.append(merged)
        weights.sort(key=len)
        matches: dict[int, int] = {}
        info: dict[int, dict[str, str]] = {}
        for doc, p in weights[0].items():
            if doc in excluded or doc in rejected:
                continue
            total = p[0]
            for other in weights[1:]:
                q = other.get(doc)
                if q is None:
                    break
                total += q[0]
            else:
                matches[doc] = total
                info[doc] = self.facet_values(p[1], p[2])
        return matches, info

    @staticmethod
    def _passes(values: dict[str, str], filters: Mapping[str, set[str]], skip: str = "") -> bool:
        return all(values[f] in allowed for f, allowed in filters.items() if f != skip)

    def _next_tier(self, clauses: list[list[_Alt]], ranked: list[int], matches: dict[int, int],
                   need: int, skip: set[int], filters: Mapping[str, set[str]]) -> _Alt | None:
        """None when no record outside the loaded postings can still enter the
        top `need` (a threshold algorithm); else the term whose next tier to
        load: one the strongest such record lacks.

        Where a record has no loaded posting for a clause, the clause adds at
        most `_Alt.bound`: its next tier's best score, or less for a record
        before the last loaded posting of that score (postings are loaded in
        score then record order, and ties rank by record, so this settles
        ties). A record beats the `need`-th, (score s, record d), with a bound
        above s, or equal to s and a record before d."""
        if len(ranked) >= need:
            last = ranked[need - 1]
            score = matches[last]
        else:
            last, score = -1, -1  # too few matches: every possible record counts
        n_clauses = len(clauses)
        partial: dict[int, list[int]] = {}
        for i, alts in enumerate(clauses):
            for alt in alts:
                for doc, p in self.postings[alt.term].items():
                    if doc in matches or doc in skip:
                        continue
                    row = partial.get(doc)
                    if row is None:
                        if not self._passes(self.facet_values(p[1], p[2]), filters):
                            skip.add(doc)
                            continue
                        row = partial[doc] = [-1] * n_clauses
                    row[i] = max(row[i], p[0])
        best: tuple[int, int] | None = None  # (bound, -record) of the strongest
        best_row: list[int] = []
        unseen = [-1] * n_clauses
        # A record no loaded posting names: its bound grows with its number
        # (past each term's `last`), so the record just before `last`, and one
        # beyond every term's, are the strongest.
        candidates = [*partial.items(), (self.manifest["records"], unseen)]
        if last > 0:
            candidates.append((last - 1, unseen))
        for doc, row in candidates:
            total = 0
            for i, w in enumerate(row):
                b = max((a.bound(doc) for a in clauses[i]), default=-1)
                if w < 0 and b < 0:
                    break
                total += max(w, b)
            else:
                threat = total > score or (total == score and doc < last)
                if threat and (best is None or (total, -doc) > best):
                    best, best_row = (total, -doc), row
        if best is None:
            return None
        choice: _Alt | None = None
        for i, alts in enumerate(clauses):
            if best_row[i] >= 0 and len(alts) == 1:
                continue  # its posting is loaded: the record lacks another clause
            for alt in alts:
                if alt.loaded < len(alt.maxima) and (
                        choice is None or alt.maxima[alt.loaded] > choice.maxima[choice.loaded]):
                    choice = alt
        return choice if choice is not None else self._best_next(clauses)

    @staticmethod
    def _best_next(clauses: list[list[_Alt]]) -> _Alt | None:
        """The term whose next tier has the best score."""
        best: _Alt | None = None
        for alts in clauses:
            for alt in alts:
                if alt.loaded < len(alt.maxima) and (
                        best is None or alt.maxima[alt.loaded] > best.maxima[best.loaded]):
                    best = alt
        return best

    def _verify_phrases(self, query: Query, ranked: list[int], need: int,
                        rejected: set[int]) -> list[int]:
        limit = len(ranked) if len(ranked) <= PHRASE_VERIFY_ALL else need
        kept: list[int] = []
        for doc in ranked:
            if len(kept) >= limit:
                kept.append(doc)  # unverified beyond the limit: counted, not shown
                continue
            record = self.record(doc)
            words = terms(record[5] + "\n" + record[6])
            if all(_contains(words, p) for p in query.phrases) or _is_cut(record):
                kept.append(doc)  # a cut record's words all match: it may hold the phrase
            else:
                rejected.add(doc)
        return kept

    def _facet_counts(self, matches: dict[int, int], info: dict[int, dict[str, str]],
                      filters: Mapping[str, set[str]], rejected: set[int]
                      ) -> dict[str, list[tuple[str, int]]]:
        counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        for doc in matches:
            if doc in rejected:
                continue
            values = info[doc]
            for f in FACETS:
                if values[f] and self._passes(values, filters, skip=f):
                    counts[f][values[f]] = counts[f].get(values[f], 0) + 1
        return {f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for f, c in counts.items()}


def _is_cut(record: list) -> bool:
    """True when the record file holds only the opening of the record's text
    (large archives): a phrase not found there may still be further on."""
    return len(record) > 7 and record[7] == 1


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def open_index(index_dir: Path) -> Engine:
    return Engine(ShardLoader(index_dir))


__all__ = ["Engine", "Query", "Result", "ShardLoader", "fold", "open_index", "parse_query"]
