"""The architecture zoo. Importing this package registers every built-in architecture."""

from lwprof.architectures import ghostnet, mobilenet_v1, mobilenet_v2, mobilenet_v3, shufflenet_v1, shufflenet_v2  # noqa: F401  (registration)
from lwprof.architectures.blocks import ChannelShuffle, ConvKind, channel_shuffle, make_divisible
from lwprof.architectures.registry import ArchSpec, get_architecture, list_architectures, register_architecture

__all__ = [
    "ArchSpec",
    "ChannelShuffle",
    "ConvKind",
    "channel_shuffle",
    "get_architecture",
    "list_architectures",
    "make_divisible",
    "register_architecture",
]
