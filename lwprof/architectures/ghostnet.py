"""GhostNet (Han et al., 2020, arXiv 1911.11907), with ghost modules or ordinary convs as a design choice.

Follows the authors' PyTorch code (huawei-noah CV-backbones, ghostnet_pytorch) and timm's
``ghostnet.py``, layer for layer.

Check at 224x224, measured with forward hooks: MACs of convs and the FC (one MAC per
multiply-accumulate; BN, activations, pooling, SE gate product and adds not counted) in
millions, and parameters: all (``sum(p.numel())``, BN included) and without BN's affine
parameters (conv and FC weights and biases only).

    config            MACs    paper MACs   params all   params w/o BN   paper params
    0.5x ghost        42.33       42        2,587,292     2,576,308        2.6
    1.0x ghost       141.15      141 (142*) 5,182,508     5,160,540        5.2
    1.3x ghost       227.00      226        7,358,820     7,330,284        7.3
    1.0x standard    230.07        -        6,042,236     6,020,268          -

(*) the authors' PyTorch README. At 1.3x the count with BN rounds to 7.4 M and the one without
to 7.3 M: the paper (like MobileNet's Table 9, 1.32 M) counts parameters without BN. The MACs
are 1 M over the paper at 1.3x; the layer table is the authors' own, so this is left as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from lwprof.architectures.blocks import ConvKind, SqueezeExcitation, conv_bn_act, make_divisible
from lwprof.architectures.registry import ArchConfig, option, register_architecture
from lwprof.errors import LwprofError

__all__ = ["GhostBottleneck", "GhostModule", "GhostNetConfig", "build_ghostnet"]

TOTAL_STRIDE = 32
DIVISOR = 4  # every channel count is rounded to a multiple of 4 (the authors' _make_divisible)
HEAD_CHANNELS = 1280


@dataclass(frozen=True)
class GhostNetConfig(ArchConfig):
    LABEL = "GhostNet"
    TOTAL_STRIDE = TOTAL_STRIDE

    width: float = option(1.0, "width multiplier: channels x width, rounded to a multiple of 4 (0.5, 1.0, 1.3 in the paper)")
    ratio: int = option(2, "ghost ratio s: a primary conv makes 1/s of the outputs, cheap ops the rest (Sec. 3.1)")
    dw_kernel: int = option(3, "kernel d of the ghost module's cheap depthwise op (Table 2)")
    se: bool = option(True, "squeeze-and-excite in the bottlenecks marked SE in Table 1")
    conv: ConvKind = option(
        ConvKind.GHOST,
        "ghost = the paper's GhostNet; standard = every ghost module replaced by one ordinary conv (the baseline)",
        choices=(ConvKind.GHOST, ConvKind.STANDARD),
    )

    def validate(self) -> None:
        super().validate()
        if not self.width > 0:
            raise LwprofError(f"width must be > 0, got {self.width}")
        if self.ratio < 2:
            raise LwprofError(f"ratio must be >= 2 (ratio 1 would leave nothing for the cheap operation), got {self.ratio}")
        if self.dw_kernel < 1 or self.dw_kernel % 2 == 0:
            raise LwprofError(f"dw_kernel must be an odd number >= 1 (so 'same' padding keeps the size), got {self.dw_kernel}")


class GhostModule(nn.Module):
    """The ghost module (Fig. 2b): a primary conv makes ceil(out / ratio) channels, a depthwise
    "cheap operation" makes (ratio - 1) times as many from them, and the concatenation is cut
    to ``out_channels``.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Kernel of the primary conv.
        ratio: The ratio s (>= 2).
        dw_size: Kernel d of the cheap depthwise conv.
        stride: Stride of the primary conv.
        relu: Follow both convs by a ReLU.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 1,
        ratio: int = 2,
        dw_size: int = 3,
        stride: int = 1,
        relu: bool = True,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        init_channels = math.ceil(out_channels / ratio)
        new_channels = init_channels * (ratio - 1)
        act = nn.ReLU if relu else None
        self.primary_conv = conv_bn_act(in_channels, init_channels, kernel_size, stride, act=act, layer="ghost.primary_conv")
        self.cheap_operation = conv_bn_act(
            init_channels, new_channels, dw_size, 1, groups=init_channels, act=act, layer="ghost.cheap_operation"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.primary_conv(x)
        x2 = self.cheap_operation(x1)
        return torch.cat([x1, x2], 1)[:, : self.out_channels]


class GhostBottleneck(nn.Module):
    """The ghost bottleneck (Fig. 3): expand, [depthwise stride 2], [SE], project, + shortcut.

    Args:
        in_channels: Input channels.
        mid_channels: Channels after the expanding module.
        out_channels: Output channels.
        dw_kernel: Kernel of the stride-2 depthwise conv and of the shortcut's depthwise conv.
        stride: 1 or 2.
        se: Add squeeze-and-excite (reduced to make_divisible(mid / 4, 4) channels).
        conv: ``ghost`` for ghost modules, ``standard`` for ordinary 1x1 convs in their place.
        ratio: The ghost modules' ratio s.
        dw_size: The ghost modules' cheap-op kernel d.
    """

    def __init__(
        self,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        dw_kernel: int = 3,
        stride: int = 1,
        se: bool = False,
        conv: ConvKind = ConvKind.GHOST,
        ratio: int = 2,
        dw_size: int = 3,
    ) -> None:
        super().__init__()

        def pointwise(cin: int, cout: int, relu: bool) -> nn.Module:
            if conv is ConvKind.STANDARD:
                return conv_bn_act(cin, cout, 1, act=nn.ReLU if relu else None)
            return GhostModule(cin, cout, 1, ratio, dw_size, relu=relu)

        self.ghost1 = pointwise(in_channels, mid_channels, relu=True)
        if stride > 1:
            self.conv_dw = nn.Conv2d(mid_channels, mid_channels, dw_kernel, stride, (dw_kernel - 1) // 2, groups=mid_channels, bias=False)
            self.bn_dw = nn.BatchNorm2d(mid_channels)
        else:
            self.conv_dw = None
            self.bn_dw = None
        self.se = SqueezeExcitation(mid_channels, make_divisible(mid_channels * 0.25, DIVISOR), nn.Hardsigmoid) if se else None
        self.ghost2 = pointwise(mid_channels, out_channels, relu=False)
        if in_channels == out_channels and stride == 1:
            self.shortcut: nn.Module | None = None
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, in_channels, dw_kernel, stride, (dw_kernel - 1) // 2, groups=in_channels, bias=False),
                nn.BatchNorm2d(in_channels),
                nn.Conv2d(in_channels, out_channels, 1, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x
        x = self.ghost1(x)
        if self.conv_dw is not None and self.bn_dw is not None:
            x = self.bn_dw(self.conv_dw(x))
        if self.se is not None:
            x = self.se(x)
        x = self.ghost2(x)
        return x + (residual if self.shortcut is None else self.shortcut(residual))


@register_architecture(
    "ghostnet",
    config=GhostNetConfig,
    aliases=("ghostnet_v1",),
    paper="GhostNet: More Features from Cheap Operations (Han et al., 2020, arXiv 1911.11907)",
    compare_axis=("conv", (ConvKind.STANDARD, ConvKind.GHOST)),
    summary="3x3 stem + 16 ghost bottlenecks (some with SE), 1x1 conv, global pool, 1x1 conv head, FC",
)
def build_ghostnet(cfg: GhostNetConfig) -> nn.Module:
    # Table 1, grouped into stages as in the authors' code; k is the bottleneck's depthwise
    # kernel (stride-2 conv and shortcut), which the paper's table leaves out.
    stages = [
        # k, exp, c, se, s
        [(3, 16, 16, False, 1)],
        [(3, 48, 24, False, 2)],
        [(3, 72, 24, False, 1)],
        [(5, 72, 40, True, 2)],
        [(5, 120, 40, True, 1)],
        [(3, 240, 80, False, 2)],
        [(3, 200, 80, False, 1), (3, 184, 80, False, 1), (3, 184, 80, False, 1), (3, 480, 112, True, 1), (3, 672, 112, True, 1)],
        [(5, 672, 160, True, 2)],
        [(5, 960, 160, False, 1), (5, 960, 160, True, 1), (5, 960, 160, False, 1), (5, 960, 160, True, 1)],
    ]
    c = lambda n: make_divisible(n * cfg.width, DIVISOR)  # noqa: E731
    channels = c(16)
    model = nn.Sequential()
    model.add_module("conv_stem", conv_bn_act(3, channels, 3, 2, layer="conv_stem"))
    blocks = nn.Sequential()
    for i, stage in enumerate(stages):
        layers = []
        for k, exp, out, se, stride in stage:
            layers.append(GhostBottleneck(channels, c(exp), c(out), k, stride, se and cfg.se, cfg.conv, cfg.ratio, cfg.dw_kernel))
            channels = c(out)
        blocks.add_module(str(i), nn.Sequential(*layers))
    blocks.add_module(str(len(stages)), conv_bn_act(channels, c(960), 1, layer=f"blocks.{len(stages)}"))
    model.add_module("blocks", blocks)
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("conv_head", nn.Conv2d(c(960), HEAD_CHANNELS, 1, bias=True))
    model.add_module("act_head", nn.ReLU(inplace=True))
    model.add_module("flatten", nn.Flatten())
    model.add_module("dropout", nn.Dropout(0.2))
    model.add_module("classifier", nn.Linear(HEAD_CHANNELS, cfg.num_classes))
    return model
