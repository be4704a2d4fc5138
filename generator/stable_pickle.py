"""Picklers for hashing, not for storing: the bytes of a value are what its
hash is taken of (page fingerprints in `generator.cache`, the reads of a page
in `generator.pagedeps`), so they must depend on the value alone.

    hashing_pickler(file) -> pickle.Pickler

The pickler keeps no memo of what it wrote (equal values give equal bytes
however objects happen to be shared), and names each of Plenum's own classes
by a fixed number instead of writing its module and name again for every
object of it: about half the time of fingerprinting a page is otherwise spent
writing and looking up class names. The numbers come from a fixed list of
modules in a fixed order, so they are the same in every process. The output
is never unpickled."""

from __future__ import annotations

import datetime
import importlib
import io
import pickle
from functools import lru_cache

# The modules whose classes occur in page contexts and archive reads.
_MODULES = ("generator.model", "generator.archive", "generator.contexts", "generator.stats",
            "generator.charts", "generator.figures")


@lru_cache(maxsize=1)
def _class_memo() -> dict[int, tuple[int, type]]:
    """Pickle memo entries for every class the modules above define, plus dates."""
    classes: list[type] = [datetime.date, datetime.datetime]
    for name in _MODULES:
        module = importlib.import_module(name)
        own = (value for value in vars(module).values()
               if isinstance(value, type) and value.__module__ == name)
        classes += sorted(own, key=lambda cls: cls.__qualname__)
    return {id(cls): (number, cls) for number, cls in enumerate(classes)}


def hashing_pickler(file: io.BytesIO) -> pickle.Pickler:
    """A pickler for hashing values (see the module doc); callers add their
    own `dispatch_table` for objects that stand for something smaller."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo of written objects: equal values give equal bytes
    pickler.memo = _class_memo()  # classes are referred to by number
    return pickler
