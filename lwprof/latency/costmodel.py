"""The latency cost model: layer kinds, their features, the fit, and the calibration file.

Torch-free: a profile's records go in, seconds come out.

**The model.** Every layer of a profile belongs to one *kind* (:data:`KINDS`: 1x1 conv,
full k x k conv, depthwise conv, grouped conv, linear, BatchNorm, activation, pooling,
channel shuffle, views) and costs::

    t = calls x overhead_kind + MACs / peak_kind + ops / op_rate_kind + bytes / bandwidth_kind

with only the terms that make sense for the kind (a conv has no "ops" term, a BatchNorm no
MACs term; see :data:`KINDS`). ``bytes`` is the layer's memory traffic (inputs and weights
read, outputs written, :attr:`~lwprof.records.LayerRecord.traffic_elements`) at the
calibration's element size. Two more kinds cover what is not a layer: ``module`` (the Python
cost of calling a parent module: ``Sequential``, a block) and ``functional`` (the aten ops a
parent's own ``forward`` runs: residual adds, concats, the SE scale; their count and the
elements they write come from the walk). A model's time is the sum over its records.

One kind covers what isolated micro-benchmarks cannot see: ``network``, the extra a layer
costs inside a network rather than called again and again alone (its weights and the
kernel's code are no longer warm in the caches; its output is fresh memory the allocator may
have to fault in), per leaf call and per byte of traffic. It is fitted on random networks
assembled from the zoo's building blocks (never a zoo configuration), timed end to end, and
added to every leaf of every prediction.

This is a roofline with the terms *added* instead of maxed: eager PyTorch on a CPU runs one
kernel at a time and overlaps little of a kernel's arithmetic with its memory traffic or its
Python dispatch, and the sum is linear in its coefficients, so it is fitted without a starting point or
a learning rate, by non-negative least squares (an active-set solver) on the *relative*
error of every micro-benchmark (:func:`fit`; refitted once without the worst outliers). Non-negative, so every coefficient reads as a physical rate:
1 / peak GMAC/s, 1 / bandwidth GB/s, microseconds of overhead.

**The calibration file** (:class:`Calibration`) holds the fitted coefficients and every
micro-benchmark behind them, one JSON file per machine, thread count and dtype, in the user's
cache (:func:`cache_dir`): ``$LWPROF_CACHE_DIR``, else ``$XDG_CACHE_HOME/lwprof``, else
``~/.cache/lwprof``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError, first_line
from lwprof.records import BYTES_PER_ELEMENT, LayerRecord, ModelProfile

__all__ = [
    "CALIBRATED_DTYPES",
    "CALIBRATION_VERSION",
    "FEATURES",
    "KINDS",
    "Benchmark",
    "Calibration",
    "KindCost",
    "cache_dir",
    "calibration_file",
    "cpu_name",
    "design_row",
    "fit",
    "layer_kind",
    "load_calibration",
    "machine_id",
    "nnls",
    "leaf_kind",
    "record_terms",
]

CALIBRATION_VERSION = 1
CALIBRATED_DTYPES = ("fp32", "bf16", "fp16")  # what `lwprof calibrate --dtype` measures

#: The features a kind's cost may depend on: per call, per MAC, per non-MAC op, per byte of traffic.
FEATURES = ("calls", "macs", "ops", "bytes")

#: Every kind: what it covers and the features its cost uses.
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

_CATEGORY_KINDS = {
    "FC": "linear",
    "BatchNorm": "batchnorm",
    "Shuffle": "shuffle",
    "Reshape": "view",
    "Identity": "view",
}
_HARD = frozenset({"Hardswish", "Hardsigmoid"})
_EXP = frozenset({"Sigmoid", "SiLU", "GELU", "Tanh", "ELU", "Mish", "Softmax", "LogSoftmax", "CELU", "SELU", "Softplus"})


def layer_kind(record: LayerRecord) -> str | None:
    """The cost-model kind of a leaf record, or None when no micro-benchmark covers it.

    From the record's category (the walker's "Conv 1x1", "Conv DW 3x3", "Conv 3x3 group",
    "FC", ...); a conv's kernel and groups decide between 1x1, k x k, depthwise and grouped,
    an activation's type between piecewise-linear, "hard" and transcendental (sigmoid costs
    about ten ReLUs per element), a pool's window between windowed and global.
    """
    category = record.category
    kind = _CATEGORY_KINDS.get(category)
    if kind is not None:
        return kind
    if category == "Activation":
        return "hard_activation" if record.type in _HARD else "exp_activation" if record.type in _EXP else "activation"
    if category == "Pooling":
        if "kernel" not in record.hparams:
            return "global_pool"
        return "max_pool" if "Max" in record.type else "avg_pool"
    if category.startswith("Conv DW"):
        return "dwconv"
    if category.startswith("Conv ") or category.startswith("ConvT "):
        if category.endswith(" group"):
            return "gconv"
        kernel = record.hparams.get("kernel", ())
        if category.startswith("Conv ") and kernel and all(k == 1 for k in kernel):
            return "conv1x1"
        return "conv"
    return None


_KIND_CACHE: dict[tuple[Any, ...], tuple[str, bool]] = {}


def leaf_kind(record: LayerRecord) -> tuple[str, bool]:
    """The kind that prices a leaf, and whether it is estimated: a leaf no micro-benchmark covers
    (a norm, an RNN, a layer counted at the op level) is priced as a 1x1 conv when it has MACs,
    else as an element-wise layer. Cached by what decides it."""
    key = (record.category, record.type, tuple(record.hparams.get("kernel", ())), "kernel" in record.hparams, record.macs > 0)
    found = _KIND_CACHE.get(key)
    if found is None:
        kind = layer_kind(record)
        found = _KIND_CACHE[key] = (kind, False) if kind is not None else ("conv1x1" if record.macs else "activation", True)
    return found


def record_terms(record: LayerRecord, bytes_per_element: int) -> list[tuple[str, dict[str, float], bool]]:
    """The cost terms of one record: ``(kind, features, estimated)`` for each part of its own work.

    A leaf is one term of its kind (:func:`leaf_kind`; an estimated kind is flagged). A parent is its module call plus the functional ops of
    its own forward. Records never called cost nothing.
    """
    if not record.calls:
        return []
    if record.is_leaf:
        kind, estimated = leaf_kind(record)
        feats = {"calls": float(record.calls), "macs": float(record.macs), "ops": float(record.other_ops), "bytes": float(record.traffic_elements * bytes_per_element)}
        return [(kind, feats, estimated)]
    terms: list[tuple[str, dict[str, float], bool]] = [("module", {"calls": float(record.calls)}, False)]
    if record.functional_calls:
        terms.append(("functional", {"calls": float(record.functional_calls), "bytes": float(record.functional_write_elements * bytes_per_element)}, False))
    if record.functional_macs:  # an F.conv2d / matmul in a forward: priced as a 1x1 conv
        terms.append(("conv1x1", {"macs": float(record.functional_macs)}, True))
    return terms


def design_row(profile: ModelProfile, bytes_per_element: int, in_network: bool = True) -> dict[tuple[str, str], float]:
    """A profile's total of every (kind, feature) pair: its row in the fit's design matrix.

    Args:
        profile: The profile.
        bytes_per_element: Element size of the byte features.
        in_network: Add the ``network`` kind's features (every leaf call and its traffic): true
            for a model, false for an isolated micro-benchmark, which by design measures a
            layer alone (the same module called again and again).
    """
    row: dict[tuple[str, str], float] = {}
    for record in profile.layers:
        for kind, feats, _ in record_terms(record, bytes_per_element):
            for name in KINDS[kind][1]:
                value = feats.get(name, 0.0)
                if value:
                    row[kind, name] = row.get((kind, name), 0.0) + value
            if in_network and record.is_leaf:
                for name in ("calls", "bytes"):
                    if feats.get(name):
                        row["network", name] = row.get(("network", name), 0.0) + feats[name]
    return row


@dataclass(frozen=True)
class KindCost:
    """The fitted cost of one kind: seconds per call, per MAC, per op and per byte.

    Attributes:
        coefficients: Seconds per unit of each feature the kind uses (:data:`KINDS`); 0 for a
            feature the fit found no cost in.
        benchmarks: Micro-benchmarks of this kind behind the fit.
        median_error: Median |predicted - measured| / measured over those benchmarks.
        max_error: The largest such error.
    """

    coefficients: Mapping[str, float]
    benchmarks: int = 0
    median_error: float = 0.0
    max_error: float = 0.0

    def seconds(self, features: Mapping[str, float]) -> float:
        return sum(c * features.get(name, 0.0) for name, c in self.coefficients.items())

    @property
    def overhead_s(self) -> float:
        return self.coefficients.get("calls", 0.0)

    @property
    def peak_macs_per_s(self) -> float | None:
        """1 / (seconds per MAC): the kind's arithmetic roof; None when the fit found it free."""
        c = self.coefficients.get("macs", 0.0)
        return 1 / c if c > 0 else None

    @property
    def ops_per_s(self) -> float | None:
        c = self.coefficients.get("ops", 0.0)
        return 1 / c if c > 0 else None

    @property
    def bandwidth_bytes_per_s(self) -> float | None:
        c = self.coefficients.get("bytes", 0.0)
        return 1 / c if c > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "coefficients": dict(self.coefficients),
            "overhead_s": self.overhead_s,
            "peak_macs_per_s": self.peak_macs_per_s,
            "ops_per_s": self.ops_per_s,
            "bandwidth_bytes_per_s": self.bandwidth_bytes_per_s,
            "benchmarks": self.benchmarks,
            "median_error": self.median_error,
            "max_error": self.max_error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KindCost:
        return cls({str(k): float(v) for k, v in data["coefficients"].items()}, int(data.get("benchmarks", 0)), float(data.get("median_error", 0.0)), float(data.get("max_error", 0.0)))


@dataclass(frozen=True)
class Benchmark:
    """One micro-benchmark: what ran, its features, and how long one call took.

    Attributes:
        kind: The kind it calibrates (the kind of its main layer).
        label: What ran, e.g. "conv1x1 64->128 56x56".
        row: Its (kind, feature) totals (:func:`design_row`), as "kind.feature" keys.
        median_s: Median seconds per call.
        iqr_s: Interquartile range of the timed runs, per call.
        runs: Timed runs.
        noisy: The spread stayed above the noise threshold after the extra runs.
        min_s: The fastest run, per call (0: not recorded).
    """

    kind: str
    label: str
    row: Mapping[str, float]
    median_s: float
    iqr_s: float = 0.0
    runs: int = 0
    noisy: bool = False
    min_s: float = 0.0

    @property
    def seconds(self) -> float:
        """The time the fit uses: the median, or the fastest run when the runs were noisy.

        Another process can only add time to a run, so when the spread stays large the
        median is inflated by the interference and the fastest run is the better estimate
        of this machine's own speed; on a quiet machine the two agree.
        """
        return self.min_s if self.noisy and self.min_s > 0 else self.median_s

    def design(self) -> dict[tuple[str, str], float]:
        out = {}
        for key, value in self.row.items():
            kind, _, name = key.partition(".")
            out[kind, name] = float(value)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "label": self.label, "row": dict(self.row), "median_s": self.median_s, "min_s": self.min_s,
            "iqr_s": self.iqr_s, "runs": self.runs, "noisy": self.noisy, "seconds": self.seconds,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Benchmark:
        return cls(
            str(data["kind"]), str(data["label"]), {str(k): float(v) for k, v in data["row"].items()}, float(data["median_s"]),
            float(data.get("iqr_s", 0.0)), int(data.get("runs", 0)), bool(data.get("noisy", False)), float(data.get("min_s", 0.0)),
        )  # fmt: skip


def row_keys(row: Mapping[tuple[str, str], float]) -> dict[str, float]:
    """A design row with "kind.feature" string keys (for JSON)."""
    return {f"{k}.{f}": v for (k, f), v in row.items()}


@dataclass(frozen=True)
class Calibration:
    """This machine's fitted cost model, and the micro-benchmarks behind it.

    Attributes:
        machine: The machine's identifier (:func:`machine_id`), part of the file name.
        cpu: The CPU's model name.
        threads: torch threads during the benchmarks.
        dtype: Element type of the benchmarks ("fp32").
        torch_version: torch's version (kernels change between versions).
        kinds: The fitted cost of every kind.
        benchmarks: Every micro-benchmark, with its measured time.
        created: When it was made (ISO 8601, UTC).
        seconds: How long calibration took.
        quick: Made with ``--quick`` (fewer sizes and runs).
        path: The file it was loaded from or saved to ("" when neither).
    """

    machine: str
    cpu: str
    threads: int
    dtype: str
    torch_version: str
    kinds: Mapping[str, KindCost]
    benchmarks: tuple[Benchmark, ...] = ()
    created: str = ""
    seconds: float = 0.0
    quick: bool = False
    path: str = field(default="", compare=False)

    @property
    def bytes_per_element(self) -> int:
        return BYTES_PER_ELEMENT[self.dtype]

    @property
    def noisy(self) -> int:
        """How many micro-benchmarks stayed noisy after their extra runs."""
        return sum(b.noisy for b in self.benchmarks)

    def kind_rows(self) -> list[tuple[str, str, KindCost]]:
        """(kind, what it covers, its fitted cost) for every kind, in :data:`KINDS` order."""
        return [(kind, text, self.kinds[kind]) for kind, (text, _) in KINDS.items()]

    def describe(self) -> str:
        """"AMD EPYC, 2 thread(s), fp32, torch 2.13.0 (2026-12-01)": what the predictions are for."""
        when = f", {self.created[:10]}" if self.created else ""
        return f"{self.cpu}, {self.threads} thread(s), {self.dtype}, torch {self.torch_version}{when}"

    def info(self) -> dict[str, Any]:
        """The calibration's identity, without its benchmarks (what a prediction's JSON carries)."""
        return {"machine": self.machine, "cpu": self.cpu, "threads": self.threads, "dtype": self.dtype, "torch": self.torch_version, "created": self.created, "path": self.path, "quick": self.quick}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": CALIBRATION_VERSION,
            **{k: v for k, v in self.info().items() if k != "path"},
            "seconds": self.seconds,
            "model": "t = calls x overhead + MACs / peak + ops / op_rate + bytes / bandwidth, per kind (lwprof.latency.costmodel)",
            "kinds": {k: v.to_dict() for k, v in self.kinds.items()},
            "benchmarks": [b.to_dict() for b in self.benchmarks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "") -> Calibration:
        """Reads :meth:`to_dict`'s shape.

        Raises:
            LwprofError: Another version, or a field missing or of the wrong type.
        """
        where = f"{path}: " if path else ""
        if not isinstance(data, Mapping):
            raise LwprofError(f"{where}not a calibration file (expected a JSON object)")
        if data.get("version") != CALIBRATION_VERSION:
            raise LwprofError(f"{where}calibration format version {data.get('version')!r}, this lwprof reads {CALIBRATION_VERSION}; run `lwprof calibrate` again")
        try:
            kinds = {str(k): KindCost.from_dict(v) for k, v in data["kinds"].items()}
            missing = sorted(set(KINDS) - set(kinds))
            if missing:
                raise KeyError(", ".join(missing))
            if data["dtype"] not in CALIBRATED_DTYPES:
                raise ValueError(f"dtype {data['dtype']!r}, not one of {', '.join(CALIBRATED_DTYPES)}")
            return cls(
                str(data["machine"]), str(data["cpu"]), int(data["threads"]), str(data["dtype"]), str(data["torch"]), kinds,
                tuple(Benchmark.from_dict(b) for b in data.get("benchmarks", ())), str(data.get("created", "")),
                float(data.get("seconds", 0.0)), bool(data.get("quick", False)), path,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise LwprofError(f"{where}not a valid calibration file (missing or bad field: {exc}); run `lwprof calibrate` again") from None


# -- the fit -------------------------------------------------------------------------------------


def fit(benchmarks: Sequence[Benchmark], *, trim: float = 0.1) -> dict[str, KindCost]:
    """Fits every kind's coefficients at once: non-negative least squares on relative error.

    Minimises sum_i ((predicted_i - measured_i) / measured_i)^2 over the benchmarks (measured:
    :attr:`Benchmark.seconds`), where
    predicted_i is linear in the coefficients (:func:`design_row`), subject to every
    coefficient >= 0. A benchmark of a block (a ``Sequential`` of layers, a residual add)
    involves several kinds, so the fit is joint. Then, to resist a benchmark spoiled by
    another process, those of the worst ``trim`` fraction of benchmarks whose error is also
    more than 4x the median error and more than 5% are dropped and the fit repeated once.

    Returns:
        The cost of every kind of :data:`KINDS` (all coefficients 0 for a kind no benchmark covers).

    Raises:
        ValueError: No benchmarks, or a benchmark without a positive time.
    """
    if not benchmarks:
        raise ValueError("fit needs at least one benchmark")
    if any(not b.seconds > 0 for b in benchmarks):
        raise ValueError("every benchmark needs a positive time")
    columns = sorted({key for b in benchmarks for key in b.design() if key[1] in KINDS.get(key[0], ("", ()))[1]})
    rows = [b.design() for b in benchmarks]

    def solve(keep: list[int]) -> list[float]:
        a = [[rows[i].get(col, 0.0) / benchmarks[i].seconds for col in columns] for i in keep]
        return nnls(a, [1.0] * len(keep))

    keep = list(range(len(benchmarks)))
    coef = solve(keep)
    errors = [_error(rows[i], columns, coef, benchmarks[i].seconds) for i in keep]
    limit = 4 * _median(errors)
    worst = sorted(keep, key=lambda i: -errors[i])[: int(trim * len(keep))]
    drop = {i for i in worst if errors[i] > limit and errors[i] > 0.05}
    if drop:
        keep = [i for i in keep if i not in drop]
        coef = solve(keep)
    by_col = dict(zip(columns, coef))
    out = {}
    for kind, (_, names) in KINDS.items():
        mine = [i for i, b in enumerate(benchmarks) if b.kind == kind]
        errs = [_error(rows[i], columns, coef, benchmarks[i].seconds) for i in mine]
        out[kind] = KindCost({n: by_col.get((kind, n), 0.0) for n in names}, len(mine), _median(errs) if errs else 0.0, max(errs, default=0.0))
    return out


def _error(row: Mapping[tuple[str, str], float], columns: Sequence[tuple[str, str]], coef: Sequence[float], measured: float) -> float:
    predicted = sum(c * row.get(col, 0.0) for col, c in zip(columns, coef))
    return abs(predicted - measured) / measured


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def nnls(a: Sequence[Sequence[float]], b: Sequence[float], *, max_iter: int | None = None) -> list[float]:
    """Non-negative least squares, min ||A x - b|| subject to x >= 0 (Lawson and Hanson, 1974).

    Pure Python for the small systems of a calibration (tens of columns). Columns are scaled
    to unit norm first, so that features of very different sizes (calls ~ 1, MACs ~ 1e8)
    are treated alike; a column of zeros gets 0.

    Args:
        a: The matrix, one list per row.
        b: The right-hand side.
        max_iter: Iterations at most (default 3 x columns + 10).
    """
    m = len(a)
    n = len(a[0]) if m else 0
    if n == 0:
        return []
    norms = [math.sqrt(sum(a[i][j] ** 2 for i in range(m))) for j in range(n)]
    scaled = [[a[i][j] / norms[j] if norms[j] > 0 else 0.0 for j in range(n)] for i in range(m)]
    usable = [j for j in range(n) if norms[j] > 0]
    x = [0.0] * n
    passive: list[int] = []
    tol = 1e-12 * max(1.0, max((abs(v) for v in b), default=1.0)) * m
    for _ in range(max_iter or 3 * n + 10):
        resid = [b[i] - sum(scaled[i][j] * x[j] for j in range(n)) for i in range(m)]
        grad = [sum(scaled[i][j] * resid[i] for i in range(m)) for j in range(n)]
        candidates = [j for j in usable if j not in passive and grad[j] > tol]
        if not candidates:
            break
        passive.append(max(candidates, key=lambda j: grad[j]))
        while True:
            z = _lstsq([[row[j] for j in passive] for row in scaled], b)
            if all(v > 0 for v in z):
                for j in range(n):
                    x[j] = 0.0
                for j, v in zip(passive, z):
                    x[j] = v
                break
            # Step back towards the feasible region until a coefficient reaches 0; drop it.
            alpha = min((x[j] / (x[j] - v) for j, v in zip(passive, z) if v <= 0 and x[j] - v > 0), default=0.0)
            for j, v in zip(passive, z):
                x[j] += alpha * (v - x[j])
            passive = [j for j in passive if x[j] > 1e-15]
            for j in range(n):
                if j not in passive:
                    x[j] = 0.0
            if not passive:
                break
    return [x[j] / norms[j] if norms[j] > 0 else 0.0 for j in range(n)]


def _lstsq(a: Sequence[Sequence[float]], b: Sequence[float]) -> list[float]:
    """Least squares by the normal equations with partial pivoting (tiny, well-scaled systems)."""
    n = len(a[0])
    ata = [[sum(row[i] * row[j] for row in a) for j in range(n)] for i in range(n)]
    atb = [sum(row[i] * v for row, v in zip(a, b)) for i in range(n)]
    for i in range(n):
        ata[i][i] += 1e-12  # a tiny ridge: collinear columns split instead of exploding
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(ata[r][col]))
        ata[col], ata[pivot] = ata[pivot], ata[col]
        atb[col], atb[pivot] = atb[pivot], atb[col]
        p = ata[col][col]
        for r in range(col + 1, n):
            f = ata[r][col] / p
            if f:
                for c in range(col, n):
                    ata[r][c] -= f * ata[col][c]
                atb[r] -= f * atb[col]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (atb[r] - sum(ata[r][c] * x[c] for c in range(r + 1, n))) / ata[r][r]
    return x


# -- where calibrations live ---------------------------------------------------------------------


def cache_dir() -> Path:
    """The folder of calibration files: ``$LWPROF_CACHE_DIR``, else ``$XDG_CACHE_HOME/lwprof``, else ``~/.cache/lwprof``."""
    from lwprof.counting.cache import cache_dir as user_cache_dir

    return user_cache_dir()


def cpu_name() -> str:
    """The CPU's model name ("AMD EPYC", "Intel(R) Xeon(R) ..."), or the architecture when unknown."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, sep, value = line.partition(":")
                if sep and key.strip().lower() not in fields:
                    fields[key.strip().lower()] = value.strip()
    except OSError:
        pass
    if fields.get("model name"):
        return fields["model name"]
    # ARM: no model name; the SoC ("Hardware") or the core's implementer and part numbers
    arm = fields.get("hardware") or " ".join(f"{k} {fields[k]}" for k in ("cpu implementer", "cpu part") if fields.get(k))
    machine = platform.machine() or "unknown CPU"
    return f"{machine} {arm}" if arm else platform.processor() or machine


def machine_id() -> str:
    """This machine as a file-name-safe word: CPU model and core count, e.g. "amd-epyc-2cpu"."""
    slug = re.sub(r"[^a-z0-9]+", "-", cpu_name().lower()).strip("-")[:60] or "cpu"
    return f"{slug}-{os.cpu_count() or 1}cpu"


def calibration_file(threads: int, dtype: str = "fp32", directory: Path | None = None) -> Path:
    """Where this machine's calibration for ``threads`` and ``dtype`` lives."""
    return (directory or cache_dir()) / f"calibration-{machine_id()}-{threads}t-{dtype}.json"


def load_calibration(path: str | os.PathLike[str] | None = None, *, threads: int = 1, dtype: str = "fp32") -> Calibration:
    """Reads a calibration: the file given, else this machine's for ``threads`` and ``dtype``.

    Raises:
        LwprofError: No calibration yet (the message says to run ``lwprof calibrate``), or a
            file that is not a calibration.
    """
    if path is None:
        target = calibration_file(threads, dtype)
        if not target.is_file():
            flags = f" --threads {threads}" + (f" --dtype {dtype}" if dtype != "fp32" else "")
            others = sorted(p.name for p in target.parent.glob(f"calibration-{machine_id()}-*.json")) if target.parent.is_dir() else []
            found = f" (this folder has {', '.join(others)}: give one with --calibration)" if others else ""
            raise LwprofError(
                f"no latency calibration for this machine ({cpu_name()}, {threads} thread(s), {dtype}) in {target.parent}{found}: "
                f"run `lwprof calibrate{flags}` once (under a minute)"
            )
    else:
        target = Path(path)
        if not target.is_file():
            raise LwprofError(f"calibration file {str(path)!r} does not exist (make one with `lwprof calibrate --save {path}`)")
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LwprofError(f"cannot read calibration {str(target)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise LwprofError(f"{target}: not a calibration file (invalid JSON at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, arrays nested thousands deep
        raise LwprofError(f"{target}: not a calibration file ({type(exc).__name__}: {first_line(exc)[:120]})") from None
    return Calibration.from_dict(data, str(target))
