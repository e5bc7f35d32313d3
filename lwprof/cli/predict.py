"""The prediction commands, ``lwprof calibrate`` and ``lwprof fit``.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render with
:mod:`lwprof.render.predict_grids`. Importing this module does not import torch.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lwprof.cli.root import app
from lwprof.cli.support import (
    ArchArg,
    Batch,
    CalDtype,
    CalDtypeOpt,
    CalibrationOpt,
    ForceOpt,
    FormatOpt,
    MaxLatency,
    MaxMacs,
    MaxParams,
    Objective,
    ObjectiveOpt,
    OutputOpt,
    PlotOpt,
    ThreadsOpt,
    VaryRange,
    arch_options,
    emit,
    exit_on,
    handles_errors,
    progress,
    targets,
)
from lwprof.render.console import Format

__all__ = ["calibrate", "fit"]

Quick = Annotated[
    bool, typer.Option("--quick", help="About a third of the sizes and fewer runs: a first look in seconds.")
]
Save = Annotated[
    str | None,
    typer.Option(
        "--save",
        help="Write the calibration to this file instead of this machine's file in the cache.",
        show_default=False,
    ),
]


@app.command("calibrate")
@handles_errors
def calibrate(
    threads: ThreadsOpt = None,
    dtype: CalDtypeOpt = CalDtype.FP32,
    quick: Quick = False,
    save: Save = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """Measure this CPU once for predicted latency: micro-benchmarks per layer kind, a fitted cost model.

    Times about 200 small modules (1x1, k x k, depthwise and grouped convs, linear, BatchNorm,
    activations, pooling, shuffles, block overheads), each until its spread is small, and fits
    time = calls x overhead + MACs / peak + ops / rate + bytes / bandwidth per kind. Prints what
    it found; saves it per machine, threads and dtype in $LWPROF_CACHE_DIR, else
    $XDG_CACHE_HOME/lwprof, else ~/.cache/lwprof, for --predict and lwprof fit.

    **Examples**

    * `lwprof calibrate`: this machine at torch's thread count (under a minute).
    * `lwprof calibrate --threads 1 --quick`: a first look in seconds.
    * `lwprof calibrate --save cpu.json --format json`: a file to share, and every benchmark.
    """
    from lwprof import api
    from lwprof.render.predict_grids import calibration_output

    targets(output, force)
    with progress("calibrating") as step:
        result = api.calibrate(threads=threads, dtype=dtype.value, quick=quick, path=save, force=force, progress=step)
    emit(fmt, calibration_output(result), output, force)


@app.command("fit")
@handles_errors
@arch_options()
def fit(
    arch: ArchArg,
    vary: VaryRange = None,
    max_macs: MaxMacs = None,
    max_params: MaxParams = None,
    max_latency: MaxLatency = None,
    objective: ObjectiveOpt = Objective.MACS,
    batch: Batch = 1,
    threads: ThreadsOpt = None,
    calibration: CalibrationOpt = None,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """The best configuration of an architecture under MACs, params and predicted-latency budgets.

    Searches a grid of its options (each distinct model profiled once), prices every
    configuration with this CPU's calibration (`lwprof calibrate`), and shows the Pareto front
    (more MACs, fewer params, less predicted latency) and the best within the budgets. Options
    given as flags are fixed. Exit code 1 when no configuration fits.

    **Examples**

    * `lwprof fit mobilenet --max-latency 8ms`: the most MACs within 8 ms on this CPU.
    * `lwprof fit ghostnet --max-params 4M --vary width=0.5:1.3:0.05 --vary resolution=160,192,224`
    * `lwprof fit shufflenet --max-macs 150M --objective latency --plot fit.png`: the fastest under 150 M MACs.
    """
    from lwprof import api
    from lwprof.render.predict_grids import fit_output
    from lwprof.render.predict_plots import plot_fit

    targets(output, force, plot)
    with progress("searching") as step:
        result = api.fit(
            arch,
            vary or None,
            max_macs=max_macs,
            max_params=max_params,
            max_latency=max_latency,
            objective=objective.value,
            calibration=calibration,
            threads=threads,
            batch=batch,
            progress=step,
            **(options or {}),
        )
    emit(fmt, fit_output(result), output, force, plot, lambda path, f: plot_fit(result, path, force=f))
    exit_on(
        [] if result.chosen else [f"NO CONFIGURATION of {result.arch} is within the budgets ({result.budgets.text()})"]
    )
