"""``lwprof diff`` and ``compare --vary`` of a user model's arguments (issue 24, item 9).

The model below is small enough to count by hand; every expected number is derived in a comment.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lwprof
from lwprof.cli import app
from lwprof.diffs import Change

runner = CliRunner()

NET = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width=8, extra=False):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1, bias=False)
        if extra:
            self.extra = nn.Conv2d(width, width, 1, bias=False)
        self.fc = nn.Linear(width, 10)
        self.has_extra = extra

    def forward(self, x):
        x = self.conv(x)
        if self.has_extra:
            x = self.extra(x)
        return self.fc(x.mean((2, 3)))
'''
# On a 3x8x8 input (64 positions):
#   width 8:  conv 3*8*9 = 216 params, 8*64 outputs x 27 = 13,824 MACs; fc 8*10+10 = 90 params, 80 MACs
#   width 16: conv 432 params, 16*64 x 27 = 27,648 MACs; fc 170 params, 160 MACs
#             extra (1x1, 16 -> 16): 256 params, 16*64 x 16 = 16,384 MACs
A_PARAMS, A_MACS = 216 + 90, 13_824 + 80
B_PARAMS, B_MACS = 432 + 256 + 170, 27_648 + 16_384 + 160


@pytest.fixture()
def net(tmp_path: Path) -> str:
    path = tmp_path / "net.py"
    path.write_text(NET)
    return str(path)


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_diff_aligns_by_path_with_hand_counted_deltas(net: str) -> None:
    d = lwprof.diff(f"{net}:Net@width=8", f"{net}:Net@width=16,extra=true", input_size=(3, 8, 8))
    assert [(r.name, r.change) for r in d.rows] == [("conv", Change.CHANGED), ("extra", Change.ADDED), ("fc", Change.CHANGED)]
    conv, extra, fc = d.rows
    assert (conv.delta("params"), conv.delta("macs")) == (432 - 216, 27_648 - 13_824)
    assert conv.what == ("shape", "params", "macs")  # same kernel (3x3 s1), 8 -> 16 channels
    assert (extra.delta("params"), extra.delta("macs"), extra.a) == (256, 16_384, None)
    assert (fc.delta("params"), fc.delta("macs")) == (170 - 90, 160 - 80)
    assert (d.a.params, d.a.macs, d.b.params, d.b.macs) == (A_PARAMS, A_MACS, B_PARAMS, B_MACS)
    assert d.ratio("macs") == pytest.approx(B_MACS / A_MACS)
    back = lwprof.diff(d.b, d.a)
    assert [(r.name, r.change) for r in back.rows] == [("conv", Change.CHANGED), ("extra", Change.REMOVED), ("fc", Change.CHANGED)]  # A's order


def test_diff_cli_csv_and_json(net: str) -> None:
    a, b = f"{net}:Net@width=8", f"{net}:Net@width=16,extra=true"
    result = invoke("diff", a, b, "--input-size", "3,8,8", "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert list(rows) == ["conv", "extra", "fc"]
    assert rows["extra"]["change"] == "added" and rows["extra"]["params_a"] == "" and rows["extra"]["macs_b"] == "16384"
    assert rows["conv"]["macs_delta"] == "13824" and rows["conv"]["output_shape_b"] == "1x16x8x8"
    assert sum(int(r["macs_delta"]) for r in rows.values() if r["is_leaf"] == "true") == B_MACS - A_MACS
    data = json.loads(invoke("diff", a, b, "--input-size", "3,8,8", "-f", "json").stdout)
    assert data["totals"]["params"] == {"a": A_PARAMS, "b": B_PARAMS, "delta": B_PARAMS - A_PARAMS, "ratio": pytest.approx(B_PARAMS / A_PARAMS)}
    assert data["counts"] == {"same": 0, "changed": 2, "added": 1, "removed": 0}
    table = invoke("diff", a, b, "--input-size", "3,8,8").stdout
    assert "+16.38 k" in table and f"MACs: {A_MACS:,} -> {B_MACS:,}" in table.replace("\n", " ")


def test_diff_against_a_saved_profile(net: str, tmp_path: Path) -> None:
    saved = tmp_path / "before.json"
    ok = invoke("summary", f"{net}:Net", "--input-size", "3,8,8", "--no-fvcore", "-f", "json", "-o", str(saved))
    assert ok.exit_code == 0, ok.output
    d = lwprof.diff(str(saved), f"{net}:Net@width=16,extra=true", input_size=(3, 8, 8))
    assert (d.a.params, d.a.macs) == (A_PARAMS, A_MACS) and [r.change for r in d.rows] == [Change.CHANGED, Change.ADDED, Change.CHANGED]
    same = invoke("diff", str(saved), f"{net}:Net", "--input-size", "3,8,8", "-f", "json")
    assert json.loads(same.stdout)["counts"] == {"same": 2, "changed": 0, "added": 0, "removed": 0}  # read back exactly
    partial = tmp_path / "partial.json"
    invoke("summary", f"{net}:Net", "--input-size", "3,8,8", "--no-fvcore", "--depth", "0", "-f", "json", "-o", str(partial))
    bad = invoke("diff", str(partial), f"{net}:Net")
    assert bad.exit_code == 2 and "written with --depth or --leaves" in bad.stderr and "Traceback" not in bad.output
    missing = invoke("diff", str(tmp_path / "nope.json"), f"{net}:Net")
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_compare_varies_a_user_models_arguments(net: str) -> None:
    result = invoke("compare", f"{net}:Net", "--vary", "width=8,16", "--input-size", "3,8,8", "--no-fvcore", "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # width 16 without extra: 432 + 170 params, 27,648 + 160 MACs
    assert [(r["label"], r["params"], r["macs"]) for r in rows] == [("width=8", str(A_PARAMS), str(A_MACS)), ("width=16", "602", "27808")]
    assert rows[1]["macs_ratio"] == f"{27_808 / A_MACS:.4f}"
    c = lwprof.compare(f"{net}:Net@extra=true", vary={"width": [8, 16]}, input_size=(3, 8, 8))
    assert c.variants[1].profile.macs == B_MACS and c.vary == {"width": (8, 16)}
    bad = invoke("compare", f"{net}:Net@width=8", "--vary", "width=8,16")
    assert bad.exit_code == 2 and "both fixed (after '@') and varied" in bad.stderr


def test_compare_of_a_user_model_needs_something_to_vary(net: str) -> None:
    with pytest.raises(lwprof.LwprofError, match=r"user model: say what to vary among its factory arguments, e.g. --vary width=0.5,1.0"):
        lwprof.compare(f"{net}:Net", input_size=(3, 8, 8))
    with pytest.raises(lwprof.LwprofError, match=r"architecture options do not apply to the user model"):
        lwprof.compare(f"{net}:Net", vary={"width": [8]}, alpha=0.5)


@pytest.mark.parametrize(("flag", "value"), [("--kwargs", "width=2"), ("--threads", "2"), ("--device", "cpu")])
def test_diff_refuses_model_flags_it_cannot_honour(net: str, flag: str, value: str) -> None:
    result = invoke("diff", f"{net}:Net", f"{net}:Net@width=16", flag, value)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: lwprof diff does not take {flag} {value}: ") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "doc",
    [
        {"arch": "x", "input_shape": [1], "totals": {}, "layers": ["x"]},  # a layer that is not an object
        {"arch": "x", "input_shape": [1], "totals": {}, "layers": [{"name": "", "hparams": [1]}]},  # hparams not an object
        {"arch": "x", "input_shape": [1], "totals": {}, "layers": []},  # no modules at all
    ],
    ids=["layer-not-object", "hparams-list", "no-layers"],
)
def test_a_malformed_saved_profile_is_one_clear_line(net: str, tmp_path: Path, doc: dict) -> None:
    saved = tmp_path / "bad.json"
    saved.write_text(json.dumps(doc))
    result = runner.invoke(app, ["diff", str(saved), net])
    assert result.exit_code == 2 and "not a profile" in result.stderr and "unexpected" not in result.stderr


def test_a_tied_weight_makes_the_own_counts_exceed_the_total_and_the_footer_says_so() -> None:
    import torch
    from torch import nn

    from lwprof.render.grid import summary_grid

    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 4)
            self.b.weight = self.a.weight  # tied: 16 weights held by both

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(self.a(x))

    p = lwprof.profile(Tied(), (4,), crosscheck=False)
    # unique params: 16 shared weights + 4 + 4 biases = 24; each row holds its 20, so the rows sum to 40
    assert p.params == 24 and sum(r.params for r in p.leaves()) == 40
    notes = " ".join(n.text for n in summary_grid(p).notes)
    assert "more than the totals: a weight tied" in notes
