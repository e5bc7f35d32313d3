"""Tests of the ``lwprof`` command line through Typer's CliRunner: every command, every format,
exit codes and error messages, atomic output, and that ``--help`` stays free of torch."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from lwprof import cli
from lwprof.records import CONVENTIONS
from lwprof.reference.check import CheckResult

__all__: list[str] = []

runner = CliRunner()

# MobileNetV1 1.0-224: conv + FC multiply-accumulates and sum(p.numel()) (the paper's Table 4:
# 569 M mult-adds, 4.2 M params).
MOBILENET_MACS = 568740352
MOBILENET_PARAMS = 4231976


def invoke(*args: str) -> Any:
    return runner.invoke(cli.app, list(args))


def ok(*args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def fails(*args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    return result


# --------------------------------------------------------------------------------------------
# Start-up: no torch for --help


def test_import_cli_does_not_import_torch() -> None:
    code = "import lwprof.cli, sys; assert 'torch' not in sys.modules and 'fvcore' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_help_does_not_import_torch() -> None:
    # every command's --help, in one process: none imports torch or fvcore, each shows examples
    commands = sorted(typer.main.get_command(cli.app).commands)  # type: ignore[attr-defined]
    code = (
        "import sys\n"
        "from lwprof.cli import main\n"
        f"for command in ([], *([c] for c in {commands!r})):\n"
        "    sys.argv = ['lwprof', *command, '--help']\n"
        "    try:\n        main()\n    except SystemExit as e:\n        assert e.code in (0, None), (command, e.code)\n"
        "assert 'torch' not in sys.modules and 'fvcore' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(commands) >= 10 and done.stdout.count("Usage") == len(commands) + 1
    assert done.stdout.count("Examples") == len(commands) and "lwprof fit mobilenet" in done.stdout
    assert not [c for c in done.stdout if 0x1F000 <= ord(c) <= 0x1FAFF]  # no ":b:" read as an emoji by rich's Markdown


def test_help_lists_every_command() -> None:
    out = ok("--help").stdout
    for command in ("list", "summary", "compare", "layer", "check"):
        assert command in out


@pytest.mark.parametrize("command", ["list", "summary", "compare", "layer", "check"])
def test_every_command_has_examples(command: str) -> None:
    out = ok(command, "--help").stdout
    assert "Examples" in out and f"lwprof {command}" in out


def test_version() -> None:
    assert ok("--version").stdout.startswith("lwprof ")


def test_every_registry_option_has_a_flag() -> None:
    from lwprof.architectures import list_architectures

    command = typer.main.get_command(cli.app)
    for name in ("summary", "compare"):
        flags = {opt for p in command.commands[name].params for opt in p.opts}  # type: ignore[attr-defined]
        for spec in list_architectures():
            for opt in spec.options():
                flag = "--" + opt.name.replace("_", "-")
                assert flag in flags, f"lwprof {name} has no {flag} for {spec.name}'s option {opt.name!r}; add one to lwprof/cli/"


# --------------------------------------------------------------------------------------------
# lwprof list


def test_list_table() -> None:
    out = ok("list").stdout
    for text in ("mobilenet_v1", "mobilenet", "shufflenet_v1", "ghostnet", "--alpha", "--groups", "1, 2, 3, 4, 8", "arXiv 1704.04861", "compare axis"):
        assert text in out


def test_list_json() -> None:
    data = json.loads(ok("list", "--format", "json").stdout)
    by_name = {a["name"]: a for a in data["architectures"]}
    mobilenet = by_name["mobilenet_v1"]
    assert "mobilenet" in mobilenet["aliases"] and "1704.04861" in mobilenet["paper"]
    alpha = next(o for o in mobilenet["options"] if o["name"] == "alpha")
    assert alpha["default"] == 1.0 and alpha["flag"] == "--alpha"
    groups = next(o for o in by_name["shufflenet_v1"]["options"] if o["name"] == "groups")
    assert groups["choices"] == [1, 2, 3, 4, 8]


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_list_delimited(fmt: str, sep: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ok("list", "-f", fmt).stdout), delimiter=sep))
    assert {"arch", "option", "default", "allowed", "help", "paper"} <= set(rows[0])
    assert any(r["arch"] == "mobilenet_v1" and r["option"] == "--alpha" for r in rows)


def test_list_markdown() -> None:
    assert "| architecture" in ok("list", "-f", "markdown").stdout


# --------------------------------------------------------------------------------------------
# lwprof summary


def test_summary_table() -> None:
    out = ok("summary", "mobilenet", "--no-fvcore").stdout
    assert "568.74 M" in out and "4.23 M" in out
    assert "3x3 s2" in out and "3x3 s1 g32" in out and "1x32x112x112" in out
    assert "Params: 4,231,976" in out and "MACs: 568,740,352" in out and "peak activations" in out
    assert "Conventions, verdicts and units: lwprof explain" in out and "Conventions: MACs" not in out  # said once: lwprof explain
    assert "Cross-check: not run" in out


def test_summary_depth_limits_rows() -> None:
    data = json.loads(ok("summary", "mobilenet", "--no-fvcore", "--depth", "1", "-f", "json").stdout)
    assert {r["depth"] for r in data["layers"]} == {0, 1}
    assert sum(r["params"] for r in data["layers"] if r["depth"] == 1) == MOBILENET_PARAMS
    out = ok("summary", "mobilenet", "--no-fvcore", "--depth", "1").stdout
    assert "classifier" in out and "features.1" not in out and "Conv2d" not in out


def test_summary_json_exact() -> None:
    result = ok("summary", "mobilenet", "--no-fvcore", "--format", "json")
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert {"arch", "config", "input_shape", "conventions", "totals", "layers", "by_category"} <= set(data)
    assert data["arch"] == "mobilenet_v1" and data["input_shape"] == [1, 3, 224, 224]
    assert data["totals"]["macs"] == MOBILENET_MACS and data["totals"]["params"] == MOBILENET_PARAMS
    assert data["totals"]["trainable_params"] == MOBILENET_PARAMS and data["totals"]["flops"] == 2 * MOBILENET_MACS
    assert data["conventions"] == CONVENTIONS
    assert data["by_category"]["Conv 1x1"]["macs"] == 539492352


def test_summary_options_reach_the_model() -> None:
    data = json.loads(ok("summary", "mobilenet", "--alpha", "0.5", "--resolution", "160", "--no-fvcore", "-f", "json").stdout)
    assert data["config"]["alpha"] == 0.5 and data["input_shape"] == [1, 3, 160, 160]
    assert data["totals"]["params"] == 1331592 and data["totals"]["macs"] == 76524800  # Table 9: 1.32 M, 76 M
    batch = json.loads(ok("summary", "mobilenet", "--batch", "2", "--dtype", "fp16", "--no-fvcore", "-f", "json").stdout)
    assert batch["totals"]["macs"] == 2 * MOBILENET_MACS and batch["dtype"] == "fp16"
    assert batch["totals"]["model_size_bytes"] == 2 * (MOBILENET_PARAMS + batch["totals"]["buffers"])
    shallow = json.loads(ok("summary", "mobilenet", "--shallow", "--no-fvcore", "-f", "json").stdout)
    assert shallow["config"]["shallow"] is True and shallow["totals"]["macs"] < MOBILENET_MACS


def test_summary_set_option() -> None:
    data = json.loads(ok("summary", "mobilenet", "--set", "alpha=0.5", "--set", "resolution=160", "--no-fvcore", "-f", "json").stdout)
    assert data["totals"]["macs"] == 76524800
    assert "--set" in fails("summary", "mobilenet", "--set", "alpha", "--no-fvcore").stderr


def test_summary_input_size() -> None:
    data = json.loads(ok("summary", "mobilenet", "--input-size", "3,160,160", "--no-fvcore", "-f", "json").stdout)
    assert data["input_shape"] == [1, 3, 160, 160]
    assert "C,H,W" in fails("summary", "mobilenet", "--input-size", "3,a,b", "--no-fvcore").stderr


def test_summary_by_type() -> None:
    out = ok("summary", "mobilenet", "--by-type", "--no-fvcore").stdout
    for text in ("Conv 1x1", "Conv DW 3x3", "Conv 3x3", "FC", "94.9%", "74.2%"):
        assert text in out
    rows = list(csv.DictReader(io.StringIO(ok("summary", "mobilenet", "--by-type", "--no-fvcore", "-f", "csv").stdout)))
    by_cat = {r["category"]: r for r in rows}
    assert by_cat["Conv 1x1"]["macs"] == "539492352" and by_cat["Conv 1x1"]["macs_share"] == "94.86"
    assert sum(int(r["macs"]) for r in rows) == MOBILENET_MACS


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_summary_delimited(fmt: str, sep: str) -> None:
    result = ok("summary", "mobilenet", "--no-fvcore", "--format", fmt)
    assert result.stderr == ""
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter=sep))
    assert list(rows[0]) == ["name", "type", "kernel", "output_shape", "params", "macs", "macs_share", "parent", "depth", "is_leaf", "calls", "own_params", "own_macs"]
    leaves = [r for r in rows if r["is_leaf"] == "true"]
    assert sum(int(r["params"]) for r in leaves) == MOBILENET_PARAMS and sum(int(r["macs"]) for r in leaves) == MOBILENET_MACS
    top = [r for r in rows if "." not in r["name"]]
    assert sum(int(r["params"]) for r in top) == MOBILENET_PARAMS
    assert sum(int(r["macs"]) for r in top) == MOBILENET_MACS
    stem = next(r for r in rows if r["name"] == "features.0.0")
    assert stem["kernel"] == "3x3 s2" and stem["output_shape"] == "1x32x112x112" and stem["macs"] == "10838016"


def test_summary_markdown() -> None:
    out = ok("summary", "mobilenet", "--no-fvcore", "--depth", "2", "-f", "markdown").stdout
    assert out.startswith("### mobilenet_v1") and "| features.13 " in out and "568740352" in out and "lwprof explain" in out


def test_summary_fvcore_statuses() -> None:
    result = ok("summary", "mobilenet", "--depth", "4")
    out = result.stdout
    assert "by design" in out and " ok " in out and "MISMATCH" not in out
    flat = " ".join(out.split())
    assert "fvcore total: 578,875,904 (+10,135,552: also batch_norm 10,085,376, adaptive_avg_pool2d 50,176)" in flat
    assert "FlopCounterMode total: 568,740,352 (equal)" in flat
    # the verdict in one line: MobileNetV1 has 84 leaf modules (27 Conv2d, 27 BatchNorm2d, 27 ReLU, the pool, Flatten,
    # the Linear; Table 1's 28 layers), 28 of which fvcore counts beyond their MACs (27 BatchNorm + the average pool)
    assert "Cross-check: all 84 layers agree with fvcore and FlopCounterMode; 28 by design" in out


# --------------------------------------------------------------------------------------------
# lwprof compare


def test_compare_table() -> None:
    out = ok("compare", "mobilenet", "--alpha", "0.5", "--no-fvcore").stdout
    for text in ("conv=standard", "conv=grouped", "conv=dwsep", "1.000x", "MACs by layer type", "Conv 1x1", "149.50 M", "published"):
        assert text in out


def test_compare_json() -> None:
    data = json.loads(ok("compare", "mobilenet", "--vary", "alpha=1,0.5", "--no-fvcore", "-f", "json").stdout)
    assert data["arch"] == "mobilenet_v1" and data["vary"] == {"alpha": [1.0, 0.5]}
    first, second = data["variants"]
    assert first["label"] == "alpha=1.0" and first["totals"]["macs"] == MOBILENET_MACS and first["totals"]["params"] == MOBILENET_PARAMS
    assert second["totals"]["params"] == 1331592 + (1331592 - 1331592)  # alpha=0.5 at 224: params do not depend on the resolution
    assert first["macs_ratio"] == 1.0 and 0 < second["macs_ratio"] < 0.3
    assert {"published", "params_ratio", "by_category", "crosscheck", "config"} <= set(first)


def test_compare_grid_of_two_axes() -> None:
    data = json.loads(ok("compare", "mobilenet", "--vary", "alpha=1,0.5", "--vary", "conv=standard,dwsep", "--no-fvcore", "-f", "json").stdout)
    assert [v["label"] for v in data["variants"]] == ["alpha=1.0, conv=standard", "alpha=1.0, conv=dwsep", "alpha=0.5, conv=standard", "alpha=0.5, conv=dwsep"]


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_compare_delimited(fmt: str, sep: str) -> None:
    # One rectangular table per file: the variants, or (--by-type) MACs by layer type per variant.
    text = ok("compare", "mobilenet", "--no-fvcore", "-f", fmt).stdout
    assert "\n\n" not in text
    rows = list(csv.DictReader(io.StringIO(text), delimiter=sep))
    assert [r["label"] for r in rows] == ["conv=standard", "conv=grouped", "conv=dwsep"]
    assert rows[2]["macs"] == str(MOBILENET_MACS) and rows[0]["macs_ratio"] == "1.0000"
    assert len({len(r) for r in csv.reader(io.StringIO(text), delimiter=sep)}) == 1
    by_type = ok("compare", "mobilenet", "--no-fvcore", "--by-type", "-f", fmt).stdout
    cats = list(csv.DictReader(io.StringIO(by_type), delimiter=sep))
    assert sum(int(r["macs[conv=dwsep]"]) for r in cats) == MOBILENET_MACS


def test_compare_markdown() -> None:
    out = ok("compare", "mobilenet", "--no-fvcore", "-f", "markdown").stdout
    assert "| variant" in out and "### MACs by layer type" not in out
    assert "### MACs by layer type" in ok("compare", "mobilenet", "--no-fvcore", "--by-type", "-f", "markdown").stdout


def test_compare_published_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("lwprof.reference.published")

    def published_for(arch: str, config: dict[str, Any]) -> dict[str, Any]:
        if arch == "mobilenet_v1" and config.get("conv") == "dwsep" and config.get("alpha") == 1.0:
            return {"params": 4.2, "macs": 569, "source": "MobileNetV1 Table 4"}
        return {}

    fake.published_for = published_for  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lwprof.reference.published", fake)
    out = ok("compare", "mobilenet", "--no-fvcore").stdout
    assert "4.2 M / 569 M" in out and "MobileNetV1 Table 4" in out
    data = json.loads(ok("compare", "mobilenet", "--no-fvcore", "-f", "json").stdout)
    assert [v["published"] for v in data["variants"]][:2] == [None, None]
    assert data["variants"][2]["published"]["macs"] == 569


# --------------------------------------------------------------------------------------------
# lwprof layer


def test_layer_worked_example() -> None:
    data = json.loads(ok("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "-f", "json").stdout)
    by_label = {v["label"]: v for v in data["variants"]}
    assert (by_label["standard"]["params"], by_label["standard"]["macs"]) == (72, 10368)
    assert (by_label["dwsep"]["params"], by_label["dwsep"]["macs"]) == (44, 6336)
    assert data["eq5_predicted_dwsep_ratio"] == pytest.approx(1 / 2 + 1 / 9)
    assert " + " in by_label["dwsep"]["formula"]


def test_layer_with_bias() -> None:
    for size in ("12", "7"):
        data = json.loads(ok("layer", "--in", "16", "--out", "32", "--kernel", "3", "--size", size, "--bias", "-f", "json").stdout)
        by_label = {v["label"]: v for v in data["variants"]}
        assert by_label["standard"]["params"] == 4640 and by_label["dwsep"]["params"] == 704


def test_layer_table() -> None:
    out = ok("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12").stdout
    for text in ("standard", "grouped (g=2)", "dwsep", "ghost (s=2)", "10.37 k", "0.611x", "eq. 5", "1/2 + 1/9 = 0.6111", "measured 6,336 / 10,368 = 0.6111"):
        assert text in out


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_layer_delimited(fmt: str, sep: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ok("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "-f", fmt).stdout), delimiter=sep))
    assert [(r["label"], r["params"], r["macs"]) for r in rows][::2] == [("standard", "72", "10368"), ("dwsep", "44", "6336")]


def test_layer_markdown() -> None:
    assert "| standard " in ok("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "-f", "markdown").stdout


# --------------------------------------------------------------------------------------------
# lwprof check (with a fake reference module: the CLI is tested on its own)


FakeCheck = CheckResult  # the real record; only run_checks is faked


def _fake_checks(monkeypatch: pytest.MonkeyPatch, statuses: list[str]) -> list[Any]:
    calls: list[Any] = []
    fake = types.ModuleType("lwprof.reference.check")

    def run_checks(arch: str | None = None, progress: Any = None) -> list[FakeCheck]:
        calls.append(arch)
        if progress:
            progress("mobilenet_v1", 0, 1)
        return [
            FakeCheck("MobileNetV1 Table 4", "mobilenet_v1", "MACs", 569.0, "M", 568.74, -0.26, 1.0, "conv + FC MACs", s, "note" if s != "pass" else "")
            for s in statuses
        ]

    fake.run_checks = run_checks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lwprof.reference.check", fake)
    return calls


def test_check_all_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_checks(monkeypatch, ["pass", "pass"])
    out = ok("check", "--arch", "mobilenet").stdout
    assert calls == ["mobilenet"]
    assert "MobileNetV1 Table 4" in out and "569 M" in out and "pass" in out and "Rule 1: conv + FC MACs" in out


def test_check_failure_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_checks(monkeypatch, ["pass", "fail"])
    result = invoke("check")
    assert result.exit_code == 1 and "fail" in result.stdout


def test_check_known_gap_is_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_checks(monkeypatch, ["pass", "known gap"])
    assert "known gap" in ok("check").stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "markdown"])
def test_check_formats(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    _fake_checks(monkeypatch, ["pass"])
    out = ok("check", "-f", fmt).stdout
    if fmt == "json":
        data = json.loads(out)
        assert data["passed"] is True and data["checks"][0]["published"] == 569.0
    elif fmt == "markdown":
        assert "MobileNetV1 Table 4" in out and "569000000" in out and "568740000" in out
    else:  # exact numbers: the published 569 M as a whole count, the unit in its own column
        (row,) = csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t")
        assert row["source"] == "MobileNetV1 Table 4" and row["unit"] == "count" and row["convention"] == "conv + FC MACs"
        assert (row["published"], row["computed"], row["difference"]) == ("569000000", "568740000", "-260000")


def test_check_json_exit_code_on_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_checks(monkeypatch, ["fail"])
    result = invoke("check", "-f", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["passed"] is False


# --------------------------------------------------------------------------------------------
# Errors: one line, exit code 2, no traceback


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summary", "shufflnet"], "did you mean 'shufflenet'"),
        (["summary", "mobilenet", "--scale", "2"], "mobilenet_v1 has no option 'scale'"),
        (["summary", "mobilenet", "--conv", "grouped", "--groups", "5"], "groups=5 does not divide the channels of features.1 (32 -> 64); values that would work there: 1, 2, 4, 8"),
        (["summary", "mobilenet", "--alpha", "0"], "alpha must be > 0"),
        (["summary", "mobilenet", "--alpha", "-0.5"], "alpha must be > 0"),
        (["summary", "ghostnet", "--width", "0"], "width must be > 0"),
        (["summary", "mobilenet", "--resolution", "16"], "resolution 16 is too small"),
        (["summary", "shufflenet", "--groups", "5"], "5 is not allowed; choose from 1, 2, 3, 4, 8"),
        (["summary", "mobilenet", "--conv", "bogus"], "option 'conv'"),
        (["summary", "mobilenet", "--resolution", "160", "--input-size", "3,160,160"], "not both"),
        (["compare", "mobilenet", "--vary", "alpha"], "--vary 'alpha': write KEY=V1,V2"),
        (["compare", "mobilenet", "--vary", "alpha="], "empty value"),
        (["compare", "mobilenet", "--vary", "alpha=1,,0.5"], "empty value"),
        (["compare", "mobilenet", "--vary", "=1,2"], "write KEY=V1,V2"),
        (["compare", "mobilenet", "--vary", "scale=1,2"], "mobilenet_v1 has no option 'scale'"),
        (["compare", "mobilenet", "--vary", "alpha=1", "--vary", "alpha=0.5"], "given twice"),
        (["compare", "mobilenet", "--vary", "alpha=abc"], "cannot read 'abc'"),
        (["compare", "mobilenet", "--vary", "conv=dwsep", "--conv", "standard"], "both fixed and varied"),
        (["compare", "shufflnet"], "did you mean 'shufflenet'"),
        (["layer", "--in", "4", "--out", "3", "--kernel", "3", "--size", "12", "--groups", "2"], "groups=2 does not divide"),
        (["layer", "--in", "0", "--out", "3", "--kernel", "3", "--size", "12"], "--in must be >= 1"),
        (["summary", "mobilenet", "-f", "json", "-o", "/nonexistent/dir/x.json"], "cannot write '/nonexistent/dir/x.json'"),
    ],
)
def test_errors(args: list[str], message: str) -> None:
    result = fails(*args, *(["--no-fvcore"] if args[0] in ("summary", "compare") else []))
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_option_values_are_read_by_the_registry() -> None:
    result = fails("summary", "mobilenet", "--alpha", "abc")
    assert "option 'alpha': cannot read 'abc' as float" in result.stderr


# --------------------------------------------------------------------------------------------
# --output: atomic, refuses to overwrite, --force


def test_output_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "mobilenet.json"
    result = ok("summary", "mobilenet", "--no-fvcore", "-f", "json", "-o", str(target))
    assert result.stdout == "" and "wrote" in result.stderr
    assert json.loads(target.read_text())["totals"]["macs"] == MOBILENET_MACS
    assert [p.name for p in tmp_path.iterdir()] == ["mobilenet.json"]


def test_output_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me")
    result = fails("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "-f", "csv", "-o", str(target))
    assert "already exists; pass --force" in result.stderr
    assert target.read_text() == "keep me"
    ok("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "-f", "csv", "-o", str(target), "--force")
    assert target.read_text().startswith("label,params,macs")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_output_table_is_plain_text(tmp_path: Path) -> None:
    target = tmp_path / "summary.txt"
    ok("summary", "mobilenet", "--no-fvcore", "--depth", "1", "-o", str(target))
    text = target.read_text()
    assert "568.74 M" in text and "\x1b[" not in text


def test_output_to_a_directory_fails(tmp_path: Path) -> None:
    assert "it is a directory" in fails("list", "-o", str(tmp_path)).stderr


# --------------------------------------------------------------------------------------------
# Progress: a bar on a terminal, plain lines every few seconds otherwise


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from lwprof.render import console

    buf = io.StringIO()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(console, "err_console", lambda: Console(file=buf, force_terminal=True, width=100))
    with console.progress("profiling") as step:
        for i, label in enumerate(("conv=standard", "conv=grouped", "conv=dwsep")):
            step(label, i, 3)
    with console.progress("quiet", enabled=False) as step:
        step("nothing", 0, 1)
    assert "profiling" in buf.getvalue() and "quiet" not in buf.getvalue()


def test_plain_progress_without_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from lwprof.render import console

    clock = iter([0.0, 1.0, 6.0, 7.0, 12.5])
    monkeypatch.setattr(console.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with console.progress("profiling") as step:
        for i in range(4):  # at 1 s: too early; at 6 s and 12.5 s: a line each; at 7 s: too soon after
            step(f"variant {i}", i, 4)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["lwprof: profiling 2/4: variant 1 (6 s)", "lwprof: profiling 4/4: variant 3 (12 s)"]
