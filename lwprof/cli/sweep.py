"""``lwprof sweep``: a grid of params, MACs (and latency) over option lists.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError
from lwprof.render.console import Format

__all__ = ["sweep"]


@app.command()
@cs.handles_errors
@cs.arch_options(lists=True)
def sweep(
    arch: cs.ArchArg,
    batch: cs.Batch = 1,
    quantity: Annotated[
        str,
        typer.Option(
            "--quantity", help="What the grid shows: macs, params or latency (measured with --bench, or --predict)."
        ),
    ] = "macs",
    with_bench: Annotated[
        bool, typer.Option("--bench", help="Also measure each variant's latency on this CPU (slow).")
    ] = False,
    repeats: Annotated[
        int, typer.Option("--repeats", min=1, max=100_000, help="Timed runs per variant with --bench.")
    ] = 10,
    predict: cs.PredictOpt = False,
    calibration: cs.CalibrationOpt = None,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Sweep options given as comma lists: a grid of params, MACs (and latency with --bench).

    Options with one value are fixed; with two varied options the table is a 2-D grid, and
    --plot draws it as a heat map (otherwise a params vs MACs scatter).

    **Examples**

    * `lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128`: Tables 6-7 as one grid.
    * `lwprof sweep shufflenet --groups 1,2,3,4,8 --shuffle true,false --quantity params`
    * `lwprof sweep ghostnet --width 0.5,1,1.3 --bench --quantity latency`
    * `lwprof sweep mobilenet --alpha 1,0.5 --resolution 224,160 --predict`: and a grid of predicted ms.
    """
    from lwprof import api
    from lwprof.render import predict_grids as pg
    from lwprof.render.plots import plot_sweep
    from lwprof.resolve import split_sweep

    cs.targets(output, force, plot)
    if quantity not in ("macs", "params", "latency"):
        raise LwprofError(f"--quantity {quantity!r}: choose macs, params or latency")
    if quantity == "latency" and not (with_bench or predict or calibration):
        raise LwprofError("--quantity latency needs --bench (measured) or --predict")
    axes, given = split_sweep(options or {})
    fixed: dict[str, Any] = dict(given)
    price = cs.predictor(predict, calibration)
    with cs.progress("profiling") as step:
        comparison = api.compare(arch, axes, batch=batch, progress=step, **fixed)
    latencies = cs.timed(comparison, repeats) if with_bench else None
    cs.emit(
        fmt,
        pg.sweep_output(comparison, quantity, latencies, price),
        output,
        force,
        plot,
        lambda path, f: plot_sweep(comparison, path, quantity, force=f),
    )
