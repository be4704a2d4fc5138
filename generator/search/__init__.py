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
    from generator.archive import Archive
    from generator.search.analysis import CompoundSplitter

INDEX_DIR = "search"
CLIENT = Path(__file__).resolve().parent / "search.js"


@cache
def default_splitter() -> CompoundSplitter:
    """The compound splitter over the wordfreq Dutch lexicon (loaded once)."""
    from generator.search.analysis import CompoundSplitter, Lexicon

    return CompoundSplitter(Lexicon.from_wordfreq())


def build_search_index(archive: Archive, out_dir: Path,
                       cache_dir: Path | None = None) -> list[Diagnostic]:
    """Write the search index of every speech and motion of `archive`, and the
    client script, into ``out_dir/search/``. With `cache_dir`, the analysed
    records of each meeting are kept there, so a rebuild analyses only the
    meetings that changed (the index is the same as without)."""
    from generator.search.index import build_index, options_for

    target = out_dir / INDEX_DIR
    target.mkdir(parents=True, exist_ok=True)
    slugs = {(e.meeting.id, e.motion.id): e.slug for e in archive.motions.values()}
    n_records = sum(len(m.motions) + archive.summaries[m.id].speeches for m in archive.meetings)
    options = options_for(n_records)
    build_index(archive.full_meetings(), archive.people, target, default_splitter(), options,
                motion_slugs=slugs, cache_dir=cache_dir)
    shutil.copyfile(CLIENT, target / CLIENT.name)
    return []
