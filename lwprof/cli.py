"""The ``lwprof`` command line: a thin Typer layer over :mod:`lwprof.api`.

Each command parses its options, calls the API, renders the result (:mod:`lwprof.render`) and
prints or writes it. Every :class:`~lwprof.errors.LwprofError` becomes one line on stderr,
``error: <message>``, and exit code 2 (Typer's code for usage errors); never a traceback.

Importing this module (and ``lwprof --help``) does not import torch or fvcore: the API, the
registry and the renderers are imported inside the commands.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from lwprof import __version__
from lwprof.errors import LwprofError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from lwprof.records import Comparison
    from lwprof.render.grid import Grid

__all__ = ["app", "main"]

F = TypeVar("F", bound=Callable[..., Any])


class Format(str, enum.Enum):
    """Output formats: a rich table for people, the rest for files and other tools."""

    TABLE = "table"
    MARKDOWN = "markdown"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"


class Dtype(str, enum.Enum):
    """Element types for byte counts (model size, activation memory)."""

    FP32 = "fp32"
    FP16 = "fp16"
    BF16 = "bf16"
    INT8 = "int8"


app = typer.Typer(
    name="lwprof",
    help=(
        "Profile lightweight CNNs (the MobileNets, ShuffleNets and GhostNet): exact per-layer params, "
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

# --------------------------------------------------------------------------------------------
# Options shared by several commands

ARCH_PANEL = "Architecture options (see lwprof list; only the ones you give are passed)"
RUN_PANEL = "Profiling"
OUT_PANEL = "Output"

ArchArg = Annotated[str, typer.Argument(help="Architecture name or alias: mobilenet, shufflenet, ghostnet (see lwprof list).", show_default=False)]
Alpha = Annotated[float | None, typer.Option("--alpha", help="Width multiplier alpha of mobilenet_v1, > 0 (default 1.0).", rich_help_panel=ARCH_PANEL, show_default=False)]
Groups = Annotated[
    int | None,
    typer.Option(
        "--groups",
        help="Groups: of shufflenet_v1's 1x1 group convs (1, 2, 3, 4 or 8; default 3), or of the 3x3 convs with --conv grouped.",
        rich_help_panel=ARCH_PANEL,
        show_default=False,
    ),
]
Scale = Annotated[float | None, typer.Option("--scale", help="Channel scale factor of the ShuffleNets (default 1; allowed values in lwprof list).", rich_help_panel=ARCH_PANEL, show_default=False)]
Width = Annotated[float | None, typer.Option("--width", help="Width multiplier of ghostnet and the MobileNet V2/V3, > 0 (default 1.0).", rich_help_panel=ARCH_PANEL, show_default=False)]
Ratio = Annotated[int | None, typer.Option("--ratio", help="Ghost ratio s of ghostnet (default 2).", rich_help_panel=ARCH_PANEL, show_default=False)]
DwKernel = Annotated[int | None, typer.Option("--dw-kernel", help="Kernel d of ghostnet's cheap depthwise op (default 3).", rich_help_panel=ARCH_PANEL, show_default=False)]
Conv = Annotated[
    str | None,
    typer.Option(
        "--conv",
        help="How the convs are realised: standard, grouped, dwsep or ghost; each architecture's choices and default are in lwprof list.",
        rich_help_panel=ARCH_PANEL,
        show_default=False,
    ),
]
Shuffle = Annotated[bool | None, typer.Option("--shuffle/--no-shuffle", help="Channel shuffle of shufflenet_v1 (default on; off = Table 3's ablation).", rich_help_panel=ARCH_PANEL, show_default=False)]
Se = Annotated[bool | None, typer.Option("--se/--no-se", help="Squeeze-and-excite modules of ghostnet (default on).", rich_help_panel=ARCH_PANEL, show_default=False)]
Shallow = Annotated[
    bool | None,
    typer.Option("--shallow/--no-shallow", help="mobilenet_v1 without the five 14x14x512 layers (Table 5; default off).", rich_help_panel=ARCH_PANEL, show_default=False),
]
Resolution = Annotated[int | None, typer.Option("--resolution", help="Input height and width in pixels (default 224).", rich_help_panel=ARCH_PANEL, show_default=False)]
NumClasses = Annotated[int | None, typer.Option("--num-classes", help="Classifier outputs (default 1000).", rich_help_panel=ARCH_PANEL, show_default=False)]

SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="KEY=VALUE: any architecture option by name, e.g. --set dw_kernel=5 (repeatable; for options without a flag of their own).",
        rich_help_panel=ARCH_PANEL,
        show_default=False,
    ),
]

Batch = Annotated[int, typer.Option("--batch", min=1, help="Batch size; every count scales with it.", rich_help_panel=RUN_PANEL)]
Fvcore = Annotated[bool, typer.Option("--fvcore/--no-fvcore", help="Cross-check every layer with fvcore and torch's FlopCounterMode (a real forward pass; slower).", rich_help_panel=RUN_PANEL)]
DtypeOpt = Annotated[Dtype, typer.Option("--dtype", help="Element type for model size and activation memory.", rich_help_panel=RUN_PANEL)]

InputSize = Annotated[str | None, typer.Option("--input-size", help="Input of one sample as C,H,W (default 3,R,R with R = --resolution; required for user models without an input_size attribute).", rich_help_panel=RUN_PANEL, show_default=False)]
Kwargs = Annotated[str | None, typer.Option("--kwargs", help="Arguments for a user model's class or factory: JSON ('{\"width\": 0.5}') or key=value,key=value.", rich_help_panel=RUN_PANEL, show_default=False)]
PlotOpt = Annotated[str | None, typer.Option("--plot", help="Also draw a PNG chart to this file (needs matplotlib: the plot extra).", rich_help_panel=OUT_PANEL, show_default=False)]

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table (for people), markdown, csv, tsv or json (exact integers).", rich_help_panel=OUT_PANEL)]
OutputOpt = Annotated[str | None, typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout.", rich_help_panel=OUT_PANEL, show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists.", rich_help_panel=OUT_PANEL)]


def _handles_errors(fn: F) -> F:
    """Turns an LwprofError into ``error: <message>`` on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LwprofError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lwprof {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Profile lightweight CNNs: exact per-layer params, MACs and shapes."""


# --------------------------------------------------------------------------------------------
# Console, progress and output


def _console() -> Console:
    """The stdout console. Not a terminal (a pipe, a file, tests): 120 columns unless COLUMNS says otherwise."""
    from rich.console import Console

    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
    return Console(width=width)


def _err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _show_progress(fmt: Format) -> bool:
    """Progress bars go to stderr, only for tables on a terminal (exports stay clean)."""
    return fmt is Format.TABLE and sys.stderr.isatty()


@contextlib.contextmanager
def _progress(enabled: bool, total: int | None, what: str) -> Iterator[Callable[[str], None]]:
    """A rich progress bar (or spinner when ``total`` is None) fed by a label callback."""
    if not enabled:
        yield lambda label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=_err_console(), transient=True) as bar:
        task = bar.add_task(what, total=total)
        seen = [0]

        def step(label: str) -> None:
            if seen[0] and total is not None:
                bar.advance(task)
            seen[0] += 1
            bar.update(task, description=f"{what}: {label}")

        yield step


def _check_output(output: str | None, force: bool) -> None:
    """Fails before any work when the --output file cannot be written."""
    if output is not None:
        from lwprof.render.export import check_writable

        check_writable(output, force)


def _emit(
    fmt: Format,
    output: str | None,
    force: bool,
    *,
    view: Callable[[], RenderableType],
    grids: Callable[[], Grid | Sequence[Grid]],
    data: Callable[[], Any],
) -> None:
    """Prints (or writes atomically) a result in the chosen format.

    Args:
        fmt: The output format.
        output: A file to write instead of stdout.
        force: Overwrite ``output`` if it exists.
        view: Builds the rich renderable (``--format table``).
        grids: Builds the grid(s) for Markdown, CSV and TSV.
        data: Builds the JSON-ready data.
    """
    from lwprof.render.export import export_grid, to_json, write_atomic

    if fmt is Format.TABLE:
        if output is None:
            _console().print(view())
            return
        from rich.console import Console

        buf = io.StringIO()
        Console(file=buf, width=120, force_terminal=False, color_system=None).print(view())
        text = buf.getvalue()
    elif fmt is Format.JSON:
        text = to_json(data())
    else:
        text = export_grid(grids(), fmt.value)
    if output is None:
        typer.echo(text, nl=False)
        return
    path = write_atomic(output, text, force)
    typer.echo(f"wrote {path}", err=True)


def _arch_options(settings: Sequence[str] | None = None, **values: Any) -> dict[str, Any]:
    """The architecture options the user gave (None = not given: the architecture's default).

    Args:
        settings: ``--set KEY=VALUE`` items (strings; the registry converts them).
        **values: The dedicated flags.

    Raises:
        LwprofError: A malformed ``--set`` item, or an option given twice.
    """
    out = {k: v for k, v in values.items() if v is not None}
    for item in settings or ():
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not value.strip():
            raise LwprofError(f"--set {item!r}: write KEY=VALUE, e.g. --set dw_kernel=5")
        if key in out:
            raise LwprofError(f"option {key!r} is given twice (--set {item!r})")
        out[key] = value.strip()
    return out


def _input_size(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    parts = [p for p in text.replace("x", ",").split(",")]
    try:
        size = tuple(int(p) for p in parts)
    except ValueError:
        raise LwprofError(f"--input-size {text!r}: give C,H,W as integers, e.g. 3,224,224") from None
    if len(size) < 2 or any(s < 1 for s in size):
        raise LwprofError(f"--input-size {text!r}: give C,H,W as positive integers, e.g. 3,224,224")
    return size


def _parse_vary(items: Sequence[str]) -> dict[str, list[str]]:
    """Parses ``--vary KEY=V1,V2`` options (keys are checked by the API)."""
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise LwprofError(f"--vary {item!r}: write KEY=V1,V2,... e.g. --vary groups=1,2,3,4,8")
        parts = [v.strip() for v in values.split(",")]
        if not values.strip() or any(not v for v in parts):
            raise LwprofError(f"--vary {item!r}: empty value; write KEY=V1,V2,... e.g. --vary alpha=1,0.75,0.5")
        if key.replace("-", "_") in (k.replace("-", "_") for k in out):
            raise LwprofError(f"--vary {key} is given twice; put all its values in one --vary {key}=...")
        out[key] = parts
    return out


def _published_for(arch: str, config: Any) -> dict[str, Any] | None:
    """The paper's numbers for one configuration (``lwprof.reference.published``), or None."""
    try:
        from lwprof.reference.published import published_for
    except ImportError:
        return None
    try:
        found = published_for(arch, dict(config))
    except LwprofError:  # a user model: no paper
        return None
    return dict(found) if found else None


def _published(comparison: Comparison) -> list[dict[str, Any] | None]:
    """Published numbers per variant, when the paper has them."""
    return [_published_for(v.profile.arch, v.config) for v in comparison.variants]


def _budget_failures(profile: Any, max_macs: str | None, max_params: str | None) -> list[str]:
    """``--max-macs`` / ``--max-params`` gates: one line per exceeded budget."""
    from lwprof.units import human, parse_count

    failures = []
    for flag, limit, value in (("--max-macs", max_macs, profile.macs), ("--max-params", max_params, profile.params)):
        if limit is None:
            continue
        bound = parse_count(limit)
        if value > bound:
            failures.append(f"OVER BUDGET: {flag} {limit}: measured {value:,} ({human(value)}) exceeds {bound:,} by {value - bound:,}")
    return failures


# --------------------------------------------------------------------------------------------
# Commands


@app.command("list")
@_handles_errors
def list_(
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """List the architectures, their aliases, options (default, allowed values) and papers.

    **Examples**

    * `lwprof list`
    * `lwprof list --format json`: the same, for scripts.
    """
    _check_output(output, force)
    from lwprof.architectures.registry import list_architectures
    from lwprof.render import grid as g
    from lwprof.render.tables import list_view

    specs = list_architectures()
    _emit(fmt, output, force, view=lambda: list_view(specs), grids=lambda: g.list_grid(specs), data=lambda: {"architectures": g.list_dict(specs)})


@app.command()
@_handles_errors
def summary(
    arch: ArchArg,
    alpha: Alpha = None,
    groups: Groups = None,
    scale: Scale = None,
    width: Width = None,
    ratio: Ratio = None,
    dw_kernel: DwKernel = None,
    conv: Conv = None,
    shuffle: Shuffle = None,
    se: Se = None,
    shallow: Shallow = None,
    resolution: Resolution = None,
    num_classes: NumClasses = None,
    settings: SetOpt = None,
    batch: Batch = 1,
    input_size: InputSize = None,
    kwargs: Kwargs = None,
    depth: Annotated[int | None, typer.Option("--depth", min=0, help="Show only modules down to this depth (parents sum their children), in the table and the exports; default: all.", rich_help_panel=OUT_PANEL, show_default=False)] = None,
    by_type: Annotated[bool, typer.Option("--by-type", help="Totals by layer type (Conv 1x1, Conv DW 3x3, FC, ...) with shares, like MobileNetV1's Table 2.", rich_help_panel=OUT_PANEL)] = False,
    fvcore: Fvcore = True,
    strict: Annotated[bool, typer.Option("--strict", help="Fail when a layer has no formula instead of counting it at the op level.", rich_help_panel=RUN_PANEL)] = False,
    memory: Annotated[bool, typer.Option("--memory", help="Per-layer memory instead: output bytes, bytes read and written, MACs per byte.", rich_help_panel=OUT_PANEL)] = False,
    max_macs: Annotated[str | None, typer.Option("--max-macs", help="Budget: exit 1 when MACs exceed it (k, M, G accepted: 300M).", rich_help_panel=RUN_PANEL, show_default=False)] = None,
    max_params: Annotated[str | None, typer.Option("--max-params", help="Budget: exit 1 when params exceed it (e.g. 3.5M).", rich_help_panel=RUN_PANEL, show_default=False)] = None,
    dtype: DtypeOpt = Dtype.FP32,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """Per-layer params, MACs and output shapes of one configured model.

    Columns: layer (indented by depth), type, kernel/stride/groups, output shape, params, MACs,
    share of all MACs and the cross-check verdict (ok, by design, MISMATCH). The footer has the
    totals, model size, peak activation memory, fvcore's and FlopCounterMode's totals and the
    counting conventions.

    **Examples**

    * `lwprof summary mobilenet`: MobileNetV1 1.0-224, 4.23 M params and 568.74 M MACs.
    * `lwprof summary mobilenet --alpha 0.5 --resolution 160 --depth 2`: top two levels only.
    * `lwprof summary shufflenet --groups 8 --by-type --no-fvcore`: totals by layer type.
    * `lwprof summary ghostnet --format json -o ghostnet.json`: every layer, exact integers.
    * `lwprof summary mobilenet --memory --dtype fp16`: memory traffic per layer.
    * `lwprof summary my_net.py:Net --input-size 3,224,224 --max-macs 300M`: a user model under a budget.
    """
    _check_output(output, force)
    from lwprof import api
    from lwprof.render import grid as g
    from lwprof.render.measure_grids import memory_grid
    from lwprof.render.tables import by_type_view, grid_view, summary_view

    if plot is not None:
        from lwprof.render.plots import check_png_path

        check_png_path(plot)
    if max_macs is not None or max_params is not None:
        from lwprof.units import parse_count

        for limit in (max_macs, max_params):
            if limit is not None:
                parse_count(limit)  # a malformed budget is a usage error before any work

    options = _arch_options(
        settings, alpha=alpha, groups=groups, scale=scale, width=width, ratio=ratio, dw_kernel=dw_kernel, conv=conv,
        shuffle=shuffle, se=se, shallow=shallow, resolution=resolution, num_classes=num_classes,
    )  # fmt: skip
    size = _input_size(input_size)
    if size is not None and resolution is not None:
        raise LwprofError("give --resolution or --input-size, not both")
    what = "profiling + cross-check with fvcore and FlopCounterMode" if fvcore else "profiling"
    with _progress(_show_progress(fmt) and fvcore, None, what) as step:
        step(arch)
        if kwargs is not None:
            options["kwargs"] = kwargs
        profile = api.profile(arch, size, batch=batch, crosscheck=fvcore, strict=strict, dtype=dtype.value, **options)

    def data() -> dict[str, Any]:
        out = profile.to_dict()
        out["published"] = published
        if depth is not None:
            out["depth"] = depth
            out["layers"] = [r for r in out["layers"] if r["depth"] <= depth]
        out["by_category"] = {cat: {"params": p, "macs": m} for cat, (p, m) in profile.by_category().items()}
        return out

    published = _published_for(profile.arch, profile.config)
    if memory:
        _emit(fmt, output, force, view=lambda: grid_view(memory_grid(profile)), grids=lambda: memory_grid(profile), data=data)
    elif by_type:
        _emit(fmt, output, force, view=lambda: by_type_view(profile, published), grids=lambda: g.by_type_grid(profile, published), data=data)
    else:
        _emit(fmt, output, force, view=lambda: summary_view(profile, depth, published), grids=lambda: g.summary_grid(profile, depth, published), data=data)
    if plot is not None:
        from lwprof.render.plots import plot_layers

        typer.echo(f"wrote {plot_layers(profile, plot)}", err=True)
    failures = _budget_failures(profile, max_macs, max_params)
    for line in failures:
        typer.echo(line, err=True)
    if failures:
        raise typer.Exit(1)


@app.command()
@_handles_errors
def compare(
    specs: Annotated[
        list[str],
        typer.Argument(
            help="One architecture (its variants are compared), or several models side by side: zoo names and user specs path/file.py:Class.",
            show_default=False,
        ),
    ],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="KEY=V1,V2,... an option to vary (repeat for a grid of combinations). Default: the architecture's design axis (mobilenet: conv; shufflenet: groups; ghostnet: conv).",
            rich_help_panel=RUN_PANEL,
            show_default=False,
        ),
    ] = None,
    alpha: Alpha = None,
    groups: Groups = None,
    scale: Scale = None,
    width: Width = None,
    ratio: Ratio = None,
    dw_kernel: DwKernel = None,
    conv: Conv = None,
    shuffle: Shuffle = None,
    se: Se = None,
    shallow: Shallow = None,
    resolution: Resolution = None,
    num_classes: NumClasses = None,
    settings: SetOpt = None,
    batch: Batch = 1,
    input_size: InputSize = None,
    fvcore: Fvcore = True,
    dtype: DtypeOpt = Dtype.FP32,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
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
    _check_output(output, force)
    from lwprof import api
    from lwprof.architectures.registry import get_architecture
    from lwprof.render import grid as g
    from lwprof.render.export import compare_dict
    from lwprof.render.tables import compare_view

    axes = _parse_vary(vary or [])
    fixed = _arch_options(
        settings, alpha=alpha, groups=groups, scale=scale, width=width, ratio=ratio, dw_kernel=dw_kernel, conv=conv,
        shuffle=shuffle, se=se, shallow=shallow, resolution=resolution, num_classes=num_classes,
    )  # fmt: skip
    from lwprof.specs import is_user_spec, parse_spec

    size = _input_size(input_size)
    if plot is not None:
        from lwprof.render.plots import check_png_path

        check_png_path(plot)
    what = "profiling + cross-check" if fvcore else "profiling"
    if len(specs) > 1 or is_user_spec(specs[0]):
        if axes or fixed:
            raise LwprofError("--vary and architecture options apply to one architecture; with several models give each as a spec")
        with _progress(_show_progress(fmt), len(specs), what) as step:
            comparison = api.compare_models(specs, size, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step)
    else:
        name, spec_options = parse_spec(specs[0])
        for key, value in spec_options.items():
            if key in fixed:
                raise LwprofError(f"option {key!r} is given twice ({specs[0]} and a flag)")
            fixed[key] = value
        spec = get_architecture(name)
        total = 1
        for values in axes.values() or [spec.compare_axis[1]]:
            total *= len(values)
        if size is not None:
            fixed["input_size"] = size
        with _progress(_show_progress(fmt), total, what) as step:
            comparison = api.compare(spec.name, axes or None, batch=batch, crosscheck=fvcore, dtype=dtype.value, progress=step, **fixed)
    published = _published(comparison)
    _emit(
        fmt,
        output,
        force,
        view=lambda: compare_view(comparison, published),
        grids=lambda: [g.compare_grid(comparison, published), g.compare_category_grid(comparison)],
        data=lambda: compare_dict(comparison, published),
    )
    if plot is not None:
        from lwprof.render.plots import plot_variants

        typer.echo(f"wrote {plot_variants(comparison, plot)}", err=True)


@app.command()
@_handles_errors
def layer(
    in_channels: Annotated[int, typer.Option("--in", help="Input channels M.", show_default=False)],
    out_channels: Annotated[int, typer.Option("--out", help="Output channels N.", show_default=False)],
    kernel: Annotated[int, typer.Option("--kernel", help="Kernel size D_K (padding k // 2).", show_default=False)],
    size: Annotated[int, typer.Option("--size", help="Input height and width D_F.", show_default=False)],
    stride: Annotated[int, typer.Option("--stride", help="Stride of the spatial conv.")] = 1,
    groups: Annotated[int, typer.Option("--groups", help="Groups of the grouped variant (must divide --in and --out).")] = 2,
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
    _check_output(output, force)
    from lwprof import api
    from lwprof.render import grid as g
    from lwprof.render.export import layer_dict
    from lwprof.render.tables import layer_view

    variants = api.layer_variants(in_channels, out_channels, kernel, size, stride=stride, groups=groups, bias=bias, ratio=ratio, batch=batch)
    _emit(fmt, output, force, view=lambda: layer_view(variants), grids=lambda: g.layer_grid(variants), data=lambda: layer_dict(variants))


@app.command()
@_handles_errors
def check(
    arch: Annotated[str | None, typer.Option("--arch", help="Check only this architecture (default: all).", show_default=False)] = None,
    expect: Annotated[
        str | None,
        typer.Option("--expect", help="Check your own pinned counts and budgets (a TOML file, see lwprof pin) instead of the papers.", show_default=False),
    ] = None,
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
    _check_output(output, force)
    if expect is not None:
        if arch is not None:
            raise LwprofError("--arch filters the paper checks; it does not apply with --expect")
        _check_expect(expect, fmt, output, force)
        return
    try:
        from lwprof.reference.check import run_checks
    except ImportError as exc:
        raise LwprofError(f"paper checks are not available in this installation ({exc})") from None
    from lwprof.render import grid as g
    from lwprof.render.export import check_dict
    from lwprof.render.tables import check_view

    with _progress(_show_progress(fmt), None, "checking against the papers") as step:
        results = run_checks(arch, progress=step)
    _emit(fmt, output, force, view=lambda: check_view(results), grids=lambda: g.check_grid(results), data=lambda: check_dict(results))
    if any(r.status == "fail" for r in results):
        raise typer.Exit(1)


def _check_expect(path: str, fmt: Format, output: str | None, force: bool) -> None:
    import dataclasses

    from lwprof.expect import load, verify
    from lwprof.render.measure_grids import expect_grid
    from lwprof.render.tables import grid_view

    expectations = load(path)
    with _progress(_show_progress(fmt), len(expectations), "checking expectations") as step:
        results = verify(expectations, progress=step)
    grid = expect_grid(results, path)
    data = {"file": path, "results": [dataclasses.asdict(r) for r in results], "passed": all(r.status == "pass" for r in results)}
    _emit(fmt, output, force, view=lambda: grid_view(grid), grids=lambda: grid, data=lambda: data)
    if not data["passed"]:
        raise typer.Exit(1)


@app.command()
@_handles_errors
def pin(
    specs: Annotated[list[str], typer.Argument(help="Models to pin: zoo names with options (mobilenet@alpha=0.5,resolution=160) or user specs (net.py:Net@width=2).", show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="The expectations file to write; an existing one is updated: entries with the same spec are replaced, the rest kept.", show_default=False)],
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
    from lwprof.expect import pin as pin_text
    from lwprof.render.export import check_writable, write_atomic

    check_writable(output, force=True)
    text = pin_text(specs, existing=output, input_size=_input_size(input_size), quantities=tuple(quantity or ("params", "macs", "peak_activation_bytes")))
    typer.echo(f"wrote {write_atomic(output, text, force=True)}", err=True)


@app.command()
@_handles_errors
def bench(
    arch: ArchArg,
    alpha: Alpha = None,
    groups: Groups = None,
    scale: Scale = None,
    width: Width = None,
    ratio: Ratio = None,
    dw_kernel: DwKernel = None,
    conv: Conv = None,
    shuffle: Shuffle = None,
    se: Se = None,
    shallow: Shallow = None,
    resolution: Resolution = None,
    num_classes: NumClasses = None,
    settings: SetOpt = None,
    batch: Batch = 1,
    input_size: InputSize = None,
    kwargs: Kwargs = None,
    warmup: Annotated[int, typer.Option("--warmup", min=0, help="Untimed runs first.", rich_help_panel=RUN_PANEL)] = 5,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs (median and interquartile range reported).", rich_help_panel=RUN_PANEL)] = 20,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="torch threads for the runs (default: torch's).", rich_help_panel=RUN_PANEL, show_default=False)] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Show only the N slowest layers.", rich_help_panel=OUT_PANEL, show_default=False)] = None,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
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
    _check_output(output, force)
    from lwprof.latency import measure
    from lwprof.render.measure_grids import latency_grid
    from lwprof.render.tables import grid_view

    if plot is not None:
        from lwprof.render.plots import check_png_path

        check_png_path(plot)

    options = _arch_options(
        settings, alpha=alpha, groups=groups, scale=scale, width=width, ratio=ratio, dw_kernel=dw_kernel, conv=conv,
        shuffle=shuffle, se=se, shallow=shallow, resolution=resolution, num_classes=num_classes,
    )  # fmt: skip
    if kwargs is not None:
        options["kwargs"] = kwargs
    total = warmup + 2 * repeats
    with _progress(_show_progress(fmt), total, "timing") as step:
        result = measure(arch, _input_size(input_size), batch=batch, warmup=warmup, repeats=repeats, threads=threads, progress=lambda done, _: step(f"run {done}"), **options)
    grid = latency_grid(result, top)
    _emit(fmt, output, force, view=lambda: grid_view(grid), grids=lambda: grid, data=result.to_dict)
    if plot is not None:
        from lwprof.render.plots import plot_roofline

        typer.echo(f"wrote {plot_roofline(result, plot)}", err=True)


def _sweep_axes(settings: Sequence[str] | None, **values: str | None) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Splits sweep options into varied ones (comma lists) and fixed ones (single values)."""
    given = _arch_options(settings, **values)
    axes, fixed = {}, {}
    for key, text in given.items():
        parts = [p.strip() for p in str(text).split(",")]
        if any(not p for p in parts):
            raise LwprofError(f"--{key.replace('_', '-')} {text!r}: empty value in the list")
        if len(parts) > 1:
            axes[key] = parts
        else:
            fixed[key] = parts[0]
    return axes, fixed


@app.command()
@_handles_errors
def sweep(
    arch: ArchArg,
    alpha: Annotated[str | None, typer.Option("--alpha", help="Width multipliers, e.g. 1,0.75,0.5,0.25.", show_default=False)] = None,
    groups: Annotated[str | None, typer.Option("--groups", help="Groups, e.g. 1,2,3,4,8.", show_default=False)] = None,
    scale: Annotated[str | None, typer.Option("--scale", help="Scale factors, e.g. 0.5,1,1.5.", show_default=False)] = None,
    width: Annotated[str | None, typer.Option("--width", help="Width multipliers (ghostnet, MobileNet V2/V3).", show_default=False)] = None,
    ratio: Annotated[str | None, typer.Option("--ratio", help="Ghost ratios, e.g. 2,3,4.", show_default=False)] = None,
    conv: Annotated[str | None, typer.Option("--conv", help="Conv kinds, e.g. standard,dwsep.", show_default=False)] = None,
    resolution: Annotated[str | None, typer.Option("--resolution", help="Resolutions, e.g. 224,192,160,128.", show_default=False)] = None,
    settings: Annotated[list[str] | None, typer.Option("--set", help="KEY=V1,V2 for any other option (repeatable).", show_default=False)] = None,
    batch: Batch = 1,
    quantity: Annotated[str, typer.Option("--quantity", help="What the grid shows: macs, params or latency (needs --bench).")] = "macs",
    with_bench: Annotated[bool, typer.Option("--bench", help="Also measure each variant's latency on this CPU (slow).")] = False,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs per variant with --bench.")] = 10,
    plot: PlotOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """Sweep options given as comma lists: a grid of params, MACs (and latency with --bench).

    Options with one value are fixed; with two varied options the table is a 2-D grid, and
    --plot draws it as a heat map (otherwise a params vs MACs scatter).

    **Examples**

    * `lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128`: Tables 6-7 as one grid.
    * `lwprof sweep shufflenet --groups 1,2,3,4,8 --set shuffle=true,false --quantity params`
    * `lwprof sweep ghostnet --width 0.5,1,1.3 --bench --quantity latency`
    """
    _check_output(output, force)
    from lwprof import api
    from lwprof.render.export import compare_dict
    from lwprof.render.measure_grids import sweep_grid
    from lwprof.render.tables import grid_view

    if plot is not None:
        from lwprof.render.plots import check_png_path

        check_png_path(plot)
    if quantity not in ("macs", "params", "latency"):
        raise LwprofError(f"--quantity {quantity!r}: choose macs, params or latency")
    if quantity == "latency" and not with_bench:
        raise LwprofError("--quantity latency needs --bench")
    axes, fixed = _sweep_axes(settings, alpha=alpha, groups=groups, scale=scale, width=width, ratio=ratio, conv=conv, resolution=resolution)
    if not axes:
        raise LwprofError("nothing to sweep: give at least one option as a comma list, e.g. --alpha 1,0.5")
    count = 1
    for values in axes.values():
        count *= len(values)
    with _progress(_show_progress(fmt), count, "profiling") as step:
        comparison = api.compare(arch, axes, batch=batch, progress=step, **fixed)
    latencies = None
    if with_bench:
        from lwprof.latency import measure

        latencies = {}
        with _progress(_show_progress(fmt), count, "timing") as step:
            for v in comparison.variants:
                step(v.label)
                latencies[v.label] = measure(comparison.arch, batch=batch, warmup=2, repeats=repeats, config=v.config).median_s
    grid = sweep_grid(comparison, quantity, latencies)

    def data() -> dict[str, Any]:
        out = compare_dict(comparison, None)
        if latencies is not None:
            for variant in out["variants"]:
                variant["latency_s"] = latencies[variant["label"]]
        return out

    _emit(fmt, output, force, view=lambda: grid_view(grid), grids=lambda: grid, data=data)
    if plot is not None:
        from lwprof.render.plots import plot_grid, plot_variants

        path = plot_grid(comparison, plot, "params" if quantity == "params" else "macs") if len(axes) == 2 else plot_variants(comparison, plot)
        typer.echo(f"wrote {path}", err=True)


def main() -> None:
    """The ``lwprof`` console script."""
    app()


if __name__ == "__main__":
    main()
