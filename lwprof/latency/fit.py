"""``lwprof fit``: the best configuration of an architecture under MACs, params and latency budgets.

The search space is a grid over the architecture's options (:func:`parse_range`: ``KEY=A:B:STEP``
or ``KEY=V1,V2``; by default what each option declares with ``option(search=...)``:
:meth:`~lwprof.architectures.registry.ArchSpec.default_search`), every value checked against the option's declared choices and bounds.
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
from lwprof.latency.terms import LEAF_COUNTS, PARENT_COUNTS, Scale, count_parts, priced_counts
from lwprof.records import LayerRecord, ModelProfile, Note, Severity, plain
from lwprof.resolve import key_values

__all__ = [
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
        elif option.search and ":" not in option.search and option.search.strip().lower() not in ("all", "*"):
            return parse_range(option, option.search)  # the option's declared list of values (MobileNetV1's groups: 2,4,8)
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

    def interval_s(self, candidate: Candidate) -> tuple[float, float] | None:
        """A candidate's predicted latency as an interval (the calibration's held-out factors), or None."""
        factors = self.calibration.get("interval_factors")
        return (candidate.latency_s * factors[0], candidate.latency_s * factors[1]) if factors else None

    def ties(self) -> tuple[Candidate, ...]:
        """Configurations within the budgets that the prediction cannot tell from the choice.

        With ``objective="latency"``: those whose latency intervals overlap the chosen one's.
        With ``objective="macs"`` the choice is by exact MACs, so nothing ties; whether it keeps a
        latency budget is :meth:`latency_at_risk`.
        """
        chosen = self.chosen
        mine = self.interval_s(chosen) if chosen is not None else None
        if chosen is None or mine is None or self.objective != "latency":
            return ()
        out = []
        for c in self.candidates:
            theirs = self.interval_s(c)
            if c is not chosen and c.fits and theirs is not None and theirs[0] <= mine[1] and theirs[1] >= mine[0]:
                out.append(c)
        return tuple(sorted(out, key=lambda c: c.latency_s))

    def latency_at_risk(self) -> bool:
        """The chosen configuration's interval reaches above the latency budget."""
        chosen, budget = self.chosen, self.budgets.max_latency_s
        interval = self.interval_s(chosen) if chosen is not None else None
        return interval is not None and budget is not None and interval[1] > budget

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
            "best_interval_s": list(iv) if self.chosen and (iv := self.interval_s(self.chosen)) else None,
            "ties": [c.label for c in self.ties()],
            "latency_at_risk": self.latency_at_risk(),
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
    r0 = _square_side(profile)
    keys: dict[Any, tuple[int, ...]] = {}
    counts: dict[tuple[int, ...], tuple[int, int]] = {}

    def key(s: tuple[int, ...] | None) -> tuple[int, ...]:
        found = keys.get(s)
        if found is None:
            found = keys[s] = _map_key(s, r0, total_stride)
        return found

    def positions(k: tuple[int, ...]) -> tuple[int, int]:
        found = counts.get(k)
        if found is None:
            found = counts[k] = _positions(k, r0, resolution)
        return found

    def shape(s: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if s is None or len(s) < 3:
            return s
        return (*s[:2], *(-(-resolution // d) if d else 1 for d in key(s)))

    def scaled(value: int, old: int, new: int) -> int:
        if old == new or value == 0:
            return value
        if (value * new) % old:
            raise CannotRetarget(f"{value} x {new} / {old}")
        return value * new // old

    new_records: list[LayerRecord] = []
    own_work: dict[str, tuple[int, int]] = {}
    for r in profile.layers:
        where = {Scale.CONSTANT: (1, 1), Scale.OUTPUT: positions(key(r.output_shape))}
        if r.is_leaf:
            where[Scale.INPUT] = positions(key(r.input_shape))
        changes: dict[str, Any] = {}
        for count in LEAF_COUNTS if r.is_leaf else PARENT_COUNTS:
            changes[count] = sum(scaled(value, *where[scale]) for scale, value in count_parts(r, count))
        own_work[r.name] = (changes["macs"], changes["other_ops"]) if r.is_leaf else (changes["functional_macs"], changes["functional_other_ops"])
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


def _square_side(profile: ModelProfile) -> int:
    """R0 of a profile at R0 x R0 (re-targeting's and :class:`Scaled`'s precondition)."""
    r0 = profile.input_shape[-1]
    if len(profile.input_shape) != 4 or profile.input_shape[-2] != r0:
        raise CannotRetarget("not a square image input")
    return r0


def _map_key(shape: tuple[int, ...] | None, r0: int, total_stride: int) -> tuple[int, ...]:
    """The downsampling D = R0 / h of each spatial dimension of a map (0: a 1 x 1 map after global
    pooling, which stays 1 x 1); () for a shape without spatial dimensions."""
    if shape is None or len(shape) < 3:
        return ()
    out = []
    for h in shape[2:]:
        if h == 1 and r0 > total_stride:
            out.append(0)
        elif r0 % h:
            raise CannotRetarget(f"map of {h} at {r0}")
        else:
            out.append(r0 // h)
    return tuple(out)


def _positions(key: tuple[int, ...], r0: int, resolution: int) -> tuple[int, int]:
    """The positions of a map of downsampling ``key`` at R0 and at ``resolution``: ceil(R / D) per dimension."""
    old = new = 1
    for d in key:
        if d:
            old *= r0 // d
            new *= -(-resolution // d)
    return old, new


def _copy(record: LayerRecord, changes: Mapping[str, Any]) -> LayerRecord:
    """``dataclasses.replace`` without re-running ``__init__`` (its enum checks), for speed: the
    fields changed here are plain integers and shapes."""
    new = object.__new__(LayerRecord)
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


class Scaled:
    """A reference profile reduced to what a search needs at any resolution: params, MACs and predicted seconds.

    The cost model is linear in each record's features (:func:`lwprof.latency.terms.priced_counts`),
    and each count is a constant (calls, weights) plus terms proportional to the positions of the
    record's input or output map (:func:`lwprof.latency.terms.count_parts`: the rules
    :func:`retarget` applies too). So the whole model folds into one sum per downsampling
    factor D, and pricing a resolution R is one multiplication per factor by
    positions(ceil(R / D)) / positions(at R0). MACs stay exact integers (each record's MACs are
    a multiple of its output positions). Equal to ``predict_profile(retarget(profile, R))``
    (the test suite checks it).

    Raises:
        CannotRetarget: As :func:`retarget`.
    """

    def __init__(self, profile: ModelProfile, total_stride: int, calibration: Any) -> None:
        from lwprof.latency.predict import check_dtype

        r0 = self.r0 = _square_side(profile)
        self.stride, self.params = total_stride, profile.params
        check_dtype(profile.dtype, calibration)
        bpe = calibration.bytes_per_element
        coefficients = {kind: cost.coefficients for kind, cost in calibration.kinds.items()}
        network = coefficients["network"]
        from lwprof.latency.fusion import assign

        placed = assign(profile, calibration.fusions, calibration.kinds) if calibration.fusions else {}
        run = coefficients.get("run", {}).get("calls", 0.0)  # a runtime's per-run overhead
        self.seconds: dict[tuple[int, ...], float] = {(): run} if run else {}
        self.macs: dict[tuple[int, ...], int] = {}
        for r in profile.layers:
            if not r.calls:
                continue
            keys = {Scale.CONSTANT: (), Scale.OUTPUT: _map_key(r.output_shape, r0, total_stride)}
            if r.is_leaf:
                keys[Scale.INPUT] = _map_key(r.input_shape, r0, total_stride)
            for kind, feature, count, leaf in priced_counts(r, placed.get(r.name)):
                name = feature.name
                rate = coefficients[kind].get(name, 0.0) + (network.get(name, 0.0) if leaf else 0.0)
                size = bpe if feature.per_byte else 1
                for scale, value in count_parts(r, count):
                    if value:
                        k = keys[scale]
                        self.seconds[k] = self.seconds.get(k, 0.0) + rate * value * size
                        if name == "macs":
                            self.macs[k] = self.macs.get(k, 0) + value

    def at(self, resolution: int) -> tuple[int, int, float]:
        """(params, MACs, predicted seconds) at ``resolution`` x ``resolution``."""
        seconds = 0.0
        for k, value in self.seconds.items():
            old, new = _positions(k, self.r0, resolution)
            seconds += value * new / old
        macs = 0
        for k, value in self.macs.items():
            old, new = _positions(k, self.r0, resolution)
            macs += value * new // old
        return self.params, macs, seconds


def _retarget_difference(
    ref: ModelProfile, members: Sequence[Mapping[str, Any]], reference: int, stride: int, walk: Callable[[Mapping[str, Any]], ModelProfile]
) -> str:
    """"" when ``ref`` re-targeted to another resolution of ``members`` equals a real walk there, else why not."""
    probe = next((c for c in members if c["resolution"] != reference), members[0])
    try:
        real = walk(probe)  # first: the walk counts as profiled even when re-targeting then fails
        return same_counts(retarget(ref, probe["resolution"], stride), real)
    except CannotRetarget as exc:
        return str(exc)
    except LwprofError as exc:  # no check possible: walk each configuration (the failing ones are skipped there)
        return f"the check at resolution {probe['resolution']} failed ({exc})"


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


MEASURE_LIMIT = 8  # finalists whose kernels ``fit --measure`` times at most


def finalists(result: FitResult, limit: int = MEASURE_LIMIT) -> tuple[Candidate, ...]:
    """The configurations whose exact kernels are worth measuring (``fit --measure``): the choice, its ties,
    and, with a latency budget, the front's configurations within the MACs and params budgets whose interval
    reaches across it (the prediction cannot say on which side they fall); at most ``limit``, in that order."""
    out: list[Candidate] = []
    chosen, budget = result.chosen, result.budgets.max_latency_s
    for c in ((chosen,) if chosen is not None else ()) + result.ties():
        if c not in out:
            out.append(c)
    if budget is not None:
        counts_fit = Budgets(result.budgets.max_macs, result.budgets.max_params, None)
        near = sorted(result.front, key=lambda c: abs(c.latency_s - budget))
        for c in near:
            low, high = result.interval_s(c) or (c.latency_s, c.latency_s)
            if c not in out and counts_fit.holds(c.params, c.macs, 0.0) and low <= budget <= high:
                out.append(c)
    return tuple(out[:limit])


def repriced(result: FitResult, prices: Mapping[str, float]) -> FitResult:
    """``result`` with the configurations of ``prices`` (spec -> seconds) at their new latency, the front, the
    budgets and the choice worked out again."""
    candidates = [dataclasses.replace(c, latency_s=prices[c.spec]) if c.spec in prices else c for c in result.candidates]
    front = pareto_front(candidates)
    candidates = [dataclasses.replace(c, front=on, fits=result.budgets.holds(c.params, c.macs, c.latency_s)) for c, on in zip(candidates, front)]
    return dataclasses.replace(result, candidates=tuple(candidates), best=choose(candidates, result.objective))


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
    if getattr(calibration, "regressors", None):
        notes.append(Note(Severity.INFO, "fit prices every configuration with the linear per-kind model (linear in the counts, so re-targeted exactly); --predict also uses the per-kernel regressors"))
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
        add(combo, profile.params, profile.macs, predict_profile(profile, calibration, regressors=False).total_s)  # linear: what Scaled folds

    for index, members in enumerate(by_structure.values()):
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
            difference = _retarget_difference(ref, members, reference, stride, walk)
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
