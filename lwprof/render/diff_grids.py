"""``lwprof diff``: the per-layer difference of two models as a grid, and its output.

Pure functions of :class:`lwprof.diffs.ModelDiff` (no torch): one row per module path that
differs (every path with ``everything``), B's counts less A's, the totals and ratios below.
"""

from __future__ import annotations

from typing import Any

from lwprof.diffs import Change, ModelDiff
from lwprof.records import ColumnKind, Note, Severity
from lwprof.render import grid as g
from lwprof.render import tables as t
from lwprof.render.console import Output
from lwprof.units import human

__all__ = ["diff_grid", "diff_output", "signed"]


def signed(n: int) -> g.Cell:
    """A difference with its sign: +1.23 M, -4.61 k, 0 (exact in exports)."""
    return g.Cell(n, "0" if n == 0 else ("+" if n > 0 else "") + human(n))


def _pair(a: Any, b: Any, *, one_side: bool = False) -> str:
    """"x" when both sides say the same (or only one side has the module), "x -> y" when they differ."""
    if one_side:
        return str(a if a is not None else b or "")
    if a in (None, "") and b in (None, ""):
        return ""
    a, b = ("-" if v in (None, "") else str(v) for v in (a, b))
    return a if a == b else f"{a} -> {b}"


def _side(r: Any, what: str) -> Any:
    if r is None:
        return None
    if what == "shape":
        return g.shape_text(r.output_shape)
    if what == "kernel":
        return g.hparams_text(r)
    return getattr(r, what)


def diff_grid(diff: ModelDiff, *, everything: bool = False) -> g.Grid:
    """The layers that differ (``everything``: all), with A's and B's params and MACs and the change.

    Columns a terminal shows: layer, change, type, kernel and output shape (as "A -> B" where they
    differ), params and MACs of A and B and their differences; exports add each side's type, shape
    and kernel apart, the depth and the leafness.
    """
    columns = (
        g.Column("layer", key="name"),
        g.Column("change", key="change"),
        g.Column("what differs", key="what", priority=6),
        g.Column("type", key="type", priority=3, only="table"),
        g.Column("kernel", key="kernel", priority=5, only="table"),
        g.Column("output shape", key="output_shape", priority=4, only="table"),
        g.Column("params A", ColumnKind.COUNT, "params_a", priority=2),
        g.Column("params B", ColumnKind.COUNT, "params_b", priority=1),
        g.Column("Δ params", ColumnKind.COUNT, "params_delta"),
        g.Column("MACs A", ColumnKind.COUNT, "macs_a", priority=2),
        g.Column("MACs B", ColumnKind.COUNT, "macs_b", priority=1),
        g.Column("Δ MACs", ColumnKind.COUNT, "macs_delta"),
        g.Column("type A", key="type_a", only="export"),
        g.Column("type B", key="type_b", only="export"),
        g.Column("kernel A", key="kernel_a", only="export"),
        g.Column("kernel B", key="kernel_b", only="export"),
        g.Column("output shape A", key="output_shape_a", only="export"),
        g.Column("output shape B", key="output_shape_b", only="export"),
        g.Column("depth", ColumnKind.COUNT, "depth", only="export"),
        g.Column("leaf", key="is_leaf", only="export"),
    )
    shown = [r for r in diff.rows if everything or r.change is not Change.SAME]
    rows, display = [], []
    for r in shown:
        sides = {w: (_side(r.a, w), _side(r.b, w)) for w in ("type", "kernel", "shape")}
        rows.append(
            (
                r.name,
                str(r.change),
                " ".join(r.what),
                *(_pair(*sides[w], one_side=r.a is None or r.b is None) for w in ("type", "kernel", "shape")),
                _side(r.a, "params"),
                _side(r.b, "params"),
                signed(r.delta("params")),
                _side(r.a, "macs"),
                _side(r.b, "macs"),
                signed(r.delta("macs")),
                *(v or "" for w in ("type", "kernel", "shape") for v in sides[w]),
                r.depth,
                "true" if r.is_leaf else "false",
            )
        )
        display.append("  " * (r.depth - 1) + r.name.rsplit(".", 1)[-1] if everything else r.name)
    a, b = diff.a, diff.b
    total = (
        "total", "", "", _pair(a.root.type, b.root.type), "", _pair(g.shape_text(a.output_shape), g.shape_text(b.output_shape)),
        a.params, b.params, signed(b.params - a.params), a.macs, b.macs, signed(b.macs - a.macs),
        a.root.type, b.root.type, "", "", g.shape_text(a.output_shape), g.shape_text(b.output_shape), 0, "false",
    )  # fmt: skip
    title = f"diff: A = {diff.a_label}, B = {diff.b_label}"
    return g.Grid(title, columns, tuple(rows), total, tuple(diff_notes(diff, everything=everything)), tuple(display))


def _ratio_text(diff: ModelDiff, what: str) -> str:
    ratio = diff.ratio(what)
    return f"{ratio:.3f}x" if ratio is not None else "n/a"


def diff_notes(diff: ModelDiff, *, everything: bool = False) -> list[Note]:
    """Totals, ratios and the count of each kind of change."""
    a, b = diff.a, diff.b
    counts = diff.counts()
    notes = [
        Note(Severity.INFO, f"A: {diff.a_label}: {g.profile_title(a)}"),
        Note(Severity.INFO, f"B: {diff.b_label}: {g.profile_title(b)}"),
        Note(
            Severity.INFO,
            f"Params: {a.params:,} -> {b.params:,} ({'+' if b.params >= a.params else ''}{b.params - a.params:,}; B/A {_ratio_text(diff, 'params')}); "
            f"MACs: {a.macs:,} -> {b.macs:,} ({'+' if b.macs >= a.macs else ''}{b.macs - a.macs:,}; B/A {_ratio_text(diff, 'macs')})",
        ),
        Note(
            Severity.INFO,
            f"Modules: {counts['changed']} changed, {counts['added']} added (only in B), {counts['removed']} removed (only in A), "
            f"{counts['same']} the same" + ("" if everything or not counts["same"] else " (not shown; --all shows every module)"),
        ),
        Note(Severity.CONVENTION, "Rows are aligned by module path; a parent's counts include its children's, so sum the leaf rows (exports: is_leaf) only"),
    ]
    return notes


def diff_output(diff: ModelDiff, *, everything: bool = False) -> Output:
    """``lwprof diff``'s output: the table, its export grid and the JSON."""
    grid = diff_grid(diff, everything=everything)
    return Output(lambda: t.grid_view(grid), lambda: grid, lambda: diff.to_dict(changed_only=not everything))

