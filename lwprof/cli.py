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

import contextlib
import enum
import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer

from lwprof import __version__
from lwprof.architectures.registry import shared_options
from lwprof.errors import LwprofError
from lwprof.records import BYTES_PER_ELEMENT
from lwprof.render.console import Format, Output

__all__ = ["app", "main"]

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="lwprof",
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

ARCH_PANEL = "Architecture options (see lwprof list; only the ones you give are passed)"
RUN_PANEL = "Profiling"
OUT_PANEL = "Output"

ArchArg = Annotated[str, typer.Argument(help="Architecture name or alias (see lwprof list), optionally with options: mobilenet@alpha=0.5; or a user model: net.py:Net.", show_default=False)]
Batch = Annotated[int, typer.Option("--batch", min=1, help="Batch size; every count scales with it.", rich_help_panel=RUN_PANEL)]
Fvcore = Annotated[bool, typer.Option("--fvcore/--no-fvcore", help="Cross-check every layer with fvcore and torch's FlopCounterMode (a real forward pass; slower).", rich_help_panel=RUN_PANEL)]
Dtype = enum.Enum("Dtype", {k.upper(): k for k in BYTES_PER_ELEMENT}, type=str)  # type: ignore[misc]
DeviceKind = enum.Enum("DeviceKind", {"AUTO": "auto", "META": "meta", "CPU": "cpu"}, type=str)  # type: ignore[misc]
DtypeOpt = Annotated[Dtype, typer.Option("--dtype", help="Element type for model size and activation memory.", rich_help_panel=RUN_PANEL)]
Device = Annotated[DeviceKind, typer.Option("--device", help="auto: meta tensors, real CPU tensors when the forward needs data; meta or cpu: force one.", rich_help_panel=RUN_PANEL)]
InputSize = Annotated[
    list[str] | None,
    typer.Option("--input-size", help="An input of one sample: C,H,W (batch prepended); long:1,128 for token ids; name=... for a keyword input. Repeat for several inputs.", rich_help_panel=RUN_PANEL, show_default=False),
]
Kwargs = Annotated[str | None, typer.Option("--kwargs", help="Arguments for a user model's class or factory: JSON ('{\"width\": 0.5}') or key=value,key=value.", rich_help_panel=RUN_PANEL, show_default=False)]
PlotOpt = Annotated[str | None, typer.Option("--plot", help="Also draw a PNG chart to this file (needs matplotlib: the plot extra).", rich_help_panel=OUT_PANEL, show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table (for people), markdown, csv, tsv or json (exact integers).", rich_help_panel=OUT_PANEL)]
OutputOpt = Annotated[str | None, typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout.", rich_help_panel=OUT_PANEL, show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing --output and --plot files.", rich_help_panel=OUT_PANEL)]

_RESULT_STREAM: list[Any] = []  # the real stdout while a command runs with stdout sent to stderr


def _handles_errors(fn: F) -> F:
    """One line on stderr and exit 2 for an LwprofError; stdout kept for the result only."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _RESULT_STREAM.append(sys.stdout)
        try:
            with contextlib.redirect_stdout(sys.stderr):  # a print() in user code must not corrupt --format json
                return fn(*args, **kwargs)
        except LwprofError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        finally:
            _RESULT_STREAM.pop()

    return wrapper  # type: ignore[return-value]


def _arch_options(lists: bool = False) -> Callable[[F], F]:
    """Adds one flag per architecture option of the registry (plus ``--set``); the command gets them as ``options``.

    Args:
        lists: Every flag takes a comma list of values (``lwprof sweep``).
    """

    def deco(fn: F) -> F:
        options = shared_options()
        params = []
        for opt in options:
            if opt.type is bool and not lists:
                decl, kind, help_text = f"{opt.flag}/--no-{opt.flag[2:]}", bool | None, opt.help
            else:
                decl, kind = opt.flag, str | None
                help_text = f"Comma list: {opt.help}" if lists else opt.help
            info = typer.Option(decl, help=help_text, rich_help_panel=ARCH_PANEL, show_default=False, metavar=f"{opt.metavar},..." if lists else opt.metavar)
            params.append(inspect.Parameter(opt.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[kind, info]))
        settings = typer.Option("--set", help="KEY=VALUE: an architecture option by name, e.g. --set dw_kernel=5 (repeatable).", rich_help_panel=ARCH_PANEL, show_default=False)
        params.append(inspect.Parameter("settings", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[list[str] | None, settings]))
        names = {opt.name for opt in options}

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in _invocation_order(kwargs) if n in names}
            kwargs["options"] = _merge_settings({k: v for k, v in given.items() if v is not None}, kwargs.pop("settings"))
            return fn(*args, **kwargs)

        sig = inspect.signature(fn, eval_str=True)
        kept = [p for p in sig.parameters.values() if p.name != "options"]
        wrapper.__signature__ = sig.replace(parameters=kept + params)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco


def _invocation_order(kwargs: dict[str, Any]) -> list[str]:
    """The parameters in the order they were given on the command line (click fills its
    context's params in processing order, which is invocation order; Typer's keyword
    arguments come in declaration order)."""
    from typer.main import get_current_context

    try:
        seen = list(get_current_context().params)
    except RuntimeError:  # called outside a command line
        seen = []
    return [n for n in seen if n in kwargs] + [n for n in kwargs if n not in seen]


def _merge_settings(values: dict[str, Any], settings: Sequence[str] | None) -> dict[str, Any]:
    for item in settings or ():
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not value.strip():
            raise LwprofError(f"--set {item!r}: write KEY=VALUE, e.g. --set dw_kernel=5")
        if key in values:
            raise LwprofError(f"option {key!r} is given twice (--set {item!r})")
        values[key] = value.strip()
    return values


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lwprof {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False) -> None:
    """Profile lightweight CNNs: exact per-layer params, MACs and shapes."""


def _emit(fmt: Format, out: Output, output: str | None, force: bool) -> None:
    from lwprof.render.console import emit

    stream = _RESULT_STREAM[-1] if _RESULT_STREAM else sys.stdout
    with contextlib.redirect_stdout(stream):
        path = emit(fmt, out, output, force)
    if path:
        typer.echo(f"wrote {path}", err=True)


def _targets(output: str | None, force: bool, plot: str | None = None) -> None:
    """Checks every file a command will write before any work (and that they differ)."""
    from lwprof.render.export import check_targets

    check_targets(output, plot, force)


def _plot(draw: Callable[[str, bool], Any], plot: str | None, force: bool) -> None:
    if plot is not None:
        typer.echo(f"wrote {draw(plot, force)}", err=True)


def _exit_on(failures: Sequence[str]) -> None:
    for line in failures:
        typer.echo(line, err=True)
    if failures:
        raise typer.Exit(1)


# --------------------------------------------------------------------------------------------
# Commands


@app.command("list")
@_handles_errors
def list_(fmt: FormatOpt = Format.TABLE, output: OutputOpt = None, force: ForceOpt = False) -> None:
    """List the architectures, their aliases, options (default, allowed values) and papers.

    **Examples**

    * `lwprof list`
    * `lwprof list --format json`: the same, for scripts.
    """
    from lwprof.architectures.registry import list_architectures
    from lwprof.render import views

    _targets(output, force)
    _emit(fmt, views.list_output(list_architectures()), output, force)


@app.command()
@_handles_errors
@_arch_options()
def summary(
    arch: ArchArg,
    batch: Batch = 1,
    input_size: InputSize = None,
    kwargs: Kwargs = None,
    device: Device = DeviceKind.AUTO,
    depth: Annotated[int | None, typer.Option("--depth", min=0, help="Show only modules down to this depth (parents sum their children), in the table and the exports; default: all.", rich_help_panel=OUT_PANEL, show_default=False)] = None,
    by_type: Annotated[bool, typer.Option("--by-type", help="Totals by layer type (Conv 1x1, Conv DW 3x3, FC, ...) with shares, like MobileNetV1's Table 2.", rich_help_panel=OUT_PANEL)] = False,
    fvcore: Fvcore = True,
    strict: Annotated[bool, typer.Option("--strict", help="Fail when a layer has no formula instead of counting it from its ops.", rich_help_panel=RUN_PANEL)] = False,
    memory: Annotated[bool, typer.Option("--memory", help="Per-layer memory instead: output bytes, bytes read and written, MACs per byte.", rich_help_panel=OUT_PANEL)] = False,
    max_macs: Annotated[str | None, typer.Option("--max-macs", help="Budget: exit 1 when MACs exceed it (k, M, G accepted: 300M).", rich_help_panel=RUN_PANEL, show_default=False)] = None,
    max_params: Annotated[str | None, typer.Option("--max-params", help="Budget: exit 1 when params exceed it (e.g. 3.5M).", rich_help_panel=RUN_PANEL, show_default=False)] = None,
    dtype: DtypeOpt = Dtype.FP32,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
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
    * `lwprof summary my_net.py:Net --input-size 3,224,224 --max-macs 300M`: a user model under a budget.
    * `lwprof summary flow.py:Flow --input-size 3,64,64 --input-size 3,64,64`: a model with two inputs.
    """
    from lwprof import api
    from lwprof.expect import over_budget, parse_budgets
    from lwprof.render import views
    from lwprof.render.plots import plot_layers

    _targets(output, force, plot)
    budgets = parse_budgets(macs=max_macs, params=max_params)
    with _progress("profiling + cross-check" if fvcore else "profiling") as step:
        step(arch, 0, 1)
        profile = api.profile(
            arch, inputs=input_size or None, batch=batch, device=device.value, crosscheck=fvcore, strict=strict, dtype=dtype.value, kwargs=kwargs, **(options or {})
        )
    _emit(fmt, views.summary_output(profile, api.published(profile), depth=depth, by_type=by_type, memory=memory), output, force)
    _plot(lambda path, f: plot_layers(profile, path, force=f), plot, force)
    _exit_on(over_budget(profile, budgets))


def _progress(what: str) -> Any:
    from lwprof.render.console import progress

    return progress(what)


@app.command()
@_handles_errors
@_arch_options()
def compare(
    specs: Annotated[list[str], typer.Argument(help="One architecture (its variants are compared), or several models side by side: zoo names and user specs path/file.py:Class.", show_default=False)],
    vary: Annotated[
        list[str] | None,
        typer.Option("--vary", help="KEY=V1,V2,... an option to vary (repeat for a grid of combinations). Default: the architecture's design axis (see lwprof list).", rich_help_panel=RUN_PANEL, show_default=False),
    ] = None,
    batch: Batch = 1,
    input_size: InputSize = None,
    fvcore: Fvcore = True,
    by_type: Annotated[bool, typer.Option("--by-type", help="Exports (csv, tsv, markdown) hold the MACs by layer type per variant instead of the variants table.", rich_help_panel=OUT_PANEL)] = False,
    dtype: DtypeOpt = Dtype.FP32,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
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
    """
    from lwprof import api
    from lwprof.render import views
    from lwprof.render.plots import plot_variants
    from lwprof.resolve import is_user_spec, parse_spec

    _targets(output, force, plot)
    axes = _parse_vary(vary or [])
    with _progress("profiling + cross-check" if fvcore else "profiling") as step:
        if len(specs) > 1 or is_user_spec(parse_spec(specs[0])[0]):
            if axes or options:
                raise LwprofError("--vary and architecture options apply to one architecture; with several models give each as a spec")
            comparison = api.compare_models(specs, inputs=input_size or None, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step)
        else:
            comparison = api.compare(specs[0], axes or None, inputs=input_size or None, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step, **(options or {}))
    published = [api.published(v.profile) for v in comparison.variants]
    _emit(fmt, views.compare_output(comparison, published, by_type=by_type), output, force)
    _plot(lambda path, f: plot_variants(comparison, path, force=f), plot, force)


def _parse_vary(items: Sequence[str]) -> dict[str, list[str]]:
    """Parses ``--vary KEY=V1,V2`` options (keys are checked by the API)."""
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise LwprofError(f"--vary {item!r}: write KEY=V1,V2,... e.g. --vary groups=1,2,3,4,8")
        parts = [v.strip() for v in values.split(",")]
        if not values.strip() or any(not v for v in parts):
            raise LwprofError(f"--vary {item!r}: empty value; write KEY=V1,V2,... e.g. --vary alpha=1,0.75,0.5")
        if key in out:
            raise LwprofError(f"--vary {key} is given twice; put all its values in one --vary {key}=...")
        out[key] = parts
    return out


@app.command()
@_handles_errors
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
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
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

    _targets(output, force)
    variants = api.layer_variants(in_channels, out_channels, kernel, size, stride=stride, groups=groups, bias=bias, ratio=ratio, batch=batch)
    _emit(fmt, views.layer_output(variants), output, force)


@app.command()
@_handles_errors
def check(
    arch: Annotated[str | None, typer.Option("--arch", help="Check only this architecture (default: all).", show_default=False)] = None,
    expect: Annotated[str | None, typer.Option("--expect", help="Check your own pinned counts and budgets (a TOML file, see lwprof pin) instead of the papers.", show_default=False)] = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """Check computed params and MACs against the numbers published in the papers.

    Statuses: pass; known gap (the paper's number is not reproduced by any counting
    convention, and the entry says why); fail. Exit code 0 when nothing fails, 1 when any
    check fails, 2 for usage errors.

    **Examples**

    * `lwprof check`: every published number of every paper.
    * `lwprof check --arch shufflenet --format markdown`: one paper, as a Markdown table.
    * `lwprof check --expect lwprof.toml`: your models' pinned params and MAC budgets (for CI).
    """
    from lwprof import api
    from lwprof.records import CheckStatus
    from lwprof.render import views

    _targets(output, force)
    if expect is not None:
        if arch is not None:
            raise LwprofError("--arch filters the paper checks; it does not apply with --expect")
        with _progress("checking expectations") as step:
            results = api.check_expectations(expect, progress=step)
        out = views.expect_output(results, expect)
    else:
        with _progress("checking against the papers") as step:
            results = api.check_papers(arch, progress=step)
        out = views.check_output(results)
    _emit(fmt, out, output, force)
    if any(r.status == CheckStatus.FAIL for r in results):
        raise typer.Exit(1)


@app.command()
@_handles_errors
def pin(
    specs: Annotated[list[str], typer.Argument(help="Models to pin: zoo names with options (mobilenet@alpha=0.5,resolution=160) or user specs (net.py:Net@width=2).", show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="The expectations file to write; an existing one is updated: entries with the same spec are replaced, the rest (and comments) kept.", show_default=False)],
    input_size: InputSize = None,
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
@_handles_errors
@_arch_options()
def bench(
    arch: ArchArg,
    batch: Batch = 1,
    input_size: InputSize = None,
    kwargs: Kwargs = None,
    warmup: Annotated[int, typer.Option("--warmup", min=0, help="Untimed runs first.", rich_help_panel=RUN_PANEL)] = 5,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs (median and interquartile range reported).", rich_help_panel=RUN_PANEL)] = 20,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="torch threads for the runs (default: torch's).", rich_help_panel=RUN_PANEL, show_default=False)] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Show only the N slowest layers, slowest first.", rich_help_panel=OUT_PANEL, show_default=False)] = None,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Measure latency on this CPU, end to end and per layer, next to each layer's MACs.

    Runs the real model in inference mode after a warm-up; reports the median and spread,
    the threads used, and per layer its time, achieved MAC/s, and its rank by time beside its
    rank by MACs (depthwise layers are cheap in MACs, not in time). --plot draws a roofline.

    **Examples**

    * `lwprof bench mobilenet`
    * `lwprof bench shufflenet --groups 8 --threads 1 --top 10`
    * `lwprof bench mobilenet --plot roofline.png`
    """
    from lwprof import api
    from lwprof.render import views
    from lwprof.render.plots import plot_roofline

    _targets(output, force, plot)
    with _progress("timing") as step:
        result = api.measure(arch, inputs=input_size or None, batch=batch, warmup=warmup, repeats=repeats, threads=threads, kwargs=kwargs, progress=step, **(options or {}))
    _emit(fmt, views.bench_output(result, top), output, force)
    _plot(lambda path, f: plot_roofline(result, path, force=f), plot, force)


@app.command()
@_handles_errors
@_arch_options(lists=True)
def sweep(
    arch: ArchArg,
    batch: Batch = 1,
    quantity: Annotated[str, typer.Option("--quantity", help="What the grid shows: macs, params or latency (needs --bench).")] = "macs",
    with_bench: Annotated[bool, typer.Option("--bench", help="Also measure each variant's latency on this CPU (slow).")] = False,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs per variant with --bench.")] = 10,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
    options: dict[str, Any] | None = None,
) -> None:
    """Sweep options given as comma lists: a grid of params, MACs (and latency with --bench).

    Options with one value are fixed; with two varied options the table is a 2-D grid, and
    --plot draws it as a heat map (otherwise a params vs MACs scatter).

    **Examples**

    * `lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128`: Tables 6-7 as one grid.
    * `lwprof sweep shufflenet --groups 1,2,3,4,8 --shuffle true,false --quantity params`
    * `lwprof sweep ghostnet --width 0.5,1,1.3 --bench --quantity latency`
    """
    from lwprof import api
    from lwprof.render import views
    from lwprof.render.plots import plot_sweep

    _targets(output, force, plot)
    if quantity not in ("macs", "params", "latency"):
        raise LwprofError(f"--quantity {quantity!r}: choose macs, params or latency")
    if quantity == "latency" and not with_bench:
        raise LwprofError("--quantity latency needs --bench")
    axes, fixed = _sweep_axes(options or {})
    with _progress("profiling") as step:
        comparison = api.compare(arch, axes, batch=batch, progress=step, **fixed)
    latencies = None
    if with_bench:
        with _progress("timing") as step:
            latencies = api.time_variants(comparison, repeats=repeats, progress=step)
    _emit(fmt, views.sweep_output(comparison, quantity, latencies), output, force)
    _plot(lambda path, f: plot_sweep(comparison, path, quantity, force=f), plot, force)


def _sweep_axes(given: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Splits sweep options into varied ones (comma lists) and fixed ones (single values)."""
    axes, fixed = {}, {}
    for key, text in given.items():
        parts = [p.strip() for p in str(text).split(",")]
        if any(not p for p in parts):
            raise LwprofError(f"--{key.replace('_', '-')} {text!r}: empty value in the list")
        if len(parts) > 1:
            axes[key] = parts
        else:
            fixed[key] = parts[0]
    if not axes:
        raise LwprofError("nothing to sweep: give at least one option as a comma list, e.g. --alpha 1,0.5")
    return axes, fixed


def main() -> None:
    """The ``lwprof`` console script."""
    app()


if __name__ == "__main__":
    main()
