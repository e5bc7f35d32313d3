"""Golden files: the rich tables of the commands, rendered without colour at 80 and 200 columns.

A change to a table shows up here as a diff. After an intended change, regenerate them with
``pytest tests/test_golden.py --update-golden`` (or ``make golden``) and review the diff.

Timings are simulated (:func:`simulated_measure`, :func:`simulated_time_variants`): the
analytic profile is real, the seconds are a fixed function of each layer's MACs, so the
golden files of ``bench``, ``sweep --bench`` and ``compare --bench`` never change by chance.
The paper check runs once and is reused at both widths.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import lwprof
from lwprof import api, cli
from lwprof.render import console

__all__: list[str] = []

GOLDEN = Path(__file__).parent / "golden"
WIDTHS = (80, 200)

CASES = {
    "summary_shufflenet_g8_depth3": ["summary", "shufflenet", "--groups", "8", "--no-fvcore", "--depth", "3"],
    "summary_mobilenet_by_type": ["summary", "mobilenet", "--by-type", "--no-fvcore"],
    "summary_mobilenet_memory_r64": ["summary", "mobilenet", "--resolution", "64", "--memory", "--no-fvcore"],
    "summary_mobilenet_160x320": ["summary", "mobilenet", "--input-size", "3,160,320", "--no-fvcore", "--depth", "1"],
    "summary_mobilenet_backward_r32": ["summary", "mobilenet", "--resolution", "32", "--backward", "--depth", "1"],
    "compare_mobilenet_alpha05": ["compare", "mobilenet", "--alpha", "0.5", "--no-fvcore"],
    "compare_v2_v3_large": ["compare", "mobilenet_v2", "mobilenet_v3_large", "--no-fvcore"],
    "compare_shufflenet_groups_scale": ["compare", "shufflenet", "--vary", "groups=1,2,3,4,8", "--vary", "scale=0.5,1", "--no-fvcore"],
    "compare_shufflenet_bench": ["compare", "shufflenet", "--no-fvcore", "--bench"],
    "layer_4_2_3_12": ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12"],
    "layer_first_conv_no_groups": ["layer", "--in", "3", "--out", "32", "--kernel", "3", "--size", "224", "--stride", "2"],
    "bench_mobilenet_top8_noisy": ["bench", "mobilenet", "--top", "8"],
    "bench_ghostnet_r96": ["bench", "ghostnet", "--resolution", "96", "--top", "12"],
    "sweep_mobilenet_alpha_resolution": ["sweep", "mobilenet", "--alpha", "1,0.75,0.5,0.25", "--resolution", "224,192,160,128"],
    "sweep_mobilenet_latency": ["sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160,128,96", "--bench", "--quantity", "latency"],
    "check_mobilenet": ["check", "--arch", "mobilenet"],
    "check_summary": ["check", "--summary"],
    # prediction, with the round rates of tests/data/fake_calibration.py (CAL, written for each test; calibrate stubbed)
    "bench_mobilenet_r96_predict": ["bench", "mobilenet", "--resolution", "96", "--top", "8", "--predict", "--calibration", "cal.json"],
    "fit_mobilenet_budgets": ["fit", "mobilenet", "--max-macs", "300M", "--max-params", "3M", "--vary", "alpha=0.5:1:0.25",
                              "--vary", "resolution=128,160,192", "--calibration", "cal.json"],
    "diff_mobilenet_shallow": ["diff", "mobilenet", "mobilenet@shallow=true,num_classes=10"],
    "calibrate_stub": ["calibrate", "--quick", "--save", "saved.json"],
}  # fmt: skip
CAL_THREADS = 4  # the threads simulated_measure reports, so that bench --predict prices with a matching calibration


# --------------------------------------------------------------------------------------------
# Simulated timings


def _layer_seconds(record: Any) -> float:
    """A fixed, plausible time for a leaf: 20 us plus its MACs at 10 GMAC/s (depthwise at 2)."""
    rate = 2e9 if record.conv is not None and record.conv.depthwise else 10e9
    return 20e-6 + record.macs / rate


def _runs(median: float, spread: float, n: int) -> tuple[float, ...]:
    """``n`` runs around ``median``: a fixed pattern whose interquartile range is about ``spread`` x median."""
    pattern = [0.0, -0.5, 0.5, -0.25, 0.25, -1.0, 1.0, 0.1]
    return tuple(median * (1 + spread * pattern[i % len(pattern)]) for i in range(n))


def simulated_measure(model_or_name: Any, input_size: Any = None, *, inputs: Any = None, batch: int = 1, warmup: int = 5, repeats: int = 20,
                      max_repeats: int | None = None, threads: int | None = None, kwargs: Any = None, progress: Any = None,
                      per_layer: bool = True, runtime: str = "torch", **options: Any) -> Any:  # fmt: skip
    """``lwprof.api.measure`` with the seconds made up (the profile is real).

    MobileNet's end-to-end runs are made noisy (IQR about 60% of the median), so its golden
    file shows the warning; every other model's are steady.
    """
    from lwprof.latency.measure import latency_result
    from lwprof.latency.timing import Timing

    assert runtime == "torch", "the goldens time eager PyTorch"

    profile = lwprof.profile(model_or_name, input_size, inputs=inputs, batch=batch, kwargs=kwargs, **options)
    leaves = [r for r in profile.leaves() if r.calls]
    layers = {r.name: _runs(_layer_seconds(r), 0.04, repeats) for r in leaves}
    total = sum(_layer_seconds(r) for r in leaves) * 0.9  # hooks cost a little: the layers add up to a bit more
    noisy = profile.arch == "mobilenet_v1" and profile.config.get("resolution") == 224
    runs = _runs(total, 1.2 if noisy else 0.04, (max_repeats or 4 * repeats) if noisy else repeats)
    return latency_result(profile, Timing(runs, warmup), layers if per_layer else {}, threads or 4)


# --------------------------------------------------------------------------------------------
# The test


def _normalise(text: str) -> str:
    """Trailing spaces dropped (rich pads titles; editors strip them), one final newline; the
    seconds fit's search took (it prints them) as X."""
    text = re.sub(r"\bin \d+(\.\d+)? s\b", "in X s", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


@functools.cache
def _paper_checks(arch: str | None) -> tuple[Any, ...]:
    from lwprof.reference.check import run_checks

    return tuple(run_checks(arch))


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.data.fake_calibration import make_calibration, write_calibration

    monkeypatch.chdir(tmp_path)  # the calibration's path is printed: relative, the same on every machine
    # held-out ratios 0.9 .. 1.2: an 80% interval of 0.93x-1.17x the prediction (inclusive deciles), graded fair
    write_calibration(path=tmp_path / "cal.json", threads=CAL_THREADS, held_out=(0.9, 1.0, 1.1, 1.2))
    monkeypatch.setattr(api, "calibrate", lambda **kwargs: make_calibration(threads=CAL_THREADS))
    monkeypatch.setattr(api, "measure", simulated_measure)
    monkeypatch.setattr(api, "check_papers", lambda arch=None, progress=None: list(_paper_checks(arch)))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, width: int, update_golden: bool, simulated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "stdout_console", lambda: Console(width=width, force_terminal=False, color_system=None))
    result = CliRunner().invoke(cli.app, CASES[name])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    got = _normalise(result.stdout)
    assert max(len(line) for line in got.splitlines()) <= width, "a line is wider than the console"
    path = GOLDEN / f"{name}.{width}.out"
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; run pytest tests/test_golden.py --update-golden")
    expected = path.read_text(encoding="utf-8")
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), str(path), "now"))
        pytest.fail(f"lwprof {' '.join(CASES[name])} at {width} columns differs from {path.name} (pytest --update-golden rewrites it):\n{diff}")
