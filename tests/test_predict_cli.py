"""The prediction commands and --predict flags, with a calibration file written by the test (no timing thresholds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import lwprof
from lwprof import cli
from tests.data.fake_calibration import make_calibration, write_calibration

runner = CliRunner()


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache with this machine's fake calibration for torch's thread count."""
    import torch

    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path / "cache"))
    return write_calibration(tmp_path / "cache", threads=torch.get_num_threads())


def run(*args: str, code: int = 0) -> Any:
    result = runner.invoke(cli.app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def test_rendering_predictions_imports_neither_torch_nor_lwprof_latency() -> None:
    """Render stays torch-free: its builders use the objects they are given (stand-ins here)."""
    code = """
import sys
from types import SimpleNamespace as NS
from lwprof.render.predict_grids import calibration_grid, fit_grid
from lwprof.render.export import export_grid
cost = NS(shown_rates=lambda: (5.0, 30.0, None, 20.0), benchmarks=3, median_error=0.02, max_error=0.05)
cal = NS(kind_rows=lambda: [("conv1x1", "1x1 conv", cost)], rate_columns=lambda: (("overhead (us)", "overhead_us"), ("GMAC/s", "peak_gmacs"), ("Gop/s", "gops"), ("GB/s", "bandwidth_gbs")), describe=lambda: "Test CPU", benchmarks=(), seconds=1.0, noisy=0, path="", cpu="Test CPU", threads=2, dtype="fp32")
assert "conv1x1" in export_grid(calibration_grid(cal), "csv")
best = NS(label="alpha=1", params=10, macs=100, latency_s=0.002, fits=True, front=True, spec="mobilenet_v1")
result = NS(chosen=best, front=[best], candidates=(best,), skipped=(), axes={"alpha": (1.0,)}, fixed={}, objective="macs", budgets=NS(text=lambda: "none"),
            batch=1, profiled=1, seconds=0.1, notes=(), calibration={}, arch="mobilenet_v1",
            interval_s=lambda c: None, ties=lambda: (), latency_at_risk=lambda: False)
assert "best" in export_grid(fit_grid(result), "csv")
bad = sorted(m for m in sys.modules if m == "torch" or m.startswith("lwprof.latency"))
assert not bad, bad
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_summary_predict_table_and_json() -> None:
    out = run("summary", "mobilenet", "--predict", "--no-fvcore", "--depth", "1").stdout
    assert "predicted (ms)" in out and "Predicted latency" in out and "Test CPU" in out
    data = json.loads(run("summary", "mobilenet", "--predict", "--no-fvcore", "--format", "json").stdout)
    expected = lwprof.predict("mobilenet", calibration=make_calibration())
    assert data["prediction"]["total_s"] == pytest.approx(expected.total_s)
    by_name = {layer["name"]: layer for layer in data["layers"]}
    assert by_name[""]["predicted_s"] == pytest.approx(expected.total_s)
    assert by_name["features.0.0"]["predicted_s"] == pytest.approx(expected.seconds("features.0.0"))


def test_summary_predict_by_type_and_memory_csv() -> None:
    rows = run("summary", "shufflenet", "--predict", "--no-fvcore", "--by-type", "--format", "csv").stdout.splitlines()
    assert "predicted_ms" in rows[0].split(",")
    rows = run("summary", "shufflenet", "--predict", "--no-fvcore", "--memory", "--format", "csv").stdout.splitlines()
    assert rows[0].split(",")[-1] == "predicted_ms"


def test_predict_without_a_calibration_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path / "empty"))
    for args in (["summary", "mobilenet", "--predict", "--no-fvcore"], ["fit", "mobilenet"], ["sweep", "mobilenet", "--alpha", "1,0.5", "--predict"]):
        result = run(*args, code=2)
        assert result.stderr.count("\n") == 1 and "run `lwprof calibrate" in result.stderr and not result.stdout


def test_predict_looks_up_the_calibration_of_the_profiles_dtype(tmp_path: Path) -> None:
    import torch

    result = run("summary", "mobilenet", "--predict", "--dtype", "bf16", "--no-fvcore", code=2)
    assert "bf16" in result.stderr and "--dtype bf16" in result.stderr
    write_calibration(tmp_path / "cache", threads=torch.get_num_threads(), dtype="bf16")
    data = json.loads(run("summary", "mobilenet", "--predict", "--dtype", "bf16", "--no-fvcore", "--format", "json").stdout)
    assert data["prediction"]["calibration"]["dtype"] == "bf16"


def test_calibration_flag_names_a_file(tmp_path: Path) -> None:
    path = write_calibration(path=tmp_path / "mine.json", threads=7)
    data = json.loads(run("summary", "mobilenet", "--calibration", str(path), "--no-fvcore", "--format", "json").stdout)
    assert data["prediction"]["calibration"]["threads"] == 7
    result = run("summary", "mobilenet", "--calibration", str(tmp_path / "nope.json"), code=2)
    assert "does not exist" in result.stderr


def test_compare_predict() -> None:
    out = run("compare", "shufflenet", "--predict", "--no-fvcore").stdout
    assert "predicted (ms)" in out and "latency ratio" in out
    data = json.loads(run("compare", "shufflenet", "--predict", "--no-fvcore", "--format", "json").stdout)
    first = data["variants"][0]
    assert first["latency_ratio"] == pytest.approx(1.0)
    assert first["predicted_latency_s"] == pytest.approx(lwprof.predict("shufflenet@groups=1", calibration=make_calibration()).total_s)


def test_sweep_predict_one_axis_two_axes_and_latency_quantity() -> None:
    rows = run("sweep", "ghostnet", "--width", "0.5,1", "--predict", "--format", "csv").stdout.splitlines()
    assert rows[0] == "label,params,macs,predicted_ms" and len(rows) == 3
    # One table per export: --quantity picks it (MACs here, the predicted latency below); the
    # terminal shows both grids.
    out = run("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160", "--predict", "--format", "markdown").stdout
    assert "### mobilenet_v1: MACs over alpha x resolution" in out and "predicted latency (ms) over" not in out
    out = run("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160", "--predict", "--quantity", "latency", "--format", "markdown").stdout
    assert "### mobilenet_v1: predicted latency (ms) over alpha x resolution" in out and out.count("###") == 1
    assert run("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160", "--predict").stdout.count("alpha \\ resolution") == 2
    md = run("sweep", "mobilenet", "--alpha", "1,0.5", "--quantity", "latency", "--predict", "--format", "markdown").stdout
    assert "predicted latency (ms)" in md and "predicted (ms) |" in md
    data = json.loads(run("sweep", "mobilenet", "--alpha", "1,0.5", "--predict", "--format", "json").stdout)
    assert all(v["predicted_latency_s"] > 0 for v in data["variants"])
    result = run("sweep", "mobilenet", "--alpha", "1,0.5", "--quantity", "latency", code=2)
    assert "--bench (measured) or --predict" in result.stderr


def test_bench_predict_json_and_table() -> None:
    import torch

    data = json.loads(run("bench", "mobilenet", "--resolution", "32", "--repeats", "2", "--warmup", "1", "--predict", "--format", "json").stdout)
    pred = data["prediction"]
    assert pred["measured_s"] == min(data["times_s"]) and pred["measured_s"] <= data["median_s"]  # the fastest run
    assert pred["total_s"] > 0 and pred["error"] == pytest.approx(pred["total_s"] / pred["measured_s"] - 1)
    assert -1 <= pred["spearman"] <= 1 and -1 <= pred["spearman_macs"] <= 1
    assert all(layer["predicted_s"] is not None for layer in data["layers"])
    out = run("bench", "mobilenet", "--resolution", "32", "--repeats", "2", "--warmup", "1", "--predict", "--top", "3").stdout
    assert "predicted (ms)" in out and "End to end: measured" in out and "Spearman" in out
    assert out.count("Conv") + out.count("BatchNorm") + out.count("Activation") + out.count("FC") >= 3
    assert torch.get_num_threads() >= 1


def test_bench_predict_warns_about_a_calibration_for_other_threads(tmp_path: Path) -> None:
    path = write_calibration(path=tmp_path / "one.json", threads=1)
    out = run("bench", "mobilenet", "--resolution", "32", "--repeats", "1", "--warmup", "0", "--threads", "2", "--calibration", str(path)).stdout
    assert "the calibration is for 1 thread(s), the run used 2" in out


def test_fit_table_json_and_plot(tmp_path: Path) -> None:
    args = ["fit", "mobilenet", "--vary", "alpha=0.25:1.0:0.25", "--vary", "resolution=128,160,224", "--max-latency", "9ms"]
    out = run(*args).stdout
    assert "Pareto front" in out and "best" in out and "Best within the budgets" in out and "12 valid" in out
    data = json.loads(run(*args, "--format", "json").stdout)
    expected = lwprof.fit("mobilenet", {"alpha": "0.25:1.0:0.25", "resolution": "128,160,224"}, max_latency="9ms", calibration=make_calibration())
    assert data["best"]["spec"] == expected.chosen.spec and data["valid"] == 12
    assert data["budgets"]["max_latency_s"] == pytest.approx(0.009)
    plot = tmp_path / "fit.png"
    run(*args, "--plot", str(plot))
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fit_measure_from_the_command_line_stores_the_kernels_in_the_cache_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof.latency import kernelpred

    timed: list[int] = []

    def twenty_us(threads, tick):  # noqa: ANN001, ANN202
        return lambda batch: timed.append(len(batch)) or [2e-5] * len(batch)

    monkeypatch.setattr(kernelpred, "_torch_measure", twenty_us)
    args = ["fit", "mobilenet", "--vary", "alpha=0.25,0.5", "--vary", "resolution=128,160", "--max-macs", "100M", "--measure"]
    out = run(*args).stdout
    assert "--measure: the exact kernels of 1 finalist(s)" in " ".join(out.split())
    assert timed and len(json.loads(cache.read_text())["measured"]) == timed[0]
    data = json.loads(run(*args, "--format", "json").stdout)
    assert timed[1:] in ([], [0]) and any(n.startswith("--measure:") for n in data["notes"])  # the second run found every kernel in the table


def test_fit_fixed_option_flag_and_objective() -> None:
    data = json.loads(run("fit", "mobilenet", "--conv", "dwsep", "--vary", "alpha=0.5,1", "--objective", "latency", "--format", "json").stdout)
    assert data["fixed"] == {"conv": "dwsep"} and data["objective"] == "latency" and data["best"]["config"] == {"alpha": 0.5}


def test_fit_nothing_within_budget_exits_1() -> None:
    result = run("fit", "mobilenet", "--vary", "alpha=0.5,1", "--max-params", "1k", code=1)
    assert "NO CONFIGURATION" in result.stderr and "No configuration is within the budgets" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--vary", "alpha=0:1:0.5"], "alpha must be > 0"),
        (["--vary", "alpha"], "KEY=A:B:STEP"),
        (["--vary", "groups=2,4"], "groups has no effect"),
        (["--max-latency", "soon"], "--max-latency"),
        (["--max-macs", "lots"], "--max-macs"),
        (["--vary", "alpha=1", "--alpha", "0.5"], "both fixed and varied"),
        (["--objective", "params"], "params"),
    ],
)
def test_fit_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    result = run("fit", "mobilenet", *args, code=2)
    assert message in result.stderr and not result.stdout


def test_calibrate_command_writes_the_cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command with a two-case selection (structure only; real calibration is make reports' job)."""
    from lwprof.latency import calibrate as calibration

    few = [c for c in calibration.cases(quick=True) if c.kind in ("view", "conv1x1")][:3]
    monkeypatch.setattr(calibration, "cases", lambda quick=False: few)
    out = run("calibrate", "--threads", "1", "--quick").stdout
    assert "latency calibration" in out and "conv1x1" in out and "Saved to" in out
    files = list((tmp_path / "cache").glob("calibration-*-1t-fp32.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["threads"] == 1
    save = tmp_path / "cal.json"
    data = json.loads(run("calibrate", "--threads", "1", "--quick", "--save", str(save), "--format", "json").stdout)
    assert data["path"] == str(save) and len(data["benchmarks"]) == 3
    result = run("calibrate", "--threads", "1", "--save", str(save), code=2)  # exists: needs --force
    assert "--force" in result.stderr
    result = run("calibrate", "--dtype", "int8", code=2)
    assert "int8" in result.stderr
