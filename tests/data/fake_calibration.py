"""A hand-made calibration for tests: round, known coefficients, no timing."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from lwprof.latency.costmodel import KINDS, Calibration, KindCost, calibration_file, machine_id

#: Seconds per call, per MAC, per op and per byte of every kind (only the features a kind uses are kept).
RATES = {"calls": 10e-6, "macs": 1e-10, "ops": 1e-9, "bytes": 1e-10}
OVERRIDES = {
    "module": {"calls": 2e-6},
    "view": {"calls": 1e-6},
    "functional": {"calls": 3e-6, "bytes": 2e-10},
    "dwconv": {"calls": 20e-6, "macs": 1e-9, "bytes": 1e-10},  # depthwise: 10x slower per MAC than a 1x1 conv
    "network": {},  # no in-network extra unless a test asks for it
}


def make_calibration(threads: int = 2, dtype: str = "fp32", scale: float = 1.0, network: dict | None = None, torch_version: str | None = None, machine: str | None = None, held_out: tuple[float, ...] = ()) -> Calibration:
    """This machine's (``machine``: made on another one, named so); ``held_out``: its held-out networks' ratios (none: ungraded)."""
    kinds = {}
    for kind, (_, features) in KINDS.items():
        rates = network if kind == "network" and network is not None else OVERRIDES.get(kind, RATES)
        kinds[kind] = KindCost({f: scale * rates.get(f, 0.0) for f in features}, benchmarks=3, median_error=0.02, max_error=0.05)
    return Calibration(machine or machine_id(), "Test CPU", threads, dtype, torch_version or torch.__version__, kinds, (), "2026-01-01T00:00:00+00:00", 1.0, held_out=held_out)


def write_calibration(directory: Path | None = None, path: Path | None = None, **kwargs) -> Path:
    """Writes a fake calibration: to ``path``, or as this machine's file in ``directory`` (the cache)."""
    cal = make_calibration(**kwargs)
    target = path or calibration_file(cal.threads, cal.dtype, directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(cal.to_dict()))
    return target
