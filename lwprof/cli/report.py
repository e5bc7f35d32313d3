"""``lwprof report``: one self-contained HTML page about one model.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render
(:mod:`lwprof.render.report`). Importing this module does not import torch.
"""

from typing import Annotated, Any

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError

__all__ = ["report"]

Page = Annotated[str, cs.flag("--output", "-o", help="The HTML file to write (- is stdout).", panel=cs.OUT_PANEL)]
Bench = Annotated[
    bool, cs.flag("--bench/--no-bench", help="With a calibration: also time it (measured next to predicted).")
]
Repeats = Annotated[int, cs.flag("--repeats", min=1, help="Timed runs with --bench.", show_default=True)]


@app.command()
@cs.handles_errors
@cs.arch_options()
@cs.model_options
def report(
    arch: cs.ArchArg,
    output: Page,
    model: cs.ModelFlags,
    fvcore: cs.Fvcore = True,
    with_bench: Bench = True,
    repeats: Repeats = 10,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """One self-contained HTML page about a model: open it in any browser, offline.

    The per-layer table (fold it by depth, sort it by any column), MACs and params by layer
    type as a chart, the cross-check's verdicts, the paper's numbers where there are any, and,
    once this CPU is calibrated (lwprof calibrate), predicted latency next to measured.

    **Examples**

    * `lwprof report mobilenet -o mobilenet.html`
    * `lwprof report shufflenet --groups 8 --no-fvcore -o shufflenet.html`
    * `lwprof report net.py:Net --input-size 3,224,224 -o net.html`
    * `lwprof report ghostnet --no-bench -o ghostnet.html`: predicted latency only.
    * Open `mobilenet.html#sort=macs` (layers by MACs) or `#depth=1` (the top level).
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.latency.costmodel import CALIBRATED_DTYPES
        from lwprof.render import predict_grids as pg
        from lwprof.render.console import deliver
        from lwprof.render.report import report_html

    target = None if output == "-" else output
    cs.targets(target, force)
    cal, missing = None, ""
    try:  # before any work: a bad --calibration fails at once
        dtype = model.dtype if model.dtype in CALIBRATED_DTYPES else "fp32"
        cal = api.load_calibration(model.calibration, threads=model.threads, dtype=dtype)
    except LwprofError as exc:
        if model.calibration is not None:
            raise
        missing = f"No latency: {exc}"
    given = {"inputs": model.inputs, "batch": model.batch, "kwargs": model.kwargs, **(options or {})}
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        step(arch, 0, 1)
        asked = {**given, "batch": model.asked_batch}
        profile = api.profile(arch, device=model.device, crosscheck=fvcore, dtype=model.dtype, **asked)
    prediction = api.predict(profile, calibration=cal) if cal is not None else None
    measured = latency_grid = None
    if prediction is not None and with_bench:
        with cs.progress("timing") as step:
            measured = api.measure(arch, repeats=repeats, threads=model.threads, progress=step, **given)
        latency_grid = pg.bench_predict_grid(measured, api.predict(measured.profile, calibration=cal))
    extra = {"latency_missing": missing} if missing else {}
    page = report_html(
        profile, api.published(profile), prediction=prediction, measured=measured, latency_grid=latency_grid, **extra
    )
    path = deliver(page, target, force)
    if path:
        typer.echo(f"wrote {path}", err=True)
