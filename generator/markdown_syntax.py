"""The syntax of content files below the block level: escaping any string into
Markdown paragraph source and back, ``{#id key=value}`` attribute lists, and
YAML scalars that read back as exactly the string written. Specified in
docs/format.md ("Text and escaping", "Attributes")."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import yaml
from markdown_it.common.entities import entities as _ENTITIES

# --------------------------------------------------------------------------- text


_ALWAYS_ESCAPED = frozenset("\\`*_[]<{}")
_LINE_START_ESCAPED = frozenset("#>-+=~:|!")
_ENTITY_LIKE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ORDERED_START = re.compile(r"[0-9]+[.)]")
_NEEDS_ENTITY = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_PLAIN_LINE = re.compile(r"[^\\`*_\[\]<{}&\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")


def _entity(ch: str) -> str:
    return f"&#x{ord(ch):X};"


def escape_line(text: str) -> str:
    """One line of text (no newline) as Markdown paragraph source."""
    if not text:
        return ""
    if _PLAIN_LINE.fullmatch(text):
        out = text
    else:
        parts = []
        for i, ch in enumerate(text):
            if ch in _ALWAYS_ESCAPED:
                parts.append("\\" + ch)
            elif ch == "&" and _ENTITY_LIKE.match(text, i):
                parts.append("\\&")
            elif _NEEDS_ENTITY.match(ch):
                parts.append(_entity(ch))
            else:
                parts.append(ch)
        out = "".join(parts)
    head = ""
    if out[0].isspace():
        head, out = _entity(out[0]), out[1:]
    tail = ""
    if out and out[-1].isspace():
        out, tail = out[:-1], _entity(out[-1])
    if not head and out:
        if out[0] in _LINE_START_ESCAPED:
            out = "\\" + out
        elif out[0].isdigit() and (m := _ORDERED_START.match(out)):
            end = m.end() - 1
            out = out[:end] + "\\" + out[end:]
    return head + out + tail


def escape_paragraph(text: str) -> list[str]:
    """A string as the source lines of one Markdown paragraph. A newline becomes a
    hard line break (a line ending in ``\\``); newlines at the very end become
    ``&#xA;``; the empty string is a lone ``\\``."""
    if "\n" not in text:  # most paragraphs: one line
        return [escape_line(text)] if text else ["\\"]
    segments = text.split("\n")
    trailing = 0
    while len(segments) > 1 and segments[-1] == "":
        segments.pop()
        trailing += 1
    lines = [escape_line(s) for s in segments]
    lines[-1] += "&#xA;" * trailing
    return [line + "\\" for line in lines[:-1]] + [lines[-1]]


_UNESCAPE = re.compile(
    r"\\\n[ \t]*"  # hard line break
    r"|\\([!-/:-@\[-`{-~])"  # backslash escape of ASCII punctuation
    r"|&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # character reference
    r"|[ \t]*\n[ \t]*"  # soft line break: a wrapped line
)


def _decode_reference(ref: str) -> str | None:
    if ref[0] != "#":
        return _ENTITIES.get(ref)
    code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _unescape_match(m: re.Match[str]) -> str:
    whole = m.group(0)
    if whole[0] == "\\":
        return "\n" if whole[1] == "\n" else m.group(1)
    if whole[0] == "&":
        decoded = _decode_reference(m.group(2))
        return whole if decoded is None else decoded
    return " "


def unescape_paragraph(source: str) -> str:
    """Inverse of `escape_paragraph`, given the paragraph's source as markdown-it
    collects it (lines joined by newlines). Wrapped lines join with a space."""
    if source == "\\":
        return ""
    if "\\" not in source and "&" not in source and "\n" not in source:
        return source
    return _UNESCAPE.sub(_unescape_match, source)


def paragraphs_text(text: str) -> list[list[str]]:
    """Longer text (a motion's) as several paragraphs, split at blank lines."""
    return [escape_paragraph(part) for part in text.split("\n\n")]


# --------------------------------------------------------------------- attributes

_BARE_VALUE = re.compile(r"[A-Za-z0-9_.:/-]+")
_ATTR = r'(?:#([A-Za-z0-9_.:/-]+)|([A-Za-z_][A-Za-z0-9_-]*)=("(?:[^"\\]|\\.)*"|[^\s"{}]+))'
_ATTR_TOKEN = re.compile(_ATTR)
_ATTRS = re.compile(r"(?:\s*" + _ATTR + r"(?!\S))*\s*")  # tokens end at a space: linear
_ATTR_AT = re.compile(r"\s*" + _ATTR + r"(?!\S)")  # one token of `_ATTRS`


def _attr_value(value: str) -> str:
    if _BARE_VALUE.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def format_attrs(pairs: list[tuple[str, str | int | None]]) -> str:
    """``{#id key=value key="quoted value"}``; None values are left out, an ``id``
    key is written as ``#id`` when it is a plain token."""
    return "{" + " ".join([_format_attr(key, str(value)) for key, value in pairs
                           if value is not None]) + "}"


@lru_cache(maxsize=1 << 16)  # "speaker=blok", "line=12", a label: the same pairs recur
def _format_attr(key: str, text: str) -> str:
    if key == "id" and _BARE_VALUE.fullmatch(text):
        return "#" + text
    return f"{key}={_attr_value(text)}"


_ID_TOKEN = re.compile(r"#([A-Za-z0-9_.:/-]+)")
_BARE_TOKEN = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)=([^\s"{}]+)')


@lru_cache(maxsize=1 << 14)  # "speaker=blok", "line=12": the same tokens recur
def _bare_attr(token: str) -> tuple[str, str] | None:
    """One whitespace-free token without quotes as (key, value), or None."""
    if m := _ID_TOKEN.fullmatch(token):
        return "id", m.group(1)
    if m := _BARE_TOKEN.fullmatch(token):
        return m.group(1), m.group(2)
    return None


def parse_attrs(text: str) -> dict[str, str] | None:
    """The attributes of ``{...}`` (without the braces), or None if malformed."""
    if '"' not in text:  # no quoted value: tokens are what lies between spaces
        attrs: dict[str, str] = {}
        for token in text.split():
            pair = _bare_attr(token)
            if pair is None:
                return None
            attrs[pair[0]] = pair[1]
        return attrs
    attrs = {}
    at, end = 0, len(text)
    while at < end:  # one token at a time: what `_ATTRS.fullmatch` then findall does
        m = _ATTR_AT.match(text, at)
        if m is None:
            return None if text[at:].strip() else attrs
        at = m.end()
        ident, key, raw = m.groups()
        if ident:
            attrs["id"] = ident
        elif raw[0] != '"':
            attrs[key] = raw
        elif "\\" not in raw:
            attrs[key] = raw[1:-1]
        else:
            try:
                attrs[key] = json.loads(raw)
            except ValueError:
                return None
    return attrs


# ---------------------------------------------------------------------------- YAML

_YAML_PLAIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f.'’()/+_-]*"
                         r"(?: [A-Za-z0-9\u00c0-\u024f.'’()/+_-]+)*")
_YAML_RESERVED = frozenset({"null", "Null", "NULL"})
_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_YAML_UNSAFE = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]')


def _yaml_escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _YAML_ESCAPES:
        return _YAML_ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"


def yaml_scalar(value: str | int | None) -> str:
    """A scalar as YAML source that `YamlLoader` reads back as exactly this value."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if _YAML_PLAIN.fullmatch(value) and value not in _YAML_RESERVED:
        return value
    return '"' + _YAML_UNSAFE.sub(_yaml_escape, value) + '"'


# A double-quoted scalar with no escapes but the writer's (`_yaml_escape`).
_QUOTED = re.compile(r'"((?:[^"\\]|\\(?:x[0-9A-F]{2}|u[0-9A-F]{4}|[\\"ntr]))*)"')
_QUOTED_ESCAPE = re.compile(r"\\(?:x([0-9A-F]{2})|u([0-9A-F]{4})|([\\\"ntr]))")
_RAW_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_UNQUOTED = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}


def _unescape_quoted(m: re.Match[str]) -> str:
    hex_code = m.group(1) or m.group(2)
    return chr(int(hex_code, 16)) if hex_code else _UNQUOTED[m.group(3)]


def read_yaml_scalar(source: str) -> tuple[str | None] | None:
    """The value of a scalar exactly as `yaml_scalar` writes it, as `YamlLoader`
    reads it (in a 1-tuple), or None for anything else (for YAML to read)."""
    if source == "null":
        return (None,)
    if _YAML_PLAIN.fullmatch(source):
        return None if source in _YAML_RESERVED else (source,)
    m = _QUOTED.fullmatch(source)
    if not m or _RAW_UNSAFE.search(m.group(1)):
        return None
    inner = m.group(1)
    return (_QUOTED_ESCAPE.sub(_unescape_quoted, inner) if "\\" in inner else inner,)


_FLOW_VALUE = r'"(?:[^"\\]|\\.)*"|[^,"{}\[\]]+'
_FLOW_ITEM = re.compile(_FLOW_VALUE)
_FLOW_PAIR = re.compile(r"([a-z_][a-z0-9_]*): (" + _FLOW_VALUE + ")")


def _flow_items(inner: str, item: re.Pattern[str]) -> list[re.Match[str]] | None:
    """The items of a flow collection's inside, as the writer joins them (", ")."""
    items: list[re.Match[str]] = []
    at = 0
    while at < len(inner):
        m = item.match(inner, at)
        if not m:
            return None
        items.append(m)
        at = m.end()
        if at < len(inner):
            if not inner.startswith(", ", at) or at + 2 == len(inner):
                return None
            at += 2
    return items


def read_flow_map(source: str) -> dict[str, str | None] | None:
    """``{key: value, ...}`` exactly as `flow_map` writes it, else None."""
    if not (source.startswith("{") and source.endswith("}")):
        return None
    pairs = _flow_items(source[1:-1], _FLOW_PAIR)
    if pairs is None:
        return None
    out: dict[str, str | None] = {}
    for m in pairs:
        value = read_yaml_scalar(m.group(2))
        if value is None or m.group(1) in out:
            return None
        out[m.group(1)] = value[0]
    return out


def read_flow_list(source: str) -> list[str | None] | None:
    """``[a, b, ...]`` of scalars exactly as the writer writes it, else None."""
    if not (source.startswith("[") and source.endswith("]")):
        return None
    items = _flow_items(source[1:-1], _FLOW_ITEM)
    if items is None:
        return None
    values = [read_yaml_scalar(m.group(0)) for m in items]
    return None if any(v is None for v in values) else [v[0] for v in values]  # type: ignore[index]


def flow_map(pairs: list[tuple[str, str | int | None]]) -> str:
    return "{" + ", ".join(f"{k}: {yaml_scalar(v)}" for k, v in pairs if v is not None) + "}"


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


class YamlLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Safe YAML where every plain scalar but ``null``/``~``/empty is a string:
    ``date: 2020-09-28``, ``start: 13:30`` and ``number: 3`` mean what they say."""


YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def yaml_error_line(exc: yaml.YAMLError) -> tuple[int, str]:
    """The 1-based line a YAML error is about (where the unclosed bracket or
    quote opened, when that is known) and its message."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    mark = context or problem
    message = str(getattr(exc, "problem", None) or exc)
    if context is not None and problem is not None and problem.line != context.line:
        message += f" ({getattr(exc, 'context', '')} starting here)"
    return (mark.line + 1 if mark is not None else 0), message
