"""``lwprof bench``: measured latency, end to end and per layer.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.render.console import Format

__all__ = ["bench"]


@app.command()
@cs.handles_errors
@cs.arch_options()
def bench(
    arch: cs.ArchArg,
    batch: cs.Batch = 1,
    input_size: cs.InputSize = None,
    kwargs: cs.Kwargs = None,
    warmup: Annotated[
        int, typer.Option("--warmup", min=0, max=100_000, help="Untimed runs first.", rich_help_panel=cs.RUN_PANEL)
    ] = 5,
    repeats: Annotated[
        int,
        typer.Option(
            "--repeats",
            min=1,
            max=100_000,
            help="Timed runs at least (median and interquartile range reported).",
            rich_help_panel=cs.RUN_PANEL,
        ),
    ] = 20,
    max_repeats: Annotated[
        int | None,
        typer.Option(
            "--max-repeats",
            min=1,
            max=100_000,
            help=(
                "More end-to-end runs, up to this many (within 10 s), while their spread is over 5% of the median; "
                "default 4 x --repeats."
            ),
            rich_help_panel=cs.RUN_PANEL,
            show_default=False,
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            help="torch threads for the runs (default: torch's).",
            rich_help_panel=cs.RUN_PANEL,
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            help="Show only the N slowest layers, ranked by time (slowest first).",
            rich_help_panel=cs.OUT_PANEL,
            show_default=False,
        ),
    ] = None,
    predict: cs.PredictOpt = False,
    calibration: cs.CalibrationOpt = None,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Measure latency on this CPU, end to end and per layer, next to each layer's MACs.

    Runs the real model in inference mode after a warm-up; reports the median and
    interquartile range (more runs while noisy, and a warning if that does not help), the
    threads used, and per layer its time, achieved MAC/s, and its rank by time beside its rank
    by MACs (depthwise layers are cheap in MACs, not in time). --plot draws a roofline.

    **Examples**

    * `lwprof bench mobilenet`
    * `lwprof bench shufflenet --groups 8 --threads 1 --top 10`
    * `lwprof bench mobilenet --plot roofline.png`
    * `lwprof bench ghostnet --predict`: predicted next to measured, per layer and end to end.
    """
    from lwprof import api
    from lwprof.render import predict_grids as pg
    from lwprof.render.plots import plot_roofline

    cs.targets(output, force, plot)
    price = cs.predictor(predict, calibration, threads)
    with cs.progress("timing") as step:
        result = api.measure(
            arch,
            inputs=input_size or None,
            batch=batch,
            warmup=warmup,
            repeats=repeats,
            max_repeats=max_repeats,
            threads=threads,
            kwargs=kwargs,
            progress=step,
            **(options or {}),
        )
    cs.emit(
        fmt,
        pg.bench_output(result, top, price),
        output,
        force,
        plot,
        lambda path, f: plot_roofline(result, path, force=f),
    )
