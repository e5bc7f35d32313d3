"""Rich tables: a :class:`~lwprof.render.grid.Grid` drawn for a terminal of any width.

Numbers are human-readable here (568.74 M, 16.14 MiB, 12.3 ms); exports keep exact values.
Tables fit the console they are printed on (:class:`GridView` lays itself out when rendered):

* names are never cut: the name column keeps its full width (indentation by depth included);
* columns marked ``wrap`` (formulas, sources) wrap onto several lines;
* when that is not enough, the columns of highest ``priority`` go first (FLOPs, kernel,
  check, shares), and a note under the table says which;
* a pivot grid (one column per variant or sweep value) is split into blocks instead, so no
  value is lost;
* numbers are right-aligned, with one number of decimals per column.

Every function is pure (data in, a rich renderable out), so API users can print them with
their own console::

    from rich.console import Console
    import lwprof
    from lwprof.render import summary_view

    Console().print(summary_view(lwprof.profile("mobilenet"), depth=2))
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from lwprof.records import (
    CheckStatus,
    ColumnKind,
    Comparison,
    LayerComparison,
    ModelProfile,
    Note,
    Severity,
    Verdict,
)
from lwprof.render import grid as g
from lwprof.units import human, human_bytes

__all__ = [
    "STATUS_STYLES",
    "GridView",
    "Layout",
    "by_type_view",
    "cell_text",
    "check_view",
    "column_texts",
    "compare_view",
    "fit_columns",
    "grid_table",
    "grid_view",
    "layer_view",
    "list_view",
    "summary_view",
]

# Colours of the verdicts: the cross-check's and the paper checks' (str enums: a cell's text finds its colour).
STATUS_STYLES = {
    Verdict.OK: "green",
    Verdict.BY_DESIGN: "cyan",
    Verdict.FVCORE_GAP: "yellow",
    Verdict.TORCH_GAP: "yellow",
    Verdict.UNCHECKED: "yellow",
    Verdict.MISMATCH: "bold red",
    Verdict.NA: "dim",
    CheckStatus.PASS: "green",
    CheckStatus.FAIL: "bold red",
    CheckStatus.KNOWN_GAP: "yellow",
}

WRAP_MIN = 16  # a wrapping column is not squeezed below this (unless its text is shorter)
SIGNIFICANT = 3  # digits of the largest value in a column of times or floats


# --------------------------------------------------------------------------------------------
# Cells


def decimals_for(values: Iterable[float], kind: str) -> int:
    """One number of decimals for a column of times (ms) or floats.

    The largest value gets :data:`SIGNIFICANT` significant digits; milliseconds keep 1 to 3
    decimals (335.8, 34.0; 2.50, 0.01; 0.200, 0.005), other floats 2 to 4 (4.49, 0.45).
    """
    top = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    low, high = (1, 3) if kind == ColumnKind.MS else (2, 4)
    if top <= 0:
        return low
    wanted = SIGNIFICANT - (math.floor(math.log10(top)) + 1)
    return max(low, min(high, wanted))


def _median_ms(value: Any) -> float:
    return value.median_s * 1e3 if hasattr(value, "median_s") else float(value)


def cell_text(value: Any, kind: str, decimals: int | None = None) -> str:
    """One cell for a terminal.

    Counts as 3.47 M, bytes as 16.14 MiB, shares as 12.3%, ratios as 0.273x, milliseconds
    and floats with ``decimals`` (default: :func:`decimals_for` the value alone); a timing
    (anything with ``median_s`` and ``iqr_s``) as "median (IQR)" in ms; a
    :class:`~lwprof.render.grid.Cell` as its text.
    """
    if isinstance(value, g.Cell):
        return value.text
    if value is None:
        return "-"
    if kind == ColumnKind.COUNT:
        return human(value)
    if kind == ColumnKind.BYTES:
        return human_bytes(value)
    if kind == ColumnKind.SHARE:
        return f"{100 * value:.1f}%"
    if kind == ColumnKind.RATIO:
        return f"{value:.3f}x"
    if kind in (ColumnKind.MS, ColumnKind.FLOAT):
        d = decimals if decimals is not None else decimals_for([_median_ms(value)], kind)
        if hasattr(value, "iqr_s"):
            return f"{value.median_s * 1e3:.{d}f} ({value.iqr_s * 1e3:.{d}f})"
        return f"{value:.{d}f}"
    return str(value)


def column_texts(grid: g.Grid) -> list[list[str]]:
    """Per column of the grid, the text of every row and then of the total (if any).

    The first column shows ``grid.display`` when given (names indented by depth); a
    ``group`` column is blank where a row repeats the row above (under the same heading);
    times and floats share one number of decimals per column.
    """
    rows = list(grid.rows) + ([grid.total] if grid.total is not None else [])
    out = []
    for j, col in enumerate(grid.columns):
        values = [row[j] for row in rows]
        decimals = None
        if col.kind in (ColumnKind.MS, ColumnKind.FLOAT):
            decimals = decimals_for([_median_ms(v) for v in values if v is not None and not isinstance(v, g.Cell)], col.kind)
        texts = [cell_text(v, col.kind, decimals) for v in values]
        if j == 0 and grid.display is not None:
            texts[: len(grid.display)] = grid.display
        if col.group:  # blank where the row above says the same under the same heading
            starts = heading_rows(grid)
            shown, previous = [], None
            for i, text in enumerate(texts):
                shown.append("" if i < len(grid.rows) and i not in starts and text == previous else text)
                previous = text
            texts = shown
        out.append(texts)
    return out


# --------------------------------------------------------------------------------------------
# Layout


def _overhead(columns: int) -> int:
    """Width taken by borders and padding: "│ " before each column, " " after, a final "│"."""
    return 3 * columns + 1


def _longest_word(texts: Iterable[str]) -> int:
    return max((len(w) for t in texts for w in t.split()), default=0)


def _widest(texts: Iterable[str]) -> int:
    return max((len(line) for t in texts for line in t.splitlines() or [""]), default=0)


@dataclass(frozen=True)
class Layout:
    """How a grid's columns fit a width.

    Attributes:
        shown: Indices (into ``grid.columns``) of the columns drawn, in order.
        widths: Their content widths.
        hidden: Headers of the columns left out for lack of width.
        fold: The name column is wrapped too (even the essential columns do not fit on one line).
    """

    shown: tuple[int, ...]
    widths: tuple[int, ...]
    hidden: tuple[str, ...] = ()
    fold: bool = False


def _header_min(header: str, lines: int = 2) -> int:
    """The narrowest width at which ``header`` wraps (at spaces) onto at most ``lines`` lines."""
    words = header.split()
    for width in range(max((len(w) for w in words), default=0), len(header) + 1):
        used, count = 0, 1
        for w in words:
            if used and used + 1 + len(w) > width:
                count, used = count + 1, len(w)
            else:
                used = used + 1 + len(w) if used else len(w)
        if count <= lines:
            return width
    return len(header)


def _bounds(col: g.Column, texts: Sequence[str]) -> tuple[int, int]:
    """(smallest, natural) content width of a column: headers may wrap at spaces onto two
    lines; cells wrap only in ``wrap`` columns."""
    natural = max(len(col.header), _widest(texts))
    header = _header_min(col.header)
    if col.wrap:
        return max(header, min(_widest(texts), max(_longest_word(texts), WRAP_MIN))), natural
    return max(header, _widest(texts)), natural


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes wrapped at spaces into ``width`` (a longer word folds)."""
    total = 0
    for para in text.splitlines() or [""]:
        lines, used = 1, 0
        for word in para.split():
            if used and used + 1 + len(word) <= width:
                used += 1 + len(word)
                continue
            if used:
                lines, used = lines + 1, 0
            while len(word) > width:
                lines, word = lines + 1, word[width:]
            used = len(word)
        total += lines
    return total


_BREAK_AFTER = re.compile(r"(?<=[,@/:.=_ ])")


def _break_name(text: str, width: int) -> str:
    """A name too wide for its column, broken into lines of at most ``width`` after
    punctuation ("mobilenet@alpha=0.5," / "resolution=160"); a longer piece is folded."""
    lines = [""]
    for piece in _BREAK_AFTER.split(text):
        while len(piece) > width:
            if lines[-1]:
                lines.append("")
            lines[-1], piece = piece[:width], piece[width:]
            lines.append("")
        if len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(line.rstrip() for line in lines if line)


def _wrap(text: str, width: int, fold: bool = False) -> str:
    """``text`` wrapped at spaces into lines of at most ``width``; a longer word stays whole,
    or with ``fold`` is split across lines."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
            continue
        while fold and len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        lines.append(word)
    return "\n".join(lines)


class _Height:
    """Lines a table takes for given column widths: header, rows and heading rows.

    Per column, the line counts of its header and (for a wrapping column) of every cell are
    tabulated for each width between its smallest and natural width, so trying widths costs
    lookups only. Heading rows are drawn in the first column.
    """

    def __init__(self, columns: Sequence[g.Column], texts: Sequence[Sequence[str]], bounds: dict[int, tuple[int, int]], shown: Sequence[int], headings: Sequence[str]) -> None:
        self.shown = list(shown)
        self.first = self.shown[0]
        self.rows = max(len(texts[i]) for i in self.shown)
        self.header: dict[tuple[int, int], int] = {}
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.headings: dict[int, int] = {}
        for i in self.shown:
            for w in range(bounds[i][0], bounds[i][1] + 1):
                self.header[i, w] = _lines(columns[i].header, w)
                if columns[i].wrap:
                    self.cells[i, w] = [_lines(t, w) for t in texts[i]]
                if i == self.first:
                    self.headings[w] = sum(_lines(h, w) for h in headings)

    def __call__(self, widths: dict[int, int]) -> int:
        header = max(self.header[i, widths[i]] for i in self.shown)
        wrapped = [self.cells[i, widths[i]] for i in self.shown if (i, widths[i]) in self.cells]
        body = sum(map(max, zip(*wrapped))) if wrapped else self.rows
        return header + body + self.headings[widths[self.first]]


def fit_columns(columns: Sequence[g.Column], texts: Sequence[Sequence[str]], width: int, headings: Sequence[str] = ()) -> Layout:
    """Chooses the columns that fit ``width`` and their widths.

    Columns of the highest ``priority`` are dropped first (the last of equals first) until
    the rest fit with headers wrapped onto two lines and ``wrap`` columns wrapped; priority 0
    is never dropped. Spare width then goes, a step at a time, where it saves the most lines
    per character (header lines, wrapped cells, heading rows ``headings`` drawn in the first
    column); what is left unwraps whole headers, left to right. If even the essential columns
    are too wide, the name column wraps as well.
    """
    candidates = [i for i, c in enumerate(columns) if c.in_table]
    bounds = {i: _bounds(columns[i], texts[i]) for i in candidates}
    if headings:  # the first column may widen to fit its heading rows on one line
        low, high = bounds[candidates[0]]
        bounds[candidates[0]] = (low, max(high, _widest(headings)))
    shown = list(candidates)
    hidden: list[int] = []

    def need(cols: Sequence[int]) -> int:
        return sum(bounds[i][0] for i in cols) + _overhead(len(cols))

    while need(shown) > width:
        droppable = [i for i in shown if columns[i].priority > 0]
        if not droppable:
            break
        worst = max(droppable, key=lambda i: (columns[i].priority, i))
        shown.remove(worst)
        hidden.append(worst)
    widths = {i: bounds[i][0] for i in shown}
    spare = width - need(shown)
    for i in sorted((i for i in shown if columns[i].wrap), key=lambda i: -widths[i]):
        if spare >= 0:
            break
        # Still too wide: wrapping columns give up width down to their longest word first.
        floor = max(_header_min(columns[i].header), _longest_word(texts[i]))
        give = min(widths[i] - floor, -spare)
        if give > 0:
            widths[i] -= give
            spare += give
            bounds[i] = (widths[i], bounds[i][1])
    if spare < 0:  # the essential columns alone are too wide: wrap the name column too
        first = shown[0]
        widths[first] = max(4, widths[first] + spare)
        return Layout(tuple(shown), tuple(widths[i] for i in shown), tuple(columns[i].header for i in sorted(hidden)), True)
    height = _Height(columns, texts, bounds, shown, headings)
    current = height(widths)
    while spare > 0:
        best: tuple[float, int, int] | None = None  # (lines saved per character, -column, step)
        for i in shown:
            for step in range(1, min(spare, bounds[i][1] - widths[i]) + 1):
                saved = current - height({**widths, i: widths[i] + step})
                if saved > 0:
                    if best is None or (saved / step, -i) > best[:2]:
                        best = (saved / step, -i, step)
                    break
        if best is None:
            break
        i, step = -best[1], best[2]
        widths[i] += step
        spare -= step
        current = height(widths)
    for i in shown:  # headers back on one line (a whole header or nothing), left to right
        give = bounds[i][1] - widths[i]
        if not columns[i].wrap and 0 < give <= spare:
            widths[i] += give
            spare -= give
    return Layout(tuple(shown), tuple(widths[i] for i in shown), tuple(columns[i].header for i in sorted(hidden)), False)


def _blocks(columns: Sequence[g.Column], texts: Sequence[Sequence[str]], width: int) -> list[Layout]:
    """A pivot grid in blocks of columns: the first column, then as many others as fit."""
    candidates = [i for i, c in enumerate(columns) if c.in_table]
    first, rest = candidates[0], candidates[1:]
    blocks: list[list[int]] = [[]]
    for i in rest:
        trial = [first, *blocks[-1], i]
        trial_layout = fit_columns([columns[j] for j in trial], [texts[j] for j in trial], width)
        if blocks[-1] and (trial_layout.hidden or trial_layout.fold):
            blocks.append([])
        blocks[-1].append(i)
    layouts = []
    for block in blocks:
        cols = [first, *block]
        lay = fit_columns([columns[j] for j in cols], [texts[j] for j in cols], width)
        layouts.append(Layout(tuple(cols[k] for k in lay.shown), lay.widths, lay.hidden, lay.fold))
    return layouts


def heading_rows(grid: g.Grid) -> dict[int, str]:
    """The heading rows of a grid with ``heading`` columns: {row index: text} where the
    heading changes (the text drawn above that row)."""
    columns = [j for j, c in enumerate(grid.columns) if c.heading]
    out: dict[int, str] = {}
    previous: str | None = None
    for r, row in enumerate(grid.rows if columns else ()):
        text = " / ".join(cell_text(row[j], grid.columns[j].kind) for j in columns)
        if text != previous:
            out[r] = text
        previous = text
    return out


def _table(grid: g.Grid, texts: Sequence[Sequence[str]], layout: Layout) -> Table:
    table = Table(header_style="bold")
    for i, w in zip(layout.shown, layout.widths):
        col = grid.columns[i]
        # Every cell of a column that does not wrap fits its width (fit_columns made sure): its
        # header is wrapped here and its cells are not (which also keeps rich fast).
        header = col.header if col.wrap else _wrap(col.header, w)
        table.add_column(header, justify="right" if col.numeric else "left", width=w, no_wrap=not col.wrap, overflow="fold")
    n = len(grid.rows)
    headings = heading_rows(grid)
    for r in range(n + (grid.total is not None)):
        if r in headings:
            text = _wrap(headings[r], layout.widths[0], fold=True)
            table.add_row(Text(text, style="bold"), *[""] * (len(layout.shown) - 1))
        cells = []
        for i in layout.shown:
            text, col = texts[i][r], grid.columns[i]
            if layout.fold and i == layout.shown[0] and len(text) > layout.widths[0]:
                text = _break_name(text, layout.widths[0])  # the name column had to wrap too
            cells.append(Text(text, style=STATUS_STYLES.get(text, "") if col.kind == ColumnKind.STATUS else ""))
        if r == n:
            table.add_row(*cells, style="bold")
        else:
            table.add_row(*cells, end_section=grid.total is not None and r == n - 1)
    return table


def hidden_note(hidden: Sequence[str], width: int) -> Note:
    """The line that says which columns a narrow terminal left out."""
    them = "it" if len(hidden) == 1 else "them"
    return Note(Severity.CONVENTION, f"Not shown at {width} columns: {', '.join(hidden)} (a wider terminal shows {them}; so do --format csv and json)")


class GridView:
    """A grid laid out for the console it is printed on: title, table(s), then notes.

    Args:
        grid: The table as data.
        notes: Print the grid's notes under the table.
        pivot: Split the columns after the first into blocks that fit, instead of dropping
            any (a row per layer type and a column per variant, a sweep's 2-D grid).
    """

    def __init__(self, grid: g.Grid, *, notes: bool = True, pivot: bool = False) -> None:
        self.grid = grid
        self.notes = notes
        self.pivot = pivot

    def layouts(self, width: int) -> list[Layout]:
        """The layout(s) at ``width`` (one per block for a pivot grid)."""
        texts = column_texts(self.grid)
        if self.pivot and len(self.grid.columns) > 2:
            return _blocks(self.grid.columns, texts, width)
        return [fit_columns(self.grid.columns, texts, width, list(heading_rows(self.grid).values()))]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        texts = column_texts(self.grid)
        if self.grid.title:
            yield Text(self.grid.title, style="table.title")
        layouts = self.layouts(width)
        for k, layout in enumerate(layouts):
            if k:
                yield Text("")
            yield _table(self.grid, texts, layout)
        hidden = [h for layout in layouts for h in layout.hidden]
        if hidden and not _QUIET.get():
            yield notes_text([hidden_note(hidden, width)])
        if self.notes and self.grid.notes and notes_text(self.grid.notes).plain:
            yield notes_text(self.grid.notes)


def grid_table(grid: g.Grid, width: int = 200) -> Table:
    """The rich ``Table`` of a grid laid out for ``width`` columns (without title or notes)."""
    texts = column_texts(grid)
    return _table(grid, texts, fit_columns(grid.columns, texts, width))


_SEVERITY_STYLES = {Severity.CONVENTION: "dim", Severity.INFO: "", Severity.WARNING: "bold red", Severity.FAILURE: "bold red"}


_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("lwprof_quiet", default=False)


@contextlib.contextmanager
def quiet_notes(on: bool = True) -> Iterator[None]:
    """While on, tables print no notes under them but warnings and failures (``-q/--quiet``)."""
    token = _QUIET.set(on)
    try:
        yield
    finally:
        _QUIET.reset(token)


def notes_text(notes: Sequence[Note]) -> Text:
    """The lines under a table, styled by severity (warnings and failures in red)."""
    if _QUIET.get():
        notes = [n for n in notes if n.severity in (Severity.WARNING, Severity.FAILURE)]
    text = Text()
    for i, note in enumerate(notes):
        text.append(note.text, style=_SEVERITY_STYLES.get(note.severity, ""))
        if i < len(notes) - 1:
            text.append("\n")
    return text


def grid_view(grid: g.Grid, *, pivot: bool = False) -> RenderableType:
    """A grid's title, table and notes, fitted to the console's width."""
    return GridView(grid, pivot=pivot)


def summary_view(profile: ModelProfile, depth: int | None = None, published: Any = None) -> RenderableType:
    """``lwprof summary``: the per-layer table and its footer."""
    return grid_view(g.summary_grid(profile, depth, published))


def by_type_view(profile: ModelProfile, published: Any = None) -> RenderableType:
    """``lwprof summary --by-type``: totals by layer category and the footer."""
    return grid_view(g.by_type_grid(profile, published))


def compare_view(comparison: Comparison, published: Sequence[Any] | None = None, latencies: Any = None) -> RenderableType:
    """``lwprof compare``: the variants, then MACs by layer type per variant (in blocks of
    variants on a narrow terminal), then the notes."""
    main = g.compare_grid(comparison, published, latencies)
    return Group(GridView(main, notes=False), Text(""), GridView(g.compare_category_grid(comparison), pivot=True), notes_text(main.notes))


def layer_view(variants: LayerComparison) -> RenderableType:
    """``lwprof layer``: one row per realisation of a conv, and eq. 5's prediction."""
    return grid_view(g.layer_grid(variants))


def check_view(results: Sequence[Any], *, problems_only: bool = False) -> RenderableType:
    """``lwprof check``: published numbers against computed ones (``problems_only``: the
    summary line and the checks that did not pass)."""
    return grid_view(g.check_grid(results, problems_only=problems_only))


def list_view(specs: Sequence[Any]) -> RenderableType:
    """``lwprof list``: one table of options per architecture, with its paper."""
    parts: list[RenderableType] = []
    for i, spec in enumerate(specs):
        if i:
            parts.append(Text(""))
        parts.append(grid_view(g.arch_grid(spec)))
    return Group(*parts)
