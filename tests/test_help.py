"""``--help``: short at 80 columns, switches as switches, and one declaration of the model flags.

The model flags (``--input-size``, ``--kwargs``, ``--batch``, ``--dtype``, ``--threads``,
``--device``, ``--calibration``) are declared once (``lwprof.cli.support.MODEL_FLAGS``); every
command that takes a model has all of them, which the walk over the click group below holds.
"""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from lwprof import cli
from lwprof.cli import support

GROUP = typer.main.get_command(cli.app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]
MODEL_FLAGS = ("--input-size", "--kwargs", "--batch", "--dtype", "--threads", "--device", "--calibration")
# Commands with a model argument that do not take the model flags, and why.
NOT_MODEL_COMMANDS = {"pin": "it records what check --expect recomputes: the spec and one input size"}


def run(*args: str, columns: int = 80) -> str:
    result = CliRunner().invoke(cli.app, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def takes_a_model(command: object) -> bool:
    """A command whose first argument is a model: ARCH or a list of models."""
    arguments = [p for p in command.params if p.param_type_name == "argument"]  # type: ignore[attr-defined]
    return bool(arguments) and arguments[0].name in ("arch", "specs")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_fits_60_lines_of_80_columns(command: str) -> None:
    out = run(*([command] if command else []), "--help")
    lines = out.rstrip("\n").split("\n")
    assert len(lines) <= 60, f"lwprof {command} --help is {len(lines)} lines at 80 columns"
    wide = [line for line in lines if len(line) > 80]
    assert not wide, wide
    assert "<bool>" not in out and "<str>" not in out and "<int" not in out, out


def test_switches_are_shown_as_switches_and_numbers_by_kind() -> None:
    out = run("summary", "--help")
    assert re.search(r"^  --fvcore/--no-fvcore +Cross-check", out, re.M)
    assert re.search(r"^  --strict +Fail", out, re.M)  # a switch takes no value
    assert re.search(r"^  --batch N +Batch size\. \[1\]", out, re.M)
    assert re.search(r"^  --alpha X +width multiplier", out, re.M)
    assert "--dtype DTYPE Element type (fp32, fp16, bf16, int8) [fp32]" in " ".join(out.split())


def test_architecture_options_beyond_the_common_ones_are_in_lwprof_list_not_in_help() -> None:
    out = run("summary", "--help")
    for flag in ("--alpha", "--width", "--scale", "--resolution", "--groups", "--conv", "--set"):
        assert re.search(rf"^  {flag}\b", out, re.M), flag
    for flag in ("--dw-kernel", "--ratio", "--se/--no-se", "--shuffle", "--shallow", "--num-classes"):
        assert flag not in out, flag
    listing = run("list", "ghostnet", columns=200)
    assert "dw-kernel" in listing and "ratio" in listing
    # ... and each is accepted three ways, with the same result: ARCH@key=value, --set key=value, its (hidden) flag
    args = ["--resolution", "32", "--no-fvcore", "-f", "json"]
    spec = run("summary", "ghostnet@dw_kernel=5", *args)
    setting = run("summary", "ghostnet", "--set", "dw_kernel=5", *args)
    flag = run("summary", "ghostnet", "--dw-kernel", "5", *args)
    default = run("summary", "ghostnet", *args)
    assert spec == setting == flag != default


MODEL_COMMANDS = [c for c in COMMANDS if takes_a_model(GROUP.commands[c]) and c not in NOT_MODEL_COMMANDS]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", MODEL_COMMANDS)
def test_every_model_taking_command_has_every_model_flag(name: str) -> None:
    command = GROUP.commands[name]  # type: ignore[attr-defined]
    by_flag = {opt: p for p in command.params for opt in p.opts}
    missing = [flag for flag in MODEL_FLAGS if flag not in by_flag]
    assert not missing, f"lwprof {name} lacks {', '.join(missing)}: decorate it with lwprof.cli.support.model_options"
    for flag in MODEL_FLAGS:  # the one declaration: the same help everywhere
        declared = support.MODEL_FLAGS[flag[2:].replace("-", "_")][1]
        assert by_flag[flag].help == declared.help, (name, flag)


def test_the_walk_finds_the_model_taking_commands() -> None:
    found = {c for c in COMMANDS if takes_a_model(GROUP.commands[c])}  # type: ignore[attr-defined]
    assert {"summary", "compare", "bench", "sweep", "fit", "pin"} <= found
    assert not found & {"list", "layer", "check", "calibrate"}
    assert set(NOT_MODEL_COMMANDS) <= found and set(MODEL_COMMANDS) == found - set(NOT_MODEL_COMMANDS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "mobilenet", "--input-size", "3,64,64"], "lwprof fit does not take --input-size 3,64,64: fit searches"),
        (["sweep", "mobilenet", "--alpha", "1,0.5", "--kwargs", "a=1"], "lwprof sweep does not take --kwargs a=1"),
        (["bench", "mobilenet", "--dtype", "fp16"], "lwprof bench does not take --dtype fp16: bench times fp32"),
        (["bench", "mobilenet", "--device", "meta"], "lwprof bench does not take --device meta"),
        (["compare", "mobilenet", "--device", "cpu"], "lwprof compare does not take --device cpu"),
    ],
)
def test_a_model_flag_a_command_cannot_honour_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {message}") and result.stderr.count("\n") == 1, result.stderr


def test_model_flags_that_were_missing_now_work() -> None:
    import json

    # sweep --input-size 3,64,64: MobileNetV1's first conv (3x3x3 -> 32, stride 2) then makes a 32x32x32 output:
    # 27 * 32 * 32 * 32 = 884,736 MACs at alpha 1, and 27 * 32 * 32 * 16 = 442,368 at alpha 0.5 (16 channels).
    data = json.loads(run("sweep", "mobilenet", "--alpha", "1,0.5", "--input-size", "3,64,64", "--dtype", "fp16", "-f", "json"))
    first = [v["by_category"]["Conv 3x3"]["macs"] for v in data["variants"]]
    assert first == [884_736, 442_368]
    # --dtype fp16: 2 bytes per parameter and buffer; MobileNetV1 has 4,231,976 params (sum of p.numel(), Table 1's
    # 4.2 M) and 21,888 BatchNorm buffers (2 x 10,944 channels of running mean and var; see test_architectures).
    totals = data["variants"][0]["totals"]
    assert totals["params"] == 4_231_976 and totals["model_size_bytes"] == 2 * (totals["params"] + totals["buffers"])


# --------------------------------------------------------------------------------------------
# Say it once: lwprof explain, and -q/--quiet


def test_explain_covers_every_verdict_status_and_check() -> None:
    import json

    from lwprof.records import CONVENTIONS, CheckStatus, Status, Verdict

    data = json.loads(run("explain", "-f", "json"))
    assert set(data["verdicts"]) == {v.value for v in Verdict}
    assert set(data["statuses"]) == {s.value for s in Status}
    assert set(data["checks"]) == {c.value for c in CheckStatus}
    # every clause of the conventions paragraph the footers used to repeat is one entry
    assert data["conventions"]["FLOPs"] == "2 x MACs" and data["conventions"]["MACs"] in CONVENTIONS
    assert "exit codes" in data["units"]
    table = run("explain", "verdicts")
    assert "by design" in table and "FlopCounterMode gap" in table and "conventions" not in table


def test_explain_an_unknown_topic_is_one_line() -> None:
    result = CliRunner().invoke(cli.app, ["explain", "verdict"])
    assert result.exit_code == 2 and result.stderr.startswith("error: no topic 'verdict'; choose conventions, verdicts")


def test_quiet_prints_the_table_only() -> None:
    args = ["summary", "mobilenet", "--no-fvcore", "--depth", "1"]
    full, quiet = run(*args), run(*args, "-q")
    assert "Params: 4,231,976" in full and "lwprof explain" in full and "Not shown at 80 columns" in full
    assert "Params:" not in quiet and "lwprof explain" not in quiet and "Not shown" not in quiet
    assert quiet.split("\n")[:8] == full.split("\n")[:8]  # the same title and table
    assert run(*args, "--quiet") == quiet
    # exports are unchanged by it
    assert run(*args, "-f", "csv") == run(*args, "-f", "csv", "-q")


def test_no_command_prints_the_help_and_exits_2() -> None:
    result = CliRunner().invoke(cli.app, [])
    assert result.exit_code == 2 and result.stdout.startswith("Usage: lwprof [OPTIONS] COMMAND")
    assert "explain" in result.stdout


def test_shell_completion_offers_architecture_names_without_importing_torch() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys\nsys.argv = ['lwprof']\nfrom lwprof.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'completion imported torch'\n"
    )
    env = {**os.environ, "_LWPROF_COMPLETE": "complete_bash", "COMP_WORDS": "lwprof summary shuff", "COMP_CWORD": "2"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["shufflenet", "shufflenet_v1", "shufflenet_v2", "shufflenetv1", "shufflenetv2"]
    assert "--install-completion" in run("--help")


def test_option_values_are_read_without_pydantic() -> None:
    """Typer 0.29 coerces each value through a Pydantic TypeAdapter (~0.25 s to import and build);
    lwprof's plain values (str, int, float, bool, enums, lists of them) skip it (support._PlainValue)."""
    import subprocess
    import sys

    code = (
        "import sys\nsys.argv = ['lwprof', 'list', 'ghostnet', '-f', 'json', '-q']\nfrom lwprof.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "assert not [m for m in sys.modules if m.startswith(('pydantic', 'torch'))], 'pydantic or torch imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"name": "ghostnet"' in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["layer", "--in", "x", "--out", "2", "--kernel", "3", "--size", "8"], "Invalid value for '--in': 'x' is not a valid integer"),
        (["summary", "mobilenet", "--batch", "0"], "Invalid value for '--batch': 0 is not in the range x>=1"),
        (["bench", "mobilenet", "--repeats", "1000000000"], "Invalid value for '--repeats': 1000000000 is not in the range 1<=x<=100000"),
        (["summary", "mobilenet", "--dtype", "fp64"], "Invalid value for '--dtype': 'fp64' is not one of 'fp32', 'fp16', 'bf16', 'int8'"),
    ],
)
def test_bad_values_are_named_in_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {message}"), result.stderr
