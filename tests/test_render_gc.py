"""Rendering collects cyclic garbage every few pages, not every 700 objects."""

from __future__ import annotations

import gc
import weakref

from generator.render import _collected_every


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_cycles_are_collected_every_n_pages_and_the_collector_is_restored():
    assert gc.isenabled()
    with _collected_every(3) as page_done:
        assert not gc.isenabled()
        cycle = _Node()
        alive = weakref.ref(cycle)
        del cycle
        page_done()
        page_done()
        assert alive() is not None  # automatic collection is off
        page_done()
        assert alive() is None
    assert gc.isenabled()
