"""What every registry's scope shares: its stores put back as they were when a block exits.

The registries (:func:`lwprof.counting.formulas.scoped_formulas`, :func:`lwprof.counting.ops.scoped_op_formulas`,
:func:`lwprof.architectures.registry.scoped_architectures`, :func:`lwprof.render.export.scoped_formats`) keep their entries in plain dicts and sets;
:func:`restored` is the one save-and-put-back they scope them with.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["restored"]


@contextlib.contextmanager
def restored(*stores: dict[Any, Any] | set[Any]) -> Iterator[None]:
    """Every store (a registry's dict or set) holds again, on exit, what it held on entry (kept the same object)."""
    saved = [store.copy() for store in stores]
    try:
        yield
    finally:
        for store, copy in zip(stores, saved):
            store.clear()
            store.update(copy)  # a dict takes its dict copy, a set its set copy
