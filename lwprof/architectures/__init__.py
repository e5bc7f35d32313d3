"""The architecture zoo. Importing this package registers every built-in architecture (without importing torch).

Every module of this package is an architecture file, imported (so registered) here in name
order, except the zoo's own machinery (:data:`MACHINERY`): a new architecture is one new file.
The modules the zoo is built from are in :mod:`lwprof.architectures.blocks` (which imports
torch); ``ChannelShuffle`` and ``channel_shuffle`` are re-exported from there on first use.
"""

import importlib
import pkgutil
from typing import Any

from lwprof.architectures.registry import (
    ArchSpec,
    Role,
    get_architecture,
    list_architectures,
    register_architecture,
    scoped_architectures,
    shared_options,
    unregister_architecture,
)
from lwprof.architectures.rules import ConvKind, make_divisible

#: The modules of this package that are not architectures (``blocks`` imports torch: it loads when a model is built).
MACHINERY = frozenset({"blocks", "registry", "rules"})

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in MACHINERY and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

__all__ = [
    "ArchSpec",
    "ChannelShuffle",
    "ConvKind",
    "MACHINERY",
    "Role",
    "channel_shuffle",
    "get_architecture",
    "list_architectures",
    "make_divisible",
    "register_architecture",
    "scoped_architectures",
    "shared_options",
    "unregister_architecture",
]


def __getattr__(name: str) -> Any:
    if name in ("ChannelShuffle", "channel_shuffle"):
        from lwprof.architectures import blocks

        return getattr(blocks, name)
    raise AttributeError(f"module 'lwprof.architectures' has no attribute {name!r}")
