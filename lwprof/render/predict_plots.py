"""The ``lwprof fit --plot`` chart: every configuration, the Pareto front, the budget lines and the choice.

Written like every lwprof plot (:func:`lwprof.render.plots.save_figure`: PNG, SVG or PDF by
suffix, atomically, an existing file kept unless ``force``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError
from lwprof.render.plots import _pyplot, save_figure

__all__ = ["plot_fit"]


def plot_fit(result: Any, path: str | Path, title: str | None = None, force: bool = False) -> Path:
    """Two panels, predicted latency (y) against MACs and against params (x).

    Grey: every configuration (hollow: over a budget); blue: the Pareto front; red star: the
    best within the budgets; dashed: the budgets (MACs and latency on the left, params and
    latency on the right).

    Args:
        result: A :class:`lwprof.latency.fit.FitResult`.
    """
    plt = _pyplot()
    if not result.candidates:
        raise LwprofError("nothing to plot: no valid configuration")
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    chosen = result.chosen
    for ax, attr, label, limit in (
        (axes[0], "macs", "MACs (millions)", result.budgets.max_macs),
        (axes[1], "params", "parameters (millions)", result.budgets.max_params),
    ):
        inside = [c for c in result.candidates if c.fits and not c.front]
        outside = [c for c in result.candidates if not c.fits and not c.front]
        front = sorted((c for c in result.candidates if c.front), key=lambda c: getattr(c, attr))
        ax.scatter([getattr(c, attr) / 1e6 for c in inside], [c.latency_s * 1e3 for c in inside], s=10, color="#9e9e9e", label="within the budgets")
        ax.scatter([getattr(c, attr) / 1e6 for c in outside], [c.latency_s * 1e3 for c in outside], s=10, facecolors="none", edgecolors="#bdbdbd", label="over a budget")
        ax.scatter([getattr(c, attr) / 1e6 for c in front], [c.latency_s * 1e3 for c in front], s=18, color="#1f77b4", label="Pareto front", zorder=3)
        if limit is not None:
            ax.axvline(limit / 1e6, color="#d62728", ls="--", lw=1, label=f"budget: {attr} <= {limit / 1e6:.4g} M")
        if result.budgets.max_latency_s is not None:
            ax.axhline(result.budgets.max_latency_s * 1e3, color="#ff7f0e", ls="--", lw=1, label=f"budget: latency <= {result.budgets.max_latency_s * 1e3:.3g} ms")
        if chosen is not None:
            ax.scatter([getattr(chosen, attr) / 1e6], [chosen.latency_s * 1e3], marker="*", s=260, color="#d62728", zorder=4, label=f"best: {chosen.label}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("predicted latency (ms)")
    axes[1].legend(fontsize=7, loc="upper left")
    fig.suptitle(title or f"{result.arch}: {len(result.candidates)} configurations, predicted latency vs MACs and params ({result.calibration.get('threads', '?')} thread(s))")
    return save_figure(fig, path, force)
