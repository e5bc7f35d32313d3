"""The prediction commands, ``lwprof calibrate`` and ``lwprof fit``.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render with
:mod:`lwprof.render.predict_grids`. Importing this module does not import torch.
"""

from typing import Annotated, Any

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app

__all__ = ["calibrate", "fit"]

Quick = Annotated[bool, cs.flag("--quick", help="A third of the sizes and fewer runs: a first look in seconds.")]
Save = Annotated[
    str | None,
    cs.flag("--save", help="Write the calibration here instead of this machine's cache file.", metavar="FILE"),
]
ZooArch = Annotated[
    str,
    typer.Argument(
        autocompletion=cs.complete_arch,
        help="A zoo architecture (lwprof list), fixed options after @: mobilenet@conv=dwsep.",
        show_default=False,
        metavar="ARCH",
    ),
]
CalThreads = Annotated[
    int | None, cs.flag("--threads", min=1, help="torch threads to calibrate (default: torch's).", metavar="N")
]


Measure = Annotated[
    bool, cs.flag("--measure", help="Time the finalists' kernels, then choose again.")
]
ForModels = Annotated[
    list[str] | None,
    cs.flag("--for", help="Measure these models' exact kernels into the calibration (repeatable).", metavar="SPEC"),
]


@app.command("calibrate")
@cs.handles_errors
def calibrate(
    threads: CalThreads = None,
    runtime: cs.RuntimeOpt = cs.Runtime.TORCH,
    for_models: ForModels = None,
    dtype: cs.CalDtypeOpt = cs.CalDtype.FP32,
    quick: Quick = False,
    save: Save = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
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
    * `lwprof calibrate --runtime onnxruntime --threads 1`: kernel detection and kernels on ONNX Runtime.
    * `lwprof calibrate --threads 1 --for ghostnet --for mobilenet`: their exact kernels, measured once.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render.predict_grids import calibration_output

    cs.targets(output, force)
    with cs.progress("calibrating") as step:
        result = api.calibrate(
            threads=threads, dtype=dtype.value, quick=quick, path=save, force=force, progress=step,
            runtime=runtime.value, for_models=for_models or (),
        )  # fmt: skip
    cs.emit(fmt, calibration_output(result), output, force)


@app.command("fit")
@cs.handles_errors
@cs.arch_options()
@cs.model_options
def fit(
    arch: ZooArch,
    model: cs.ModelFlags,
    vary: cs.VaryRange = None,
    max_macs: cs.MaxMacs = None,
    max_params: cs.MaxParams = None,
    max_latency: cs.MaxLatency = None,
    objective: cs.ObjectiveOpt = cs.Objective.MACS,
    runtime: cs.PredictRuntimeOpt = None,
    measure: Measure = False,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
    options: dict[str, Any] | None = None,
) -> None:
    """The best configuration of an architecture under MACs, params and predicted-latency budgets.

    Searches a grid of its options (each distinct model profiled once), prices every
    configuration with this CPU's calibration (`lwprof calibrate`), and shows the Pareto front
    (more MACs, fewer params, less predicted latency) and the best within the budgets. Options
    given as flags are fixed. Exit code 1 when no configuration fits.

    **Examples**

    * `lwprof fit mobilenet --max-latency 8ms`: the most MACs within 8 ms on this CPU.
    * `lwprof fit ghostnet --max-params 4M --vary width=0.5:1.3:0.05`: a finer grid.
    * `lwprof fit shufflenet --max-macs 150M --objective latency`: the fastest under 150 M MACs.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render.predict_grids import fit_output
        from lwprof.render.predict_plots import plot_fit

    model.unsupported(
        "fit",
        input_size="fit searches the zoo's --resolution; give sizes as --vary resolution=160,192,224",
        kwargs="fit searches a zoo architecture's options, not a user model's",
        dtype="fit prices fp32 (the calibration it searches with)",
        device="fit counts on meta tensors",
    )
    cs.targets(output, force, plot)
    with cs.progress("searching") as step:
        result = api.fit(
            arch,
            vary or None,
            max_macs=max_macs,
            max_params=max_params,
            max_latency=max_latency,
            objective=objective.value,
            calibration=model.calibration,
            threads=model.threads,
            batch=model.batch,
            progress=step,
            runtime=runtime.value if runtime else None,
            measure=measure,
            **(options or {}),
        )
    cs.emit(fmt, fit_output(result), output, force, plot, lambda path, f: plot_fit(result, path, force=f))
    cs.exit_on(
        [] if result.chosen else [f"NO CONFIGURATION of {result.arch} is within the budgets ({result.budgets.text()})"]
    )
