"""ShuffleNet v1 (Zhang et al., 2017, arXiv 1707.01083), with groups, scale and shuffle as design choices.

Complexity check at 224x224, in millions of multiply-adds (MACs) of convs and the FC (one MAC
per multiply-accumulate; BN, ReLU, pooling, add and shuffle not counted), measured with forward
hooks, against the paper ("FLOPs" there are MACs). "conv only" leaves out the FC layer.

    config         conv only   conv+FC   paper                          params (incl. BN, FC bias)
    g=1 1x           142.50     143.08   143 (Table 1)                  1,531,936
    g=2 1x           140.04     140.84   140 (Table 1)                  1,733,848
    g=3 1x           136.50     137.46   137 (Table 1; 140 in Table 2)  1,865,728
    g=4 1x           133.25     134.34   133 (Table 1)                  1,968,344
    g=8 1x           136.83     138.37   137 (Table 1)                  2,434,768
    g=3 0.25x         13.06      13.30    13 (Table 2)                    306,124
    g=3 0.5x          37.11      37.59    38 (Table 2)                    718,324
    g=3 1.5x         291.00     292.44   292 (Table 5)                  3,442,168
    g=3 2x           522.13     524.05   524 (Table 5)                  5,450,776
    g=8 0.5x          39.70      40.47    40 (authors' README)          1,011,448
    g=8 1.5x         287.89     290.19   290 (authors' README)          4,269,952
    g=8 2x           518.87     521.94   522 (authors' README)          6,522,232

Table 1 is matched to the unit by "conv only" (all five) but not by conv+FC (g=2, 4, 8 are 1 M
over); Tables 2 and 5 are matched by conv+FC (0.5x and 2x) but not by "conv only" (37, 522).
The authors' README (megvii-model/ShuffleNet-Series) gives 0.7/1.9/3.4/5.4 M params for g=3 and
1.0/2.4/4.3/6.5 M for g=8 at 0.5/1/1.5/2x, which these counts match at that precision.

Channel rule: stage channels are Table 1's times s, rounded to a multiple of 4g (exact for every
published configuration); conv1 follows the authors' code, see :func:`stem_channels`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from lwprof.architectures.blocks import ChannelShuffle, check_groups, conv_bn_act, make_divisible
from lwprof.architectures.registry import ArchConfig, option, register_architecture
from lwprof.errors import LwprofError

__all__ = ["STAGE_CHANNELS", "ShuffleNetV1Config", "ShuffleUnit", "build_shufflenet_v1", "stage_channels", "stem_channels"]

TOTAL_STRIDE = 32
# conv1 channels by scale factor, from the authors' reference code (see stem_channels).
STEM_BY_SCALE = {0.25: 12, 0.5: 12, 1.0: 24, 1.5: 24, 2.0: 48}
STAGE_REPEATS = (4, 8, 4)  # Table 1: stages 2, 3, 4; the first unit of each has stride 2
# Table 1: output channels of stages 2, 3, 4 at scale 1x, by number of groups g.
STAGE_CHANNELS = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}


@dataclass(frozen=True)
class ShuffleNetV1Config(ArchConfig):
    LABEL = "ShuffleNet v1"
    TOTAL_STRIDE = TOTAL_STRIDE

    groups: int = option(3, "groups g of the 1x1 group convs (Table 1)", choices=tuple(STAGE_CHANNELS))
    scale: float = option(1.0, "scale factor s: multiplies the number of filters (Table 2)", choices=tuple(STEM_BY_SCALE))
    shuffle: bool = option(True, "channel shuffle after the first group conv of each unit (off = Table 3's ablation)")


def stage_channels(groups: int, scale: float) -> tuple[int, int, int]:
    """Output channels of stages 2, 3 and 4 for ``groups`` at scale factor ``scale``.

    Each of Table 1's 1x counts is multiplied by ``scale`` and rounded to a multiple of
    4 * groups, so that the unit's bottleneck (a quarter of its output) still splits into
    ``groups`` groups. Every scale the authors publish is exact under this rule (g=3 0.5x:
    120/240/480, g=8 2.0x: 768/1536/3072, as in their reference implementation); it only
    rounds where the product is not an integer multiple (e.g. g=2 0.25x: 50 -> 48).
    """
    return tuple(make_divisible(c * scale, 4 * groups) for c in STAGE_CHANNELS[groups])  # type: ignore[return-value]


def stem_channels(groups: int, scale: float) -> int:
    """Output channels of conv1 at scale factor ``scale``, a multiple of ``groups``.

    The paper does not say how conv1 scales. The authors' reference code (megvii-model/
    ShuffleNet-Series, ShuffleNetV1/network.py) uses 12 at 0.5x (16 for g=8), 24 at 1x and at
    1.5x, and 48 at 2x: conv1 doubles only when the scale doubles. :data:`STEM_BY_SCALE` keeps
    that table and adds 0.25x (absent from the code) at 12, the 0.5x value. Rounding to a
    multiple of g (12 -> 16 for g=8) keeps the first unit valid: its branch makes
    stage2 - conv1 channels through a g-group conv. A proportional stem (24 x s) would give
    36 at 1.5x (299.6 M MACs, paper 292) and 6 at 0.25x (11.0 M, paper 13); see the table at
    the top of the file.
    """
    return make_divisible(STEM_BY_SCALE[scale], groups)


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


@register_architecture(
    "shufflenet_v1",
    config=ShuffleNetV1Config,
    aliases=("shufflenet", "shufflenetv1"),
    paper="ShuffleNet: An Extremely Efficient CNN for Mobile Devices (Zhang et al., 2017, arXiv 1707.01083)",
    compare_axis=("groups", (1, 2, 3, 4, 8)),
    summary="3x3 stem, max pool, 16 units of 1x1 group conv + shuffle + 3x3 depthwise, global pool, FC",
)
def build_shufflenet_v1(cfg: ShuffleNetV1Config) -> nn.Module:
    g = cfg.groups
    channels = stem_channels(g, cfg.scale)
    model = nn.Sequential()
    model.add_module("conv1", conv_bn_act(3, channels, 3, 2, layer="conv1"))
    model.add_module("maxpool", nn.MaxPool2d(3, 2, 1))
    for stage, (repeats, out) in enumerate(zip(STAGE_REPEATS, stage_channels(g, cfg.scale)), start=2):
        units = []
        for i in range(repeats):
            # Sec. 3.3: the first pointwise layer of stage 2 is not grouped (its input is small).
            first_groups = 1 if stage == 2 and i == 0 else g
            name = f"stage{stage}.{i}"
            units.append(ShuffleUnit(channels, out, 2 if i == 0 else 1, g, first_groups, cfg.shuffle, layer=name))
            channels = out
        model.add_module(f"stage{stage}", nn.Sequential(*units))
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(channels, cfg.num_classes))
    return model
