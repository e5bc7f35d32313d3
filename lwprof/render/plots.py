"""Plots (matplotlib, the ``plot`` extra): where people would rather look than read.

* :func:`plot_layers`: per-layer MACs and memory traffic, side by side, one bar per layer.
* :func:`plot_variants`: params vs MACs of compared variants, labelled.
* :func:`plot_grid`: a heat map of MACs over a two-option sweep (e.g. alpha x resolution).
* :func:`plot_roofline`: measured MAC/s of each layer against its arithmetic intensity.
* :func:`plot_sweep`: the heat map for a two-option sweep, the scatter otherwise.

Each ``plot_*`` has a ``figure_*`` twin that returns the matplotlib figure unsaved (what the
tests inspect). Every figure is meant for a paper: fonts of at least :data:`MIN_FONT` points
at the saved size, numbers in human units (150 M, 2.5 ms; never 1e8 or an offset), axes of
counts starting at zero unless a log scale is chosen and the axis says so, legends only for
what is drawn and outside the data, and tick labels thinned until none overlaps
(:func:`declutter`, measured with the renderer's bounding boxes).

Every function writes a PNG (or SVG or PDF, by the file's suffix) atomically
(:func:`lwprof.render.export.write_atomic`), keeps an existing file unless ``force``, and
returns the path.
"""

from __future__ import annotations

import functools
import io
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lwprof.errors import LwprofError
from lwprof.records import Comparison, LayerKind, LayerRecord, ModelProfile
from lwprof.render.export import check_targets, write_atomic

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "MIN_FONT",
    "check_plot_path",
    "declutter",
    "figure_grid",
    "figure_layers",
    "figure_roofline",
    "figure_variants",
    "overlapping_labels",
    "plot_grid",
    "plot_layers",
    "plot_roofline",
    "plot_sweep",
    "plot_variants",
    "save_figure",
    "separate",
    "styled",
    "tick_text",
]

_GREY = "#7f7f7f"
MIN_FONT = 8  #: points, at the saved size (figures are saved at their own size: no scaling)
_STYLE: dict[RcKeyType, Any] = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8}


def _pyplot() -> Any:
    _matplotlib_dirs()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LwprofError("plots need matplotlib: pip install 'lwprof[plot]'") from None
    return plt


def _matplotlib_dirs() -> None:
    """Before matplotlib is first imported: when its config or cache folder (``~/.config/matplotlib``,
    ``~/.cache/matplotlib`` or their ``$XDG_*`` homes) cannot be written (a read-only home), point
    ``MPLCONFIGDIR`` at a temporary folder of our own, removed at exit, instead of letting
    matplotlib print two lines of warnings on stderr. ``MPLCONFIGDIR`` given by the user is kept.

    Raises:
        LwprofError: No writable temporary folder either.
    """
    import sys

    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR") or not sys.platform.startswith(("linux", "freebsd")):
        return
    try:
        home = Path.home()
    except RuntimeError:
        home = None
    bases = [os.environ.get("XDG_CONFIG_HOME") or (home and home / ".config"), os.environ.get("XDG_CACHE_HOME") or (home and home / ".cache")]
    if all(base and _usable(Path(base) / "matplotlib") for base in bases):
        return
    import atexit
    import shutil
    import tempfile

    try:
        folder = tempfile.mkdtemp(prefix="lwprof-matplotlib-")
    except OSError as exc:
        raise LwprofError(f"plots need a folder matplotlib can write its cache to, and neither the home nor a temporary folder can be written ({exc.strerror or exc}); set MPLCONFIGDIR to a writable folder") from None
    os.environ["MPLCONFIGDIR"] = folder
    atexit.register(shutil.rmtree, folder, True)


def _usable(folder: Path) -> bool:
    """The folder exists as a writable folder, or can be made (as matplotlib would make it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return folder.is_dir() and os.access(folder, os.W_OK)


def styled(build: Callable[..., Any]) -> Callable[..., Any]:
    """Builds a figure in lwprof's style (font sizes) without touching the caller's matplotlib settings."""

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _pyplot().rc_context(_STYLE):
            return build(*args, **kwargs)

    return wrapper


def check_plot_path(path: str | Path, force: bool = False) -> Path:
    """Checks a plot target before any work: a .png, .svg or .pdf name that can be written.

    Raises:
        LwprofError: Another suffix, a missing directory, a directory in its place, or an
            existing file without ``force``.
    """
    check_targets(None, str(path), force)
    return Path(path)


def save_figure(fig: Any, path: str | Path, force: bool = False) -> Path:
    """Writes a matplotlib figure atomically (PNG, SVG or PDF by suffix) and closes it."""
    target = check_plot_path(path, force)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=target.suffix.lower().lstrip("."), dpi=150, bbox_inches="tight")
    finally:
        _pyplot().close(fig)
    return write_atomic(target, buffer.getvalue(), force=force)


# -- numbers, ticks and legends ------------------------------------------------------------------------


def tick_text(value: float, unit: str = "") -> str:
    """A tick's number in human form: 0, 0.25, 2.5, 150, 1,200 (at most 3 significant digits, no
    exponent), with ``unit`` after it ("150 M", "2.5 ms")."""
    if value == 0 or not math.isfinite(value):
        text = "0"
    else:
        digits = max(0, 2 - math.floor(math.log10(abs(value))))
        text = f"{value:,.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}".rstrip() if text != "0" or not unit else "0"


def _human_axis(axis: Any, unit: str = "", log: bool = False) -> None:
    """Tick labels in human form on one axis; on a log axis, 1-2-5 ticks and no minor labels."""
    from matplotlib import ticker

    if log:
        axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_minor_formatter(ticker.NullFormatter())
    else:
        axis.set_major_locator(ticker.MaxNLocator(nbins=6, min_n_ticks=3))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: tick_text(v, unit)))


def _legend_outside(ax: Any, handles: Sequence[Any] | None = None, labels: Sequence[str] | None = None, below: bool = False) -> Any:
    """A legend beside (or below) the axes, never over the data; none when nothing is labelled."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if below:
        return ax.figure.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(3, len(handles)), frameon=False)
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def overlapping_labels(fig: Any) -> list[tuple[str, str]]:
    """Pairs of visible tick labels on one axis whose boxes overlap (after drawing the figure)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels(which="both") if t.get_visible() and t.get_text()]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    if boxes[i][1].overlaps(boxes[j][1]):
                        pairs.append((boxes[i][0], boxes[j][0]))
    return pairs


def declutter(fig: Any) -> None:
    """Hides tick labels (every 2nd, 3rd, ...) on each axis whose labels overlap, until none does."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            step = 1
            for step in range(1, len(labels) + 1):
                kept = boxes[::step]
                if all(not a.overlaps(b) for a, b in zip(kept, kept[1:])):
                    break
            if step > 1:
                for i, label in enumerate(labels):
                    label.set_visible(i % step == 0)


def _color(r: LayerRecord) -> str:
    """A layer's colour from its kind and conv structure: 1x1 blue (grouped: light blue), depthwise 3x3 orange,
    full 3x3 green, FC purple, the rest grey."""
    if r.kind is LayerKind.LINEAR:
        return "#9467bd"
    c = r.conv
    if r.kind is not LayerKind.CONV or c is None:
        return _GREY
    if c.depthwise:
        return "#ff7f0e" if c.kernel == (3, 3) else _GREY
    if c.pointwise and len(c.kernel) == 2:
        return "#1f77b4" if c.groups == 1 else "#6baed6"
    return "#2ca02c" if c.kernel == (3, 3) and c.groups == 1 else _GREY


def separate(fig: Any, notes: Sequence[Any], step: float = 11.0, tries: int = 12) -> None:
    """Moves point labels (annotations in offset points) up or down until no two overlap, nor a label its neighbours'
    points; a label that would cross the axes' right edge goes to the left of its point."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    points = [n.axes.transData.transform(n.xy) for n in notes]
    placed: list[Any] = [Bbox.from_extents(x - 4, y - 4, x + 4, y + 4) for x, y in points]  # the markers, about 8 px across
    for note in notes:
        if Text.get_window_extent(note, renderer).x1 > note.axes.get_window_extent(renderer).x1:  # past the right edge: to the left
            note.set_horizontalalignment("right")
            note.xyann = (-abs(note.xyann[0]), note.xyann[1])
        x0, y0 = note.xyann
        for k in range(tries + 1):
            shift = step * ((k + 1) // 2) * (1 if k % 2 else -1) if k else 0.0  # 0, +1, -1, +2, -2 steps
            note.xyann = (x0, y0 + shift)
            box = Text.get_window_extent(note, renderer)  # the text alone, not its leader line
            if not any(box.overlaps(b) for b in placed):
                break
        placed.append(Text.get_window_extent(note, renderer))




# -- the figures ----------------------------------------------------------------------------------------


@styled
def figure_layers(profile: ModelProfile, title: str | None = None) -> Any:
    """Bars of MACs and memory traffic for every layer that has MACs (conv, FC, ...)."""
    plt = _pyplot()
    leaves = [r for r in profile.leaves() if r.macs > 0]
    if not leaves:
        raise LwprofError("nothing to plot: no layer has MACs")
    x = range(len(leaves))
    # 8-pt names turned upright need about 0.16 in each; very deep models get thinned labels (declutter)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(min(40.0, max(8.0, 0.16 * len(leaves) + 2.5)), 7.5), sharex=True)
    colors = [_color(r) for r in leaves]
    ax1.bar(x, [r.macs / 1e6 for r in leaves], color=colors)
    ax1.set_ylabel("MACs (M = millions)")
    bpe = profile.bytes_per_element
    ax2.bar(x, [r.traffic_elements * bpe / 2**20 for r in leaves], color=colors)
    ax2.set_ylabel(f"memory traffic (MiB, {profile.dtype})")
    ax2.set_xlabel("layer (execution order)")
    ax2.set_xticks(list(x))
    ax2.set_xticklabels([r.name for r in leaves], rotation=90)
    _human_axis(ax1.yaxis, "M")
    _human_axis(ax2.yaxis, "MiB")
    categories = {r.category: _color(r) for r in reversed(leaves)}
    categories = {c: categories[c] for c in dict.fromkeys(r.category for r in leaves)}
    _legend_outside(ax1, [plt.Rectangle((0, 0), 1, 1, color=col) for col in categories.values()], list(categories))
    ax1.set_title(title or f"{profile.arch}: per-layer MACs and memory traffic (batch {profile.batch})")
    for ax in (ax1, ax2):
        ax.grid(axis="y", alpha=0.3)
        ax.set_xlim(-0.6, len(leaves) - 0.4)
        ax.set_ylim(bottom=0)
    declutter(fig)
    return fig


def plot_layers(profile: ModelProfile, path: str | Path, title: str | None = None, force: bool = False) -> Path:
    """:func:`figure_layers`, saved."""
    return save_figure(figure_layers(profile, title), path, force)


@styled
def figure_variants(comparison: Comparison, title: str | None = None) -> Any:
    """Scatter of params (x) against MACs (y) of every variant, each labelled; both axes from zero."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    xs = [v.profile.params / 1e6 for v in comparison.variants]
    ys = [v.profile.macs / 1e6 for v in comparison.variants]
    ax.scatter(xs, ys, s=40, color="#1f77b4", zorder=3)
    leader = {"arrowstyle": "-", "color": "#9e9e9e", "lw": 0.6, "shrinkA": 0, "shrinkB": 4}  # shows which point a moved label names
    notes = [
        ax.annotate(v.label, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=MIN_FONT, arrowprops=leader)
        for v, x, y in zip(comparison.variants, xs, ys)
    ]
    ax.set_xlabel("parameters (M = millions)")
    ax.set_ylabel("MACs (M = millions)")
    ax.set_title(title or f"{comparison.arch}: params vs MACs")
    ax.grid(alpha=0.3)
    ax.set_xlim(0, max(xs) * 1.25 or 1)
    ax.set_ylim(0, max(ys) * 1.15 or 1)
    _human_axis(ax.xaxis, "M")
    _human_axis(ax.yaxis, "M")
    separate(fig, notes)
    declutter(fig)
    return fig


def plot_variants(comparison: Comparison, path: str | Path, title: str | None = None, force: bool = False) -> Path:
    """:func:`figure_variants`, saved."""
    return save_figure(figure_variants(comparison, title), path, force)


@styled
def figure_grid(comparison: Comparison, quantity: str = "macs", title: str | None = None) -> Any:
    """Heat map of ``quantity`` ("macs" or "params") over a sweep of exactly two options."""
    plt = _pyplot()
    if len(comparison.vary) != 2:
        raise LwprofError("a grid plot needs exactly two varied options, e.g. --alpha 1,0.5 --resolution 224,160")
    (row_key, rows), (col_key, cols) = comparison.vary.items()
    values = [[0.0] * len(cols) for _ in rows]
    for i, v in enumerate(comparison.variants):
        values[i // len(cols)][i % len(cols)] = getattr(v.profile, quantity) / 1e6
    fig, ax = plt.subplots(figsize=(1.3 * len(cols) + 3, 0.7 * len(rows) + 2))
    image = ax.imshow(values, cmap="viridis", aspect="auto", vmin=0)
    ax.set_xticks(range(len(cols)), [str(c) for c in cols])
    ax.set_yticks(range(len(rows)), [str(r) for r in rows])
    ax.set_xlabel(col_key)
    ax.set_ylabel(row_key)
    top = max(max(r) for r in values)
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            ax.text(j, i, tick_text(value, "M"), ha="center", va="center", color="white" if value < 0.6 * top else "black", fontsize=9)
    what = "MACs" if quantity == "macs" else "parameters"
    bar = fig.colorbar(image, ax=ax, label=f"{what} (M = millions)")
    _human_axis(bar.ax.yaxis, "M")
    ax.set_title(title or f"{comparison.arch}: {what} over {row_key} x {col_key}")
    declutter(fig)
    return fig


def plot_grid(comparison: Comparison, path: str | Path, quantity: str = "macs", title: str | None = None, force: bool = False) -> Path:
    """:func:`figure_grid`, saved."""
    return save_figure(figure_grid(comparison, quantity, title), path, force)


@styled
def figure_roofline(latency: Any, title: str | None = None, labels: Sequence[str] = ()) -> Any:
    """Roofline-style chart: each layer's achieved MAC/s against its MACs per byte (both axes log, and labelled so).

    The horizontal roof is the best achieved MAC/s of any layer; the slanted one is the best
    achieved bytes/s (MAC/s divided by intensity), so layers under the slanted roof are bound
    by memory traffic, not arithmetic.

    Args:
        latency: A :class:`lwprof.latency.measure.LatencyResult`.
        labels: Layer names to annotate (default: the three slowest).
    """
    plt = _pyplot()
    profile = latency.profile
    bpe = profile.bytes_per_element
    records = {r.name: r for r in profile.leaves()}
    points = [(t, records[t.name]) for t in latency.layers if t.macs > 0 and t.median_s > 0 and t.name in records]
    if not points:
        raise LwprofError("nothing to plot: no timed layer has MACs")
    fig, ax = plt.subplots(figsize=(8, 5.5))
    seen = set()
    for t, r in points:
        ax.scatter(r.intensity(bpe), t.macs_per_s / 1e9, color=_color(r), s=30, zorder=3, label=None if r.category in seen else r.category)
        seen.add(r.category)
    peak = max(t.macs_per_s for t, _ in points) / 1e9
    bandwidth = max(t.macs_per_s / r.intensity(bpe) for t, r in points) / 1e9  # GB/s
    xs = sorted(r.intensity(bpe) for _, r in points)
    lo, hi = xs[0] / 2, xs[-1] * 2
    ridge = peak / bandwidth
    ax.plot([lo, ridge, hi], [bandwidth * lo, peak, peak], color="black", lw=1, ls="--", label=f"roof: {tick_text(bandwidth)} GB/s, {tick_text(peak)} GMAC/s")
    wanted = list(labels) or [t.name for t in sorted(latency.layers, key=lambda t: t.rank_time)[:3]]
    by_name = {t.name: (t, r) for t, r in points}
    leader = {"arrowstyle": "-", "color": "#9e9e9e", "lw": 0.6, "shrinkA": 0, "shrinkB": 4}
    notes = []
    for name in (n for n in wanted if n in by_name):
        t, r = by_name[name]
        xy = (r.intensity(bpe), t.macs_per_s / 1e9)
        notes.append(ax.annotate(f"{name} (#{t.rank_time} by time)", xy, textcoords="offset points", xytext=(8, -10), fontsize=MIN_FONT, arrowprops=leader))
    ax.set_xscale("log")
    ax.set_yscale("log")
    _human_axis(ax.xaxis, log=True)
    _human_axis(ax.yaxis, log=True)
    ax.set_xlabel(f"arithmetic intensity (MACs per byte of traffic, {profile.dtype}; log scale)")
    ax.set_ylabel("achieved GMAC/s (measured; log scale)")
    ax.set_title(title or f"{profile.arch}: measured per-layer throughput ({latency.threads} threads)")
    ax.grid(alpha=0.3, which="both")
    _legend_outside(ax)
    separate(fig, notes)
    declutter(fig)
    return fig


def plot_roofline(latency: Any, path: str | Path, title: str | None = None, labels: Sequence[str] = (), force: bool = False) -> Path:
    """:func:`figure_roofline`, saved."""
    return save_figure(figure_roofline(latency, title, labels), path, force)


def plot_sweep(comparison: Comparison, path: str | Path, quantity: str = "macs", force: bool = False) -> Path:
    """A sweep's picture: the heat map of two varied options, else params against MACs."""
    if len(comparison.vary) == 2:
        return plot_grid(comparison, path, "params" if quantity == "params" else "macs", force=force)
    return plot_variants(comparison, path, force=force)
