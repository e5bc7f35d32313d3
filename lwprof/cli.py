"""The ``lwprof`` command line: parse -> resolve -> call the API -> render.

Each command parses its options, calls :mod:`lwprof.api` (which resolves the spec), builds an
:class:`~lwprof.render.console.Output` with :mod:`lwprof.render` and prints or writes it. The
architecture flags (``--alpha``, ``--groups``, ...) are generated from the registry, one per
option, with the help, type and allowed values its architecture file declares. Every
:class:`~lwprof.errors.LwprofError` becomes one line on stderr, ``error: <message>``, and exit
code 2; never a traceback. stdout carries the result only.

Importing this module (and ``lwprof --help``) does not import torch or fvcore.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lwprof import cli_support as cs
from lwprof.cli_predict import register as register_prediction_commands
from lwprof.errors import LwprofError
from lwprof.render.console import Format

__all__ = ["app", "main"]

app = typer.Typer(
    name="lwprof",
    cls=cs.LwprofGroup,
    help=(
        "Profile lightweight CNNs (the MobileNets, ShuffleNets and GhostNet) and your own models: exact per-layer params, "
        "multiply-accumulates (MACs) and shapes, cross-checked against fvcore and the papers.\n\n"
        "Start with `lwprof list`, then `lwprof summary mobilenet` or `lwprof compare mobilenet`. "
        "MACs are the papers' mult-adds; FLOPs = 2 x MACs."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=cs.show_version, is_eager=True, help="Show the version and exit.")] = False) -> None:
    """Profile lightweight CNNs: exact per-layer params, MACs and shapes."""


# --------------------------------------------------------------------------------------------
# Commands


@app.command("list")
@cs.handles_errors
def list_(arch: Annotated[str | None, typer.Argument(help="Only this architecture (a name or alias).", show_default=False)] = None, fmt: cs.FormatOpt = Format.TABLE, output: cs.OutputOpt = None, force: cs.ForceOpt = False) -> None:
    """List the architectures, their aliases, options (default, allowed values) and papers.

    **Examples**

    * `lwprof list`
    * `lwprof list shufflenet`: one architecture's options.
    * `lwprof list --format json`: the same, for scripts.
    """
    from lwprof.architectures import get_architecture, list_architectures
    from lwprof.render import views

    cs.targets(output, force)
    cs.emit(fmt, views.list_output([get_architecture(arch)] if arch else list_architectures()), output, force)


@app.command()
@cs.handles_errors
@cs.arch_options()
def summary(
    arch: cs.ArchArg,
    batch: cs.Batch = 1,
    input_size: cs.InputSize = None,
    kwargs: cs.Kwargs = None,
    device: cs.Device = cs.DeviceKind.AUTO,
    depth: Annotated[int | None, typer.Option("--depth", min=0, help="Show only modules down to this depth (parents sum their children), in the table and the exports; default: all.", rich_help_panel=cs.OUT_PANEL, show_default=False)] = None,
    by_type: Annotated[bool, typer.Option("--by-type", help="Totals by layer type (Conv 1x1, Conv DW 3x3, FC, ...) with shares, like MobileNetV1's Table 2.", rich_help_panel=cs.OUT_PANEL)] = False,
    fvcore: cs.Fvcore = True,
    strict: Annotated[bool, typer.Option("--strict", help="Fail when a layer has no formula instead of counting it from its ops.", rich_help_panel=cs.RUN_PANEL)] = False,
    memory: Annotated[bool, typer.Option("--memory", help="Per-layer memory instead: output bytes, bytes read and written, MACs per byte.", rich_help_panel=cs.OUT_PANEL)] = False,
    max_macs: cs.MaxMacs = None,
    max_params: cs.MaxParams = None,
    dtype: cs.DtypeOpt = cs.Dtype.FP32,
    predict: cs.PredictOpt = False, calibration: cs.CalibrationOpt = None,  # fmt: skip
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Per-layer params, MACs and output shapes of one configured model.

    Columns: layer (indented by depth), type, kernel/stride/groups, output shape, params, MACs,
    share of all MACs and the cross-check verdict (ok, by design, fvcore gap, MISMATCH). The
    footer has the totals, model size, peak activation memory, fvcore's and FlopCounterMode's
    totals and the counting conventions.

    **Examples**

    * `lwprof summary mobilenet`: MobileNetV1 1.0-224, 4.23 M params and 568.74 M MACs.
    * `lwprof summary mobilenet --alpha 0.5 --resolution 160 --depth 2`: top two levels only.
    * `lwprof summary shufflenet --groups 8 --by-type --no-fvcore`: totals by layer type.
    * `lwprof summary ghostnet --format json -o ghostnet.json`: every layer, exact integers.
    * `lwprof summary mobilenet --memory --dtype fp16`: memory traffic per layer.
    * `lwprof summary mobilenet --predict`: predicted ms per layer on this CPU (after `lwprof calibrate`).
    * `lwprof summary my_net.py:Net --input-size 3,224,224 --max-macs 300M`: a user model under a budget.
    * `lwprof summary flow.py:Flow --input-size 3,64,64 --input-size 3,64,64`: a model with two inputs.
    """
    from lwprof import api
    from lwprof.expect import over_budget, parse_budgets
    from lwprof.render import predict_grids as pg
    from lwprof.render.plots import plot_layers

    cs.targets(output, force, plot)
    budgets = parse_budgets(macs=max_macs, params=max_params)
    price = cs.predictor(predict, calibration, dtype=dtype.value)
    with cs.progress("profiling + cross-check" if fvcore else "profiling") as step:
        step(arch, 0, 1)
        profile = api.profile(
            arch, inputs=input_size or None, batch=batch, device=device.value, crosscheck=fvcore, strict=strict, dtype=dtype.value, kwargs=kwargs, **(options or {})
        )
    out = pg.summary_output(profile, api.published(profile), price, depth=depth, by_type=by_type, memory=memory)
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_layers(profile, path, force=f))
    cs.exit_on(over_budget(profile, budgets))


@app.command()
@cs.handles_errors
@cs.arch_options()
def compare(
    specs: Annotated[list[str], typer.Argument(help="One architecture (its variants are compared), or several models side by side: zoo names and user specs path/file.py:Class.", show_default=False)],
    vary: Annotated[
        list[str] | None,
        typer.Option("--vary", help="KEY=V1,V2,... an option to vary (repeat for a grid of combinations). Default: the architecture's design axis (see lwprof list).", rich_help_panel=cs.RUN_PANEL, show_default=False),
    ] = None,
    batch: cs.Batch = 1,
    input_size: cs.InputSize = None,
    fvcore: cs.Fvcore = True,
    by_type: Annotated[bool, typer.Option("--by-type", help="Exports (csv, tsv, markdown) hold the MACs by layer type per variant instead of the variants table.", rich_help_panel=cs.OUT_PANEL)] = False,
    with_bench: Annotated[bool, typer.Option("--bench", help="Also time each variant end to end on this CPU: median and interquartile range (slow).", rich_help_panel=cs.RUN_PANEL)] = False,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs per variant with --bench (more while noisy).", rich_help_panel=cs.RUN_PANEL)] = 10,
    dtype: cs.DtypeOpt = cs.Dtype.FP32,
    predict: cs.PredictOpt = False, calibration: cs.CalibrationOpt = None,  # fmt: skip
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
        if len(specs) > 1 or is_user_spec(parse_spec(specs[0])[0]):
            if axes or options:
                raise LwprofError("--vary and architecture options apply to one architecture; with several models give each as a spec")
            comparison = api.compare_models(specs, inputs=input_size or None, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step)
        else:
            comparison = api.compare(specs[0], axes or None, inputs=input_size or None, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step, **(options or {}))
    latencies = cs.timed(comparison, repeats) if with_bench else None
    published = [api.published(v.profile) for v in comparison.variants]
    out = pg.compare_output(comparison, published, price, by_type=by_type, latencies=latencies)
    cs.emit(fmt, out, output, force, plot, lambda path, f: plot_variants(comparison, path, force=f))


@app.command()
@cs.handles_errors
def layer(
    in_channels: Annotated[int, typer.Option("--in", help="Input channels M.", show_default=False)],
    out_channels: Annotated[int, typer.Option("--out", help="Output channels N.", show_default=False)],
    kernel: Annotated[int, typer.Option("--kernel", help="Kernel size D_K (padding k // 2).", show_default=False)],
    size: Annotated[int, typer.Option("--size", help="Input height and width D_F.", show_default=False)],
    stride: Annotated[int, typer.Option("--stride", help="Stride of the spatial conv.")] = 1,
    groups: Annotated[int | None, typer.Option("--groups", help="Groups of the grouped variant (must divide --in and --out); default 2, or the largest count <= 2 that divides both.", show_default=False)] = None,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Give every conv a bias.")] = False,
    ratio: Annotated[int, typer.Option("--ratio", help="Ghost ratio s of the ghost variant.")] = 2,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch size.")] = 1,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
) -> None:
    """One convolution four ways: standard, grouped, depthwise-separable and ghost.

    Shows params, MACs, the ratio to the standard conv and the formula behind each count,
    with MobileNetV1 eq. 5's predicted ratio 1/N + 1/D_K^2 next to the measured one.

    **Examples**

    * `lwprof layer --in 4 --out 2 --kernel 3 --size 12`: standard 72 params / 10,368 MACs, dwsep 44 / 6,336.
    * `lwprof layer --in 16 --out 32 --kernel 3 --size 12 --bias`: standard 4,640 params, dwsep 704.
    * `lwprof layer --in 512 --out 512 --kernel 3 --size 14 --groups 8`: MobileNetV1's Table 3 layer.
    """
    from lwprof import api
    from lwprof.render import views

    cs.targets(output, force)
    variants = api.layer_variants(in_channels, out_channels, kernel, size, stride=stride, groups=groups, bias=bias, ratio=ratio, batch=batch)
    cs.emit(fmt, views.layer_output(variants), output, force)


@app.command()
@cs.handles_errors
def check(
    arch: Annotated[str | None, typer.Option("--arch", help="Check only this architecture (default: all).", show_default=False)] = None,
    expect: Annotated[str | None, typer.Option("--expect", help="Check your own pinned counts and budgets (a TOML file, see lwprof pin) instead of the papers.", show_default=False)] = None,
    brief: Annotated[bool, typer.Option("--summary", help="The table shows only the summary line and the checks that did not pass (exports keep every check).")] = False,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
) -> None:
    """Check computed params and MACs against the numbers published in the papers.

    Statuses: pass; known gap (the paper's number is not reproduced by any counting
    convention, and the entry says why); fail. Exit code 0 when nothing fails, 1 when any
    check fails, 2 for usage errors.

    **Examples**

    * `lwprof check`: every published number of every paper.
    * `lwprof check --summary`: the counts, then only the known gaps and failures.
    * `lwprof check --arch shufflenet --format markdown`: one paper, as a Markdown table.
    * `lwprof check --expect lwprof.toml`: your models' pinned params and MAC budgets (for CI).
    """
    from lwprof import api
    from lwprof.records import CheckStatus
    from lwprof.render import views

    cs.targets(output, force)
    if expect is not None:
        if arch is not None:
            raise LwprofError("--arch filters the paper checks; it does not apply with --expect")
        with cs.progress("checking expectations") as step:
            results = api.check_expectations(expect, progress=step)
        out = views.expect_output(results, expect)
    else:
        with cs.progress("checking against the papers") as step:
            results = api.check_papers(arch, progress=step)
        out = views.check_output(results, problems_only=brief)
    cs.emit(fmt, out, output, force)
    if any(r.status == CheckStatus.FAIL for r in results):
        raise typer.Exit(1)


@app.command()
@cs.handles_errors
def pin(
    specs: Annotated[list[str], typer.Argument(help="Models to pin: zoo names with options (mobilenet@alpha=0.5,resolution=160) or user specs (net.py:Net@width=2).", show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="The expectations file to write; an existing one is updated: entries with the same spec are replaced, the rest (and comments) kept.", show_default=False)],
    input_size: cs.InputSize = None,
    quantity: Annotated[
        list[str] | None,
        typer.Option("--quantity", "-q", help="What to pin (repeatable): params, trainable_params, macs, flops, peak_activation_bytes. Default: params, macs, peak_activation_bytes.", show_default=False),
    ] = None,
) -> None:
    """Pin the current counts of models in an expectations file (for lwprof check --expect).

    The file is TOML, one [[model]] table per model; edit a value into a budget such as
    macs = "<= 300M" or params = "3.5M ± 1%". Written atomically.

    **Examples**

    * `lwprof pin mobilenet@alpha=0.5 shufflenet@groups=8 -o lwprof.toml`
    * `lwprof pin models/net.py:Net --input-size 3,224,224 -o lwprof.toml`: adds or updates one entry.
    * `lwprof check --expect lwprof.toml`: exits 1 when a count drifts or a budget is exceeded.
    """
    from lwprof import api

    typer.echo(f"wrote {api.pin(specs, output, inputs=input_size or None, quantities=quantity or None)}", err=True)


@app.command()
@cs.handles_errors
@cs.arch_options()
def bench(
    arch: cs.ArchArg,
    batch: cs.Batch = 1,
    input_size: cs.InputSize = None,
    kwargs: cs.Kwargs = None,
    warmup: Annotated[int, typer.Option("--warmup", min=0, max=100_000, help="Untimed runs first.", rich_help_panel=cs.RUN_PANEL)] = 5,
    repeats: Annotated[int, typer.Option("--repeats", min=1, max=100_000, help="Timed runs at least (median and interquartile range reported).", rich_help_panel=cs.RUN_PANEL)] = 20,
    max_repeats: Annotated[int | None, typer.Option("--max-repeats", min=1, max=100_000, help="More end-to-end runs, up to this many (within 10 s), while their spread is over 5% of the median; default 4 x --repeats.", rich_help_panel=cs.RUN_PANEL, show_default=False)] = None,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="torch threads for the runs (default: torch's).", rich_help_panel=cs.RUN_PANEL, show_default=False)] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Show only the N slowest layers, ranked by time (slowest first).", rich_help_panel=cs.OUT_PANEL, show_default=False)] = None,
    predict: cs.PredictOpt = False, calibration: cs.CalibrationOpt = None,  # fmt: skip
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
        result = api.measure(arch, inputs=input_size or None, batch=batch, warmup=warmup, repeats=repeats, max_repeats=max_repeats, threads=threads, kwargs=kwargs, progress=step, **(options or {}))
    cs.emit(fmt, pg.bench_output(result, top, price), output, force, plot, lambda path, f: plot_roofline(result, path, force=f))


@app.command()
@cs.handles_errors
@cs.arch_options(lists=True)
def sweep(
    arch: cs.ArchArg,
    batch: cs.Batch = 1,
    quantity: Annotated[str, typer.Option("--quantity", help="What the grid shows: macs, params or latency (measured with --bench, or --predict).")] = "macs",
    with_bench: Annotated[bool, typer.Option("--bench", help="Also measure each variant's latency on this CPU (slow).")] = False,
    repeats: Annotated[int, typer.Option("--repeats", min=1, max=100_000, help="Timed runs per variant with --bench.")] = 10,
    predict: cs.PredictOpt = False, calibration: cs.CalibrationOpt = None,  # fmt: skip
    plot: cs.PlotOpt = None,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Sweep options given as comma lists: a grid of params, MACs (and latency with --bench).

    Options with one value are fixed; with two varied options the table is a 2-D grid, and
    --plot draws it as a heat map (otherwise a params vs MACs scatter).

    **Examples**

    * `lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128`: Tables 6-7 as one grid.
    * `lwprof sweep shufflenet --groups 1,2,3,4,8 --shuffle true,false --quantity params`
    * `lwprof sweep ghostnet --width 0.5,1,1.3 --bench --quantity latency`
    * `lwprof sweep mobilenet --alpha 1,0.5 --resolution 224,160 --predict`: and a grid of predicted ms.
    """
    from lwprof import api
    from lwprof.render import predict_grids as pg
    from lwprof.render.plots import plot_sweep
    from lwprof.resolve import split_sweep

    cs.targets(output, force, plot)
    if quantity not in ("macs", "params", "latency"):
        raise LwprofError(f"--quantity {quantity!r}: choose macs, params or latency")
    if quantity == "latency" and not (with_bench or predict or calibration):
        raise LwprofError("--quantity latency needs --bench (measured) or --predict")
    axes, fixed = split_sweep(options or {})
    price = cs.predictor(predict, calibration)
    with cs.progress("profiling") as step:
        comparison = api.compare(arch, axes, batch=batch, progress=step, **fixed)
    latencies = cs.timed(comparison, repeats) if with_bench else None
    cs.emit(fmt, pg.sweep_output(comparison, quantity, latencies, price), output, force, plot, lambda path, f: plot_sweep(comparison, path, quantity, force=f))


register_prediction_commands(app)  # lwprof calibrate and lwprof fit (lwprof/cli_predict.py)


def main() -> None:
    """The ``lwprof`` console script (exit codes: 0, 1 a check failed, 2 bad input, 130, 141)."""
    cs.fill_closed_fds()
    app()


if __name__ == "__main__":
    main()
