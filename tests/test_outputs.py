"""Exports a DataFrame can trust, notebook displays (issue 24, item 5).

Every expected total comes from an independent oracle: ``sum(p.numel())`` of the model and
``torch.utils.flop_counter.FlopCounterMode`` (halved to MACs), or is derived by hand in a comment.
"""

from __future__ import annotations

import csv
import io
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import lwprof
from lwprof.errors import LwprofError
from lwprof.render import export, grid, notebook


class Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False)
        self.bn = nn.BatchNorm2d(c)
        self.pw = nn.Conv2d(c, 2 * c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw(torch.relu(self.bn(self.dw(x))))


class Nested(nn.Module):
    """Three levels of modules, no work outside the leaves."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.stages = nn.Sequential(Block(8), nn.Sequential(Block(16), nn.Identity()))
        self.head = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)).mean((2, 3)))


class OwnWork(nn.Module):
    """A parent with a parameter and a convolution of its own (outside any child)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1, bias=False)
        self.extra = nn.Parameter(torch.ones(4, 4, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(self.conv(x), self.extra)


def oracle(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
    """(sum of parameter elements, FlopCounterMode's FLOPs / 2) of one forward pass."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(shape))
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


def csv_rows(profile: lwprof.ModelProfile, **kw) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export.export_grid(grid.summary_grid(profile, **kw), "csv"))))


def test_leaf_rows_of_the_csv_sum_to_the_oracles_totals() -> None:
    model = Nested()
    params, macs = oracle(model, (1, 3, 16, 16))
    # by hand: stem 3*8*9+8 = 224 params, 8x8x8 outputs x 27 = 13,824 MACs; Block(8): dw 72, bn 16, pw 8*16+16 = 144
    # (dw 8x8x8 x 9 = 4,608, pw 16x8x8 x 8 = 8,192 MACs); Block(16): dw 144, bn 32, pw 16*32+32 = 544 (9,216 + 32,768);
    # head 32*10+10 = 330 params, 320 MACs
    assert (params, macs) == (224 + 72 + 16 + 144 + 144 + 32 + 544 + 330, 13_824 + 4_608 + 8_192 + 9_216 + 32_768 + 320)
    p = lwprof.profile(model, (3, 16, 16))
    rows = csv_rows(p)
    assert {"depth", "is_leaf", "parent", "calls", "own_params", "own_macs"} <= set(rows[0])
    leaves = [r for r in rows if r["is_leaf"] == "true"]
    assert sum(int(r["params"]) for r in leaves) == params and sum(int(r["macs"]) for r in leaves) == macs
    # summing every row counts each module once per ancestor: what the issue measured as 2.95x
    assert sum(int(r["macs"]) for r in rows) > macs
    assert sum(int(r["own_macs"]) for r in rows) == macs and sum(int(r["own_params"]) for r in rows) == params
    by_name = {r["name"]: r for r in rows}
    assert by_name["stages.1.0.pw"]["parent"] == "stages.1.0" and by_name["stages.1.0.pw"]["depth"] == "4"
    assert by_name["stem"]["parent"] == "" and by_name["stem"]["is_leaf"] == "false" and by_name["stem"]["own_macs"] == "0"
    assert by_name["head"]["calls"] == "1"
    # --leaves: the same leaves, nothing else
    only = csv_rows(p, leaves=True)
    assert [r["name"] for r in only] == [r["name"] for r in leaves]
    assert sum(int(r["macs"]) for r in only) == macs
    # a depth cut: own counts still sum to the totals (a row shown without its children keeps all its counts)
    top = csv_rows(p, depth=1)
    assert [r["name"] for r in top] == ["stem", "stages", "head"]
    assert sum(int(r["own_macs"]) for r in top) == macs == sum(int(r["macs"]) for r in top)


def test_a_parents_own_work_is_in_own_columns() -> None:
    model = OwnWork()
    params, macs = oracle(model, (1, 3, 8, 8))
    assert (params, macs) == (12 + 16, 4 * 64 * 3 + 4 * 64 * 4)  # conv 12 weights, 256 x 3 MACs; the parent's F.conv2d 16, 256 x 4
    p = lwprof.profile(model, (3, 8, 8))
    rows = csv_rows(p)
    assert sum(int(r["macs"]) for r in rows if r["is_leaf"] == "true") == 768  # the leaf alone: the parent's own work is not in it
    # the model's own conv is in no row (only in the total), and a note says so
    assert sum(int(r["own_macs"]) for r in rows) == macs - 1024 and sum(int(r["own_params"]) for r in rows) == params - 16
    notes = [n.text for n in grid.summary_grid(p).notes]
    assert "The rows' own_params and own_macs sum to 768 of the 1.79 k MACs and 12 of the 28 params" in notes[0]
    leaf_note = grid.summary_grid(p, leaves=True).notes[0].text
    assert leaf_note.startswith("The leaf rows sum to 768 of the 1.79 k MACs") and "(the model)" in leaf_note
    df = p.to_pandas()
    assert int(p.macs - df.own_macs.sum()) == 1024 and int(p.params - df.own_params.sum()) == 16  # the model's own conv and weight


def test_to_pandas_matches_the_records() -> None:
    pd = pytest.importorskip("pandas")
    model = Nested()
    params, macs = oracle(model, (1, 3, 16, 16))
    df = lwprof.profile(model, (3, 16, 16)).to_pandas()
    assert isinstance(df, pd.DataFrame) and df.index.name == "name"
    assert df[df.is_leaf].macs.sum() == macs and df[df.is_leaf].params.sum() == params
    assert df.own_macs.sum() == macs and df.loc["stages.0.pw", "output_shape"] == [1, 16, 8, 8]
    leaves = lwprof.profile(model, (3, 16, 16)).to_pandas(leaves=True)
    assert bool(leaves.is_leaf.all()) and leaves.macs.sum() == macs


def test_to_pandas_of_a_model_without_modules_below_it() -> None:
    pytest.importorskip("pandas")
    p = lwprof.profile(nn.Conv2d(3, 4, 1), (3, 2, 2))
    df = p.to_pandas()
    assert len(df) == 0 and {"macs", "is_leaf", "own_macs"} <= set(df.columns)
    assert p.macs == 4 * 4 * 3  # the model is the one conv: 16 outputs x 3 inputs, in the total only


def test_to_pandas_without_pandas_is_one_clear_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(LwprofError, match=r"needs pandas: pip install pandas"):
        lwprof.profile(Nested(), (3, 16, 16)).to_pandas()


def test_comparison_to_pandas_ratios() -> None:
    pytest.importorskip("pandas")
    c = lwprof.compare("mobilenet", vary={"alpha": [1, 0.5]}, resolution=64)
    df = c.to_pandas()
    assert list(df.index) == ["alpha=1.0", "alpha=0.5"]
    assert df.loc["alpha=0.5", "macs_ratio"] == pytest.approx(c.variants[1].profile.macs / c.variants[0].profile.macs)
    assert df.loc["alpha=1.0", "params"] == c.variants[0].profile.params


def test_notebook_displays() -> None:
    p = lwprof.profile(Nested(), (3, 16, 16))
    assert repr(p).startswith("ModelProfile(") and len(repr(p)) < 200  # not the dataclass repr of every record
    html = p._repr_html_()
    assert html.count("<tr") == len(p.layers) + 1  # the header, one row per module below the model, the total
    assert 'data-v="stages.0.pw" style="padding-left: 2.9em">pw<' in html  # the short name, indented by its depth (4 spaces in a terminal)
    assert 'title="4608"' in html  # the dw conv of Block(8): 8x8x8 x 9 MACs, exact on hover
    c = lwprof.compare("mobilenet", vary={"alpha": [1, 0.5]}, resolution=64)
    chtml = c._repr_html_()
    assert "alpha=0.5" in chtml and "Conv DW 3x3" in chtml
    from rich.console import Console

    console = Console(file=io.StringIO(), width=100)
    console.print(p)
    assert "stages" in console.file.getvalue() and "total" in console.file.getvalue()
    with pytest.raises(TypeError):
        notebook.html(object())


def test_fit_result_display() -> None:
    from tests.data.fake_calibration import make_calibration

    result = lwprof.fit("mobilenet", {"alpha": "0.5,1"}, calibration=make_calibration())
    html = result._repr_html_()
    assert "Pareto front" in html and result.chosen.label in html
    assert repr(result) == f"FitResult('mobilenet_v1', configurations={len(result.candidates)}, front={len(result.front)}, best={result.chosen.label!r})"
    pytest.importorskip("pandas")
    df = result.to_pandas()
    assert len(df) == len(result.candidates) and df.front.sum() == len(result.front)


def test_summary_leaves_from_the_command_line() -> None:
    from typer.testing import CliRunner

    from lwprof.cli import app

    runner = CliRunner()
    # MobileNetV1 1.0-224 (Table 4 of the paper: 569 M mult-adds, 4.2 M params): sum(p.numel()) = 4,231,976 and
    # FlopCounterMode's 1,137,480,704 FLOPs / 2 = 568,740,352 MACs (the same constants test_cli.py holds)
    result = runner.invoke(app, ["summary", "mobilenet", "--no-fvcore", "--leaves", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(r["is_leaf"] == "true" for r in rows) and len(rows) == 27 * 3 + 3  # 27 convs (stem, 13 dw, 13 pw) each with BN and ReLU; pool, flatten, FC
    assert sum(int(r["params"]) for r in rows) == 4_231_976 and sum(int(r["macs"]) for r in rows) == 568_740_352
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(io.StringIO(runner.invoke(app, ["summary", "mobilenet", "--no-fvcore", "-f", "csv"]).stdout))
    assert df.is_leaf.dtype == bool and int(df[df.is_leaf].macs.sum()) == 568_740_352 and int(df.own_macs.sum()) == 568_740_352
    assert int(df.macs.sum()) > 2 * 568_740_352  # parents and leaves together: the double counting the leaf column prevents
    data = __import__("json").loads(runner.invoke(app, ["summary", "mobilenet", "--no-fvcore", "--leaves", "-f", "json"]).stdout)
    assert data["leaves"] is True and [r["name"] for r in data["layers"][1:]] == [r["name"] for r in rows]
