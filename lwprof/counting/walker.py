"""Walks a model's forward pass and builds one record per module.

How it works:

* The model runs once on ``meta`` tensors: shapes only, no activation memory, any input size
  or batch. The model itself is never changed: weights on another device are swapped for
  ``meta`` copies for the duration of the call (``torch.func.functional_call``), and any other
  tensor a forward touches is seen through a ``meta`` copy inside the dispatch mode below.
* Global module hooks keep a stack of the modules being run. When a leaf module returns,
  its registered formula (:mod:`lwprof.counting.formulas`) computes params, MACs and output
  shape from its hyper-parameters and input shape.
* A ``TorchDispatchMode`` sees every aten op. Ops inside a leaf whose formula applies are
  already counted by it; every other op (a residual add, a concat, ``F.conv2d`` or
  ``torch.matmul`` in a ``forward``, or the work of a leaf with no formula) is costed by
  :mod:`lwprof.counting.ops` and attributed to the innermost running module, so nothing is
  invisible. Every cost is also credited to each module on the call stack when it runs: a
  parent's row is what ran beneath it, a shared module's parents each get their share.
* :class:`ModuleState` saves every attribute of every module before the walk and puts them
  back after it (caches that were ``None``, lists, dicts, hooks, ``requires_grad``, and on
  real tensors the buffers' values). Lazy modules are counted on a copy one forward
  materialises; the model itself stays uninitialised.
* A leaf whose type has a formula but whose own ``forward`` differs (a ``Conv2d`` subclass that
  pads first) or whose parameters differ from the formula's is counted from its ops instead,
  exactly, and marked "op level" with a note. With ``verify=True`` the formula's output shape
  is also checked against what PyTorch produced, and a disagreement falls back the same way.
* For speed, a leaf whose formula applies has its forward replaced during the walk by a
  stand-in that allocates the formula's output without running the op (its input and
  parameters are checked first; anything unexpected runs the real forward). The formula's
  shape is then not checked against PyTorch's on that call: the test suite checks every zoo
  model with ``verify=True``, which never uses stand-ins. Likewise the mode answers common
  ops from :mod:`lwprof.counting.shapes` instead of running PyTorch's Python meta kernels.
* It tracks which activation tensors are alive, for the peak activation memory.

When the forward needs real values (``.item()``, ``nonzero``, a copy to the CPU, numpy), the
meta walk raises :class:`NeedsRealTensors`; ``device="cpu"`` runs the same walk on real CPU
tensors (PyTorch's reference kernels, so that every matmul is seen), with a memory limit.
"""

from __future__ import annotations

import contextlib
import math
import operator
import os
import sys
import warnings
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

from lwprof.counting.formulas import (
    LayerCost,
    accepts,
    cost_kind,
    find_formula,
    formula_applies,
    registered_type,
    stands_in,
)
from lwprof.counting.ops import first_tensor, op_cost
from lwprof.counting.shapes import FAST_SHAPES, SAME_SHAPE_OPS, empty
from lwprof.errors import LwprofError, first_line
from lwprof.guards import exit_text, no_os_exit
from lwprof.records import (
    ConvSpec,
    InputSpec,
    LayerKind,
    LayerRecord,
    ModelProfile,
    Note,
    Severity,
    Shape,
    Status,
    inputs_text,
    layer_label,
    tensor_paths,
)

__all__ = ["MemoryLimitExceeded", "ModuleState", "NeedsRealTensors", "copy_model", "has_lazy", "materialised", "reference_kernels", "walk"]


class NeedsRealTensors(LwprofError):
    """The forward cannot run on ``meta`` tensors: it needs real values (or a real device).

    Attributes:
        reason: The forward's error, in one line.
        peak_bytes: Activation bytes alive at once before it stopped (a lower bound for a
            real run).
    """

    def __init__(self, reason: str, peak_bytes: int) -> None:
        super().__init__(f"the forward pass cannot run on meta tensors ({reason}); count it on real tensors with device='cpu'")
        self.reason, self.peak_bytes = reason, peak_bytes


class MemoryLimitExceeded(LwprofError):
    """A real-tensor walk would keep more activation memory alive than allowed."""


@dataclass
class _Acc:
    """Running totals of one module over all its calls in the forward pass."""

    calls: int = 0
    in_shape: Shape | None = None
    out_shape: Shape | None = None
    cost: LayerCost | None = None
    macs: int = 0
    other_ops: int = 0
    fn_macs: int = 0
    fn_ops: int = 0
    fn_calls: int = 0  # aten ops run in this module's own forward, outside any child
    fn_write: int = 0  # elements those ops wrote (views and in-place ops write none)
    read: int = 0
    write: int = 0
    op_level: bool = False
    note: str = ""
    incl_macs: int = 0  # MACs of all work that ran while this module was on the call stack
    incl_ops: int = 0
    calls_ops: list[list[int]] = field(default_factory=list)  # per running call of a formula leaf: [MACs, other ops] of its ops


def _tensors(value: Any) -> list[torch.Tensor]:
    """Every tensor in an op's output (a tensor, or a flat tuple/list of them)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)) and all(not isinstance(v, (tuple, list, dict)) for v in value):
        return [v for v in value if isinstance(v, torch.Tensor)]
    return [v for v in tree_flatten(value)[0] if isinstance(v, torch.Tensor)]


_ALIASES: dict[Any, bool] = {}


def _aliases_input(func: Any) -> bool:
    """Whether an op's output shares an input's memory (a view, or an in-place op).

    Inside ``__torch_dispatch__`` (below autograd's view tracking) a view's ``_base`` is None,
    so the op's schema decides; ``_unsafe_view`` (a view of a fresh clone in ``reshape``) is
    declared without alias info but allocates nothing either.
    """
    known = _ALIASES.get(func)
    if known is None:
        known = _ALIASES[func] = func.__name__.split(".")[0] == "_unsafe_view" or any(r.alias_info is not None for r in func._schema.returns)
    return known


@contextlib.contextmanager
def reference_kernels(model: nn.Module | None = None) -> Iterator[None]:
    """PyTorch's reference (math) kernels on the CPU, so a dispatch-level count sees every matmul.

    Fused CPU kernels hide their matmuls in one op no counter knows: scaled-dot-product
    attention's flash kernel, the multi-head-attention fast path, and (for a model with RNNs)
    oneDNN's RNN kernels. oneDNN stays on otherwise: its convolutions are the fast ones.
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel

    rnn = model is not None and any(isinstance(m, nn.RNNBase) for m in model.modules())
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with warnings.catch_warnings(), sdpa_kernel(SDPBackend.MATH):
            warnings.simplefilter("ignore")  # oneDNN's flags() warns about TF32 on Intel GPUs
            with torch.backends.mkldnn.flags(enabled=False) if rnn else contextlib.nullcontext():
                yield
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


class _Walk(TorchDispatchMode):
    """Dispatch mode + module hooks for one forward pass."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # By default torch wraps __torch_dispatch__ in a dynamo "disable" shim whose first call
        # imports torch._dynamo (about 2 s). Nothing here is compiled, so opt out.
        return False

    def __init__(self, model: nn.Module, *, verify: bool = False, real: bool = False, memory_limit: int | None = None) -> None:
        super().__init__()
        self.verify, self.real, self.memory_limit = verify, real, memory_limit
        self.script = isinstance(model, torch.jit.ScriptModule)
        pairs = [("", model)] if self.script else list(model.named_modules())
        self.names = {id(m): n for n, m in pairs}
        self.modules = {id(m): m for _, m in pairs}
        self.leaf = {i: self.script or next(iter(m.children()), None) is None for i, m in self.modules.items()}
        self.formula = {i: find_formula(m) if self.leaf[i] and not self.script and formula_applies(m) else None for i, m in self.modules.items()}
        self.acc: dict[int, _Acc] = {i: _Acc() for i in self.modules}
        self.stack: list[int] = []
        self.live = self.peak = self.live_bytes = self.peak_bytes = 0
        self._seen: set[int] = set()
        self._meta: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self._pending: dict[int, LayerCost] = {}
        self.failed_op: Any = None  # the op that raised, when the forward fails
        self.foreign: dict[int, nn.Module] = {}  # modules outside the model's tree that ran (created in forward)
        self.on_done: Any = None  # called when the model's own forward returns (before functional_call puts weights back)
        self.replaced: list[tuple[nn.Module, str]] = []
        if self.script:
            self.acc[id(model)].op_level = True

    def to_meta(self, value: Any) -> Any:
        """A meta copy of a tensor on another device (a CPU weight), cached per walk."""
        if not isinstance(value, torch.Tensor) or value.device.type == "meta":
            return value
        cached = self._meta.get(id(value))
        if cached is None or cached[0] is not value:
            with torch._C._DisableTorchDispatch():
                cached = self._meta[id(value)] = (value, value.to("meta"))
        return cached[1]

    # -- formula stand-ins ------------------------------------------------------------------
    def stand_in(self, module: nn.Module) -> Any:
        """A ``forward`` for a leaf that returns its formula's output instead of computing it.

        Only for layers whose forward allocates one fresh output (``formulas.stands_in``); the
        input and parameters are checked first (``formulas.accepts``) and anything unexpected
        runs the real forward, so errors are PyTorch's own and odd layers are counted from
        their ops. Skips the functional wrapper and the dispatcher, the bulk of a shape-only
        walk; ``verify=True`` and real-tensor walks never use it.
        """
        key, formula = id(module), self.formula[id(module)]
        assert formula is not None  # only modules with a formula stand in
        real = type(module).forward.__get__(module)
        inplace = bool(getattr(module, "inplace", False))

        def forward(*args: Any, **kwargs: Any) -> Any:
            x = args[0] if len(args) == 1 and not kwargs else None
            if not isinstance(x, torch.Tensor) or x.device.type != "meta" or not accepts(module, tuple(x.shape)):
                return real(*args, **kwargs)
            cost = formula(module, tuple(x.shape))
            if min(cost.out_shape, default=1) < 1 or cost.params != _own_params(module):
                return real(*args, **kwargs)
            self._pending[key] = cost
            if inplace and tuple(cost.out_shape) == tuple(x.shape):
                return x
            with torch._C._DisableTorchDispatch():  # a plain meta allocation, not an op to count
                out = torch.empty(tuple(cost.out_shape), dtype=x.dtype, device="meta")
            self.track(out)
            return out

        return forward

    # -- activation liveness -------------------------------------------------------------
    def track(self, tensor: torch.Tensor) -> None:
        """Counts a newly allocated activation until it is garbage collected."""
        if tensor._base is not None or id(tensor) in self._seen:
            return
        n = tensor.numel()
        size = n * tensor.element_size()
        self._seen.add(id(tensor))
        self.live += n
        self.live_bytes += size
        self.peak = max(self.peak, self.live)
        self.peak_bytes = max(self.peak_bytes, self.live_bytes)
        weakref.finalize(tensor, self._free, id(tensor), n, size)
        if self.memory_limit is not None and self.live_bytes > self.memory_limit:
            raise MemoryLimitExceeded(
                f"the real-tensor forward pass keeps more than {_gib(self.memory_limit)} of activations alive "
                f"(the limit; set LWPROF_MAX_MEMORY to change it); use a smaller input or batch"
            )

    def _free(self, key: int, n: int, size: int) -> None:
        self._seen.discard(key)
        self.live -= n
        self.live_bytes -= size

    # -- module hooks --------------------------------------------------------------------
    def credit(self, macs: int, ops: int, *also: int) -> None:
        """Credits work to every module on the call stack (each once, even when it recurses) and to ``also``."""
        if not (macs or ops):
            return
        stack = self.stack
        for k in {*stack, *also} if len(stack) > 1 or also else stack:
            acc = self.acc[k]
            acc.incl_macs += macs
            acc.incl_ops += ops

    def pre_hook(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        key = id(module)
        if key not in self.modules:
            self.foreign.setdefault(key, module)
            return
        self.stack.append(key)
        acc = self.acc[key]
        acc.calls += 1
        x = first_tensor(args)
        acc.in_shape = tuple(x.shape) if x is not None else None
        if self.formula[key] is not None:
            acc.calls_ops.append([0, 0])

    def post_hook(self, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        key = id(module)
        if key not in self.modules:
            return
        self.stack.pop()
        if not self.stack and self.on_done is not None:
            self.replaced = self.on_done()
        acc = self.acc[key]
        y = first_tensor(output)
        acc.out_shape = tuple(y.shape) if y is not None else None
        if y is not None:
            acc.write += y.numel()
        if acc.in_shape is not None:
            acc.read += math.prod(acc.in_shape)
        own_params = _own_params(module)
        acc.read += own_params
        formula = self.formula[key]
        if formula is None:
            return
        ops_macs, ops_other = acc.calls_ops.pop() if acc.calls_ops else (0, 0)
        stood_in = self._pending.pop(key, None)
        cost = stood_in or (formula(module, acc.in_shape) if acc.in_shape is not None else None)
        why = ""
        if cost is None:
            why = "it was called without a tensor as its first argument"
        elif acc.out_shape is not None and tuple(cost.out_shape) != acc.out_shape:
            why = f"its formula gives output shape {tuple(cost.out_shape)}, PyTorch gives {acc.out_shape}"
        elif cost.params != own_params:
            why = f"it holds {own_params:,} parameters, its formula {cost.params:,}"
        if why and stood_in is None:  # counted from the ops it ran, exactly
            acc.op_level = True
            acc.note = acc.note or f"counted from its ops: {why}"
            acc.macs += ops_macs
            acc.other_ops += ops_other
            self.credit(ops_macs, ops_other, key)
            return
        acc.cost = cost
        acc.macs += cost.macs  # type: ignore[union-attr]
        acc.other_ops += cost.other_ops  # type: ignore[union-attr]
        self.credit(cost.macs, cost.other_ops, key)  # type: ignore[union-attr]

    # -- dispatch ------------------------------------------------------------------------
    def __torch_dispatch__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        if not self.real:
            args = self._map_meta(args)
            if kwargs:
                kwargs = tree_map(self.to_meta, kwargs)
        try:
            out = self._run(func, args, kwargs)
        except Exception:
            self.failed_op = self.failed_op or func
            raise
        if self.stack:
            owner = self.stack[-1]
            macs, ops = op_cost(func, args, kwargs, out)
            acc = self.acc[owner]
            if self.formula[owner] is None:
                acc.fn_macs += macs
                acc.fn_ops += ops
                acc.fn_calls += 1
                self.credit(macs, ops)
                if not _aliases_input(func):
                    acc.fn_write += sum(t.numel() for t in _tensors(out))
            elif acc.calls_ops:
                acc.calls_ops[-1][0] += macs
                acc.calls_ops[-1][1] += ops
        if not _aliases_input(func):
            for tensor in _tensors(out):
                self.track(tensor)
        return out

    def _map_meta(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """``tree_map(self.to_meta, args)`` for the usual flat argument tuples, faster."""
        out = []
        for a in args:
            if isinstance(a, torch.Tensor):
                out.append(a if a.device.type == "meta" else self.to_meta(a))
            elif type(a) in (list, tuple) and all(isinstance(v, torch.Tensor) for v in a):
                out.append(type(a)(self.to_meta(v) for v in a))
            elif isinstance(a, (dict, list, tuple)):  # nested, a namedtuple: pytree-style, everything but tensors untouched
                out.append(tree_map(self.to_meta, a))
            else:
                out.append(a)
        return tuple(out)

    def _run(self, func: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        if self.real or self.verify or kwargs.get("out") is not None:
            return func(*args, **kwargs)
        shape_fn = FAST_SHAPES.get(func)
        if shape_fn is not None:
            out = shape_fn(*args, **kwargs)
            if out is not None:
                return out
        name = func._schema.name.split("::")[-1]
        if name in SAME_SHAPE_OPS and args[0].is_floating_point():  # exp of an int tensor is a float one
            x = args[0]
            return x if name.endswith("_") else empty(x, x.shape)
        return func(*args, **kwargs)


def _own_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module._parameters.values() if p is not None and not _uninitialized(p))


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def _meta_state(model: nn.Module, state: _Walk, stood_in: set[int]) -> dict[str, torch.Tensor]:
    """Meta copies of the parameters and buffers that live elsewhere (a user's CPU model), for
    the modules whose own forward runs: some check devices before dispatch (``nn.LSTM``). A
    stand-in never reads its weights, and an op that does sees them as meta in dispatch, so
    a model of stand-ins (the zoo) needs no copy and no ``functional_call``."""
    out = {}
    for prefix, m in model.named_modules(remove_duplicate=False):
        if id(m) in stood_in:
            continue
        for name, tensor in (*m._parameters.items(), *m._buffers.items()):
            if tensor is not None and tensor.device.type != "meta":
                out[f"{prefix}.{name}" if prefix else name] = state.to_meta(tensor)
    return out


_MISSING = object()
_MODULE_INTERNALS = frozenset(nn.Module().__dict__)  # _parameters, _buffers, _modules, hooks, training


_CONTAINERS = (list, dict, set)


class ModuleState:
    """Everything a forward (or a counting tool) may change in a model, taken before and put back after.

    Every attribute of every module, whatever its value (``None``, a number, a list, a dict, a
    cache, a hook table, ``_parameters``, ``_buffers``, ``_modules``, ``training``): attributes
    the forward added are removed, replaced ones put back, containers (lists, dicts, sets)
    refilled with their items (by identity; ``==`` on tensors compares values). Parameters keep
    their ``requires_grad``. With ``buffers=True`` (a walk on real tensors) the values of the
    buffers and of every other tensor in an attribute (``self.count = torch.zeros(1)``, or one in
    a container) are saved and copied back in place, since an in-place update on a real tensor
    (a call counter) would otherwise stay (parameters' values are not saved). The lists, dicts and sets nested in the
    attributes' containers (``self.hist["xs"].append(...)``) are refilled in place too, to
    ``_DEPTH`` levels, in every walk. ``lazy``: the model holds uninitialised (lazy) parameters or buffers.

    The check after a walk is one pass over flat lists (``map`` and ``chain``: no Python loop per
    attribute), so that it costs the forward-only profile next to nothing.
    """

    def __init__(self, model: nn.Module, *, buffers: bool = False) -> None:
        self.modules = list(model.modules())
        self.attrs = [m.__dict__.copy() for m in self.modules]
        flat = list(chain.from_iterable(map(dict.values, self.attrs)))
        self.flat, self.flat_keys = flat, list(chain.from_iterable(map(dict.keys, self.attrs)))
        self.containers = [v for v in flat if isinstance(v, _CONTAINERS)]
        self.dicts = [v for v in self.containers if isinstance(v, dict)]
        self.others = [v for v in self.containers if not isinstance(v, dict)]
        self.copies = [v.copy() for v in self.containers]
        self.lens = list(map(len, self.containers))
        self.dict_keys = list(chain.from_iterable(map(dict.keys, self.dicts)))
        self.dict_values = list(chain.from_iterable(map(dict.values, self.dicts)))
        self.other_items = list(chain.from_iterable(self.others))
        params = [p for m in self.modules for p in m._parameters.values() if p is not None]
        buffer_list = [b for m in self.modules for b in m._buffers.values() if b is not None]
        self.params, self.grads = params, [p.requires_grad for p in params]
        self.lazy = any(map(_uninitialized, params)) or any(map(_uninitialized, buffer_list))
        self.values: list[tuple[torch.Tensor, torch.Tensor]] = []
        internal = set(map(id, chain.from_iterable((m._parameters, m._modules) for m in self.modules)))  # each module is saved on its own
        roots: list[Any] = [v for v in self.containers if v and id(v) not in internal]
        roots += [v for v in flat if isinstance(v, tuple) and not all(map(int.__instancecheck__, v))]  # not a conv's (3, 3)
        if buffers:
            roots += [v for v in flat if isinstance(v, torch.Tensor)]
        tensors, self.nested = _deep(roots, tensors=buffers)
        if buffers:
            with torch.no_grad():
                self.values = [(t, t.clone()) for t in dict.fromkeys((*buffer_list, *tensors)) if _restorable(t)]

    def unchanged(self) -> bool:
        """Nothing was added, removed or replaced (attributes and containers' items, by identity)."""
        is_ = operator.is_
        dicts = [m.__dict__ for m in self.modules]
        return (
            list(map(len, dicts)) == list(map(len, self.attrs))
            and all(map(is_, chain.from_iterable(map(dict.values, dicts)), self.flat))
            and list(chain.from_iterable(map(dict.keys, dicts))) == self.flat_keys
            and list(map(len, self.containers)) == self.lens
            and all(map(is_, chain.from_iterable(map(dict.values, self.dicts)), self.dict_values))
            and list(chain.from_iterable(map(dict.keys, self.dicts))) == self.dict_keys
            and all(map(is_, chain.from_iterable(self.others), self.other_items))
        )

    def replaced_parameters(self) -> list[tuple[nn.Module, str]]:
        """Parameters the forward replaced (a new ``nn.Parameter`` assigned in ``forward``): (module, name) each."""
        copies = {id(v): c for v, c in zip(self.containers, self.copies)}
        out: list[tuple[nn.Module, str]] = []
        for m in self.modules:
            before = copies.get(id(m._parameters))  # the copy of a dict is a dict
            if isinstance(before, dict):
                out.extend((m, name) for name, p in m._parameters.items() if name in before and before[name] is not p)
        return out

    def restore(self, keep: Collection[str] = ()) -> None:
        """Puts everything back (but the attributes named in ``keep``)."""
        if keep or not self.unchanged():
            self._put_back(keep)
        if keep:
            return
        for v, c in self.nested:  # the lists, dicts and sets inside the attributes' containers, refilled in place
            _refill(v, c)
        if list(map(operator.attrgetter("requires_grad"), self.params)) != self.grads:
            for p, grad in zip(self.params, self.grads):
                if p.requires_grad != grad:
                    p.requires_grad_(grad)
        with torch.no_grad():
            for b, value in self.values:
                if not torch.equal(b, value):
                    if b.is_inference():  # made in inference mode (a cache the timing filled): changed only there
                        with torch.inference_mode():
                            b.copy_(value)
                    else:
                        b.copy_(value)

    def _put_back(self, keep: Collection[str]) -> None:
        copies = {id(v): c for v, c in zip(self.containers, self.copies)}
        for m, attrs in zip(self.modules, self.attrs):
            d = m.__dict__
            for k in [k for k in d if k not in attrs and k not in keep]:  # added by the forward (a cache it filled, a flag)
                del d[k]
            for k, v in attrs.items():
                if k in keep:
                    continue
                if d.get(k, _MISSING) is not v:
                    d[k] = v
                c = copies.get(id(v)) if isinstance(v, _CONTAINERS) else None
                if c is not None:
                    _refill(v, c)


_DEPTH = 6  # how deep ModuleState(buffers=True) looks into containers (a list in a dict in a list ...)
_NESTED_ITEMS = 100_000  # and how many items it looks at in all, at most


def _deep(roots: Sequence[Any], *, tensors: bool) -> tuple[list[torch.Tensor], list[tuple[Any, Any]]]:
    """The containers nested in ``roots`` (the modules' attribute containers), with a shallow
    copy of each, and (``tensors``) the tensors in them and in ``roots`` (plain attributes,
    ``self.count = torch.zeros(1)``), to ``_DEPTH`` levels and ``_NESTED_ITEMS`` items in all.
    Parameters are left out (a forward that changes them in place is training)."""
    found: list[torch.Tensor] = []
    nested: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    budget = _NESTED_ITEMS
    stack: list[tuple[Any, int]] = [(v, 0) for v in roots]
    while stack and budget > 0:
        v, depth = stack.pop()
        budget -= 1
        if isinstance(v, torch.Tensor):
            if tensors and not isinstance(v, nn.Parameter):
                found.append(v)
            continue
        if not isinstance(v, (*_CONTAINERS, tuple)) or id(v) in seen or depth >= _DEPTH:
            continue
        seen.add(id(v))
        if depth > 0 and isinstance(v, _CONTAINERS):  # the attributes' own containers are saved already
            nested.append((v, v.copy()))
        stack.extend((x, depth + 1) for x in (v.values() if isinstance(v, dict) else v))
    return found, nested


def _restorable(t: torch.Tensor) -> bool:
    return t.device.type != "meta" and t.layout == torch.strided and not _uninitialized(t)


def _refill(v: Any, c: Any) -> None:
    """Puts ``c``'s items (the shallow copy taken before) back into the container ``v``, in place."""
    if isinstance(v, list):
        if len(v) != len(c) or not all(map(operator.is_, v, c)):
            v[:] = c
    elif isinstance(v, dict) and isinstance(c, dict):  # c, v's copy, is a dict too
        if len(v) != len(c) or v.keys() != c.keys() or not all(map(operator.is_, v.values(), c.values())):
            v.clear()
            v.update(c)
    elif v != c:
        v.clear()
        v.update(c)


def _uninitialized(t: Any) -> bool:
    return isinstance(t, nn.parameter.UninitializedTensorMixin)  # type: ignore[attr-defined]  # missing from torch's stub


def _placeholder(shape: Shape, real: bool) -> torch.Tensor:
    return torch.zeros(shape) if real else torch.empty(shape, device="meta")


def walk(
    model: nn.Module,
    input_shape: Shape | None = None,
    *,
    inputs: tuple[Sequence[Any], Mapping[str, Any]] | None = None,
    device: str = "meta",
    memory_limit: int | None = None,
    strict: bool = False,
    verify: bool = False,
    arch: str = "user",
    config: Mapping[str, Any] | None = None,
    dtype: str = "fp32",
    owned: bool = False,
    train: bool = False,
) -> ModelProfile:
    """Profiles ``model`` for one forward pass on ``input_shape`` (or ``inputs``).

    Args:
        model: Any ``nn.Module`` (or TorchScript module), on any device; it is not modified.
        input_shape: The full shape of a single input, e.g. (1, 3, 224, 224).
        inputs: Instead of ``input_shape``: positional and keyword arguments for the forward
            (tensors on ``device``, or on the CPU for a meta walk, which sees them as meta).
        device: "meta" (shapes only: no activation memory, any size) or "cpu" (real tensors,
            for a forward that needs data; the model's weights must be real).
        memory_limit: For ``device="cpu"``: the most activation bytes allowed alive at once.
        strict: Raise when a leaf module has no formula instead of counting its ops.
        verify: Run PyTorch's own meta kernels for every op instead of lwprof's fast shape
            functions and stand-ins, so every formula's output shape is checked against
            PyTorch (slower: the first call imports sympy and torch._dynamo).
        arch: Architecture name stored in the profile.
        config: Configuration stored in the profile.
        dtype: Element type for byte counts.
        owned: The model was built for this walk alone and is thrown away after it (a zoo
            model): its state is not saved and put back, and its reads of ``tensor.device``
            are not watched (lwprof's own architectures read none), which keeps the zoo's
            profile as fast as it was. Any other model is left exactly as it came.
        train: Count in training mode (BatchNorm with batch statistics, dropout on, the
            branches a model runs only in training); each module's own mode is put back after.

    Returns:
        The profile, records in pre-order with parents aggregating their children.

    Raises:
        NeedsRealTensors: (meta) The forward needs real values; walk with ``device="cpu"``.
        MemoryLimitExceeded: (cpu) The activations exceed ``memory_limit``.
        LwprofError: The forward pass fails on this input, or (``strict``) a leaf has no formula.
    """
    if device not in ("meta", "cpu"):
        raise LwprofError(f"device must be 'meta' or 'cpu', got {device!r}")
    real = device == "cpu"
    if inputs is None:
        if input_shape is None:
            raise LwprofError("give an input shape or inputs")
        inputs = ((_placeholder(tuple(input_shape), real),), {})
    args, kwargs = tuple(inputs[0]), dict(inputs[1])
    kept = None if owned else ModuleState(model, buffers=real)
    lazy = kept is not None and kept.lazy and not isinstance(model, torch.jit.ScriptModule)
    if lazy:  # counted on a materialised copy; the user's model stays uninitialised
        model = materialised(model, args, kwargs, real)
        kept = ModuleState(model, buffers=real)
    state = _Walk(model, verify=verify, real=real, memory_limit=memory_limit if real else None)
    _check_walkable(model, state, strict=strict, real=real)
    specs = _input_specs(args, kwargs)
    devices = _DeviceReads() if not (real or state.script or owned) else contextlib.nullcontext()
    try:
        outputs, replaced = _forward(model, state, args, kwargs, kept=kept, devices=devices, train=train)
    except LwprofError:
        raise
    except SystemExit as exc:
        raise LwprofError(f"the model's forward called {exit_text(exc)}") from None
    except Exception as exc:  # the forward failed on this input
        if not real:
            raise NeedsRealTensors(_meta_reason(exc, state.failed_op), state.peak_bytes) from exc
        raise LwprofError(f"forward pass failed for input {inputs_text(specs)}: {type(exc).__name__}: {first_line(exc)}") from exc
    records = _records(model, state)
    first = next((s.shape for s in specs), ())
    notes = [*_forward_notes(state, replaced, devices, outputs, lazy), *_model_notes(state)]
    created = sum(_numel(p) for p in {id(p): p for m in state.foreign.values() for p in m.parameters()}.values())
    state.foreign.clear()
    return ModelProfile(
        arch, dict(config or {}), tuple(first), records, dtype, state.peak, inputs=specs, device=device, notes=tuple(notes), outputs=outputs,
        created_params=created, mode="train" if train else "eval",
    )


def _check_walkable(model: nn.Module, state: _Walk, *, strict: bool, real: bool) -> None:
    """Refuses a walk that cannot count: (``strict``) a leaf without a formula, real tensors asked of meta weights."""
    if strict:
        # a layer type without a formula; a subclass whose own forward is counted from its ops has one
        missing = sorted(state.names[i] or "(model)" for i, m in state.modules.items() if state.leaf[i] and (state.script or find_formula(m) is None))
        if missing:
            raise LwprofError(f"no formula for {len(missing)} leaf module(s): {', '.join(missing[:5])} (drop --strict to count them at the op level)")
    if real and any(t.device.type == "meta" for t in (*model.parameters(), *model.buffers())):
        raise LwprofError("the forward pass needs real tensors, but the model's weights are on the meta device; build it on the CPU")


def _forward(
    model: nn.Module, state: _Walk, args: tuple[Any, ...], kwargs: dict[str, Any], *, kept: ModuleState | None, devices: Any, train: bool
) -> tuple[tuple[InputSpec, ...], list[tuple[nn.Module, str]]]:
    """The one counting forward under ``state`` (hooks, stand-ins, the dispatch mode), every module
    put back as it was after it, whatever happens; returns the outputs and the parameters the
    forward replaced. The forward's own errors propagate."""
    real = state.real
    stand_ins = [] if (state.verify or real) else [m for i, m in state.modules.items() if state.leaf[i] and state.formula[i] is not None and stands_in(m)]
    shadowed = {id(m): m.__dict__["forward"] for m in stand_ins if "forward" in m.__dict__}
    pre = nn.modules.module.register_module_forward_pre_hook(state.pre_hook)
    post = nn.modules.module.register_module_forward_hook(state.post_hook)
    modes = [(m, m.training) for m in model.modules()]
    try:
        for m in stand_ins:
            m.forward = state.stand_in(m)
        model.train(train)
        with torch.no_grad(), reference_kernels(model) if real else contextlib.nullcontext(), state, no_os_exit():
            call_args = args if real else state._map_meta(args)
            call_kwargs = kwargs if real else tree_map(state.to_meta, kwargs)
            for t in _tensors([*call_args, *call_kwargs.values()]):
                state.track(t)
            swap = {} if (real or state.script) else _meta_state(model, state, {id(m) for m in stand_ins})
            if kept is not None:
                swapped = {id(t) for t in swap.values()}
                state.on_done = lambda: [(m, k) for m, k in kept.replaced_parameters() if id(m._parameters[k]) not in swapped]
            with devices:
                if swap:
                    y = torch.func.functional_call(model, swap, call_args, call_kwargs, tie_weights=True, strict=False)
                else:
                    y = model(*call_args, **call_kwargs)
            outputs = tuple(InputSpec(tuple(t.shape), str(t.dtype).removeprefix("torch."), path) for path, t in tensor_paths(y))
            del y, call_args, call_kwargs
            return outputs, state.replaced
    finally:
        for m in stand_ins:  # leave every module exactly as it was
            if id(m) in shadowed:
                m.forward = shadowed[id(m)]
            else:
                m.__dict__.pop("forward", None)
        pre.remove()
        post.remove()
        for m, training in modes:  # each module's own mode, as it was
            m.training = training
        if kept is not None:
            kept.restore()


def _model_notes(state: _Walk) -> list[Note]:
    """What the reader should know about the model's weights: tied between modules, quantized."""
    notes = []
    tied = _tied(state)
    if tied:
        shown = "; ".join(" = ".join(names) for names in tied[:4])
        notes.append(
            Note(
                Severity.INFO,
                f"{len(tied)} parameter(s) tied between modules ({shown}): each owner's row counts them, so the rows add up to more "
                "than the total, which counts each once",
            )
        )
    quantized = sum(1 for m in state.modules.values() if _packed_weights(m))
    if quantized:
        notes.append(
            Note(
                Severity.INFO,
                f"{quantized} quantized layer(s): their weights and biases are counted from the packed form; a quantized model "
                "has its BatchNorm folded into the conv biases, so it holds fewer parameters than its float version",
            )
        )
    return notes


def _numel(t: torch.Tensor) -> int:
    return 0 if _uninitialized(t) else t.numel()


def has_lazy(model: nn.Module) -> bool:
    """Whether a model holds uninitialised (lazy) parameters or buffers."""
    if isinstance(model, torch.jit.ScriptModule):
        return False
    return any(_uninitialized(t) for t in (*model.parameters(), *model.buffers()))


def copy_model(model: nn.Module) -> nn.Module:
    """A deep copy of a model, lazy buffers included (``nn.UninitializedBuffer`` refuses ``deepcopy``)."""
    import copy

    memo: dict[int, Any] = {}
    for t in model.buffers():
        if isinstance(t, nn.UninitializedBuffer):
            # torch's stub lacks UninitializedBuffer's device and dtype arguments
            memo[id(t)] = nn.UninitializedBuffer(  # type: ignore[call-arg]
                requires_grad=t.requires_grad, device=t.device, dtype=t.dtype
            )
    return copy.deepcopy(model, memo)


def materialised(model: nn.Module, args: Sequence[Any], kwargs: Mapping[str, Any], real: bool) -> nn.Module:
    """A copy of a model with lazy modules (``nn.LazyLinear``, ``nn.LazyConv2d``, an
    ``nn.UninitializedParameter`` its forward replaces) whose parameters one forward on these
    inputs has given their shapes; the model itself is not touched. The shaping forward runs on
    real CPU zeros of the inputs' shapes (at batch 1 when every input has the same batch):
    PyTorch's lazy modules materialise on their parameters' device, not on ``meta``."""
    try:
        twin = copy_model(model)
    except Exception as exc:
        raise LwprofError(f"the model has uninitialised (lazy) parameters and cannot be copied to count them ({type(exc).__name__}: {first_line(exc)}); run one forward on it first") from None
    kept = ModuleState(twin)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Lazy modules are a new feature"
            twin.eval()
            probe_args, probe_kwargs = _zeros_like((tuple(args), dict(kwargs)))
            twin(*probe_args, **probe_kwargs)
    except Exception as exc:
        raise LwprofError(f"the forward pass failed while materialising the model's lazy parameters: {type(exc).__name__}: {first_line(exc)}") from exc
    finally:  # keep the materialised parameters (and the lazy hooks gone); put back what else the forward left (a cache)
        kept.restore(keep=_MODULE_INTERNALS - {"training"} | {"_initialize_hook", "_load_hook"})
    return twin


def _zeros_like(value: Any) -> Any:
    """The same arguments with every tensor replaced by CPU zeros of its shape (batch 1 when all share one batch)."""
    tensors = [t for _, t in tensor_paths(value)]
    batches = {t.shape[0] if t.dim() else None for t in tensors}
    cut = len(batches) == 1 and None not in batches

    def zeros(t: Any) -> Any:
        if not isinstance(t, torch.Tensor):
            return t
        if t.device.type != "meta":
            return t[:1] if cut else t
        return torch.zeros((1, *t.shape[1:]) if cut else tuple(t.shape), dtype=t.dtype)

    return tree_map(zeros, value)


class _DeviceReads(TorchFunctionMode):
    """Counts the model's own reads of ``tensor.device`` / ``is_cuda`` / ``get_device()`` during a
    meta walk (where they answer "meta"): a forward that branches on them may take a path a CPU
    or GPU run would not. PyTorch's own code (its layers' fast-path checks) is not counted."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {}

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
        if func in _DEVICE_GETTERS:
            code = sys._getframe(1).f_code
            if not code.co_filename.startswith(_SKIPPED_DIRS):
                where = f"{os.path.basename(code.co_filename)}:{code.co_name}"
                self.reads[where] = self.reads.get(where, 0) + 1
        return func(*args, **(kwargs or {}))


_DEVICE_GETTERS = frozenset({torch.Tensor.device.__get__, torch.Tensor.is_cuda.__get__, torch.Tensor.get_device})  # type: ignore[attr-defined]
_SKIPPED_DIRS = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # PyTorch's own code and lwprof's


def _tied(state: _Walk) -> list[list[str]]:
    """Parameters held by more than one module (a tied embedding and classifier weight): their names."""
    owners: dict[int, list[str]] = {}
    for key, m in state.modules.items():
        for k, p in m._parameters.items():
            if p is not None:
                owners.setdefault(id(p), []).append(f"{state.names[key]}.{k}" if state.names[key] else k)
    return [names for names in owners.values() if len(names) > 1]


def _forward_notes(state: _Walk, replaced: Sequence[tuple[nn.Module, str]], devices: Any, outputs: Sequence[InputSpec], lazy: bool) -> list[Note]:
    """What the forward did that the reader should know: modules it created, parameters it
    replaced, device reads on meta, several outputs, lazy parameters."""
    notes = []
    if lazy:
        notes.append(Note(Severity.INFO, "the model has lazy (uninitialised) parameters: counted on a copy materialised by one forward on these inputs; the model itself is left uninitialised"))
    if state.foreign:
        kinds: dict[str, int] = {}
        for m in state.foreign.values():
            kinds[type(m).__name__] = kinds.get(type(m).__name__, 0) + 1
        held = sum(_numel(p) for p in {id(p): p for m in state.foreign.values() for p in m.parameters()}.values())
        what = ", ".join(f"{n} {k}" for k, n in kinds.items())
        notes.append(
            Note(
                Severity.WARNING,
                f"{len(state.foreign)} module(s) not in the model's tree ran during the forward ({what}): created in forward (or held outside the model); "
                f"their work is counted in the module that called them, their {held:,} parameters as 'created in forward', not as the model's",
            )
        )
    if replaced:
        names = ", ".join(f"{state.names.get(id(m)) or '(model)'}.{k}" for m, k in replaced[:6])
        notes.append(Note(Severity.WARNING, f"the forward replaced {len(replaced)} parameter(s) ({names}); the work is counted with the new ones, the parameter counts are the model's own (put back after the walk)"))
    reads = getattr(devices, "reads", None)
    if reads:
        where = ", ".join(f"{k} ({n}x)" for k, n in list(reads.items())[:4])
        notes.append(
            Note(
                Severity.WARNING,
                f"the forward read tensor.device / is_cuda {sum(reads.values())} time(s) ({where}), which answer 'meta' here: a branch on the device may have "
                "taken a path a CPU run would not; --device cpu (device='cpu') counts the CPU branch",
            )
        )
    if len(outputs) > 1:
        shown = ", ".join(f"{o.name} {'x'.join(map(str, o.shape)) or 'scalar'}" for o in outputs[:12])
        more = f" and {len(outputs) - 12} more" if len(outputs) > 12 else ""
        notes.append(Note(Severity.INFO, f"{len(outputs)} outputs: {shown}{more}"))
    return notes



_DATA_OPS = {
    "nonzero": "aten.nonzero's output size depends on the values",
    "_local_scalar_dense": "it reads a Python number from a tensor (.item(), float(), an if on a tensor)",
}


def _meta_reason(exc: BaseException, op: Any) -> str:
    """Why a meta forward stopped, in one short clause."""
    text = str(exc)
    name = op.__name__.split(".")[0] if op is not None else ""
    if name in _DATA_OPS:
        return _DATA_OPS[name]
    if "nonzero" in text:  # boolean-mask indexing runs nonzero inside
        return f"aten.{name} selects by a boolean mask, whose size depends on the values"
    if "copy out of meta" in text or "numpy" in text.lower():
        return "it copies a tensor's values out (.cpu(), .numpy(), .tolist())"
    first = first_line(exc).split(". ")[0]
    where = f"aten.{name} " if name else "it "
    return f"{where}failed on meta tensors with {type(exc).__name__}: {first[:160]}"


def _input_specs(args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[InputSpec, ...]:
    out = []
    for name, value in [*((None, a) for a in args), *kwargs.items()]:
        for _, t in tensor_paths(value):
            out.append(InputSpec(tuple(t.shape), str(t.dtype).removeprefix("torch."), name))
    return tuple(out)


def _packed_weights(module: nn.Module) -> dict[Any, torch.Tensor]:
    """The weight and bias of a quantized layer, which keeps them packed (not as parameters):
    ``torch.ao.nn.quantized`` layers expose them through ``weight()`` and ``bias()`` methods."""
    if not callable(getattr(type(module), "weight", None)):
        return {}
    out = {}
    for name in ("weight", "bias"):
        try:
            tensor = getattr(module, name)()
        except Exception:  # not a quantized layer after all
            return {}
        if isinstance(tensor, torch.Tensor):
            out[(id(module), name)] = tensor
    return out


def _records(model: nn.Module, state: _Walk) -> tuple[LayerRecord, ...]:
    """One record per module, in pre-order: how it was counted, its subtree's parameters and buffers, the work that ran beneath it."""
    params, buffers = _subtree_tensors(model)
    work = _inclusive(state)
    records = []
    pairs = [("", model)] if state.script else list(model.named_modules())
    for name, module in pairs:
        key = id(module)
        acc = state.acc[key]
        leaf = state.leaf[key]
        status, kind, conv, category, note = _how_counted(module, state)
        macs, other_ops = work(module)
        records.append(
            LayerRecord(
                name=name,
                type=type(module).__name__,
                depth=0 if not name else name.count(".") + 1,
                is_leaf=leaf,
                status=status,
                category=category,
                kind=kind,
                conv=conv,
                input_shape=acc.in_shape,
                output_shape=acc.out_shape,
                params=sum(p.numel() for p in params[key].values()),
                trainable_params=sum(p.numel() for k, p in params[key].items() if not isinstance(k, tuple) and p.requires_grad),
                buffers=sum(b.numel() for b in buffers[key].values() if b.is_floating_point()),
                macs=macs,
                other_ops=other_ops,
                functional_macs=acc.fn_macs if not leaf else 0,
                functional_other_ops=acc.fn_ops if not leaf else 0,
                functional_calls=acc.fn_calls if not leaf else 0,
                functional_write_elements=acc.fn_write if not leaf else 0,
                calls=acc.calls,
                hparams=acc.cost.hparams if acc.cost else {},
                formula=acc.cost.formula if acc.cost and status is Status.FORMULA else "",
                read_elements=acc.read if leaf else 0,
                write_elements=acc.write if leaf else 0,
                note=note,
            )
        )
    return tuple(records)


def _subtree_tensors(model: nn.Module) -> tuple[dict[int, dict[Any, torch.Tensor]], dict[int, dict[int, torch.Tensor]]]:
    """Every module's parameters (a quantized layer's packed weights too) and buffers over its subtree,
    in one pass, children first: a shared module or parameter appears once in each subtree, as in
    ``module.parameters()``."""
    params: dict[int, dict[Any, torch.Tensor]] = {}
    buffers: dict[int, dict[int, torch.Tensor]] = {}

    def visit(module: nn.Module) -> None:
        key = id(module)
        if key in params:
            return
        params[key] = {}  # a module that contains itself is visited once
        ps: dict[Any, torch.Tensor] = {id(p): p for p in module._parameters.values() if p is not None and not _uninitialized(p)}
        ps.update(_packed_weights(module))
        bs = {id(b): b for b in module._buffers.values() if b is not None}
        for child in module.children():
            visit(child)
            ps.update(params[id(child)])
            bs.update(buffers.get(id(child), {}))
        params[key], buffers[key] = ps, bs

    visit(model)
    return params, buffers


def _inclusive(state: _Walk) -> Callable[[nn.Module], tuple[int, int]]:
    """A module's (MACs, other ops): what ran while it was on the call stack. A shared module's
    parents each get the share that ran beneath them, the module itself its every call; a
    container that is never called (a Sequential its parent iterates) holds what its children did."""
    inclusive: dict[int, tuple[int, int]] = {}

    def work(module: nn.Module) -> tuple[int, int]:
        key = id(module)
        if key not in inclusive:
            acc = state.acc.get(key)
            if acc is None:
                inclusive[key] = (0, 0)
            elif acc.calls or state.leaf[key]:
                inclusive[key] = (acc.incl_macs, acc.incl_ops)
            else:
                inclusive[key] = (0, 0)  # a module that contains itself is not counted twice
                kids = [work(c) for c in dict.fromkeys(module.children())]
                inclusive[key] = (sum(k[0] for k in kids), sum(k[1] for k in kids))
        return inclusive[key]

    return work


def _how_counted(module: nn.Module, state: _Walk) -> tuple[Status, LayerKind, ConvSpec | None, str, str]:
    """A module's status, kind, conv structure, display label and note."""
    key = id(module)
    acc = state.acc[key]
    leaf = state.leaf[key]
    note = acc.note
    kind, conv = LayerKind.OTHER, None
    if state.script:
        status, kind = Status.OP_LEVEL, LayerKind.TORCHSCRIPT
        note = "a TorchScript module runs no module hooks: all its work is counted from its ops, as one block (profile the original nn.Module for a per-layer table)"
    elif not leaf:
        status, kind = Status.PARENT, LayerKind.BLOCK
    elif acc.op_level or (state.formula[key] is None and registered_type(module) is not None):
        status, kind = Status.OP_LEVEL, LayerKind.OP_LEVEL
        if not note:
            base = registered_type(module)
            note = f"counted from its ops: its forward differs from {base.__name__ if base else 'its type'}'s, so the formula does not apply"
    elif acc.cost is not None:
        status = Status.FORMULA
    elif acc.calls == 0:
        status, kind = Status.UNUSED, LayerKind.UNUSED
    else:
        status, kind = Status.UNSUPPORTED, LayerKind.UNSUPPORTED
    if leaf and not state.script and acc.cost is not None:  # counted by its formula, or at the op level with one
        kind, conv = cost_kind(module, acc.cost), acc.cost.conv
        return status, kind, conv, acc.cost.label(kind), note
    return status, kind, conv, layer_label(kind), note
