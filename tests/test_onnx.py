"""ONNX files in: every zoo architecture and a set of the any-model fixtures exported with
``torch.onnx.export(..., dynamo=False)`` count what their PyTorch profile counts; a Keras-style
graph built with onnx's helper API counts its hand-derived numbers; onnx-tool cross-checks
every profile; the CLI reads ``model.onnx`` wherever a model spec goes.

Oracles: the PyTorch profile (itself checked against fvcore, FlopCounterMode and
``sum(p.numel())`` elsewhere), ``sum(p.numel())`` of the exported modules, onnx-tool, ONNX
Runtime's own output shapes, and counts derived by hand in comments.
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from torch import nn  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from lwprof import api, cli  # noqa: E402
from lwprof.architectures import list_architectures  # noqa: E402
from lwprof.counting.onnx_graph import load_model, plan_inputs  # noqa: E402
from lwprof.counting.onnx_ops import registered_onnx_ops  # noqa: E402
from lwprof.counting.onnx_walk import walk_onnx  # noqa: E402
from lwprof.errors import LwprofError  # noqa: E402
from lwprof.records import Status, Verdict  # noqa: E402
from lwprof.resolve import resolve  # noqa: E402
from tests.data import any_models as A  # noqa: E402

runner = CliRunner()
RES = 64  # every zoo net downsamples by 32: 64 keeps a 2x2 last stage and the exports quick


def export(model: nn.Module, shape: tuple[int, ...], path: Path, **kwargs: Any) -> Path:
    """The user's export (TorchScript exporter, opset 17), on trained-looking weights: every
    parameter and BatchNorm statistic random, so that no two initializers are equal (an
    untrained model's all-zero folded biases would be deduplicated by the exporter)."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=g) - 0.5)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(*shape),), str(path), dynamo=False, opset_version=17, **kwargs)
    return path


# -- the zoo, exported -----------------------------------------------------------------------

ZOO = [a.name if hasattr(a, "name") else a for a in list_architectures()]


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx_zoo")


@pytest.mark.parametrize("arch", ZOO)
def test_every_zoo_architecture_exported_counts_as_in_pytorch(arch: str, zoo_dir: Path) -> None:
    """MACs equal exactly, per layer and in total. Parameters differ only by the BatchNorms the
    exporter folded into the conv before them: each folded BatchNorm(C) takes its 2C affine
    parameters (and 2C statistics, buffers) away and gives its conv a C-element bias (none
    where the conv had one already); the test derives that per conv from the PyTorch modules."""
    spec = f"{arch}@resolution={RES}"
    model = resolve(spec).build("cpu")
    path = export(model, (1, 3, RES, RES), zoo_dir / f"{arch}.onnx")
    theirs = api.profile(spec, crosscheck=False)
    ours = api.profile(str(path), crosscheck=True)
    modules = dict(model.named_modules())
    torch_rows = {r.name: r for r in theirs.layers}

    assert ours.macs == theirs.macs
    gained = 0
    convs = [r for r in ours.leaves() if r.type in ("Conv", "Gemm")]
    assert len(convs) == sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())
    for r in convs:  # every conv and linear row is named by its PyTorch module and counts the same
        module = modules[r.name]
        assert r.macs == torch_rows[r.name].macs, r.name
        bias = module.out_channels if isinstance(module, nn.Conv2d) and module.bias is None else 0
        assert r.params == sum(p.numel() for p in module.parameters()) + bias, r.name
        gained += bias
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert not any(r.type == "BatchNormalization" for r in ours.leaves())  # all folded
    folded = sum(m.weight.numel() + m.bias.numel() for m in bns)
    assert ours.params == sum(p.numel() for p in model.parameters()) - folded + gained
    assert ours.buffers == 0 and theirs.buffers == sum(m.running_mean.numel() + m.running_var.numel() for m in bns)
    # onnx-tool agrees on every node, once its bias adds are taken off
    assert ours.root.onnx_tool_macs == ours.macs and ours.root.onnx_tool_params == ours.params
    assert ours.mismatches == () and ours.verdict in (Verdict.OK, Verdict.BY_DESIGN)
    assert ours.unsupported == ()


# -- the any-model fixtures, exported --------------------------------------------------------


class OpsZoo(nn.Module):
    """One of each op the formulas cover beyond the zoo's: ConvTranspose (grouped), a broadcast
    MatMul, max pooling with ceil_mode, average pooling, InstanceNorm, LayerNorm, nearest
    upsampling, ReLU6 (Clip), HardSigmoid, GELU, a channel split and Softmax."""

    def __init__(self) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.inorm = nn.InstanceNorm2d(6, affine=True)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool2d(2)
        self.resize = nn.Upsample(scale_factor=2, mode="nearest")
        self.relu6 = nn.ReLU6()
        self.hsig = nn.Hardsigmoid()
        self.gelu = nn.GELU()
        self.norm = nn.LayerNorm(9)
        self.mix = nn.Parameter(torch.zeros(3, 9, 5))
        self.soft = nn.Softmax(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 4, 8, 8)
        y = self.relu6(self.inorm(self.up(x)))  # (N, 6, 16, 16)
        y = self.pool(y)  # ceil((16 - 3) / 2) + 1 = 8 -> (N, 6, 8, 8)
        y = self.hsig(self.resize(self.avg(y)))  # (N, 6, 8, 8)
        a, b = torch.split(y, 3, dim=1)
        z = self.gelu(a + b).flatten(2)[..., :9]  # (N, 3, 9)
        z = self.norm(z)
        return self.soft(torch.matmul(z.unsqueeze(2), self.mix).squeeze(2))  # (N, 3, 1, 9) @ (3, 9, 5) -> (N, 3, 5)


FIXTURES = {
    "pool_functional": (lambda: A.FunctionalPool("functional"), (1, 3, 16, 16)),
    "pool_module": (lambda: A.FunctionalPool("module"), (1, 3, 16, 16)),
    "pool_mean": (lambda: A.FunctionalPool("mean"), (1, 3, 16, 16)),
    "norm_upsample": (A.NormUpsample, (1, 3, 16, 16)),
    "attention": (A.AttentionBlock, (2, 10, 32)),
    "iterated_blocks": (A.IteratedBlocks, (1, 3, 16, 16)),
    "conv2d_same": (lambda: A.Conv2dSame(3, 8, 3, stride=2), (1, 3, 15, 15)),
    "ops_zoo": (OpsZoo, (2, 4, 8, 8)),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_any_model_fixtures_exported_count_as_in_pytorch(name: str, tmp_path: Path) -> None:
    """Params and MACs exactly as the PyTorch profile (which fvcore and FlopCounterMode check),
    and every other op too: the ONNX formulas use the PyTorch conventions."""
    factory, shape = FIXTURES[name]
    model = factory()
    path = export(model, shape, tmp_path / f"{name}.onnx")
    theirs = api.profile(model, input_size=shape[1:], batch=shape[0], crosscheck=False)
    ours = api.profile(str(path), crosscheck=True)
    assert (ours.params, ours.macs) == (theirs.params, theirs.macs) == (sum(p.numel() for p in model.parameters()), theirs.macs)
    assert ours.mismatches == () and ours.root.onnx_tool_macs == ours.macs
    if name not in ("attention", "ops_zoo"):  # the exporter writes GELU and MHA's scaling as several ops
        assert ours.other_ops == theirs.other_ops


def test_a_weight_the_exporter_stores_twice_counts_twice(tmp_path: Path) -> None:
    """timm's ScaledStdConv2d standardises its weight in its forward; the exporter folds the
    reshape and writes the 8x3x3x3 weight twice, as a 1x8x27 and a 1x27x8 initializer. The file
    holds 216 more weights than the module: counted, per node, as they are."""
    model = A.ScaledStdConv2d(3, 8, 3)
    path = export(model, (1, 3, 16, 16), tmp_path / "std.onnx")
    ours = api.profile(str(path), crosscheck=True)
    weight = model.weight.numel()  # 216
    assert ours.params == sum(p.numel() for p in model.parameters()) + weight
    assert sorted(tuple(t.dims) for t in onnx.load(str(path)).graph.initializer if t.dims and 27 in t.dims) == [(1, 8, 27), (1, 27, 8)]
    assert ours.macs == api.profile(model, input_size=(3, 16, 16), crosscheck=False).macs == 16 * 16 * 8 * 27


# -- a Keras-style graph, built by hand ------------------------------------------------------


def keras_style(path: Path | None = None, batch: int | str = 1) -> Any:
    """The source articles' Keras network as tf2onnx writes it: Conv2D(8, 3, strides=2,
    padding="same") with bias, ReLU, DepthwiseConv2D(3, padding="same") with bias, Conv2D(16, 1),
    GlobalAveragePooling2D, Dense(10), softmax; TF-style names ("model/conv2d/Conv2D")."""
    rng = np.random.default_rng(0)

    def weight(name: str, *shape: int) -> Any:
        return numpy_helper.from_array(rng.standard_normal(shape).astype("float32"), name)

    nodes = [
        helper.make_node("Conv", ["image", "conv2d/kernel", "conv2d/bias"], ["c1"], "model/conv2d/Conv2D", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["c1"], ["r1"], "model/conv2d/Relu"),
        helper.make_node("Conv", ["r1", "dw/kernel", "dw/bias"], ["c2"], "model/depthwise_conv2d/depthwise", kernel_shape=[3, 3], group=8, auto_pad="SAME_UPPER"),
        helper.make_node("Conv", ["c2", "pw/kernel", "pw/bias"], ["c3"], "model/conv2d_1/Conv2D", kernel_shape=[1, 1], auto_pad="VALID"),
        helper.make_node("GlobalAveragePool", ["c3"], ["g"], "model/global_average_pooling2d/Mean"),
        helper.make_node("Flatten", ["g"], ["f"], "model/flatten/Reshape"),
        helper.make_node("Gemm", ["f", "dense/kernel", "dense/bias"], ["d"], "model/dense/MatMul", transB=1),
        helper.make_node("Softmax", ["d"], ["probs"], "model/dense/Softmax", axis=-1),
    ]
    inits = [
        weight("conv2d/kernel", 8, 3, 3, 3), weight("conv2d/bias", 8),
        weight("dw/kernel", 8, 1, 3, 3), weight("dw/bias", 8),
        weight("pw/kernel", 16, 8, 1, 1), weight("pw/bias", 16),
        weight("dense/kernel", 10, 16), weight("dense/bias", 10),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "keras_model", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, 16, 16])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [batch, 10]), helper.make_tensor_value_info("c1", TensorProto.FLOAT, None)], inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tf2onnx-style")
    if path is None:
        return model
    onnx.save(model, str(path))
    return path


def test_keras_style_graph_counts_by_hand(tmp_path: Path) -> None:
    # Input 1x3x16x16.
    # conv2d: 3x3, stride 2, SAME_UPPER: out ceil(16/2) = 8; total pad (8-1)*2 + 3 - 16 = 1, TF puts it
    #   at the end: pads (0, 0, 1, 1). params 8*3*3*3 + 8 = 224; MACs 8*8*8 outputs x 27 = 13,824.
    # depthwise: 3x3, group 8, stride 1, SAME: pads 1 each side; params 8*1*9 + 8 = 80; MACs 512 x 9 = 4,608.
    # conv2d_1: 1x1 8->16: params 128 + 16 = 144; MACs 16*8*8 x 8 = 8,192.
    # dense: 16->10: params 160 + 10 = 170; MACs 160.
    # Total params 224 + 80 + 144 + 170 = 618 (Keras' model.summary() "Total params: 618");
    # MACs 13,824 + 4,608 + 8,192 + 160 = 26,784.
    path = keras_style(tmp_path / "keras.onnx")
    p = api.profile(str(path), crosscheck=True)
    rows = {r.name: r for r in p.layers}
    assert (p.params, p.macs) == (618, 26_784)
    conv = rows["model.conv2d"]  # the Conv2D and its Relu: one Keras layer
    assert (conv.params, conv.macs, conv.output_shape) == (224, 13_824, (1, 8, 8, 8)) and conv.type == "Conv+Relu"
    assert rows["model.depthwise_conv2d"].category == "Conv DW 3x3" and rows["model.depthwise_conv2d"].macs == 4_608
    assert rows["model.depthwise_conv2d"].hparams["padding"] == (1, 1)
    assert rows["model.conv2d_1"].macs == 8_192 and rows["model.dense"].params == 170
    assert rows["model"].depth == 1 and rows["model.conv2d"].depth == 2
    graph = load_model(str(path))
    walked = walk_onnx(graph, plan_inputs(graph, "k"))
    first = next(c for c in walked.nodes if c.name == "model/conv2d/Conv2D")
    assert first.cost.hparams["padding"] == (0, 0, 1, 1)  # TF's "same": the odd pad at the end
    # ONNX Runtime runs the graph: its shapes are lwprof's
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probs, c1 = session.run(None, {"image": np.zeros((1, 3, 16, 16), "float32")})
    assert probs.shape == p.output_shape == (1, 10) and c1.shape == conv.output_shape
    assert p.verdict in (Verdict.OK, Verdict.BY_DESIGN) and p.root.onnx_tool_params == 618


def test_model_proto_through_the_api_is_not_changed(tmp_path: Path) -> None:
    model = keras_style(batch="N")
    before = model.SerializeToString()
    p = api.profile(model, batch=4, crosscheck=True)
    assert p.macs == 4 * 26_784 and p.params == 618 and p.input_shape == (4, 3, 16, 16)
    assert model.SerializeToString() == before  # the graph's symbolic batch is still symbolic
    assert p.arch == "keras_model" and p.spec == ""


# -- symbolic dimensions, fixed ones, bad input ----------------------------------------------


def test_symbolic_dimensions_need_input_size(tmp_path: Path) -> None:
    model = A.FunctionalPool("module")
    path = export(model, (1, 3, 16, 16), tmp_path / "dyn.onnx", input_names=["image"], dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}})
    with pytest.raises(LwprofError, match=r"symbolic dimension 'height' \(dim 2\); give its size with --input-size 3,N,N"):
        api.profile(str(path), crosscheck=True)
    p = api.profile(str(path), input_size=(3, 32, 24), batch=2)
    q = api.profile(model, input_size=(3, 32, 24), batch=2, crosscheck=False)
    assert (p.macs, p.params, p.input_shape) == (q.macs, q.params, (2, 3, 32, 24))
    with pytest.raises(LwprofError, match=r"fixed at 3 in dim 1; --input-size gives 4"):
        api.profile(str(path), input_size=(4, 32, 32))
    with pytest.raises(LwprofError, match=r"takes 3 size\(s\) after the batch"):
        api.profile(str(path), input_size=(1, 3, 32, 32))


def test_a_batch_fixed_in_the_file_is_kept(tmp_path: Path) -> None:
    path = keras_style(tmp_path / "k.onnx")
    assert api.profile(str(path), crosscheck=True).input_shape == (1, 3, 16, 16)
    with pytest.raises(LwprofError, match="fixed at batch 1 in the file"):
        api.profile(str(path), batch=2)
    # A file fixed at batch 8: without --batch it is profiled at 8 (8 x 26,784 = 214,272 MACs,
    # the hand count of test_keras_style_graph_counts_by_hand); --batch 1 differs and is refused.
    eight = keras_style(tmp_path / "k8.onnx", batch=8)
    p = api.profile(str(eight))
    assert (p.input_shape, p.macs) == ((8, 3, 16, 16), 214_272)
    assert api.profile(str(eight), batch=8).macs == 214_272
    with pytest.raises(LwprofError, match=r"fixed at batch 8 in the file \(8x3x16x16\); drop --batch"):
        api.profile(str(eight), batch=1)
    result = runner.invoke(cli.app, ["summary", str(eight), "--batch", "1"])
    assert result.exit_code == 2 and "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert "fixed at batch 8 in the file" in result.output
    assert runner.invoke(cli.app, ["summary", str(eight), "-f", "json"]).exit_code == 0


def test_missing_extra_is_one_line_naming_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = keras_style(tmp_path / "k.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(LwprofError, match=r"reading ONNX files needs the onnx package: pip install 'lwprof\[onnx\]'"):
        api.profile(str(path), crosscheck=True)


def test_missing_onnx_tool_leaves_the_profile_unchecked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = keras_style(tmp_path / "k.onnx")
    monkeypatch.setitem(sys.modules, "onnx_tool", None)
    p = api.profile(str(path), crosscheck=True)
    assert p.macs == 26_784 and p.verdict is Verdict.NA and "onnx-tool is not installed (pip install 'lwprof[onnx]')" in p.crosscheck_note


def test_an_op_without_a_formula_is_unsupported_and_said(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Einsum", ["x", "w"], ["y"], "mix", equation="bi,ij->bj"),
        helper.make_node("Relu", ["y"], ["z"], "act"),
    ]
    w = numpy_helper.from_array(np.ones((4, 5), "float32"), "w")
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])], [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)], [w])
    path = tmp_path / "einsum.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    p = api.profile(str(path), crosscheck=True)
    mix = next(r for r in p.layers if r.name == "mix")
    assert mix.status is Status.UNSUPPORTED and p.unsupported == ("mix",) and mix.params == 20
    assert mix.macs == 0 and mix.other_ops == 2 * 5  # 1 op per output element, as an aten op without a handler
    from lwprof.render.grid import summary_notes

    said = [n.text for n in summary_notes(p) if "without a formula" in n.text]
    assert said == ["1 row(s) hold ONNX ops without a formula: mix (no formula for ONNX op Einsum: 1 op per output element, 0 MACs; --strict makes this an error)"]
    with pytest.raises(LwprofError, match="no formula for ONNX op"):
        api.profile(str(path), strict=True)


def test_onnx_runtime_fused_ops_count_as_the_graph_they_replace(tmp_path: Path) -> None:
    """ONNX Runtime saves its optimised graph with com.microsoft FusedConv (Conv + Relu) and
    FusedGemm nodes: the same MACs and params as the graph it read."""
    ort = pytest.importorskip("onnxruntime")
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, groups=8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 14 * 14, 10), nn.ReLU())
    source = export(model, (1, 3, 16, 16), tmp_path / "plain.onnx")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(tmp_path / "fused.onnx")
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    fused = onnx.load(str(tmp_path / "fused.onnx"))
    assert "FusedConv" in {n.op_type for n in fused.graph.node}
    plain, optimised = api.profile(str(source), crosscheck=True), api.profile(str(tmp_path / "fused.onnx"), crosscheck=True)
    # MACs by hand: conv 3->8, 3x3, pad 1 on 16x16: 16*16*8 outputs x 27 = 55,296; depthwise 3x3,
    # no pad: 14*14*8 outputs x 9 = 14,112; Linear 8*14*14 = 1,568 -> 10: 15,680. 85,088 in all.
    assert (optimised.params, optimised.macs) == (plain.params, plain.macs) == (sum(p.numel() for p in model.parameters()), 85_088)
    assert optimised.unsupported == () and optimised.mismatches == ()
    # onnx-tool does not know them: it counts them as the Conv and Gemm they fuse, and agrees
    assert optimised.verdict is Verdict.OK and optimised.root.onnx_tool_macs == optimised.macs
    assert [r.name for r in optimised.leaves()] == ["0", "2", "4", "5"]  # "fused /5/Gemm" is in scope 5


def test_every_op_the_issue_names_has_a_formula() -> None:
    have = {op for _, op in registered_onnx_ops()}
    named = {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "InstanceNormalization", "LayerNormalization",
        "MaxPool", "AveragePool", "GlobalAveragePool", "Resize", "Upsample", "Add", "Mul", "Relu", "Clip", "Sigmoid",
        "HardSwish", "HardSigmoid", "Gelu", "Softmax", "Concat", "Reshape", "Transpose", "Split", "Slice", "Flatten",
        "ReduceMean", "FusedConv", "FusedGemm",
    }  # fmt: skip
    assert named <= have, named - have


# -- specs: magic bytes, compare, pin, check --expect, the CLI -------------------------------


@pytest.fixture
def keras_file(tmp_path: Path) -> Path:
    return keras_style(tmp_path / "keras.onnx")


def test_an_onnx_file_is_known_by_its_first_bytes(keras_file: Path) -> None:
    other = keras_file.with_name("model.bin")
    shutil.copy(keras_file, other)
    assert api.profile(str(other)).macs == 26_784
    text = keras_file.with_name("notes.bin")
    text.write_text("not a model")
    with pytest.raises(LwprofError, match="unknown architecture|did you mean|no architecture"):
        api.profile(str(text))


def test_cli_summary_table_json_csv_depth(keras_file: Path) -> None:
    table = runner.invoke(cli.app, ["summary", str(keras_file)])
    assert table.exit_code == 0, table.output
    assert "depthwise_conv2d" in table.stdout and "Conv+Relu" in table.stdout
    assert "onnx-tool" in table.stdout and "618" in table.stdout and "26,784" in table.stdout
    js = runner.invoke(cli.app, ["summary", str(keras_file), "-f", "json"])
    data = json.loads(js.stdout)
    assert data["totals"]["macs"] == 26_784 and data["totals"]["params"] == 618 and data["crosscheck"] in ("ok", "by design")
    assert data["device"] == "onnx" and data["layers"][0]["onnx_tool_macs"] == 26_784
    assert {r["name"] for r in data["layers"] if r["depth"] == 2} == {"model.conv2d", "model.depthwise_conv2d", "model.conv2d_1", "model.global_average_pooling2d", "model.flatten", "model.dense"}
    csv = runner.invoke(cli.app, ["summary", str(keras_file), "-f", "csv", "--depth", "1"])
    lines = csv.stdout.strip().splitlines()
    assert lines[0].startswith("name,") and lines[1:] == ["model,scope,,1x10,618,26784,100.00,by design,,1,false,1,618,26784"]  # the one depth-1 scope
    bad = runner.invoke(cli.app, ["summary", str(keras_file.with_name("missing.onnx"))])
    assert bad.exit_code == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.output
    garbage = keras_file.with_name("garbage.onnx")
    garbage.write_bytes(b"\xff" * 64)
    bad = runner.invoke(cli.app, ["summary", str(garbage)])
    assert bad.exit_code == 2 and "is not a readable ONNX model" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_compare_pin_and_check_expect(keras_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pooled = export(A.FunctionalPool("module"), (1, 3, 16, 16), tmp_path / "pool.onnx")
    result = runner.invoke(cli.app, ["compare", str(keras_file), str(pooled), "-f", "json"])
    assert result.exit_code == 0, result.output
    # keras: 26,784 (by hand above); FunctionalPool: conv 16*16*8 x 27 = 55,296 + fc 8 x 2 = 16
    assert [v["totals"]["macs"] for v in json.loads(result.stdout)["variants"]] == [26_784, 55_312]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ci").mkdir()
    assert runner.invoke(cli.app, ["pin", "keras.onnx", "-o", "ci/lwprof.toml"]).exit_code == 0
    pinned = (tmp_path / "ci" / "lwprof.toml").read_text()
    assert 'spec = "../keras.onnx"' in pinned and "params = 618" in pinned and "macs = 26784" in pinned
    monkeypatch.chdir(tmp_path / "ci")  # the spec is found from the expectations file's folder
    checked = runner.invoke(cli.app, ["check", "--expect", "lwprof.toml"])
    assert checked.exit_code == 0 and "3 of 3 expectations hold" in checked.stdout, checked.output


def test_the_docs_list_every_op_with_a_formula() -> None:
    text = (Path(__file__).parent.parent / "docs" / "onnx.md").read_text()
    table = text.split("| ONNX ops |", 1)[1].split("\n\n", 1)[0]
    missing = [op for _, op in registered_onnx_ops() if op not in table.replace(",", " ").split()]
    assert not missing, missing


def test_bench_refuses_an_onnx_graph_in_one_line(keras_file: Path) -> None:
    result = runner.invoke(cli.app, ["bench", str(keras_file)])
    assert result.exit_code == 2 and "an ONNX graph is counted (lwprof summary), not timed" in result.stderr


def test_unnamed_and_repeated_node_names_are_rows_of_their_own(tmp_path: Path) -> None:
    # Two Gemms named alike and one unnamed: 4x8 @ 8x8 twice = 2 x 256 MACs, then 4x8 @ 8x2 = 64.
    w = [numpy_helper.from_array(np.full(shape, i + 1, "float32"), f"w{i}") for i, shape in enumerate([(8, 8), (8, 8), (8, 2)])]
    nodes = [
        helper.make_node("Gemm", ["x", "w0"], ["a"], "fc"),
        helper.make_node("Gemm", ["a", "w1"], ["b"], "fc"),
        helper.make_node("Gemm", ["b", "w2"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], w)
    path = tmp_path / "names.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    p = api.profile(str(path), crosscheck=True)
    assert [(r.name, r.macs, r.params) for r in p.layers[1:]] == [("fc", 256, 64), ("fc_", 256, 64), ("Gemm_2", 64, 16)]
    assert p.mismatches == () and p.root.onnx_tool_macs == 576


def test_weights_listed_as_inputs_or_stored_beside_the_file(tmp_path: Path) -> None:
    """Older exporters list every initializer as a graph input too (keep_initializers_as_inputs);
    big models keep their weights in an external data file. Neither changes the count."""
    model = A.FunctionalPool("module")
    listed = export(model, (1, 3, 16, 16), tmp_path / "listed.onnx", keep_initializers_as_inputs=True)
    assert len(onnx.load(str(listed)).graph.input) > 1  # the image and the weights
    external = tmp_path / "external.onnx"
    onnx.save(onnx.load(str(listed)), str(external), save_as_external_data=True, all_tensors_to_one_file=True, location="external.data", size_threshold=0)
    assert (tmp_path / "external.data").exists()
    expected = (sum(p.numel() for p in model.parameters()), 16 * 16 * 8 * 27 + 8 * 2)  # 242; conv 55,296 + fc 16
    for path in (listed, external):
        p = api.profile(str(path), crosscheck=True)
        assert (p.params, p.macs) == expected and p.input_shape == (1, 3, 16, 16) and p.mismatches == ()


# -- quantized models ------------------------------------------------------------------------


def qdq_conv(path: Path | None = None) -> Any:
    """A QDQ (int8) conv as ONNX Runtime's quantizer writes it: the int8 8x3x3x3 weight behind
    a DequantizeLinear (per-channel float scale and int8 zero point, 8 each), a float bias of 8."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.integers(-127, 127, (8, 3, 3, 3)).astype("int8"), "wq"),
        numpy_helper.from_array(rng.random(8).astype("float32"), "scale"),
        numpy_helper.from_array(np.zeros(8, "int8"), "zero"),
        numpy_helper.from_array(rng.random(8).astype("float32"), "b"),
    ]
    nodes = [
        helper.make_node("DequantizeLinear", ["wq", "scale", "zero"], ["w"], "/conv/DequantizeLinear", axis=0),
        helper.make_node("Conv", ["x", "w", "b"], ["y"], "/conv/Conv", pads=[1, 1, 1, 1]),
    ]
    graph = helper.make_graph(nodes, "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if path is None:
        return model
    onnx.save(model, str(path))
    return path


def test_int8_weights_behind_dequantize_linear_are_params() -> None:
    # By hand: the weight 8*3*3*3 = 216 (int8) + the bias 8 = 224 params; the scale and zero
    # point (8 + 8) are not. Conv 3x3 pad 1 on 8x8: 8x8x8 = 512 outputs x 27 = 13,824 MACs.
    # Other ops: DequantizeLinear 216 (one per weight element) + the bias 512 = 728.
    p = api.profile(qdq_conv(), crosscheck=False)
    assert (p.params, p.buffers, p.macs, p.other_ops) == (224, 0, 13_824, 728)
    assert p.unsupported == ()


def test_qlinear_conv_counts_as_the_conv_it_computes() -> None:
    # QLinearConv on uint8 1x3x8x8, int8 weight 8x3x3x3 (216), int32 bias 8: 224 params; the
    # six scales and zero points (1 + 1 + 8 + 8 + 1 + 1 = 20 elements) are not. MACs as the
    # float conv: 512 outputs x 27 = 13,824; the bias 512 other ops.
    rng = np.random.default_rng(1)
    inits = [
        numpy_helper.from_array(np.array(0.1, "float32"), "xs"), numpy_helper.from_array(np.array(128, "uint8"), "xz"),
        numpy_helper.from_array(rng.integers(-127, 127, (8, 3, 3, 3)).astype("int8"), "w"),
        numpy_helper.from_array(rng.random(8).astype("float32"), "ws"), numpy_helper.from_array(np.zeros(8, "int8"), "wz"),
        numpy_helper.from_array(np.array(0.2, "float32"), "ys"), numpy_helper.from_array(np.array(128, "uint8"), "yz"),
        numpy_helper.from_array(rng.integers(-100, 100, 8).astype("int32"), "b"),
    ]  # fmt: skip
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], "qconv", pads=[1, 1, 1, 1])
    graph = helper.make_graph([node], "q", [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 3, 8, 8])], [helper.make_tensor_value_info("y", TensorProto.UINT8, None)], inits)
    p = api.profile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), crosscheck=False)
    assert (p.params, p.macs, p.other_ops, p.output_shape) == (224, 13_824, 512, (1, 8, 8, 8))


def test_the_params_cross_check_compares_lwprofs_params_and_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    # onnx-tool counts every initializer: 216 + 8 + 8 (at the DequantizeLinear) + 8 (the bias, at
    # the Conv) = 240. lwprof: params 224 (finding: the int8 weight is one) + 16 scale and zero
    # point elements excluded as declared non-weights + 0 integer initializers read as data = 240.
    from lwprof.counting import onnx_check
    from lwprof.render.grid import summary_notes

    p = api.profile(qdq_conv(), crosscheck=True)
    assert p.params == 224 and p.root.onnx_tool_params == 240 and p.mismatches == ()
    line = next(n.text for n in summary_notes(p) if n.text.startswith("onnx-tool params"))
    assert line.endswith("lwprof's params 224 + buffers 0 + 16 elements of shape, axis, bound, scale and zero-point inputs + 0 of integer initializers read as data = 240, equal")
    real = onnx_check.onnx_tool_counts

    def one_more(*args: Any) -> dict[str, tuple[int, int]]:  # onnx-tool seeing one more parameter in the conv
        out = real(*args)
        macs, params = out["/conv/Conv"]
        out["/conv/Conv"] = (macs, params + 1)
        return out

    monkeypatch.setattr(onnx_check, "onnx_tool_counts", one_more)
    q = api.profile(qdq_conv(), crosscheck=True)
    assert q.mismatches != () and q.verdict is Verdict.MISMATCH
    line = next(n.text for n in summary_notes(q) if n.text.startswith("onnx-tool params"))
    assert line.endswith("= 240: MISMATCH, onnx-tool +1")


def test_an_input_without_a_shape_takes_it_from_input_size() -> None:
    # x has no shape in the file (not even a rank); --input-size 8 makes it 1x8 (batch 1):
    # MatMul 1x8 @ 8x8 = 8 outputs x K 8 = 64 MACs; at --batch 3, 3 x 64 = 192.
    w = numpy_helper.from_array(np.ones((8, 8), "float32"), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], "fc")], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(LwprofError, match=r"^g: input 'x' has no shape in the file; give --input-size \(one sample, without the batch\)$"):
        api.profile(model)
    assert api.profile(model, input_size=(8,)).macs == 64
    p = api.profile(model, input_size=(8,), batch=3)
    assert (p.macs, p.input_shape) == (192, (3, 8))
    scalar = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], "r")], "s", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(LwprofError, match=r"input 'x' is a scalar \(rank 0\)"):
        api.profile(helper.make_model(scalar, opset_imports=[helper.make_opsetid("", 17)]))


def test_a_graph_without_inputs_is_one_line_exit_2(tmp_path: Path) -> None:
    w = numpy_helper.from_array(np.ones((8, 8), "float32"), "w")
    const = helper.make_node("Constant", [], ["x"], "c", value=numpy_helper.from_array(np.ones((1, 8), "float32")))
    graph = helper.make_graph([const, helper.make_node("MatMul", ["x", "w"], ["y"], "fc")], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    path = tmp_path / "noin.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(LwprofError, match="the graph has no inputs"):
        api.profile(str(path))
    result = runner.invoke(cli.app, ["summary", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: {path}: the graph has no inputs (only constants and initializers); lwprof profiles graphs with at least one input"]


def test_external_weight_data_is_not_needed_to_count(tmp_path: Path) -> None:
    # Gemm x 1x8 @ w^T (w 16x8, transB): 8 x 16 = 128 params, 1 x 8 x 16 = 128 MACs, counted
    # from the dims in the file: the external data file is deleted before profiling.
    w = numpy_helper.from_array(np.ones((16, 8), "float32"), "w")
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"], "fc", transB=1)], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path), save_as_external_data=True, location="m.data", size_threshold=0)
    (tmp_path / "m.data").unlink()
    p = api.profile(str(path), crosscheck=True)
    assert (p.params, p.macs) == (128, 128)
    assert p.root.onnx_tool_params == 128 and p.mismatches == () and p.verdict is Verdict.OK
