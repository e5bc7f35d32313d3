"""GhostNet (Han et al., 2020, arXiv 1911.11907), with ghost modules or ordinary convs as a design choice.

Follows the authors' PyTorch code (huawei-noah CV-backbones, ghostnet_pytorch) and timm's
``ghostnet.py``, layer for layer: Table 1's bottlenecks grouped into stages, every channel
count x width rounded to a multiple of 4. ``conv=standard`` replaces every ghost module by one
ordinary 1x1 conv, the baseline the paper compares against. Published numbers and the
conventions that reproduce them (the paper counts parameters without BN):
``lwprof check --arch ghostnet``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lwprof.architectures.registry import ArchConfig, Role, option, register_architecture
from lwprof.architectures.rules import ConvKind, make_divisible
from lwprof.errors import LwprofError

if TYPE_CHECKING:
    from torch import nn

__all__ = ["GhostNetConfig", "build_ghostnet"]

TOTAL_STRIDE = 32
DIVISOR = 4  # every channel count is rounded to a multiple of 4 (the authors' _make_divisible)
HEAD_CHANNELS = 1280


@dataclass(frozen=True)
class GhostNetConfig(ArchConfig):
    LABEL = "GhostNet"
    TOTAL_STRIDE = TOTAL_STRIDE

    width: float = option(1.0, "width multiplier: channels x width, rounded to a multiple of 4 (0.5, 1.0, 1.3 in the paper)", above=0, maximum=1000, role=Role.WIDTH, search="0.25:1.5:0.05")
    ratio: int = option(2, "ghost ratio s: a primary conv makes 1/s of the outputs, cheap ops the rest (Sec. 3.1)", minimum=2, maximum=1024, applies={"conv": ConvKind.GHOST})
    dw_kernel: int = option(3, "kernel d of the ghost module's cheap depthwise op (Table 2)", minimum=1, maximum=1023, applies={"conv": ConvKind.GHOST})
    se: bool = option(True, "squeeze-and-excite in the bottlenecks marked SE in Table 1")
    conv: ConvKind = option(
        ConvKind.GHOST,
        "ghost = the paper's GhostNet; standard = every ghost module replaced by one ordinary conv (the baseline)",
        choices=(ConvKind.GHOST, ConvKind.STANDARD),
        search="all",
    )

    def validate(self) -> None:
        super().validate()
        if self.dw_kernel % 2 == 0:
            raise LwprofError(f"dw_kernel must be an odd number >= 1 (so 'same' padding keeps the size), got {self.dw_kernel}")


@register_architecture(
    "ghostnet",
    config=GhostNetConfig,
    aliases=("ghostnet_v1",),
    paper="GhostNet: More Features from Cheap Operations (Han et al., 2020, arXiv 1911.11907)",
    compare_axis=("conv", (ConvKind.STANDARD, ConvKind.GHOST)),
    summary="3x3 stem + 16 ghost bottlenecks (some with SE), 1x1 conv, global pool, 1x1 conv head, FC",
)
def build_ghostnet(cfg: GhostNetConfig) -> nn.Module:
    from torch import nn

    from lwprof.architectures.blocks import GhostBottleneck, conv_bn_act

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
