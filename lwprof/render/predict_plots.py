"""The ``lwprof fit --plot`` chart: every configuration, the Pareto front, the budget lines and the choice.

Written like every lwprof plot (:func:`lwprof.render.plots.save_figure`: PNG, SVG or PDF by
suffix, atomically, an existing file kept unless ``force``), to the same standard: fonts of
at least 8 pt, ms and M on the axes (log scales, said on each axis), a legend below the
panels with an entry only for what is drawn, no overlapping tick labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError
from lwprof.render.plots import _human_axis, _legend_outside, _pyplot, declutter, save_figure, styled, tick_text

__all__ = ["figure_fit", "plot_fit"]


@styled
def figure_fit(result: Any, title: str | None = None) -> Any:
    """Two panels, predicted latency (y) against MACs and against params (x), both log-log.

    Grey: every configuration within the budgets (hollow: over a budget); blue: the Pareto
    front; red star: the best within the budgets; dashed: the budgets (MACs and latency on the
    left, params and latency on the right).

    Args:
        result: A :class:`lwprof.latency.fit.FitResult`.
    """
    plt = _pyplot()
    if not result.candidates:
        raise LwprofError("nothing to plot: no valid configuration")
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    chosen = result.chosen
    entries: dict[str, Any] = {}  # one legend entry per label drawn, in the order drawn
    for ax, attr, label, limit in (
        (axes[0], "macs", "MACs (M = millions; log scale)", result.budgets.max_macs),
        (axes[1], "params", "parameters (M = millions; log scale)", result.budgets.max_params),
    ):
        inside = [c for c in result.candidates if c.fits and not c.front]
        outside = [c for c in result.candidates if not c.fits and not c.front]
        front = sorted((c for c in result.candidates if c.front), key=lambda c: getattr(c, attr))
        drawn = []
        if inside:
            drawn.append(ax.scatter([getattr(c, attr) / 1e6 for c in inside], [c.latency_s * 1e3 for c in inside], s=10, color="#9e9e9e", label="within the budgets"))
        if outside:
            drawn.append(ax.scatter([getattr(c, attr) / 1e6 for c in outside], [c.latency_s * 1e3 for c in outside], s=10, facecolors="none", edgecolors="#9e9e9e", label="over a budget"))
        if front:
            drawn.append(ax.scatter([getattr(c, attr) / 1e6 for c in front], [c.latency_s * 1e3 for c in front], s=18, color="#1f77b4", label="Pareto front", zorder=3))
        if limit is not None:
            drawn.append(ax.axvline(limit / 1e6, color="#d62728", ls="--", lw=1, label=f"budget: {'MACs' if attr == 'macs' else 'params'} <= {tick_text(limit / 1e6, 'M')}"))
        if result.budgets.max_latency_s is not None:
            drawn.append(ax.axhline(result.budgets.max_latency_s * 1e3, color="#ff7f0e", ls="--", lw=1, label=f"budget: latency <= {tick_text(result.budgets.max_latency_s * 1e3, 'ms')}"))
        if chosen is not None:
            drawn.append(ax.scatter([getattr(chosen, attr) / 1e6], [chosen.latency_s * 1e3], marker="*", s=260, color="#d62728", zorder=4, label=f"best: {chosen.label}"))
        for artist in drawn:
            entries.setdefault(artist.get_label(), artist)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _human_axis(ax.xaxis, "M", log=True)
        _human_axis(ax.yaxis, "ms", log=True)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("predicted latency (ms; log scale)")
    _legend_outside(axes[0], list(entries.values()), list(entries), below=True)
    fig.suptitle(title or f"{result.arch}: {len(result.candidates)} configurations, predicted latency vs MACs and params ({result.calibration.get('threads', '?')} thread(s))")
    declutter(fig)
    return fig


def plot_fit(result: Any, path: str | Path, title: str | None = None, force: bool = False) -> Path:
    """:func:`figure_fit`, saved."""
    return save_figure(figure_fit(result, title), path, force)
