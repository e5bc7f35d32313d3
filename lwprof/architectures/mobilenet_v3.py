"""MobileNetV3-Large and -Small (Howard et al., 2019, arXiv 1905.02244), with the depthwise conv as a design choice.

Follows torchvision's ``mobilenetv3.py`` layer for layer: its ``InvertedResidualConfig`` tables
(the paper's Tables 1 and 2), squeeze-and-excitation with make_divisible(expanded // 4, 8)
channels and a hard-sigmoid gate, h-swish, the 6x-expanding last conv and the two-layer
classifier. Dilation (torchvision's segmentation option) is left out. BatchNorm's eps and
momentum (torchvision: 0.001, 0.01) change no count and are left at PyTorch's defaults.

Width follows torchvision's rule (every channel count of the width-1 table x width, the
classifier's hidden layer included), which is not the rule of the authors' TF layer tables for
their 0.75 models (a block's expanded channels there are its ratio times its already scaled
input, the classifier's hidden layer unscaled), so only width 1.0 is checked against the
papers: ``lwprof check --arch mobilenet_v3_large``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from lwprof.architectures.registry import ArchConfig, Role, option, register_architecture
from lwprof.architectures.rules import ConvKind, make_divisible

if TYPE_CHECKING:
    from torch import nn

__all__ = ["BlockConfig", "MobileNetV3Config", "build_mobilenet_v3_large", "build_mobilenet_v3_small"]

TOTAL_STRIDE = 32
DIVISOR = 8  # every channel count is rounded to a multiple of 8 (torchvision's adjust_channels)
LAST_CONV_EXPANSION = 6  # the last 1x1 conv makes 6x the channels of the last block
CONV_CHOICES = (ConvKind.STANDARD, ConvKind.DWSEP)


@dataclass(frozen=True)
class MobileNetV3Config(ArchConfig):
    LABEL = "MobileNetV3"
    TOTAL_STRIDE = TOTAL_STRIDE

    width: float = option(1.0, "width multiplier: channels x width, rounded to a multiple of 8 (0.75 and 1.0 in the paper)", above=0, maximum=1000, role=Role.WIDTH, search="0.25:1.5:0.05")
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's bottleneck (k x k depthwise); standard = a full k x k conv on the expanded channels instead",
        choices=CONV_CHOICES,
        search="all",
    )


class BlockConfig(NamedTuple):
    """One bottleneck of Table 1 / 2, channels at width 1 (torchvision's InvertedResidualConfig)."""

    input_channels: int
    kernel: int
    expanded_channels: int
    out_channels: int
    use_se: bool
    activation: str  # "RE" (ReLU) or "HS" (h-swish)
    stride: int


def _build(cfg: MobileNetV3Config, table: list[BlockConfig], last_channels: int) -> nn.Module:
    """Builds a MobileNetV3 from a block table and the classifier's hidden width (both at width 1)."""
    from torch import nn

    from lwprof.architectures.blocks import InvertedResidual, conv_bn_act

    c = lambda n: make_divisible(n * cfg.width, DIVISOR)  # noqa: E731
    conv = ConvKind(cfg.conv)
    acts = {"RE": nn.ReLU, "HS": nn.Hardswish}
    features: list[nn.Module] = [conv_bn_act(3, c(table[0].input_channels), 3, 2, act=nn.Hardswish, layer="features.0")]
    for b in table:
        features.append(
            InvertedResidual(
                c(b.input_channels), c(b.out_channels), b.stride, c(b.expanded_channels), b.kernel, acts[b.activation], b.use_se, conv,
                layout="v3", layer=f"features.{len(features)}",
            )
        )
    last_in = c(table[-1].out_channels)
    last_out = LAST_CONV_EXPANSION * last_in
    features.append(conv_bn_act(last_in, last_out, 1, act=nn.Hardswish, layer=f"features.{len(features)}"))
    hidden = c(last_channels)
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(*features))
    model.add_module("avgpool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module(
        "classifier",
        nn.Sequential(nn.Linear(last_out, hidden), nn.Hardswish(inplace=True), nn.Dropout(0.2, inplace=True), nn.Linear(hidden, cfg.num_classes)),
    )
    return model


PAPER = "Searching for MobileNetV3 (Howard et al., 2019, arXiv 1905.02244)"


@register_architecture(
    "mobilenet_v3_large",
    config=MobileNetV3Config,
    aliases=("mobilenet_v3", "mobilenetv3", "mobilenetv3_large"),
    paper=PAPER,
    compare_axis=("conv", CONV_CHOICES),
    summary="3x3 stem + 15 bottlenecks (depthwise 3x3/5x5, some with SE, ReLU/h-swish), 1x1 conv, pool, 2-layer classifier",
)
def build_mobilenet_v3_large(cfg: MobileNetV3Config) -> nn.Module:
    # Table 1 (torchvision's _mobilenet_v3_conf, "mobilenet_v3_large").
    table = [
        # in, k, exp, out, SE, NL, s
        BlockConfig(16, 3, 16, 16, False, "RE", 1),
        BlockConfig(16, 3, 64, 24, False, "RE", 2),
        BlockConfig(24, 3, 72, 24, False, "RE", 1),
        BlockConfig(24, 5, 72, 40, True, "RE", 2),
        BlockConfig(40, 5, 120, 40, True, "RE", 1),
        BlockConfig(40, 5, 120, 40, True, "RE", 1),
        BlockConfig(40, 3, 240, 80, False, "HS", 2),
        BlockConfig(80, 3, 200, 80, False, "HS", 1),
        BlockConfig(80, 3, 184, 80, False, "HS", 1),
        BlockConfig(80, 3, 184, 80, False, "HS", 1),
        BlockConfig(80, 3, 480, 112, True, "HS", 1),
        BlockConfig(112, 3, 672, 112, True, "HS", 1),
        BlockConfig(112, 5, 672, 160, True, "HS", 2),
        BlockConfig(160, 5, 960, 160, True, "HS", 1),
        BlockConfig(160, 5, 960, 160, True, "HS", 1),
    ]
    return _build(cfg, table, 1280)


@register_architecture(
    "mobilenet_v3_small",
    config=MobileNetV3Config,
    aliases=("mobilenetv3_small",),
    paper=PAPER,
    compare_axis=("conv", CONV_CHOICES),
    summary="3x3 stem + 11 bottlenecks (depthwise 3x3/5x5, most with SE, ReLU/h-swish), 1x1 conv, pool, 2-layer classifier",
)
def build_mobilenet_v3_small(cfg: MobileNetV3Config) -> nn.Module:
    # Table 2 (torchvision's _mobilenet_v3_conf, "mobilenet_v3_small").
    table = [
        # in, k, exp, out, SE, NL, s
        BlockConfig(16, 3, 16, 16, True, "RE", 2),
        BlockConfig(16, 3, 72, 24, False, "RE", 2),
        BlockConfig(24, 3, 88, 24, False, "RE", 1),
        BlockConfig(24, 5, 96, 40, True, "HS", 2),
        BlockConfig(40, 5, 240, 40, True, "HS", 1),
        BlockConfig(40, 5, 240, 40, True, "HS", 1),
        BlockConfig(40, 5, 120, 48, True, "HS", 1),
        BlockConfig(48, 5, 144, 48, True, "HS", 1),
        BlockConfig(48, 5, 288, 96, True, "HS", 2),
        BlockConfig(96, 5, 576, 96, True, "HS", 1),
        BlockConfig(96, 5, 576, 96, True, "HS", 1),
    ]
    return _build(cfg, table, 1024)
