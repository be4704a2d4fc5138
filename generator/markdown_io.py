"""Meeting <-> intermediate Markdown: the editable files in ``content/``.

The format is specified in ``docs/format.md``. In short: YAML front matter holds
the meeting's metadata; every turn, motion and commitment is a ``:::`` container
whose opening line carries its attributes (``{#t0001 speaker=blok line=12}``);
free text is Markdown paragraphs and list items, escaped so that any string
survives: ``read_meeting(write_meeting(m)) == (m, [])`` for every meeting.

`read_meeting` never raises for bad input: it returns the meeting it could read
(or None when even the front matter is unusable) and diagnostics with file and
line. Block structure comes from markdown-it-py (front_matter and container
plugins); paragraph text is unescaped here, not by the inline parser, so only
the escapes this module writes (plus CommonMark's) have meaning.

Speed: a file shaped exactly as `write_meeting` writes it (every imported file,
and most hand edits) is read by a line reader and its front matter without
YAML, several times faster; the first line the writer would not have written
hands the file to markdown-it (and the front matter to YAML), so diagnostics
and results are the same either way (tests/test_markdown_io_paths.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from generator.errors import Diagnostic, error, warning
from generator.markdown_syntax import (
    YamlLoader,
    escape_paragraph,
    flow_map,
    format_attrs,
    paragraphs_text,
    parse_attrs,
    read_flow_list,
    read_flow_map,
    read_yaml_scalar,
    unescape_paragraph,
    yaml_error_line,
    yaml_scalar,
)
from generator.model import (
    Commitment,
    Meeting,
    Motion,
    Person,
    Section,
    Source,
    Suspension,
    Turn,
    TurnKind,
    Verdict,
    VerdictKind,
    Vote,
)

FORMAT_VERSION = 1

# -------------------------------------------------------------- import bookkeeping


@dataclass(frozen=True)
class ImportStamp:
    """What an import recorded in a content file's front matter: which parser read
    which source bytes (and sidecar), and a hash of the file as written, so a
    later import can tell a hand-edited file from its own output."""

    parser: str
    source_sha256: str
    sidecar_sha256: str | None = None
    content_sha256: str = ""
    meetings: int = 1  # how many meetings the source gave (one content file each)


_STAMP_LINE = re.compile(
    r"^  (parser|source_sha256|sidecar_sha256|content_sha256|meetings): (.*)$", re.M)
_CONTENT_HASH_KEY = "  content_sha256: "


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """sha256 of a content file without its ``content_sha256`` line (the first
    line that starts with that key and ends in a newline)."""
    at_start = text.startswith(_CONTENT_HASH_KEY)
    start = 0 if at_start else text.find("\n" + _CONTENT_HASH_KEY) + 1
    end = text.find("\n", start) if start or at_start else -1
    return _sha256(text if end < 0 else text[:start] + text[end + 1:])


def read_stamp(text: str) -> ImportStamp | None:
    """The import stamp of a content file, read without parsing the whole file."""
    end = text.find("\n---", 3)
    head = text[: end if end >= 0 else 4096]
    if "\nimport:\n" not in head:
        return None
    values = {k: v.strip().strip('"') for k, v in _STAMP_LINE.findall(head)}
    if "source_sha256" not in values:
        return None
    sidecar = values.get("sidecar_sha256")
    return ImportStamp(values.get("parser", ""), values["source_sha256"],
                       None if sidecar in (None, "null") else sidecar,
                       values.get("content_sha256", ""),
                       int(values["meetings"]) if values.get("meetings", "").isdigit() else 1)


def is_hand_edited(text: str) -> bool:
    """True when a content file no longer matches the hash its import recorded
    (a file without a stamp was written by hand, so it counts as edited)."""
    stamp = read_stamp(text)
    return stamp is None or stamp.content_sha256 != content_hash(text)


# ---------------------------------------------------------------------------- write


def _source_attrs(source: Source, default_file: str) -> list[tuple[str, str | int | None]]:
    return [("line", source.line or None),
            ("file", source.file if source.file != default_file else None)]


def _front_matter(m: Meeting, stamp: ImportStamp | None) -> list[str]:
    f = m.source.file
    lines = ["---"]
    for key in ("id", "title", "date", "body", "kind", "committee", "dossier", "chair",
                "clerk", "start", "end", "language"):
        lines.append(f"{key}: {yaml_scalar(getattr(m, key))}")
    lines.append(f"source: {yaml_scalar(f)}")
    if m.source.line:
        lines.append(f"source_line: {m.source.line}")
    lines.append("people:" + ("" if m.people else " []"))
    lines += ["- " + flow_map([("id", p.id), ("name", p.name), ("party", p.party),
                                ("role", p.role)]) for p in m.people]
    lines.append("present: [" + ", ".join(yaml_scalar(p) for p in m.present) + "]")
    lines.append("suspensions:" + ("" if m.suspensions else " []"))
    lines += ["- " + flow_map([("start", s.start), ("end", s.end), ("turn", s.turn),
                                *_source_attrs(s.source, f)]) for s in m.suspensions]
    lines.append("sections:" + ("" if m.sections else " []"))
    lines += ["- " + flow_map([("title", s.title), ("turn", s.turn)]) for s in m.sections]
    if stamp is not None:
        lines += ["import:", f"  format: {FORMAT_VERSION}",
                  f"  parser: {yaml_scalar(stamp.parser)}",
                  f"  source_sha256: {stamp.source_sha256}",
                  f"  sidecar_sha256: {yaml_scalar(stamp.sidecar_sha256)}",
                  f"  meetings: {stamp.meetings}"]
    lines.append("---")
    return lines


def _turn_attrs(t: Turn, default_file: str) -> str:
    return format_attrs([("id", t.id), ("speaker", t.speaker), ("label", t.label or None),
                         ("kind", None if t.kind is TurnKind.SPEECH else t.kind.value),
                         *_source_attrs(t.source, default_file)])


def _turn_text(t: Turn) -> list[str]:
    """The lines of a turn block after its opening line."""
    out: list[str] = []
    for i, paragraph in enumerate(t.paragraphs):
        if i:
            out.append("")
        out += escape_paragraph(paragraph)
    out.append(":::")
    return out


def _list_item(lines: list[str], suffix: str = "") -> list[str]:
    return ["- " + lines[0] + (suffix if len(lines) == 1 else "")] + [
        "  " + line + (suffix if i == len(lines) - 2 else "") for i, line in enumerate(lines[1:])
    ]


def _motion_block(mo: Motion, f: str) -> list[str]:
    attrs = format_attrs([("id", mo.id), ("number", mo.number), ("dossier", mo.dossier),
                          ("turn", mo.turn), ("replaces", mo.replaces), ("title", mo.title),
                          *_source_attrs(mo.source, f)])
    out = ["", f"::: motion {attrs}"]
    if mo.submitters:
        out += ["#### Indieners", ""]
        for name, pid in zip(mo.submitters, _padded(mo.submitter_ids, len(mo.submitters)),
                             strict=True):
            out += _list_item(escape_paragraph(name),
                              "" if pid is None else " " + format_attrs([("id", pid)]))
    if mo.text:
        out += ["", "#### Tekst"]
        for lines in paragraphs_text(mo.text):
            out += ["", *lines]
    for heading, items in (("Overwegingen", mo.considerations), ("Verzoeken", mo.requests)):
        if items:
            out += ["", f"#### {heading}", ""]
            for item in items:
                out += _list_item(escape_paragraph(item))
    if mo.verdict is not None:
        v = mo.verdict
        out += ["", "#### Appreciatie " + format_attrs(
            [("kind", v.kind.value), ("turn", v.turn), *_source_attrs(v.source, f)])]
        out += ["", *escape_paragraph(v.quote)] if v.quote else []
    if mo.vote is not None:
        vo = mo.vote
        out += ["", "#### Stemming " + format_attrs(
            [("result", vo.result), ("turn", vo.turn), *_source_attrs(vo.source, f)])]
        if vo.parties_for or vo.parties_against:
            out.append("")
        for prefix, parties in (("voor: ", vo.parties_for), ("tegen: ", vo.parties_against)):
            for party in parties:
                lines = escape_paragraph(party)
                out += _list_item([prefix + lines[0], *lines[1:]])
    out.append(":::")
    return out


def _padded(ids: tuple[str | None, ...], n: int) -> tuple[str | None, ...]:
    """Submitter ids, one per submitter (a model with fewer ids gets None)."""
    return (ids + (None,) * n)[:n]


def _commitment_block(c: Commitment, f: str) -> list[str]:
    attrs = format_attrs([("turn", c.turn), *_source_attrs(c.source, f)])
    return ["", f"::: commitment {attrs}", *escape_paragraph(c.text), ":::"]


def _lines(lines: list[str]) -> str:
    """Lines as they follow others in a file: each after a newline."""
    return "\n" + "\n".join(lines) if lines else ""


@dataclass(frozen=True)
class Blocks:
    """What follows a meeting's front matter in its content file (its turn,
    motion and commitment blocks), written where the meeting was parsed
    (`write_blocks`), so that `write_meeting` only writes the front matter and
    the parts that hold a person id the meeting no longer has (the import
    gives archive-wide ids after parsing: `generator.registry.resolve_meeting`).
    `text` is the blocks as written for the meeting's ids then, in UTF-8: the
    import's own process puts them in the file as they come (~65 kB a meeting,
    most of it not Latin-1: decoding it from the worker's pickle, encoding it
    to hash and again to write took ~1 ms a meeting); `spans` the (start, end)
    byte offsets in it of each turn's attributes, then of each motion block;
    `speakers` and `submitters` the ids they were written with."""

    text: bytes
    spans: tuple[tuple[int, int], ...]
    speakers: tuple[str | None, ...]
    submitters: tuple[tuple[str | None, ...], ...]


_TURN_OPENING = b"\n\n::: turn "


def write_blocks(meeting: Meeting) -> Blocks:
    """The blocks of `meeting` as `write_meeting` writes them (`Blocks`)."""
    f = meeting.source.file
    parts: list[bytes] = []
    spans: list[tuple[int, int]] = []
    at = 0
    opening = len(_TURN_OPENING)
    for turn in meeting.turns:
        attrs, rest = _turn_attrs(turn, f).encode("utf-8"), _lines(_turn_text(turn)).encode("utf-8")
        spans.append((at + opening, at + opening + len(attrs)))
        parts += (_TURN_OPENING, attrs, rest)
        at += opening + len(attrs) + len(rest)
    for motion in meeting.motions:
        block = _lines(_motion_block(motion, f)).encode("utf-8")
        spans.append((at, at + len(block)))
        parts.append(block)
        at += len(block)
    parts += (_lines(_commitment_block(c, f)).encode("utf-8") for c in meeting.commitments)
    return Blocks(b"".join(parts), tuple(spans), tuple(t.speaker for t in meeting.turns),
                  tuple(m.submitter_ids for m in meeting.motions))


def _blocks_text(meeting: Meeting, blocks: Blocks) -> bytes:
    """`blocks.text` with the parts whose person ids differ from `meeting`'s
    written again (the meeting has the same turns and motions otherwise)."""
    turns, motions = meeting.turns, meeting.motions
    if len(turns) != len(blocks.speakers) or len(motions) != len(blocks.submitters):
        raise ValueError("these blocks were written for another meeting")
    f = meeting.source.file
    changed = [(span, _turn_attrs(t, f).encode("utf-8")) for t, speaker, span in
               zip(turns, blocks.speakers, blocks.spans, strict=False) if t.speaker != speaker]
    changed += [(span, _lines(_motion_block(m, f)).encode("utf-8")) for m, ids, span in
                zip(motions, blocks.submitters, blocks.spans[len(turns):], strict=True)
                if m.submitter_ids != ids]
    if not changed:
        return blocks.text
    parts, at = [], 0
    for (start, end), text in sorted(changed):
        parts += (blocks.text[at:start], text)
        at = end
    parts.append(blocks.text[at:])
    return b"".join(parts)


def write_meeting_bytes(meeting: Meeting, stamp: ImportStamp | None = None,
                        blocks: Blocks | None = None) -> bytes:
    """`write_meeting` in UTF-8: what the import writes (the blocks, the bulk
    of the file, are never decoded; see `Blocks`)."""
    body = _blocks_text(meeting, blocks if blocks is not None else write_blocks(meeting))
    data = "\n".join(_front_matter(meeting, stamp)).encode("utf-8") + body + b"\n"
    if stamp is None:
        return data
    # The hash of the file without the line that will hold it: `content_hash`
    # of the result, which drops that line (the first one with the key).
    digest = hashlib.sha256(data).hexdigest()
    return data.replace(b"\n---\n", f"\n{_CONTENT_HASH_KEY}{digest}\n---\n".encode("ascii"), 1)


def write_meeting(meeting: Meeting, stamp: ImportStamp | None = None,
                  blocks: Blocks | None = None) -> str:
    """The meeting as a content file (docs/format.md). With a `stamp`, the front
    matter records it plus the file's own hash (`content_hash`). `blocks`: what
    `write_blocks` gave for this meeting, perhaps with other person ids (its
    turns may then have no paragraphs: they are not read)."""
    return write_meeting_bytes(meeting, stamp, blocks).decode("utf-8")


# ----------------------------------------------------------------------------- read

_md = (
    MarkdownIt("zero")
    .enable(["heading", "list"])
    .use(front_matter_plugin)
    .use(container_plugin, name="block", marker=":", validate=lambda *_: True)
)
_md.disable(["inline", "text_join"])

_BLOCK_INFO = re.compile(r"\s*([A-Za-z]+)\s*(?:\{(.*)\})?\s*")
_HEADING = re.compile(r"([A-Za-zé]+)\s*(?:\{(.*)\})?")
_ITEM_ATTRS = re.compile(r"((?:[^\\{]|\\.)*)(\{.*\})?", re.S)
_FRONT_KEYS = ("id", "title", "date", "body", "kind", "committee", "dossier", "chair", "clerk",
               "start", "end", "language", "source", "source_line", "people", "present",
               "suspensions", "sections", "import")
_MOTION_PARTS = {"indieners": "submitters", "tekst": "text", "overwegingen": "considerations",
                 "verzoeken": "requests", "appreciatie": "verdict", "stemming": "vote"}


@dataclass
class _Element:
    """One thing inside a block: a paragraph, a heading or a list item's text."""

    kind: str  # "paragraph" | "heading" | "item"
    text: str  # source text, still escaped
    line: int


@dataclass
class _Block:
    kind: str
    attrs: dict[str, str]
    line: int
    elements: list[_Element]


class _Reader:
    """Collects diagnostics for one file while its parts are read."""

    def __init__(self, file: str):
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    def error(self, message: str, line: int, text: str = "", hint: str = "") -> None:
        self.diagnostics.append(error(message, self.file, line, text, hint))

    def warn(self, message: str, line: int, text: str = "", hint: str = "") -> None:
        self.diagnostics.append(warning(message, self.file, line, text, hint))


def _line_of(lines: list[str], key: str, offset: int = 1) -> int:
    """1-based line of ``key:`` in the front matter (the opening ``---`` is line 1)."""
    prefix = key + ":"
    return next((i + offset + 1 for i, line in enumerate(lines) if line.startswith(prefix)),
                offset)


def _opt_str(r: _Reader, value: Any, what: str, line: int) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return str(value)
    r.error(f"{what} must be a single value, not {type(value).__name__}", line)
    return None


def _opt_int(r: _Reader, value: Any, what: str, line: int) -> int:
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        r.error(f"{what} must be a whole number, got {value!r}", line)
        return 0


def _records(r: _Reader, data: dict[str, Any], key: str, lines: list[str],
             fields: tuple[str, ...]) -> list[tuple[dict[str, Any], int]]:
    """The list of mappings under `key`, each with its line."""
    value = data.get(key) or []
    at = _line_of(lines, key)
    if not isinstance(value, list):
        r.error(f"'{key}' must be a list", at, hint=f"write '{key}: []' when there are none")
        return []
    flow = at - 2 < len(lines) and lines[at - 2].strip() != f"{key}:"  # `key: [...]`
    out = []
    for i, item in enumerate(value):
        line = at if flow else at + i + 1
        if not isinstance(item, dict):
            r.error(f"each entry of '{key}' must be a mapping", line, str(item))
            continue
        for unknown in sorted(set(map(str, item)) - set(fields)):
            r.warn(f"unknown field {unknown!r} in '{key}'", line,
                   hint="known: " + ", ".join(fields))
        out.append((item, line))
    return out


_SCALAR_KEYS = frozenset(("id", "title", "date", "body", "kind", "committee", "dossier",
                          "chair", "clerk", "start", "end", "language", "source",
                          "source_line"))
_LIST_KEYS = frozenset(("people", "suspensions", "sections"))
_IMPORT_KEYS = frozenset(("format", "parser", "source_sha256", "sidecar_sha256", "meetings",
                          "content_sha256"))


def _canonical_front_matter(lines: list[str]) -> dict[str, Any] | None:
    """The front matter exactly as `_front_matter` writes it, read without YAML
    (which took a fifth of the time a file takes to read); None at anything
    else, for YAML to read. Gives what `YamlLoader` gives."""
    data: dict[str, Any] = {}
    items: list[dict[str, str | None]] | None = None  # the open `key:` list
    stamp: dict[str, str | None] | None = None  # the open `import:` mapping
    bare: set[str] = set()
    for line in lines:
        if line.startswith("- ") and items is not None:
            item = read_flow_map(line[2:])
            if item is None:
                return None
            items.append(item)
            continue
        if line.startswith("  ") and stamp is not None:
            key, sep, raw = line[2:].partition(": ")
            value = read_yaml_scalar(raw) if sep and key in _IMPORT_KEYS else None
            if value is None or key in stamp:
                return None
            stamp[key] = value[0]
            continue
        items = stamp = None
        key, sep, raw = line.partition(":")
        if key in data or not sep:
            return None
        if key in _SCALAR_KEYS and raw.startswith(" "):
            value = read_yaml_scalar(raw[1:])
            if value is None:
                return None
            data[key] = value[0]
        elif key in _LIST_KEYS and raw == "":
            data[key] = items = []
            bare.add(key)
        elif key in _LIST_KEYS and raw == " []" or key == "present" and raw.startswith(" ["):
            data[key] = read_flow_list(raw[1:])
            if data[key] is None:
                return None
        elif key == "import" and raw == "":
            data[key] = stamp = {}
        else:
            return None
    for key in bare:  # YAML reads a `key:` with nothing under it as null
        data[key] = data[key] or None
    if "import" in data:
        data["import"] = data["import"] or None
    return data


def _read_front_matter(r: _Reader, source: str,
                       canonical: bool = True) -> tuple[dict[str, Any], list[str]] | None:
    lines = source.split("\n")
    data = _canonical_front_matter(lines) if canonical else None
    if data is not None:
        return data, lines
    try:
        data = yaml.load(source, Loader=YamlLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        line, message = yaml_error_line(exc)
        shown = lines[line - 1] if 0 < line <= len(lines) else ""
        r.error(f"front matter is not valid YAML: {message}", line + 1, shown,
                hint="values with ':' or '#' need quotes; brackets and quotes must close")
        return None
    if not isinstance(data, dict):
        r.error("front matter must be a mapping of key: value", 2)
        return None
    for key in sorted(set(map(str, data)) - set(_FRONT_KEYS)):
        r.warn(f"unknown front matter key {key!r}", _line_of(lines, key),
               hint="known keys: " + ", ".join(_FRONT_KEYS))
    return data, lines


def _meeting_head(r: _Reader, data: dict[str, Any], lines: list[str]) -> dict[str, Any] | None:
    """Meeting fields from the front matter (all but turns, motions, commitments)."""
    fields: dict[str, Any] = {}
    for key in ("id", "title", "date", "body", "kind", "committee", "dossier", "chair", "clerk",
                "start", "end", "language"):
        fields[key] = _opt_str(r, data.get(key), f"'{key}'", _line_of(lines, key))
    if not fields["id"]:
        r.error("front matter has no 'id'", 2, hint="every content file needs 'id: <meeting-id>'")
        return None
    fields["body"] = fields["body"] or ""
    fields["kind"] = fields["kind"] or ""
    fields["language"] = "nl" if fields["language"] is None else fields["language"]
    file = _opt_str(r, data.get("source"), "'source'", _line_of(lines, "source")) or ""
    fields["source"] = Source(file, _opt_int(r, data.get("source_line"), "'source_line'",
                                             _line_of(lines, "source_line")))
    people = []
    for item, line in _records(r, data, "people", lines, ("id", "name", "party", "role")):
        pid = _opt_str(r, item.get("id"), "a person's 'id'", line)
        if not pid:
            r.error("a person needs an 'id'", line)
            continue
        people.append(Person(pid, _opt_str(r, item.get("name"), "'name'", line) or "",
                             _opt_str(r, item.get("party"), "'party'", line),
                             _opt_str(r, item.get("role"), "'role'", line)))
    fields["people"] = tuple(people)
    present = data.get("present") or []
    if not isinstance(present, list):
        r.error("'present' must be a list of person ids", _line_of(lines, "present"))
        present = []
    fields["present"] = tuple(str(p) for p in present)
    fields["suspensions"] = tuple(
        Suspension(_opt_str(r, s.get("start"), "'start'", line),
                   _opt_str(r, s.get("end"), "'end'", line),
                   _opt_str(r, s.get("turn"), "'turn'", line),
                   Source(_default(_opt_str(r, s.get("file"), "'file'", line), file),
                          _opt_int(r, s.get("line"), "'line'", line)))
        for s, line in _records(r, data, "suspensions", lines,
                                ("start", "end", "turn", "line", "file")))
    fields["sections"] = tuple(
        Section(_opt_str(r, s.get("title"), "'title'", line) or "",
                _opt_str(r, s.get("turn"), "'turn'", line) or "")
        for s, line in _records(r, data, "sections", lines, ("title", "turn")))
    return fields


def _default(value: str | None, default: str) -> str:
    return default if value is None else value


def _open_block(r: _Reader, info: str, line: int) -> _Block:
    """The block a container's opening line starts (kind "?" when unreadable)."""
    m = _BLOCK_INFO.fullmatch(info)
    if not m:
        r.error("cannot read this block's opening line", line, ":::" + info,
                hint="write '::: turn {#t0001 speaker=id}'")
        return _Block("?", {}, line, [])
    attrs = parse_attrs(m.group(2) or "")
    if attrs is None:
        r.error("cannot read this block's attributes", line, ":::" + info,
                hint='write attributes as {#id key=value key="value with spaces"}')
        attrs = {}
    return _Block(m.group(1).lower(), attrs, line, [])


def _collect_blocks(r: _Reader, tokens: list[Token]) -> list[_Block]:
    """Group the token stream into top-level blocks with their elements."""
    blocks: list[_Block] = []
    current: _Block | None = None
    depth = 0
    in_item = False
    previous = ""
    for tok in tokens:
        kind = tok.type
        if kind == "inline":
            line = tok.map[0] + 1 if tok.map else 0
            if current is None:
                r.error("text outside any block is not part of the meeting", line, tok.content,
                        hint="move it into a '::: turn' block, or delete it")
            else:
                current.elements.append(_Element(
                    "heading" if previous == "heading_open" else "item" if in_item
                    else "paragraph", tok.content, line))
        elif kind == "container_block_open":
            depth += 1
            line = tok.map[0] + 1 if tok.map else 0
            if depth > 1:
                r.error("block opened inside another block", line, ":::" + tok.info,
                        hint="is a closing ':::' missing above this line?")
            else:
                current = _open_block(r, tok.info, line)
                if current.kind != "?":
                    blocks.append(current)
        elif kind == "container_block_close":
            depth -= 1
            if depth == 0:
                current = None
        elif kind == "list_item_open":
            in_item = True
        elif kind == "list_item_close":
            in_item = False
        previous = kind
    return blocks


def _source(r: _Reader, attrs: dict[str, str], file: str, line: int) -> Source:
    return Source(attrs.get("file", file), _opt_int(r, attrs.get("line"), "'line'", line))


def _read_turn(r: _Reader, b: _Block, file: str) -> Turn | None:
    if "id" not in b.attrs:
        r.error("turn has no id", b.line, hint="add '#t0001' (a new, unique id) to its attributes")
        return None
    try:
        kind = TurnKind(b.attrs.get("kind", "speech"))
    except ValueError:
        r.error(f"unknown turn kind {b.attrs['kind']!r}", b.line, hint="speech or procedural")
        kind = TurnKind.SPEECH
    paragraphs = []
    for e in b.elements:
        if e.kind != "paragraph":
            r.error("a turn holds only paragraphs", e.line, e.text,
                    hint="escape a leading '#' or '-' with a backslash")
        paragraphs.append(unescape_paragraph(e.text))
    return Turn(b.attrs["id"], b.attrs.get("speaker"), b.attrs.get("label", ""),
                tuple(paragraphs), _source(r, b.attrs, file, b.line), kind)


def _item_with_attrs(text: str) -> tuple[str, dict[str, str]]:
    m = _ITEM_ATTRS.fullmatch(text)
    if not m or m.group(2) is None:
        return unescape_paragraph(text), {}
    attrs = parse_attrs(m.group(2)[1:-1])
    if attrs is None:
        return unescape_paragraph(text), {}
    name = m.group(1)
    return unescape_paragraph(name[:-1] if name.endswith(" ") else name), attrs


def _read_motion(r: _Reader, b: _Block, file: str) -> Motion | None:
    if "id" not in b.attrs:
        r.error("motion has no id", b.line, hint="add '#<dossier>-<number>' to its attributes")
        return None
    parts: dict[str, list[_Element]] = {}
    heads: dict[str, dict[str, str]] = {}
    part = None
    for e in b.elements:
        if e.kind == "heading":
            m = _HEADING.fullmatch(e.text)
            part = _MOTION_PARTS.get(m.group(1).lower()) if m else None
            if m is None or part is None:
                r.error("unknown heading in a motion", e.line, e.text,
                        hint="known: " + ", ".join(h.title() for h in _MOTION_PARTS))
                continue
            heads[part] = parse_attrs(m.group(2) or "") or {}
            parts.setdefault(part, [])
        elif part is None:
            r.error("motion text must follow a heading such as '#### Tekst'", e.line, e.text)
        else:
            parts[part].append(e)
    submitters = [_item_with_attrs(e.text) for e in parts.get("submitters", [])]
    verdict = vote = None
    if "verdict" in heads:
        h = heads["verdict"]
        try:
            kind = VerdictKind(h.get("kind", ""))
        except ValueError:
            r.error(f"unknown verdict kind {h.get('kind')!r}", b.line,
                    hint="one of " + ", ".join(k.value for k in VerdictKind))
        else:
            quote = "\n\n".join(unescape_paragraph(e.text) for e in parts["verdict"])
            verdict = Verdict(kind, h.get("turn"), quote, _source(r, h, file, b.line))
    if "vote" in heads:
        h = heads["vote"]
        sides: dict[str, list[str]] = {"voor": [], "tegen": []}
        for e in parts["vote"]:
            side, _, party = e.text.partition(":")
            if side.strip().lower() not in sides:
                r.error("a vote line reads '- voor: Party' or '- tegen: Party'", e.line, e.text)
                continue
            sides[side.strip().lower()].append(unescape_paragraph(party.lstrip(" ")))
        vote = Vote(h.get("result", ""), tuple(sides["voor"]), tuple(sides["tegen"]),
                    h.get("turn"), _source(r, h, file, b.line))
    return Motion(
        id=b.attrs["id"], number=b.attrs.get("number"), dossier=b.attrs.get("dossier"),
        submitters=tuple(name for name, _ in submitters),
        submitter_ids=tuple(attrs.get("id") for _, attrs in submitters),
        text="\n\n".join(unescape_paragraph(e.text) for e in parts.get("text", [])),
        considerations=tuple(unescape_paragraph(e.text) for e in parts.get("considerations", [])),
        requests=tuple(unescape_paragraph(e.text) for e in parts.get("requests", [])),
        turn=b.attrs.get("turn"), source=_source(r, b.attrs, file, b.line),
        verdict=verdict, vote=vote, replaces=b.attrs.get("replaces"), title=b.attrs.get("title"),
    )


def _read_commitment(r: _Reader, b: _Block, file: str) -> Commitment:
    text = "\n\n".join(unescape_paragraph(e.text) for e in b.elements)
    return Commitment(text, b.attrs.get("turn"), _source(r, b.attrs, file, b.line))


_NOT_PLAIN_START = frozenset("#-*+:>=~|!<`") | frozenset(" \t")


def _plain(line: str) -> bool:
    """Whether markdown-it reads `line` as nothing but paragraph text, exactly as
    written: what `escape_line` writes (no surrounding whitespace, no character
    that could start a heading, list, fence or quote, no "1." or "1)")."""
    return (bool(line) and line[0] not in _NOT_PLAIN_START and line == line.strip()
            and not (line[0].isdigit() and _ORDERED.match(line)))


_ORDERED = re.compile(r"[0-9]+[.)]")


def _canonical_blocks(r: _Reader, lines: list[str], start: int) -> list[_Block] | None:
    """Blocks of a file exactly as `write_meeting` wrote it, read line by line
    (several times faster than markdown-it). None at the first line the writer
    would not have written, for markdown-it to read the file instead; where it
    gives blocks they equal markdown-it's (tests/test_markdown_io_paths.py)."""
    blocks: list[_Block] = []
    i, n = start, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if not line:
            continue
        if not line.startswith("::: "):
            return None
        block = _open_block(r, line[3:], i)
        buf: list[str] = []
        kind, at = "paragraph", 0
        while i < n and lines[i] != ":::":
            text = lines[i]
            i += 1
            if not text:
                if buf:
                    block.elements.append(_Element(kind, "\n".join(buf), at))
                    buf = []
            elif text.startswith("#### "):
                heading = text[5:]
                if not _plain(heading) or heading.endswith("#"):
                    return None
                if buf:
                    block.elements.append(_Element(kind, "\n".join(buf), at))
                    buf = []
                block.elements.append(_Element("heading", heading, i))
            elif text.startswith("- "):
                if buf and kind != "item" or not _plain(text[2:]):
                    return None  # a list right after a paragraph; odd item text
                if buf:
                    block.elements.append(_Element(kind, "\n".join(buf), at))
                buf, kind, at = [text[2:]], "item", i
            elif kind == "item" and buf:
                if not text.startswith("  ") or not _plain(text[2:]):
                    return None  # an item's next line is indented by two
                buf.append(text[2:])
            elif not _plain(text):
                return None
            elif buf:
                buf.append(text)
            else:
                buf, kind, at = [text], "paragraph", i
        if i >= n:
            return None
        i += 1
        if buf:
            block.elements.append(_Element(kind, "\n".join(buf), at))
        if block.kind != "?":
            blocks.append(block)
    return blocks


def _blocks(r: _Reader, text: str, line_reader: bool) -> tuple[str, list[_Block]] | None:
    """The front matter source and the blocks of a content file: by the line
    reader when the file is shaped as `write_meeting` writes (import output,
    and most hand edits), else by markdown-it."""
    end = text.find("\n---\n", 3)
    if (line_reader and text.startswith("---\n") and end > 0 and "\r" not in text
            and "\x00" not in text):  # markdown-it turns \r into \n and \0 into U+FFFD
        lines = text.split("\n")
        start = text.count("\n", 0, end) + 2
        front = lines[1:start - 1]
        # markdown-it would end the front matter at an earlier '---' or '...' line
        if not any(line.lstrip().startswith(("---", "...")) for line in front):
            trial = _Reader(r.file)
            fast = _canonical_blocks(trial, lines, start)
            if fast is not None:
                r.diagnostics += trial.diagnostics
                return "\n".join(front), fast
    tokens = _md.parse(text)
    if not tokens or tokens[0].type != "front_matter":
        r.error("front matter is not closed", 1, hint="add a line '---' after the metadata")
        return None
    return tokens[0].content, _collect_blocks(r, tokens[1:])


def read_meeting(text: str, file: str, *, line_reader: bool = True
                 ) -> tuple[Meeting | None, list[Diagnostic]]:
    """Read a content file. Never raises for bad input: returns the meeting (None
    when the front matter is unusable) and diagnostics naming `file` and a line.
    A block that cannot be read is reported and left out; the rest is kept.
    A file shaped as `write_meeting` writes it is read line by line
    (`_canonical_blocks`), anything else with markdown-it; `line_reader=False`
    uses markdown-it for every file (the tests check that both give the same)."""
    r = _Reader(file)
    text = text.removeprefix("\ufeff")  # a byte order mark some editors add
    if not text.startswith("---"):
        r.error("a content file starts with '---' and its front matter", 1,
                text.split("\n", 1)[0][:80], hint="the first line must be '---'")
        return None, r.diagnostics
    parts = _blocks(r, text, line_reader)
    if parts is None:
        return None, r.diagnostics
    head = _read_front_matter(r, parts[0], line_reader)
    fields = _meeting_head(r, *head) if head else None
    if fields is None:
        return None, r.diagnostics
    f = fields["source"].file
    turns, motions, commitments = [], [], []
    for b in parts[1]:
        if b.kind == "turn":
            turns.append(_read_turn(r, b, f))
        elif b.kind == "motion":
            motions.append(_read_motion(r, b, f))
        elif b.kind == "commitment":
            commitments.append(_read_commitment(r, b, f))
        else:
            r.error(f"unknown block type {b.kind!r}", b.line, hint="turn, motion or commitment")
    meeting = Meeting(
        turns=tuple(t for t in turns if t), motions=tuple(m for m in motions if m),
        commitments=tuple(commitments), **fields)
    return meeting, r.diagnostics
