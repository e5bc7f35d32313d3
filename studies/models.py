"""Small non-zoo models in the style of timm's and torchvision's blocks, for held-out latency checks.

None is a zoo architecture and none is used to calibrate: they test whether a prediction carries over
to blocks the calibration's random networks never assembled (SE with SiLU, hard-swish everywhere,
fire modules, dense concatenation, residual basic blocks, self-attention over a feature map).
Each entry is ``name -> (factory, input shape without the batch)``. Tests import them too.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["MODELS"]


def _cba(cin: int, cout: int, k: int = 3, s: int = 1, g: int = 1, act: Callable[[], nn.Module] = nn.ReLU) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout), act())


class SqueezeExcite(nn.Module):
    """timm's SE: global pool, reduce, act, expand, gate, scale."""

    def __init__(self, c: int, r: int = 4, act: Callable[[], nn.Module] = nn.ReLU, gate: Callable[[], nn.Module] = nn.Sigmoid) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(c, max(8, c // r), 1)
        self.act = act()
        self.expand = nn.Conv2d(max(8, c // r), c, 1)
        self.gate = gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.expand(self.act(self.reduce(self.pool(x)))))


class MBConv(nn.Module):
    """EfficientNet / MobileNetV3's inverted residual: expand, depthwise, SE, project (+ residual)."""

    def __init__(self, cin: int, cout: int, k: int, s: int, t: int, act: Callable[[], nn.Module], se: bool, gate: Callable[[], nn.Module] = nn.Sigmoid) -> None:
        super().__init__()
        mid = cin * t
        self.expand = _cba(cin, mid, 1, act=act) if t > 1 else nn.Identity()
        self.dw = _cba(mid, mid, k, s, mid, act)
        self.se = SqueezeExcite(mid, 4, act, gate) if se else nn.Identity()
        self.project = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.residual = s == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.se(self.dw(self.expand(x))))
        return x + y if self.residual else y


def _mbnet(plan: list[tuple[int, int, int, int, bool]], act: Callable[[], nn.Module], stem: int, gate: Callable[[], nn.Module] = nn.Sigmoid, head: int = 640) -> nn.Module:
    layers: list[nn.Module] = [_cba(3, stem, 3, 2, act=act)]
    c = stem
    for cout, k, s, t, se in plan:
        layers.append(MBConv(c, cout, k, s, t, act, se, gate))
        c = cout
    layers += [_cba(c, head, 1, act=act), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(head, 1000)]
    return nn.Sequential(*layers)


def efficientnet_lite() -> nn.Module:
    """EfficientNet-B0-like: MBConv with SiLU and SE at every stage, fewer repeats."""
    plan = [(16, 3, 1, 1, True), (24, 3, 2, 6, True), (24, 3, 1, 6, True), (40, 5, 2, 6, True), (80, 3, 2, 6, True), (112, 5, 1, 6, True), (192, 5, 2, 6, True)]
    return _mbnet(plan, nn.SiLU, 32)


def hardswish_net() -> nn.Module:
    """MobileNetV3-like: hard-swish everywhere and a hard-sigmoid SE gate."""
    plan = [(16, 3, 2, 1, True), (24, 3, 2, 4, False), (24, 3, 1, 3, False), (40, 5, 2, 4, True), (48, 5, 1, 3, True), (96, 5, 2, 6, True)]
    return _mbnet(plan, nn.Hardswish, 16, nn.Hardsigmoid, 576)


def mnasnet_like() -> nn.Module:
    """MNASNet-like: inverted residuals with ReLU, 3x3 and 5x5 kernels, no SE."""
    plan = [(16, 3, 1, 1, False), (24, 3, 2, 3, False), (40, 5, 2, 3, False), (80, 5, 2, 6, False), (96, 3, 1, 6, False), (192, 5, 2, 6, False)]
    return _mbnet(plan, nn.ReLU, 32, head=1280)


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block (optionally with SE: SE-ResNet)."""

    def __init__(self, cin: int, cout: int, s: int, se: bool = False) -> None:
        super().__init__()
        self.conv1 = _cba(cin, cout, 3, s)
        self.conv2 = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.se = SqueezeExcite(cout, 8) if se else nn.Identity()
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, s, bias=False), nn.BatchNorm2d(cout)) if s != 1 or cin != cout else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.se(self.conv2(self.conv1(x))) + self.down(x))


def _resnet(widths: tuple[int, ...], se: bool) -> nn.Module:
    layers: list[nn.Module] = [_cba(3, widths[0], 3, 2), nn.MaxPool2d(3, 2, 1)]
    c = widths[0]
    for i, w in enumerate(widths):
        layers += [BasicBlock(c, w, 1 if i == 0 else 2, se), BasicBlock(w, w, 1, se)]
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
    return nn.Sequential(*layers)


def resnet_tiny() -> nn.Module:
    """ResNet-18's layout at a quarter of its widths."""
    return _resnet((16, 32, 64, 128), se=False)


def se_resnet_tiny() -> nn.Module:
    """The same with an SE in every block."""
    return _resnet((16, 32, 64, 128), se=True)


class Fire(nn.Module):
    """SqueezeNet's fire module: squeeze 1x1, then 1x1 and 3x3 expands concatenated."""

    def __init__(self, cin: int, squeeze: int, expand: int) -> None:
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(cin, squeeze, 1), nn.ReLU(inplace=True))
        self.e1 = nn.Sequential(nn.Conv2d(squeeze, expand, 1), nn.ReLU(inplace=True))
        self.e3 = nn.Sequential(nn.Conv2d(squeeze, expand, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.squeeze(x)
        return torch.cat([self.e1(s), self.e3(s)], 1)


def squeezenet_like() -> nn.Module:
    """SqueezeNet 1.1's layout: fire modules, max pools, a conv classifier."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(64, 16, 64), Fire(128, 16, 64), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(128, 32, 128), Fire(256, 32, 128), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(256, 48, 192), Fire(384, 64, 256),
        nn.Conv2d(512, 1000, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )  # fmt: skip


class DenseLayer(nn.Module):
    """DenseNet's BN-ReLU-conv1x1-BN-ReLU-conv3x3, its output concatenated to its input."""

    def __init__(self, cin: int, growth: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, 4 * growth, 1, bias=False),
            nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True), nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], 1)


def densenet_tiny() -> nn.Module:
    """Three dense blocks of four layers (growth 12) with transitions: pre-activation BN and many concats."""
    layers: list[nn.Module] = [_cba(3, 24, 3, 2), nn.MaxPool2d(3, 2, 1)]
    c = 24
    for block in range(3):
        for _ in range(4):
            layers.append(DenseLayer(c, 12))
            c += 12
        if block < 2:
            layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2)]
            c //= 2
    layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
    return nn.Sequential(*layers)


def regnet_like() -> nn.Module:
    """RegNetY-like: bottlenecks with grouped 3x3 convs (group width 8) and SE."""

    class YBlock(nn.Module):
        def __init__(self, cin: int, cout: int, s: int) -> None:
            super().__init__()
            self.a = _cba(cin, cout, 1)
            self.b = _cba(cout, cout, 3, s, cout // 8)
            self.se = SqueezeExcite(cout, 4)
            self.c = nn.Sequential(nn.Conv2d(cout, cout, 1, bias=False), nn.BatchNorm2d(cout))
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, s, bias=False), nn.BatchNorm2d(cout)) if s != 1 or cin != cout else nn.Identity()
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.relu(self.c(self.se(self.b(self.a(x)))) + self.down(x))

    layers: list[nn.Module] = [_cba(3, 32, 3, 2)]
    c = 32
    for w, depth in ((24, 1), (56, 2), (152, 2), (368, 1)):
        for i in range(depth):
            layers.append(YBlock(c, w, 2 if i == 0 else 1))
            c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
    return nn.Sequential(*layers)


class Attention(nn.Module):
    """Multi-head self-attention over a feature map's positions (MobileViT's global block, hand-written)."""

    def __init__(self, c: int, heads: int = 4) -> None:
        super().__init__()
        self.heads, self.scale = heads, (c // heads) ** -0.5
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.norm = nn.LayerNorm(c)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        t = self.norm(x.flatten(2).transpose(1, 2))
        q, k, v = self.qkv(t).reshape(b, h * w, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = self.softmax((q @ k.transpose(-2, -1)) * self.scale)
        y = self.proj((a @ v).transpose(1, 2).reshape(b, h * w, c))
        return x + y.transpose(1, 2).reshape(b, c, h, w)


def mobilevit_like() -> nn.Module:
    """Inverted residuals to 14x14, then two attention blocks over the 196 positions."""
    plan = [(16, 3, 1, 1, False), (24, 3, 2, 4, False), (48, 3, 2, 4, False), (64, 3, 2, 4, False)]
    net = _mbnet(plan, nn.SiLU, 16, head=256)
    body = list(net.children())
    return nn.Sequential(*body[:-4], Attention(64), Attention(64), *body[-4:])


#: name -> (factory, input shape without the batch).
MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "efficientnet_lite": (efficientnet_lite, (3, 224, 224)),
    "hardswish_net": (hardswish_net, (3, 224, 224)),
    "mnasnet_like": (mnasnet_like, (3, 224, 224)),
    "resnet_tiny": (resnet_tiny, (3, 224, 224)),
    "se_resnet_tiny": (se_resnet_tiny, (3, 224, 224)),
    "squeezenet_like": (squeezenet_like, (3, 224, 224)),
    "densenet_tiny": (densenet_tiny, (3, 160, 160)),
    "regnet_like": (regnet_like, (3, 192, 192)),
    "mobilevit_like": (mobilevit_like, (3, 224, 224)),
    "efficientnet_lite_160": (efficientnet_lite, (3, 160, 160)),
}
