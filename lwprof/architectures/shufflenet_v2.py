"""ShuffleNet V2 (Ma et al., 2018, arXiv 1807.11164), with scale and the depthwise convs as design choices.

Follows torchvision's ``shufflenetv2.py`` layer for layer (same module names inside each unit);
the global mean before the FC is an ``AdaptiveAvgPool2d`` module plus ``Flatten`` instead of
``x.mean([2, 3])``, so that profiles show it as a layer (same result, same counts).

The first (stride-2) unit of each stage is torchvision's: both branches make out/2 channels.
The authors' code (megvii-model/ShuffleNet-Series, ShuffleNetV2/blocks.py) keeps the input's
channels in the shortcut branch and lets the main branch make the remaining out - in, which is
what reproduces Table 5's MACs; ``lwprof check --arch shufflenet_v2`` records the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lwprof.architectures.registry import ArchConfig, Role, option, register_architecture
from lwprof.architectures.rules import ConvKind

if TYPE_CHECKING:
    from torch import nn

__all__ = ["STAGE_CHANNELS", "STAGE_REPEATS", "ShuffleNetV2Config", "build_shufflenet_v2"]

TOTAL_STRIDE = 32
STAGE_REPEATS = (4, 8, 4)  # Table 5: stages 2, 3, 4; the first unit of each has stride 2
# Table 5: output channels of conv1, stages 2-4 and conv5, by scale.
STAGE_CHANNELS = {
    0.5: (24, 48, 96, 192, 1024),
    1.0: (24, 116, 232, 464, 1024),
    1.5: (24, 176, 352, 704, 1024),
    2.0: (24, 244, 488, 976, 2048),
}
CONV_CHOICES = (ConvKind.STANDARD, ConvKind.DWSEP)


@dataclass(frozen=True)
class ShuffleNetV2Config(ArchConfig):
    LABEL = "ShuffleNet V2"
    TOTAL_STRIDE = TOTAL_STRIDE

    scale: float = option(1.0, "channel scale of Table 5 (0.5x, 1x, 1.5x, 2x)", choices=tuple(STAGE_CHANNELS), role=Role.WIDTH, search="all")
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's units (3x3 depthwise); standard = every 3x3 depthwise conv replaced by a full 3x3 conv",
        choices=CONV_CHOICES,
        search="all",
    )


@register_architecture(
    "shufflenet_v2",
    config=ShuffleNetV2Config,
    aliases=("shufflenetv2",),
    paper="ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design (Ma et al., 2018, arXiv 1807.11164)",
    compare_axis=("scale", tuple(STAGE_CHANNELS)),
    summary="3x3 stem, max pool, 16 units of channel split + 1x1/3x3 depthwise/1x1 + shuffle, 1x1 conv, global pool, FC",
)
def build_shufflenet_v2(cfg: ShuffleNetV2Config) -> nn.Module:
    from torch import nn

    from lwprof.architectures.blocks import ShuffleV2Unit, conv_bn_act

    stem, *stages, last = STAGE_CHANNELS[cfg.scale]
    conv = ConvKind(cfg.conv)
    model = nn.Sequential()
    model.add_module("conv1", conv_bn_act(3, stem, 3, 2, layer="conv1"))
    model.add_module("maxpool", nn.MaxPool2d(3, 2, 1))
    channels = stem
    for stage, (repeats, out) in enumerate(zip(STAGE_REPEATS, stages), start=2):
        units = []
        for i in range(repeats):
            units.append(ShuffleV2Unit(channels, out, 2 if i == 0 else 1, conv, layer=f"stage{stage}.{i}"))
            channels = out
        model.add_module(f"stage{stage}", nn.Sequential(*units))
    model.add_module("conv5", conv_bn_act(channels, last, 1, layer="conv5"))
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(last, cfg.num_classes))
    return model
