"""ONNX Runtime as a runtime: kernels found in its trace, mapped back to the modules that ran them."""

from __future__ import annotations

import sys

import pytest

from lwprof.errors import LwprofError
from lwprof.latency import onnxrt
from lwprof.latency.onnxrt import kernel_groups, kernel_times, module_of

MODULES = ["", "features", "features.0", "features.0.0", "features.0.1", "features.3", "features.3.conv", "features.3.conv.0", "head"]


@pytest.mark.parametrize(
    ("node", "module"),
    [
        ("/features/features.0/features.0.0/Conv", "features.0.0"),  # a Sequential's children are written parent.index
        ("/features/features.3/conv/conv.0/Conv", "features.3.conv.0"),
        ("/head/Gemm", "head"),
        ("/features/features.3/Add", "features.3"),  # an op of the module's own forward
        ("/Flatten", ""),  # the model's own forward
        ("/features/unknown/Relu", "features"),  # an unknown piece stops at the deepest known module
        ("Identity_3", ""),
    ],
)
def test_module_of_reads_exporter_scopes(node: str, module: str) -> None:
    assert module_of(node, MODULES) == module


def test_kernel_times_splits_runs_and_adds_repeated_nodes() -> None:
    # two runs: [0, 100] us and [200, 300] us; node a runs twice in run 1 (10 + 5 us), b once per run
    events = [
        {"cat": "Session", "name": "model_run", "ts": 0, "dur": 100},
        {"cat": "Session", "name": "model_run", "ts": 200, "dur": 100},
        {"cat": "Node", "name": "a_kernel_time", "ts": 10, "dur": 10},
        {"cat": "Node", "name": "a_kernel_time", "ts": 50, "dur": 5},
        {"cat": "Node", "name": "b_kernel_time", "ts": 60, "dur": 20},
        {"cat": "Node", "name": "a_fence_before", "ts": 9, "dur": 0},  # not a kernel event
        {"cat": "Node", "name": "b_kernel_time", "ts": 250, "dur": 30},
        {"cat": "Session", "name": "session_initialization", "ts": -50, "dur": 10},
    ]
    times = kernel_times(events)
    assert times == {"a": pytest.approx((15e-6, 0.0)), "b": pytest.approx((20e-6, 30e-6))}


def _graph(nodes: list[tuple[str, str, list[str], list[str]]]):  # type: ignore[no-untyped-def]
    pytest.importorskip("onnx")
    from onnx import helper

    made = [helper.make_node(op, inputs, outputs, name=name) for name, op, inputs, outputs in nodes]
    return helper.make_model(helper.make_graph(made, "g", [], []))


def test_kernel_groups_follow_a_fused_node_back_to_its_head() -> None:
    # exported: Conv -> Relu -> Add(., skip); optimised: one NCHWc Conv named after the Relu's output (ORT's naming)
    # plus a ReorderOutput that runs no exported node, and the Add kept under its own name
    original = _graph(
        [
            ("/f/f.0/f.0.0/Conv", "Conv", ["x", "w"], ["/f/f.0/f.0.0/Conv_output_0"]),
            ("/f/f.0/f.0.1/Relu", "Relu", ["/f/f.0/f.0.0/Conv_output_0"], ["/f/f.0/f.0.1/Relu_output_0"]),
            ("/f/f.0/Add", "Add", ["/f/f.0/f.0.1/Relu_output_0", "x"], ["y"]),
        ]
    )
    optimised = _graph(
        [
            ("/f/f.0/f.0.1/Relu_output_0_nchwc", "Conv", ["x", "w"], ["reorder_token_0"]),
            ("ReorderOutput_token_1", "ReorderOutput", ["reorder_token_0"], ["r"]),
            ("/f/f.0/Add", "Add", ["r", "x"], ["y"]),
        ]
    )
    groups = kernel_groups(original, optimised, ["", "f", "f.0", "f.0.0", "f.0.1"])
    fused = groups["/f/f.0/f.0.1/Relu_output_0_nchwc"]
    assert fused.nodes == ("/f/f.0/f.0.0/Conv", "/f/f.0/f.0.1/Relu")
    assert fused.modules == ("f.0.0", "f.0.1")
    assert fused.label == "Conv+Relu"
    assert groups["ReorderOutput_token_1"].nodes == () and groups["ReorderOutput_token_1"].label == onnxrt.LAYOUT
    assert groups["/f/f.0/Add"].modules == ("f.0",)


def test_missing_onnxruntime_is_one_line_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(LwprofError, match=r"pip install 'lwprof\[onnx\]'"):
        onnxrt.require()


def test_unknown_runtime_is_refused() -> None:
    from lwprof.latency.measure import measure

    with pytest.raises(LwprofError, match="unknown runtime 'tvm'"):
        measure("mobilenet", runtime="tvm")


def _tiny():  # type: ignore[no-untyped-def]
    from torch import nn

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
            self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(8, 4)

        def forward(self, x):  # type: ignore[no-untyped-def]
            x = self.stem(x)
            x = x + self.dw(x)
            return self.fc(self.pool(x).flatten(1))

    return Tiny().eval()


def test_real_onnxruntime_run_maps_every_layer_once() -> None:
    pytest.importorskip("onnxruntime")
    from lwprof.latency.measure import measure

    model = _tiny()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = measure(model, (3, 16, 16), runtime="onnxruntime", threads=1, warmup=1, repeats=3, max_repeats=3)
    assert result.runtime == "onnxruntime" and result.repeats == 3
    assert all(len(t.times_s) == 3 for t in result.layers)
    names = [t.name for t in result.layers]
    # Conv+BN+ReLU run as one kernel: the BatchNorm is folded by the exporter, the ReLU fused by ONNX Runtime
    assert "stem.{0,1,2}" in names and "dw.{0,1,2}" in names
    # MACs by hand: stem 8*16*16*3*9 = 55,296; dw 8*16*16*9 = 18,432; fc 8*4 = 32; the rest 0 -> 73,760 in all
    assert sum(t.macs for t in result.layers) == 55_296 + 18_432 + 32
    assert result.median_s > 0 and any("ONNX Runtime" in n for n in result.runtime_notes)
    assert all(torch_equal(before[k], v) for k, v in model.state_dict().items())


def torch_equal(a, b) -> bool:  # type: ignore[no-untyped-def]
    import torch

    return bool(torch.equal(a, b))


def test_a_model_that_does_not_export_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("onnxruntime")
    import torch
    from torch import nn

    class CumMax(nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return torch.cummax(x, 0)[0]  # no ONNX symbolic at opset 17

    with pytest.raises(LwprofError, match=r"CumMax does not export to ONNX: .*'aten::cummax'.*--runtime torch"):
        onnxrt.export_onnx(CumMax(), (torch.ones(3, 3),), {}, tmp_path / "never.onnx", "CumMax")
    assert not (tmp_path / "never.onnx").exists()


def test_bench_runtime_onnxruntime_from_the_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("onnxruntime")
    import json

    from typer.testing import CliRunner

    from lwprof.cli import app

    net = tmp_path / "net.py"
    net.write_text(
        "from torch import nn\n"
        "class Net(nn.Sequential):\n"
        "    def __init__(self):\n"
        "        super().__init__(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))\n"
    )
    out = tmp_path / "bench.json"
    args = ["bench", f"{net}:Net", "--input-size", "3,8,8", "--runtime", "onnxruntime", "--threads", "1"]
    done = CliRunner().invoke(app, [*args, "--repeats", "2", "--max-repeats", "2", "--warmup", "1", "-f", "json", "-o", str(out)])
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text())
    assert data["runtime"] == "onnxruntime" and data["threads"] == 1
    by_name = {layer["name"]: layer for layer in data["layers"]}
    # Conv 4x3x3x3 over a 6x6 output = 4*6*6*27 = 3,888 MACs, with its BatchNorm folded and ReLU fused
    assert by_name["0+1+2"]["macs"] == 3_888  # top-level modules have no common parent to factor out
    from tests.data.fake_calibration import write_calibration

    write_calibration(tmp_path / "cache", threads=1)  # only a torch calibration: --predict on ONNX Runtime names the command
    refused = CliRunner().invoke(app, [*args, "--predict"], env={"LWPROF_CACHE_DIR": str(tmp_path / "cache")})
    assert refused.exit_code == 2 and "run `lwprof calibrate --runtime onnxruntime --threads 1` once" in refused.output, refused.output
