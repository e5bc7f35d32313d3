"""Hand-derived expectations for every formula: params, MACs, other ops and output shapes.

Each expected value is worked out in the comment beside it, from the layer's hyper-parameters
only; the test then profiles the layer and also checks the shape against a real forward pass.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import lwprof
from lwprof.counting.formulas import conv_output_size, find_formula, pool_output_size, register_formula


def one_leaf(module: nn.Module, input_size: tuple[int, ...], batch: int = 1) -> lwprof.records.LayerRecord:
    profile = lwprof.profile(module, input_size, batch=batch, verify=True)
    (leaf,) = list(profile.leaves())
    real = module.eval()(torch.zeros(batch, *input_size))
    assert leaf.output_shape == tuple(real.shape)
    return leaf


CONV_CASES = [
    # id, module, input (C, H, W), params, MACs, output shape
    # Article (MobileNet, seed 003): 3x3 conv, 12x12x4 -> 12x12x2, "same": 2*4*9 = 72 params,
    # 12*12*2 outputs x 4*9 = 10368 multiplications.
    ("article-standard", nn.Conv2d(4, 2, 3, padding=1, bias=False), (4, 12, 12), 72, 10368, (1, 2, 12, 12)),
    # Grouped: 8 -> 16, g=4: each output sees 8/4 = 2 inputs: 16*2*9 = 288 params,
    # 16*10*10 outputs x 2*9 = 28800 MACs.
    ("grouped", nn.Conv2d(8, 16, 3, padding=1, groups=4, bias=False), (8, 10, 10), 288, 28800, (1, 16, 10, 10)),
    # Depthwise 3x3 s2 on 112x112x32 (MobileNetV1's second layer at alpha 1): 32*9 = 288
    # params; out 56x56x32; 32*56*56*9 = 903168 MACs.
    ("depthwise-s2", nn.Conv2d(32, 32, 3, 2, 1, groups=32, bias=False), (32, 112, 112), 288, 903168, (1, 32, 56, 56)),
    # Dilation 2, no padding, 10x10: out = 10 - 2*(3-1) = 6; 8*3*9 = 216 params;
    # 8*6*6 outputs x 27 = 7776 MACs.
    ("dilated", nn.Conv2d(3, 8, 3, dilation=2, bias=False), (3, 10, 10), 216, 7776, (1, 8, 6, 6)),
    # Stride 3, kernel 5, padding 2 on 17: floor((17 + 4 - 4 - 1)/3) + 1 = 6;
    # params 8*3*25 + 8 (bias) = 608; MACs 8*6*6*75 = 21600.
    ("strided-bias", nn.Conv2d(3, 8, 5, stride=3, padding=2), (3, 17, 17), 608, 21600, (1, 8, 6, 6)),
    # Rectangular kernel 1x3 and "same" padding: 6*4*3 = 72 params; 6*5*7 outputs x 12 = 2520.
    ("same-1x3", nn.Conv2d(4, 6, (1, 3), padding="same", bias=False), (4, 5, 7), 72, 2520, (1, 6, 5, 7)),
    # Conv1d, groups 2, stride 2, length 11: L = (11 - 3)//2 + 1 = 5; params 6*2*3 + 6 = 42;
    # MACs 6*5 outputs x 2*3 = 180.
    ("conv1d", nn.Conv1d(4, 6, 3, stride=2, groups=2), (4, 11), 42, 180, (1, 6, 5)),
    # Depthwise with channel multiplier 2 (groups = in = 4, out = 8): 8*1*9 = 72 params;
    # 8*4*4 outputs x 9 = 1152 MACs.
    ("depthwise-x2", nn.Conv2d(4, 8, 3, padding=1, groups=4, bias=False), (4, 4, 4), 72, 1152, (1, 8, 4, 4)),
    # 1x1 group conv of ShuffleNet stage 3 (g=3, 240 -> 240 at 28x28, peers.md): 240*80 =
    # 19200 params; 240*28*28 x 80 = 15052800 MACs, the number every tool agrees on.
    ("shufflenet-1x1-g3", nn.Conv2d(240, 240, 1, groups=3, bias=False), (240, 28, 28), 19200, 15052800, (1, 240, 28, 28)),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_formula(case):
    _, module, size, params, macs, shape = case
    leaf = one_leaf(module, size)
    assert (leaf.params, leaf.macs, leaf.output_shape) == (params, macs, shape)


def test_conv_categories():
    assert one_leaf(nn.Conv2d(4, 8, 1, bias=False), (4, 5, 5)).category == "Conv 1x1"
    assert one_leaf(nn.Conv2d(4, 4, 3, groups=4, bias=False), (4, 5, 5)).category == "Conv DW 3x3"
    assert one_leaf(nn.Conv2d(4, 8, 3, groups=2, bias=False), (4, 5, 5)).category == "Conv 3x3 group"
    assert one_leaf(nn.Conv2d(4, 8, 3, bias=False), (4, 5, 5)).category == "Conv 3x3"


def test_bias_adds_are_other_ops_not_macs():
    # 2 outputs x 3x3 map with bias: MACs unchanged by the bias; 18 bias additions.
    with_bias = one_leaf(nn.Conv2d(1, 2, 1), (1, 3, 3))
    assert (with_bias.macs, with_bias.other_ops) == (18, 18)


def test_separable_article_example_with_bias():
    # Article (MobileNet, seed 004): 16 -> 32 channels, 3x3, with bias. Standard:
    # 32*(3*3*16 + 1) = 4640. Separable: depthwise 16*(9 + 1) = 160 plus pointwise
    # 32*(16 + 1) = 544, total 704 (the article prints 706; its own terms sum to 704).
    variants = dict(lwprof.layer_variants(16, 32, 3, 12, bias=True))
    assert variants["standard"].params == 4640
    assert variants["dwsep"].params == 704


def test_article_dwsep_example():
    # Article (seed 003): depthwise 4*9 = 36 params + pointwise 4*2 = 8 -> 44 params;
    # 12*12*4*9 = 5184 + 12*12*2*4 = 1152 -> 6336 multiplications.
    variants = dict(lwprof.layer_variants(4, 2, 3, 12))
    assert (variants["standard"].params, variants["standard"].macs) == (72, 10368)
    assert (variants["dwsep"].params, variants["dwsep"].macs) == (44, 6336)


@pytest.mark.parametrize(
    "module, size, params, macs, other, shape",
    [
        # Linear 1024 -> 1000 (MobileNetV1's classifier): 1024*1000 MACs, +1000 bias params.
        (nn.Linear(1024, 1000), (1024,), 1025000, 1024000, 1000, (1, 1000)),
        # Linear on a (5, 8) sequence, 8 -> 4, no bias: 5 rows x 8 x 4 = 160 MACs.
        (nn.Linear(8, 4, bias=False), (5, 8), 32, 160, 0, (1, 5, 4)),
        # BatchNorm2d(32) on 32x7x7: 2*32 params, 2 ops per element = 3136, no MACs.
        (nn.BatchNorm2d(32), (32, 7, 7), 64, 0, 3136, (1, 32, 7, 7)),
        # ReLU: one op per element.
        (nn.ReLU(), (8, 4, 4), 0, 0, 128, (1, 8, 4, 4)),
        (nn.Hardswish(), (8, 4, 4), 0, 0, 128, (1, 8, 4, 4)),
        # MaxPool 3x3 s2 p1 on 24x112x112 (ShuffleNet stem): out 56x56, 9 ops per output.
        (nn.MaxPool2d(3, 2, 1), (24, 112, 112), 0, 0, 24 * 56 * 56 * 9, (1, 24, 56, 56)),
        # AvgPool 2x2 s2 ceil_mode on 5x5: ceil((5 - 2)/2) + 1 = 3.
        (nn.AvgPool2d(2, 2, ceil_mode=True), (1, 5, 5), 0, 0, 9 * 4, (1, 1, 3, 3)),
        # Global average pool of 1024x7x7: every input element added once: 50176 ops.
        (nn.AdaptiveAvgPool2d(1), (1024, 7, 7), 0, 0, 50176, (1, 1024, 1, 1)),
        (nn.Flatten(), (16, 2, 2), 0, 0, 0, (1, 64)),
        (nn.Dropout(0.2), (16,), 0, 0, 0, (1, 16)),
        (nn.ChannelShuffle(2), (4, 3, 3), 0, 0, 0, (1, 4, 3, 3)),
        # PReLU with one slope per channel: 6 params, one op per element.
        (nn.PReLU(6), (6, 2, 2), 6, 0, 24, (1, 6, 2, 2)),
    ],
    ids=["linear", "linear-3d", "batchnorm", "relu", "hardswish", "maxpool", "avgpool-ceil", "gap", "flatten", "dropout", "shuffle", "prelu"],
)
def test_other_formulas(module, size, params, macs, other, shape):
    leaf = one_leaf(module, size)
    assert (leaf.params, leaf.macs, leaf.other_ops, leaf.output_shape) == (params, macs, other, shape)


def test_batch_scales_counts_linearly():
    single = one_leaf(nn.Conv2d(3, 8, 3, padding=1, bias=False), (3, 16, 16))
    batched = one_leaf(nn.Conv2d(3, 8, 3, padding=1, bias=False), (3, 16, 16), batch=7)
    assert batched.macs == 7 * single.macs
    assert batched.params == single.params


@pytest.mark.parametrize("size, k, s, p, d", [(224, 3, 2, 1, 1), (7, 3, 1, 1, 1), (10, 3, 1, 0, 2), (17, 5, 3, 2, 1), (1, 1, 1, 0, 1)])
def test_conv_output_size_matches_pytorch(size, k, s, p, d):
    out = nn.Conv2d(1, 1, k, s, p, d).to("meta")(torch.empty(1, 1, size, size, device="meta"))
    assert conv_output_size(size, k, s, p, d) == out.shape[-1]


@pytest.mark.parametrize("size, k, s, p, ceil", [(112, 3, 2, 1, False), (5, 2, 2, 0, True), (6, 3, 2, 1, True), (7, 3, 2, 0, True)])
def test_pool_output_size_matches_pytorch(size, k, s, p, ceil):
    out = nn.MaxPool2d(k, s, p, ceil_mode=ceil)(torch.zeros(1, 1, size, size))
    assert pool_output_size(size, k, s, p, 1, ceil) == out.shape[-1]


def test_formula_lookup_follows_the_mro():
    class MyConv(nn.Conv2d):
        pass

    assert find_formula(MyConv(1, 1, 1)) is find_formula(nn.Conv2d(1, 1, 1))
    assert find_formula(nn.ConvTranspose2d(1, 1, 1)) is not find_formula(nn.Conv2d(1, 1, 1))  # its own formula
    assert find_formula(nn.Upsample(scale_factor=2)) is None  # no formula: counted from its ops


def test_register_formula_rejects_duplicates_and_non_modules():
    with pytest.raises(RuntimeError, match="already registered"):
        register_formula(nn.Conv2d)(lambda m, s: None)
    with pytest.raises(ValueError, match="nn.Module"):
        register_formula(int)(lambda m, s: None)
