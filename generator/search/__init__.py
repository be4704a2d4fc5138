"""Client-side search: records from the model -> sharded index -> search.js.

`build_search_index(archive, out_dir)` is what the site build calls; it writes
``out_dir/search/`` (the index and the JavaScript client). See docs/search.md.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Diagnostic

if TYPE_CHECKING:
    from collections.abc import Callable

    from generator.archive import Archive
    from generator.model import Meeting
    from generator.search.analysis import CompoundSplitter, Lexicon

INDEX_DIR = "search"
LEXICON_DIR = "lexicon"  # in the search cache folder
CLIENT = Path(__file__).resolve().parent / "search.js"


@cache
def default_splitter(cache_dir: Path | None = None) -> CompoundSplitter:
    """The compound splitter over the wordfreq Dutch lexicon (loaded once; with
    `cache_dir`, kept there, since making it from wordfreq takes ~0.5 s)."""
    from generator.search.analysis import CompoundSplitter, Lexicon

    if cache_dir is None:
        return CompoundSplitter(Lexicon.from_wordfreq())
    return CompoundSplitter(_kept_lexicon(cache_dir / LEXICON_DIR))


def _kept_lexicon(folder: Path) -> Lexicon:
    """The wordfreq lexicon as stored in `folder` under a hash of what makes
    it (the analysis code, the wordfreq version); made and stored if missing."""
    import hashlib
    import os
    import pickle
    from importlib.metadata import version

    from generator.search import analysis

    key = hashlib.blake2b(Path(analysis.__file__).read_bytes()
                          + version("wordfreq").encode(), digest_size=16).hexdigest()
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as f:
            freq = pickle.load(f)
        if isinstance(freq, dict):
            return analysis.Lexicon(freq)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        pass
    lexicon = analysis.Lexicon.from_wordfreq()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(lexicon.freq, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return lexicon


def build_search_index(archive: Archive, out_dir: Path,
                       cache_dir: Path | None = None) -> list[Diagnostic]:
    """Write the search index of every speech and motion of `archive`, and the
    client script, into ``out_dir/search/``. With `cache_dir`, the analysed
    records of each meeting are kept there, so a rebuild analyses only the
    meetings that changed (the index is the same as without), and reads no
    text of a meeting whose records the cache holds: what decides them is a
    fact the archive remembers per meeting content (`meeting_fact`) and what
    they take from the rest of the archive (`resolved_context`)."""
    from generator.search.index import IndexWriter, build_index, options_for
    from generator.search.records import build_records, resolved_context

    target = out_dir / INDEX_DIR
    target.mkdir(parents=True, exist_ok=True)
    slugs = {(e.meeting.id, e.motion.id): e.slug for e in archive.motions.values()}
    n_records = sum(len(m.motions) + archive.summaries[m.id].speeches for m in archive.meetings)
    options = options_for(n_records)
    if cache_dir is None:
        build_index(archive.full_meetings(), archive.people, target, default_splitter(), options,
                    motion_slugs=slugs)
    else:
        writer = IndexWriter(target, default_splitter(cache_dir), options, cache_dir=cache_dir)
        try:
            for outline in archive.meetings:
                read: list[Meeting] = []
                digest, pids = archive.texts.remembered(outline, _reading_into(read))
                key = writer.meeting_key(
                    digest, resolved_context(outline, pids, archive.people, slugs))
                if not read and writer.add_stored_meeting(key):
                    continue
                meeting = read[0] if read else archive.full(outline)
                writer.add_meeting(build_records([meeting], archive.people, slugs), key)
            writer.finish()
        finally:
            writer.close()
    shutil.copyfile(CLIENT, target / CLIENT.name)
    return []


def _reading_into(read: list[Meeting]) -> Callable[[Meeting], tuple[str, tuple[str, ...]]]:
    """`meeting_fact`, keeping the meeting it was made from (when the archive
    had to read it) in `read`."""

    def search_fact(meeting: Meeting) -> tuple[str, tuple[str, ...]]:
        from generator.search.records import meeting_fact

        read.append(meeting)
        return meeting_fact(meeting)

    return search_fact
