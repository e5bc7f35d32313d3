"""Rich tables: a :class:`~lwprof.render.grid.Grid` drawn for a terminal.

Numbers are human-readable here (568.74 M); exports keep exact integers. Every function is
pure (data in, a rich renderable out), so API users can print them with their own console::

    from rich.console import Console
    import lwprof
    from lwprof.render import summary_view

    Console().print(summary_view(lwprof.profile("mobilenet"), depth=2))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from lwprof.records import Comparison, LayerComparison, ModelProfile, Note, Severity
from lwprof.render import grid as g
from lwprof.units import human

__all__ = [
    "STATUS_STYLES",
    "by_type_view",
    "cell_text",
    "check_view",
    "compare_view",
    "grid_table",
    "grid_view",
    "layer_view",
    "list_view",
    "summary_view",
]

# Colours of the verdicts: cross-check (ok / by design / MISMATCH / n/a) and paper checks.
STATUS_STYLES = {
    "ok": "green",
    "by design": "cyan",
    "fvcore gap": "yellow",
    "FlopCounterMode gap": "yellow",
    "unchecked": "yellow",
    "MISMATCH": "bold red",
    "n/a": "dim",
    "pass": "green",
    "fail": "bold red",
    "known gap": "yellow",
}


def cell_text(value: Any, kind: str) -> str:
    """One cell for a terminal: counts as 3.47 M, shares as 12.3%, ratios as 0.273x."""
    if value is None:
        return "-"
    if kind == "count":
        return human(value)
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "ratio":
        return f"{value:.3f}x"
    if kind == "float":
        return f"{value:.4g}"
    return str(value)


def grid_table(grid: g.Grid, *, title: bool = True) -> Table:
    """The rich ``Table`` of a grid: numbers right-aligned, verdicts coloured, total apart."""
    table = Table(title=grid.title if title else None, title_justify="left", header_style="bold")
    for col in grid.columns:
        table.add_column(col.header, justify="right" if col.numeric else "left", no_wrap=col.kind != "text")
    for i, row in enumerate(grid.rows):
        cells = _cells(grid, row)
        if grid.display is not None:
            cells[0] = Text(grid.display[i])
        table.add_row(*cells, end_section=grid.total is not None and i == len(grid.rows) - 1)
    if grid.total is not None:
        table.add_row(*_cells(grid, grid.total), style="bold")
    return table


def _cells(grid: g.Grid, row: Sequence[Any]) -> list[Text]:
    out = []
    for col, value in zip(grid.columns, row):
        text = cell_text(value, col.kind)
        out.append(Text(text, style=STATUS_STYLES.get(text, "") if col.kind == "status" else ""))
    return out


_SEVERITY_STYLES = {Severity.CONVENTION: "dim", Severity.INFO: "", Severity.WARNING: "bold red", Severity.FAILURE: "bold red"}


def notes_text(notes: Sequence[Note]) -> Text:
    """The lines under a table, styled by severity (warnings and failures in red)."""
    text = Text()
    for i, note in enumerate(notes):
        text.append(note.text, style=_SEVERITY_STYLES.get(note.severity, ""))
        if i < len(notes) - 1:
            text.append("\n")
    return text


def grid_view(grid: g.Grid) -> RenderableType:
    """A grid's table followed by its notes."""
    if not grid.notes:
        return grid_table(grid)
    return Group(grid_table(grid), notes_text(grid.notes))


def summary_view(profile: ModelProfile, depth: int | None = None, published: Any = None) -> RenderableType:
    """``lwprof summary``: the per-layer table and its footer."""
    return grid_view(g.summary_grid(profile, depth, published))


def by_type_view(profile: ModelProfile, published: Any = None) -> RenderableType:
    """``lwprof summary --by-type``: totals by layer category and the footer."""
    return grid_view(g.by_type_grid(profile, published))


def compare_view(comparison: Comparison, published: Sequence[Any] | None = None) -> RenderableType:
    """``lwprof compare``: the variants, then MACs by layer type per variant."""
    main = g.compare_grid(comparison, published)
    return Group(grid_table(main), Text(""), grid_table(g.compare_category_grid(comparison)), notes_text(main.notes))


def layer_view(variants: LayerComparison) -> RenderableType:
    """``lwprof layer``: one row per realisation of a conv, and eq. 5's prediction."""
    return grid_view(g.layer_grid(variants))


def check_view(results: Sequence[Any]) -> RenderableType:
    """``lwprof check``: published numbers against computed ones."""
    return grid_view(g.check_grid(results))


def list_view(specs: Sequence[Any]) -> RenderableType:
    """``lwprof list``: one table of options per architecture, with its paper."""
    parts: list[RenderableType] = []
    for i, spec in enumerate(specs):
        if i:
            parts.append(Text(""))
        parts.append(grid_view(g.arch_grid(spec)))
    return Group(*parts)
