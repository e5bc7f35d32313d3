"""Building blocks shared by the zoo: conv kinds, channel rounding, channel shuffle, squeeze-and-excitation.

Every convolution of a zoo model is built through :func:`conv_bn_act`, :func:`conv_unit` or
:func:`spatial_conv_bn_act`, and all channel rounding goes through :func:`make_divisible`, so a
design choice lives in one place.
"""

from __future__ import annotations

import enum

import torch
from torch import nn

from lwprof.errors import LwprofError


class ConvKind(str, enum.Enum):
    """How a spatial convolution is realised (the design choice the papers compare)."""

    STANDARD = "standard"
    GROUPED = "grouped"
    DWSEP = "dwsep"
    GHOST = "ghost"

    @classmethod
    def _missing_(cls, value: object) -> ConvKind | None:
        aliases = {"depthwise_separable": cls.DWSEP, "depthwise-separable": cls.DWSEP, "separable": cls.DWSEP, "group": cls.GROUPED, "full": cls.STANDARD}
        return aliases.get(str(value).lower())

    def __str__(self) -> str:
        return self.value


def make_divisible(value: float, divisor: int, min_value: int | None = None) -> int:
    """Rounds ``value`` to the nearest multiple of ``divisor``, never more than 10% down.

    The rule of the reference implementations (torchvision's and timm's ``_make_divisible``).

    Args:
        value: The scaled channel count, e.g. 24 * 1.3.
        divisor: The multiple to round to.
        min_value: Lower bound (defaults to ``divisor``).
    """
    min_value = divisor if min_value is None else min_value
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle: reshape to (g, c/g), transpose, flatten back.

    Channel ``i * (c/g) + j`` (group i, position j) moves to ``j * g + i``.
    """
    n, c, *rest = x.shape
    return x.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


class ChannelShuffle(nn.ChannelShuffle):
    """Channel shuffle as a module, so profiles show it as its own (zero-MAC) layer.

    A subclass of ``nn.ChannelShuffle`` (so it shares its formula) whose forward is the
    articles' reshape-transpose-reshape rather than torch's fused kernel.
    """

    def __init__(self, groups: int) -> None:
        if groups < 1:
            raise LwprofError(f"channel shuffle groups must be >= 1, got {groups}")
        super().__init__(groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)


def check_groups(layer: str, in_channels: int, out_channels: int, groups: int) -> None:
    """Raises a clear error when ``groups`` does not divide both channel counts.

    Args:
        layer: Where the conv sits, for the message (e.g. "stage3.0.branch.conv1").
    """
    if groups >= 1 and in_channels % groups == 0 and out_channels % groups == 0:
        return
    from math import gcd

    common = gcd(in_channels, out_channels)
    valid = [g for g in range(1, common + 1) if common % g == 0]
    shown = ", ".join(map(str, valid[:12])) + (", ..." if len(valid) > 12 else "")
    raise LwprofError(
        f"groups={groups} does not divide the channels of {layer} ({in_channels} -> {out_channels}); values that would work there: {shown}"
    )


def conv_bn_act(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    groups: int = 1,
    act: type[nn.Module] | None = nn.ReLU,
    *,
    layer: str = "conv",
) -> nn.Sequential:
    """A bias-free convolution, BatchNorm and an optional activation ("same" padding).

    Args:
        layer: The conv's place in the network, named in error messages.
    """
    check_groups(layer, in_channels, out_channels, groups)
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
    ]
    if act is not None:
        layers.append(act(inplace=True) if act in (nn.ReLU, nn.ReLU6, nn.Hardswish) else act())
    return nn.Sequential(*layers)


def conv_unit(
    kind: ConvKind,
    in_channels: int,
    out_channels: int,
    kernel_size: int = 3,
    stride: int = 1,
    groups: int = 1,
    act: type[nn.Module] | None = nn.ReLU,
    *,
    layer: str = "conv",
) -> nn.Sequential:
    """One spatial convolution realised as ``kind``, each conv followed by BN (+ activation).

    * standard: one full k x k conv.
    * grouped: a k x k group conv with ``groups`` groups, then a channel shuffle so that
      information crosses groups (as in ShuffleNet).
    * dwsep: a k x k depthwise conv then a 1x1 pointwise conv (MobileNetV1's separable pair).

    Args:
        kind: The conv kind (ghost modules are built by GhostNet itself).
        layer: The unit's place in the network, named in error messages.
    """
    if kind is ConvKind.STANDARD:
        return conv_bn_act(in_channels, out_channels, kernel_size, stride, 1, act, layer=layer)
    if kind is ConvKind.GROUPED:
        unit = conv_bn_act(in_channels, out_channels, kernel_size, stride, groups, act, layer=layer)
        if groups > 1:
            unit.append(ChannelShuffle(groups))
        return unit
    if kind is ConvKind.DWSEP:
        return nn.Sequential(
            conv_bn_act(in_channels, in_channels, kernel_size, stride, in_channels, act, layer=f"{layer}.dw"),
            conv_bn_act(in_channels, out_channels, 1, 1, 1, act, layer=f"{layer}.pw"),
        )
    raise LwprofError(f"conv kind {kind.value!r} is not available here; use standard, grouped or dwsep")


def spatial_conv_bn_act(
    kind: ConvKind,
    channels: int,
    kernel_size: int = 3,
    stride: int = 1,
    act: type[nn.Module] | None = nn.ReLU,
    *,
    layer: str = "conv",
) -> nn.Sequential:
    """The k x k conv inside a block whose 1x1 convs are built by the block itself.

    The spatial conv of an inverted residual (MobileNetV2/V3) or of a ShuffleNetV2 branch maps
    ``channels`` to ``channels``:

    * dwsep: a depthwise conv (groups = channels), the papers' design; with the block's 1x1
      convs around it this is the depthwise-separable factorisation.
    * standard: a full k x k conv on the same channels, the block without the factorisation.

    Args:
        kind: ``dwsep`` or ``standard``.
        layer: The conv's place in the network, named in error messages.
    """
    kind = ConvKind(kind)
    if kind is ConvKind.DWSEP:
        groups = channels
    elif kind is ConvKind.STANDARD:
        groups = 1
    else:
        raise LwprofError(f"{layer}: conv kind {kind.value!r} is not available here; use standard or dwsep")
    return conv_bn_act(channels, channels, kernel_size, stride, groups, act, layer=layer)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation as in torchvision (``torchvision.ops.SqueezeExcitation``).

    ``x * scale_activation(fc2(activation(fc1(avgpool(x)))))`` with fc1 and fc2 1x1 convs with
    bias. The pool is a module (not a functional call) so that profiles show it as a layer.

    Args:
        channels: Input (and output) channels.
        squeeze_channels: Channels after ``fc1``.
        gate: The scale activation (MobileNetV3: ``nn.Hardsigmoid``; SENet: ``nn.Sigmoid``).
    """

    def __init__(self, channels: int, squeeze_channels: int, gate: type[nn.Module] = nn.Hardsigmoid) -> None:
        super().__init__()
        if squeeze_channels < 1:
            raise LwprofError(f"squeeze-and-excitation needs >= 1 squeeze channel, got {squeeze_channels}")
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.activation = nn.ReLU()
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.scale_activation = gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x
