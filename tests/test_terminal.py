"""The terminal side of the CLI: tables that fit COLUMNS, one rectangular table per export,
progress on every long command, and what the title and the notes say about the real input.

Timings are simulated where a command would measure (the golden tests' simulator).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from lwprof import api, cli
from tests.test_golden import simulated_measure

__all__: list[str] = []

runner = CliRunner()


def flat(text: str) -> str:
    """The text with every run of whitespace one space (notes wrap at the console width)."""
    return " ".join(text.split())


def ok(*args: str) -> Any:
    result = runner.invoke(cli.app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "measure", simulated_measure)


# --------------------------------------------------------------------------------------------
# Widths: COLUMNS decides, nothing is cut


@pytest.mark.parametrize("columns", [60, 80, 100, 200])
@pytest.mark.parametrize(
    "args",
    [
        ("summary", "ghostnet", "--no-fvcore"),
        ("summary", "shufflenet", "--groups", "8", "--no-fvcore", "--memory"),
        ("compare", "mobilenet_v2", "mobilenet_v3_large", "shufflenet_v2", "ghostnet", "--no-fvcore"),
        ("bench", "ghostnet", "--resolution", "64"),
    ],
    ids=["summary", "memory", "compare", "bench"],
)
def test_tables_fit_columns_and_never_cut_a_name(monkeypatch: pytest.MonkeyPatch, simulated: None, columns: int, args: tuple[str, ...]) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = ok(*args).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in out  # rich's ellipsis: a cut cell
    if args[0] == "summary" and "--memory" not in args:
        assert "cheap_operation" in out and "primary_conv" in out
    if args[0] in ("bench",) or "--memory" in args:
        name = "blocks.6.4.ghost1.primary_conv.0" if args[0] == "bench" else "stage2.0.branch.shuffle"
        assert any(name in line for line in lines)
    if args[0] == "compare":
        assert all(label in out for label in ("mobilenet_v3_large", "shufflenet_v2", "ghostnet"))


def test_narrow_terminal_drops_the_least_important_columns_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = ok("summary", "shufflenet", "--groups", "8", "--depth", "2", "--no-fvcore").stdout
    header = next(line for line in out.splitlines() if "layer" in line)
    assert "kernel" not in header and "params" in header and "MACs" in header and "output shape" in header
    assert "Not shown at 80 columns: kernel" in flat(out)
    monkeypatch.setenv("COLUMNS", "200")
    wide = ok("summary", "shufflenet", "--groups", "8", "--depth", "2", "--no-fvcore").stdout
    assert "kernel" in wide and "Not shown" not in wide


def test_compare_at_80_columns_shows_whole_labels_and_published(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = ok("compare", "mobilenet", "--alpha", "0.5", "--no-fvcore").stdout
    assert "conv=standard" in out and "conv=dwsep" in out and "1.3 M / 149 M" in out


# --------------------------------------------------------------------------------------------
# Exports: one rectangular table, exact numbers


CSV_COMMANDS = [
    ("summary", "mobilenet", "--no-fvcore"),
    ("summary", "mobilenet", "--no-fvcore", "--by-type"),
    ("summary", "mobilenet", "--no-fvcore", "--memory"),
    ("compare", "mobilenet", "--alpha", "0.5", "--no-fvcore"),
    ("compare", "mobilenet", "--alpha", "0.5", "--no-fvcore", "--by-type"),
    ("compare", "shufflenet", "--no-fvcore", "--bench", "--repeats", "3"),
    ("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12"),
    ("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,128"),
    ("sweep", "mobilenet", "--alpha", "1,0.5", "--bench", "--repeats", "3"),
    ("bench", "mobilenet", "--resolution", "64"),
    ("check", "--arch", "shufflenet"),
    ("list",),
]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize("args", CSV_COMMANDS, ids=[" ".join(a[:2]) + (" " + a[-1] if a[-1].startswith("--") else "") for a in CSV_COMMANDS])
def test_every_export_is_one_rectangular_table(simulated: None, args: tuple[str, ...], fmt: str) -> None:
    text = ok(*args, "-f", fmt).stdout
    assert "\n\n" not in text.strip("\n")  # no second table after a blank line
    rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    header, body = rows[0], rows[1:]
    assert body and len(set(header)) == len(header)
    assert all(len(row) == len(header) for row in body)
    numeric = {"params", "macs", "flops", "layers", "other_ops", "output_bytes", "read_bytes", "write_bytes"}
    for key in numeric & set(header):  # integers as integers: no "1,331,592", no "3.47 M"
        j = header.index(key)
        assert all(row[j] == "" or row[j].lstrip("-").isdigit() for row in body), (key, [row[j] for row in body][:5])


def test_compare_csv_has_the_published_numbers_as_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(ok("compare", "mobilenet", "--alpha", "0.5", "--no-fvcore", "-f", "csv").stdout)))
    dwsep = next(r for r in rows if r["label"] == "conv=dwsep")
    assert (dwsep["published_params_millions"], dwsep["published_macs_millions"]) == ("1.3", "149")
    assert dwsep["published_source"] == "MobileNetV1 Table 6" and "published" not in rows[0]


# --------------------------------------------------------------------------------------------
# Timings


def test_bench_warns_on_noisy_timings_and_shows_the_per_layer_sum(simulated: None) -> None:
    out = flat(ok("bench", "mobilenet", "--top", "5").stdout)  # simulated: MobileNet's end-to-end runs are noisy
    assert "Warning: the end-to-end time is noisy" in out and "try more --repeats, fewer --threads, or a quieter machine" in out
    assert "the layers add up to" in out and "x the end-to-end median" in out
    assert "the 5 slowest of 84 layers, slowest first" in out
    steady = flat(ok("bench", "mobilenet", "--resolution", "128", "--top", "5").stdout)
    assert "Warning" not in steady and "interquartile range" in steady


def test_bench_json_keeps_the_fields_others_read(simulated: None) -> None:
    data = json.loads(ok("bench", "mobilenet", "--resolution", "64", "-f", "json").stdout)
    assert {"median_s", "spread_s", "times_s", "layers", "iqr_s", "noisy", "layers_sum_s", "warnings"} <= set(data)
    assert {"median_s", "share", "rank_time", "rank_macs", "iqr_s", "times_s"} <= set(data["layers"][0])


def test_sweep_and_compare_bench_show_median_and_spread(simulated: None) -> None:
    sweep = flat(ok("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "224,128", "--bench", "--quantity", "latency").stdout)
    assert "latency, median ms (IQR)" in sweep and "Warning: 2 of 4 timings are noisy" in sweep
    data = json.loads(ok("compare", "shufflenet", "--no-fvcore", "--bench", "-f", "json").stdout)
    timing = data["variants"][0]["latency"]
    assert data["variants"][0]["latency_s"] == timing["median_s"] and {"iqr_s", "runs", "noisy", "times_s"} <= set(timing)


# --------------------------------------------------------------------------------------------
# Progress on every long command (no terminal: plain lines on stderr)


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("summary", "mobilenet", "--resolution", "32"), "profiling + cross-check"),
        (("compare", "mobilenet", "--resolution", "32", "--no-fvcore"), "profiling"),
        (("compare", "shufflenet", "--no-fvcore", "--bench", "--repeats", "2"), "timing"),
        (("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "32"), "profiling"),
        (("sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "32", "--bench", "--repeats", "2"), "timing"),
        (("bench", "mobilenet", "--resolution", "32"), "timing"),
        (("check", "--arch", "ghostnet"), "checking against the papers"),
    ],
)
def test_long_commands_report_progress(monkeypatch: pytest.MonkeyPatch, simulated: None, args: tuple[str, ...], what: str) -> None:
    from lwprof.render import console

    monkeypatch.setattr(console, "PLAIN_PROGRESS_EVERY_S", 0.0)  # every step prints
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    result = ok(*args)
    assert f"lwprof: {what}" in result.stderr, result.stderr


def test_plain_progress_beats_while_one_item_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import threading

    from lwprof.render import console

    monkeypatch.setattr(console, "PLAIN_PROGRESS_EVERY_S", 0.01)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with console.progress("profiling + cross-check") as step:
        step("mobilenet", 0, 1)
        threading.Event().wait(0.2)  # one long item: the heartbeat keeps printing
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 2 and all(line.startswith("lwprof: profiling + cross-check: mobilenet (") for line in lines)


# --------------------------------------------------------------------------------------------
# What the output says about the input


def test_layer_without_a_valid_group_count_skips_the_grouped_variant_with_a_note() -> None:
    out = flat(ok("layer", "--in", "3", "--out", "32", "--kernel", "3", "--size", "224", "--stride", "2").stdout)
    assert "grouped variant left out: no group count > 1 divides both 3 and 32 channels" in out
    assert "standard" in out and "dwsep" in out and "ghost (s=2)" in out and "grouped (g=" not in out
    assert "grouped (g=2)" in ok("layer", "--in", "4", "--out", "6", "--kernel", "3", "--size", "8").stdout  # the default where it divides
    assert "grouped (g=4)" in ok("layer", "--in", "8", "--out", "12", "--kernel", "3", "--size", "8", "--groups", "4").stdout


def test_non_square_input_sets_the_title_and_drops_the_paper_figure() -> None:
    out = flat(ok("summary", "mobilenet", "--input-size", "3,160,320", "--no-fvcore", "--depth", "1").stdout)
    assert "resolution=160x320" in out and "input 1x3x160x320" in out and "Published" not in out
    square = flat(ok("summary", "mobilenet", "--input-size", "3,160,160", "--no-fvcore", "--depth", "1").stdout)
    assert "resolution=160," in square and "Published (MobileNetV1 Table 7)" in square
    data = json.loads(ok("summary", "mobilenet", "--input-size", "3,160,320", "--no-fvcore", "-f", "json").stdout)
    assert data["published"] is None and data["config"]["resolution"] == "160x320"


def test_check_is_compact_and_its_summary_shows_only_what_did_not_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    full = ok("check", "--arch", "mobilenet").stdout
    brief = ok("check", "--arch", "mobilenet", "--summary").stdout
    assert brief.splitlines()[0] == full.splitlines()[0] + "; the 2 that did not pass"
    rows = [line for line in brief.splitlines() if line.startswith("│")]
    assert sum("known gap" in line for line in rows) == 2 and not any("│ pass " in line for line in rows)
    # At 120 columns a check takes one line (a long model name may take two), plus a heading per source.
    data = json.loads(ok("check", "--arch", "mobilenet", "-f", "json").stdout)
    checks, sources = data["count"], len({c["source"] for c in data["checks"]})
    body = [line for line in full.splitlines() if line.startswith("│")]
    assert len(body) <= 1.2 * (checks + sources)
    assert "Rule 1: conv + FC MACs" in full and "Sources: MobileNetV1: arXiv 1704.04861" in flat(full)
