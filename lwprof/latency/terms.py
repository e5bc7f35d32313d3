"""The cost model's terms as data: what a record is charged for, and how its counts scale with the input.

Torch-free. One table each:

* :data:`FEATURES`: every feature a kind's cost may depend on (per call, per MAC, per non-MAC op, per
  byte of traffic): the record counts it sums, how the calibration table and file show its fitted
  coefficient. The design matrix (:func:`design_row`), the prediction (:func:`record_terms`, read by
  :func:`lwprof.latency.predict.predict_profile`), re-targeting and the fit's fast pricing
  (:func:`lwprof.latency.fit.retarget`, :class:`lwprof.latency.fit.Scaled`), the calibration grid and
  the calibration file all iterate it.
* :data:`PARENT_TERMS`: what a parent module's own work is charged as (its call, the aten ops of its
  own forward, an ``F.conv2d`` there).
* :data:`KINDS`: every kind of the cost model and the features it uses; :func:`leaf_kind` chooses a leaf's.
* :func:`count_parts`: how every count of a record scales with the input resolution (constant, with the
  positions of its input map or of its output map): the rules re-targeting and ``Scaled`` share.

Adding a term is one :class:`Feature` entry, its name in the kinds that use it
(:data:`KINDS`), and micro-benchmarks that exercise it
(:func:`lwprof.latency.calibrate.cases`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from lwprof.records import LayerKind, LayerRecord, ModelProfile

__all__ = [
    "EXTRA_KINDS",
    "FEATURES",
    "FUSION_PARTS",
    "KINDS",
    "KERNEL_SEP",
    "PARENT_TERMS",
    "Feature",
    "FeatureName",
    "ParentTerm",
    "Scale",
    "Term",
    "count_parts",
    "priced_counts",
    "design_row",
    "feature",
    "is_kind",
    "kernel_kind",
    "kind_features",
    "layer_kind",
    "leaf_kind",
    "record_terms",
]


class Scale(enum.Enum):
    """What a count is proportional to when the input resolution changes."""

    CONSTANT = "constant"  #: calls, weights read once per call
    INPUT = "input"  #: the positions of the record's input map
    OUTPUT = "output"  #: the positions of the record's output map


FeatureName = str


@dataclass(frozen=True)
class Feature:
    """One feature of the cost model: ``t += coefficient x value`` for the kinds that use it.

    Attributes:
        name: "calls", "macs", "ops", "bytes" (the calibration file's coefficient keys).
        counts: The :class:`~lwprof.records.LayerRecord` counts a leaf's value sums.
        per_byte: The value is elements x the element size (bytes of traffic).
        column: The calibration table's column header for the fitted coefficient.
        key: That column's key in exports.
        file_key: The derived field the calibration file writes next to the coefficients.
        inverse: The coefficient is shown as a rate (1 / seconds per unit: GMAC/s, GB/s)
            rather than as seconds (the per-call overhead).
        shown_scale: The table shows a rate divided by this (1e9: G-units per second), or a
            non-inverse coefficient multiplied by it (1e6: microseconds).
    """

    name: FeatureName
    counts: tuple[str, ...]
    per_byte: bool = False
    column: str = ""
    key: str = ""
    file_key: str = ""
    inverse: bool = True
    shown_scale: float = 1e9

    def value(self, record: LayerRecord, bytes_per_element: int) -> float:
        """A leaf's value of this feature."""
        total = 0
        for name in self.counts:
            total += getattr(record, name)
        return float(total * bytes_per_element) if self.per_byte else float(total)

    def rate(self, coefficient: float) -> float | None:
        """What the calibration file writes (``file_key``): the coefficient, or its inverse (None when free)."""
        if not self.inverse:
            return coefficient
        return 1 / coefficient if coefficient > 0 else None

    def shown(self, coefficient: float) -> float | None:
        """What the calibration table shows: microseconds of overhead, G-units per second."""
        if not self.inverse:
            return coefficient * self.shown_scale
        r = self.rate(coefficient)
        return r / self.shown_scale if r else None


#: Every feature, in the order the calibration table shows them.
FEATURES: tuple[Feature, ...] = (
    Feature("calls", ("calls",), column="overhead (us)", key="overhead_us", file_key="overhead_s", inverse=False, shown_scale=1e6),
    Feature("macs", ("macs",), column="GMAC/s", key="peak_gmacs", file_key="peak_macs_per_s"),
    Feature("ops", ("other_ops",), column="Gop/s", key="gops", file_key="ops_per_s"),
    Feature("bytes", ("read_elements", "write_elements"), per_byte=True, column="GB/s", key="bandwidth_gbs", file_key="bandwidth_bytes_per_s"),
)
_BY_NAME = {f.name: f for f in FEATURES}


def feature(name: FeatureName) -> Feature:
    """The feature called ``name``."""
    return _BY_NAME[name]


@dataclass(frozen=True)
class ParentTerm:
    """One part of a parent module's own work: priced as ``kind``, each feature from one record count.

    Attributes:
        kind: The cost-model kind that prices it.
        counts: Feature name -> the record count that is its value (bytes: x the element size).
        when: The record count that must be non-zero for the term to exist ("": always).
        estimated: No micro-benchmark covers it as such (an ``F.conv2d`` priced as a 1x1 conv).
    """

    kind: str
    counts: Mapping[FeatureName, str]
    when: str = ""
    estimated: bool = False


#: A parent's own work: its module call, the aten ops of its own forward (adds, concats, the SE
#: scale: their calls and the elements they write), and MACs of a functional conv or matmul there.
PARENT_TERMS: tuple[ParentTerm, ...] = (
    ParentTerm("module", {"calls": "calls"}),
    ParentTerm("functional", {"calls": "functional_calls", "bytes": "functional_write_elements"}, when="functional_calls"),
    ParentTerm("conv1x1", {"macs": "functional_macs"}, when="functional_macs", estimated=True),
)


#: Every kind: what it covers and the features its cost uses (names of :data:`FEATURES`).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "conv1x1": ("1x1 conv, one group (pointwise)", ("calls", "macs", "bytes")),
    "conv": ("k x k conv (k > 1), one group: stems, 'standard' convs", ("calls", "macs", "bytes")),
    "dwconv": ("depthwise k x k conv", ("calls", "macs", "bytes")),
    "gconv": ("grouped conv (1x1 or k x k), not depthwise", ("calls", "macs", "bytes")),
    "linear": ("fully connected layer", ("calls", "macs", "bytes")),
    "batchnorm": ("BatchNorm at inference", ("calls", "bytes")),
    "activation": ("piecewise-linear activation: ReLU, ReLU6, LeakyReLU, Hardtanh", ("calls", "bytes")),
    "hard_activation": ("hard-swish, hard-sigmoid", ("calls", "bytes")),
    "exp_activation": ("activation with exp/tanh/erf: sigmoid, SiLU, GELU, tanh, softmax", ("calls", "bytes")),
    "max_pool": ("max pooling over k x k windows", ("calls", "ops", "bytes")),
    "avg_pool": ("average pooling over k x k windows", ("calls", "ops", "bytes")),
    "global_pool": ("adaptive (global) pooling", ("calls", "bytes")),
    "shuffle": ("channel shuffle (a strided copy)", ("calls", "bytes")),
    "view": ("Flatten, Identity, Dropout at inference: the call only", ("calls",)),
    "module": ("calling a parent module (Sequential, a block)", ("calls",)),
    "functional": ("aten ops in a parent's own forward: adds, concats, the SE scale", ("calls", "bytes")),
    "network": ("what a layer costs more inside a network than alone: per leaf call and byte of traffic", ("calls", "bytes")),
}

#: Kinds only some runtimes' calibrations have (not required in a calibration file).
EXTRA_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "run": ("one run of the whole model: the runtime's per-inference overhead (ONNX Runtime's session.run)", ("calls",)),
}

#: Parts a kernel kind may name that are finer than a cost kind, and the cost kind each belongs to: fusion
#: follows the operator (ONNX Runtime runs a ReLU inside the convolution before it, not a ReLU6).
FUSION_PARTS: dict[str, str] = {"relu": "activation"}

#: Joins a kernel's kinds: ``conv1x1+batchnorm+activation`` is a 1x1 conv with a BatchNorm and an activation fused into it.
KERNEL_SEP = "+"


def kernel_kind(head: str, members: tuple[str, ...] = ()) -> str:
    """The kind of a kernel: its head's kind, then each fused member's (``conv1x1+batchnorm+activation``)."""
    return KERNEL_SEP.join((head, *members))


def kind_features(kind: str) -> tuple[str, ...]:
    """The features a kind's cost uses: a kernel kind uses every feature of its parts (in :data:`FEATURES` order)."""
    found = KINDS.get(kind) or EXTRA_KINDS.get(kind)
    if found is not None:
        return found[1]
    parts = {name for part in kind.split(KERNEL_SEP) for name in KINDS[FUSION_PARTS.get(part, part)][1]}
    return tuple(f.name for f in FEATURES if f.name in parts)


def is_kind(kind: str) -> bool:
    """A kind of :data:`KINDS` or :data:`EXTRA_KINDS`, or a kernel kind made of layer kinds (never ``network``, ``module`` or ``functional``)."""
    if kind in KINDS or kind in EXTRA_KINDS:
        return True
    parts = kind.split(KERNEL_SEP)
    known = all((p in KINDS or (i and p in FUSION_PARTS)) and p not in _NOT_IN_KERNELS for i, p in enumerate(parts))
    return len(parts) > 1 and known and len(set(parts)) == len(parts)


_NOT_IN_KERNELS = frozenset({"network", "module", "functional"})

#: Cost-model kinds of the layer kinds that need nothing more to decide.
_DIRECT_KINDS = {
    LayerKind.LINEAR: "linear",
    LayerKind.BATCHNORM: "batchnorm",
    LayerKind.SHUFFLE: "shuffle",
    LayerKind.RESHAPE: "view",
    LayerKind.IDENTITY: "view",
    LayerKind.ADAPTIVE_POOLING: "global_pool",
}
_HARD = frozenset({"Hardswish", "Hardsigmoid"})
_EXP = frozenset({"Sigmoid", "SiLU", "GELU", "Tanh", "ELU", "Mish", "Softmax", "LogSoftmax", "CELU", "SELU", "Softplus"})


def layer_kind(record: LayerRecord) -> str | None:
    """The cost-model kind of a leaf record, or None when no micro-benchmark covers it.

    From the record's :class:`~lwprof.records.LayerKind` (never its display label): a conv's
    structure (:class:`~lwprof.records.ConvSpec`) decides between 1x1, k x k, depthwise and
    grouped, an activation's type between piecewise-linear, "hard" and transcendental (sigmoid
    costs about ten ReLUs per element), a pool's type between max and average.
    """
    kind = record.kind
    direct = _DIRECT_KINDS.get(kind)
    if direct is not None:
        return direct
    if kind is LayerKind.ACTIVATION:
        return "hard_activation" if record.type in _HARD else "exp_activation" if record.type in _EXP else "activation"
    if kind is LayerKind.POOLING:
        return "max_pool" if "Max" in record.type else "avg_pool"
    conv = record.conv
    if conv is not None and kind in (LayerKind.CONV, LayerKind.CONV_TRANSPOSE):
        if kind is LayerKind.CONV and conv.depthwise:
            return "dwconv"
        if conv.groups > 1:
            return "gconv"
        return "conv1x1" if kind is LayerKind.CONV and conv.pointwise else "conv"
    return None


_KIND_CACHE: dict[tuple[Any, ...], tuple[str, bool]] = {}


def leaf_kind(record: LayerRecord) -> tuple[str, bool]:
    """The kind that prices a leaf, and whether it is estimated: a leaf no micro-benchmark covers
    (a norm, an RNN, a layer counted at the op level) is priced as a 1x1 conv when it has MACs,
    else as an element-wise layer. Cached by what decides it."""
    key = (record.kind, record.type, record.conv, record.macs > 0)
    found = _KIND_CACHE.get(key)
    if found is None:
        kind = layer_kind(record)
        found = _KIND_CACHE[key] = (kind, False) if kind is not None else ("conv1x1" if record.macs else "activation", True)
    return found


class Term(NamedTuple):
    """One priced part of a record: its kind, its feature values, whether the kind is a guess."""

    kind: str
    features: dict[FeatureName, float]
    estimated: bool = False


#: A leaf's place in a kernel (:func:`lwprof.latency.fusion.assign`): the kernel's kind, and whether the leaf is its head.
Placement = tuple[str, bool]


def record_terms(record: LayerRecord, bytes_per_element: int, kernel: Placement | None = None) -> list[Term]:
    """The cost terms of one record: one per part of its own work.

    A leaf is one term of its kind (:func:`leaf_kind`; an estimated kind is flagged), every feature of
    :data:`FEATURES`. A parent is its :data:`PARENT_TERMS`. Records never called cost nothing.
    A leaf in a kernel (``kernel``: the kernel's kind and whether the leaf is its head) is a term of the
    kernel's kind; only the head counts the kernel's calls, every member adds its MACs, ops and bytes.
    """
    if not record.calls:
        return []
    if record.is_leaf:
        kind, estimated = leaf_kind(record)
        feats = {f.name: f.value(record, bytes_per_element) for f in FEATURES}
        if kernel is not None:
            kind = kernel[0]
            if not kernel[1]:
                feats["calls"] = 0.0
        return [Term(kind, feats, estimated)]
    terms = []
    for term in PARENT_TERMS:
        if term.when and not getattr(record, term.when):
            continue
        feats = {}
        for name, count in term.counts.items():
            value = getattr(record, count)
            feats[name] = float(value * bytes_per_element) if _BY_NAME[name].per_byte else float(value)
        terms.append(Term(term.kind, feats, term.estimated))
    return terms


def design_row(
    profile: ModelProfile, bytes_per_element: int, in_network: bool = True, kernels: Mapping[str, Placement] | None = None, per_run: bool = False
) -> dict[tuple[str, str], float]:
    """A profile's total of every (kind, feature) pair that its kind uses (:data:`KINDS`): its row in the fit's design matrix.

    With ``in_network``, every leaf's features are also added to the ``network`` kind's. ``kernels``:
    each fused leaf's kernel (:func:`lwprof.latency.fusion.assign`); ``per_run``: one call of the
    ``run`` kind (a runtime's per-inference overhead).
    """
    row: dict[tuple[str, str], float] = {("run", "calls"): 1.0} if per_run else {}
    network = KINDS["network"][1]
    placed = kernels or {}
    for record in profile.layers:
        for kind, feats, _ in record_terms(record, bytes_per_element, placed.get(record.name)):
            for name in kind_features(kind):
                value = feats.get(name, 0.0)
                if value:
                    row[kind, name] = row.get((kind, name), 0.0) + value
            if in_network and record.is_leaf:
                for name in network:
                    if feats.get(name):
                        row["network", name] = row.get(("network", name), 0.0) + feats[name]
    return row


def priced_counts(record: LayerRecord, kernel: Placement | None = None) -> Iterator[tuple[str, Feature, str, bool]]:
    """``(kind, feature, count, leaf)`` for every record count its terms are priced on (what
    :func:`record_terms` sums), ``leaf`` when the ``network`` kind's in-network extra applies too."""
    if not record.calls:
        return
    if record.is_leaf:
        kind = leaf_kind(record)[0] if kernel is None else kernel[0]
        for f in FEATURES:
            if kernel is not None and not kernel[1] and f.name == "calls":
                continue  # a fused member: the kernel's head counts its calls
            for count in f.counts:
                yield kind, f, count, True
        return
    for term in PARENT_TERMS:
        if term.when and not getattr(record, term.when):
            continue
        for name, count in term.counts.items():
            yield term.kind, _BY_NAME[name], count, False


# -- how counts scale with the input resolution -----------------------------------------------------

#: The counts re-targeting rewrites, for a leaf and for a parent's own functional work.
LEAF_COUNTS = ("macs", "other_ops", "read_elements", "write_elements")
PARENT_COUNTS = ("functional_macs", "functional_other_ops", "functional_write_elements")


def count_parts(record: LayerRecord, count: str) -> tuple[tuple[Scale, int], ...]:
    """``record``'s ``count`` split by what each part scales with (:class:`Scale`); the parts sum to the count.

    The rules (the zoo's convs and pools pad k // 2, so a map of size h at R0 is ceil(R / D) at R):
    MACs, other ops and written elements scale with the output's positions, except that an adaptive
    (global) pool's ops follow its input; elements read are the weights once per call (constant) plus
    the input's positions; calls are constant; a parent's functional work follows its output.
    """
    value = getattr(record, count)
    if count in ("calls", "functional_calls"):
        return ((Scale.CONSTANT, value),)
    if count == "read_elements":
        weights = record.params * record.calls
        return ((Scale.CONSTANT, weights), (Scale.INPUT, value - weights))
    if count == "other_ops" and record.kind is LayerKind.ADAPTIVE_POOLING:
        return ((Scale.INPUT, value),)
    return ((Scale.OUTPUT, value),)
