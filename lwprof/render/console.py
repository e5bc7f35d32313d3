"""Where results go: the consoles, progress on long work, and one way to build and deliver a result in every format.

* stdout carries the result only (a table, Markdown, CSV, TSV or JSON); everything else,
  progress and messages, goes to stderr.
* Progress: a rich bar on a terminal; without one (a CI log, a pipe) one plain line to stderr
  every few seconds while the work runs.
* :func:`prepare` builds a result in a format, :func:`deliver` prints it or writes it atomically
  (:func:`~lwprof.render.export.write_atomic`); ``lwprof.cli.support.emit`` uses both.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType

if TYPE_CHECKING:
    from lwprof.render.export import ExportFormat
    from lwprof.render.grid import Grid

__all__ = ["Output", "PLAIN_PROGRESS_EVERY_S", "deliver", "err_console", "prepare", "progress", "stdout_console"]

PLAIN_PROGRESS_EVERY_S = 5.0  # without a terminal: one progress line this often, after this long
MAX_WIDTH = 1000  # the widest console; a larger COLUMNS is taken as this


@dataclass(frozen=True)
class Output:
    """A result, ready for every format: builders, called only for the format asked for.

    Attributes:
        view: The rich renderable (``--format table``).
        grid: The one table for Markdown, CSV and TSV.
        data: The JSON-ready data.

    A format (:func:`lwprof.render.export.register_format`) writes the result from these.
    """

    view: Callable[[], RenderableType]
    grid: Callable[[], Grid]
    data: Callable[[], Any]


def _width(stream: Any = None) -> int:
    """The console width: COLUMNS when it is a number >= 1 (kept within 40..MAX_WIDTH), else
    the terminal's, else 120 (a pipe, a file, tests). Always a number, so that rich does not
    read a COLUMNS of 0 or "abc" itself (a width of 0 prints nothing)."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isascii() and text.isdigit() and int(text) > 0:
        return min(MAX_WIDTH, max(40, int(text)))
    stream = sys.stdout if stream is None else stream
    try:
        if stream.isatty():
            columns = os.get_terminal_size(stream.fileno()).columns
            return max(40, columns) if columns > 0 else 80
    except (AttributeError, OSError, ValueError):
        pass
    return 120


class _Console(Console):
    """A rich console that reports a broken pipe as BrokenPipeError (rich exits with code 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(32, "Broken pipe")


def stdout_console() -> Console:
    return _Console(width=_width(), emoji=False, highlight=False, safe_box=_ascii_only(sys.stdout))


def err_console() -> Console:
    return _Console(stderr=True, width=_width(sys.stderr), emoji=False, highlight=False, safe_box=_ascii_only(sys.stderr))


def _ascii_only(stream: Any) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding in ("ascii", "usascii", "ansix3.41968", "646")


@contextlib.contextmanager
def progress(what: str, enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A progress reporter fed with (label, index, total) before each item.

    On a terminal: a rich bar (a spinner while the total is unknown). Otherwise (a CI log, a
    pipe) one plain line on stderr every :data:`PLAIN_PROGRESS_EVERY_S` seconds while the
    work runs, from a background thread, so that even one long item (a cross-checked
    summary, a benchmark) shows it is alive; work shorter than that prints nothing.
    """
    if not enabled or sys.stderr is None:  # stderr closed: nowhere to show progress
        yield lambda label, index, total: None
        return
    if not _isatty(sys.stderr):
        with _plain_progress(what) as report:
            yield report
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err_console(), transient=True) as bar:
        task = bar.add_task(what, total=None)

        def step(label: str, index: int, total: int) -> None:
            bar.update(task, total=total if total > 1 else None, completed=index, description=f"{what}: {label}")

        yield step


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):  # a closed or odd stream
        return False


@contextlib.contextmanager
def _plain_progress(what: str) -> Iterator[Callable[[str, int, int], None]]:
    """Plain progress lines ("lwprof: timing 12/45: end to end (10 s)"), at most one every
    :data:`PLAIN_PROGRESS_EVERY_S` seconds: when an item starts, and from a background thread
    while one item takes long."""
    stream, every = sys.stderr, PLAIN_PROGRESS_EVERY_S
    start = last = time.monotonic()
    where = ""
    lock = threading.Lock()
    stop = threading.Event()

    def line_if_due() -> None:
        nonlocal last
        with lock:
            now = time.monotonic()
            if now - last >= every:
                last = now
                try:
                    print(f"lwprof: {what}{where} ({now - start:.0f} s)", file=stream, flush=True)
                except (OSError, ValueError):  # stderr closed meanwhile: progress is not worth an error
                    pass

    def report(label: str, index: int, total: int) -> None:
        nonlocal where
        count = f" {index + 1}/{total}" if total > 1 else ""
        where = f"{count}: {label}" if label else count
        line_if_due()

    def beat() -> None:
        while not stop.wait(every):
            line_if_due()

    thread = threading.Thread(target=beat, name="lwprof-progress", daemon=True)
    thread.start()
    try:
        yield report
    finally:
        stop.set()
        thread.join()


def render_text(view: RenderableType, width: int = 120) -> str:
    """A renderable as plain text (no colours), for ``--format table -o FILE``."""
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=False, color_system=None, emoji=False).print(view)
    return buf.getvalue()


def prepare(fmt: ExportFormat, out: Output, to_file: bool) -> Any:
    """Builds the result in ``fmt`` (:func:`lwprof.render.export.choose_format`): text for a
    file or an export, the rich renderable for a table printed on stdout. Everything that can
    fail while building happens here, before anything is written."""
    return fmt.write(out, to_file)


def deliver(content: Any, output: str | None = None, force: bool = False) -> str | None:
    """Prints what :func:`prepare` built on stdout (flushed), or writes it atomically to ``output``.

    Returns:
        The path written, or None when printed.
    """
    if output is not None:
        from lwprof.render.export import write_atomic

        return str(write_atomic(output, content, force))
    if isinstance(content, str):
        sys.stdout.write(content)
    else:
        stdout_console().print(content)
    sys.stdout.flush()
    return None
