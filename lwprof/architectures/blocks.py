"""The zoo's building blocks: every module a zoo model is made of, built from its hyper-parameters.

Every convolution of a zoo model is built through :func:`conv_bn_act`, :func:`conv_unit` or
:func:`spatial_conv_bn_act`, and all channel rounding goes through
:func:`~lwprof.architectures.rules.make_divisible`, so a design choice lives in one place. The
architecture files (their options, channel tables and builders) import this module only when
they build a model, so that the registry stays free of torch.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch
from torch import nn

from lwprof.architectures.rules import (
    ConvKind,
    check_groups,
    ghost_channels,
    make_divisible,
)
from lwprof.counting.formulas import register_formula, shuffle_formula
from lwprof.errors import LwprofError
from lwprof.records import LayerKind

__all__ = [
    "ChannelShuffle",
    "ConvKind",
    "GhostBottleneck",
    "GhostModule",
    "InvertedResidual",
    "ShuffleUnit",
    "ShuffleV2Unit",
    "SqueezeExcitation",
    "channel_shuffle",
    "check_groups",
    "conv_bn_act",
    "conv_unit",
    "make_divisible",
    "spatial_conv_bn_act",
]


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle: reshape to (g, c/g), transpose, flatten back.

    Channel ``i * (c/g) + j`` (group i, position j) moves to ``j * g + i``.
    """
    n, c, *rest = x.shape
    return x.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


class ChannelShuffle(nn.ChannelShuffle):
    """Channel shuffle as a module, so profiles show it as its own (zero-MAC) layer.

    A subclass of ``nn.ChannelShuffle`` whose forward is the articles' reshape-transpose-reshape
    rather than torch's fused kernel; the same forward in effect, so it is registered with the
    same formula.
    """

    def __init__(self, groups: int) -> None:
        if groups < 1:
            raise LwprofError(f"channel shuffle groups must be >= 1, got {groups}")
        super().__init__(groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)


register_formula(ChannelShuffle, kind=LayerKind.SHUFFLE)(shuffle_formula)


def conv_bn_act(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    groups: int = 1,
    act: type[nn.Module] | None = nn.ReLU,
    *,
    norm: bool = True,
    bias: bool = False,
    layer: str = "conv",
) -> nn.Sequential:
    """A convolution ("same" padding, no bias by default), BatchNorm and an optional activation.

    Args:
        norm: Add the BatchNorm (False: the conv alone, with the activation if any).
        bias: Give the conv a bias.
        layer: The conv's place in the network, named in error messages.
    """
    check_groups(layer, in_channels, out_channels, groups)
    layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, groups=groups, bias=bias)]
    if norm:
        layers.append(nn.BatchNorm2d(out_channels))
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
    norm: bool = True,
    bias: bool = False,
    ratio: int = 2,
    layer: str = "conv",
) -> nn.Module:
    """One spatial convolution realised as ``kind``, each conv followed by BN (+ activation).

    * standard: one full k x k conv.
    * grouped: a k x k group conv with ``groups`` groups, then a channel shuffle so that
      information crosses groups (as in ShuffleNet).
    * dwsep: a k x k depthwise conv then a 1x1 pointwise conv (MobileNetV1's separable pair).
    * ghost: a ghost module with ratio ``ratio`` (a k x k primary conv, 3x3 cheap depthwise ops).

    Args:
        kind: The conv kind.
        norm: Follow every conv by BatchNorm (False: bare convs, as ``lwprof layer`` compares them).
        bias: Give every conv a bias.
        ratio: The ghost module's ratio s.
        layer: The unit's place in the network, named in error messages.
    """
    opts: dict[str, Any] = {"norm": norm, "bias": bias}
    if kind is ConvKind.STANDARD:
        return conv_bn_act(in_channels, out_channels, kernel_size, stride, 1, act, layer=layer, **opts)
    if kind is ConvKind.GROUPED:
        unit = conv_bn_act(in_channels, out_channels, kernel_size, stride, groups, act, layer=layer, **opts)
        if groups > 1:
            unit.append(ChannelShuffle(groups))
        return unit
    if kind is ConvKind.DWSEP:
        return nn.Sequential(
            conv_bn_act(in_channels, in_channels, kernel_size, stride, in_channels, act, layer=f"{layer}.dw", **opts),
            conv_bn_act(in_channels, out_channels, 1, 1, 1, act, layer=f"{layer}.pw", **opts),
        )
    return GhostModule(in_channels, out_channels, kernel_size, ratio, 3, stride, relu=act is not None, **opts)


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
        norm: Follow both convs by BatchNorm (False: bare convs, as in ``lwprof layer``).
        bias: Give both convs a bias.
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
        norm: bool = True,
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        init_channels, new_channels = ghost_channels(out_channels, ratio)
        act = nn.ReLU if relu else None
        self.primary_conv = conv_bn_act(in_channels, init_channels, kernel_size, stride, act=act, norm=norm, bias=bias, layer="ghost.primary_conv")
        self.cheap_operation = conv_bn_act(
            init_channels, new_channels, dw_size, 1, groups=init_channels, act=act, norm=norm, bias=bias, layer="ghost.cheap_operation"
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
        self.conv_dw: nn.Conv2d | None
        self.bn_dw: nn.BatchNorm2d | None
        if stride > 1:
            self.conv_dw = nn.Conv2d(mid_channels, mid_channels, dw_kernel, stride, (dw_kernel - 1) // 2, groups=mid_channels, bias=False)
            self.bn_dw = nn.BatchNorm2d(mid_channels)
        else:
            self.conv_dw = None
            self.bn_dw = None
        self.se = SqueezeExcitation(mid_channels, make_divisible(mid_channels * 0.25, 4), nn.Hardsigmoid) if se else None
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


class InvertedResidual(nn.Module):
    """The inverted residual of MobileNetV2 (Table 1) and V3 (Fig. 4, with SE).

    [1x1 expand + activation], k x k spatial conv + activation, [squeeze-and-excitation], 1x1
    linear projection. The expanding conv is left out when the expanded channels equal the
    input channels (V2's t = 1). The input is added to the output when the stride is 1 and the
    channels do not change.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: 1 or 2 (of the spatial conv).
        expanded: Channels of the expanded representation.
        kernel: Kernel of the spatial conv (3, or 5 in V3).
        act: The activation (V2: ``nn.ReLU6``; V3: ``nn.ReLU`` or ``nn.Hardswish``).
        se: Add squeeze-and-excitation (V3: make_divisible(expanded // 4, 8) channels, hard-sigmoid gate).
        conv: ``dwsep`` for a depthwise spatial conv, ``standard`` for a full one.
        layout: "v2" or "v3": torchvision's module names, which differ: V2 keeps its layers in
            ``conv`` with the projection's conv and BN unwrapped, V3 in ``block`` with the
            projection as one conv-BN unit.
        layer: The block's place in the network, named in error messages.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        expanded: int,
        kernel: int = 3,
        act: type[nn.Module] = nn.ReLU6,
        se: bool = False,
        conv: ConvKind = ConvKind.DWSEP,
        *,
        layout: str = "v2",
        layer: str = "block",
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise LwprofError(f"{layer}: stride must be 1 or 2, got {stride}")
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expanded != in_channels:
            layers.append(conv_bn_act(in_channels, expanded, 1, act=act, layer=f"{layer}.expand"))
        layers.append(spatial_conv_bn_act(conv, expanded, kernel, stride, act, layer=f"{layer}.dw"))
        if se:
            layers.append(SqueezeExcitation(expanded, make_divisible(expanded // 4, 8), nn.Hardsigmoid))
        project = conv_bn_act(expanded, out_channels, 1, act=None, layer=f"{layer}.project")  # linear bottleneck
        if layout == "v2":
            layers.extend(project)
        else:
            layers.append(project)
        self.body = "conv" if layout == "v2" else "block"
        self.add_module(self.body, nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = getattr(self, self.body)(x)
        return x + out if self.use_res_connect else out


class ShuffleUnit(nn.Module):
    """One ShuffleNet unit (Fig. 2 b/c).

    ``branch``: 1x1 group conv, BN, ReLU, channel shuffle, 3x3 depthwise conv (stride 1 or 2),
    BN, 1x1 group conv, BN. Stride 1: ``relu(x + branch(x))``. Stride 2: ``relu(cat(shortcut(x),
    branch(x)))`` with a 3x3 stride-2 average pool as ``shortcut``, so the branch makes
    ``out_channels - in_channels`` channels.

    Args:
        in_channels: Input channels.
        out_channels: Output channels of the whole unit; the bottleneck has a quarter of them.
        stride: 1 or 2.
        groups: Groups of the second 1x1 conv (and of the first, unless ``first_groups`` is given).
        first_groups: Groups of the first 1x1 conv (1 in the first unit of stage 2).
        shuffle: Insert the channel shuffle (only when ``groups`` > 1; with one group it is the identity).
        layer: The unit's place in the network, named in error messages.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        groups: int,
        first_groups: int | None = None,
        shuffle: bool = True,
        *,
        layer: str = "unit",
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise LwprofError(f"{layer}: stride must be 1 or 2, got {stride}")
        if stride == 1 and in_channels != out_channels:
            raise LwprofError(f"{layer}: a stride-1 unit keeps its channels, got {in_channels} -> {out_channels}")
        self.stride = stride
        first_groups = groups if first_groups is None else first_groups
        mid = out_channels // 4
        branch_out = out_channels - in_channels if stride == 2 else out_channels
        check_groups(f"{layer}.branch.gconv1", in_channels, mid, first_groups)
        check_groups(f"{layer}.branch.gconv2", mid, branch_out, groups)

        parts: OrderedDict[str, nn.Module] = OrderedDict()
        parts["gconv1"] = nn.Conv2d(in_channels, mid, 1, groups=first_groups, bias=False)
        parts["bn1"] = nn.BatchNorm2d(mid)
        parts["relu1"] = nn.ReLU(inplace=True)
        if shuffle and groups > 1:
            parts["shuffle"] = ChannelShuffle(groups)
        parts["dwconv"] = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        parts["bn2"] = nn.BatchNorm2d(mid)
        parts["gconv2"] = nn.Conv2d(mid, branch_out, 1, groups=groups, bias=False)
        parts["bn3"] = nn.BatchNorm2d(branch_out)
        self.branch = nn.Sequential(parts)
        self.shortcut = nn.AvgPool2d(3, 2, 1) if stride == 2 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.shortcut is None:
            return torch.relu(x + self.branch(x))
        return torch.relu(torch.cat([self.shortcut(x), self.branch(x)], 1))


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
        self.shuffle = ChannelShuffle(2)  # the two branches are interleaved

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return self.shuffle(out)
