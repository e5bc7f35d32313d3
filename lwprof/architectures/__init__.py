"""The architecture zoo. Importing this package registers every built-in architecture (without importing torch).

The modules the zoo is built from are in :mod:`lwprof.architectures.blocks` (which imports
torch); ``ChannelShuffle`` and ``channel_shuffle`` are re-exported from there on first use.
"""

from typing import Any

from lwprof.architectures import (  # noqa: F401  (registration)
    ghostnet,
    mobilenet_v1,
    mobilenet_v2,
    mobilenet_v3,
    shufflenet_v1,
    shufflenet_v2,
)
from lwprof.architectures.registry import (
    ArchSpec,
    get_architecture,
    list_architectures,
    register_architecture,
    shared_options,
)
from lwprof.architectures.rules import ConvKind, make_divisible

__all__ = [
    "ArchSpec",
    "ChannelShuffle",
    "ConvKind",
    "channel_shuffle",
    "get_architecture",
    "list_architectures",
    "make_divisible",
    "register_architecture",
    "shared_options",
]


def __getattr__(name: str) -> Any:
    if name in ("ChannelShuffle", "channel_shuffle"):
        from lwprof.architectures import blocks

        return getattr(blocks, name)
    raise AttributeError(f"module 'lwprof.architectures' has no attribute {name!r}")
