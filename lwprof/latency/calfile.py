"""Reading a calibration file as an expectations file is read: every field checked, one line for what is wrong.

A calibration is a JSON file lwprof wrote (:meth:`~lwprof.latency.costmodel.Calibration.to_dict`),
but people edit, copy and truncate files. On load:

* the file must be a regular file (a folder, a FIFO or a device is named as such, never opened),
  readable (permission denied is said as that), at most :data:`MAX_BYTES`, UTF-8 (a BOM is
  accepted), JSON, nested at most :data:`MAX_DEPTH` deep;
* every field is known, of its type and in range: every coefficient, time and error a finite
  number >= 0 (never a bool, NaN or Infinity), ``threads`` a positive integer, the kinds those
  of :data:`~lwprof.latency.costmodel.KINDS` with only their features.

A bad file is one :class:`~lwprof.errors.LwprofError` naming the file and the field
(``kinds.conv1x1.coefficients.macs``) and saying to run ``lwprof calibrate`` again.

Torch-free.
"""

from __future__ import annotations

import json
import math
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError, first_line, os_error_text

__all__ = ["MAX_BYTES", "MAX_DEPTH", "check_document", "read_document"]

MAX_BYTES = 16 * 2**20  # a full calibration is about 150 kB
MAX_DEPTH = 8  # a calibration nests 4 deep (benchmarks -> one -> row -> value)
AGAIN = "run `lwprof calibrate` again"

_TOP_REQUIRED = ("version", "machine", "cpu", "threads", "dtype", "torch", "kinds")
_TOP_OPTIONAL = ("created", "quick", "seconds", "model", "benchmarks", "held_out", "runtime", "runtime_version", "fusions", "regressors", "held_out_kernels", "measured", "kernel_scale")
_RULE_FIELDS = ("head", "member", "added", "trials")
_KIND_FIELDS = ("coefficients", "overhead_s", "peak_macs_per_s", "ops_per_s", "bandwidth_bytes_per_s", "benchmarks", "median_error", "max_error")
_BENCH_FIELDS = ("kind", "label", "row", "median_s", "min_s", "iqr_s", "runs", "noisy", "seconds")


def read_document(path: Path, shown: str) -> Any:
    """The parsed JSON of a calibration file, after checking what the file is.

    Args:
        path: The file.
        shown: How messages name it (the path as given).

    Raises:
        LwprofError: Not a regular file, unreadable, too large, empty, not UTF-8 or not JSON.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise LwprofError(f"cannot read calibration {shown!r}: {os_error_text(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise LwprofError(f"calibration {shown!r} is a directory, not a calibration file; give the .json file in it (or run `lwprof calibrate --save FILE`)")
    if not stat.S_ISREG(info.st_mode):
        raise LwprofError(f"calibration {shown!r} is not a regular file (a FIFO, device or socket); give the .json file `lwprof calibrate` wrote")
    if info.st_size > MAX_BYTES:
        raise LwprofError(f"calibration {shown!r} is larger than {MAX_BYTES // 2**20} MiB, so not one lwprof wrote; {AGAIN}")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LwprofError(f"cannot read calibration {shown!r}: {os_error_text(exc)}") from None
    if not raw.strip():
        raise LwprofError(f"calibration {shown!r} is empty; {AGAIN}")
    try:
        text = raw.decode("utf-8-sig")  # a BOM (an editor's) is accepted
    except UnicodeDecodeError as exc:
        raise LwprofError(f"calibration {shown!r} is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); {AGAIN}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LwprofError(f"calibration {shown!r} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); {AGAIN}") from None
    except RecursionError:
        raise LwprofError(f"calibration {shown!r}: arrays or objects nested too deeply (more than {MAX_DEPTH}); {AGAIN}") from None
    except ValueError as exc:  # a number of thousands of digits
        raise LwprofError(f"calibration {shown!r} is not usable JSON ({first_line(exc)[:120]}); {AGAIN}") from None
    if _depth(data) > MAX_DEPTH:
        raise LwprofError(f"calibration {shown!r}: arrays or objects nested too deeply (more than {MAX_DEPTH}); {AGAIN}")
    return data


def _depth(data: Any) -> int:
    """How deep arrays and objects nest (iteratively: no recursion limit to hit)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                todo.extend((v, level + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def check_document(
    data: Any, where: str, *, kinds: Mapping[str, tuple[str, tuple[str, ...]]], features: tuple[str, ...], version: int, dtypes: tuple[str, ...],
    required: tuple[str, ...] | None = None, runtimes: tuple[str, ...] = ("torch",),
) -> None:
    """Checks every field of a calibration's JSON (the costmodel passes its kinds, features, version, dtypes and runtimes).

    ``kinds``: the kinds the file may have (``required``: those it must have; default all). A file
    of version 1 (before runtimes) is read as a torch calibration: it may not name a runtime.

    Raises:
        LwprofError: ``<where>: <field> ...; run `lwprof calibrate` again`` for the first bad field.
    """

    def bad(field: str, what: str, value: Any = None, shown: bool = True) -> LwprofError:
        got = f", got {_show(value)}" if shown else ""
        return LwprofError(f"{where}: {field} {what}{got}; {AGAIN}")

    if not isinstance(data, dict):
        raise LwprofError(f"{where}: not a calibration file (expected a JSON object, got {_kind(data)}); {AGAIN}")
    if data.get("version") not in range(1, version + 1) or isinstance(data.get("version"), bool):
        raise bad("version", f"is the calibration format; this lwprof reads 1 to {version}", data.get("version"))
    _known(data, _TOP_REQUIRED + (_TOP_OPTIONAL if data["version"] > 1 else _TOP_OPTIONAL[:6]), "", bad)
    if "runtime" in data and data["runtime"] not in runtimes:
        raise bad("runtime", f"must be one of {', '.join(runtimes)}", data["runtime"])
    if "runtime_version" in data and not isinstance(data["runtime_version"], str):
        raise bad("runtime_version", "must be a text", data["runtime_version"])
    _check_fusions(data.get("fusions", []), kinds, bad)
    if "kernel_scale" in data:
        _number(data["kernel_scale"], "kernel_scale", bad)
        if data["kernel_scale"] == 0:
            raise bad("kernel_scale", "must be a positive factor", data["kernel_scale"])
    measured = data.get("measured", {})
    if not isinstance(measured, dict) or len(measured) > 100_000:
        raise bad("measured", "must be an object of kernel signatures and seconds", measured)
    for key, value in measured.items():
        _number(value, f"measured[{key[:40]!r}]", bad)
    for name in _TOP_REQUIRED:
        if name not in data:
            raise bad(name, "is missing", shown=False)
    for name in ("machine", "cpu", "torch", "dtype"):
        if not isinstance(data[name], str) or not data[name].strip():
            raise bad(name, "must be a non-empty text", data[name])
    for name in ("created", "model"):
        if name in data and not isinstance(data[name], str):
            raise bad(name, "must be a text", data[name])
    if data["dtype"] not in dtypes:
        raise bad("dtype", f"must be one of {', '.join(dtypes)}", data["dtype"])
    threads = data["threads"]
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1 or threads > 1_000_000:
        raise bad("threads", "must be a positive whole number of threads", threads)
    if "quick" in data and not isinstance(data["quick"], bool):
        raise bad("quick", "must be true or false", data["quick"])
    if "seconds" in data:
        _number(data["seconds"], "seconds", bad)
    for key in ("held_out", "held_out_kernels"):
        if key not in data:
            continue
        if not isinstance(data[key], list) or len(data[key]) > 10_000:
            raise bad(key, "must be a list of measured / predicted ratios", data[key])
        for i, ratio in enumerate(data[key]):
            _number(ratio, f"{key}[{i}]", bad)
            if ratio == 0:
                raise bad(f"{key}[{i}]", "must be a positive ratio", ratio)
    if not isinstance(data["kinds"], dict):
        raise bad("kinds", "must be an object of kinds", data["kinds"])
    _known(data["kinds"], tuple(kinds), "kinds.", bad, what="is not a kind lwprof knows (known: {})")
    missing = [k for k in (kinds if required is None else required) if k not in data["kinds"]]
    if missing:
        raise bad(f"kinds.{missing[0]}", "is missing" + (f" (and {len(missing) - 1} more kinds)" if len(missing) > 1 else ""), shown=False)
    for kind, entry in data["kinds"].items():
        here = f"kinds.{kind}"
        if not isinstance(entry, dict):
            raise bad(here, "must be an object", entry)
        _known(entry, _KIND_FIELDS, here + ".", bad)
        coefficients = entry.get("coefficients")
        if not isinstance(coefficients, dict):
            raise bad(here + ".coefficients", "must be an object of seconds per feature", coefficients, "coefficients" in entry)
        _known(coefficients, kinds[kind][1], here + ".coefficients.", bad, what=f"is not a feature the {kind} kind uses (its features: {{}})")
        for name, value in coefficients.items():
            _number(value, f"{here}.coefficients.{name}", bad)
        for name in ("overhead_s", "peak_macs_per_s", "ops_per_s", "bandwidth_bytes_per_s"):
            if entry.get(name) is not None:
                _number(entry[name], f"{here}.{name}", bad)
        for name in ("median_error", "max_error"):
            if name in entry:
                _number(entry[name], f"{here}.{name}", bad)
        if "benchmarks" in entry:
            _count(entry["benchmarks"], f"{here}.benchmarks", bad)
    benchmarks = data.get("benchmarks", [])
    if not isinstance(benchmarks, list):
        raise bad("benchmarks", "must be a list", benchmarks)
    for i, b in enumerate(benchmarks):
        here = f"benchmarks[{i}]"
        if not isinstance(b, dict):
            raise bad(here, "must be an object", b)
        _known(b, _BENCH_FIELDS, here + ".", bad)
        for name in ("kind", "label", "row", "median_s"):
            if name not in b:
                raise bad(f"{here}.{name}", "is missing", shown=False)
        if b["kind"] not in kinds:
            raise bad(f"{here}.kind", f"must be a kind ({', '.join(kinds)})", b["kind"])
        if not isinstance(b["label"], str):
            raise bad(f"{here}.label", "must be a text", b["label"])
        if not isinstance(b["row"], dict):
            raise bad(f"{here}.row", "must be an object of kind.feature totals", b["row"])
        for key, value in b["row"].items():
            kind, _, feature = key.partition(".")
            if kind not in kinds or feature not in features:
                raise bad(f"{here}.row", f"has an unknown key {key!r} (kind.feature, e.g. conv1x1.macs)", shown=False)
            _number(value, f"{here}.row.{key}", bad)
        for name in ("median_s", "min_s", "iqr_s", "seconds"):
            if name in b:
                _number(b[name], f"{here}.{name}", bad)
        if "runs" in b:
            _count(b["runs"], f"{here}.runs", bad)
        if "noisy" in b and not isinstance(b["noisy"], bool):
            raise bad(f"{here}.noisy", "must be true or false", b["noisy"])


def _check_fusions(rules: Any, kinds: Mapping[str, Any], bad: Any) -> None:
    if not isinstance(rules, list) or len(rules) > 1000:
        raise bad("fusions", "must be a list of fusion rules", rules)
    for i, rule in enumerate(rules):
        here = f"fusions[{i}]"
        if not isinstance(rule, dict):
            raise bad(here, "must be an object", rule)
        _known(rule, _RULE_FIELDS, here + ".", bad)
        from lwprof.latency.fusion import check_rule

        if not check_rule(rule.get("head"), rule.get("member")):
            raise bad(here, "must name two different layer kinds (head and member)", {k: rule.get(k) for k in ("head", "member")})
        if "added" in rule and (isinstance(rule["added"], bool) or not isinstance(rule["added"], (int, float)) or not math.isfinite(rule["added"])):
            raise bad(f"{here}.added", "must be a finite number", rule["added"])
        if "trials" in rule:
            _count(rule["trials"], f"{here}.trials", bad)


def _known(data: Mapping[str, Any], allowed: tuple[str, ...], prefix: str, bad: Any, what: str = "is not a field lwprof knows (known: {})") -> None:
    for key in data:
        if key not in allowed:
            raise bad(f"{prefix}{key}", what.format(", ".join(allowed)), shown=False)


def _number(value: Any, field: str, bad: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(field, "must be a number", value)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        raise bad(field, "is too large to be a number of seconds or a rate", shown=False) from None
    if not finite:
        raise bad(field, "must be a finite number", value)
    if value < 0:
        raise bad(field, "must not be negative", value)


def _count(value: Any, field: str, bad: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad(field, "must be a whole number >= 0", value)


def _show(value: Any) -> str:
    """A value as the file spells it (JSON: true, null, NaN), shortened."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")

