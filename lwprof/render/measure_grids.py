"""Grids for memory traffic, measured latency, sweeps and pinned expectations.

Pure functions of records (no torch, no rich), drawn by :mod:`lwprof.render.tables` and
exported by :mod:`lwprof.render.export` like every other :class:`~lwprof.render.grid.Grid`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lwprof.records import CONVENTIONS, Comparison, ModelProfile
from lwprof.render.grid import Column, Grid, _config_text, profile_title, shape_text
from lwprof.units import human, human_bytes

__all__ = ["expect_grid", "latency_grid", "memory_grid", "sweep_grid"]


def memory_grid(profile: ModelProfile) -> Grid:
    """Per layer: output size, memory traffic (read + written) in bytes, and MACs per byte.

    Traffic generalises ShuffleNet V2's memory access cost hw(c1 + c2) + c1 c2 / g of a 1x1
    group conv (arXiv 1807.11164, Sec. 2) to every layer: inputs and weights read, outputs
    written, at the profile's dtype.
    """
    bpe = profile.bytes_per_element
    rows = []
    for r in profile.leaves():
        rows.append((r.name, r.category, shape_text(r.output_shape), r.activation_elements * bpe, r.read_elements * bpe, r.write_elements * bpe, r.macs, r.intensity(bpe)))
    columns = (
        Column("layer", key="name"),
        Column("type", key="category"),
        Column("output shape", key="output_shape"),
        Column(f"output bytes ({profile.dtype})", "count", "output_bytes"),
        Column("read bytes", "count", "read_bytes"),
        Column("written bytes", "count", "write_bytes"),
        Column("MACs", "count", "macs"),
        Column("MACs/byte", "float", "intensity"),
    )
    traffic = profile.traffic_bytes
    total = ("total", "", shape_text(profile.output_shape), None, sum(r[4] for r in rows), sum(r[5] for r in rows), profile.macs, profile.macs / traffic if traffic else None)
    notes = [
        f"Memory traffic: {human_bytes(traffic)} ({traffic:,} bytes, {profile.dtype}); arithmetic intensity {profile.macs / traffic:.2f} MACs/byte"
        if traffic
        else "Memory traffic: 0 bytes",
        f"Peak activation memory: {human_bytes(profile.peak_activation_bytes or 0)} (tensors alive at once, input and shortcuts included)",
        "Traffic = inputs + weights read + outputs written per layer (ShuffleNet V2's memory access cost, Sec. 2)",
    ]
    title = profile_title(profile, "memory")
    return Grid(title, columns, tuple(rows), total, tuple(notes))


def latency_grid(result: Any, top: int | None = None) -> Grid:
    """Per layer measured time next to MACs: share, achieved MAC/s, rank by time and by MACs.

    Args:
        result: A :class:`lwprof.latency.LatencyResult`.
        top: Show only the ``top`` slowest layers (all when None), in execution order.
    """
    layers = list(result.layers)
    if top is not None:
        keep = {t.name for t in sorted(layers, key=lambda t: t.rank_time)[:top]}
        layers = [t for t in layers if t.name in keep]
    total_macs = result.profile.macs
    rows = tuple(
        (t.name, t.category, t.macs, t.macs / total_macs if total_macs else None, t.median_s * 1e3, t.share, t.macs_per_s / 1e9, t.rank_time, t.rank_macs)
        for t in layers
    )
    columns = (
        Column("layer", key="name"),
        Column("type", key="category"),
        Column("MACs", "count", "macs"),
        Column("MACs %", "share", "macs_share"),
        Column("time (ms)", "float", "time_ms"),
        Column("time %", "share", "time_share"),
        Column("GMAC/s", "float", "gmacs_per_s"),
        Column("rank by time", "count", "rank_time"),
        Column("rank by MACs", "count", "rank_macs"),
    )
    notes = [
        f"End to end: median {result.median_s * 1e3:.2f} ms (interquartile range {result.spread_s * 1e3:.2f} ms) over {result.repeats} runs "
        f"after {result.warmup} warm-up, {result.threads} thread(s), batch {result.input_shape[0]}; {result.macs_per_s / 1e9:.2f} GMAC/s overall",
        "By layer type (share of MACs vs share of time): "
        + "; ".join(
            f"{cat} {100 * m / total_macs if total_macs else 0:.1f}% vs {100 * s / max(sum(t.median_s for t in result.layers), 1e-12):.1f}%"
            for cat, (m, s) in result.by_category().items()
        ),
        "Per-layer times come from forward hooks in a separate set of runs; they include hook overhead.",
    ]
    title = profile_title(result.profile, "latency on this CPU")
    return Grid(title, columns, rows, None, tuple(notes))


def sweep_grid(comparison: Comparison, quantity: str = "macs", latencies: Mapping[str, float] | None = None) -> Grid:
    """A sweep as a table: a 2-D grid for two varied options, one row per variant otherwise.

    Args:
        comparison: The variants (every combination of the varied options).
        quantity: "macs", "params" or "latency" (median ms; needs ``latencies``).
        latencies: Median seconds per variant label.
    """
    unit = {"macs": "MACs", "params": "params", "latency": "latency (ms)"}[quantity]

    def value(v: Any) -> Any:
        if quantity == "latency":
            return None if latencies is None else latencies.get(v.label, 0.0) * 1e3
        return getattr(v.profile, quantity)

    kind = "float" if quantity == "latency" else "count"
    fixed = {k: val for k, val in comparison.baseline.config.items() if k not in comparison.vary}
    title = f"{comparison.arch}: {unit} over {' x '.join(comparison.vary)} (fixed: {_config_text(fixed)})"
    if len(comparison.vary) == 2:
        (row_key, row_values), (col_key, col_values) = comparison.vary.items()
        columns = (Column(f"{row_key} \\ {col_key}", key=row_key), *(Column(str(c), kind, f"{col_key}={c}") for c in col_values))
        rows = []
        for i, rv in enumerate(row_values):
            cells = [value(v) for v in comparison.variants[i * len(col_values) : (i + 1) * len(col_values)]]
            rows.append((str(rv), *cells))
        return Grid(title, columns, tuple(rows), None, (f"Conventions: {CONVENTIONS}",))
    columns = [Column("variant", key="label"), Column("params", "count", "params"), Column("MACs", "count", "macs")]
    if latencies is not None:
        columns.append(Column("latency (ms)", "float", "latency_ms"))
    rows = []
    for v in comparison.variants:
        row: list[Any] = [v.label, v.profile.params, v.profile.macs]
        if latencies is not None:
            row.append(latencies.get(v.label, 0.0) * 1e3)
        rows.append(tuple(row))
    return Grid(title, tuple(columns), tuple(rows), None, (f"Conventions: {CONVENTIONS}",))


def expect_grid(results: Sequence[Any], path: str = "") -> Grid:
    """``lwprof check --expect``: model, quantity, expected, measured, difference, status."""
    rows = tuple((r.model, r.quantity, r.expected, r.measured, r.difference, r.status) for r in results)
    columns = (
        Column("model", key="model"),
        Column("quantity", key="quantity"),
        Column("expected", key="expected"),
        Column("measured", "count", "measured"),
        Column("difference", "count", "difference"),
        Column("status", "status", "status"),
    )
    failed = [r for r in results if r.status == "fail"]
    notes = [f"{len(results) - len(failed)} of {len(results)} expectations hold" + (f"; {len(failed)} FAIL" if failed else "")]
    for r in failed:
        notes.append(f"FAIL {r.model} {r.quantity}: expected {r.expected}, measured {r.measured:,} ({human(r.measured)}), difference {r.difference:+,}")
    return Grid(f"expectations {path}".strip(), columns, rows, None, tuple(notes))
