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

import dataclasses
import enum
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lwprof.errors import LwprofError
from lwprof.units import BYTES_PER_ELEMENT, plain  # noqa: F401  (re-exported: part of the records' vocabulary)

Shape = tuple[int, ...]


class _StrEnum(str, enum.Enum):
    """A string enum that prints (and compares, and serialises) as its value."""

    def __str__(self) -> str:
        return str(self.value)


class Verdict(_StrEnum):
    """How a record's MACs compare with fvcore's and FlopCounterMode's (the cross-check; for
    an ONNX graph, with onnx-tool's: :mod:`lwprof.counting.onnx_check`).

    Only multiply-accumulate-class work decides: convolutions and matrix products. What a tool
    counts beyond that (fvcore's BatchNorm, pooling, upsampling and norm handles) never makes
    a MISMATCH; it makes "by design", and the footer says what it was.
    """

    OK = "ok"  #: both tools count exactly lwprof's MACs
    BY_DESIGN = "by design"  #: MACs agree; fvcore also counts non-MAC work (BN, pooling, ...) as "flops"
    FVCORE_GAP = "fvcore gap"  #: FlopCounterMode agrees with lwprof; fvcore does not count an op here
    TORCH_GAP = "FlopCounterMode gap"  #: fvcore agrees with lwprof; FlopCounterMode does not count an op here
    ELSEWHERE = "credited elsewhere"  #: backward: FlopCounterMode's total agrees; its module tracker puts this work under other modules
    UNCHECKED = "unchecked"  #: neither tool counts the op (both report 0); lwprof's count stands alone
    MISMATCH = "MISMATCH"  #: both tools disagree with lwprof: shown, never hidden
    NA = "n/a"  #: not cross-checked

    @property
    def rank(self) -> int:
        """Severity for aggregation: a parent shows the worst verdict below it."""
        return _VERDICT_RANK[self]


_VERDICT_RANK = {
    Verdict.NA: 0, Verdict.OK: 1, Verdict.BY_DESIGN: 2, Verdict.FVCORE_GAP: 3, Verdict.TORCH_GAP: 3, Verdict.ELSEWHERE: 3,
    Verdict.UNCHECKED: 4, Verdict.MISMATCH: 5,
}  # fmt: skip


class Status(_StrEnum):
    """How a record was counted."""

    FORMULA = "formula"  #: a leaf counted by its registered formula
    OP_LEVEL = "op level"  #: a leaf whose type has a formula but whose own forward or parameters differ: counted from its ops
    UNSUPPORTED = "unsupported"  #: a leaf with no formula: counted from its ops, flagged
    PARENT = "parent"  #: a module with children: the sum of its subtree
    UNUSED = "unused"  #: a leaf the forward never called


class CheckStatus(_StrEnum):
    """The outcome of a published-number check or a pinned expectation."""

    PASS = "pass"
    KNOWN_GAP = "known gap"
    FAIL = "fail"


class Severity(_StrEnum):
    """How a note under a table is shown."""

    CONVENTION = "convention"  #: how things are counted (dim)
    INFO = "info"  #: a fact worth reading
    WARNING = "warning"  #: something to act on (red)
    FAILURE = "failure"  #: a check that failed or a budget exceeded (bold red)


@dataclass(frozen=True)
class Note:
    """One line under a table, with its severity."""

    severity: Severity
    text: str

    def __str__(self) -> str:
        return self.text


class ColumnKind(_StrEnum):
    """How a table cell is shown: human-readable in terminals, exact in exports."""

    TEXT = "text"  #: as is
    COUNT = "count"  #: an integer count: 3.47 M in tables, 3470760 in exports
    BYTES = "bytes"  #: a byte count: 16.14 MiB in tables, exact in exports
    SHARE = "share"  #: a fraction of a total: 12.3% / 12.30
    RATIO = "ratio"  #: an x-times factor: 0.273x / 0.2730
    FLOAT = "float"  #: a plain number, 4 significant digits
    MS = "ms"  #: milliseconds, 3 significant digits
    STATUS = "status"  #: a verdict or status, coloured in tables

    @property
    def numeric(self) -> bool:
        return self not in (ColumnKind.TEXT, ColumnKind.STATUS)


class Quantity(_StrEnum):
    """What a sweep shows, what a budget bounds, what an expectations file pins."""

    PARAMS = "params"
    TRAINABLE_PARAMS = "trainable_params"
    MACS = "macs"
    FLOPS = "flops"
    PEAK_ACTIVATION_BYTES = "peak_activation_bytes"
    LATENCY = "latency"


class LayerKind(_StrEnum):
    """What a record is, for every rule that depends on it: the cost model's kinds, the paper
    check's conventions, re-targeting, plot colours. A formula declares it
    (``@register_formula(nn.Foo, kind=LayerKind.X)``); the display label
    (:attr:`LayerRecord.category`) is derived from it and never parsed.
    """

    CONV = "conv"  #: a convolution (see :class:`ConvSpec` for its kernel, groups, depthwise)
    CONV_TRANSPOSE = "conv transpose"  #: a transposed convolution
    LINEAR = "linear"  #: a fully connected layer
    BATCHNORM = "batchnorm"
    ACTIVATION = "activation"  #: element-wise non-linearities, softmax
    POOLING = "pooling"  #: max or average pooling over k x k windows
    ADAPTIVE_POOLING = "adaptive pooling"  #: adaptive (global) pooling: its work follows its input
    SHUFFLE = "shuffle"  #: a channel shuffle (data movement only)
    RESHAPE = "reshape"  #: Flatten: a view
    IDENTITY = "identity"  #: Identity, Dropout at inference
    NORM = "norm"  #: layer, group, instance and local response norms
    RNN = "rnn"  #: RNN, GRU, LSTM
    EMBEDDING = "embedding"
    BLOCK = "block"  #: a parent module
    OP_LEVEL = "op level"  #: a leaf counted from its ops, with no formula's result
    TORCHSCRIPT = "torchscript"  #: a TorchScript module, counted from its ops as one block
    UNUSED = "unused"  #: a leaf the forward never called
    UNSUPPORTED = "unsupported"  #: a leaf with no formula
    OTHER = "other"  #: a hand-built record that says nothing more


@dataclass(frozen=True)
class ConvSpec:
    """The structure of a convolution, for the rules that depend on it (never its label).

    Attributes:
        kernel: Kernel size per spatial dimension.
        stride: Stride per spatial dimension.
        groups: Groups (1: a full convolution).
        depthwise: One group per input channel (groups == C_in, C_out a multiple of C_in).
    """

    kernel: tuple[int, ...]
    stride: tuple[int, ...] = ()
    groups: int = 1
    depthwise: bool = False

    @property
    def pointwise(self) -> bool:
        """A 1 x 1 (x 1) kernel."""
        return bool(self.kernel) and all(k == 1 for k in self.kernel)

    @property
    def grouped(self) -> bool:
        """More than one group, and not depthwise."""
        return self.groups > 1 and not self.depthwise

    def to_dict(self) -> dict[str, Any]:
        return {"kernel": list(self.kernel), "stride": list(self.stride), "groups": self.groups, "depthwise": self.depthwise, "pointwise": self.pointwise}


#: The display label of every kind (a convolution's also names its kernel and groups: :func:`layer_label`).
#: Display only: nothing reads a label back. Labels follow MobileNetV1's Table 2 ("Conv DW 3x3", "FC").
LABELS: dict[LayerKind, str] = {
    LayerKind.CONV: "Conv {kernel}",
    LayerKind.CONV_TRANSPOSE: "ConvT {kernel}",
    LayerKind.LINEAR: "FC",
    LayerKind.BATCHNORM: "BatchNorm",
    LayerKind.ACTIVATION: "Activation",
    LayerKind.POOLING: "Pooling",
    LayerKind.ADAPTIVE_POOLING: "Pooling",
    LayerKind.SHUFFLE: "Shuffle",
    LayerKind.RESHAPE: "Reshape",
    LayerKind.IDENTITY: "Identity",
    LayerKind.NORM: "Norm",
    LayerKind.RNN: "RNN",
    LayerKind.EMBEDDING: "Embedding",
    LayerKind.BLOCK: "Block",
    LayerKind.OP_LEVEL: "Op level",
    LayerKind.TORCHSCRIPT: "TorchScript",
    LayerKind.UNUSED: "Unused",
    LayerKind.UNSUPPORTED: "Unsupported",
    LayerKind.OTHER: "Other",
}
#: How a convolution's label shows its groups: {label} is the kind's label with the kernel filled in.
CONV_LABELS = {"depthwise": "Conv DW {kernel}", "grouped": "{label} group"}


def layer_label(kind: LayerKind, conv: ConvSpec | None = None) -> str:
    """The display label of a record: "Conv 1x1", "Conv DW 3x3", "Conv 3x3 group", "ConvT 2x2", "FC", ..."""
    text = LABELS[kind]
    if conv is None:
        return text.replace(" {kernel}", "")
    kernel = "x".join(map(str, conv.kernel))
    if conv.depthwise and kind is LayerKind.CONV:
        return CONV_LABELS["depthwise"].format(kernel=kernel)
    label = text.format(kernel=kernel)
    return CONV_LABELS["grouped"].format(label=label) if conv.groups > 1 else label


@dataclass(frozen=True)
class InputSpec:
    """One input of a model: its shape and element type (and keyword, for keyword inputs).

    Attributes:
        shape: The full shape (batch included in a profile; one sample in a resolved spec).
        dtype: The element type's name as torch spells it: "float32", "int64", "bool", ...
        name: The keyword of a keyword input; None for a positional one.
    """

    shape: Shape
    dtype: str = "float32"
    name: str | None = None

    def __str__(self) -> str:
        dims = "x".join(str(s) for s in self.shape) or "scalar"
        kind = "" if self.dtype == "float32" else f"{self.dtype} "
        return f"{self.name}={kind}{dims}" if self.name else f"{kind}{dims}"

    def to_dict(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "dtype": self.dtype, "name": self.name}

    @property
    def itemsize(self) -> int:
        """Bytes per element (1 for bool and 8-bit types)."""
        return _ITEMSIZE.get(self.dtype, 1)


_ITEMSIZE = {"float64": 8, "int64": 8, "complex64": 8, "float32": 4, "int32": 4, "float16": 2, "bfloat16": 2, "int16": 2}


def inputs_text(specs: Sequence[InputSpec]) -> str:
    """How messages name a model's inputs: "shape (1, 3, 224, 224)" for one float image, else each spec."""
    if len(specs) == 1 and specs[0].name is None and specs[0].dtype == "float32":
        return f"shape {specs[0].shape}"
    return ", ".join(str(s) for s in specs) or "(none)"


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type)


def tensor_paths(value: Any, path: str = "", depth: int = 0) -> list[tuple[str, Any]]:
    """Every tensor inside a value, with where it is: ``[0][2]``, ``logits``, ``[1].mask``.

    Walks tuples, lists, dicts (a Hugging Face ``ModelOutput`` too), namedtuples and
    dataclasses; anything else (numbers, strings, numpy arrays) holds no tensor. A bare tensor's
    path is "". Torch-free: a tensor is recognised by its type's module and its shape and dtype.
    """
    if _is_tensor(value):
        return [(path, value)]
    if depth > 32 or isinstance(value, (str, bytes, int, float, complex, type(None))):
        return []
    out: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            out.extend(tensor_paths(v, f"{path}.{k}" if path else str(k), depth + 1))
    elif isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        for k in value._fields:
            out.extend(tensor_paths(getattr(value, k), f"{path}.{k}" if path else k, depth + 1))
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            out.extend(tensor_paths(v, f"{path}[{i}]", depth + 1))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            out.extend(tensor_paths(getattr(value, f.name), f"{path}.{f.name}" if path else f.name, depth + 1))
    return out


def outputs_text(outputs: Sequence[InputSpec], width: int = 24) -> str:
    """A model's outputs in a table cell: one shape, or the first and how many more ("1x40x28x28 +3")."""
    if not outputs:
        return "-"
    first = "x".join(str(s) for s in outputs[0].shape) or "scalar"
    return first if len(outputs) == 1 else f"{first} +{len(outputs) - 1}"[: max(width, 8)]


#: fvcore's operator names whose counts are multiply-accumulates (the rest: BatchNorm, pooling, ...).
FVCORE_MAC_OPS = frozenset({"_convolution", "conv", "addmm", "bmm", "einsum", "matmul", "mm", "linear", "baddbmm"})

CONVENTIONS = (
    "MACs = multiply-accumulates (the papers' mult-adds); FLOPs = 2 x MACs; "
    "conv MACs = output elements x C_in/groups x k_h x k_w; Linear MACs = output elements x in_features; "
    "bias, BatchNorm, activations, pooling, adds and shuffles are not MACs (counted as other ops)"
)



@dataclass(frozen=True)
class LayerRecord:
    """One module of a profiled model: a leaf layer or a parent that aggregates its children.

    Attributes:
        name: Qualified module name ("" is the whole model).
        type: The module's class name, e.g. "Conv2d".
        depth: Depth in the module tree (the model is 0).
        is_leaf: True when the module has no child modules.
        status: How it was counted (:class:`Status`): by its formula, at the op level (a
            known type with its own forward or parameters), unsupported (no formula: op level,
            flagged) or as a parent.
        category: The display label (:func:`layer_label` of ``kind`` and ``conv``), in the sense
            of MobileNetV1's Table 2 ("Conv 1x1", "Conv DW 3x3", "Conv 3x3", "FC", "BatchNorm",
            "Activation", "Pooling", ...). For display only: rules read ``kind`` and ``conv``.
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
        functional_calls: How many aten ops ran in this module's own ``forward`` outside any
            child (a residual add, a concat, a slice), every call; 0 for leaves.
        functional_write_elements: Elements those ops wrote (a concat writes its output; views
            and in-place ops write nothing); 0 for leaves.
        calls: How many times the module ran in one forward pass.
        hparams: Key hyper-parameters (kernel, stride, padding, dilation, groups, ...).
        formula: The formula behind ``macs`` in words, for leaves that have one.
        read_elements: Elements read by this module (inputs + weights), every call.
        write_elements: Elements written (outputs), every call.
        fvcore_macs: fvcore's count for this module (None when not cross-checked).
        torch_macs: ``torch.utils.flop_counter.FlopCounterMode``'s count, halved to MACs.
        onnx_tool_macs: For an ONNX graph: onnx-tool's MACs of the convolutions and matrix
            products here, its bias adds taken off (None when not cross-checked).
        onnx_tool_params: onnx-tool's parameter count here (every initializer it reads).
        crosscheck: The cross-check verdict of this record's subtree (:class:`Verdict`): the
            worst own verdict of the record and everything below it.
        crosscheck_own: The verdict on this record's own work only (a leaf's layer, a
            parent's functional ops outside its children); :attr:`ModelProfile.mismatches`
            lists the records whose own verdict is MISMATCH.
        note: Why the record was counted the way it was, when that needs saying (an op-level
            fallback, extra parameters a formula does not know).
        kind: What the record is (:class:`LayerKind`), declared by its formula; what every rule reads.
        conv: A convolution's structure (kernel, stride, groups, depthwise), else None.
        backward_macs: With ``--backward``: MACs of the backward ops made while this module ran
            (its gradients: of the input where it needs one, of the weights that need one); None
            when the backward was not counted.
        backward_other_ops: Likewise, the backward's other ops.
        torch_backward_macs: FlopCounterMode's count of the backward here, halved to MACs (None:
            not cross-checked).
        backward_check: The backward cross-check's verdict on this record's subtree (the worst
            own verdict below it).
        backward_check_own: The verdict on this record's own backward work.
    """

    name: str
    type: str
    depth: int
    is_leaf: bool
    status: Status
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
    functional_calls: int = 0
    functional_write_elements: int = 0
    hparams: Mapping[str, Any] = field(default_factory=dict, compare=False)
    formula: str = ""
    read_elements: int = 0
    write_elements: int = 0
    fvcore_macs: int | None = None
    torch_macs: int | None = None
    crosscheck: Verdict = Verdict.NA
    crosscheck_own: Verdict = Verdict.NA
    note: str = ""
    kind: LayerKind = LayerKind.OTHER
    conv: ConvSpec | None = None
    onnx_tool_macs: int | None = None
    onnx_tool_params: int | None = None
    backward_macs: int | None = None
    backward_other_ops: int = 0
    torch_backward_macs: int | None = None
    backward_check: Verdict = Verdict.NA
    backward_check_own: Verdict = Verdict.NA

    def __post_init__(self) -> None:
        if type(self.kind) is not LayerKind:
            object.__setattr__(self, "kind", LayerKind(self.kind))
        # Hand-built records may spell status and verdicts as strings: store the enums.
        if type(self.status) is not Status:
            object.__setattr__(self, "status", Status(self.status))
        if type(self.crosscheck) is not Verdict:
            object.__setattr__(self, "crosscheck", Verdict(self.crosscheck))
        if type(self.crosscheck_own) is not Verdict:
            object.__setattr__(self, "crosscheck_own", Verdict(self.crosscheck_own))
        if type(self.backward_check) is not Verdict:
            object.__setattr__(self, "backward_check", Verdict(self.backward_check))
        if type(self.backward_check_own) is not Verdict:
            object.__setattr__(self, "backward_check_own", Verdict(self.backward_check_own))

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
        return math.prod(self.output_shape) if self.output_shape else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with exact integers."""
        return {
            "name": self.name,
            "type": self.type,
            "depth": self.depth,
            "is_leaf": self.is_leaf,
            "status": str(self.status),
            "category": self.category,
            "kind": str(self.kind),
            "conv": self.conv.to_dict() if self.conv else None,
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
            "functional_calls": self.functional_calls,
            "functional_write_elements": self.functional_write_elements,
            "calls": self.calls,
            "hparams": {k: list(v) if isinstance(v, tuple) else v for k, v in self.hparams.items()},
            "formula": self.formula,
            "read_elements": self.read_elements,
            "write_elements": self.write_elements,
            "traffic_elements": self.traffic_elements,
            "fvcore_macs": self.fvcore_macs,
            "torch_macs": self.torch_macs,
            "crosscheck": str(self.crosscheck),
            "crosscheck_own": str(self.crosscheck_own),
            "note": self.note,
            "onnx_tool_macs": self.onnx_tool_macs,
            "onnx_tool_params": self.onnx_tool_params,
            **(self.backward_dict() if self.backward_macs is not None else {}),
        }

    def backward_dict(self) -> dict[str, Any]:
        """The backward's fields (written only when it was counted, ``--backward``)."""
        return {
            "backward_macs": self.backward_macs,
            "backward_other_ops": self.backward_other_ops,
            "torch_backward_macs": self.torch_backward_macs,
            "backward_check": str(self.backward_check),
            "backward_check_own": str(self.backward_check_own),
        }


def parent_name(name: str) -> str:
    """The qualified name of a module's parent: "features.3.conv" -> "features.3"; "" (the model) for a top-level module."""
    return name.rpartition(".")[0]


def own_counts(records: Sequence[LayerRecord]) -> list[tuple[int, int]]:
    """(params, MACs) of each record less those of its children among ``records``.

    Summed over ``records`` these give the totals of the records' roots exactly (a sum
    telescopes), so a table of any depth cut sums right: a leaf's own counts are its counts; a
    record shown without its children keeps all of its counts; a parent's own counts are what
    it holds or does itself (a parameter of its own, a functional ``F.conv2d``), negative only
    where a module or parameter is shared between children (counted once above, once per
    child below).
    """
    below: dict[str, list[int]] = {}
    for r in records:
        if r.name:
            acc = below.setdefault(parent_name(r.name), [0, 0])
            acc[0] += r.params
            acc[1] += r.macs
    return [(r.params - below.get(r.name, (0, 0))[0], r.macs - below.get(r.name, (0, 0))[1]) for r in records]


def import_pandas(what: str) -> Any:
    try:
        import pandas
    except ImportError:
        raise LwprofError(f"{what} needs pandas: pip install pandas (or pip install 'lwprof[pandas]')") from None
    return pandas


def _stored_size(data: Mapping[str, Any], layers: Sequence[LayerRecord]) -> int | None:
    """A saved profile's model size when it is not ``params + buffers`` at its dtype (weights stored in their own types)."""
    size = (data.get("totals") or {}).get("model_size_bytes")
    bpe = BYTES_PER_ELEMENT.get(data.get("dtype", "fp32"))
    if not isinstance(size, int) or bpe is None or not layers or size == (layers[0].params + layers[0].buffers) * bpe:
        return None
    return size


@dataclass(frozen=True, repr=False)
class ModelProfile:
    """The profile of one configured model: every module's record, totals as properties.

    Attributes:
        arch: Architecture name, or the user model's spec ("net.py:Net") or class name.
        config: The configuration the model was built from: a zoo model's options, or a user
            model's factory arguments.
        input_shape: The shape of the first input, batch included.
        layers: One record per module in pre-order; ``layers[0]`` is the whole model.
        dtype: The element type used for byte counts ("fp32", "fp16", "bf16", "int8").
        peak_activation_elements: Most activation elements alive at once during one forward
            pass (input and shortcut tensors included), or None when not measured.
        crosscheck_note: Why a requested cross-check was not (fully) run; empty otherwise.
        spec: A spec that rebuilds this model ("mobilenet_v1@alpha=0.5", "net.py:Net@width=2");
            empty for a module passed in directly.
        inputs: Every input (positional, then keyword), batch included.
        device: Where the counting forward ran: "meta" (shapes only) or "cpu" (real tensors,
            when the forward needs data); "onnx" for an ONNX graph (counted from its shapes,
            nothing ran).
        input_dependent: The forward's work may depend on the input's values (it needed real
            data: proposals of a detector, data-dependent branches); the counts are those of
            the generated input.
        notes: What the reader should know about how this profile was made (fallbacks).
        fvcore_by_op: fvcore's whole-model count per operator ("_convolution", "batch_norm",
            ...), when cross-checked: what it counts beyond MACs is named from this.
        fvcore_unsupported: The operators fvcore reported it has no handler for.
        batch_size: The batch it was profiled at (``--batch``); None: the first input's first dimension.
        outputs: Every tensor the forward returned, its ``name`` the path to it in the output
            ("" for a bare tensor, ``[0][2]``, ``logits``).
        created_params: Parameters of modules created during the forward (or held outside the
            model) that ran: counted apart, not in ``params``.
        mode: "eval" (the default) or "train" (counted in training mode, ``--train``).
        stored_weight_bytes: The bytes of the parameters and buffers as stored, when every
            tensor has an element type of its own (an ONNX file's initializers: int8 1 byte per
            element, float16 2); None: ``params + buffers`` at ``dtype``.
    """

    arch: str
    config: Mapping[str, Any]
    input_shape: Shape
    layers: tuple[LayerRecord, ...]
    dtype: str = "fp32"
    peak_activation_elements: int | None = None
    crosscheck_note: str = ""
    spec: str = ""
    inputs: tuple[InputSpec, ...] = ()
    device: str = "meta"
    input_dependent: bool = False
    notes: tuple[Note, ...] = ()
    fvcore_by_op: Mapping[str, int] = field(default_factory=dict)
    fvcore_unsupported: tuple[str, ...] = ()
    batch_size: int | None = None
    outputs: tuple[InputSpec, ...] = ()
    created_params: int = 0
    mode: str = "eval"
    stored_weight_bytes: int | None = None

    @property
    def root(self) -> LayerRecord:
        return self.layers[0]

    @property
    def batch(self) -> int:
        """The batch size: as profiled (a detector's list of images: their number), else the first input's first dimension (1 for a scalar)."""
        if self.batch_size is not None:
            return self.batch_size
        return self.input_shape[0] if self.input_shape else 1

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
    def backward(self) -> bool:
        """Whether the backward pass was counted (``--backward``)."""
        return self.root.backward_macs is not None

    @property
    def backward_macs(self) -> int | None:
        """MACs of one backward pass (None: not counted)."""
        return self.root.backward_macs

    @property
    def training_step_macs(self) -> int | None:
        """MACs of one training step: the forward and the backward (None: the backward not counted)."""
        return None if self.root.backward_macs is None else self.macs + self.root.backward_macs

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
        """Bytes of parameters and buffers: as stored when known (:attr:`stored_weight_bytes`), else at ``dtype``."""
        if self.stored_weight_bytes is not None:
            return self.stored_weight_bytes
        return (self.params + self.buffers) * self.bytes_per_element

    @property
    def model_size_basis(self) -> str:
        """What :attr:`model_size_bytes` counts each element at: ``dtype``, or "as stored" when
        the stored element types give another size (a quantized ONNX model's int8 weights)."""
        if self.stored_weight_bytes is None or self.stored_weight_bytes == (self.params + self.buffers) * self.bytes_per_element:
            return self.dtype
        return "as stored"

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
        return tuple(r.name for r in self.layers if r.status is Status.UNSUPPORTED)

    @property
    def op_level(self) -> tuple[str, ...]:
        """Names of leaves of a known type counted at the op level (their forward or parameters differ)."""
        return tuple(r.name for r in self.layers if r.status is Status.OP_LEVEL)

    @property
    def mismatches(self) -> tuple[LayerRecord, ...]:
        """Records whose own MACs disagree with both cross-check tools.

        A parent's own work is its functional ops outside its children. The table's total,
        the footer and this tuple agree: the model's verdict is MISMATCH exactly when this is
        not empty.
        """
        return tuple(r for r in self.layers if r.crosscheck_own is Verdict.MISMATCH)

    @property
    def verdict(self) -> Verdict:
        """The cross-check verdict of the whole model (the worst own verdict of any record)."""
        return self.root.crosscheck

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
            **(self._backward_totals() if self.backward else {}),
        }

    def _backward_totals(self) -> dict[str, Any]:
        root = self.root
        step = self.training_step_macs or 0
        return {
            "backward_macs": root.backward_macs,
            "backward_other_ops": root.backward_other_ops,
            "training_step_macs": step,
            "training_step_flops": 2 * step,
            "training_step_other_ops": root.other_ops + root.backward_other_ops,
            "torch_backward_macs": root.torch_backward_macs,
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
            "op_level": list(self.op_level),
            "crosscheck": str(self.verdict),
            "mismatches": [r.name for r in self.mismatches],
            "crosscheck_note": self.crosscheck_note,
            "spec": self.spec,
            "inputs": [i.to_dict() for i in self.inputs],
            "outputs": [{"path": o.name or "", "shape": list(o.shape), "dtype": o.dtype} for o in self.outputs],
            "created_in_forward_params": self.created_params,
            "mode": self.mode,
            "device": self.device,
            "input_dependent": self.input_dependent,
            "notes": [n.text for n in self.notes],
            "layers": [r.to_dict() for r in self.layers],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelProfile:
        """The profile back from :meth:`to_dict` (``lwprof summary --format json``): exact
        counts, shapes, verdicts; notes come back as plain information.

        Raises:
            LwprofError: Not such a dict, or one written with ``--depth`` or ``--leaves``
                (it lacks modules).
        """
        layers_in = data.get("layers") if isinstance(data, Mapping) else None
        if not isinstance(layers_in, list) or "totals" not in data or not layers_in or not all(isinstance(r, Mapping) for r in layers_in):
            raise LwprofError("not a profile: expected the JSON of lwprof summary --format json (with 'totals' and a non-empty list of 'layers')")
        if data.get("depth") is not None or data.get("leaves"):
            raise LwprofError("this profile was written with --depth or --leaves and lacks modules; write it again without them")
        names = set(LayerRecord.__dataclass_fields__)

        def shape(v: Any) -> Shape | None:
            return tuple(v) if v else None

        try:
            layers = []
            for row in data["layers"]:
                kw = {k: v for k, v in row.items() if k in names}
                kw["input_shape"], kw["output_shape"] = shape(row.get("input_shape")), shape(row.get("output_shape"))
                kw["hparams"] = {k: tuple(v) if isinstance(v, list) else v for k, v in (row.get("hparams") or {}).items()}
                layers.append(LayerRecord(**kw))
            return cls(
                arch=data["arch"],
                config=dict(data.get("config") or {}),
                input_shape=tuple(data["input_shape"]),
                layers=tuple(layers),
                dtype=data.get("dtype", "fp32"),
                peak_activation_elements=(data["totals"] or {}).get("peak_activation_elements"),
                crosscheck_note=data.get("crosscheck_note", ""),
                spec=data.get("spec", ""),
                inputs=tuple(InputSpec(tuple(i["shape"]), i.get("dtype", "float32"), i.get("name")) for i in data.get("inputs") or ()),
                device=data.get("device", "meta"),
                input_dependent=bool(data.get("input_dependent")),
                notes=tuple(Note(Severity.INFO, str(n)) for n in data.get("notes") or ()),
                stored_weight_bytes=_stored_size(data, layers),
            )
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise LwprofError(f"not a profile lwprof can read back: {type(exc).__name__}: {exc}") from None

    def layer_rows(self, *, leaves: bool = False, depth: int | None = None) -> list[dict[str, Any]]:
        """One dict per module below the model (``to_dict()`` of each record) plus ``parent``
        and ``own_params`` / ``own_macs`` (:func:`own_counts` over these rows, so that they
        sum to the totals whatever is filtered), in pre-order.

        Args:
            leaves: Only the leaf layers (their ``macs`` then sum to the total unless a parent
                does work of its own; see :func:`own_counts`).
            depth: Only modules down to this depth (the model is 0).
        """
        records = [r for r in self.layers[1:] if (not leaves or r.is_leaf) and (depth is None or r.depth <= depth)]
        rows = []
        for r, (own_p, own_m) in zip(records, own_counts(records)):
            row = r.to_dict()
            row["parent"] = parent_name(r.name)
            row["own_params"], row["own_macs"] = own_p, own_m
            rows.append(row)
        return rows

    def to_pandas(self, *, leaves: bool = False, depth: int | None = None) -> Any:
        """The layers as a ``pandas.DataFrame``, one row per module below the model, indexed by name.

        Columns: every field of :meth:`LayerRecord.to_dict` plus ``parent``, ``own_params``
        and ``own_macs``. Without ``leaves``, ``df.own_macs.sum()`` is the model's MACs at any
        ``depth`` (less what the model's own ``forward`` does outside every module, and more where a
        weight is tied or a module shared: each owner's row has it); with ``leaves``, the work of
        parents' own ``forward`` is missing;
        ``df[df.is_leaf].macs.sum()`` is too when no parent does work of its own
        (``df.macs.sum()`` over parents and leaves counts everything twice or more).

        Args:
            leaves: Only the leaf layers.
            depth: Only modules down to this depth.

        Raises:
            LwprofError: pandas is not installed.
        """
        pandas = import_pandas("ModelProfile.to_pandas()")
        columns = [*self.root.to_dict(), "parent", "own_params", "own_macs"]  # also for a model with no modules below it
        return pandas.DataFrame(self.layer_rows(leaves=leaves, depth=depth), columns=columns).set_index("name")

    def __repr__(self) -> str:
        return f"ModelProfile({self.spec or self.arch!r}, input_shape={self.input_shape}, params={self.params:,}, macs={self.macs:,}, layers={len(self.layers)})"

    def _repr_html_(self) -> str:
        """Jupyter's display: the per-layer table with its footer (:mod:`lwprof.render.notebook`)."""
        from lwprof.render import notebook

        return notebook.html(self)

    def __rich__(self) -> Any:
        """rich's display (``rich.print(profile)``, IPython with rich's extension): the summary table."""
        from lwprof.render import notebook

        return notebook.rich_view(self)


@dataclass(frozen=True)
class Variant:
    """One column of a comparison: a label, its configuration and its profile."""

    label: str
    config: Mapping[str, Any]
    profile: ModelProfile

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "config": dict(self.config), "totals": self.profile.totals()}


@dataclass(frozen=True)
class LayerComparison:
    """One convolution realised several ways (``lwprof layer``).

    Iterates (and indexes) as its ``(label, profile)`` pairs.

    Attributes:
        variants: ``(label, profile)`` per realisation, the standard conv first.
        eq5_ratio: MobileNetV1 eq. 5's predicted dwsep / standard cost, 1/N + 1/D_K^2.
        notes: What was decided (a grouped variant left out, its group count chosen).
    """

    variants: tuple[tuple[str, ModelProfile], ...]
    eq5_ratio: float
    notes: tuple[Note, ...] = ()

    def __iter__(self) -> Iterator[tuple[str, ModelProfile]]:
        return iter(self.variants)

    def __len__(self) -> int:
        return len(self.variants)

    def __getitem__(self, index: int) -> tuple[str, ModelProfile]:
        return self.variants[index]


@dataclass(frozen=True, repr=False)
class Comparison:
    """Variants of one architecture side by side (``lwprof compare``).

    Attributes:
        arch: Architecture name.
        vary: The options that vary and their values, e.g. {"conv": ["standard", "dwsep"]}.
        variants: One per combination, in order; ratios are taken to the first.
        resolved: How each variant was built (its :class:`lwprof.resolve.Resolved`: spec,
            options, inputs), so that it can be timed as it was profiled.
        batch: The batch size of every variant.
    """

    arch: str
    vary: Mapping[str, tuple[Any, ...]]
    variants: tuple[Variant, ...]
    resolved: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    batch: int = 1

    @property
    def baseline(self) -> Variant:
        return self.variants[0]

    def __repr__(self) -> str:
        return f"Comparison({self.arch!r}, variants=[{', '.join(repr(v.label) for v in self.variants)}])"

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of ``lwprof compare --format json``."""
        return {
            "arch": self.arch,
            "vary": {k: list(v) for k, v in self.vary.items()},
            "conventions": CONVENTIONS,
            "variants": [v.to_dict() for v in self.variants],
        }

    def to_pandas(self) -> Any:
        """One row per variant (indexed by label): its configuration and totals, and MACs and params as ratios to the first.

        Raises:
            LwprofError: pandas is not installed.
        """
        pandas = import_pandas("Comparison.to_pandas()")
        base = self.baseline.profile
        rows = []
        for v in self.variants:
            p = v.profile
            row = {"label": v.label, **{k: plain(x) for k, x in v.config.items() if k in self.vary}, **p.totals()}
            row["params_ratio"] = p.params / base.params if base.params else None
            row["macs_ratio"] = p.macs / base.macs if base.macs else None
            rows.append(row)
        return pandas.DataFrame(rows).set_index("label")

    def _repr_html_(self) -> str:
        from lwprof.render import notebook

        return notebook.html(self)

    def __rich__(self) -> Any:
        from lwprof.render import notebook

        return notebook.rich_view(self)

# -- what render reads of the results made above it ----------------------------------------------
# The latency package (a floor above render) makes predictions and calibrations; render shows them
# and may not import them. These protocols are the part render reads: lwprof.latency.predict.Prediction
# and lwprof.latency.costmodel.Calibration satisfy them (mypy checks it where they are passed).


class LayerPredictionView(Protocol):
    """One leaf's predicted time (:class:`lwprof.latency.predict.LayerPrediction`)."""

    @property
    def name(self) -> str: ...
    @property
    def seconds(self) -> float: ...


class PredictionView(Protocol):
    """A model's predicted latency (:class:`lwprof.latency.predict.Prediction`)."""

    @property
    def total_s(self) -> float: ...
    @property
    def overhead_s(self) -> float: ...
    @property
    def layers(self) -> Sequence[LayerPredictionView]: ...
    @property
    def calibration(self) -> Mapping[str, Any]: ...
    @property
    def notes(self) -> tuple[Note, ...]: ...
    @property
    def interval_s(self) -> tuple[float, float] | None: ...
    @property
    def grade(self) -> str: ...

    def covers(self, seconds: float) -> bool | None: ...
    def seconds(self, name: str) -> float | None: ...
    def by_category(self) -> dict[str, float]: ...
    def versus(self, measured: Mapping[str, float], macs: Mapping[str, int] | None = None, groups: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...


class KindCostView(Protocol):
    """One kind's fitted cost (:class:`lwprof.latency.costmodel.KindCost`)."""

    @property
    def benchmarks(self) -> int: ...
    @property
    def median_error(self) -> float: ...
    @property
    def max_error(self) -> float: ...

    def shown_rates(self) -> tuple[float | None, ...]: ...


class CalibrationView(Protocol):
    """A machine's calibration (:class:`lwprof.latency.costmodel.Calibration`)."""

    @property
    def benchmarks(self) -> Sequence[Any]: ...
    @property
    def seconds(self) -> float: ...
    @property
    def noisy(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def cpu(self) -> str: ...
    @property
    def threads(self) -> int: ...
    @property
    def dtype(self) -> str: ...

    def kind_rows(self) -> Sequence[tuple[str, str, KindCostView]]: ...
    def rate_columns(self) -> tuple[tuple[str, str], ...]: ...
    def describe(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
