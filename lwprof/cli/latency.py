"""``lwprof bench``: measured latency, end to end and per layer.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated, Any

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.latency.onnxrt import WARMUP_S as ORT_WARMUP_S  # imports neither torch nor onnxruntime

__all__ = ["bench"]

Warmup = Annotated[
    int,
    cs.flag(
        "--warmup",
        min=0,
        max=100_000,
        help=f"Untimed runs first (onnxruntime: >= {ORT_WARMUP_S:g} s).",
        show_default=True,
    )
]
Repeats = Annotated[
    int, cs.flag("--repeats", min=1, max=100_000, help="Timed runs at least (median and IQR).", show_default=True)
]
MaxRepeats = Annotated[
    int | None,
    cs.flag(
        "--max-repeats",
        min=1,
        max=100_000,
        help="More runs, up to this many (within 10 s), while the spread is over 5% (default 4 x --repeats).",
        metavar="N",
    ),
]
Top = Annotated[
    int | None,
    cs.flag("--top", min=1, help="Only the N slowest layers, slowest first.", panel=cs.OUT_PANEL, metavar="N"),
]


@app.command()
@cs.handles_errors
@cs.arch_options()
@cs.model_options
def bench(
    arch: cs.ArchArg,
    model: cs.ModelFlags,
    warmup: Warmup = 5,
    repeats: Repeats = 20,
    max_repeats: MaxRepeats = None,
    runtime: cs.RuntimeOpt = cs.Runtime.TORCH,
    predict: cs.PredictOpt = False,
    top: Top = None,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
    options: dict[str, Any] | None = None,
) -> None:
    """Measure latency on this CPU, end to end and per layer, next to each layer's MACs.

    Runs the real model in inference mode after a warm-up: the median and interquartile range
    (more runs while noisy), and per layer its time, MAC/s, and its rank by time beside its rank
    by MACs (depthwise layers are cheap in MACs, not in time). --plot draws a roofline.

    **Examples**

    * `lwprof bench mobilenet`
    * `lwprof bench shufflenet --groups 8 --threads 1 --top 10`
    * `lwprof bench mobilenet --plot roofline.png`
    * `lwprof bench ghostnet --predict`: predicted next to measured, per layer and end to end.
    * `lwprof bench ghostnet --runtime onnxruntime --threads 1`: on ONNX Runtime, per fused kernel.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render import predict_grids as pg
        from lwprof.render.plots import plot_roofline

    model.unsupported("bench", dtype="bench times fp32 (lwprof calibrate --dtype measures others)")
    if model.device == "meta":
        raise cs.LwprofError("lwprof bench does not take --device meta: it runs the model on CPU tensors")
    cs.targets(output, force, plot)
    priced = predict or model.calibration is not None
    price = cs.predictor(predict, model.calibration, model.threads, runtime=runtime if priced else None)
    with cs.progress("timing") as step:
        result = api.measure(
            arch,
            inputs=model.inputs,
            batch=model.batch,
            warmup=warmup,
            repeats=repeats,
            max_repeats=max_repeats,
            threads=model.threads,
            kwargs=model.kwargs,
            progress=step,
            runtime=runtime.value,
            **(options or {}),
        )
    out = pg.bench_output(result, top, price)
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_roofline(result, path, force=f))
