"""The zoo's design choices and channel rules, without torch: conv kinds, rounding, the papers' cost identities.

The architecture files declare their options and channel tables with these, so that the
registry (and ``lwprof --help``, whose flags come from it) never imports torch; the modules
themselves are built by :mod:`lwprof.architectures.blocks`.
"""

from __future__ import annotations

import enum
import math

from lwprof.errors import LwprofError

__all__ = ["ConvKind", "check_groups", "ghost_channels", "make_divisible", "separable_ratio", "valid_groups"]


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


def ghost_channels(out_channels: int, ratio: int) -> tuple[int, int]:
    """GhostNet Sec. 3.1: (intrinsic, cheap) channels of a ghost module, ceil(out / s) and (s - 1) times that."""
    intrinsic = math.ceil(out_channels / ratio)
    return intrinsic, intrinsic * (ratio - 1)


def separable_ratio(out_channels: int, kernel: int) -> float:
    """MobileNetV1 eq. 5: the cost of a depthwise-separable conv over a standard one, 1/N + 1/D_K^2."""
    return 1 / out_channels + 1 / (kernel * kernel)


def valid_groups(in_channels: int, out_channels: int) -> list[int]:
    """Every group count that divides both channel counts."""
    common = math.gcd(in_channels, out_channels)
    return [g for g in range(1, common + 1) if common % g == 0]


def check_groups(layer: str, in_channels: int, out_channels: int, groups: int) -> None:
    """Raises a clear error when ``groups`` does not divide both channel counts.

    Args:
        layer: Where the conv sits, for the message (e.g. "stage3.0.branch.conv1").
    """
    if groups >= 1 and in_channels % groups == 0 and out_channels % groups == 0:
        return
    valid = valid_groups(in_channels, out_channels)
    shown = ", ".join(map(str, valid[:12])) + (", ..." if len(valid) > 12 else "")
    raise LwprofError(
        f"groups={groups} does not divide the channels of {layer} ({in_channels} -> {out_channels}); values that would work there: {shown}"
    )
