"""Dutch-aware text analysis, shared by the index build and every query.

The browser applies exactly the same steps (`search.js`: `fold`, `tokenize`,
`stem`); `tests/test_search_parity.py` runs both on thousands of real words and
asserts identical output. Only compound decomposition is build-only: it needs a
lexicon the browser does not have, and it need not run at query time because the
parts of every compound are indexed beside the compound itself.

    "Geïnvesteerd"      -> fold -> "geinvesteerd" -> stem -> "geinvesteerd"
    "Ruslandstrategie"  -> term "ruslandstrategie", parts "rusland", "strategie"
    "gasafhankelijkheid"-> parts "gas", "afhankelijk" (stemmed)
"""

from __future__ import annotations

import re
import unicodedata

import snowballstemmer

# A plural 's goes ("collega's" -> "collega"), other apostrophes vanish.
_APOSTROPHE_S = re.compile("['\u2019\u2018\u02bc]s\\b")
_APOSTROPHES = re.compile("['\u2019\u2018\u02bc]")
_APOSTROPHE_CHARS = ("'", "\u2019", "\u2018", "\u02bc")
_TOKEN = re.compile(r"[a-z0-9]+")  # what tokenize() finds (tests check it against this)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SEPARATORS = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))

# The classic Snowball Dutch (Porter-style) algorithm: short enough to port to
# JavaScript line by line, which the parity test checks.
_STEMMER = snowballstemmer.stemmer("dutch_porter")
_STEMS: dict[str, str] = {}

# Compound splitting: parts must be real words of at least this many letters;
# a 3-letter head ("gas", "olie") must be a common word.
MIN_COMPOUND = 7
MIN_PART = 3
SHORT_PART_FREQ = 1e-5  # zipf 4: "gas", "olie" yes; "ges", "ver" no
FUNCTION_WORD_FREQ = 2e-3  # zipf 6.3: "voor", "aan", "van" are not compound parts
LINKERS = ("en", "s", "e")  # tussenklanken: "verdrag-s-gebied", "boek-en-kast"


class _FoldTable(dict):
    """str.translate table: each non-ASCII character to its NFKD form without
    nonspacing marks, computed once per character (NFKD works per character, so
    this equals normalising the whole text)."""

    def __missing__(self, code: int) -> str:
        folded = "".join(c for c in unicodedata.normalize("NFKD", chr(code))
                         if unicodedata.category(c) != "Mn")  # nonspacing marks go
        self[code] = folded
        return folded


_FOLD = _FoldTable({c: chr(c) for c in range(128)})


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Geïnvesteerd"`` -> ``"geinvesteerd"``."""
    if "'" in text or not text.isascii():
        if any(a in text for a in _APOSTROPHE_CHARS):
            text = _APOSTROPHES.sub("", _APOSTROPHE_S.sub("", text))
        if not text.isascii():
            # Only the non-ASCII runs go through the table (ASCII maps to itself).
            text = _NON_ASCII.sub(_fold_run, text)
    return text.lower()


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)


def tokenize(text: str) -> list[str]:
    """The folded words of `text`, in order (letters and digits; everything else
    separates words, so "MH17-onderzoek" gives "mh17", "onderzoek")."""
    # Equal to _TOKEN.findall(fold(text)), twice as fast: every byte but [a-z0-9]
    # (and every non-ASCII character, as "?") becomes a space, then split.
    return fold(text).encode("ascii", "replace").translate(_SEPARATORS).decode("ascii").split()


def stem(token: str) -> str:
    """The Snowball Dutch stem of one folded token, plus one fix for plurals in
    -ies that Snowball leaves alone ("sancties" -> "sanctie")."""
    stemmed = _STEMS.get(token)
    if stemmed is None:
        stemmed = _STEMMER.stemWord(token)
        if len(stemmed) > 4 and stemmed.endswith("ies"):
            stemmed = stemmed[:-1]
        if len(_STEMS) < 500_000:
            _STEMS[token] = stemmed
    return stemmed


def terms(text: str) -> list[str]:
    """Stemmed terms of `text`, in order: what a query is made of."""
    return [stem(t) for t in tokenize(text)]


class Lexicon:
    """Dutch words with their frequencies (from `wordfreq`), for compound splitting."""

    def __init__(self, freq: dict[str, float], digest: str | None = None):
        self.freq = freq
        self._digest = digest

    def digest(self) -> str:
        """A hash of the words and frequencies (made once: ~40 ms)."""
        if self._digest is None:
            import hashlib

            self._digest = hashlib.blake2b(repr(self.freq).encode(), digest_size=16).hexdigest()
        return self._digest

    @classmethod
    def from_wordfreq(cls, min_zipf: float = 3.0) -> Lexicon:
        from wordfreq import cB_to_freq, get_frequency_dict, get_frequency_list

        loaded = get_frequency_dict.cache_info().currsize + get_frequency_list.cache_info().currsize
        freq: dict[str, float] = {}
        floor = 10 ** (min_zipf - 9)
        # the words of `get_frequency_dict("nl")` in its order, most frequent
        # first: its buckets of equal frequency as wordfreq reads them (its
        # dict of all ~310,000 words took ~0.25 s of a clean build, serial)
        for index, bucket in enumerate(get_frequency_list("nl")):
            f = cB_to_freq(-index)
            if f < floor:
                break
            for word in bucket:
                folded = fold(word)
                if folded.isalpha() and folded.isascii() and len(folded) >= MIN_PART:
                    freq[folded] = max(f, freq.get(folded, 0.0))
        if not loaded:  # wordfreq keeps what it read (~27 MB) for the life of the process
            get_frequency_dict.cache_clear()
            get_frequency_list.cache_clear()
        return cls(freq)

    def part_frequency(self, word: str, first: bool = False) -> float:
        """How common `word` is as a compound part; 0 if it cannot be one. A
        3-letter part must be the first and common ("gas"), and function words
        ("voor", "aan") are never parts."""
        f = self.freq.get(word, 0.0)
        if f > FUNCTION_WORD_FREQ:
            return 0.0
        if len(word) == MIN_PART and (not first or f < SHORT_PART_FREQ):
            return 0.0
        return f


class CompoundSplitter:
    """Splits folded words into lexicon words, allowing the linking -s-, -e- and
    -en- between parts. Among all splits into at most three parts it takes the one
    whose parts have the highest geometric-mean frequency, and splits only when
    that beats the frequency of the whole word (Koehn & Knight 2003): so
    "samenwerking" splits, "gesprekken" (not "gesp" + "rekken") does not."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._cache: dict[str, tuple[str, ...]] = {}

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound (surface forms), or () if it is not one."""
        if len(word) < MIN_COMPOUND or not word.isalpha():
            return ()
        cached = self._cache.get(word)
        if cached is None:
            best, best_score = (), self.lexicon.freq.get(word, 0.0)
            for parts in self._splits(word, 3):
                if len(parts) < 2:
                    continue
                product = 1.0
                for i, p in enumerate(parts):
                    product *= self.lexicon.part_frequency(p, first=i == 0)
                score = product ** (1 / len(parts))
                if score > best_score:
                    best, best_score = parts, score
            cached = self._cache[word] = best
        return cached

    def _splits(self, word: str, max_parts: int, first: bool = True) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        if self.lexicon.part_frequency(word, first):
            out.append((word,))
        if max_parts < 2:
            return out
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head = word[:cut]
            if not self.lexicon.part_frequency(head, first):
                continue
            for linker in ("", *LINKERS):
                rest = word[cut:]
                if linker:
                    if not rest.startswith(linker):
                        continue
                    rest = rest[len(linker):]
                if len(rest) >= MIN_PART:
                    tails = self._splits(rest, max_parts - 1, first=False)
                    out.extend((head, *tail) for tail in tails)
        return out


def part_terms(splitter: CompoundSplitter | None, token: str) -> tuple[str, ...]:
    """Stems of the parts of a compound token, and of every run of adjacent parts
    ("mensenrechtengebied" -> "mens", "mensenrecht", "recht", "gebied", ...),
    without the token's own stem. A part followed by a linker also counts with
    it ("mensen")."""
    if splitter is None:
        return ()
    parts = splitter.split(token)
    spans: list[tuple[int, int]] = []
    at = 0
    for i, part in enumerate(parts):
        spans.append((at, at + len(part)))
        at += len(part)
        if i + 1 < len(parts):
            at += next((len(linker) for linker in LINKERS
                        if token.startswith(linker + parts[i + 1], at)), 0)
    forms: list[str] = []
    last = len(parts) - 1
    for i in range(len(parts)):
        for j in range(i, len(parts)):
            if (i, j) != (0, last):
                forms.append(token[spans[i][0]:spans[j][1]])
            if j < last and spans[j + 1][0] > spans[j][1]:
                forms.append(token[spans[i][0]:spans[j + 1][0]])
    own = stem(token)
    return tuple(dict.fromkeys(s for s in (stem(f) for f in forms) if s != own))
