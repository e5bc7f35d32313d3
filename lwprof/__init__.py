"""lwprof: a profiler for lightweight CNNs: exact per-layer params, MACs and shapes.

The public API is in :mod:`lwprof.api`: :func:`profile`, :func:`compare`,
:func:`compare_models`, :func:`diff`, :func:`layer_variants`, :func:`measure`, and predicted latency:
:func:`calibrate`, :func:`predict`, :func:`fit`. They are imported lazily so that
``import lwprof`` (and ``lwprof --help``) does not import torch.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["LwprofError", "calibrate", "compare", "compare_models", "diff", "fit", "layer_variants", "measure", "predict", "profile", "__version__"]

from lwprof.errors import LwprofError

_API = ("profile", "compare", "compare_models", "diff", "layer_variants", "measure", "calibrate", "predict", "fit")


def __getattr__(name: str) -> Any:
    if name in _API:
        from lwprof import api

        return getattr(api, name)
    raise AttributeError(f"module 'lwprof' has no attribute {name!r}")
