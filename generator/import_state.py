"""What the import remembers between runs, so that a run with nothing to do
opens no transcript, no content file and not the speaker registry.

One JSON file, ``.plenum-cache/import-state.json``, with per file (by the name
shown to the user) its size, mtime and inode when it was read, and:

- ``hashes``: for a transcript or sidecar, its sha256;
- ``heads``: for a content file, what the import reads from its front matter
  (`HeadFacts`: the transcript it came from, its import stamp, its title);
- ``registry``: for ``people.yaml``, its people and the diagnostics reading it gave;
- ``said`` (by transcript, no stat): the key it was last imported under and what
  the import said about it, repeated while it stays unchanged.

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.content_writer import atomic_write
from generator.errors import Diagnostic, Severity
from generator.markdown_io import ImportStamp
from generator.registry import RegistryPerson, Spell

RECORD = Path(".plenum-cache") / "import-state.json"
FORMAT = 1
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


# The records of earlier versions: what the import said per transcript is read
# from the first (so that an upgrade does not parse every transcript again);
# both are removed when the record is first written.
LEGACY = (Path(".plenum-cache") / "import-diagnostics.json",
          Path(".plenum-cache") / "transcript-hashes.json")


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


class ImportRecord:
    """The record as read (`old`) and as this run rebuilds it (`new`): only
    entries looked up or kept in this run are kept, so files that went away drop
    out. `save` writes it when it changed."""

    def __init__(self, data: object = None):
        ok = isinstance(data, dict) and data.get("format") == FORMAT
        self.old: dict[str, dict] = {
            s: d if ok and isinstance(d := data.get(s), dict) else {} for s in SECTIONS}
        self.new: dict[str, dict] = {s: {} for s in SECTIONS}

    @classmethod
    def load(cls, root: Path) -> ImportRecord:
        try:
            record = cls(json.loads((root / RECORD).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            record = cls()
        if not record.old["said"]:
            record.old["said"] = _legacy_said(root)
        return record

    def save(self, root: Path) -> None:
        if self.new == self.old:
            return
        path = root / RECORD
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({"format": FORMAT, **self.new}, ensure_ascii=False,
                                          separators=(",", ":")))
            for name in LEGACY:
                (root / name).unlink(missing_ok=True)
        except OSError:
            pass  # the record is an optimisation: the next import reads the files

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
        if settled(stat, read_at):
            self.new[section][name] = [*stat, value]
        elif digest is not None:
            self.new[section][name] = [*stat, value, digest]
        else:
            self.new[section].pop(name, None)

    def forget(self, section: str, name: str) -> None:
        """Drop the entry of a file this run rewrote or removed."""
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
        entry = self._known("registry", name, stat, verify)
        if entry is None:
            return None
        try:
            people, diags = entry[3]
            return (tuple(map(_person_from_row, people)),
                    [diagnostic_from_row(d) for d in diags])
        except (TypeError, ValueError):
            self.forget("registry", name)
            return None

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
        self.new["said"][display] = [key, [diagnostic_row(d) for d in diags]]

    def forget_said(self, display: str) -> None:
        self.new["said"].pop(display, None)
