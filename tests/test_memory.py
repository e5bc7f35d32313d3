"""Memory traffic, arithmetic intensity and peak activation memory.

The traffic guidelines are ShuffleNet V2's (Ma et al., arXiv 1807.11164, Sec. 2): for a 1x1 conv,
MAC = hw(c1 + c2) + c1 c2 / g, with FLOPs B = hw c1 c2 / g, on the paper's 56x56 feature map.
"""

from __future__ import annotations

import math

import pytest
from torch import nn

import lwprof

HW = 56 * 56


def pointwise(c1: int, c2: int, groups: int = 1) -> lwprof.records.LayerRecord:
    (leaf,) = lwprof.profile(nn.Conv2d(c1, c2, 1, groups=groups, bias=False), (c1, 56, 56)).leaves()
    return leaf


def test_traffic_is_the_papers_formula():
    # 1x1 conv 240 -> 240, g = 3 (ShuffleNet's stage-3 pointwise layer): hw(c1 + c2) + c1 c2 / g.
    leaf = pointwise(240, 240, 3)
    assert leaf.traffic_elements == HW * (240 + 240) + 240 * 240 // 3
    assert leaf.macs == HW * 240 * 240 // 3


def test_g1_equal_widths_minimise_traffic():
    # G1: for fixed B = hw c1 c2, MAC >= 2 sqrt(hw B) + B / hw, with equality iff c1 = c2.
    pairs = [(128, 128), (64, 256), (32, 512), (16, 1024)]  # c1 * c2 = 16384 in each
    leaves = [pointwise(c1, c2) for c1, c2 in pairs]
    assert len({leaf.macs for leaf in leaves}) == 1
    traffic = [leaf.traffic_elements for leaf in leaves]
    assert traffic == sorted(traffic) and len(set(traffic)) == len(traffic)
    b = leaves[0].macs
    bound = 2 * math.isqrt(HW * b) + b // HW
    assert traffic[0] == bound  # equality at c1 = c2
    assert all(t > bound for t in traffic[1:])


def test_g2_traffic_grows_with_groups_at_fixed_flops():
    # G2: fixed input c1 = 256 and fixed B; c2 = B g / (hw c1) grows with g.
    # MAC = hw c1 + B g / c1 + B / hw.
    c1, b = 256, HW * 256 * 64
    traffic = []
    for g in (1, 2, 4, 8):
        leaf = pointwise(c1, 64 * g, g)
        assert leaf.macs == b
        assert leaf.traffic_elements == HW * c1 + b * g // c1 + b // HW
        traffic.append(leaf.traffic_elements)
    assert traffic == sorted(traffic) and len(set(traffic)) == 4


def test_depthwise_has_low_arithmetic_intensity():
    # Depthwise 3x3 on 56x56x128: 9 MACs per output element; a 1x1 128 -> 128 has 128.
    dw = lwprof.profile(nn.Conv2d(128, 128, 3, padding=1, groups=128, bias=False), (128, 56, 56))
    (dw_leaf,) = dw.leaves()
    pw_leaf = pointwise(128, 128)
    assert dw_leaf.intensity() < pw_leaf.intensity() / 10
    assert dw_leaf.intensity(bytes_per_element=1) == pytest.approx(4 * dw_leaf.intensity())


def test_peak_activation_includes_the_shortcut():
    # ShuffleNet v1 at 224: the peak is during the first units, when the 24x56x56 input of a unit
    # is alive (shortcut) while its branch runs; so the peak exceeds the largest single tensor.
    p = lwprof.profile("shufflenet", groups=3)
    largest = max(r.activation_elements for r in p.leaves())
    assert p.peak_activation_elements > largest
    assert p.peak_activation_bytes == 4 * p.peak_activation_elements
    half = lwprof.profile("shufflenet", groups=3, dtype="fp16")
    assert half.peak_activation_bytes == 2 * p.peak_activation_elements
    assert half.model_size_bytes * 2 == p.model_size_bytes


def test_mobilenet_peak_counts_what_eager_pytorch_holds():
    # MobileNetV1-224, at the BatchNorm after pair 1's pointwise conv, eager PyTorch holds:
    # the caller's input 3x224x224 (150528); `features` (a Sequential) still holds its loop
    # variable, pair 1's input 32x112x112 (401408); pair 1 (a Sequential) holds the depthwise
    # output 32x112x112 (401408); and the pointwise conv output plus the BatchNorm output being
    # written, 64x112x112 each (2 x 802816). Total 2,558,976 elements.
    p = lwprof.profile("mobilenet")
    assert p.peak_activation_elements == 3 * 224 * 224 + 2 * 32 * 112 * 112 + 2 * 64 * 112 * 112


def test_views_allocate_nothing():
    # Input 4x8x8 (256) -> 1x1 conv to 8x8x8 (512) -> channel shuffle: reshape and transpose are
    # views, the final reshape of the non-contiguous result copies (512) -> Flatten (a view).
    # Peak: input + conv output + the shuffle's copy = 256 + 512 + 512, in both walk modes.
    from lwprof.architectures.blocks import ChannelShuffle

    model = nn.Sequential(nn.Conv2d(4, 8, 1, bias=False), ChannelShuffle(2), nn.Flatten())
    assert lwprof.profile(model, (4, 8, 8)).peak_activation_elements == 256 + 512 + 512
    assert lwprof.profile(model, (4, 8, 8), verify=True).peak_activation_elements == 256 + 512 + 512


def test_ghost_modules_do_not_change_the_peak_here():
    # GhostNet 1.0x peaks in the first stride-2 bottleneck's expansion to 48 channels at 112x112.
    # Ghost: its primary and cheap halves (2 x 24ch) and their concat (48ch) are alive at once;
    # standard: the conv output and its BatchNorm output (2 x 48ch). Both add the image
    # (3x224x224) and two 16x112x112 maps: 150528 + 2 * 200704 + 2 * 602112 = 1,756,160.
    ghost = lwprof.profile("ghostnet")
    standard = lwprof.profile("ghostnet", conv="standard")
    assert ghost.peak_activation_elements == standard.peak_activation_elements == 150528 + 2 * 200704 + 2 * 602112
