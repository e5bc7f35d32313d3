"""Profiles an ONNX graph node by node: the same :class:`~lwprof.records.ModelProfile` a PyTorch walk makes.

* Shapes come from ``onnx.shape_inference`` (:mod:`lwprof.counting.onnx_graph`) after the graph's inputs are set to the sizes
  asked for: symbolic dimensions (a dynamic batch, resolution or sequence length) take
  ``--batch`` and ``--input-size``; a symbolic dimension left unset is a one-line error that
  names it. A dimension fixed in the file stays as it is (the graph may have it baked in).
* Every node is counted by its registered formula (:mod:`lwprof.counting.onnx_ops`); a node
  without one counts 1 other op per output element and 0 MACs, marked "unsupported".
* Parameters are the graph's initializers that nodes read as weights, each counted once (at
  the first node that reads it, also through an Identity the exporter put in between, when
  it deduplicated equal initializers). A quantized model's int8 weights (DequantizeLinear's
  input 0, QLinearConv's and QLinearMatMul's weight, QLinearConv's int32 bias) are parameters.
  Initializers read as shapes, axes, bounds, scales or zero points, other integer initializers
  and Constant nodes are not parameters; BatchNormalization's mean and
  variance are buffers, as PyTorch's running statistics.
* Rows follow the node-name scopes exporters write (``/features/features.3/conv/Conv`` is in
  ``features.3.conv``, torch's module path), so an exported model's table reads like its
  PyTorch profile: a scope with sub-scopes is a parent whose own nodes are its functional ops
  (a residual Add, a Concat); a scope without is a leaf, the sum of its nodes. A node whose
  name has no scope (a graph built by hand) is a leaf row of its own.

This module imports onnx (the ``lwprof[onnx]`` extra) only when a model is read, never torch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lwprof.counting.onnx_graph import (
    FLOAT_TYPES,
    FOLDED,
    attrs,
    fold_shape_arithmetic,
    infer,
    input_shapes,
    prepared,
    require_onnx,
    stored_bytes,
)
from lwprof.counting.onnx_ops import NodeCost, OnnxNode, find_onnx_op
from lwprof.errors import LwprofError, first_line
from lwprof.records import BYTES_PER_ELEMENT, InputSpec, LayerRecord, ModelProfile, Note, Severity, Shape, Status

__all__ = ["NodeCount", "OnnxWalk", "walk_onnx"]

_FREE = ("Constant", "Identity")  # nodes that hold or forward a tensor: no row of their own when unscoped


@dataclass
class NodeCount:
    """One node's count (kept for the cross-check, which compares per node).

    Attributes:
        name: The node's name (unnamed nodes get ``<OpType>_<index>``).
        record: The name of the row it is counted in.
        own: True when it is its row's own work (a leaf's node, or a parent's functional op).
        op_type, domain: The op.
        cost: Its cost (None when no formula: unsupported).
        params, buffers: Initializer elements it is the first to read as weights / buffers.
        not_weights, integers: Initializer elements it is the first to read that are not
            parameters, and why: at an input the op declares a non-weight (a shape, axis, bound,
            scale or zero point), or an integer initializer read as data (indices, sizes).
        raw_initializers: Initializer elements it is the first to read directly, whatever their
            role (shape tensors included): onnx-tool's way of counting parameters.
        checked: The initializer elements it is the first to read directly that lwprof counted
            as params, buffers, or not_weights / integers: what the cross-check compares with
            onnx-tool's parameters of this node.
        weight_bytes: The bytes of its ``params`` and ``buffers`` as the file stores them,
            each initializer in its own element type (int8: 1 byte per element, float16: 2).
        in_shape, out_shape: The first input's and output's shapes.
        read, write: Elements read (inputs, weights) and written.
    """

    name: str
    record: str
    op_type: str
    domain: str
    cost: NodeCost | None
    params: int = 0
    buffers: int = 0
    not_weights: int = 0
    integers: int = 0
    raw_initializers: int = 0
    checked: int = 0
    weight_bytes: int = 0
    in_shape: Shape | None = None
    out_shape: Shape | None = None
    read: int = 0
    write: int = 0
    mac_class: bool = False
    index: int = 0
    has_bias: bool = False  #: input 2 (a Conv's or Gemm's bias) is given

    @property
    def macs(self) -> int:
        return self.cost.macs if self.cost else 0

    @property
    def other_ops(self) -> int:
        if self.cost:
            return self.cost.other_ops
        return math.prod(self.out_shape) if self.out_shape else 0


@dataclass
class OnnxWalk:
    """What :func:`walk_onnx` found: the profile, every node's count, and the graph it counted
    (the inputs set, every node named) for a cross-check to read the same way."""

    profile: ModelProfile
    nodes: list[NodeCount]
    model: Any
    shapes: dict[str, Shape]


def _scope(name: str) -> list[str] | None:
    """The qualified scopes of a node (``/features/features.3/conv/Conv``: ``features``,
    ``features.3``, ``features.3.conv``), or None for a name without scopes."""
    if not name.startswith("/") and " /" in name:  # ONNX Runtime names a fused node "fused /5/Gemm"
        name = name[name.index(" /") + 1 :]
    if "/" not in name:
        return None
    parts = [p for p in name.split("/") if p][:-1]
    out, path, last = [], "", ""
    for part in parts:
        if last and part.startswith(last + "."):  # torch writes a Sequential's child as "features.3"
            path += part[len(last) :]
        else:
            path = f"{path}.{part}" if path else part
        last = part
        out.append(path)
    return out


@dataclass
class _Scope:
    name: str
    depth: int
    children: list[str] = field(default_factory=list)
    nodes: list[NodeCount] = field(default_factory=list)


def walk_onnx(
    model: Any,
    specs: Sequence[InputSpec],
    *,
    batch: int | None = None,
    arch: str = "onnx",
    strict: bool = False,
    dtype: str = "fp32",
    spec: str = "",
) -> OnnxWalk:
    """Counts every node of an ONNX model at the given input sizes.

    Args:
        model: An ``onnx.ModelProto`` (not modified).
        specs: One sample of every graph input (:func:`plan_inputs`).
        batch: The batch asked for (None: not asked for): a symbolic batch dimension takes it
            (1 when None); a batch fixed in the file must equal it.
        arch: The name the profile shows (the file).
        strict: Refuse a node whose op has no formula.
        dtype: Element type for byte counts of activations and traffic; the model size takes
            every initializer in its own element type (an int8 weight is 1 byte per element).
        spec: The spec that reads the model again (its path).

    Raises:
        LwprofError: Shape inference fails or leaves a shape a formula needs unknown; with
            ``strict``, an op without a formula.
    """
    onnx = require_onnx()
    full = input_shapes(model, specs, batch, arch)
    m = prepared(onnx, model, full)
    inferred, shapes = infer(onnx, m, arch)
    if fold_shape_arithmetic(onnx, m, inferred, shapes):  # e.g. torch.chunk's Shape -> Div -> Slice, which data_prop leaves unknown
        inferred, shapes = infer(onnx, m, arch)
    for _ in range(3):  # ops shape inference does not know (ONNX Runtime's fused ops): the formula's shape, then again
        extra = _formula_shapes(onnx, inferred, shapes)
        if not extra:
            break
        for name, shape in extra.items():
            m.graph.value_info.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(shape)))
        inferred, shapes = infer(onnx, m, arch)
    counts = _count_nodes(onnx, inferred, shapes, BYTES_PER_ELEMENT[dtype])
    unsupported = sorted({f"{c.domain + '.' if c.domain else ''}{c.op_type}" for c in counts if c.cost is None})
    if strict and unsupported:
        raise LwprofError(f"{arch}: no formula for ONNX op(s) {', '.join(unsupported)} (without --strict they count 1 op per output element, 0 MACs)")
    layers = _records(counts, inferred.graph.name or "graph")
    inputs = tuple(InputSpec(shape, s.dtype, name if len(full) > 1 else None) for (name, shape), s in zip(full.items(), specs))
    notes = [Note(Severity.INFO, _summary_note(inferred, counts))]
    shared = _shared_note(inferred, counts)
    if shared:
        notes.append(Note(Severity.INFO, shared))
    notes.append(
        Note(
            Severity.CONVENTION,
            "ONNX: params = initializers read as weights, each counted once (a quantized model's int8 weights, the "
            "input of DequantizeLinear or QLinearConv/QLinearMatMul, included); shape tensors, bounds, scales, zero points, "
            "other integer initializers and Constant nodes are not params; BatchNormalization mean/var are buffers. An exporter that "
            "folds BatchNorm into the conv leaves no BatchNorm row: its scale and shift become the conv's bias",
        )
    )
    profile = ModelProfile(
        arch=arch,
        config={},
        input_shape=next(iter(full.values())),
        layers=layers,
        dtype=dtype,
        peak_activation_elements=_peak(inferred, shapes),
        spec=spec,
        inputs=inputs,
        device="onnx",
        notes=tuple(notes),
        batch_size=next(iter(full.values()))[0],
        stored_weight_bytes=sum(c.weight_bytes for c in counts),
    )
    return OnnxWalk(profile, counts, inferred, shapes)


def _node_view(onnx: Any, node: Any, shapes: Mapping[str, Shape]) -> OnnxNode:
    return OnnxNode(
        node.op_type,
        node.domain,
        node.name,
        attrs(onnx, node),
        tuple(shapes.get(i) if i else None for i in node.input),
        tuple(shapes.get(o) if o else None for o in node.output),
    )


def _formula_shapes(onnx: Any, inferred: Any, shapes: dict[str, Shape]) -> dict[str, Shape]:
    """Output shapes that shape inference left unknown and a formula computes."""
    extra = {}
    for node in inferred.graph.node:
        if not node.output or node.output[0] in shapes:
            continue
        info = find_onnx_op(node.op_type, node.domain)
        if info is None:
            continue
        try:
            cost = info.formula(_node_view(onnx, node, shapes))
        except (LwprofError, KeyError, IndexError, TypeError):
            continue
        if cost.out_shape is not None:
            extra[node.output[0]] = tuple(cost.out_shape)
    return extra


def _count_nodes(onnx: Any, inferred: Any, shapes: Mapping[str, Shape], fallback_bytes: int = 4) -> list[NodeCount]:
    g = inferred.graph
    init = {t.name: t for t in g.initializer}
    alias: dict[str, str] = {}  # an Identity's output -> the initializer it forwards
    for node in g.node:
        if node.op_type == "Identity" and node.input and (node.input[0] in init or node.input[0] in alias):
            alias[node.output[0]] = alias.get(node.input[0], node.input[0])
    counted: set[str] = set()  # initializers already counted as params/buffers
    read_raw: dict[str, NodeCount] = {}  # initializer -> the first node that reads it directly (onnx-tool's convention)
    out: list[NodeCount] = []
    for node in g.node:
        view = _node_view(onnx, node, shapes)
        info = find_onnx_op(node.op_type, node.domain)
        cost = None
        if info is not None:
            try:
                cost = info.formula(view)
            except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError) as exc:  # a malformed node (LwprofError passes)
                if isinstance(exc, LwprofError):
                    raise
                raise LwprofError(f"ONNX node {node.name!r} ({node.op_type}) cannot be counted: {type(exc).__name__}: {first_line(exc)}") from None
        count = NodeCount(node.name, "", node.op_type, node.domain, cost, mac_class=bool(info and info.mac_class), index=len(out), has_bias=len(node.input) > 2 and bool(node.input[2]))
        for name in node.input:
            if name in init and name not in read_raw and not name.startswith(FOLDED):
                read_raw[name] = count
                count.raw_initializers += math.prod(int(d) for d in init[name].dims)
        if node.op_type == "Identity" and node.output and node.output[0] in alias:
            pass  # forwarding a weight: the node that reads it counts it
        else:
            for i, name in enumerate(node.input):
                root = alias.get(name, name)
                if not name or root not in init or root in counted:
                    continue
                t = init[root]
                if root.startswith(FOLDED):
                    continue
                elements = math.prod(int(d) for d in t.dims)
                counted.add(root)
                read_raw[root].checked += elements  # counted below in exactly one of four ways
                typed = info is not None and i in info.any_dtype  # an int8 weight behind DequantizeLinear, QLinearConv's
                if info is not None and i in info.non_weights:
                    count.not_weights += elements
                elif t.data_type not in FLOAT_TYPES and not typed:
                    count.integers += elements
                elif info is not None and i in info.buffers:
                    count.buffers += elements
                    count.weight_bytes += stored_bytes(t.data_type, elements, fallback_bytes)
                else:
                    count.params += elements
                    count.weight_bytes += stored_bytes(t.data_type, elements, fallback_bytes)
        count.in_shape = next((s for s in view.inputs if s is not None), None)
        count.out_shape = view.outputs[0] if view.outputs else None
        if cost is not None and cost.out_shape is not None and count.out_shape is None:
            count.out_shape = tuple(cost.out_shape)
        if node.op_type not in ("Constant", "Identity", "Shape", "Size"):
            count.read = sum(math.prod(s) for s in view.inputs if s is not None)
            count.write = sum(math.prod(s) for s in view.outputs if s is not None)
        out.append(count)
    return out


def _records(counts: list[NodeCount], graph_name: str) -> tuple[LayerRecord, ...]:
    scopes: dict[str, _Scope] = {"": _Scope("", 0)}

    def scope(path: str, parent: str, depth: int) -> _Scope:
        if path not in scopes:
            scopes[path] = _Scope(path, depth)
            scopes[parent].children.append(path)
        return scopes[path]

    for c in counts:
        levels = _scope(c.name)
        if levels is None:
            if c.op_type in _FREE:
                target = scopes[""]
            else:
                name = c.name.replace(".", "_") if c.name in scopes else c.name
                target = scope(name, "", 1)
        else:
            parent = ""
            for depth, path in enumerate(levels, start=1):
                scope(path, parent, depth)
                parent = path
            target = scopes[parent]
        c.record = target.name
        target.nodes.append(c)

    records: list[LayerRecord] = []

    def emit(s: _Scope) -> tuple[LayerRecord, list[NodeCount]]:
        index = len(records)
        records.append(None)  # type: ignore[arg-type]  # pre-order: the parent first, filled in below
        below = [emit(scopes[k]) for k in s.children]
        kids = [k for k, _ in below]
        own = s.nodes
        subtree = sorted([*own, *(c for _, nodes in below for c in nodes)], key=lambda c: c.index)
        real = [c for c in own if c.op_type not in _FREE] or own
        params = sum(c.params for c in subtree)
        buffers = sum(c.buffers for c in subtree)
        macs = sum(c.macs for c in subtree)
        other = sum(c.other_ops for c in subtree)
        read = sum(c.read for c in subtree)
        write = sum(c.write for c in subtree)
        if kids or not s.name:
            moving = [c for c in subtree if c.op_type not in _FREE] or subtree
            rec = LayerRecord(
                name=s.name,
                type=graph_name if not s.name else "scope",
                depth=s.depth,
                is_leaf=False,
                status=Status.PARENT,
                category="",
                input_shape=moving[0].in_shape if moving else None,
                output_shape=moving[-1].out_shape if moving else None,
                params=params,
                trainable_params=params,
                buffers=buffers,
                macs=macs,
                other_ops=other,
                functional_macs=sum(c.macs for c in own),
                functional_other_ops=sum(c.other_ops for c in own),
                functional_calls=sum(1 for c in own if c.op_type not in _FREE),
                functional_write_elements=sum(c.write for c in own),
                read_elements=read,
                write_elements=write,
            )
        else:
            rec = _leaf(s, real, params, buffers, macs, other, read, write)
        records[index] = rec
        return rec, subtree

    emit(scopes[""])
    return tuple(records)


def _leaf(s: _Scope, real: list[NodeCount], params: int, buffers: int, macs: int, other: int, read: int, write: int) -> LayerRecord:
    types = list(dict.fromkeys(c.op_type for c in real))
    main = max(real, key=lambda c: (c.macs, c.params, c.other_ops))
    unsupported = [c for c in real if c.cost is None]
    cost = main.cost
    one = len(real) == 1 and cost is not None
    note = ""
    if unsupported:
        ops = ", ".join(dict.fromkeys(f"{c.domain + '.' if c.domain else ''}{c.op_type}" for c in unsupported))
        note = f"no formula for ONNX op {ops}: 1 op per output element, 0 MACs"
    return LayerRecord(
        name=s.name,
        type="+".join(types),
        depth=s.depth,
        is_leaf=True,
        status=Status.UNSUPPORTED if unsupported else Status.FORMULA,
        category=cost.category if cost else main.op_type,
        input_shape=real[0].in_shape,
        output_shape=real[-1].out_shape,
        params=params,
        trainable_params=params,
        buffers=buffers,
        macs=macs,
        other_ops=other,
        hparams=dict(cost.hparams) if one and cost else {},
        formula=cost.formula if one and cost else "; ".join(c.cost.formula for c in real if c.cost and c.macs),
        read_elements=read,
        write_elements=write,
        note=note,
    )


def _summary_note(inferred: Any, counts: list[NodeCount]) -> str:
    used = {n.domain for n in inferred.graph.node} | {""}
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in inferred.opset_import if o.domain in used or (o.domain == "ai.onnx" and "" in used))
    producer = f"{inferred.producer_name} {inferred.producer_version}".strip() or "unknown"
    return f"an ONNX graph ({len(counts)} nodes; opset {opsets}; producer {producer}): counted per node on the shapes from onnx.shape_inference"


def _shared_note(inferred: Any, counts: list[NodeCount]) -> str:
    readers: dict[str, int] = {}
    init = {t.name for t in inferred.graph.initializer}
    for node in inferred.graph.node:
        if node.op_type == "Identity":
            continue
        for name in set(node.input):
            if name in init and not name.startswith(FOLDED):
                readers[name] = readers.get(name, 0) + 1
    identities = sum(1 for n in inferred.graph.node if n.op_type == "Identity" and n.input and n.input[0] in init)
    shared = sum(1 for n in readers.values() if n > 1)
    if not shared and not identities:
        return ""
    parts = []
    if shared:
        parts.append(f"{shared} initializer(s) read by several nodes")
    if identities:
        parts.append(f"{identities} Identity node(s) forwarding an initializer (an exporter deduplicating equal weights, e.g. untrained biases)")
    return "shared weights counted once: " + "; ".join(parts)


def _peak(inferred: Any, shapes: Mapping[str, Shape]) -> int:
    """Most activation elements alive at once, running the nodes in the file's order (inputs
    included, initializers and Constant outputs not)."""
    g = inferred.graph
    init = {t.name for t in g.initializer}
    last_use: dict[str, int] = {}
    for i, node in enumerate(g.node):
        for name in node.input:
            last_use[name] = i
    outputs = {o.name for o in g.output}
    for name in outputs:
        last_use[name] = len(g.node)
    alive: dict[str, int] = {v.name: math.prod(shapes.get(v.name, ())) for v in g.input if v.name not in init}
    peak = sum(alive.values())
    for i, node in enumerate(g.node):
        if node.op_type != "Constant":
            for name in node.output:
                if name and name in shapes:
                    alive[name] = math.prod(shapes[name])
        peak = max(peak, sum(alive.values()))
        for name in list(alive):
            if last_use.get(name, -1) <= i and name not in outputs:
                del alive[name]
    return peak
