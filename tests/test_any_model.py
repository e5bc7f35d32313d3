"""Any model (issue #13): every pattern real torchvision / timm models show, as a fixture of our own.

The fixtures are in ``tests/data/any_models.py``; each docstring names the real model it stands
for. Every expected count is worked out by hand in a comment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

import lwprof
from lwprof import cli
from lwprof.counting import formulas
from lwprof.errors import LwprofError
from lwprof.records import Status, Verdict
from lwprof.render import grid
from tests.data import any_models as am

__all__: list[str] = []

FILE = "tests/data/any_models.py"
ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # user specs are relative to the repository root


def cli_ok(*args: str) -> Any:
    result = runner.invoke(cli.app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def cli_error(*args: str) -> str:
    result = runner.invoke(cli.app, list(args))
    assert result.exit_code == 2 and result.stdout == "", (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# --------------------------------------------------------------------------------------------
# Meta first, real tensors when the forward needs data


def test_a_detector_is_counted_on_real_tensors_and_says_its_counts_depend_on_the_input() -> None:
    p = lwprof.profile(am.Detector(), crosscheck=True)
    assert p.device == "cpu" and p.input_dependent
    (note,) = p.notes
    assert "counted on real CPU tensors (seed 0) because the forward needs data: aten.nonzero's output size depends on the values" in note.text
    assert "depend on the input's values (e.g. a detector's proposals)" in note.text
    # backbone 3x3 conv: 8 x 32x32 outputs x 27 = 221,184; score 1x1: 1 x 1024 x 8 = 8,192;
    # head: k selected positions x 8 x 4, with k the positions above the median (about half).
    head = p.macs - 221_184 - 8_192
    assert head > 0 and head % 32 == 0
    # The cross-check runs on the very same inputs, so both tools agree with the data-dependent count.
    assert p.verdict is Verdict.OK and p.torch_macs == p.macs


@pytest.mark.parametrize(
    ("model", "size", "macs", "why"),
    [
        (am.NumpyPositional(), (7, 16), 7 * 16 * 16, "it copies a tensor's values out (.cpu(), .numpy(), .tolist())"),  # proj: 7 rows x 16 x 16
        (am.ItemScale(), (8,), 8 * 8, "it reads a Python number from a tensor (.item(), float(), an if on a tensor)"),  # fc: 8 x 8
        (am.DataDependentBranch(), (3, 8, 8), 3 * 64 * 27, "it reads a Python number"),  # conv a only: 3 x 8x8 outputs x 27
    ],
    ids=["numpy-positional", "item", "data-dependent-if"],
)
def test_forwards_that_read_values_fall_back_to_real_tensors(model: nn.Module, size: tuple[int, ...], macs: int, why: str) -> None:
    p = lwprof.profile(model, size, crosscheck=True)
    assert (p.device, p.macs, p.verdict) == ("cpu", macs, Verdict.OK)
    assert why in p.notes[0].text


def test_device_meta_refuses_with_the_remedy_and_cpu_is_forced() -> None:
    with pytest.raises(LwprofError, match=r"cannot run on meta tensors: aten.nonzero.*--device auto \(or cpu\)"):
        lwprof.profile(am.Detector(), device="meta")
    meta = lwprof.profile("mobilenet", resolution=64)
    real = lwprof.profile("mobilenet", resolution=64, device="cpu")
    assert real.device == "cpu" and not real.input_dependent and not real.notes
    assert [(r.name, r.macs, r.params, r.output_shape) for r in real.layers] == [(r.name, r.macs, r.params, r.output_shape) for r in meta.layers]


def test_a_real_run_over_the_memory_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LWPROF_MAX_MEMORY", "1KiB")  # the 3x32x32 input alone is 12 KiB
    with pytest.raises(LwprofError, match=r"its forward needs real tensors, which needs at least .* \(LWPROF_MAX_MEMORY\)"):
        lwprof.profile(am.Detector())


# --------------------------------------------------------------------------------------------
# Subclasses of known layers never stop the profile


def test_a_conv_subclass_with_its_own_forward_is_counted_from_its_ops() -> None:
    model = nn.Sequential(am.Conv2dSame(3, 8, 3, stride=2))
    p = lwprof.profile(model, (3, 9, 9), crosscheck=True)
    conv = p.layers[1]
    # 'SAME' padding keeps ceil(9 / 2) = 5: 8 x 5x5 outputs x 3 x 3x3 = 5,400 MACs; 216 weights + 8 bias.
    assert (conv.status, conv.macs, conv.params, conv.output_shape) == (Status.OP_LEVEL, 5_400, 224, (1, 8, 5, 5))
    assert "forward differs from Conv2d's" in conv.note and p.op_level == ("0",)
    assert p.verdict is Verdict.OK


def test_a_conv_with_an_extra_parameter_is_counted_with_its_real_parameters() -> None:
    p = lwprof.profile(nn.Sequential(am.ScaledStdConv2d(3, 8, 3)), (3, 9, 9), crosscheck=True)
    conv = p.layers[1]
    # weight 8 x 3 x 3x3 = 216, bias 8, gain 8; the conv: 8 x 9x9 outputs x 27 = 17,496 MACs.
    assert (conv.status, conv.params, conv.macs) == (Status.OP_LEVEL, 232, 17_496)
    assert p.mismatches == ()  # the weight standardisation is BN work fvcore counts: by design
    assert "MISMATCH" not in " ".join(n.text for n in grid.summary_notes(p))


# --------------------------------------------------------------------------------------------
# Inputs of every kind


def test_two_positional_inputs() -> None:
    p = lwprof.profile(am.TwoImages(), inputs=[(3, 16, 16), (3, 16, 16)], crosscheck=True)
    # encoder twice: 2 x 8 x 16x16 x 27 = 110,592; fuse: 2 x 16x16 x 16 = 8,192.
    assert p.macs == 118_784 and p.verdict is Verdict.OK
    assert [i.shape for i in p.inputs] == [(1, 3, 16, 16), (1, 3, 16, 16)]
    assert "inputs 1x3x16x16, 1x3x16x16" in grid.summary_grid(p).title
    # The legacy input_size= takes a list of sizes too (it used to raise a raw TypeError).
    assert lwprof.profile(am.TwoImages(), [(3, 16, 16), (3, 16, 16)], batch=2).macs == 2 * 118_784


def test_keyword_inputs_with_element_types() -> None:
    p = lwprof.profile(am.KeywordTokens(), inputs=["input_ids=long:12", "attention_mask=bool:12"], batch=3, crosscheck=True)
    assert [(i.name, i.shape, i.dtype) for i in p.inputs] == [("input_ids", (3, 12), "int64"), ("attention_mask", (3, 12), "bool")]
    # The embedding is a lookup (0 MACs); fc: 3 rows x 16 x 4 = 192 MACs; 100 x 16 + 16 x 4 + 4 params.
    assert (p.macs, p.params) == (192, 1_668)
    assert "fvcore not run: it traces positional inputs only" in p.crosscheck_note and p.verdict is Verdict.OK


def test_example_inputs_hook() -> None:
    p = lwprof.profile(am.WithExampleInputs())
    assert [(i.name, i.dtype) for i in p.inputs] == [("input_ids", "int64"), ("attention_mask", "bool")] and p.macs == 64


def test_a_list_of_images_of_different_sizes_is_one_input() -> None:
    p = lwprof.profile(am.ImageList(), inputs=[[(3, 16, 16), (3, 8, 12)]])
    # 4 x (16x16 + 8x12) outputs x 27 = 38,016 MACs.
    assert p.macs == 38_016 and [i.shape for i in p.inputs] == [(3, 16, 16), (3, 8, 12)]
    images = [torch.rand(3, 16, 16), torch.rand(3, 8, 12)]
    assert lwprof.profile(am.ImageList(), inputs=[images]).macs == 38_016


def test_tensor_inputs_are_used_as_given() -> None:
    x = torch.rand(2, 3, 16, 16)
    p = lwprof.profile(am.TwoImages(), inputs=(x, x))
    assert p.macs == 2 * 118_784 and p.device == "meta"
    with pytest.raises(LwprofError, match="are tensors, which fix the batch"):
        lwprof.profile(am.TwoImages(), inputs=(x, x), batch=2)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["ids=lng:12"], r"unknown element type 'lng' \(did you mean 'long'"),
        (["ids=long:12", "3,8,8"], "positional input '3,8,8' comes after a keyword input"),
        ([(3, 0, 8)], r"a shape must be positive integers, got \(3, 0, 8\)"),
        ([object()], r"forward pass failed for input \(none\): TypeError"),  # an object is an argument, passed as it is
        ("3,x,8", "give C,H,W as integers"),
    ],
)
def test_bad_inputs_are_one_line_errors(inputs: Any, message: str) -> None:
    with pytest.raises(LwprofError, match=message):
        lwprof.profile(am.TwoImages(), inputs=inputs)


def test_input_size_and_inputs_together_are_refused() -> None:
    with pytest.raises(LwprofError, match="give input_size or inputs, not both"):
        lwprof.profile(am.TwoImages(), (3, 8, 8), inputs=[(3, 8, 8)])


def test_cli_repeatable_and_typed_input_sizes() -> None:
    data = json.loads(cli_ok("summary", f"{FILE}:TwoImages", "--input-size", "3,16,16", "--input-size", "3x16x16", "--no-fvcore", "-f", "json").stdout)
    assert data["totals"]["macs"] == 118_784 and [i["shape"] for i in data["inputs"]] == [[1, 3, 16, 16], [1, 3, 16, 16]]
    args = ("--input-size", "input_ids=long:12", "--input-size", "attention_mask=bool:12", "--batch", "2", "--no-fvcore", "-f", "json")
    data = json.loads(cli_ok("summary", f"{FILE}:KeywordTokens", *args).stdout)
    assert data["totals"]["macs"] == 2 * 64 and data["inputs"][0] == {"shape": [2, 12], "dtype": "int64", "name": "input_ids"}
    assert "--input-size 'lng:12': unknown element type" in cli_error("summary", f"{FILE}:TwoImages", "--input-size", "lng:12", "--no-fvcore")


def test_a_user_models_kwargs_are_in_the_title_and_the_json_config() -> None:
    out = cli_ok("summary", "tests/data/user_net.py:make_oddnet@width=24", "--no-fvcore").stdout
    assert out.startswith("tests/data/user_net.py:make_oddnet (width=24), input 1x6x33x33")
    data = json.loads(cli_ok("summary", "tests/data/user_net.py:make_oddnet", "--kwargs", "width=24", "--no-fvcore", "-f", "json").stdout)
    assert data["config"] == {"width": 24} and data["spec"] == "tests/data/user_net.py:make_oddnet@width=24"
    assert lwprof.profile(data["spec"]).macs == data["totals"]["macs"]  # the export names a spec that rebuilds it


# --------------------------------------------------------------------------------------------
# RNNs, TorchScript, compiled modules


def test_lstm_and_gru_by_formula_per_gate_and_step() -> None:
    p = lwprof.profile(am.RecurrentNet(), (5, 10), crosscheck=True)
    lstm, gru, fc = (r for r in p.leaves())
    # LSTM, 2 layers x 2 directions, hidden 20, 5 steps: layer 0: 2 x 4 gates x 20 x (10 + 20) =
    # 4,800 per step, layer 1 (input 2 x 20): 2 x 4 x 20 x (40 + 20) = 9,600: 5 x 14,400 = 72,000.
    # GRU (3 gates, hidden 12, input 40): 5 x 3 x 12 x (40 + 12) = 9,360. FC: 12 x 3 = 36.
    assert (lstm.macs, gru.macs, fc.macs, p.macs) == (72_000, 9_360, 36, 81_396)
    assert lstm.status is Status.FORMULA and lstm.params == sum(t.numel() for t in am.RecurrentNet().lstm.parameters())
    # FlopCounterMode (on the reference kernels) agrees; fvcore has no handle for aten::lstm.
    assert p.torch_macs == p.macs and lstm.crosscheck is Verdict.FVCORE_GAP and p.mismatches == ()


def test_lstm_with_a_projection() -> None:
    p = lwprof.profile(am.RecurrentNet(proj=7), (5, 10), crosscheck=True)
    # proj_size 7: per step layer 0: 2 x (4 x 20 x (10 + 7) + 20 x 7) = 3,000; layer 1 (input
    # 14): 2 x (4 x 20 x (14 + 7) + 140) = 3,640: 5 x 6,640 = 33,200. GRU: 5 x 3 x 12 x (14 +
    # 12) = 4,680. FC: 36. Total 37,916, equal to FlopCounterMode.
    assert p.macs == 37_916 and p.torch_macs == p.macs


@pytest.mark.parametrize("wrap", ["trace", "script"])
def test_torchscript_is_counted_exactly_as_one_block(wrap: str) -> None:
    model = am.FunctionalPool("module").eval()
    eager = lwprof.profile(model, (3, 8, 8))
    scripted = torch.jit.trace(model, torch.rand(1, 3, 8, 8)) if wrap == "trace" else torch.jit.script(model)
    p = lwprof.profile(scripted, (3, 8, 8), crosscheck=True)
    # conv: 8 x 8x8 x 27 = 13,824 + fc 8 x 2 = 16: the same count as the eager module (a traced
    # module once reported 80 MACs here: only the linear).
    assert p.macs == eager.macs == 13_840 and p.params == eager.params
    assert len(p.layers) == 1 and p.root.status is Status.OP_LEVEL and "TorchScript" in p.notes[0].text
    assert p.torch_macs == p.macs


def test_a_compiled_module_is_profiled_through_its_original() -> None:
    model = am.FunctionalPool("module")
    p = lwprof.profile(torch.compile(model), (3, 8, 8))
    assert p.macs == 13_840 and p.arch == "FunctionalPool" and "torch.compile'd module" in p.notes[0].text


# --------------------------------------------------------------------------------------------
# One verdict type: MISMATCH only where MAC-class counts disagree


@pytest.mark.parametrize(("how", "verdict"), [("functional", Verdict.BY_DESIGN), ("module", Verdict.BY_DESIGN), ("mean", Verdict.OK)])
def test_global_pooling_three_ways_is_never_a_mismatch(how: str, verdict: Verdict) -> None:
    p = lwprof.profile(am.FunctionalPool(how), (3, 8, 8), crosscheck=True)
    # fvcore counts adaptive_avg_pool2d (one op per input element), not mean: both agree on MACs.
    assert p.macs == 13_840 and p.verdict is verdict and p.mismatches == ()


def test_layernorm_upsample_and_attention_are_not_mismatches() -> None:
    norm = lwprof.profile(am.NormUpsample(), (3, 8, 8), crosscheck=True)
    assert norm.verdict is Verdict.BY_DESIGN and {"upsample_bilinear2d", "layer_norm"} <= set(norm.fvcore_by_op)
    attn = lwprof.profile(am.AttentionBlock(), (10, 32), crosscheck=True)
    # MultiheadAttention: in-projection 10 x 32 x 96 = 30,720, scores and values 2 x 4 heads x 10
    # x 10 x 8 = 6,400, out-projection 10 x 32 x 32 = 10,240 (47,360); the hand-written block the same.
    assert attn.macs == 2 * 47_360
    # FlopCounterMode runs on the math attention path, so it agrees; fvcore has no handle for
    # scaled_dot_product_attention: "fvcore gap", never MISMATCH.
    assert attn.torch_macs == attn.macs and attn.mismatches == () and attn.verdict is Verdict.FVCORE_GAP


def test_containers_iterated_by_their_parent_hold_their_childrens_counts() -> None:
    p = lwprof.profile(am.IteratedBlocks(), (3, 8, 8), crosscheck=True)
    features = next(r for r in p.layers if r.name == "features")
    # conv 3->8: 8 x 64 x 27 = 13,824; conv 8->8: 8 x 64 x 72 = 36,864; heads: 64 x 8 x (2 + 4) = 3,072.
    assert (features.calls, features.macs, p.macs) == (0, 50_688, 53_760)
    assert features.torch_macs == features.fvcore_macs == 50_688 and p.verdict is Verdict.OK


def test_a_quantized_model_counts_its_int8_convs_and_packed_weights() -> None:
    p = lwprof.profile(am.quantized_net(), (3, 8, 8), crosscheck=True)
    # conv (BN and ReLU fused in): 8 x 8x8 outputs x 27 = 13,824 MACs; fc: 8 x 4 = 32.
    # Weights packed: 216 + 8 (the folded BN's bias) + 32 + 4 = 260 parameters, none trainable.
    assert (p.macs, p.params, p.trainable_params, p.device) == (13_856, 260, 0, "cpu")
    assert any(n.text.startswith("2 quantized layer(s)") and "BatchNorm folded into the conv biases" in n.text for n in p.notes)
    # Neither fvcore nor FlopCounterMode counts quantized ops: "unchecked", never MISMATCH or a silent 0.
    assert p.verdict is Verdict.UNCHECKED and p.mismatches == ()


def test_profiling_leaves_no_meta_tensor_in_the_model() -> None:
    model = am.CachingAnchors()
    before = model.cell_anchors
    p = lwprof.profile(model)
    assert p.device == "meta" and p.macs == 4 * 64 * 27
    assert model.cell_anchors is before and model.cell_anchors[0].device.type == "cpu"
    assert model.bias_cache == {} and not hasattr(model, "scratch")
    model(torch.rand(1, 3, 8, 8))  # it still runs; a second profile too
    assert "cpu" in model.bias_cache and lwprof.profile(model).macs == p.macs


def test_a_real_mismatch_is_the_same_in_the_table_the_footer_and_the_api() -> None:
    def off_by_one(module: nn.Linear, shape: tuple[int, ...]) -> formulas.LayerCost:
        cost = formulas.linear_formula(module, shape)
        return formulas.LayerCost(cost.out_shape, cost.params, cost.macs + 1, cost.other_ops, cost.category)

    with formulas.override_formula(am.MismatchingLinear, formula=off_by_one):
        p = lwprof.profile(nn.Sequential(nn.Linear(4, 4), nn.Sequential(am.MismatchingLinear(4, 2))), (4,), crosscheck=True)
    bad = [r for r in p.layers if r.name == "1.0"]
    assert p.mismatches == tuple(bad) and p.verdict is Verdict.MISMATCH
    g = grid.summary_grid(p)
    check = [c.key for c in g.columns].index("crosscheck")
    assert g.total is not None and g.total[check] == Verdict.MISMATCH
    assert [row[0] for row in g.rows if row[check] == Verdict.MISMATCH] == ["1", "1.0"]  # the parent shows the worst below it
    assert "MISMATCH in 1 layer(s): 1.0: lwprof 9 vs fvcore 8 vs FlopCounterMode 8" in [n.text for n in g.notes][-2]


# -- patterns found by reviewing the walker against odd models -----------------------------------------


def test_a_subclass_of_a_pooling_layer_gets_its_base_class_formula() -> None:
    class Pool(nn.MaxPool2d):
        pass

    class GAP(nn.AdaptiveAvgPool2d):
        pass

    p = lwprof.profile(nn.Sequential(nn.Conv2d(3, 4, 3), Pool(2), GAP(1)), (3, 8, 8))
    # conv: 4 x 6 x 6 outputs x 3 x 3 x 3 = 3,888 MACs; pool 2x2 on 4x6x6 -> 4x3x3: 36 x 4 ops; GAP reads 36 elements
    assert p.macs == 3888 and [r.status for r in p.leaves()] == [Status.FORMULA] * 3
    assert [r.other_ops for r in p.leaves()][1:] == [144, 36] and p.layers[2].output_shape == (1, 4, 3, 3)


def test_matrix_vector_dot_and_bilinear_products_are_macs() -> None:
    class Products(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.randn(16, 32))
            self.b = nn.Parameter(torch.randn(16))
            self.bilinear = nn.Bilinear(5, 6, 7, bias=False)

        def forward(self, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> Any:
            v = self.w @ x  # mv: 16 x 32 = 512
            d = torch.dot(x, x)  # dot: 32
            a = torch.addmv(self.b, self.w, x)  # addmv: 512, +16 bias adds
            return v, d, a, self.bilinear(y, z)  # bilinear: 4 x 7 x 5 x 6 = 840

    p = lwprof.profile(Products(), inputs=[torch.randn(32), torch.randn(4, 5), torch.randn(4, 6)])  # tensors: no batch prepended
    assert p.macs == 512 + 32 + 512 + 840
    assert p.layers[1].macs == 840 and p.layers[1].status is Status.UNSUPPORTED  # no formula: counted from its ops, exactly


def test_functional_and_module_norms_count_the_same_ops() -> None:
    class FunctionalNorms(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.group_norm(torch.nn.functional.layer_norm(x, (8,)), 2)

    # 5 ops per element (mean, variance, normalise, scale, shift), whichever way the norm is called
    f = lwprof.profile(FunctionalNorms(), (4, 8))
    m = lwprof.profile(nn.Sequential(nn.LayerNorm(8), nn.GroupNorm(2, 4)), (4, 8))
    assert f.other_ops == m.other_ops == 2 * 5 * 32


def test_a_forward_that_replaces_a_cached_list_entry_is_restored() -> None:
    class ListCache(nn.Module):  # a per-device cache kept in a list (== on tensors would compare values)
        def __init__(self) -> None:
            super().__init__()
            self.cache = [torch.zeros(2)]
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.cache[0] = torch.ones(2, device=x.device)
            return self.fc(x)

    model = ListCache()
    before = model.cache[0]
    assert lwprof.profile(model, (4,)).macs == 16
    assert model.cache[0] is before and before.device.type == "cpu"


def test_integer_reductions_keep_the_meta_walk() -> None:
    class CountThenEmbed(nn.Module):  # a mask's count as an index: sum of bools is int64
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(10, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.emb((x > 0).sum(1)) + (x.long() // 2).float().mean()

    p = lwprof.profile(CountThenEmbed(), (3, 5))
    assert p.device == "meta" and not p.input_dependent and not p.notes


def test_strict_refuses_only_layers_without_a_formula() -> None:
    p = lwprof.profile(am.Conv2dSame(3, 4, 3), (3, 8, 8), strict=True)  # a Conv2d subclass counted from its ops
    assert p.macs > 0
    with pytest.raises(LwprofError, match="no formula for 1 leaf"):
        lwprof.profile(nn.Sequential(nn.Bilinear(2, 2, 2)), inputs=[(2,), (2,)], strict=True)


def test_the_cross_check_runs_at_the_batch_itself() -> None:
    class LowRank(nn.Module):  # LoRA: a @ b on the weights alone, then the input: only the second grows with the batch
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Parameter(torch.randn(32, 4)), nn.Parameter(torch.randn(4, 32))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ (self.a @ self.b)

    one, four = (lwprof.profile(LowRank(), (32,), batch=b, crosscheck=True) for b in (1, 4))
    # a @ b: 32 x 4 x 32 = 4,096 once; x @ W: batch x 32 x 32
    assert (one.macs, four.macs) == (4096 + 1024, 4096 + 4 * 1024)
    assert four.verdict is Verdict.OK and four.torch_macs == four.macs


def test_a_users_string_kwargs_round_trip_through_the_spec() -> None:
    from lwprof.resolve import parse_spec, spec_text

    for kwargs in ({"act": "relu,gelu"}, {"n": "1"}, {"flag": "true"}, {"width": 2, "name": "tiny"}, {"sizes": [1, 2]}):
        assert parse_spec(spec_text("net.py:Net", kwargs))[1] == kwargs


def test_compare_refuses_a_varied_option_that_changes_no_variant() -> None:
    with pytest.raises(LwprofError, match="groups has no effect on mobilenet_v1 unless conv=grouped"):
        lwprof.compare("mobilenet", vary={"groups": [2, 4]})
    assert len(lwprof.compare("mobilenet", vary={"conv": ["standard", "grouped"], "groups": [2, 4]}).variants) == 4  # applies to some


def test_variants_are_timed_on_the_inputs_they_were_profiled_with() -> None:
    spec = "tests/data/user_net.py:OddNet"
    comparison = lwprof.compare_models([spec, f"{spec}@width=24"], inputs=(6, 40, 24))  # user models, a non-square input
    timings = lwprof.api.time_variants(comparison, repeats=1, warmup=0)
    assert set(timings) == {v.label for v in comparison.variants} and all(t.median_s > 0 for t in timings.values())
    assert [r.inputs.specs(1)[0].shape for r in comparison.resolved] == [(1, 6, 40, 24)] * 2


def test_batch_of_a_list_of_images_and_of_tensors() -> None:
    assert lwprof.profile(am.ImageList(), inputs=[[(3, 16, 16), (3, 8, 12)]]).batch == 2  # two images
    assert lwprof.profile(nn.Linear(4, 2), inputs=[torch.randn(5, 4)]).batch == 5  # a tensor fixes the batch
    assert lwprof.profile("mobilenet@resolution=64", batch=3).batch == 3
