"""Each extension is one file (docs/extending.md), and the registries can be scoped: a formula registered with a
kind is priced by that kind; an op handler overridden inside a block; an architecture registered in a block is
profiled and gone after it; an export format registered in a block is a --format choice, picked by its -o suffix,
listed in --help and lwprof explain formats, and gone after it."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

import lwprof
from lwprof.architectures import get_architecture, list_architectures, register_architecture, scoped_architectures, unregister_architecture
from lwprof.architectures.registry import ArchConfig, Role, option
from lwprof.counting import formulas, ops
from lwprof.counting.walker import walk
from lwprof.errors import LwprofError
from lwprof.latency.predict import predict_profile
from lwprof.records import ConvSpec, LayerKind, Status
from tests.data.fake_calibration import make_calibration


class Mixer(nn.Module):
    """A 1x1 channel mixer written with einsum: no formula of its own (counted from its ops) until one is registered."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(cout, cin))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("oc,nchw->nohw", self.weight, x)


def mixer_formula(module: Mixer, shape: tuple[int, ...]) -> formulas.LayerCost:
    cout, cin = module.weight.shape
    out = (shape[0], cout, *shape[2:])
    return formulas.LayerCost(out, cin * cout, math.prod(out) * cin, 0, conv=ConvSpec((1, 1), (1, 1)))


def test_a_formula_registered_with_a_kind_is_counted_labelled_and_priced_by_it() -> None:
    shape = (1, 8, 4, 4)
    before = walk(Mixer(8, 16), shape).root
    assert before.status is Status.UNSUPPORTED and before.kind is LayerKind.UNSUPPORTED
    with formulas.scoped_formulas():
        formulas.register_formula(Mixer, kind=LayerKind.CONV, fresh_output=True)(mixer_formula)
        p = walk(Mixer(8, 16), shape)
        pred = predict_profile(p, make_calibration())
    r = p.root
    # 16 x 4 x 4 outputs x 8 inputs each = 2,048 MACs; 8 x 16 = 128 weights
    assert (r.status, r.kind, r.category, r.macs, r.params) == (Status.FORMULA, LayerKind.CONV, "Conv 1x1", 2048, 128)
    # priced as a 1x1 conv, the fake calibration's "conv1x1" rates: 10 us + 2,048 x 0.1 ns + (128 in + 128 weights + 256 out) x 4 B x 0.1 ns
    assert [x.kind for x in pred.layers] == ["conv1x1"] and not pred.layers[0].estimated
    assert pred.total_s == pytest.approx(10e-6 + 2048 * 1e-10 + (128 + 128 + 256) * 4 * 1e-10)
    assert walk(Mixer(8, 16), shape).root.status is Status.UNSUPPORTED  # gone after the block


def test_override_replaces_a_built_in_formula_for_the_block_only() -> None:
    def doubled(module: nn.Linear, shape: tuple[int, ...]) -> formulas.LayerCost:
        cost = formulas.linear_formula(module, shape)
        return dataclasses.replace(cost, macs=2 * cost.macs)

    model = nn.Linear(4, 3)
    with formulas.override_formula(nn.Linear, formula=doubled, kind=LayerKind.LINEAR):
        inside = walk(model, (1, 4)).root.macs
    assert (inside, walk(model, (1, 4)).root.macs) == (24, 12)  # 4 x 3 = 12 MACs, doubled inside
    with pytest.raises(KeyError):
        formulas.unregister_formula(Mixer)  # never registered


def test_an_op_handler_can_be_overridden_in_a_block() -> None:
    def free(args: tuple, kwargs: dict, out: object) -> ops.OpCost:
        return ops.OpCost(0, 0)

    class Net(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ x.transpose(0, 1)

    assert walk(Net(), (3, 5)).root.macs == 45  # 3 x 5 @ 5 x 3: 9 outputs x 5
    with ops.override_op_formula(torch.ops.aten.mm, handler=free):
        assert walk(Net(), (3, 5)).root.macs == 0
    assert walk(Net(), (3, 5)).root.macs == 45


def test_an_architecture_in_a_scope_is_profiled_then_gone() -> None:
    @dataclasses.dataclass(frozen=True)
    class TinyConfig(ArchConfig):
        TOTAL_STRIDE = 1
        width: int = option(4, "channels", minimum=1, role=Role.WIDTH, search="2,4")

    names = [s.name for s in list_architectures()]
    with scoped_architectures():
        register_architecture("tiny_net", config=TinyConfig, paper="-", aliases=("tiny",), compare_axis=("width", (2, 4)))(
            lambda cfg: nn.Sequential(nn.Conv2d(3, cfg.width, 1, bias=False))
        )
        p = lwprof.profile("tiny", resolution=8)
        assert p.macs == 8 * 8 * 4 * 3  # 1x1 conv: 64 positions x 4 outputs x 3 inputs
        assert list(get_architecture("tiny_net").default_search().items()) == [("resolution", "96:256:32"), ("width", "2,4")]  # the base class declares resolution's
        unregister_architecture("tiny")
        with pytest.raises(LwprofError):
            get_architecture("tiny_net")
    assert [s.name for s in list_architectures()] == names


def test_an_export_format_in_a_scope_is_a_choice_a_suffix_and_help_then_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from lwprof import cli
    from lwprof.render import export

    runner = CliRunner()
    layer = ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12"]
    with export.scoped_formats():

        @export.register_format("ndjson", suffix=".ndjson", help="one JSON object per row, for streaming tools")
        def ndjson(out, to_file):  # type: ignore[no-untyped-def]
            grid = out.grid()
            cols = [(i, c) for i, c in enumerate(grid.columns) if c.in_export]
            return "".join(json.dumps({c.name: export.export_cell(row[i], c.kind) for i, c in cols}) + "\n" for row in grid.rows)

        printed = runner.invoke(cli.app, [*layer, "-f", "ndjson"])
        assert printed.exit_code == 0, printed.output
        rows = {r["label"]: r for r in map(json.loads, printed.stdout.splitlines())}
        # 3x3 conv 4 -> 2 on 12x12 ("same" padding): 2 x 4 x 9 = 72 weights, 144 positions x 2 x 36 = 10,368 MACs;
        # depthwise-separable: 4 x 9 + 4 x 2 = 44 weights, 144 x 4 x 9 + 144 x 4 x 2 = 6,336 MACs
        assert (rows["standard"]["params"], rows["standard"]["macs"]) == ("72", "10368")
        assert (rows["dwsep"]["params"], rows["dwsep"]["macs"]) == ("44", "6336")
        assert runner.invoke(cli.app, [*layer, "-o", str(tmp_path / "v.ndjson")]).exit_code == 0  # the suffix picks it
        assert (tmp_path / "v.ndjson").read_text() == printed.stdout
        assert "ndjson" in next(line for line in runner.invoke(cli.app, ["layer", "--help"]).stdout.splitlines() if "--format" in line)
        assert "one JSON object per row" in runner.invoke(cli.app, ["explain", "formats"]).stdout
        bash = {"_LWPROF_COMPLETE": "complete_bash", "COMP_WORDS": "lwprof layer -f nd", "COMP_CWORD": "3"}
        assert runner.invoke(cli.app, [], env=bash, prog_name="lwprof").stdout == "ndjson\n"  # shell completion knows it
        zsh = {"_LWPROF_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "lwprof layer --for"}
        assert '"--format":"table, markdown, csv, tsv, json, ndjson [-o suffix, or table]"' in runner.invoke(cli.app, [], env=zsh, prog_name="lwprof").stdout
    gone = runner.invoke(cli.app, [*layer, "-f", "ndjson"])
    assert gone.exit_code == 2 and "'ndjson' is not one of 'table', 'markdown', 'csv', 'tsv', 'json'" in gone.stderr
    assert runner.invoke(cli.app, [*layer, "-o", str(tmp_path / "t.ndjson")]).exit_code == 0
    assert runner.invoke(cli.app, [*layer, "-f", "table", "-o", str(tmp_path / "t.txt")]).exit_code == 0
    assert (tmp_path / "t.ndjson").read_text() == (tmp_path / "t.txt").read_text()  # an unknown suffix: the table again
    assert "ndjson" not in runner.invoke(cli.app, ["layer", "--help"]).stdout


def test_a_command_built_once_runs_again_as_new(monkeypatch: pytest.MonkeyPatch) -> None:
    """One click command, built once, completed in a format scope and asked for help after it: its option help is the
    template again (the suite builds each command once, as an ``lwprof`` process does; shell completion once left the
    scope's formats in it)."""
    import typer.main
    import typer.testing

    from lwprof import cli
    from lwprof.render import export

    command = typer.main.get_command(cli.app)
    monkeypatch.setattr(typer.testing, "_get_command", lambda app: command)  # every invoke runs this one object
    runner = typer.testing.CliRunner()
    zsh = {"_LWPROF_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "lwprof layer --for"}
    with export.scoped_formats():
        export.register_format("ndjson", suffix=".ndjson", help="one JSON object per row")(lambda out, to_file: "")
        assert "ndjson" in runner.invoke(cli.app, [], env=zsh, prog_name="lwprof").stdout
    assert "ndjson" not in runner.invoke(cli.app, ["layer", "--help"]).stdout
    assert "ndjson" not in runner.invoke(cli.app, [], env=zsh, prog_name="lwprof").stdout


def test_the_format_registry_refuses_clashes_and_overrides_for_a_block_only() -> None:
    from lwprof.render import export

    names = [f.name for f in export.list_formats()]
    assert names == ["table", "markdown", "csv", "tsv", "json"]
    with pytest.raises(RuntimeError, match="'csv' is registered already"):
        export.register_format("csv", suffix=".csv2", help="-")(lambda out, to_file: "")
    with pytest.raises(ValueError, match="suffix '.csv' already picks format 'csv'"):
        export.register_format("csv2", suffix=".csv", help="-")(lambda out, to_file: "")
    with pytest.raises(ValueError, match="suffix 'txt' must be"):
        export.register_format("text2", suffix="txt", help="-")
    with pytest.raises(KeyError):
        export.unregister_format("yaml")
    with export.override_format("csv", write=lambda out, to_file: "replaced\n"):
        assert export.choose_format(None, "x.CSV").write(None, True) == "replaced\n"  # type: ignore[arg-type]
        assert [f.name for f in export.list_formats()] == names  # kept its place
        export.unregister_format("json")
        assert export.choose_format(None, "x.json").name == "table"  # no format has .json now: the table
    assert export.choose_format(None, "x.csv").write is not None and export.find_format("json") is not None
    assert [f.name for f in export.list_formats()] == names and export.choose_format("JSON").name == "json"


def test_the_output_suffix_picks_a_built_in_format_and_format_wins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from lwprof import cli

    runner = CliRunner()
    layer = ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12"]
    for name in ("v.csv", "v.JSON", "v.md", "w.json"):
        extra = ["-f", "csv"] if name == "w.json" else []
        assert runner.invoke(cli.app, [*layer, *extra, "-o", str(tmp_path / name)]).exit_code == 0
    # the standard 3x3 conv 4 -> 2 on 12x12: 72 weights, 10,368 MACs (as in the test above)
    assert (tmp_path / "v.csv").read_text().splitlines()[1].startswith("standard,72,10368")
    assert json.loads((tmp_path / "v.JSON").read_text())["variants"][0]["macs"] == 10368
    assert (tmp_path / "v.md").read_text().startswith("### ")
    assert (tmp_path / "w.json").read_text() == (tmp_path / "v.csv").read_text()  # --format given: it wins over the suffix
