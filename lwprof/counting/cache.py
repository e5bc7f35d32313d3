"""The user's cache folder, and fvcore's and FlopCounterMode's counts kept there between runs.

The cross-check runs the model for real through two tools (several seconds for a zoo model);
its result depends only on what the model computes on inputs of a given shape, which the meta
walk has already described record by record. So the tools' counts are kept in
``<cache>/crosscheck/<key>.json``, the key a SHA-256 of: the versions of lwprof, torch and
fvcore; the inputs (shapes, dtypes, batch, seed) and the scale; and every record of the walk
(name, type, calls, shapes, params, MACs, other ops, hyper-parameters). The same structure on
the same input reuses them; anything else runs the tools. Files are written atomically (a
temporary file, then a rename); a file that cannot be read is ignored and rewritten.
``LWPROF_CROSSCHECK_CACHE=0`` turns the cache off.

This module does not import torch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from lwprof.records import ModelProfile

__all__ = ["cache_dir", "crosscheck_key", "enabled", "load", "store"]

VERSION = 1  # of the stored format


def cache_dir() -> Path:
    """lwprof's cache folder: ``$LWPROF_CACHE_DIR``, else ``$XDG_CACHE_HOME/lwprof``, else ``~/.cache/lwprof``."""
    own = os.environ.get("LWPROF_CACHE_DIR")
    if own:
        return Path(own).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "lwprof"


def enabled() -> bool:
    """False when ``LWPROF_CROSSCHECK_CACHE`` is 0, off, no or false."""
    return os.environ.get("LWPROF_CROSSCHECK_CACHE", "1").strip().lower() not in ("0", "off", "no", "false")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def crosscheck_key(profile: ModelProfile, inputs: str, scale: int) -> str:
    """The cache key of a cross-check: the model's structure as walked, its input and the tools' versions."""
    records = [
        (r.name, r.type, r.calls, r.is_leaf, r.input_shape, r.output_shape, r.params, r.buffers, r.macs, r.other_ops,
         r.functional_macs, r.functional_other_ops, r.hparams)
        for r in profile.layers
    ]  # fmt: skip
    content = {
        "format": VERSION,
        "versions": [_version(p) for p in ("lwprof", "torch", "fvcore")],
        "model": [profile.arch, profile.spec],
        "inputs": inputs,
        "scale": scale,
        "records": records,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=repr).encode()).hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / "crosscheck" / f"{key}.json"


def load(key: str) -> dict[str, Any] | None:
    """The counts stored under ``key``, or None (none stored, or a file that cannot be read)."""
    try:
        data = json.loads(_path(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("counts") if isinstance(data, dict) and data.get("format") == VERSION else None


def store(key: str, counts: dict[str, Any]) -> None:
    """Keeps ``counts`` under ``key``, atomically; a cache that cannot be written is skipped silently."""
    path = _path(key)
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": VERSION, "counts": counts}, f)
        os.replace(tmp, path)
    except OSError:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
