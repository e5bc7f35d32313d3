"""One :class:`~lwprof.render.console.Output` per command: its table, its export grid and its JSON.

Pure functions of lwprof's records (no torch): the CLI calls the API, passes the result here
and emits what comes back in the format asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from lwprof.records import (
    CONVENTIONS,
    CheckStatus,
    Comparison,
    LayerComparison,
    ModelProfile,
)
from lwprof.render import grid as g
from lwprof.render import measure_grids as mg
from lwprof.render import tables as t
from lwprof.render.console import Output
from lwprof.render.export import check_dict, compare_dict, layer_dict

__all__ = [
    "bench_output",
    "check_output",
    "compare_output",
    "expect_output",
    "layer_output",
    "list_output",
    "summary_dict",
    "summary_output",
    "sweep_output",
]


def list_output(specs: Sequence[Any]) -> Output:
    return Output(lambda: t.list_view(specs), lambda: g.list_grid(specs), lambda: {"architectures": g.list_dict(specs)})


def summary_dict(profile: ModelProfile, published: Mapping[str, Any] | None, depth: int | None = None, *, leaves: bool = False) -> dict[str, Any]:
    """``lwprof summary --format json``: the profile, the paper's numbers and totals by layer type.

    Each layer also has its ``parent`` and ``own_params`` / ``own_macs``
    (:meth:`lwprof.records.ModelProfile.layer_rows`); the model's own record stays first.
    ``depth`` and ``leaves`` filter the layers below it.
    """
    out = profile.to_dict()
    out["published"] = dict(published) if published else None
    if depth is not None:
        out["depth"] = depth
    if leaves:
        out["leaves"] = True
    root = out["layers"][0]
    root["parent"], root["own_params"], root["own_macs"] = None, profile.params, profile.macs
    out["layers"] = [root, *profile.layer_rows(leaves=leaves, depth=depth)]
    out["by_category"] = {cat: {"params": p, "macs": m} for cat, (p, m) in profile.by_category().items()}
    return out


def summary_output(profile: ModelProfile, published: Mapping[str, Any] | None, *, depth: int | None = None, by_type: bool = False, memory: bool = False, leaves: bool = False) -> Output:
    """The per-layer table (or by layer type, or memory per layer) of one profile; ``leaves``: leaf layers only."""
    if memory:
        grid = lambda: mg.memory_grid(profile)  # noqa: E731
    elif by_type:
        grid = lambda: g.by_type_grid(profile, published)  # noqa: E731
    else:
        grid = lambda: g.summary_grid(profile, depth, published, leaves=leaves)  # noqa: E731
    return Output(lambda: t.grid_view(grid()), grid, lambda: summary_dict(profile, published, depth, leaves=leaves))


def compare_output(comparison: Comparison, published: Sequence[Any], *, by_type: bool = False, latencies: Mapping[str, Any] | None = None) -> Output:
    """Variants side by side; ``by_type``: MACs by layer type per variant (the export's one
    table); ``latencies``: each variant's end-to-end timing (``compare --bench``)."""
    grid = (lambda: g.compare_category_grid(comparison)) if by_type else (lambda: g.compare_grid(comparison, published, latencies))

    def data() -> dict[str, Any]:
        out = compare_dict(comparison, published)
        if latencies is not None:
            add_latencies(out, latencies)
        return out

    return Output(lambda: t.compare_view(comparison, published, latencies), grid, data)


def add_latencies(out: dict[str, Any], latencies: Mapping[str, Any]) -> None:
    for variant in out["variants"]:
        timing = latencies.get(variant["label"])
        variant["latency_s"] = timing.median_s if timing is not None else None
        variant["latency"] = timing.to_dict() if timing is not None else None


def layer_output(variants: LayerComparison) -> Output:
    return Output(lambda: t.layer_view(variants), lambda: g.layer_grid(variants), lambda: layer_dict(variants))


def check_output(results: Sequence[Any], *, problems_only: bool = False) -> Output:
    """Paper checks; ``problems_only`` trims the rich table to the summary line and the checks
    that did not pass (exports and JSON keep every check)."""
    return Output(lambda: t.check_view(results, problems_only=problems_only), lambda: g.check_grid(results), lambda: check_dict(results))


def expect_output(results: Sequence[Any], path: str) -> Output:
    grid = mg.expect_grid(results, path)
    data = {"file": path, "results": [dataclasses.asdict(r) for r in results], "passed": all(r.status is CheckStatus.PASS for r in results)}
    return Output(lambda: t.grid_view(grid), lambda: grid, lambda: data)


def bench_output(result: Any, top: int | None) -> Output:
    """Per-layer latency (``top``: the slowest N, slowest first) and the end-to-end time."""
    grid = mg.latency_grid(result, top)
    return Output(lambda: t.grid_view(grid), lambda: grid, result.to_dict)


def sweep_output(comparison: Comparison, quantity: str, latencies: Mapping[str, Any] | None) -> Output:
    """A sweep's grid (2-D for two varied options, in blocks of columns on a narrow terminal);
    ``latencies``: each variant's end-to-end timing (``sweep --bench``)."""
    grid = mg.sweep_grid(comparison, quantity, latencies)

    def data() -> dict[str, Any]:
        out = compare_dict(comparison, None)
        out["conventions"] = CONVENTIONS
        if latencies is not None:
            add_latencies(out, latencies)
        return out

    return Output(lambda: t.grid_view(grid, pivot=len(comparison.vary) == 2), lambda: grid, data)
