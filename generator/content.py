"""The ``content/`` tree: import transcripts into it, load it, check it.

Import parses every transcript (`parse_file`, a pure top-level function a
process pool can map), resolves its people against the speaker registry, and
writes ``content/<meeting-id>.md`` atomically. It skips a transcript whose bytes,
sidecar and parser are those recorded in its content files, and never
overwrites a content file edited by hand (its recorded hash no longer matches)
unless forced: it refuses that file, says so, and goes on with the others.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from generator import __version__
from generator.config import Project
from generator.content_writer import BackgroundWriter, atomic_write
from generator.duplicates import Twins, source_rank
from generator.errors import Diagnostic, Severity, error, info, warning
from generator.ingest import SIDECAR_SUFFIX, TRANSCRIPT_SUFFIXES, read_transcript
from generator.ingest.hyphenation import warm_lexicons
from generator.markdown_io import (
    ImportStamp,
    is_hand_edited,
    read_meeting,
    read_stamp,
    write_meeting,
)
from generator.markdown_syntax import read_flow_map, read_yaml_scalar
from generator.model import Meeting
from generator.registry import (
    REGISTRY_FILE,
    PersonKey,
    Registry,
    apply_registry,
    dump_registry,
    load_registry,
    resolve_meeting,
)
from generator.slugs import slugify
from generator.workers import fork_map

_PARSER_FILES = ("ingest/*.py", "people.py", "model.py", "markdown_io.py", "markdown_syntax.py",
                 "registry.py", "slugs.py")
_SOURCE_LINE = re.compile(r"^source: (.*)$", re.M)
_MEETINGS_LINE = re.compile(r"^  meetings: ([0-9]+)$", re.M)


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
    """One transcript, parsed: its meetings with meeting-local person ids."""

    display: str
    source_sha256: str
    sidecar_sha256: str | None
    meetings: tuple[Meeting, ...]
    diagnostics: tuple[Diagnostic, ...]


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class TranscriptHashes:
    """`sha256_file`, short-cut by the file's size, mtime and inode as recorded
    at the last import (as git's index does). A file modified less than
    `RACY_NS` before it was hashed is not recorded: an edit in the same clock
    tick would keep its size and mtime."""

    RACY_NS = 2_000_000_000

    def __init__(self, known: dict[str, list]):
        self.known = known
        self.seen: dict[str, list] = {}
        self._deferred: dict[str, tuple[list, int]] = {}

    def sha256(self, path: Path) -> str | None:
        try:
            st = path.stat()
        except OSError:
            return None
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        entry = self.known.get(str(path))
        if entry is not None and entry[:3] == stamp:
            self.seen[str(path)] = entry
            return entry[3]
        sha = sha256_file(path)
        if sha is not None and st.st_mtime_ns < time.time_ns() - self.RACY_NS:
            self.seen[str(path)] = [*stamp, sha]
        return sha

    def defer(self, path: Path) -> None:
        """`path` will be hashed elsewhere (by the worker that parses it, which
        reads it anyway): stat it now, for `learn`."""
        try:
            st = path.stat()
        except OSError:
            return
        self._deferred[str(path)] = ([st.st_size, st.st_mtime_ns, st.st_ino], time.time_ns())

    def learn(self, path: Path, sha: str | None) -> str | None:
        """The hash of a deferred file, given the one found elsewhere (hashed here
        when none was), recorded as `sha256` records it."""
        stamp, when = self._deferred.pop(str(path), (None, 0))
        if not sha:
            return self.sha256(path)
        if stamp is not None and stamp[1] < when - self.RACY_NS:
            self.seen[str(path)] = [*stamp, sha]
        return sha


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def transcript_paths(project: Project) -> list[Path]:
    """Every transcript of the project, sorted (README.md and sidecars are not)."""
    folder = project.transcripts_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES
                  and not p.name.lower().startswith("readme")
                  and not p.name.endswith(SIDECAR_SUFFIX) and not p.name.startswith("."))


def parse_file(path: Path, display: str) -> ParsedFile:
    """Parse one transcript. Pure apart from reading it: safe in a worker process.
    A reader that crashes costs this transcript, never the import."""
    try:
        result = read_transcript(path, display)
    except Exception as exc:  # noqa: BLE001 - a bug in one reader must not stop the rest
        return ParsedFile(display, "", None, (), (error(
            f"the reader crashed on this transcript ({type(exc).__name__}: {exc})", display,
            hint="please report this with the file; the other transcripts were imported"),))
    return ParsedFile(display, sha256_file(path) or "", sha256_file(sidecar_of(path)),
                      result.meetings, result.diagnostics)


def content_paths(project: Project) -> list[Path]:
    folder = project.content_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md")
                  if not p.name.lower().startswith("readme") and not p.name.startswith("."))


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


@dataclass(frozen=True)
class _Existing:
    path: Path
    stamp: ImportStamp | None
    meetings: int


def _source_index(project: Project) -> dict[str, list[_Existing]]:
    """Content files by the transcript they were imported from."""
    import yaml

    index: dict[str, list[_Existing]] = {}
    for path in content_paths(project):
        try:
            head = _head(path)
        except OSError:
            continue
        m = _SOURCE_LINE.search(head)
        stamp = read_stamp(head)
        if not m or stamp is None:
            continue
        written = read_yaml_scalar(m.group(1))  # the writer's form, read without YAML
        if written is not None:
            source = written[0]
        else:
            try:
                source = yaml.safe_load(m.group(1))
            except yaml.YAMLError:
                continue
        count = _MEETINGS_LINE.search(head)
        index.setdefault(str(source), []).append(
            _Existing(path, stamp, int(count.group(1)) if count else 1))
    return index


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
                 claimed: dict[str, str], out: ImportOutcome, writer: BackgroundWriter) -> bool:
    """Whether to write `meeting` when another transcript gives the same meeting
    (generator/duplicates.py): the preferred source's is kept, the other one's
    is not written, or removed when an earlier import wrote it (not when it was
    edited by hand)."""
    twin = twins.find(meeting, display)
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
                    writer: BackgroundWriter) -> Registry:
    """Resolve and write the meetings of one parsed transcript; the registry
    extended with the meetings that were written (or are being written:
    `writer` finishes them in the background)."""
    stamp = ImportStamp(parser_version(), parsed.source_sha256, parsed.sidecar_sha256,
                        meetings=len(parsed.meetings))
    for meeting in parsed.meetings:
        meeting, diags = _safe_id(meeting, parsed.display)
        out.diagnostics += diags
        target = project.content_dir / f"{meeting.id}.md"
        shown = project.display(target)
        if not _settle_twin(project, meeting, parsed.display, twins, claimed, out, writer):
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
        text = write_meeting(resolved, stamp)
        twins.add(meeting, parsed.display, target)
        if old == text:
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
            writer.write(target, text, parsed.display)
        except OSError as exc:
            out.diagnostics.append(error(f"cannot write {shown}: {exc.strerror or exc}",
                                         parsed.display))
            out.skipped += 1
            continue
        out.written += 1
        registry = extended
    return registry


_REMEMBERED = Path(".plenum-cache") / "import-diagnostics.json"
_HASHES = Path(".plenum-cache") / "transcript-hashes.json"


def _load_remembered(project: Project, name: Path = _REMEMBERED) -> dict:
    """Per transcript: the key it was last imported under and what the import
    said about it; with `name` = `_HASHES`, its hash and what its stat was (a
    missing or unreadable file only means more parsing or hashing)."""
    try:
        data = json.loads((project.root / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store_remembered(project: Project, remembered: dict, name: Path = _REMEMBERED) -> None:
    path = project.root / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(remembered, ensure_ascii=False, sort_keys=True))
    except OSError:
        pass  # the cache is an optimisation; the next import parses again


def _diagnostic_from(data: dict) -> Diagnostic:
    return Diagnostic(Severity(data["severity"]), data["message"], data["file"],
                      data.get("line", 0), data.get("text", ""), data.get("hint", ""))


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


# A parsing worker keeps little between transcripts; each fresh fork costs a
# fork of the parent and page faults on the shared word lists again (at 25,
# fork_map's default, 40 forks for 1,000 transcripts, ~0.7 s more system time).
_PARSES_PER_WORKER = 500


def _parse_item(item: tuple[Path, str]) -> ParsedFile:
    return parse_file(*item)


def import_transcripts(project: Project, force: bool = False, jobs: int = 0) -> ImportOutcome:
    """Bring ``content/`` up to date with ``transcripts/`` (see module doc)."""
    out = ImportOutcome()
    registry_path = project.content_dir / REGISTRY_FILE
    registry, diags = load_registry(registry_path, project.display(registry_path))
    out.diagnostics += diags
    if any(d.severity is Severity.ERROR for d in diags):
        out.messages.append(f"import stopped: fix {project.display(registry_path)} first "
                            "(person ids depend on it)")
        return out
    before = registry
    index = _source_index(project)
    claimed: dict[str, str] = {}
    writer = BackgroundWriter()

    def load(path: Path) -> Meeting | None:
        writer.settle(path)
        return read_content_file(project, path)[0]

    twins = Twins.of_content(((e.path, source) for source, found in index.items() for e in found),
                             load)
    version = parser_version()
    remembered = _load_remembered(project)
    hashes = TranscriptHashes(_load_remembered(project, _HASHES))
    plan = []
    for path in transcript_paths(project):
        display = project.display(path)
        existing = index.get(display, [])
        if not existing or force:  # parsed whatever its hash: the worker hashes it
            hashes.defer(path)
            hashes.defer(sidecar_of(path))
            plan.append((path, display, existing, False, None))
            continue
        source_sha, sidecar_sha = hashes.sha256(path), hashes.sha256(sidecar_of(path))
        key = f"{source_sha}:{sidecar_sha}:{version}"
        current = (_is_current(existing, source_sha, sidecar_sha, version)
                   and remembered.get(display, {}).get("key") == key)
        plan.append((path, display, existing, current, key))
    # Parse the stale transcripts on every core; results come back in order.
    # Load the word lists once here, so forked workers share them.
    if sum(1 for *_, current, _ in plan if not current) > 1:
        warm_lexicons()
    parsed_files = fork_map(_parse_item,
                            [(p, d) for p, d, _, current, _ in plan if not current],
                            jobs, label="import", tasks_per_worker=_PARSES_PER_WORKER)
    seen: dict[str, dict] = {}
    for path, display, existing, current, key in plan:
        if current:
            # Unchanged: repeat what the import said last time, so --strict
            # fails on the second run as it did on the first.
            seen[display] = remembered[display]
            out.diagnostics += [_diagnostic_from(d) for d in remembered[display]["diagnostics"]]
            out.unchanged += len(existing)
            claimed.update((e.path.stem, display) for e in existing)
            continue
        parsed = next(parsed_files)
        if key is None:
            key = (f"{hashes.learn(path, parsed.source_sha256)}:"
                   f"{hashes.learn(sidecar_of(path), parsed.sidecar_sha256)}:{version}")
        said = len(out.diagnostics)
        out.diagnostics += parsed.diagnostics
        if parsed.meetings:
            registry = _write_meetings(project, parsed, registry, force, claimed, out, twins,
                                       writer)
            _remove_superseded(project, existing, parsed, out, writer)
        else:
            out.skipped += 1
        # What parsing and resolving speakers said, repeated while it stays unchanged.
        seen[display] = {"key": key, "diagnostics": [asdict(d) for d in out.diagnostics[said:]]}
    parsed_files.close()  # stop the workers now
    for failed in writer.close():
        out.diagnostics.append(error(f"cannot write {project.display(failed.path)}: "
                                     f"{failed.error.strerror or failed.error}", failed.owner))
        out.written, out.skipped = out.written - 1, out.skipped + 1
        seen.pop(failed.owner, None)  # parse it again next time
    if seen != remembered:
        _store_remembered(project, seen)
    if hashes.seen != hashes.known:
        _store_remembered(project, hashes.seen, _HASHES)
    if registry != before:
        try:
            project.content_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(registry_path, dump_registry(registry))
        except OSError as exc:
            out.diagnostics.append(error(f"cannot write the speaker registry: "
                                         f"{exc.strerror or exc}", project.display(registry_path)))
    out.messages.append(f"import: {out.written} written, {out.unchanged} unchanged, "
                        f"{out.skipped} skipped, {len(out.refused_files)} refused")
    return out


# ------------------------------------------------------------------- load and check


def _load_registry(project: Project) -> tuple[Registry, list[Diagnostic]]:
    path = project.content_dir / REGISTRY_FILE
    return load_registry(path, project.display(path))


def read_content_file(project: Project, path: Path) -> tuple[Meeting | None, list[Diagnostic]]:
    shown = project.display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error(f"cannot read content file: {exc}", shown)]
    return read_meeting(text, shown)


ContentReader = Callable[[Project, Path], tuple[Meeting | None, list[Diagnostic]]]


def load_meetings(project: Project, read: ContentReader | None = None,
                  registry: tuple[Registry, list[Diagnostic]] | None = None
                  ) -> tuple[list[Meeting], list[Diagnostic]]:
    """Every meeting of ``content/``, sorted by id, with the registry applied
    (merged ids redirected, names and parties as the registry has them).
    `read` replaces `read_content_file`, e.g. by one that caches parsed files;
    `registry`, the registry and its diagnostics as `load_registry` gives
    them (e.g. from the build cache), reading ``people.yaml``."""
    registry_, found = registry if registry is not None else _load_registry(project)
    diagnostics = list(found)
    meetings: dict[str, Meeting] = {}
    for path in content_paths(project):
        meeting, diags = (read or read_content_file)(project, path)
        diagnostics += diags
        if meeting is None:
            continue
        if meeting.id in meetings:
            diagnostics.append(error(f"meeting id {meeting.id!r} is used by two content files; "
                                     "this one is left out", project.display(path), 2,
                                     hint="give each meeting its own 'id:'"))
            continue
        meetings[meeting.id] = apply_registry(meeting, registry_)
    return [meetings[k] for k in sorted(meetings)], diagnostics


def _block_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of the blocks in a content file, by the id in their opening line."""
    lines: dict[str, list[int]] = {}
    for i, line in enumerate(text.split("\n"), 1):
        if line.startswith(":::") and (m := re.search(r"\{#([^\s}]+)", line)):
            lines.setdefault(m.group(1), []).append(i)
    return lines


def _line_with(text: str, *needles: str) -> int:
    """The 1-based line where the first of `needles` that occurs first occurs
    (1 when none does: every diagnostic of a file points at a line in it)."""
    for needle in needles:
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 1


def check_meeting(meeting: Meeting, text: str, shown: str,
                  registry: Registry) -> list[Diagnostic]:
    """Cross-references of one meeting that the format alone cannot enforce."""
    diags: list[Diagnostic] = []
    where = _block_lines(text)
    first = {k: v[0] for k, v in where.items()}
    turn_ids = {t.id for t in meeting.turns}
    people = {p.id for p in meeting.people}
    for tid, lines in where.items():
        if len(lines) > 1 and tid in turn_ids:
            diags += [error(f"turn id {tid!r} is used more than once", shown, line,
                            hint="give each turn its own id") for line in lines[1:]]
    for t in meeting.turns:
        if t.speaker and t.speaker not in people and registry.get(
                registry.canonical(t.speaker)) is None:
            diags.append(error(f"unknown speaker {t.speaker!r}", shown,
                               first.get(t.id) or _line_with(text, f"speaker={t.speaker}"),
                               hint="use an id from 'people:' in the front matter or from "
                                    "content/people.yaml"))
    for pid in sorted(people):
        if registry.people and registry.get(registry.canonical(pid)) is None:
            diags.append(warning(f"person {pid!r} is not in the speaker registry", shown,
                                 _line_with(text, f"- {{id: {pid},", pid),
                                 hint="add it to content/people.yaml (an import does that)"))
    seen_motions: dict[str, int] = {}
    for mo in meeting.motions:
        n = seen_motions[mo.id] = seen_motions.get(mo.id, -1) + 1
        lines = where.get(mo.id, [])
        line = lines[n] if n < len(lines) else _line_with(text, "::: motion", mo.id)
        if n:
            diags.append(error(f"motion id {mo.id!r} is used more than once", shown, line,
                               hint="give each motion its own id"))
        refs = [("motion", mo.turn), ("verdict", mo.verdict and mo.verdict.turn),
                ("vote", mo.vote and mo.vote.turn)]
        diags += [error(f"{what} of motion {mo.id!r} points at a missing turn {ref!r}", shown,
                        line, hint="use the id of a turn in this file") for what, ref in refs
                  if ref and ref not in turn_ids]
    others = [("suspension", s.turn, "suspensions:") for s in meeting.suspensions] + [
        ("section", s.turn, "sections:") for s in meeting.sections] + [
        ("commitment", c.turn, f"::: commitment {{turn={c.turn}") for c in meeting.commitments]
    diags += [error(f"a {what} points at a missing turn {ref!r}", shown,
                    _line_with(text, f"turn: {ref}", f"turn={ref}", needle),
                    hint="use the id of a turn in this file") for what, ref, needle in others
              if ref and ref not in turn_ids]
    if meeting.chair and meeting.chair not in people:
        diags.append(warning(f"chair {meeting.chair!r} is not among 'people'", shown,
                             _line_with(text, "chair:")))
    return diags


def check_content(project: Project) -> list[Diagnostic]:
    """Everything `build.py check` reports: the registry, and every content
    file's front matter, blocks and cross-references, with file and line."""
    registry, diagnostics = _load_registry(project)
    owners: dict[str, str] = {}
    for path in content_paths(project):
        shown = project.display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            diagnostics.append(error(f"cannot read content file: {exc}", shown))
            continue
        meeting, diags = read_meeting(text, shown)
        diagnostics += diags
        if meeting is None:
            continue
        if meeting.id in owners:
            diagnostics.append(error(f"meeting id {meeting.id!r} is also used by "
                                     f"{owners[meeting.id]}", shown, 2))
        owners.setdefault(meeting.id, shown)
        if path.stem != meeting.id:
            diagnostics.append(info(f"file name does not match the meeting id {meeting.id!r}",
                                    shown, 2))
        diagnostics += check_meeting(meeting, text, shown, registry)
    return diagnostics
