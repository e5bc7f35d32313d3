"""Reading ONNX graphs: the file, its inputs, the sizes asked for, and shapes from ``onnx.shape_inference``.

* :func:`load_model` reads a file (not its external weight data: the dims are in the file); :func:`graph_inputs` lists the real
  inputs (not initializers); :func:`plan_inputs` fills symbolic dimensions from ``--input-size``
  and names the one left unset (an input with no shape in the file takes its whole sample shape
  from it); :func:`input_shapes` adds the batch (a batch fixed in the file
  stays fixed).
* :func:`prepared` copies the model (the caller's is never changed) with the inputs set and every
  node named once; :func:`infer` runs shape inference; :func:`fold_shape_arithmetic` evaluates the
  small integer computations exporters write for sizes, which ONNX's data propagation leaves
  unknown, so that inference sees through them.

This module imports onnx (the ``lwprof[onnx]`` extra) only when a model is read, never torch.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lwprof.errors import LwprofError, first_line, suggest
from lwprof.records import InputSpec, Shape

__all__ = [
    "EXTRA", "FLOAT_TYPES", "FOLDED", "GraphInput", "attrs", "fold_shape_arithmetic", "graph_inputs", "infer", "input_shapes",
    "load_model", "plan_inputs", "prepared", "require_onnx", "stored_bytes",
]  # fmt: skip

EXTRA = "pip install 'lwprof[onnx]'"

#: TensorProto element types by number, as torch names them.
_DTYPES = {1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 9: "bool", 10: "float16", 11: "float64", 16: "bfloat16"}
FLOAT_TYPES = {1, 10, 11, 16, 17, 18, 19, 20}
#: Bits per element of each TensorProto element type, as an initializer stores it (int4 and
#: float4 pack two to a byte; a string has no fixed size: not listed).
_BITS = {
    1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64, 14: 64, 15: 128,
    16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4,
}  # fmt: skip


def stored_bytes(data_type: int, elements: int, fallback: int) -> int:
    """Bytes ``elements`` of one initializer take in its own element type (``data_type``, a
    TensorProto number): 216 int8 weights are 216 bytes, 216 float16 ones 432; int4 packs two
    to a byte (rounded up). A type without a fixed size takes ``fallback`` bytes per element."""
    bits = _BITS.get(data_type)
    return elements * fallback if bits is None else -(-elements * bits // 8)


def require_onnx() -> Any:
    """The ``onnx`` module, or a one-line error naming the extra to install."""
    try:
        import onnx
    except ImportError:
        raise LwprofError(f"reading ONNX files needs the onnx package: {EXTRA}") from None
    return onnx


def load_model(path: str) -> Any:
    """Reads an ONNX file without its external weight data: a count needs the tensors' dims,
    which the file itself holds. Only the small integer tensors the shape folding reads (1-D
    int32 / int64) are loaded from beside the file; one whose data file is missing stays
    unloaded and is not folded.

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
        model = onnx.load(path, load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError, ...
        raise LwprofError(f"{path} is not a readable ONNX model ({type(exc).__name__}: {first_line(exc)})") from None
    from onnx import external_data_helper

    base = os.path.dirname(path)
    for t in model.graph.initializer:
        if external_data_helper.uses_external_data(t) and t.data_type in (6, 7) and len(t.dims) <= 1:
            try:
                external_data_helper.load_external_data_for_tensor(t, base)
                t.data_location = onnx.TensorProto.DEFAULT
                del t.external_data[:]
            except Exception:  # a missing or short data file: left unloaded, not folded
                pass
    if not model.graph.node:
        raise LwprofError(f"{path}: the ONNX graph has no nodes")
    return model


@dataclass(frozen=True)
class GraphInput:
    """One real input of a graph (not an initializer): its name, element type and dimensions
    (an int, a symbolic name, or None for an unnamed unknown dimension); ``shaped`` is False
    when the file gives no shape at all (not even a rank), unlike a scalar (rank 0)."""

    name: str
    dtype: str
    dims: tuple[int | str | None, ...]
    shaped: bool = True

    def shown(self) -> str:
        """1x3x224x224, or batch x 3 x height x width when some dimension is symbolic."""
        if not self.shaped:
            return "no shape"
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
        out.append(GraphInput(value.name, _DTYPES.get(tensor.elem_type, "float32"), tuple(dims), tensor.HasField("shape")))
    return out


def plan_inputs(model: Any, label: str, args: Sequence[InputSpec] = (), kwargs: Mapping[str, InputSpec] | None = None) -> tuple[InputSpec, ...]:
    """One sample of every graph input (its dimensions after the batch), given sizes filled in.

    Args:
        model: The ModelProto.
        label: How messages name the model (its file).
        args: ``--input-size`` values in the order of the graph's inputs (one sample each).
        kwargs: Or by the inputs' names.

    Raises:
        LwprofError: No inputs at all, more sizes than inputs, an unknown name, a size of the wrong rank or that
            contradicts a fixed dimension, or a symbolic dimension left without a size.
    """
    inputs = graph_inputs(model)
    _require_inputs(inputs, label)
    kwargs = dict(kwargs or {})
    names = [i.name for i in inputs]
    if len(args) > len(inputs):
        raise LwprofError(f"{label} has {len(inputs)} input(s) ({', '.join(names) or 'none'}), got {len(args)} --input-size values")
    for key in kwargs:
        if key not in names:
            raise LwprofError(f"{label} has no input {key!r}{suggest(key, names)}; its inputs: {', '.join(names)}")
    out = []
    for i, gi in enumerate(inputs):
        given = kwargs.get(gi.name) or (args[i] if i < len(args) else None)
        if not gi.shaped:  # the whole sample shape comes from --input-size
            if given is None:
                raise LwprofError(f"{label}: input {gi.name!r} has no shape in the file; give --input-size (one sample, without the batch)")
            out.append(InputSpec(tuple(given.shape), gi.dtype))
            continue
        if not gi.dims:
            raise LwprofError(f"{label}: input {gi.name!r} is a scalar (rank 0); lwprof profiles graphs whose inputs have a batch dimension")
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


def _require_inputs(inputs: Sequence[GraphInput], label: str) -> None:
    if not inputs:
        raise LwprofError(f"{label}: the graph has no inputs (only constants and initializers); lwprof profiles graphs with at least one input")


def input_shapes(model: Any, specs: Sequence[InputSpec], batch: int | None, label: str) -> dict[str, Shape]:
    """Every graph input's full shape at ``batch`` (None: not asked for, 1 for a symbolic batch).
    A batch fixed in the file is kept; a ``batch`` asked for that differs from it (1 included) is
    refused."""
    out = {}
    inputs = graph_inputs(model)
    _require_inputs(inputs, label)
    for gi, spec in zip(inputs, specs):
        first = gi.dims[0] if gi.dims else None  # no shape in the file: the batch asked for
        if isinstance(first, int) and batch is not None and batch != first:
            raise LwprofError(f"{label}: input {gi.name!r} is fixed at batch {first} in the file ({gi.shown()}); drop --batch, or export with a dynamic batch axis")
        out[gi.name] = (first if isinstance(first, int) else batch or 1, *spec.shape)
    return out


def attrs(onnx: Any, node: Any) -> dict[str, Any]:
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


def infer(onnx: Any, m: Any, label: str) -> tuple[Any, dict[str, Shape]]:
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


FOLDED = "lwprof_folded::"  # initializers the shape folding adds (integer shape values): never counted


def fold_shape_arithmetic(onnx: Any, m: Any, inferred: Any, shapes: Mapping[str, Shape]) -> bool:
    """Evaluates the small integer computations exporters write for shapes (Shape, Gather, Add,
    Div, Concat, ... of constants) and puts their values in as initializers of the copy ``m``,
    so that shape inference sees the Slice and Reshape sizes. True when anything was put in."""
    import numpy as np
    from onnx import numpy_helper

    values: dict[str, Any] = {
        t.name: numpy_helper.to_array(t)
        for t in inferred.graph.initializer
        if t.data_type in (6, 7) and len(t.dims) <= 1 and t.data_location != onnx.TensorProto.EXTERNAL  # external: not loaded
    }
    produced: set[str] = set()
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.floor_divide, "Max": np.maximum, "Min": np.minimum, "Equal": np.equal}
    for node in inferred.graph.node:
        a = attrs(onnx, node)
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
                    folded[name] = f"{FOLDED}{name}"
                    m.graph.initializer.append(numpy_helper.from_array(values[name], folded[name]))
                node.input[i] = folded[name]
                changed = True
    return changed
