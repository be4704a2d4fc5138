"""Client-side search: records from the model -> sharded index -> search.js.

`build_search_index(archive, out_dir)` is what the site build calls; it writes
``out_dir/search/`` (the index and the JavaScript client). See docs/search.md.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from generator import file_memo
from generator.errors import Diagnostic

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from generator.archive import Archive, MeetingTexts
    from generator.model import Meeting, Person
    from generator.search.analysis import CompoundSplitter, Lexicon
    from generator.search.analysis_cache import AnalysisCache
    from generator.search.index import IndexOptions, IndexWriter, MeetingSource

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
    from generator.search.reuse import INDEX_NAME, parse_index

    facts = cache_dir / FACTS_DIR
    for path in (facts / FACTS_HEAD, *(_facts_shard_path(facts, n) for n in range(FACTS_SHARDS)),
                 cache_dir / STATE_DIR / STATE_FILE, cache_dir / FARM / INDEX_NAME):
        with contextlib.suppress(Exception):
            file_memo.read(path, parse_index if path.name == INDEX_NAME else pickle.loads)
    with contextlib.suppress(Exception):
        default_splitter(cache_dir)

def _kept_lexicon(folder: Path) -> Lexicon:
    """The wordfreq lexicon as stored in `folder` under a hash of what makes
    it (the analysis code, the wordfreq version); made and stored if missing."""
    import hashlib

    from generator.search import analysis

    key = hashlib.blake2b(Path(analysis.__file__).read_bytes()
                          + _wordfreq_version().encode(), digest_size=16).hexdigest()
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


def _wordfreq_version() -> str:
    """wordfreq's installed version, as `importlib.metadata.version` gives
    it: from the name of its ``.dist-info`` folder beside the package when
    there is exactly one (importing `importlib.metadata` and its lookup took
    ~50-80 ms of every rebuild's search stage), else from the metadata."""
    import importlib.util

    with contextlib.suppress(Exception):
        spec = importlib.util.find_spec("wordfreq")
        if spec is not None and spec.origin:
            folder = Path(spec.origin).parent.parent
            prefix, suffix = "wordfreq-", ".dist-info"
            found = [entry.name[len(prefix):-len(suffix)] for entry in os.scandir(folder)
                     if entry.name.startswith(prefix) and entry.name.endswith(suffix)]
            if len(found) == 1 and found[0]:
                return found[0]
    from importlib.metadata import version

    return version("wordfreq")


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
    outlines = _outline_facts(archive)
    slugs = outlines.slugs
    options = options_for(outlines.motions + sum(s.speeches for s in archive.summaries.values()))
    if cache_dir is None:
        build_index(archive.full_meetings(), archive.people, target, default_splitter(), options,
                    motion_slugs=slugs)
        _put_client(out_dir)
        return []
    splitter = default_splitter(cache_dir)
    keyed = _keyed_meetings(archive, cache_dir, splitter, options, outlines)
    if _updated(archive, target, cache_dir, splitter, options, slugs, keyed):
        _put_client(out_dir)
        return []
    source = None if keyed.held else _worker_source(archive)
    writer = IndexWriter(target, splitter, options, cache_dir=cache_dir, source=source)
    try:
        if writer.analyses_meetings:
            _add_on_workers(writer, archive, keyed, options, outlines)
        else:
            for outline, key, meeting in keyed.meetings:
                if meeting is None and writer.add_stored_meeting(key):
                    continue
                full = meeting if meeting is not None else archive.full(outline)
                writer.add_meeting(build_records([full], archive.people, slugs), key)
        writer.finish()
    finally:
        writer.close()
    if writer.analyses_meetings:
        keyed.facts.keep()
    _put_client(out_dir)
    return []


def _worker_source(archive: Archive) -> MeetingSource | None:
    """Where the search workers read the archive's meetings (`MeetingSource`),
    when its texts can be handed to them: the build cache's (without the
    means to restore a lost meeting file: a meeting the workers cannot read
    is made in the build process) or turns kept in memory; else None."""
    import copy

    from generator.archive import KeptTexts
    from generator.cache import CachedTexts
    from generator.search.index import MeetingSource

    texts = archive.texts
    if type(texts) is CachedTexts:
        texts = copy.copy(texts)
        texts.restore = None
        texts._make_keys = {}
    elif type(texts) is not KeptTexts:
        return None
    return MeetingSource(texts, dict(archive.people))


def _add_on_workers(writer: IndexWriter, archive: Archive, keyed: _Keyed,
                    options: IndexOptions, outlines: _OutlineFacts) -> None:
    """Adds every meeting to `writer`: one whose key the last build kept from
    the analysis cache in this process, the others as jobs for the workers,
    which read their turns, make their facts, keys, records and postings
    (the build process did, one meeting at a time: at 10,000 meetings,
    pickling and hashing each meeting and writing its cache files kept the
    workers waiting on it)."""
    from generator.search.index import MeetingJob, meeting_key
    from generator.search.records import build_records, resolved_context

    facts, people, slugs = keyed.facts, archive.people, outlines.slugs
    summaries = archive.summaries

    def made(job: MeetingJob, key: str, fact: tuple) -> None:
        facts.keep_made(job.outline, job.motion_slugs, fact, key)

    def redo(job: MeetingJob) -> tuple[str, tuple, list]:
        read: list[Meeting] = []
        fact = facts.of(job.outline, read)
        key = meeting_key(keyed.cache, options, fact[0],
                          resolved_context(job.outline, fact[1], people, slugs))
        full = read[0] if read else archive.full(job.outline)
        return key, fact, build_records([full], people, slugs)

    writer.made, writer.redo = made, redo
    for i, (outline, motion_slugs, key) in enumerate(zip(
            archive.meetings, outlines.motion_slugs, keyed.known, strict=True)):
        if key is not None:
            if not writer.add_stored_meeting(key):
                writer.add_meeting(build_records([archive.full(outline)], people, slugs), key)
            continue
        summary = summaries.get(outline.id)
        writer.add_job(MeetingJob(i, outline, motion_slugs, facts.known_fact(outline)),
                       (summary.speeches if summary is not None else 0) + len(outline.motions))


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


@dataclass(frozen=True)
class _OutlineFacts:
    """What the search stage takes of the archive's outlines alone: each
    motion's page slug by (meeting id, motion id), each meeting's motions'
    slugs (in its order) and the number of motions. Kept for the next build
    of this process (`build.py serve`), which reuses it when its archive
    has the very same outlines and motions (read-only, never changed in
    place: the same objects hold the same values): ~0.1 s at 10,000
    meetings."""

    meetings: tuple[Meeting, ...]
    motion_entries: Mapping
    slugs: dict[tuple[str, str], str]
    motion_slugs: list[tuple[str | None, ...]]  # per meeting, in archive order
    motions: int


_LAST_OUTLINES: _OutlineFacts | None = None


def _outline_facts(archive: Archive) -> _OutlineFacts:
    global _LAST_OUTLINES
    last = _LAST_OUTLINES
    if last is not None and last.meetings is archive.meetings \
            and last.motion_entries is archive.motions:
        return last
    slugs = {(e.meeting.id, e.motion.id): e.slug for e in archive.motions.values()}
    get = slugs.get
    motion_slugs = [tuple([get((m.id, motion.id)) for motion in m.motions])
                    for m in archive.meetings]
    found = _LAST_OUTLINES = _OutlineFacts(archive.meetings, archive.motions, slugs,
                                           motion_slugs, sum(map(len, motion_slugs)))
    return found


@dataclass
class _Keyed:
    """The archive's meetings as (outline, cache key, the meeting if its text
    was read to make the key), one at a time or (`hold`) all at once; `cache`
    is the analysis cache the keys were made for (and count as used in);
    `known` the key the last build kept for each meeting, when still valid
    (None: to be made)."""

    meetings: Iterable[tuple[Meeting, str, Meeting | None]]
    cache: AnalysisCache
    facts: _Facts
    known: list[str | None]
    held: bool = False  # every key made (`hold`)

    def hold(self) -> list[tuple[Meeting, str, Meeting | None]]:
        self.meetings = list(self.meetings)
        self.held = True
        return self.meetings


FACTS_DIR = "facts"  # in the search cache (a folder: `prune` keeps out)
FACTS_HEAD = "head.pickle"  # in FACTS_DIR: (format, salt, resolved people)
FACTS_SHARDS = 32  # files "NN.pickle" in FACTS_DIR, by meeting id: (format, stamp, entries)
FACTS_FORMAT = 3


def facts_shard(meeting_id: str) -> int:
    """The facts shard of a meeting (stable across processes)."""
    return zlib.crc32(meeting_id.encode("utf-8", "surrogatepass")) % FACTS_SHARDS


def _facts_shard_path(folder: Path, n: int) -> Path:
    return folder / f"{n:02d}.pickle"


def _keyed_meetings(archive: Archive, cache_dir: Path, splitter: CompoundSplitter,
                    options: IndexOptions, outlines: _OutlineFacts) -> _Keyed:
    from generator.search.index import analysis_cache, meeting_key
    from generator.search.records import resolved_context

    cache = analysis_cache(cache_dir, splitter, options)
    facts = _Facts(archive.texts, cache_dir / FACTS_DIR, _key_salt(cache, options),
                   archive.people)
    known = facts.known_keys(archive.meetings, outlines.motion_slugs)
    cache.used.update(key for key in known if key is not None)

    def meetings() -> Iterator[tuple[Meeting, str, Meeting | None]]:
        for outline, motion_slugs, key in zip(archive.meetings, outlines.motion_slugs, known,
                                              strict=True):
            if key is not None:
                yield outline, key, None
                continue
            read: list[Meeting] = []
            digest, pids = facts.of(outline, read)
            key = meeting_key(cache, options, digest,
                              resolved_context(outline, pids, archive.people, outlines.slugs))
            facts.keep_key(outline, motion_slugs, key)
            yield outline, key, read[0] if read else None
        facts.keep()

    return _Keyed(meetings(), cache, facts, known)


def _key_salt(cache: AnalysisCache, options: IndexOptions) -> str:
    """What a meeting's cache key depends on besides the meeting: the
    analysis cache's salt and the index options."""
    return f"{cache.salt}\x00{options!r}"


def _resolved_people(people: Mapping[str, Person]) -> dict[str, tuple[str, str | None]]:
    """What `resolved_context` takes of each person of the archive."""
    return {pid: (p.name, p.party) for pid, p in people.items()}


class _Facts:
    """Each meeting's `meeting_fact`, as the archive remembers it per meeting
    content (`MeetingTexts.remembered`), and all of them in the search cache
    for the next build, each under the meeting's facts key
    (`MeetingTexts.facts_key`: its content, the registry, the code): reading
    10,000 remembered facts one file each took ~0.5 s of a one-transcript
    rebuild.

    The cache also keeps each meeting's cache key, with what it was made from
    besides the fact: its motions' slugs, the name and party of each person
    of the archive, the analysis salt and the options. A meeting whose fact,
    slugs and resolved people are those kept has the key kept: making the
    key again (its resolved context, a hash) took ~0.3 s at 10,000 meetings.

    The entries are in `FACTS_SHARDS` files by meeting id, and a build
    rewrites only those whose entries changed (the one file of all 10,000
    entries, 4 MB, was pickled again after every edit: ~0.1 s). The salt
    and the people are in a head file; each shard carries the stamp of the
    head it was written under, and the keys of a shard whose stamp is not
    the head's are not trusted (a build killed between the files)."""

    def __init__(self, texts: MeetingTexts, path: Path, salt: str = "",
                 people: Mapping[str, Person] | None = None):
        self.texts = texts
        self.path = path  # the folder
        self.salt = salt
        self.people = _resolved_people(people or {})
        head = _read_kept(path / FACTS_HEAD)
        ok = isinstance(head, tuple) and len(head) == 3 and head[0] == FACTS_FORMAT \
            and isinstance(head[2], dict)
        keys_valid = ok and head[1] == salt  # type: ignore[index]
        # people whose resolved name or party is not what the kept keys were made with
        old_people = head[2] if keys_valid else {}  # type: ignore[index]
        self.changed_people = None if not keys_valid else {
            pid for pid in old_people.keys() | self.people.keys()
            if old_people.get(pid) != self.people.get(pid)}
        self.stamp = _facts_stamp(salt, self.people)
        self.head_stamp = _facts_stamp(head[1], head[2]) if ok else ""  # type: ignore[index]
        self.previous: dict[str, tuple] = {}
        self.stale: set[str] = set()  # meetings whose kept key is not the head's
        self.shards: list[dict[str, tuple] | None] = []  # as read (None: none usable)
        for n in range(FACTS_SHARDS):
            shard = _read_kept(_facts_shard_path(path, n))
            if not (isinstance(shard, tuple) and len(shard) == 3 and shard[0] == FACTS_FORMAT
                    and isinstance(shard[2], dict)):
                self.shards.append(None)
                continue
            self.shards.append(shard[2])
            self.previous.update(shard[2])
            if shard[1] != self.head_stamp or not ok:
                self.stale.update(shard[2])
        self.now: dict[str, tuple] = {}
        self.changed = not keys_valid
        self._names: dict[str, str | None] = {}  # meeting id -> its facts key (`_name`)
        self._namer = _reading_into([])  # (named by its code: `MeetingTexts.facts_key`)

    def _name(self, outline: Meeting) -> str | None:
        """The facts key of `outline` (asked twice a build for every meeting)."""
        try:
            return self._names[outline.id]
        except KeyError:
            name = self._names[outline.id] = self.texts.facts_key(outline, self._namer)
            return name

    def known_keys(self, outlines: Sequence[Meeting],
                   motion_slugs: Sequence[tuple]) -> list[str | None]:
        """The cache key the last build kept for each outline (with its
        motions' slugs, in the same order), if what made it is unchanged
        (then also kept for the next build); else None. One pass: a build
        asks it of every meeting."""
        if self.changed_people is None:
            return [None] * len(outlines)
        known: list[str | None] = []
        names, facts_key, namer = self._names, self.texts.facts_key, self._namer
        previous, now, changed, stale = self.previous, self.now, self.changed_people, self.stale
        for outline, slugs in zip(outlines, motion_slugs, strict=True):
            mid = outline.id
            name = names[mid] = facts_key(outline, namer)
            entry = previous.get(mid)
            if name is None or not isinstance(entry, tuple) or len(entry) != 4 or mid in stale \
                    or entry[0] != name or not isinstance(entry[1], tuple) \
                    or len(entry[1]) != 2 or entry[2] != slugs or not isinstance(entry[3], str) \
                    or (changed and not changed.isdisjoint(entry[1][1])):
                known.append(None)
                continue
            now[mid] = entry
            known.append(entry[3])
        return known

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

    def of(self, outline: Meeting, read: list[Meeting]) -> tuple[str, tuple[str, ...]]:
        """The fact of `outline`; the meeting, when its text had to be read, in `read`."""
        name = self._name(outline)
        fact = self._known(outline, name)
        if fact is None:
            fact = self.texts.remembered(outline, _reading_into(read))
        self._fact = (name, fact)
        return fact

    def known_fact(self, outline: Meeting) -> tuple[str, tuple[str, ...]] | None:
        """The fact of `outline` as the last build kept it, if still valid."""
        return self._known(outline, self._name(outline))

    def keep_made(self, outline: Meeting, motion_slugs: tuple, fact: tuple, key: str) -> None:
        """Keep the fact and cache key made for `outline` elsewhere (a search
        worker) for the next build."""
        name = self._name(outline)
        if name is not None:
            self.now[outline.id] = (name, fact, motion_slugs, key)
        self.changed = True

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
        return self.texts.is_remembered(outline, self._namer)

    def keep(self) -> None:
        """Writes the facts for the next build: the shards whose entries
        changed (all of them and the head when the salt or the people did)."""
        if not (self.changed or self.now.keys() != self.previous.keys()):
            return
        self.path.mkdir(parents=True, exist_ok=True)
        whole = self.stamp != self.head_stamp
        previous = self.previous
        dirty = set(range(FACTS_SHARDS)) if whole else {
            n for n, shard in enumerate(self.shards) if shard is None}
        for mid, entry in self.now.items():
            if previous.get(mid) is not entry or mid in self.stale:
                dirty.add(facts_shard(mid))
        for mid in previous.keys() - self.now.keys():
            dirty.add(facts_shard(mid))
        if not dirty and not whole:
            return
        shards: dict[int, dict[str, tuple]] = {n: {} for n in dirty}
        for mid, entry in self.now.items():
            found = shards.get(facts_shard(mid))
            if found is not None:
                found[mid] = entry
        for n, entries in sorted(shards.items()):
            _write_kept(_facts_shard_path(self.path, n), (FACTS_FORMAT, self.stamp, entries))
        if whole:  # after the shards: a build killed before leaves them stale
            _write_kept(self.path / FACTS_HEAD, (FACTS_FORMAT, self.salt, self.people))
        with contextlib.suppress(OSError):
            (self.path / "facts.pickle").unlink()  # (the one file of an older build)


def _facts_stamp(salt: object, people: object) -> str:
    """What a shard of kept facts names the head it was written under."""
    import hashlib

    return hashlib.blake2b(pickle.dumps((salt, people), protocol=4),
                           digest_size=16).hexdigest()


def _read_kept(path: Path) -> object:
    """A pickled file of the search cache (kept parsed between the builds of
    `build.py serve`); None when missing or unreadable."""
    try:
        return file_memo.read(path, pickle.loads)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError,
            TypeError, IndexError):
        return None


def _write_kept(path: Path, value: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    file_memo.wrote(path, value)


def _updated(archive: Archive, target: Path, cache_dir: Path, splitter: CompoundSplitter,
             options: IndexOptions, slugs: Mapping, keyed: _Keyed) -> bool:
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
    for outline, key in zip(archive.meetings, keyed.known, strict=True):
        if key is not None:  # (its fact is known)
            continue
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
