"""Plots: each writes a real PNG atomically; bad targets are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import lwprof
from lwprof.errors import LwprofError
from lwprof.latency.measure import measure
from lwprof.render import plots  # matplotlib is in the dev set-up (make install: .[dev,plot]); a missing one is a failure

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == PNG and path.stat().st_size > 5000


def test_every_plot_writes_a_png(tmp_path):
    p = lwprof.profile("shufflenet", resolution=64)
    assert _is_png(plots.plot_layers(p, tmp_path / "layers.png"))
    c = lwprof.compare("shufflenet", resolution=64)
    assert _is_png(plots.plot_variants(c, tmp_path / "variants.png"))
    g = lwprof.compare("mobilenet", vary={"alpha": [1, 0.5], "resolution": [64, 96]})
    assert _is_png(plots.plot_grid(g, tmp_path / "grid.png"))
    r = measure("mobilenet", resolution=64, warmup=1, repeats=2)
    assert _is_png(plots.plot_roofline(r, tmp_path / "roof.png"))
    assert sorted(x.name for x in tmp_path.iterdir()) == ["grid.png", "layers.png", "roof.png", "variants.png"]


def test_plot_errors(tmp_path):
    p = lwprof.profile("mobilenet", resolution=64)
    with pytest.raises(LwprofError, match="must end in .png"):
        plots.plot_layers(p, tmp_path / "x.jpg")
    with pytest.raises(LwprofError, match="does not exist"):
        plots.plot_layers(p, tmp_path / "missing" / "x.png")
    with pytest.raises(LwprofError, match="exactly two"):
        plots.plot_grid(lwprof.compare("mobilenet", resolution=64), tmp_path / "g.png")
    assert list(tmp_path.iterdir()) == []
