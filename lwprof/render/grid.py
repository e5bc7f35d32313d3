"""Tables as plain data: the rows every renderer draws, built from lwprof's records.

A :class:`Grid` holds raw cell values (exact integers, fractions, strings) and a kind per
column. :mod:`lwprof.render.tables` turns it into a rich ``Table`` with human-readable numbers
(3.47 M); :mod:`lwprof.render.export` into Markdown, CSV or TSV with exact integers. The
builders here are pure functions of the records and import neither torch nor rich.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lwprof.records import (
    FVCORE_MAC_OPS,
    ColumnKind,
    Comparison,
    LayerComparison,
    LayerRecord,
    ModelProfile,
    Note,
    Severity,
    Status,
    Verdict,
    outputs_text,
    own_counts,
    parent_name,
    plain,
)
from lwprof.units import human, human_bytes

__all__ = [
    "Cell",
    "Column",
    "Grid",
    "arch_grid",
    "by_type_grid",
    "check_grid",
    "check_notes",
    "compare_category_grid",
    "compare_grid",
    "compare_notes",
    "hparams_text",
    "layer_grid",
    "layer_notes",
    "list_dict",
    "list_grid",
    "option_flag",
    "shape_text",
    "summary_grid",
    "summary_notes",
]



@dataclass(frozen=True)
class Column:
    """One column of a :class:`Grid`.

    Attributes:
        header: The header shown to the user (names the unit, e.g. "MACs").
        kind: How its cells are shown (:class:`~lwprof.records.ColumnKind`).
        key: A machine name for CSV/TSV headers ("macs"); defaults to ``header``.
        priority: How readily a narrow terminal drops the column: 0 never (names and the
            main numbers), higher numbers first. Exports always keep every column.
        wrap: Long text that may wrap onto several lines (a formula, a source) rather than
            push other columns out; other columns keep each cell on one line.
        group: Rich tables show a cell only where it differs from the row above (a model
            shared by consecutive rows); exports repeat it.
        heading: Rich tables draw no column for it but a heading row above each run of rows
            that share its value (a paper's table above its checks); exports keep the column.
        only: "table" for a column drawn in rich tables only (a human summary of exact
            columns), "export" for one in exports only (exact values, units, long notes);
            "" for both.
    """

    header: str
    kind: ColumnKind = ColumnKind.TEXT
    key: str = ""
    priority: int = 0
    wrap: bool = False
    group: bool = False
    heading: bool = False
    only: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ColumnKind(self.kind))
        if self.only not in ("", "table", "export"):
            raise ValueError(f"Column.only is '', 'table' or 'export', not {self.only!r}")

    @property
    def name(self) -> str:
        return self.key or self.header

    @property
    def numeric(self) -> bool:
        return self.kind.numeric

    @property
    def in_table(self) -> bool:
        """Drawn as a column in rich tables."""
        return self.only != "export" and not self.heading

    @property
    def in_export(self) -> bool:
        """Written to Markdown, CSV and TSV."""
        return self.only != "table"


@dataclass(frozen=True)
class Cell:
    """A cell whose terminal text is not a function of its value alone.

    Exports write ``value`` (exact, formatted by the column's kind); rich tables show
    ``text`` (e.g. a published 4.2 M at the paper's precision, or a footnote number that
    stands for a long convention).
    """

    value: Any
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Grid:
    """A table as data: columns, rows of raw values, and lines to show under it.

    Attributes:
        title: Shown above the table (rich) or as a heading (Markdown).
        columns: The columns.
        rows: One tuple of raw values per row (None = no value).
        total: An optional last row (a sum), drawn apart in rich tables; exports leave it out
            of CSV/TSV so that columns still sum correctly.
        notes: Lines shown below the table (rich and Markdown; never in CSV/TSV), each with
            its severity.
        display: Per row, an alternative first-column text for rich tables (indented names).
    """

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None
    notes: tuple[Note, ...] = ()
    display: tuple[str, ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "notes", info_notes(self.notes))


def info_notes(lines: Iterable[Note | str]) -> tuple[Note, ...]:
    """Notes, a plain string as an INFO note."""
    return tuple(n if isinstance(n, Note) else Note(Severity.INFO, str(n)) for n in lines)


# --------------------------------------------------------------------------------------------
# Small formatters shared by the renderers


def shape_text(shape: Sequence[int] | None) -> str:
    """(1, 32, 112, 112) -> "1x32x112x112"; None -> "-"."""
    return "x".join(str(s) for s in shape) if shape else "-"


def _dims(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        if len(set(value)) == 1:
            return str(value[0])
        return "x".join(str(v) for v in value)
    return str(value)


def hparams_text(record: LayerRecord) -> str:
    """The kernel, stride and groups of a layer in one short string, e.g. "3x3 s2 g32".

    Stride, dilation and padding are omitted when they are 1 / default; groups when 1. An
    adaptive pool shows its output size ("out 1x1"); a shuffle its groups ("g4").
    """
    h = record.hparams
    parts: list[str] = []
    if "kernel" in h:
        parts.append("x".join(str(k) for k in h["kernel"]))
        if "stride" in h:
            parts.append(f"s{_dims(h['stride'])}")
        if "dilation" in h and any(d != 1 for d in h["dilation"]):
            parts.append(f"d{_dims(h['dilation'])}")
    elif "output_size" in h:
        parts.append("out " + "x".join(str(s) for s in h["output_size"]))
    groups = h.get("groups")
    if groups is not None and groups != 1:
        parts.append(f"g{groups}")
    return " ".join(parts)


def _fraction(part: int, whole: int) -> float | None:
    """``part / whole`` (a share, or a ratio to a baseline); None when ``whole`` is 0."""
    return part / whole if whole else None


def _config_text(config: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.items())


def profile_title(profile: ModelProfile, what: str = "") -> str:
    """"mobilenet_v1 (alpha=0.5, ...), input 1x3x160x160": the model, its configuration (a user
    model's factory arguments) and its input(s) as they really were."""
    head = f"{profile.arch} {what}".strip()
    config = _config_text(profile.config)
    inputs = profile.inputs or ()
    if len(inputs) > 1 or any(i.name or i.dtype != "float32" for i in inputs):
        shown = "inputs " + ", ".join(str(i) for i in inputs)
    else:
        shown = f"input {shape_text(profile.input_shape)}"
    return f"{head} ({config}), {shown}" if config else f"{head}, {shown}"


def option_flag(name: str, type_name: str) -> str:
    """The CLI flag of an architecture option: "dw_kernel" -> "--dw-kernel", bools as on/off."""
    flag = name.replace("_", "-")
    return f"--{flag}/--no-{flag}" if type_name == "bool" else f"--{flag}"


# --------------------------------------------------------------------------------------------
# lwprof summary


def summary_grid(profile: ModelProfile, depth: int | None = None, published: Mapping[str, Any] | None = None, *, leaves: bool = False) -> Grid:
    """The per-layer table of one profile.

    Args:
        profile: The profile.
        depth: Show only records with depth <= ``depth`` (parents already aggregate their
            children); None shows every record.
        published: The paper's numbers for this configuration (``published_for``), if any.
        leaves: Show only the leaf layers (``--leaves``).

    Returns:
        A grid with one row per record below the model (the model itself is the total row).
        The cross-check column is present only when the profile was cross-checked. Exports
        also carry each row's parent, depth, leafness, calls and own params and MACs
        (:func:`lwprof.records.own_counts`: they sum to the totals over the rows written).
    """
    checked = any(r.crosscheck is not Verdict.NA for r in profile.layers)
    columns = [  # a narrow terminal drops kernel, check, MACs %, output shape, type, in that order
        Column("layer", key="name"),
        Column("type", key="type", priority=1),
        Column("kernel", key="kernel", priority=5),
        Column("output shape", key="output_shape", priority=2),
        Column("params", ColumnKind.COUNT, "params"),
        Column("MACs", ColumnKind.COUNT, "macs"),
        Column("MACs %", ColumnKind.SHARE, "macs_share", priority=3),
    ]
    if checked:
        columns.append(Column("check", ColumnKind.STATUS, "crosscheck", priority=4))
    back = _backward_columns(profile)
    columns += back
    columns += [  # exports only: the tree, and counts that sum to the totals over any rows written
        Column("parent", key="parent", only="export"),
        Column("depth", ColumnKind.COUNT, "depth", only="export"),
        Column("leaf", key="is_leaf", only="export"),
        Column("calls", ColumnKind.COUNT, "calls", only="export"),
        Column("own params", ColumnKind.COUNT, "own_params", only="export"),
        Column("own MACs", ColumnKind.COUNT, "own_macs", only="export"),
    ]
    rows, display = [], []
    total_macs = profile.macs
    records = [r for r in profile.layers[1:] if (depth is None or r.depth <= depth) and (not leaves or r.is_leaf)]
    for r, (own_p, own_m) in zip(records, own_counts(records)):
        row: list[Any] = [r.name, r.type, hparams_text(r), shape_text(r.output_shape), r.params, r.macs, _fraction(r.macs, total_macs)]
        if checked:
            row.append(r.crosscheck)
        row += _backward_cells(r, len(back))
        rows.append((*row, parent_name(r.name), r.depth, "true" if r.is_leaf else "false", r.calls, own_p, own_m))
        display.append(r.name if leaves else "  " * (r.depth - 1) + r.name.rsplit(".", 1)[-1])
    root = profile.root
    shown = outputs_text(profile.outputs) if len(profile.outputs) > 1 else shape_text(root.output_shape)
    total: list[Any] = ["total", root.type, "", shown, root.params, root.macs, _fraction(root.macs, total_macs)]
    if checked:
        total.append(profile.verdict)
    total += _backward_cells(root, len(back))
    title = profile_title(profile, "leaf layers" if leaves else "")
    notes = [*_unsummed_notes(profile, records, leaves), *summary_notes(profile, published)]
    return Grid(title, tuple(columns), tuple(rows), (*total, "", 0, "false", root.calls, root.params, root.macs), tuple(notes), tuple(display))


def _backward_columns(profile: ModelProfile) -> list[Column]:
    """With ``--backward``: the backward's MACs (and, exports only, its other ops), its verdict when checked."""
    if not profile.backward:
        return []
    columns = [Column("bwd MACs", ColumnKind.COUNT, "backward_macs"), Column("bwd other ops", ColumnKind.COUNT, "backward_other_ops", only="export")]
    if profile.root.torch_backward_macs is not None:
        columns.append(Column("bwd check", ColumnKind.STATUS, "backward_check", priority=4))
    return columns


def _backward_cells(r: LayerRecord, n: int) -> list[Any]:
    return [r.backward_macs, r.backward_other_ops, r.backward_check][:n]


def _unsummed_notes(profile: ModelProfile, records: Sequence[LayerRecord], leaves: bool) -> list[Note]:
    """A warning when the rows' own counts do not sum to the totals: work done outside every row's module."""
    own = own_counts(records)
    params, macs = sum(p for p, _ in own), sum(m for _, m in own)
    if (params, macs) == (profile.params, profile.macs):
        return []
    where = [r.name for r in profile.layers if not r.is_leaf and (r.functional_macs or r.functional_other_ops)]
    what = f"{human(macs)} of the {human(profile.macs)} MACs and {human(params)} of the {human(profile.params)} params"
    if params > profile.params or macs > profile.macs:
        text = (
            f"The rows' own counts sum to {what}, more than the totals: a weight tied, or a module shared, between "
            "modules is in each owner's row, and the total counts it once"
        )
        return [Note(Severity.WARNING, text)]
    if leaves:
        text = f"The leaf rows sum to {what}: modules with children do work of their own ({', '.join(n or 'the model' for n in where[:4]) or 'their own parameters'}); export without --leaves, whose own_params and own_macs columns count it"
    else:
        text = f"The rows' own_params and own_macs sum to {what}: the rest is the model's own forward, outside every module (in the total only)"
    return [Note(Severity.WARNING, text)]


def by_type_grid(profile: ModelProfile, published: Mapping[str, Any] | None = None) -> Grid:
    """Totals by layer category over the leaves, like MobileNetV1's Table 2.

    Columns: category, number of layers, params and their share, MACs and their share, and
    the non-MAC operations (BatchNorm, activations, pooling) of each category.
    """
    counts: dict[str, list[int]] = {}
    for r in profile.leaves():
        acc = counts.setdefault(r.category, [0, 0, 0])
        acc[0] += r.calls
        acc[1] += r.other_ops
        acc[2] += r.backward_macs or 0
    params, macs = profile.params, profile.macs
    rows: list[tuple[Any, ...]] = []
    for category, (p, m) in profile.by_category().items():
        n, other, back = counts.get(category, [0, 0, 0])
        rows.append((category, n, p, _fraction(p, params), m, _fraction(m, macs), other, *((back,) if profile.backward else ())))
    leaf_params = sum(r[2] for r in rows)
    leaf_macs = sum(r[4] for r in rows)
    total: tuple[Any, ...] = ("total", sum(r[1] for r in rows), leaf_params, _fraction(leaf_params, params), leaf_macs, _fraction(leaf_macs, macs), sum(r[6] for r in rows))
    columns: tuple[Column, ...] = (
        Column("type", key="category"),
        Column("layers", ColumnKind.COUNT, "layers", priority=2),
        Column("params", ColumnKind.COUNT, "params"),
        Column("params %", ColumnKind.SHARE, "params_share", priority=3),
        Column("MACs", ColumnKind.COUNT, "macs"),
        Column("MACs %", ColumnKind.SHARE, "macs_share", priority=1),
        Column("other ops", ColumnKind.COUNT, "other_ops", priority=4),
    )
    if profile.backward:  # --backward: each type's backward MACs
        columns += (Column("bwd MACs", ColumnKind.COUNT, "backward_macs"),)
        total += (sum(r[7] for r in rows),)
    title = profile_title(profile, "by layer type")
    return Grid(title, columns, tuple(rows), total, tuple(summary_notes(profile, published)))


EXPLAIN_POINTER = "Conventions, verdicts and units: lwprof explain"  # the last line under every table of counts


def _note(text: str, severity: Severity = Severity.INFO) -> Note:
    return Note(severity, text)


def summary_notes(profile: ModelProfile, published: Mapping[str, Any] | None = None) -> list[Note]:
    """The footer of a summary: totals, sizes, how it was counted, cross-check totals, conventions."""
    bpe = profile.bytes_per_element
    lines = [
        _note(
            f"Params: {profile.params:,} ({human(profile.params)}), trainable {profile.trainable_params:,}, "
            f"buffers {profile.buffers:,}"
        ),
        _note(
            f"MACs: {profile.macs:,} ({human(profile.macs)}), FLOPs (2 x MACs) {human(profile.flops)}, "
            f"other ops {human(profile.other_ops)}"
        ),
    ]
    size = f"Model size ({profile.model_size_basis}): {human_bytes(profile.model_size_bytes)}"
    if profile.peak_activation_elements is not None:
        peak = profile.peak_activation_elements
        size += f"; peak activations {human_bytes(peak * bpe)} ({peak:,} elements)"
    lines.append(_note(size))
    if profile.backward:
        lines.append(_backward_totals(profile))
    if published and (published.get("params") is not None or published.get("macs") is not None):
        lines.append(
            _note(
                f"Published ({published.get('source', 'paper')}): {_published_text(published)} (params / MACs), "
                f"the paper's way: lwprof check --arch {profile.arch}"
            )
        )
    lines.extend(profile.notes)
    if profile.unsupported and profile.device == "onnx":
        ops = ", ".join(dict.fromkeys(r.note for r in profile.layers if r.status is Status.UNSUPPORTED))
        lines.append(_note(f"{len(profile.unsupported)} row(s) hold ONNX ops without a formula: {', '.join(profile.unsupported[:8])} ({ops}; --strict makes this an error)", Severity.WARNING))
    elif profile.unsupported:
        names = ", ".join(n or "(model)" for n in profile.unsupported[:8])
        more = f" and {len(profile.unsupported) - 8} more" if len(profile.unsupported) > 8 else ""
        lines.append(_note(f"{len(profile.unsupported)} layer(s) have no formula and were counted from their ops (exact for MACs): {names}{more} (--strict makes this an error)"))
    if profile.op_level:
        shown = "; ".join(f"{r.name or '(model)'}: {r.note}" for r in profile.layers if r.status is Status.OP_LEVEL and r.note)[:600]
        lines.append(_note(f"{len(profile.op_level)} layer(s) of a known type counted from their ops: {shown}"))
    lines.extend(_crosscheck_lines(profile))
    lines.extend(backward_crosscheck_lines(profile))
    lines.append(_note(EXPLAIN_POINTER, Severity.CONVENTION))
    return lines


def _backward_totals(profile: ModelProfile) -> Note:
    root = profile.root
    back, step = root.backward_macs or 0, profile.training_step_macs or 0
    return _note(
        f"Backward: MACs {back:,} ({human(back)}), other ops {human(root.backward_other_ops)}; training step (forward + backward): "
        f"MACs {step:,} ({human(step)}), FLOPs {human(2 * step)}, other ops {human(root.other_ops + root.backward_other_ops)}"
    )


def backward_crosscheck_lines(profile: ModelProfile) -> list[Note]:
    """The backward's verdict against FlopCounterMode, the difference explained."""
    if not profile.backward or profile.root.torch_backward_macs is None:
        return []
    leaves = [r for r in profile.layers if r.is_leaf]
    counts = {v: sum(1 for r in leaves if r.backward_check_own is v) for v in Verdict}
    agree = counts[Verdict.OK]
    text = f"all {len(leaves)} layers agree" if agree == len(leaves) else f"{agree} of {len(leaves)} layers agree"
    parts = [f"{counts[v]} {v.value}" for v in (Verdict.TORCH_GAP, Verdict.ELSEWHERE, Verdict.UNCHECKED, Verdict.MISMATCH) if counts[v]]
    tc, back = profile.root.torch_backward_macs, profile.root.backward_macs or 0
    diff = "equal" if tc == back else f"{tc - back:+,}"
    lines = [
        _note(
            f"Backward cross-check: {text} with FlopCounterMode's backward" + (f"; {', '.join(parts)}" if parts else "") + f"; its total {tc:,} ({diff})",
            Severity.FAILURE if counts[Verdict.MISMATCH] else Severity.INFO,
        )
    ]
    gaps = [r for r in profile.layers if r.backward_check_own is Verdict.TORCH_GAP]
    if gaps:
        names = ", ".join(r.name or "(model)" for r in gaps[:4]) + (" ..." if len(gaps) > 4 else "")
        lines.append(_note(f"FlopCounterMode gap in {len(gaps)} layer(s) ({names}): it counts a grouped or depthwise conv's weight gradient with all C_in input channels, groups times lwprof's (and the forward's) count"))
    moved = [r for r in profile.layers if r.backward_check_own is Verdict.ELSEWHERE]
    if moved:
        names = ", ".join(r.name or "(model)" for r in moved[:4]) + (" ..." if len(moved) > 4 else "")
        lines.append(
            _note(
                f"credited elsewhere in {len(moved)} row(s) ({names}): FlopCounterMode's total agrees, but its module tracker puts their "
                "backward under other modules (an identity such as eval-mode Dropout, a module called on its own output, branches "
                "that read one tensor, outputs that feed each other)"
            )
        )
    bad = [r for r in profile.layers if r.backward_check_own is Verdict.MISMATCH]
    if bad:
        shown = "; ".join(f"{r.name or '(model)'}: lwprof {r.backward_macs or 0:,} vs FlopCounterMode {_count(r.torch_backward_macs)}" for r in bad[:5])
        lines.append(_note(f"backward MISMATCH in {len(bad)} layer(s): {shown}", Severity.FAILURE))
    return lines


def crosscheck_line(profile: ModelProfile) -> Note:
    """The cross-check's verdict in one line, whatever the width: how many leaf layers agree with
    fvcore and FlopCounterMode, and how many differ by design, by a tool's gap or by a MISMATCH."""
    checked = profile.fvcore_macs is not None or profile.torch_macs is not None
    if not checked:
        return _note(f"Cross-check: {profile.crosscheck_note or 'not run (--fvcore runs it)'}")
    leaves = [r for r in profile.layers if r.is_leaf and r.crosscheck_own is not Verdict.NA]
    counts = {v: sum(1 for r in leaves if r.crosscheck_own is v) for v in Verdict}
    agree = counts[Verdict.OK] + counts[Verdict.BY_DESIGN]
    tools = "fvcore and FlopCounterMode"
    text = f"all {len(leaves)} layers agree with {tools}" if agree == len(leaves) else f"{agree} of {len(leaves)} layers agree with {tools}"
    parts = [f"{counts[Verdict.BY_DESIGN]} by design"] if counts[Verdict.BY_DESIGN] else []
    parts += [f"{counts[v]} {v.value}" for v in (Verdict.FVCORE_GAP, Verdict.TORCH_GAP, Verdict.UNCHECKED, Verdict.MISMATCH) if counts[v]]
    severity = Severity.FAILURE if counts[Verdict.MISMATCH] else Severity.INFO
    return _note(f"Cross-check: {text}" + (f"; {', '.join(parts)}" if parts else ""), severity)


def _crosscheck_lines(profile: ModelProfile) -> list[Note]:
    """The verdict line, then the tools' totals and what differs (each named once)."""
    if profile.root.onnx_tool_macs is not None:  # an ONNX graph: onnx-tool's totals are among the notes
        return _onnx_tool_lines(profile)
    lines = [crosscheck_line(profile)]
    if profile.fvcore_macs is None and profile.torch_macs is None:
        return lines
    macs = profile.macs
    if profile.crosscheck_note:
        lines.append(_note(f"Cross-check: {profile.crosscheck_note}"))
    fv, tc = profile.fvcore_macs, profile.torch_macs
    totals = []
    if fv is not None:
        diff = fv - macs
        why = "equal" if diff == 0 else f"{diff:+,}"
        extra = {op: n for op, n in profile.fvcore_by_op.items() if op not in FVCORE_MAC_OPS and n}
        if extra:
            why += ": also " + ", ".join(f"{op} {n:,}" for op, n in extra.items())
        gaps = [r for r in profile.layers if r.crosscheck_own is Verdict.FVCORE_GAP]
        if gaps:
            ops = ", ".join(profile.fvcore_unsupported) or "an op it has no handler for"
            why += f"; it does not count {ops} in {len(gaps)} layer(s)"
        totals.append(f"fvcore total: {fv:,} ({why})")
    if tc is not None:
        diff = tc - macs
        totals.append(f"FlopCounterMode total: {tc:,} ({'equal' if diff == 0 else f'{diff:+,}'})")
    lines.append(_note("; ".join(totals)))
    for verdict, what in ((Verdict.TORCH_GAP, "FlopCounterMode does not count"), (Verdict.UNCHECKED, "neither tool counts (lwprof's count stands alone)")):
        names = [r.name or "(model)" for r in profile.layers if r.crosscheck_own is verdict]
        if names:
            lines.append(_note(f"{len(names)} layer(s) {what}: {', '.join(names[:6])}{' ...' if len(names) > 6 else ''}"))
    bad = profile.mismatches
    if bad:
        shown = "; ".join(f"{r.name or '(model)'}: lwprof {r.macs:,} vs fvcore {_count(r.fvcore_macs)} vs FlopCounterMode {_count(r.torch_macs)}" for r in bad[:5])
        lines.append(_note(f"MISMATCH in {len(bad)} layer(s): {shown}", Severity.FAILURE))
    return lines


def _onnx_tool_lines(profile: ModelProfile) -> list[Note]:
    lines = [_note(f"Cross-check: {profile.crosscheck_note}")] if profile.crosscheck_note else []
    names = [r.name or "(model)" for r in profile.layers if r.crosscheck_own is Verdict.UNCHECKED]
    if names:
        lines.append(_note(f"{len(names)} layer(s) onnx-tool does not count (lwprof's count stands alone): {', '.join(names[:6])}{' ...' if len(names) > 6 else ''}"))
    bad = profile.mismatches
    if bad:
        shown = "; ".join(f"{r.name or '(model)'}: lwprof {r.macs:,} MACs, {r.params:,} params vs onnx-tool {_count(r.onnx_tool_macs)}, {_count(r.onnx_tool_params)}" for r in bad[:5])
        lines.append(_note(f"MISMATCH in {len(bad)} layer(s): {shown}", Severity.FAILURE))
    return lines


def _count(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


# fvcore's handles that count multiply-accumulates (the rest is "other ops" work).


# --------------------------------------------------------------------------------------------
# lwprof compare


def _published_text(pub: Mapping[str, Any] | None) -> str:
    if not pub:
        return "-"
    params, macs = pub.get("params"), pub.get("macs")
    p = f"{params:g} M" if params is not None else "-"
    m = f"{macs:g} M" if macs is not None else "-"
    return f"{p} / {m}"


def compare_grid(
    comparison: Comparison,
    published: Sequence[Mapping[str, Any] | None] | None = None,
    latencies: Mapping[str, Any] | None = None,
) -> Grid:
    """One row per variant: params, MACs, FLOPs, ratios to the first variant, published.

    Args:
        comparison: The comparison.
        published: Per variant, a dict with optional "params", "macs" (millions) and
            "source", or None; defaults to no published numbers.
        latencies: Per variant label, its end-to-end :class:`~lwprof.latency.timing.Timing`
            (``compare --bench``): a latency column, median and interquartile range.

    The rich table shows the published numbers as one "params / MACs" cell; exports hold
    them as two numeric columns (millions, as printed) and the source.
    """
    published = list(published) if published is not None else [None] * len(comparison.variants)
    base = comparison.baseline.profile
    checked = any(v.profile.root.crosscheck is not Verdict.NA for v in comparison.variants)
    columns = [  # a narrow terminal drops FLOPs, check, published, params ratio, in that order
        Column("variant", key="label"),
        Column("params", ColumnKind.COUNT, "params"),
        Column("MACs", ColumnKind.COUNT, "macs"),
        Column("FLOPs", ColumnKind.COUNT, "flops", priority=6),
        Column("MACs ratio", ColumnKind.RATIO, "macs_ratio", priority=1),
        Column("params ratio", ColumnKind.RATIO, "params_ratio", priority=2),
        Column("published", key="published", priority=3, only="table"),
        Column("published params (M)", ColumnKind.FLOAT, "published_params_millions", only="export"),
        Column("published MACs (M)", ColumnKind.FLOAT, "published_macs_millions", only="export"),
        Column("published source", key="published_source", only="export"),
    ]
    if latencies is not None:
        columns += [Column("latency ms (IQR)", ColumnKind.MS, "latency_ms"), Column("latency IQR (ms)", ColumnKind.MS, "latency_iqr_ms", only="export")]
    if checked:
        columns.append(Column("check", ColumnKind.STATUS, "crosscheck", priority=5))
    backward = all(v.profile.backward for v in comparison.variants)
    if backward:  # --backward: the backward's MACs and the training step's
        columns += [Column("bwd MACs", ColumnKind.COUNT, "backward_macs"), Column("train step MACs", ColumnKind.COUNT, "training_step_macs", priority=4)]
    rows = []
    for v, pub in zip(comparison.variants, published):
        p = v.profile
        row: list[Any] = [v.label, p.params, p.macs, p.flops, _fraction(p.macs, base.macs), _fraction(p.params, base.params), _published_text(pub)]
        row += [(pub or {}).get("params"), (pub or {}).get("macs"), (pub or {}).get("source")]
        if latencies is not None:
            timing = latencies.get(v.label)
            row += [timing, timing.iqr_s * 1e3 if timing is not None else None]
        if checked:
            row.append(p.verdict)
        if backward:
            row += [p.backward_macs, p.training_step_macs]
        rows.append(tuple(row))
    notes = compare_notes(comparison, published)
    if latencies is not None:
        notes[-1:-1] = timing_notes(latencies)
    return Grid(f"{comparison.arch}: {_vary_text(comparison)}", tuple(columns), tuple(rows), None, tuple(notes))


def timing_notes(timings: Mapping[str, Any], what: str = "latency") -> list[Note]:
    """How the latencies were measured, and one warning (with the remedy) naming the noisy ones.

    Args:
        timings: Per label, a :class:`~lwprof.latency.timing.Timing` (or None: not timed).
        what: What was timed, for the text.
    """
    values = {label: t for label, t in timings.items() if t is not None}
    if not values:
        return []
    runs = sorted({t.runs for t in values.values()})
    shown = f"{runs[0]}" if len(runs) == 1 else f"{runs[0]} to {runs[-1]}"
    lines = [_note(f"{what.capitalize()}: median ms (interquartile range) of {shown} runs each on this CPU")]
    noisy = {label: t for label, t in values.items() if t.noisy}
    if len(noisy) == 1:
        ((label, t),) = noisy.items()
        lines.append(_note(f"Warning: {t.warning(f'{label}: the {what}')}", Severity.WARNING))
    elif noisy:
        spreads = ", ".join(f"{label} {100 * t.relative_spread:.0f}%" for label, t in noisy.items())
        lines.append(
            _note(f"Warning: {len(noisy)} of {len(values)} timings are noisy (interquartile range / median: {spreads}); try {next(iter(noisy.values())).REMEDY}", Severity.WARNING)
        )
    return lines


def _vary_text(comparison: Comparison) -> str:
    batch = comparison.baseline.profile.batch
    if comparison.arch == "models":  # several models, each with its own configuration
        return f"{len(comparison.variants)} models side by side, each at its own input (batch {batch})"
    axes = "; ".join(f"{k} in {', '.join(str(v) for v in vals)}" for k, vals in comparison.vary.items())
    fixed = {k: v for k, v in comparison.baseline.config.items() if k not in comparison.vary}
    return f"{axes} (fixed: {_config_text(fixed)}), batch {batch}"


def compare_notes(comparison: Comparison, published: Sequence[Mapping[str, Any] | None] | None = None) -> list[Note]:
    """Lines under the comparison: what the ratios mean, the published sources, conventions."""
    lines = [_note(f"Ratios are to the first variant ({comparison.baseline.label}); published numbers are params / MACs in millions, as printed.")]
    sources: dict[str, list[str]] = {}
    for v, pub in zip(comparison.variants, published or ()):
        if pub and pub.get("source"):
            sources.setdefault(str(pub["source"]), []).append(v.label)
    for source, labels in sources.items():
        lines.append(_note(f"Published: {source} ({'; '.join(labels)})"))
    for v in comparison.variants:
        for note in v.profile.notes:
            lines.append(_note(f"{v.label}: {note.text}", note.severity))
        if v.profile.mismatches:
            lines.append(_note(f"{v.label}: MISMATCH in {len(v.profile.mismatches)} layer(s) (lwprof summary shows them)", Severity.FAILURE))
    lines.append(_note(EXPLAIN_POINTER, Severity.CONVENTION))
    return lines


def compare_category_grid(comparison: Comparison) -> Grid:
    """Where the savings come from: one row per layer category, one MACs column per variant.

    Categories with no MACs in any variant (BatchNorm, activations, ...) are left out.
    """
    per_variant = [v.profile.by_category() for v in comparison.variants]
    order: dict[str, int] = {}
    for cats in per_variant:
        for cat, (_, macs) in cats.items():
            order[cat] = max(order.get(cat, 0), macs)
    categories = sorted(order, key=lambda c: -order[c])
    columns = [Column("type", key="category")] + [Column(v.label, ColumnKind.COUNT, f"macs[{v.label}]") for v in comparison.variants]
    rows = [tuple([cat] + [cats.get(cat, (0, 0))[1] for cats in per_variant]) for cat in categories if order[cat]]
    total = tuple(["total"] + [v.profile.macs for v in comparison.variants])
    return Grid("MACs by layer type", tuple(columns), tuple(rows), total)


# --------------------------------------------------------------------------------------------
# lwprof layer


def _formula(profile: ModelProfile) -> str:
    return " + ".join(r.formula for r in profile.leaves() if r.formula and r.macs)


def layer_grid(variants: LayerComparison) -> Grid:
    """One row per realisation of a conv: params, MACs, ratios to the first, the formula."""
    base = variants[0][1]
    rows = tuple(
        (label, p.params, p.macs, _fraction(p.params, base.params), _fraction(p.macs, base.macs), _formula(p)) for label, p in variants
    )
    columns = (
        Column("realisation", key="label"),
        Column("params", ColumnKind.COUNT, "params"),
        Column("MACs", ColumnKind.COUNT, "macs"),
        Column("params ratio", ColumnKind.RATIO, "params_ratio", priority=2),
        Column("MACs ratio", ColumnKind.RATIO, "macs_ratio", priority=1),
        Column("formula (MACs)", key="formula", wrap=True),
    )
    x = base.input_shape
    title = f"one {shape_text(x[1:])} -> {shape_text(base.output_shape[1:] if base.output_shape else None)} conv, batch {x[0]}"
    return Grid(title, columns, rows, None, tuple(layer_notes(variants)))


def layer_notes(variants: LayerComparison) -> list[Note]:
    """MobileNetV1 eq. 5's predicted dwsep/standard MACs ratio next to the measured one."""
    lines = []
    profiles = dict(variants.variants)
    standard, dwsep = profiles.get("standard"), profiles.get("dwsep")
    if standard is not None and dwsep is not None and standard.macs:
        conv = next(r for r in standard.leaves() if "kernel" in r.hparams)
        n, k = conv.output_shape[1] if conv.output_shape else 0, conv.hparams["kernel"][0]
        lines.append(
            _note(
                f"MobileNetV1 eq. 5: dwsep / standard = 1/N + 1/D_K^2 = 1/{n} + 1/{k * k} = {variants.eq5_ratio:.4f}; "
                f"measured {dwsep.macs:,} / {standard.macs:,} = {dwsep.macs / standard.macs:.4f}"
            )
        )
    lines.extend(variants.notes)
    lines.append(_note("Padding is 'same' (k // 2); the grouped variant ends with a channel shuffle (0 ops), the ghost one with a concat."))
    lines.append(_note(EXPLAIN_POINTER, Severity.CONVENTION))
    return lines


# --------------------------------------------------------------------------------------------
# lwprof check


def _exact(value: float, unit: str) -> int | float:
    """A check's value for exports: a count in millions ("M") as a whole count, a share as is."""
    return round(value * 1e6) if unit == "M" else value


_ARXIV = re.compile(r"^(.*?) \((arXiv [^)]*)\)")


def _short_source(source: str) -> str:
    """"MobileNetV1 (arXiv 1704.04861) Table 6" -> "MobileNetV1 Table 6" (the id goes to a note)."""
    m = _ARXIV.match(source)
    return f"{m.group(1)}{source[m.end():]}".strip() if m else source


def check_grid(results: Iterable[Any], *, problems_only: bool = False) -> Grid:
    """One row per published number: source, model, quantity, published, computed, status.

    The rich table is one line per row where the width allows: the source is a heading above
    its rows (its arXiv id in a note), a model shown once per run of rows, the counting
    convention a rule number explained under the table. Exports hold exact numbers: counts as whole counts (the published
    4.2 M as 4200000), shares in percent, the unit, the convention and the note in words.

    Args:
        results: ``lwprof.reference.check.CheckResult`` records; each formats its own
            published, computed, difference and tolerance cells at the paper's precision.
        problems_only: Keep only the checks that did not pass (the title still counts all).
    """
    results = list(results)
    rules = list(dict.fromkeys(r.convention for r in results if r.convention))
    shown = [r for r in results if r.status != "pass"] if problems_only else results
    rows = []
    for r in shown:
        published, computed, difference, tolerance = r.cells()
        unit = "count" if r.unit == "M" else r.unit
        rule = Cell(r.convention, str(rules.index(r.convention) + 1) if r.convention in rules else "")
        rows.append((
            Cell(r.source, _short_source(r.source)), r.model, r.quantity, unit,
            Cell(_exact(r.published, r.unit), published), Cell(_exact(r.computed, r.unit), computed),
            Cell(_exact(r.difference, r.unit), difference), Cell(_exact(r.tolerance, r.unit), tolerance),
            r.status, rule, r.note,
        ))  # fmt: skip
    columns = (  # a narrow terminal drops the difference and the rule number, in that order
        Column("source", key="source", heading=True),
        Column("model", key="model", wrap=True, group=True),
        Column("quantity", key="quantity", wrap=True),
        Column("unit", key="unit", only="export"),
        Column("published", ColumnKind.FLOAT, "published"),
        Column("computed", ColumnKind.FLOAT, "computed"),
        Column("difference", ColumnKind.FLOAT, "difference", priority=2),
        Column("tolerance", ColumnKind.FLOAT, "tolerance", only="export"),
        Column("status", ColumnKind.STATUS, "status"),
        Column("rule", key="convention", priority=1),
        Column("note", key="note", only="export"),
    )
    counts = {status: sum(r.status == status for r in results) for status in dict.fromkeys(["pass", *(r.status for r in results)])}
    title = "paper conformance: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + f" (of {len(results)})"
    if problems_only:
        title += f"; the {len(shown)} that did not pass" if shown else "; every check passes"
    failed = counts.get("fail", 0)
    verdict = _note(
        f"Verdict: {', '.join(f'{n} {status}' for status, n in counts.items())} (of {len(results)}); "
        + (f"{failed} FAIL" if failed else "nothing fails"),
        Severity.FAILURE if failed else Severity.INFO,
    )  # last, where a long listing ends: the first line has scrolled away
    return Grid(title, columns, tuple(rows), None, (*check_notes(results, shown, brief=problems_only), verdict))


def check_notes(results: Sequence[Any], shown: Sequence[Any] | None = None, *, brief: bool = False) -> list[Note]:
    """The sources' ids and the counting rules (numbered as in the table), then the notes of
    the shown checks that did not pass (``brief``: of the failures only; a known gap's
    explanation is left to the full listing)."""
    shown = results if shown is None else shown
    lines: list[Note] = [
        _note("pass: the difference is within the tolerance, half a unit of the published number's last digit unless the entry widens it (exports have each tolerance)", Severity.CONVENTION)
    ]
    ids = dict.fromkeys(f"{m.group(1)}: {m.group(2)}" for r in shown if (m := _ARXIV.match(r.source)))
    if ids:
        lines.append(_note("Sources: " + "; ".join(ids), Severity.CONVENTION))
    rules = list(dict.fromkeys(r.convention for r in results if r.convention))
    used = {r.convention for r in shown}
    lines.extend(_note(f"Rule {i}: {c}", Severity.CONVENTION) for i, c in enumerate(rules, 1) if c in used)
    gaps = [r for r in shown if r.status == "known gap"]
    if brief and gaps:
        lines.append(_note("Each known gap is explained by lwprof check --arch ARCH (in its notes) and in --format json", Severity.INFO))
    for r in shown:
        if r.note and r.status != "pass" and not (brief and r.status == "known gap"):
            lines.append(_note(f"{r.model} {r.quantity}: {r.note}", Severity.FAILURE if r.status == "fail" else Severity.INFO))
    return lines


# --------------------------------------------------------------------------------------------
# lwprof list


def _type_name(tp: Any) -> str:
    return "choice" if isinstance(tp, type) and issubclass(tp, enum.Enum) else getattr(tp, "__name__", str(tp))



def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(plain(value))


def _allowed(opt: Any) -> str:
    if opt.choices is not None:
        return ", ".join(str(plain(c)) for c in opt.choices)
    tp = opt.type
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return ", ".join(str(m.value) for m in tp)
    return {"bool": "on / off", "int": "integer", "float": "number"}.get(getattr(tp, "__name__", ""), "any")


def list_grid(specs: Sequence[Any]) -> Grid:
    """One row per option of every architecture (``lwprof list`` in CSV, TSV and Markdown).

    Args:
        specs: ``ArchSpec``s (name, aliases, paper, summary, compare_axis, options()).
    """
    rows = []
    for spec in specs:
        for opt in spec.options():
            rows.append(
                (
                    spec.name,
                    ", ".join(spec.aliases),
                    option_flag(opt.name, _type_name(opt.type)),
                    _default_text(opt.default),
                    _allowed(opt),
                    opt.help,
                    spec.paper,
                )
            )
    columns = (
        Column("architecture", key="arch"),
        Column("aliases", key="aliases"),
        Column("option", key="option"),
        Column("default", key="default"),
        Column("allowed values", key="allowed"),
        Column("meaning", key="help"),
        Column("paper", key="paper"),
    )
    return Grid("architectures", columns, tuple(rows))


def arch_grid(spec: Any) -> Grid:
    """The options of one architecture, for ``lwprof list`` as a rich table."""
    rows = tuple(
        (option_flag(opt.name, _type_name(opt.type)), _default_text(opt.default), _allowed(opt), opt.help) for opt in spec.options()
    )
    columns = (Column("option"), Column("default", wrap=True), Column("allowed values", wrap=True), Column("meaning", wrap=True))
    axis, values = spec.compare_axis
    notes = [
        f"paper: {spec.paper}",
        f"compare axis: --vary {axis}={','.join(str(plain(v)) for v in values)}",
    ]
    aliases = f" (aliases: {', '.join(spec.aliases)})" if spec.aliases else ""
    summary = f": {spec.summary}" if spec.summary else ""
    return Grid(f"{spec.name}{aliases}{summary}", columns, rows, None, info_notes(notes))


def list_dict(specs: Sequence[Any]) -> list[dict[str, Any]]:
    """``lwprof list --format json``: every architecture with its options."""
    out = []
    for spec in specs:
        axis, values = spec.compare_axis
        out.append(
            {
                "name": spec.name,
                "aliases": list(spec.aliases),
                "paper": spec.paper,
                "summary": spec.summary,
                "compare_axis": {axis: [plain(v) for v in values]},
                "options": [
                    {
                        "name": opt.name,
                        "flag": option_flag(opt.name, _type_name(opt.type)),
                        "type": _type_name(opt.type),
                        "default": plain(opt.default),
                        "choices": [plain(c) for c in opt.choices] if opt.choices is not None else None,
                        "allowed": _allowed(opt),
                        "help": opt.help,
                    }
                    for opt in spec.options()
                ],
            }
        )
    return out
