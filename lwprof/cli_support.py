"""What every ``lwprof`` command shares: its flags, errors as one line, stdout for the result only, outputs.

* Flags: the options shared by several commands, and the architecture flags generated from
  the registry. One declaration per architecture option, in the architecture's file;
  :func:`arch_options` turns the registry's merged view
  (:func:`~lwprof.architectures.registry.shared_options`) into one flag each (with ``--set
  KEY=VALUE`` for any of them), so no command repeats them.
* :func:`handles_errors`: an :class:`~lwprof.errors.LwprofError` becomes ``error: <message>``
  on stderr and exit code 2; while a command runs, anything printed (a user model's
  ``print``) goes to stderr, so that stdout carries the result alone.
* :func:`emit`, :func:`targets`, :func:`plot_to`, :func:`exit_on`, :func:`progress`.

Importing this module does not import torch.
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

from lwprof.architectures.registry import shared_options
from lwprof.errors import LwprofError
from lwprof.records import BYTES_PER_ELEMENT
from lwprof.render.console import Format, Output

__all__ = ["arch_options", "emit", "exit_on", "handles_errors", "plot_to", "predictor", "progress", "targets"]

F = TypeVar("F", bound=Callable[..., Any])

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
PredictOpt = Annotated[bool, typer.Option("--predict", help="Add predicted latency on this CPU (from `lwprof calibrate`; nothing is run for it).", rich_help_panel=RUN_PANEL)]
CalibrationOpt = Annotated[
    str | None,
    typer.Option("--calibration", help="Calibration file for predictions (default: this machine's, from `lwprof calibrate`, in ~/.cache/lwprof).", rich_help_panel=RUN_PANEL, show_default=False),
]
ThreadsOpt = Annotated[int | None, typer.Option("--threads", min=1, help="torch threads: what to calibrate, or which calibration to predict with (default: torch's).", rich_help_panel=RUN_PANEL, show_default=False)]
MaxMacs = Annotated[str | None, typer.Option("--max-macs", help="Budget: MACs at most (k, M, G accepted: 300M).", rich_help_panel=RUN_PANEL, show_default=False)]
MaxParams = Annotated[str | None, typer.Option("--max-params", help="Budget: params at most (e.g. 3.5M).", rich_help_panel=RUN_PANEL, show_default=False)]
MaxLatency = Annotated[str | None, typer.Option("--max-latency", help="Budget: predicted latency at most, in ms (15, 15ms or 0.015s).", rich_help_panel=RUN_PANEL, show_default=False)]
VaryRange = Annotated[
    list[str] | None,
    typer.Option("--vary", help="KEY=A:B:STEP (inclusive), KEY=V1,V2,... or KEY=all: an option to search (repeatable). Default: alpha/width, resolution, scale, groups, conv.", rich_help_panel=RUN_PANEL, show_default=False),
]
Objective = enum.Enum("Objective", {"MACS": "macs", "LATENCY": "latency"}, type=str)  # type: ignore[misc]
ObjectiveOpt = Annotated[Objective, typer.Option("--objective", help="macs: the configuration with the most MACs within the budgets; latency: the fastest.", rich_help_panel=RUN_PANEL)]
CalDtype = enum.Enum("CalDtype", {"FP32": "fp32", "BF16": "bf16", "FP16": "fp16"}, type=str)  # type: ignore[misc]
CalDtypeOpt = Annotated[CalDtype, typer.Option("--dtype", help="Element type to measure.", rich_help_panel=RUN_PANEL)]


def arch_options(lists: bool = False) -> Callable[[F], F]:
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


_RESULT_STREAM: list[Any] = []  # the real stdout while a command runs with stdout sent to stderr


def handles_errors(fn: F) -> F:
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


def emit(fmt: Format, out: Output, output: str | None, force: bool) -> None:
    """Prints the result on the real stdout, or writes it atomically to ``output``."""
    from lwprof.render.console import emit as write

    stream = _RESULT_STREAM[-1] if _RESULT_STREAM else sys.stdout
    with contextlib.redirect_stdout(stream):
        path = write(fmt, out, output, force)
    if path:
        typer.echo(f"wrote {path}", err=True)


def targets(output: str | None, force: bool, plot: str | None = None) -> None:
    """Checks every file a command will write before any work (and that they differ)."""
    from lwprof.render.export import check_targets

    check_targets(output, plot, force)


def plot_to(draw: Callable[[str, bool], Any], plot: str | None, force: bool) -> None:
    """Draws with ``draw(path, force)`` when ``--plot`` was given, and says where."""
    if plot is not None:
        typer.echo(f"wrote {draw(plot, force)}", err=True)


def exit_on(failures: Sequence[str]) -> None:
    """Exit code 1 (a budget or expectation failed) after printing each failure on stderr."""
    for line in failures:
        typer.echo(line, err=True)
    if failures:
        raise typer.Exit(1)


def progress(what: str) -> Any:
    """Progress on stderr for long work (:func:`lwprof.render.console.progress`)."""
    from lwprof.render.console import progress as bar

    return bar(what)


def predictor(predict: bool, calibration: str | None, threads: int | None = None, dtype: str = "fp32") -> Callable[[Any], Any] | None:
    """With ``--predict`` (or ``--calibration``): a function profile -> prediction, its calibration
    (for ``threads`` and ``dtype``) loaded now, before any work: a missing one is a one-line
    error. None otherwise."""
    if not predict and calibration is None:
        return None
    from lwprof import api

    cal = api.load_calibration(calibration, threads=threads, dtype=dtype)
    return lambda profile: api.predict(profile, calibration=cal)
