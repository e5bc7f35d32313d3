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
  invisible.
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
import warnings
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
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
from lwprof.records import (
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
)

__all__ = ["MemoryLimitExceeded", "NeedsRealTensors", "reference_kernels", "walk"]


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
    def pre_hook(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        key = id(module)
        if key not in self.modules:
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
            return
        acc.cost = cost
        acc.macs += cost.macs  # type: ignore[union-attr]
        acc.other_ops += cost.other_ops  # type: ignore[union-attr]

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
            elif isinstance(a, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in a):
                out.append(type(a)(self.to_meta(v) for v in a))
            elif isinstance(a, dict):
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
    return sum(p.numel() for p in module._parameters.values() if p is not None)


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


_MODULE_INTERNALS = frozenset(nn.Module().__dict__)  # _parameters, _buffers, _modules, hooks, training
_PLAIN = frozenset({int, float, bool, str, type(None)})  # hyper-parameters: nothing a forward could leave behind


def _holds_tensors(value: Any, depth: int = 0) -> bool:
    if type(value) in _PLAIN:
        return False
    if isinstance(value, torch.Tensor):
        return True
    if depth > 2:
        return False
    if isinstance(value, dict):
        return any(_holds_tensors(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_tensors(v, depth + 1) for v in value)
    return False


class _ModuleState:
    """What a forward may change in a module besides its parameters and buffers: plain
    attributes holding tensors (torchvision's ``AnchorGenerator.cell_anchors``, moved to the
    input's device in forward) and caches (timm's ``attention_bias_cache``, keyed by device).

    Taken before the walk and put back after it, so that a meta walk leaves no meta tensor
    behind and the model runs as before.
    """

    def __init__(self, model: nn.Module) -> None:
        self.saved: list[tuple[nn.Module, str, Any, Any]] = []
        self.keys: list[tuple[nn.Module, set[str]]] = []
        for m in model.modules():
            if type(m).__module__.startswith("torch.nn.modules."):  # PyTorch's own layers keep no state from a forward
                continue
            attrs = m.__dict__
            self.keys.append((m, set(attrs)))
            for k, v in attrs.items():
                if type(v) in _PLAIN or k in _MODULE_INTERNALS:
                    continue
                if type(v) in (list, dict) or _holds_tensors(v):  # an empty cache may fill
                    self.saved.append((m, k, v, list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else None))

    def restore(self) -> None:
        for m, k, value, contents in self.saved:
            if m.__dict__.get(k) is not value:
                m.__dict__[k] = value
            if isinstance(value, list) and (len(value) != len(contents) or any(a is not b for a, b in zip(value, contents))):  # by identity: == on tensors compares values
                value[:] = contents
            elif isinstance(value, dict) and (value.keys() != contents.keys() or any(value[x] is not contents[x] for x in contents)):
                value.clear()
                value.update(contents)
        for m, keys in self.keys:  # attributes the forward added (a cache it filled): gone again
            for k in set(m.__dict__) - keys:
                if _holds_tensors(m.__dict__[k]):
                    del m.__dict__[k]


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
    state = _Walk(model, verify=verify, real=real, memory_limit=memory_limit if real else None)
    if strict:
        # a layer type without a formula; a subclass whose own forward is counted from its ops has one
        missing = sorted(state.names[i] or "(model)" for i, m in state.modules.items() if state.leaf[i] and (state.script or find_formula(m) is None))
        if missing:
            raise LwprofError(f"no formula for {len(missing)} leaf module(s): {', '.join(missing[:5])} (drop --strict to count them at the op level)")
    if real and any(t.device.type == "meta" for t in (*model.parameters(), *model.buffers())):
        raise LwprofError("the forward pass needs real tensors, but the model's weights are on the meta device; build it on the CPU")
    if inputs is None:
        if input_shape is None:
            raise LwprofError("give an input shape or inputs")
        inputs = ((_placeholder(tuple(input_shape), real),), {})
    args, kwargs = tuple(inputs[0]), dict(inputs[1])
    specs = _input_specs(args, kwargs)
    stand_ins = [] if (verify or real) else [m for i, m in state.modules.items() if state.leaf[i] and state.formula[i] is not None and stands_in(m)]
    shadowed = {id(m): m.__dict__["forward"] for m in stand_ins if "forward" in m.__dict__}
    pre = nn.modules.module.register_module_forward_pre_hook(state.pre_hook)
    post = nn.modules.module.register_module_forward_hook(state.post_hook)
    modes = [(m, m.training) for m in model.modules()]
    kept = _ModuleState(model)
    try:
        for m in stand_ins:
            m.forward = state.stand_in(m)
        model.eval()
        with torch.no_grad(), reference_kernels(model) if real else contextlib.nullcontext(), state:
            call_args = args if real else state._map_meta(args)
            call_kwargs = kwargs if real else tree_map(state.to_meta, kwargs)
            for t in _tensors([*call_args, *call_kwargs.values()]):
                state.track(t)
            swap = {} if (real or state.script) else _meta_state(model, state, {id(m) for m in stand_ins})
            if swap:
                y = torch.func.functional_call(model, swap, call_args, call_kwargs, tie_weights=True, strict=False)
            else:
                y = model(*call_args, **call_kwargs)
            del y, call_args, call_kwargs
    except LwprofError:
        raise
    except SystemExit as exc:
        raise LwprofError(f"the model's forward called sys.exit({exc.code!r})") from None
    except Exception as exc:  # the forward failed on this input
        message = first_line(exc)
        if not real:
            raise NeedsRealTensors(_meta_reason(exc, state.failed_op), state.peak_bytes) from exc
        raise LwprofError(f"forward pass failed for input {inputs_text(specs)}: {type(exc).__name__}: {message}") from exc
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
        kept.restore()
    records = _records(model, state)
    first = next((s.shape for s in specs), ())
    notes = []
    quantized = sum(1 for m in state.modules.values() if _packed_weights(m))
    if quantized:
        notes.append(
            Note(
                Severity.INFO,
                f"{quantized} quantized layer(s): their weights and biases are counted from the packed form; a quantized model "
                "has its BatchNorm folded into the conv biases, so it holds fewer parameters than its float version",
            )
        )
    return ModelProfile(arch, dict(config or {}), tuple(first), records, dtype, state.peak, inputs=specs, device=device, notes=tuple(notes))



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
        for t in _tensors(value):
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
    # Every module's subtree (module ids, parameters, buffers) in one pass, children first:
    # a shared module or parameter appears once in each subtree, as in ``module.parameters()``.
    subtree: dict[int, set[int]] = {}
    params: dict[int, dict[Any, torch.Tensor]] = {}
    buffers: dict[int, dict[int, torch.Tensor]] = {}

    def visit(module: nn.Module) -> None:
        key = id(module)
        if key in subtree:
            return
        ids = {key}
        ps: dict[Any, torch.Tensor] = {id(p): p for p in module._parameters.values() if p is not None}
        ps.update(_packed_weights(module))
        bs = {id(b): b for b in module._buffers.values() if b is not None}
        for child in module.children():
            visit(child)
            if key in state.modules and id(child) in state.modules:
                ids |= subtree[id(child)]
            ps.update(params[id(child)])
            bs.update(buffers[id(child)])
        subtree[key], params[key], buffers[key] = ids, ps, bs

    visit(model)
    own = {key: (acc.macs + acc.fn_macs, acc.other_ops + acc.fn_ops) for key, acc in state.acc.items()}
    records = []
    pairs = [("", model)] if state.script else list(model.named_modules())
    for name, module in pairs:
        key = id(module)
        acc = state.acc[key]
        ids = subtree[key]
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
            category = acc.cost.label(kind)
        else:
            category = layer_label(kind)
        ps = params[key].values()
        trainable = sum(p.numel() for k, p in params[key].items() if not isinstance(k, tuple) and p.requires_grad)
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
                params=sum(p.numel() for p in ps),
                trainable_params=trainable,
                buffers=sum(b.numel() for b in buffers[key].values() if b.is_floating_point()),
                macs=sum(own[k][0] for k in ids),
                other_ops=sum(own[k][1] for k in ids),
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
