"""Human-readable numbers: 3.47 M for tables, and parsing of "300M" / "3.5k" budgets; bytes per
element of each dtype; an option's plain value."""

from __future__ import annotations

import enum
import math
from typing import Any

from lwprof.errors import LwprofError

BYTES_PER_ELEMENT = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}

_SUFFIXES = (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def human(n: int | float | None, digits: int = 2) -> str:
    """Formats a count with a decimal SI suffix: 568740352 -> "568.74 M", 999_999 -> "1.00 M".

    Counts are decimal (k = 10^3, M = 10^6, G = 10^9); bytes are binary (:func:`human_bytes`).
    The suffix is chosen after rounding, so a value never shows 1000 of a unit.

    Args:
        n: The count (None renders as "-").
        digits: Decimals after the point.
    """
    if n is None:
        return "-"
    for i, (suffix, scale) in enumerate(_SUFFIXES):
        if abs(n) >= scale:
            if i and round(abs(n) / scale, digits) >= 1000:  # 999,999 rounds to 1.00 M, not 1000.00 k
                suffix, scale = _SUFFIXES[i - 1]
            return f"{n / scale:.{digits}f} {suffix}"
    return f"{n:,}" if isinstance(n, int) else f"{n:.{digits}f}"


BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_bytes(n: int | float, digits: int = 2) -> str:
    """Formats a byte count in binary units: 16927904 -> "16.14 MiB", 1058308096 -> "0.99 GiB".

    A unit is used below 1000 of it (so at most three digits before the point); from 1000
    on, the next unit (1000 MiB shows as "0.98 GiB"). Whole bytes show without decimals.
    """
    value = float(n)
    for unit in BYTE_UNITS:
        if unit == "B" and abs(value) < 1000:
            return f"{value:.0f} B"
        if round(abs(value), digits) < 1000 or unit == BYTE_UNITS[-1]:
            return f"{value:.{digits}f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def human_seconds(seconds: float) -> str:
    """A duration with 3 significant digits in a unit that needs no exponent: "45.6 us",
    "12.3 ms", "335 ms", "1.23 s" (the smallest unit that shows under 1000)."""
    for unit, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        shown = _sig3(seconds / scale)
        if abs(float(shown)) < 1000 or unit == "s":
            return f"{shown} {unit}"
    raise AssertionError("unreachable")


def _sig3(value: float) -> str:
    """3 significant digits, never in exponent form: 1.23, 12.3, 123, 1234."""
    rounded = float(f"{value:.3g}")  # 0.9996 -> 1.0 before counting digits
    if rounded == 0:
        return "0"
    digits = int(math.floor(math.log10(abs(rounded)))) + 1
    return f"{value:.{max(0, 3 - digits)}f}"


def parse_count(text: str) -> int:
    """Parses "300M", "3.5 M", "12k", "1.2G" or "4231976" into an integer.

    Raises:
        LwprofError: The text is not a number with an optional k/M/G/T suffix.
    """
    raw = text.strip().replace(",", "").replace("_", "")
    scale = 1
    for suffix, value in _SUFFIXES:
        if raw[-1:].upper() == suffix.upper():
            raw, scale = raw[:-1].strip(), value
            break
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number) or not math.isfinite(number * scale):
        raise LwprofError(f"cannot read {text!r} as a count: use a number with an optional k, M, G or T suffix, e.g. 300M")
    if number < 0:
        raise LwprofError(f"count {text!r} must not be negative")
    return round(number * scale)


def parse_budget(value: int | str | None, flag: str) -> int | None:
    """A count budget (``--max-macs 300M``, ``max_params=3_000_000``): None, a non-negative int or
    :func:`parse_count`'s text. The one reader of every ``--max-macs`` / ``--max-params``.

    Raises:
        LwprofError: Naming ``flag``: not a count, or negative.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise LwprofError(f"{flag} must be a count such as 300M, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise LwprofError(f"{flag}: count {value} must not be negative")
        return value
    try:
        return parse_count(value)
    except LwprofError as exc:
        raise LwprofError(f"{flag}: {exc}") from None


_BYTE_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20, "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12, "tib": 2**40}


def parse_bytes(text: str) -> int:
    """Parses a memory size: "8GiB", "8G" (binary), "8GB" (decimal), "512MiB", "1048576".

    Raises:
        LwprofError: Not a positive number with an optional unit.
    """
    raw = str(text).strip().replace("_", "").replace(" ", "")
    number = raw.rstrip("KMGTBikmgtb")
    unit = raw[len(number) :].lower()
    try:
        value = float(number)
    except ValueError:
        value = float("nan")
    if unit not in _BYTE_UNITS or not math.isfinite(value) or value <= 0:
        raise LwprofError(f"cannot read {text!r} as a memory size; write e.g. 8GiB, 512MiB or 4G")
    return int(value * _BYTE_UNITS[unit])


def plain(value: Any) -> Any:
    """An enum's value (``ConvKind.DWSEP`` -> "dwsep"); anything else as it is."""
    return value.value if isinstance(value, enum.Enum) else value
