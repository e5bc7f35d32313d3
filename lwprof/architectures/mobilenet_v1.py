"""MobileNetV1 (Howard et al., 2017, arXiv 1704.04861), with its conv kind as a design choice.

Table 1's layers: a 3x3 stem, 13 depthwise-separable pairs, global pooling and the classifier,
channels x alpha with the authors' 8-channel minimum. ``conv=standard`` is Table 4's "Conv
MobileNet", ``conv=grouped`` a 3x3 group conv + channel shuffle in every pair's place. Published
numbers and the conventions that reproduce them: ``lwprof check --arch mobilenet_v1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lwprof.architectures.registry import ArchConfig, Role, option, register_architecture
from lwprof.architectures.rules import ConvKind

if TYPE_CHECKING:
    from torch import nn

__all__ = ["MobileNetV1Config", "build_mobilenet_v1", "scaled_channels"]

MIN_CHANNELS = 8  # the authors' TF-slim implementation: depth(d) = max(int(d * alpha), 8)
TOTAL_STRIDE = 32


@dataclass(frozen=True)
class MobileNetV1Config(ArchConfig):
    LABEL = "MobileNetV1"
    TOTAL_STRIDE = TOTAL_STRIDE

    alpha: float = option(1.0, "width multiplier: every layer's channels x alpha (paper Sec. 4.2)", above=0, maximum=1000, role=Role.WIDTH, search="0.25:1.0:0.05")
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's MobileNet; standard = 'Conv MobileNet' (Table 4); grouped = 3x3 group conv + channel shuffle",
        choices=(ConvKind.STANDARD, ConvKind.GROUPED, ConvKind.DWSEP),
        search="all",
    )
    groups: int = option(4, "groups of the 3x3 convs (only with conv=grouped)", minimum=1, maximum=2**20, applies={"conv": ConvKind.GROUPED}, search="2,4,8")
    shallow: bool = option(False, "drop the five 14x14x512 separable layers (Table 5's shallow MobileNet)")


def scaled_channels(channels: int, alpha: float) -> int:
    """Channels of a layer at width multiplier ``alpha`` (TF-slim rule, minimum 8)."""
    return max(MIN_CHANNELS, int(channels * alpha))


@register_architecture(
    "mobilenet_v1",
    config=MobileNetV1Config,
    aliases=("mobilenet", "mobilenetv1"),
    paper="MobileNets: Efficient CNNs for Mobile Vision Applications (Howard et al., 2017, arXiv 1704.04861)",
    compare_axis=("conv", (ConvKind.STANDARD, ConvKind.GROUPED, ConvKind.DWSEP)),
    summary="3x3 stem + 13 depthwise-separable pairs, global pool, FC",
)
def build_mobilenet_v1(cfg: MobileNetV1Config) -> nn.Module:
    from torch import nn

    from lwprof.architectures.blocks import conv_bn_act, conv_unit

    # Table 1, after the stem: (in, out, stride) of each depthwise-separable pair.
    # The paper prints s2 for the last pair; the map stays 7x7, so it is s1.
    pairs = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2)]
    pairs += [] if cfg.shallow else [(512, 512, 1)] * 5
    pairs += [(512, 1024, 2), (1024, 1024, 1)]

    c = lambda n: scaled_channels(n, cfg.alpha)  # noqa: E731
    layers: list[nn.Module] = [conv_bn_act(3, c(32), 3, 2, layer="features.0")]
    for i, (cin, cout, stride) in enumerate(pairs, start=1):
        layers.append(conv_unit(cfg.conv, c(cin), c(cout), 3, stride, cfg.groups, layer=f"features.{i}"))
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(*layers))
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("classifier", nn.Linear(c(1024), cfg.num_classes))
    return model
