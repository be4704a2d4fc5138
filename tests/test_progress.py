"""Progress bars: drawn on a terminal, silent anywhere else."""

from __future__ import annotations

import io

from generator.progress import Progress, track
from generator.workers import fork_map


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_is_drawn_on_a_terminal_and_cleared_at_the_end():
    stream = _Terminal()
    assert list(track(range(5), "render", stream=stream)) == [0, 1, 2, 3, 4]
    out = stream.getvalue()
    assert "render" in out and "5/5" in out and "100%" in out
    assert out.endswith("\r\x1b[2K")


def test_nothing_is_printed_when_the_output_is_not_a_terminal():
    stream = io.StringIO()
    with Progress("render", 10, stream) as bar:
        for _ in range(10):
            bar.advance()
    assert stream.getvalue() == ""


def test_forked_workers_return_results_in_the_order_of_the_items():
    offset = 7  # a closure: workers inherit it by fork
    items = list(range(40))
    assert list(fork_map(lambda i: i * i + offset, items, jobs=2)) == \
        [i * i + offset for i in items]
