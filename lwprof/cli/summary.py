"""``lwprof summary``: per-layer params, MACs and shapes of one model.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.render.console import Format

__all__ = ["summary"]


@app.command()
@cs.handles_errors
@cs.arch_options()
def summary(
    arch: cs.ArchArg,
    batch: cs.Batch = 1,
    input_size: cs.InputSize = None,
    kwargs: cs.Kwargs = None,
    device: cs.Device = cs.DeviceKind.AUTO,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            min=0,
            help=(
                "Show only modules down to this depth (parents sum their children), in the table and the exports; "
                "default: all."
            ),
            rich_help_panel=cs.OUT_PANEL,
            show_default=False,
        ),
    ] = None,
    by_type: Annotated[
        bool,
        typer.Option(
            "--by-type",
            help="Totals by layer type (Conv 1x1, Conv DW 3x3, FC, ...) with shares, like MobileNetV1's Table 2.",
            rich_help_panel=cs.OUT_PANEL,
        ),
    ] = False,
    leaves: Annotated[
        bool,
        typer.Option(
            "--leaves",
            help=(
                "Only the leaf layers (no parents), in the table and the exports: their params and MACs sum to "
                "the totals."
            ),
            rich_help_panel=cs.OUT_PANEL,
        ),
    ] = False,
    fvcore: cs.Fvcore = True,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail when a layer has no formula instead of counting it from its ops.",
            rich_help_panel=cs.RUN_PANEL,
        ),
    ] = False,
    train: Annotated[
        bool,
        typer.Option(
            "--train",
            help=(
                "Count in training mode: BatchNorm with batch statistics, dropout on, training-only outputs "
                "(forward only)."
            ),
            rich_help_panel=cs.RUN_PANEL,
        ),
    ] = False,
    memory: Annotated[
        bool,
        typer.Option(
            "--memory",
            help="Per-layer memory instead: output bytes, bytes read and written, MACs per byte.",
            rich_help_panel=cs.OUT_PANEL,
        ),
    ] = False,
    max_macs: cs.MaxMacs = None,
    max_params: cs.MaxParams = None,
    dtype: cs.DtypeOpt = cs.Dtype("fp32"),
    predict: cs.PredictOpt = False,
    calibration: cs.CalibrationOpt = None,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Per-layer params, MACs and output shapes of one configured model.

    Columns: layer (indented by depth), type, kernel/stride/groups, output shape, params, MACs,
    share of all MACs and the cross-check verdict (ok, by design, fvcore gap, MISMATCH). The
    footer has the totals, model size, peak activation memory, fvcore's and FlopCounterMode's
    totals and the counting conventions.

    **Examples**

    * `lwprof summary mobilenet`: MobileNetV1 1.0-224, 4.23 M params and 568.74 M MACs.
    * `lwprof summary mobilenet --alpha 0.5 --resolution 160 --depth 2`: top two levels only.
    * `lwprof summary shufflenet --groups 8 --by-type --no-fvcore`: totals by layer type.
    * `lwprof summary ghostnet --format json -o ghostnet.json`: every layer, exact integers.
    * `lwprof summary mobilenet --leaves -f csv -o layers.csv`: one row per leaf layer, for pandas.
    * `lwprof summary mobilenet --memory --dtype fp16`: memory traffic per layer.
    * `lwprof summary mobilenet --predict`: predicted ms per layer on this CPU (after `lwprof calibrate`).
    * `lwprof summary my_net.py:Net --input-size 3,224,224 --max-macs 300M`: a user model under a budget.
    * `lwprof summary flow.py:Flow --input-size 3,64,64 --input-size 3,64,64`: a model with two inputs.
    """
    from lwprof import api
    from lwprof.expect import over_budget, parse_budgets
    from lwprof.render import predict_grids as pg
    from lwprof.render.plots import plot_layers

    cs.targets(output, force, plot)
    budgets = parse_budgets(macs=max_macs, params=max_params)
    price = cs.predictor(predict, calibration, dtype=dtype.value)
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        step(arch, 0, 1)
        profile = api.profile(
            arch,
            inputs=input_size or None,
            batch=batch,
            device=device.value,
            crosscheck=fvcore,
            strict=strict,
            train=train,
            dtype=dtype.value,
            kwargs=kwargs,
            **(options or {}),
        )
    out = pg.summary_output(
        profile, api.published(profile), price, depth=depth, by_type=by_type, memory=memory, leaves=leaves
    )
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_layers(profile, path, force=f))
    cs.exit_on(over_budget(profile, budgets))
