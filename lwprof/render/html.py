"""Grids as HTML: the tables of notebook displays and of ``lwprof report``.

Pure functions of a :class:`~lwprof.render.grid.Grid` (no torch): cells show the terminal's
human-readable text (3.47 M), with the exact value in the ``title`` (hover) and in
``data-v`` (what a sortable table sorts by). Everything is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from lwprof.records import Note, Severity
from lwprof.render import grid as g
from lwprof.render.export import export_cell
from lwprof.render.tables import column_texts

__all__ = ["CSS", "esc", "grid_html", "notes_html"]

#: The style of every lwprof HTML table (notebook and report), scoped to ``.lwprof``.
CSS = """
.lwprof { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 13px; color: #1b1f24; }
.lwprof table.lw { border-collapse: collapse; margin: 4px 0 8px 0; }
.lwprof table.lw th, .lwprof table.lw td { padding: 2px 8px; border-bottom: 1px solid #e4e7eb; white-space: nowrap; }
.lwprof table.lw th { background: #f3f5f7; text-align: left; position: sticky; top: 0; }
.lwprof table.lw td.num, .lwprof table.lw th.num { text-align: right; font-variant-numeric: tabular-nums; }
.lwprof table.lw tr.total td { font-weight: 600; border-top: 2px solid #9aa4ae; }
.lwprof .title { font-weight: 600; margin: 6px 0 2px 0; }
.lwprof ul.notes { margin: 2px 0 8px 0; padding-left: 18px; color: #4a535c; }
.lwprof ul.notes li.warning, .lwprof ul.notes li.failure { color: #b3261e; font-weight: 600; }
.lwprof ul.notes li.convention { color: #7a848e; }
.lwprof .v-MISMATCH, .lwprof .v-fail { color: #b3261e; font-weight: 600; }
.lwprof .v-ok, .lwprof .v-pass { color: #1e7d32; }
"""


def esc(value: Any) -> str:
    """Text for HTML, quotes included."""
    return html.escape(str(value), quote=True)


def _sort_value(value: Any, kind: str) -> str:
    text = export_cell(value, kind)
    return text if text else ""


def grid_html(grid: g.Grid, *, table_id: str = "", row_attrs: Sequence[dict[str, Any]] | None = None, total: bool = True, exact: bool = True) -> str:
    """One ``<table class="lw">`` of a grid's rich-table columns (its notes apart: :func:`notes_html`).

    Args:
        grid: The table.
        table_id: The table's ``id`` (for scripts); none when empty.
        row_attrs: Per row, extra ``data-*`` attributes (``{"depth": 2}`` -> ``data-depth="2"``).
        total: Add the grid's total row (in ``<tfoot>``, so sorting leaves it last).
        exact: Give numeric cells their exact value as ``title`` and ``data-v``.
    """
    texts = column_texts(grid)
    shown = [j for j, c in enumerate(grid.columns) if c.in_table]
    head = "".join(
        f'<th class="{"num" if grid.columns[j].numeric else "txt"}" data-col="{k}" data-kind="{esc(grid.columns[j].kind)}">{esc(grid.columns[j].header)}</th>'
        for k, j in enumerate(shown)
    )
    ident = f' id="{esc(table_id)}"' if table_id else ""
    out = [f'<table class="lw"{ident}><thead><tr>{head}</tr></thead><tbody>']

    def row_html(values: Sequence[Any], i: int, attrs: dict[str, Any] | None, cls: str = "") -> str:
        cells = []
        for j in shown:
            col = grid.columns[j]
            text = texts[j][i]
            klass = "num" if col.numeric else "txt"
            if col.kind == "status":
                klass += f" v-{esc(str(values[j]).replace(' ', '_'))}"
            extra = ""
            if exact and col.numeric and values[j] is not None:
                exact_text = _sort_value(values[j], col.kind)
                extra = f' data-v="{esc(exact_text)}" title="{esc(exact_text)}"'
            elif not col.numeric:
                extra = f' data-v="{esc(export_cell(values[j], col.kind))}"'
            if j == 0 and text.startswith(" "):  # a name indented by depth: as padding, which HTML keeps
                indent = len(text) - len(text.lstrip(" "))
                text, extra = text.lstrip(" "), extra + f' style="padding-left: {0.5 + 0.6 * indent:.1f}em"'
            cells.append(f'<td class="{klass}"{extra}>{esc(text)}</td>')
        data = "".join(f' data-{esc(k)}="{esc(v)}"' for k, v in (attrs or {}).items())
        klass = f' class="{cls}"' if cls else ""
        return f"<tr{klass}{data}>{''.join(cells)}</tr>"

    for i, values in enumerate(grid.rows):
        out.append(row_html(values, i, row_attrs[i] if row_attrs else None))
    out.append("</tbody>")
    if total and grid.total is not None:
        out.append("<tfoot>" + row_html(grid.total, len(grid.rows), None, "total") + "</tfoot>")
    out.append("</table>")
    return "".join(out)


def notes_html(notes: Sequence[Note]) -> str:
    """The lines under a table as a list, classed by severity (warnings and failures in red)."""
    if not notes:
        return ""
    items = "".join(f'<li class="{esc(n.severity if isinstance(n, Note) else Severity.INFO)}">{esc(n)}</li>' for n in notes)
    return f'<ul class="notes">{items}</ul>'
