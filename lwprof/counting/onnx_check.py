"""Cross-checks an ONNX profile with onnx-tool (PyPI ``onnx-tool``), node by node.

onnx-tool infers shapes on its own and counts every node's "MACs" and parameters. Its
conventions differ from lwprof's, and are converted before comparing:

* Conv, ConvTranspose and Gemm: onnx-tool adds the bias, one per output element, to the MACs;
  lwprof counts that as an other op. The bias adds are taken off onnx-tool's count.
* ConvTranspose: onnx-tool counts output elements x C_out/group x kernel (as for a conv);
  PyTorch's convention (lwprof, fvcore, FlopCounterMode) is input elements x C_out/group x
  kernel, every input spread over a kernel. onnx-tool's count is scaled by input / output
  elements.
* Every other node (activations, BatchNormalization, pooling, element-wise ops, Resize):
  onnx-tool gives it a cost in its own per-op weights (1 per element for Add and Relu, 4 for a
  division, 24 for a square root, 32 for an exponential, ...); lwprof counts these as other ops,
  never MACs. They do not decide a verdict: a record whose MACs agree and where onnx-tool also
  counts such work is "by design".
* ONNX Runtime's FusedConv and FusedGemm, which onnx-tool does not know, are given to it as the
  Conv and Gemm they fuse (their activation, and FusedConv's added tensor, left out): it checks
  their MACs; their activation's other ops are lwprof's alone.
* Parameters: onnx-tool counts every initializer (shape tensors and BatchNorm statistics
  included) at the first node that reads it. lwprof's parameters + buffers + the initializers
  it excludes, each tallied where it is excluded (a shape, axis, bound, scale or zero-point
  input; an integer initializer read as data), are compared with that, read the same way (per
  node, at the initializer's first direct reader); an initializer lwprof neither counts nor
  excludes, or counts twice, is a ``MISMATCH``.

Each record gets a verdict on its own nodes (a leaf's nodes; a parent's own, functional ones),
with the enum of the fvcore / FlopCounterMode check: ``ok``, ``by design``, ``unchecked``
(onnx-tool counts no MACs where lwprof does: an op it does not know, such as ONNX Runtime's
FusedConv), ``MISMATCH``; a record shows the worst verdict of its subtree.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from lwprof.counting.onnx_graph import EXTRA, graph_inputs, prepared, require_onnx
from lwprof.counting.onnx_walk import NodeCount, OnnxWalk
from lwprof.errors import first_line
from lwprof.records import ModelProfile, Note, Severity, Shape, Verdict

__all__ = ["BIAS_IN_MACS", "attach_onnx_tool", "onnx_tool_counts"]

#: Ops whose onnx-tool MACs include one add per output element for a bias input.
BIAS_IN_MACS = frozenset({"Conv", "ConvTranspose", "Gemm", "FusedConv", "FusedGemm"})

_UNFUSED = {"FusedConv": "Conv", "FusedGemm": "Gemm"}
_NP = {"float32": "float32", "float16": "float16", "float64": "float64", "int64": "int64", "int32": "int32", "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool"}


def onnx_tool_counts(model: Any, shapes: Mapping[str, Shape], dtypes: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """onnx-tool's (MACs, params) per node name, as it reports them (no conversion).

    Args:
        model: The ModelProto (not modified: onnx-tool reads a copy with the inputs set and every
            node named as lwprof names them).
        shapes: Every graph input's full shape.
        dtypes: Every graph input's element type.

    Raises:
        ImportError: onnx-tool is not installed.
        Exception: Whatever onnx-tool raises on a graph it cannot handle.
    """
    import warnings

    import numpy as np
    import onnx_tool

    onnx = require_onnx()
    m = prepared(onnx, model, shapes)
    for t in m.graph.initializer:  # external weight data lwprof did not load: zeros of the same size (onnx-tool counts dims)
        if t.data_location == onnx.TensorProto.EXTERNAL:
            del t.external_data[:]
            t.data_location = onnx.TensorProto.DEFAULT
            t.raw_data = bytes(math.prod(t.dims) * np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize)
    for node in m.graph.node:  # ONNX Runtime's fused ops, which onnx-tool does not know: the Conv / Gemm they fuse
        if node.domain == "com.microsoft" and node.op_type in _UNFUSED:
            node.op_type, node.domain = _UNFUSED[node.op_type], ""
            kept = [a for a in node.attribute if not a.name.startswith(("activation", "leakyrelu"))]
            del node.attribute[:]
            node.attribute.extend(kept)
            del node.input[3:]  # FusedConv's added tensor Z
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tool = onnx_tool.Model(m)
        tool.graph.shape_infer({name: np.zeros(shape, dtype=_NP.get(dtypes.get(name, "float32"), "float32")) for name, shape in shapes.items()})
        tool.graph.profile()
    return {name: (int(round(node.macs[0])), int(node.params)) for name, node in tool.graph.nodemap.items()}


def _converted(c: NodeCount, macs: int) -> int:
    """onnx-tool's MACs of a conv / matrix-product node in lwprof's convention: its bias adds
    taken off; a ConvTranspose's scaled from its output elements to its input elements."""
    if c.op_type in BIAS_IN_MACS and c.has_bias and c.out_shape is not None:
        macs -= math.prod(c.out_shape)
    if c.op_type == "ConvTranspose" and c.in_shape and c.out_shape and macs % math.prod(c.out_shape) == 0:
        macs = macs // math.prod(c.out_shape) * math.prod(c.in_shape)
    return macs


def attach_onnx_tool(walk: OnnxWalk, model: Any) -> ModelProfile:
    """The walk's profile with onnx-tool's counts and a verdict on every record.

    When onnx-tool is missing or fails on the graph, the profile comes back unchecked with
    ``crosscheck_note`` saying why.
    """
    profile = walk.profile
    shapes = {i.name or name: i.shape for i, name in zip(profile.inputs, _input_names(model))}
    dtypes = {i.name or name: i.dtype for i, name in zip(profile.inputs, _input_names(model))}
    try:
        tool = onnx_tool_counts(model, shapes, dtypes)
    except ImportError:
        return dataclasses.replace(profile, crosscheck_note=f"onnx-tool is not installed ({EXTRA}): not cross-checked")
    except Exception as exc:  # onnx-tool's own shape inference stops on graphs it does not know
        return dataclasses.replace(profile, crosscheck_note=f"onnx-tool could not profile the graph ({type(exc).__name__}: {first_line(exc)})")
    own: dict[str, list[NodeCount]] = {}
    for c in walk.nodes:
        own.setdefault(c.record, []).append(c)
    missing = [c.name for c in walk.nodes if c.name not in tool]
    verdicts: dict[str, Verdict] = {}
    own_tool: dict[str, tuple[int, int]] = {}
    other_total = 0
    for r in profile.layers:
        nodes = own.get(r.name, [])
        macs = sum(_converted(c, tool[c.name][0]) for c in nodes if c.mac_class and c.name in tool)
        other = sum(tool[c.name][0] for c in nodes if not c.mac_class and c.name in tool)
        params = sum(tool[c.name][1] for c in nodes if c.name in tool)
        other_total += other
        own_tool[r.name] = (macs, params)
        mine = sum(c.macs for c in nodes)
        checked = sum(c.checked for c in nodes)  # lwprof's params + buffers + the initializers it excluded, by their first direct reader
        if not nodes:
            verdicts[r.name] = Verdict.OK
        elif macs == mine and params == checked:
            verdicts[r.name] = Verdict.BY_DESIGN if other else Verdict.OK
        elif params == checked and mine and not macs:
            verdicts[r.name] = Verdict.UNCHECKED
        else:
            verdicts[r.name] = Verdict.MISMATCH
    records = _cumulate(profile, verdicts, own_tool)
    root = records[0]
    not_weights = sum(c.not_weights for c in walk.nodes)
    integers = sum(c.integers for c in walk.nodes)
    ours = profile.params + profile.buffers + not_weights + integers
    tool_params = root.onnx_tool_params or 0
    diff = (root.onnx_tool_macs or 0) - profile.macs
    lines = [
        f"onnx-tool {_version()} total: {root.onnx_tool_macs:,} MACs once its Conv/Gemm bias adds are taken off "
        f"({'equal to lwprof' if diff == 0 else f'{diff:+,} vs lwprof'}); it also counts {other_total:,} for the other nodes in its own "
        "per-op weights (Relu 1, Div 4, Sqrt 24, Exp 32 per element, ...), which lwprof reports as other ops",
        f"onnx-tool params: {tool_params:,} (every initializer, at the first node that reads it); lwprof's params {profile.params:,} + buffers {profile.buffers:,} + "
        f"{not_weights:,} elements of shape, axis, bound, scale and zero-point inputs + {integers:,} of integer initializers read as data = {ours:,}"
        + (", equal" if tool_params == ours else f": MISMATCH, onnx-tool {tool_params - ours:+,}"),
    ]
    if missing:
        lines.append(f"onnx-tool has no count for {len(missing)} node(s): {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    notes = (*profile.notes, *(Note(Severity.INFO, t) for t in lines))
    return dataclasses.replace(profile, layers=records, notes=notes)


def _input_names(model: Any) -> list[str]:
    return [g.name for g in graph_inputs(model)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onnx-tool")
    except PackageNotFoundError:  # pragma: no cover - imported, so installed
        return ""


def _cumulate(profile: ModelProfile, own_verdicts: Mapping[str, Verdict], own_tool: Mapping[str, tuple[int, int]]) -> tuple[Any, ...]:
    """Subtree verdicts (the worst below) and subtree onnx-tool counts, records in pre-order."""
    layers = profile.layers
    subtree_verdict: dict[int, Verdict] = {}
    subtree_counts: dict[int, tuple[int, int]] = {}
    for i in range(len(layers) - 1, -1, -1):
        r = layers[i]
        worst = own_verdicts[r.name]
        macs, params = own_tool[r.name]
        j = i + 1
        while j < len(layers) and layers[j].depth > r.depth:  # every descendant
            if layers[j].depth == r.depth + 1:
                if subtree_verdict[j].rank > worst.rank:
                    worst = subtree_verdict[j]
                macs += subtree_counts[j][0]
                params += subtree_counts[j][1]
            j += 1
        subtree_verdict[i] = worst
        subtree_counts[i] = (macs, params)
    return tuple(
        dataclasses.replace(r, crosscheck=subtree_verdict[i], crosscheck_own=own_verdicts[r.name], onnx_tool_macs=subtree_counts[i][0], onnx_tool_params=subtree_counts[i][1])
        for i, r in enumerate(layers)
    )
