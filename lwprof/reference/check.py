"""``lwprof check``: recompute every published number and compare, convention by convention.

Each :class:`~lwprof.reference.published.Reference` names a model (an architecture and its
options, or one layer), a quantity and a counting convention. :func:`run_checks` profiles each
distinct model once (analytically, no cross-check), evaluates the quantity under the entry's
convention and returns one :class:`CheckResult` per entry:

* "pass": ``|computed - published| <= tolerance`` (half a unit of the printed last decimal
  unless the entry gives a wider tolerance and its reason); for a source that truncates
  instead of rounding (``truncated=True``), ``published <= computed < published + 1 unit``;
* "known gap": the entry records that no convention reproduces the number, and the
  difference is still the recorded one, ``|difference - expected_discrepancy| <= tolerance``;
* "fail": anything else, including a known gap that has drifted (or closed).

This module does not import torch until :func:`run_checks` runs, and does not render: the
CLI and :mod:`lwprof.reports` turn the results into tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lwprof.errors import LwprofError
from lwprof.records import CheckStatus, LayerKind, plain
from lwprof.reference.published import CONVENTION_NAMES, REFERENCES, Reference

if TYPE_CHECKING:
    from lwprof.records import LayerRecord, ModelProfile

__all__ = [
    "STATUSES",
    "CheckResult",
    "cells",
    "evaluate",
    "format_value",
    "model_label",
    "printed_decimals",
    "quantity_value",
    "run_checks",
    "select",
    "summarize",
]

STATUSES = tuple(CheckStatus)
BASE_RESOLUTION = 224  # MobileNetV1 eq. 7: rho = resolution / 224
_EPS = 1e-9


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one reference entry.

    Attributes:
        source: Paper (arXiv id) and table, e.g. "MobileNetV1 (arXiv 1704.04861) Table 6".
        model: The model checked, e.g. "mobilenet_v1 alpha=0.5" or "layer 3x3 512->512 @14x14 dwsep".
        quantity: "params", "MACs", "MACs share Conv 1x1", ...
        published: The published value, in ``unit``.
        unit: "M" (millions) or "%" (share of the total).
        computed: lwprof's value under ``convention``, in ``unit``.
        difference: ``computed - published``.
        tolerance: The largest ``|difference|`` that passes (around the recorded gap for a
            known gap).
        convention: The counting convention, in words.
        status: "pass", "fail" or "known gap".
        note: The paper's row, the explanation of a known gap, values under other conventions,
            and for a failure what went wrong.
    """

    source: str
    model: str
    quantity: str
    published: float
    unit: str
    computed: float
    difference: float
    tolerance: float
    convention: str
    status: CheckStatus
    note: str

    def cells(self) -> tuple[str, str, str, str]:
        """(published, computed, difference, tolerance) as table cells at the paper's precision."""
        published, computed, difference = cells(self)
        tolerance = f"{self.tolerance * 1e6:g}" if _is_count(self.published, self.unit) else f"{self.tolerance:g}"
        return published, computed, difference, tolerance


Progress = Callable[[str, int, int], None]


def select(arch: str | None = None, entries: Iterable[Reference] | None = None) -> list[Reference]:
    """The entries to check: all of them, or those of one architecture.

    Args:
        arch: Architecture name or alias; None for every entry.
        entries: The entries to choose from (default: the package's reference table).

    Raises:
        LwprofError: Unknown architecture.
    """
    pool = list(REFERENCES if entries is None else entries)
    if arch is None:
        return pool
    from lwprof.architectures import get_architecture

    name = get_architecture(arch).name
    return [e for e in pool if e.arch == name]


def run_checks(
    arch: str | None = None,
    progress: Progress | None = None,
    entries: Iterable[Reference] | None = None,
) -> list[CheckResult]:
    """Checks published numbers against lwprof's counts.

    Args:
        arch: Only the entries of this architecture (name or alias); None for all.
        progress: Called with (a model's label, index, number of models) before it is profiled.
        entries: Check these entries instead of the package's table (tests inject wrong ones).

    Returns:
        One result per entry, in the entries' order.

    Raises:
        LwprofError: Unknown architecture.
    """
    chosen = select(arch, entries)
    cache: dict[tuple[Any, ...], Any] = {}
    results = []
    models = len({_model_key(ref) for ref in chosen})
    for ref in chosen:
        key = _model_key(ref)
        if key not in cache:
            if progress:
                progress(_model_progress(ref), len(cache), models)
            cache[key] = _profile(ref)
        prof = cache[key]
        if ref.layer is not None:  # one profile per variant of the layer
            prof = _pick_variant(ref, prof)
        results.append(evaluate(ref, prof))
    return results


def evaluate(ref: Reference, profile: ModelProfile) -> CheckResult:
    """Compares one entry with a profile of its model.

    Args:
        ref: The reference entry.
        profile: The profile of ``ref``'s model (the layer variant for a one-layer entry).

    Returns:
        The entry's result.
    """
    computed = quantity_value(profile, ref.quantity, ref.convention, ref.unit)
    difference = computed - ref.published
    tol = ref.effective_tolerance
    slack = tol + _EPS * max(1.0, abs(ref.published))  # float noise only, far below any rounding
    notes = [ref.label]
    if ref.note:
        notes.append(ref.note)
    if ref.expected_discrepancy is None and ref.truncated:
        # The source cuts to the printed digit: the count must lie in [printed, printed + 1 unit).
        eps = _EPS * max(1.0, abs(ref.published))
        status = CheckStatus.PASS if -eps <= difference < ref.step else CheckStatus.FAIL
        if status is CheckStatus.FAIL:
            notes.append(f"off by {_signed(difference)} {ref.unit}: a truncated {ref.published} needs a count in [{ref.published}, {ref.published} + {_signed(ref.step)})")
    elif ref.expected_discrepancy is None:
        status = CheckStatus.PASS if abs(difference) <= slack else CheckStatus.FAIL
        if status is CheckStatus.FAIL:
            notes.append(f"off by {_signed(difference)} {ref.unit}, more than the tolerance {_signed(tol)}")
    else:
        gap = ref.expected_discrepancy
        if abs(difference - gap) <= slack:
            status = CheckStatus.KNOWN_GAP
            notes.append(f"known gap of {_signed(gap)} {ref.unit}: {ref.discrepancy_reason}")
        elif abs(difference) <= slack:
            status = CheckStatus.FAIL
            notes.append(f"the recorded gap of {_signed(gap)} {ref.unit} has closed (now {_signed(difference)}): update the entry")
        else:
            status = CheckStatus.FAIL
            notes.append(f"the known gap drifted: recorded {_signed(gap)} {ref.unit}, now {_signed(difference)} (tolerance {_signed(tol)})")
    if ref.tolerance is not None and ref.tolerance > ref.rounding:
        notes.append(f"tolerance widened to {_signed(tol)}: {ref.tolerance_reason}")
    if ref.also:
        others = ", ".join(
            f"{CONVENTION_NAMES[c]}: {format_value(quantity_value(profile, ref.quantity, c, ref.unit), ref.unit, ref.decimals + 2)}"
            for c in ref.also
        )
        notes.append(f"other conventions: {others}")
    return CheckResult(
        source=ref.citation,
        model=model_label(ref),
        quantity=ref.quantity,
        published=float(ref.published),
        unit=ref.unit,
        computed=computed,
        difference=difference,
        tolerance=tol,
        convention=CONVENTION_NAMES[ref.convention],
        status=status,
        note="; ".join(notes),
    )


def quantity_value(profile: ModelProfile, quantity: str, convention: str, unit: str = "M") -> float:
    """One quantity of a profile under one convention.

    Args:
        profile: The model's profile.
        quantity: "params", "MACs", "params share <row>" or "MACs share <row>", where <row> is
            a row of MobileNetV1's Table 2 (:data:`TABLE_ROWS`).
        convention: A key of :data:`~lwprof.reference.published.CONVENTION_NAMES`.
        unit: "M" for millions; "%" for a share (then ``quantity`` names the row).

    Returns:
        The value in ``unit``.

    Raises:
        ValueError: A quantity or convention this module does not know (a bad entry).
    """
    kind, _, rest = quantity.partition(" ")
    category = rest.removeprefix("share ").strip() if rest else None
    if convention not in _RULES:
        raise ValueError(f"no rule for convention {convention!r}")
    if not convention.startswith(kind.lower() + "/"):
        raise ValueError(f"convention {convention!r} does not measure {kind!r}")
    rule = _RULES[convention]
    leaves = list(profile.leaves())
    total = sum(rule(r, profile) for r in leaves)
    if category is None:
        if unit != "M":
            raise ValueError(f"quantity {quantity!r} is a total: its unit is 'M', not {unit!r}")
        return total / 1e6
    if unit != "%":
        raise ValueError(f"quantity {quantity!r} is a share: its unit is '%', not {unit!r}")
    selects = TABLE_ROWS.get(category)
    if selects is None:
        raise ValueError(f"no layer selector for the row {category!r} (known: {', '.join(TABLE_ROWS)})")
    mine = [r for r in leaves if selects(r)]
    if not mine:
        raise ValueError(f"the model has no layers of the row {category!r}")
    part = sum(rule(r, profile) for r in mine)
    return 100.0 * part / total


def model_label(ref: Reference) -> str:
    """The checked model in words: "mobilenet_v1 alpha=0.5 resolution=160", "layer 3x3 512->512 @14x14 dwsep"."""
    if ref.layer is not None:
        lay = ref.layer
        k = lay["kernel"]
        bias = " +bias" if lay.get("bias") else ""
        return f"layer {k}x{k} {lay['in']}->{lay['out']} @{lay['size']}x{lay['size']} {lay['conv']}{bias}"
    opts = " ".join(f"{k}={plain(v)}" for k, v in ref.config.items())
    return f"{ref.arch} {opts}".strip()


def cells(result: CheckResult) -> tuple[str, str, str]:
    """Published, computed and difference of a result as table cells, at the paper's precision.

    The published value keeps its printed decimals (read back from the tolerance); the
    computed value and the difference get two more. Worked examples come out as whole counts.

    Args:
        result: A check result.

    Returns:
        ``(published, computed, difference)``, e.g. ``("569 M", "568.74 M", "-0.26 M")``.
    """
    d = printed_decimals(result.tolerance)
    published = format_value(result.published, result.unit, d)
    computed = format_value(result.computed, result.unit, d + 2)
    if _is_count(result.published, result.unit):
        n = round(result.difference * 1e6)
        difference = f"{n:+,d}" if n else "0"
    else:
        difference = f"{result.difference:+,.{d + 2}f} {result.unit}"
    return published, computed, difference


def printed_decimals(tolerance: float) -> int:
    """The decimals a default tolerance stands for: 0.5 -> 0, 0.05 -> 1, 0.005 -> 2."""
    return max(0, round(math.log10(0.5 / tolerance))) if tolerance > 0 else 0


def format_value(value: float, unit: str, decimals: int) -> str:
    """A value as a table cell: "4.2 M", "94.86 %"; below 0.1 M a whole count ("72", "10,368").

    Args:
        value: The value in ``unit``.
        unit: "M" or "%".
        decimals: Decimals to show (in ``unit``); ignored for a whole count.
    """
    if _is_count(value, unit):
        return f"{round(value * 1e6):,d}"
    return f"{value:,.{decimals}f} {unit}"


def _is_count(value: float, unit: str) -> bool:
    return unit == "M" and value != 0 and abs(value) < 0.1


# --------------------------------------------------------------------------- internals


def _weights(r: LayerRecord) -> int:
    """Weight elements of a conv or linear leaf (its bias left out)."""
    if r.input_shape is None or r.output_shape is None:
        return 0
    if r.kind is LayerKind.LINEAR or r.type == "Linear":
        return r.input_shape[-1] * r.output_shape[-1]
    if r.conv is not None:
        return r.output_shape[1] * (r.input_shape[1] // r.conv.groups) * math.prod(r.conv.kernel)
    return 0


def _is_bn(r: LayerRecord) -> bool:
    return r.kind is LayerKind.BATCHNORM or r.type.startswith("BatchNorm")  # its type too: a BatchNorm counted at the op level


def _is_fc(r: LayerRecord) -> bool:
    return r.kind is LayerKind.LINEAR


def _conv_row(kernel: tuple[int, int], *, depthwise: bool = False) -> Callable[[LayerRecord], bool]:
    def selects(r: LayerRecord) -> bool:
        c = r.conv
        return r.kind is LayerKind.CONV and c is not None and c.kernel == kernel and (c.depthwise if depthwise else c.groups == 1)

    return selects


#: The rows of MobileNetV1's Table 2 ("Resource per layer type") that published shares name,
#: as the layers they cover: chosen by kind and conv structure, never by a display label.
TABLE_ROWS: dict[str, Callable[[LayerRecord], bool]] = {
    "Conv 1x1": _conv_row((1, 1)),
    "Conv DW 3x3": _conv_row((3, 3), depthwise=True),
    "Conv 3x3": _conv_row((3, 3)),
    "FC": _is_fc,
}


def _rho2(r: LayerRecord, profile: ModelProfile) -> float:
    if not _is_fc(r):
        return r.macs
    resolution = profile.config.get("resolution", BASE_RESOLUTION)
    return r.macs * (resolution / BASE_RESOLUTION) ** 2


_RULES: dict[str, Callable[[LayerRecord, ModelProfile], float]] = {
    "params/all": lambda r, p: r.params,
    "params/no-bn": lambda r, p: 0 if _is_bn(r) else r.params,
    "params/weights": lambda r, p: _weights(r) if r.params else 0,
    "params/all-but-fc-bias": lambda r, p: _weights(r) if _is_fc(r) else r.params,
    "macs/conv+fc": lambda r, p: r.macs,
    "macs/conv": lambda r, p: 0 if _is_fc(r) else r.macs,
    # Conv MACs scale exactly with rho^2 when the resolution is a multiple of 32, so this is
    # the 224 count x rho^2 while still profiling the model at its own resolution.
    "macs/rho2": _rho2,
}

missing = set(CONVENTION_NAMES) - set(_RULES)
if missing:  # pragma: no cover - a programming error, caught on import
    raise ValueError(f"conventions without a rule: {sorted(missing)}")
del missing


def _model_key(ref: Reference) -> tuple[Any, ...]:
    """One key per model to profile; a layer's variants (standard, dwsep, ...) share one."""
    if ref.layer is not None:
        return ("layer", tuple(sorted((k, plain(v)) for k, v in ref.layer.items() if k != "conv")))
    from lwprof.architectures import get_architecture

    spec = get_architecture(ref.arch)  # defaults filled in: {} and {"alpha": 1.0} are one model
    return (spec.name, tuple(sorted(spec.configure(ref.config).as_dict().items())))


def _model_progress(ref: Reference) -> str:
    if ref.layer is None:
        return model_label(ref)
    return model_label(ref).rsplit(" ", 2 if ref.layer.get("bias") else 1)[0] + " (all variants)"


def _profile(ref: Reference) -> Any:
    """The profile of a whole-model entry, or the (label, profile) variants of a layer entry."""
    from lwprof import profiler
    from lwprof.resolve import resolve

    if ref.layer is None:
        return profiler.run(resolve(ref.arch, options=dict(ref.config)))
    lay = {k: v for k, v in ref.layer.items() if k != "conv"}
    return profiler.layer_variants(lay.pop("in"), lay.pop("out"), lay.pop("kernel"), lay.pop("size"), **lay)


def _pick_variant(ref: Reference, variants: list[tuple[str, ModelProfile]]) -> ModelProfile:
    conv = str(plain((ref.layer or {}).get("conv")))
    for label, prof in variants:
        if label == conv:
            return prof
    raise LwprofError(f"{ref.where}: layer variant {conv!r} is not one of {', '.join(v[0] for v in variants)}")



def _signed(x: float) -> str:
    return f"{x:+.4g}" if x else "0"


def summarize(results: Iterable[CheckResult]) -> Mapping[str, int]:
    """How many results have each status, e.g. {"pass": 58, "known gap": 4, "fail": 0}."""
    counts = {str(s): 0 for s in STATUSES}
    for r in results:
        counts[str(r.status)] += 1
    return counts
