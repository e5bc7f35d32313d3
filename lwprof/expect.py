"""Counts as a contract: pinned expectations and budgets for a team's own CI.

An expectations file is TOML with one ``[[model]]`` table per model::

    # lwprof expectations (lwprof check --expect FILE)
    [[model]]
    spec = "mobilenet@alpha=0.5"        # zoo name@options, or path/file.py:Class@kwargs
    input_size = [3, 160, 160]          # optional (C, H, W)
    params = 1331592                    # an exact value ...
    macs = "<= 80M"                     # ... or a budget: <=, <, >=, > with k/M/G/T units
    peak_activation_bytes = { value = "6.2M", tolerance = "2%" }   # a value with a tolerance

Quantities: ``params``, ``trainable_params``, ``macs``, ``flops``, ``peak_activation_bytes``.
A tolerance is relative ("1%") or absolute ("2M"). :func:`verify` profiles each model once and
checks every quantity; :func:`pin` writes the current counts as a new file, or updates the
entries it names in an existing one.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError
from lwprof.records import CheckStatus, ModelProfile, Quantity
from lwprof.resolve import parse_spec
from lwprof.units import human, parse_count

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Bound", "ExpectResult", "Expectation", "load", "over_budget", "parse_bound", "parse_budgets", "parse_spec", "pin", "pin_file", "verify"]

QUANTITIES = tuple(q.value for q in (Quantity.PARAMS, Quantity.TRAINABLE_PARAMS, Quantity.MACS, Quantity.FLOPS, Quantity.PEAK_ACTIVATION_BYTES))
_KEYS = {"spec", "input_size", "batch", *QUANTITIES}
_BOUND = re.compile(r"^\s*(<=|>=|==|<|>)?\s*([^±+]+?)\s*(?:(?:±|\+-|\+/-)\s*(\S+))?\s*$")


@dataclass(frozen=True)
class Bound:
    """An expected value or a budget for one quantity.

    Attributes:
        op: One of "==", "<=", "<", ">=", ">".
        value: The expected value or the budget.
        tolerance: Allowed absolute deviation for "==" (0 = exact).
        text: The bound as written, for tables.
    """

    op: str
    value: int
    tolerance: int = 0
    text: str = ""

    def holds(self, measured: int) -> bool:
        if self.op == "==":
            return abs(measured - self.value) <= self.tolerance
        return {"<=": measured <= self.value, "<": measured < self.value, ">=": measured >= self.value, ">": measured > self.value}[self.op]

    def __str__(self) -> str:
        return self.text or (f"{self.value}" if self.op == "==" else f"{self.op} {self.value}")


@dataclass(frozen=True)
class Expectation:
    """One ``[[model]]`` entry."""

    spec: str
    bounds: dict[str, Bound]
    input_size: tuple[int, ...] | None = None
    batch: int = 1
    line: int = 0


@dataclass(frozen=True)
class ExpectResult:
    """One checked quantity: a row of ``lwprof check --expect``."""

    model: str
    quantity: str
    expected: str
    measured: int
    difference: int
    status: CheckStatus  # PASS or FAIL
    extra: dict[str, Any] = field(default_factory=dict)


def parse_bound(value: Any, tolerance: Any = None) -> Bound:
    """Reads ``1331592``, ``"<= 300M"``, ``"3.5M ± 1%"`` or a value with a tolerance.

    Raises:
        LwprofError: The text is not a count with an optional comparison and tolerance.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise LwprofError(f"expected a count or a budget such as '<= 300M', got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise LwprofError(f"expected a whole count, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise LwprofError(f"a count must not be negative, got {value!r}")
        op, number, tol_text = "==", int(value), tolerance
    else:
        match = _BOUND.match(value)
        if not match:
            raise LwprofError(f"cannot read {value!r} as a budget; write e.g. 1331592, '<= 300M' or '3.5M ± 1%'")
        op, number, tol_text = match.group(1) or "==", parse_count(match.group(2)), match.group(3) or tolerance
    tol = 0
    if tol_text is not None:
        if op != "==":
            raise LwprofError(f"a tolerance only applies to an exact value, not to the budget {value!r}")
        tol_str = str(tol_text).strip()
        if tol_str.endswith("%"):
            try:
                percent = float(tol_str[:-1])
            except ValueError:
                percent = float("nan")
            if not math.isfinite(percent) or percent < 0:
                raise LwprofError(f"cannot read tolerance {tol_text!r}: write a percentage such as 1% or a count such as 2M")
            tol = round(number * percent / 100)
        else:
            tol = parse_count(tol_str)
    text = value if isinstance(value, str) else f"{number:,}"
    if tolerance is not None and not isinstance(value, str):
        text = f"{number:,} ± {tolerance}"
    return Bound(op, number, tol, text.strip())


def load(path: str | Path) -> list[Expectation]:
    """Reads an expectations file.

    Raises:
        LwprofError: The file is missing or malformed; the message names the line and key.
    """
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise LwprofError(f"cannot read expectations file {str(path)!r}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LwprofError(f"{path}: not valid TOML: {exc}") from None
    headers = [i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith("[[model]]")]
    unknown_top = set(data) - {"model"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise LwprofError(f"{path}:{_line_of(text, key, 1)}: unknown key {key!r}; entries go in [[model]] tables")
    models = data.get("model", [])
    if not models:
        raise LwprofError(f"{path}: no [[model]] entries")
    out = []
    for index, entry in enumerate(models):
        start = headers[index] if index < len(headers) else 1
        where = lambda key: f"{path}:{_line_of(text, key, start)}"  # noqa: E731
        if "spec" not in entry:
            raise LwprofError(f"{path}:{start}: [[model]] entry has no 'spec'")
        for key in entry:
            if key not in _KEYS:
                raise LwprofError(f"{where(key)}: unknown key {key!r}; allowed: {', '.join(sorted(_KEYS))}")
        bounds = {}
        for key in QUANTITIES:
            if key not in entry:
                continue
            raw = entry[key]
            try:
                bounds[key] = parse_bound(raw["value"], raw.get("tolerance")) if isinstance(raw, dict) else parse_bound(raw)
            except (LwprofError, KeyError) as exc:
                detail = str(exc) if isinstance(exc, LwprofError) else "a table needs a 'value'"
                raise LwprofError(f"{where(key)}: {key}: {detail}") from None
        if not bounds:
            raise LwprofError(f"{path}:{start}: entry {entry['spec']!r} pins nothing; add params, macs, ...")
        size = entry.get("input_size")
        if size is not None and (not isinstance(size, list) or not all(isinstance(s, int) and s > 0 for s in size)):
            raise LwprofError(f"{where('input_size')}: input_size must be a list of positive integers, e.g. [3, 224, 224]")
        batch = entry.get("batch", 1)
        if not isinstance(batch, int) or batch < 1:
            raise LwprofError(f"{where('batch')}: batch must be a positive integer")
        out.append(Expectation(str(entry["spec"]), bounds, tuple(size) if size else None, batch, start))
    return out


def measure_spec(spec: str, input_size: Sequence[int] | None = None, batch: int = 1) -> dict[str, int]:
    """Profiles one spec (``name@options`` or ``file.py:Class@kwargs``); every pinnable quantity."""
    from lwprof import profiler
    from lwprof.resolve import resolve

    p = profiler.run(resolve(spec, inputs=input_size), batch=batch)
    return quantities_of(p)


def quantities_of(p: ModelProfile) -> dict[str, int]:
    """Every pinnable quantity of a profile."""
    return {
        "params": p.params,
        "trainable_params": p.trainable_params,
        "macs": p.macs,
        "flops": p.flops,
        "peak_activation_bytes": p.peak_activation_bytes or 0,
    }


def verify(expectations: Sequence[Expectation], progress: Callable[[str, int, int], None] | None = None) -> list[ExpectResult]:
    """Profiles every model once and checks each pinned quantity."""
    results = []
    for i, exp in enumerate(expectations):
        if progress:
            progress(exp.spec, i, len(expectations))
        measured = measure_spec(exp.spec, exp.input_size, exp.batch)
        for quantity, bound in exp.bounds.items():
            value = measured[quantity]
            status = CheckStatus.PASS if bound.holds(value) else CheckStatus.FAIL
            results.append(ExpectResult(exp.spec, quantity, str(bound), value, value - bound.value, status))
    return results


def parse_budgets(**limits: str | None) -> list[tuple[str, Bound]]:
    """``--max-macs 300M`` and friends as (quantity, bound "<= value"), read before any work.

    Raises:
        LwprofError: A limit that is not a count such as 300M.
    """
    out = []
    for quantity, text in limits.items():
        if text is None:
            continue
        try:
            out.append((quantity, Bound("<=", parse_count(text), 0, text)))
        except LwprofError as exc:
            raise LwprofError(f"--max-{quantity.replace('_', '-')}: {exc}") from None
    return out


def over_budget(profile: ModelProfile, budgets: Sequence[tuple[str, Bound]]) -> list[str]:
    """One line per exceeded budget."""
    values = quantities_of(profile)
    lines = []
    for quantity, bound in budgets:
        value = values[quantity]
        if not bound.holds(value):
            flag = f"--max-{quantity.replace('_', '-')}"
            lines.append(f"OVER BUDGET: {flag} {bound.text}: measured {value:,} ({human(value)}) exceeds {bound.value:,} by {value - bound.value:,}")
    return lines


def pin_file(specs: Sequence[str], path: str | Path, input_size: Sequence[int] | None = None, quantities: Sequence[str] | None = None) -> Path:
    """Writes (or updates) the expectations file ``path`` atomically; returns its path."""
    from lwprof.render.export import check_writable, write_atomic

    check_writable(path, force=True)
    text = pin(specs, existing=path, input_size=input_size, quantities=tuple(quantities or ("params", "macs", "peak_activation_bytes")))
    return write_atomic(path, text, force=True)


def pin(specs: Sequence[str], existing: str | Path | None = None, input_size: Sequence[int] | None = None, quantities: Sequence[str] = ("params", "macs", "peak_activation_bytes")) -> str:
    """The TOML text pinning the current counts of ``specs``.

    Args:
        specs: Model specs (``name@options`` or ``file.py:Class@kwargs``).
        existing: An expectations file to update: entries with the same spec (and input
            size) are replaced, the others kept in order.
        input_size: (C, H, W) for every spec (optional for zoo models).
        quantities: What to pin, as exact values.
    """
    for q in quantities:
        if q not in QUANTITIES:
            raise LwprofError(f"cannot pin {q!r}; choose from {', '.join(QUANTITIES)}")
    entries: list[tuple[str, tuple[int, ...] | None, int, dict[str, Any]]] = []
    if existing is not None and Path(existing).exists():
        for e in load(existing):
            entries.append((e.spec, e.input_size, e.batch, {k: _bound_to_toml(b) for k, b in e.bounds.items()}))
    size = tuple(input_size) if input_size else None
    for spec in specs:
        measured = measure_spec(spec, size)
        values = {q: measured[q] for q in quantities}
        for i, (s, sz, b, _) in enumerate(entries):
            if s == spec and sz == size:
                entries[i] = (spec, size, b, values)
                break
        else:
            entries.append((spec, size, 1, values))
    lines = ["# lwprof expectations: verify with `lwprof check --expect FILE`, regenerate with `lwprof pin`.", ""]
    for spec, sz, batch, values in entries:
        lines.append("[[model]]")
        lines.append(f"spec = {_toml(spec)}")
        if sz:
            lines.append(f"input_size = {_toml(list(sz))}")
        if batch != 1:
            lines.append(f"batch = {batch}")
        for key, value in values.items():
            comment = f"  # {human(value)}" if isinstance(value, int) and value >= 1000 else ""
            lines.append(f"{key} = {_toml(value)}{comment}")
        lines.append("")
    return "\n".join(lines)


def _bound_to_toml(bound: Bound) -> Any:
    if bound.op == "==" and not bound.tolerance:
        return bound.value
    if bound.op == "==":
        return {"value": bound.value, "tolerance": bound.tolerance}
    return bound.text


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _line_of(text: str, key: str, start: int) -> int:
    """The line number of ``key = ...`` at or after line ``start`` (1-based)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i, line in enumerate(text.splitlines()[start - 1 :], start):
        if pattern.match(line):
            return i
    return start
