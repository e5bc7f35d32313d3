"""Predicted latency: a profile's records priced with this machine's calibrated cost model.

Torch-free and fast (a few microseconds per record), so that ``lwprof fit`` can price hundreds
of configurations. The model (:mod:`lwprof.latency.costmodel`): every leaf layer costs its
kind's per-call overhead plus MACs / peak plus bytes / bandwidth, plus what a layer costs more
inside a network than alone (the ``network`` kind); every parent module costs one Python module
call plus the aten ops of its own forward (residual adds, concats). The model's
predicted latency is the sum; :attr:`Prediction.by_record` gives every record's subtree.

Spearman's rank correlation (:func:`spearman`) compares a prediction's per-layer order with
a measured one.
"""

from __future__ import annotations

import importlib.metadata
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lwprof.errors import LwprofError
from lwprof.latency.costmodel import (
    CALIBRATED_DTYPES,
    Calibration,
    machine_id,
    record_terms,
)
from lwprof.records import ModelProfile, Note, Severity

__all__ = ["LayerPrediction", "Prediction", "ancestors", "calibration_notes", "check_dtype", "grade_reason", "predict_profile", "spearman"]


@dataclass(frozen=True)
class LayerPrediction:
    """One leaf layer's predicted time.

    Attributes:
        name: Qualified module name.
        category: Layer category (as in the profile).
        kind: The cost-model kind that priced it.
        seconds: Predicted seconds per forward pass (every call).
        estimated: No micro-benchmark covers this kind; priced as a 1x1 conv or element-wise layer.
        kernel: The name of the kernel's head when the layer runs fused into a kernel (itself when it is the head), else "".
        priced_by: "linear" (the per-kind model), "forest" (its kernel kind's regressor) or "measured" (``calibrate --for``).
    """

    name: str
    category: str
    kind: str
    seconds: float
    estimated: bool = False
    kernel: str = ""
    priced_by: str = "linear"


@dataclass(frozen=True)
class Prediction:
    """A model's predicted latency on the calibrated machine.

    Attributes:
        total_s: Predicted seconds per forward pass.
        layers: Every leaf layer that runs, in the profile's order.
        overhead_s: The parents' share of ``total_s``: module calls and their own ops (adds, concats).
        by_record: Predicted seconds of every record's subtree, by name ("" is the model).
        calibration: The calibration's identity (:meth:`Calibration.info`), its grade included.
        notes: What the reader should know (kinds priced without a benchmark, a dtype mismatch).
        interval_s: (low, high) seconds: the calibration's held-out errors applied to ``total_s``
            (nominal coverage ``calibration["nominal"]``); None for an ungraded calibration.
        measured_share: The share of ``total_s`` from kernels the calibration measured exactly (``lwprof calibrate --for``).
    """

    total_s: float
    layers: tuple[LayerPrediction, ...]
    overhead_s: float
    by_record: Mapping[str, float] = field(default_factory=dict)
    calibration: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    interval_s: tuple[float, float] | None = None
    measured_share: float = 0.0

    @property
    def grade(self) -> str:
        """The calibration's grade: good, fair, poor or ungraded (:meth:`Calibration.grade`)."""
        return str(self.calibration.get("grade", "ungraded"))

    def covers(self, seconds: float) -> bool | None:
        """Whether a measured time lies inside the interval (None without one)."""
        return None if self.interval_s is None else self.interval_s[0] <= seconds <= self.interval_s[1]

    def seconds(self, name: str) -> float | None:
        """Predicted seconds of a record's subtree, or None for a record that never runs."""
        return self.by_record.get(name)

    def by_kernel(self) -> list[tuple[str, str, float]]:
        """(head name, kernel kind, seconds) per kernel in execution order: a layer alone is its own kernel."""
        out: dict[str, list[Any]] = {}
        for layer in self.layers:
            head = layer.kernel or layer.name
            entry = out.setdefault(head, [head, layer.kind, 0.0])
            entry[2] += layer.seconds
        return [(str(a), str(b), float(c)) for a, b, c in out.values()]

    def by_category(self) -> dict[str, float]:
        """Predicted seconds per layer category over the leaves."""
        out: dict[str, float] = {}
        for layer in self.layers:
            out[layer.category] = out.get(layer.category, 0.0) + layer.seconds
        return out

    def versus(self, measured: Mapping[str, float], macs: Mapping[str, int] | None = None, groups: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """How the per-layer prediction ranks against measured per-layer seconds (``lwprof bench``'s hooks).

        Args:
            measured: Seconds per measured row (a layer, or a runtime's kernel).
            macs: MACs per measured row.
            groups: The layers each measured kernel ran (ONNX Runtime): its prediction is theirs added up.

        Returns:
            ``pairs``: (name, predicted_s, measured_s) of the rows in both; ``spearman``: their
            rank correlation; ``spearman_macs``: that of MACs with the measured times (when
            ``macs`` is given). NaN where undefined.
        """
        if groups:
            by_layer = {p.name: p.seconds for p in self.layers}
            pairs = [
                (name, sum(by_layer[m] for m in groups[name] if m in by_layer), seconds)
                for name, seconds in measured.items()
                if any(m in by_layer for m in groups.get(name, ()))
            ]
        else:
            pairs = [(p.name, p.seconds, measured[p.name]) for p in self.layers if p.name in measured]
        out: dict[str, Any] = {"pairs": pairs, "spearman": spearman([p[1] for p in pairs], [p[2] for p in pairs])}
        if macs is not None:
            out["spearman_macs"] = spearman([float(macs[p[0]]) for p in pairs], [p[2] for p in pairs])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_s": self.total_s,
            "interval_s": list(self.interval_s) if self.interval_s else None,
            "nominal": self.calibration.get("nominal"),
            "grade": self.grade,
            "measured_share": self.measured_share,
            "overhead_s": self.overhead_s,
            "calibration": dict(self.calibration),
            "notes": [n.text for n in self.notes],
            "layers": [
                {"name": p.name, "category": p.category, "kind": p.kind, "predicted_s": p.seconds, "estimated": p.estimated, **({"kernel": p.kernel} if p.kernel else {})}
                for p in self.layers
            ],
        }


def predict_profile(profile: ModelProfile, calibration: Calibration, regressors: bool = True) -> Prediction:
    """Prices every record of ``profile`` with ``calibration``'s cost model
    (:func:`~lwprof.latency.costmodel.record_terms`: the terms the fit was made with).

    With a runtime that fuses layers (the calibration's :attr:`~Calibration.fusions`), the leaves are
    grouped into kernels first (:func:`lwprof.latency.fusion.assign`) and each kernel is priced as its
    kernel kind; the runtime's per-run overhead (the ``run`` kind) is added once. With the calibration's
    per-kernel regressors or its measured kernels (and ``regressors``), a kernel whose kind has a forest is priced by it instead
    (:func:`lwprof.latency.kernelpred.kernel_seconds`); the rest keeps the linear per-kind model.

    Raises:
        LwprofError: The profile counts bytes at another element type than the calibration
            measured (a fp16 profile against an fp32 calibration).
    """
    from lwprof.latency.fusion import assign

    check_dtype(profile.dtype, calibration)
    bpe = calibration.bytes_per_element
    kinds, network = calibration.kinds, calibration.kinds["network"]
    placed = assign(profile, calibration.fusions, kinds) if calibration.fusions else {}
    heads = {}
    if placed:
        last = ""
        for record in profile.leaves():
            if record.name in placed:
                last = record.name if placed[record.name][1] else last
                heads[record.name] = last
    own: dict[str, float] = {}
    leaves: list[LayerPrediction] = []
    run_s = kinds["run"].seconds({"calls": 1.0}) if "run" in kinds else 0.0  # the runtime's per-run overhead, once
    overhead = run_s
    estimated: dict[str, int] = {}
    priced = [(record, record_terms(record, bpe, placed.get(record.name))) for record in profile.layers]
    linear = {r.name: sum(kinds[kind].seconds(feats) for kind, feats, _ in terms) for r, terms in priced if terms}
    forests: dict[str, float] = {}
    from_table: set[str] = set()
    by_forest = (0, 0)
    if regressors and (calibration.regressors or calibration.measured):  # regressors=False: the linear per-kind model alone (fit, the baseline)
        from lwprof.latency.kernelpred import kernel_seconds

        leaf_linear = {r.name: linear[r.name] for r, terms in priced if terms and r.is_leaf}
        forests, priced_n, total_n, from_table = kernel_seconds(profile, calibration.regressors, calibration.fusions, leaf_linear, bpe, kinds, calibration.measured)
        by_forest = (priced_n, total_n)
        forests = {n: s if n in from_table else s * calibration.kernel_scale for n, s in forests.items()}  # isolated kernels -> in a network
    for record, terms in priced:
        if not terms:
            continue
        seconds = forests.get(record.name, linear[record.name])
        if record.is_leaf:
            kind, feats, guess = terms[0]
            seconds += network.seconds(feats)  # its calls and traffic inside a network
            how = "measured" if record.name in from_table else "forest" if record.name in forests else "linear"
            leaves.append(LayerPrediction(record.name, record.category, kind, seconds, guess, heads.get(record.name, ""), how))
            if guess:
                estimated[record.category] = estimated.get(record.category, 0) + 1
        else:
            overhead += seconds
        own[record.name] = seconds
    by_record = dict.fromkeys(own, 0.0)
    for name, seconds in own.items():
        for ancestor in ancestors(name):
            by_record[ancestor] = by_record.get(ancestor, 0.0) + seconds
    total = sum(own.values()) + run_s
    by_record[""] = total
    notes = list(calibration_notes(calibration))
    measured_s = sum(p.seconds for p in leaves if p.name in from_table)
    if from_table:
        notes.append(Note(Severity.INFO, f"{100 * measured_s / total:.0f}% of the predicted time comes from kernels measured exactly (lwprof calibrate --for)"))
    if by_forest[0]:
        notes.append(
            Note(Severity.INFO, f"{by_forest[0]} of {by_forest[1]} kernels priced by per-kernel regressors (random forests on an adaptive kernel sample); the rest, and the module calls, by the linear per-kind model")
        )
    if estimated:
        shown = ", ".join(f"{n} {cat}" for cat, n in estimated.items())
        notes.append(Note(Severity.WARNING, f"no micro-benchmark covers {shown}: priced as a 1x1 conv (with MACs) or an element-wise layer (without)"))
    factors = calibration.interval(bool(forests))
    interval = (total * factors[0], total * factors[1]) if factors else None
    return Prediction(total, tuple(leaves), overhead, by_record, calibration.info(), tuple(notes), interval, measured_s / total if total > 0 else 0.0)


def grade_reason(calibration: Calibration) -> str:
    """Why a calibration got its grade, in a few words ("held-out networks ran 0.55x-1.9x the prediction; 40% of benchmarks noisy")."""
    factors = calibration.interval()
    if factors is None:
        return "it has no held-out networks (made by an older lwprof)"
    noisy = calibration.noisy / max(1, len(calibration.benchmarks))
    return (
        f"its {len(calibration.held_out)} held-out random networks ran {factors[0]:.2g}x to {factors[1]:.2g}x the prediction "
        f"(10th-90th percentile); {100 * noisy:.0f}% of its benchmarks stayed noisy"
    )


def check_dtype(dtype: str, calibration: Calibration) -> None:
    """Refuses to price bytes of one element type with a calibration of another.

    Raises:
        LwprofError: The types differ.
    """
    if dtype != calibration.dtype:
        fix = f"profile with --dtype {calibration.dtype}"
        if dtype in CALIBRATED_DTYPES:
            fix += f" or calibrate with --dtype {dtype}"
        raise LwprofError(f"the profile counts {dtype} bytes but the calibration measured {calibration.dtype}; {fix}")


def calibration_notes(calibration: Calibration) -> tuple[Note, ...]:
    """A note when the calibration was made on another machine (used as given: that is what
    ``--calibration FILE`` is for), a warning when under another torch than this one."""
    notes = []
    if calibration.from_another_machine:
        where = f" ({calibration.path})" if calibration.path else ""
        notes.append(Note(Severity.INFO, f"calibration made on another machine: {calibration.cpu} ({calibration.machine}){where}; these are predictions for that machine, not this one ({machine_id()})"))
    here = _torch_version()
    if here and calibration.torch_version and here != calibration.torch_version:
        notes.append(Note(Severity.WARNING, f"calibrated under torch {calibration.torch_version}, running torch {here}: run `lwprof calibrate` again"))
    if calibration.fitted_on_medians:
        notes.append(
            Note(Severity.WARNING, "the calibration was made by an older lwprof that fitted medians, not fastest runs: its predictions run a few percent high; run `lwprof calibrate` again")
        )
    if calibration.grade() == "poor":
        notes.append(Note(Severity.WARNING, f"the calibration is graded poor: {grade_reason(calibration)}; calibrate again on a quiet machine (lwprof calibrate --threads 1)"))
    return tuple(notes)


def _torch_version() -> str:
    torch = sys.modules.get("torch")
    if torch is not None:
        return str(torch.__version__)
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return ""


def ancestors(name: str) -> list[str]:
    """"a.b.c" -> ["a.b.c", "a.b", "a", ""] (the record itself included; "" once, at the end)."""
    if not name:
        return []
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)] + [""]


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation of two paired samples (ties get their average rank).

    Returns:
        A value in [-1, 1]; NaN when fewer than two pairs or either side is constant.
    """
    if len(xs) != len(ys):
        raise ValueError(f"spearman needs paired samples, got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        return math.nan
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks
