"""Plain records shared by every part of lwprof: one row per module, one profile per model.

This module imports neither torch nor rich, so the CLI, the renderers and the reference
checker can all use it cheaply.

Counting conventions (shown to users in every summary footer and JSON export):

* ``macs`` are multiply-accumulates, the "mult-adds" of the MobileNet, ShuffleNet and GhostNet
  papers (which also call them FLOPs). ``flops = 2 * macs``.
* Conv MACs = output elements x (C_in / groups) x k_h x k_w; Linear MACs = output elements x
  in_features. Bias additions, BatchNorm, activations, pooling, residual adds and channel
  shuffles are not MACs: they are reported separately as ``other_ops`` (one per output element
  for element-wise work, one per window element for pooling).
* Parameters are counted once even when a module is called several times; MACs count every call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[int, ...]

CONVENTIONS = (
    "MACs = multiply-accumulates (the papers' mult-adds); FLOPs = 2 x MACs; "
    "conv MACs = output elements x C_in/groups x k_h x k_w; Linear MACs = output elements x in_features; "
    "bias, BatchNorm, activations, pooling, adds and shuffles are not MACs (counted as other ops)"
)

BYTES_PER_ELEMENT = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


@dataclass(frozen=True)
class LayerRecord:
    """One module of a profiled model: a leaf layer or a parent that aggregates its children.

    Attributes:
        name: Qualified module name ("" is the whole model).
        type: The module's class name, e.g. "Conv2d".
        depth: Depth in the module tree (the model is 0).
        is_leaf: True when the module has no child modules.
        status: "formula" (counted analytically), "unsupported" (leaf with no formula; its
            MACs come from the dispatch-level count and are flagged) or "parent".
        category: Layer type in the sense of MobileNetV1's Table 2 ("Conv 1x1", "Conv DW 3x3",
            "Conv 3x3", "FC", "BatchNorm", "Activation", "Pooling", ...).
        input_shape: Shape of the first tensor input of the (last) call, batch included.
        output_shape: Shape of the output of the (last) call.
        params: Parameter elements in this module and its children (each counted once).
        trainable_params: The part of ``params`` with ``requires_grad``.
        buffers: Buffer elements (e.g. BatchNorm running statistics), reported apart.
        macs: Multiply-accumulates of every call, children and own functional ops included.
        other_ops: Non-MAC operations (see the module docstring).
        functional_macs: MACs of ops called in this module's own ``forward`` outside any child
            (``F.conv2d``, ``torch.matmul``), already included in ``macs``.
        functional_other_ops: Likewise for element-wise ops (a residual add, ``torch.relu``).
        calls: How many times the module ran in one forward pass.
        hparams: Key hyper-parameters (kernel, stride, padding, dilation, groups, ...).
        formula: The formula behind ``macs`` in words, for leaves that have one.
        read_elements: Elements read by this module (inputs + weights), every call.
        write_elements: Elements written (outputs), every call.
        fvcore_macs: fvcore's count for this module (None when not cross-checked).
        torch_macs: ``torch.utils.flop_counter.FlopCounterMode``'s count, halved to MACs.
        crosscheck: "ok" when both tools agree with ``macs``; "by design" when the only
            difference is work a tool counts that lwprof reports as other ops (fvcore counts
            BatchNorm and adaptive pooling); "fvcore gap" when fvcore counts 0 for a conv with
            string padding (an op it does not handle) and FlopCounterMode agrees with lwprof;
            "MISMATCH" otherwise; "n/a" when not checked.
    """

    name: str
    type: str
    depth: int
    is_leaf: bool
    status: str
    category: str
    input_shape: Shape | None
    output_shape: Shape | None
    params: int
    trainable_params: int
    buffers: int
    macs: int
    other_ops: int = 0
    functional_macs: int = 0
    functional_other_ops: int = 0
    calls: int = 1
    hparams: Mapping[str, Any] = field(default_factory=dict, compare=False)
    formula: str = ""
    read_elements: int = 0
    write_elements: int = 0
    fvcore_macs: int | None = None
    torch_macs: int | None = None
    crosscheck: str = "n/a"

    @property
    def flops(self) -> int:
        """Floating-point operations, 2 per MAC."""
        return 2 * self.macs

    @property
    def traffic_elements(self) -> int:
        """Memory access cost in elements: inputs and weights read plus outputs written.

        For a 1x1 group conv this is ShuffleNet V2's MAC = hw(c1 + c2) + c1 c2 / g
        (arXiv 1807.11164, Sec. 2), plus the bias when there is one.
        """
        return self.read_elements + self.write_elements

    def intensity(self, bytes_per_element: int = 4) -> float:
        """Arithmetic intensity: MACs per byte of memory traffic (0 when there is none)."""
        traffic = self.traffic_elements * bytes_per_element
        return self.macs / traffic if traffic else 0.0

    @property
    def activation_elements(self) -> int:
        """Elements of this module's output (one call)."""
        return prod(self.output_shape) if self.output_shape else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with exact integers."""
        return {
            "name": self.name,
            "type": self.type,
            "depth": self.depth,
            "is_leaf": self.is_leaf,
            "status": self.status,
            "category": self.category,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "buffers": self.buffers,
            "macs": self.macs,
            "flops": self.flops,
            "other_ops": self.other_ops,
            "functional_macs": self.functional_macs,
            "functional_other_ops": self.functional_other_ops,
            "calls": self.calls,
            "hparams": {k: list(v) if isinstance(v, tuple) else v for k, v in self.hparams.items()},
            "formula": self.formula,
            "read_elements": self.read_elements,
            "write_elements": self.write_elements,
            "traffic_elements": self.traffic_elements,
            "fvcore_macs": self.fvcore_macs,
            "torch_macs": self.torch_macs,
            "crosscheck": self.crosscheck,
        }


@dataclass(frozen=True)
class ModelProfile:
    """The profile of one configured model: every module's record, totals as properties.

    Attributes:
        arch: Architecture name ("user" for a user model).
        config: The configuration the model was built from.
        input_shape: The input shape, batch included.
        layers: One record per module in pre-order; ``layers[0]`` is the whole model.
        dtype: The element type used for byte counts ("fp32", "fp16", "bf16", "int8").
        peak_activation_elements: Most activation elements alive at once during one forward
            pass (input and shortcut tensors included), or None when not measured.
        crosscheck_note: Why a requested cross-check was not run (e.g. the input is too large
            for a real forward pass); empty otherwise.
    """

    arch: str
    config: Mapping[str, Any]
    input_shape: Shape
    layers: tuple[LayerRecord, ...]
    dtype: str = "fp32"
    peak_activation_elements: int | None = None
    crosscheck_note: str = ""

    @property
    def root(self) -> LayerRecord:
        return self.layers[0]

    @property
    def batch(self) -> int:
        return self.input_shape[0]

    @property
    def params(self) -> int:
        return self.root.params

    @property
    def trainable_params(self) -> int:
        return self.root.trainable_params

    @property
    def buffers(self) -> int:
        return self.root.buffers

    @property
    def macs(self) -> int:
        return self.root.macs

    @property
    def flops(self) -> int:
        return 2 * self.root.macs

    @property
    def other_ops(self) -> int:
        return self.root.other_ops

    @property
    def output_shape(self) -> Shape | None:
        return self.root.output_shape

    @property
    def bytes_per_element(self) -> int:
        return BYTES_PER_ELEMENT[self.dtype]

    @property
    def traffic_bytes(self) -> int:
        """Memory traffic of all leaves (inputs + weights read, outputs written) at ``dtype``."""
        return sum(r.traffic_elements for r in self.leaves()) * self.bytes_per_element

    @property
    def peak_activation_bytes(self) -> int | None:
        if self.peak_activation_elements is None:
            return None
        return self.peak_activation_elements * self.bytes_per_element

    @property
    def model_size_bytes(self) -> int:
        """Bytes of parameters and buffers at ``dtype``."""
        return (self.params + self.buffers) * self.bytes_per_element

    @property
    def fvcore_macs(self) -> int | None:
        """fvcore's total for the whole model, as fvcore reports it (BatchNorm included)."""
        return self.root.fvcore_macs

    @property
    def torch_macs(self) -> int | None:
        """FlopCounterMode's total, halved to MACs."""
        return self.root.torch_macs

    @property
    def unsupported(self) -> tuple[str, ...]:
        """Names of leaf modules that have no formula."""
        return tuple(r.name for r in self.layers if r.status == "unsupported")

    @property
    def mismatches(self) -> tuple[LayerRecord, ...]:
        """Leaves whose MACs disagree with a cross-check, not explained by convention."""
        return tuple(r for r in self.leaves() if r.crosscheck == "MISMATCH")

    def leaves(self) -> Iterator[LayerRecord]:
        return (r for r in self.layers if r.is_leaf)

    def by_category(self) -> dict[str, tuple[int, int]]:
        """(params, MACs) per layer category over the leaves, largest MACs first."""
        out: dict[str, list[int]] = {}
        for r in self.leaves():
            acc = out.setdefault(r.category, [0, 0])
            acc[0] += r.params
            acc[1] += r.macs
        return {k: (v[0], v[1]) for k, v in sorted(out.items(), key=lambda kv: (-kv[1][1], -kv[1][0]))}

    def totals(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "trainable_params": self.trainable_params,
            "buffers": self.buffers,
            "macs": self.macs,
            "flops": self.flops,
            "other_ops": self.other_ops,
            "fvcore_macs": self.fvcore_macs,
            "torch_macs": self.torch_macs,
            "model_size_bytes": self.model_size_bytes,
            "traffic_bytes": self.traffic_bytes,
            "peak_activation_elements": self.peak_activation_elements,
            "peak_activation_bytes": self.peak_activation_bytes,
        }

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of ``lwprof summary --format json``."""
        return {
            "arch": self.arch,
            "config": dict(self.config),
            "input_shape": list(self.input_shape),
            "dtype": self.dtype,
            "conventions": CONVENTIONS,
            "totals": self.totals(),
            "unsupported": list(self.unsupported),
            "crosscheck_note": self.crosscheck_note,
            "layers": [r.to_dict() for r in self.layers],
        }


def prod(shape: Shape) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


@dataclass(frozen=True)
class Variant:
    """One column of a comparison: a label, its configuration and its profile."""

    label: str
    config: Mapping[str, Any]
    profile: ModelProfile

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "config": dict(self.config), "totals": self.profile.totals()}


@dataclass(frozen=True)
class Comparison:
    """Variants of one architecture side by side (``lwprof compare``).

    Attributes:
        arch: Architecture name.
        vary: The options that vary and their values, e.g. {"conv": ["standard", "dwsep"]}.
        variants: One per combination, in order; ratios are taken to the first.
    """

    arch: str
    vary: Mapping[str, tuple[Any, ...]]
    variants: tuple[Variant, ...]

    @property
    def baseline(self) -> Variant:
        return self.variants[0]

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of ``lwprof compare --format json``."""
        return {
            "arch": self.arch,
            "vary": {k: list(v) for k, v in self.vary.items()},
            "conventions": CONVENTIONS,
            "variants": [v.to_dict() for v in self.variants],
        }
