"""Line-end hyphenation: decide whether "buiten-" + "landse" is one word
("buitenlandse") or a real hyphenated form ("NAVO-verdragsgebied").

Interface used by the text parser (stable):

    join_hyphenated(left, right, evidence) -> str

`left` is the last token of a line, ending in "-"; `right` is the first token of
the next line; `evidence` counts the lower-cased word forms found in the whole
transcript (so a form the transcript spells elsewhere wins). Returns the text
that replaces both tokens. That is one token, except in two cases where the
result holds a space:

- an elision hyphen ("gas-" + "en" -> "gas- en": "gas- en elektriciteit");
- a dash that is punctuation ("–" + "dat" -> "– dat").

The decision, in order (Dutch spelling, Taalunie Leidraad, and the archive):

1. "NAVO--" + "samenwerking": the word's own hyphen fell at the line end -> keep one.
2. A conjunction on the next line ("en", "of", "tot", ...) -> elision, keep "- ".
3. Evidence: the transcript writes the joined or the hyphenated form elsewhere.
4. A capital or digit after the hyphen, an acronym or digits before it
   (Oost-Oekraïne, MH17-onderzoek, SP-fractie, sms-contact) -> keep.
5. The joined form is a Dutch word (wordfreq) -> join; but a vowel clash
   (zee-egel, auto-industrie) keeps the hyphen unless the joined word is common
   or the trema restores it (be-invloeden -> beïnvloeden).
6. A capitalised first part that is a name rather than a Dutch word
   (Minsk-akkoorden, Harvard-index) -> keep; a Dutch word or a fragment
   (Noordoostpassage, Wereldgezondheidsorganisatie, Nieuwen-huijzen) -> join.
7. Two adjectives (sociaal-economische), multi-part compounds (staakt-het-vuren,
   people-to-peoplecontacten), the prefixes ex-, oud-, vice-, niet-, non-,
   collega-, and English pairs -> keep.
8. Otherwise join: Dutch writes compounds as one word.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path

DASHES = "–—‒―"
ELISION_WORDS = frozenset(
    {"en", "of", "tot", "noch", "en/of", "c.q.", "resp.", "respectievelijk", "als", "dan",
     "versus", "vs.", "&"}
)
HYPHEN_PREFIXES = frozenset({"ex", "oud", "niet", "non", "collega"})
# Two adjectives side by side ("sociaal-economische", "juridisch-technische")
# are hyphenated; one of them ends like this.
ADJECTIVE_ENDINGS = ("isch", "ische", "ieus", "ieuze", "ieel", "iële")
# Letter pairs that read as one sound in Dutch: a compound whose parts meet on
# such a pair takes a hyphen (zee-egel, auto-industrie, mini-installatie).
VOWEL_CLASHES = frozenset(
    {"aa", "ae", "ai", "au", "ee", "ei", "eu", "ie", "ii", "ij", "oe", "oi", "oo", "ou", "ue",
     "ui", "uu"}
)
TREMA = {"a": "ä", "e": "ë", "i": "ï", "o": "ö", "u": "ü"}
VOWELS = frozenset("aeiouyáéíóúàèëïöüâêîôû")
LEADING_PUNCT = "«»\"'‘’“”([{¿¡"
TRAILING_PUNCT = "«»\"'‘’“”)]}.,;:!?…"

WORD_ZIPF = 2.0  # a form this frequent in Dutch is a word, not a fragment
COMMON_ZIPF = 3.0  # frequent enough to override the vowel-clash hyphen
FOREIGN_MARGIN = 1.0  # zipf points by which another language must win


@cache
def _frequencies(lang: str) -> dict[str, float]:
    """wordfreq's frequency list for a language, loaded once on first use: what
    ``wordfreq.get_frequency_dict`` gives, built a bucket at a time (several
    times faster than its loop over every word)."""
    import wordfreq

    freqs: dict[str, float] = {}
    for index, bucket in enumerate(wordfreq.get_frequency_list(lang)):
        freqs.update(dict.fromkeys(bucket, wordfreq.cB_to_freq(-index)))
    return freqs


class _Source:
    """Where frequencies come from: the loaded lists (the default, and once
    `warm_lexicons` loaded them), else the on-disk store `use_lexicon_store`
    named (generator/ingest/lexicon_store.py), opened once per process."""

    folder: Path | None = None
    warm = False
    store: object = None  # (pid, LexiconStore | None) once opened

    @classmethod
    def frequency(cls, word: str, lang: str) -> float:
        if cls.folder is not None and not cls.warm:
            store = cls._store()
            if store is not None:
                return store.frequency(word, lang)
        return _frequencies(lang).get(word, 0.0)

    @classmethod
    def _store(cls):  # noqa: ANN206 - a LexiconStore, imported when needed
        from generator.ingest.lexicon_store import LexiconStore

        pid = os.getpid()
        if not (isinstance(cls.store, tuple) and cls.store[0] == pid):
            cls.store = (pid, LexiconStore.open(cls.folder) if cls.folder else None)
        return cls.store[1]


def use_lexicon_store(folder: Path | None) -> None:
    """Look words up in the store under `folder` (made there on first use)
    rather than loading the word lists, unless they are loaded; None: load them."""
    _Source.folder, _Source.store = folder, None


def warm_lexicons() -> None:
    """Load the word lists now (before forking workers, which then share them)."""
    _frequencies("nl")
    _frequencies("en")
    _Source.warm = True


@lru_cache(maxsize=65536)
def zipf(word: str, lang: str = "nl") -> float:
    """Zipf frequency of a lower-cased word (0.0 when unknown)."""
    freq = _Source.frequency(word, lang)
    return round(math.log10(freq) + 9, 2) if freq > 0 else 0.0


def is_word(word: str, threshold: float = WORD_ZIPF) -> bool:
    """Whether a lower-cased form is a Dutch word rather than a fragment."""
    return zipf(word) >= threshold


def _split_punct(token: str, chars: str, leading: bool) -> tuple[str, str]:
    """Split punctuation off one end: (punct, core) if leading else (core, punct)."""
    if leading:
        core = token.lstrip(chars)
        return token[: len(token) - len(core)], core
    core = token.rstrip(chars)
    return core, token[len(core):]


def is_acronym(part: str) -> bool:
    """NAVO, EU, PvdA, MH17, sms: parts Dutch keeps apart with a hyphen."""
    return (len(part) == 1 or sum(map(str.isupper, part)) >= 2
            or VOWELS.isdisjoint(part.lower()) or any(map(str.isdigit, part)))


def is_foreign(word: str, margin: float = -FOREIGN_MARGIN) -> bool:
    """A word English knows at least `margin` zipf points better than Dutch: by
    default also a name common in both (Minsk, Harvard); with a margin of 1,
    clearly English (people, to)."""
    lower = word.lower()
    return zipf(lower, "en") >= WORD_ZIPF and zipf(lower, "en") >= zipf(lower) + margin


def starts_with_word(part: str, shortest: int = 4) -> bool:
    """Whether a common word of `shortest` letters or more opens `part`
    ("efficiencydoel" opens with "efficiency")."""
    lower = part.lower()
    return any(is_word(lower[:end], COMMON_ZIPF) for end in range(len(lower), shortest - 1, -1))


def is_name(part: str) -> bool:
    """A capitalised part that names something rather than being a Dutch word or
    a fragment: Minsk, Harvard, Carpet (not Noordoost, Veiligheidsraad, Wereldge)."""
    return len(part) >= 4 and is_word(part.lower()) and is_foreign(part)


def is_elision(stem: str, core: str) -> bool:
    """ "gas-" + "en": a part elided before a conjunction. After a vowel or "ij"
    a syllable break is possible too (par-tij-en, dichtschroei-en): there a
    fragment, or a word that joins into a word, is not an elision ("energie- en")."""
    if core.lower() not in ELISION_WORDS:
        return False
    joined, part = (stem + core).lower(), stem.rpartition("-")[2].lower()
    if part[-1:] in VOWELS or part.endswith("ij"):
        return is_word(part) and not is_word(joined)
    return not (is_word(joined, COMMON_ZIPF) and not is_word(part))


def _evidence_choice(joined: str, hyphened: str, evidence: Mapping[str, int]) -> str | None:
    """The form the transcript itself prefers, if it writes either elsewhere."""
    lower_joined, lower_hyphened = joined.lower(), hyphened.lower()
    ask_both = getattr(evidence, "ask_both", None)  # (layout.WordEvidence: one search)
    if ask_both is not None:
        ask_both(lower_joined, lower_hyphened)
    with_join, with_hyphen = evidence.get(lower_joined, 0), evidence.get(lower_hyphened, 0)
    if with_join > with_hyphen:
        return joined
    if with_hyphen > with_join:
        return hyphened
    return None


def _joined_word(last: str, head: str) -> str | None:
    """The joined form if it is a Dutch word: plain, or with the trema that a
    line break drops ("be-" + "invloeden" -> "beïnvloeden")."""
    joined = (last + head).lower()
    clash = (last[-1:] + head[:1]).lower() in VOWEL_CLASHES
    if is_word(joined, COMMON_ZIPF if clash else WORD_ZIPF):
        return last + head
    first = head[:1].lower()
    if clash and first in TREMA and is_word(last.lower() + TREMA[first] + head[1:].lower()):
        return last + TREMA[first] + head[1:]
    return None


def _keeps_hyphen(stem: str, core: str) -> bool:
    """Whether the hyphen between `stem` and `core` is part of the spelling."""
    before, _, last = stem.rpartition("-")
    head, _, after = core.partition("-")
    if not last or not head:
        return True
    if head[0].isupper() or head[0].isdigit() or any(c.isdigit() for c in head):
        return True
    if is_acronym(last):
        return True
    if head[0] in "äëïöü":
        return False
    if _joined_word(last, head):
        return False
    if (last[-1:] + head[:1]).lower() in VOWEL_CLASHES:
        return is_word(last.lower(), COMMON_ZIPF) and (  # zee-egel, not appreci-eert
            is_word(head.lower()) or starts_with_word(head))
    if last[0].isupper():  # a name keeps its hyphen; a fragment (Wereldge-) joins
        return is_name(last) and len(head) >= 4 and is_word(head.lower(), COMMON_ZIPF)
    linked = last.lower().endswith("s") and is_word(last.lower()[:-1], COMMON_ZIPF)  # bedrijfs-
    if (last.lower().endswith(ADJECTIVE_ENDINGS) or head.lower().endswith(ADJECTIVE_ENDINGS)) and (
        is_word(last.lower(), COMMON_ZIPF) and is_word(head.lower(), COMMON_ZIPF) and not linked
    ):
        return True
    if (before or after) and (is_word(last.lower(), 2.5) or is_word(head.lower(), 2.5)):
        return True  # staakt-het-vuren, people-to-peoplecontacten
    if last.lower() in HYPHEN_PREFIXES and is_word(head.lower()):
        return True
    return is_foreign(last, FOREIGN_MARGIN) and is_foreign(head, FOREIGN_MARGIN)


def _restore_trema(stem: str, core: str) -> str:
    """The joined form, with a trema the line break dropped restored."""
    last = stem.rpartition("-")[2]
    head, sep, after = core.partition("-")
    joined = _joined_word(last, head) if last and head else None
    if joined is None:
        return stem + core
    return stem[: len(stem) - len(last)] + joined + sep + after


def join_hyphenated(left: str, right: str, evidence: Mapping[str, int]) -> str:
    """The text replacing `left` (a token ending in a hyphen at a line end) and
    `right` (the first token of the next line); see the module docstring."""
    if not right:
        return left
    if not left.endswith("-") or left.rstrip("-" + DASHES + " ") == "":
        return f"{left} {right}"  # a dash used as punctuation, not a hyphen
    lead, stem = _split_punct(left[:-1], LEADING_PUNCT, leading=True)
    core, trail = _split_punct(right, TRAILING_PUNCT, leading=False)
    if stem.endswith("-") or core.startswith("-"):
        return lead + stem.rstrip("-") + "-" + core.lstrip("-") + trail  # NAVO--samenwerking
    if not stem or not core or not stem[-1].isalnum():
        return f"{left} {right}"
    if is_elision(stem, core):
        return f"{left} {right}"  # gas- en elektriciteit
    joined, hyphened = stem + core, f"{stem}-{core}"
    chosen = _evidence_choice(joined, hyphened, evidence)
    if chosen is None:
        chosen = hyphened if _keeps_hyphen(stem, core) else _restore_trema(stem, core)
    return lead + chosen + trail


def repair_inline_hyphen(word: str, evidence: Mapping[str, int]) -> str:
    """A hyphen inside a word of flattened text (newlines removed) may be a line
    end the extraction kept ("bijvoor-beeld", "stimu-leert"). Join it only when
    the transcript writes the joined form at least as often as the hyphenated one, or
    when the first part is a fragment and the joined form a Dutch word; real
    hyphenated words (minister-president, grootvee-eenheden) are left alone."""
    stem, sep, core = word.partition("-")
    if not sep or "-" in core or not stem.isalpha() or not core.isalpha():
        return word
    joined = stem + core
    if evidence.get(joined.lower(), 0) >= max(evidence.get(word.lower(), 0), 1):
        return joined  # the hyphenated form counts itself, so it is no evidence
    if core[0].isupper() or is_acronym(stem) or is_word(stem.lower()):
        return word
    return joined if is_word(joined.lower(), COMMON_ZIPF) else word
