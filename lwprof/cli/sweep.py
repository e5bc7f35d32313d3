"""``lwprof sweep``: a grid of params, MACs (and latency) over option lists.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated, Any

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError

__all__ = ["sweep"]

Quantity = Annotated[
    str,
    cs.flag(
        "--quantity",
        help="What the grid shows: macs, params or latency (with --bench or --predict).",
        panel=cs.OUT_PANEL,
        metavar="WHAT",
        show_default=True,
    ),
]
WithBench = Annotated[bool, cs.flag("--bench", help="Also measure each variant's latency on this CPU (slow).")]
Repeats = Annotated[
    int, cs.flag("--repeats", min=1, max=100_000, help="Timed runs per variant with --bench.", show_default=True)
]


@app.command()
@cs.handles_errors
@cs.arch_options(lists=True)
@cs.model_options
def sweep(
    arch: cs.ArchArg,
    model: cs.ModelFlags,
    with_bench: WithBench = False,
    repeats: Repeats = 10,
    predict: cs.PredictOpt = False,
    runtime: cs.PredictRuntimeOpt = None,
    quantity: Quantity = "macs",
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
    options: dict[str, Any] | None = None,
) -> None:
    """Sweep options given as comma lists: a grid of params, MACs (and latency with --bench).

    Options with one value are fixed; with two varied options the table is a 2-D grid, and
    --plot draws it as a heat map (otherwise a params vs MACs scatter).

    **Examples**

    * `lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128`: Tables 6-7.
    * `lwprof sweep shufflenet --groups 1,2,8 --set shuffle=true,false`
    * `lwprof sweep ghostnet --width 0.5,1,1.3 --bench --quantity latency`
    * `lwprof sweep mobilenet --alpha 1,0.5 --resolution 224,160 --predict`: predicted ms too.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render import predict_grids as pg
        from lwprof.render.plots import plot_sweep
        from lwprof.resolve import split_sweep

    model.unsupported(
        "sweep",
        kwargs="sweep varies a zoo architecture's options (compare takes user models)",
        device="sweep counts on meta tensors; use lwprof summary --device",
    )
    cs.targets(output, force, plot)
    if quantity not in ("macs", "params", "latency"):
        raise LwprofError(f"--quantity {quantity!r}: choose macs, params or latency")
    if quantity == "latency" and not (with_bench or predict or model.calibration):
        raise LwprofError("--quantity latency needs --bench (measured) or --predict")
    axes, single = split_sweep(options or {})
    fixed: dict[str, Any] = single  # architecture options, for api.compare's **fixed
    price = cs.predictor(predict, model.calibration, model.threads, dtype=model.dtype, runtime=runtime)
    with cs.progress("profiling") as step:
        comparison = api.compare(
            arch, axes, inputs=model.inputs, batch=model.batch, dtype=model.dtype, progress=step, **fixed
        )
    latencies = cs.timed(comparison, repeats) if with_bench else None
    out = pg.sweep_output(comparison, quantity, latencies, price)
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_sweep(comparison, path, quantity, force=f))
