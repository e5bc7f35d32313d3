"""The backward pass (``--backward``, issue #23): per-layer backward MACs counted by autograd on
meta tensors, cross-checked layer by layer with FlopCounterMode's backward.

Expected counts are worked out by hand in comments, or come from FlopCounterMode run here (a
real forward, then ``torch.autograd.grad`` of the outputs' sum), never from lwprof's own code.
A gradient costs what the forward costs per product: a conv's input gradient (a transposed conv
of the output gradient) and its weight gradient (a conv of the input with the output gradient)
each multiply the forward's pairs once, as do a linear layer's two matrix products.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from typer.testing import CliRunner

import lwprof
from lwprof import cli
from lwprof.counting.backward import count_backward
from lwprof.errors import LwprofError
from lwprof.records import ModelProfile, Severity, Verdict, tensor_paths
from lwprof.render import grid
from lwprof.resolve import resolve
from tests.data import any_models as am
from tests.data import untouched_models as um
from tests.test_untouched import FIXTURES, same_state, state_of

__all__: list[str] = []

runner = CliRunner()


def _chain() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.Flatten(), nn.Linear(512, 10))


def _grouped() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(4, 8, 3, padding=1, groups=2), nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ConvTranspose2d(8, 4, 2, stride=2, groups=2)
    )


def flop_counter_backward(model: nn.Module, inputs: Any) -> tuple[int, dict[str, int]]:
    """FlopCounterMode's backward, independently of lwprof: (its whole-model MACs, MACs per module name).
    On PyTorch's reference kernels: oneDNN's fused RNN and the fused attention hide their matmuls from it."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    args, kwargs = resolve(model, inputs=inputs).inputs.make(1, "cpu", seed=0)
    model = copy.deepcopy(model).eval()
    with torch.backends.mkldnn.flags(enabled=False), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        y = model(*args, **kwargs)
        before = {k: sum(v.values()) for k, v in counter.get_flop_counts().items()}
        outputs = [t for _, t in tensor_paths(y) if t.requires_grad]
        torch.autograd.grad(sum(t.sum() for t in outputs), [p for p in model.parameters() if p.requires_grad])
        after = {k: sum(v.values()) for k, v in counter.get_flop_counts().items()}
    root = type(model).__name__
    per = {("" if k == root else k.removeprefix(root + ".")): (n - before.get(k, 0)) // 2 for k, n in after.items() if k != "Global"}
    return (after["Global"] - before.get("Global", 0)) // 2, per


# --------------------------------------------------------------------------------------------
# Counts derived by hand


def test_conv_and_linear_gradients_by_hand() -> None:
    p = lwprof.profile(_chain(), (3, 8, 8), backward=True)
    rows = {r.name: r for r in p.layers}
    # conv 3 -> 8, k3, pad 1, on 1x3x8x8: forward 8 x 64 x 3 x 9 = 13,824 MACs. Its input needs no
    # gradient: only the weight's, 13,824; the bias's sums the 8 x 8 x 8 output gradient: 512 ops.
    assert (rows["0"].macs, rows["0"].backward_macs, rows["0"].backward_other_ops) == (13_824, 13_824, 512)
    assert rows["1"].backward_other_ops == 512  # ReLU's gradient (threshold_backward): one op per element
    # conv 8 -> 8, k3: forward 8 x 64 x 8 x 9 = 36,864; both gradients: 2 x 36,864 = 73,728
    assert (rows["2"].macs, rows["2"].backward_macs) == (36_864, 73_728)
    # Linear 512 -> 10: forward 5,120; grad input (1x10 @ 10x512) + grad weight (10x1 @ 1x512) = 10,240; bias: 10 ops
    assert (rows["4"].macs, rows["4"].backward_macs, rows["4"].backward_other_ops) == (5_120, 10_240, 10)
    assert p.backward_macs == 13_824 + 73_728 + 10_240 == 97_792
    assert p.training_step_macs == p.macs + 97_792 == 55_808 + 97_792
    assert flop_counter_backward(_chain(), (3, 8, 8))[0] == 97_792  # the independent oracle agrees


def test_a_first_linear_layer_computes_only_its_weight_gradient() -> None:
    # Linear 16 -> 4 on a (1, 16) input that needs no gradient: 1 x 16 x 4 = 64 MACs, forward and backward alike
    p = lwprof.profile(nn.Linear(16, 4), (16,), backward=True)
    assert (p.macs, p.backward_macs, p.root.backward_other_ops) == (64, 64, 4)


def test_frozen_parameters_cost_no_weight_gradient() -> None:
    model = _chain()
    for q in model[0].parameters():
        q.requires_grad_(False)
    flags = [q.requires_grad for q in model.parameters()]
    p = lwprof.profile(model, (3, 8, 8), backward=True, crosscheck=True)
    rows = {r.name: r for r in p.layers}
    # the frozen first conv: no input gradient (the input needs none), no weight or bias gradient: nothing;
    # nor its ReLU, whose input then needs no gradient either
    assert (rows["0"].backward_macs, rows["0"].backward_other_ops, rows["1"].backward_other_ops) == (0, 0, 0)
    # the second conv's input needs no gradient now: its weight's only, 36,864 (its bias's: 512 ops); Linear 10,240
    assert (rows["2"].backward_macs, rows["2"].backward_other_ops, rows["4"].backward_macs) == (36_864, 512, 10_240)
    assert p.backward_macs == 47_104 == flop_counter_backward(model, (3, 8, 8))[0]
    assert [q.requires_grad for q in model.parameters()] == flags and all(q.grad is None for q in model.parameters())
    assert all(r.backward_check_own is Verdict.OK for r in p.layers)
    assert any("224 frozen (requires_grad=False)" in n.text for n in p.notes)  # 8 x 3 x 9 weights + 8 biases


def test_a_fully_frozen_model_has_no_backward_and_says_so() -> None:
    model = _chain().requires_grad_(False)
    p = lwprof.profile(model, (3, 8, 8), backward=True)
    assert p.backward_macs == 0 and p.root.backward_other_ops == 0
    assert any(n.severity is Severity.WARNING and "no parameter needs a gradient" in n.text for n in p.notes)
    assert not any(q.requires_grad for q in model.parameters())


def test_grouped_depthwise_and_transposed_convs_by_hand() -> None:
    p = lwprof.profile(_grouped(), (4, 8, 8), backward=True, crosscheck=True)
    rows = {r.name: r for r in p.layers}
    # grouped 4 -> 8, g 2, k3 on 8x8: forward 512 outputs x 2 x 9 = 9,216; the first layer: its weight's gradient only
    # depthwise 8 -> 8, g 8: forward 512 x 1 x 9 = 4,608; both gradients: 9,216
    # transposed 8 -> 4, g 2, k2, stride 2 on 8x8: forward 512 inputs x (4 / 2) x 4 = 4,096; both gradients: 8,192
    assert [rows[n].macs for n in "012"] == [9_216, 4_608, 4_096]
    assert [rows[n].backward_macs for n in "012"] == [9_216, 9_216, 8_192]
    # FlopCounterMode multiplies a weight gradient by all C_in channels, groups times too many:
    # 2 x 9,216 = 18,432; 4,608 + 8 x 4,608 = 41,472; 4,096 + 2 x 4,096 = 12,288; in all 72,192
    total, per = flop_counter_backward(_grouped(), (4, 8, 8))
    assert ([per[n] for n in "012"], total) == ([18_432, 41_472, 12_288], 72_192)
    assert [rows[n].torch_backward_macs for n in "012"] == [18_432, 41_472, 12_288]
    assert [rows[n].backward_check_own for n in "012"] == [Verdict.TORCH_GAP] * 3
    lines = " ".join(n.text for n in grid.summary_notes(p))
    assert "FlopCounterMode gap in 3 layer(s)" in lines and "groups times" in lines


def test_shared_module_parents_each_get_their_share() -> None:
    p = lwprof.profile(um.SharedLinear(), (10,), backward=True, crosscheck=True)
    rows = {r.name: r for r in p.layers}
    # Linear 10 -> 10, 100 MACs a call. In a: the input needs no gradient, the weight's only: 100.
    # In b: its input (a's output) needs one: 100 + 100. The shared row holds both calls.
    assert (rows["a"].backward_macs, rows["b"].backward_macs, rows["a.0"].backward_macs, p.backward_macs) == (100, 200, 300, 300)
    # FlopCounterMode's module tracker loses the first call (the module's output is its own next input): total 300 all the same
    assert (rows["a.0"].torch_backward_macs, p.root.torch_backward_macs) == (200, 300)
    assert rows["a.0"].backward_check_own is Verdict.ELSEWHERE


def test_training_mode_backward() -> None:
    p = lwprof.profile(um.AuxiliaryHead(), (3, 8, 8), batch=2, train=True, backward=True)
    # batch 2: conv 3 -> 4, k3 on 8x8: 2 x 4 x 64 x 27 = 13,824 (the first layer: its weight's gradient);
    # fc 4 -> 2: 16, both gradients 32; aux 4 -> 3 (runs in training only): 24, both gradients 48
    assert p.backward_macs == 13_824 + 32 + 48
    # BatchNorm with batch statistics: the input's, weight's and bias's gradients, one op per element each: 3 x 512
    assert {r.name: r for r in p.layers}["bn"].backward_other_ops == 1_536


def test_a_batch_scales_the_backward() -> None:
    one, four = (lwprof.profile(_chain(), (3, 8, 8), batch=b, backward=True).backward_macs for b in (1, 4))
    assert four == 4 * one == 4 * 97_792


# --------------------------------------------------------------------------------------------
# FlopCounterMode's backward, layer by layer: every zoo architecture and the any-model fixtures


def _grouped_excess(model: nn.Module, profile: ModelProfile) -> int:
    """FlopCounterMode's known over-count, from the model's own convs: (groups - 1) x the forward's MACs of
    every grouped conv whose weight needs a gradient (the forward's MACs are FlopCounterMode's, per layer)."""
    rows = {r.name: r for r in profile.layers}
    return sum(
        (m.groups - 1) * (rows[n].torch_macs or 0)
        for n, m in model.named_modules()
        if isinstance(m, nn.modules.conv._ConvNd) and m.groups > 1 and m.weight.requires_grad
    )


CHECKED = [f for f in FIXTURES if f[0].startswith("zoo-")] + [
    f for f in FIXTURES if f[0] in ("functional-pool", "keyword-tokens", "attention", "recurrent", "two-images", "iterated-blocks", "shared-linear")
]
CHECKED += [("grouped-depthwise", _grouped, (4, 8, 8)), ("conv-linear", _chain, (3, 8, 8))]


@pytest.mark.parametrize(("make", "inputs"), [(m, i) for _, m, i in CHECKED], ids=[n for n, _, _ in CHECKED])
def test_backward_agrees_with_flop_counter_mode_layer_by_layer(make: Callable[[], nn.Module], inputs: Any) -> None:
    model = make()
    before = state_of(model)
    p = lwprof.profile(model, inputs=inputs, backward=True, crosscheck=True)
    same_state(before, state_of(model))  # the model as it came, FlopCounterMode's real backward included
    assert p.root.torch_macs == p.macs  # the forward agrees, so its MACs can explain the grouped over-count
    # the whole model: FlopCounterMode's total is lwprof's plus its grouped-conv over-count, exactly
    assert p.root.torch_backward_macs == p.backward_macs + _grouped_excess(model, p)
    assert (p.backward_macs or 0) > 0
    for r in p.layers:
        assert r.backward_check_own in (Verdict.OK, Verdict.TORCH_GAP, Verdict.ELSEWHERE), (r.name, r.backward_macs, r.torch_backward_macs)
        if r.backward_check_own is Verdict.TORCH_GAP:
            assert r.conv is not None and r.conv.groups > 1
        if r.is_leaf and r.calls == 1 and r.backward_check_own is Verdict.ELSEWHERE:  # credited elsewhere: the layer alone, checked apart
            module = dict(model.named_modules())[r.name]
            assert _alone(module, r.input_shape) == (r.backward_macs or 0) + _grouped_excess_of(module, r.macs)


def _grouped_excess_of(module: nn.Module, macs: int) -> int:
    return (module.groups - 1) * macs if isinstance(module, nn.modules.conv._ConvNd) and module.groups > 1 else 0


def _alone(module: nn.Module, shape: Any) -> int:
    """FlopCounterMode's backward of one layer on its own, on an input that needs a gradient (it is inside the model)."""
    module = copy.deepcopy(module).eval()
    x = torch.randn(shape, requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        y = module(x)
        before = counter.get_total_flops()
        y.sum().backward()  # a copy: its .grad may be written
    return (counter.get_total_flops() - before) // 2


def test_tracker_confusion_is_named_and_only_where_expected() -> None:
    # MobileNetV1 is one chain without identities: FlopCounterMode's tracker credits every layer right
    p = lwprof.profile("mobilenet", resolution=32, num_classes=10, backward=True, crosscheck=True)
    verdicts = {r.backward_check_own for r in p.layers}
    assert verdicts == {Verdict.OK, Verdict.TORCH_GAP}  # the gap: its 13 depthwise convs
    assert sum(r.backward_check_own is Verdict.TORCH_GAP for r in p.layers) == 13
    # MobileNetV2's classifier Dropout is an identity in eval: the tracker credits everything after it to it
    v2 = lwprof.profile("mobilenet_v2", resolution=32, num_classes=10, backward=True, crosscheck=True)
    moved = [r.name for r in v2.layers if r.is_leaf and r.backward_check_own is Verdict.ELSEWHERE]
    assert moved == ["classifier.0"] and {r.name: r for r in v2.layers}["classifier.0"].type == "Dropout"
    assert "credited elsewhere in" in " ".join(n.text for n in grid.summary_notes(v2))


# --------------------------------------------------------------------------------------------
# The model stays as it came; the forward-only profile is unchanged


@pytest.mark.parametrize(("make", "inputs"), [(m, i) for n, m, i in FIXTURES if not n.startswith("zoo-")], ids=[n for n, _, _ in FIXTURES if not n.startswith("zoo-")])
def test_every_fixture_leaves_the_model_as_it_came_with_backward(make: Callable[[], nn.Module], inputs: Any) -> None:
    torch.manual_seed(0)
    model = make()
    before = state_of(model)
    grads = [q.requires_grad for q in model.parameters()]
    p = lwprof.profile(model, inputs=inputs, backward=True, crosscheck=True)
    same_state(before, state_of(model))
    assert [q.requires_grad for q in model.parameters()] == grads and all(q.grad is None for q in model.parameters() if not _lazy(q))
    assert p.backward_macs is not None


def _lazy(t: Any) -> bool:
    return isinstance(t, nn.parameter.UninitializedTensorMixin)


def test_forward_only_profiles_carry_no_backward() -> None:
    p = lwprof.profile(_chain(), (3, 8, 8))
    data = p.to_dict()
    assert not p.backward and p.backward_macs is None and p.training_step_macs is None
    assert "backward_macs" not in data["totals"] and "backward_macs" not in data["layers"][0]
    assert "bwd MACs" not in [c.header for c in grid.summary_grid(p).columns]


def test_backward_in_json_and_back() -> None:
    p = lwprof.profile(_chain(), (3, 8, 8), backward=True)
    data = json.loads(json.dumps(p.to_dict()))
    assert (data["totals"]["backward_macs"], data["totals"]["training_step_macs"]) == (97_792, 55_808 + 97_792)
    back = ModelProfile.from_dict(data)
    assert [r.backward_macs for r in back.layers] == [r.backward_macs for r in p.layers]


def test_lazy_and_created_in_forward_models() -> None:
    lazy = um.LazyNet()
    p = lwprof.profile(lazy, (3, 8, 8), backward=True)
    assert p.backward_macs == flop_counter_backward(_materialised(um.LazyNet(), (3, 8, 8)), (3, 8, 8))[0]
    assert lazy.conv.has_uninitialized_params()  # counted on a copy
    made = lwprof.profile(um.CreatesLayers(), (3, 8, 8), backward=True)
    assert made.backward_macs == flop_counter_backward(um.CreatesLayers(), (3, 8, 8))[0]


def _materialised(model: nn.Module, shape: tuple[int, ...]) -> nn.Module:
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    return model


def test_count_backward_refuses_torchscript() -> None:
    scripted = torch.jit.script(nn.Linear(4, 2))
    with pytest.raises(LwprofError, match="TorchScript"):
        count_backward(scripted, ((torch.zeros(1, 4),), {}))


def test_rnn_gradients_match_flop_counter_mode() -> None:
    p = lwprof.profile(am.RecurrentNet(), (5, 10), backward=True)
    assert p.backward_macs == flop_counter_backward(am.RecurrentNet(), (5, 10))[0]


# --------------------------------------------------------------------------------------------
# The command line


def test_cli_backward_columns_totals_and_exports() -> None:
    table = runner.invoke(cli.app, ["summary", "mobilenet", "--resolution", "32", "--num-classes", "10", "--backward", "--no-fvcore"])
    assert table.exit_code == 0, table.stderr
    assert "bwd" in table.stdout and "training step (forward + backward)" in table.stdout
    result = runner.invoke(cli.app, ["summary", "mobilenet", "--resolution", "32", "--num-classes", "10", "--backward", "--no-fvcore", "-f", "json"])
    totals = json.loads(result.stdout)["totals"]
    # every conv and the classifier: twice the forward, less the first conv's input gradient
    # (3 -> 32, k3, stride 2 on 32x32: 16 x 16 x 32 x 27 = 221,184 MACs)
    assert totals["backward_macs"] == 2 * totals["macs"] - 221_184
    assert totals["training_step_macs"] == totals["macs"] + totals["backward_macs"]
    csv = runner.invoke(cli.app, ["summary", "mobilenet", "--resolution", "32", "--num-classes", "10", "--backward", "--no-fvcore", "-f", "csv"])
    header = csv.stdout.splitlines()[0].split(",")
    assert "backward_macs" in header and "backward_other_ops" in header


def test_cli_backward_on_an_onnx_graph_is_one_line_exit_2(tmp_path: Any) -> None:
    path = tmp_path / "net.onnx"
    torch.onnx.export(nn.Linear(4, 2), (torch.randn(1, 4),), str(path), dynamo=False)
    result = runner.invoke(cli.app, ["summary", str(path), "--backward"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "--backward needs a PyTorch model" in result.stderr


def test_the_conv_gradient_rule_is_the_forward_per_gradient() -> None:
    # a 1x1 conv 2 -> 3 on 1x2x4x4 inside a model (its input needs a gradient): forward 16 x 3 x 2 = 96; 2 x 96
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.Conv2d(2, 3, 1, bias=False))
    rows = {r.name: r for r in lwprof.profile(model, (2, 4, 4), backward=True).layers}
    assert (rows["1"].macs, rows["1"].backward_macs, rows["1"].backward_other_ops) == (96, 192, 0)
    # the first conv 2 -> 2: forward 16 x 2 x 2 = 64; its input needs no gradient: 64; its bias sums 2 x 16 elements
    assert (rows["0"].macs, rows["0"].backward_macs, rows["0"].backward_other_ops) == (64, 64, 32)


class _ReadsTheGradient(torch.autograd.Function):
    """A custom gradient that reads a number from its input gradient: it cannot run on meta tensors."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x * 2

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad * 2 if float(grad.abs().sum()) >= 0 else grad


class _CustomGradient(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _ReadsTheGradient.apply(self.fc(x))


def test_a_backward_that_needs_data_is_counted_on_real_tensors() -> None:
    p = lwprof.profile(_CustomGradient(), (4,), backward=True)
    assert p.device == "meta"  # the forward ran on meta
    # Linear 4 -> 4 on a (1, 4) input that needs no gradient: its weight's gradient, 1 x 4 x 4 = 16 MACs
    assert p.backward_macs == 16
    assert any("counted on real CPU tensors" in n.text and "on meta tensors it failed" in n.text for n in p.notes)
    with pytest.raises(LwprofError, match="--device cpu counts it on real tensors"):
        lwprof.profile(_CustomGradient(), (4,), backward=True, device="meta")


def test_compare_backward_per_variant() -> None:
    args = ["compare", "mobilenet", "--vary", "alpha=1,0.5", "--resolution", "64", "--backward", "--no-fvcore"]
    table = runner.invoke(cli.app, args)
    assert table.exit_code == 0, table.stderr
    assert "bwd MACs" in table.stdout
    variants = json.loads(runner.invoke(cli.app, [*args, "-f", "json"]).stdout)["variants"]
    for v, alpha in zip(variants, (1.0, 0.5)):
        # every layer's gradients cost twice its forward, less the first conv's input gradient:
        # 3 -> 32 alpha, k3, stride 2 on 64x64: 32 x 32 outputs x 32 alpha x 27 MACs
        first = 32 * 32 * int(32 * alpha) * 27
        assert v["totals"]["backward_macs"] == 2 * v["totals"]["macs"] - first
        assert v["totals"]["training_step_macs"] == v["totals"]["macs"] + v["totals"]["backward_macs"]
    plain = runner.invoke(cli.app, args[:-2] + ["--no-fvcore"])
    assert "bwd MACs" not in plain.stdout  # off by default


def test_the_cross_check_cache_keeps_the_backward_apart(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from lwprof.counting import crosscheck

    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LWPROF_CROSSCHECK_CACHE", "1")
    forward = lwprof.profile("mobilenet", resolution=32, num_classes=10, crosscheck=True)
    runs: list[int] = []
    real = crosscheck.tool_counts
    monkeypatch.setattr(crosscheck, "tool_counts", lambda *a, **k: runs.append(1) or real(*a, **k))
    first = lwprof.profile("mobilenet", resolution=32, num_classes=10, crosscheck=True, backward=True)
    assert runs == [1]  # the forward-only counts hold no backward: the tools ran again
    second = lwprof.profile("mobilenet", resolution=32, num_classes=10, crosscheck=True, backward=True)
    assert runs == [1] and "come from the cache" in second.crosscheck_note
    assert [(r.torch_backward_macs, r.backward_check) for r in second.layers] == [(r.torch_backward_macs, r.backward_check) for r in first.layers]
    assert second.root.torch_backward_macs == first.root.torch_backward_macs is not None and forward.root.torch_backward_macs is None


def test_a_grouped_conv_with_only_its_bias_trainable() -> None:
    model = _grouped()
    model[1].weight.requires_grad_(False)  # the depthwise conv: its bias alone needs a gradient
    p = lwprof.profile(model, (4, 8, 8), backward=True, crosscheck=True)
    rows = {r.name: r for r in p.layers}
    # the depthwise conv now computes its input's gradient only: 4,608 (its bias's: 512 ops), and
    # FlopCounterMode then counts no weight gradient to over-count: it agrees
    assert (rows["1"].backward_macs, rows["1"].torch_backward_macs, rows["1"].backward_check_own) == (4_608, 4_608, Verdict.OK)
    assert p.root.torch_backward_macs == flop_counter_backward(model, (4, 8, 8))[0] == 18_432 + 4_608 + 12_288


def test_by_type_holds_each_types_backward() -> None:
    p = lwprof.profile(_chain(), (3, 8, 8), backward=True)
    g = grid.by_type_grid(p)
    col = [c.name for c in g.columns].index("backward_macs")
    by = {row[0]: row[col] for row in g.rows}
    # the two 3x3 convs: 13,824 + 73,728 (above); the linear 10,240; no other type has MACs
    assert (by["Conv 3x3"], by["FC"], g.total[col] if g.total else None) == (87_552, 10_240, 97_792)
    assert "backward_macs" not in [c.name for c in grid.by_type_grid(lwprof.profile(_chain(), (3, 8, 8))).columns]
