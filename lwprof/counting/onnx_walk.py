"""Profiles an ONNX graph node by node: the same :class:`~lwprof.records.ModelProfile` a PyTorch walk makes.

* Shapes come from ``onnx.shape_inference`` after the graph's inputs are set to the sizes
  asked for: symbolic dimensions (a dynamic batch, resolution or sequence length) take
  ``--batch`` and ``--input-size``; a symbolic dimension left unset is a one-line error that
  names it. A dimension fixed in the file stays as it is (the graph may have it baked in).
* Every node is counted by its registered formula (:mod:`lwprof.counting.onnx_ops`); a node
  without one counts 1 other op per output element and 0 MACs, marked "unsupported".
* Parameters are the graph's initializers that nodes read as weights, each counted once (at
  the first node that reads it, also through an Identity the exporter put in between, when
  it deduplicated equal initializers). Initializers read as shapes, axes, bounds or scales,
  integer initializers and Constant nodes are not parameters; BatchNormalization's mean and
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
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lwprof.counting.onnx_ops import NodeCost, OnnxNode, find_onnx_op
from lwprof.errors import LwprofError, first_line, suggest
from lwprof.records import InputSpec, LayerRecord, ModelProfile, Note, Severity, Shape, Status

__all__ = ["EXTRA", "GraphInput", "NodeCount", "OnnxWalk", "graph_inputs", "input_shapes", "load_model", "plan_inputs", "prepared", "require_onnx", "walk_onnx"]

EXTRA = "pip install 'lwprof[onnx]'"

#: TensorProto element types by number, as torch names them.
_DTYPES = {1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 9: "bool", 10: "float16", 11: "float64", 16: "bfloat16"}
_FLOAT_TYPES = {1, 10, 11, 16, 17, 18, 19, 20}
_FREE = ("Constant", "Identity")  # nodes that hold or forward a tensor: no row of their own when unscoped


def require_onnx() -> Any:
    """The ``onnx`` module, or a one-line error naming the extra to install."""
    try:
        import onnx
    except ImportError:
        raise LwprofError(f"reading ONNX files needs the onnx package: {EXTRA}") from None
    return onnx


def load_model(path: str) -> Any:
    """Reads an ONNX file (its external data too, from beside it).

    Raises:
        LwprofError: The file is missing, not readable, or not an ONNX model.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise LwprofError(f"ONNX file {path!r} does not exist") from None
    if not stat.S_ISREG(mode):
        raise LwprofError(f"ONNX file {path!r} is not a regular file")
    if not os.access(path, os.R_OK):
        raise LwprofError(f"ONNX file {path!r} is not readable")
    onnx = require_onnx()
    try:
        model = onnx.load(path)
    except Exception as exc:  # protobuf's DecodeError, a missing external-data file, ...
        raise LwprofError(f"{path} is not a readable ONNX model ({type(exc).__name__}: {first_line(exc)})") from None
    if not model.graph.node:
        raise LwprofError(f"{path}: the ONNX graph has no nodes")
    return model


@dataclass(frozen=True)
class GraphInput:
    """One real input of a graph (not an initializer): its name, element type and dimensions
    (an int, a symbolic name, or None for an unnamed unknown dimension)."""

    name: str
    dtype: str
    dims: tuple[int | str | None, ...]

    def shown(self) -> str:
        """1x3x224x224, or batch x 3 x height x width when some dimension is symbolic."""
        sep = "x" if all(isinstance(d, int) for d in self.dims) else " x "
        return sep.join("?" if d is None else str(d) for d in self.dims)


def graph_inputs(model: Any) -> list[GraphInput]:
    """The graph's inputs that are not initializers (older exporters list weights as inputs too)."""
    weights = {t.name for t in model.graph.initializer}
    out = []
    for value in model.graph.input:
        if value.name in weights:
            continue
        tensor = value.type.tensor_type
        dims: list[int | str | None] = []
        for d in tensor.shape.dim:
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            else:
                dims.append(d.dim_param or None)
        out.append(GraphInput(value.name, _DTYPES.get(tensor.elem_type, "float32"), tuple(dims)))
    return out


def plan_inputs(model: Any, label: str, args: Sequence[InputSpec] = (), kwargs: Mapping[str, InputSpec] | None = None) -> tuple[InputSpec, ...]:
    """One sample of every graph input (its dimensions after the batch), given sizes filled in.

    Args:
        model: The ModelProto.
        label: How messages name the model (its file).
        args: ``--input-size`` values in the order of the graph's inputs (one sample each).
        kwargs: Or by the inputs' names.

    Raises:
        LwprofError: More sizes than inputs, an unknown name, a size of the wrong rank or that
            contradicts a fixed dimension, or a symbolic dimension left without a size.
    """
    inputs = graph_inputs(model)
    kwargs = dict(kwargs or {})
    names = [i.name for i in inputs]
    if len(args) > len(inputs):
        raise LwprofError(f"{label} has {len(inputs)} input(s) ({', '.join(names) or 'none'}), got {len(args)} --input-size values")
    for key in kwargs:
        if key not in names:
            raise LwprofError(f"{label} has no input {key!r}{suggest(key, names)}; its inputs: {', '.join(names)}")
    out = []
    for i, gi in enumerate(inputs):
        if not gi.dims:
            raise LwprofError(f"{label}: input {gi.name!r} is a scalar; lwprof profiles graphs whose inputs have a batch dimension")
        given = kwargs.get(gi.name) or (args[i] if i < len(args) else None)
        sample = gi.dims[1:]
        example = ",".join(str(d) if isinstance(d, int) else "N" for d in sample) or "N"
        if given is None:
            for j, d in enumerate(sample, start=1):
                if not isinstance(d, int):
                    what = f"symbolic dimension {d!r}" if d else "a dimension of unknown size"
                    raise LwprofError(f"{label}: input {gi.name!r} ({gi.shown()}) has {what} (dim {j}); give its size with --input-size {example} (one sample, without the batch)")
            out.append(InputSpec(tuple(int(d) for d in sample), gi.dtype))  # type: ignore[arg-type]
            continue
        shape = tuple(given.shape)
        if len(shape) != len(sample):
            raise LwprofError(f"{label}: input {gi.name!r} ({gi.shown()}) takes {len(sample)} size(s) after the batch, e.g. --input-size {example}; got {','.join(map(str, shape))}")
        for j, (d, s) in enumerate(zip(sample, shape), start=1):
            if isinstance(d, int) and d != s:
                raise LwprofError(f"{label}: input {gi.name!r} ({gi.shown()}) is fixed at {d} in dim {j}; --input-size gives {s}")
        out.append(InputSpec(shape, gi.dtype))
    return tuple(out)


def input_shapes(model: Any, specs: Sequence[InputSpec], batch: int, label: str) -> dict[str, Shape]:
    """Every graph input's full shape at ``batch`` (a batch fixed in the file is kept; a different
    ``batch`` is refused)."""
    out = {}
    for gi, spec in zip(graph_inputs(model), specs):
        first = gi.dims[0]
        if isinstance(first, int) and batch not in (1, first):
            raise LwprofError(f"{label}: input {gi.name!r} is fixed at batch {first} in the file ({gi.shown()}); drop --batch, or export with a dynamic batch axis")
        out[gi.name] = (first if isinstance(first, int) else batch, *spec.shape)
    return out


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
        raw_initializers: Initializer elements it is the first to read directly, whatever their
            role (shape tensors included): onnx-tool's way of counting parameters.
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
    raw_initializers: int = 0
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


def _attrs(onnx: Any, node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.type in (onnx.AttributeProto.TENSOR, onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS, onnx.AttributeProto.TENSORS):
            continue
        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, list):
            value = tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value)
        out[a.name] = value
    return out


def prepared(onnx: Any, model: Any, shapes: Mapping[str, Shape]) -> Any:
    """A copy of the model (the caller's is never changed) with its inputs set and every node
    named, uniquely (a repeated name gets a trailing "_")."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for value in m.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            del dims[:]
            for d in shapes[value.name]:
                dims.add().dim_value = d
    taken: set[str] = set()
    for i, node in enumerate(m.graph.node):  # every node named, each name once (onnx-tool keys its counts by name)
        name = node.name or f"{node.op_type}_{i}"
        while name in taken:
            name += "_"
        node.name = name
        taken.add(name)
    return m


def _infer(onnx: Any, m: Any, label: str) -> tuple[Any, dict[str, Shape]]:
    try:
        inferred = onnx.shape_inference.infer_shapes(m, check_type=False, strict_mode=False, data_prop=True)
    except Exception as exc:
        raise LwprofError(f"{label}: ONNX shape inference failed ({type(exc).__name__}: {first_line(exc)})") from None
    shapes: dict[str, Shape] = {}
    g = inferred.graph
    for t in g.initializer:
        shapes[t.name] = tuple(int(d) for d in t.dims)
    for value in (*g.input, *g.value_info, *g.output):
        tt = value.type.tensor_type
        if not tt.HasField("shape"):
            continue
        dims = tt.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes.setdefault(value.name, tuple(int(d.dim_value) for d in dims))
    return inferred, shapes


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
    batch: int = 1,
    arch: str = "onnx",
    strict: bool = False,
    dtype: str = "fp32",
    spec: str = "",
) -> OnnxWalk:
    """Counts every node of an ONNX model at the given input sizes.

    Args:
        model: An ``onnx.ModelProto`` (not modified).
        specs: One sample of every graph input (:func:`plan_inputs`).
        batch: The batch for a symbolic batch dimension.
        arch: The name the profile shows (the file).
        strict: Refuse a node whose op has no formula.
        dtype: Element type for byte counts.
        spec: The spec that reads the model again (its path).

    Raises:
        LwprofError: Shape inference fails or leaves a shape a formula needs unknown; with
            ``strict``, an op without a formula.
    """
    onnx = require_onnx()
    full = input_shapes(model, specs, batch, arch)
    m = prepared(onnx, model, full)
    inferred, shapes = _infer(onnx, m, arch)
    if _fold_shape_arithmetic(onnx, m, inferred, shapes):  # e.g. torch.chunk's Shape -> Div -> Slice, which data_prop leaves unknown
        inferred, shapes = _infer(onnx, m, arch)
    for _ in range(3):  # ops shape inference does not know (ONNX Runtime's fused ops): the formula's shape, then again
        extra = _formula_shapes(onnx, inferred, shapes)
        if not extra:
            break
        for name, shape in extra.items():
            m.graph.value_info.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(shape)))
        inferred, shapes = _infer(onnx, m, arch)
    counts = _count_nodes(onnx, inferred, shapes)
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
            "ONNX: params = initializers read as weights, each counted once; shape tensors, bounds, scales, integer "
            "initializers and Constant nodes are not params; BatchNormalization mean/var are buffers. An exporter that "
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
    )
    return OnnxWalk(profile, counts, inferred, shapes)


_FOLDED = "lwprof_folded::"  # initializers the shape folding adds (integer shape values): never counted


def _fold_shape_arithmetic(onnx: Any, m: Any, inferred: Any, shapes: Mapping[str, Shape]) -> bool:
    """Evaluates the small integer computations exporters write for shapes (Shape, Gather, Add,
    Div, Concat, ... of constants) and puts their values in as initializers of the copy ``m``,
    so that shape inference sees the Slice and Reshape sizes. True when anything was put in."""
    import numpy as np
    from onnx import numpy_helper

    values: dict[str, Any] = {t.name: numpy_helper.to_array(t) for t in inferred.graph.initializer if t.data_type in (6, 7) and len(t.dims) <= 1}
    produced: set[str] = set()
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.floor_divide, "Max": np.maximum, "Min": np.minimum, "Equal": np.equal}
    for node in inferred.graph.node:
        a = _attrs(onnx, node)
        ins: list[Any] = [values.get(i) for i in node.input]  # arrays; None where not a known constant
        try:
            if node.op_type == "Constant":
                t = next((x.t for x in node.attribute if x.name == "value"), None)
                if t is None or t.data_type not in (6, 7) or len(t.dims) > 1:
                    continue
                out = numpy_helper.to_array(t)
            elif node.op_type == "Shape" and node.input[0] in shapes:
                out = np.array(shapes[node.input[0]][a.get("start", 0) : a.get("end")], dtype=np.int64)
            elif any(v is None for v, name in zip(ins, node.input) if name):
                continue
            elif node.op_type in binary:
                out = binary[node.op_type](ins[0], ins[1])
            elif node.op_type == "Gather":
                out = np.take(ins[0], ins[1], axis=a.get("axis", 0))
            elif node.op_type == "Concat":
                out = np.concatenate([np.atleast_1d(v) for v in ins], axis=0)
            elif node.op_type in ("Cast", "Identity"):
                out = ins[0]
            elif node.op_type == "Unsqueeze":
                out = np.expand_dims(ins[0], tuple(int(x) for x in (ins[1] if len(ins) > 1 else a["axes"])))
            elif node.op_type == "Squeeze":
                axes = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("axes")
                out = np.squeeze(ins[0], tuple(int(x) for x in axes) if axes is not None else None)
            elif node.op_type == "Reshape":
                target = [int(d) if d != 0 else ins[0].shape[j] for j, d in enumerate(ins[1])]
                out = np.reshape(ins[0], target)
            elif node.op_type == "Transpose":
                out = np.transpose(ins[0], a.get("perm"))
            elif node.op_type == "ConstantOfShape":
                t = next((x.t for x in node.attribute if x.name == "value"), None)
                fill = numpy_helper.to_array(t).reshape(-1)[0] if t is not None else 0
                if int(np.prod(ins[0])) > 4096:
                    continue
                out = np.full(tuple(int(d) for d in ins[0]), fill)
            elif node.op_type == "Slice" and len(ins) >= 3:
                axes = [int(x) for x in ins[3]] if len(ins) > 3 and ins[3] is not None else list(range(len(ins[1])))
                steps = [int(x) for x in ins[4]] if len(ins) > 4 and ins[4] is not None else [1] * len(axes)
                index = [slice(None)] * ins[0].ndim
                for ax, start, end, step in zip(axes, ins[1], ins[2], steps):
                    index[ax] = slice(int(start), int(end), step)
                out = ins[0][tuple(index)]
            else:
                continue
        except (ValueError, IndexError, TypeError, ZeroDivisionError, KeyError, OverflowError):
            continue
        if np.asarray(out).size > 4096:  # a shape computation is small; anything bigger is data
            continue
        values[node.output[0]] = np.asarray(out).astype(np.int64)
        produced.add(node.output[0])
    changed = False
    folded: dict[str, str] = {}
    for node in m.graph.node:
        if node.output and node.output[0] in produced:  # folded itself
            continue
        for i, name in enumerate(node.input):
            if i >= 1 and name in produced:  # a size, start, end or shape input (never the data)
                if name not in folded:
                    folded[name] = f"{_FOLDED}{name}"
                    m.graph.initializer.append(numpy_helper.from_array(values[name], folded[name]))
                node.input[i] = folded[name]
                changed = True
    return changed


def _node_view(onnx: Any, node: Any, shapes: Mapping[str, Shape]) -> OnnxNode:
    return OnnxNode(
        node.op_type,
        node.domain,
        node.name,
        _attrs(onnx, node),
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


def _count_nodes(onnx: Any, inferred: Any, shapes: Mapping[str, Shape]) -> list[NodeCount]:
    g = inferred.graph
    init = {t.name: t for t in g.initializer}
    alias: dict[str, str] = {}  # an Identity's output -> the initializer it forwards
    for node in g.node:
        if node.op_type == "Identity" and node.input and (node.input[0] in init or node.input[0] in alias):
            alias[node.output[0]] = alias.get(node.input[0], node.input[0])
    counted: set[str] = set()  # initializers already counted as params/buffers
    read_raw: set[str] = set()  # initializers already read directly (onnx-tool's convention)
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
        if node.op_type == "Identity" and node.output and node.output[0] in alias:
            pass  # forwarding a weight: the node that reads it counts it
        else:
            for i, name in enumerate(node.input):
                root = alias.get(name, name)
                if not name or root not in init or root in counted:
                    continue
                t = init[root]
                if root.startswith(_FOLDED):
                    continue
                elements = math.prod(int(d) for d in t.dims)
                counted.add(root)
                if t.data_type not in _FLOAT_TYPES or (info is not None and i in info.non_weights):
                    continue
                if info is not None and i in info.buffers:
                    count.buffers += elements
                else:
                    count.params += elements
        for name in node.input:
            if name in init and name not in read_raw and not name.startswith(_FOLDED):
                read_raw.add(name)
                count.raw_initializers += math.prod(int(d) for d in init[name].dims)
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
            if name in init and not name.startswith(_FOLDED):
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
