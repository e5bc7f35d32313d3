"""The latency cost model: layer kinds, their features, the fit, and the calibration file.

Torch-free: a profile's records go in, seconds come out. The model's structure is data in
:mod:`lwprof.latency.terms` (the kinds, the features and what they sum, a parent's terms, how every
count scales with the resolution); this module fits it and reads and writes the calibration file.

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
error of every micro-benchmark (:func:`fit_costs`; refitted once without the worst outliers). Non-negative, so every coefficient reads as a physical rate:
1 / peak GMAC/s, 1 / bandwidth GB/s, microseconds of overhead.

**The calibration file** (:class:`Calibration`) holds the fitted coefficients and every
micro-benchmark behind them, one JSON file per machine, thread count and dtype, in the user's
cache (:func:`cache_dir`): ``$LWPROF_CACHE_DIR``, else ``$XDG_CACHE_HOME/lwprof``, else
``~/.cache/lwprof``.
"""

from __future__ import annotations

import math
import os
import platform
import re
import stat
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError, os_error_text
from lwprof.latency import terms
from lwprof.latency.fusion import FusionRule
from lwprof.latency.terms import EXTRA_KINDS, KINDS, Placement, Term, feature, is_kind, kind_features, layer_kind, leaf_kind
from lwprof.latency.terms import FEATURES as TERM_FEATURES
from lwprof.records import BYTES_PER_ELEMENT, LayerRecord, ModelProfile

__all__ = [
    "NOMINAL",
    "benchmark_seconds",
    "held_out_ratios",
    "CALIBRATED_DTYPES",
    "CALIBRATION_VERSION",
    "RUNTIMES",
    "FEATURES",
    "KINDS",
    "Benchmark",
    "Calibration",
    "KindCost",
    "cache_dir",
    "cache_remedy",
    "check_cache_target",
    "calibration_file",
    "cpu_name",
    "design_row",
    "fit_costs",
    "layer_kind",
    "load_calibration",
    "machine_id",
    "nnls",
    "leaf_kind",
    "record_terms",
]

CALIBRATION_VERSION = 3  # 2: the runtime and its fusion rules (a version 1 file is read as torch); 3: fitted on fastest runs
FASTEST_SINCE = 3  # the first format whose benchmarks were fitted by their fastest runs (Benchmark.seconds); older: medians
RUNTIMES = ("torch", "onnxruntime")
NOMINAL = 0.8  # the nominal coverage of a prediction's interval (10th to 90th percentile of the held-out ratios)
MIN_HELD_OUT = 4  # held-out networks needed for an interval (``--quick`` times 4)
_DERIVED_INFO = ("path", "grade", "nominal", "interval_factors", "held_out_networks", "regressors")  # in info(), not stored (regressors: in full)
CALIBRATED_DTYPES = ("fp32", "bf16", "fp16")  # what `lwprof calibrate --dtype` measures

#: The names of the features a kind's cost may depend on (the table: :data:`lwprof.latency.terms.FEATURES`).
FEATURES = tuple(f.name for f in TERM_FEATURES)


def record_terms(record: LayerRecord, bytes_per_element: int, kernel: Placement | None = None) -> list[Term]:
    """The cost terms of one record, ``(kind, features, estimated)`` each (:func:`lwprof.latency.terms.record_terms`)."""
    return terms.record_terms(record, bytes_per_element, kernel)


def design_row(
    profile: ModelProfile, bytes_per_element: int, in_network: bool = True, kernels: Mapping[str, Placement] | None = None, per_run: bool = False
) -> dict[tuple[str, str], float]:
    """A profile's total of every (kind, feature) pair: its row in the fit's design matrix.

    Args:
        profile: The profile.
        bytes_per_element: Element size of the byte features.
        in_network: Add the ``network`` kind's features (every leaf call and its traffic): true
            for a model, false for an isolated micro-benchmark, which by design measures a
            layer alone (the same module called again and again).
        kernels: The fused leaves' kernels (:func:`lwprof.latency.fusion.assign`).
        per_run: Add one call of the ``run`` kind (a runtime's per-inference overhead).
    """
    return terms.design_row(profile, bytes_per_element, in_network, kernels, per_run)


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

    def rate(self, name: str) -> float | None:
        """A feature's fitted coefficient as the file writes it (:meth:`lwprof.latency.terms.Feature.rate`)."""
        return feature(name).rate(self.coefficients.get(name, 0.0))

    @property
    def overhead_s(self) -> float:
        return self.coefficients.get("calls", 0.0)

    @property
    def peak_macs_per_s(self) -> float | None:
        """1 / (seconds per MAC): the kind's arithmetic roof; None when the fit found it free."""
        return self.rate("macs")

    @property
    def ops_per_s(self) -> float | None:
        return self.rate("ops")

    @property
    def bandwidth_bytes_per_s(self) -> float | None:
        return self.rate("bytes")

    def shown_rates(self) -> tuple[float | None, ...]:
        """Every feature's coefficient as the calibration table shows it, in :data:`FEATURES` order."""
        return tuple(f.shown(self.coefficients.get(f.name, 0.0)) for f in TERM_FEATURES)

    def to_dict(self) -> dict[str, Any]:
        return {
            "coefficients": dict(self.coefficients),
            **{f.file_key: f.rate(self.coefficients.get(f.name, 0.0)) for f in TERM_FEATURES},
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
        """The time the fit uses: the fastest run (the median when none was recorded).

        Another process can only add time to a run. On this project's shared VM it does so in
        spells of tens of seconds that slow every run of a benchmark alike, so a quiet-looking
        median can still be inflated by up to 1.5x; the fastest run is the repeatable estimate of
        the machine's own speed (reports/latency_prediction_onnxruntime_1t.md: two of three passes of
        one model agreed within +-10% for 74% of 174 pairs by their fastest runs, 48% by their
        medians). Predictions therefore estimate the fastest run too, and the accuracy report
        measures models the same way.
        """
        return self.min_s if self.min_s > 0 else self.median_s

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
        held_out: measured / predicted of every random network, each left out of its own fit.
        runtime: Where the benchmarks ran: ``torch`` (eager) or ``onnxruntime`` (exported, :mod:`lwprof.latency.ortcal`).
        runtime_version: ONNX Runtime's version ("" for torch).
        fusions: The runtime's fusion rules found by kernel detection (:mod:`lwprof.latency.fusion`; eager: none).
        regressors: Per kernel kind, a :class:`~lwprof.latency.regress.KernelRegressor` fitted on an adaptive
            kernel sample timed on the runtime (:mod:`lwprof.latency.kernelpred`); empty without scikit-learn.
        held_out_kernels: As ``held_out``, for predictions that use the regressors (the regressors never saw a network).
        measured: Kernels measured exactly (``lwprof calibrate --for``): :func:`lwprof.latency.kernelpred.signature` -> seconds.
        kernel_scale: What a forest-priced kernel costs inside a network per second it costs alone (the median over the
            random networks, :func:`lwprof.latency.kernelpred.held_out_both`; ONNX Runtime adds layout conversions around
            an isolated kernel that a network pays once).
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
    held_out: tuple[float, ...] = ()
    runtime: str = "torch"
    runtime_version: str = ""
    fusions: tuple[FusionRule, ...] = ()
    regressors: Mapping[str, Any] = field(default_factory=dict)
    held_out_kernels: tuple[float, ...] = ()
    measured: Mapping[str, float] = field(default_factory=dict)
    kernel_scale: float = 1.0
    format_version: int = CALIBRATION_VERSION

    @property
    def from_another_machine(self) -> bool:
        """Made on a machine other than this one (its predictions are for that machine; kernels are not to be added here)."""
        return bool(self.machine) and self.machine != machine_id()

    @property
    def fitted_on_medians(self) -> bool:
        """Made by an lwprof that fitted its benchmarks' medians (format < 3): its predictions run a few percent above
        the fastest run that predictions now estimate and ``bench --predict`` compares with."""
        return self.format_version < FASTEST_SINCE

    def interval(self, regressors: bool | None = None) -> tuple[float, float] | None:
        """(low, high) factors that turn a prediction into its interval, or None without enough held-out networks.

        The 10th and 90th percentiles of :attr:`held_out` (measured / predicted of every random
        network, each predicted by a fit made without it): a nominal :data:`NOMINAL` interval.
        ``regressors``: of predictions made with the per-kernel regressors (:attr:`held_out_kernels`;
        default: when the calibration has them), or without (False).
        """
        ratios = self.held_out_kernels if (regressors is None or regressors) and self.held_out_kernels else self.held_out
        if len(ratios) < MIN_HELD_OUT:
            return None
        q = statistics.quantiles(ratios, n=10, method="inclusive")
        return q[0], q[-1]

    def grade(self) -> str:
        """good / fair / poor: how far the held-out interval reaches from the prediction, and how noisy the benchmarks were.

        good: the interval within +-10% and at most a quarter of the benchmarks noisy; fair:
        within +-25% and at most half noisy; poor otherwise; "ungraded" without held-out networks
        (a calibration made before lwprof computed them: run `lwprof calibrate` again).
        """
        factors = self.interval()
        if factors is None:
            return "ungraded"
        reach = max(1 - factors[0], factors[1] - 1)
        noisy = self.noisy / max(1, len(self.benchmarks))
        if reach <= 0.10 and noisy <= 0.25:
            return "good"
        if reach <= 0.25 and noisy <= 0.5:
            return "fair"
        return "poor"

    @property
    def bytes_per_element(self) -> int:
        return BYTES_PER_ELEMENT[self.dtype]

    @property
    def noisy(self) -> int:
        """How many micro-benchmarks stayed noisy after their extra runs."""
        return sum(b.noisy for b in self.benchmarks)

    @staticmethod
    def rate_columns() -> tuple[tuple[str, str], ...]:
        """(header, key) of every feature's column in the calibration table, in :data:`FEATURES` order."""
        return tuple((f.column, f.key) for f in TERM_FEATURES)

    def kind_rows(self) -> list[tuple[str, str, KindCost]]:
        """(kind, what it covers, its fitted cost) for every kind, in :data:`KINDS` order, then the runtime's own kinds and kernels."""
        rows = [(kind, text, self.kinds[kind]) for kind, (text, _) in KINDS.items()]
        for kind, cost in self.kinds.items():
            if kind not in KINDS:
                text = EXTRA_KINDS[kind][0] if kind in EXTRA_KINDS else "a kernel: " + " with ".join(kind.split(terms.KERNEL_SEP)) + " fused"
                rows.append((kind, text, cost))
        return rows

    @property
    def runtime_name(self) -> str:
        """"torch (eager)" or "ONNX Runtime 1.23.2"."""
        return "torch (eager)" if self.runtime == "torch" else f"ONNX Runtime {self.runtime_version}".strip()

    def describe(self) -> str:
        """"AMD EPYC, 2 thread(s), fp32, torch 2.13.0 (2026-12-01)": what the predictions are for."""
        when = f", {self.created[:10]}" if self.created else ""
        where = "" if self.runtime == "torch" else f", on {self.runtime_name}"
        return f"{self.cpu}, {self.threads} thread(s), {self.dtype}, torch {self.torch_version}{where}{when}"

    def info(self) -> dict[str, Any]:
        """The calibration's identity, without its benchmarks (what a prediction's JSON carries)."""
        factors = self.interval()
        return {
            "machine": self.machine, "cpu": self.cpu, "threads": self.threads, "dtype": self.dtype, "torch": self.torch_version,
            "created": self.created, "path": self.path, "quick": self.quick, "grade": self.grade(), "nominal": NOMINAL,
            "runtime": self.runtime, "runtime_version": self.runtime_version, "regressors": sorted(k for k, r in self.regressors.items() if r.model == "forest"),
            "interval_factors": list(factors) if factors else None, "held_out_networks": len(self.held_out),
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": CALIBRATION_VERSION,
            **{k: v for k, v in self.info().items() if k not in _DERIVED_INFO},
            "seconds": self.seconds,
            "model": "t = calls x overhead + MACs / peak + ops / op_rate + bytes / bandwidth, per kind (lwprof.latency.costmodel)",
            "kinds": {k: v.to_dict() for k, v in self.kinds.items()},
            "benchmarks": [b.to_dict() for b in self.benchmarks],
            "held_out": list(self.held_out),
            "fusions": [r.to_dict() for r in self.fusions],
            **({"regressors": _regressors_to_dict(self.regressors), "held_out_kernels": list(self.held_out_kernels), "kernel_scale": self.kernel_scale} if self.regressors else {}),
            **({"measured": dict(self.measured)} if self.measured else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "") -> Calibration:
        """Reads :meth:`to_dict`'s shape, every field checked (:func:`lwprof.latency.calfile.check_document`).

        Raises:
            LwprofError: Another version, or a field missing, unknown, of the wrong type or out
                of range (a negative, NaN or bool coefficient, threads that are not a positive
                integer), named.
        """
        from lwprof.latency.calfile import check_document

        allowed = dict(KINDS)
        if isinstance(data, Mapping) and isinstance(data.get("kinds"), Mapping):  # a runtime's own kinds and kernel kinds
            allowed.update({k: ("", kind_features(k)) for k in data["kinds"] if isinstance(k, str) and k not in KINDS and is_kind(k)})
        check_document(
            dict(data) if isinstance(data, Mapping) else data, f"calibration {path!r}" if path else "calibration", kinds=allowed, features=FEATURES,
            version=CALIBRATION_VERSION, dtypes=CALIBRATED_DTYPES, required=tuple(KINDS), runtimes=RUNTIMES,
        )  # fmt: skip
        kinds = {str(k): KindCost.from_dict(v) for k, v in data["kinds"].items()}
        return cls(
            data["machine"], data["cpu"], data["threads"], data["dtype"], data["torch"], kinds,
            tuple(Benchmark.from_dict(b) for b in data.get("benchmarks", ())), data.get("created", ""),
            float(data.get("seconds", 0.0)), bool(data.get("quick", False)), path, tuple(float(r) for r in data.get("held_out", ())),
            str(data.get("runtime", "torch")), str(data.get("runtime_version", "")), tuple(FusionRule.from_dict(r) for r in data.get("fusions", ())),
            _regressors_from_dict(data["regressors"], f"calibration {path!r}: regressors" if path else "calibration: regressors") if "regressors" in data else {},
            tuple(float(r) for r in data.get("held_out_kernels", ())), {str(k): float(v) for k, v in data.get("measured", {}).items()},
            float(data.get("kernel_scale", 1.0)), int(data["version"]),
        )  # fmt: skip


def _regressors_to_dict(regressors: Mapping[str, Any]) -> dict[str, Any]:
    from lwprof.latency.regress import regressors_to_dict

    return regressors_to_dict(regressors)


def _regressors_from_dict(data: Any, where: str) -> dict[str, Any]:
    from lwprof.latency.regress import regressors_from_dict

    return regressors_from_dict(data, where)


# -- the fit -------------------------------------------------------------------------------------


def benchmark_seconds(benchmark: Benchmark, kinds: Mapping[str, KindCost]) -> float:
    """A benchmark's predicted seconds: every kind it involves priced on its own features."""
    per_kind: dict[str, dict[str, float]] = {}
    for (kind, name), value in benchmark.design().items():
        per_kind.setdefault(kind, {})[name] = value
    return sum(kinds[kind].seconds(feats) for kind, feats in per_kind.items() if kind in kinds)


def held_out_ratios(benchmarks: Sequence[Benchmark], *, trim: float = 0.1) -> tuple[float, ...]:
    """measured / predicted of every random network, each predicted by a fit made without it.

    The random networks (kind ``network``) are whole networks of the zoo's blocks, the closest
    thing in a calibration to the models it will price; leaving each out of its own fit makes
    its error an honest sample of a prediction's error (what :meth:`Calibration.interval` and
    :meth:`Calibration.grade` read).
    """
    out = []
    for i, held in enumerate(benchmarks):
        if held.kind != "network":
            continue
        kinds = fit_costs([b for j, b in enumerate(benchmarks) if j != i], trim=trim)
        predicted = benchmark_seconds(held, kinds)
        if predicted > 0 and held.seconds > 0:
            out.append(held.seconds / predicted)
    return tuple(out)


def fit_costs(benchmarks: Sequence[Benchmark], *, trim: float = 0.1) -> dict[str, KindCost]:
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
    columns = sorted({key for b in benchmarks for key in b.design() if is_kind(key[0]) and key[1] in kind_features(key[0])})
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
    every = {**{k: names for k, (_, names) in KINDS.items()}, **{c[0]: kind_features(c[0]) for c in columns if c[0] not in KINDS}}
    for kind, names in every.items():
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


def calibration_file(threads: int, dtype: str = "fp32", directory: Path | None = None, runtime: str = "torch") -> Path:
    """Where this machine's calibration for ``runtime``, ``threads`` and ``dtype`` lives."""
    return (directory or cache_dir()) / f"calibration-{machine_id()}-{runtime}-{threads}t-{dtype}.json"


def _legacy_file(threads: int, dtype: str, directory: Path | None = None) -> Path:
    """The name lwprof gave a torch calibration before calibrations had a runtime (still read)."""
    return (directory or cache_dir()) / f"calibration-{machine_id()}-{threads}t-{dtype}.json"


def cache_remedy(flag: str = "--save") -> str:
    """What changes where calibrations are kept, for messages: the variable that chose the
    folder, or ``flag`` FILE (``--save`` to write one, ``--calibration`` to read one)."""
    if os.environ.get("LWPROF_CACHE_DIR"):
        return f"set LWPROF_CACHE_DIR to a folder you can write (or give {flag} FILE)"
    if os.environ.get("XDG_CACHE_HOME"):
        return f"the cache is $XDG_CACHE_HOME/lwprof: set XDG_CACHE_HOME, or LWPROF_CACHE_DIR, to a folder you can write (or give {flag} FILE)"
    return f"the cache is ~/.cache/lwprof: set LWPROF_CACHE_DIR (or XDG_CACHE_HOME) to a folder you can write (or give {flag} FILE)"


def check_cache_target(target: Path) -> Path:
    """Checks, before any benchmark runs, that the cache file ``target`` can be written: its
    folder exists and takes files or can be created, and nothing but a file is in its place.

    Raises:
        LwprofError: The path, what is wrong with it and the variable or flag that changes it.
    """
    from lwprof.render.export import probe_folder, probe_writable

    probe_folder(target.parent, what="the calibration cache", remedy=cache_remedy())
    if not target.parent.is_dir():
        return target  # made when written; probe_folder found that it can be
    return probe_writable(target, force=True, what="the calibration cache", remedy=cache_remedy())


def load_calibration(path: str | os.PathLike[str] | None = None, *, threads: int = 1, dtype: str = "fp32", runtime: str | None = None) -> Calibration:
    """Reads a calibration: the file given, else this machine's for ``runtime`` (default torch), ``threads`` and ``dtype``.

    Every field is checked (:mod:`lwprof.latency.calfile`); a calibration made on another
    machine is used as it is (:func:`lwprof.latency.predict.calibration_notes` says so).

    Raises:
        LwprofError: No calibration yet (the message says to run ``lwprof calibrate``, and names
            a calibration of the other runtime when there is one), a file of another runtime
            than ``runtime``, or a file that is not a calibration (the message names the file and the field).
    """
    if runtime is not None and runtime not in RUNTIMES:
        raise LwprofError(f"unknown runtime {runtime!r}; choose one of: {', '.join(RUNTIMES)}")
    calibration = _load(path, threads, dtype, runtime or "torch")
    if runtime is not None and calibration.runtime != runtime:
        raise LwprofError(
            f"calibration {calibration.path!r} measured {calibration.runtime}, not {runtime}: give --runtime {calibration.runtime}, "
            f"or make one with `lwprof calibrate --runtime {runtime} --threads {calibration.threads}`"
        )
    return calibration


def _load(path: str | os.PathLike[str] | None, threads: int, dtype: str, runtime: str) -> Calibration:
    from lwprof.latency.calfile import read_document

    if path is None:
        target = calibration_file(threads, dtype, runtime=runtime)
        if runtime == "torch" and not os.path.lexists(target) and _legacy_file(threads, dtype).is_file():
            target = _legacy_file(threads, dtype)
        try:
            info: os.stat_result | None = target.stat()
        except FileNotFoundError:
            info = None
        except NotADirectoryError:
            blocking = next((p for p in target.parents if os.path.lexists(p) and not p.is_dir()), target.parent)
            raise LwprofError(f"cannot read this machine's calibration {str(target)!r}: {str(blocking)!r} is a file, not a folder; {cache_remedy('--calibration')}") from None
        except OSError as exc:
            raise LwprofError(f"cannot read this machine's calibration {str(target)!r}: {os_error_text(exc)}; {cache_remedy('--calibration')}") from None
        if info is None:
            flags = (f" --runtime {runtime}" if runtime != "torch" else "") + f" --threads {threads}" + (f" --dtype {dtype}" if dtype != "fp32" else "")
            other = next((r for r in RUNTIMES if r != runtime and calibration_file(threads, dtype, runtime=r).is_file()), None)
            if other is not None:
                raise LwprofError(
                    f"this machine has a calibration for {other} ({threads} thread(s), {dtype}) but none for {runtime}: "
                    f"run `lwprof calibrate{flags}` once, or predict for {other} with --runtime {other}"
                )
            try:
                others = sorted(p.name for p in target.parent.glob(f"calibration-{machine_id()}-*.json")) if target.parent.is_dir() else []
            except OSError:
                others = []
            found = f" (this folder has {', '.join(others)}: give one with --calibration)" if others else ""
            raise LwprofError(
                f"no latency calibration for this machine ({cpu_name()}, {runtime}, {threads} thread(s), {dtype}) in {target.parent}{found}: "
                f"run `lwprof calibrate{flags}` once (under a minute)"
            )
        if stat.S_ISDIR(info.st_mode):
            raise LwprofError(f"this machine's calibration {str(target)!r} is a directory, not a file; remove it, then run `lwprof calibrate{' --threads ' + str(threads)}`")
        shown = str(target)
    else:
        target, shown = Path(path), os.fspath(path)
        try:
            target.stat()
        except FileNotFoundError:  # only a missing file is "does not exist"; permission denied is said by read_document
            raise LwprofError(f"calibration file {shown!r} does not exist (make one with `lwprof calibrate --save {shown}`)") from None
        except OSError:
            pass
    return Calibration.from_dict(read_document(target, shown), shown)
