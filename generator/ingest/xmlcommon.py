"""What both XML readers (VLOS and officielebekendmakingen) share: a safe XML
parse that remembers each element's source line, whitespace-normalised text,
and the parts of a motion the chair reads out ("Zij krijgt nr. …").

XML from outside is untrusted: a document type with entity declarations is
refused (no entity expansion, no external entities), as defusedxml would.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.parsers import expat

from generator.errors import Diagnostic, error
from generator.ingest.motions import motion_id as shared_motion_id
from generator.ingest.motions import split_motion_text
from generator.slugs import slugify


class _Refused(Exception):
    """The document declares entities (or external ones): never expanded."""


@dataclass
class XmlDoc:
    """A parsed document: the root and each element's 1-based source line."""

    root: ET.Element
    lines: dict[int, int] = field(default_factory=dict)

    def line(self, elem: ET.Element | None) -> int:
        return 0 if elem is None else self.lines.get(id(elem), 0)


def local(tag: str) -> str:
    """``"{ns}Naam"`` or ``"ns Naam"`` -> ``"naam"``: the readers ignore namespaces
    (scrapers lower-case or drop them)."""
    return tag.rsplit("}", 1)[-1].rsplit(" ", 1)[-1].lower()


def parse_xml(text: str, file: str) -> tuple[XmlDoc | None, list[Diagnostic]]:
    """Parse untrusted XML text into an `XmlDoc`; never raises."""
    start = text.find("<")
    if start < 0:
        return None, [error("not an XML document: no element found", file, 1)]
    skipped_lines = text.count("\n", 0, start)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[ET.Element] = []
    doc = XmlDoc(ET.Element("document"))
    roots: list[ET.Element] = []

    def refuse(*_args: object) -> None:
        raise _Refused

    def on_start(tag: str, attrs: dict[str, str]) -> None:
        elem = ET.Element(local(tag), {local(k): v for k, v in attrs.items()})
        doc.lines[id(elem)] = parser.CurrentLineNumber + skipped_lines
        if stack:
            stack[-1].append(elem)
        else:
            roots.append(elem)
        stack.append(elem)

    def on_end(_tag: str) -> None:
        stack.pop()

    def on_text(data: str) -> None:
        if not stack:
            return
        parent = stack[-1]
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + data
        else:
            parent.text = (parent.text or "") + data

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.CharacterDataHandler = on_text
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(text[start:], True)
    except _Refused:
        return None, [error(
            "XML declares entities: refused (entities are never expanded)", file,
            parser.CurrentLineNumber + skipped_lines,
            hint="remove the <!DOCTYPE …> with its <!ENTITY …> declarations")]
    except expat.ExpatError as exc:
        line = (exc.lineno or 0) + skipped_lines
        shown = text[start:].splitlines()[exc.lineno - 1] if exc.lineno else ""
        return None, [error(f"XML is not well-formed: {expat.ErrorString(exc.code)}",
                            file, line, shown[:200],
                            hint="the file may be truncated or not XML at all")]
    if not roots:
        return None, [error("not an XML document: no element found", file, 1)]
    doc.root = roots[0]
    return doc, []


def norm(text: str | None) -> str:
    """Collapse whitespace (pretty-printed XML splits every text node)."""
    text = " ".join((text or "").split())
    # pretty-printing puts a space before punctuation that followed an element
    return re.sub(r" ([,.;:)])|(\() ", lambda m: m.group(1) or m.group(2), text)


def text_of(elem: ET.Element | None) -> str:
    return "" if elem is None else norm("".join(elem.itertext()))


def child(elem: ET.Element | None, name: str) -> ET.Element | None:
    if elem is None:
        return None
    return next((c for c in elem if c.tag == name), None)


def child_text(elem: ET.Element | None, name: str) -> str:
    return text_of(child(elem, name))


# --- motions ---------------------------------------------------------------------

_SUBMITTERS = re.compile(
    r"(?:Deze motie is|De motie is|Zij is) voorgesteld door (?:de leden|het lid) (.+?)\.(?:\s|$)")
_NUMBER = re.compile(
    r"Zij krijgt (?:nr\.|nummer) (\d+)(?:\s*,\s*was (?:nr\.|nummer) (\d+))?\s*\(([^)]*)\)")

@dataclass(frozen=True)
class MotionInfo:
    """What the chair says about a motion just read out."""

    submitters: tuple[str, ...]
    number: str | None
    replaces: str | None
    dossier: str | None


def parse_motion_info(text: str) -> MotionInfo:
    """"Deze motie is voorgesteld door de leden A, B en C. … Zij krijgt nr. 199
    (31311)." -> submitters, number, amended number, dossier as printed."""
    text = norm(text)
    names: tuple[str, ...] = ()
    m = _SUBMITTERS.search(text)
    if m:
        names = tuple(n.strip() for n in re.split(r",\s*|\s+en\s+", m.group(1)) if n.strip())
    n = _NUMBER.search(text)
    if not n:
        return MotionInfo(names, None, None, None)
    return MotionInfo(names, n.group(1), n.group(2), norm(n.group(3)) or None)


def motion_id(dossier: str | None, number: str | None, fallback: str) -> str:
    """The shared motion id (`motions.motion_id`), or a slug of `fallback` when
    the dossier or number is missing."""
    return shared_motion_id(dossier, number) or slugify(fallback)


def split_motion(paragraphs: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Considerations and requests of a motion given as paragraphs, by the text
    parser's rule (one rule for every format)."""
    considerations, requests = split_motion_text("\n".join(paragraphs))
    return tuple(considerations), tuple(requests)


_SUSPENSION = re.compile(
    r"vergadering wordt (?:van (\d{1,2})[.:](\d{2}) uur tot (\d{1,2})[.:](\d{2}) uur |[^.]*?)"
    r"geschorst")


def parse_suspension(text: str) -> tuple[str | None, str | None] | None:
    """"De vergadering wordt van 12.05 uur tot 12.14 uur geschorst." ->
    ("12:05", "12:14"); "… wordt enkele ogenblikken geschorst." -> (None, None)."""
    m = _SUSPENSION.search(text)
    if not m:
        return None
    start = f"{int(m.group(1)):02d}:{m.group(2)}" if m.group(1) else None
    end = f"{int(m.group(3)):02d}:{m.group(4)}" if m.group(3) else None
    return start, end


_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_DUTCH_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})\b", re.I)
_DATE_ELEMENTS = ("vergaderdatum", "datum", "datumvergadering")


def _valid_date(year: str, month: str, day: str) -> str | None:
    try:
        date = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date.isoformat() if 1814 <= date.year <= 2100 else None


def find_date(text: str) -> str | None:
    """The first real calendar date in `text` ("2018-04-05", "20180405",
    "5 april 2018"), or None. "20172018" (a session year) is no date."""
    for m in _ISO_DATE.finditer(text):
        if date := _valid_date(*m.groups()):
            return date
    for m in _DUTCH_DATE.finditer(text):
        if date := _valid_date(m.group(3), str(_MONTHS.index(m.group(2).lower()) + 1),
                               m.group(1)):
            return date
    return None


def document_date(root: ET.Element, item: ET.Element, file: str) -> tuple[str | None, str]:
    """The meeting date a Handelingen document states, and where it was found:
    a ``<meta name="…datum…" content="…">``, a ``<vergaderdatum>``/``<datum>``
    element, a ``datum`` attribute of the agenda item, or else a date in the
    file name (``tk-20180405-….xml``). (None, "") when there is none: a date is
    never guessed from a session year or a date mentioned in the text."""
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        if ("datum" in name or "date" in name) and (date := find_date(meta.get("content") or "")):
            return date, f"<meta name=\"{meta.get('name')}\">"
    for attr in ("datum", "vergaderdatum", "date"):
        if date := find_date(item.get(attr) or ""):
            return date, f"the agendapunt's {attr} attribute"
    # Only metadata and the item's own children: a date inside a speech or a
    # motion is not the meeting's date.
    heads = [*(e for m in root.iter("metadata") for e in m.iter()), *item,
             *(e for h in root.iter("handelingen") for e in h)]
    for elem in heads:
        if (isinstance(elem.tag, str) and elem.tag.lower() in _DATE_ELEMENTS
                and (date := find_date(text_of(elem)))):
            return date, f"<{elem.tag}>"
    name = file.rsplit("/", 1)[-1]
    if date := find_date(name.rsplit(".", 1)[0]):
        return date, "the file name"
    return None, ""
