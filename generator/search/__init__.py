"""Client-side search: records from the model -> sharded index -> search.js.

`build_search_index(archive, out_dir)` is what the site build calls; it writes
``out_dir/search/`` (the index and the JavaScript client). See docs/search.md.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from generator import file_memo
from generator.errors import Diagnostic

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from generator.archive import Archive, MeetingTexts
    from generator.model import Meeting, Person
    from generator.search.analysis import CompoundSplitter, Lexicon
    from generator.search.analysis_cache import AnalysisCache
    from generator.search.index import IndexOptions

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



def warm(cache_dir: Path) -> None:
    """Read what a rebuild's search stage reads of the search cache (the
    facts, the index state, the farm's index, the lexicon), kept parsed for
    it by `generator.file_memo` and `default_splitter`: the live preview
    calls this before the first save. Never fails (a damaged file is the
    build's to report)."""
    from generator.search.incremental import STATE_FILE
    from generator.search.index import FARM, STATE_DIR
    from generator.search.reuse import INDEX_NAME

    for path in (cache_dir / FACTS_FILE, cache_dir / STATE_DIR / STATE_FILE,
                 cache_dir / FARM / INDEX_NAME):
        with contextlib.suppress(Exception):
            file_memo.read(path, pickle.loads)
    with contextlib.suppress(Exception):
        default_splitter(cache_dir)

def _kept_lexicon(folder: Path) -> Lexicon:
    """The wordfreq lexicon as stored in `folder` under a hash of what makes
    it (the analysis code, the wordfreq version); made and stored if missing."""
    import hashlib
    from importlib.metadata import version

    from generator.search import analysis

    key = hashlib.blake2b(Path(analysis.__file__).read_bytes()
                          + version("wordfreq").encode(), digest_size=16).hexdigest()
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as f:
            freq, digest = pickle.load(f)
        if isinstance(freq, dict) and isinstance(digest, str):
            return analysis.Lexicon(freq, digest)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        pass
    lexicon = analysis.Lexicon.from_wordfreq()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:  # with its digest: hashing it took ~40 ms a build
        pickle.dump((lexicon.freq, lexicon.digest()), f, protocol=pickle.HIGHEST_PROTOCOL)
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
    from generator.search.records import build_records

    target = out_dir / INDEX_DIR
    target.mkdir(parents=True, exist_ok=True)
    slugs = {(e.meeting.id, e.motion.id): e.slug for e in archive.motions.values()}
    n_records = sum(len(m.motions) + archive.summaries[m.id].speeches for m in archive.meetings)
    options = options_for(n_records)
    if cache_dir is None:
        build_index(archive.full_meetings(), archive.people, target, default_splitter(), options,
                    motion_slugs=slugs)
        _put_client(out_dir)
        return []
    splitter = default_splitter(cache_dir)
    keyed = _keyed_meetings(archive, cache_dir, splitter, options, slugs)
    if _updated(archive, target, cache_dir, splitter, options, slugs, keyed):
        _put_client(out_dir)
        return []
    writer = IndexWriter(target, splitter, options, cache_dir=cache_dir)
    try:
        for outline, key, meeting in keyed.meetings:
            if meeting is None and writer.add_stored_meeting(key):
                continue
            full = meeting if meeting is not None else archive.full(outline)
            writer.add_meeting(build_records([full], archive.people, slugs), key)
        writer.finish()
    finally:
        writer.close()
    _put_client(out_dir)
    return []


def _put_client(out_dir: Path) -> None:
    """The client script into ``out_dir/search/``: kept from the previous
    site (`generator.output.keep`) when that holds these very bytes."""
    from generator import output

    rel = f"{INDEX_DIR}/{CLIENT.name}"
    previous = output.previous_site_of(out_dir)
    if previous is not None:
        with contextlib.suppress(OSError):
            if (previous / rel).read_bytes() == CLIENT.read_bytes() \
                    and output.keep(previous, out_dir, rel):
                return
    shutil.copyfile(CLIENT, out_dir / rel)


@dataclass
class _Keyed:
    """The archive's meetings as (outline, cache key, the meeting if its text
    was read to make the key), one at a time or (`hold`) all at once; `cache`
    is the analysis cache the keys were made for (and count as used in)."""

    meetings: Iterable[tuple[Meeting, str, Meeting | None]]
    cache: AnalysisCache
    facts: _Facts

    def hold(self) -> list[tuple[Meeting, str, Meeting | None]]:
        self.meetings = list(self.meetings)
        return self.meetings


FACTS_FILE = "facts/facts.pickle"  # in the search cache (a folder: `prune` keeps out)
FACTS_FORMAT = 2


def _keyed_meetings(archive: Archive, cache_dir: Path, splitter: CompoundSplitter,
                    options: IndexOptions, slugs: dict) -> _Keyed:
    from generator.search.index import analysis_cache, meeting_key
    from generator.search.records import resolved_context

    cache = analysis_cache(cache_dir, splitter, options)
    facts = _Facts(archive.texts, cache_dir / FACTS_FILE, _key_salt(cache, options),
                   archive.people)

    def meetings() -> Iterator[tuple[Meeting, str, Meeting | None]]:
        for outline in archive.meetings:
            motion_slugs = tuple(slugs.get((outline.id, m.id)) for m in outline.motions)
            key = facts.known_key(outline, motion_slugs)
            if key is not None:
                yield outline, cache.use(key), None
                continue
            read: list[Meeting] = []
            digest, pids = facts.of(outline, read)
            key = meeting_key(cache, options, digest,
                              resolved_context(outline, pids, archive.people, slugs))
            facts.keep_key(outline, motion_slugs, key)
            yield outline, key, read[0] if read else None
        facts.keep()

    return _Keyed(meetings(), cache, facts)


def _key_salt(cache: AnalysisCache, options: IndexOptions) -> str:
    """What a meeting's cache key depends on besides the meeting: the
    analysis cache's salt and the index options."""
    return f"{cache.salt}\x00{options!r}"


def _resolved_people(people: Mapping[str, Person]) -> dict[str, tuple[str, str | None]]:
    """What `resolved_context` takes of each person of the archive."""
    return {pid: (p.name, p.party) for pid, p in people.items()}


class _Facts:
    """Each meeting's `meeting_fact`, as the archive remembers it per meeting
    content (`MeetingTexts.remembered`), and all of them in one file of the
    search cache for the next build, each under the meeting's facts key
    (`MeetingTexts.facts_key`: its content, the registry, the code): reading
    10,000 remembered facts one file each took ~0.5 s of a one-transcript
    rebuild.

    The file also keeps each meeting's cache key, with what it was made from
    besides the fact: its motions' slugs, the name and party of each person
    of the archive, the analysis salt and the options. A meeting whose fact,
    slugs and resolved people are those kept has the key kept: making the
    key again (its resolved context, a hash) took ~0.3 s at 10,000 meetings."""

    def __init__(self, texts: MeetingTexts, path: Path, salt: str = "",
                 people: Mapping[str, Person] | None = None):
        self.texts = texts
        self.path = path
        self.salt = salt
        self.people = _resolved_people(people or {})
        try:  # (kept parsed between the builds of `build.py serve`)
            previous = file_memo.read(path, pickle.loads)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError,
                TypeError, IndexError):
            previous = None
        ok = isinstance(previous, tuple) and len(previous) == 4 \
            and previous[0] == FACTS_FORMAT and isinstance(previous[3], dict)
        self.previous: dict[str, tuple] = previous[3] if ok else {}  # type: ignore[index]
        keys_valid = ok and previous[1] == salt and isinstance(previous[2], dict)  # type: ignore[index]
        # people whose resolved name or party is not what the kept keys were made with
        old_people = previous[2] if keys_valid else {}  # type: ignore[index]
        self.changed_people = None if not keys_valid else {
            pid for pid in old_people.keys() | self.people.keys()
            if old_people.get(pid) != self.people.get(pid)}
        self.now: dict[str, tuple] = {}
        self.changed = not keys_valid
        self._names: dict[str, str | None] = {}  # meeting id -> its facts key (`_name`)

    def _name(self, outline: Meeting) -> str | None:
        """The facts key of `outline` (asked twice a build for every meeting)."""
        try:
            return self._names[outline.id]
        except KeyError:
            name = self._names[outline.id] = self.texts.facts_key(outline, _reading_into([]))
            return name

    def _entry(self, outline: Meeting, name: str | None) -> tuple | None:
        """The entry the last build kept for `outline` under facts key `name`:
        (name, fact, motion slugs, cache key)."""
        found = self.previous.get(outline.id)
        if name is None or not isinstance(found, tuple) or len(found) != 4 or found[0] != name:
            return None
        fact = found[1]
        return found if isinstance(fact, tuple) and len(fact) == 2 else None

    def _known(self, outline: Meeting, name: str | None) -> tuple | None:
        """The fact of `outline` as the last build kept it under `name`."""
        entry = self._entry(outline, name)
        return None if entry is None else entry[1]

    def known_key(self, outline: Meeting, motion_slugs: tuple) -> str | None:
        """The cache key the last build kept for `outline`, if what made it
        is unchanged (then also kept for the next build); else None."""
        if self.changed_people is None:
            return None
        name = self._name(outline)
        entry = self._entry(outline, name)
        if entry is None or entry[2] != motion_slugs or not isinstance(entry[3], str):
            return None
        changed = self.changed_people
        if changed and not changed.isdisjoint(entry[1][1]):
            return None
        self.now[outline.id] = entry
        return entry[3]

    def of(self, outline: Meeting, read: list[Meeting]) -> tuple[str, tuple[str, ...]]:
        """The fact of `outline`; the meeting, when its text had to be read, in `read`."""
        name = self._name(outline)
        fact = self._known(outline, name)
        if fact is None:
            fact = self.texts.remembered(outline, _reading_into(read))
        self._fact = (name, fact)
        return fact

    def keep_key(self, outline: Meeting, motion_slugs: tuple, key: str) -> None:
        """Keep the cache key made for `outline` (after `of`) for the next build."""
        name, fact = self._fact
        if name is not None:
            self.now[outline.id] = (name, fact, motion_slugs, key)
        self.changed = True

    def is_remembered(self, outline: Meeting) -> bool | None:
        """Whether the fact of `outline` comes without reading its text."""
        if self._known(outline, self._name(outline)) is not None:
            return True
        return self.texts.is_remembered(outline, _reading_into([]))

    def keep(self) -> None:
        """Writes the facts for the next build (when a key was made anew, or
        the meetings changed)."""
        if not (self.changed or self.now.keys() != self.previous.keys()):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        kept = (FACTS_FORMAT, self.salt, self.people, self.now)
        with tmp.open("wb") as f:
            pickle.dump(kept, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)
        file_memo.wrote(self.path, kept)


def _updated(archive: Archive, target: Path, cache_dir: Path, splitter: CompoundSplitter,
             options: IndexOptions, slugs: dict, keyed: _Keyed) -> bool:
    """Whether the fast path (`incremental.update_index`) wrote the index: it
    is tried when the last build left a state and at most a few meetings'
    text must be read (their facts are not remembered: they changed)."""
    from generator.search.incremental import MAX_CHANGED, load_state, update_index
    from generator.search.index import STATE_DIR
    from generator.search.records import build_records

    state = load_state(cache_dir / STATE_DIR, options)
    if state is None or len(state.keys) != len(archive.meetings):
        return False
    unread = 0
    for outline in archive.meetings:
        try:
            known = keyed.facts.is_remembered(outline)
        except KeyError:
            known = False
        unread += known is not True
        if unread > MAX_CHANGED:
            return False
    held = keyed.hold()

    def records_of(i: int) -> list:
        outline, _, meeting = held[i]
        return build_records([meeting or archive.full(outline)], archive.people, slugs)

    return update_index(target, keyed.cache, splitter, options, state, [k for _, k, _ in held],
                        records_of) is not None


def _reading_into(read: list[Meeting]) -> Callable[[Meeting], tuple[str, tuple[str, ...]]]:
    """`meeting_fact`, keeping the meeting it was made from (when the archive
    had to read it) in `read`."""

    def search_fact(meeting: Meeting) -> tuple[str, tuple[str, ...]]:
        from generator.search.records import meeting_fact

        read.append(meeting)
        return meeting_fact(meeting)

    return search_fact
