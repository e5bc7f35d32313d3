"""MobileNetV2 (Sandler et al., 2018, arXiv 1801.04381), with the depthwise conv as a design choice.

Follows torchvision's ``mobilenetv2.py`` layer for layer (same module names inside
``features``): Table 2's inverted residuals, channels x width rounded to a multiple of 8, the
last conv kept at 1280 channels below width 1. ``conv=standard`` puts a full 3x3 conv on the
expanded channels in place of the depthwise one. Published numbers (Table 4 and the authors'
README of released checkpoints, which truncates) and how they are reproduced:
``lwprof check --arch mobilenet_v2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lwprof.architectures.registry import ArchConfig, Role, option, register_architecture
from lwprof.architectures.rules import ConvKind, make_divisible

if TYPE_CHECKING:
    from torch import nn

__all__ = ["MobileNetV2Config", "build_mobilenet_v2"]

TOTAL_STRIDE = 32
DIVISOR = 8  # torchvision's round_nearest: every channel count is a multiple of 8
STEM_CHANNELS = 32
LAST_CHANNELS = 1280
CONV_CHOICES = (ConvKind.STANDARD, ConvKind.DWSEP)


@dataclass(frozen=True)
class MobileNetV2Config(ArchConfig):
    LABEL = "MobileNetV2"
    TOTAL_STRIDE = TOTAL_STRIDE

    width: float = option(1.0, "width multiplier: channels x width, rounded to a multiple of 8 (0.35 to 1.4 in the paper)", above=0, maximum=1000, role=Role.WIDTH, search="0.25:1.5:0.05")
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's inverted residual (3x3 depthwise); standard = a full 3x3 conv on the expanded channels instead",
        choices=CONV_CHOICES,
        search="all",
    )


@register_architecture(
    "mobilenet_v2",
    config=MobileNetV2Config,
    aliases=("mobilenetv2",),
    paper="MobileNetV2: Inverted Residuals and Linear Bottlenecks (Sandler et al., 2018, arXiv 1801.04381)",
    compare_axis=("conv", CONV_CHOICES),
    summary="3x3 stem + 17 inverted residuals (1x1 expand, 3x3 depthwise, 1x1 linear), 1x1 conv, global pool, FC",
)
def build_mobilenet_v2(cfg: MobileNetV2Config) -> nn.Module:
    from torch import nn

    from lwprof.architectures.blocks import InvertedResidual, conv_bn_act

    # Table 2: expansion t, output channels c, repeats n, stride s of the first repeat.
    stages = [
        # t, c, n, s
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]
    conv = ConvKind(cfg.conv)
    channels = make_divisible(STEM_CHANNELS * cfg.width, DIVISOR)
    # The paper applies a width below 1 to every layer except the last conv, which keeps 1280
    # channels; a width above 1 widens it too (torchvision and the TF-slim code alike).
    last_channels = make_divisible(LAST_CHANNELS * max(1.0, cfg.width), DIVISOR)
    features: list[nn.Module] = [conv_bn_act(3, channels, 3, 2, act=nn.ReLU6, layer="features.0")]
    for t, c, n, s in stages:
        out = make_divisible(c * cfg.width, DIVISOR)
        for i in range(n):
            expanded = int(round(channels * t))
            block = InvertedResidual(channels, out, s if i == 0 else 1, expanded, 3, nn.ReLU6, False, conv, layer=f"features.{len(features)}")
            features.append(block)
            channels = out
    features.append(conv_bn_act(channels, last_channels, 1, act=nn.ReLU6, layer=f"features.{len(features)}"))
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(*features))
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("classifier", nn.Sequential(nn.Dropout(0.2), nn.Linear(last_channels, cfg.num_classes)))
    return model
