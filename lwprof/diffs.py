"""A layer-level difference of two profiles (``lwprof diff``): rows aligned by module path.

Pure data on :mod:`lwprof.records` (no torch, no rich): each module path of either profile
becomes one :class:`LayerChange` (same, changed, added or removed), in the order the modules
run in A, with B's new modules after the module that precedes them in B.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lwprof.records import LayerRecord, ModelProfile, Shape, _StrEnum

__all__ = ["Change", "LayerChange", "ModelDiff", "diff_profiles"]


class Change(_StrEnum):
    SAME = "same"  #: type, hyper-parameters, output shape, params and MACs all equal
    CHANGED = "changed"  #: in both, something differs
    ADDED = "added"  #: only in B
    REMOVED = "removed"  #: only in A


@dataclass(frozen=True)
class LayerChange:
    """One module path in A, in B, or in both."""

    name: str
    change: Change
    a: LayerRecord | None
    b: LayerRecord | None

    @property
    def record(self) -> LayerRecord:
        """B's record where there is one, else A's."""
        return self.b if self.b is not None else self.a  # type: ignore[return-value]

    @property
    def depth(self) -> int:
        return self.record.depth

    @property
    def is_leaf(self) -> bool:
        return self.record.is_leaf

    def count(self, side: str, what: str) -> int:
        r = self.a if side == "a" else self.b
        return int(getattr(r, what)) if r is not None else 0

    def delta(self, what: str) -> int:
        """B's ``params`` or ``macs`` less A's (a missing side counts 0)."""
        return self.count("b", what) - self.count("a", what)

    @property
    def what(self) -> tuple[str, ...]:
        """What differs: "type", "hparams", "shape", "params", "macs"."""
        if self.a is None or self.b is None:
            return ()
        out = []
        if self.a.type != self.b.type:
            out.append("type")
        if dict(self.a.hparams) != dict(self.b.hparams):
            out.append("hparams")
        if self.a.output_shape != self.b.output_shape:
            out.append("shape")
        if self.a.params != self.b.params:
            out.append("params")
        if self.a.macs != self.b.macs:
            out.append("macs")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        def side(r: LayerRecord | None) -> dict[str, Any] | None:
            if r is None:
                return None
            shape: Shape | None = r.output_shape
            return {"type": r.type, "output_shape": list(shape) if shape else None, "params": r.params, "macs": r.macs}

        return {
            "name": self.name,
            "change": str(self.change),
            "what": list(self.what),
            "depth": self.depth,
            "is_leaf": self.is_leaf,
            "a": side(self.a),
            "b": side(self.b),
            "params_delta": self.delta("params"),
            "macs_delta": self.delta("macs"),
        }


@dataclass(frozen=True)
class ModelDiff:
    """Two profiles and their modules aligned by path.

    Attributes:
        a_label: How A was given (a spec or a file).
        b_label: Likewise B.
        a: A's profile.
        b: B's profile.
        rows: One per module path below the models, A's order first.
    """

    a_label: str
    b_label: str
    a: ModelProfile
    b: ModelProfile
    rows: tuple[LayerChange, ...]

    def __iter__(self) -> Iterator[LayerChange]:
        return iter(self.rows)

    def counts(self) -> dict[str, int]:
        """How many rows of each kind of change."""
        return {str(c): sum(r.change is c for r in self.rows) for c in Change}

    def ratio(self, what: str) -> float | None:
        """B's total ``params`` or ``macs`` over A's (None when A's is 0)."""
        base = getattr(self.a, what)
        return getattr(self.b, what) / base if base else None

    def to_dict(self, *, changed_only: bool = False) -> dict[str, Any]:
        """The documented JSON shape of ``lwprof diff --format json``."""
        totals = {}
        for what in ("params", "macs", "flops", "other_ops"):
            a, b = getattr(self.a, what), getattr(self.b, what)
            totals[what] = {"a": a, "b": b, "delta": b - a, "ratio": b / a if a else None}
        return {
            "a": {"label": self.a_label, "arch": self.a.arch, "spec": self.a.spec, "input_shape": list(self.a.input_shape)},
            "b": {"label": self.b_label, "arch": self.b.arch, "spec": self.b.spec, "input_shape": list(self.b.input_shape)},
            "totals": totals,
            "counts": self.counts(),
            "layers": [r.to_dict() for r in self.rows if not changed_only or r.change is not Change.SAME],
        }


def _change(a: LayerRecord | None, b: LayerRecord | None) -> Change:
    if a is None:
        return Change.ADDED
    if b is None:
        return Change.REMOVED
    same = a.type == b.type and dict(a.hparams) == dict(b.hparams) and a.output_shape == b.output_shape
    return Change.SAME if same and a.params == b.params and a.macs == b.macs else Change.CHANGED


def diff_profiles(a: ModelProfile, b: ModelProfile, a_label: str = "A", b_label: str = "B") -> ModelDiff:
    """Aligns two profiles by module path.

    A's modules keep their order; a module only B has comes right after the module that
    precedes it in B (or first).
    """
    in_a = {r.name: r for r in a.layers[1:]}
    in_b = {r.name: r for r in b.layers[1:]}
    order = list(in_a)
    position = {name: i for i, name in enumerate(order)}
    inserted: dict[str, list[str]] = {}  # A's name (or "" for the start) -> B's new names after it
    previous = ""
    for name in in_b:
        if name in position:
            previous = name
        else:
            inserted.setdefault(previous, []).append(name)
    names = list(inserted.get("", []))
    for name in order:
        names.append(name)
        names.extend(inserted.get(name, []))
    rows = tuple(LayerChange(n, _change(in_a.get(n), in_b.get(n)), in_a.get(n), in_b.get(n)) for n in names)
    return ModelDiff(a_label, b_label, a, b, rows)
