"""``lwprof compare``: variants of one architecture, or several models, side by side.

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

__all__ = ["compare"]


@app.command()
@cs.handles_errors
@cs.arch_options()
def compare(
    specs: Annotated[
        list[str],
        typer.Argument(
            help=(
                "One architecture (its variants are compared), or several models side by side: zoo names and user "
                "specs path/file.py:Class."
            ),
            show_default=False,
        ),
    ],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help=(
                "KEY=V1,V2,... an option to vary (repeat for a grid of combinations). Default: the architecture's "
                "design axis (see lwprof list)."
            ),
            rich_help_panel=cs.RUN_PANEL,
            show_default=False,
        ),
    ] = None,
    batch: cs.Batch = 1,
    input_size: cs.InputSize = None,
    fvcore: cs.Fvcore = True,
    by_type: Annotated[
        bool,
        typer.Option(
            "--by-type",
            help="Exports (csv, tsv, markdown) hold the MACs by layer type per variant instead of the variants table.",
            rich_help_panel=cs.OUT_PANEL,
        ),
    ] = False,
    with_bench: Annotated[
        bool,
        typer.Option(
            "--bench",
            help="Also time each variant end to end on this CPU: median and interquartile range (slow).",
            rich_help_panel=cs.RUN_PANEL,
        ),
    ] = False,
    repeats: Annotated[
        int,
        typer.Option(
            "--repeats",
            min=1,
            help="Timed runs per variant with --bench (more while noisy).",
            rich_help_panel=cs.RUN_PANEL,
        ),
    ] = 10,
    dtype: cs.DtypeOpt = cs.Dtype("fp32"),
    predict: cs.PredictOpt = False,
    calibration: cs.CalibrationOpt = None,
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Compare variants of one architecture: params, MACs, ratios and published numbers.

    One row per variant with ratios to the first, then MACs by layer type per variant, to see
    where the savings come from. Options other than --vary are fixed for every variant.

    **Examples**

    * `lwprof compare mobilenet`: standard vs grouped vs depthwise-separable convs.
    * `lwprof compare mobilenet --vary alpha=1,0.75,0.5,0.25 --no-fvcore`: Table 6's widths.
    * `lwprof compare shufflenet --vary groups=1,2,3,4,8 --vary scale=0.5,1`: every combination.
    * `lwprof compare ghostnet --format csv -o ghostnet.csv`: exact integers for a spreadsheet.
    * `lwprof compare mobilenet my_net.py:Net --input-size 3,224,224`: your model beside MobileNetV1.
    * `lwprof compare my_net.py:Net --vary width=0.5,1.0`: variants of your model (its factory arguments).
    * `lwprof compare shufflenet_v2 mobilenet_v2 --no-fvcore --bench`: with measured latency.
    * `lwprof compare shufflenet --predict --no-fvcore`: predicted latency of each variant, nothing run.
    """
    from lwprof import api
    from lwprof.render import predict_grids as pg
    from lwprof.render.plots import plot_variants
    from lwprof.resolve import is_user_spec, parse_spec, parse_vary

    cs.targets(output, force, plot)
    axes = parse_vary(vary or [])
    price = cs.predictor(predict, calibration, dtype=dtype.value)
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        one_user_model = len(specs) == 1 and is_user_spec(parse_spec(specs[0])[0])
        if len(specs) > 1 or (one_user_model and not axes):
            if axes or options:
                raise LwprofError(
                    "--vary and architecture options apply to one architecture; with several models give each as a spec"
                )
            comparison = api.compare_models(
                specs, inputs=input_size or None, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step
            )
        else:
            comparison = api.compare(
                specs[0],
                axes or None,
                inputs=input_size or None,
                batch=batch,
                crosscheck=fvcore,
                dtype=dtype.value,
                progress=step,
                **(options or {}),
            )
    latencies = cs.timed(comparison, repeats) if with_bench else None
    published = [api.published(v.profile) for v in comparison.variants]
    out = pg.compare_output(comparison, published, price, by_type=by_type, latencies=latencies)
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_variants(comparison, path, force=f))
