"""Plots one can put in a paper (issue 24, item 10): every plot type is drawn and its elements checked.

The checks measure the figure as the renderer lays it out (bounding boxes of tick labels and
legends in display pixels), independently of the code that drew it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lwprof

plots = pytest.importorskip("lwprof.render.plots")
from matplotlib.text import Text  # noqa: E402  (after the importorskip)

from lwprof.render import predict_plots  # noqa: E402
from tests.data.fake_calibration import make_calibration  # noqa: E402


def tick_labels(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels(which="both") if t.get_visible() and t.get_text()]
            out.append((axis, [(t.get_text(), t.get_window_extent(renderer)) for t in labels]))
    return out


def assert_paper_ready(fig) -> None:
    """No two tick labels of an axis overlap, every text is >= 8 pt, no exponent or offset on an axis."""
    for axis, labels in tick_labels(fig):
        for i in range(len(labels)):
            for j in range(i + 1, len(labels)):
                assert not labels[i][1].overlaps(labels[j][1]), f"tick labels {labels[i][0]!r} and {labels[j][0]!r} overlap"
        for text, _ in labels:
            assert "e+" not in text and "e-" not in text and "×10" not in text and "$" not in text, text
        assert axis.get_offset_text().get_text() == "", "an axis offset or multiplier (like 1e8) is shown"
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t.get_fontsize() < 8]
    assert not small, f"texts under 8 pt: {small[:5]}"


def legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def assert_outside(fig, legend, ax) -> None:
    renderer = fig.canvas.get_renderer()
    assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer)), "the legend is over the data"


def test_layers_bars() -> None:
    p = lwprof.profile("mobilenet_v3_large")  # 60 layers with MACs: the labels must thin out or fit
    fig = plots.figure_layers(p)
    assert_paper_ready(fig)
    ax1, ax2 = fig.axes
    drawn = list(dict.fromkeys(r.category for r in p.leaves() if r.macs > 0))
    legend = ax1.get_legend()
    assert legend_texts(legend) == drawn and "Conv DW 5x5" in drawn  # one entry per category drawn, none else
    assert_outside(fig, legend, ax1)
    assert ax1.get_ylim()[0] == 0 and ax2.get_ylim()[0] == 0  # bars of counts from zero
    assert [t.get_text() for t in ax1.get_yticklabels() if t.get_text()][-1].endswith(" M")
    assert ax2.get_yscale() == "linear"


def test_a_two_point_comparison_does_not_zoom() -> None:
    # alpha 1.0 vs 0.98 differ by ~5% in MACs: the axes start at zero, so the gap looks its size
    c = lwprof.compare("mobilenet", vary={"alpha": [1.0, 0.98]})
    fig = plots.figure_variants(c)
    assert_paper_ready(fig)
    (ax,) = fig.axes
    assert ax.get_xlim()[0] == 0 and ax.get_ylim()[0] == 0
    top = max(v.profile.macs for v in c.variants) / 1e6
    assert top < ax.get_ylim()[1] < 1.3 * top
    assert ax.get_legend() is None  # nothing needs a key: each point is labelled
    labels = {t.get_text() for t in ax.texts}
    assert labels == {"alpha=1.0", "alpha=0.98"}


def test_point_labels_do_not_overlap() -> None:
    c = lwprof.compare("shufflenet", resolution=64)  # groups 1, 2, 3, 4, 8: five points close together
    fig = plots.figure_variants(c)
    assert_paper_ready(fig)
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    boxes = [(t.get_text(), Text.get_window_extent(t, renderer)) for t in ax.texts]  # the label, not its leader line
    assert len(boxes) == 5
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i][1].overlaps(boxes[j][1]), f"{boxes[i][0]} and {boxes[j][0]} overlap"


def test_heat_map() -> None:
    g = lwprof.compare("mobilenet", vary={"alpha": [1, 0.5], "resolution": [128, 96]})
    fig = plots.figure_grid(g)
    assert_paper_ready(fig)
    ax, bar = fig.axes
    cells = sorted(t.get_text() for t in ax.texts)
    # MobileNetV1 1.0: the convs' 568,740,352 - 1,024,000 (FC) = 567,716,352 MACs scale with (resolution / 224)^2 (every
    # feature map divides exactly: 224/32 = 7, 128/32 = 4, 96/32 = 3): 567,716,352 x 16/49 + 1,024,000 = 186,400,768 at 128,
    # x 9/49 + 1,024,000 = 105,298,432 at 96
    assert "186 M" in cells and "105 M" in cells and len(cells) == 4
    assert bar.get_ylim()[0] == 0  # the colour scale starts at zero


def test_roofline() -> None:
    from lwprof.latency.measure import measure

    r = measure("mobilenet", resolution=64, warmup=1, repeats=2)
    fig = plots.figure_roofline(r)
    assert_paper_ready(fig)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and "log scale" in ax.get_xlabel() and "log scale" in ax.get_ylabel()  # log: chosen and said
    legend = ax.get_legend()
    drawn = list(dict.fromkeys(r.profile.layers[[x.name for x in r.profile.layers].index(t.name)].category for t in r.layers if t.macs > 0 and t.median_s > 0))
    assert legend_texts(legend)[:-1] == drawn and legend_texts(legend)[-1].startswith("roof: ")
    assert_outside(fig, legend, ax)


def test_fit_plot_legend_has_only_what_is_drawn() -> None:
    result = lwprof.fit("mobilenet", {"alpha": "0.25:1.0:0.25", "resolution": "128,160,224"}, max_latency="9ms", calibration=make_calibration())
    fig = predict_plots.figure_fit(result)
    assert_paper_ready(fig)
    left, right = fig.axes
    legend = fig.legends[0]
    texts = legend_texts(legend)
    over = [c for c in result.candidates if not c.fits and not c.front]
    inside = [c for c in result.candidates if c.fits and not c.front]
    assert ("over a budget" in texts) == bool(over) and ("within the budgets" in texts) == bool(inside)
    assert "budget: latency <= 9 ms" in texts and not any(t.startswith("budget: MACs") for t in texts)  # no MACs budget, no line
    assert texts[-1] == f"best: {result.chosen.label}" and len(texts) == len(set(texts))
    for ax in (left, right):
        assert_outside(fig, legend, ax)
        assert ax.get_yscale() == "log" and "log scale" in ax.get_xlabel()
    assert "log scale" in left.get_ylabel()
    assert all(t.get_text().endswith(" ms") for t in left.get_yticklabels() if t.get_visible() and t.get_text())


def test_the_callers_matplotlib_settings_are_left_alone() -> None:
    import matplotlib

    before = matplotlib.rcParams["xtick.labelsize"], matplotlib.rcParams["legend.fontsize"]
    plots.figure_variants(lwprof.compare("mobilenet", vary={"alpha": [1.0, 0.5]}, resolution=64))
    assert (matplotlib.rcParams["xtick.labelsize"], matplotlib.rcParams["legend.fontsize"]) == before


def test_saved_sizes_keep_fonts(tmp_path: Path) -> None:
    """Figures are saved at their own size (no shrinking): a PNG's pixels are the figure's inches x dpi."""
    from PIL import Image

    p = lwprof.profile("mobilenet", resolution=64)
    fig = plots.figure_layers(p)
    width_in = fig.get_size_inches()[0]
    path = plots.save_figure(fig, tmp_path / "layers.png")
    with Image.open(path) as image:
        assert image.size[0] >= width_in * 150 * 0.9  # bbox_inches="tight" only trims or adds margins


def test_plot_alone_with_output_to_dev_null(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lwprof.cli import app

    target = tmp_path / "layers.png"
    result = CliRunner().invoke(app, ["summary", "mobilenet", "--resolution", "64", "--no-fvcore", "--plot", str(target), "-o", "/dev/null"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and target.read_bytes()[:4] == b"\x89PNG" and f"wrote {target}" in result.stderr
