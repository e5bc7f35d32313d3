"""Fast output shapes for the common ops of a shape-only (``meta``) walk.

PyTorch's meta kernels for these ops are Python code whose first call imports sympy and
torch._dynamo (about 2 s) and whose later calls cost up to ~3 ms (BatchNorm). These functions
compute the same output shapes directly, or return None to let PyTorch's kernel run (and raise
its own error). ``walk(..., verify=True)`` runs the real meta kernels instead; the test suite
does so for every zoo model, pinning these to PyTorch.
"""

from __future__ import annotations

from typing import Any

import torch

from lwprof.counting.formulas import conv_output_size, pool_output_size

__all__ = ["FAST_SHAPES", "SAME_SHAPE_OPS", "empty"]

aten = torch.ops.aten

# BatchNorm variants: output 0 has the input's shape; the saved statistics are not activations.
_BATCHNORM_OPS = {
    aten.native_batch_norm.default,
    aten._native_batch_norm_legit_no_training.default,
    aten._native_batch_norm_legit.default,
    aten._native_batch_norm_legit.no_stats,
}
# Element-wise ops whose output has the shape and dtype of their single (floating) tensor argument.
SAME_SHAPE_OPS = frozenset({
    "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_",
    "sigmoid", "sigmoid_", "silu", "silu_", "gelu", "gelu_", "tanh", "tanh_", "leaky_relu", "leaky_relu_",
    "elu", "elu_", "mish", "mish_", "clamp", "clamp_", "clamp_min", "clamp_min_", "neg", "exp", "sqrt",
})


def empty(like: torch.Tensor, shape: Any, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A new meta tensor (``Tensor.new_empty`` runs a Python reference; this stays in C++)."""
    return torch.empty(tuple(shape), dtype=dtype or like.dtype, device="meta")


def _batch_norm_shape(x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
    return empty(x, x.shape), empty(x, (0,)), empty(x, (0,))


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
    return empty(x, (x.shape[0], channels, *spatial))


def _addmm_shape(bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor, **kwargs: Any) -> Any:
    return _mm_shape(a, b)


def _mm_shape(a: torch.Tensor, b: torch.Tensor) -> Any:
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        return None
    return empty(a, (a.shape[0], b.shape[1]))


def _bmm_shape(a: torch.Tensor, b: torch.Tensor) -> Any:
    if a.dim() != 3 or b.dim() != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        return None
    return empty(a, (a.shape[0], a.shape[1], b.shape[2]))


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
    return empty(x, shape), empty(x, shape, torch.int64)


def _avg_pool_shape(x, kernel, stride=(), padding=(0,), ceil_mode=False, *args, **kwargs) -> Any:  # type: ignore[no-untyped-def]
    spatial = _pool_spatial(x, kernel, stride, padding, (1,), ceil_mode)
    return None if spatial is None else empty(x, (*x.shape[: -len(spatial)], *spatial))


def _adaptive_pool_shape(x: torch.Tensor, output_size: Any) -> Any:
    return empty(x, (*x.shape[: -len(output_size)], *output_size))


def _reduce_shape(x: torch.Tensor, dims: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:
    if not x.is_floating_point() or kwargs.get("dtype") is not None:
        return None  # sum of bools is int64, mean(dtype=...) casts: PyTorch's own rules
    rank = x.dim()
    reduced = {d % rank for d in dims} if dims else set(range(rank))
    return empty(x, [1 if i in reduced else s for i, s in enumerate(x.shape) if keepdim or i not in reduced])


def _binary_shape(a: Any, b: Any, *args: Any, **kwargs: Any) -> Any:
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.dtype != b.dtype or not a.is_floating_point():
        return None  # integer division gives floats: PyTorch's own type promotion
    return empty(a, torch.broadcast_shapes(a.shape, b.shape))


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
    return empty(tensors[0], shape)


FAST_SHAPES: dict[Any, Any] = {
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
