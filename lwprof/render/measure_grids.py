"""Grids for memory traffic, measured latency, sweeps and pinned expectations.

Pure functions of records (no torch, no rich), drawn by :mod:`lwprof.render.tables` and
exported by :mod:`lwprof.render.export` like every other :class:`~lwprof.render.grid.Grid`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lwprof.records import (
    ColumnKind,
    Comparison,
    ModelProfile,
    Note,
    Severity,
)
from lwprof.render.grid import (
    EXPLAIN_POINTER,
    Column,
    Grid,
    _config_text,
    info_notes,
    profile_title,
    shape_text,
    timing_notes,
)
from lwprof.units import human, human_bytes, human_seconds

__all__ = ["expect_grid", "latency_grid", "latency_notes", "memory_grid", "sweep_grid"]


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
    columns = (  # a narrow terminal drops output shape, MACs, output bytes, type, written, read, in that order
        Column("layer", key="name"),
        Column("type", key="category", priority=3),
        Column("output shape", key="output_shape", priority=6),
        Column(f"output ({profile.dtype})", ColumnKind.BYTES, "output_bytes", priority=4),
        Column("read", ColumnKind.BYTES, "read_bytes", priority=1),
        Column("written", ColumnKind.BYTES, "write_bytes", priority=2),
        Column("MACs", ColumnKind.COUNT, "macs", priority=5),
        Column("MACs/byte", ColumnKind.FLOAT, "intensity"),
    )
    traffic = profile.traffic_bytes
    total = ("total", "", shape_text(profile.output_shape), None, sum(r[4] for r in rows), sum(r[5] for r in rows), profile.macs, profile.macs / traffic if traffic else None)
    notes = [
        f"Memory traffic: {human_bytes(traffic)} ({traffic:,} bytes, {profile.dtype}); arithmetic intensity {profile.macs / traffic:.2f} MACs/byte"
        if traffic
        else "Memory traffic: 0 bytes",
        f"Peak activation memory: {human_bytes(profile.peak_activation_bytes or 0)} (tensors alive at once, input and shortcuts included)",
        "Traffic = inputs + weights read + outputs written per layer (ShuffleNet V2's memory access cost, Sec. 2); "
        "bytes in binary units (KiB = 1024 bytes), exports in bytes",
    ]
    title = profile_title(profile, "memory")
    return Grid(title, columns, tuple(rows), total, info_notes(notes))


def latency_grid(result: Any, top: int | None = None) -> Grid:
    """Per layer measured time (median and IQR) next to MACs: shares, achieved MAC/s, rank by
    time and by MACs; the notes have the end-to-end time, the per-layer sum and any warning.

    Args:
        result: A :class:`lwprof.latency.measure.LatencyResult`.
        top: Show only the ``top`` slowest layers, slowest first (all, in execution order, when None).
    """
    layers = list(result.layers)
    if top is not None:
        layers = sorted(layers, key=lambda t: t.rank_time)[:top]
    total_macs = result.profile.macs
    rows = tuple(
        (t.name, t.category, t.macs, t.macs / total_macs if total_macs else None, t, t.iqr_s * 1e3, t.share, t.macs_per_s / 1e9, t.rank_time, t.rank_macs)
        for t in layers
    )
    columns = (  # a narrow terminal drops rank by time, GMAC/s, rank by MACs, MACs, time %, type, in that order
        Column("layer", key="name"),
        Column("type", key="category", priority=2),
        Column("MACs", ColumnKind.COUNT, "macs", priority=4),
        Column("MACs %", ColumnKind.SHARE, "macs_share", priority=1),
        Column("time ms (IQR)", ColumnKind.MS, "time_ms"),
        Column("time IQR (ms)", ColumnKind.MS, "time_iqr_ms", only="export"),
        Column("time %", ColumnKind.SHARE, "time_share", priority=3),
        Column("GMAC/s", ColumnKind.FLOAT, "gmacs_per_s", priority=6),
        Column("rank by time", ColumnKind.COUNT, "rank_time", priority=7),
        Column("rank by MACs", ColumnKind.COUNT, "rank_macs", priority=5),
    )
    unit = "kernels" if getattr(result, "runtime", "torch") == "onnxruntime" else "layers"
    what = f"the {len(layers)} slowest of {len(result.layers)} {unit}, slowest first" if top is not None else f"{len(layers)} {unit} in execution order"
    where = "latency on ONNX Runtime, this CPU" if unit == "kernels" else "latency on this CPU"
    title = f"{profile_title(result.profile, where)}: {what}"
    return Grid(title, columns, rows, None, tuple(latency_notes(result)))


def latency_notes(result: Any) -> list[Note]:
    """The end-to-end time with its spread, the per-layer sum beside it, shares by layer type,
    and a warning (with the remedy) for whatever makes the numbers less trustworthy."""
    timing = result.timing
    noisy_spread = timing.NOISY_SPREAD
    total_macs = result.profile.macs
    lines = [
        Note(
            Severity.INFO,
            f"End to end: median {human_seconds(timing.median_s)}, interquartile range {human_seconds(timing.iqr_s)} ({100 * timing.relative_spread:.0f}% of the median) "
            f"over {timing.runs} runs after {result.warmup} warm-up"
            + (" (runs for at least 0.25 s: a fresh ONNX Runtime session starts slow)" if getattr(result, "runtime", "torch") == "onnxruntime" else "")
            + f", {result.threads} thread(s), batch {result.input_shape[0]}; "
            f"{result.macs_per_s / 1e9:.2f} GMAC/s overall",
        )
    ]
    kernels = getattr(result, "runtime", "torch") == "onnxruntime"
    lines += [Note(Severity.INFO, text) for text in getattr(result, "runtime_notes", ())]
    if result.layers:
        runs = len(result.layers[0].times_s) or "?"
        ratio = result.layers_sum_s / timing.median_s if timing.median_s > 0 else 0.0
        how = "timed by ONNX Runtime's profiler (its overhead included)" if kernels else "timed with forward hooks (hook overhead included)"
        unit = "kernels" if kernels else "layers"
        lines.append(
            Note(
                Severity.INFO,
                f"Per {unit[:-1]}: median and (interquartile range) of {runs} passes {how}; "
                f"the {unit} add up to {human_seconds(result.layers_sum_s)} = {ratio:.2f}x the end-to-end median",
            )
        )
        busy = sum(t.median_s for t in result.layers) or 1e-12
        lines.append(
            Note(
                Severity.INFO,
                "By layer type (share of MACs vs share of time): "
                + "; ".join(f"{cat} {100 * m / total_macs if total_macs else 0:.1f}% vs {100 * sec / busy:.1f}%" for cat, (m, sec) in result.by_category().items()),
            )
        )
        noisy = result.noisy_layers()
        if noisy:
            lines.append(Note(Severity.INFO, f"{len(noisy)} of {len(result.layers)} {'kernels' if kernels else 'layers'} vary by more than {100 * noisy_spread:.0f}% between passes (IQR / median): their times are rough"))
    lines += [Note(Severity.WARNING, f"Warning: {w}") for w in result.warnings()]
    return lines


def sweep_grid(comparison: Comparison, quantity: str = "macs", latencies: Mapping[str, Any] | None = None) -> Grid:
    """A sweep as a table: a 2-D grid for two varied options, one row per variant otherwise.

    Args:
        comparison: The variants (every combination of the varied options).
        quantity: "macs", "params" or "latency" (median ms and IQR; needs ``latencies``).
        latencies: Per variant label, its end-to-end :class:`~lwprof.latency.timing.Timing`.
    """
    unit = {"macs": "MACs", "params": "params", "latency": "latency, median ms (IQR)"}[quantity]

    def value(v: Any) -> Any:
        if quantity == "latency":
            return None if latencies is None else latencies.get(v.label)
        return getattr(v.profile, quantity)

    kind = ColumnKind.MS if quantity == "latency" else ColumnKind.COUNT
    fixed = {k: val for k, val in comparison.baseline.config.items() if k not in comparison.vary}
    title = f"{comparison.arch}: {unit} over {' x '.join(comparison.vary)} (fixed: {_config_text(fixed)})"
    notes: list[Any] = timing_notes(latencies) if latencies is not None else []
    if quantity == "latency" and len(comparison.vary) == 2:
        notes.append(Note(Severity.INFO, "Exports of this grid hold the medians; --format json has every run"))
    notes.append(Note(Severity.CONVENTION, EXPLAIN_POINTER))
    if len(comparison.vary) == 2:
        (row_key, row_values), (col_key, col_values) = comparison.vary.items()
        columns: tuple[Column, ...] = (Column(f"{row_key} \\ {col_key}", key=row_key), *(Column(str(c), kind, f"{col_key}={c}") for c in col_values))
        rows = []
        for i, rv in enumerate(row_values):
            cells = [value(v) for v in comparison.variants[i * len(col_values) : (i + 1) * len(col_values)]]
            rows.append((str(rv), *cells))
        return Grid(title, columns, tuple(rows), None, tuple(notes))
    columns = (Column("variant", key="label"), Column("params", ColumnKind.COUNT, "params"), Column("MACs", ColumnKind.COUNT, "macs"))
    if latencies is not None:
        columns += (Column("latency ms (IQR)", ColumnKind.MS, "latency_ms"), Column("latency IQR (ms)", ColumnKind.MS, "latency_iqr_ms", only="export"))
    rows = []
    for v in comparison.variants:
        row: list[Any] = [v.label, v.profile.params, v.profile.macs]
        if latencies is not None:
            timing = latencies.get(v.label)
            row += [timing, timing.iqr_s * 1e3 if timing is not None else None]
        rows.append(tuple(row))
    return Grid(title, tuple(columns), tuple(rows), None, tuple(notes))


def expect_grid(results: Sequence[Any], path: str = "") -> Grid:
    """``lwprof check --expect``: model, quantity, expected, measured, difference, status."""
    rows = tuple((r.model, r.quantity, r.expected, r.measured, r.difference, r.status) for r in results)
    columns = (
        Column("model", key="model"),
        Column("quantity", key="quantity"),
        Column("expected", key="expected"),
        Column("measured", ColumnKind.COUNT, "measured"),
        Column("difference", ColumnKind.COUNT, "difference", priority=1),
        Column("status", ColumnKind.STATUS, "status"),
    )
    failed = [r for r in results if r.status == "fail"]
    notes = [f"{len(results) - len(failed)} of {len(results)} expectations hold" + (f"; {len(failed)} FAIL" if failed else "")]
    for r in failed:
        notes.append(f"FAIL {r.model} {r.quantity}: expected {r.expected}, measured {r.measured:,} ({human(r.measured)}), difference {r.difference:+,}")
    return Grid(f"expectations {path}".strip(), columns, rows, None, info_notes(notes))
