"""Tables for predicted latency: the calibration, ``--predict`` columns, bench's predicted vs measured, and ``lwprof fit``.

Pure functions of records (no torch). Predicted times are in milliseconds in tables and in
seconds in JSON (``*_s`` keys), like every other time lwprof shows. Existing grids
(:mod:`lwprof.render.grid`, :mod:`lwprof.render.measure_grids`) get their prediction as an
extra column (:func:`with_column`), so they stay as they are without ``--predict``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from lwprof.records import CalibrationView, ColumnKind, Comparison, ModelProfile, Note, PredictionView, Severity
from lwprof.render import grid as g
from lwprof.render import tables as t
from lwprof.render.console import Output
from lwprof.units import human

__all__ = [
    "bench_output",
    "bench_predict_output",
    "calibration_grid",
    "calibration_output",
    "compare_output",
    "compare_predict_output",
    "fit_grid",
    "fit_output",
    "prediction_note",
    "summary_output",
    "summary_predict_output",
    "sweep_output",
    "sweep_predict_output",
    "with_column",
]

PREDICTED = "predicted (ms)"


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1e3


def with_column(grid: g.Grid, column: g.Column, values: Sequence[Any], total: Any = None, *, after: str | None = None, notes: Sequence[Note] = ()) -> g.Grid:
    """The grid with one more column (after the column keyed ``after``, else last) and more notes."""
    keys = [c.name for c in grid.columns]
    at = keys.index(after) + 1 if after in keys else len(keys)

    def put(row: Sequence[Any], value: Any) -> tuple[Any, ...]:
        return (*row[:at], value, *row[at:])

    rows = tuple(put(row, v) for row, v in zip(grid.rows, values))
    total_row = put(grid.total, total) if grid.total is not None else None
    return dataclasses.replace(grid, columns=(*grid.columns[:at], column, *grid.columns[at:]), rows=rows, total=total_row, notes=(*grid.notes, *notes))


def ms_text(seconds: float, interval: tuple[float, float] | None = None, *, like: float | None = None) -> str:
    """Milliseconds with as many digits as the interval supports: 3 significant digits without an
    interval (or within +-2.5%), 2 within +-25%, 1 beyond ("12.3", "12", "10"). ``like``: round to
    the decimal place of that time instead (an interval's ends are shown to its prediction's place)."""
    ms = seconds * 1e3
    if ms <= 0 or not math.isfinite(ms):
        return f"{ms:g}"
    anchor = like if like is not None and like > 0 else seconds
    sig = 3
    if interval is not None:
        reach = max(anchor - interval[0], interval[1] - anchor) / anchor
        sig = 3 if reach <= 0.025 else 2 if reach <= 0.25 else 1
    digits = sig - 1 - math.floor(math.log10(anchor * 1e3))
    return f"{round(ms, digits):.{max(0, digits)}f}"


def interval_text(prediction: PredictionView) -> str:
    """"12 ms (80% interval 9-16 ms, calibration graded fair)": the total with its interval and grade."""
    interval = getattr(prediction, "interval_s", None)
    total = ms_text(prediction.total_s, interval)
    if interval is None:
        return f"{total} ms (no interval: an ungraded calibration, lwprof explain)"
    nominal = int(round(100 * prediction.calibration.get("nominal", 0.8)))
    low, high = (ms_text(t, interval, like=prediction.total_s) for t in interval)
    return f"{total} ms ({nominal}% interval {low}-{high} ms, calibration graded {prediction.grade})"


def prediction_note(prediction: PredictionView, what: str = "Predicted latency") -> list[Note]:
    """The lines every prediction shows: total with its interval and grade, where it comes from, and its own notes."""
    cal = prediction.calibration
    lines = [
        Note(
            Severity.INFO,
            f"{what}: {interval_text(prediction)} per forward pass on {cal.get('cpu', '?')} with {cal.get('threads', '?')} thread(s), "
            f"{cal.get('dtype', '?')} (of which {prediction.overhead_s * 1e3:.2g} ms module calls and adds/concats in blocks); "
            f"calibrated {str(cal.get('created', ''))[:10] or '?'}{' (--quick)' if cal.get('quick') else ''}; not measured: check with lwprof bench",
        )
    ]
    lines.extend(prediction.notes)
    return lines


# -- the commands' outputs, with or without a prediction --------------------------------------------

Price = Callable[[ModelProfile], PredictionView] | None  # lwprof.cli.support.predictor


def summary_output(profile: ModelProfile, published: Mapping[str, Any] | None, price: Price, *, depth: int | None = None, by_type: bool = False, memory: bool = False, leaves: bool = False) -> Output:
    """``lwprof summary``'s output: :func:`lwprof.render.views.summary_output`, with a predicted-ms column when ``price`` is given."""
    from lwprof.render import views

    if price is None:
        return views.summary_output(profile, published, depth=depth, by_type=by_type, memory=memory, leaves=leaves)
    return summary_predict_output(profile, published, price(profile), depth=depth, by_type=by_type, memory=memory, leaves=leaves)


def compare_output(comparison: Comparison, published: Sequence[Any], price: Price, *, by_type: bool = False, latencies: Mapping[str, Any] | None = None) -> Output:
    """``lwprof compare``'s output, with predicted latency per variant when ``price`` is given
    (and measured latency when ``latencies`` are: ``compare --bench``)."""
    from lwprof.render import views

    if price is None:
        return views.compare_output(comparison, published, by_type=by_type, latencies=latencies)
    return compare_predict_output(comparison, published, [price(v.profile) for v in comparison.variants], by_type=by_type, latencies=latencies)


def sweep_output(comparison: Comparison, quantity: str, latencies: Mapping[str, Any] | None, price: Price) -> Output:
    """``lwprof sweep``'s output, with predicted latency when ``price`` is given."""
    from lwprof.render import views

    if price is None:
        return views.sweep_output(comparison, quantity, latencies)
    return sweep_predict_output(comparison, quantity, latencies, [price(v.profile) for v in comparison.variants])


def bench_output(result: Any, top: int | None, price: Price) -> Output:
    """``lwprof bench``'s output; with ``price``, predicted next to measured (:func:`bench_predict_output`)."""
    from lwprof.render import views

    if price is None:
        return views.bench_output(result, top)
    return bench_predict_output(result, price(result.profile), top)


# -- lwprof calibrate ----------------------------------------------------------------------------


def calibration_grid(calibration: CalibrationView) -> g.Grid:
    """One row per kind: benchmarks, fitted overhead, peak GMAC/s, op rate, bandwidth, and fit error (|predicted - measured| / measured)."""
    rows = [(kind, cost.benchmarks, *cost.shown_rates(), cost.median_error, cost.max_error) for kind, _, cost in calibration.kind_rows()]
    columns = (
        g.Column("kind", key="kind"),
        g.Column("benchmarks", ColumnKind.COUNT, "benchmarks", priority=3),  # a narrow terminal drops it first
        *(g.Column(header, ColumnKind.FLOAT, key, priority=1 if key == "gops" else 0) for header, key in calibration.rate_columns()),
        g.Column("fit error (median)", ColumnKind.SHARE, "median_error"),
        g.Column("(max)", ColumnKind.SHARE, "max_error", priority=2),
    )
    notes = [
        Note(Severity.INFO, f"Machine: {calibration.describe()}; {len(calibration.benchmarks)} micro-benchmarks in {calibration.seconds:.0f} s"),
        Note(
            Severity.CONVENTION,
            "Model per kind: time = calls x overhead + MACs / peak + ops / op rate + bytes / bandwidth (bytes = inputs + weights read + outputs "
            "written); fitted by non-negative least squares on relative error; '-' = the kind has no such term, or the fit found it free",
        ),
        Note(Severity.CONVENTION, "Kinds: " + "; ".join(f"{kind} = {text}" for kind, text, _ in calibration.kind_rows())),
    ]
    regressors = getattr(calibration, "regressors", {}) or {}
    if regressors:
        shown = []
        for kind, r in regressors.items():
            err = r.median_error
            extra = f", held-out median error {100 * err:.0f}% vs linear {100 * (r.linear_error or 0):.0f}%" if err is not None and r.model == "forest" else ""
            shown.append(f"{kind} {r.model} ({r.samples} kernels{extra})")
        notes.append(Note(Severity.INFO, "Per-kernel regressors on an adaptive kernel sample: " + "; ".join(shown) + "; the linear per-kind model prices the rest"))
    fusions, runtime = getattr(calibration, "fusions", ()), str(getattr(calibration, "runtime", "torch"))
    if runtime != "torch":
        found = ", ".join(f"{r.head}+{r.member}" for r in fusions) or "none"
        notes.append(
            Note(
                Severity.INFO,
                f"Kernel detection on {runtime}: fused (A -> B cost less than A + half of B alone): {found}; "
                "predictions price each kernel (a head and the layers fused into it) as its kind",
            )
        )
    if calibration.noisy:
        share = calibration.noisy / max(len(calibration.benchmarks), 1)
        notes.append(
            Note(
                Severity.WARNING if share > 0.2 else Severity.INFO,
                f"{calibration.noisy} of {len(calibration.benchmarks)} benchmarks stayed noisy (interquartile range > 10% of the median) after extra runs; "
                "like every benchmark, each is fitted by its fastest run. For a steadier model: a quieter machine, or fewer --threads",
            )
        )
    if calibration.path:
        notes.append(Note(Severity.INFO, f"Saved to {calibration.path}"))
    return g.Grid(f"latency calibration: {calibration.cpu}, {calibration.threads} thread(s), {calibration.dtype}", columns, tuple(rows), None, tuple(notes))


def calibration_output(calibration: CalibrationView) -> Output:
    grid = calibration_grid(calibration)
    return Output(lambda: t.grid_view(grid), lambda: grid, lambda: {**calibration.to_dict(), "path": calibration.path})


# -- --predict next to the counts ----------------------------------------------------------------


def summary_predict_output(profile: ModelProfile, published: Mapping[str, Any] | None, prediction: PredictionView, *, depth: int | None = None, by_type: bool = False, memory: bool = False, leaves: bool = False) -> Output:
    """``lwprof summary --predict``: the summary (or by-type, or memory) table with a predicted-ms column."""
    from lwprof.render import measure_grids as mg
    from lwprof.render.views import summary_dict

    def grid() -> g.Grid:
        notes = prediction_note(prediction)
        total = _ms(prediction.total_s)
        if by_type:
            base = g.by_type_grid(profile, published)
            per = prediction.by_category()
            return with_column(base, g.Column(PREDICTED, ColumnKind.FLOAT, "predicted_ms"), [_ms(per.get(row[0], 0.0)) for row in base.rows], _ms(sum(per.values())), after="macs_share", notes=notes)
        base = mg.memory_grid(profile) if memory else g.summary_grid(profile, depth, published, leaves=leaves)
        return with_column(base, g.Column(PREDICTED, ColumnKind.FLOAT, "predicted_ms"), [_ms(prediction.seconds(row[0])) for row in base.rows], total, after="macs_share" if not memory else None, notes=notes)

    def data() -> dict[str, Any]:
        out = summary_dict(profile, published, depth, leaves=leaves)
        out["prediction"] = prediction.to_dict()
        for layer in out["layers"]:
            layer["predicted_s"] = prediction.seconds(layer["name"])
        return out

    return Output(lambda: t.grid_view(grid()), grid, data)


def _variant_predictions(predictions: Sequence[PredictionView]) -> tuple[list[float | None], list[float | None]]:
    base = predictions[0].total_s if predictions else None
    ms = [_ms(p.total_s) for p in predictions]
    ratios = [p.total_s / base if base else None for p in predictions]
    return ms, ratios


def _variants_notes(comparison: Comparison, predictions: Sequence[PredictionView]) -> list[Note]:
    """The first variant's prediction line, then every variant's own prediction notes, each once."""
    if not predictions:
        return []
    notes = prediction_note(predictions[0], f"Predicted latency of {comparison.baseline.label}")[:1]
    for p in predictions:
        notes.extend(n for n in p.notes if n not in notes)
    return notes


def compare_predict_output(
    comparison: Comparison, published: Sequence[Any], predictions: Sequence[PredictionView], *, by_type: bool = False, latencies: Mapping[str, Any] | None = None
) -> Output:
    """``lwprof compare --predict``: the variants with predicted latency and its ratio to the first."""
    from lwprof.render.export import compare_dict
    from lwprof.render.views import add_latencies

    ms, ratios = _variant_predictions(predictions)
    notes = _variants_notes(comparison, predictions)

    def main() -> g.Grid:
        base = with_column(g.compare_grid(comparison, published, latencies), g.Column(PREDICTED, ColumnKind.MS, "predicted_ms"), ms, after="params_ratio")
        return with_column(base, g.Column("latency ratio", ColumnKind.RATIO, "latency_ratio", priority=2), ratios, after="predicted_ms", notes=notes)

    def view() -> RenderableType:
        grid = main()
        return Group(t.GridView(grid, notes=False), Text(""), t.GridView(g.compare_category_grid(comparison), pivot=True), t.notes_text(grid.notes))

    def data() -> dict[str, Any]:
        out = compare_dict(comparison, published)
        if latencies is not None:
            add_latencies(out, latencies)
        for entry, p, r in zip(out["variants"], predictions, ratios):
            entry["predicted_latency_s"] = p.total_s
            entry["latency_ratio"] = r
        out["calibration"] = dict(predictions[0].calibration) if predictions else None
        return out

    return Output(view, (lambda: g.compare_category_grid(comparison)) if by_type else main, data)


def sweep_predict_output(comparison: Comparison, quantity: str, latencies: Mapping[str, Any] | None, predictions: Sequence[PredictionView]) -> Output:
    """``lwprof sweep --predict``: a predicted-ms column (one varied option) or a second grid of predicted ms (two)."""
    from lwprof.render import measure_grids as mg
    from lwprof.render.export import compare_dict
    from lwprof.render.views import add_latencies

    by_label = {v.label: p for v, p in zip(comparison.variants, predictions)}
    notes = _variants_notes(comparison, predictions)

    def predicted(extra: Sequence[Note]) -> g.Grid:
        """The 2-D grid of the sweep with predicted ms in its cells (the MACs grid's layout)."""
        base = mg.sweep_grid(comparison, "macs")
        cells = iter(_ms(by_label[v.label].total_s) for v in comparison.variants)
        rows = tuple((row[0], *(next(cells) for _ in row[1:])) for row in base.rows)
        columns = (base.columns[0], *(dataclasses.replace(c, kind=ColumnKind.MS) for c in base.columns[1:]))
        title = base.title.replace("MACs over", "predicted latency (ms) over", 1)
        return dataclasses.replace(base, title=title, columns=columns, rows=rows, notes=(*extra, *base.notes))

    def grid() -> g.Grid:
        if quantity == "latency" and latencies is None:  # the predicted grid is the table
            if len(comparison.vary) == 2:
                return predicted(notes)
            base = mg.sweep_grid(comparison, "macs")
            return one_axis(dataclasses.replace(base, title=base.title.replace("MACs over", "predicted latency (ms) over", 1)))
        base = mg.sweep_grid(comparison, quantity, latencies)
        return predicted(notes) if len(comparison.vary) == 2 and quantity == "latency" else one_axis(base) if len(comparison.vary) != 2 else base

    def one_axis(base: g.Grid) -> g.Grid:
        return with_column(base, g.Column(PREDICTED, ColumnKind.MS, "predicted_ms"), [_ms(by_label[row[0]].total_s) for row in base.rows], notes=notes)

    def view() -> RenderableType:
        pivot = len(comparison.vary) == 2
        if pivot and not (quantity == "latency" and latencies is None):
            return Group(t.grid_view(mg.sweep_grid(comparison, quantity, latencies), pivot=True), t.grid_view(predicted(notes), pivot=True))
        return t.grid_view(grid(), pivot=pivot)

    def data() -> dict[str, Any]:
        out = compare_dict(comparison, None)
        for variant in out["variants"]:
            variant["predicted_latency_s"] = by_label[variant["label"]].total_s
        if latencies is not None:
            add_latencies(out, latencies)
        out["calibration"] = dict(predictions[0].calibration)
        return out

    return Output(view, grid, data)


# -- lwprof bench --predict ---------------------------------------------------------------------


def bench_predict_grid(result: Any, prediction: PredictionView, top: int | None = None) -> g.Grid:
    """Per layer: measured (hooks) next to predicted ms, the error, and both ranks; the model-level error in the notes."""
    ranks = prediction.versus(*_measured(result))
    predicted = {name: p for name, p, _ in ranks["pairs"]}
    layers = [x for x in result.layers if x.name in predicted]
    by_pred = {x.name: i for i, x in enumerate(sorted(layers, key=lambda x: -predicted[x.name]), 1)}
    by_time = {x.name: i for i, x in enumerate(sorted(layers, key=lambda x: -x.median_s), 1)}
    shown = layers
    if top is not None:
        keep = {x.name for x in sorted(layers, key=lambda x: -x.median_s)[:top]}
        shown = [x for x in layers if x.name in keep]
    rows = tuple(
        (x.name, x.category, x.macs, x.median_s * 1e3, predicted[x.name] * 1e3, predicted[x.name] / x.median_s - 1 if x.median_s > 0 else None, by_time[x.name], by_pred[x.name])
        for x in shown
    )
    columns = (
        g.Column("layer", key="name"),
        g.Column("type", key="category", priority=2),  # a narrow terminal drops the ranks first, then the type
        g.Column("MACs", ColumnKind.COUNT, "macs", priority=1),
        g.Column("measured (ms)", ColumnKind.FLOAT, "measured_ms"),
        g.Column(PREDICTED, ColumnKind.FLOAT, "predicted_ms"),
        g.Column("error", ColumnKind.SHARE, "error"),
        g.Column("rank measured", ColumnKind.COUNT, "rank_measured", priority=3),
        g.Column("rank predicted", ColumnKind.COUNT, "rank_predicted", priority=4),
    )
    rho, rho_macs = ranks["spearman"], ranks["spearman_macs"]
    fastest = _fastest(result)
    error = prediction.total_s / fastest - 1
    cal = prediction.calibration
    notes = [
        Note(
            Severity.INFO if abs(error) <= 0.2 else Severity.WARNING,
            f"End to end: measured {fastest * 1e3:.3g} ms "
            + (f"(fastest of {len(result.times_s)} runs; median {result.median_s * 1e3:.3g} ms), " if result.times_s else "(median), ")
            + f"predicted {interval_text(prediction)}: error {100 * error:+.0f}%"
            + {True: ", inside the interval", False: ", outside the interval", None: ""}[prediction.covers(fastest)],
        ),
        Note(Severity.INFO, f"Per-layer rank correlation (Spearman) with the measured times: predicted {rho_text(rho)}; MACs alone {rho_text(rho_macs)}"),
        Note(Severity.INFO, "Measured per-layer times come from forward hooks in separate runs and include hook overhead; the end-to-end time has none"),
    ]
    if cal.get("threads") != result.threads:
        notes.append(Note(Severity.WARNING, f"the calibration is for {cal.get('threads')} thread(s), the run used {result.threads}: calibrate with --threads {result.threads}"))
    notes.extend(prediction.notes)
    notes.append(prediction_note(prediction)[0])
    return g.Grid(g.profile_title(result.profile, "predicted vs measured latency on this CPU"), columns, rows, None, tuple(notes))


def _fastest(result: Any) -> float:
    """The fastest end-to-end run: what a prediction estimates (the calibration fits every benchmark's fastest run,
    costmodel.Benchmark.seconds); the median when no runs are recorded."""
    return min(result.times_s) if result.times_s else result.median_s


def rho_text(value: float) -> str:
    """A rank correlation to three decimals, "n/a" where undefined."""
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def bench_predict_output(result: Any, prediction: PredictionView, top: int | None = None) -> Output:
    """``lwprof bench --predict``: the comparison table; JSON: bench's data plus the prediction and its errors."""
    grid = bench_predict_grid(result, prediction, top)

    def data() -> dict[str, Any]:
        out = result.to_dict()
        ranks = prediction.versus(*_measured(result))
        out["prediction"] = {
            **prediction.to_dict(),
            "measured_s": _fastest(result),  # the fastest run, as predictions estimate
            "error": prediction.total_s / _fastest(result) - 1,
            "spearman": _nan_none(ranks["spearman"]),
            "spearman_macs": _nan_none(ranks["spearman_macs"]),
        }
        predicted = {n: p for n, p, _ in ranks["pairs"]}
        for layer in out["layers"]:
            layer["predicted_s"] = predicted.get(layer["name"])
        return out

    return Output(lambda: t.grid_view(grid), lambda: grid, data)


def _measured(result: Any) -> tuple[dict[str, float], dict[str, int], dict[str, tuple[str, ...]] | None]:
    """A bench result's measured seconds and MACs per row, and (ONNX Runtime) the layers each kernel ran."""
    groups = {x.name: x.modules for x in result.layers if getattr(x, "modules", ())}
    return {x.name: x.median_s for x in result.layers}, {x.name: x.macs for x in result.layers}, groups or None


def _nan_none(value: float) -> float | None:
    return None if math.isnan(value) else value


# -- lwprof fit ---------------------------------------------------------------------------------


FIT_WITHIN, FIT_BEYOND = 15, 5  # front rows shown: the best within the budgets, and the next ones beyond


def fit_rows(result: Any) -> list[Any]:
    """The front members a table shows, fastest first: the :data:`FIT_WITHIN` best within the
    budgets (by the objective: those nearest the budget) and the :data:`FIT_BEYOND` cheapest
    beyond them; and the choice, also when a configuration outside the budgets dominates it."""
    front = result.front
    within = [c for c in front if c.fits]
    if result.objective == "macs":
        within = sorted(within, key=lambda c: (-c.macs, c.latency_s))[:FIT_WITHIN]
    else:
        within = within[:FIT_WITHIN]
    beyond = [c for c in front if not c.fits][:FIT_BEYOND]
    chosen = [result.chosen] if result.chosen is not None and not any(c is result.chosen for c in within) else []
    return sorted(within + beyond + chosen, key=lambda c: (c.latency_s, c.params, -c.macs))


def fit_grid(result: Any) -> g.Grid:
    """The Pareto front near the choice, fastest first: configuration, params, MACs, predicted ms, within the budgets, the choice."""
    chosen = result.chosen
    shown = fit_rows(result)
    rows = tuple((c.label, c.params, c.macs, c.latency_s * 1e3, "yes" if c.fits else "no", "best" if c is chosen else "") for c in shown)
    columns = (
        g.Column("configuration", key="label"),
        g.Column("params", ColumnKind.COUNT, "params"),
        g.Column("MACs", ColumnKind.COUNT, "macs"),
        g.Column(PREDICTED, ColumnKind.FLOAT, "predicted_ms"),
        g.Column("within budget", key="fits"),
        g.Column("choice", key="choice"),
    )
    searched = len(result.candidates) + len(result.skipped)
    axes = "; ".join(f"{k} in {_values(v)}" for k, v in result.axes.items())
    fixed = ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in result.fixed.items())
    notes = []
    if chosen is not None:
        what = "the most MACs" if result.objective == "macs" else "the least predicted latency"
        notes.append(
            Note(
                Severity.INFO,
                f"Best within the budgets ({result.budgets.text()}; {what}): {chosen.label}: {human(chosen.params)} params, {human(chosen.macs)} MACs, "
                f"{_fit_latency(result, chosen)} predicted. Use it as {chosen.spec}; measure it with lwprof bench {chosen.spec}",
            )
        )
        ties = result.ties()
        if ties:
            names = ", ".join(c.label for c in ties[:3]) + (f" and {len(ties) - 3} more" if len(ties) > 3 else "")
            notes.append(Note(Severity.WARNING, f"Tied: {len(ties)} other configurations within the budgets have predicted intervals overlapping the choice's ({names}): measure them with lwprof bench to choose"))
        if result.latency_at_risk():
            notes.append(Note(Severity.WARNING, f"The choice's predicted interval reaches above the latency budget ({result.budgets.text()}): measure it with lwprof bench"))
    else:
        notes.append(Note(Severity.FAILURE, f"No configuration is within the budgets ({result.budgets.text()}); the front shows the closest trade-offs"))
    fits = sum(c.fits for c in result.candidates)
    notes.append(
        Note(
            Severity.INFO,
            f"Searched {searched:,} configurations ({axes}{'; fixed: ' + fixed if fixed else ''}; batch {result.batch}): {len(result.candidates):,} valid, "
            f"{fits:,} within the budgets, {len(result.front)} on the Pareto front; {result.profiled} models walked in {result.seconds:.2f} s"
            + (" (each distinct model once, re-targeted exactly to every resolution)" if result.profiled < len(result.candidates) else ""),
        )
    )
    if chosen is not None and not chosen.front:
        notes.append(Note(Severity.INFO, "The best within the budgets is not on the Pareto front: a configuration outside the budgets beats it on every axis"))
    if len(shown) < len(result.front):
        notes.append(Note(Severity.INFO, f"Shown: {len(shown)} of the {len(result.front)} front configurations (the best within the budgets and the next beyond); all in --format json"))
    if result.skipped:
        notes.append(Note(Severity.INFO, f"{len(result.skipped):,} grid points are not valid models, e.g. {result.skipped[0][0]}: {result.skipped[0][1]}"))
    notes.append(
        Note(
            Severity.CONVENTION,
            "Pareto front: no other configuration has at least as many MACs with at most as many params and as much predicted latency (MACs stand in "
            "for capacity, params and latency are costs); latency is predicted from the calibration, not measured",
        )
    )
    notes.extend(result.notes)
    cal = result.calibration
    notes.append(Note(Severity.INFO, f"Calibration: {cal.get('cpu', '?')}, {cal.get('threads', '?')} thread(s), {cal.get('dtype', '?')}, {str(cal.get('created', ''))[:10]} ({cal.get('path') or 'in memory'}), {_graded(cal)}"))
    title = f"{result.arch}: Pareto front of {len(result.candidates):,} configurations (MACs vs params vs predicted latency)"
    return g.Grid(title, columns, rows, None, tuple(notes))


def _fit_latency(result: Any, candidate: Any) -> str:
    interval = result.interval_s(candidate)
    cal = result.calibration
    if interval is None:
        return f"{ms_text(candidate.latency_s)} ms (no interval: an ungraded calibration, lwprof explain)"
    nominal = int(round(100 * cal.get("nominal", 0.8)))
    low, high = (ms_text(t, interval, like=candidate.latency_s) for t in interval)
    return f"{ms_text(candidate.latency_s, interval)} ms ({nominal}% interval {low}-{high} ms, calibration graded {cal.get('grade')})"


def _graded(calibration: Mapping[str, Any]) -> str:
    grade = calibration.get("grade", "ungraded")
    return "ungraded" if grade == "ungraded" else f"graded {grade}"


def _values(values: Sequence[Any]) -> str:
    plain = [getattr(v, "value", v) for v in values]
    if len(plain) > 6 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in plain):
        return f"{plain[0]}..{plain[-1]} ({len(plain)} values)"
    return ", ".join(str(v) for v in plain)


def fit_output(result: Any) -> Output:
    grid = fit_grid(result)
    return Output(lambda: t.grid_view(grid), lambda: grid, result.to_dict)
