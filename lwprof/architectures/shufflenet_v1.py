"""ShuffleNet v1 (Zhang et al., 2017, arXiv 1707.01083), with groups, scale and shuffle as design choices.

Table 1's network: a 3x3 stem, max pooling, three stages of ShuffleNet units (1x1 group conv,
channel shuffle, 3x3 depthwise conv, 1x1 group conv), global pooling and the classifier.

Channel rule: stage channels are Table 1's times s, rounded to a multiple of 4g (exact for every
published configuration); conv1 follows the authors' code, see :func:`stem_channels`. The
paper's tables differ in whether their complexity includes the classifier (Table 1 leaves it
out, Tables 2 and 5 count it): ``lwprof check --arch shufflenet_v1`` shows each number with the
convention that reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lwprof.architectures.registry import ArchConfig, Role, option, register_architecture
from lwprof.architectures.rules import make_divisible

if TYPE_CHECKING:
    from torch import nn

__all__ = ["STAGE_CHANNELS", "ShuffleNetV1Config", "build_shufflenet_v1", "stage_channels", "stem_channels"]

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

    groups: int = option(3, "groups g of the 1x1 group convs (Table 1)", choices=tuple(STAGE_CHANNELS), search="all")
    scale: float = option(1.0, "scale factor s: multiplies the number of filters (Table 2)", choices=tuple(STEM_BY_SCALE), role=Role.WIDTH, search="all")
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
    the check's notes (``lwprof check --arch shufflenet_v1``).
    """
    return make_divisible(STEM_BY_SCALE[scale], groups)


@register_architecture(
    "shufflenet_v1",
    config=ShuffleNetV1Config,
    aliases=("shufflenet", "shufflenetv1"),
    paper="ShuffleNet: An Extremely Efficient CNN for Mobile Devices (Zhang et al., 2017, arXiv 1707.01083)",
    compare_axis=("groups", (1, 2, 3, 4, 8)),
    summary="3x3 stem, max pool, 16 units of 1x1 group conv + shuffle + 3x3 depthwise, global pool, FC",
)
def build_shufflenet_v1(cfg: ShuffleNetV1Config) -> nn.Module:
    from torch import nn

    from lwprof.architectures.blocks import ShuffleUnit, conv_bn_act

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
