"""``lwprof report``: one self-contained HTML page about one model.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render
(:mod:`lwprof.render.report`). Importing this module does not import torch.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError

__all__ = ["report"]


@app.command()
@cs.handles_errors
@cs.arch_options()
@cs.model_options
def report(
    arch: cs.ArchArg,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="The HTML file to write, atomically (- is stdout).", rich_help_panel=cs.OUT_PANEL
        ),
    ],
    model: cs.ModelFlags,
    fvcore: cs.Fvcore = True,
    with_bench: Annotated[
        bool,
        typer.Option(
            "--bench/--no-bench",
            help="With a calibration: also time the model here, to show measured next to predicted latency.",
            rich_help_panel=cs.RUN_PANEL,
        ),
    ] = True,
    repeats: Annotated[
        int, typer.Option("--repeats", min=1, help="Timed runs with --bench.", rich_help_panel=cs.RUN_PANEL)
    ] = 10,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """One self-contained HTML page about a model: open it in any browser, offline.

    The per-layer table (fold it by depth, sort it by any column), MACs and params by layer
    type as a chart, the cross-check's verdicts, the paper's numbers where there are any, and,
    once this machine is calibrated (lwprof calibrate), predicted latency next to measured.

    **Examples**

    * `lwprof report mobilenet -o mobilenet.html`
    * `lwprof report shufflenet --groups 8 --no-fvcore -o shufflenet.html`: without the cross-check (faster).
    * `lwprof report net.py:Net --input-size 3,224,224 -o net.html`: your own model.
    * `lwprof report ghostnet --no-bench -o ghostnet.html`: predicted latency only, nothing timed.
    * Open `mobilenet.html#sort=macs` for the layers by MACs, `#depth=1` for the top level only.
    """
    from lwprof import api
    from lwprof.render import predict_grids as pg
    from lwprof.render.console import deliver
    from lwprof.render.report import report_html

    model.unsupported("report", device="the report counts on meta tensors (CPU ones when a forward needs data)")
    calibration, dtype = model.calibration, model.dtype
    target = None if output == "-" else output
    cs.targets(target, force)
    cal, missing = None, ""
    try:
        from lwprof.latency.costmodel import CALIBRATED_DTYPES

        cal_dtype = dtype if dtype in CALIBRATED_DTYPES else "fp32"
        cal = api.load_calibration(calibration, threads=model.threads, dtype=cal_dtype)
    except LwprofError as exc:
        if calibration is not None:
            raise
        missing = f"No latency: {exc}"
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        step(arch, 0, 1)
        profile = api.profile(
            arch,
            inputs=model.inputs,
            batch=model.batch,
            crosscheck=fvcore,
            dtype=dtype,
            kwargs=model.kwargs,
            **(options or {}),
        )
    prediction = api.predict(profile, calibration=cal) if cal is not None else None
    measured = latency_grid = None
    if prediction is not None and with_bench:
        with cs.progress("timing") as step:
            measured = api.measure(
                arch,
                inputs=model.inputs,
                batch=model.batch,
                repeats=repeats,
                threads=model.threads,
                kwargs=model.kwargs,
                progress=step,
                **(options or {}),
            )
        latency_grid = pg.bench_predict_grid(measured, api.predict(measured.profile, calibration=cal))
    page = report_html(
        profile,
        api.published(profile),
        prediction=prediction,
        measured=measured,
        latency_grid=latency_grid,
        **({"latency_missing": missing} if missing else {}),
    )
    path = deliver(page, target, force)
    if path:
        typer.echo(f"wrote {path}", err=True)
