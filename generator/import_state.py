"""What the import remembers between runs, so that a run with nothing to do
opens no transcript, no content file and not the speaker registry.

Per file (by the name shown to the user) its size, mtime and inode when it
was read, and:

- ``hashes``: for a transcript or sidecar, its sha256;
- ``heads``: for a content file, what the import reads from its front matter
  (`HeadFacts`: the transcript it came from, its import stamp, its title);
- ``registry``: for ``people.yaml``, its people and the diagnostics reading it gave;
- ``said`` (by transcript, no stat): the key it was last imported under and what
  the import said about it, repeated while it stays unchanged.

The record is kept in `SHARDS` pickles under ``.plenum-cache/import-state/``,
each holding the entries of the names that hash to it (all four sections): a
run rewrites only the shards in which an entry was added, changed or dropped
(one or two when one transcript changed), never the whole record. Each shard
is written atomically; a shard that is missing, unreadable or of another
format counts as empty (its files are read again), so a killed run costs
time, never a wrong import.

An entry stands for the file only while the file's size, mtime and inode are
exactly the recorded ones (as git's index); any change, including a hand
edit, means reading the file again. A file modified less than `RACY_NS` before
it was read is racy: an edit in the same clock tick would keep its size and
mtime. Its entry also holds a SHA-256 of the bytes it was made from and stands
for the file only while the file still has those bytes (one hash, no parse:
the registry the import itself just wrote is not parsed again by the next
run, and the record is not rewritten when the file settles). A missing,
corrupt or foreign record (another format, or entries of the wrong shape)
counts as empty: the import then reads what it needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from generator import file_memo
from generator.errors import Diagnostic, Severity
from generator.markdown_io import ImportStamp
from generator.registry import RegistryPerson, Spell

RECORD = Path(".plenum-cache") / "import-state"  # the folder of its shards
SHARDS = 64
FORMAT = 2
RACY_NS = 2_000_000_000
SECTIONS = ("hashes", "heads", "registry", "said")

Stat = tuple[int, int, int]  # size, mtime_ns, inode


def stat_of(st: os.stat_result) -> Stat:
    return st.st_size, st.st_mtime_ns, st.st_ino


def now_ns() -> int:
    return time.time_ns()


def settled(stat: Stat, read_at: int) -> bool:
    """Whether a file with this stat, read at `read_at`, can be recorded by
    its stat alone."""
    return stat[1] < read_at - RACY_NS


def bytes_digest(data: bytes) -> str:
    """The SHA-256 by which a racy entry is checked."""
    return hashlib.sha256(data).hexdigest()


Verify = Callable[[], "str | None"]  # the digest of the file's bytes now (None: unreadable)


@dataclass(frozen=True)
class HeadFacts:
    """What the import needs from a content file's front matter: the transcript
    it was imported from and the stamp that import wrote (None for a file written
    by hand), how many meetings that transcript gave, its title as
    `generator.duplicates.title_key` normalises it and its date (None when not
    stated or not in the writer's form)."""

    source: str | None
    stamp: ImportStamp | None
    meetings: int = 1
    title: str = ""
    date: str | None = None


def diagnostic_row(d: Diagnostic) -> list:
    return [d.severity.value, d.message, d.file, d.line, d.text, d.hint]


def diagnostic_from_row(row: list) -> Diagnostic:
    severity, message, file, line, text, hint = row
    if not (isinstance(message, str) and isinstance(file, str) and isinstance(line, int)
            and isinstance(text, str) and isinstance(hint, str)):
        raise ValueError("not a diagnostic")
    return Diagnostic(Severity(severity), message, file, line, text, hint)


def _person_row(p: RegistryPerson) -> list:
    return [p.id, p.name, list(p.aliases), [[s.value, s.start, s.end] for s in p.parties],
            [[s.value, s.start, s.end] for s in p.roles], p.note]


def _spell(row: list) -> Spell:
    value, start, end = row
    if not isinstance(value, str) or not all(v is None or isinstance(v, str)
                                             for v in (start, end)):
        raise ValueError("not a spell")
    return Spell(value, start, end)


def _person_from_row(row: list) -> RegistryPerson:
    pid, name, aliases, parties, roles, note = row
    if not (isinstance(pid, str) and isinstance(name, str) and (note is None or isinstance(
            note, str)) and all(isinstance(a, str) for a in aliases)):
        raise ValueError("not a person")
    return RegistryPerson(pid, name, tuple(aliases), tuple(map(_spell, parties)),
                          tuple(map(_spell, roles)), note)


def _facts_row(f: HeadFacts) -> list:
    s = f.stamp
    stamp = None if s is None else [s.parser, s.source_sha256, s.sidecar_sha256,
                                    s.content_sha256, s.meetings]
    return [f.source, stamp, f.meetings, f.title, f.date]


def _facts_from_row(row: list) -> HeadFacts:
    source, stamp, meetings, title, date = row
    if not ((source is None or isinstance(source, str)) and isinstance(meetings, int)
            and isinstance(title, str) and (date is None or isinstance(date, str))):
        raise ValueError("not head facts")
    if stamp is not None:
        parser, source_sha, sidecar_sha, content_sha, count = stamp
        if not (all(isinstance(v, str) for v in (parser, source_sha, content_sha))
                and (sidecar_sha is None or isinstance(sidecar_sha, str))
                and isinstance(count, int)):
            raise ValueError("not a stamp")
        stamp = ImportStamp(parser, source_sha, sidecar_sha, content_sha, count)
    return HeadFacts(source, stamp, meetings, title, date)


# The records of earlier versions: the whole record in one JSON file (format
# 1: read once, so that an upgrade parses nothing again) and, before it, what
# the import said per transcript; all are removed when the record is first
# written as shards.
JSON_RECORD = Path(".plenum-cache") / "import-state.json"
LEGACY = (Path(".plenum-cache") / "import-diagnostics.json",
          Path(".plenum-cache") / "transcript-hashes.json", JSON_RECORD)


def _legacy_said(root: Path) -> dict[str, list]:
    """``said`` entries from an earlier version's import-diagnostics.json
    (transcript -> {"key": ..., "diagnostics": [Diagnostic fields]})."""
    try:
        data = json.loads((root / LEGACY[0]).read_text(encoding="utf-8"))
        return {display: [entry["key"], [[d["severity"], d["message"], d["file"],
                                          d.get("line", 0), d.get("text", ""), d.get("hint", "")]
                                         for d in entry["diagnostics"]]]
                for display, entry in data.items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def shard_of(name: str) -> int:
    """The shard that keeps the entries of the file shown as `name`."""
    return zlib.crc32(name.encode("utf-8")) % SHARDS


def _shard_path(root: Path, shard: int) -> Path:
    return root / RECORD / f"{shard:02d}.pickle"


def _shard_name(folder: str, shard: int) -> str:
    """`_shard_path` as a string, given ``str(root / RECORD)``."""
    return f"{folder}{os.sep}{shard:02d}.pickle"


def _sections(data: object) -> dict[str, dict]:
    """The sections of a record or shard as read (empty ones where `data` is
    not a record of this format)."""
    ok = isinstance(data, dict) and data.get("format") in (FORMAT, 1)
    return {s: d if ok and isinstance(d := data.get(s), dict) else {}  # type: ignore[union-attr]
            for s in SECTIONS}


def _read_shard(root: Path, shard: int) -> dict[str, dict] | None:
    """A shard's sections (None: missing or unreadable)."""
    try:
        data = file_memo.read(_shard_path(root, shard), pickle.loads)  # (entries never mutated)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged cache file: counts as empty
        return {s: {} for s in SECTIONS}
    return _sections(data) if isinstance(data, dict) and data.get("format") == FORMAT \
        else {s: {} for s in SECTIONS}


# The registry entry last read, as read: an import in a long-lived process
# finds the same entry (the same object) while people.yaml is unchanged.
_registry_read: tuple[list, tuple[RegistryPerson, ...], list[Diagnostic]] | None = None


class ImportRecord:
    """The record as read (`old`) and as this run rebuilds it (`new`): only
    entries looked up or kept in this run are kept, so files that went away drop
    out. `save` rewrites the shards whose entries changed."""

    def __init__(self, data: object = None):
        self.old: dict[str, dict] = _sections(data)
        self.new: dict[str, dict] = {s: {} for s in SECTIONS}
        self._touched: set[str] = set()  # names kept or forgotten by this run
        self._shards: list[dict[str, dict] | None] = [None] * SHARDS  # as read
        self._rewrite_all = True  # no shards were read: write every one
        self.carried = False  # `new` started as the last import's record (`load`)
        self._reuse = False  # keep this record for the next import in this process

    @classmethod
    def load(cls, root: Path, reuse: bool = False) -> ImportRecord:
        """The record in `root`. `reuse` (an import in a long-lived process):
        when its shards are the ones the last import of this process read or
        wrote, that import's record is carried over (`carried`: every entry
        stays unless dropped), nothing is read."""
        keys = _shard_keys(root) if reuse else None
        if keys is not None and _last is not None and _last.root == root and _last.keys == keys:
            record = cls()
            record.old = _last.sections
            record.new = {s: dict(d) for s, d in _last.sections.items()}
            record._shards = list(_last.shards)
            record._rewrite_all = False
            record.carried = True
            return record
        record = cls._read(root)
        record._reuse = keys is not None
        return record

    @classmethod
    def _read(cls, root: Path) -> ImportRecord:
        shards = [_read_shard(root, i) for i in range(SHARDS)]
        if all(shard is None for shard in shards):  # none yet: an earlier version's?
            try:
                record = cls(json.loads((root / JSON_RECORD).read_text(encoding="utf-8")))
            except (OSError, ValueError):
                record = cls()
            if not record.old["said"]:
                record.old["said"] = _legacy_said(root)
            return record
        record = cls()
        record._shards = shards
        record._rewrite_all = False
        for shard in shards:
            if shard is not None:
                for section in SECTIONS:
                    record.old[section].update(shard[section])
        return record

    def afresh(self) -> None:
        """Keep only what this run looks up or keeps (a record `carried` over
        for an import that does not take what the last one established)."""
        if self.carried:
            self.new = {s: {} for s in SECTIONS}
            self.carried, self._reuse = False, True

    def _changed_shards(self) -> set[int]:
        """The shards holding an entry this run added, changed or dropped."""
        names = set(self._touched)
        for section in SECTIONS:
            names |= self.old[section].keys() - self.new[section].keys()
        changed: set[int] = set()
        for name in names:
            for section in SECTIONS:
                if self.old[section].get(name) != self.new[section].get(name):
                    changed.add(shard_of(name))
                    break
        changed.update(i for i, shard in enumerate(self._shards) if shard is None)
        return changed

    def save(self, root: Path) -> None:
        global _last
        reuse, previous, _last = self._reuse or self.carried, _last, None
        known = previous.keys if previous is not None and previous.root == root else ()
        if self._rewrite_all:
            if self.new == self.old and not any((root / name).exists() for name in LEGACY):
                return
            changed = set(range(SHARDS))
        else:
            changed = self._changed_shards()
        if not changed:
            if reuse:
                _remember(root, self.new, self._shards, known)
            return
        parts: dict[int, dict[str, dict]] = {i: {s: {} for s in SECTIONS} for i in changed}
        for section in SECTIONS:
            for name, entry in self.new[section].items() if self._rewrite_all else ():
                parts[shard_of(name)][section][name] = entry
        if not self._rewrite_all:  # a shard's entries: as read, with this run's changes
            for i in changed:
                before = self._shards[i] or {s: {} for s in SECTIONS}
                for section in SECTIONS:
                    new = self.new[section]
                    parts[i][section] = {name: new[name] for name in before[section]
                                         if name in new}
            for name in self._touched:
                i = shard_of(name)
                if i in parts:
                    for section in SECTIONS:
                        if name in self.new[section]:
                            parts[i][section][name] = self.new[section][name]
        try:
            (root / RECORD).mkdir(parents=True, exist_ok=True)
            for i in sorted(changed):
                data = pickle.dumps({"format": FORMAT, **parts[i]},
                                    protocol=pickle.HIGHEST_PROTOCOL)
                path = _shard_path(root, i)  # atomic, not flushed: a torn shard counts as empty
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                tmp.write_bytes(data)
                os.replace(tmp, path)
            for name in LEGACY:
                (root / name).unlink(missing_ok=True)
        except OSError:
            return  # the record is an optimisation: the next import reads the files
        if reuse:
            _remember(root, self.new, [parts.get(i, shard) for i, shard in enumerate(self._shards)],
                      known, changed)

    @classmethod
    def of(cls, sections: dict[str, dict]) -> ImportRecord:
        """A record that `save` writes whole, holding `sections`."""
        record = cls()
        record.new = {s: dict(sections.get(s, {})) for s in SECTIONS}
        return record

    def _known(self, section: str, name: str, stat: Stat,
               verify: Verify | None = None) -> list | None:
        """The recorded entry of `name` when its stat is `stat` (kept in `new`);
        a racy entry only when `verify` gives the digest it holds."""
        entry = self.old[section].get(name)
        if not isinstance(entry, list) or len(entry) not in (4, 5) or tuple(entry[:3]) != stat:
            return None
        if len(entry) == 5 and (verify is None or verify() != entry[4]):
            return None
        self.new[section][name] = entry
        return entry

    def _keep(self, section: str, name: str, stat: Stat, value: object, read_at: int,
              digest: str | None = None) -> None:
        """Record `value` for the file of this stat: by its stat when settled,
        else with the `digest` of the bytes it was made from (not at all without one)."""
        self._touched.add(name)
        if settled(stat, read_at):
            self.new[section][name] = [*stat, value]
        elif digest is not None:
            self.new[section][name] = [*stat, value, digest]
        else:
            self.new[section].pop(name, None)

    def forget(self, section: str, name: str) -> None:
        """Drop the entry of a file this run rewrote or removed."""
        self._touched.add(name)
        self.new[section].pop(name, None)

    # transcripts and sidecars
    def known_hash(self, name: str, stat: Stat, verify: Verify | None = None) -> str | None:
        entry = self._known("hashes", name, stat, verify)
        return entry[3] if entry is not None and isinstance(entry[3], str) else None

    def keep_hash(self, name: str, stat: Stat, sha: str, read_at: int) -> None:
        self._keep("hashes", name, stat, sha, read_at, sha)  # a racy one: its hash checks it

    # content files
    def known_head(self, name: str, stat: Stat, verify: Verify | None = None
                   ) -> HeadFacts | None:
        entry = self._known("heads", name, stat, verify)
        if entry is None:
            return None
        try:
            return _facts_from_row(entry[3])
        except (TypeError, ValueError):
            self.forget("heads", name)
            return None

    def keep_head(self, name: str, stat: Stat, facts: HeadFacts, read_at: int,
                  digest: str | None = None) -> None:
        self._keep("heads", name, stat, _facts_row(facts), read_at, digest)

    # the speaker registry
    def known_registry(self, name: str, stat: Stat, verify: Verify | None = None,
                       ) -> tuple[tuple[RegistryPerson, ...], list[Diagnostic]] | None:
        global _registry_read
        entry = self._known("registry", name, stat, verify)
        if entry is None:
            return None
        if _registry_read is not None and _registry_read[0] is entry:  # (entries are never changed)
            return _registry_read[1], list(_registry_read[2])
        try:
            people, diags = entry[3]
            found = (tuple(map(_person_from_row, people)),
                     [diagnostic_from_row(d) for d in diags])
        except (TypeError, ValueError):
            self.forget("registry", name)
            return None
        _registry_read = (entry, *found)
        return found

    def keep_registry(self, name: str, stat: Stat, people: tuple[RegistryPerson, ...],
                      diags: list[Diagnostic], read_at: int, digest: str | None = None) -> None:
        self._keep("registry", name, stat,
                   [[_person_row(p) for p in people], [diagnostic_row(d) for d in diags]],
                   read_at, digest)

    # what the import said per transcript
    def said(self, display: str, key: str) -> list[Diagnostic] | None:
        """The diagnostics of the import of `display` under `key`, if recorded."""
        entry = self.old["said"].get(display)
        if not isinstance(entry, list) or len(entry) != 2 or entry[0] != key:
            return None
        try:
            diags = [diagnostic_from_row(d) for d in entry[1]]
        except (TypeError, ValueError):
            return None
        self.new["said"][display] = entry
        return diags

    def keep_said(self, display: str, key: str, diags: list[Diagnostic]) -> None:
        self._touched.add(display)
        self.new["said"][display] = [key, [diagnostic_row(d) for d in diags]]

    def forget_said(self, display: str) -> None:
        self._touched.add(display)
        self.new["said"].pop(display, None)


@dataclass(frozen=True)
class _Kept:
    """The record as the last import of this process left it on disk: its
    entries by section, per shard, and the shards' keys (`_shard_keys`)."""

    root: Path
    keys: tuple
    sections: dict[str, dict]
    shards: list[dict[str, dict] | None]


_last: _Kept | None = None


def _shard_keys(root: Path) -> tuple | None:
    """The device, inode, size and mtime of each shard (None where missing;
    None for all when one cannot be stat'ed)."""
    keys: list[tuple[int, int, int, int] | None] = []
    folder = os.fspath(root / RECORD)
    for i in range(SHARDS):
        try:
            st = os.stat(_shard_name(folder, i))
        except FileNotFoundError:
            keys.append(None)
            continue
        except OSError:
            return None
        keys.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(keys)


def _remember(root: Path, sections: dict[str, dict], shards: list, known: tuple = (),
              wrote: Iterable[int] = ()) -> None:
    """Keep the record this process just saved (or found unchanged) for its
    next import, unless a shard it did not write itself (now, or earlier:
    its key is one `known` to the last import) was modified less than
    `RACY_NS` ago (another process's write in the same clock tick, to a freed
    inode, could give the same key). The shards it wrote stay its own: while
    it runs, nothing else writes ``.plenum-cache/`` (the project lock)."""
    global _last
    keys = _shard_keys(root)
    settled_before = now_ns() - RACY_NS
    mine = set(wrote)
    if keys is not None and all(key is None or i in mine or key[3] < settled_before
                                or (known and known[i] == key)
                                for i, key in enumerate(keys)):
        _last = _Kept(root, keys, sections, shards)


def read_record(root: Path) -> dict[str, dict]:
    """The entries of the record in `root`, by section."""
    return ImportRecord.load(root).old
