"""The on-disk copy of the word lists (generator/ingest/lexicon_store.py): it
gives every word the frequency the loaded lists give, an import of a few
transcripts reads it instead of loading the lists (and writes the same
content), and a corrupt or unusable store falls back to the lists."""

from __future__ import annotations

import contextlib
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_fixture import SEED_TRANSCRIPT, seed_transcripts

from generator.config import load_project
from generator.importer import import_transcripts
from generator.ingest import hyphenation
from generator.ingest.lexicon_store import (
    LANGUAGES,
    LexiconStore,
    frequency_of_bucket,
    store_name,
)


@pytest.fixture(scope="module")
def store_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lexicon")
    assert LexiconStore.open(folder) is not None
    return folder


@pytest.fixture
def fresh_zipf() -> Iterator[None]:
    hyphenation.zipf.cache_clear()
    yield
    hyphenation.zipf.cache_clear()
    hyphenation.use_lexicon_store(None)


def test_the_store_holds_every_word_with_the_lists_frequency(store_folder: Path) -> None:
    name = store_name()
    assert name is not None
    with contextlib.closing(sqlite3.connect(store_folder / name)) as db:
        for lang in LANGUAGES:
            stored = {word: frequency_of_bucket(bucket) for word, bucket in db.execute(
                "SELECT word, bucket FROM words WHERE lang = ?", (lang,))}
            assert stored == hyphenation._frequencies(lang)


def test_lookups_give_what_the_lists_give(store_folder: Path) -> None:
    store = LexiconStore.open(store_folder)
    assert store is not None
    for lang in LANGUAGES:
        lists = hyphenation._frequencies(lang)
        for word in ("buitenlandse", "de", "minsk", "harvard", "people", "dustrie", "", "x" * 40):
            assert store.frequency(word, lang) == lists.get(word, 0.0)


def test_a_one_transcript_import_reads_the_store_not_the_lists(
        store_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fresh_zipf: None) -> None:
    expected = tmp_path / "lists"
    expected.mkdir()
    seed_transcripts(expected)
    hyphenation.warm_lexicons()
    import_transcripts(load_project(expected), jobs=1)
    hyphenation.zipf.cache_clear()

    monkeypatch.setenv("PLENUM_CACHE_DIR", str(store_folder))
    monkeypatch.setattr(hyphenation, "_frequencies",
                        lambda lang: pytest.fail(f"loaded the {lang} word list"))
    monkeypatch.setattr(hyphenation._Source, "warm", False)
    root = tmp_path / "store"
    root.mkdir()
    seed_transcripts(root)
    assert import_transcripts(load_project(root), jobs=1).written == 1
    content = sorted(p.name for p in (root / "content").glob("*.md"))
    assert content == sorted(p.name for p in (expected / "content").glob("*.md"))
    for name in content:  # the same words joined, the same hyphens kept
        assert (root / "content" / name).read_bytes() == \
            (expected / "content" / name).read_bytes()
    assert (root / "transcripts" / f"{SEED_TRANSCRIPT}.txt").exists()


def test_a_corrupt_store_falls_back_to_the_lists(tmp_path: Path, fresh_zipf: None) -> None:
    name = store_name()
    assert name is not None
    (tmp_path / name).write_bytes(b"not a database")
    assert LexiconStore.open(tmp_path) is None
    hyphenation.use_lexicon_store(tmp_path)
    freq = hyphenation._frequencies("nl")["buitenlandse"]
    assert hyphenation.zipf("buitenlandse") == round(math.log10(freq) + 9, 2)


def test_an_unwritable_folder_falls_back_to_the_lists(tmp_path: Path, fresh_zipf: None) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file, not a folder")
    assert LexiconStore.open(blocked / "cache") is None
    hyphenation.use_lexicon_store(blocked / "cache")
    assert hyphenation.is_word("buitenlandse") and not hyphenation.is_word("dustrie")
