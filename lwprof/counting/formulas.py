"""Analytic cost formulas, one small function per layer type.

A formula takes a module and the shape of its input and returns a :class:`LayerCost`: output
shape, parameters, MACs and other ops, computed from the module's hyper-parameters alone (no
tensor is touched). Formulas are registered with :func:`register_formula` and looked up along
the module class's MRO, so a subclass of ``nn.Conv2d`` gets the conv formula, as long as it
keeps ``Conv2d``'s ``forward``: a subclass with a ``forward`` of its own (one that pads first,
or standardises its weight) is counted from its ops instead (:func:`formula_applies`).

:func:`register_formula` also takes aten ops (``torch.ops.aten.mm``): their handlers live in
:mod:`lwprof.counting.ops` and cost the ops that run outside any formula.

Conventions (see :mod:`lwprof.records`): MACs are multiply-accumulates; bias additions,
normalisation, activations, pooling and element-wise work are "other ops": one per output
element per elementary operation (BatchNorm at inference = 2: scale and shift), pooling = one
per window element.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from lwprof.counting import ops
from lwprof.errors import LwprofError
from lwprof.records import ConvSpec, LayerKind, Shape, layer_label
from lwprof.registries import restored

__all__ = [
    "LayerCost",
    "conv_output_size",
    "cost_kind",
    "find_formula",
    "formula_applies",
    "override_formula",
    "pool_output_size",
    "register_formula",
    "registered_type",
    "scoped_formulas",
    "stands_in",
    "unregister_formula",
]

prod = math.prod


@dataclass(frozen=True)
class LayerCost:
    """What a formula computes for one call of one leaf module.

    Attributes:
        out_shape: Output shape, batch included.
        params: Parameter elements, from the hyper-parameters.
        macs: Multiply-accumulates.
        other_ops: Non-MAC operations (bias adds, normalisation, activation, pooling).
        category: A display label of its own; empty (the default): derived from ``kind`` and
            ``conv`` (:func:`~lwprof.records.layer_label`). Display only: no rule reads it.
        formula: The MAC formula in words with the numbers filled in.
        hparams: Key hyper-parameters for tables.
        kind: What the layer is; :class:`~lwprof.records.LayerKind.OTHER` (the default): the kind
            its formula was registered with (``register_formula(..., kind=...)``, :func:`cost_kind`).
        conv: A convolution's structure (kernel, stride, groups, depthwise).
    """

    out_shape: Shape
    params: int
    macs: int
    other_ops: int
    category: str = ""
    formula: str = ""
    hparams: dict[str, Any] = field(default_factory=dict)
    kind: LayerKind = LayerKind.OTHER
    conv: ConvSpec | None = None

    def label(self, kind: LayerKind | None = None) -> str:
        """The display label: ``category`` when the formula gave one, else derived from the kind (``kind``: the resolved one)."""
        return self.category or layer_label(kind or self.kind, self.conv)


Formula = Callable[[Any, Shape], LayerCost]
_FORMULAS: dict[type, Formula] = {}
# Layer types registered with ``fresh_output=True``: the walker may stand the formula's output in for the real call.
_FRESH_OUTPUT: set[type] = set()
# The kind each type was registered with (what its costs are, unless a cost names its own).
_KINDS: dict[type, LayerKind] = {}
# ``accepts`` of the types registered with one (the rest take any input of rank >= 1).
_ACCEPTS: dict[type, Callable[[Any, Shape], bool]] = {}


def register_formula(
    *targets: Any, kind: LayerKind = LayerKind.OTHER, fresh_output: bool = False, accepts: Callable[[Any, Shape], bool] | None = None
) -> Callable[[Any], Any]:
    """Registers a formula for layer types, or a cost handler for aten ops.

    Args:
        *targets: ``nn.Module`` subclasses (the formula gets ``(module, input_shape)`` and
            returns a :class:`LayerCost`), or torch ops such as ``torch.ops.aten.mm`` (the
            handler gets ``(args, kwargs, out)`` and returns an
            :class:`~lwprof.counting.ops.OpCost`; see :func:`~lwprof.counting.ops.register_op_formula`).
        kind: What the layers are (:class:`~lwprof.records.LayerKind`): the cost model prices
            them by it, the paper check and plots read it. A cost that names its own kind keeps it.
        fresh_output: The layers' forward allocates one new output tensor of the formula's shape
            (or, with ``inplace=True``, returns its input): a shape-only walk may stand the
            formula's output in for the real call (:func:`stands_in`). Not for views, shuffles,
            or layers whose output aliases their input.
        accepts: ``accepts(module, input_shape)``: whether the module can take that input (its
            channels match); when it cannot, a stand-in is not used and the real forward runs,
            so the user sees PyTorch's own error. Default: any input of rank >= 1.

    Raises:
        RuntimeError: A target already has a formula (as torch's flop_registry does).
        ValueError: A target is neither an ``nn.Module`` subclass nor a torch op; or module
            types and ops are mixed.
    """
    if targets and all(ops._is_op(t) for t in targets):
        return ops.register_op_formula(*targets)

    def deco(fn: Formula) -> Formula:
        for t in targets:
            if not (isinstance(t, type) and issubclass(t, nn.Module)):
                raise ValueError(f"register_formula expects nn.Module subclasses or torch ops, got {t!r}")
            if t in _FORMULAS:
                raise RuntimeError(f"a formula for {t.__name__} is already registered")
        for t in targets:
            _FORMULAS[t] = fn
            _KINDS[t] = LayerKind(kind)
            if fresh_output:
                _FRESH_OUTPUT.add(t)
            if accepts is not None:
                _ACCEPTS[t] = accepts
        return fn

    return deco


def unregister_formula(*targets: Any) -> None:
    """Removes the formulas of layer types (or the handlers of aten ops); a target without one is an error.

    Raises:
        KeyError: A target has no formula of its own (a subclass that inherits its base's has none).
    """
    if targets and all(ops._is_op(t) for t in targets):
        ops.unregister_op_formula(*targets)
        return
    missing = [t for t in targets if t not in _FORMULAS]
    if missing:
        raise KeyError(f"no formula registered for {', '.join(getattr(t, '__name__', repr(t)) for t in missing)}")
    for t in targets:
        del _FORMULAS[t]
        _KINDS.pop(t, None)
        _FRESH_OUTPUT.discard(t)
        _ACCEPTS.pop(t, None)


@contextlib.contextmanager
def scoped_formulas() -> Iterator[None]:
    """Every formula and op handler registered, replaced or removed inside the block is undone on exit.

    For tests and for trying a formula out (as fvcore's ``set_op_handle`` is per counter, this is per block)::

        with scoped_formulas():
            @register_formula(MyLayer, kind=LayerKind.CONV)
            def my_layer(module, shape): ...
            lwprof.profile(model)  # MyLayer counted by my_layer
        # MyLayer has no formula again
    """
    with ops.scoped_op_formulas(), restored(_FORMULAS, _FRESH_OUTPUT, _ACCEPTS, _KINDS):
        yield


@contextlib.contextmanager
def override_formula(
    *targets: Any, formula: Formula, kind: LayerKind = LayerKind.OTHER, fresh_output: bool = False, accepts: Callable[[Any, Shape], bool] | None = None
) -> Iterator[Formula]:
    """``formula`` counts ``targets`` (layer types) inside the block, in place of their own (if any); restored on exit.

    Args:
        *targets: Layer types, as for :func:`register_formula`.
        formula: The formula to use.
        kind, fresh_output, accepts: As for :func:`register_formula`.
    """
    with scoped_formulas():
        own = [t for t in targets if t in _FORMULAS]
        if own:
            unregister_formula(*own)
        yield register_formula(*targets, kind=kind, fresh_output=fresh_output, accepts=accepts)(formula)


def cost_kind(module: nn.Module, cost: LayerCost) -> LayerKind:
    """The kind of a module counted by its formula: the cost's own, else the one its type was registered with."""
    if cost.kind is not LayerKind.OTHER:
        return cost.kind
    cls = registered_type(module)
    return _KINDS.get(cls, LayerKind.OTHER) if cls is not None else LayerKind.OTHER


def registered_type(module: nn.Module) -> type | None:
    """The nearest class in the module's MRO that has a formula, or None."""
    for cls in type(module).__mro__:
        if cls in _FORMULAS:
            return cls
    return None


def find_formula(module: nn.Module) -> Formula | None:
    """The formula for a module's class or its nearest registered base class, or None."""
    cls = registered_type(module)
    return _FORMULAS[cls] if cls is not None else None


def formula_applies(module: nn.Module) -> bool:
    """Whether the module's formula describes what its forward does.

    True when its class is a registered type or a subclass that keeps that type's
    ``forward`` (and no ``forward`` is set on the instance). A subclass with a ``forward`` of
    its own is counted from its ops, exactly, and marked "op level".
    """
    cls = registered_type(module)
    if cls is None or type(module).forward is not getattr(cls, "forward", None):
        return False
    own = module.__dict__.get("forward")
    return own is None or getattr(own, "__func__", None) is getattr(cls, "forward", None)


def accepts(module: nn.Module, shape: Shape) -> bool:
    """Whether ``module`` can take an input of ``shape`` (channels match, rank is right): the
    ``accepts`` of the nearest class in its MRO registered with one (:func:`register_formula`), else rank >= 1.

    Used before standing a formula in for a forward: on a mismatch the real forward runs, so
    the user sees PyTorch's own error.
    """
    for cls in type(module).__mro__:  # a subclass registered without one keeps its base's check
        check = _ACCEPTS.get(cls)
        if check is not None:
            return check(module, shape)
    return len(shape) >= 1


def _conv_accepts(module: nn.modules.conv._ConvNd, shape: Shape) -> bool:
    n = len(module.kernel_size)
    return len(shape) in (n + 1, n + 2) and shape[-n - 1] == module.in_channels


def _linear_accepts(module: nn.Linear, shape: Shape) -> bool:
    return len(shape) >= 1 and shape[-1] == module.in_features


def _batchnorm_accepts(module: nn.modules.batchnorm._BatchNorm, shape: Shape) -> bool:
    return len(shape) >= 2 and shape[1] == module.num_features


def _layernorm_accepts(module: nn.LayerNorm, shape: Shape) -> bool:
    n = len(module.normalized_shape)
    return len(shape) >= n and tuple(shape[-n:]) == tuple(module.normalized_shape)


def _softmax_accepts(module: nn.Softmax | nn.LogSoftmax, shape: Shape) -> bool:
    return module.dim is not None


def stands_in(module: nn.Module) -> bool:
    """True when the formula's output can replace the module's forward in a shape-only walk.

    That holds when the formula applies (:func:`formula_applies`), its type is registered as
    fresh-output, and the module has no hooks of its own.
    """
    if module._forward_hooks or module._forward_pre_hooks or getattr(module, "return_indices", False):
        return False
    return formula_applies(module) and registered_type(module) in _FRESH_OUTPUT


def _tuple(value: Any, n: int) -> tuple[Any, ...]:
    """A hyper-parameter as one value per spatial dimension (``3`` -> ``(3, 3)``)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """PyTorch's conv output size: floor((H + 2p - d(k - 1) - 1) / s + 1)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False) -> int:
    """PyTorch's pooling output size, ceil_mode included (the last window must start inside)."""
    numerator = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _conv_padding(module: nn.modules.conv._ConvNd, n: int, spatial: Shape, kernel: Shape, dilation: Shape) -> tuple[int, ...]:
    if module.padding == "valid":
        return (0,) * n
    if module.padding == "same":
        # PyTorch pads total d(k-1) per dim (extra on the right); the output keeps the input size.
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return _tuple(module.padding, n)


@register_formula(nn.Conv1d, nn.Conv2d, nn.Conv3d, kind=LayerKind.CONV, fresh_output=True, accepts=_conv_accepts)
def conv_formula(module: nn.modules.conv._ConvNd, in_shape: Shape) -> LayerCost:
    n = len(module.kernel_size)
    kernel, stride, dilation = module.kernel_size, _tuple(module.stride, n), _tuple(module.dilation, n)
    spatial_in = in_shape[-n:]
    padding = _conv_padding(module, n, spatial_in, kernel, dilation)
    if module.padding == "same":
        spatial_out = tuple(spatial_in)
    else:
        spatial_out = tuple(conv_output_size(*args) for args in zip(spatial_in, kernel, stride, padding, dilation))
    batch = prod(in_shape[: -n - 1])
    out_shape = (*in_shape[: -n - 1], module.out_channels, *spatial_out)
    cin_per_group = module.in_channels // module.groups
    out_elements = prod(out_shape)
    macs = out_elements * cin_per_group * prod(kernel)
    weights = module.out_channels * cin_per_group * prod(kernel)
    has_bias = module.bias is not None
    params = weights + (module.out_channels if has_bias else 0)

    ksize = "x".join(map(str, kernel))
    depthwise = module.groups > 1 and module.groups == module.in_channels and module.out_channels % module.in_channels == 0
    conv = ConvSpec(tuple(kernel), tuple(stride), module.groups, depthwise)
    spatial_txt = "x".join(map(str, spatial_out))
    formula = (
        f"{batch} x {module.out_channels} x {spatial_txt} outputs x {cin_per_group} (C_in/g = {module.in_channels}/{module.groups})"
        f" x {ksize} kernel = {macs:,} MACs"
    )
    hparams = {"kernel": tuple(kernel), "stride": tuple(stride), "padding": tuple(padding), "dilation": tuple(dilation), "groups": module.groups}
    return LayerCost(out_shape, params, macs, out_elements if has_bias else 0, formula=formula, hparams=hparams, conv=conv)


@register_formula(nn.Linear, kind=LayerKind.LINEAR, fresh_output=True, accepts=_linear_accepts)
def linear_formula(module: nn.Linear, in_shape: Shape) -> LayerCost:
    rows = prod(in_shape[:-1])
    out_shape = (*in_shape[:-1], module.out_features)
    macs = rows * module.in_features * module.out_features
    has_bias = module.bias is not None
    params = module.in_features * module.out_features + (module.out_features if has_bias else 0)
    formula = f"{rows} rows x {module.in_features} in x {module.out_features} out = {macs:,} MACs"
    return LayerCost(out_shape, params, macs, rows * module.out_features if has_bias else 0, formula=formula)


@register_formula(nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, kind=LayerKind.BATCHNORM, fresh_output=True, accepts=_batchnorm_accepts)
@register_formula(nn.SyncBatchNorm, kind=LayerKind.BATCHNORM, accepts=_batchnorm_accepts)
def batchnorm_formula(module: nn.modules.batchnorm._BatchNorm, in_shape: Shape) -> LayerCost:
    params = 2 * module.num_features if module.affine else 0
    elements = prod(in_shape)
    if module.training:  # batch statistics (--train): mean, variance, normalise, scale, shift
        return LayerCost(in_shape, params, 0, 5 * elements, formula="normalisation with batch statistics: 5 ops per element, 0 MACs")
    return LayerCost(in_shape, params, 0, 2 * elements, formula="normalisation: 2 ops per element, 0 MACs")


_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.SiLU, nn.Sigmoid, nn.Hardswish, nn.Hardsigmoid, nn.GELU, nn.Tanh, nn.LeakyReLU, nn.ELU, nn.Mish, nn.Hardtanh)


@register_formula(*_ACTIVATIONS, kind=LayerKind.ACTIVATION, fresh_output=True)
@register_formula(nn.Softmax, nn.LogSoftmax, kind=LayerKind.ACTIVATION, fresh_output=True, accepts=_softmax_accepts)
def activation_formula(module: nn.Module, in_shape: Shape) -> LayerCost:
    return LayerCost(in_shape, 0, 0, prod(in_shape), formula="1 op per element, 0 MACs")


@register_formula(nn.PReLU, kind=LayerKind.ACTIVATION)
def prelu_formula(module: nn.PReLU, in_shape: Shape) -> LayerCost:
    return LayerCost(in_shape, module.num_parameters, 0, prod(in_shape), formula="1 op per element, 0 MACs")


def _spatial_dims(module: nn.Module) -> int:
    """1, 2 or 3: from PyTorch's own class in the module's ancestry (``MaxPool2d``), so that a
    subclass (``class Pool(nn.MaxPool2d)``) gets its base class's formula."""
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn.modules.") and cls.__name__[-2:] in ("1d", "2d", "3d"):
            return int(cls.__name__[-2])
    raise LwprofError(f"{type(module).__name__}: not a 1d, 2d or 3d pooling layer")


@register_formula(nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, kind=LayerKind.POOLING, fresh_output=True)
def pool_formula(module: nn.Module, in_shape: Shape) -> LayerCost:
    n = _spatial_dims(module)
    kernel = _tuple(module.kernel_size, n)
    stride = _tuple(module.stride or module.kernel_size, n)
    padding = _tuple(module.padding, n)
    dilation = _tuple(getattr(module, "dilation", 1), n)
    spatial = tuple(
        pool_output_size(s, k, st, p, d, bool(module.ceil_mode)) for s, k, st, p, d in zip(in_shape[-n:], kernel, stride, padding, dilation)
    )
    out_shape = (*in_shape[:-n], *spatial)
    ops = prod(out_shape) * prod(kernel)
    ksize = "x".join(map(str, kernel))
    hparams = {"kernel": kernel, "stride": stride, "padding": padding}
    return LayerCost(out_shape, 0, 0, ops, formula=f"{ksize} window: {prod(kernel)} ops per output, 0 MACs", hparams=hparams)


@register_formula(
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
    kind=LayerKind.ADAPTIVE_POOLING, fresh_output=True,
)  # fmt: skip
def adaptive_pool_formula(module: nn.Module, in_shape: Shape) -> LayerCost:
    n = _spatial_dims(module)
    target = _tuple(module.output_size, n)
    spatial = tuple(s if t is None else t for s, t in zip(in_shape[-n:], target))
    out_shape = (*in_shape[:-n], *spatial)
    # Each input element is read into exactly one window when the input divides the output.
    ops = max(prod(in_shape), prod(out_shape))
    return LayerCost(out_shape, 0, 0, ops, formula="1 op per input element, 0 MACs", hparams={"output_size": spatial})


@register_formula(nn.ChannelShuffle, kind=LayerKind.SHUFFLE)  # lwprof.architectures.blocks.ChannelShuffle subclasses it
def shuffle_formula(module: nn.Module, in_shape: Shape) -> LayerCost:
    return LayerCost(in_shape, 0, 0, 0, formula="data movement only: 0 ops", hparams={"groups": module.groups})


@register_formula(nn.Flatten, kind=LayerKind.RESHAPE)
def flatten_formula(module: nn.Flatten, in_shape: Shape) -> LayerCost:
    start = module.start_dim % len(in_shape)
    end = module.end_dim % len(in_shape)
    out_shape = (*in_shape[:start], prod(in_shape[start : end + 1]), *in_shape[end + 1 :])
    return LayerCost(out_shape, 0, 0, 0, formula="view: 0 ops")


@register_formula(nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, kind=LayerKind.IDENTITY)
def identity_formula(module: nn.Module, in_shape: Shape) -> LayerCost:
    if module.training and not isinstance(module, nn.Identity):  # --train: the input times a scaled random mask
        return LayerCost(in_shape, 0, 0, prod(in_shape), formula="dropout in training: 1 op per element")
    return LayerCost(in_shape, 0, 0, 0, formula="identity at inference: 0 ops")


@register_formula(nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, kind=LayerKind.CONV_TRANSPOSE, fresh_output=True, accepts=_conv_accepts)
def conv_transpose_formula(module: nn.modules.conv._ConvTransposeNd, in_shape: Shape) -> LayerCost:
    n = len(module.kernel_size)
    kernel, stride, dilation = module.kernel_size, _tuple(module.stride, n), _tuple(module.dilation, n)
    padding, out_pad = _tuple(module.padding, n), _tuple(module.output_padding, n)
    spatial_out = tuple(
        (size - 1) * s - 2 * p + d * (k - 1) + op + 1 for size, k, s, p, d, op in zip(in_shape[-n:], kernel, stride, padding, dilation, out_pad)
    )
    out_shape = (*in_shape[: -n - 1], module.out_channels, *spatial_out)
    cout_per_group = module.out_channels // module.groups
    # Every input element is spread over a kernel into C_out/g output channels.
    macs = prod(in_shape) * cout_per_group * prod(kernel)
    has_bias = module.bias is not None
    params = module.in_channels * cout_per_group * prod(kernel) + (module.out_channels if has_bias else 0)
    ksize = "x".join(map(str, kernel))
    formula = f"{prod(in_shape):,} input elements x {cout_per_group} (C_out/g = {module.out_channels}/{module.groups}) x {ksize} kernel = {macs:,} MACs"
    hparams = {"kernel": tuple(kernel), "stride": tuple(stride), "padding": tuple(padding), "dilation": tuple(dilation), "groups": module.groups}
    conv = ConvSpec(tuple(kernel), tuple(stride), module.groups)
    return LayerCost(out_shape, params, macs, prod(out_shape) if has_bias else 0, formula=formula, hparams=hparams, conv=conv)


_GATES = {nn.RNN: 1, nn.GRU: 3, nn.LSTM: 4}


@register_formula(nn.RNN, nn.GRU, nn.LSTM, kind=LayerKind.RNN)
def rnn_formula(module: nn.RNNBase, in_shape: Shape) -> LayerCost:
    """Per time step, layer and direction: gates x hidden x (input + state) MACs (+ the LSTM projection).

    An LSTM has 4 gates, a GRU 3, a plain RNN 1; layer l > 0 reads the previous layer's
    (directions x state) outputs. Other ops: the gate sums and biases and the element-wise
    state update (activations and products), one per element.
    """
    gates = next(g for cls, g in _GATES.items() if isinstance(module, cls))
    hidden, proj = module.hidden_size, module.proj_size
    state = proj or hidden
    directions = 2 if module.bidirectional else 1
    batched = len(in_shape) == 3
    steps = in_shape[1 if module.batch_first else 0] if batched else in_shape[0]
    batch = in_shape[0 if module.batch_first else 1] if batched else 1
    macs_per_step = params = 0
    for layer in range(module.num_layers):
        width = module.input_size if layer == 0 else directions * state
        macs_per_step += directions * (gates * hidden * (width + state) + hidden * proj)
        params += directions * (gates * hidden * (width + state) + (2 * gates * hidden if module.bias else 0) + hidden * proj)
    macs = steps * batch * macs_per_step
    update = {1: 1, 3: 8, 4: 9}[gates]  # activation(s) and state products per hidden unit
    other_per_step = module.num_layers * directions * hidden * (gates * (2 if module.bias else 0) + gates + update)
    out_shape = (*in_shape[:-1], directions * state)
    formula = f"{steps} steps x {batch} x {gates} gate(s) x {hidden} hidden x (input + {state} state), {module.num_layers} layer(s) x {directions} direction(s) = {macs:,} MACs"
    return LayerCost(out_shape, params, macs, steps * batch * other_per_step, formula=formula)


@register_formula(nn.LayerNorm, kind=LayerKind.NORM, fresh_output=True, accepts=_layernorm_accepts)
@register_formula(nn.GroupNorm, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d, nn.LocalResponseNorm, kind=LayerKind.NORM)
def norm_formula(module: nn.Module, in_shape: Shape) -> LayerCost:
    """Normalisation over features: 5 ops per element (mean, variance, normalise, scale, shift), 0 MACs."""
    params = sum(p.numel() for p in module.parameters(recurse=False))
    return LayerCost(in_shape, params, 0, 5 * prod(in_shape), formula="normalisation: 5 ops per element, 0 MACs")


@register_formula(nn.Embedding, kind=LayerKind.EMBEDDING)
def embedding_formula(module: nn.Embedding, in_shape: Shape) -> LayerCost:
    out_shape = (*in_shape, module.embedding_dim)
    return LayerCost(out_shape, module.num_embeddings * module.embedding_dim, 0, 0, formula="table lookup: 0 ops")

