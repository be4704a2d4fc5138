"""Import: transcripts into the ``content/`` tree.

Import parses every transcript (`parse_file`, a pure top-level function a
process pool can map), resolves its people against the speaker registry, and
writes ``content/<meeting-id>.md`` atomically. It skips a transcript whose bytes,
sidecar and parser are those recorded in its content files, and never
overwrites a content file edited by hand (its recorded hash no longer matches)
unless forced: it refuses that file, says so, and goes on with the others.

What it needs of files that did not change since the last import (transcript
hashes, the front matter of content files, the registry, what it said) comes
from its stat-keyed record, `generator.import_state`: with nothing changed it
lists two folders and opens no file. Any file it would overwrite or remove is
read in full first, so a hand edit is found whatever the record says.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import NamedTuple

from generator import __version__
from generator.config import Project
from generator.content import read_content_file
from generator.content_writer import BackgroundWriter, atomic_write_bytes
from generator.duplicates import Shape, Twins, source_rank, title_key
from generator.errors import Diagnostic, Severity, error, warning
from generator.import_state import (
    RACY_NS,
    HeadFacts,
    ImportRecord,
    Stat,
    bytes_digest,
    now_ns,
    stat_of,
)
from generator.ingest import SIDECAR_SUFFIX, TRANSCRIPT_SUFFIXES, read_transcript, text_readers
from generator.markdown_io import (
    Blocks,
    ImportStamp,
    is_hand_edited,
    read_stamp,
    write_blocks,
    write_meeting_bytes,
)
from generator.markdown_syntax import read_flow_map, read_yaml_scalar
from generator.model import Meeting, Source, Turn, TurnKind
from generator.registry import (
    REGISTRY_FILE,
    PersonKey,
    Registry,
    RegistryPerson,
    dump_registry,
    load_registry,
    parse_registry,
    resolve_meeting,
)
from generator.slugs import slugify

_PARSER_FILES = ("ingest/*.py", "people.py", "model.py", "markdown_io.py", "markdown_syntax.py",
                 "registry.py", "slugs.py")
_SOURCE_LINE = re.compile(r"^source: (.*)$", re.M)
_MEETINGS_LINE = re.compile(r"^  meetings: ([0-9]+)$", re.M)
_DATE_LINE = re.compile(r"^date: (.*)$", re.M)


@lru_cache(maxsize=1)
def parser_version() -> str:
    """Plenum's version plus a hash of the code that turns a transcript into a
    content file: when that code changes, every transcript is imported again."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for pattern in _PARSER_FILES:
        for path in sorted(root.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


@dataclass
class ImportOutcome:
    """What an import did. `refused` is set when a hand-edited content file was
    left alone (the CLI exits 3)."""

    messages: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    refused: bool = False
    written: int = 0
    unchanged: int = 0
    skipped: int = 0
    refused_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedFile:
    """One transcript, parsed: its meetings with meeting-local person ids.
    When the worker that parsed it also wrote the meetings' blocks
    (`written_ahead`), `blocks` and `shapes` hold them and the meetings'
    turns have no paragraphs."""

    display: str
    source_sha256: str
    sidecar_sha256: str | None
    meetings: tuple[Meeting, ...]
    diagnostics: tuple[Diagnostic, ...]
    blocks: tuple[Blocks, ...] | None = None
    shapes: tuple[Shape, ...] | None = None

    def __reduce__(self) -> tuple:
        """Pickled (a worker sends it back) with the turns of meetings written
        ahead as plain rows (`_turn_rows`): a tuple of strings and a number
        pickles and loads several times faster than a `Turn` and its
        `Source` (1,000 of them a transcript; 0.80 -> 0.43 ms to pickle a
        transcript's meetings, 0.79 -> 0.20 ms to load them and ~0.4 to
        make the turns again). Loaded, it is equal to what was pickled."""
        head = (self.display, self.source_sha256, self.sidecar_sha256)
        rows = [_turn_rows(m) for m in self.meetings] if self.blocks is not None else [None]
        if any(r is None for r in rows):
            return ParsedFile, (*head, self.meetings, self.diagnostics, self.blocks, self.shapes)
        slim = tuple((replace(m, turns=()), r) for m, r in zip(self.meetings, rows, strict=True))
        return _with_turns, (*head, slim, self.diagnostics, self.blocks, self.shapes)


_TURN_KINDS = {kind.value: kind for kind in TurnKind}
# What a row holds: all of a turn and its source, as these classes are now.
_ROWS_HOLD_ALL = [f.name for f in fields(Turn)] == [
    "id", "speaker", "label", "paragraphs", "source", "kind"] and \
    [f.name for f in fields(Source)] == ["file", "line"]

TurnRow = tuple[str, str | None, str, str, str, int]

# A turn without paragraphs (and a source) made by giving the object its
# fields' dict, in field order, as the dataclasses' __init__ would fill it,
# without their one `object.__setattr__` call per field (frozen): about half
# the time, for the ~100 turns of every transcript made again in a worker
# (`written_ahead`) and in this process (`_with_turns`). Only while both are
# plain dataclasses with a __dict__, the fields a row holds and no
# __post_init__; else by their constructors.
_FILL_FIELDS = _ROWS_HOLD_ALL and not any(
    hasattr(cls, "__slots__") or hasattr(cls, "__post_init__") for cls in (Turn, Source))
_new_object, _set_field = object.__new__, object.__setattr__


def _source(file: str, line: int) -> Source:
    """``Source(file, line)`` (see `_FILL_FIELDS`)."""
    if not _FILL_FIELDS:
        return Source(file, line)
    source = _new_object(Source)
    _set_field(source, "__dict__", {"file": file, "line": line})
    return source


def _bare_turn(tid: str, speaker: str | None, label: str, source: Source,
               kind: TurnKind) -> Turn:
    """``Turn(tid, speaker, label, (), source, kind)`` (see `_FILL_FIELDS`)."""
    if not _FILL_FIELDS:
        return Turn(tid, speaker, label, (), source, kind)
    turn = _new_object(Turn)
    _set_field(turn, "__dict__", {"id": tid, "speaker": speaker, "label": label,
                                  "paragraphs": (), "source": source, "kind": kind})
    return turn


def _turn_rows(meeting: Meeting) -> tuple[TurnRow, ...] | None:
    """The turns of a meeting written ahead (no paragraphs), each as (id,
    speaker, label, kind, source file, source line); None when a turn has
    paragraphs or anything a row does not hold."""
    if not _ROWS_HOLD_ALL:
        return None
    rows = []
    for t in meeting.turns:
        if t.paragraphs or type(t) is not Turn or type(t.source) is not Source \
                or type(t.kind) is not TurnKind:
            return None
        rows.append((t.id, t.speaker, t.label, t.kind.value, t.source.file, t.source.line))
    return tuple(rows)


def _with_turns(display: str, source_sha256: str, sidecar_sha256: str | None,
                slim: tuple[tuple[Meeting, tuple[TurnRow, ...]], ...],
                diagnostics: tuple[Diagnostic, ...], blocks: tuple[Blocks, ...] | None,
                shapes: tuple[Shape, ...] | None) -> ParsedFile:
    """A `ParsedFile` as `ParsedFile.__reduce__` pickled it, turns made again."""
    kinds = _TURN_KINDS
    meetings = tuple(replace(m, turns=tuple(_bare_turn(tid, speaker, label, _source(file, line),
                                                       kinds[kind])
                                            for tid, speaker, label, kind, file, line in rows))
                     for m, rows in slim)
    return ParsedFile(display, source_sha256, sidecar_sha256, meetings, diagnostics, blocks,
                      shapes)


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class _Listed(NamedTuple):
    """A regular file of a project folder as listed: its folder, name, the name
    shown to the user and its stat (`generator.import_state.Stat`). (A named
    tuple: ten thousands are made per import, most never looked at again.)"""

    folder: Path
    name: str
    display: str
    stat: Stat

    @property
    def path(self) -> Path:
        return self.folder / self.name


@dataclass(frozen=True)
class Listing:
    """The regular files of ``transcripts/`` and ``content/`` (symlinks
    followed) by name, with their stats, as a caller looked at them just
    before the import (`generator.serve`: the live preview looks at every
    input to see whether to build), so that the import need not look again.
    `taken_at`: `import_state.now_ns()` before the first file was looked at."""

    taken_at: int
    transcripts: dict[str, Stat]
    content: dict[str, Stat]


def _regular_files(folder: Path) -> dict[str, Stat] | None:
    """The regular files of `folder` (symlinks followed) by name, with their
    stats; None if the folder cannot be read (missing, or not a folder)."""
    found: dict[str, Stat] = {}
    try:
        entries = os.scandir(folder)
    except OSError:
        return None
    with entries:
        for entry in entries:
            try:
                if entry.is_file():
                    st = entry.stat()
                    found[entry.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
            except OSError:
                continue
    return found


def _relisting(project: Project, folder: Path, before: dict[str, _Listed], racy_after: int,
               files: dict[str, Stat] | None) -> tuple[dict[str, _Listed], set[str]]:
    """The regular `files` of `folder` by name (None: an unreadable or
    missing folder, which has none), and the names of the files added,
    removed or changed since `before` was listed. A file listed `before`
    with the same stat is given as listed then (the same object), unless it
    was modified after `racy_after` (then: not settled,
    `import_state.settled`; an edit in the same clock tick would not show)."""
    if files is None:
        return {}, set(before)
    shown = project.display(folder)
    prefix = "" if shown == "." else shown.rstrip("/") + "/"
    found: dict[str, _Listed] = {}
    changed: set[str] = set()
    for name, stat in files.items():
        old = before.get(name)
        if old is not None and old.stat == stat and stat[1] < racy_after:
            found[name] = old
        else:
            found[name] = _Listed(folder, name, prefix + name, stat)
            changed.add(name)
    changed.update(before.keys() - found.keys())
    return found, changed


def _suffix(name: str) -> str:
    """`Path(name).suffix`, without making a path."""
    at = name.rfind(".")
    return name[at:] if 0 < at < len(name) - 1 else ""


def _is_transcript(name: str) -> bool:
    """A transcript's name (README.md and sidecars are not)."""
    return (_suffix(name).lower() in TRANSCRIPT_SUFFIXES and not name.lower().startswith("readme")
            and not name.endswith(SIDECAR_SUFFIX) and not name.startswith("."))


def _sidecar_name(name: str) -> str:
    """The name of `sidecar_of` a transcript named `name`."""
    return name[:len(name) - len(_suffix(name))] + SIDECAR_SUFFIX


class TranscriptHashes:
    """`sha256_file` of listed files, short-cut by the record's hash of a file
    whose size, mtime and inode are unchanged (as git's index does); hashes are
    recorded as `ImportRecord.keep_hash` allows."""

    def __init__(self, record: ImportRecord, listed_at: int):
        self.record = record
        self.listed_at = listed_at  # when the files were listed (and stat'ed)

    def sha256(self, file: _Listed | None) -> str | None:
        if file is None:
            return None
        hashed: list[str | None] = []

        def verify() -> str | None:  # a racy entry: hashing is all it takes
            hashed.append(sha256_file(file.path))
            return hashed[0]

        sha = self.record.known_hash(file.display, file.stat, verify)
        if sha is None:
            sha = hashed[0] if hashed else sha256_file(file.path)
            if sha is not None:
                self.record.keep_hash(file.display, file.stat, sha, self.listed_at)
        return sha

    def learn(self, file: _Listed | None, sha: str | None) -> str | None:
        """The hash of a file hashed elsewhere (by the worker that parsed it,
        which read it anyway; hashed here when it could not), recorded."""
        if file is None:
            return sha
        if not sha:
            return self.sha256(file)
        self.record.keep_hash(file.display, file.stat, sha, self.listed_at)
        return sha


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def parse_file(path: Path, display: str) -> ParsedFile:
    """Parse one transcript. Pure apart from reading it: safe in a worker process.
    A reader that crashes costs this transcript, never the import."""
    try:
        data = path.read_bytes()
    except OSError:
        data = None  # (read_transcript says why)
    try:
        result = read_transcript(path, display, data)
    except Exception as exc:  # noqa: BLE001 - a bug in one reader must not stop the rest
        return ParsedFile(display, "", None, (), (error(
            f"the reader crashed on this transcript ({type(exc).__name__}: {exc})", display,
            hint="please report this with the file; the other transcripts were imported"),))
    source_sha = hashlib.sha256(data).hexdigest() if data is not None else ""
    return ParsedFile(display, source_sha, sha256_file(sidecar_of(path)),
                      result.meetings, result.diagnostics)


def written_ahead(parsed: ParsedFile) -> ParsedFile:
    """`parsed` with its meetings' blocks written (`write_blocks`: the bulk of
    a content file, which the person ids resolved later rarely change) and
    their twin shapes made, in the worker that parsed it, and its turns'
    paragraphs dropped (they are in the blocks): the import's own process,
    which resolves and writes every meeting in turn, is left the front
    matter, and less is sent to it."""
    if not parsed.meetings:
        return parsed
    return replace(
        parsed, blocks=tuple(write_blocks(m) for m in parsed.meetings),
        shapes=tuple(Shape.of(m) for m in parsed.meetings),
        meetings=tuple(replace(m, turns=tuple(_bare_turn(t.id, t.speaker, t.label, t.source,
                                                         t.kind) for t in m.turns))
                       for m in parsed.meetings))


def _head(path: Path) -> str:
    """The front matter of a content file (or the whole file, if it has none)."""
    with path.open("rb") as fh:
        data = fh.read(4096)  # a front matter is about 1 kB
        while b"\n---" not in data[3:]:
            more = fh.read(65536)
            if not more:
                break
            data += more
    return data.decode("utf-8", "replace")


def head_of_bytes(data: bytes) -> str:
    """What `_head` reads of a file holding `data`."""
    end = 4096
    while b"\n---" not in data[3:end] and end < len(data):
        end += 65536
    return data[:end].decode("utf-8", "replace")


class _WrittenHead(NamedTuple):
    """A content file this import wrote, as `_facts` would find it once written."""

    target: Path
    display: str
    stat: Stat
    facts: HeadFacts
    digest: str


def _keep_written_heads(record: ImportRecord, written: list[_WrittenHead],
                        failed: set[Path]) -> None:
    """Record the heads of the content files this import wrote (but those
    whose write `failed`), so that the next import that looks for a
    transcript's content files does not read every one of them (a fresh
    import of 10,000 transcripts left 10,000 heads to read: seconds, or
    tens of seconds from a cold disk). Recorded by the stat the file got
    when it was filled; a file changed since has another stat and is read."""
    read_at = now_ns()
    for head in written:
        if head.target not in failed:
            record.keep_head(head.display, head.stat, head.facts, read_at, head.digest)


class _Existing(NamedTuple):
    """A content file an import wrote, by what its front matter says
    (`HeadFacts`; a named tuple: one is made per content file and import)."""

    file: _Listed
    facts: HeadFacts

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def stamp(self) -> ImportStamp | None:
        return self.facts.stamp

    @property
    def meetings(self) -> int:
        return self.facts.meetings


def _is_content_file(name: str) -> bool:
    return name.endswith(".md") and not name.lower().startswith("readme") \
        and not name.startswith(".")


def head_facts(head: str) -> HeadFacts:
    """What the import needs from a content file's front matter (`head`)."""
    m = _SOURCE_LINE.search(head)
    stamp = read_stamp(head)
    if not m or stamp is None:
        return HeadFacts(None, None)
    written = read_yaml_scalar(m.group(1))  # the writer's form, read without YAML
    if written is not None:
        source = written[0]
    else:
        import yaml

        try:
            source = yaml.safe_load(m.group(1))
        except yaml.YAMLError:
            return HeadFacts(None, None)
    count = _MEETINGS_LINE.search(head)
    dates = _DATE_LINE.findall(head)
    date = read_yaml_scalar(dates[0]) if len(dates) == 1 else None
    return HeadFacts(str(source), stamp, int(count.group(1)) if count else 1, title_key(head),
                     date[0] if date else None)


def _head_digest(file: _Listed, read: dict[str, str]) -> str | None:
    """The digest of a content file's head (checking a racy entry), the head
    kept in `read` for reading the file's facts if the check fails."""
    try:
        head = read[file.name] = _head(file.path)
    except OSError:
        return None
    return bytes_digest(head.encode("utf-8"))


def _facts(file: _Listed, record: ImportRecord, listed_at: int) -> HeadFacts | None:
    """What the front matter of a content file says (from the record while
    the file is unchanged); None when it cannot be read."""
    heads: dict[str, str] = {}  # read to check a racy entry
    facts = record.known_head(file.display, file.stat, partial(_head_digest, file, heads))
    if facts is None:
        try:
            head = heads.pop(file.name) if file.name in heads else _head(file.path)
        except OSError:
            return None
        facts = head_facts(head)
        record.keep_head(file.display, file.stat, facts, listed_at,
                         bytes_digest(head.encode("utf-8")))
    return facts


def _imported(facts: HeadFacts | None) -> bool:
    """Whether a content file with these facts was written by an import."""
    return facts is not None and facts.source is not None and facts.stamp is not None


def _source_index(content: dict[str, _Listed], record: ImportRecord,
                  listed_at: int) -> dict[str, list[_Existing]]:
    """Content files by the transcript they were imported from (each list in
    name order), from the facts recorded for the unchanged ones and the heads
    of the others."""
    index: dict[str, list[_Existing]] = {}
    for name in sorted(content):
        if not _is_content_file(name):
            continue
        file = content[name]
        facts = _facts(file, record, listed_at)
        if _imported(facts):
            index.setdefault(facts.source, []).append(_Existing(file, facts))  # type: ignore
    return index


def _update_index(index: dict[str, list[_Existing]], sources: dict[str, str],
                  content: dict[str, _Listed], before: dict[str, _Listed], changed: set[str],
                  record: ImportRecord, listed_at: int) -> set[str]:
    """Bring an index made by `_source_index` (and `sources`, the transcript
    of each content file in it, by name) up to date with the `changed`
    content files, listed `before` and now; the transcripts whose lists changed."""
    touched: set[str] = set()
    for name in sorted(changed):
        source = sources.pop(name, None)
        if source is not None:
            index[source] = [e for e in index[source] if e.file.name != name]
            if not index[source]:
                del index[source]
            touched.add(source)
        shown = content[name].display if name in content else before[name].display
        record.forget("heads", shown)  # (looked up again below if it is still there)
        file = content.get(name)
        if file is None or not _is_content_file(name):
            continue
        facts = _facts(file, record, listed_at)
        if _imported(facts):
            found = index.setdefault(facts.source, [])  # type: ignore[arg-type]
            bisect.insort(found, _Existing(file, facts), key=lambda e: e.file.name)
            sources[name] = facts.source  # type: ignore[assignment]
            touched.add(facts.source)  # type: ignore[arg-type]
    return touched


class _People:
    """The speaker registry for this import: its diagnostics at once (from the
    record while people.yaml is unchanged), the registry itself when the first
    transcript needs it."""

    def __init__(self, project: Project, record: ImportRecord, listed_at: int):
        self.path = project.content_dir / REGISTRY_FILE
        self.shown = project.display(self.path)
        self._registry: Registry | None = None
        self._people: tuple[RegistryPerson, ...] = ()
        try:
            stat: Stat | None = stat_of(os.stat(self.path))
        except OSError:
            stat = None
        text: list[bytes] = []

        def verify() -> str | None:  # a racy entry: the bytes it was read from?
            try:
                text.append(self.path.read_bytes())
            except OSError:
                return None
            return bytes_digest(text[0])

        known = record.known_registry(self.shown, stat, verify) if stat is not None else None
        if known is not None:
            self._people, self.diagnostics = known
            return
        self._registry, self.diagnostics, digest = read_registry(
            self.path, self.shown, text[0] if text else None)
        if stat is not None and digest is not None:
            record.keep_registry(self.shown, stat, self._registry.people, self.diagnostics,
                                 listed_at, digest)

    def wrote(self, data: bytes, record: ImportRecord, listed_at: int,
              out: ImportOutcome) -> None:
        """people.yaml was just written with `data`: what reading it says
        replaces what reading it before this import said (at the start of
        `out.diagnostics`), as the next import, which reads this file, will
        report; and it is recorded, so that the next import need not read it."""
        registry, diags, digest = read_registry(self.path, self.shown, data)
        out.diagnostics[:len(self.diagnostics)] = diags
        self.diagnostics = diags
        try:
            stat = stat_of(os.stat(self.path))
        except OSError:
            return
        if digest is not None:
            record.keep_registry(self.shown, stat, registry.people, diags, listed_at, digest)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry(self._people)
        return self._registry


def read_registry(path: Path, shown: str, data: bytes | None = None
                  ) -> tuple[Registry, list[Diagnostic], str | None]:
    """`load_registry` of `path` (or of its bytes `data`, already read), and
    the digest of the bytes it was read from (None: none were)."""
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return Registry(), [], None
        except OSError:
            registry, diags = load_registry(path, shown)  # says why it cannot be read
            return registry, diags, None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        registry, diags = load_registry(path, shown)
        return registry, diags, None
    registry, diags = parse_registry(text, shown)
    return registry, diags, bytes_digest(data)


def _is_current(existing: list[_Existing], source_sha: str | None, sidecar_sha: str | None,
                version: str) -> bool:
    return bool(existing) and len(existing) == existing[0].meetings and all(
        e.stamp is not None and e.stamp.source_sha256 == source_sha
        and e.stamp.sidecar_sha256 == sidecar_sha and e.stamp.parser == version
        for e in existing)


def _refusal(shown: str, source: str) -> str:
    return (f"refused: {shown} was edited by hand since it was imported, and a new import of "
            f"{source} differs from it; your edit is kept. To replace it with the new import, "
            f"rerun with --force or delete {shown}.")


def _safe_id(meeting: Meeting, display: str) -> tuple[Meeting, list[Diagnostic]]:
    safe = slugify(meeting.id, fallback="vergadering")
    if safe == meeting.id:
        return meeting, []
    return replace(meeting, id=safe), [warning(
        f"meeting id {meeting.id!r} is not a safe file name; using {safe!r}", display,
        hint="set 'id:' in the transcript's .meta.yaml sidecar to letters, digits and '-'")]


def _settle_twin(project: Project, meeting: Meeting, display: str, twins: Twins,
                 claimed: dict[str, str], out: ImportOutcome, writer: BackgroundWriter,
                 shape: Shape | None = None) -> bool:
    """Whether to write `meeting` when another transcript gives the same meeting
    (generator/duplicates.py): the preferred source's is kept, the other one's
    is not written, or removed when an earlier import wrote it (not when it was
    edited by hand)."""
    twin = twins.find(meeting, display, shape)
    if twin is None:
        return True
    other, path = twin
    writer.settle(path)
    shown = project.display(path)
    if source_rank(display) > source_rank(other):
        out.diagnostics.append(warning(
            f"the same meeting as {shown} (imported from {other}): not imported twice",
            display, hint=f"{other} is preferred (XML, then PDF, then text); remove {display} "
                          "from transcripts/ to silence this"))
        return False
    if path.exists() and is_hand_edited(path.read_text(encoding="utf-8")):
        out.diagnostics.append(warning(
            f"the same meeting as {shown}, which was edited by hand: that file is kept and "
            "this transcript not imported", display, hint=f"delete {shown} to take this one"))
        return False
    path.unlink(missing_ok=True)
    twins.forget(path)
    claimed.pop(path.stem, None)
    out.messages.append(f"removed {shown}: {display} gives the same meeting and is preferred "
                        f"over {other}")
    return True


def previous_ids(text: str) -> dict[PersonKey, str]:
    """The person ids a content file gives, by `person_key`, from the people
    list of its front matter as the writer writes it (anything else: none)."""
    found: dict[PersonKey, str] = {}
    lines = iter(text.split("\n", 4096)[1:])
    for line in lines:
        if line == "people:":
            break
        if line == "---":
            return found
    for line in lines:
        item = read_flow_map(line[2:]) if line.startswith("- {") else None
        if item is None:
            break
        if item.get("id") and item.get("name") is not None:
            found[(item["name"], item.get("party"), item.get("role"))] = item["id"]
    return found


def _write_meetings(project: Project, parsed: ParsedFile, registry: Registry, force: bool,
                    claimed: dict[str, str], out: ImportOutcome, twins: Twins,
                    writer: BackgroundWriter, heads: list[_WrittenHead]) -> Registry:
    """Resolve and write the meetings of one parsed transcript; the registry
    extended with the meetings that were written (or are being written:
    `writer` finishes them in the background), each written file's head
    added to `heads`."""
    stamp = ImportStamp(parser_version(), parsed.source_sha256, parsed.sidecar_sha256,
                        meetings=len(parsed.meetings))
    for at, meeting in enumerate(parsed.meetings):
        shape = parsed.shapes[at] if parsed.shapes is not None else None
        meeting, diags = _safe_id(meeting, parsed.display)
        out.diagnostics += diags
        target = project.content_dir / f"{meeting.id}.md"
        shown = project.display(target)
        if not _settle_twin(project, meeting, parsed.display, twins, claimed, out, writer,
                            shape):
            out.skipped += 1
            continue
        if meeting.id in claimed:
            out.diagnostics.append(error(
                f"meeting id {meeting.id!r} is also the id of a meeting in {claimed[meeting.id]}; "
                "not written", parsed.display,
                hint="give one of them another 'id:' in its .meta.yaml sidecar"))
            out.skipped += 1
            continue
        claimed[meeting.id] = parsed.display
        writer.settle(target)
        old = target.read_text(encoding="utf-8") if target.exists() else None
        resolved, extended, diags = resolve_meeting(meeting, registry, parsed.display,
                                                    previous_ids(old) if old else None)
        out.diagnostics += diags
        data = write_meeting_bytes(resolved, stamp,
                                   parsed.blocks[at] if parsed.blocks is not None else None)
        twins.add(meeting, parsed.display, target, shape)
        if old is not None and old == data.decode("utf-8"):  # (as read: newlines translated)
            out.unchanged += 1
            registry = extended
            continue
        if old is not None:
            old_source = _SOURCE_LINE.search(old[:65536])
            if read_stamp(old) is not None and old_source and \
                    old_source.group(1).strip('"') != parsed.display:
                out.diagnostics.append(error(
                    f"{shown} holds a meeting imported from {old_source.group(1)}; not "
                    "overwritten", parsed.display,
                    hint="give this transcript another 'id:' in its .meta.yaml sidecar"))
                out.skipped += 1
                continue
            if not force and is_hand_edited(old):
                out.refused = True
                out.refused_files.append(shown)
                out.messages.append(_refusal(shown, parsed.display))
                continue
        try:
            project.content_dir.mkdir(parents=True, exist_ok=True)
            filled = writer.write_bytes(target, data, parsed.display)
        except OSError as exc:
            out.diagnostics.append(error(f"cannot write {shown}: {exc.strerror or exc}",
                                         parsed.display))
            out.skipped += 1
            continue
        out.written += 1
        head = head_of_bytes(data)
        heads.append(_WrittenHead(target, shown, stat_of(filled), head_facts(head),
                                  bytes_digest(head.encode("utf-8"))))
        registry = extended
    return registry


def _remove_superseded(project: Project, existing: list[_Existing], parsed: ParsedFile,
                       out: ImportOutcome, writer: BackgroundWriter) -> None:
    """Delete content files that an earlier import of this transcript wrote under
    an id it no longer produces (e.g. its sidecar title changed). A file edited
    by hand is kept, with a warning."""
    new_ids = {slugify(m.id, fallback="vergadering") for m in parsed.meetings}
    for old in existing:
        writer.settle(old.path)
        if old.path.stem in new_ids or not old.path.exists():
            continue
        shown = project.display(old.path)
        if is_hand_edited(old.path.read_text(encoding="utf-8")):
            out.diagnostics.append(warning(
                f"{shown} was imported from {parsed.display}, which no longer produces "
                "this meeting; kept because it was edited by hand", shown,
                hint=f"delete {shown} if the meeting should go"))
            continue
        old.path.unlink()
        out.messages.append(f"removed {shown}: {parsed.display} now gives other meeting ids")


# A parsing worker keeps little between transcripts (resident 31 MB after 100
# parses, 33 MB after 1,000 with the collector off, as the import has it),
# while each fresh fork costs a fork of this process (larger as the import
# goes: each page it touches afterwards is copied), page faults on the shared
# word lists again and a moment with one worker fewer: replaced rarely (at
# 500, 20 forks at 10,000 transcripts; now 4).
_PARSES_PER_WORKER = 2000
# A parsed transcript comes back as ~70 kB: the results' pipe holds many
# (`fork_map`), so a worker never waits for this process to read one.
_RESULTS_BUFFER = 1 << 20
# Up to this many transcripts to parse, the readers are imported and the
# lexicon store opened where they are first needed (in this process or a worker).
_FEW_TRANSCRIPTS = 40


def _parse_item(item: tuple[Path, str]) -> ParsedFile:
    return written_ahead(parse_file(*item))


def _twin_titles(parsed: list[ParsedFile]) -> frozenset[str]:
    """The normalised titles of the meetings of `parsed` (`Shape.title`:
    what `Twins.find` looks a meeting up by)."""
    return frozenset(
        shape.title for p in parsed
        for shape in (p.shapes if p.shapes is not None else map(Shape.of, p.meetings)))


class _Unchanged(NamedTuple):
    """A transcript found unchanged: what the import said of it, its meetings
    by id (the ids it claims) and how many there are."""

    said: list[Diagnostic]
    claims: dict[str, str]
    meetings: int


@dataclass
class _Kept:
    """What an import established, for the next import in the same process
    (the live preview, while `file_memo` keeps parsed files): the two folders
    as listed, the index of content files by transcript, the transcripts it
    found unchanged (with what it said of them) and the twin index. The next
    import lists both folders again and takes from here only what concerns
    files whose stat is the one listed then (and was settled then); its record
    must be this import's (`ImportRecord.carried`)."""

    where: tuple[Path, Path, Path, str]  # project root, content/, transcripts/, parser version
    transcripts: dict[str, _Listed]
    content: dict[str, _Listed]
    listed_at: int
    index: dict[str, list[_Existing]]
    sources: dict[str, str]  # content file name -> transcript, for the files in `index`
    unchanged: dict[str, _Unchanged]  # by transcript (shown)
    names: list[str]  # the transcripts' names, in order
    twins: Twins | None
    twinned: list[Path]  # meetings `twins` knows from this import's writes


_kept: _Kept | None = None


def _keeping() -> bool:
    """Whether this process keeps what an import established (`file_memo` is on)."""
    from generator import file_memo

    return file_memo.is_on()


def _twin_order(found: list[_Existing], e: _Existing) -> tuple:
    """A content file's place in the twin index: by transcript (transcripts in
    the order of their first content file's name), then by name."""
    return (0, found[0].file.name, e.file.name)


def _update_twins(twins: Twins, index: dict[str, list[_Existing]], changed: set[str],
                  content_dir: Path, touched: set[str]) -> None:
    """Bring a twin index made by an earlier import up to date: the changed
    content files and the transcripts whose lists changed (`_update_index`)."""
    for name in changed:
        twins.forget(content_dir / name)
    for source in touched:
        found = index.get(source, [])
        for e in found:
            if twins.has(e.path):
                twins.reorder(e.path, _twin_order(found, e))
            else:
                twins.put_content(e.path, source, e.facts.title, e.facts.date,
                                  _twin_order(found, e))


def import_transcripts(project: Project, force: bool = False, jobs: int = 0,
                       listing: Listing | None = None) -> ImportOutcome:
    """Bring ``content/`` up to date with ``transcripts/`` (see module doc). What
    it needs to know of files that did not change comes from its record
    (`generator.import_state`): with nothing changed, no file is opened. In a
    long-lived process (serve), what the last import established is kept
    (`_Kept`): only files whose stat changed are looked at again. With a
    `listing`, the folders are taken as it found them instead of listed
    again (a file changed since is found by the caller's next look)."""
    global _kept
    out = ImportOutcome()
    listed_at = listing.taken_at if listing is not None else now_ns()
    version = parser_version()
    keeping = _keeping() and not force
    kept = _kept
    if keeping:
        _kept = None  # (kept again at the end: an import that fails leaves none)
    record = ImportRecord.load(project.root, reuse=keeping)
    where = (project.root, project.content_dir, project.transcripts_dir, version)
    if not (keeping and record.carried and kept is not None and kept.where == where):
        kept = None
        record.afresh()
    people = _People(project, record, listed_at)
    out.diagnostics += people.diagnostics
    if any(d.severity is Severity.ERROR for d in people.diagnostics):
        out.messages.append(f"import stopped: fix {people.shown} first "
                            "(person ids depend on it)")
        return out
    claimed: dict[str, str] = {}
    writer = BackgroundWriter()

    def load(path: Path) -> Meeting | None:
        writer.settle(path)
        return read_content_file(project, path)[0]

    def content_twins(titles: frozenset[str] | None = None) -> Twins:
        """The twin index of the content files (made when a meeting is first
        written: ~0.2 s at 10,000); with `titles`, only of those that may have
        one of these titles (`_twin_titles`)."""
        return Twins.of_content(((e.path, source, e.facts.title, e.facts.date,
                                  _twin_order(found, e))
                                 for source, found in index.items() for e in found
                                 if titles is None or e.facts.title is None
                                 or e.facts.title in titles), load)

    racy_after = kept.listed_at - RACY_NS if kept else 0
    content, changed_content = _relisting(
        project, project.content_dir, kept.content if kept else {}, racy_after,
        listing.content if listing is not None else _regular_files(project.content_dir))
    transcripts, changed = _relisting(
        project, project.transcripts_dir, kept.transcripts if kept else {}, racy_after,
        listing.transcripts if listing is not None else _regular_files(project.transcripts_dir))
    twins: Twins | None = None
    if kept is None:
        index = _source_index(content, record, listed_at)
        sources = {e.file.name: source for source, found in index.items() for e in found}
        names = [name for name in sorted(transcripts) if _is_transcript(name)]
        dirty: set[str] | None = None
        touched: set[str] = set()
    else:
        index, sources = kept.index, kept.sources
        touched = _update_index(index, sources, content, kept.content, changed_content, record,
                                listed_at)
        for name in changed:
            if name not in transcripts:
                record.forget("hashes", kept.transcripts[name].display)
                record.forget_said(kept.transcripts[name].display)
        names = kept.names if transcripts.keys() == kept.transcripts.keys() else \
            [name for name in sorted(transcripts) if _is_transcript(name)]
        dirty = {name for name in changed if _is_transcript(name)}
        sidecars = {name for name in changed if name.endswith(SIDECAR_SUFFIX)}
        if sidecars:
            dirty.update(name for name in names if _sidecar_name(name) in sidecars)
        if kept.twins is not None:
            twins = kept.twins
            twins.load = load
            for path in kept.twinned:  # (written by that import: known again from content)
                changed_content.add(path.name)
                if path.name in sources:
                    touched.add(sources[path.name])
            _update_twins(twins, index, changed_content, project.content_dir, touched)
    hashes = TranscriptHashes(record, listed_at)
    plan = []
    for name in names:
        file = transcripts[name]
        if dirty is not None and name not in dirty and file.display not in touched:
            found = kept.unchanged.get(file.display)  # type: ignore[union-attr]
            if found is not None:  # as the last import found it
                plan.append((file, None, found, found.said, None))
                continue
        existing = index.get(file.display, [])
        sidecar = transcripts.get(_sidecar_name(name))
        if not existing or force:  # parsed whatever its hash: the worker hashes it
            plan.append((file, sidecar, existing, None, None))
            continue
        source_sha, sidecar_sha = hashes.sha256(file), hashes.sha256(sidecar)
        key = f"{source_sha}:{sidecar_sha}:{version}"
        # Unchanged: what the import said last time, repeated so that --strict
        # fails on the second run as it did on the first.
        said = record.said(file.display, key) if _is_current(
            existing, source_sha, sidecar_sha, version) else None
        plan.append((file, sidecar, existing, said, key))
    # Parse the stale transcripts on every core; results come back in order.
    # The hyphenation repair's words are looked up in the on-disk store
    # (`lexicon_store`: the same frequencies as the loaded lists, at the same
    # parsing cost); for many transcripts it is opened here first (made, if
    # need be, once and not by every worker at a time), and only where it
    # cannot be are the lists loaded (once here, so the workers share them).
    stale = [(file.path, file.display) for file, _, _, said, _ in plan if said is None]
    from generator.ingest.hyphenation import use_lexicon_store, warm_lexicons
    from generator.ingest.lexicon_store import LexiconStore, default_folder
    from generator.workers import fork_map  # (a run with nothing to parse needs none of them)

    if len(stale) > _FEW_TRANSCRIPTS:
        if LexiconStore.open(default_folder()) is not None:
            use_lexicon_store(default_folder())
        else:
            warm_lexicons()
        # The readers' modules (their regexes compiled at import) once here,
        # not in every forked worker (~0.35 CPU-s each, 20 forks at 10,000).
        text_readers()
    elif stale:
        use_lexicon_store(default_folder())
    parsed_files = fork_map(_parse_item, stale, jobs, label="import",
                            tasks_per_worker=_PARSES_PER_WORKER, results_buffer=_RESULTS_BUFFER)
    # A few transcripts (an edit, in the CLI): all parsed first, so that the
    # twin index need hold only the content files that may share a title
    # with one of their meetings (a twin has the same title), not all of them.
    # A process that keeps its twin index for the next import makes it whole.
    twin_titles: frozenset[str] | None = None
    if stale and len(stale) <= _FEW_TRANSCRIPTS and not keeping:
        few = list(parsed_files)
        twin_titles = _twin_titles(few)
        parsed_files = (p for p in few)
    registry = before = people.registry if stale else None
    unchanged: dict[str, _Unchanged] = {}
    twinned: list[Path] = []
    written_heads: list[_WrittenHead] = []
    try:
        for file, sidecar, existing, said, key in plan:
            if said is not None:
                if type(existing) is not _Unchanged:  # (else: as the last import found it)
                    existing = _Unchanged(said, {e.file.name[:-3]: file.display for e in existing},
                                          len(existing))
                out.diagnostics += said
                out.unchanged += existing.meetings
                claimed.update(existing.claims)
                unchanged[file.display] = existing
                continue
            parsed = next(parsed_files)
            if key is None:
                key = (f"{hashes.learn(file, parsed.source_sha256)}:"
                       f"{hashes.learn(sidecar, parsed.sidecar_sha256)}:{version}")
            said_from = len(out.diagnostics)
            out.diagnostics += parsed.diagnostics
            if parsed.meetings:
                if twins is None:
                    twins = content_twins(twin_titles)
                registry = _write_meetings(project, parsed, registry, force, claimed, out, twins,
                                           writer, written_heads)
                twinned += (project.content_dir / f"{slugify(m.id, fallback='vergadering')}.md"
                            for m in parsed.meetings)
                _remove_superseded(project, existing, parsed, out, writer)
            else:
                out.skipped += 1
            # What parsing and resolving speakers said, repeated while it stays unchanged.
            record.keep_said(file.display, key, out.diagnostics[said_from:])
    except BaseException:  # what was written is still finished (durable, then renamed)
        writer.close()
        raise
    parsed_files.close()  # stop the workers now
    failed_paths: set[Path] = set()
    for failed in writer.close():
        failed_paths.add(failed.path)
        out.diagnostics.append(error(f"cannot write {project.display(failed.path)}: "
                                     f"{failed.error.strerror or failed.error}", failed.owner))
        out.written, out.skipped = out.written - 1, out.skipped + 1
        record.forget_said(failed.owner)  # parse it again next time
    _keep_written_heads(record, written_heads, failed_paths)
    if registry is not None and registry != before:
        try:
            project.content_dir.mkdir(parents=True, exist_ok=True)
            data = dump_registry(registry).encode("utf-8")
            atomic_write_bytes(people.path, data)
        except OSError as exc:
            out.diagnostics.append(error(f"cannot write the speaker registry: "
                                         f"{exc.strerror or exc}", people.shown))
        else:
            people.wrote(data, record, listed_at, out)
    record.save(project.root)
    if keeping:
        if twins is None and not stale:  # (made now, at the first build, not at the first edit)
            twins = content_twins()
        _kept = _Kept(where, transcripts, content, listed_at, index, sources,
                      unchanged, names, twins, twinned)
    out.messages.append(f"import: {out.written} written, {out.unchanged} unchanged, "
                        f"{out.skipped} skipped, {len(out.refused_files)} refused")
    return out
