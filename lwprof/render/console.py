"""Where results go: the consoles, progress on long work, and one ``emit`` for every format.

* stdout carries the result only (a table, Markdown, CSV, TSV or JSON); everything else,
  progress and messages, goes to stderr.
* Progress: a rich bar on a terminal; without one (a CI log, a pipe) one plain line to stderr
  every few seconds while the work runs.
* :func:`emit` prints a result or writes it atomically (:func:`~lwprof.render.export.write_atomic`).
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rich.console import Console, RenderableType

from lwprof.render.export import export_grid, to_json, write_atomic
from lwprof.render.grid import Grid

__all__ = ["Format", "Output", "PLAIN_PROGRESS_EVERY_S", "emit", "err_console", "progress", "stdout_console"]

PLAIN_PROGRESS_EVERY_S = 5.0  # without a terminal: one progress line this often, after this long


class Format(str, enum.Enum):
    """Output formats: a rich table for people, the rest for files and other tools."""

    TABLE = "table"
    MARKDOWN = "markdown"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"


@dataclass(frozen=True)
class Output:
    """A result, ready for every format: builders, called only for the format asked for.

    Attributes:
        view: The rich renderable (``--format table``).
        grid: The one table for Markdown, CSV and TSV.
        data: The JSON-ready data.
    """

    view: Callable[[], RenderableType]
    grid: Callable[[], Grid]
    data: Callable[[], Any]


def _width() -> int | None:
    """The console width: COLUMNS when set (>= 40), the terminal's, else 120 (a pipe, a file, tests)."""
    text = os.environ.get("COLUMNS", "")
    if text.strip().isdigit() and int(text) > 0:
        return max(40, int(text))
    return None if sys.stdout.isatty() else 120


def stdout_console() -> Console:
    return Console(width=_width(), emoji=False, highlight=False, safe_box=_ascii_only(sys.stdout))


def err_console() -> Console:
    return Console(stderr=True, emoji=False, highlight=False, safe_box=_ascii_only(sys.stderr))


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
    if not enabled:
        yield lambda label, index, total: None
        return
    if not sys.stderr.isatty():
        with _plain_progress(what) as report:
            yield report
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err_console(), transient=True) as bar:
        task = bar.add_task(what, total=None)

        def step(label: str, index: int, total: int) -> None:
            bar.update(task, total=total if total > 1 else None, completed=index, description=f"{what}: {label}")

        yield step


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
                print(f"lwprof: {what}{where} ({now - start:.0f} s)", file=stream, flush=True)

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


def emit(fmt: Format, out: Output, output: str | None = None, force: bool = False) -> str | None:
    """Prints a result on stdout, or writes it atomically to ``output``.

    Returns:
        The path written, or None when printed.
    """
    if fmt is Format.TABLE:
        if output is None:
            stdout_console().print(out.view())
            return None
        text = render_text(out.view())
    elif fmt is Format.JSON:
        text = to_json(out.data())
    else:
        text = export_grid(out.grid(), fmt.value)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    return str(write_atomic(output, text, force))

