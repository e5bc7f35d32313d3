"""Tests of the renderers on hand-built records: no torch, no model, exact expectations."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from lwprof.errors import LwprofError
from lwprof.records import CONVENTIONS, Comparison, LayerRecord, ModelProfile, Note, Severity, Variant, Verdict
from lwprof.render import export, grid, tables
from lwprof.reference.check import CheckResult
from lwprof.units import human, human_bytes

__all__: list[str] = []


def rec(name: str, depth: int, params: int, macs: int, *, leaf: bool = True, category: str = "Block", **kw: Any) -> LayerRecord:
    defaults: dict[str, Any] = {
        "type": "Conv2d" if leaf else "Sequential",
        "status": "formula" if leaf else "parent",
        "input_shape": (1, 4, 8, 8),
        "output_shape": (1, 8, 8, 8),
        "trainable_params": params,
        "buffers": 0,
    }
    defaults.update(kw)
    return LayerRecord(name=name, depth=depth, is_leaf=leaf, category=category, params=params, macs=macs, **defaults)


def tiny_profile(crosschecked: bool = False, mismatch: bool = False) -> ModelProfile:
    """A two-layer "model": a 3x3 conv (288 params, 18432 MACs) and a BatchNorm (16 params)."""
    conv = rec(
        "body.conv", 2, 288, 18432, category="Conv 3x3",
        hparams={"kernel": (3, 3), "stride": (2, 2), "padding": (1, 1), "dilation": (1, 1), "groups": 1},
        formula="1 x 8 x 8x8 outputs x 4 (C_in/g = 4/1) x 3x3 kernel = 18,432 MACs",
    )  # fmt: skip
    bn = rec("body.bn", 2, 16, 0, category="BatchNorm", type="BatchNorm2d", other_ops=1024, buffers=16)
    body = rec("body", 1, 304, 18432, leaf=False, buffers=16, other_ops=1024)
    root = rec("", 0, 304, 18432, leaf=False, buffers=16, other_ops=1024)
    layers = [root, body, conv, bn]
    by_op: dict[str, int] = {}
    if crosschecked:
        worst = Verdict.MISMATCH if mismatch else Verdict.BY_DESIGN
        verdicts = {"": worst, "body": worst, "body.conv": Verdict.MISMATCH if mismatch else Verdict.OK, "body.bn": Verdict.BY_DESIGN}
        own = {**verdicts, "": Verdict.OK, "body": Verdict.OK}
        fv = {"": 18432 + 512, "body": 18432 + 512, "body.conv": 18433 if mismatch else 18432, "body.bn": 512}
        layers = [
            LayerRecord(**{**r.__dict__, "fvcore_macs": fv[r.name], "torch_macs": r.macs, "crosscheck": verdicts[r.name], "crosscheck_own": own[r.name]})
            for r in layers
        ]
        by_op = {"conv": fv["body.conv"], "batch_norm": 512}
    return ModelProfile("tiny", {"alpha": 1.0, "conv": "standard"}, (1, 4, 8, 8), tuple(layers), "fp32", 2048, fvcore_by_op=by_op)


def texts(notes: Any) -> list[str]:
    return [n.text for n in notes]


def render(renderable: Any, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Formatters


@pytest.mark.parametrize(
    ("hparams", "expected"),
    [
        ({"kernel": (3, 3), "stride": (2, 2), "groups": 32}, "3x3 s2 g32"),
        ({"kernel": (1, 1), "stride": (1, 1), "groups": 1}, "1x1 s1"),
        ({"kernel": (3, 3), "stride": (2, 1), "dilation": (2, 2), "groups": 1}, "3x3 s2x1 d2"),
        ({"output_size": (1, 1)}, "out 1x1"),
        ({"groups": 4}, "g4"),
        ({}, ""),
    ],
)
def test_hparams_text(hparams: dict[str, Any], expected: str) -> None:
    assert grid.hparams_text(rec("x", 1, 0, 0, hparams=hparams)) == expected


def test_shape_text() -> None:
    assert grid.shape_text((1, 32, 112, 112)) == "1x32x112x112"
    assert grid.shape_text(None) == "-"


@pytest.mark.parametrize(
    ("value", "kind", "table", "exported"),
    [
        (568740352, "count", "568.74 M", "568740352"),
        (864, "count", "864", "864"),
        (0.9486, "share", "94.9%", "94.86"),
        (0.25, "ratio", "0.250x", "0.2500"),
        (None, "count", "-", ""),
        ("ok", "status", "ok", "ok"),
    ],
)
def test_cells(value: Any, kind: str, table: str, exported: str) -> None:
    assert tables.cell_text(value, kind) == table
    assert export.export_cell(value, kind) == exported


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "0.98 KiB"), (16927904, "16.14 MiB"), (1058308096, "0.99 GiB"), (1024**3 * 1.5, "1.50 GiB")],
)
def test_bytes_are_binary_with_at_most_three_digits(n: float, text: str) -> None:
    assert human_bytes(n) == text  # 1009.28 MiB reads 0.99 GiB


@pytest.mark.parametrize(("n", "text"), [(999, "999"), (1000, "1.00 k"), (999_994, "999.99 k"), (999_999, "1.00 M"), (568740352, "568.74 M")])
def test_counts_are_decimal_and_never_show_1000_of_a_unit(n: int, text: str) -> None:
    assert human(n) == text


@pytest.mark.parametrize(
    ("values", "kind", "decimals"),
    [([335.8, 34.0, 0.56], "ms", 1), ([2.5, 0.01], "ms", 2), ([0.2, 0.005], "ms", 3), ([4.494, 0.449], "float", 2), ([], "ms", 1)],
)
def test_one_number_of_decimals_per_column(values: list[float], kind: str, decimals: int) -> None:
    assert tables.decimals_for(values, kind) == decimals


def test_option_flag() -> None:
    assert grid.option_flag("dw_kernel", "int") == "--dw-kernel"
    assert grid.option_flag("se", "bool") == "--se/--no-se"


# --------------------------------------------------------------------------------------------
# Grids


def test_summary_grid_rows_depth_and_total() -> None:
    p = tiny_profile()
    full = grid.summary_grid(p)
    assert [r[0] for r in full.rows] == ["body", "body.conv", "body.bn"]
    assert full.display == ("body", "  conv", "  bn")
    assert full.total is not None and full.total[4:6] == (304, 18432)
    assert "check" not in [c.header for c in full.columns]  # not cross-checked: no verdict column
    top = grid.summary_grid(p, depth=1)
    assert [r[0] for r in top.rows] == ["body"]
    conv = full.rows[1]
    assert conv[2] == "3x3 s2" and conv[3] == "1x8x8x8" and conv[6] == pytest.approx(1.0)


def test_summary_notes_totals_and_conventions() -> None:
    notes = texts(grid.summary_notes(tiny_profile()))
    text = "\n".join(notes)
    assert "Params: 304" in text and "MACs: 18,432 (18.43 k), FLOPs (2 x MACs) 36.86 k" in text
    assert "peak activations 8.00 KiB (2,048 elements)" in text  # 2,048 fp32 elements x 4 bytes = 8 KiB
    assert "Cross-check: not run" in text
    assert notes[-1] == grid.EXPLAIN_POINTER and CONVENTIONS not in text  # the conventions: once, in lwprof explain


def test_summary_notes_explain_fvcore_difference() -> None:
    p = tiny_profile(crosschecked=True)
    text = "\n".join(texts(grid.summary_notes(p)))
    assert "fvcore total: 18,944 (+512: also batch_norm 512)" in text
    assert "FlopCounterMode total: 18,432 (equal)" in text
    # the verdict line: the tiny profile's leaves are its conv (ok) and its BatchNorm (by design)
    assert "Cross-check: all 2 layers agree with fvcore and FlopCounterMode; 1 by design" in text
    assert "MISMATCH" not in text
    g = grid.summary_grid(p)
    check = [c.header for c in g.columns].index("check")
    assert check == 7 and all(c.only == "export" for c in g.columns[check + 1 :])  # the last column a terminal shows
    assert [r[check] for r in g.rows] == ["by design", "ok", "by design"]


def test_summary_notes_show_mismatch() -> None:
    p = tiny_profile(crosschecked=True, mismatch=True)
    notes = grid.summary_notes(p)
    text = "\n".join(texts(notes))
    assert "MISMATCH in 1 layer(s): body.conv: lwprof 18,432 vs fvcore 18,433" in text
    assert grid.crosscheck_verdict(p) == "MISMATCH" and p.mismatches == (p.layers[2],)
    # the verdict line says it too (body.conv is 1 of the 2 leaves), both as failures
    assert "Cross-check: 1 of 2 layers agree with fvcore and FlopCounterMode; 1 by design, 1 MISMATCH" in text
    assert [n.severity for n in notes if "MISMATCH" in n.text] == [Severity.FAILURE, Severity.FAILURE]


def test_unsupported_layers_warned() -> None:
    p = tiny_profile()
    odd = rec("body.odd", 2, 0, 7, status="unsupported", category="Unsupported", type="Odd")
    p = ModelProfile(p.arch, p.config, p.input_shape, (*p.layers, odd))
    assert any(line.startswith("1 layer(s) have no formula and were counted from their ops") and "body.odd" in line for line in texts(grid.summary_notes(p)))


def test_by_type_grid() -> None:
    g = grid.by_type_grid(tiny_profile())
    assert [r[0] for r in g.rows] == ["Conv 3x3", "BatchNorm"]
    conv, bn = g.rows
    assert conv[1:3] == (1, 288) and conv[4] == 18432 and conv[5] == pytest.approx(1.0)
    assert bn[2] == 16 and bn[6] == 1024
    assert g.total is not None and g.total[2] == 304 and g.total[4] == 18432


def _comparison() -> Comparison:
    a = tiny_profile()
    half = ModelProfile("tiny", {"alpha": 0.5, "conv": "standard"}, a.input_shape, tuple(
        LayerRecord(**{**r.__dict__, "params": r.params // 2, "macs": r.macs // 4}) for r in a.layers
    ))  # fmt: skip
    return Comparison("tiny", {"alpha": (1.0, 0.5)}, (Variant("alpha=1.0", a.config, a), Variant("alpha=0.5", half.config, half)))


def test_compare_grids_and_json() -> None:
    c = _comparison()
    published = [{"params": 0.0003, "macs": 0.018, "source": "Tiny paper Table 1"}, None]
    g = grid.compare_grid(c, published)
    assert [r[0] for r in g.rows] == ["alpha=1.0", "alpha=0.5"]
    assert g.rows[0][4] == 1.0 and g.rows[1][4] == pytest.approx(0.25) and g.rows[1][5] == pytest.approx(0.5)
    assert g.rows[0][6] == "0.0003 M / 0.018 M" and g.rows[1][6] == "-"
    assert any("Tiny paper Table 1" in n.text for n in g.notes)
    cats = grid.compare_category_grid(c)
    assert [r[0] for r in cats.rows] == ["Conv 3x3"]  # BatchNorm has no MACs in any variant
    assert cats.rows[0][1:] == (18432, 4608) and cats.total == ("total", 18432, 4608)
    data = json.loads(export.to_json(export.compare_dict(c, published)))
    assert data["arch"] == "tiny" and data["vary"] == {"alpha": [1.0, 0.5]}
    v0, v1 = data["variants"]
    assert v0["totals"]["macs"] == 18432 and isinstance(v0["totals"]["macs"], int)
    assert v0["published"]["source"] == "Tiny paper Table 1" and v1["published"] is None
    assert v1["macs_ratio"] == 0.25 and v0["by_category"]["Conv 3x3"] == {"params": 288, "macs": 18432}


FakeCheck = CheckResult  # the real record; only run_checks is faked


def test_check_grid_and_dict() -> None:
    results = [
        FakeCheck("Paper (arXiv 1) Table 4", "net", "MACs", 569.0, "M", 568.74, -0.26, 1.0, "conv+FC MACs", "pass", ""),
        FakeCheck("Paper (arXiv 1) Table 2", "net", "MACs share Conv 3x3", 1.19, "%", 1.9056, 0.7156, 0.005, "conv+FC MACs", "fail", "typo?"),
    ]
    g = grid.check_grid(results)
    names = [c.name for c in g.columns]
    row = dict(zip(names, g.rows[0]))
    # Table cells at the paper's precision, exact values behind them.
    assert [str(row[k]) for k in ("source", "published", "computed", "difference")] == ["Paper Table 4", "569 M", "568.74 M", "-0.26 M"]
    assert [row[k].value for k in ("published", "computed", "difference")] == [569_000_000, 568_740_000, -260_000]
    assert row["unit"] == "count" and row["convention"].value == "conv+FC MACs" and str(row["convention"]) == "1"
    share = dict(zip(names, g.rows[1]))
    assert str(share["published"]) == "1.19 %" and share["published"].value == 1.19 and share["unit"] == "%" and share["status"] == "fail"
    assert g.title.startswith("paper conformance: 1 pass, 1 fail")
    texts = [n.text for n in g.notes]
    assert "Sources: Paper: arXiv 1" in texts and "Rule 1: conv+FC MACs" in texts
    assert g.notes[-2] == Note(Severity.FAILURE, "net MACs share Conv 3x3: typo?")
    # the verdict comes last, where a long listing ends (its first line has scrolled away)
    assert g.notes[-1] == Note(Severity.FAILURE, "Verdict: 1 pass, 1 fail (of 2); 1 FAIL")
    brief = grid.check_grid(results, problems_only=True)
    assert len(brief.rows) == 1 and brief.title.endswith("; the 1 that did not pass")
    data = export.check_dict(results)
    assert data["passed"] is False and data["failed"] == 1 and data["checks"][0]["published"] == 569.0


def test_check_csv_is_one_table_of_exact_numbers() -> None:
    results = [
        FakeCheck("Paper (arXiv 1) Table 4", "net", "MACs", 569.0, "M", 568.74, -0.26, 0.5, "conv+FC MACs", "pass", ""),
        FakeCheck("Paper (arXiv 1) Table 2", "net", "MACs share Conv 3x3", 1.19, "%", 1.9056, 0.7156, 0.005, "conv+FC MACs", "known gap", "a typo"),
        FakeCheck("Blog worked example", "layer", "params", 0.000072, "M", 0.000072, 0.0, 0.0000005, "all params", "pass", ""),
    ]
    rows = list(csv.reader(io.StringIO(export.export_grid(grid.check_grid(results), "csv"))))
    header, body = rows[0], rows[1:]
    assert header == ["source", "model", "quantity", "unit", "published", "computed", "difference", "tolerance", "status", "convention", "note"]
    assert len(body) == 3 and all(len(r) == len(header) for r in body)
    first, second, third = (dict(zip(header, r)) for r in body)
    assert (first["published"], first["computed"], first["tolerance"]) == ("569000000", "568740000", "500000")
    assert second["unit"] == "%" and float(second["computed"]) == pytest.approx(1.9056) and second["note"] == "a typo"
    assert (third["published"], third["computed"], third["difference"]) == ("72", "72", "0")
    assert not any("," in r[4] or " M" in r[4] for r in body)  # no "1,331,592" or "569 M" strings


# --------------------------------------------------------------------------------------------
# Rich tables


def test_grid_table_is_a_rich_table_with_total_row() -> None:
    g = grid.summary_grid(tiny_profile())
    table = tables.grid_table(g)
    assert isinstance(table, Table)
    assert table.row_count == 4  # three records and the total
    out = render(tables.summary_view(tiny_profile()))
    assert "18.43 k" in out and "  conv" in out and "3x3 s2" in out and "total" in out


def test_statuses_are_coloured() -> None:
    console = Console(file=io.StringIO(), width=120, force_terminal=True, color_system="standard")
    console.print(tables.summary_view(tiny_profile(crosschecked=True, mismatch=True)))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[" in out and "MISMATCH" in out


# --------------------------------------------------------------------------------------------
# Layout: what fits a width


def _wide_grid() -> grid.Grid:
    columns = (
        grid.Column("layer", key="name"),
        grid.Column("type", key="type", priority=1),
        grid.Column("kernel", key="kernel", priority=3),
        grid.Column("params", "count", "params"),
        grid.Column("MACs share", "share", "share", priority=2),
        grid.Column("note", key="note", wrap=True),
        grid.Column("exact", "count", "exact", only="export"),
    )
    rows = tuple(
        (f"stage{i}.block.conv", "Conv2d", "3x3 s1 g32", 10**i, 0.1 * i, "a note that is long enough to need wrapping in narrow terminals", 10**i)
        for i in range(1, 6)
    )
    return grid.Grid("a title", columns, rows)


def test_fit_columns_drops_the_highest_priority_first_and_never_a_name() -> None:
    g = _wide_grid()
    texts = tables.column_texts(g)
    full = tables.fit_columns(g.columns, texts, 200)
    assert [g.columns[i].header for i in full.shown] == ["layer", "type", "kernel", "params", "MACs share", "note"]  # export-only left out
    assert full.hidden == () and full.widths[0] == len("stage1.block.conv")
    assert tables.fit_columns(g.columns, texts, 70).hidden == ("kernel",)  # priority 3 first
    narrow = tables.fit_columns(g.columns, texts, 60)
    assert narrow.hidden == ("kernel", "MACs share")  # then the share (2); the type (1) still fits
    assert narrow.widths[0] == len("stage1.block.conv") and not narrow.fold
    assert sum(narrow.widths) + 3 * len(narrow.shown) + 1 <= 60
    assert tables.fit_columns(g.columns, texts, 50).hidden == ("type", "kernel", "MACs share")
    tiny = tables.fit_columns(g.columns, texts, 40)  # even the essential columns do not fit: the name wraps too
    assert tiny.fold and [g.columns[i].header for i in tiny.shown] == ["layer", "params", "note"]


@pytest.mark.parametrize("width", range(40, 161, 7))
def test_rendered_grid_never_exceeds_the_width_nor_cuts_a_cell(width: int) -> None:
    out = render(tables.grid_view(_wide_grid()), width)
    assert max(len(line) for line in out.splitlines()) <= width
    assert "…" not in out
    if width >= 60:
        assert out.count("stage3.block.conv") == 1  # whole, on one line


def test_hidden_columns_are_named_under_the_table() -> None:
    out = " ".join(render(tables.grid_view(_wide_grid()), 60).split())
    assert "Not shown at 60 columns: kernel, MACs share (a wider terminal shows them; so do --format csv and json)" in out
    assert "Not shown" not in render(tables.grid_view(_wide_grid()), 200)


def test_pivot_grids_split_into_blocks_instead_of_dropping() -> None:
    c = _comparison()
    many = Comparison("tiny", {"alpha": tuple(1.0 / k for k in range(1, 9))}, tuple(Variant(f"alpha={1 / k:.4f}", {}, c.variants[0].profile) for k in range(1, 9)))
    out = render(tables.GridView(grid.compare_category_grid(many), pivot=True), 60)
    assert all(f"alpha={1 / k:.4f}" in out for k in range(1, 9)) and "Not shown" not in out
    assert out.count("Conv 3x3") >= 2 and max(len(line) for line in out.splitlines()) <= 60


def test_group_columns_show_a_value_once_and_headings_become_rows() -> None:
    results = [
        CheckResult("Paper (arXiv 1) Table 4", "net", q, 1.0, "M", 1.0, 0.0, 0.05, "rule a", "pass", "") for q in ("MACs", "params")
    ] + [CheckResult("Other Table 1", "net", "MACs", 1.0, "M", 1.0, 0.0, 0.05, "rule a", "pass", "")]
    out = render(tables.check_view(results), 100)
    lines = out.splitlines()
    assert sum("Paper Table 4" in line for line in lines) == 1 and sum("Other Table 1" in line for line in lines) == 1
    assert sum("│ net " in line for line in lines) == 2  # once per source, blank on the repeated row


# --------------------------------------------------------------------------------------------
# Exports


def test_markdown_export_keeps_exact_integers() -> None:
    md = export.to_markdown(grid.summary_grid(tiny_profile()))
    assert md.startswith("### tiny (alpha=1.0, conv=standard)")
    table = md.split("\n\n")[1]
    assert "| body.conv " in table and " 18432 |" in table and "18.43 k" not in table
    assert "|--" in md and grid.EXPLAIN_POINTER in md


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_delimited_export_parses_and_sums(fmt: str, sep: str) -> None:
    text = export.export_grid(grid.summary_grid(tiny_profile()), fmt)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=sep))
    assert [r["name"] for r in rows] == ["body", "body.conv", "body.bn"]  # no total row, no notes
    assert rows[1]["macs"] == "18432" and rows[1]["kernel"] == "3x3 s2" and rows[1]["macs_share"] == "100.00"


def test_export_grid_rejects_table_format() -> None:
    with pytest.raises(ValueError):
        export.export_grid(grid.summary_grid(tiny_profile()), "table")


def test_json_is_exact() -> None:
    text = export.to_json(tiny_profile().to_dict())
    data = json.loads(text)
    assert data["totals"]["macs"] == 18432 and data["totals"]["flops"] == 36864 and text.endswith("\n")


# --------------------------------------------------------------------------------------------
# Atomic writes


def test_write_atomic_writes_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    export.write_atomic(target, '{"a": 1}\n')
    assert target.read_text() == '{"a": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    mode = target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # a normal file, not a private temp file


def test_write_atomic_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(LwprofError, match="already exists; pass --force"):
        export.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    export.write_atomic(target, "new", force=True)
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.parametrize("bad", ["/nonexistent/dir/x.json", "DIR"])
def test_write_atomic_bad_paths(tmp_path: Path, bad: str) -> None:
    path = tmp_path if bad == "DIR" else Path(bad)
    with pytest.raises(LwprofError, match="cannot write"):
        export.write_atomic(path, "x")


def test_write_atomic_unwritable_folder(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(LwprofError, match="cannot write"):
            export.write_atomic(folder / "x.json", "x")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_render_imports_neither_torch_nor_fvcore() -> None:
    code = "import sys, lwprof.render, lwprof.render.grid; assert 'torch' not in sys.modules and 'fvcore' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
