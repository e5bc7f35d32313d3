"""ShuffleNet V2 (Ma et al., 2018, arXiv 1807.11164), with scale and the depthwise convs as design choices.

Follows torchvision's ``shufflenetv2.py`` layer for layer (same module names inside each unit);
the global mean before the FC is an ``AdaptiveAvgPool2d`` module plus ``Flatten`` instead of
``x.mean([2, 3])``, so that profiles show it as a layer (same result, same counts).

Check at 224x224, measured with ``lwprof.profile``: MACs of convs and the FC in millions (one
MAC per multiply-accumulate; BN, ReLU, pooling, concat and shuffle not counted), parameters with
BN (``sum(p.numel())``) and without BN's affine pair, against Table 5 ("FLOPs" there are MACs).

    config        MACs    paper   authors' code   params all   params w/o BN   paper
    0.5x          40.48     41        40.48        1,366,792      1,358,840      1.4
    1x           144.91    146       145.81        2,278,604      2,262,424      2.3
    1.5x         295.76    299       298.97        3,503,624      3,480,184      3.5
    2x           583.25    591       590.78        7,393,996      7,360,280      7.4
    1x standard  572.07      -            -        5,894,768      5,878,588        -

The parameters are torchvision's ``num_params`` exactly and match Table 5 at its precision; the
MACs are torchvision's ``_ops`` (0.04, 0.145, 0.296, 0.583 GMACs) but 1.1 to 7.8 M under
Table 5 from 1x up. The gap is the first (stride-2) unit of each stage. torchvision gives both
of its branches out/2 channels; the authors' code (megvii-model/ShuffleNet-Series,
ShuffleNetV2/blocks.py) keeps the input's channels in the shortcut branch (3x3 depthwise, 1x1
in -> in) and lets the main branch make the remaining out - in. Counted the same way, that
layout gives the "authors' code" column (bias-free FC as there): Table 5 to the unit for 1x,
1.5x and 2x. At 0.5x the two layouts coincide (48 - 24 = 24 = 48 / 2), and 40.48 M is 0.5 M
under the printed 41.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lwprof.architectures.blocks import ChannelShuffle, ConvKind, conv_bn_act, spatial_conv_bn_act
from lwprof.architectures.registry import ArchConfig, option, register_architecture
from lwprof.errors import LwprofError

__all__ = ["STAGE_CHANNELS", "STAGE_REPEATS", "ShuffleNetV2Config", "ShuffleV2Unit", "build_shufflenet_v2"]

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
SHUFFLE_GROUPS = 2  # the two branches are interleaved


@dataclass(frozen=True)
class ShuffleNetV2Config(ArchConfig):
    LABEL = "ShuffleNet V2"
    TOTAL_STRIDE = TOTAL_STRIDE

    scale: float = option(1.0, "channel scale of Table 5 (0.5x, 1x, 1.5x, 2x)", choices=tuple(STAGE_CHANNELS))
    conv: ConvKind = option(
        ConvKind.DWSEP,
        "dwsep = the paper's units (3x3 depthwise); standard = every 3x3 depthwise conv replaced by a full 3x3 conv",
        choices=CONV_CHOICES,
    )


class ShuffleV2Unit(nn.Module):
    """One ShuffleNet V2 unit (Fig. 3 c/d).

    Stride 1: the input is split in two halves; one passes through, the other goes through
    ``branch2`` (1x1 conv BN ReLU, 3x3 depthwise BN, 1x1 conv BN ReLU). Stride 2: no split;
    ``branch1`` (3x3 depthwise stride 2 BN, 1x1 conv BN ReLU) and ``branch2`` (its 3x3 with
    stride 2) both see the whole input, doubling the channels. Either way the two halves are
    concatenated and channel-shuffled with 2 groups.

    Args:
        in_channels: Input channels.
        out_channels: Output channels (each branch makes half of them).
        stride: 1 or 2.
        conv: ``dwsep`` for the depthwise 3x3 convs, ``standard`` for full 3x3 convs.
        layer: The unit's place in the network, named in error messages.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, conv: ConvKind = ConvKind.DWSEP, *, layer: str = "unit") -> None:
        super().__init__()
        if stride not in (1, 2):
            raise LwprofError(f"{layer}: stride must be 1 or 2, got {stride}")
        if out_channels % 2:
            raise LwprofError(f"{layer}: output channels must be even (two equal branches), got {out_channels}")
        branch = out_channels // 2
        if stride == 1 and in_channels != out_channels:
            raise LwprofError(f"{layer}: a stride-1 unit keeps its channels, got {in_channels} -> {out_channels}")
        self.stride = stride
        if stride > 1:
            self.branch1: nn.Sequential | None = nn.Sequential(
                *spatial_conv_bn_act(conv, in_channels, 3, stride, act=None, layer=f"{layer}.branch1.dw"),
                *conv_bn_act(in_channels, branch, 1, layer=f"{layer}.branch1.pw"),
            )
        else:
            self.branch1 = None  # torchvision keeps an empty Sequential here; it has no layers to count
        self.branch2 = nn.Sequential(
            *conv_bn_act(in_channels if stride > 1 else branch, branch, 1, layer=f"{layer}.branch2.pw1"),
            *spatial_conv_bn_act(conv, branch, 3, stride, act=None, layer=f"{layer}.branch2.dw"),
            *conv_bn_act(branch, branch, 1, layer=f"{layer}.branch2.pw2"),
        )
        self.shuffle = ChannelShuffle(SHUFFLE_GROUPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return self.shuffle(out)


@register_architecture(
    "shufflenet_v2",
    config=ShuffleNetV2Config,
    aliases=("shufflenetv2",),
    paper="ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design (Ma et al., 2018, arXiv 1807.11164)",
    compare_axis=("scale", tuple(STAGE_CHANNELS)),
    summary="3x3 stem, max pool, 16 units of channel split + 1x1/3x3 depthwise/1x1 + shuffle, 1x1 conv, global pool, FC",
)
def build_shufflenet_v2(cfg: ShuffleNetV2Config) -> nn.Module:
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
