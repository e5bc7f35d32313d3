"""Notebook displays: what Jupyter (``_repr_html_``) and rich (``__rich__``) show for lwprof's results.

A :class:`~lwprof.records.ModelProfile` shows its per-layer table and footer, a
:class:`~lwprof.records.Comparison` its variants and MACs by layer type, a
:class:`~lwprof.latency.fit.FitResult` its Pareto front: the same grids the CLI prints.
"""

from __future__ import annotations

from typing import Any

from lwprof.records import Comparison, ModelProfile
from lwprof.render import grid as g
from lwprof.render.html import CSS, esc, grid_html, notes_html

__all__ = ["grids", "html", "rich_view"]

#: Rows shown before a notebook's table scrolls.
SCROLL_ROWS = 30


def grids(obj: Any) -> list[g.Grid]:
    """The grids that display ``obj`` (the first one carries the notes).

    Raises:
        TypeError: ``obj`` is not a profile, a comparison or a fit result.
    """
    if isinstance(obj, ModelProfile):
        return [g.summary_grid(obj)]
    if isinstance(obj, Comparison):
        return [g.compare_grid(obj), g.compare_category_grid(obj)]
    if hasattr(obj, "candidates") and hasattr(obj, "budgets"):
        from lwprof.render.predict_grids import fit_grid

        return [fit_grid(obj)]
    raise TypeError(f"lwprof has no notebook display for {type(obj).__name__}")


def html(obj: Any) -> str:
    """One self-contained HTML fragment: styles, then each grid's title and table, then the notes."""
    parts = [f"<style>{CSS}</style>", '<div class="lwprof">']
    shown = grids(obj)
    for grid in shown:
        scroll = len(grid.rows) > SCROLL_ROWS
        if grid.title:
            parts.append(f'<div class="title">{esc(grid.title)}</div>')
        parts.append(f'<div style="max-height: 32em; overflow-y: auto;">{grid_html(grid)}</div>' if scroll else grid_html(grid))
    parts.append(notes_html(shown[0].notes))
    parts.append("</div>")
    return "".join(parts)


def rich_view(obj: Any) -> Any:
    """The rich renderable the CLI prints for ``obj`` (laid out for the console's width)."""
    from lwprof.render import tables as t

    if isinstance(obj, Comparison):
        return t.compare_view(obj)
    return t.grid_view(grids(obj)[0])
