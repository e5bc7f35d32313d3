"""``lwprof summary``: per-layer params, MACs and shapes of one model.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated, Any

from lwprof.cli import support as cs
from lwprof.cli.root import app

__all__ = ["summary"]

Depth = Annotated[
    int | None, cs.flag("--depth", min=0, help="Show modules down to depth N only.", panel=cs.OUT_PANEL, metavar="N")
]
ByType = Annotated[bool, cs.flag("--by-type", help="Totals by layer type (MobileNetV1's Table 2).", panel=cs.OUT_PANEL)]
Strict = Annotated[bool, cs.flag("--strict", help="Fail on a layer with no formula (not count its ops).")]
Memory = Annotated[bool, cs.flag("--memory", help="Per-layer bytes moved and MACs per byte.", panel=cs.OUT_PANEL)]
Train = Annotated[
    bool, cs.flag("--train", help="Count in training mode (forward only).")
]
Backward = Annotated[
    bool, cs.flag("--backward", help="Also count the backward pass, per layer (bwd MACs).")
]
Leaves = Annotated[
    bool, cs.flag("--leaves", help="Leaf layers only (their counts sum to the totals).", panel=cs.OUT_PANEL)
]


@app.command()
@cs.handles_errors
@cs.arch_options()
@cs.model_options
def summary(
    arch: cs.ArchArg,
    model: cs.ModelFlags,
    fvcore: cs.Fvcore = True,
    strict: Strict = False,
    predict: cs.PredictOpt = False,
    runtime: cs.PredictRuntimeOpt = None,
    max_macs: cs.MaxMacs = None,
    max_params: cs.MaxParams = None,
    depth: Depth = None,
    by_type: ByType = False,
    memory: Memory = False,
    leaves: Leaves = False,
    train: Train = False,
    backward: Backward = False,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
    options: dict[str, Any] | None = None,
) -> None:
    """Per-layer params, MACs and output shapes of one configured model.

    One row per module by depth, then the totals (`lwprof explain`).

    **Examples**

    * `lwprof summary mobilenet`: 4.23 M params, 568.74 M MACs.
    * `lwprof summary mobilenet --alpha 0.5 --depth 2`: the top two levels.
    * `lwprof summary shufflenet --groups 8 --by-type`: MACs by layer type.
    * `lwprof summary ghostnet@se=false -f json`: every layer, exact integers.
    * `lwprof summary mobilenet --memory --dtype fp16`: memory traffic.
    * `lwprof summary mobilenet --leaves -f csv`: leaf rows, for pandas.
    * `lwprof summary net.py:Net --input-size 3,224,224 --max-macs 300M`
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.expect import over_budget, parse_budgets
        from lwprof.render import predict_grids as pg
        from lwprof.render.plots import plot_layers

    cs.targets(output, force, plot)
    budgets = parse_budgets(macs=max_macs, params=max_params)
    price = cs.predictor(predict, model.calibration, model.threads, dtype=model.dtype, runtime=runtime)
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        step(arch, 0, 1)
        profile = api.profile(
            arch,
            inputs=model.inputs,
            batch=model.asked_batch,
            device=model.device,
            crosscheck=fvcore,
            strict=strict,
            train=train,
            backward=backward,
            dtype=model.dtype,
            kwargs=model.kwargs,
            **(options or {}),
        )
    out = pg.summary_output(
        profile, api.published(profile), price, depth=depth, by_type=by_type, memory=memory, leaves=leaves
    )
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_layers(profile, path, force=f))
    cs.exit_on(over_budget(profile, budgets))
