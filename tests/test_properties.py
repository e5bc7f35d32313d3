"""Property-based tests (hypothesis): lwprof's analytic counts against PyTorch and fvcore.

Random but valid layers, small random stacks and random zoo configurations are profiled, and
each profile is checked against independent ground truth:

* output shapes: a real CPU forward pass, and PyTorch's own meta kernels (``verify=True``);
* MACs: fvcore's ``FlopCountAnalysis`` per module and ``FlopCounterMode`` (halved to MACs),
  both run at batch 1 and scaled by the batch size;
* parameters: ``sum(p.numel())`` of the module;
* for the zoo: determinism, linearity in the batch, no unsupported leaves, and every parent's
  MACs and other ops equal to its children's plus its own functional work.

Reproducibility: with the ``CI`` environment variable set, the "ci" hypothesis profile is
loaded, which derandomizes the search (examples are a fixed function of each test), so CI runs
are reproducible and never flaky. Locally the default profile explores new examples on every
run; set ``HYPOTHESIS_PROFILE=ci`` to reproduce CI, or run with ``--hypothesis-seed=N``.

Budget: the whole file runs in about a minute on two CPU cores. Real forwards, fvcore and
FlopCounterMode only ever see inputs of at most 40 px; the zoo models are profiled on meta
tensors (any resolution is free there) and run for real only at resolutions <= 40.
``LWPROF_PROPERTY_SCALE=10`` multiplies every example count, for a longer bug hunt.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from functools import reduce

import pytest
import torch
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from torch import nn

import lwprof
from lwprof.architectures import get_architecture
from lwprof.architectures.mobilenet_v1 import scaled_channels
from lwprof.counting.crosscheck import fvcore_counts, torch_by_module
from lwprof.counting.formulas import pool_output_size
from lwprof.errors import LwprofError

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# fvcore's JIT trace warns about unsupported ops (pooling, BN is counted) and tracer details.
logging.getLogger("fvcore").setLevel(logging.ERROR)
pytestmark = [
    pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning"),
    # PyTorch notes that even kernels with padding="same" pad a copy of the input.
    pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
]

# LWPROF_PROPERTY_SCALE=20 runs 20 times as many examples, for a long bug hunt.
_SCALE = float(os.environ.get("LWPROF_PROPERTY_SCALE", "1"))
_SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much]
LAYER = settings(max_examples=int(60 * _SCALE), deadline=None, suppress_health_check=_SLOW)
STACK = settings(max_examples=int(25 * _SCALE), deadline=None, suppress_health_check=_SLOW)
ZOO = settings(max_examples=int(8 * _SCALE), deadline=None, suppress_health_check=_SLOW)


# -- helpers ---------------------------------------------------------------------------------


def real_forward(module: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    with torch.no_grad():
        return module.eval()(torch.zeros(shape))


def crosscheck(module: nn.Module, image_shape: tuple[int, ...]) -> tuple[dict[str, int], dict[str, int]]:
    """(fvcore, FlopCounterMode/2) counts per module name at batch 1."""
    module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = (torch.zeros(1, *image_shape),)
        fv = fvcore_counts(module, x)
        return {name: fv.total(name) for name in fv.by_module_op}, torch_by_module(module, x)


def numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def check_single_layer(module: nn.Module, image_shape: tuple[int, ...], batch: int) -> None:
    """Every property of a single conv or linear layer, with ground truth in the messages."""
    fast = lwprof.profile(module, image_shape, batch=batch)
    exact = lwprof.profile(module, image_shape, batch=batch, verify=True)
    (leaf,) = list(fast.leaves())
    (exact_leaf,) = list(exact.leaves())
    real = real_forward(module, (batch, *image_shape))
    fv, tc = crosscheck(module, image_shape)
    facts = f"{module} on {(batch, *image_shape)}: lwprof {leaf.output_shape}/{leaf.macs} MACs, real {tuple(real.shape)}, fvcore {fv.get('', 0) * batch}, FlopCounterMode/2 {tc.get('', 0) * batch}"

    assert leaf.status == "formula", facts
    assert leaf.output_shape == tuple(real.shape), facts
    assert exact_leaf.output_shape == tuple(real.shape), facts
    assert (exact_leaf.macs, exact_leaf.other_ops) == (leaf.macs, leaf.other_ops), facts
    # fvcore has no handle for aten::_convolution_mode, which a zero-padded conv with string
    # padding ("same", "valid") traces to: it reports the op as unsupported and counts 0 for
    # it. (Other padding modes pad with F.pad first and trace to aten::_convolution.)
    fvcore_blind = isinstance(getattr(module, "padding", None), str) and getattr(module, "padding_mode", "") == "zeros"
    assert fv.get("", 0) * batch == (0 if fvcore_blind else leaf.macs), facts
    assert leaf.macs == tc.get("", 0) * batch, facts
    assert leaf.params == fast.params == numel(module), facts


# -- single layers ---------------------------------------------------------------------------


@st.composite
def conv_cases(draw: st.DrawFn, dims: int) -> tuple[nn.Module, tuple[int, ...], int]:
    """A valid ConvNd, the (C, *spatial) input of one sample and a batch size."""
    groups = draw(st.sampled_from([1, 1, 2, 3, 4]))
    depthwise = draw(st.booleans())
    cin = groups if depthwise else groups * draw(st.integers(1, 4))
    cout = groups * draw(st.integers(1, 4))
    kernel = tuple(draw(st.integers(1, 5)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims)) if draw(st.booleans()) else (draw(st.integers(1, 3)),) * dims
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(dims)) if draw(st.booleans()) else (draw(st.integers(1, 3)),) * dims
    same = all(s == 1 for s in stride) and draw(st.booleans())  # PyTorch allows "same" with stride 1 only
    padding: str | tuple[int, ...] = "same" if same else tuple(draw(st.integers(0, 2)) for _ in range(dims))
    if not same and not any(padding) and draw(st.booleans()):
        padding = "valid"
    bias = draw(st.booleans())
    pad = [0] * dims if isinstance(padding, str) else list(padding)
    # Smallest input with an output of >= 1: the dilated kernel must fit in the padded input
    # ("same" pads d(k-1) in total, so any size fits).
    low = [1] * dims if same else [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, pad)]
    spatial = tuple(draw(st.integers(lo, lo + (20 if dims < 3 else 6))) for lo in low)
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    if mode == "reflect":
        # reflect needs padding < input size; "same" pads d(k-1) in total, left d(k-1)//2.
        need = [d * (k - 1) - d * (k - 1) // 2 for k, d in zip(kernel, dilation)] if same else pad
        assume(all(p < s for p, s in zip(need, spatial)))
    if mode == "circular":
        need = [d * (k - 1) - d * (k - 1) // 2 for k, d in zip(kernel, dilation)] if same else pad
        assume(all(p <= s for p, s in zip(need, spatial)))
    conv_cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
    module = conv_cls(cin, cout, kernel, stride, padding, dilation, groups=groups, bias=bias, padding_mode=mode)
    batch = draw(st.integers(1, 3))
    return module, (cin, *spatial), batch


@LAYER
@given(conv_cases(dims=1))
def test_random_conv1d(case):
    check_single_layer(*case)


@LAYER
@given(conv_cases(dims=2))
# Found by this test: padding="valid" reaches aten.convolution as padding=[0] (one entry for
# every spatial dim), which the fast shape function must expand (verify=False).
@example((nn.Conv2d(1, 1, 1, stride=2, padding="valid", bias=False), (1, 1, 1), 1))
@example((nn.Conv2d(2, 3, 3, padding="valid"), (2, 9, 7), 2))
def test_random_conv2d(case):
    check_single_layer(*case)


@settings(LAYER, max_examples=max(1, LAYER.max_examples // 3))
@given(conv_cases(dims=3))
@example((nn.Conv3d(2, 4, (1, 3, 2), padding="valid", groups=2), (2, 3, 5, 4), 1))
def test_random_conv3d(case):
    check_single_layer(*case)


@LAYER
@given(
    rows=st.integers(1, 6),
    in_features=st.integers(1, 64),
    out_features=st.integers(1, 64),
    bias=st.booleans(),
    batch=st.integers(1, 3),
    flat=st.booleans(),
)
def test_random_linear(rows, in_features, out_features, bias, batch, flat):
    image_shape = (in_features,) if flat else (rows, in_features)
    check_single_layer(nn.Linear(in_features, out_features, bias=bias), image_shape, batch)


@st.composite
def pool_cases(draw: st.DrawFn) -> tuple[nn.Module, tuple[int, ...], int]:
    """A pooling layer (1d or 2d: max, avg, adaptive avg or max) and a valid input for it."""
    dims = draw(st.sampled_from([1, 2, 2]))
    kind = draw(st.sampled_from(["max", "avg", "adaptive", "adaptive-max"]))
    channels, batch = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    if kind.startswith("adaptive"):
        spatial = tuple(draw(st.integers(1, 40)) for _ in range(dims))
        one = st.integers(1, 12)
        target = draw(one if dims == 1 else st.one_of(one, st.tuples(st.one_of(st.none(), one), st.one_of(st.none(), one))))
        cls = {("adaptive", 1): nn.AdaptiveAvgPool1d, ("adaptive", 2): nn.AdaptiveAvgPool2d,
               ("adaptive-max", 1): nn.AdaptiveMaxPool1d, ("adaptive-max", 2): nn.AdaptiveMaxPool2d}[kind, dims]
        return cls(target), (channels, *spatial), batch
    kernel = tuple(draw(st.integers(1, 5)) for _ in range(dims))
    stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * dims)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)  # PyTorch: pad <= kernel // 2
    ceil_mode = draw(st.booleans())
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(dims)) if kind == "max" else (1,) * dims
    # Smallest input with an output of >= 1: the dilated window must fit in the padded input.
    low = [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, padding)]
    spatial = tuple(draw(st.integers(lo, lo + 20)) for lo in low)
    if kind == "max":
        cls = nn.MaxPool1d if dims == 1 else nn.MaxPool2d
        module: nn.Module = cls(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    else:
        cls = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
        module = cls(kernel, stride, padding, ceil_mode=ceil_mode, count_include_pad=draw(st.booleans()))
    return module, (channels, *spatial), batch


@LAYER
@given(pool_cases())
def test_random_pooling_shapes(case):
    module, image_shape, batch = case
    real = real_forward(module, (batch, *image_shape))
    fast = lwprof.profile(module, image_shape, batch=batch)
    exact = lwprof.profile(module, image_shape, batch=batch, verify=True)
    (leaf,) = list(fast.leaves())
    facts = f"{module} on {(batch, *image_shape)}: lwprof {leaf.output_shape}, real {tuple(real.shape)}"
    assert leaf.status == "formula", facts
    assert leaf.output_shape == tuple(real.shape), facts
    assert exact.root.output_shape == tuple(real.shape), facts
    assert (leaf.macs, fast.params) == (0, 0), facts


# -- small random stacks ---------------------------------------------------------------------


@st.composite
def stacks(draw: st.DrawFn) -> tuple[nn.Sequential, tuple[int, int, int], int]:
    """2-4 random layers (conv + BN + ReLU, flat or as a nested block; pooling), then Flatten
    + Linear; channels are chained and every layer is drawn so that its output is >= 1."""
    channels = draw(st.integers(1, 6))
    h, w = draw(st.integers(6, 32)), draw(st.integers(6, 32))
    image_shape = (channels, h, w)
    layers: list[nn.Module] = []
    for _ in range(draw(st.integers(2, 4))):
        if draw(st.integers(0, 2)):
            groups = draw(st.sampled_from([g for g in (1, 1, 2, 3) if channels % g == 0]))
            cout = groups * draw(st.integers(1, 4))
            k, s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
            p = draw(st.integers(0, k // 2 + 1))
            if min(h, w) + 2 * p < d * (k - 1) + 1:
                continue
            conv = nn.Conv2d(channels, cout, k, s, p, d, groups=groups, bias=draw(st.booleans()))
            if draw(st.booleans()):
                layers.append(nn.Sequential(conv, nn.BatchNorm2d(cout), nn.ReLU()))
            else:
                layers += [conv, nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            channels = cout
            h, w = ((x + 2 * p - d * (k - 1) - 1) // s + 1 for x in (h, w))
        else:
            kind = draw(st.sampled_from(["max", "avg", "adaptive"]))
            if kind == "adaptive":
                h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
                layers.append(nn.AdaptiveAvgPool2d((h, w)))
                continue
            k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
            p, ceil = draw(st.integers(0, k // 2)), draw(st.booleans())
            if min(h, w) + 2 * p < k:
                continue
            layers.append(nn.MaxPool2d(k, s, p, ceil_mode=ceil) if kind == "max" else nn.AvgPool2d(k, s, p, ceil_mode=ceil))
            h, w = (pool_output_size(x, k, s, p, 1, ceil) for x in (h, w))
    out_features = real_forward(nn.Sequential(*layers), (1, *image_shape)).numel()
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(out_features, draw(st.integers(1, 10))))
    return model, image_shape, draw(st.integers(1, 3))


@STACK
@given(stacks())
def test_random_stacks(case):
    model, image_shape, batch = case
    p = lwprof.profile(model, image_shape, batch=batch)
    exact = lwprof.profile(model, image_shape, batch=batch, verify=True)
    real = real_forward(model, (batch, *image_shape))
    fv, tc = crosscheck(model, image_shape)
    facts = f"{model}\non {(batch, *image_shape)}"

    assert not p.unsupported, facts
    assert p.output_shape == tuple(real.shape), facts
    assert [(r.name, r.output_shape, r.macs, r.other_ops) for r in exact.layers] == [
        (r.name, r.output_shape, r.macs, r.other_ops) for r in p.layers
    ], facts
    assert p.params == numel(model), facts
    assert len(p.layers) == len(list(model.named_modules())), facts
    # FlopCounterMode counts conv and linear work only: exactly our MACs.
    assert p.macs == tc.get("", 0) * batch, facts
    modules = dict(model.named_modules())
    for r in p.leaves():
        if isinstance(modules[r.name], (nn.Conv2d, nn.Linear)):
            assert r.macs == fv.get(r.name, 0) * batch, f"{r.name}: lwprof {r.macs} vs fvcore {fv.get(r.name, 0) * batch}\n{facts}"
            assert r.macs == tc.get(r.name, 0) * batch, f"{r.name}: lwprof {r.macs} vs torch {tc.get(r.name, 0) * batch}\n{facts}"
        else:
            assert r.macs == 0, facts
    # fvcore's total exceeds ours exactly by its by-design BatchNorm and adaptive-pool counts.
    by_design = sum(fv.get(r.name, 0) for r in p.leaves() if isinstance(modules[r.name], (nn.BatchNorm2d, nn.AdaptiveAvgPool2d)))
    assert p.macs == (fv.get("", 0) - by_design) * batch, facts


# -- random zoo configurations ---------------------------------------------------------------


def _divisors_in(n: int, allowed: tuple[int, ...]) -> list[int]:
    return [g for g in allowed if n % g == 0]


@st.composite
def mobilenet_configs(draw: st.DrawFn) -> dict:
    alpha = draw(st.sampled_from([0.25, 0.3, 0.5, 0.6, 0.75, 1.0]))
    conv = draw(st.sampled_from(["standard", "grouped", "dwsep"]))
    # Every channel count the grouped 3x3 convs see must be divisible by groups.
    common = reduce(math.gcd, (scaled_channels(c, alpha) for c in (32, 64, 128, 256, 512, 1024)))
    groups = draw(st.sampled_from(_divisors_in(common, (1, 2, 3, 4, 8)) if conv == "grouped" else [1, 2, 3, 4, 8]))
    return {"alpha": alpha, "conv": conv, "groups": groups, "resolution": draw(st.one_of(st.integers(32, 40), st.integers(32, 256))), "shallow": draw(st.booleans())}


shufflenet_configs = st.fixed_dictionaries(
    {
        "groups": st.sampled_from([1, 2, 3, 4, 8]),
        "scale": st.sampled_from([0.25, 0.5, 1.0]),
        "shuffle": st.booleans(),
        "resolution": st.one_of(st.integers(32, 40), st.integers(32, 256)),
    }
)
ghostnet_configs = st.fixed_dictionaries(
    {
        "width": st.sampled_from([0.3, 0.5, 1.0]),
        "ratio": st.integers(2, 4),
        "dw_kernel": st.sampled_from([1, 3, 5]),
        "se": st.booleans(),
        "conv": st.sampled_from(["ghost", "standard"]),
        "resolution": st.one_of(st.integers(32, 40), st.integers(32, 256)),
    }
)


def children_of(p: lwprof.records.ModelProfile, parent: lwprof.records.LayerRecord) -> list[lwprof.records.LayerRecord]:
    prefix = parent.name + "." if parent.name else ""
    return [r for r in p.layers if r.depth == parent.depth + 1 and r.name.startswith(prefix)]


def check_zoo(arch: str, options: dict, batch: int) -> None:
    try:
        p1 = lwprof.profile(arch, **options)
    except LwprofError:
        assume(False)  # an invalid combination (e.g. groups that do not divide a layer)
    p1_again = lwprof.profile(arch, **options)
    pb = lwprof.profile(arch, batch=batch, **options)
    exact = lwprof.profile(arch, verify=True, **options)
    facts = f"{arch} {options} batch {batch}"

    # The fast shape functions agree with PyTorch's meta kernels at this (odd) resolution.
    assert [(r.name, r.output_shape, r.macs, r.other_ops) for r in p1.layers] == [
        (r.name, r.output_shape, r.macs, r.other_ops) for r in exact.layers
    ], facts

    assert p1.totals() == p1_again.totals(), facts
    assert p1.layers == p1_again.layers, facts
    assert pb.output_shape == (batch, *p1.output_shape[1:]), facts
    assert pb.macs == batch * p1.macs, facts
    assert pb.other_ops == batch * p1.other_ops, facts
    assert (pb.params, pb.buffers) == (p1.params, p1.buffers), facts
    assert [r.macs for r in pb.layers] == [batch * r.macs for r in p1.layers], facts
    assert not p1.unsupported, facts
    spec = get_architecture(arch)
    model = spec.build(**options)
    modules = dict(model.named_modules())
    assert p1.params == numel(model), facts
    assert len(p1.layers) == len(modules), facts
    assert all(r.params == numel(modules[r.name]) for r in p1.layers), facts
    assert p1.output_shape == (1, spec.configure(**options).num_classes), facts
    if options["resolution"] <= 40:  # a real forward is cheap here: compare every shape
        shapes = {}
        hooks = [m.register_forward_hook(lambda m, i, o, n=n: shapes.__setitem__(n, tuple(o.shape))) for n, m in modules.items()]
        real_forward(model, (1, 3, options["resolution"], options["resolution"]))
        for h in hooks:
            h.remove()
        assert {r.name: r.output_shape for r in p1.layers} == shapes, facts
    for r in p1.layers:
        if r.is_leaf:
            continue
        kids = children_of(p1, r)
        assert kids, f"{r.name}: parent without children\n{facts}"
        assert r.macs == sum(c.macs for c in kids) + r.functional_macs, f"{r.name}\n{facts}"
        assert r.other_ops == sum(c.other_ops for c in kids) + r.functional_other_ops, f"{r.name}\n{facts}"
        own = sum(q.numel() for q in modules[r.name].parameters(recurse=False))
        assert r.params == sum(c.params for c in kids) + own, f"{r.name}\n{facts}"


@ZOO
@given(mobilenet_configs(), st.integers(2, 4))
def test_random_mobilenet_configs(options, batch):
    check_zoo("mobilenet", options, batch)


@ZOO
@given(shufflenet_configs, st.integers(2, 4))
def test_random_shufflenet_configs(options, batch):
    check_zoo("shufflenet", options, batch)


@ZOO
@given(ghostnet_configs, st.integers(2, 4))
def test_random_ghostnet_configs(options, batch):
    check_zoo("ghostnet", options, batch)
