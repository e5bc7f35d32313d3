"""``lwprof compare``: variants of one architecture, or several models, side by side.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated, Any, TypedDict

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError

__all__ = ["compare"]


class _Common(TypedDict):
    """The keyword arguments api.compare and api.compare_models share here."""

    inputs: list[str] | None
    batch: int | None
    crosscheck: bool
    dtype: str
    backward: bool


Specs = Annotated[
    list[str],
    typer.Argument(
        autocompletion=cs.complete_arch,
        help="One architecture (its variants are compared), or several models: zoo names, user specs file.py:Class.",
        show_default=False,
        metavar="MODEL",
    ),
]
Vary = Annotated[
    list[str] | None,
    cs.flag(
        "--vary",
        help="An option to vary (repeat for a grid). Default: the architecture's design axis (lwprof list).",
        metavar="KEY=V1,V2",
    ),
]
ByType = Annotated[
    bool, cs.flag("--by-type", help="Exports hold the MACs by layer type per variant.", panel=cs.OUT_PANEL)
]
Backward = Annotated[bool, cs.flag("--backward", help="Also count each variant's backward pass (bwd MACs).")]
WithBench = Annotated[bool, cs.flag("--bench", help="Also time each variant end to end on this CPU (slow).")]
Repeats = Annotated[int, cs.flag("--repeats", min=1, help="Timed runs per variant with --bench.", show_default=True)]


@app.command()
@cs.handles_errors
@cs.arch_options()
@cs.model_options
def compare(
    specs: Specs,
    model: cs.ModelFlags,
    vary: Vary = None,
    fvcore: cs.Fvcore = True,
    backward: Backward = False,
    with_bench: WithBench = False,
    repeats: Repeats = 10,
    predict: cs.PredictOpt = False,
    runtime: cs.PredictRuntimeOpt = None,
    by_type: ByType = False,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
    options: dict[str, Any] | None = None,
) -> None:
    """Compare variants of one architecture: params, MACs, papers' numbers.

    One row per variant (ratios to the first), then MACs by type.

    **Examples**

    * `lwprof compare mobilenet`: standard vs grouped vs depthwise-separable convs.
    * `lwprof compare mobilenet --vary alpha=1,0.75,0.5,0.25 --no-fvcore`: Table 6.
    * `lwprof compare shufflenet --vary groups=1,2,3,4,8 --vary scale=0.5,1`: a grid.
    * `lwprof compare mobilenet my_net.py:Net --input-size 3,224,224`: yours beside it.
    * `lwprof compare my_net.py:Net --vary width=0.5,1.0`: your model's variants.
    * `lwprof compare shufflenet --predict --no-fvcore`: predicted latency, nothing run.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render import predict_grids as pg
        from lwprof.render.plots import plot_variants
        from lwprof.resolve import is_user_spec, parse_spec, parse_vary

    model.unsupported(
        "compare",
        kwargs="give a user model's arguments in its spec, net.py:Net@width=2",
        device="compare counts on meta tensors (CPU ones when a forward needs data); use lwprof summary --device",
    )
    cs.targets(output, force, plot)
    axes = parse_vary(vary or [])
    price = cs.predictor(predict, model.calibration, model.threads, dtype=model.dtype, runtime=runtime)
    common = _Common(
        inputs=model.inputs, batch=model.asked_batch, crosscheck=fvcore, dtype=model.dtype, backward=backward
    )
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        one_user_model = len(specs) == 1 and is_user_spec(parse_spec(specs[0])[0])
        if len(specs) > 1 or (one_user_model and not axes):
            if axes or options:
                raise LwprofError(
                    "--vary and architecture options apply to one architecture; with several models give each as a spec"
                )
            comparison = api.compare_models(specs, progress=step, **common)
        else:
            comparison = api.compare(specs[0], axes or None, progress=step, **common, **(options or {}))
    latencies = cs.timed(comparison, repeats) if with_bench else None
    published = [api.published(v.profile) for v in comparison.variants]
    out = pg.compare_output(comparison, published, price, by_type=by_type, latencies=latencies)
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_variants(comparison, path, force=f))
