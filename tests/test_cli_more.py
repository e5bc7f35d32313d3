"""CLI tests of the newer features: user models, budgets, --memory, --plot, comparing several
models, sweep, pin + check --expect, bench, and the examples in every command's --help.

Fast by construction: --no-fvcore, resolution 32 where the numbers allow it, and
``--repeats 2 --warmup 1 --threads 1`` for timings.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import lwprof
from lwprof import cli

__all__: list[str] = []

runner = CliRunner()

ROOT = Path(__file__).resolve().parent.parent
USER_FILE = "tests/data/user_net.py"  # relative to ROOT (the tests chdir there)
ODDNET = f"{USER_FILE}:OddNet"
MAKE_ODDNET = f"{USER_FILE}:make_oddnet"
PNG = b"\x89PNG\r\n\x1a\n"
FAST_BENCH = ("--repeats", "2", "--max-repeats", "2", "--warmup", "1", "--threads", "1")

# MobileNetV1 1.0 at resolution 32 (params do not depend on the resolution).
MOBILENET_32_MACS = 12610048
MOBILENET_PARAMS = 4231976


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str) -> Any:
    return runner.invoke(cli.app, list(args))


def ok(*args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def fails(code: int, *args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == PNG and path.stat().st_size > 1000


# --------------------------------------------------------------------------------------------
# summary with a user model


def test_summary_user_model_table() -> None:
    result = ok("summary", ODDNET, "--no-fvcore")
    out = result.stdout
    assert "input 1x6x33x33" in out  # OddNet.input_size
    for name in ("dilated", "strided", "gain", "seq", "head"):
        assert name in out
    assert "3x3 s1 d2 g3" in out and "5x5 s3 g4" in out
    flat = " ".join(out.split())
    assert "1 layer(s) have no formula and were counted from their ops (exact for MACs): gain (--strict makes this an error)" in flat


def test_summary_user_model_json() -> None:
    data = json.loads(ok("summary", ODDNET, "--no-fvcore", "-f", "json").stdout)
    expected = lwprof.profile(ODDNET)
    assert data["arch"] == ODDNET and data["config"] == {}
    assert data["input_shape"] == [1, 6, 33, 33]
    assert data["unsupported"] == ["gain"]
    assert data["totals"]["params"] == expected.params == 2213
    assert data["totals"]["macs"] == expected.macs == 461652
    gain = next(r for r in data["layers"] if r["name"] == "gain")
    assert gain["params"] == 24 and gain["macs"] == 0
    assert data["by_category"]["Unsupported"] == {"params": 24, "macs": 0}


@pytest.mark.parametrize("kwargs", ["width=24", '{"width": 24}'])
def test_summary_user_factory_kwargs(kwargs: str) -> None:
    from tests.data.user_net import OddNet

    data = json.loads(ok("summary", MAKE_ODDNET, "--kwargs", kwargs, "--no-fvcore", "-f", "json").stdout)
    expected = lwprof.profile(OddNet(width=24), (6, 33, 33))
    assert data["totals"]["params"] == expected.params == 8021
    assert data["totals"]["macs"] == expected.macs == 1358904
    default = json.loads(ok("summary", MAKE_ODDNET, "--no-fvcore", "-f", "json").stdout)
    assert default["totals"]["params"] == 2213


def test_summary_user_model_input_size() -> None:
    from tests.data.user_net import OddNet

    data = json.loads(ok("summary", ODDNET, "--input-size", "6,45,45", "--no-fvcore", "-f", "json").stdout)
    assert data["input_shape"] == [1, 6, 45, 45]
    assert data["totals"]["macs"] == lwprof.profile(OddNet(), (6, 45, 45)).macs == 858516
    assert data["totals"]["params"] == 2213  # params do not depend on the input
    same = json.loads(ok("summary", ODDNET, "--input-size", "6x45x45", "--no-fvcore", "-f", "json").stdout)
    assert same["totals"] == data["totals"]


# --------------------------------------------------------------------------------------------
# budgets: --max-macs / --max-params


@pytest.mark.parametrize(
    "budget",
    [
        ("--max-macs", "13M"),
        ("--max-macs", "12610.048k"),  # exactly the MACs: not over
        ("--max-macs", "12610048"),
        ("--max-macs", "0.1G"),
        ("--max-params", "4231976"),
        ("--max-params", "4.3M"),
    ],
)
def test_budget_met(budget: tuple[str, str]) -> None:
    result = ok("summary", "mobilenet", "--resolution", "32", "--no-fvcore", *budget)
    assert "OVER BUDGET" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("flag", "limit", "line"),
    [
        ("--max-macs", "12M", "OVER BUDGET: --max-macs 12M: measured 12,610,048 (12.61 M) exceeds 12,000,000 by 610,048"),
        ("--max-macs", "12610k", "OVER BUDGET: --max-macs 12610k: measured 12,610,048 (12.61 M) exceeds 12,610,000 by 48"),
        ("--max-macs", "0.0126G", "OVER BUDGET: --max-macs 0.0126G: measured 12,610,048 (12.61 M) exceeds 12,600,000 by 10,048"),
        ("--max-params", "4231975", "OVER BUDGET: --max-params 4231975: measured 4,231,976 (4.23 M) exceeds 4,231,975 by 1"),
        ("--max-params", "3.5M", "OVER BUDGET: --max-params 3.5M: measured 4,231,976 (4.23 M) exceeds 3,500,000 by 731,976"),
    ],
)
def test_budget_exceeded_exits_1(flag: str, limit: str, line: str) -> None:
    result = fails(1, "summary", "mobilenet", "--resolution", "32", "--no-fvcore", "-f", "json", flag, limit)
    assert result.stderr.splitlines() == [line]
    assert json.loads(result.stdout)["totals"]["macs"] == MOBILENET_32_MACS  # the result is still printed


def test_both_budgets_exceeded() -> None:
    result = fails(1, "summary", "mobilenet", "--resolution", "32", "--no-fvcore", "--max-macs", "1M", "--max-params", "1M")
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("OVER BUDGET: --max-macs 1M") and lines[1].startswith("OVER BUDGET: --max-params 1M")
    assert "MACs: 12,610,048" in result.stdout


def test_budget_of_a_user_model() -> None:
    assert ok("summary", ODDNET, "--no-fvcore", "--max-macs", "500k").exit_code == 0
    result = fails(1, "summary", ODDNET, "--no-fvcore", "--max-macs", "400k")
    assert "OVER BUDGET: --max-macs 400k: measured 461,652 (461.65 k) exceeds 400,000 by 61,652" in result.stderr


def test_malformed_budget_is_a_usage_error() -> None:
    result = fails(2, "summary", "mobilenet", "--resolution", "32", "--no-fvcore", "--max-macs", "lots")
    assert result.stderr == "error: --max-macs: cannot read 'lots' as a count: use a number with an optional k, M, G or T suffix, e.g. 300M\n"
    assert result.stdout == ""


# --------------------------------------------------------------------------------------------
# summary --memory


def test_memory_table() -> None:
    out = ok("summary", "mobilenet", "--resolution", "32", "--no-fvcore", "--memory").stdout
    for text in ("memory", "output (fp32)", "read", "written", "MACs/byte", "features.0.0", "15.38 KiB", "Memory traffic:", "Peak activation memory:"):
        assert text in out
    row = next(line for line in out.splitlines() if "features.0.0" in line)  # bytes in binary units: 32,768 B = 32.00 KiB
    assert "1x32x16x16" in row and "32.00 KiB" in row and "221.18 k" in row and "4.56" in row


@pytest.mark.parametrize(("dtype", "bpe"), [("fp32", 4), ("fp16", 2), ("int8", 1)])
def test_memory_csv_first_conv_by_hand(dtype: str, bpe: int) -> None:
    text = ok("summary", "mobilenet", "--resolution", "32", "--no-fvcore", "--memory", "--dtype", dtype, "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["name", "category", "output_shape", "output_bytes", "read_bytes", "write_bytes", "macs", "intensity"]
    stem = next(r for r in rows if r["name"] == "features.0.0")
    read = (3 * 32 * 32 + 3 * 3 * 3 * 32) * bpe  # input + 864 weights
    written = 32 * 16 * 16 * bpe  # stride 2: 16x16 outputs
    macs = 32 * 16 * 16 * 3 * 3 * 3
    assert (int(stem["read_bytes"]), int(stem["write_bytes"]), int(stem["output_bytes"]), int(stem["macs"])) == (read, written, written, macs)
    assert float(stem["intensity"]) == pytest.approx(macs / (read + written), rel=1e-5)
    assert stem["category"] == "Conv 3x3" and stem["output_shape"] == "1x32x16x16"
    assert sum(int(r["macs"]) for r in rows) == MOBILENET_32_MACS


def test_memory_json_keeps_the_profile() -> None:
    data = json.loads(ok("summary", "mobilenet", "--resolution", "32", "--no-fvcore", "--memory", "--dtype", "fp16", "-f", "json").stdout)
    assert data["dtype"] == "fp16" and data["totals"]["macs"] == MOBILENET_32_MACS


# --------------------------------------------------------------------------------------------
# --plot


def test_summary_plot(tmp_path: Path) -> None:
    target = tmp_path / "layers.png"
    result = ok("summary", "mobilenet", "--resolution", "32", "--no-fvcore", "-f", "json", "--plot", str(target))
    assert is_png(target) and f"wrote {target}" in result.stderr
    assert json.loads(result.stdout)["totals"]["macs"] == MOBILENET_32_MACS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers.png"]


def test_compare_plot(tmp_path: Path) -> None:
    target = tmp_path / "variants.png"
    result = ok("compare", "mobilenet", "--resolution", "32", "--no-fvcore", "--plot", str(target))
    assert is_png(target) and f"wrote {target}" in result.stderr


@pytest.mark.parametrize("axes", [("--alpha", "1,0.5", "--resolution", "32,64"), ("--alpha", "1,0.5,0.25", "--resolution", "32")], ids=["heat-map", "scatter"])
def test_sweep_plot(tmp_path: Path, axes: tuple[str, ...]) -> None:
    target = tmp_path / "sweep.png"
    result = ok("sweep", "mobilenet", *axes, "--plot", str(target))
    assert is_png(target) and f"wrote {target}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.png"]


def test_bench_plot(tmp_path: Path) -> None:
    target = tmp_path / "roofline.png"
    result = ok("bench", "mobilenet", "--resolution", "32", *FAST_BENCH, "--plot", str(target))
    assert is_png(target) and f"wrote {target}" in result.stderr


# --------------------------------------------------------------------------------------------
# compare with several models


def test_compare_several_zoo_models() -> None:
    data = json.loads(ok("compare", "mobilenet", "ghostnet", "--no-fvcore", "-f", "json").stdout)
    assert data["arch"] == "models" and data["vary"] == {"model": ["mobilenet", "ghostnet"]}
    first, second = data["variants"]
    assert [first["label"], second["label"]] == ["mobilenet", "ghostnet"]
    mobilenet, ghostnet = lwprof.profile("mobilenet"), lwprof.profile("ghostnet")
    assert first["totals"]["macs"] == mobilenet.macs and first["totals"]["params"] == mobilenet.params
    assert second["totals"]["macs"] == ghostnet.macs and second["totals"]["params"] == ghostnet.params
    assert first["macs_ratio"] == 1.0 and first["params_ratio"] == 1.0
    assert second["macs_ratio"] == pytest.approx(ghostnet.macs / mobilenet.macs)
    assert second["params_ratio"] == pytest.approx(ghostnet.params / mobilenet.params)
    assert second["config"]["conv"] == "ghost" and "alpha" not in second["config"]
    out = ok("compare", "mobilenet", "ghostnet", "--no-fvcore").stdout
    assert "mobilenet" in out and "ghostnet" in out and "0.248x" in out and "MACs by layer type" in out


def test_compare_user_models() -> None:
    data = json.loads(ok("compare", ODDNET, MAKE_ODDNET, "--no-fvcore", "--format", "json").stdout)
    assert [v["label"] for v in data["variants"]] == [ODDNET, MAKE_ODDNET]
    a, b = data["variants"]
    assert a["totals"]["macs"] == b["totals"]["macs"] == 461652  # make_oddnet() == OddNet()
    assert b["macs_ratio"] == 1.0 and b["params_ratio"] == 1.0


def test_compare_models_with_their_own_inputs() -> None:
    """Each model gets its own default input (3x224x224 and 6x33x33) when --input-size is not given."""
    data = json.loads(ok("compare", "mobilenet", ODDNET, "--no-fvcore", "-f", "json").stdout)
    first, second = data["variants"]
    assert first["totals"]["macs"] == 568740352 and second["totals"]["macs"] == 461652
    assert second["macs_ratio"] == pytest.approx(461652 / 568740352)


def test_compare_models_with_one_input_size() -> None:
    data = json.loads(ok("compare", "mobilenet", "shufflenet", "--input-size", "3,64,64", "--no-fvcore", "-f", "json").stdout)
    assert data["variants"][0]["totals"]["macs"] == lwprof.profile("mobilenet", (3, 64, 64)).macs
    assert data["variants"][1]["totals"]["macs"] == lwprof.profile("shufflenet", (3, 64, 64)).macs


@pytest.mark.parametrize("option", [("--alpha", "0.5"), ("--resolution", "64"), ("--vary", "alpha=1,0.5"), ("--set", "alpha=0.5")])
def test_compare_models_rejects_architecture_options(option: tuple[str, str]) -> None:
    result = fails(2, "compare", "mobilenet", "ghostnet", "--no-fvcore", *option)
    assert result.stderr.startswith("error: --vary and architecture options apply to one architecture")


def test_compare_models_csv() -> None:
    text = ok("compare", "mobilenet", "ghostnet", "--no-fvcore", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["label"] for r in rows] == ["mobilenet", "ghostnet"]
    assert rows[0]["macs"] == "568740352"


def test_compare_models_title_does_not_claim_first_models_options() -> None:
    out = ok("compare", "mobilenet", "ghostnet", "--no-fvcore", "-f", "markdown").stdout
    title = out.splitlines()[0]
    assert "alpha=1.0" not in title and "conv=dwsep" not in title, title


# --------------------------------------------------------------------------------------------
# sweep


def test_sweep_json_matches_profile() -> None:
    data = json.loads(ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160", "--format", "json").stdout)
    assert data["arch"] == "mobilenet_v1" and data["vary"] == {"alpha": [1.0, 0.5], "resolution": [224, 160]}
    assert len(data["variants"]) == 4
    seen = []
    for v in data["variants"]:
        alpha, resolution = v["config"]["alpha"], v["config"]["resolution"]
        p = lwprof.profile("mobilenet", alpha=alpha, resolution=resolution)
        assert (v["totals"]["macs"], v["totals"]["params"]) == (p.macs, p.params), v["label"]
        seen.append((alpha, resolution))
    assert seen == [(1.0, 224), (1.0, 160), (0.5, 224), (0.5, 160)]
    assert [v["totals"]["macs"] for v in data["variants"]] == [568740352, 290675200, 149497088, 76524800]


def test_sweep_table_is_a_2d_grid() -> None:
    out = ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160").stdout
    assert "alpha \\ resolution" in out and "MACs over alpha x resolution" in " ".join(out.split())
    row = next(line for line in out.splitlines() if line.startswith("│ 0.5"))
    assert "149.50 M" in row and "76.52 M" in row
    assert "568.74 M" in out and "290.68 M" in out


def test_sweep_params_csv() -> None:
    text = ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160", "--quantity", "params", "-f", "csv").stdout
    assert text.splitlines() == ["alpha,resolution=224,resolution=160", "1.0,4231976,4231976", "0.5,1331592,1331592"]
    out = ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,160", "--quantity", "params").stdout
    assert "params over alpha x resolution" in " ".join(out.split()) and "1.33 M" in out


def test_sweep_one_axis_lists_variants() -> None:
    text = ok("sweep", "shufflenet", "--groups", "1,8", "--resolution", "32", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["label"] for r in rows] == ["groups=1", "groups=8"]
    for r, g in zip(rows, (1, 8)):
        p = lwprof.profile("shufflenet", groups=g, resolution=32)
        assert (int(r["params"]), int(r["macs"])) == (p.params, p.macs)


def test_sweep_set_axis() -> None:
    data = json.loads(ok("sweep", "shufflenet", "--set", "shuffle=true,false", "--resolution", "32", "-f", "json").stdout)
    assert [v["config"]["shuffle"] for v in data["variants"]] == [True, False]


def test_sweep_bench_latency() -> None:
    result = ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "32", "--bench", "--quantity", "latency", "--repeats", "1", "-f", "json")
    data = json.loads(result.stdout)
    assert [v["label"] for v in data["variants"]] == ["alpha=1.0", "alpha=0.5"]
    assert all(v["latency_s"] > 0 for v in data["variants"])
    out = ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "32", "--bench", "--quantity", "latency", "--repeats", "1").stdout
    assert "latency, median ms (IQR)" in out and "Latency: median ms (interquartile range)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to sweep"),
        (("--alpha", "0.5"), "nothing to sweep"),
        (("--alpha", "1,0.5", "--quantity", "latency"), "--quantity latency needs --bench"),
        (("--alpha", "1,,0.5"), "--alpha '1,,0.5': empty value in the list"),
    ],
)
def test_sweep_errors(args: tuple[str, ...], message: str) -> None:
    result = fails(2, "sweep", "mobilenet", *args)
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stdout == ""


# --------------------------------------------------------------------------------------------
# pin and check --expect


def _pin(path: Path, *specs: str, extra: tuple[str, ...] = ()) -> Any:
    result = ok("pin", *specs, "-o", str(path), *extra)
    assert f"wrote {path}" in result.stderr
    return result


def test_pin_then_check_passes(tmp_path: Path) -> None:
    target = tmp_path / "lwprof.toml"
    _pin(target, "mobilenet@alpha=0.5,resolution=128", ODDNET)
    text = target.read_text()
    assert text.count("[[model]]") == 2
    # a model file is named as seen from the expectations file: relative to its folder, or
    # absolute where the two share only the root (a checkout in /work, pytest's files in /tmp)
    assert 'spec = "mobilenet@alpha=0.5,resolution=128"' in text
    written = next(line.split('"')[1] for line in text.splitlines() if line.startswith("spec = ") and "OddNet" in line)
    path = written.removesuffix(":OddNet")
    assert (tmp_path / path).resolve() == Path(ODDNET.split(":")[0]).resolve()
    assert Path(path).is_absolute() == (os.path.commonpath([tmp_path, Path(ODDNET).resolve()]) == "/")
    assert "params = 1331592" in text and "macs = 49160192" in text and "params = 2213" in text and "macs = 461652" in text
    assert "peak_activation_bytes = " in text
    result = ok("check", "--expect", str(target))
    assert "6 of 6 expectations hold" in result.stdout and "FAIL" not in result.stdout
    data = json.loads(ok("check", "--expect", str(target), "-f", "json").stdout)
    assert data["passed"] is True and data["file"] == str(target) and len(data["results"]) == 6
    assert {r["status"] for r in data["results"]} == {"pass"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lwprof.toml"]  # no temp file left


def test_check_fails_when_a_value_drifts(tmp_path: Path) -> None:
    target = tmp_path / "lwprof.toml"
    _pin(target, "mobilenet@alpha=0.5,resolution=128", "shufflenet@resolution=64")
    target.write_text(target.read_text().replace("params = 1331592", "params = 1331593"))
    result = fails(1, "check", "--expect", str(target))
    assert "5 of 6 expectations hold; 1 FAIL" in result.stdout
    assert "FAIL mobilenet@alpha=0.5,resolution=128 params: expected 1,331,593, measured 1,331,592 (1.33 M), difference -1" in result.stdout
    data = json.loads(fails(1, "check", "--expect", str(target), "-f", "json").stdout)
    assert data["passed"] is False
    failed = [r for r in data["results"] if r["status"] == "fail"]
    assert [(r["model"], r["quantity"], r["measured"], r["difference"]) for r in failed] == [("mobilenet@alpha=0.5,resolution=128", "params", 1331592, -1)]


def test_check_budgets_and_tolerances(tmp_path: Path) -> None:
    target = tmp_path / "budgets.toml"
    target.write_text(
        '[[model]]\nspec = "mobilenet@resolution=32"\nmacs = "<= 13M"\nparams = "4.2M ± 1%"\n'
        'peak_activation_bytes = { value = "1M", tolerance = "100M" }\n'
    )
    assert "3 of 3 expectations hold" in ok("check", "--expect", str(target)).stdout
    target.write_text('[[model]]\nspec = "mobilenet@resolution=32"\nmacs = "< 12M"\n')
    result = fails(1, "check", "--expect", str(target))
    assert "FAIL mobilenet@resolution=32 macs: expected < 12M, measured 12,610,048" in result.stdout


def test_check_malformed_file_names_the_line(tmp_path: Path) -> None:
    target = tmp_path / "bad.toml"
    target.write_text('# pins\n[[model]]\nspec = "mobilenet"\nparams = 4231976\n\n[[model]]\nspec = "ghostnet"\nmacs = "<= lots"\n')
    result = fails(2, "check", "--expect", str(target))
    assert result.stderr.startswith(f"error: {target}:8: macs: cannot read 'lots' as a count")
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_check_expect_with_arch_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "lwprof.toml"
    target.write_text('[[model]]\nspec = "mobilenet@resolution=32"\nparams = 4231976\n')
    result = fails(2, "check", "--expect", str(target), "--arch", "mobilenet")
    assert result.stderr == "error: --arch filters the paper checks; it does not apply with --expect\n"


def test_pin_updates_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "lwprof.toml"
    _pin(target, "mobilenet@resolution=32", "shufflenet@resolution=32")
    # hand-edit shufflenet's MACs into a budget: a later pin of other specs must keep it
    text = target.read_text()
    shufflenet_macs = lwprof.profile("shufflenet", resolution=32).macs
    target.write_text(text.replace(f"macs = {shufflenet_macs}", 'macs = "<= 1G"'))
    _pin(target, "mobilenet@resolution=64", "mobilenet@resolution=32", extra=("--quantity", "macs"))
    updated = target.read_text()
    specs = re.findall(r'^spec = "(.*)"$', updated, flags=re.M)
    assert specs == ["mobilenet@resolution=32", "shufflenet@resolution=32", "mobilenet@resolution=64"]
    entries = updated.split("[[model]]")[1:]
    assert "macs = 12610048" in entries[0] and "params" not in entries[0]  # replaced: only what was pinned now
    assert 'macs = "<= 1G"' in entries[1] and "params = " in entries[1]  # kept as edited
    assert f"macs = {lwprof.profile('mobilenet', resolution=64).macs}" in entries[2]
    assert "5 of 5 expectations hold" in ok("check", "--expect", str(target)).stdout
    assert json.loads(ok("check", "--expect", str(target), "-f", "json").stdout)["passed"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lwprof.toml"]


def test_pin_user_model_with_kwargs_and_input_size(tmp_path: Path) -> None:
    target = tmp_path / "user.toml"
    _pin(target, f"{MAKE_ODDNET}@width=24", extra=("--input-size", "6,45,45", "--quantity", "params", "--quantity", "flops"))
    text = target.read_text()
    assert "input_size = [6, 45, 45]" in text and "params = 8021" in text and "flops = " in text and "macs = " not in text
    assert json.loads(ok("check", "--expect", str(target), "-f", "json").stdout)["passed"] is True


# --------------------------------------------------------------------------------------------
# bench


def test_bench_json() -> None:
    data = json.loads(ok("bench", "mobilenet", "--resolution", "32", *FAST_BENCH, "--format", "json").stdout)
    assert {"arch", "config", "input_shape", "threads", "warmup", "repeats", "median_s", "spread_s", "times_s", "macs", "macs_per_s", "layers"} <= set(data)
    assert data["arch"] == "mobilenet_v1" and data["input_shape"] == [1, 3, 32, 32]
    assert data["threads"] == 1 and data["warmup"] == 1 and data["repeats"] == 2 and len(data["times_s"]) == 2
    assert data["median_s"] > 0 and data["macs"] == MOBILENET_32_MACS
    layers = data["layers"]
    n = len(layers)
    assert n > 0
    assert sorted(t["rank_time"] for t in layers) == list(range(1, n + 1))
    assert sorted(t["rank_macs"] for t in layers) == list(range(1, n + 1))
    assert sum(t["macs"] for t in layers) == MOBILENET_32_MACS
    assert sum(t["share"] for t in layers) == pytest.approx(1.0)
    by_macs = sorted(layers, key=lambda t: t["rank_macs"])
    assert all(a["macs"] >= b["macs"] for a, b in zip(by_macs, by_macs[1:]))
    by_time = sorted(layers, key=lambda t: t["rank_time"])
    assert all(a["median_s"] >= b["median_s"] for a, b in zip(by_time, by_time[1:]))


def test_bench_table_and_top() -> None:
    out = ok("bench", "mobilenet", "--resolution", "32", *FAST_BENCH).stdout
    for text in ("latency on this CPU", "rank by time", "rank by MACs", "GMAC/s", "End to end: median", "1 thread(s)", "over 2 runs after 1 warm-up", "layers in execution order"):
        assert text in out
    rows = list(csv.DictReader(io.StringIO(ok("bench", "mobilenet", "--resolution", "32", *FAST_BENCH, "--top", "3", "-f", "csv").stdout)))
    assert [int(r["rank_time"]) for r in rows] == [1, 2, 3]  # ranked by time, slowest first
    assert float(rows[0]["time_ms"]) >= float(rows[1]["time_ms"]) >= float(rows[2]["time_ms"]) and all(float(r["time_iqr_ms"]) >= 0 for r in rows)
    top = ok("bench", "mobilenet", "--resolution", "32", *FAST_BENCH, "--top", "3").stdout
    assert "the 3 slowest of" in top and "slowest first" in top


def test_bench_user_model() -> None:
    data = json.loads(ok("bench", MAKE_ODDNET, "--kwargs", "width=24", *FAST_BENCH, "-f", "json").stdout)
    assert data["input_shape"] == [1, 6, 33, 33] and data["macs"] == 1358904


# --------------------------------------------------------------------------------------------
# --help: every command, with examples


COMMANDS = ["list", "summary", "compare", "layer", "check", "pin", "bench", "sweep"]


def test_every_command_is_listed() -> None:
    out = ok("--help").stdout
    for command in COMMANDS:
        assert re.search(rf"\b{command}\b", out), command


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command: str) -> None:
    out = ok(command, "--help").stdout
    assert "Examples" in out and f"lwprof {command}" in out
    assert ok(command, "-h").stdout == out


def test_summary_shows_the_published_numbers_of_its_configuration() -> None:
    # MobileNetV1 (arXiv 1704.04861) Table 9: 0.50 MobileNet-160 has 1.32 M params, 76 M mult-adds.
    data = json.loads(ok("summary", "mobilenet", "--alpha", "0.5", "--resolution", "160", "--no-fvcore", "-f", "json").stdout)
    assert data["published"] == {"params": 1.32, "macs": 76.0, "source": "MobileNetV1 Table 9"}
    table = ok("summary", "mobilenet", "--alpha", "0.5", "--resolution", "160", "--no-fvcore", "--depth", "0").stdout
    assert "Published (MobileNetV1 Table 9): 1.32 M / 76 M" in table
    # A configuration no paper describes, and a user model, have none.
    assert json.loads(ok("summary", "mobilenet", "--alpha", "0.6", "--no-fvcore", "-f", "json").stdout)["published"] is None
    assert json.loads(ok("summary", "tests/data/user_net.py:OddNet", "--no-fvcore", "-f", "json").stdout)["published"] is None
