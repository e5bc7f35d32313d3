"""Per-node cost formulas for ONNX graphs: one registered function per ONNX op type (and domain).

The ONNX counterpart of :mod:`lwprof.counting.formulas` (layer types) and
:mod:`lwprof.counting.ops` (aten ops), with the same conventions, so that a model exported from
PyTorch counts what its PyTorch profile counts:

* Conv MACs = output elements x C_in/group x kernel elements; ConvTranspose MACs = input
  elements x C_out/group x kernel elements; Gemm = M x K x N; MatMul = output elements x K
  (broadcast batch dimensions included).
* Not MACs but other ops: a bias add and every element-wise op or activation (one per output
  element), BatchNormalization (2 per element: scale and shift at inference), Instance/Layer/
  GroupNormalization (5 per element), pooling (one per window element per output), global
  pooling and reductions (one per input element), Resize (one per output element).
* Data movement (Concat, Reshape, Transpose, Split, Slice, Flatten, Squeeze, ...) costs nothing.

A formula receives an :class:`OnnxNode` (attributes and the inferred shapes of its inputs and
outputs) and returns a :class:`NodeCost`. :func:`register_onnx_op` also declares which inputs
are not weights even when they are initializers (a Reshape's target shape, a Clip's bounds,
Resize's scales) and which are buffers (BatchNormalization's running mean and variance, as
PyTorch's BatchNorm buffers). This module imports neither torch nor onnx.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lwprof.errors import LwprofError
from lwprof.records import Shape

__all__ = ["NodeCost", "OnnxNode", "OpInfo", "conv_pads", "find_onnx_op", "register_onnx_op", "registered_onnx_ops"]

prod = math.prod


@dataclass(frozen=True)
class OnnxNode:
    """One node as a formula sees it.

    Attributes:
        op_type: "Conv", "Gemm", ...
        domain: "" for the standard ops, "com.microsoft" for ONNX Runtime's fused ops.
        name: The node's name.
        attrs: Attributes by name (ints, floats, strings as str, lists as tuples).
        inputs: The shape of each input (None for an absent optional input or an unknown shape).
        outputs: The shape of each output (None when shape inference gave none).
    """

    op_type: str
    domain: str
    name: str
    attrs: Mapping[str, Any]
    inputs: tuple[Shape | None, ...]
    outputs: tuple[Shape | None, ...]

    def input(self, i: int) -> Shape:
        """The shape of input ``i``; a one-line error when it is absent or unknown."""
        shape = self.inputs[i] if i < len(self.inputs) else None
        if shape is None:
            raise LwprofError(f"ONNX node {self.name!r} ({self.op_type}): the shape of its input {i} is unknown (shape inference gave none)")
        return shape

    def has(self, i: int) -> bool:
        """Whether optional input ``i`` is given."""
        return i < len(self.inputs) and self.inputs[i] is not None

    @property
    def out(self) -> Shape:
        """The first output's shape; a one-line error when unknown."""
        shape = self.outputs[0] if self.outputs else None
        if shape is None:
            raise LwprofError(f"ONNX node {self.name!r} ({self.op_type}): the shape of its output is unknown (shape inference gave none)")
        return shape


@dataclass(frozen=True)
class NodeCost:
    """What one node costs (the ONNX counterpart of :class:`~lwprof.counting.formulas.LayerCost`).

    Attributes:
        macs: Multiply-accumulates.
        other_ops: Non-MAC operations.
        category: Layer type as in MobileNetV1's Table 2 ("Conv DW 3x3", "FC", "Activation", ...).
        formula: The MAC formula in words with the numbers filled in.
        hparams: Key hyper-parameters for tables.
        out_shape: The output shape the formula computed, for ops ONNX's shape inference does not
            know (ONNX Runtime's fused ops); None: use the inferred one.
    """

    macs: int
    other_ops: int
    category: str
    formula: str = ""
    hparams: Mapping[str, Any] = field(default_factory=dict)
    out_shape: Shape | None = None


NodeFormula = Callable[[OnnxNode], NodeCost]


@dataclass(frozen=True)
class OpInfo:
    """A registered op: its formula and how its initializer inputs count.

    Attributes:
        formula: The cost function.
        non_weights: Input positions that are never parameters (shapes, axes, bounds, scales).
        buffers: Input positions counted as buffers (running statistics), not parameters.
        mac_class: The op's MACs are multiply-accumulates of a convolution or matrix product
            (what the cross-check compares directly with onnx-tool's).
        any_dtype: Input positions that are parameters whatever their element type (the int8
            weights of a quantized model); other non-float initializers are never parameters.
    """

    formula: NodeFormula
    non_weights: frozenset[int] = frozenset()
    buffers: frozenset[int] = frozenset()
    mac_class: bool = False
    any_dtype: frozenset[int] = frozenset()


_ONNX_OPS: dict[tuple[str, str], OpInfo] = {}
_STANDARD = ("", "ai.onnx")


def register_onnx_op(
    *op_types: str,
    domain: str = "",
    non_weights: Sequence[int] = (),
    buffers: Sequence[int] = (),
    mac_class: bool = False,
    any_dtype: Sequence[int] = (),
) -> Callable[[NodeFormula], NodeFormula]:
    """Registers a formula for ONNX op types of one domain.

    Args:
        *op_types: The op types, e.g. "Conv".
        domain: "" (the standard ops; "ai.onnx" is the same) or e.g. "com.microsoft".
        non_weights: Input positions that are never parameters, even as initializers.
        buffers: Input positions whose initializers are buffers, not parameters.
        mac_class: The formula's MACs are conv / matrix-product MACs.
        any_dtype: Input positions that are parameters whatever their element type (int8 weights).

    Raises:
        RuntimeError: An op type already has a formula in that domain.
    """

    def deco(fn: NodeFormula) -> NodeFormula:
        for op in op_types:
            key = ("" if domain in _STANDARD else domain, op)
            if key in _ONNX_OPS:
                raise RuntimeError(f"a formula for ONNX op {domain + '.' if domain else ''}{op} is already registered")
            _ONNX_OPS[key] = OpInfo(fn, frozenset(non_weights), frozenset(buffers), mac_class, frozenset(any_dtype))
        return fn

    return deco


def find_onnx_op(op_type: str, domain: str = "") -> OpInfo | None:
    """The registered op (formula and input roles) of an op type in a domain, or None."""
    return _ONNX_OPS.get(("" if domain in _STANDARD else domain, op_type))


def registered_onnx_ops() -> list[tuple[str, str]]:
    """(domain, op type) of every op with a formula, sorted."""
    return sorted(_ONNX_OPS)


# -- helpers ---------------------------------------------------------------------------------


def _ints(value: Any, n: int, default: int) -> tuple[int, ...]:
    if value is None:
        return (default,) * n
    return tuple(int(v) for v in value)


def _auto_pad(attrs: Mapping[str, Any]) -> str:
    return str(attrs.get("auto_pad", "NOTSET") or "NOTSET")


def conv_pads(attrs: Mapping[str, Any], spatial: Shape, kernel: Shape, strides: Shape, dilations: Shape) -> tuple[int, ...]:
    """The explicit pads (begin..., end...) of a Conv or pooling node, ``auto_pad`` resolved.

    SAME_UPPER / SAME_LOWER pad ``max((ceil(H / s) - 1) s + d (k - 1) + 1 - H, 0)`` in total per
    dimension (TensorFlow's "same"), the odd one at the end (UPPER) or the beginning (LOWER).
    """
    n = len(spatial)
    mode = _auto_pad(attrs)
    if mode == "VALID":
        return (0,) * (2 * n)
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for size, k, s, d in zip(spatial, kernel, strides, dilations):
            total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
            small, big = total // 2, total - total // 2
            begin.append(small if mode == "SAME_UPPER" else big)
            end.append(big if mode == "SAME_UPPER" else small)
        return (*begin, *end)
    return _ints(attrs.get("pads"), 2 * n, 0)


def _window_out(size: int, k: int, s: int, begin: int, end: int, d: int, ceil: bool) -> int:
    span = size + begin + end - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + begin:  # the last window must start inside (as PyTorch)
        out -= 1
    return out


def _show_pads(pads: tuple[int, ...]) -> tuple[int, ...]:
    n = len(pads) // 2
    return pads[:n] if pads[:n] == pads[n:] else pads


def _ksize(kernel: Shape) -> str:
    return "x".join(map(str, kernel))


# -- convolutions and matrix products: MACs --------------------------------------------------


def _conv(node: OnnxNode, activation: bool = False) -> NodeCost:
    x, w = node.input(0), node.input(1)
    n = len(w) - 2
    kernel = tuple(w[2:])
    strides = _ints(node.attrs.get("strides"), n, 1)
    dilations = _ints(node.attrs.get("dilations"), n, 1)
    groups = int(node.attrs.get("group", 1))
    pads = conv_pads(node.attrs, x[2:], kernel, strides, dilations)
    spatial = tuple(_window_out(size, k, s, pads[i], pads[i + n], d, False) for i, (size, k, s, d) in enumerate(zip(x[2:], kernel, strides, dilations)))
    out = node.outputs[0] if node.outputs and node.outputs[0] else (x[0], w[0], *spatial)  # the inferred shape, else the formula's
    spatial = tuple(out[2:])
    cin_per_group = w[1]
    macs = prod(out) * cin_per_group * prod(kernel)
    has_bias = node.has(2)
    other = (prod(out) if has_bias else 0) + (prod(out) if activation else 0) + (prod(out) if node.has(3) else 0)
    ks = _ksize(kernel)
    c_in = x[1]
    if groups == 1:
        category = f"Conv {ks}"
    elif groups == c_in and w[0] % c_in == 0:
        category = f"Conv DW {ks}"
    else:
        category = f"Conv {ks} group"
    formula = f"{x[0]} x {w[0]} x {_ksize(spatial)} outputs x {cin_per_group} (C_in/g = {c_in}/{groups}) x {ks} kernel = {macs:,} MACs"
    hparams = {"kernel": kernel, "stride": strides, "padding": _show_pads(pads), "dilation": dilations, "groups": groups}
    if _auto_pad(node.attrs) != "NOTSET":
        hparams["auto_pad"] = _auto_pad(node.attrs)
    return NodeCost(macs, other, category, formula, hparams, out)


@register_onnx_op("Conv", mac_class=True)
def conv(node: OnnxNode) -> NodeCost:
    """Conv: output elements x C_in/group x kernel; the bias is one other op per output element."""
    return _conv(node)


@register_onnx_op("FusedConv", domain="com.microsoft", mac_class=True)
def fused_conv(node: OnnxNode) -> NodeCost:
    """ONNX Runtime's Conv + activation (+ an added tensor Z): the conv's MACs, the activation
    (and the add) one other op per output element."""
    return _conv(node, activation=True)


@register_onnx_op("ConvTranspose", mac_class=True)
def conv_transpose(node: OnnxNode) -> NodeCost:
    """ConvTranspose: every input element spread over a kernel into C_out/group channels."""
    x, w = node.input(0), node.input(1)
    kernel = tuple(w[2:])
    groups = int(node.attrs.get("group", 1))
    cout_per_group = w[1]
    macs = prod(x) * cout_per_group * prod(kernel)
    out = node.out
    ks = _ksize(kernel)
    formula = f"{prod(x):,} input elements x {cout_per_group} (C_out/g = {cout_per_group * groups}/{groups}) x {ks} kernel = {macs:,} MACs"
    n = len(kernel)
    hparams = {"kernel": kernel, "stride": _ints(node.attrs.get("strides"), n, 1), "dilation": _ints(node.attrs.get("dilations"), n, 1), "groups": groups}
    category = f"ConvT {ks}" if groups == 1 else f"ConvT {ks} group"
    return NodeCost(macs, prod(out) if node.has(2) else 0, category, formula, hparams)


def _same_k(node: OnnxNode, a: Shape, b: Shape, ka: int, kb: int) -> None:
    """Refuses a matrix product whose inner (K) dimensions disagree: such a graph does not run, so no count is right."""
    if ka != kb:
        flags = {"A": " transposed" if node.attrs.get("transA", 0) else "", "B": " transposed" if node.attrs.get("transB", 0) else ""}
        raise LwprofError(
            f"ONNX node {node.name!r} ({node.op_type}): its inputs' K dimensions disagree: A is {'x'.join(map(str, a))}{flags['A']} "
            f"(K={ka}), B is {'x'.join(map(str, b))}{flags['B']} (K={kb}); the graph cannot run: fix the exporter or the file"
        )


def _gemm(node: OnnxNode, activation: bool = False) -> NodeCost:
    a, b = node.input(0), node.input(1)
    m, k = (a[1], a[0]) if node.attrs.get("transA", 0) else (a[0], a[1])
    n, kb = (b[0], b[1]) if node.attrs.get("transB", 0) else (b[1], b[0])
    _same_k(node, a, b, k, kb)
    macs = m * k * n
    other = (m * n if node.has(2) else 0) + (m * n if activation else 0)
    return NodeCost(macs, other, "FC", f"{m} rows x {k} in x {n} out = {macs:,} MACs", {}, (m, n))


@register_onnx_op("Gemm", mac_class=True)
def gemm(node: OnnxNode) -> NodeCost:
    """Gemm (a Linear layer): M x K x N; the bias C is one other op per output element."""
    return _gemm(node)


@register_onnx_op("FusedGemm", domain="com.microsoft", mac_class=True)
def fused_gemm(node: OnnxNode) -> NodeCost:
    """ONNX Runtime's Gemm + activation: the Gemm's MACs, the activation one other op per output."""
    return _gemm(node, activation=True)


def _matmul_out(a: Shape, b: Shape) -> Shape:
    """numpy.matmul's output shape (broadcast batch dimensions; 1-D operands promoted and dropped)."""
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    batch_a, batch_b = a2[:-2], b2[:-2]
    rank = max(len(batch_a), len(batch_b))
    batch_a, batch_b = (1,) * (rank - len(batch_a)) + tuple(batch_a), (1,) * (rank - len(batch_b)) + tuple(batch_b)
    batch = tuple(max(x, y) for x, y in zip(batch_a, batch_b))
    out = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        out = (*out[:-2], out[-1])
    if len(b) == 1:
        out = out[:-1]
    return out


@register_onnx_op("MatMul", mac_class=True)
def matmul(node: OnnxNode) -> NodeCost:
    """MatMul (numpy broadcasting): every output element is a K-long dot product."""
    a, b = node.input(0), node.input(1)
    k = a[-1]
    _same_k(node, a, b, k, b[0] if len(b) == 1 else b[-2])
    out = _matmul_out(a, b)
    macs = prod(out) * k
    return NodeCost(macs, 0, "MatMul", f"{prod(out):,} outputs x {k} (K) = {macs:,} MACs", {}, out)


# -- quantized models (QDQ and QLinear ops) --------------------------------------------------


@register_onnx_op("DequantizeLinear", "QuantizeLinear", non_weights=(1, 2), any_dtype=(0,))
def quantize_linear(node: OnnxNode) -> NodeCost:
    """QuantizeLinear / DequantizeLinear: one op per output element (x / scale + zero point, or
    (x - zero point) x scale). An initializer input 0 (a QDQ model's int8 weight) is a
    parameter whatever its element type; the scale and zero point are not."""
    return NodeCost(0, prod(node.out), "Quantize", "1 op per output element, 0 MACs")


def _qlinear(node: OnnxNode, bias: int | None) -> OnnxNode:
    """A QLinearConv / QLinearMatMul seen as the Conv / MatMul it computes: inputs x, w (, bias)."""
    ins: tuple[Shape | None, ...] = (node.inputs[0] if node.inputs else None, node.inputs[3] if len(node.inputs) > 3 else None)
    if bias is not None and len(node.inputs) > bias:
        ins = (*ins, node.inputs[bias])
    return OnnxNode(node.op_type, node.domain, node.name, node.attrs, ins, node.outputs)


@register_onnx_op("QLinearConv", non_weights=(1, 2, 4, 5, 6, 7), any_dtype=(3, 8), mac_class=True)
def qlinear_conv(node: OnnxNode) -> NodeCost:
    """QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias): a Conv's MACs on
    the int8 weight w; its int32 bias is a parameter (one other op per output element)."""
    return _conv(_qlinear(node, 8))


@register_onnx_op("QLinearMatMul", non_weights=(1, 2, 4, 5, 6, 7), any_dtype=(0, 3), mac_class=True)
def qlinear_matmul(node: OnnxNode) -> NodeCost:
    """QLinearMatMul (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): a MatMul's MACs."""
    return matmul(_qlinear(node, None))


# -- normalisation, pooling, resizing: other ops ---------------------------------------------


@register_onnx_op("BatchNormalization", buffers=(3, 4))
def batch_norm(node: OnnxNode) -> NodeCost:
    """BatchNormalization at inference: scale and shift, 2 ops per element (mean and variance are buffers)."""
    return NodeCost(0, 2 * prod(node.input(0)), "BatchNorm", "normalisation: 2 ops per element, 0 MACs")


@register_onnx_op("InstanceNormalization", "LayerNormalization", "GroupNormalization")
def feature_norm(node: OnnxNode) -> NodeCost:
    """Instance/Layer/GroupNormalization: mean, variance, normalise, scale, shift: 5 ops per element."""
    return NodeCost(0, 5 * prod(node.input(0)), "Norm", "normalisation: 5 ops per element, 0 MACs")


@register_onnx_op("MaxPool", "AveragePool", "LpPool")
def pool(node: OnnxNode) -> NodeCost:
    """Pooling: one op per window element per output."""
    x = node.input(0)
    kernel = tuple(int(k) for k in node.attrs["kernel_shape"])
    n = len(kernel)
    strides = _ints(node.attrs.get("strides"), n, 1)
    dilations = _ints(node.attrs.get("dilations"), n, 1)
    pads = conv_pads(node.attrs, x[2:], kernel, strides, dilations)
    ceil = bool(node.attrs.get("ceil_mode", 0))
    spatial = tuple(_window_out(size, k, s, pads[i], pads[i + n], d, ceil) for i, (size, k, s, d) in enumerate(zip(x[2:], kernel, strides, dilations)))
    out = node.outputs[0] if node.outputs and node.outputs[0] else (*x[:2], *spatial)
    ops = prod(out) * prod(kernel)
    hparams = {"kernel": kernel, "stride": strides, "padding": _show_pads(pads)}
    return NodeCost(0, ops, "Pooling", f"{_ksize(kernel)} window: {prod(kernel)} ops per output, 0 MACs", hparams, out)


@register_onnx_op("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
def global_pool(node: OnnxNode) -> NodeCost:
    """Global pooling: one op per input element (as PyTorch's adaptive pooling to 1)."""
    x = node.input(0)
    out = (*x[:2], *(1,) * (len(x) - 2))
    return NodeCost(0, max(prod(x), prod(out)), "Pooling", "1 op per input element, 0 MACs", {}, out)


@register_onnx_op("Resize", non_weights=(1, 2, 3))
@register_onnx_op("Upsample", non_weights=(1,))
def resize(node: OnnxNode) -> NodeCost:
    """Resize / Upsample: one op per output element (as PyTorch's interpolation ops)."""
    return NodeCost(0, prod(node.out), "Upsample", "1 op per output element, 0 MACs", {"mode": str(node.attrs.get("mode", "nearest"))})


@register_onnx_op(
    "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
    "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "CumSum", non_weights=(1,),
)  # fmt: skip
def reduction(node: OnnxNode) -> NodeCost:
    """Reductions: one op per input element (as PyTorch's mean, sum, amax, ...)."""
    return NodeCost(0, max(prod(node.input(0)), prod(node.out)), "Reduction", "1 op per input element, 0 MACs")


# -- element-wise and activations: one op per output element ---------------------------------

_ARITHMETIC = (
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Max", "Min", "Mean",
    "Sum", "Erf", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Where", "Equal", "Less", "LessOrEqual",
    "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf", "BitShift",
)  # fmt: skip


@register_onnx_op(*_ARITHMETIC)
def elementwise(node: OnnxNode) -> NodeCost:
    """Element-wise arithmetic (broadcast): one op per output element."""
    return NodeCost(0, prod(node.out), "Elementwise", "1 op per output element, 0 MACs")


_ACTIVATIONS = (
    "Relu", "Sigmoid", "HardSwish", "HardSigmoid", "Gelu", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "Softplus",
    "Softsign", "Mish", "ThresholdedRelu", "Softmax", "LogSoftmax", "Hardmax", "PRelu", "Shrink",
)  # fmt: skip


@register_onnx_op(*_ACTIVATIONS)
def activation(node: OnnxNode) -> NodeCost:
    """Activations (Softmax included, as PyTorch's nn.Softmax): one op per element; a PRelu's slope is its parameter."""
    return NodeCost(0, prod(node.out), "Activation", "1 op per element, 0 MACs")


@register_onnx_op("Clip", non_weights=(1, 2))
def clip(node: OnnxNode) -> NodeCost:
    """Clip (ReLU6 exports as Clip(0, 6)): one op per element; its bounds are not parameters."""
    return NodeCost(0, prod(node.out), "Activation", "1 op per element, 0 MACs")


# -- data movement: no ops -------------------------------------------------------------------


_RESHAPES = frozenset({"Reshape", "Squeeze", "Unsqueeze", "Flatten"})
_CONSTANTS = frozenset({"Constant", "Shape", "Size", "ConstantOfShape", "Range"})


@register_onnx_op("Reshape", "Squeeze", "Unsqueeze", non_weights=(1,))
@register_onnx_op("Flatten", "Concat", "Transpose", "Identity", "DepthToSpace", "SpaceToDepth", "Cast", "CastLike", "Gather", "GatherElements", "GatherND")
@register_onnx_op("Split", "Expand", "Tile", "Dropout", non_weights=(1, 2))
@register_onnx_op("Slice", non_weights=(1, 2, 3, 4))
@register_onnx_op("Pad", non_weights=(1, 2, 3))
@register_onnx_op("Constant", "Shape", "Size")
@register_onnx_op("ConstantOfShape", "Range", non_weights=(0, 1, 2))
def data_movement(node: OnnxNode) -> NodeCost:
    """Views, copies, gathers and constants (Dropout at inference too): 0 ops, as PyTorch's
    view, cat, split and slice. A Gather from a float initializer is an embedding: its table
    is a parameter."""
    category = "Reshape" if node.op_type in _RESHAPES else "Constant" if node.op_type in _CONSTANTS else "Data movement"
    return NodeCost(0, 0, category, "data movement only: 0 ops")
