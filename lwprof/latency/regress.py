"""Per-kernel latency regressors: a random forest over a kernel's shape features, on a linear baseline.

A *kernel* is what a runtime executes as one unit (nn-Meter, MobiSys 2021): a head layer and the
layers fused into it (Conv+BN+ReLU in ONNX Runtime; one layer in eager PyTorch). Its features are
shape numbers (:func:`lwprof.latency.sampling.kernel_features`: channels, map sizes, kernel,
stride, groups, MACs, elements, parameters, element size, fused followers). Torch-free; fitting
needs scikit-learn (the ``latency`` extra), predicting needs nothing but this module.

**The model, per kernel kind** (:func:`fit_regressors`):

* a *linear baseline* ``t = a + b x MACs + c x bytes``, fitted by non-negative least squares on
  relative error (:func:`lwprof.latency.costmodel.nnls`, the calibration's own solver): today's
  per-kind cost model, restricted to one kind's kernels;
* a *random forest* (scikit-learn's ``RandomForestRegressor``, as nn-Meter's kernel predictors)
  fitted on ``log(t / baseline)``, the baseline's error in log space. A tree predicts a constant
  per leaf, so a forest on seconds (or on log seconds) cannot follow a kernel larger than every
  sample: it predicts the largest sample's time. On the ratio it keeps the baseline's scaling and
  corrects it where the data say (a cache kink, a slow channel count, an activation's cost); off
  the sampled range it falls back to a constant correction of the baseline. ``target="log"``
  (log seconds) is kept for comparison (``docs/prediction.md``).

A kind with fewer than ``min_samples`` samples, or every kind when scikit-learn is missing, gets
the baseline alone, and so does a kind whose forest is no closer than the baseline on held-out
kernels (noisy timings a forest would learn by heart); :attr:`KernelRegressor.note` says why.

**Graded by k-fold.** Every regressor keeps its held-out ratios (measured / predicted, one per
sample in the order given, each predicted by the model fitted on the other folds) and those of
the baseline on the same folds: :attr:`KernelRegressor.median_error`, ``linear_error`` and an
interval (:meth:`KernelRegressor.interval`) for the calibration to grade it by.

**Prediction without scikit-learn.** The fitted trees are exported as arrays (child indices, split
feature, threshold, leaf value) and evaluated here in pure Python, inputs rounded to float32 first as
scikit-learn does, so that a prediction equals scikit-learn's own. :meth:`KernelRegressor.to_dict` is
plain JSON, each tree's arrays as base64 of little-endian numbers (one string per array: a calibration
holds ~17,000 nodes, which load in milliseconds this way); :meth:`KernelRegressor.from_dict` checks
every field (one :class:`~lwprof.errors.LwprofError` naming it, as :mod:`lwprof.latency.calfile` does),
down to every node of every tree.
"""

from __future__ import annotations

import array
import base64
import math
import operator
import random
import struct
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lwprof.errors import LwprofError
from lwprof.latency.calfile import AGAIN, _count, _known, _number, _show
from lwprof.latency.costmodel import nnls

__all__ = [
    "INSTALL",
    "LINEAR_FEATURES",
    "MIN_SAMPLES",
    "KernelRegressor",
    "KernelSample",
    "Tree",
    "export_forest",
    "fit_regressors",
    "forest_available",
    "mean_log_error",
    "regressors_from_dict",
    "regressors_to_dict",
]

INSTALL = "pip install 'lwprof[latency]'"
MIN_SAMPLES = 40  # a kind with fewer samples gets the linear baseline alone
LINEAR_FEATURES = ("macs", "bytes")  # the baseline: seconds per kernel + per MAC + per byte
FOLDS = 5
TREES = 16  # 8, 12, 24 and 32 fitted no closer on simulated or real kernels
MIN_LEAF = 2  # samples per leaf at least: 5 doubled the held-out error on 50 real activations (8% -> 17%)
MAX_FEATURES = 0.8  # features tried at each split (a fraction): decorrelates the trees
_MODELS = ("forest", "linear")
_TARGETS = ("ratio", "log")
_FIELDS = ("kind", "model", "target", "features", "linear", "trees", "samples", "held_out", "linear_held_out", "note")
_LINEAR_KEYS = ("calls", *LINEAR_FEATURES)
_TREE_FIELDS = ("feature", "threshold", "left", "right", "value")
_TYPECODES = {"feature": "i", "left": "i", "right": "i", "threshold": "d", "value": "d"}  # int32 and float64 here
_FLOAT32 = struct.Struct("f")


@dataclass(frozen=True)
class KernelSample:
    """One measured kernel: its kind, its shape features and its time.

    Attributes:
        kind: The kernel kind (:data:`lwprof.latency.sampling.KERNEL_KINDS`, or any name).
        features: Feature name -> value (:func:`lwprof.latency.sampling.kernel_features`).
        seconds: Measured seconds per call (> 0).
    """

    kind: str
    features: Mapping[str, float]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "features": {k: float(v) for k, v in self.features.items()}, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: Any, where: str = "sample") -> KernelSample:
        """A sample from :meth:`to_dict`'s JSON, every field checked.

        Raises:
            LwprofError: ``<where>: <field> ...`` for the first bad field.
        """
        bad = _bad(where)
        if not isinstance(data, dict):
            raise bad("", "must be an object", data)
        _known(data, ("kind", "features", "seconds"), "", bad)
        for name in ("kind", "features", "seconds"):
            if name not in data:
                raise bad(name, "is missing", shown=False)
        if not isinstance(data["kind"], str) or not data["kind"]:
            raise bad("kind", "must be a non-empty text", data["kind"])
        feats = data["features"]
        if not isinstance(feats, dict):
            raise bad("features", "must be an object of feature values", feats)
        for name, value in feats.items():
            _number(value, f"features.{name}", bad)
        _number(data["seconds"], "seconds", bad)
        if data["seconds"] == 0:
            raise bad("seconds", "must be positive", data["seconds"])
        return cls(data["kind"], {k: float(v) for k, v in feats.items()}, float(data["seconds"]))


@dataclass(frozen=True)
class Tree:
    """One regression tree as arrays (scikit-learn's ``tree_``): node i splits on
    ``feature[i] <= threshold[i]`` to ``left[i]``, else ``right[i]``; a leaf has ``left[i] == -1``
    and predicts ``value[i]``. Children always come after their parent (so evaluation ends)."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def evaluate(self, x: Sequence[float]) -> float:
        node = 0
        left, right, feature, threshold = self.left, self.right, self.feature, self.threshold
        while left[node] != -1:
            node = left[node] if x[feature[node]] <= threshold[node] else right[node]
        return self.value[node]

    def to_dict(self) -> dict[str, Any]:
        """Each array as base64 of little-endian numbers (int32 indices, float64 thresholds and
        values): a calibration holds ten thousand nodes, and one string each parses in microseconds
        where a JSON number each took tens of milliseconds."""
        return {"nodes": len(self.left), **{name: _pack(name, getattr(self, name)) for name in _TREE_FIELDS}}


@dataclass(frozen=True)
class KernelRegressor:
    """The latency of one kernel kind: a forest on a linear baseline, or the baseline alone.

    Attributes:
        kind: The kernel kind.
        model: "forest" or "linear".
        target: What the forest predicts: "ratio" (log of seconds / baseline) or "log" (log seconds).
        features: The forest's input features, in the order its trees index them.
        linear: The baseline's coefficients: seconds per kernel ("calls"), per MAC, per byte.
        trees: The forest's trees (empty for "linear").
        samples: Samples it was fitted on.
        held_out: Measured / predicted, per sample (in the order given), each predicted by the
            model fitted on the other folds; empty when there were too few samples to hold any out.
        linear_held_out: The same for the baseline alone, on the same folds.
        note: Why the model is what it is, when that needs saying (a linear fallback).
    """

    kind: str
    model: str
    features: tuple[str, ...]
    linear: Mapping[str, float]
    trees: tuple[Tree, ...] = ()
    target: str = "ratio"
    samples: int = 0
    held_out: tuple[float, ...] = ()
    linear_held_out: tuple[float, ...] = ()
    note: str = ""

    def baseline(self, features: Mapping[str, float]) -> float:
        """The linear baseline's seconds."""
        c = self.linear
        return c.get("calls", 0.0) + c.get("macs", 0.0) * features.get("macs", 0.0) + c.get("bytes", 0.0) * features.get("bytes", 0.0)

    def predict(self, features: Mapping[str, float]) -> float:
        """Predicted seconds of one kernel.

        Raises:
            LwprofError: A feature the forest needs is missing.
        """
        base = self.baseline(features)
        if self.model == "linear":
            return base
        x = []
        for name in self.features:
            try:
                value = features[name]
            except KeyError:
                raise LwprofError(f"{self.kind} kernel: feature {name!r} is missing (the regressor needs {', '.join(self.features)})") from None
            x.append(_FLOAT32.unpack(_FLOAT32.pack(value))[0] if math.isfinite(value) and abs(value) < 3e38 else value)
        log = sum(t.evaluate(x) for t in self.trees) / len(self.trees)
        return math.exp(log) * base if self.target == "ratio" else math.exp(log)

    @property
    def median_error(self) -> float | None:
        """Median held-out |predicted - measured| / measured (None: nothing held out)."""
        return _median_error(self.held_out)

    @property
    def linear_error(self) -> float | None:
        """The baseline's median held-out error on the same folds."""
        return _median_error(self.linear_held_out)

    def error_quantile(self, q: float) -> float | None:
        """The ``q`` quantile of the held-out relative errors (0.9: nine in ten kernels were closer)."""
        errors = sorted(abs(1 / r - 1) for r in self.held_out)
        return _quantile(errors, q) if errors else None

    def interval(self, nominal: float = 0.8) -> tuple[float, float] | None:
        """Factors on a prediction that bound a ``nominal`` share of the held-out kernels: the
        (1 - nominal) / 2 and (1 + nominal) / 2 quantiles of measured / predicted (None with fewer
        than 4 held out)."""
        if len(self.held_out) < 4 or not 0 < nominal < 1:
            return None
        ratios = sorted(self.held_out)
        return _quantile(ratios, (1 - nominal) / 2), _quantile(ratios, (1 + nominal) / 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "model": self.model,
            "target": self.target,
            "features": list(self.features),
            "linear": {k: self.linear.get(k, 0.0) for k in _LINEAR_KEYS},
            "trees": [t.to_dict() for t in self.trees],
            "samples": self.samples,
            "held_out": list(self.held_out),
            "linear_held_out": list(self.linear_held_out),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "regressor") -> KernelRegressor:
        """A regressor from :meth:`to_dict`'s JSON, every field checked.

        Args:
            data: The parsed JSON.
            where: How messages name it (``calibration.json: regressors.conv``).

        Raises:
            LwprofError: ``<where>: <field> ...; run `lwprof calibrate` again`` for the first bad field.
        """
        bad = _bad(where)
        if not isinstance(data, dict):
            raise bad("", "must be an object", data)
        _known(data, _FIELDS, "", bad)
        for name in _FIELDS:
            if name not in data:
                raise bad(name, "is missing", shown=False)
        for name in ("kind", "note"):
            if not isinstance(data[name], str):
                raise bad(name, "must be a text", data[name])
        if not data["kind"]:
            raise bad("kind", "must be a non-empty text", data["kind"])
        if data["model"] not in _MODELS:
            raise bad("model", f"must be one of {', '.join(_MODELS)}", data["model"])
        if data["target"] not in _TARGETS:
            raise bad("target", f"must be one of {', '.join(_TARGETS)}", data["target"])
        names = data["features"]
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
            raise bad("features", "must be a list of distinct feature names", names)
        linear = data["linear"]
        if not isinstance(linear, dict):
            raise bad("linear", "must be an object of seconds per kernel, MAC and byte", linear)
        _known(linear, _LINEAR_KEYS, "linear.", bad)
        for name in _LINEAR_KEYS:
            if name not in linear:
                raise bad(f"linear.{name}", "is missing", shown=False)
            _number(linear[name], f"linear.{name}", bad)
        trees = data["trees"]
        if not isinstance(trees, list):
            raise bad("trees", "must be a list of trees", trees)
        if (data["model"] == "forest") != bool(trees):
            raise bad("trees", "must be non-empty for a forest and empty for a linear model", shown=False)
        checked = tuple(_tree(t, f"trees[{i}]", len(names), bad) for i, t in enumerate(trees))
        _count(data["samples"], "samples", bad)
        for name in ("held_out", "linear_held_out"):
            ratios = data[name]
            if not isinstance(ratios, list):
                raise bad(name, "must be a list of measured / predicted ratios", ratios)
            if all(type(r) is float for r in ratios) and all(map(math.isfinite, ratios)) and min(ratios, default=1.0) > 0:
                continue  # the usual case, checked in C; else the first bad ratio is named
            for i, r in enumerate(ratios):
                _number(r, f"{name}[{i}]", bad)
                if r == 0:
                    raise bad(f"{name}[{i}]", "must be a positive ratio", r)
        return cls(
            data["kind"],
            data["model"],
            tuple(names),
            {k: float(linear[k]) for k in _LINEAR_KEYS},
            checked,
            data["target"],
            data["samples"],
            tuple(float(r) for r in data["held_out"]),
            tuple(float(r) for r in data["linear_held_out"]),
            data["note"],
        )


def _pack(name: str, values: Sequence[float]) -> str:
    packed = array.array(_TYPECODES[name], values)
    if sys.byteorder != "little":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(text: Any, name: str, nodes: int, field: str, bad: Any) -> array.array[Any]:
    code = _TYPECODES[name]
    size = array.array(code).itemsize
    what = f"must be base64 of {nodes} little-endian {'int32' if code == 'i' else 'float64'} numbers"
    if not isinstance(text, str):
        raise bad(field, what, text)
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise bad(field, what + " (not base64)", shown=False) from None
    if len(raw) != nodes * size:
        raise bad(field, what + f" ({len(raw) // size} there)", shown=False)
    out = array.array(code)
    out.frombytes(raw)
    if sys.byteorder != "little":
        out.byteswap()
    return out


def _well_formed(left: array.array[int], right: array.array[int], feature: array.array[int], n: int, features: int) -> bool:
    """Every node a leaf (left == right == -1) or a split to two later nodes on a feature in range,
    counted with C-level maps (a calibration holds ten thousand nodes): a child index <= its node's
    is a leaf's -1 exactly when there are as many such as there are leaves."""
    if min(left) < -1 or min(right) < -1 or max(left) >= n or max(right) >= n or max(feature) >= features:
        return False
    leaves = list(map((-1).__eq__, left))
    if leaves != list(map((-1).__eq__, right)) or leaves != list(map((0).__gt__, feature)):
        return False
    count = leaves.count(True)
    return sum(map(operator.le, left, range(n))) == count and sum(map(operator.le, right, range(n))) == count


def _tree(data: Any, here: str, features: int, bad: Any) -> Tree:
    """One tree's arrays, checked: finite thresholds and values, children after their parent (so
    that evaluation ends), split features in range. The checks run over whole arrays first; the
    first bad node is looked for only when one is bad."""
    if not isinstance(data, dict):
        raise bad(here, "must be an object of node arrays", data)
    _known(data, ("nodes", *_TREE_FIELDS), here + ".", bad)
    n = data.get("nodes")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise bad(f"{here}.nodes", "must be a whole number >= 1", n, "nodes" in data)
    for name in _TREE_FIELDS:
        if name not in data:
            raise bad(f"{here}.{name}", "is missing", shown=False)
    feature, threshold, left, right, value = (_unpack(data[name], name, n, f"{here}.{name}", bad) for name in _TREE_FIELDS)
    for name, arr in (("threshold", threshold), ("value", value)):
        if not all(map(math.isfinite, arr)):
            i = next(i for i, v in enumerate(arr) if not math.isfinite(v))
            raise bad(f"{here}.{name}[{i}]", "must be a finite number", arr[i])
    if not _well_formed(left, right, feature, n, features):
        for i, (a, b, f) in enumerate(zip(left, right, feature)):
            for name, child in (("left", a), ("right", b)):
                if not (child == -1 or i < child < n):
                    raise bad(f"{here}.{name}[{i}]", f"must be -1 (a leaf) or a later node's index (< {n})", child)
            if (a == -1) != (b == -1):
                raise bad(f"{here}.right[{i}]", "must be -1 exactly when left is (a leaf)", b)
            if a != -1 and not 0 <= f < features:
                raise bad(f"{here}.feature[{i}]", f"must be a feature's index (0 to {features - 1})", f)
    return Tree(tuple(feature), tuple(threshold), tuple(left), tuple(right), tuple(value))


def _bad(where: str) -> Any:
    def bad(field: str, what: str, value: Any = None, shown: bool = True) -> LwprofError:
        got = f", got {_show(value)}" if shown else ""
        name = f"{where}: {field}" if field else where
        return LwprofError(f"{name} {what}{got}; {AGAIN}")

    return bad


def regressors_to_dict(regressors: Mapping[str, KernelRegressor]) -> dict[str, Any]:
    """Every kind's regressor as plain JSON (kind -> :meth:`KernelRegressor.to_dict`)."""
    return {kind: r.to_dict() for kind, r in regressors.items()}


def regressors_from_dict(data: Any, where: str = "regressors") -> dict[str, KernelRegressor]:
    """The regressors of :func:`regressors_to_dict`, every field checked (a key must be its regressor's kind)."""
    if not isinstance(data, dict):
        raise LwprofError(f"{where} must be an object of kernel kinds, got {_show(data)}; {AGAIN}")
    out = {}
    for kind, entry in data.items():
        r = KernelRegressor.from_dict(entry, f"{where}.{kind}")
        if r.kind != kind:
            raise LwprofError(f"{where}.{kind}: kind is {r.kind!r}, not its key {kind!r}; {AGAIN}")
        out[kind] = r
    return out


# -- fitting ------------------------------------------------------------------------------------------


def forest_available() -> bool:
    """scikit-learn can be imported (fitting forests needs it; predicting does not)."""
    try:
        import sklearn.ensemble  # noqa: F401
    except ImportError:
        return False
    return True


def fit_regressors(
    samples: Iterable[KernelSample],
    *,
    min_samples: int = MIN_SAMPLES,
    seed: int = 0,
    target: str = "ratio",
    folds: int = FOLDS,
    trees: int = TREES,
) -> dict[str, KernelRegressor]:
    """One regressor per kernel kind of ``samples`` (the module docstring says which model).

    Args:
        samples: Measured kernels, any kinds; the samples of one kind must share their feature names.
        min_samples: A kind with fewer samples gets the linear baseline alone.
        seed: Seeds the folds and the forests (the same samples and seed give the same regressors).
        target: What the forest predicts: "ratio" (log of seconds / baseline) or "log" (log seconds).
        folds: Folds of the held-out errors (at most one per sample; none with fewer than 2 samples).
        trees: Trees per forest.

    Returns:
        Kind -> regressor, kinds in the order they first appear.

    Raises:
        ValueError: A sample without a positive time, samples of one kind with different
            features, or a bad ``target`` / ``min_samples``.
    """
    if target not in _TARGETS:
        raise ValueError(f"target must be one of {', '.join(_TARGETS)}, got {target!r}")
    if min_samples < 1 or folds < 2 or trees < 1:
        raise ValueError(f"min_samples and trees must be >= 1 and folds >= 2, got {min_samples}, {trees}, {folds}")
    by_kind: dict[str, list[KernelSample]] = {}
    for s in samples:
        if not s.seconds > 0 or not math.isfinite(s.seconds):
            raise ValueError(f"{s.kind} sample: seconds must be positive and finite, got {s.seconds!r}")
        by_kind.setdefault(s.kind, []).append(s)
    forest = forest_available()
    out = {}
    for kind, group in by_kind.items():
        names = tuple(sorted(group[0].features))
        for s in group:
            if tuple(sorted(s.features)) != names:
                raise ValueError(f"{kind} samples have different features: {', '.join(names)} vs {', '.join(sorted(s.features))}")
        use_forest = forest and len(group) >= min_samples
        note = ""
        if not forest:
            note = f"linear: scikit-learn is not installed ({INSTALL})"
        elif not use_forest:
            note = f"linear: {len(group)} samples, fewer than the {min_samples} a forest needs"
        out[kind] = _fit_kind(kind, group, names, use_forest, target, folds, trees, random.Random(f"{seed}:{kind}"), note)
    return out


def _fit_kind(
    kind: str, group: list[KernelSample], names: tuple[str, ...], use_forest: bool, target: str, folds: int, trees: int, rng: random.Random, note: str
) -> KernelRegressor:
    x = [[s.features[n] for n in names] for s in group]
    y = [s.seconds for s in group]
    seed = rng.randrange(2**31)

    def fit(idx: Sequence[int]) -> KernelRegressor:
        linear = _fit_linear([group[i] for i in idx])
        if not use_forest:
            return KernelRegressor(kind, "linear", names, linear, (), target, len(idx), note=note)
        probe = KernelRegressor(kind, "linear", names, linear)
        if target == "ratio":
            t = [math.log(y[i] / max(probe.baseline(group[i].features), 1e-12)) for i in idx]
        else:
            t = [math.log(y[i]) for i in idx]
        return KernelRegressor(kind, "forest", names, linear, _fit_forest([x[i] for i in idx], t, trees, seed), target, len(idx))

    held: list[float] = [0.0] * len(group)
    held_lin: list[float] = [0.0] * len(group)
    k = min(folds, len(group))
    if k >= 2:
        order = list(range(len(group)))
        rng.shuffle(order)
        for f in range(k):
            test = order[f::k]
            train = sorted(set(order) - set(test))
            model = fit(train)
            for i in test:
                held[i] = y[i] / _positive(model.predict(group[i].features))
                held_lin[i] = y[i] / _positive(model.baseline(group[i].features))
    ratios, linear_ratios = (tuple(held), tuple(held_lin)) if k >= 2 else ((), ())
    if use_forest and mean_log_error(ratios) >= mean_log_error(linear_ratios):
        forest_error, linear_error = math.expm1(mean_log_error(ratios)), math.expm1(mean_log_error(linear_ratios))
        note = f"linear: the forest was no closer on held-out kernels (geometric mean error {forest_error:.1%} vs {linear_error:.1%})"
        use_forest, ratios = False, linear_ratios
    final = fit(range(len(group)))
    return KernelRegressor(kind, final.model, names, final.linear, final.trees, target, len(group), ratios, linear_ratios, note)


def mean_log_error(ratios: Sequence[float]) -> float:
    """The mean |log(measured / predicted)|: how the forest and the baseline are compared (and what
    :func:`lwprof.latency.sampling.adaptive_sample` ranks kinds by)."""
    return sum(abs(math.log(r)) for r in ratios) / len(ratios) if ratios else 0.0


def _positive(seconds: float) -> float:
    return seconds if seconds > 0 else 1e-12


def _fit_linear(group: Sequence[KernelSample]) -> dict[str, float]:
    """The baseline's NNLS fit on relative error: minimises sum ((a + b macs + c bytes) / t - 1)^2."""
    rows = [[1.0 / s.seconds, *(s.features.get(n, 0.0) / s.seconds for n in LINEAR_FEATURES)] for s in group]
    coef = nnls(rows, [1.0] * len(rows))
    return dict(zip(_LINEAR_KEYS, coef))


def _fit_forest(x: list[list[float]], t: list[float], trees: int, seed: int) -> tuple[Tree, ...]:
    from sklearn.ensemble import RandomForestRegressor

    model = RandomForestRegressor(n_estimators=trees, min_samples_leaf=MIN_LEAF, max_features=MAX_FEATURES, random_state=seed, n_jobs=1)
    model.fit(x, t)
    return export_forest(model)


def export_forest(model: Any) -> tuple[Tree, ...]:
    """A fitted scikit-learn forest's trees as plain arrays (one output; its ``predict`` is their mean).

    Internal nodes' values and leaves' split fields, which evaluation never reads, are 0 and -2."""
    out = []
    for est in model.estimators_:
        tr = est.tree_
        left = tuple(int(v) for v in tr.children_left)
        leaf = [a == -1 for a in left]
        out.append(
            Tree(
                tuple(-2 if x else int(v) for v, x in zip(tr.feature, leaf)),
                tuple(-2.0 if x else float(v) for v, x in zip(tr.threshold, leaf)),
                left,
                tuple(int(v) for v in tr.children_right),
                tuple(float(v) if x else 0.0 for v, x in zip(tr.value[:, 0, 0], leaf)),  # only a leaf's value is read
            )
        )
    return tuple(out)


def fit_seconds(samples: Sequence[KernelSample], **options: Any) -> float:
    """Wall seconds :func:`fit_regressors` takes on ``samples`` (folds included): for the report."""
    start = time.perf_counter()
    fit_regressors(samples, **options)
    return time.perf_counter() - start


def _median_error(ratios: Sequence[float]) -> float | None:
    errors = sorted(abs(1 / r - 1) for r in ratios)
    return _quantile(errors, 0.5) if errors else None


def _quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted ``values``, linearly interpolated."""
    pos = q * (len(values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)
