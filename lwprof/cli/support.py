"""What every ``lwprof`` command shares: its flags, errors as one line, stdout for the result only, outputs.

* Flags: the options shared by several commands, and the architecture flags generated from
  the registry. One declaration per architecture option, in the architecture's file;
  :func:`arch_options` turns the registry's merged view
  (:func:`~lwprof.architectures.registry.shared_options`) into one flag each (with ``--set
  KEY=VALUE`` for any of them), so no command repeats them.
* :class:`LwprofGroup`: the click group under the Typer app (:mod:`lwprof.cli.root`). Every way out of a command line
  is an exit code and at most one line on stderr: a usage error is ``error: <message>`` and
  exit 2 (not click's boxed usage text); Ctrl-C is ``error: interrupted`` and exit 130; a
  closed pipe on stdout (``lwprof check -f csv | head -1``) exits quietly with 141, the code
  of a process ended by SIGPIPE; anything unexpected is one ``error:`` line and exit 2
  (``LWPROF_DEBUG=1`` shows the traceback). ``os._exit`` in user code is one line and exit 2
  too (:func:`lwprof.guards.no_os_exit`); an unreadable OMP_NUM_THREADS or MKL_NUM_THREADS is
  refused by name before torch is imported. Streams that cannot encode a character ('…',
  '±', box drawing) print an ASCII stand-in instead of failing.
* :func:`handles_errors`: an :class:`~lwprof.errors.LwprofError` becomes ``error: <message>``
  on stderr and exit code 2; while a command runs, anything printed (a user model's
  ``print``) goes to stderr, so that stdout carries the result alone.
* :func:`emit` (the result, and the ``--plot`` file: both or neither), :func:`targets`,
  :func:`exit_on`, :func:`progress`.

Importing this module does not import torch.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import enum
import errno
import functools
import gc
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args
from typing import get_args as typing_get_args
from typing import get_origin as typing_get_origin

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from lwprof.architectures import shared_options
from lwprof.errors import LwprofError
from lwprof.guards import check_thread_variables, exit_text, no_os_exit
from lwprof.render.console import Output
from lwprof.units import BYTES_PER_ELEMENT

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "LwprofCommand",
    "LwprofGroup",
    "ModelFlags",
    "arch_options",
    "emit",
    "exit_on",
    "fill_closed_fds",
    "handles_errors",
    "model_options",
    "predictor",
    "progress",
    "quick_imports",
    "targets",
]

F = TypeVar("F", bound=Callable[..., Any])

ARCH_PANEL = "Architecture"
MODEL_PANEL = "Model"
RUN_PANEL = "Profiling"
OUT_PANEL = "Output"
COMMON_OPTIONS = ("alpha", "width", "scale", "resolution", "groups", "conv")  # flags; the rest: --set or ARCH@


def flag(*decls: str, help: str, panel: str = RUN_PANEL, metavar: str | None = None, **kw: Any) -> Any:
    """A typer.Option with lwprof's defaults: a panel, and no default shown unless asked."""
    kw.setdefault("show_default", False)
    return typer.Option(*decls, help=help, rich_help_panel=panel, metavar=metavar, **kw)


def complete_arch(incomplete: str) -> list[str]:
    """Shell completion of a model argument: the zoo's names and aliases (torch is not imported)."""
    from lwprof.architectures import list_architectures

    names = [n for spec in list_architectures() for n in (spec.name, *spec.aliases)]
    return sorted({n for n in names if n.startswith(incomplete.lower())})


ArchArg = Annotated[
    str,
    typer.Argument(
        autocompletion=complete_arch,
        help="A zoo name (lwprof list), e.g. mobilenet@alpha=0.5; a user model net.py:Net; or model.onnx.",
        show_default=False,
        metavar="ARCH",
    ),
]
Fvcore = Annotated[
    bool,
    flag(
        "--fvcore/--no-fvcore", help="Cross-check with fvcore, FlopCounterMode (ONNX: onnx-tool).", show_default=True
    ),
]
Dtype = enum.Enum("Dtype", {k.upper(): k for k in BYTES_PER_ELEMENT}, type=str)  # type: ignore[misc]
DeviceKind = enum.Enum("DeviceKind", {"AUTO": "auto", "META": "meta", "CPU": "cpu"}, type=str)
PlotOpt = Annotated[
    str | None, flag("--plot", help="Also draw a chart (.png, .svg, .pdf).", panel=OUT_PANEL, metavar="FILE")
]


def _format_choice(value: str | None) -> str | None:
    """--format checked against the registered formats (:func:`lwprof.render.export.register_format`)."""
    if value is None:
        return None  # emit picks: -o FILE's suffix, else the table
    from lwprof.render.export import find_format, list_formats

    found = find_format(value)
    if found is None:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(repr(f.name) for f in list_formats())}")
    return found.name


def _complete_format(incomplete: str) -> list[str]:
    from lwprof.render.export import list_formats

    return [f.name for f in list_formats() if f.name.startswith(incomplete.lower())]


FormatOpt = Annotated[
    str | None,
    flag(
        "--format", "-f", help="{formats} [-o suffix, or table]", panel=OUT_PANEL, metavar="FMT",
        callback=_format_choice, autocompletion=_complete_format,
    ),
]  # fmt: skip
OutputOpt = Annotated[
    str | None,
    flag("--output", "-o", help="Write to this file (atomically); - is stdout.", panel=OUT_PANEL, metavar="FILE"),
]
_QUIET = [False]  # -q/--quiet of the command line being run (its callback sets it; every run starts without)


def _set_quiet(value: bool) -> bool:
    _QUIET[0] = bool(value)
    return value


QuietOpt = Annotated[
    bool,
    flag(
        "--quiet", "-q", help="The table only: no notes under it (warnings stay).", panel=OUT_PANEL, callback=_set_quiet
    ),
]
ForceOpt = Annotated[bool, flag("--force", help="Overwrite existing --output and --plot files.", panel=OUT_PANEL)]
PredictOpt = Annotated[bool, flag("--predict", help="Add latency predicted for this CPU.")]
CalibrationOpt = Annotated[
    str | None,
    flag(
        "--calibration",
        help="For --predict (default: this machine's).",
        panel=MODEL_PANEL,
        metavar="FILE",
    ),
]


class Runtime(str, enum.Enum):
    """Where latency is measured: eager PyTorch, or the model exported to ONNX and run on ONNX Runtime."""

    TORCH = "torch"
    ONNXRUNTIME = "onnxruntime"


RuntimeOpt = Annotated[
    Runtime, flag("--runtime", help="torch (eager) or onnxruntime (exported, per fused kernel).", show_default=True)
]
PredictRuntimeOpt = Annotated[
    Runtime | None,
    flag("--runtime", help="--predict for torch (default) or onnxruntime.", metavar="NAME"),
]
ThreadsOpt = Annotated[
    int | None,
    flag(
        "--threads",
        min=1,
        help="torch threads (and their calibration).",
        panel=MODEL_PANEL,
        metavar="N",
    ),
]
MaxMacs = Annotated[str | None, flag("--max-macs", help="Budget: exit 1 above this many MACs (300M).", metavar="N")]
MaxParams = Annotated[
    str | None, flag("--max-params", help="Budget: exit 1 above this many params (3.5M).", metavar="N")
]
MaxLatency = Annotated[
    str | None, flag("--max-latency", help="Budget: predicted latency at most (15ms).", metavar="TIME")
]
VaryRange = Annotated[
    list[str] | None,
    flag(
        "--vary",
        help="KEY=FIRST:LAST:STEP, KEY=V1,V2,... or KEY=all: an option to search (repeatable). Default: alpha/width, "
        "resolution, scale, groups, conv.",
        metavar="KEY=RANGE",
    ),
]
Objective = enum.Enum("Objective", {"MACS": "macs", "LATENCY": "latency"}, type=str)
ObjectiveOpt = Annotated[
    Objective, flag("--objective", help="macs: most MACs in budget; latency: fastest.", show_default=True)
]
CalDtype = enum.Enum("CalDtype", {"FP32": "fp32", "BF16": "bf16", "FP16": "fp16"}, type=str)
CalDtypeOpt = Annotated[CalDtype, flag("--dtype", help="Element type to measure.", show_default=True)]


# --------------------------------------------------------------------------------------------
# The model flags: one declaration for every command that takes a model


@dataclasses.dataclass(frozen=True)
class ModelFlags:
    """The flags every model-taking command has (:func:`model_options`), as given."""

    input_size: tuple[str, ...] = ()
    kwargs: str | None = None
    batch: int = 1
    dtype: str = "fp32"
    threads: int | None = None
    device: str = "auto"
    calibration: str | None = None
    batch_given: bool = False  #: --batch was on the command line (an ONNX graph's fixed batch must equal it)

    @property
    def asked_batch(self) -> int | None:
        """--batch as given, or None when left at its default (an ONNX graph's fixed batch stays)."""
        return self.batch if self.batch_given else None

    @property
    def inputs(self) -> list[str] | None:
        """``--input-size`` as the API takes it (None: the model's own input)."""
        return list(self.input_size) or None

    def unsupported(self, command: str, **why: str) -> None:
        """Refuses, in one line, a flag ``command`` cannot honour when it is given a value other than its default.

        Args:
            command: The command's name, for the message.
            **why: Flag name (``device``) -> what to do instead.
        """
        defaults = ModelFlags()
        for name, reason in why.items():
            value = getattr(self, name)
            if value != getattr(defaults, name):
                shown = " ".join(value) if isinstance(value, tuple) else value
                raise LwprofError(f"lwprof {command} does not take --{name.replace('_', '-')} {shown}: {reason}")


MODEL_FLAGS: dict[str, tuple[Any, Any]] = {  # name -> (annotation, default), in the order --help shows them
    "input_size": (
        list[str] | None,
        flag(
            "--input-size",
            help="One sample's input (repeatable; long:1,128 token ids; value:JSON any value; name=C,H,W keyword).",
            panel=MODEL_PANEL,
            metavar="C,H,W",
        ),
    ),
    "kwargs": (
        str | None,
        flag("--kwargs", help="A user model's arguments (or JSON).", panel=MODEL_PANEL, metavar="K=V,..."),
    ),
    "batch": (int, flag("--batch", min=1, help="Batch size.", panel=MODEL_PANEL, show_default=True)),
    "dtype": (
        Dtype,
        flag("--dtype", help="Element type", panel=MODEL_PANEL, show_default=True),
    ),
    "threads": (int | None, get_args(ThreadsOpt)[1]),
    "device": (
        DeviceKind,
        flag(
            "--device",
            help="auto (meta; CPU if needed), meta or cpu.",
            panel=MODEL_PANEL,
            show_default=True,
        ),
    ),
    "calibration": (str | None, get_args(CalibrationOpt)[1]),
}
_MODEL_DEFAULTS = {
    "input_size": None,
    "kwargs": None,
    "batch": 1,
    "dtype": Dtype("fp32"),  # Dtype.FP32 (its members come from BYTES_PER_ELEMENT)
    "threads": None,
    "device": DeviceKind.AUTO,
    "calibration": None,
}


def model_options(fn: F) -> F:
    """Adds the model flags (:data:`MODEL_FLAGS`) to a command; it gets them as ``model``, a :class:`ModelFlags`."""
    params = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=_MODEL_DEFAULTS[name], annotation=Annotated[kind, info]
        )
        for name, (kind, info) in MODEL_FLAGS.items()
    ]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in MODEL_FLAGS}
        given["input_size"] = tuple(given["input_size"] or ())
        given["dtype"], given["device"] = given["dtype"].value, given["device"].value
        given["batch_given"] = _from_command_line("batch")
        kwargs["model"] = ModelFlags(**given)
        return fn(*args, **kwargs)

    return _with_params(wrapper, fn, "model", params)


def _from_command_line(name: str) -> bool:
    """Whether the flag ``name`` was given (on the command line or from the environment), not defaulted."""
    from typer.main import get_current_context

    try:
        source = get_current_context().get_parameter_source(name)
    except RuntimeError:  # called outside a command line
        source = None
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def _with_params(wrapper: Any, fn: Any, replaced: str, params: list[inspect.Parameter]) -> Any:
    """``wrapper`` with ``fn``'s signature, its parameter ``replaced`` swapped for ``params`` (what Typer reads)."""
    sig = inspect.signature(fn, eval_str=True)
    kept = [p for p in sig.parameters.values() if p.name != replaced]
    positional = [p for p in kept if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    keyword = [p for p in kept if p.kind is inspect.Parameter.KEYWORD_ONLY]
    wrapper.__signature__ = sig.replace(parameters=positional + params + keyword)
    return wrapper


@functools.lru_cache(maxsize=1)
def _option_helps() -> dict[str, set[str]]:
    """Every option's help texts across the architectures, each cut to its first phrase (read once)."""
    from lwprof.architectures import list_architectures

    texts: dict[str, set[str]] = {}
    for spec in list_architectures():
        for o in spec.options():
            first = o.help.split(":")[0].split(";")[0].split(" (")[0].split(" = ")[0].strip()
            texts.setdefault(o.name, set()).add(first)
    return texts


def _arch_help(opt: Any, specs: Sequence[str]) -> str:
    """A short help line for a common architecture flag: what it is, and which architectures have it."""
    texts = _option_helps().get(opt.name, set())
    if isinstance(opt.type, type) and issubclass(opt.type, enum.Enum):
        text = f"{'|'.join(str(k.value) for k in opt.type)}"
    else:
        text = next(iter(texts)) if len(texts) == 1 else opt.name.replace("_", " ")
    if len(opt.archs) == len(specs):
        return text
    others = [s for s in specs if s not in opt.archs]
    return f"{text}; {', '.join(opt.archs)}" if len(opt.archs) <= len(others) else f"{text}; not {', '.join(others)}"


@functools.lru_cache(maxsize=1)
def _shared_options() -> tuple[Any, ...]:
    return tuple(shared_options())  # read once for every command


def arch_options(lists: bool = False) -> Callable[[F], F]:
    """Adds the architecture flags (the common options, hidden flags for the rest, and ``--set``);
    the command gets what was given as ``options``.

    Every option of the registry stays a flag (``--dw-kernel 5`` works), but only
    :data:`COMMON_OPTIONS` are shown in ``--help``: the others are documented by ``lwprof list
    ARCH`` and given as ``ARCH@key=value`` or ``--set key=value``.

    Args:
        lists: Every flag takes a comma list of values (``lwprof sweep``).
    """

    def deco(fn: F) -> F:
        from lwprof.architectures import list_architectures

        options = _shared_options()
        specs = [spec.name for spec in list_architectures()]
        params = []
        for opt in options:
            common = opt.name in COMMON_OPTIONS
            kind: object  # the parameter's type: bool | None or str | None
            if opt.type is bool and not lists:
                decl, kind, metavar = f"{opt.flag}/--no-{opt.flag[2:]}", bool | None, None  # a switch takes no value
            else:
                decl, kind = opt.flag, str | None
                metavar = {"INT": "N", "FLOAT": "X"}.get(opt.metavar, opt.metavar) + (",..." if lists else "")
            help_text = _arch_help(opt, specs) if common else opt.help
            help_text = f"{help_text} (a comma list)" if lists and common else help_text
            info = flag(decl, help=help_text, panel=ARCH_PANEL, metavar=metavar, hidden=not common)
            params.append(
                inspect.Parameter(
                    opt.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[kind, info]
                )
            )
        settings = flag(
            "--set",
            help="Any option (lwprof list ARCH); repeat: --set " + ("shuffle=true,false" if lists else "se=false"),
            panel=ARCH_PANEL,
            metavar="KEY=VALUE",
        )
        params.append(
            inspect.Parameter(
                "settings",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[list[str] | None, settings],
            )
        )
        names = {opt.name for opt in options}

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in _invocation_order(kwargs) if n in names}
            from lwprof.resolve import key_values

            values = {k: v for k, v in given.items() if v is not None}
            values.update(
                key_values(kwargs.pop("settings") or (), "--set", "KEY=VALUE, e.g. --set dw_kernel=5", taken=values)
            )
            kwargs["options"] = values
            return fn(*args, **kwargs)

        return _with_params(wrapper, fn, "options", params)

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


EXIT_USAGE = 2  # bad input, as click's usage errors
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away: 128 + SIGPIPE, as a shell reports it

_RESULT_STREAM: list[Any] = []  # the real stdout while a command runs with stdout sent to stderr


class _BrokenPipe(Exception):
    """The reader of stdout (or stderr) has gone away; exit quietly."""


def handles_errors(fn: F) -> F:
    """One line on stderr and exit 2 for an LwprofError; stdout kept for the result only.

    Also: Ctrl-C is ``error: interrupted`` (exit 130), running out of memory one ``error:``
    line (exit 2), and a broken pipe a quiet exit 141.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_thread_variables()  # before torch is imported: libgomp would print its own line
            with _stdout_to_stderr() as result, no_os_exit():  # a print() in user code must not corrupt --format json
                _RESULT_STREAM.append(result)
                return fn(*args, **kwargs)
        except SystemExit as exc:  # sys.exit or os._exit in user code not turned into an error yet
            _say(f"error: the model called {exit_text(exc)}; lwprof stopped it and wrote nothing")
            raise typer.Exit(EXIT_USAGE) from None
        except LwprofError as exc:
            _say(f"error: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            _say("error: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except MemoryError:
            _say(
                "error: out of memory; set a lower LWPROF_MAX_MEMORY, or use a smaller --resolution, --input-size or "
                "--batch"
            )
            raise typer.Exit(EXIT_USAGE) from None
        except (_BrokenPipe, BrokenPipeError):
            _discard(sys.stdout)
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        finally:
            if _RESULT_STREAM:
                _RESULT_STREAM.pop()

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def quick_imports() -> Any:
    """The block's imports (torch, the first time in a process) with Python's garbage collector paused, and what
    they made frozen after (``gc.freeze``): importing torch makes about 10^6 objects, and each full collection
    that follows scans them all (in ``lwprof summary``, ~0.3 s of collections that free next to nothing). Modules
    live as long as the process; the collector runs as before on everything made later. Where torch is imported
    already (a test run, a notebook), nothing changes."""
    if "torch" in sys.modules or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


@contextlib.contextmanager
def _stdout_to_stderr() -> Any:
    """While a command runs, stdout goes to stderr, at the file descriptor too (a user model's
    ``print``, ``os.system("echo")`` or a C library's printf); yields the stream for the result,
    a copy of the real stdout. In-memory streams (tests) are swapped at the Python level only."""
    out, err = sys.stdout, sys.stderr
    try:
        fd, err_fd = out.fileno(), err.fileno()
        out.flush()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):  # no real descriptors (CliRunner), or one is closed
        with contextlib.redirect_stdout(err):
            yield out
        return
    result = open(saved, "w", encoding=out.encoding, errors=out.errors, closefd=False)  # noqa: SIM115
    try:
        os.dup2(err_fd, fd)
        with contextlib.redirect_stdout(err):
            yield result
    finally:
        with contextlib.suppress(OSError, ValueError):
            result.close()  # normally nothing left to flush: emit flushes what it prints
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()  # what user code left in stdout's buffer goes to stderr too
        os.dup2(saved, fd)
        os.close(saved)


def _say(line: str) -> None:
    """One line on stderr; nothing when stderr is closed or gone."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(" ".join(line.split()) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _discard(stream: Any) -> None:
    """Points ``stream``'s file descriptor at /dev/null, so that flushing what is left in its
    buffer at exit (after EPIPE or ENOSPC) neither fails nor prints "Exception ignored"."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # a test's in-memory stream, or None
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _result_stream() -> Any:
    """The stream the result goes to (the real stdout); an error when it is closed."""
    stream = _RESULT_STREAM[-1] if _RESULT_STREAM else sys.stdout
    if stream is None or getattr(stream, "closed", False):
        raise LwprofError("cannot print the result: stdout is closed; write it to a file with --output FILE")
    return stream


def emit(
    fmt: str | None,
    out: Output,
    output: str | None,
    force: bool,
    plot: str | None = None,
    draw: Callable[[str, bool], Any] | None = None,
) -> None:
    """Prints the result on the real stdout, or writes it atomically to ``output``; with
    ``plot``, also draws the chart with ``draw(path, force)``: both or neither. The format is
    ``fmt``, else the one ``output``'s suffix picks (``-o layers.csv``: csv), else the table.

    The result is built first (anything that fails there fails before a file is touched),
    then the plot is drawn, then the result written; if that last step fails, a plot file this
    call created is removed again, and one it replaced (``--force``) is put back.

    Raises:
        LwprofError: A file or stdout refuses the write (a full disk, a closed stdout).

    With ``-q/--quiet`` a table is printed without the notes under it (warnings and failures stay).
    """
    from lwprof.render.tables import quiet_notes

    with quiet_notes(_QUIET[0]):
        _emit(fmt, out, output, force, plot, draw)


def _emit(
    fmt: str | None,
    out: Output,
    output: str | None,
    force: bool,
    plot: str | None,
    draw: Callable[[str, bool], Any] | None,
) -> None:
    from lwprof.render.console import deliver, prepare
    from lwprof.render.export import choose_format

    output = None if output == "-" else output  # -o -: stdout, as tools do
    content = prepare(choose_format(fmt, output), out, output is not None)
    if output is not None and os.path.abspath(output) == os.devnull:  # -o /dev/null: only the plot is wanted
        output, content = None, None
    drawn = None
    created = False
    before: bytes | None = None  # the plot file --force replaces, to put back if the result fails
    if plot is not None:
        assert draw is not None, "emit(plot=...) needs draw"
        existed = os.path.lexists(plot)
        if existed and force and os.path.isfile(plot):
            with contextlib.suppress(OSError):
                before = Path(plot).read_bytes()
        drawn = draw(plot, force)
        created = not existed
    try:
        if content is None:
            path = None
        elif output is None:
            stream = _result_stream()
            try:
                with contextlib.redirect_stdout(stream):
                    deliver(content)
            except BrokenPipeError:
                raise _BrokenPipe() from None
            except OSError as exc:
                if exc.errno == errno.EPIPE:
                    raise _BrokenPipe() from None
                _discard(stream)
                raise LwprofError(
                    f"cannot print the result: stdout refused it: {exc.strerror or exc}; write it to a file with "
                    "--output FILE"
                ) from None
            except ValueError as exc:  # "I/O operation on closed file"
                raise LwprofError(f"cannot print the result: {exc}; write it to a file with --output FILE") from None
            path = None
        else:
            path = deliver(content, output, force)
    except BaseException:
        if created and drawn is not None:
            with contextlib.suppress(OSError):
                os.unlink(drawn)
        elif before is not None and drawn is not None:
            from lwprof.render.export import write_atomic

            with contextlib.suppress(LwprofError):
                write_atomic(drawn, before, force=True)
        raise
    if path:
        typer.echo(f"wrote {path}", err=True)
    if drawn is not None:
        typer.echo(f"wrote {drawn}", err=True)


def targets(output: str | None, force: bool, plot: str | None = None) -> None:
    """Checks every file a command will write before any work (each can be written, and they
    differ), and that plotting is possible at all."""
    from lwprof.render.export import check_targets

    discard = output == "-" or (output is not None and os.path.abspath(output) == os.devnull)
    check_targets(None if discard else output, plot, force)
    if plot is not None:
        from lwprof.render.plots import _pyplot

        _pyplot()  # matplotlib missing: say so now, not after the work


def exit_on(failures: Sequence[str]) -> None:
    """Exit code 1 (a budget or expectation failed) after printing each failure on stderr."""
    for line in failures:
        typer.echo(line, err=True)
    if failures:
        raise typer.Exit(1)


def show_version(value: bool) -> None:
    """``lwprof --version``."""
    if value:
        from lwprof import __version__

        typer.echo(f"lwprof {__version__}")
        raise typer.Exit()


def timed(comparison: Any, repeats: int) -> dict[str, Any]:
    """Every variant timed end to end (``--bench`` of compare and sweep), with progress."""
    from lwprof import api

    with progress("timing") as step:
        return api.time_variants(comparison, repeats=repeats, progress=step)


def progress(what: str) -> Any:
    """Progress on stderr for long work (:func:`lwprof.render.console.progress`)."""
    from lwprof.render.console import progress as bar

    return bar(what)


def predictor(
    predict: bool,
    calibration: str | None,
    threads: int | None = None,
    dtype: str = "fp32",
    runtime: Runtime | str | None = None,
) -> Callable[[Any], Any] | None:
    """With ``--predict`` (or ``--calibration``): a function profile -> prediction, its calibration
    (for ``runtime``, ``threads`` and ``dtype``) loaded now, before any work: a missing one is a
    one-line error (naming the command that makes it). None otherwise."""
    if not predict and calibration is None:
        if runtime is not None and runtime != Runtime.TORCH:
            name = getattr(runtime, "value", runtime)
            raise LwprofError(f"--runtime {name} chooses --predict's calibration: add --predict")
        return None
    from lwprof import api
    from lwprof.latency.costmodel import CALIBRATED_DTYPES

    if dtype not in CALIBRATED_DTYPES:
        raise LwprofError(
            f"--predict prices {', '.join(CALIBRATED_DTYPES)} (what lwprof calibrate measures), not --dtype {dtype}"
        )

    name = getattr(runtime, "value", runtime)
    if name == "onnxruntime" and dtype != "fp32":
        raise LwprofError(f"--runtime onnxruntime predicts fp32 (the exported graph's type), not --dtype {dtype}")
    cal = api.load_calibration(calibration, threads=threads, dtype=dtype, runtime=name)
    return lambda profile: api.predict(profile, calibration=cal)


# --------------------------------------------------------------------------------------------
# The click group: exit codes and one line for everything that leaves a command line


class LwprofGroup(TyperGroup):
    """The Typer app's click group (``typer.Typer(cls=LwprofGroup)``), so that the console
    script and tests through ``CliRunner.invoke(app)`` behave alike:

    * a click usage error (unknown option, missing argument, invalid value) is one line,
      ``error: <message> (see 'lwprof CMD --help')``, and exit 2; ``--help`` still works;
    * Ctrl-C: ``error: interrupted``, exit 130; a broken pipe: no message, exit 141;
    * any other exception: one ``error:`` line, exit 2 (``LWPROF_DEBUG=1`` re-raises it);
    * stdout and stderr that cannot encode a character print an ASCII stand-in for it.
    """

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from lwprof.cli.helptext import group_help

        formatter.write(group_help(self, ctx))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for param in self.get_params(ctx):
            _PlainValue.install(param)
        return super().parse_args(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code = _guarded(
            lambda: super(LwprofGroup, self).main(
                args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra
            )
        )
        if not standalone_mode:
            return code
        sys.exit(code)


class LwprofCommand(TyperCommand):
    """Every command's click class: ``--help`` as short plain text (:mod:`lwprof.cli.helptext`),
    and plain values (str, int, float, an Enum, lists of them) read without Typer's Pydantic
    adapters (:class:`_PlainValue`), which cost ~0.25 s of start-up."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from lwprof.cli.helptext import command_help

        formatter.write(command_help(self, ctx))

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """Completion, its option descriptions (zsh, fish) with the live help (``--format``'s formats), put back
        after: a command built once and run again (a test, an app embedding lwprof's) still reads the registry then."""
        from lwprof.cli.helptext import live_help

        params = self.get_params(ctx)
        templates = [(p, p.help) for p in params if isinstance(p, TyperOption) and p.help and "{" in p.help]
        for param, template in templates:
            param.help = live_help(template)
        try:
            return list(super().shell_complete(ctx, incomplete))
        finally:
            for param, template in templates:
                param.help = template

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for param in self.get_params(ctx):
            _PlainValue.install(param)
        return super().parse_args(ctx, args)


class _PlainValue:
    """Typer's runtime coercion of one parameter (``_TyperParameter.get_runtime_param``), for the
    plain annotations lwprof uses; anything else keeps Typer's own (set only where Typer has not
    built one). Errors are click's ``BadParameter``: "Invalid value for '--batch': ..."."""

    SIMPLE = (str, int, float, bool)

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation

    @classmethod
    def install(cls, param: Any) -> None:
        if getattr(param, "_runtime_param", False) is not None:
            return  # not a Typer parameter, or already set
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(descriptor, "file_annotation", None) is not None:
            return
        ann = descriptor.annotation
        if typing_get_origin(ann) is list:
            (ann,) = typing_get_args(ann)
        if ann in cls.SIMPLE or (isinstance(ann, type) and issubclass(ann, enum.Enum)):
            param._runtime_param = cls(ann)

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        if multi:
            if isinstance(value, str):
                raise _click().exceptions.BadParameter("Value must be an iterable.", ctx=ctx, param=param)
            return [self._one(v, param, ctx) for v in value]
        return self._one(value, param, ctx)

    def _one(self, value: Any, param: Any, ctx: Any) -> Any:
        bad = _click().exceptions.BadParameter
        ann = self.annotation
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            if isinstance(value, ann):
                return value
            for member in ann:
                if member.value == value:
                    return member
            shown = ", ".join(repr(m.value) for m in ann)
            raise bad(f"{value!r} is not one of {shown}.", ctx=ctx, param=param)
        if ann is str:
            return value if isinstance(value, str) else str(value)
        if ann is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise bad(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
            return text in ("1", "true", "yes", "on")
        try:
            out = ann(value)
        except (TypeError, ValueError):
            raise bad(
                f"{value!r} is not a valid {'integer' if ann is int else 'float'}.", ctx=ctx, param=param
            ) from None
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        if (low is not None and out < low) or (high is not None and out > high):
            bounds = (
                f"{low}<=x<={high}"
                if low is not None and high is not None
                else f"x>={low}"
                if low is not None
                else f"x<={high}"
            )
            raise bad(f"{out} is not in the range {bounds}.", ctx=ctx, param=param)
        return out


def _guarded(run: Callable[[], Any]) -> int:
    """Runs the click command line; returns its exit code, having said at most one line."""
    _QUIET[0] = False
    click = _click()
    _ascii_safe(sys.stdout)
    _ascii_safe(sys.stderr)
    try:
        result = run()
        code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        if sys.stdout is not None and not getattr(sys.stdout, "closed", False):
            sys.stdout.flush()
        return code
    except click.exceptions.NoArgsIsHelpError as exc:
        if sys.stdout is not None:  # no command: the help on stdout (as --help prints it), and exit 2
            sys.stdout.write(exc.format_message().rstrip("\n") + "\n")
            sys.stdout.flush()
        return EXIT_USAGE
    except click.exceptions.UsageError as exc:
        _say(f"error: {_usage_message(exc)}")
        return EXIT_USAGE
    except click.exceptions.ClickException as exc:
        _say(f"error: {exc.format_message()}")
        return exc.exit_code
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):  # rich's answer to a broken pipe (--help | head)
            _discard(sys.stdout)
            return EXIT_BROKEN_PIPE
        raise
    except (_abort(click), KeyboardInterrupt):
        _say("error: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard(sys.stdout)
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _discard(sys.stdout)
            return EXIT_BROKEN_PIPE
        if os.environ.get("LWPROF_DEBUG"):
            raise
        _discard(sys.stdout)
        _say(f"error: {exc.strerror or exc}")
        return EXIT_USAGE
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if os.environ.get("LWPROF_DEBUG"):
            raise
        text = str(exc).strip().splitlines()
        first = text[0] if text else "(no message)"
        _say(f"error: unexpected {type(exc).__name__}: {first} (LWPROF_DEBUG=1 shows where)"[:500])
        return EXIT_USAGE


def _click() -> Any:
    """The click Typer runs on: its vendored copy (typer >= 0.22) or click itself."""
    import typer.core

    return getattr(typer.core, "_click", None) or __import__("click")


def _abort(click: Any) -> type[BaseException]:
    """click's Abort (Ctrl-C at a prompt): in click.exceptions, or typer's own in typer >= 0.22."""
    import typer.core

    abort = getattr(click.exceptions, "Abort", None)
    if abort is not None:
        return abort
    return getattr(typer.core, "Abort", KeyboardInterrupt)


def fill_closed_fds() -> None:
    """Opens /dev/null on a closed stdin, stdout or stderr (``lwprof ... >&-``), so that no file
    opened later takes descriptor 1 and receives what a library prints there. Python has
    already set ``sys.stdout`` to None, which :func:`emit` reports as an error."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one


def _usage_message(exc: Any) -> str:
    """click's message on one line, with where to read the usage: ``... (see 'lwprof summary --help')``."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None and ctx.command.get_help_option(ctx) is not None else "lwprof"
    return f"{message} (see '{path} --help')"


# Characters lwprof prints that an ASCII (or other narrow) stream cannot encode, and what to
# print instead; box drawing characters become -, =, | and +.
_ASCII = {
    "…": "...",
    "±": "+/-",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "→": "->",
    "←": "<-",
    "—": "--",
    "–": "-",
    "·": ".",
    "µ": "u",
    "²": "^2",
    "≈": "~",
    "•": "*",
    "✓": "ok",
    "✗": "x",
}


def _ascii_stand_in(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler "lwprof-ascii": an ASCII stand-in for each character a stream cannot encode."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_ASCII.get(ch) or _box_stand_in(ch) for ch in exc.object[exc.start : exc.end]), exc.end


def _box_stand_in(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    if not name.startswith("BOX DRAWINGS") or " AND " in name:
        return "+" if name.startswith("BOX DRAWINGS") else "?"
    if "HORIZONTAL" in name:
        return "=" if "HEAVY" in name or "DOUBLE" in name else "-"
    return "|" if "VERTICAL" in name else "+"


codecs.register_error("lwprof-ascii", _ascii_stand_in)


def _ascii_safe(stream: Any) -> None:
    """Makes a text stream print a stand-in for characters its encoding lacks (PYTHONIOENCODING=ascii)."""
    encoding = getattr(stream, "encoding", None)
    if not encoding or not hasattr(stream, "reconfigure"):
        return
    try:
        "…±─━│┃".encode(encoding)
    except UnicodeEncodeError:
        with contextlib.suppress(Exception):
            stream.reconfigure(errors="lwprof-ascii")
    except LookupError:
        pass
