"""Kernels: the units a runtime executes after fusing layers, found by kernel detection.

nn-Meter (Zhang et al., MobiSys 2021) predicts latency per *kernel*, the runtime's unit of execution
after its graph optimisations, not per layer: ONNX Runtime runs a convolution, the BatchNorm folded
into it and the activation after it as one node. Which layers fuse is a property of the runtime,
so it is measured, not assumed (*kernel detection*): for a pair of layer kinds A -> B that are
adjacent in the zoo, time A alone, B alone and A followed by B; B is **fused** into A when adding it
costs less than half of what it costs alone::

    t(A -> B) - t(A) < FUSED_SHARE x t(B)

(the midpoint between "free" and "a kernel of its own"), in the median over the pair's trials (two sizes). The rules found are stored in the
calibration (:class:`FusionRule`); eager PyTorch fuses nothing (no rules).

:func:`kernels` groups a profile's leaves, in execution order, into kernels by those rules: a leaf
whose kind is fused after the current kernel's head kind, and whose input is the previous leaf's
output, joins that kernel; anything else starts a new one. A kernel's kind is its head's kind and
its members' (``conv1x1+batchnorm+activation``, :func:`~lwprof.latency.terms.kernel_kind`).

Torch-free.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lwprof.latency.terms import FUSION_PARTS, KINDS, Placement, kernel_kind, leaf_kind
from lwprof.records import LayerRecord, ModelProfile

__all__ = ["FUSED_SHARE", "FusionRule", "Kernel", "Trial", "assign", "detect", "fused", "fusion_part", "kernels"]

FUSED_SHARE = 0.5  # B is fused when it adds less than this share of its own time to A


@dataclass(frozen=True)
class Trial:
    """One detection test case: the seconds of A, of B and of A -> B, each run alone on the runtime.

    Attributes:
        head: The kind of A's head (``conv1x1``).
        member: The kind of B (``activation``).
        label: What ran (``conv1x1 16->16 112x112 + bn -> relu6``).
        a_s: Seconds of A.
        b_s: Seconds of B.
        ab_s: Seconds of A -> B.
    """

    head: str
    member: str
    label: str
    a_s: float
    b_s: float
    ab_s: float

    @property
    def added(self) -> float:
        """What B added to A, as a share of B alone: about 0 when fused, about 1 when not."""
        return (self.ab_s - self.a_s) / self.b_s if self.b_s > 0 else 1.0

    @property
    def fused(self) -> bool:
        return fused(self.a_s, self.b_s, self.ab_s)


def fused(a_s: float, b_s: float, ab_s: float, share: float = FUSED_SHARE) -> bool:
    """Whether B ran fused into A: A -> B cost less than A plus ``share`` of B."""
    return ab_s - a_s < share * b_s


def fusion_part(record: LayerRecord) -> str:
    """What a leaf is called in a kernel kind: its cost kind, or a finer part (:data:`~lwprof.latency.terms.FUSION_PARTS`: ``relu``)."""
    if record.type == "ReLU":
        return "relu"
    return leaf_kind(record)[0]


@dataclass(frozen=True)
class FusionRule:
    """A layer of kind ``member`` directly after a kernel whose head is of kind ``head`` runs inside that kernel.

    Attributes:
        head: The head's kind.
        member: The fused layer's kind.
        added: The largest share of its own time the member added in the detection tests (about 0).
        trials: How many detection tests agreed.
    """

    head: str
    member: str
    added: float = 0.0
    trials: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"head": self.head, "member": self.member, "added": self.added, "trials": self.trials}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FusionRule:
        return cls(str(data["head"]), str(data["member"]), float(data.get("added", 0.0)), int(data.get("trials", 0)))


def detect(trials: Iterable[Trial]) -> tuple[FusionRule, ...]:
    """The rules the trials show: a (head, member) pair is fused when the median of its trials' added shares is below
    :data:`FUSED_SHARE` (one trial spoiled by another process's burst does not decide a pair that has several)."""
    by_pair: dict[tuple[str, str], list[Trial]] = {}
    for t in trials:
        by_pair.setdefault((t.head, t.member), []).append(t)
    out = []
    for (head, member), ts in by_pair.items():
        added = statistics.median(t.added for t in ts)
        if added < FUSED_SHARE:
            out.append(FusionRule(head, member, max(added, 0.0), len(ts)))
    return tuple(out)


@dataclass(frozen=True)
class Kernel:
    """One kernel: its head record, the records fused into it, and its kind."""

    head: LayerRecord
    members: tuple[LayerRecord, ...]
    kind: str

    @property
    def records(self) -> tuple[LayerRecord, ...]:
        return (self.head, *self.members)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.records)


def kernels(leaves: ModelProfile | Sequence[LayerRecord], rules: Iterable[FusionRule], known: Collection[str] | None = None) -> list[Kernel]:
    """Groups leaves (those that run, in execution order) into kernels by ``rules``.

    Args:
        leaves: A profile (its leaves that run) or leaf records in execution order.
        rules: The fusion rules (none: every leaf is its own kernel).
        known: When given, a member joins a kernel only when the grown kernel's kind is one of
            these (a calibration's kinds: a kernel it never measured is split, its members priced alone).
    """
    records = [r for r in leaves.leaves() if r.calls] if isinstance(leaves, ModelProfile) else list(leaves)
    pairs = {(r.head, r.member) for r in rules}
    groups: list[tuple[LayerRecord, list[LayerRecord], list[str]]] = []
    for record in records:
        if groups:
            head, members, parts = groups[-1]
            last = members[-1] if members else head
            part = fusion_part(record)
            if (leaf_kind(head)[0], part) in pairs and part not in parts and record.input_shape == last.output_shape and record.calls == head.calls:
                members.append(record)
                parts.append(part)
                continue
        groups.append((record, [], []))
    out: list[Kernel] = []
    for head, members, parts in groups:
        kind = leaf_kind(head)[0]
        keep = len(members)
        while known is not None and keep and kernel_kind(kind, tuple(parts[:keep])) not in known:
            keep -= 1  # a kernel the calibration never measured: its longest measured head, the rest priced alone
        out.append(Kernel(head, tuple(members[:keep]), kernel_kind(kind, tuple(parts[:keep]))))
        out.extend(Kernel(m, (), leaf_kind(m)[0]) for m in members[keep:])
    return out


def assign(profile: ModelProfile, rules: Sequence[FusionRule], known: Collection[str] | None = None) -> dict[str, Placement]:
    """Every fused leaf's kernel kind and whether it is the head (leaves alone in their kernel are left out)."""
    if not rules:
        return {}
    out: dict[str, Placement] = {}
    for k in kernels(profile, rules, known):
        if k.members:
            out[k.head.name] = (k.kind, True)
            for m in k.members:
                out[m.name] = (k.kind, False)
    return out


def check_rule(head: Any, member: Any) -> bool:
    """Whether a stored rule names layer kinds (what a calibration file may hold)."""
    return isinstance(head, str) and isinstance(member, str) and head in KINDS and (member in KINDS or member in FUSION_PARTS) and head != member
