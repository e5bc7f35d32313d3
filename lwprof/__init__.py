"""lwprof: a profiler for lightweight CNNs: exact per-layer params, MACs and shapes.

The public API is :func:`profile` and :func:`compare`. They are imported lazily so that
``import lwprof`` (and ``lwprof --help``) does not import torch.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["LwprofError", "compare", "compare_models", "layer_variants", "profile", "__version__"]

from lwprof.errors import LwprofError


def __getattr__(name: str) -> Any:
    if name in ("profile", "compare", "compare_models", "layer_variants"):
        from lwprof import api

        return getattr(api, name)
    raise AttributeError(f"module 'lwprof' has no attribute {name!r}")
