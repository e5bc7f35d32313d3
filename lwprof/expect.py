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

A user model's file path in a ``spec`` is relative to the expectations file's folder (so a
check passes from any directory; a path that only exists relative to the working directory,
as older files have it, is still found). :func:`pin_file` writes it that way, changes only the
values it pins (comments, budgets and every other entry stay as written: tomlkit), and locks
the file while it reads, updates and atomically replaces it, so concurrent pins keep every entry.
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError
from lwprof.records import CheckStatus, ModelProfile, Quantity
from lwprof.resolve import locate_spec, parse_spec, relative_spec
from lwprof.units import human, human_bytes, parse_budget, parse_count

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Bound", "ExpectResult", "Expectation", "load", "over_budget", "parse_bound", "parse_budgets", "parse_spec", "pin", "pin_file", "verify"]

QUANTITIES = tuple(q.value for q in (Quantity.PARAMS, Quantity.TRAINABLE_PARAMS, Quantity.MACS, Quantity.FLOPS, Quantity.PEAK_ACTIVATION_BYTES))
_KEYS = {"spec", "input_size", "batch", *QUANTITIES}
MAX_FILE_BYTES = 1 << 20  # an expectations file is a few KB; more is not one (or /dev/zero)
DEFAULT_QUANTITIES = ("params", "macs", "peak_activation_bytes")
HEADER = "# lwprof expectations: verify with `lwprof check --expect FILE`, regenerate with `lwprof pin`."
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
    batch: int | None = None  # None: not given (1; an ONNX graph's fixed batch as it is)
    line: int = 0  # of its spec
    file: str = ""  # the expectations file: a relative model file in ``spec`` is found from its folder

    @property
    def located_spec(self) -> str:
        """The spec with a relative model file path made relative to the working directory."""
        folder = os.path.dirname(self.file)
        return locate_spec(self.spec, folder) if folder else self.spec


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
            if not math.isfinite(percent) or percent < 0 or not math.isfinite(number * percent):
                raise LwprofError(f"cannot read tolerance {tol_text!r}: write a percentage such as 1% or a count such as 2M")
            tol = round(number * percent / 100)
        else:
            tol = parse_count(tol_str)
    text = value if isinstance(value, str) else f"{number:,}"
    if tolerance is not None and not isinstance(value, str):
        text = f"{number:,} ± {tolerance}"
    return Bound(op, number, tol, text.strip())


def read_file(path: str | Path) -> str:
    """The text of an expectations file: UTF-8 (a BOM allowed) or UTF-16 with a BOM, at most
    :data:`MAX_FILE_BYTES`; a regular file or a pipe (``--expect /dev/stdin``).

    Raises:
        LwprofError: Missing, a folder or device, too large, binary, or not UTF-8 text.
    """
    shown = repr(str(path))
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise LwprofError(f"cannot read expectations file {shown}: it is not a regular file (a device or socket)")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise LwprofError(f"cannot read expectations file {shown}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LwprofError(f"cannot read expectations file {shown}: it is larger than {human_bytes(MAX_FILE_BYTES)}; an expectations file is a few KB of TOML")
    return decode(raw, str(path))


def decode(raw: bytes, path: str) -> str:
    """TOML text from bytes: UTF-8 (BOM dropped), or UTF-16 marked by its BOM.

    Raises:
        LwprofError: Binary data or bytes that are not UTF-8, with the line of the first bad byte.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise LwprofError(f"{path}: starts like UTF-16 but is not; TOML files are UTF-8 text") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        raise LwprofError(f"{path}: a binary file (it holds NUL bytes), not TOML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LwprofError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); TOML files are UTF-8: convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None


def parse_toml(text: str, path: str) -> dict[str, Any]:
    """Parses TOML text; every failure is one line naming the file.

    Raises:
        LwprofError: Invalid TOML, a number with more digits than Python reads, nesting too deep.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LwprofError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise LwprofError(f"{path}: not usable TOML: arrays or tables nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more than 4300 digits
        raise LwprofError(f"{path}: not usable TOML: {str(exc).split(':')[0].split(';')[0] or type(exc).__name__}") from None


def load(path: str | Path) -> list[Expectation]:
    """Reads an expectations file.

    Raises:
        LwprofError: The file is missing or malformed; the message names the line and key.
    """
    return parse(read_file(path), str(path))


def parse(text: str, path: str = "<text>", allow_empty: bool = False) -> list[Expectation]:
    """The entries of an expectations file's text (``path`` for messages and relative specs).

    Args:
        text: The TOML text.
        path: The file it came from.
        allow_empty: Accept a file without entries (``lwprof pin`` into a new, commented file).

    Raises:
        LwprofError: Malformed; the message names the line and key.
    """
    data = parse_toml(text, path)
    headers = [i for i, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*model\s*\]\]", line)]
    unknown_top = set(data) - {"model"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise LwprofError(f"{path}:{_line_of(text, key, 1)}: unknown key {key!r}; entries go in [[model]] tables")
    models = data.get("model", [])
    if isinstance(models, dict):
        raise LwprofError(f"{path}:{_header_line(text)}: [model] is one table; write each entry under [[model]] (an array of tables)")
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise LwprofError(f"{path}:{_line_of(text, 'model', 1)}: 'model' must be [[model]] tables, each with a spec and counts")
    if not models and not allow_empty:
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
        spec = entry["spec"]
        if not isinstance(spec, str) or not spec.strip():
            raise LwprofError(f"{where('spec')}: spec must be a text such as \"mobilenet@alpha=0.5\" or \"net.py:Net\", got {_short(spec)}")
        bounds = {}
        for key in QUANTITIES:
            if key not in entry:
                continue
            raw = entry[key]
            extra = sorted(set(raw) - {"value", "tolerance"}) if isinstance(raw, dict) else []
            if extra:
                raise LwprofError(f"{where(key)}: {key}: unknown key {extra[0]!r} in its table; write {{ value = ..., tolerance = ... }}")
            try:
                bounds[key] = parse_bound(raw["value"], raw.get("tolerance")) if isinstance(raw, dict) else parse_bound(raw)
            except (LwprofError, KeyError) as exc:
                detail = str(exc) if isinstance(exc, LwprofError) else "a table needs a 'value'"
                raise LwprofError(f"{where(key)}: {key}: {detail}"[:400]) from None
        if not bounds:
            raise LwprofError(f"{path}:{start}: entry {spec!r} pins nothing; add params, macs, ...")
        size = entry.get("input_size")
        if size is not None and (not isinstance(size, list) or not size or not all(_positive_int(s) for s in size)):
            raise LwprofError(f"{where('input_size')}: input_size must be a list of positive integers, e.g. [3, 224, 224]")
        batch = entry.get("batch")
        if batch is not None and not _positive_int(batch):
            raise LwprofError(f"{where('batch')}: batch must be a positive integer, got {_short(batch)}")
        out.append(Expectation(spec, bounds, tuple(size) if size else None, batch, _line_of(text, "spec", start), path if path != "<text>" else ""))
    return out


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _short(value: Any) -> str:
    text = "true" if value is True else "false" if value is False else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _header_line(text: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*\[\s*model\s*\]", line):
            return i
    return 1


def _resolve_all(items: Sequence[tuple[str, Sequence[int] | None, str]]) -> list[Any]:
    """Resolves every (spec, input size, where) before any is profiled, so that a bad entry
    fails at once; the message starts with ``where`` (file:line)."""
    from lwprof.resolve import resolve

    out = []
    for spec, size, where in items:
        try:
            out.append(resolve(spec, inputs=size))
        except LwprofError as exc:
            raise LwprofError(f"{where}{exc}") from None
    return out


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
    from lwprof import profiler

    resolved = _resolve_all([(e.located_spec, e.input_size, f"{e.file}:{e.line}: " if e.file else "") for e in expectations])
    results = []
    for i, (exp, model) in enumerate(zip(expectations, resolved)):
        if progress:
            progress(exp.spec, i, len(expectations))
        measured = quantities_of(profiler.run(model, batch=exp.batch))
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
        value = parse_budget(text, f"--max-{quantity.replace('_', '-')}")
        if value is not None:
            out.append((quantity, Bound("<=", value, 0, str(text))))
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
    """Writes (or updates) the expectations file ``path`` atomically; returns its path.

    Every check comes first (the file can be written, an existing one is valid), then the
    models are profiled, then, under a lock on the file, it is read again, updated and replaced.
    """
    from lwprof.render.export import file_lock, probe_writable, write_atomic

    wanted = _quantities(quantities)
    if str(path) == "-":
        raise LwprofError("pin updates a file: give its name (-o lwprof.toml), not -")
    target = probe_writable(path, force=True)
    if target.exists():
        parse(read_file(target), str(path), allow_empty=True)
    rows = _measure(specs, input_size, wanted, target.parent)
    with file_lock(target):
        existing = read_file(target) if target.exists() else None
        return write_atomic(target, pinned_text(existing, rows, str(path)), force=True)


def pin(specs: Sequence[str], existing: str | Path | None = None, input_size: Sequence[int] | None = None, quantities: Sequence[str] = DEFAULT_QUANTITIES) -> str:
    """The TOML text pinning the current counts of ``specs``.

    Args:
        specs: Model specs (``name@options`` or ``file.py:Class@kwargs``).
        existing: An expectations file to update: the entry with the same spec (and input
            size) gets the new counts, everything else in the file is kept as written.
        input_size: (C, H, W) for every spec (optional for zoo models).
        quantities: What to pin, as exact values.
    """
    wanted = _quantities(quantities)
    folder = Path(existing).parent if existing is not None else Path(".")
    rows = _measure(specs, input_size, wanted, folder)
    text = read_file(existing) if existing is not None and Path(existing).exists() else None
    return pinned_text(text, rows, str(existing or "<new file>"))


Row = tuple[str, "tuple[int, ...] | None", dict[str, int]]  # spec as written in the file, input size, values


def _quantities(quantities: Sequence[str] | None) -> tuple[str, ...]:
    wanted = tuple(quantities or DEFAULT_QUANTITIES)
    for q in wanted:
        if q not in QUANTITIES:
            raise LwprofError(f"cannot pin {q!r}; choose from {', '.join(QUANTITIES)}")
    return wanted


def _measure(specs: Sequence[str], input_size: Sequence[int] | None, quantities: Sequence[str], folder: Path) -> list[Row]:
    """Profiles every spec; each row carries the spec as the file in ``folder`` will name it."""
    from lwprof import profiler

    size = tuple(input_size) if input_size else None
    rows = []
    for spec, model in zip(specs, _resolve_all([(spec, size, "") for spec in specs])):
        measured = quantities_of(profiler.run(model))
        rows.append((relative_spec(spec, folder), size, {q: measured[q] for q in quantities}))
    return rows


def pinned_text(existing: str | None, rows: Sequence[Row], path: str = "<file>") -> str:
    """``existing`` (TOML text, or None for a new file) with ``rows`` pinned: an entry with
    the same spec and input size gets the new counts in place (see :func:`_update`); other
    rows are appended as new ``[[model]]`` tables; every other entry, budget and comment is
    left exactly as written."""
    import tomlkit

    if existing is None:
        return (HEADER + "\n\n" + "".join(_entry_text(*row) for row in rows)).rstrip("\n") + "\n"
    folder = os.path.dirname(path)
    try:
        doc = tomlkit.parse(existing)
    except Exception as exc:  # tomllib accepted it (checked before); tomlkit may still object
        raise LwprofError(f"{path}: cannot update it in place: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    entries: Any = doc.get("model") if "model" in doc else []
    keys = [_entry_key(e, folder) for e in entries]
    appended: dict[tuple[Any, ...], Row] = {}
    for spec, size, values in rows:
        key = (spec, size)
        if key in keys:
            _update(entries[keys.index(key)], values)
        else:
            appended[key] = (spec, size, values)  # the same spec twice: the last counts
    text = tomlkit.dumps(doc)
    if appended:
        text = text.rstrip("\n") + "\n\n" + "".join(_entry_text(*row) for row in appended.values()).rstrip("\n") + "\n"
    parse_toml(text, path)  # never write a file that does not read back
    return text


def _update(entry: Any, values: dict[str, int]) -> None:
    """Re-pins one entry in place: exactly ``values`` (quantities pinned before but not now are
    dropped, as a re-pin replaces the entry's counts); its spec, input size, batch and
    comments stay."""
    import tomlkit

    for key in [k for k in entry if k in QUANTITIES and k not in values]:
        del entry[key]
    for key, value in values.items():
        item = tomlkit.integer(value)
        if value >= 1000:
            item.comment(human(value))
            item.trivia.comment_ws = "  "
        entry[key] = item


def _entry_key(entry: Any, folder: str) -> tuple[Any, ...]:
    """An existing entry's identity: its spec as the file's folder names it, and its input size."""
    size = entry.get("input_size")
    size = tuple(int(s) for s in size) if isinstance(size, list) and size and all(isinstance(s, int) for s in size) else None
    base = folder or "."
    return (relative_spec(locate_spec(str(entry.get("spec")), base), base), size)


def _entry_text(spec: str, size: tuple[int, ...] | None, values: dict[str, int]) -> str:
    lines = ["[[model]]", f"spec = {_toml(spec)}"]
    if size:
        lines.append(f"input_size = {_toml(list(size))}")
    for key, value in values.items():
        comment = f"  # {human(value)}" if value >= 1000 else ""
        lines.append(f"{key} = {_toml(value)}{comment}")
    return "\n".join(lines) + "\n\n"


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
