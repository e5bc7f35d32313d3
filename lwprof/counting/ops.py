"""Op-level costs: one registered handler per aten op, as :mod:`lwprof.counting.formulas` has one per layer.

The walker counts every op that runs outside a layer with a formula here: a residual add, a
concat, ``F.conv2d`` or ``torch.matmul`` called in a ``forward``, and every op of a leaf that
has no formula (or whose own forward differs from its type's). A handler receives the op's
arguments (tensors on ``meta`` or the CPU) and its output and returns an :class:`OpCost`.

Handlers are registered with :func:`lwprof.counting.formulas.register_formula` (the one
decorator, for layer types and ops alike) or :func:`register_op_formula`, keyed by the op's
overload packet (``torch.ops.aten.mm``) or one overload (``torch.ops.aten.mm.default``); an
overload's handler wins over its packet's. An op without a handler costs nothing when it only
moves or views data, one "other op" per output element when it is element-wise, and likewise
one per output element otherwise (counted, never dropped).

Conventions (:mod:`lwprof.records`): MACs are multiply-accumulates of convolutions and matrix
products; everything else is other ops.
"""

from __future__ import annotations

import contextlib
import functools
import math
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import torch
from torch.utils._pytree import tree_flatten

from lwprof.registries import restored

__all__ = [
    "OpCost", "find_op_formula", "first_tensor", "op_cost", "override_op_formula", "register_op_formula", "scoped_op_formulas",
    "unregister_op_formula",
]  # fmt: skip

aten = torch.ops.aten


class OpCost(NamedTuple):
    """What one call of one op costs."""

    macs: int
    other_ops: int


OpFormula = Callable[[tuple[Any, ...], Mapping[str, Any], Any], OpCost]
_OP_FORMULAS: dict[Any, OpFormula] = {}


def _is_op(target: Any) -> bool:
    return isinstance(target, (torch._ops.OpOverloadPacket, torch._ops.OpOverload))


def register_op_formula(*ops: Any) -> Callable[[OpFormula], OpFormula]:
    """Registers a cost handler for aten ops (packets such as ``aten.mm`` or overloads).

    Args:
        *ops: The ops. The handler's :class:`OpCost` splits multiply-accumulates (what the
            cross-check compares with fvcore's and FlopCounterMode's) from other ops.

    Raises:
        RuntimeError: An op already has a handler (as torch's flop_registry does).
        ValueError: A target is not a torch op.
    """

    def deco(fn: OpFormula) -> OpFormula:
        for op in ops:
            if not _is_op(op):
                raise ValueError(f"register_op_formula expects torch ops such as torch.ops.aten.mm, got {op!r}")
            if op in _OP_FORMULAS:
                raise RuntimeError(f"a formula for {op} is already registered")
            _OP_FORMULAS[op] = fn
        find_op_formula.cache_clear()
        return fn

    return deco


def unregister_op_formula(*ops: Any) -> None:
    """Removes the handlers of aten ops.

    Raises:
        KeyError: An op has no handler of its own.
    """
    missing = [op for op in ops if op not in _OP_FORMULAS]
    if missing:
        raise KeyError(f"no handler registered for {', '.join(map(str, missing))}")
    for op in ops:
        del _OP_FORMULAS[op]
    find_op_formula.cache_clear()


@contextlib.contextmanager
def scoped_op_formulas() -> Iterator[None]:
    """Every op handler registered or removed inside the block is undone on exit."""
    try:
        with restored(_OP_FORMULAS):
            yield
    finally:
        find_op_formula.cache_clear()  # after the handlers are back


@contextlib.contextmanager
def override_op_formula(*ops: Any, handler: OpFormula) -> Iterator[OpFormula]:
    """``handler`` costs ``ops`` inside the block, in place of their own handlers; restored on exit."""
    with scoped_op_formulas():
        own = [op for op in ops if op in _OP_FORMULAS]
        if own:
            unregister_op_formula(*own)
        yield register_op_formula(*ops)(handler)


@functools.cache
def find_op_formula(func: Any) -> OpFormula | None:
    """The handler of an op overload (its own, else its packet's), or None."""
    return _OP_FORMULAS.get(func) or _OP_FORMULAS.get(getattr(func, "overloadpacket", None))


def op_cost(func: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """(MACs, other ops) of one call of an aten op, from its arguments' and output's shapes."""
    handler = find_op_formula(func)
    if handler is not None:
        return handler(args, kwargs, out)
    if _moves_data(func):
        return OpCost(0, 0)
    return OpCost(0, _numel(out))


# -- helpers -------------------------------------------------------------------------------------


def first_tensor(value: Any) -> torch.Tensor | None:
    """The first tensor in an argument or output (a tensor, a nested tuple/list/dict), or None."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):  # the common case, without pytree's overhead
        for v in value:
            if isinstance(v, torch.Tensor):
                return v
            if isinstance(v, (tuple, list, dict)):
                found = first_tensor(v)
                if found is not None:
                    return found
        return None
    leaves, _ = tree_flatten(value)
    return next((v for v in leaves if isinstance(v, torch.Tensor)), None)


def _numel(out: Any) -> int:
    t = first_tensor(out)
    return t.numel() if t is not None else 0


# Ops that move or view data and do no arithmetic (exact overload-packet names).
_NO_OPS = frozenset({
    "view", "_unsafe_view", "reshape", "transpose", "permute", "t", "expand", "squeeze", "unsqueeze", "slice",
    "select", "cat", "stack", "split", "split_with_sizes", "unsafe_split", "chunk", "narrow", "clone", "contiguous", "copy",
    "copy_", "detach", "alias", "empty", "empty_like", "new_empty", "new_empty_strided", "empty_strided", "zeros", "zeros_like",
    "ones", "ones_like", "full", "full_like", "new_zeros", "new_ones", "new_full", "_to_copy", "flatten", "as_strided", "lift_fresh",
    "lift_fresh_copy", "unbind", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "roll", "flip",
    "index_select", "gather", "embedding", "constant_pad_nd", "pad", "repeat", "tile", "_reshape_alias", "unfold", "fill_",
    "zero_", "arange", "scalar_tensor", "_local_scalar_dense", "index",
    "view_as_real", "view_as_complex", "movedim", "swapaxes", "squeeze_", "unsqueeze_", "t_", "transpose_", "rand", "randn",
    "randint", "rand_like", "randn_like", "bernoulli", "bernoulli_", "normal_", "uniform_", "detach_", "set_", "resize_",
})


@functools.cache
def _moves_data(func: Any) -> bool:
    name = func.__name__.split(".")[0]
    return name in _NO_OPS and torch.Tag.pointwise not in func.tags


# -- matmul-class ops: multiply-accumulates -------------------------------------------------------


@register_op_formula(aten.convolution, aten._convolution)
def _convolution(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    x, weight, bias = args[0], args[1], args[2]
    transposed = args[6] if len(args) > 6 else kwargs.get("transposed", False)
    per_output = weight.shape[1] * math.prod(weight.shape[2:])
    out_elems = _numel(out)
    # A transposed conv spreads every input element over a kernel: x elements x (C_out/g) x k.
    macs = x.numel() * per_output if transposed else out_elems * per_output
    return OpCost(macs, out_elems if bias is not None else 0)


@register_op_formula(aten.mm, aten.bmm)
def _mm(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    # (.., n, m) @ (.., m, p): every one of the n*m*p products, per batch element.
    return OpCost(args[0].numel() * args[1].shape[-1], 0)


@register_op_formula(aten.addmm, aten.baddbmm, aten.addbmm)
def _addmm(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    # bias + (.., n, m) @ (.., m, p); addbmm also sums the batch of products: same MACs.
    return OpCost(args[1].numel() * args[2].shape[-1], _numel(out))


@register_op_formula(aten.mv, aten.dot, aten.vdot)
def _mv(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    # (n, m) @ (m,) and (m,) . (m,): one product per element of the first operand
    return OpCost(args[0].numel(), 0)


@register_op_formula(aten.addmv)
def _addmv(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    return OpCost(args[1].numel(), _numel(out))


@register_op_formula(aten._trilinear)
def _trilinear(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """``nn.Bilinear``'s x1^T W x2 (and other three-way products): one MAC per element of the
    three operands broadcast together, sum dimensions included (batch x out x in1 x in2)."""
    dims = len(args[0].shape) + len(args[3])
    sizes = [1] * dims
    for tensor, expand in zip(args[:3], args[3:6]):
        kept = iter(tensor.shape)
        for d in range(dims):
            if d not in expand:
                sizes[d] = max(sizes[d], next(kept))
    return OpCost(math.prod(sizes), 0)


def _attention(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """Fused attention: q @ k^T and softmax(.) @ v, MACs = batch x heads x L x S x (E_qk + E_v)."""
    q, k, v = args[0], args[1], args[2]
    lead = math.prod(q.shape[:-2])
    seq_q, seq_k = q.shape[-2], k.shape[-2]
    macs = lead * seq_q * seq_k * (q.shape[-1] + v.shape[-1])
    return OpCost(macs, lead * seq_q * seq_k)  # the softmax: one op per score


_FUSED_ATTENTION = [
    getattr(aten, name)
    for name in (
        "_scaled_dot_product_flash_attention_for_cpu",
        "_scaled_dot_product_flash_attention",
        "_scaled_dot_product_efficient_attention",
        "_scaled_dot_product_cudnn_attention",
    )
    if hasattr(aten, name)
]
register_op_formula(*_FUSED_ATTENTION)(_attention)


def _unpack(packed: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(weight, bias) of a quantized op's packed parameters (a ScriptObject)."""
    if hasattr(packed, "unpack"):
        return packed.unpack()
    return torch.ops.quantized.linear_unpack(packed)


def _quantized_conv(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """An int8 conv (``quantized::conv2d`` and friends): the packed weight gives C_in/g and the
    kernel. It follows the input (``conv2d_add`` takes the tensor to add second)."""
    weight, bias = _unpack(next(a for a in args[1:] if not isinstance(a, torch.Tensor)))
    out_elems = _numel(out)
    return OpCost(out_elems * weight.shape[1] * math.prod(weight.shape[2:]), out_elems if bias is not None else 0)


def _quantized_linear(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """An int8 (or dynamically quantized) linear layer: output elements x in_features."""
    weight, bias = _unpack(args[1])
    out_elems = _numel(out)
    return OpCost(out_elems * weight.shape[1], out_elems if bias is not None else 0)


_QUANTIZED = getattr(torch.ops, "quantized", None)
if _QUANTIZED is not None:
    _convs = [getattr(_QUANTIZED, n) for n in ("conv1d", "conv2d", "conv3d", "conv1d_relu", "conv2d_relu", "conv3d_relu", "conv2d_add", "conv2d_add_relu") if hasattr(_QUANTIZED, n)]
    _linears = [getattr(_QUANTIZED, n) for n in ("linear", "linear_relu", "linear_dynamic", "linear_relu_dynamic", "linear_dynamic_fp16") if hasattr(_QUANTIZED, n)]
    register_op_formula(*_convs)(_quantized_conv)
    register_op_formula(*_linears)(_quantized_linear)


# -- element-wise, reductions, pooling: other ops --------------------------------------------------


@register_op_formula(
    aten.mean, aten.sum, aten.amax, aten.amin, aten.max, aten.min, aten.var, aten.std, aten.var_mean, aten.std_mean,
    aten._softmax, aten._log_softmax, aten._safe_softmax, aten.norm, aten.linalg_vector_norm, aten.logsumexp, aten.prod,
    aten.cumsum, aten.argmax, aten.argmin, aten.any, aten.all,
)  # fmt: skip
def _reduction(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    x = args[0] if args and isinstance(args[0], torch.Tensor) else None
    return OpCost(0, max(x.numel() if x is not None else 0, _numel(out)))


@register_op_formula(
    aten.max_pool1d, aten.max_pool2d_with_indices, aten.max_pool3d_with_indices, aten.avg_pool1d, aten.avg_pool2d, aten.avg_pool3d,
)  # fmt: skip
def _pool(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    kernel = args[1] if len(args) > 1 else kwargs.get("kernel_size", ())
    return OpCost(0, _numel(out) * math.prod(tuple(kernel)))


@register_op_formula(aten._adaptive_avg_pool2d, aten.adaptive_max_pool2d, aten._adaptive_avg_pool3d, aten.adaptive_avg_pool1d, aten.adaptive_max_pool1d)
def _adaptive_pool(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    return OpCost(0, max(args[0].numel(), _numel(out)))


# Dropout: F.dropout in training fills a mask in place (``bernoulli_``: no arithmetic), scales it
# by 1/(1-p) in place (``div_`` by a number) and multiplies the input by it; only the last is the
# layer's work, 1 op per element of the input, as nn.Dropout's formula (and native_dropout, one
# op per output element) count. The scaling belongs to making the mask and costs nothing. A mask
# is known by identity (an in-place op returns its argument, in the meta and the CPU walk alike),
# held weakly, and forgotten once scaled.
_MASKS: weakref.WeakValueDictionary[int, torch.Tensor] = weakref.WeakValueDictionary()  # by id: == on tensors compares values


@register_op_formula(aten.bernoulli_)
def _bernoulli_(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    if args and isinstance(args[0], torch.Tensor):
        _MASKS[id(args[0])] = args[0]
    return OpCost(0, 0)


@register_op_formula(aten.div_)
def _div_(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    x = args[0] if args and isinstance(args[0], torch.Tensor) else None
    if x is not None and _MASKS.get(id(x)) is x and len(args) > 1 and isinstance(args[1], (int, float)):
        del _MASKS[id(x)]
        return OpCost(0, 0)  # dropout's mask scaled: part of making it
    return OpCost(0, _numel(out))  # any other in-place division: one op per element (the default)


@register_op_formula(aten.native_batch_norm, aten._native_batch_norm_legit, aten._native_batch_norm_legit_no_training)
def _batch_norm(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    return OpCost(0, 2 * args[0].numel())  # scale and shift per element at inference (as formulas.batchnorm_formula)


@register_op_formula(aten.native_layer_norm, aten.native_group_norm)
def _feature_norm(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    return OpCost(0, 5 * args[0].numel())  # mean, variance, normalise, scale, shift (as formulas.norm_formula)


# -- the backward pass (lwprof.counting.backward): gradients ----------------------------------------
# A gradient of a conv or a matrix product is made of convolutions and matrix products (MACs);
# every other backward op costs one op per element of each gradient it computes, and a gradient
# that sums over elements (a bias's, a norm's weight's) one per element summed. Matrix products
# of a gradient (linear, matmul, attention on the reference kernels) are aten.mm / bmm above.


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


@register_op_formula(aten.convolution_backward)
def _convolution_backward(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """The gradients of a conv: of its input, a transposed conv of the output gradient with the
    weight; of its weight, a conv of the input with the output gradient. Each multiplies the
    same pairs as the forward, so each costs the forward's MACs (computed only where
    ``output_mask`` asks: an input or weight that needs no gradient costs none); the bias's is a
    sum of the output gradient, one op per element."""
    grad_out, x, weight = args[0], args[1], args[2]
    transposed = bool(_arg(args, kwargs, 7, "transposed"))
    mask = _arg(args, kwargs, 10, "output_mask") or (True, True, True)
    forward = (x.numel() if transposed else grad_out.numel()) * weight.shape[1] * math.prod(weight.shape[2:])
    return OpCost(forward * (bool(mask[0]) + bool(mask[1])), grad_out.numel() if mask[2] else 0)


def _norm_backward(mask_index: int) -> OpFormula:
    def cost(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
        mask = _arg(args, kwargs, mask_index, "output_mask") or (True, True, True)
        # the input's gradient, one op per element; the weight's and the bias's, sums over every element
        return OpCost(0, sum(map(bool, mask)) * args[0].numel())

    return cost


register_op_formula(aten.native_batch_norm_backward)(_norm_backward(9))
register_op_formula(aten.native_layer_norm_backward)(_norm_backward(7))
register_op_formula(aten.native_group_norm_backward)(_norm_backward(9))


@register_op_formula(aten.embedding_dense_backward)
def _embedding_backward(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    return OpCost(0, args[0].numel())  # every element of the output gradient added to its row


_GRADIENTS = [
    getattr(aten, name)
    for name in (
        "threshold_backward", "hardswish_backward", "hardsigmoid_backward", "hardtanh_backward", "sigmoid_backward",
        "tanh_backward", "gelu_backward", "silu_backward", "mish_backward", "elu_backward", "leaky_relu_backward",
        "softplus_backward", "log_sigmoid_backward", "glu_backward", "softshrink_backward", "hardshrink_backward",
        "rrelu_with_noise_backward", "native_dropout_backward", "_softmax_backward_data", "_log_softmax_backward_data",
        "max_pool2d_with_indices_backward", "max_pool3d_with_indices_backward", "avg_pool2d_backward", "avg_pool3d_backward",
        "_adaptive_avg_pool2d_backward", "_adaptive_avg_pool3d_backward", "adaptive_max_pool2d_backward",
        "upsample_nearest2d_backward", "upsample_bilinear2d_backward",
    )
    if hasattr(aten, name)
]  # fmt: skip


@register_op_formula(*_GRADIENTS)
def _gradient(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """An activation's, a pooling's, a softmax's gradient: one op per element of the input gradient it writes."""
    return OpCost(0, _numel(out))


def _attention_backward(args: tuple[Any, ...], kwargs: Mapping[str, Any], out: Any) -> OpCost:
    """A fused attention's gradient (grad_out, q, k, v first): the scores recomputed (q @ k^T), then
    grad_out @ v^T, scores^T @ grad_out, grad_scores @ k and grad_scores^T @ q, as FlopCounterMode's
    sdpa_backward_flop counts them: batch x heads x L x S x (3 E_qk + 2 E_v)."""
    q, k, v = args[1], args[2], args[3]
    lead = math.prod(q.shape[:-2])
    seq_q, seq_k = q.shape[-2], k.shape[-2]
    return OpCost(lead * seq_q * seq_k * (3 * q.shape[-1] + 2 * v.shape[-1]), lead * seq_q * seq_k)


register_op_formula(
    *[
        getattr(aten, name)
        for name in (
            "_scaled_dot_product_flash_attention_for_cpu_backward", "_scaled_dot_product_flash_attention_backward",
            "_scaled_dot_product_efficient_attention_backward", "_scaled_dot_product_cudnn_attention_backward",
        )
        if hasattr(aten, name)
    ]
)(_attention_backward)  # fmt: skip
