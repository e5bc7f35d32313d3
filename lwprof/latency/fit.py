"""``lwprof fit``: the best configuration of an architecture under MACs, params and latency budgets.

The search space is a grid over the architecture's options (:func:`parse_range`: ``KEY=A:B:STEP``
or ``KEY=V1,V2``; by default width/alpha, resolution, scale, groups and conv kind, see
:data:`DEFAULT_RANGES`), every value checked against the option's declared choices and bounds.
Every configuration gets its exact params and MACs and its predicted latency
(:mod:`lwprof.latency.predict`), then:

* **the Pareto front**: the configurations no other beats on all three of more MACs, fewer
  params and less predicted latency (with one of them strictly). MACs stand in for capacity
  (within one family, more MACs at the same design buy accuracy, as the papers' width and
  resolution tables show); params and latency are the costs;
* **the best under the budgets**: among the configurations within every ``--max-*`` budget,
  the one with the most MACs (``objective="macs"``, ties to the faster) or the fastest
  (``objective="latency"``, ties to more MACs). It is on the front unless a configuration
  outside the budgets dominates it (more MACs than ``--max-macs`` allows, say); the table
  shows it either way.

Speed: a configuration is one model and one input size, and the input size changes no
parameter. So each distinct model (the configuration without its resolution) is walked once,
at a reference resolution whose every feature map divides evenly (7 x the network's total
stride), and re-targeted to every searched resolution by exact integer arithmetic
(:func:`retarget`): each layer's maps are ceil(R / D) for its downsampling D (every zoo conv
and pool pads k // 2), and its MACs, ops and traffic scale with the positions of its output
(its input, for a global pool) while parameters stay. For each combination of the discrete
options the first re-targeted profile is checked record by record against a real walk at
another resolution; any difference turns re-targeting off for that combination (every
configuration is then walked) and says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lwprof.errors import LwprofError
from lwprof.latency.predict import ancestors
from lwprof.records import LayerRecord, ModelProfile, Note, Severity, plain
from lwprof.resolve import key_values

__all__ = [
    "DEFAULT_RANGES",
    "Budgets",
    "Candidate",
    "FitResult",
    "choose",
    "fit",
    "grid",
    "pareto_front",
    "parse_latency",
    "parse_range",
    "parse_vary_ranges",
    "retarget",
]

#: Searched when no --vary is given, for the options an architecture has.
DEFAULT_RANGES = {
    "alpha": "0.25:1.0:0.05",
    "width": "0.25:1.5:0.05",
    "resolution": "96:256:32",
    "scale": "all",
    "groups": "all",
    "conv": "all",
}
DEFAULT_GROUPS = (2, 4, 8)  # groups of an option without declared choices (MobileNetV1's grouped conv)
MAX_CONFIGS = 20000
REFERENCE_STRIDES = 7  # the reference resolution is 7 x the network's total stride (224 for 32)
OBJECTIVES = ("macs", "latency")


# -- inputs ------------------------------------------------------------------------------------


def parse_latency(text: str) -> float:
    """Reads a latency budget in milliseconds ("12", "12ms", "0.012s", "800us") as seconds.

    Raises:
        LwprofError: Not a positive number with an optional ms, s or us unit.
    """
    raw = str(text).strip().lower().replace(" ", "")
    for unit, scale in (("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1.0)):
        if raw.endswith(unit):
            raw, factor = raw[: -len(unit)], scale
            break
    else:
        factor = 1e-3
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise LwprofError(f"--max-latency {text!r}: give a positive time in milliseconds, e.g. 15 or 15ms (or 0.015s)")
    return value * factor


def parse_vary_ranges(items: Sequence[str]) -> dict[str, str]:
    """``--vary KEY=RANGE`` options as {key: range text}; the ranges are read per option by :func:`parse_range`.

    Raises:
        LwprofError: An item without ``KEY=``, or a key given twice.
    """
    return key_values(items, "--vary", "KEY=A:B:STEP or KEY=V1,V2,..., e.g. --vary alpha=0.25:1.0:0.05")


def parse_range(option: Any, text: str) -> tuple[Any, ...]:
    """The values of one searched option: ``A:B:STEP`` (inclusive), ``A:B`` (step 1), ``V1,V2,...`` or ``all``.

    Args:
        option: The architecture's :class:`~lwprof.architectures.registry.Option`.
        text: What follows ``KEY=``.

    Raises:
        LwprofError: A malformed range, a step that is not positive, a value of the wrong type
            or outside the option's choices and bounds.
    """
    from lwprof.architectures.registry import _check_field, issubclass_enum

    key = option.name
    raw = text.strip()
    if not raw:
        raise LwprofError(f"--vary {key}=: give values, e.g. {key}=1,2 or {key}=0.25:1.0:0.05")
    if raw.lower() in ("all", "*"):
        if option.choices is not None:
            values: list[Any] = list(option.choices)
        elif issubclass_enum(option.type):
            values = list(option.type)
        elif option.type is bool:
            values = [False, True]
        elif key == "groups":
            values = list(DEFAULT_GROUPS)
        else:
            raise LwprofError(f"--vary {key}=all: {key} has no finite set of values; give a range such as {key}=A:B:STEP")
    elif ":" in raw:
        if option.type not in (int, float):
            raise LwprofError(f"--vary {key}={raw}: a range A:B:STEP needs a numeric option; list the values of {key} (or write {key}=all)")
        parts = raw.split(":")
        if len(parts) not in (2, 3):
            raise LwprofError(f"--vary {key}={raw}: write A:B:STEP, e.g. {key}=0.25:1.0:0.05")
        try:
            start, stop, step = (float(p) for p in (*parts, "1")[:3]) if len(parts) == 2 else (float(p) for p in parts)
        except ValueError:
            raise LwprofError(f"--vary {key}={raw}: A, B and STEP must be numbers") from None
        if not all(math.isfinite(v) for v in (start, stop, step)) or step <= 0:
            raise LwprofError(f"--vary {key}={raw}: STEP must be a positive number")
        if stop < start:
            raise LwprofError(f"--vary {key}={raw}: B must be >= A")
        ratio = (stop - start) / step
        if not ratio < MAX_CONFIGS:  # also inf, for a step of 1e-320
            raise LwprofError(f"--vary {key}={raw}: more than {MAX_CONFIGS:,} values; use a larger STEP")
        count = math.floor(ratio + 1e-9) + 1
        if count > MAX_CONFIGS:
            raise LwprofError(f"--vary {key}={raw}: {count:,} values; at most {MAX_CONFIGS:,}")
        values = [round(start + i * step, 10) for i in range(count)]
        if option.type is int:
            if any(not float(v).is_integer() for v in (start, stop, step)):
                raise LwprofError(f"--vary {key}={raw}: {key} is an integer; A, B and STEP must be whole numbers")
            values = [int(v) for v in values]
    else:
        values = [v.strip() for v in raw.split(",")]
        if any(not v for v in values):
            raise LwprofError(f"--vary {key}={raw}: empty value in the list")
    out = []
    for value in values:
        coerced = option.coerce(value)
        try:
            _check_field(_FieldLike(option), coerced)
        except LwprofError as exc:
            raise LwprofError(f"--vary {key}={raw}: {exc}") from None
        if coerced not in out:
            out.append(coerced)
    return tuple(out)


@dataclass(frozen=True)
class _FieldLike:
    """An Option seen as the dataclass field ``_check_field`` validates (name and metadata)."""

    option: Any

    @property
    def name(self) -> str:
        return self.option.name

    @property
    def metadata(self) -> dict[str, Any]:
        o = self.option
        return {"choices": o.choices, "minimum": o.minimum, "above": o.above, "maximum": o.maximum}


@dataclass(frozen=True)
class Budgets:
    """Upper bounds: MACs, params and predicted seconds (None = no bound)."""

    max_macs: int | None = None
    max_params: int | None = None
    max_latency_s: float | None = None

    def holds(self, params: int, macs: int, latency_s: float) -> bool:
        return (
            (self.max_macs is None or macs <= self.max_macs)
            and (self.max_params is None or params <= self.max_params)
            and (self.max_latency_s is None or latency_s <= self.max_latency_s)
        )

    def text(self) -> str:
        from lwprof.units import human

        parts = []
        if self.max_macs is not None:
            parts.append(f"MACs <= {human(self.max_macs)}")
        if self.max_params is not None:
            parts.append(f"params <= {human(self.max_params)}")
        if self.max_latency_s is not None:
            parts.append(f"predicted latency <= {self.max_latency_s * 1e3:.3g} ms")
        return ", ".join(parts) or "none"

    def to_dict(self) -> dict[str, Any]:
        return {"max_macs": self.max_macs, "max_params": self.max_params, "max_latency_s": self.max_latency_s}


@dataclass(frozen=True)
class Candidate:
    """One searched configuration.

    Attributes:
        label: The searched options' values, "alpha=0.75, resolution=192".
        config: Those values (plain: numbers, strings, booleans).
        spec: A spec that rebuilds the model ("mobilenet_v1@alpha=0.75,resolution=192").
        params: Parameters.
        macs: Multiply-accumulates.
        latency_s: Predicted seconds per forward pass on the calibrated machine.
        fits: Within every budget.
        front: On the Pareto front.
    """

    label: str
    config: Mapping[str, Any]
    spec: str
    params: int
    macs: int
    latency_s: float
    fits: bool = True
    front: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "config": dict(self.config), "spec": self.spec, "params": self.params, "macs": self.macs,
            "predicted_latency_s": self.latency_s, "fits": self.fits, "front": self.front,
        }  # fmt: skip


@dataclass(frozen=True, repr=False)
class FitResult:
    """``lwprof fit``'s answer.

    Attributes:
        arch: The architecture.
        axes: The searched options and their values.
        fixed: Options fixed for every configuration.
        candidates: Every valid configuration, in grid order.
        best: Index of the best configuration within the budgets; None when none fits.
        budgets: The budgets.
        objective: "macs" (most MACs within the budgets) or "latency" (fastest).
        skipped: (configuration, reason) of the grid points that are not valid models.
        profiled: Models walked (each distinct model once, plus the checks of re-targeting).
        seconds: Wall time of the search.
        calibration: The calibration's identity.
        batch: Batch size.
        notes: What the reader should know.
    """

    arch: str
    axes: Mapping[str, tuple[Any, ...]]
    fixed: Mapping[str, Any]
    candidates: tuple[Candidate, ...]
    best: int | None
    budgets: Budgets
    objective: str = "macs"
    skipped: tuple[tuple[str, str], ...] = ()
    profiled: int = 0
    seconds: float = 0.0
    calibration: Mapping[str, Any] = field(default_factory=dict)
    batch: int = 1
    notes: tuple[Note, ...] = ()

    @property
    def front(self) -> list[Candidate]:
        """The Pareto front, fastest first."""
        return sorted((c for c in self.candidates if c.front), key=lambda c: (c.latency_s, c.params, -c.macs))

    @property
    def chosen(self) -> Candidate | None:
        return self.candidates[self.best] if self.best is not None else None

    def __repr__(self) -> str:
        best = self.chosen.label if self.chosen is not None else None
        return f"FitResult({self.arch!r}, configurations={len(self.candidates)}, front={len(self.front)}, best={best!r})"

    def to_pandas(self) -> Any:
        """Every valid configuration as a ``pandas.DataFrame`` (indexed by label), with ``front`` and ``fits`` columns.

        Raises:
            LwprofError: pandas is not installed.
        """
        from lwprof.records import import_pandas

        return import_pandas("FitResult.to_pandas()").DataFrame([c.to_dict() for c in self.candidates]).set_index("label")

    def _repr_html_(self) -> str:
        """Jupyter's display: the Pareto front near the choice, and the notes."""
        from lwprof.render import notebook

        return notebook.html(self)

    def __rich__(self) -> Any:
        from lwprof.render import notebook

        return notebook.rich_view(self)

    def to_dict(self) -> dict[str, Any]:

        return {
            "arch": self.arch,
            "axes": {k: [plain(v) for v in vals] for k, vals in self.axes.items()},
            "fixed": {k: plain(v) for k, v in self.fixed.items()},
            "batch": self.batch,
            "budgets": self.budgets.to_dict(),
            "objective": self.objective,
            "searched": len(self.candidates) + len(self.skipped),
            "valid": len(self.candidates),
            "profiled": self.profiled,
            "seconds": self.seconds,
            "best": self.chosen.to_dict() if self.chosen else None,
            "front": [c.to_dict() for c in self.front],
            "candidates": [c.to_dict() for c in self.candidates],
            "skipped": [{"config": c, "reason": r} for c, r in self.skipped],
            "calibration": dict(self.calibration),
            "notes": [n.text for n in self.notes],
        }


# -- the front and the choice ------------------------------------------------------------------


def _dominates(a: Candidate, b: Candidate) -> bool:
    """``a`` is at least as good as ``b`` on all of MACs (more), params and latency (fewer), better on one."""
    no_worse = a.macs >= b.macs and a.params <= b.params and a.latency_s <= b.latency_s
    return no_worse and (a.macs > b.macs or a.params < b.params or a.latency_s < b.latency_s)


def pareto_front(candidates: Sequence[Candidate]) -> list[bool]:
    """For each candidate, whether no other dominates it (more MACs, fewer params, less latency).

    Candidates are visited fastest first (ties: fewer params, then more MACs), so that any
    dominating candidate comes before the one it dominates; each is compared with the front
    found so far only (a dominated candidate is always dominated by a front member).
    """
    order = sorted(range(len(candidates)), key=lambda i: (candidates[i].latency_s, candidates[i].params, -candidates[i].macs))
    front: list[int] = []
    on = [False] * len(candidates)
    for i in order:
        c = candidates[i]
        if not any(_dominates(candidates[j], c) for j in front):
            front.append(i)
            on[i] = True
    return on


def choose(candidates: Sequence[Candidate], objective: str = "macs") -> int | None:
    """The index of the best candidate within the budgets (``fits``), or None.

    ``macs``: the most MACs, ties to less latency, then fewer params. ``latency``: the least
    latency, ties to more MACs, then fewer params.
    """
    if objective not in OBJECTIVES:
        raise LwprofError(f"objective {objective!r}: choose {' or '.join(OBJECTIVES)}")
    fits = [i for i, c in enumerate(candidates) if c.fits]
    if not fits:
        return None
    if objective == "macs":
        return min(fits, key=lambda i: (-candidates[i].macs, candidates[i].latency_s, candidates[i].params))
    return min(fits, key=lambda i: (candidates[i].latency_s, -candidates[i].macs, candidates[i].params))


# -- re-targeting a profile to another resolution ------------------------------------------------


class CannotRetarget(Exception):
    """The profile's maps are not ceil(R / D) of a downsampling D: walk instead."""


def retarget(profile: ModelProfile, resolution: int, total_stride: int) -> ModelProfile:
    """The profile of the same model at input ``resolution`` x ``resolution``, computed from ``profile``.

    ``profile`` must be at a square resolution R0 that every downsampling divides (R0 = 7 x
    ``total_stride``). A map of size h at R0 has downsampling D = R0 / h and size ceil(R / D)
    at R; a 1 x 1 map (after global pooling) stays 1 x 1. A leaf's MACs, other ops and written
    elements scale with its output positions (a global pool's ops with its input's), the
    elements it reads with its input's positions plus its own parameters once per call; a
    parent's own functional work scales with its output's positions; parents sum their subtree.
    Parameters and buffers do not change. Peak activation memory is not re-targeted (None).

    Raises:
        CannotRetarget: A map that is not such a size, or a count that does not divide evenly.
    """
    r0 = profile.input_shape[-1]
    if len(profile.input_shape) != 4 or profile.input_shape[-2] != r0:
        raise CannotRetarget("not a square image input")

    def size(h: int) -> int:
        if h == 1 and r0 > total_stride:
            return 1
        if r0 % h:
            raise CannotRetarget(f"map of {h} at {r0}")
        return -(-resolution // (r0 // h))

    shapes: dict[Any, Any] = {None: None}
    counts: dict[Any, tuple[int, int]] = {None: (1, 1)}

    def shape(s: tuple[int, ...] | None) -> tuple[int, ...] | None:
        found = shapes.get(s, False)
        if found is False:
            found = shapes[s] = s if len(s) < 3 else (*s[:2], *(size(h) for h in s[2:]))  # type: ignore[arg-type]
        return found  # type: ignore[return-value]

    def positions(s: tuple[int, ...] | None) -> tuple[int, int]:
        found = counts.get(s)
        if found is None:
            found = counts[s] = (1, 1) if len(s) < 3 else (math.prod(s[2:]), math.prod(shape(s)[2:]))  # type: ignore[arg-type, index]
        return found

    def scaled(value: int, old: int, new: int) -> int:
        if old == new or value == 0:
            return value
        if (value * new) % old:
            raise CannotRetarget(f"{value} x {new} / {old}")
        return value * new // old

    new_records: list[LayerRecord] = []
    own_work: dict[str, tuple[int, int]] = {}
    for r in profile.layers:
        o_old, o_new = positions(r.output_shape)
        if r.is_leaf:
            i_old, i_new = positions(r.input_shape)
            global_pool = r.category == "Pooling" and "kernel" not in r.hparams
            macs = scaled(r.macs, o_old, o_new)
            other = scaled(r.other_ops, i_old, i_new) if global_pool else scaled(r.other_ops, o_old, o_new)
            weights = r.params * r.calls
            read = scaled(r.read_elements - weights, i_old, i_new) + weights
            write = scaled(r.write_elements, o_old, o_new)
            own_work[r.name] = (macs, other)
            changes = {"macs": macs, "other_ops": other, "read_elements": read, "write_elements": write}
        else:
            fm = scaled(r.functional_macs, o_old, o_new)
            own_work[r.name] = (fm, scaled(r.functional_other_ops, o_old, o_new))
            changes = {"functional_macs": fm, "functional_other_ops": own_work[r.name][1], "functional_write_elements": scaled(r.functional_write_elements, o_old, o_new)}
        changes["input_shape"], changes["output_shape"] = shape(r.input_shape), shape(r.output_shape)
        new_records.append(_copy(r, changes))
    totals = {name: [0, 0] for name in own_work}
    for name, (m, o) in own_work.items():
        for ancestor in ancestors(name) or [""]:
            if ancestor in totals:
                totals[ancestor][0] += m
                totals[ancestor][1] += o
    out = [r if r.is_leaf else _copy(r, {"macs": totals[r.name][0], "other_ops": totals[r.name][1]}) for r in new_records]
    config = {**profile.config, "resolution": resolution}
    inputs = tuple(dataclasses.replace(i, shape=shape(i.shape) or i.shape) for i in profile.inputs)
    return dataclasses.replace(profile, layers=tuple(out), input_shape=shape(profile.input_shape) or profile.input_shape, config=config, inputs=inputs, peak_activation_elements=None)


def _copy(record: LayerRecord, changes: Mapping[str, Any]) -> LayerRecord:
    """``dataclasses.replace`` without re-running ``__init__`` (its enum checks), for speed: the
    fields changed here are plain integers and shapes."""
    new = object.__new__(LayerRecord)
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


class Scaled:
    """A reference profile reduced to what a search needs at any resolution: params, MACs and predicted seconds.

    The cost model is linear in each record's features, and each feature is a constant
    (calls, weights) plus terms proportional to the positions of the record's input or output
    map (:func:`retarget`'s rules). So the whole model folds into one sum per downsampling
    factor D, and pricing a resolution R is one multiplication per factor by
    positions(ceil(R / D)) / positions(at R0). MACs stay exact integers (each record's MACs are
    a multiple of its output positions). Equal to ``predict_profile(retarget(profile, R))``
    (the test suite checks it).

    Raises:
        CannotRetarget: As :func:`retarget`.
    """

    def __init__(self, profile: ModelProfile, total_stride: int, calibration: Any) -> None:
        from lwprof.latency.costmodel import leaf_kind
        from lwprof.latency.predict import check_dtype
        from lwprof.latency.predict import rates as kind_rates

        r0 = profile.input_shape[-1]
        if len(profile.input_shape) != 4 or profile.input_shape[-2] != r0:
            raise CannotRetarget("not a square image input")
        self.r0, self.stride, self.params = r0, total_stride, profile.params
        check_dtype(profile.dtype, calibration)
        bpe = calibration.bytes_per_element
        rates = kind_rates(calibration)
        xc, xb = rates["network"][0], rates["network"][3]
        self.seconds: dict[Any, float] = {}
        self.macs: dict[Any, int] = {}

        def key(shape: tuple[int, ...] | None) -> Any:
            if shape is None or len(shape) < 3:
                return ()
            out = []
            for h in shape[2:]:
                if h == 1 and r0 > total_stride:
                    out.append(0)  # a 1 x 1 map after global pooling: constant
                elif r0 % h:
                    raise CannotRetarget(f"map of {h} at {r0}")
                else:
                    out.append(r0 // h)
            return tuple(out)

        def add(k: Any, seconds: float, macs: int = 0) -> None:
            self.seconds[k] = self.seconds.get(k, 0.0) + seconds
            if macs:
                self.macs[k] = self.macs.get(k, 0) + macs

        for r in profile.layers:
            if not r.calls:
                continue
            k_out = key(r.output_shape)
            if r.is_leaf:
                k_in = key(r.input_shape)
                c = rates[leaf_kind(r)[0]]
                byte = c[3] + xb
                weights = r.params * r.calls
                global_pool = r.category == "Pooling" and "kernel" not in r.hparams
                add((), (c[0] + xc) * r.calls + byte * weights * bpe)
                add(k_in, byte * (r.read_elements - weights) * bpe + (c[2] * r.other_ops if global_pool else 0.0))
                add(k_out, c[1] * r.macs + (0.0 if global_pool else c[2] * r.other_ops) + byte * r.write_elements * bpe, r.macs)
            else:
                add((), rates["module"][0] * r.calls + rates["functional"][0] * r.functional_calls)
                add(k_out, rates["functional"][3] * r.functional_write_elements * bpe + rates["conv1x1"][1] * r.functional_macs, r.functional_macs)

    def _positions(self, k: Any, resolution: int) -> tuple[int, int]:
        old = new = 1
        for d in k:
            if d:
                old *= self.r0 // d
                new *= -(-resolution // d)
        return old, new

    def at(self, resolution: int) -> tuple[int, int, float]:
        """(params, MACs, predicted seconds) at ``resolution`` x ``resolution``."""
        seconds = 0.0
        for k, value in self.seconds.items():
            old, new = self._positions(k, resolution)
            seconds += value * new / old
        macs = 0
        for k, value in self.macs.items():
            old, new = self._positions(k, resolution)
            macs += value * new // old
        return self.params, macs, seconds


def same_counts(a: ModelProfile, b: ModelProfile) -> str:
    """"" when two profiles agree record by record (shapes, MACs, ops, traffic, functional work), else the first difference."""
    if len(a.layers) != len(b.layers):
        return f"{len(a.layers)} records vs {len(b.layers)}"
    fields = ("name", "input_shape", "output_shape", "params", "macs", "other_ops", "read_elements", "write_elements", "functional_macs", "functional_other_ops", "functional_calls", "functional_write_elements", "calls")
    for x, y in zip(a.layers, b.layers):
        for f in fields:
            if getattr(x, f) != getattr(y, f):
                return f"{x.name or '(model)'}: {f} {getattr(x, f)} vs {getattr(y, f)}"
    return ""


# -- the search ------------------------------------------------------------------------------------


@contextlib.contextmanager
def skip_init() -> Iterator[None]:
    """Builds without initialising weights: a ``meta`` tensor has no values to set, yet
    ``kaiming_uniform_`` and friends still run their Python (a fifth of a GhostNet profile).
    Counts do not depend on values; the test suite checks that profiles are identical."""
    from torch import nn

    targets = [
        (nn.modules.conv._ConvNd, "reset_parameters"),
        (nn.Linear, "reset_parameters"),
        (nn.modules.batchnorm._NormBase, "reset_parameters"),
        (nn.modules.batchnorm._NormBase, "reset_running_stats"),
    ]
    saved = [(cls, name, cls.__dict__[name]) for cls, name in targets]
    try:
        for cls, name in targets:
            setattr(cls, name, _nothing)
        yield
    finally:
        for cls, name, fn in saved:
            setattr(cls, name, fn)


def _nothing(self: Any) -> None:
    return None


def grid(spec: Any, axes: Mapping[str, tuple[Any, ...]], fixed: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Every combination of ``axes`` as option values, with options that do not apply dropped.

    An option that has no effect in a combination (``groups`` unless ``conv=grouped``) is
    left at its default there, and combinations made equal by that are kept once.

    Returns:
        The distinct combinations (searched values only), and ``(label, reason)`` of the invalid ones.

    Raises:
        LwprofError: More than :data:`MAX_CONFIGS` combinations, or a searched option that
            applies in none of them.
    """
    total = math.prod(len(v) for v in axes.values())
    if total > MAX_CONFIGS:
        raise LwprofError(f"the grid has {total:,} configurations; at most {MAX_CONFIGS:,} (narrow a --vary range or raise its step)")
    options = {o.name: o for o in spec.options()}  # looked up once: options() reads type hints
    base = {k: options[k].coerce(v) for k, v in fixed.items()}
    combos: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    skipped: list[tuple[str, str]] = []
    applied: set[str] = set()
    for values in itertools.product(*axes.values()):
        combo = dict(zip(axes, values))
        try:
            cfg = spec.config_cls(**{**base, **combo})  # the values are coerced and checked already
        except LwprofError as exc:
            skipped.append((_label(combo), str(exc)))
            continue
        kept = {}
        for key, value in combo.items():
            if any(getattr(cfg, other) != wanted for other, wanted in options[key].applies.items()):
                continue
            kept[key] = value
            applied.add(key)
        signature = tuple(sorted((k, str(v)) for k, v in kept.items()))
        if signature not in seen:
            seen.add(signature)
            combos.append(kept)
    for key in axes:
        if key not in applied and (combos or not skipped):
            spec.check_applies(spec.configure({**fixed, **dict(zip(axes, (v[0] for v in axes.values())))}), key)  # raises with the reason
    return combos, skipped


def _label(combo: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in combo.items())


def fit(
    arch: str,
    axes: Mapping[str, tuple[Any, ...]],
    fixed: Mapping[str, Any],
    calibration: Any,
    budgets: Budgets,
    *,
    objective: str = "macs",
    batch: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> FitResult:
    """Searches the grid of ``axes`` (options fixed by ``fixed``) and picks the best under ``budgets``.

    Args:
        arch: A registered architecture.
        axes: Searched options and their (validated) values.
        fixed: Options fixed for every configuration.
        calibration: The :class:`~lwprof.latency.costmodel.Calibration` that prices every configuration.
        budgets: The budgets.
        objective: "macs" or "latency" (:func:`choose`).
        batch: Batch size of every profile.
        progress: Called with (label, index, total) before each distinct model is walked.
    """
    from lwprof import profiler
    from lwprof.architectures import get_architecture
    from lwprof.latency.predict import calibration_notes, predict_profile
    from lwprof.resolve import resolve, spec_text

    start = time.perf_counter()
    spec = get_architecture(arch)
    combos, skipped = grid(spec, axes, fixed)
    stride = spec.config_cls.TOTAL_STRIDE
    reference = REFERENCE_STRIDES * stride
    by_structure: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for combo in combos:
        rest = tuple(sorted((k, str(v)) for k, v in combo.items() if k != "resolution"))
        by_structure.setdefault(rest, []).append(combo)
    retargeting = "resolution" in axes and "resolution" not in fixed
    checked: dict[tuple[Any, ...], bool] = {}
    notes: list[Note] = list(calibration_notes(calibration))
    walked = 0
    candidates: list[Candidate] = []

    def walk(options: Mapping[str, Any]) -> ModelProfile:
        nonlocal walked
        walked += 1
        with skip_init():
            return profiler.run(resolve(spec.name, options={**fixed, **options}, check_applies=False), batch=batch, dtype=calibration.dtype)

    defaults = {o.name: plain(o.default) for o in spec.options()}

    def add(combo: Mapping[str, Any], params: int, macs: int, seconds: float) -> None:
        values = {k: plain(v) for k, v in combo.items()}
        chosen = {**defaults, **{k: plain(v) for k, v in fixed.items()}, **values}
        non_default = {k: v for k, v in chosen.items() if v != defaults[k]}
        candidates.append(Candidate(_label(combo), values, spec_text(spec.name, non_default), params, macs, seconds))

    def add_profile(combo: Mapping[str, Any], profile: ModelProfile) -> None:
        add(combo, profile.params, profile.macs, predict_profile(profile, calibration).total_s)

    for index, (rest, members) in enumerate(by_structure.items()):
        if progress:
            progress(_label(dict(members[0], resolution="*")) if retargeting else _label(members[0]), index, len(by_structure))
        if not retargeting or len(members) == 1:
            for combo in members:
                try:
                    add_profile(combo, walk(combo))
                except LwprofError as exc:
                    skipped.append((_label(combo), str(exc)))
            continue
        base = {k: v for k, v in members[0].items() if k != "resolution"}
        try:
            ref = walk({**base, "resolution": reference})
        except LwprofError as exc:
            skipped.extend((_label(c), str(exc)) for c in members)
            continue
        discrete = tuple(sorted((k, str(v)) for k, v in base.items() if not isinstance(plain(v), float)))
        if discrete not in checked:
            probe = next((c for c in members if c["resolution"] != reference), members[0])
            try:
                real = walk(probe)
                difference = same_counts(retarget(ref, probe["resolution"], stride), real)
            except CannotRetarget as exc:
                difference = str(exc)
            except LwprofError as exc:  # no check possible: walk each configuration (the failing ones are skipped there)
                difference = f"the check at resolution {probe['resolution']} failed ({exc})"
            checked[discrete] = not difference
            if difference:
                notes.append(Note(Severity.WARNING, f"re-targeting to other resolutions is off for {_label(dict(discrete)) or spec.name}: {difference}; every configuration was walked"))
        scaled = None
        if checked[discrete]:
            try:
                scaled = Scaled(ref, stride, calibration)
            except CannotRetarget as exc:
                notes.append(Note(Severity.WARNING, f"re-targeting is off for {_label(base)}: {exc}; every configuration was walked"))
        for combo in members:
            try:
                if scaled is not None:
                    add(combo, *scaled.at(combo["resolution"]))
                else:
                    add_profile(combo, walk(combo))
            except LwprofError as exc:
                skipped.append((_label(combo), str(exc)))
    front = pareto_front(candidates)
    candidates = [dataclasses.replace(c, front=on, fits=budgets.holds(c.params, c.macs, c.latency_s)) for c, on in zip(candidates, front)]
    best = choose(candidates, objective)
    if not candidates:
        raise LwprofError(f"no valid configuration in the grid: {skipped[0][0]}: {skipped[0][1]}" if skipped else "the grid is empty")
    return FitResult(
        spec.name, dict(axes), dict(fixed), tuple(candidates), best, budgets, objective, tuple(skipped), walked,
        time.perf_counter() - start, calibration.info(), batch, tuple(notes),
    )  # fmt: skip
