"""MobileNetV3-Large and -Small (Howard et al., 2019, arXiv 1905.02244), with the depthwise conv as a design choice.

Follows torchvision's ``mobilenetv3.py`` layer for layer: its ``InvertedResidualConfig`` tables
(the paper's Tables 1 and 2), squeeze-and-excitation with make_divisible(expanded // 4, 8)
channels and a hard-sigmoid gate, h-swish, the 6x-expanding last conv and the two-layer
classifier. Dilation (torchvision's segmentation option) is left out. BatchNorm's eps and
momentum (torchvision: 0.001, 0.01) change no count and are left at PyTorch's defaults.

Check at 224x224, measured with ``lwprof.profile``: MACs of convs and FCs in millions (one MAC
per multiply-accumulate; BN, activations, pooling, the SE gate product and adds not counted),
parameters with BN (``sum(p.numel())``) and without BN's affine pair. "paper" is Table 3,
"README" the authors' table of released TF checkpoints (tensorflow/models, research/slim/nets/
mobilenet/README.md).

    config            MACs   paper   README   params all   params w/o BN   paper   README
    large 1.0        216.59    219     217     5,483,032      5,458,632      5.4     5.4
    large 0.75       140.03    155     155     3,377,576      3,359,160      4.0     4.0
    small 1.0         56.51     56      66     2,542,856      2,530,744      2.5     2.9
    small 0.75        39.12     44      44     1,653,920      1,644,720      2.0     2.4
    large standard  5460.84      -       -    71,322,112     71,297,712        -       -
    small standard  1843.76      -       -    25,254,128     25,242,016        -       -

Width 1.0 is torchvision exactly: its ``num_params`` (5,483,032 and 2,542,856) and ``_ops``
(0.217 and 0.057 GMACs). Large 1.0 is 2.4 M MACs under the paper's 219 but matches the README's
217 for the released model, whose layer table (``V3_LARGE`` in the authors' mobilenet_v3.py) is
the same as torchvision's; the 219 is left as a gap of the paper's table. Small 1.0 matches the
paper (2.5 M, 56 M); the README's 66 M / 2.9 M for Small are not reproduced by its own
``V3_SMALL`` table and are not used.

Width 0.75 follows torchvision's rule (every channel count of the width-1 table x 0.75, the
classifier's hidden layer included) and falls well short of the published 0.75 models. Those
are reproduced by the rule of the authors' TF layer tables, where a block's expanded channels
are its expansion ratio times its already scaled input, with the 1280 / 1024 hidden layer left
unscaled (TF-slim's finegrain_classification_mode, timm's fixed ``num_features``): 154.6 M /
3.99 M (large) and 43.4 M / 2.04 M (small), the published 155 / 4.0 and 44 / 2.0 to within
1 M MACs (counted outside lwprof). Only width 1.0 is pinned in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from lwprof.architectures.blocks import ConvKind, SqueezeExcitation, conv_bn_act, make_divisible, spatial_conv_bn_act
from lwprof.architectures.registry import ArchConfig, option, register_architecture
from lwprof.errors import LwprofError

__all__ = ["BlockConfig", "InvertedResidual", "MobileNetV3Config", "build_mobilenet_v3_large", "build_mobilenet_v3_small"]

TOTAL_STRIDE = 32
DIVISOR = 8  # every channel count is rounded to a multiple of 8 (torchvision's adjust_channels)
LAST_CONV_EXPANSION = 6  # the last 1x1 conv makes 6x the channels of the last block
CONV_CHOICES = (ConvKind.STANDARD, ConvKind.DWSEP)


@dataclass(frozen=True)
class MobileNetV3Config(ArchConfig):
    LABEL = "MobileNetV3"
    TOTAL_STRIDE = TOTAL_STRIDE

    width: float = option(1.0, "width multiplier: channels x width, rounded to a multiple of 8 (0.75 and 1.0 in the paper)")
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's bottleneck (k x k depthwise); standard = a full k x k conv on the expanded channels instead",
        choices=CONV_CHOICES,
    )

    def validate(self) -> None:
        super().validate()
        if not self.width > 0:
            raise LwprofError(f"width must be > 0, got {self.width}")


class BlockConfig(NamedTuple):
    """One bottleneck of Table 1 / 2, channels at width 1 (torchvision's InvertedResidualConfig)."""

    input_channels: int
    kernel: int
    expanded_channels: int
    out_channels: int
    use_se: bool
    activation: str  # "RE" (ReLU) or "HS" (h-swish)
    stride: int


class InvertedResidual(nn.Module):
    """MobileNetV3's bottleneck (Fig. 4): [1x1 expand], k x k spatial conv, [SE], 1x1 linear project.

    The expanding conv is left out when the expanded channels equal the input channels. The
    input is added to the output when the stride is 1 and the channels do not change.

    Args:
        in_channels: Input channels.
        kernel: Kernel of the spatial conv (3 or 5).
        expanded_channels: Channels of the expanded representation.
        out_channels: Output channels.
        use_se: Add squeeze-and-excitation after the spatial conv.
        activation: ``nn.ReLU`` or ``nn.Hardswish``.
        stride: 1 or 2 (of the spatial conv).
        conv: ``dwsep`` for a depthwise spatial conv, ``standard`` for a full one.
        layer: The block's place in the network, named in error messages.
    """

    def __init__(
        self,
        in_channels: int,
        kernel: int,
        expanded_channels: int,
        out_channels: int,
        use_se: bool,
        activation: type[nn.Module],
        stride: int,
        conv: ConvKind = ConvKind.DWSEP,
        *,
        layer: str = "block",
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise LwprofError(f"{layer}: stride must be 1 or 2, got {stride}")
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expanded_channels != in_channels:
            layers.append(conv_bn_act(in_channels, expanded_channels, 1, act=activation, layer=f"{layer}.expand"))
        layers.append(spatial_conv_bn_act(conv, expanded_channels, kernel, stride, activation, layer=f"{layer}.dw"))
        if use_se:
            layers.append(SqueezeExcitation(expanded_channels, make_divisible(expanded_channels // 4, DIVISOR), nn.Hardsigmoid))
        layers.append(conv_bn_act(expanded_channels, out_channels, 1, act=None, layer=f"{layer}.project"))
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.block(x)
        return self.block(x)


def _build(cfg: MobileNetV3Config, table: list[BlockConfig], last_channels: int) -> nn.Module:
    """Builds a MobileNetV3 from a block table and the classifier's hidden width (both at width 1)."""
    c = lambda n: make_divisible(n * cfg.width, DIVISOR)  # noqa: E731
    conv = ConvKind(cfg.conv)
    acts = {"RE": nn.ReLU, "HS": nn.Hardswish}
    features: list[nn.Module] = [conv_bn_act(3, c(table[0].input_channels), 3, 2, act=nn.Hardswish, layer="features.0")]
    for b in table:
        features.append(
            InvertedResidual(
                c(b.input_channels), b.kernel, c(b.expanded_channels), c(b.out_channels), b.use_se, acts[b.activation], b.stride, conv,
                layer=f"features.{len(features)}",
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
