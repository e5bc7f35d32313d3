"""MobileNetV2 (Sandler et al., 2018, arXiv 1801.04381), with the depthwise conv as a design choice.

Follows torchvision's ``mobilenetv2.py`` layer for layer (same module names inside ``features``).

Check at 224x224 unless noted, measured with ``lwprof.profile``: MACs of convs and the FC in
millions (one MAC per multiply-accumulate; BN, ReLU6, pooling and residual adds not counted),
and parameters with BN (``sum(p.numel())``) and without BN's affine pair. "README" is the
authors' table of released checkpoints (tensorflow/models, research/slim/nets/mobilenet/
README.md), which prints MACs and parameters truncated, not rounded.

    config          MACs     README   paper (Table 4)   params all   params w/o BN   README
    1.4             582.20    582       585              6,108,776     6,060,840       6.06   (paper 6.9 M)
    1.3             509.37    509        -               5,386,792     5,342,536       5.34
    1.0             300.77    300       300              3,504,872     3,470,760       3.47   (paper 3.4 M)
    0.75            209.07    209        -               2,636,424     2,609,784       2.61
    0.5              97.13     97        -               1,968,680     1,950,136       1.95
    0.35             59.29     59        -               1,677,128     1,663,048       1.66
    1.0 @192        221.32    221        -
    1.0 @160        154.08    154        -
    1.0 @128         99.07     99        -
    1.0 @96          56.29     56        -
    1.0 standard   5549.14      -        -              44,050,952    44,016,840          -

All 22 README rows (widths 0.35-1.4 at 96-224) equal these counts truncated to the printed
digit; 1.0 with BN is torchvision's ``num_params`` (3,504,872) and 300.77 M its ``_ops`` 0.301.
Table 4's 1.0 row (3.4 M, 300 M) is the same model truncated. Its 1.4 row (6.9 M, 585 M) is
not reproduced by this layer table, while the README's released 1.4 model (6.06 M, 582 M) is;
it is left as a known gap of the paper's table.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lwprof.architectures.blocks import ConvKind, conv_bn_act, make_divisible, spatial_conv_bn_act
from lwprof.architectures.registry import ArchConfig, option, register_architecture
from lwprof.errors import LwprofError

__all__ = ["InvertedResidual", "MobileNetV2Config", "build_mobilenet_v2"]

TOTAL_STRIDE = 32
DIVISOR = 8  # torchvision's round_nearest: every channel count is a multiple of 8
STEM_CHANNELS = 32
LAST_CHANNELS = 1280
CONV_CHOICES = (ConvKind.STANDARD, ConvKind.DWSEP)


@dataclass(frozen=True)
class MobileNetV2Config(ArchConfig):
    LABEL = "MobileNetV2"
    TOTAL_STRIDE = TOTAL_STRIDE

    width: float = option(1.0, "width multiplier: channels x width, rounded to a multiple of 8 (0.35 to 1.4 in the paper)")
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's inverted residual (3x3 depthwise); standard = a full 3x3 conv on the expanded channels instead",
        choices=CONV_CHOICES,
    )

    def validate(self) -> None:
        super().validate()
        if not self.width > 0:
            raise LwprofError(f"width must be > 0, got {self.width}")


class InvertedResidual(nn.Module):
    """The bottleneck residual block (Table 1): 1x1 expand + ReLU6, 3x3 spatial + ReLU6, 1x1 linear.

    The expanding conv is left out when ``expand_ratio`` is 1. The input is added to the output
    when the stride is 1 and the channels do not change.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: 1 or 2 (of the 3x3 conv).
        expand_ratio: The expansion factor t.
        conv: ``dwsep`` for the 3x3 depthwise conv, ``standard`` for a full 3x3 conv.
        layer: The block's place in the network, named in error messages.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int, expand_ratio: int, conv: ConvKind = ConvKind.DWSEP, *, layer: str = "block"
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise LwprofError(f"{layer}: stride must be 1 or 2, got {stride}")
        hidden = int(round(in_channels * expand_ratio))
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(conv_bn_act(in_channels, hidden, 1, act=nn.ReLU6, layer=f"{layer}.expand"))
        layers.append(spatial_conv_bn_act(conv, hidden, 3, stride, nn.ReLU6, layer=f"{layer}.dw"))
        layers.extend(conv_bn_act(hidden, out_channels, 1, act=None, layer=f"{layer}.project"))  # linear bottleneck
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


@register_architecture(
    "mobilenet_v2",
    config=MobileNetV2Config,
    aliases=("mobilenetv2",),
    paper="MobileNetV2: Inverted Residuals and Linear Bottlenecks (Sandler et al., 2018, arXiv 1801.04381)",
    compare_axis=("conv", CONV_CHOICES),
    summary="3x3 stem + 17 inverted residuals (1x1 expand, 3x3 depthwise, 1x1 linear), 1x1 conv, global pool, FC",
)
def build_mobilenet_v2(cfg: MobileNetV2Config) -> nn.Module:
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
            features.append(InvertedResidual(channels, out, s if i == 0 else 1, t, conv, layer=f"features.{len(features)}"))
            channels = out
    features.append(conv_bn_act(channels, last_channels, 1, act=nn.ReLU6, layer=f"features.{len(features)}"))
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(*features))
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("classifier", nn.Sequential(nn.Dropout(0.2), nn.Linear(last_channels, cfg.num_classes)))
    return model
