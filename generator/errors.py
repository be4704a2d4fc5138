"""Diagnostics: every problem a user can act on, formatted in one place.

A diagnostic names the file and line, quotes the offending line and says what to
do, in the shape of Python's and Jinja's tracebacks::

    error: speaker label not recognised
      File "transcripts/x.txt", line 42
        Mevrouw Karabulut (SP:
      hint: a label reads "Mevrouw Name (Party):" on a line of its own
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an input file."""

    severity: Severity
    message: str
    file: str
    line: int = 0
    text: str = ""  # the offending line (or an excerpt), as found
    hint: str = ""  # what the user can do about it

    def format(self) -> str:
        """Render as a multi-line message for the terminal."""
        out = [f"{self.severity.value}: {self.message}"]
        where = f'  File "{self.file}"' + (f", line {self.line}" if self.line else "")
        out.append(where)
        if self.text:
            out.append("    " + self.text.strip()[:200])
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


class PlenumError(Exception):
    """A failure that stops one file (or the build) and carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def error(message: str, file: str, line: int = 0, text: str = "", hint: str = "") -> Diagnostic:
    return Diagnostic(Severity.ERROR, message, file, line, text, hint)


def warning(message: str, file: str, line: int = 0, text: str = "", hint: str = "") -> Diagnostic:
    return Diagnostic(Severity.WARNING, message, file, line, text, hint)


def info(message: str, file: str, line: int = 0, text: str = "", hint: str = "") -> Diagnostic:
    return Diagnostic(Severity.INFO, message, file, line, text, hint)


def format_diagnostics(diagnostics: list[Diagnostic], limit_per_message: int = 5) -> str:
    """Format all diagnostics, collapsing repeats of the same message per file."""
    seen: Counter[tuple[str, str]] = Counter()
    lines: list[str] = []
    hidden: Counter[tuple[str, str]] = Counter()
    for d in diagnostics:
        key = (d.file, d.message)
        seen[key] += 1
        if seen[key] > limit_per_message:
            hidden[key] += 1
            continue
        lines.append(d.format())
    for (file, message), count in sorted(hidden.items()):
        lines.append(f'note: {count} more "{message}" in {file} not shown')
    return "\n".join(lines)


def summarise(diagnostics: list[Diagnostic]) -> str:
    """One line: how many errors and warnings."""
    counts = Counter(d.severity for d in diagnostics)
    return f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s)"
