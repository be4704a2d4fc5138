"""Progress bars for long stages: drawn on a terminal, silent otherwise (logs, CI,
pipes and tests see nothing)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

WIDTH = 28
INTERVAL = 0.1  # seconds between redraws


class Progress:
    """A bar for `total` steps of one stage. Use as a context manager; call
    `advance()` per finished step."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 enabled: bool | None = None):
        self.label = label
        self.total = max(total, 0)
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = enabled and self.total > 0
        self.done = 0
        self.started = time.perf_counter()
        self._drawn = 0.0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._drawn >= INTERVAL or self.done >= self.total:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        filled = int(share * WIDTH)
        bar = "█" * filled + "·" * (WIDTH - filled)
        elapsed = now - self.started
        self.stream.write(f"\r  {self.label:<12} {bar} {self.done:>7}/{self.total} "
                          f"{share:4.0%} {elapsed:6.1f} s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[2K")  # clear the bar: --verbose prints the timing
            self.stream.flush()
            self.enabled = False


def track(items: Iterable[T], label: str, total: int | None = None,
          stream: TextIO | None = None) -> Iterator[T]:
    """Yield `items`, drawing a bar while they are consumed."""
    if total is None:
        total = len(items) if hasattr(items, "__len__") else 0  # type: ignore[arg-type]
    with Progress(label, total, stream) as bar:
        for item in items:
            yield item
            bar.advance()
