"""An ONNX model's size counts every initializer in its own element type (an int8 weight is 1 byte per
element, a float16 one 2), and a matrix product whose K dimensions disagree is refused in one line.

Oracles: sizes derived by hand in comments (elements x bytes of the element type), the ONNX spec's
shapes for Gemm (A: M x K, or K x M with transA; B: K x N, or N x K with transB) and MatMul.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from lwprof import api, cli  # noqa: E402
from lwprof.counting.onnx_graph import stored_bytes  # noqa: E402
from lwprof.errors import LwprofError  # noqa: E402
from lwprof.records import ModelProfile  # noqa: E402
from lwprof.render.grid import summary_notes  # noqa: E402

runner = CliRunner()


def _model(nodes: list, inputs: list, inits: list) -> object:
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def qlinear_conv(bias: bool) -> object:
    """QLinearConv on uint8 1x3x8x8 with an int8 8x3x3x3 weight (and an int32 bias of 8)."""
    rng = np.random.default_rng(1)
    inits = [
        numpy_helper.from_array(np.array(0.1, "float32"), "xs"), numpy_helper.from_array(np.array(128, "uint8"), "xz"),
        numpy_helper.from_array(rng.integers(-127, 127, (8, 3, 3, 3)).astype("int8"), "w"),
        numpy_helper.from_array(rng.random(8).astype("float32"), "ws"), numpy_helper.from_array(np.zeros(8, "int8"), "wz"),
        numpy_helper.from_array(np.array(0.2, "float32"), "ys"), numpy_helper.from_array(np.array(128, "uint8"), "yz"),
    ]  # fmt: skip
    names = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"]
    if bias:
        inits.append(numpy_helper.from_array(rng.integers(-100, 100, 8).astype("int32"), "b"))
        names.append("b")
    node = helper.make_node("QLinearConv", names, ["y"], "qconv", pads=[1, 1, 1, 1])
    return _model([node], [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 3, 8, 8])], inits)


def test_an_int8_weight_takes_one_byte_per_element() -> None:
    # The weight 8 x 3 x 3 x 3 = 216 int8 elements = 216 bytes; the scales and zero points are
    # not params (so not in the size). At 4 bytes per element it was 864.
    p = api.profile(qlinear_conv(bias=False), crosscheck=False)
    assert (p.params, p.model_size_bytes, p.model_size_basis) == (216, 216, "as stored")
    # With the int32 bias: 216 x 1 + 8 x 4 = 248 bytes for 224 params.
    q = api.profile(qlinear_conv(bias=True), crosscheck=False)
    assert (q.params, q.model_size_bytes) == (224, 248)
    assert "Model size (as stored): 248 B" in [n.text.split(";")[0] for n in summary_notes(q)]
    assert json.loads(json.dumps(q.to_dict()))["totals"]["model_size_bytes"] == 248
    assert ModelProfile.from_dict(q.to_dict()).model_size_bytes == 248  # read back as stored, not 224 x 4


def test_a_float16_gemm_takes_two_bytes_per_element_and_float32_stays_at_four() -> None:
    # Gemm 1x8 @ w^T (w 16x8, transB) + bias 16: 128 + 16 = 144 params; float16: 288 bytes.
    def gemm(np_type: str) -> object:
        inits = [numpy_helper.from_array(np.ones((16, 8), np_type), "w"), numpy_helper.from_array(np.ones(16, np_type), "b")]
        elem = TensorProto.FLOAT16 if np_type == "float16" else TensorProto.FLOAT
        node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], "fc", transB=1)
        return _model([node], [helper.make_tensor_value_info("x", elem, [1, 8])], inits)

    half = api.profile(gemm("float16"), crosscheck=False)
    assert (half.params, half.model_size_bytes, half.model_size_basis) == (144, 288, "as stored")
    full = api.profile(gemm("float32"), crosscheck=False)
    assert (full.params, full.model_size_bytes, full.model_size_basis) == (144, 576, "fp32")  # 144 x 4
    assert ModelProfile.from_dict(full.to_dict()).stored_weight_bytes is None  # nothing to keep: the dtype's size


def test_packed_and_unsized_element_types() -> None:
    # int4 (TensorProto 22) packs two to a byte: 5 elements take 3 bytes; a string (8) has no fixed
    # size and takes the fallback's bytes per element.
    assert (stored_bytes(TensorProto.INT4, 5, 4), stored_bytes(TensorProto.INT8, 5, 4), stored_bytes(TensorProto.STRING, 5, 4)) == (3, 5, 20)
    assert stored_bytes(TensorProto.DOUBLE, 5, 4) == 40


def _matmul(a: list[int], b: list[int], op: str = "MatMul", **attrs: int) -> object:
    w = numpy_helper.from_array(np.ones(b, "float32"), "w")
    return _model([helper.make_node(op, ["x", "w"], ["y"], "fc", **attrs)], [helper.make_tensor_value_info("x", TensorProto.FLOAT, a)], [w])


@pytest.mark.parametrize(
    ("a", "b", "op", "attrs", "message"),
    [
        ([1, 8], [4, 3], "MatMul", {}, "A is 1x8 (K=8), B is 4x3 (K=4)"),
        ([2, 5, 8], [6], "MatMul", {}, "A is 2x5x8 (K=8), B is 6 (K=6)"),
        ([1, 8], [16, 4], "Gemm", {"transB": 1}, "A is 1x8 (K=8), B is 16x4 transposed (K=4)"),
        ([8, 1], [4, 16], "Gemm", {"transA": 1}, "A is 8x1 transposed (K=8), B is 4x16 (K=4)"),
    ],
)
def test_a_matrix_product_whose_k_dimensions_disagree_is_refused(tmp_path, a, b, op, attrs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LwprofError) as caught:
        api.profile(_matmul(a, b, op, **attrs), crosscheck=False)
    assert str(caught.value) == f"ONNX node 'fc' ({op}): its inputs' K dimensions disagree: {message}; the graph cannot run: fix the exporter or the file"
    path = tmp_path / "bad.onnx"
    onnx.save(_matmul(a, b, op, **attrs), str(path))
    result = runner.invoke(cli.app, ["summary", str(path), "--no-fvcore"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: {caught.value}"]


def test_agreeing_k_dimensions_still_count() -> None:
    # 1x8 @ 8x3: 3 outputs x K 8 = 24 MACs; Gemm 8x1 (transA) @ 8x16: 1 x 8 x 16 = 128.
    assert api.profile(_matmul([1, 8], [8, 3]), crosscheck=False).macs == 24
    assert api.profile(_matmul([8, 1], [8, 16], "Gemm", transA=1), crosscheck=False).macs == 128
