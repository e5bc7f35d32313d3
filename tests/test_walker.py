"""The walker: attribution of work outside leaves, unsupported layers, shared modules,
no side effects, meta-only execution, and registry-wide invariants against PyTorch and fvcore."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import lwprof
from lwprof.architectures import list_architectures
from lwprof.errors import LwprofError


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)

    def forward(self, x):
        return torch.relu(x + self.conv(x))  # add and relu happen outside any leaf


class Functional(nn.Module):
    """A conv done with F.conv2d on a parameter: invisible to module hooks in other tools."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(8, 4, 3, 3))
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        y = F.conv2d(x, self.weight, padding=1)
        return self.fc(y.mean((2, 3)))


class Scale(nn.Module):
    """A leaf with a parameter and no formula."""

    def __init__(self) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(4, 1, 1))

    def forward(self, x):
        return x * self.gain


def test_residual_add_and_relu_are_attributed_to_the_parent():
    p = lwprof.profile(Residual(), (4, 8, 8))
    root = p.root
    # conv: 4*8*8 outputs x 4*9 = 9216 MACs; add + relu: 2 ops per element of 4x8x8 = 512.
    assert root.macs == 9216
    assert root.functional_other_ops == 512
    assert root.other_ops == 512


def test_functional_conv_is_counted_not_silently_zero():
    p = lwprof.profile(Functional(), (4, 6, 6))
    # F.conv2d: 8*6*6 outputs x 4*9 = 10368 MACs in the model's own forward; fc: 8*2 = 16.
    assert p.root.functional_macs == 10368
    assert p.macs == 10368 + 16
    assert p.params == 8 * 4 * 9 + 8 * 2 + 2


def test_leaf_without_formula_is_flagged_and_counted_at_op_level():
    model = nn.Sequential(nn.Conv2d(4, 4, 1), Scale())
    p = lwprof.profile(model, (4, 5, 5))
    assert p.unsupported == ("1",)
    scale = p.layers[2]
    assert (scale.status, scale.params, scale.other_ops) == ("unsupported", 4, 100)
    with pytest.raises(LwprofError, match="no formula"):
        lwprof.profile(model, (4, 5, 5), strict=True)


def test_shared_module_counts_params_once_and_macs_per_call():
    conv = nn.Conv2d(4, 4, 1, bias=False)

    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Sequential(conv)
            self.b = nn.Sequential(conv)

        def forward(self, x):
            return self.b(self.a(x))

    p = lwprof.profile(Twice(), (4, 3, 3))
    assert p.params == 16  # one 4x4 weight, shared
    assert p.macs == 2 * 16 * 9  # two calls of 4*3*3 outputs x 4
    p2 = lwprof.profile(Twice(), (4, 3, 3))
    assert p2.macs == p.macs  # re-profiling does not accumulate


def test_profiling_does_not_change_the_model():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU()).train()
    before = copy.deepcopy(model.state_dict())
    lwprof.profile(model, (3, 16, 16), crosscheck=False)
    assert model.training
    assert next(model.parameters()).device.type == "cpu"
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not model._forward_hooks and not model._forward_pre_hooks


def test_huge_input_allocates_nothing():
    # 4096x4096 at batch 256 would need terabytes of real activations.
    p = lwprof.profile("mobilenet", input_size=(3, 4096, 4096), batch=256)
    assert p.output_shape == (256, 1000)
    # First layer: 256 images x 32 x 2048 x 2048 outputs x 3 x 3x3 = 256 * 32 * 2048^2 * 27.
    assert p.layers[3].name == "features.0.0"
    assert p.layers[3].macs == 256 * 32 * 2048 * 2048 * 27
    assert p.macs == 256 * lwprof.profile("mobilenet", input_size=(3, 4096, 4096)).macs


def test_forward_failure_is_a_clear_error():
    with pytest.raises(LwprofError, match="forward pass failed"):
        lwprof.profile(nn.Linear(8, 2), (5,))


def test_a_subclass_with_its_own_forward_is_counted_from_its_ops():
    # A Conv2d subclass whose forward differs: its formula does not apply; its ops are counted
    # exactly (the conv's 1 x 4x4 outputs x 1 input x 1x1 kernel = 16 MACs), and it says so.
    class Cropping(nn.Conv2d):
        def forward(self, x):
            return super().forward(x)[..., 1:]

    p = lwprof.profile(Cropping(1, 1, 1), (1, 4, 4))
    assert (p.root.status, p.macs, p.output_shape) == ("op level", 16, (1, 1, 4, 3))
    assert "forward differs from Conv2d's" in p.root.note and p.op_level == ("",)


def test_verify_mismatch_falls_back_to_the_ops_with_a_note():
    # A registered type whose forward is the registered one but whose shape the formula gets
    # wrong (here: a formula registered on purpose for the wrong shape) is counted from its
    # ops under verify=True, with the disagreement in the note: never an error, never wrong.
    from lwprof.counting import formulas

    class Doubler(nn.Module):
        def forward(self, x):
            return torch.cat([x, x], 1)

    with formulas.scoped_formulas():

        @formulas.register_formula(Doubler)
        def wrong(module, shape):
            return formulas.LayerCost(shape, 0, 0, 0, "Doubler")

        p = lwprof.profile(Doubler(), (2, 3), verify=True)
    assert p.root.status == "op level" and "its formula gives output shape (1, 2, 3), PyTorch gives (1, 4, 3)" in p.root.note


def test_peak_activation_memory_counts_live_tensors():
    # Input 1x4x8x8 = 256 elements alive while conv output (256) is produced; relu is in place.
    model = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.ReLU(inplace=True))
    assert lwprof.profile(model, (4, 8, 8)).peak_activation_elements == 512


# -- registry-wide invariants ----------------------------------------------------------------


def _zoo_cases():
    for spec in list_architectures():
        kinds = [None]
        for opt in spec.options():
            if opt.name == "conv":
                kinds = [str(getattr(c, "value", c)) for c in opt.choices]
        for kind in kinds:
            yield pytest.param(spec.name, {} if kind is None else {"conv": kind}, id=f"{spec.name}-{kind or 'default'}")


@pytest.mark.parametrize("arch, options", list(_zoo_cases()))
def test_zoo_invariants(arch, options):
    spec = lwprof.architectures.get_architecture(arch)
    resolution = 64
    fast = lwprof.profile(arch, resolution=resolution, batch=2, **options)
    exact = lwprof.profile(arch, resolution=resolution, batch=2, verify=True, **options)
    # Fast shape functions agree with PyTorch's own meta kernels, record by record.
    assert [(r.name, r.output_shape, r.macs, r.other_ops) for r in fast.layers] == [
        (r.name, r.output_shape, r.macs, r.other_ops) for r in exact.layers
    ]
    assert not fast.unsupported
    # Analytic params equal sum(numel); analytic shapes equal a real forward pass.
    model = spec.build(resolution=resolution, **options).eval()
    assert fast.params == sum(p.numel() for p in model.parameters())
    shapes = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: shapes.__setitem__(n, tuple(o.shape))) for n, m in model.named_modules()]
    with torch.no_grad():
        model(torch.zeros(2, 3, resolution, resolution))
    for h in hooks:
        h.remove()
    assert {r.name: r.output_shape for r in fast.layers} == shapes


@pytest.mark.parametrize("arch, options", list(_zoo_cases()))
def test_zoo_agrees_with_fvcore_and_flopcounter(arch, options):
    p = lwprof.profile(arch, resolution=96, crosscheck=True, **options)
    assert p.mismatches == ()
    verdicts = {r.crosscheck for r in p.layers}
    assert verdicts <= {"ok", "by design"}
    # conv + linear MACs agree exactly in total with FlopCounterMode (which counts nothing else).
    assert p.torch_macs == p.macs
    # fvcore's total exceeds ours only by the BatchNorm / pooling work it counts by convention.
    explained = sum(r.fvcore_macs for r in p.leaves() if r.crosscheck == "by design")
    assert p.fvcore_macs - explained == p.macs


def test_mobilenet_table2_shares():
    # MobileNetV1 (arXiv 1704.04861) Table 2, 1.0 MobileNet-224: mult-adds shares Conv 1x1
    # 94.86%, Conv DW 3x3 3.06%, FC 0.18% (the first-layer row is checked in lwprof check).
    p = lwprof.profile("mobilenet")
    cats = p.by_category()
    share = {k: round(100 * macs / p.macs, 2) for k, (_, macs) in cats.items()}
    assert (share["Conv 1x1"], share["Conv DW 3x3"], share["FC"]) == (94.86, 3.06, 0.18)
    assert p.macs == 568_740_352  # peers.md: conv + FC multiply-accumulates of MobileNetV1-224


def test_crosscheck_on_a_huge_input_is_skipped_and_says_why():
    # 4096x4096 MobileNetV1 keeps ~855 M activation elements alive at once per image: more than
    # a real forward pass is allowed to allocate, so fvcore / FlopCounterMode are not run.
    p = lwprof.profile("mobilenet", resolution=4096, crosscheck=True)
    assert p.crosscheck_note.startswith("skipped:")
    assert p.fvcore_macs is None and {r.crosscheck for r in p.layers} == {"n/a"}
    assert p.to_dict()["crosscheck_note"] == p.crosscheck_note
    assert lwprof.profile("mobilenet", resolution=64, crosscheck=True).crosscheck_note == ""


def test_op_level_costs_by_name():
    from lwprof.counting.ops import op_cost

    aten = torch.ops.aten
    x = torch.empty(2, 8, device="meta")
    # A transpose moves no data arithmetic; topk compares every element (not a no-op "t...").
    assert op_cost(aten.t.default, (x,), {}, x.t()) == (0, 0)
    values = torch.empty(2, 3, device="meta")
    assert op_cost(aten.topk.default, (x, 3), {}, (values, values)) == (0, 6)
    # mm: 2x8 @ 8x4 -> 8 outputs x 8 MACs each; a relu: one op per element.
    assert op_cost(aten.mm.default, (x, torch.empty(8, 4, device="meta")), {}, torch.empty(2, 4, device="meta")) == (64, 0)
    assert op_cost(aten.relu.default, (x,), {}, x) == (0, 16)


def test_stand_ins_leave_every_module_as_it_was():
    # The walker stands formula outputs in for conv/BN/ReLU forwards during the walk; afterwards
    # no instance attribute is left, a user's own instance forward is restored, and each
    # submodule keeps its own train/eval mode.
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Linear(6, 2))
    custom = model[2].forward
    model[2].forward = custom  # an instance-level forward, as some user code sets
    model.train()
    model[1].eval()
    lwprof.profile(model, (3, 8, 8))
    assert "forward" not in model[0].__dict__ and "forward" not in model[1].__dict__
    assert model[2].__dict__["forward"] is custom
    assert [m.training for m in model] == [True, False, True, True] and model.training


def test_stand_ins_agree_with_the_real_forward():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 5))
    fast = lwprof.profile(model, (3, 16, 16), batch=3)
    exact = lwprof.profile(model, (3, 16, 16), batch=3, verify=True)
    assert [(r.name, r.output_shape, r.macs, r.other_ops, r.read_elements, r.write_elements) for r in fast.layers] == [
        (r.name, r.output_shape, r.macs, r.other_ops, r.read_elements, r.write_elements) for r in exact.layers
    ]
    # PyTorch's meta BatchNorm kernel (verify=True) also allocates the saved mean and inverse
    # std, C = 8 elements each, which eager inference does not keep: the only difference.
    assert exact.peak_activation_elements - fast.peak_activation_elements == 2 * 8


class _FunctionalDropout(nn.Module):
    def __init__(self, functional: bool) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.5)
        self.functional = functional

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        y = F.dropout(y, 0.5, self.training) if self.functional else self.drop(y)
        z = y + 1.0
        z.div_(2.0)  # an in-place division of the user's own: 1 op per element, as ever
        return F.dropout2d(z.reshape(-1, 2, 2, 2), 0.5, self.training)


@pytest.mark.parametrize("device", ["meta", "cpu"])
@pytest.mark.parametrize("functional", [True, False])
def test_functional_dropout_costs_one_op_per_element_as_the_module(device: str, functional: bool) -> None:
    # Hand count, batch 3: fc 3 x 8 x 8 = 192 MACs and 3 x 8 = 24 bias adds; the dropout on its
    # 24 outputs 24 ops (1 per element: the mask's bernoulli_ and its 1/(1-p) div_ are making the
    # mask, 0); y + 1.0 24; z.div_(2.0) 24; dropout2d on the (3, 2, 2, 2) view, 24 elements: its
    # channel mask (3, 2, 1, 1) is made for free and the mul costs 24. In training 24 x 5 = 120;
    # in eval both dropouts are off: 24 x 3 = 72. Before the fix F.dropout cost 2 per element (24
    # more) and dropout2d 24 + 6 (its mask's div_): 150 and 126.
    model = _FunctionalDropout(functional)
    train = lwprof.profile(model, (8,), batch=3, train=True, device=device)
    assert (train.macs, train.other_ops) == (192, 120)
    evaluated = lwprof.profile(model, (8,), batch=3, device=device)
    assert (evaluated.macs, evaluated.other_ops) == (192, 72)
