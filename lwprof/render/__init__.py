"""Rendering: records in, rich tables or text out. Nothing here computes a count.

* :mod:`lwprof.render.grid`: tables as plain data (raw cells, column kinds, notes);
* :mod:`lwprof.render.tables`: rich renderables with human-readable numbers, laid out for the
  width of the console they are printed on;
* :mod:`lwprof.render.export`: Markdown, CSV, TSV and JSON with exact integers, and
  :func:`~lwprof.render.export.write_atomic`.

Only this package and :mod:`lwprof.cli` import rich; none of it imports torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    **dict.fromkeys(["check_writable", "export_grid", "to_delimited", "to_json", "to_markdown", "write_atomic"], "export"),
    **dict.fromkeys(["Column", "Grid", "by_type_grid", "compare_category_grid", "compare_grid", "layer_grid", "summary_grid"], "grid"),
    **dict.fromkeys(
        ["GridView", "check_view", "compare_view", "grid_table", "grid_view", "layer_view", "list_view", "summary_view"],
        "tables",
    ),
}


def __getattr__(name: str) -> Any:
    """Names load their module on first use: ``lwprof --help`` needs none of them."""
    if name not in _WHERE:
        raise AttributeError(f"module 'lwprof.render' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lwprof.render.{_WHERE[name]}"), name)


__all__ = [
    "Column",
    "Grid",
    "GridView",
    "by_type_grid",
    "check_writable",
    "check_view",
    "compare_category_grid",
    "compare_grid",
    "compare_view",
    "export_grid",
    "grid_table",
    "grid_view",
    "layer_grid",
    "layer_view",
    "list_view",
    "summary_grid",
    "summary_view",
    "to_delimited",
    "to_json",
    "to_markdown",
    "write_atomic",
]
