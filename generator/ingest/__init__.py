"""Read a transcript file, whatever its format, into `Meeting` records.

One module per source format; this module only detects the format, decodes the
bytes, applies a metadata sidecar and dispatches. IO stays here: readers take
text (or bytes, for PDF) and return a `ParseResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from generator.errors import Diagnostic, error
from generator.ingest.encoding import decode_transcript
from generator.model import Meeting
from generator.slugs import slugify

SIDECAR_SUFFIX = ".meta.yaml"
SIDECAR_FIELDS = ("id", "title", "date", "committee", "kind", "body", "dossier")
TRANSCRIPT_SUFFIXES = (".txt", ".md", ".xml", ".pdf")


@dataclass(frozen=True)
class ParseResult:
    """What one transcript file gave: its meetings (a plenary day in XML may hold
    several agenda items) and every diagnostic found on the way."""

    meetings: tuple[Meeting, ...]
    diagnostics: tuple[Diagnostic, ...]


TextReader = Callable[[str, str], ParseResult]


def detect_format(name: str, data: bytes) -> str:
    """Name the format of a transcript from its suffix and first bytes:
    ``pdf``, ``vlos`` (open-data XML), ``ohxml`` (officielebekendmakingen XML)
    or ``text`` (any extracted or OCR'ed text)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe ")
    if data[:5] == b"%PDF-" or name.lower().endswith(".pdf"):
        return "pdf"
    lowered = head.lower()
    if b"<" in head[:200] and (b"<?xml" in lowered or name.lower().endswith(".xml")):
        if b"vergaderverslag" in lowered or b"vloscoredocument" in lowered:
            return "vlos"
        return "ohxml"
    return "text"


def text_readers() -> dict[str, TextReader]:
    """Readers by format name (imported lazily: a text-only archive never loads
    the XML or PDF machinery)."""
    from generator.ingest import text

    readers: dict[str, TextReader] = {"text": text.parse_text}
    try:
        from generator.ingest import ohxml, vlos

        readers["vlos"] = vlos.parse_vlos
        readers["ohxml"] = ohxml.parse_ohxml
    except ImportError:  # pragma: no cover - readers not installed yet
        pass
    return readers


_FastSafeLoader = getattr(yaml, "CSafeLoader", None)  # libyaml when installed


def _load_yaml(text: str) -> object:
    """`yaml.safe_load`, parsed by libyaml when it is there (ten times faster);
    what libyaml refuses goes to the pure-Python parser, so errors read the same."""
    if _FastSafeLoader is not None:
        try:
            return yaml.load(text, Loader=_FastSafeLoader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def read_sidecar(path: Path, display_name: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """Metadata from ``<stem>.meta.yaml`` beside a transcript, if there is one."""
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}, []
    shown = str(Path(display_name).with_name(sidecar.name))
    try:
        data = _load_yaml(sidecar.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        return {}, [error(f"metadata sidecar is not valid YAML: {exc}", shown, line)]
    if not isinstance(data, dict):
        return {}, [error("metadata sidecar must be a mapping of field: value", shown, 1)]
    unknown = sorted(set(data) - set(SIDECAR_FIELDS))
    diags = [
        error(f"unknown field {key!r} in metadata sidecar", shown, 0,
              hint=f"known fields: {', '.join(SIDECAR_FIELDS)}")
        for key in unknown
    ]
    return {k: str(v) for k, v in data.items() if k in SIDECAR_FIELDS and v is not None}, diags


def meeting_id_for(date: str | None, title: str | None, file: str) -> str:
    """The shared id rule: ``<date>-<slug(title)>`` when both are known, else
    the slug of the file stem (docs/decisions.md)."""
    if date and title:
        return f"{date}-{slugify(title)}"
    return slugify(Path(file).stem)


def apply_sidecar(meeting: Meeting, meta: dict[str, str], file: str) -> Meeting:
    """Sidecar fields override what the parser derived (the user knows best).
    When the sidecar supplies the date or title but no id, the id is derived
    again from the final date and title, and so are the ids of unnumbered
    motions, which start with the meeting id."""
    if not meta:
        return meeting
    updated = replace(meeting, **meta)
    if "id" in meta or updated.id != meeting_id_for(meeting.date, meeting.title, file):
        return updated
    new_id = meeting_id_for(updated.date, updated.title, file)
    if new_id == meeting.id:
        return updated
    prefix = meeting.id + "-m"
    motions = tuple(
        replace(m, id=new_id + m.id[len(meeting.id):]) if m.id.startswith(prefix) else m
        for m in updated.motions
    )
    return replace(updated, id=new_id, motions=motions)


def read_transcript(path: Path, display_name: str | None = None,
                    data: bytes | None = None) -> ParseResult:
    """Read one transcript file into meetings plus diagnostics (`data`: its
    bytes, when the caller read them already). Never raises for bad input:
    every problem becomes a diagnostic naming the file."""
    name = display_name or str(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return ParseResult((), (error(f"cannot read file: {exc.strerror}", name),))
    meta, diags = read_sidecar(path, name)
    fmt = detect_format(name, data)
    if fmt == "pdf":
        from generator.ingest import pdf

        result = pdf.parse_pdf(data, name)
    else:
        decoded = decode_transcript(data, name)
        diags.extend(decoded.diagnostics)
        if decoded.text is None:
            return ParseResult((), tuple(diags))
        reader = text_readers().get(fmt)
        if reader is None:
            diags.append(error(f"no reader for format {fmt!r}", name))
            return ParseResult((), tuple(diags))
        result = reader(decoded.text, name)
    meetings = tuple(apply_sidecar(m, meta, name) for m in result.meetings)
    return ParseResult(meetings, tuple(diags) + result.diagnostics)
