"""Walks a model's forward pass on ``meta`` tensors and builds one record per module.

How it works:

* The model runs once on a ``meta`` input: shapes only, no activation memory, any input size
  or batch. The model itself is never changed: weights that live on another device are seen
  through ``meta`` views inside the dispatch mode below, so nothing is moved or copied.
* Global module hooks keep a stack of the modules being run. When a leaf module returns,
  its registered formula (:mod:`lwprof.counting.formulas`) computes params, MACs and output
  shape from its hyper-parameters and input shape; the predicted shape is checked against
  the shape PyTorch's meta kernel produced, and a mismatch is an error.
* A ``TorchDispatchMode`` sees every aten op. Ops run inside a leaf that has a formula are
  already counted by it; every other op (a residual add, a concat, ``F.conv2d`` or
  ``torch.matmul`` in a ``forward``, or the work of a leaf with no formula) is counted here
  and attributed to the innermost running module, so nothing is invisible.
* For speed the mode answers shape-preserving ops (BatchNorm, activations) itself instead of
  running their Python meta decompositions, which cost ~1-3 ms per call.
* It also tracks which activation tensors are alive, for the peak activation memory.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

from lwprof.counting.formulas import LayerCost, accepts, conv_output_size, find_formula, pool_output_size, stands_in
from lwprof.errors import LwprofError
from lwprof.records import LayerRecord, ModelProfile, Shape, prod

__all__ = ["walk"]

aten = torch.ops.aten

# BatchNorm variants: output 0 has the input's shape; the saved statistics are not activations.
_BATCHNORM_OPS = {
    aten.native_batch_norm.default,
    aten._native_batch_norm_legit_no_training.default,
    aten._native_batch_norm_legit.default,
    aten._native_batch_norm_legit.no_stats,
}
# Element-wise ops whose output has the shape and dtype of their single tensor argument.
_SAME_SHAPE_OPS = {
    "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_",
    "sigmoid", "sigmoid_", "silu", "silu_", "gelu", "gelu_", "tanh", "tanh_", "leaky_relu", "leaky_relu_",
    "elu", "elu_", "mish", "mish_", "clamp", "clamp_", "clamp_min", "clamp_min_", "neg", "exp", "sqrt",
}
# Ops that move or view data and do no arithmetic (exact overload-packet names).
_NO_OPS = frozenset({
    "view", "_unsafe_view", "reshape", "transpose", "permute", "t", "expand", "squeeze", "unsqueeze", "slice",
    "select", "cat", "stack", "split", "split_with_sizes", "chunk", "narrow", "clone", "contiguous", "copy",
    "copy_", "detach", "alias", "empty", "empty_like", "new_empty", "zeros", "zeros_like", "ones", "full",
    "_to_copy", "flatten", "as_strided", "lift_fresh", "unbind", "pixel_shuffle", "channel_shuffle",
    "native_channel_shuffle",
})


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
    read: int = 0
    write: int = 0


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):  # the common case, without pytree's overhead
        for v in value:
            if isinstance(v, torch.Tensor):
                return v
            if isinstance(v, (tuple, list, dict)):
                found = _first_tensor(v)
                if found is not None:
                    return found
        return None
    leaves, _ = tree_flatten(value)
    return next((v for v in leaves if isinstance(v, torch.Tensor)), None)


def _tensors(value: Any) -> list[torch.Tensor]:
    """Every tensor in an op's output (a tensor, or a flat tuple/list of them)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)) and all(not isinstance(v, (tuple, list, dict)) for v in value):
        return [v for v in value if isinstance(v, torch.Tensor)]
    return [v for v in tree_flatten(value)[0] if isinstance(v, torch.Tensor)]


@functools.lru_cache(maxsize=None)
def _aliases_input(func: Any) -> bool:
    """Whether an op's output shares an input's memory (a view, or an in-place op).

    Inside ``__torch_dispatch__`` (below autograd's view tracking) a view's ``_base`` is None,
    so the op's schema decides; ``_unsafe_view`` (a view of a fresh clone in ``reshape``) is
    declared without alias info but allocates nothing either.
    """
    return func.__name__.split(".")[0] == "_unsafe_view" or any(r.alias_info is not None for r in func._schema.returns)


def aten_cost(func: Any, args: tuple[Any, ...], out: Any) -> tuple[int, int]:
    """(MACs, other ops) of one aten op, from its argument and output shapes.

    Used for work done outside any formula: functional convs and matmuls in a ``forward``,
    residual adds, and leaves with no formula.
    """
    name = func.__name__.split(".")[0]
    result = _first_tensor(out)
    out_elems = result.numel() if result is not None else 0
    if name == "convolution":
        weight, transposed = args[1], args[6]
        per_output = weight.shape[1] * prod(tuple(weight.shape[2:]))
        macs = (args[0].numel() if transposed else out_elems) * per_output
        return macs, out_elems if args[2] is not None else 0
    if name in ("mm", "bmm"):
        return out_elems * args[0].shape[-1], 0
    if name in ("addmm", "baddbmm", "addbmm"):
        return out_elems * args[1].shape[-1], out_elems
    if name in ("mean", "sum", "amax", "amin", "max", "min", "var", "std", "_softmax", "_log_softmax", "norm"):
        return 0, max(args[0].numel() if isinstance(args[0], torch.Tensor) else 0, out_elems)
    if torch.Tag.pointwise in func.tags:
        return 0, out_elems
    if name in _NO_OPS:
        return 0, 0
    if name in ("max_pool2d_with_indices", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool3d_with_indices", "avg_pool3d"):
        kernel = args[1] if len(args) > 1 else ()
        return 0, out_elems * prod(tuple(kernel))
    if name in ("_adaptive_avg_pool2d", "adaptive_max_pool2d", "_adaptive_avg_pool3d", "adaptive_avg_pool1d"):
        return 0, args[0].numel()
    return 0, out_elems


class _Walk(TorchDispatchMode):
    """Dispatch mode + module hooks for one forward pass."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # By default torch wraps __torch_dispatch__ in a dynamo "disable" shim whose first call
        # imports torch._dynamo (about 2 s). Nothing here is compiled, so opt out.
        return False

    def __init__(self, model: nn.Module, verify: bool = False) -> None:
        super().__init__()
        self.verify = verify
        self.names = {id(m): n for n, m in model.named_modules()}
        self.modules = {id(m): m for m in model.modules()}
        self.leaf = {i: next(iter(m.children()), None) is None for i, m in self.modules.items()}
        self.formula = {i: find_formula(m) if self.leaf[i] else None for i, m in self.modules.items()}
        self.acc: dict[int, _Acc] = {i: _Acc() for i in self.modules}
        self.stack: list[int] = []
        self.live = 0
        self.peak = 0
        self._seen: set[int] = set()
        self._meta: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self._pending: dict[int, LayerCost] = {}

    def _to_meta(self, value: Any) -> Any:
        """A meta view of a tensor on another device (weights of a CPU model), cached per walk."""
        if not isinstance(value, torch.Tensor) or value.device.type == "meta":
            return value
        cached = self._meta.get(id(value))
        if cached is None or cached[0] is not value:
            cached = self._meta[id(value)] = (value, value.to("meta"))
        return cached[1]

    # -- formula stand-ins ------------------------------------------------------------------
    def stand_in(self, module: nn.Module) -> Any:
        """A ``forward`` for a leaf that returns its formula's output instead of computing it.

        Only for layers whose forward allocates one fresh output (``formulas.stands_in``); the
        input is checked first (``formulas.accepts``) and anything unexpected runs the real
        forward, so errors are PyTorch's own. Skips the functional wrapper and the dispatcher,
        the bulk of a shape-only walk; ``verify=True`` never uses it.
        """
        key, formula = id(module), self.formula[id(module)]
        real = type(module).forward.__get__(module)
        inplace = bool(getattr(module, "inplace", False))

        def forward(*args: Any, **kwargs: Any) -> Any:
            x = args[0] if len(args) == 1 and not kwargs else None
            if not isinstance(x, torch.Tensor) or x.device.type != "meta" or not accepts(module, tuple(x.shape)):
                return real(*args, **kwargs)
            cost = formula(module, tuple(x.shape))
            if min(cost.out_shape, default=1) < 1:
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
        self._seen.add(id(tensor))
        self.live += n
        self.peak = max(self.peak, self.live)
        weakref.finalize(tensor, self._free, id(tensor), n)

    def _free(self, key: int, n: int) -> None:
        self._seen.discard(key)
        self.live -= n

    # -- module hooks --------------------------------------------------------------------
    def pre_hook(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        key = id(module)
        if key not in self.modules:
            return
        self.stack.append(key)
        acc = self.acc[key]
        acc.calls += 1
        x = _first_tensor(args)
        acc.in_shape = tuple(x.shape) if x is not None else None

    def post_hook(self, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        key = id(module)
        if key not in self.modules:
            return
        self.stack.pop()
        acc = self.acc[key]
        y = _first_tensor(output)
        acc.out_shape = tuple(y.shape) if y is not None else None
        if y is not None:
            acc.write += y.numel()
        if acc.in_shape is not None:
            acc.read += prod(acc.in_shape)
        own_params = sum(p.numel() for p in module._parameters.values() if p is not None)
        acc.read += own_params
        formula = self.formula[key]
        if formula is None or acc.in_shape is None:
            return
        cost = self._pending.pop(key, None) or formula(module, acc.in_shape)
        where = f"{self.names[key] or 'model'} ({type(module).__name__})"
        if acc.out_shape is not None and tuple(cost.out_shape) != acc.out_shape:
            raise LwprofError(
                f"{where}: lwprof's formula gives output shape {tuple(cost.out_shape)} but PyTorch gives "
                f"{acc.out_shape}; this layer's forward does not match its type"
            )
        if cost.params != own_params:
            raise LwprofError(f"{where}: lwprof's formula gives {cost.params} parameters but the module holds {own_params}")
        acc.cost = cost
        acc.macs += cost.macs
        acc.other_ops += cost.other_ops

    # -- dispatch ------------------------------------------------------------------------
    def __torch_dispatch__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        args = self._map_meta(args)
        if kwargs:
            kwargs = tree_map(self._to_meta, kwargs)
        out = self._run(func, args, kwargs)
        owner = self.stack[-1] if self.stack else None
        if owner is not None and self.formula[owner] is None:
            macs, ops = aten_cost(func, args, out)
            acc = self.acc[owner]
            acc.fn_macs += macs
            acc.fn_ops += ops
        if not _aliases_input(func):
            for tensor in _tensors(out):
                self.track(tensor)
        return out

    def _map_meta(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """``tree_map(self._to_meta, args)`` for the usual flat argument tuples, faster."""
        out = []
        for a in args:
            if isinstance(a, torch.Tensor):
                out.append(a if a.device.type == "meta" else self._to_meta(a))
            elif isinstance(a, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in a):
                out.append(type(a)(self._to_meta(v) for v in a))
            elif isinstance(a, dict):
                out.append(tree_map(self._to_meta, a))
            else:
                out.append(a)
        return tuple(out)

    def _run(self, func: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        if self.verify or kwargs.get("out") is not None:
            return func(*args, **kwargs)
        shape_fn = _FAST_SHAPES.get(func)
        if shape_fn is not None:
            out = shape_fn(*args, **kwargs)
            if out is not None:
                return out
        name = func._schema.name.split("::")[-1]
        if name in _SAME_SHAPE_OPS:
            x = args[0]
            return x if name.endswith("_") else _empty(x, x.shape)
        return func(*args, **kwargs)


def _empty(like: torch.Tensor, shape: Any, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A new meta tensor (``Tensor.new_empty`` runs a Python reference; this stays in C++)."""
    return torch.empty(tuple(shape), dtype=dtype or like.dtype, device="meta")


# -- fast shape functions ----------------------------------------------------------------------
# PyTorch's meta kernels for these ops are Python code whose first call imports sympy and
# torch._dynamo (about 2 s) and whose later calls cost up to ~3 ms (BatchNorm). These
# functions compute the same output shapes directly. ``walk(..., verify=True)`` runs the real
# meta kernels instead; the test suite does so for every zoo model, pinning these to PyTorch.


def _batch_norm_shape(x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
    return _empty(x, x.shape), _empty(x, (0,)), _empty(x, (0,))


def _convolution_shape(x, weight, bias, stride, padding, dilation, transposed, output_padding, groups) -> Any:  # type: ignore[no-untyped-def]
    n = weight.dim() - 2
    if x.dim() != n + 2 or (not transposed and x.shape[1] != weight.shape[1] * groups):
        return None  # let PyTorch's kernel raise its own error
    # One entry stands for every spatial dimension (F.conv2d(padding="valid") passes [0]).
    stride, padding, dilation, output_padding = (list(v) * n if len(v) == 1 else list(v) for v in (stride, padding, dilation, output_padding))
    k = weight.shape[2:]
    if transposed:
        spatial = [
            (size - 1) * s - 2 * p + d * (kk - 1) + op + 1
            for size, kk, s, p, d, op in zip(x.shape[2:], k, stride, padding, dilation, output_padding)
        ]
        channels = weight.shape[1] * groups
    else:
        spatial = [conv_output_size(size, kk, s, p, d) for size, kk, s, p, d in zip(x.shape[2:], k, stride, padding, dilation)]
        channels = weight.shape[0]
    if min(spatial) < 1:
        return None  # let PyTorch raise its own error
    return _empty(x, (x.shape[0], channels, *spatial))


def _addmm_shape(bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor, **kwargs: Any) -> Any:
    return _mm_shape(a, b)


def _mm_shape(a: torch.Tensor, b: torch.Tensor) -> Any:
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        return None
    return _empty(a, (a.shape[0], b.shape[1]))


def _bmm_shape(a: torch.Tensor, b: torch.Tensor) -> Any:
    if a.dim() != 3 or b.dim() != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        return None
    return _empty(a, (a.shape[0], a.shape[1], b.shape[2]))


def _pool_spatial(x: torch.Tensor, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool) -> list[int] | None:
    n = len(kernel)
    stride = stride or kernel
    expand = lambda v: list(v) * n if len(v) == 1 else list(v)  # noqa: E731
    kernel, stride, padding, dilation = expand(kernel), expand(stride), expand(padding), expand(dilation)
    spatial = [pool_output_size(s, k, st, p, d, ceil_mode) for s, k, st, p, d in zip(x.shape[-n:], kernel, stride, padding, dilation)]
    return spatial if min(spatial) >= 1 else None


def _max_pool_shape(x, kernel, stride=(), padding=(0,), dilation=(1,), ceil_mode=False) -> Any:  # type: ignore[no-untyped-def]
    spatial = _pool_spatial(x, kernel, stride, padding, dilation, ceil_mode)
    if spatial is None:
        return None
    shape = (*x.shape[: -len(spatial)], *spatial)
    return _empty(x, shape), _empty(x, shape, torch.int64)


def _avg_pool_shape(x, kernel, stride=(), padding=(0,), ceil_mode=False, *args, **kwargs) -> Any:  # type: ignore[no-untyped-def]
    spatial = _pool_spatial(x, kernel, stride, padding, (1,), ceil_mode)
    return None if spatial is None else _empty(x, (*x.shape[: -len(spatial)], *spatial))


def _adaptive_pool_shape(x: torch.Tensor, output_size: Any) -> Any:
    return _empty(x, (*x.shape[: -len(output_size)], *output_size))


def _reduce_shape(x: torch.Tensor, dims: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:
    rank = x.dim()
    reduced = {d % rank for d in dims} if dims else set(range(rank))
    return _empty(x, [1 if i in reduced else s for i, s in enumerate(x.shape) if keepdim or i not in reduced])


def _binary_shape(a: Any, b: Any, *args: Any, **kwargs: Any) -> Any:
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.dtype != b.dtype:
        return None
    return _empty(a, torch.broadcast_shapes(a.shape, b.shape))


def _binary_inplace(a: Any, b: Any, *args: Any, **kwargs: Any) -> Any:
    if not isinstance(a, torch.Tensor) or (isinstance(b, torch.Tensor) and torch.broadcast_shapes(a.shape, b.shape) != a.shape):
        return None
    return a


def _cat_shape(tensors: Any, dim: int = 0) -> Any:
    tensors = [t for t in tensors if t.dim() > 1 or t.numel() > 0]
    if not tensors or len({t.dim() for t in tensors}) != 1 or len({t.dtype for t in tensors}) != 1:
        return None
    d = dim % tensors[0].dim()
    if len({tuple(s for i, s in enumerate(t.shape) if i != d) for t in tensors}) != 1:
        return None
    shape = list(tensors[0].shape)
    shape[d] = sum(t.shape[d] for t in tensors)
    return _empty(tensors[0], shape)


_FAST_SHAPES: dict[Any, Any] = {
    **dict.fromkeys(_BATCHNORM_OPS, _batch_norm_shape),
    aten.convolution.default: _convolution_shape,
    aten.addmm.default: _addmm_shape,
    aten.mm.default: _mm_shape,
    aten.bmm.default: _bmm_shape,
    aten.max_pool2d_with_indices.default: _max_pool_shape,
    aten.max_pool3d_with_indices.default: _max_pool_shape,
    aten.avg_pool2d.default: _avg_pool_shape,
    aten.avg_pool3d.default: _avg_pool_shape,
    aten._adaptive_avg_pool2d.default: _adaptive_pool_shape,
    aten._adaptive_avg_pool3d.default: _adaptive_pool_shape,
    aten.mean.dim: _reduce_shape,
    aten.sum.dim_IntList: _reduce_shape,
    aten.add.Tensor: _binary_shape,
    aten.mul.Tensor: _binary_shape,
    aten.sub.Tensor: _binary_shape,
    aten.div.Tensor: _binary_shape,
    aten.add_.Tensor: _binary_inplace,
    aten.mul_.Tensor: _binary_inplace,
    aten.cat.default: _cat_shape,
}


def walk(model: nn.Module, input_shape: Shape, *, strict: bool = False, verify: bool = False, arch: str = "user", config: Mapping[str, Any] | None = None, dtype: str = "fp32") -> ModelProfile:
    """Profiles ``model`` analytically for an input of ``input_shape`` (batch included).

    Args:
        model: Any ``nn.Module``, on any device (including ``meta``); it is not modified.
        input_shape: The full input shape, e.g. (1, 3, 224, 224).
        strict: Raise when a leaf module has no formula instead of flagging it.
        verify: Run PyTorch's own meta kernels for every op instead of lwprof's fast shape
            functions, so every formula's output shape is checked against PyTorch (slower:
            the first call imports sympy and torch._dynamo).
        arch: Architecture name stored in the profile.
        config: Configuration stored in the profile.
        dtype: Element type for byte counts.

    Returns:
        The profile, records in pre-order with parents aggregating their children.

    Raises:
        LwprofError: A formula disagrees with PyTorch's shapes, the forward pass fails on this
            input, or (``strict``) a leaf has no formula.
    """
    state = _Walk(model, verify)
    if strict:
        missing = sorted(state.names[i] for i, f in state.formula.items() if state.leaf[i] and f is None)
        if missing:
            raise LwprofError(f"no formula for {len(missing)} leaf module(s): {', '.join(missing[:5])} (drop --strict to count them at the op level)")
    stand_ins = [] if verify else [m for i, m in state.modules.items() if state.leaf[i] and state.formula[i] is not None and stands_in(m)]
    shadowed = {id(m): m.__dict__["forward"] for m in stand_ins if "forward" in m.__dict__}
    pre = nn.modules.module.register_module_forward_pre_hook(state.pre_hook)
    post = nn.modules.module.register_module_forward_hook(state.post_hook)
    modes = [(m, m.training) for m in model.modules()]
    try:
        for m in stand_ins:
            m.forward = state.stand_in(m)
        model.eval()
        with torch.no_grad(), state:
            x = torch.empty(input_shape, device="meta")
            state.track(x)
            y = model(x)
            del x, y
    except LwprofError:
        raise
    except Exception as exc:  # the user's forward failed on this input
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LwprofError(f"forward pass failed for input shape {tuple(input_shape)}: {type(exc).__name__}: {message}") from exc
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
    records = _records(model, state)
    return ModelProfile(arch, dict(config or {}), tuple(input_shape), records, dtype, state.peak)


def _records(model: nn.Module, state: _Walk) -> tuple[LayerRecord, ...]:
    # Every module's subtree (module ids, parameters, buffers) in one pass, children first:
    # a shared module or parameter appears once in each subtree, as in ``module.parameters()``.
    subtree: dict[int, set[int]] = {}
    params: dict[int, dict[int, torch.Tensor]] = {}
    buffers: dict[int, dict[int, torch.Tensor]] = {}

    def visit(module: nn.Module) -> None:
        key = id(module)
        if key in subtree:
            return
        ids = {key}
        ps = {id(p): p for p in module._parameters.values() if p is not None}
        bs = {id(b): b for b in module._buffers.values() if b is not None}
        for child in module.children():
            visit(child)
            ids |= subtree[id(child)]
            ps.update(params[id(child)])
            bs.update(buffers[id(child)])
        subtree[key], params[key], buffers[key] = ids, ps, bs

    visit(model)
    own = {key: (acc.macs + acc.fn_macs, acc.other_ops + acc.fn_ops) for key, acc in state.acc.items()}
    records = []
    for name, module in model.named_modules():
        key = id(module)
        acc = state.acc[key]
        ids = subtree[key]
        leaf = state.leaf[key]
        if not leaf:
            status, category = "parent", "Block"
        elif acc.cost is not None:
            status, category = "formula", acc.cost.category
        elif acc.calls == 0:
            status, category = "formula", "Unused"
        else:
            status, category = "unsupported", "Unsupported"
        ps = params[key].values()
        records.append(
            LayerRecord(
                name=name,
                type=type(module).__name__,
                depth=0 if not name else name.count(".") + 1,
                is_leaf=leaf,
                status=status,
                category=category,
                input_shape=acc.in_shape,
                output_shape=acc.out_shape,
                params=sum(p.numel() for p in ps),
                trainable_params=sum(p.numel() for p in ps if p.requires_grad),
                buffers=sum(b.numel() for b in buffers[key].values() if b.is_floating_point()),
                macs=sum(own[k][0] for k in ids),
                other_ops=sum(own[k][1] for k in ids),
                functional_macs=acc.fn_macs if not leaf else 0,
                functional_other_ops=acc.fn_ops if not leaf else 0,
                calls=acc.calls,
                hparams=acc.cost.hparams if acc.cost else {},
                formula=acc.cost.formula if acc.cost else "",
                read_elements=acc.read if leaf else 0,
                write_elements=acc.write if leaf else 0,
            )
        )
    return tuple(records)
