"""Model specs on the command line: ``name@key=value,...`` and ``path/file.py:Name@key=value``.

A spec names a zoo architecture (with architecture options after ``@``) or a user model (with
its factory's keyword arguments after ``@``). Values are read as JSON when they parse (numbers,
true/false, lists), otherwise kept as strings. This module imports no torch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lwprof.errors import LwprofError

__all__ = ["is_user_spec", "parse_kwargs", "parse_spec"]


def is_user_spec(name: str) -> bool:
    """True for ``file.py:Name`` or ``package.module:Name``; False for a zoo name."""
    return ":" in name or name.endswith(".py")


def parse_kwargs(text: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """Parses factory arguments: a mapping, a JSON object, or ``key=value`` pairs.

    Raises:
        LwprofError: The text is neither a JSON object nor ``key=value`` pairs.
    """
    if text is None:
        return {}
    if isinstance(text, Mapping):
        return dict(text)
    raw = text.strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LwprofError(f"is not valid JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(value, dict):
            raise LwprofError("JSON must be an object, e.g. '{\"width\": 0.5}'")
        return value
    out: dict[str, Any] = {}
    for part in raw.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise LwprofError(f"cannot read {part!r}; use key=value pairs or a JSON object")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value.strip()
    return out


def parse_spec(text: str) -> tuple[str, dict[str, Any]]:
    """Splits ``name@key=value,...`` into the name and its options (or factory kwargs).

    Raises:
        LwprofError: No name, or options that are not ``key=value``.
    """
    name, _, rest = text.partition("@")
    if not name.strip():
        raise LwprofError(f"model spec {text!r} has no name")
    try:
        return name.strip(), parse_kwargs(rest) if rest else {}
    except LwprofError:
        raise LwprofError(f"model spec {text!r}: write options as name@key=value,key=value") from None
