"""Any model, untouched (issue #23): the model leaves as it came, work is credited where it ran,
any Python value is an argument, every output is shown, and the notes say what the forward did.

Every expected count is worked out by hand in a comment (or by an independent simulation of
the calls, in the property test); fixtures are in ``tests/data/untouched_models.py`` and
``tests/data/any_models.py``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from typer.testing import CliRunner

import lwprof
from lwprof import cli
from lwprof.architectures import list_architectures
from lwprof.records import Verdict, tensor_paths
from lwprof.render import grid
from lwprof.resolve import resolve
from tests.data import any_models as am
from tests.data import untouched_models as um
from tests.data.user_net import OddNet

__all__: list[str] = []

runner = CliRunner()
UM = "tests/data/untouched_models.py"


# --------------------------------------------------------------------------------------------
# 1. The model leaves exactly as it came


def _uninit(t: Any) -> bool:
    return isinstance(t, nn.parameter.UninitializedTensorMixin)


def _items(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(id(x) for x in v)
    if isinstance(v, dict):
        return tuple((k, id(x)) for k, x in v.items())
    if isinstance(v, set):
        return frozenset(id(x) for x in v)
    return None


def _value(v: Any) -> Any:
    if not isinstance(v, torch.Tensor) or _uninit(v):
        return ("value", type(v).__name__, repr(v) if not isinstance(v, torch.Tensor) else None)
    if v.is_quantized:
        v = v.dequantize()
    return ("tensor", v.device, v.dtype, tuple(v.shape), v.detach().clone() if v.device.type != "meta" else None)


def _contents(v: Any, depth: int = 0) -> Any:
    """An attribute's value all the way down (to 6 levels): a tensor's values (``self.count``), a
    container's items and the containers in it (``self.hist["xs"]``), by identity and content."""
    if isinstance(v, torch.Tensor) and not isinstance(v, nn.Parameter) and not _uninit(v):
        t = v.dequantize() if v.is_quantized else v
        return ("tensor", id(v), t.dtype, tuple(t.shape), t.detach().tolist() if t.device.type != "meta" and t.layout == torch.strided else None)
    if depth >= 6:
        return id(v)
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, id(v), tuple(_contents(x, depth + 1) for x in v))
    if isinstance(v, dict):
        return ("dict", id(v), tuple((k, _contents(x, depth + 1)) for k, x in v.items()))
    if isinstance(v, set):
        return ("set", id(v), frozenset(id(x) for x in v))
    return id(v)


def state_of(model: nn.Module) -> dict[str, Any]:
    """Everything "before == after" compares: attributes (identity, and containers' items), classes,
    modes, parameters (identity, type, requires_grad, device), hooks (in the attributes), values
    (of the buffers and parameters, and of tensors anywhere in the attributes), and the containers
    nested in the attributes' containers, item by item."""
    return {
        "modules": [(n, type(m), m.training, {k: (id(v), _items(v)) for k, v in vars(m).items()}) for n, m in model.named_modules()],
        "contents": [{k: _contents(v) for k, v in vars(m).items() if k not in ("_parameters", "_modules")} for _, m in model.named_modules()],
        "params": [(n, id(p), type(p), p.requires_grad, p.device) for n, p in model.named_parameters()],
        "values": {k: _value(v) for k, v in model.state_dict(keep_vars=True).items()},
    }


def same_state(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["modules"] == b["modules"]
    assert a["contents"] == b["contents"]
    assert a["params"] == b["params"]
    assert a["values"].keys() == b["values"].keys()
    for k, (x, y) in ((k, (a["values"][k], b["values"][k])) for k in a["values"]):
        assert x[:4] == y[:4], k
        if x[0] == "tensor" and x[4] is not None:
            assert torch.equal(x[4], y[4]), k


def _zoo(spec: Any) -> Callable[[], nn.Module]:
    return lambda: spec.build(num_classes=10, resolution=32).eval()


FIXTURES: list[tuple[str, Callable[[], nn.Module], Any]] = [
    *((f"zoo-{s.name}", _zoo(s), (3, 32, 32)) for s in list_architectures()),
    ("detector", am.Detector, None),
    ("numpy-positional", am.NumpyPositional, (7, 16)),
    ("item-scale", am.ItemScale, (8,)),
    ("data-dependent-branch", am.DataDependentBranch, (3, 8, 8)),
    ("conv2d-same", lambda: am.Conv2dSame(3, 4, 3, stride=2), (3, 9, 9)),
    ("scaled-std-conv", lambda: am.ScaledStdConv2d(3, 4, 3), (3, 8, 8)),
    ("two-images", am.TwoImages, [(3, 8, 8), (3, 8, 8)]),
    ("keyword-tokens", am.KeywordTokens, ["input_ids=long:12", "attention_mask=bool:12"]),
    ("example-inputs", am.WithExampleInputs, None),
    ("recurrent", am.RecurrentNet, (5, 10)),
    ("functional-pool", lambda: am.FunctionalPool("functional"), (3, 8, 8)),
    ("norm-upsample", am.NormUpsample, (3, 8, 8)),
    ("attention", am.AttentionBlock, (6, 32)),
    ("iterated-blocks", am.IteratedBlocks, (3, 8, 8)),
    ("caching-anchors", am.CachingAnchors, None),
    ("quantized", am.quantized_net, (3, 8, 8)),
    ("image-list", am.ImageList, [[(3, 8, 8), (3, 6, 10)]]),
    ("user-oddnet", OddNet, None),
    ("cached-positions", um.CachedPositions, (5, 8)),
    ("lazy", um.LazyNet, (3, 8, 8)),
    ("uninitialized-parameter", um.UninitializedParameterModel, (3, 4)),
    ("shared-linear", um.SharedLinear, (10,)),
    ("value-arguments", um.ValueArguments, (((3, 8, 8),), {"return_features": True, "how": "max", "extra": {"twice": True}})),
    ("features", um.Features, (3, 32, 32)),
    ("multi-output", um.MultiOutput, (8,)),
    ("creates-layers", um.CreatesLayers, (3, 8, 8)),
    ("device-branch", um.DeviceBranch, (3, 8, 8)),
    ("replaces-parameter", um.ReplacesParameter, (3, 8, 8)),
    ("call-counter", um.CallCounter, (4,)),
    ("counter-and-history", um.CounterAndHistory, (3, 8, 8)),
    ("hooked", um.Hooked, (6,)),
    ("auxiliary-head", um.AuxiliaryHead, (3, 8, 8)),
]


@pytest.mark.parametrize(("make", "inputs"), [(m, i) for _, m, i in FIXTURES], ids=[n for n, _, _ in FIXTURES])
def test_every_fixture_leaves_the_model_as_it_came(make: Callable[[], nn.Module], inputs: Any) -> None:
    torch.manual_seed(0)
    model = make()
    twin = copy.deepcopy(model, {id(b): nn.UninitializedBuffer() for b in model.buffers() if isinstance(b, nn.UninitializedBuffer)})  # never profiled
    before = state_of(model)
    lwprof.profile(model, inputs=inputs, crosscheck=True)  # the meta walk (or the CPU one), then the tools' real forwards
    same_state(before, state_of(model))
    args, kwargs = resolve(model, inputs=inputs).inputs.make(1, "cpu", seed=1)
    outs = []
    for m in (model, twin):
        torch.manual_seed(1)
        with torch.no_grad():
            outs.append([t for _, t in tensor_paths(m(*copy.deepcopy(args), **copy.deepcopy(kwargs)))])
    assert len(outs[0]) == len(outs[1]) > 0 or isinstance(model, um.UninitializedParameterModel)
    for a, b in zip(*outs):
        assert a.device.type == "cpu" and torch.equal(a.dequantize() if a.is_quantized else a, b.dequantize() if b.is_quantized else b)


def test_a_cache_that_was_none_is_none_again() -> None:
    model = um.CachedPositions()
    p = lwprof.profile(model, (5, 8))
    assert p.macs == 5 * 8 * 8  # fc: 5 rows x 8 x 8
    assert model._pos is None and model.history == [] and model.table == {"calls": 0}
    assert model(torch.rand(1, 5, 8)).device.type == "cpu"  # the user's next real call works (it failed on a meta cache)


def test_lazy_modules_are_counted_exactly_and_left_uninitialised() -> None:
    model = um.LazyNet()
    p = lwprof.profile(model, (3, 8, 8), crosscheck=True)
    # conv 3 -> 4, 3x3, no padding: 4 x 6x6 = 144 outputs x 27 = 3,888 MACs, 4 x 27 + 4 = 112 params;
    # BatchNorm over 4 channels: 8 params, 8 float buffers; fc 144 -> 5: 720 MACs, 725 params.
    assert (p.macs, p.params, p.buffers) == (3_888 + 720, 112 + 8 + 725, 8)
    rows = {r.name: r for r in p.layers}
    assert (rows["conv"].type, rows["conv"].macs, rows["fc"].params) == ("Conv2d", 3_888, 725)
    assert any("lazy (uninitialised) parameters" in n.text for n in p.notes)
    assert p.torch_macs == p.macs and p.verdict is Verdict.BY_DESIGN  # the tools ran on a copy too (fvcore counts the BatchNorm: by design)
    assert type(model.conv) is nn.LazyConv2d and model.conv.has_uninitialized_params() and model.fc.has_uninitialized_params()
    assert model(torch.rand(2, 3, 8, 8)).shape == (2, 5)  # and it still initialises itself on the user's first call


def test_lazy_linear_alone() -> None:
    model = nn.Sequential(nn.LazyLinear(7), nn.ReLU(), nn.LazyLinear(3))
    p = lwprof.profile(model, (12,), batch=4)
    # 4 rows: 12 -> 7: 4 x 12 x 7 = 336 MACs, 91 params; 7 -> 3: 4 x 7 x 3 = 84 MACs, 24 params.
    assert (p.macs, p.params) == (420, 115)
    assert isinstance(model[0].weight, nn.UninitializedParameter)


def test_a_forward_that_replaces_an_uninitialized_parameter_does_not_crash() -> None:
    model = um.UninitializedParameterModel()
    p = lwprof.profile(model, (3, 4))
    # The forward returns its input (no work) and sets a 128-element parameter.
    assert (p.macs, p.params) == (0, 128)
    assert any("replaced 1 parameter(s) ((model).param)" in n.text for n in p.notes)
    assert isinstance(model.param, nn.UninitializedParameter)


def test_the_cli_leaves_a_lazy_model_alone() -> None:
    result = runner.invoke(cli.app, ["summary", f"{UM}:LazyNet", "--input-size", "3,8,8", "--no-fvcore", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["macs"] == 4_608  # 3,888 + 720 as above


def test_real_walk_buffers_and_counters_are_put_back() -> None:
    model = um.CallCounter()
    p = lwprof.profile(model, (4,), crosscheck=True)
    assert p.device == "cpu" and p.macs == 16  # .item() forces real tensors; fc 4 x 4
    assert int(model.calls) == 0  # the walk and both tools ran the forward; the counter is as it was


@pytest.mark.parametrize("how", ["cpu walk", "crosscheck", "timing", "onnxruntime timing"])
def test_tensor_attributes_and_nested_histories_are_put_back(how: str) -> None:
    model = um.CounterAndHistory()
    count, hist, xs, runs, sizes = model.count, model.hist, model.hist["xs"], model.hist["runs"], model.hist["runs"][0]["sizes"]
    if how.endswith("timing"):  # the profile's walk, then 3 timed forwards (or the ONNX export's trace)
        lwprof.measure(model, input_size=(3, 8, 8), repeats=2, warmup=1, runtime="onnxruntime" if how.startswith("onnx") else "torch")
    else:
        p = lwprof.profile(model, (3, 8, 8), **({"device": "cpu"} if how == "cpu walk" else {"crosscheck": True}))  # .item(): auto is the CPU walk
        assert p.macs == 4 * 6 * 6 * 27  # conv 3->4, 3x3 on 8x8 -> 6x6: 144 outputs x 27 MACs = 3,888
    assert model.count is count and model.count.tolist() == [0.0]  # the forward's `+= 1` undone in place
    assert model.hist is hist and hist == {"xs": [], "runs": [{"sizes": []}]}
    assert hist["xs"] is xs and hist["runs"] is runs and runs[0]["sizes"] is sizes  # the same lists, emptied again
    model(torch.ones(1, 3, 8, 8))  # the model still works as the user's: its own call counts
    assert model.count.tolist() == [1.0] and hist == {"xs": [8], "runs": [{"sizes": [1.0]}]}


# --------------------------------------------------------------------------------------------
# 2. Credit where it ran


def test_fvcore_shared_module_pattern() -> None:
    p = lwprof.profile(um.SharedLinear(), (10,), batch=3, crosscheck=True)
    rows = {r.name: r for r in p.layers}
    # Linear(10, 10) on 3 rows: 3 x 10 x 10 = 300 MACs a call; a calls it once, b once.
    assert (rows["a"].macs, rows["b"].macs, p.macs) == (300, 300, 600)
    assert (rows["a.0"].calls, rows["a.0"].macs) == (2, 600)  # the leaf: both calls, its whole work
    assert "b.0" not in rows  # one module, one row (under its first name)
    assert p.params == rows["a"].params == rows["b"].params == 110
    # FlopCounterMode counts the same shares (its name for the leaf may be b.0, one of its names);
    # fvcore credits a shared module's whole work to its first parent: "fvcore gap" on a and b.
    assert (rows["a"].torch_macs, rows["b"].torch_macs, rows["a.0"].torch_macs) == (300, 300, 600)
    assert (rows["a"].fvcore_macs, rows["b"].fvcore_macs) == (600, 0)
    assert rows["a.0"].crosscheck_own is Verdict.OK and rows["a"].crosscheck_own is rows["b"].crosscheck_own is Verdict.FVCORE_GAP
    assert p.mismatches == ()


class _Node(nn.Module):
    def __init__(self, kids: list[tuple[nn.Module, int]]) -> None:
        super().__init__()
        self.repeats = []
        for i, (kid, times) in enumerate(kids):
            setattr(self, f"c{i}", kid)
            self.repeats.append(times)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, times in enumerate(self.repeats):
            for _ in range(times):
                x = getattr(self, f"c{i}")(x)
        return x


@st.composite
def _trees(draw: st.DrawFn) -> tuple[nn.Module, dict[int, int]]:
    """A random module tree of Linear(4, 4) leaves, some shared between parents, each child
    called 1-2 times; with, from an independent simulation, each module's MACs over the forward."""
    shared = [nn.Linear(4, 4) for _ in range(draw(st.integers(1, 3)))]

    def node(depth: int) -> nn.Module:
        if depth == 0 or draw(st.booleans()) and depth < 3:
            return draw(st.sampled_from(shared)) if draw(st.booleans()) else nn.Linear(4, 4)
        return _Node([(node(depth - 1), draw(st.integers(1, 2))) for _ in range(draw(st.integers(1, 3)))])

    root = _Node([(node(2), draw(st.integers(1, 2))) for _ in range(draw(st.integers(1, 3)))])
    macs: dict[int, int] = {}

    def run(m: nn.Module) -> int:  # one call: what runs beneath it
        cost = 16 if isinstance(m, nn.Linear) else sum(run(getattr(m, f"c{i}")) for i, t in enumerate(m.repeats) for _ in range(t))
        macs[id(m)] = macs.get(id(m), 0) + cost
        return cost

    run(root)
    return root, macs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees())
def test_rows_are_what_ran_beneath_them(tree: tuple[nn.Module, dict[int, int]]) -> None:
    root, expected = tree
    p = lwprof.profile(root, (4,))
    modules = dict(root.named_modules())
    for r in p.layers:  # every row, at every depth: the simulation's count (a Linear: 4 x 4 = 16 MACs a call)
        assert r.macs == expected[id(modules[r.name])], r.name
    leaves = [r for r in p.layers if r.is_leaf]
    assert p.macs == sum(r.macs for r in leaves) == 16 * sum(r.calls for r in leaves)
    for r in p.layers:  # a parent is the sum of its children's shares: each child's count per call x the calls under it
        if not r.is_leaf:
            m = modules[r.name]
            per_call = sum(t * expected[id(getattr(m, f"c{i}"))] // sum(1 for _ in _calls(root, getattr(m, f"c{i}"))) for i, t in enumerate(m.repeats))
            assert r.macs == r.calls * per_call


def _calls(root: nn.Module, target: nn.Module) -> list[int]:
    """One entry per call of ``target`` in the forward (a simulation, as above)."""
    out: list[int] = []

    def run(m: nn.Module) -> None:
        if m is target:
            out.append(1)
        if isinstance(m, _Node):
            for i, t in enumerate(m.repeats):
                for _ in range(t):
                    run(getattr(m, f"c{i}"))

    run(root)
    return out


# --------------------------------------------------------------------------------------------
# 3. Any Python value as an argument

CONV = 3 * 64 * 27  # conv 3 -> 3, 3x3, padding 1 on 8x8: 3 x 64 outputs x 27 = 5,184 MACs
FC = 3 * 2  # fc 3 -> 2 on one row


def _pair() -> um.Pair:
    return um.Pair(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))


@pytest.mark.parametrize(
    ("inputs", "macs"),
    [
        ((((3, 8, 8),), {"return_features": True}), CONV + FC),  # a bool
        ((((3, 8, 8),), {"mask": None}), CONV + FC),  # None
        ((((3, 8, 8),), {"scale": 0.5}), CONV + FC),  # a number
        ((((3, 8, 8),), {"how": "max"}), CONV + FC),  # a string: a value, never a shape
        ((((3, 8, 8),), {"mode": um.Mode.MAX}), CONV + FC),  # an enum
        ((((3, 8, 8),), {"bias": np.zeros(3, dtype=np.float32)}), CONV + FC),  # a numpy array
        ((((3, 8, 8),), {"extra": {"twice": True}}), 2 * CONV + FC),  # a nested dict: the conv runs twice
        (((_pair(),), {}), 2 * CONV + FC),  # a namedtuple of tensors: both through the conv
        (((um.Batch(torch.rand(1, 3, 8, 8), 0.5),), {}), CONV + FC),  # a dataclass of tensors
        (((3, 8, 8), True), CONV + FC),  # a positional bool after a shape
    ],
    ids=["bool", "none", "number", "string", "enum", "numpy", "nested-dict", "namedtuple", "dataclass", "positional-bool"],
)
def test_any_python_value_is_an_argument(inputs: Any, macs: int) -> None:
    p = lwprof.profile(um.ValueArguments(), inputs=inputs, crosscheck=True)
    assert p.macs == macs and p.device == "meta"
    assert p.verdict is Verdict.OK


def test_values_do_not_fix_the_batch() -> None:
    p = lwprof.profile(um.ValueArguments(), inputs=(((3, 8, 8),), {"scale": 0.5, "how": "mean"}), batch=2)
    assert p.macs == 2 * (CONV + FC) and p.inputs[0].shape == (2, 3, 8, 8)


def test_tensors_inside_values_are_inputs() -> None:
    p = lwprof.profile(um.ValueArguments(), inputs=(_pair(),))
    assert [(i.shape, i.name) for i in p.inputs] == [((1, 3, 8, 8), None), ((1, 3, 8, 8), None)]


# --------------------------------------------------------------------------------------------
# 4. Every output shown


def test_every_output_with_its_path() -> None:
    p = lwprof.profile(um.Features(), (3, 32, 32))
    # s1 3 -> 4, stride 2: 4 x 16x16 = 1,024 outputs x 27 = 27,648; s2 4 -> 8: 8 x 8x8 = 512 x 36 = 18,432;
    # s3 8 -> 16: 16 x 4x4 = 256 x 72 = 18,432; fc 16 x 10 = 160.
    assert p.macs == 27_648 + 18_432 + 18_432 + 160
    assert [(o.name, o.shape) for o in p.outputs] == [("[0][0]", (1, 4, 16, 16)), ("[0][1]", (1, 8, 8, 8)), ("[0][2]", (1, 16, 4, 4)), ("[1]", (1, 10))]
    g = grid.summary_grid(p)
    assert g.total[3] == "1x4x16x16 +3"
    assert any(n.text == "4 outputs: [0][0] 1x4x16x16, [0][1] 1x8x8x8, [0][2] 1x16x4x4, [1] 1x10" for n in p.notes)
    doc = p.to_dict()
    assert doc["outputs"][3] == {"path": "[1]", "shape": [1, 10], "dtype": "float32"}


def test_dict_outputs_are_named_by_key() -> None:
    p = lwprof.profile(um.MultiOutput(), (8,))
    assert p.macs == 32  # fc 8 x 4
    assert [o.name for o in p.outputs] == ["logits", "hidden_states[0]", "hidden_states[1]"]  # None holds no tensor


def test_one_output_is_shown_as_before() -> None:
    p = lwprof.profile(am.TwoImages(), [(3, 8, 8), (3, 8, 8)])
    assert [(o.name, o.shape) for o in p.outputs] == [("", (1, 2, 8, 8))] and grid.summary_grid(p).total[3] == "1x2x8x8"
    assert not any("outputs:" in n.text for n in p.notes)


# --------------------------------------------------------------------------------------------
# 5. What the forward did


def test_modules_created_in_forward_are_named_and_their_parameters_kept_apart() -> None:
    p = lwprof.profile(um.CreatesLayers(), (3, 8, 8))
    # conv 3 -> 8: 8 x 64 x 27 = 13,824 MACs, 224 params; the gate Linear(8, 8) built in forward: 64 MACs
    # (counted, in the model's row), 72 parameters (not the model's).
    assert (p.macs, p.params, p.created_params) == (13_824 + 64, 224, 72)
    (note,) = [n.text for n in p.notes if "not in the model's tree" in n.text]
    assert "(1 Linear)" in note and "72 parameters as 'created in forward'" in note
    assert p.to_dict()["created_in_forward_params"] == 72


def test_device_reads_on_meta_are_named_with_the_way_out() -> None:
    p = lwprof.profile(um.DeviceBranch(), (3, 8, 8))
    assert p.macs == 4 * 64 * 147  # on meta the non-CPU branch: 7x7 conv 3 -> 4, 4 x 64 outputs x 147
    (note,) = [n.text for n in p.notes if "tensor.device" in n.text]
    assert "untouched_models.py:forward (1x)" in note and "--device cpu" in note
    cpu = lwprof.profile(um.DeviceBranch(), (3, 8, 8), device="cpu")
    assert cpu.macs == 4 * 64 * 3 and not any("tensor.device" in n.text for n in cpu.notes)  # the 1x1 conv: 4 x 64 x 3


def test_pytorch_own_device_checks_are_not_reported() -> None:
    p = lwprof.profile(am.AttentionBlock(), (6, 32))  # nn.MultiheadAttention checks devices in its fast path
    assert not any("tensor.device" in n.text for n in p.notes)


def test_a_replaced_parameter_is_named() -> None:
    model = um.ReplacesParameter()
    scale = model.scale
    p = lwprof.profile(model, (3, 8, 8))
    assert p.macs == 4 * 64 * 3 and p.params == 4 + 16  # conv 3 -> 4, 1x1: 4 x 64 x 3; 12 + 4 params; scale 4
    assert any("replaced 1 parameter(s) ((model).scale)" in n.text for n in p.notes)
    assert model.scale is scale


def test_plain_values_from_the_command_line() -> None:
    args = ["summary", f"{UM}:ValueArguments", "--input-size", "3,8,8", "--input-size", "return_features=value:true",
            "--input-size", "how=value:max", "--input-size", 'extra=value:{"twice": true}', "--input-size", "mask=value:null",
            "--no-fvcore", "--format", "json"]  # fmt: skip
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    # the conv runs twice (extra.twice), fc once: 2 x 5,184 + 6; two outputs (return_features)
    assert doc["totals"]["macs"] == 2 * CONV + FC
    assert [o["path"] for o in doc["outputs"]] == ["[0]", "[1]"] and doc["outputs"][1]["shape"] == [1, 3, 8, 8]
    table = runner.invoke(cli.app, args[:-2])
    assert table.exit_code == 0 and "1x2 +1" in table.stdout and "2 outputs: [0] 1x2, [1] 1x3x8x8" in table.stdout


class _Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 10)
        self.out.weight = self.embed.weight  # a tied embedding and classifier (a language model's)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.out(self.embed(ids))


def test_a_tied_weight_is_in_each_owners_row_and_said_under_the_table() -> None:
    p = lwprof.profile(_Tied(), inputs=["long:3"])
    rows = {r.name: r for r in p.layers}
    # the 10 x 4 table is both modules' weight: embed 40, out 40 + 10 bias = 50; the total counts it once: 50.
    assert (rows["embed"].params, rows["out"].params, p.params) == (40, 50, 50)
    assert any(n.text.startswith("1 parameter(s) tied between modules (embed.weight = out.weight)") for n in p.notes)
    assert p.macs == 3 * 4 * 10  # 3 tokens x 4 x 10


def test_timing_leaves_the_model_as_it_came() -> None:
    model = um.Hooked()  # in training mode, with a hook that records every call
    before = state_of(model)
    result = lwprof.measure(model, (6,), warmup=1, repeats=2, max_repeats=2)
    assert len(result.times_s) == 2
    same_state(before, state_of(model))
    assert model.training and model.seen == []  # its mode is its own again; the hook's list as it was
    lazy = um.LazyNet()
    lwprof.measure(lazy, (3, 8, 8), warmup=0, repeats=1, max_repeats=1)
    assert lazy.conv.has_uninitialized_params()  # timed on a copy


def test_training_mode_counts_what_training_runs() -> None:
    model = um.AuxiliaryHead().eval()
    ev = lwprof.profile(model, (3, 8, 8), batch=2)
    tr = lwprof.profile(model, (3, 8, 8), batch=2, train=True, crosscheck=True)
    # batch 2: conv 3 -> 4, 3x3 pad 1 on 8x8: 2 x 4 x 64 x 27 = 13,824; fc 2 x 4 x 2 = 16; aux (training only) 2 x 4 x 3 = 24.
    assert (ev.macs, tr.macs) == (13_840, 13_864)
    rows = {r.name: r for r in tr.layers}
    # 512 BatchNorm elements: 2 ops each at inference (scale, shift), 5 with batch statistics; dropout 1 op each in training.
    assert ({r.name: r for r in ev.layers}["bn"].other_ops, rows["bn"].other_ops, rows["drop"].other_ops) == (1_024, 2_560, 512)
    assert [o.name for o in tr.outputs] == ["[0]", "[1]"] and (ev.mode, tr.mode) == ("eval", "train")
    assert tr.torch_macs == tr.macs and tr.mismatches == ()  # the tools ran in training mode too
    assert not model.training  # its own mode again
    result = runner.invoke(cli.app, ["summary", f"{UM}:AuxiliaryHead", "--input-size", "3,8,8", "--batch", "2", "--train", "--no-fvcore", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["macs"] == 13_864 and json.loads(result.stdout)["mode"] == "train"
