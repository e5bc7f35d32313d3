"""Cross-checks lwprof's counts against fvcore and torch's FlopCounterMode, module by module.

Both tools run a real forward pass (fvcore JIT-traces real tensors). For a profile counted on
``meta`` tensors they run once at batch 1 and their counts are scaled by the batch size (conv
and matmul work is linear in the batch); a profile that needed real tensors (its work may
depend on the data) is checked on the very same inputs. FlopCounterMode runs on PyTorch's
reference kernels (math attention, no oneDNN RNNs, no multi-head-attention fast path), so
that it sees every matmul.

Only multiply-accumulate-class work decides a verdict: fvcore's conv / matmul / linear /
einsum handles and FlopCounterMode's whole count (it counts nothing else). Each record gets a
verdict on its *own* work (a leaf's layer; a parent's functional ops outside its children):

* ``ok``: both tools count exactly lwprof's MACs;
* ``by design``: they do, and fvcore also counts non-MAC work here (its BatchNorm, norm,
  pooling and upsampling handles) that lwprof reports as other ops;
* ``fvcore gap``: FlopCounterMode agrees, fvcore does not (an op it has no handler for, such
  as ``aten::_convolution_mode`` of a conv with string padding, or scaled-dot-product
  attention);
* ``FlopCounterMode gap``: fvcore agrees, FlopCounterMode does not;
* ``unchecked``: neither tool counts anything here while lwprof does (an op both lack);
* ``MISMATCH``: both disagree with lwprof. Shown, never hidden.

A record's displayed verdict is the worst own verdict in its subtree, so the model's verdict
is MISMATCH exactly when :attr:`~lwprof.records.ModelProfile.mismatches` is not empty.

With ``--backward`` FlopCounterMode also counts one backward pass (a real forward, then
``torch.autograd.grad`` of the outputs' sum for the parameters that need a gradient; ``.grad``
is never written), and every record gets a backward verdict on its own backward MACs
(fvcore counts no backward): ``ok`` when FlopCounterMode counts the same; ``FlopCounterMode
gap`` when it differs by exactly its known over-count of a grouped or depthwise conv's weight
gradient (its ``conv_backward_flop`` multiplies by all C_in input channels, not C_in / groups:
``groups - 1`` times the forward's MACs too many); ``credited elsewhere`` when its model total
agrees with lwprof's (after that over-count) but its module tracker puts this work under other
modules (``torch.utils.module_tracker`` pushes a module when its outputs' gradients arrive and
pops it when its inputs' are complete: an identity module, one called on its own output,
branches that read one tensor and outputs that feed each other confuse it); ``unchecked`` where
it counts nothing; else ``MISMATCH``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from lwprof.counting.walker import ModuleState, copy_model, has_lazy, reference_kernels
from lwprof.errors import first_line
from lwprof.records import FVCORE_MAC_OPS, LayerRecord, ModelProfile, Verdict

__all__ = [
    "FVCORE_MAC_OPS", "ToolCounts", "attach_counts", "attach_crosschecks", "fvcore_counts", "judge", "judge_backward", "tool_counts",
    "torch_backward_by_module", "torch_by_module",
]  # fmt: skip

# fvcore's handles that count multiply-accumulates (its names, "aten::" dropped).

Inputs = tuple[Sequence[Any], Mapping[str, Any]]


@dataclasses.dataclass(frozen=True)
class FvcoreCounts:
    """fvcore's counts: per module name, by operator (cumulative over the subtree), and unsupported ops."""

    by_module_op: dict[str, dict[str, int]]
    unsupported: dict[str, int]

    def total(self, name: str) -> int:
        return sum(self.by_module_op.get(name, {}).values())

    def macs(self, name: str) -> int:
        return sum(v for op, v in self.by_module_op.get(name, {}).items() if op in FVCORE_MAC_OPS)

    def other(self, name: str) -> dict[str, int]:
        return {op: v for op, v in self.by_module_op.get(name, {}).items() if op not in FVCORE_MAC_OPS}


def fvcore_counts(model: nn.Module, args: Sequence[Any]) -> FvcoreCounts:
    """fvcore's count per module and operator for one forward on ``args`` (positional only)."""
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fvcore's import and tracer warn about torch.jit
        from fvcore.nn import FlopCountAnalysis

        analysis = FlopCountAnalysis(model, tuple(args))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        by = {name: {op: int(round(v)) for op, v in ops.items()} for name, ops in analysis.by_module_and_operator().items()}
        unsupported = {op.removeprefix("aten::"): n for op, n in analysis.unsupported_ops().items()}
    return FvcoreCounts(by, unsupported)


def flop_counter() -> Any:
    """torch's ``FlopCounterMode(display=False)``, whose dispatch does not import ``torch._dynamo``.

    Stock, its dispatch mode's ``__torch_dispatch__`` is wrapped in dynamo's "disable" shim,
    whose first call imports ``torch._dynamo`` and sympy (about 1 s, most of a cold
    cross-check). Nothing is compiled under the count, so the mode here runs the same
    dispatch function unwrapped (as the walker's own mode does, ``_Walk``): the same ops, the
    same formulas, the same counts. Where dynamo is imported already (a compiled model) or
    this torch lays the counter out otherwise, the stock counter is used.
    """
    from torch.utils import flop_counter as fc

    stock = getattr(fc, "_FlopCounterMode", None)
    raw = getattr(getattr(stock, "__torch_dispatch__", None), "__wrapped__", None)
    if "torch._dynamo" in sys.modules or stock is None or raw is None:
        return fc.FlopCounterMode(display=False)
    return _counter_class(fc, stock, raw)(display=False)


@functools.cache
def _counter_class(fc: Any, stock: type, raw: Any) -> type:
    class _Mode(stock):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False

        __torch_dispatch__ = raw

    class _Counter(fc.FlopCounterMode):
        def __enter__(self) -> Any:
            fc._FlopCounterMode = _Mode  # FlopCounterMode.__enter__ makes its mode from this name
            try:
                return super().__enter__()
            finally:
                fc._FlopCounterMode = stock

    return _Counter


def torch_by_module(model: nn.Module, args: Sequence[Any], kwargs: Mapping[str, Any] | None = None) -> dict[str, int]:
    """FlopCounterMode's count per module name, halved to MACs (it counts 2 FLOPs per MAC)."""
    with torch.no_grad(), reference_kernels(model), flop_counter() as counter:
        model(*args, **dict(kwargs or {}))
    return _by_name(model, {k: sum(ops.values()) for k, ops in counter.get_flop_counts().items()})


def _by_name(model: nn.Module, flops: Mapping[str, int]) -> dict[str, int]:
    """FlopCounterMode's FLOPs per key ("Net.features.0") as MACs per module name ("features.0")."""
    root = type(model).__name__
    out: dict[str, int] = {}
    for key, n in flops.items():
        if key == "Global":
            continue
        name = "" if key == root else key[len(root) + 1 :] if key.startswith(root + ".") else key
        out[name] = n // 2
    return out


def torch_backward_by_module(model: nn.Module, args: Sequence[Any], kwargs: Mapping[str, Any] | None = None) -> dict[str, int]:
    """FlopCounterMode's count of one backward pass per module name (its whole-model count under
    ``GLOBAL``), halved to MACs: a real forward
    with gradients on, then ``torch.autograd.grad`` of the sum of the floating outputs for the
    parameters that need a gradient (``.grad`` is never written), its counts less the forward's.
    The gradient of a scalar loss (not of the outputs themselves) lets FlopCounterMode's module
    tracker see the model's outputs' gradients arrive, which it needs to credit their modules."""
    from torch.utils.flop_counter import FlopCounterMode

    from lwprof.records import tensor_paths

    detached = [a.detach() if isinstance(a, torch.Tensor) else a for a in args]
    wanted = [p for p in model.parameters() if p.requires_grad]
    with torch.enable_grad(), reference_kernels(model), FlopCounterMode(display=False) as counter:
        y = model(*detached, **dict(kwargs or {}))
        forward = {k: sum(ops.values()) for k, ops in counter.get_flop_counts().items()}
        outputs = [t for _, t in tensor_paths(y) if t.requires_grad and t.is_floating_point()]
        if outputs and wanted:
            torch.autograd.grad(sum(t.sum() for t in outputs), wanted, allow_unused=True)
        both = {k: sum(ops.values()) for k, ops in counter.get_flop_counts().items()}
    del y, outputs
    backward = {k: n - forward.get(k, 0) for k, n in both.items()}
    return {**_by_name(model, backward), GLOBAL: backward.get("Global", 0) // 2}


GLOBAL = "<global>"  # FlopCounterMode's whole-model count, whoever its tracker credited (no module has this name)


def judge_backward(lwprof_macs: int, torch_macs: int | None, grouped_excess: int, totals_agree: bool) -> Verdict:
    """The backward verdict on one module's own work (see the module docstring)."""
    if torch_macs is None:
        return Verdict.NA
    if torch_macs == lwprof_macs:
        return Verdict.OK
    if grouped_excess and torch_macs == lwprof_macs + grouped_excess:
        return Verdict.TORCH_GAP
    if totals_agree:
        return Verdict.ELSEWHERE
    if not torch_macs and lwprof_macs:
        return Verdict.UNCHECKED
    return Verdict.MISMATCH


def judge(lwprof_macs: int, fvcore_macs: int | None, fvcore_other: int, torch_macs: int | None) -> Verdict:
    """The verdict on one module's own work (see the module docstring)."""
    f_ok = fvcore_macs is not None and fvcore_macs == lwprof_macs
    t_ok = torch_macs is not None and torch_macs == lwprof_macs
    if fvcore_macs is None and torch_macs is None:
        return Verdict.NA
    if (f_ok or fvcore_macs is None) and (t_ok or torch_macs is None):
        return Verdict.BY_DESIGN if fvcore_other else Verdict.OK
    if t_ok:
        return Verdict.FVCORE_GAP
    if f_ok:
        return Verdict.TORCH_GAP
    if not fvcore_macs and not torch_macs and lwprof_macs:
        return Verdict.UNCHECKED
    return Verdict.MISMATCH


@dataclasses.dataclass(frozen=True)
class ToolCounts:
    """What the two tools counted in one forward pass (unscaled), and why one did not run.

    Plain data, so that :mod:`lwprof.counting.cache` can keep it between runs.
    """

    fvcore: FvcoreCounts | None
    torch: dict[str, int] | None
    notes: tuple[str, ...] = ()
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)  # every name of a shared module -> its first
    torch_backward: dict[str, int] | None = None  # FlopCounterMode's backward MACs per module (--backward)

    def to_dict(self) -> dict[str, Any]:
        fv = None if self.fvcore is None else {"by_module_op": self.fvcore.by_module_op, "unsupported": self.fvcore.unsupported}
        out = {"fvcore": fv, "torch": self.torch, "notes": list(self.notes), "aliases": dict(self.aliases)}
        return out if self.torch_backward is None else {**out, "torch_backward": self.torch_backward}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolCounts:
        fv = data.get("fvcore")
        counts = None if fv is None else FvcoreCounts(dict(fv["by_module_op"]), dict(fv["unsupported"]))
        torch_counts = None if data.get("torch") is None else dict(data["torch"])
        backward = None if data.get("torch_backward") is None else dict(data["torch_backward"])
        return cls(counts, torch_counts, tuple(data.get("notes", ())), dict(data.get("aliases", {})), backward)


def tool_counts(model: nn.Module, inputs: Inputs, train: bool = False, backward: bool = False) -> ToolCounts:
    """Runs fvcore and FlopCounterMode on ``model`` with real ``inputs``, in the profile's mode (eval, or training
    with ``train``), and (``backward``) FlopCounterMode on one backward pass; the model's training flags, caches and
    buffers are put back, a lazy model runs on a copy."""
    args, kwargs = tuple(inputs[0]), dict(inputs[1])
    notes = []
    if has_lazy(model):  # the tools' forward would materialise the user's lazy modules: they run on a copy
        model = copy_model(model)
    was_training = [(m, m.training) for m in model.modules()]
    kept = ModuleState(model, buffers=True)  # the tools run real forwards: caches, counters, buffers put back after
    model.train(train)
    fv: FvcoreCounts | None = None
    tc: dict[str, int] | None = None
    tb: dict[str, int] | None = None
    try:
        if kwargs:
            notes.append("fvcore not run: it traces positional inputs only")
        else:
            try:
                fv = fvcore_counts(model, args)
            except Exception as exc:  # fvcore's tracer fails on some models (dict outputs, control flow)
                notes.append(f"fvcore could not trace the model ({type(exc).__name__}: {first_line(exc)})")
        try:
            tc = torch_by_module(model, args, kwargs)
        except Exception as exc:
            notes.append(f"FlopCounterMode failed ({type(exc).__name__}: {first_line(exc)})")
        if backward:
            try:
                tb = torch_backward_by_module(model, args, kwargs)
            except Exception as exc:
                notes.append(f"FlopCounterMode failed on the backward pass ({type(exc).__name__}: {first_line(exc)})")
    finally:
        for m, training in was_training:
            m.training = training
        kept.restore()
    return ToolCounts(fv, tc, tuple(notes), module_aliases(model), tb)


def module_aliases(model: nn.Module) -> dict[str, str]:
    """Every name of a shared (or re-registered) module -> its first name, the one lwprof's rows use."""
    first: dict[int, str] = {}
    aliases: dict[str, str] = {}
    for name, m in ([] if isinstance(model, torch.jit.ScriptModule) else model.named_modules(remove_duplicate=False)):
        aliases[name] = first.setdefault(id(m), name)
    return {n: canon for n, canon in aliases.items() if n != canon}


def _worst_below(layers: Sequence[LayerRecord], children: Mapping[str, Sequence[str]], own: Mapping[str, Verdict]) -> dict[str, Verdict]:
    """Every record's subtree verdict: the worst own verdict of it and everything below it."""
    subtree: dict[str, Verdict] = {}
    for r in reversed(layers):  # children come after their parent in pre-order
        worst = own[r.name]
        for c in children.get(r.name, ()):
            if subtree[c].rank > worst.rank:
                worst = subtree[c]
        subtree[r.name] = worst
    return subtree


def attach_crosschecks(profile: ModelProfile, model: nn.Module, inputs: Inputs, *, scale: int = 1, train: bool = False) -> ModelProfile:
    """Returns ``profile`` with fvcore's and FlopCounterMode's counts and a verdict per record.

    Args:
        profile: The profile.
        model: The same model with real (CPU) weights; it is put in eval mode for the check.
        inputs: Real positional and keyword inputs for the tools' forward pass.
        scale: The tools' counts are multiplied by this (the batch, when ``inputs`` are one
            sample of it).
        train: Run the tools in training mode (as the profile was counted with ``--train``).

    Returns:
        A new profile. When a tool cannot run (fvcore cannot trace keyword inputs or some
        models), the verdicts rest on the other one and ``crosscheck_note`` says why.
    """
    return attach_counts(profile, tool_counts(model, inputs, train, profile.backward), scale=scale)


def attach_counts(profile: ModelProfile, counts: ToolCounts, *, scale: int = 1) -> ModelProfile:
    """:func:`attach_crosschecks` from counts the tools made already (now, or in an earlier run)."""
    fv, tc, notes = counts.fvcore, counts.torch, list(counts.notes)
    if fv is None and tc is None:
        return dataclasses.replace(profile, crosscheck_note="; ".join(notes))

    # A shared module has several names (the tools may use any); its parents' rows hold the share
    # that ran beneath them, so their own work is judged on their totals.
    aliases = counts.aliases
    around_shared = {".".join(n.split(".")[:i]) for n, canon in aliases.items() if n != canon for i in range(n.count(".") + 1)}
    around_shared |= {".".join(canon.split(".")[:i]) for n, canon in aliases.items() if n != canon for i in range(canon.count(".") + 1)}
    if fv:
        fv = dataclasses.replace(fv, by_module_op={aliases.get(k, k): v for k, v in fv.by_module_op.items()})
    if tc is not None:
        tc = {aliases.get(k, k): v for k, v in tc.items()}

    children: dict[str, list[str]] = {}
    for r in profile.layers[1:]:
        children.setdefault(r.name.rsplit(".", 1)[0] if "." in r.name else "", []).append(r.name)

    def own(counts: Mapping[str, int], name: str) -> int:
        if name in around_shared:
            return counts.get(name, 0)
        return counts.get(name, 0) - sum(counts.get(c, 0) for c in children.get(name, ()))

    # A container that is never called (a ModuleList, a Sequential iterated by its parent) gets
    # no count of its own from the tools: it holds what its children hold.
    uncalled = [r.name for r in reversed(profile.layers) if not r.is_leaf and r.calls == 0]

    def cumulative(counts: dict[str, int]) -> dict[str, int]:
        for name in uncalled:
            counts[name] = sum(counts.get(c, 0) for c in children.get(name, ()))
        return counts

    fv_macs = cumulative({name: fv.macs(name) * scale for name in fv.by_module_op}) if fv else {}
    fv_total = cumulative({name: fv.total(name) * scale for name in fv.by_module_op}) if fv else {}
    fv_other = cumulative({name: sum(fv.other(name).values()) * scale for name in fv.by_module_op}) if fv else {}
    tc_macs = cumulative({name: n * scale for name, n in tc.items()}) if tc is not None else {}
    own_verdicts: dict[str, Verdict] = {}
    for r in profile.layers:
        mine = r.macs if r.is_leaf or r.name in around_shared else r.functional_macs
        own_verdicts[r.name] = judge(
            mine,
            own(fv_macs, r.name) if fv else None,
            own(fv_other, r.name) if fv else 0,
            own(tc_macs, r.name) if tc is not None else None,
        )
    subtree = _worst_below(profile.layers, children, own_verdicts)
    records = tuple(
        dataclasses.replace(
            r,
            fvcore_macs=fv_total.get(r.name, 0) if fv else None,
            torch_macs=tc_macs.get(r.name, 0) if tc is not None else None,
            crosscheck=subtree[r.name],
            crosscheck_own=own_verdicts[r.name],
        )
        for r in profile.layers
    )
    if profile.backward and counts.torch_backward is not None:
        tb = cumulative({aliases.get(k, k): n * scale for k, n in counts.torch_backward.items()})
        records = _judged_backward(records, tb, own, children, tb.pop(GLOBAL, None))
    by_op: dict[str, int] = {}
    if fv:
        for op, n in fv.by_module_op.get("", {}).items():
            by_op[op] = n * scale
    return dataclasses.replace(
        profile,
        layers=records,
        crosscheck_note="; ".join(notes),
        fvcore_by_op=by_op,
        fvcore_unsupported=tuple(sorted(fv.unsupported)) if fv else (),
    )


def _judged_backward(
    records: Sequence[LayerRecord], tb: Mapping[str, int], own: Any, children: Mapping[str, Sequence[str]], total: int | None
) -> tuple[LayerRecord, ...]:
    """The records with FlopCounterMode's backward counts and a backward verdict each, on own work
    as the forward's (``own``: a count less its children's, or the total around a shared module);
    ``total``: FlopCounterMode's whole-model count."""
    mine = {r.name: r.backward_macs or 0 for r in records}
    excess = {r.name: _grouped_excess(r) for r in records if r.is_leaf}
    for r in reversed(records):  # a parent's excess is its subtree's
        if not r.is_leaf:
            excess[r.name] = sum(excess.get(c, 0) for c in children.get(r.name, ()))
    agree = total is not None and total == mine[records[0].name] + excess[records[0].name]
    verdicts = {r.name: judge_backward(own(mine, r.name), own(tb, r.name), own(excess, r.name), agree) for r in records}
    subtree = _worst_below(records, children, verdicts)
    return tuple(
        dataclasses.replace(
            r, torch_backward_macs=total if not r.name and total is not None else tb.get(r.name, 0), backward_check=subtree[r.name], backward_check_own=verdicts[r.name]
        )
        for r in records
    )


def _grouped_excess(r: LayerRecord) -> int:
    """FlopCounterMode's known over-count of a grouped (or depthwise) conv leaf's weight gradient:
    it multiplies by all C_in channels, ``groups`` times the true count (when the weight needs one)."""
    if r.conv is None or r.conv.groups <= 1 or not r.trainable_params:
        return 0
    if r.input_shape and r.output_shape and len(r.input_shape) > 1 and len(r.output_shape) > 1 and r.trainable_params != r.params:
        weight = r.input_shape[1] * r.output_shape[1] // r.conv.groups * math.prod(r.conv.kernel)  # C_in x C_out / g x k
        if r.trainable_params != weight:  # its bias alone needs a gradient
            return 0
    return (r.conv.groups - 1) * r.macs
