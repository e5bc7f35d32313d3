"""Kernel configurations to measure, their modules and features, and nn-Meter's adaptive sampling.

A kernel (:mod:`lwprof.latency.regress`) is a head layer and the layers a runtime fuses into it.
This module says which kernels to measure and what describes them:

* :class:`KernelConfig` is one kernel's configuration (kind, channels, map, kernel, stride,
  groups, a BatchNorm and an activation after it); :data:`SPACES` draws configurations per kind
  around the zoo's layers (channels 8 to 1280 in the zoo's multiples of 8, maps 7x7 to 224x224
  from the zoo's resolutions 96 to 224 divided by 1 to 32, the wider the smaller the map);
* :func:`build` makes its module and input shape (eval mode, batch 1);
* :func:`kernel_features` describes a kernel from lwprof's records (a head and its fused
  followers), :func:`config_features` the same from a configuration, without profiling;
* :func:`adaptive_sample` measures an initial random sample per kind, then, round after round,
  more where the regressors' held-out error is highest: half new draws, half neighbours of the
  worst-predicted kernels (nn-Meter's adaptive data sampling, MobiSys 2021).

The kinds (:data:`KERNEL_KINDS`) are the cost model's (:func:`lwprof.latency.terms.layer_kind`)
with the activations as one kind (the activation is a feature) and a parent's element-wise ops
as ``add``, ``concat`` and ``mul`` (the SE scale).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import nn

from lwprof.latency.regress import MIN_SAMPLES, KernelSample, fit_regressors, mean_log_error
from lwprof.latency.terms import layer_kind
from lwprof.records import LayerKind, LayerRecord

__all__ = [
    "ACTIVATIONS",
    "KERNEL_KINDS",
    "SPACES",
    "KernelConfig",
    "Space",
    "adaptive_sample",
    "build",
    "config_features",
    "kernel_features",
    "kernel_kind",
    "kernel_records",
    "spaces",
]

#: Every kernel kind and what it is.
KERNEL_KINDS: dict[str, str] = {
    "conv1x1": "1x1 conv, one group (+ BN, + activation)",
    "conv": "k x k conv (k > 1), one group (+ BN, + activation)",
    "dwconv": "depthwise k x k conv (+ BN, + activation)",
    "gconv": "grouped 1x1 or k x k conv, not depthwise (+ BN, + activation)",
    "linear": "fully connected layer (+ activation)",
    "batchnorm": "BatchNorm alone (+ activation)",
    "activation": "an activation alone",
    "max_pool": "max pooling over k x k windows",
    "avg_pool": "average pooling over k x k windows",
    "global_pool": "global average pooling",
    "shuffle": "channel shuffle",
    "add": "element-wise add of two maps (a residual)",
    "concat": "concatenation of two maps along channels",
    "mul": "a map times one value per channel (the SE scale)",
}
_CONVS = ("conv1x1", "conv", "dwconv", "gconv")

#: Activation types and their feature code ("act"; 0: none).
ACTIVATIONS: dict[str, int] = {"": 0, "ReLU": 1, "ReLU6": 2, "Hardswish": 3, "SiLU": 4, "Sigmoid": 5, "Hardsigmoid": 6, "GELU": 7, "Tanh": 8}
_ACT_MODULES: dict[str, Callable[[], nn.Module]] = {
    "ReLU": nn.ReLU,
    "ReLU6": nn.ReLU6,
    "Hardswish": nn.Hardswish,
    "SiLU": nn.SiLU,
    "Sigmoid": nn.Sigmoid,
    "Hardsigmoid": nn.Hardsigmoid,
    "GELU": nn.GELU,
    "Tanh": nn.Tanh,
}
_FUNCTIONAL = {"add": "add", "sum": "add", "concat": "concat", "cat": "concat", "mul": "mul"}


@dataclass(frozen=True)
class KernelConfig:
    """One kernel to measure (batch 1, square kernels, padding k // 2 as in the zoo).

    Attributes:
        kind: A :data:`KERNEL_KINDS` name.
        cin: Input channels (a linear layer's input features).
        cout: Output channels (a linear layer's outputs; ``concat``: ``2 x cin``).
        h: Input map height (1 for a linear layer).
        w: Input map width.
        k: Kernel (or pooling window) size.
        stride: Stride.
        groups: Conv groups, or the shuffle's groups.
        bn: A BatchNorm follows (convs).
        act: The activation that follows (convs, linear, BatchNorm), or the activation itself
            (``activation``): a key of :data:`ACTIVATIONS`.
    """

    kind: str
    cin: int
    cout: int
    h: int = 1
    w: int = 1
    k: int = 1
    stride: int = 1
    groups: int = 1
    bn: bool = False
    act: str = ""

    @property
    def label(self) -> str:
        extra = "".join(("+bn" if self.bn else "", f"+{self.act}" if self.act and self.kind != "activation" else ""))
        shape = f"{self.cin}->{self.cout} {self.h}x{self.w}"
        detail = f" k{self.k} s{self.stride}" if self.kind in _CONVS or "pool" in self.kind and self.kind != "global_pool" else ""
        groups = f" g{self.groups}" if self.groups > 1 else ""
        name = self.act if self.kind == "activation" else self.kind
        return f"{name} {shape}{detail}{groups}{extra}"

    @property
    def out_size(self) -> tuple[int, int]:
        """The output map (the zoo's padding k // 2; a global pool: 1 x 1)."""
        if self.kind == "global_pool":
            return 1, 1
        if self.kind in _CONVS or self.kind in ("max_pool", "avg_pool"):
            p = self.k // 2
            return (self.h + 2 * p - self.k) // self.stride + 1, (self.w + 2 * p - self.k) // self.stride + 1
        return self.h, self.w


class _Functional(nn.Module):
    """A parent whose own forward runs one element-wise op (as a block's residual add, a ShuffleNet
    V2 concat, the SE scale): the op is the parent's own work, as in the zoo."""

    def __init__(self, op: str, channels: int) -> None:
        super().__init__()
        self.op = op
        self.inner = nn.Identity()
        if op == "mul":
            self.register_buffer("gate", torch.full((1, channels, 1, 1), 0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.inner(x)
        if self.op == "add":
            return y + x
        if self.op == "concat":
            return torch.cat([y, x], 1)
        return y * self.gate


def build(config: KernelConfig) -> tuple[nn.Module, tuple[int, ...]]:
    """The module of a kernel configuration (eval mode, seeded weights) and its input shape (batch 1).

    The weights are drawn from a forked generator seeded 0: the caller's random state is left as it was.

    Raises:
        ValueError: An unknown kind or activation.
    """
    if config.kind not in KERNEL_KINDS:
        raise ValueError(f"unknown kernel kind {config.kind!r} (known: {', '.join(KERNEL_KINDS)})")
    if config.act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {config.act!r} (known: {', '.join(a for a in ACTIVATIONS if a)})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return _build(config)


def _build(config: KernelConfig) -> tuple[nn.Module, tuple[int, ...]]:
    c, kind = config, config.kind
    shape: tuple[int, ...] = (1, c.cin, c.h, c.w)
    layers: list[nn.Module] = []
    if kind in _CONVS:
        layers.append(nn.Conv2d(c.cin, c.cout, c.k, c.stride, c.k // 2, groups=c.groups, bias=False))
    elif kind == "linear":
        layers.append(nn.Linear(c.cin, c.cout))
        shape = (1, c.cin)
    elif kind == "batchnorm":
        layers.append(nn.BatchNorm2d(c.cin))
    elif kind == "activation":
        layers.append(_ACT_MODULES[c.act or "ReLU"]())
    elif kind == "max_pool":
        layers.append(nn.MaxPool2d(c.k, c.stride, c.k // 2))
    elif kind == "avg_pool":
        layers.append(nn.AvgPool2d(c.k, c.stride, c.k // 2))
    elif kind == "global_pool":
        layers.append(nn.AdaptiveAvgPool2d(1))
    elif kind == "shuffle":
        from lwprof.architectures.blocks import ChannelShuffle

        layers.append(ChannelShuffle(c.groups))
    else:
        return _Functional(kind, c.cin).eval(), shape
    if c.bn and kind in _CONVS:
        layers.append(nn.BatchNorm2d(c.cout))
    if c.act and kind != "activation":
        layers.append(_ACT_MODULES[c.act]())
    module = layers[0] if len(layers) == 1 else nn.Sequential(*layers)
    return module.eval(), shape


# -- features ---------------------------------------------------------------------------------------


def _features(
    kind: str, cin: int, cout: int, hw: tuple[int, int], out: tuple[int, int], k: int, stride: int, groups: int, macs: int, params: int, followers: int,
    bn: bool, act: str, bytes_per_element: int,
) -> dict[str, float]:  # fmt: skip
    elements_in = cin * hw[0] * hw[1]
    elements_out = cout * out[0] * out[1]
    read = elements_in
    if kind == "add":
        read = 2 * elements_in  # both operands
    elif kind == "concat":
        read = elements_out  # both halves
    elif kind == "mul":
        read = elements_in + cin  # the map and one gate per channel
    return {
        "cin": float(cin),
        "cout": float(cout),
        "h": float(hw[0]),
        "w": float(hw[1]),
        "ho": float(out[0]),
        "wo": float(out[1]),
        "k": float(k),
        "stride": float(stride),
        "groups": float(groups),
        "macs": float(macs),
        "params": float(params),
        "elements_in": float(elements_in),
        "elements_out": float(elements_out),
        "bytes": float((read + params + elements_out) * bytes_per_element),
        "element_size": float(bytes_per_element),
        "followers": float(followers),
        "bn": 1.0 if bn else 0.0,
        "act": float(ACTIVATIONS.get(act, len(ACTIVATIONS))),
    }


def config_features(config: KernelConfig, bytes_per_element: int = 4) -> dict[str, float]:
    """A configuration's kernel features, from its numbers alone (what :func:`kernel_features`
    finds in the records of its :func:`build`'s profile).

    ``bytes`` is the kernel's traffic: its inputs (both operands of an add or a concat, a gate per
    channel for ``mul``), its parameters and its output, once each, times the element size (a
    fused kernel does not write what its followers read).
    """
    c, kind = config, config.kind
    ho, wo = c.out_size
    macs = params = 0
    if kind in _CONVS:
        params = c.cout * (c.cin // c.groups) * c.k * c.k
        macs = params * ho * wo
    elif kind == "linear":
        params = c.cin * c.cout + c.cout
        macs = c.cin * c.cout
    elif kind == "batchnorm":
        params = 2 * c.cin
    followers = int(c.bn and kind in _CONVS) + int(bool(c.act) and kind != "activation")
    if c.bn and kind in _CONVS:
        params += 2 * c.cout
    hw = (c.h, c.w)
    groups = c.groups if kind in _CONVS or kind == "shuffle" else 1
    k, stride = (c.k, c.stride) if kind in _CONVS or kind in ("max_pool", "avg_pool") else (1, 1)
    act = c.act or ("ReLU" if kind == "activation" else "")
    return _features(kind, c.cin, c.cout, hw, (ho, wo), k, stride, groups, macs, params, followers, c.bn and kind in _CONVS, act, bytes_per_element)


def kernel_kind(head: LayerRecord, members: Sequence[LayerRecord] = (), op: str = "") -> str | None:
    """The kernel kind of a head record (:data:`KERNEL_KINDS`), or None when no kind covers it.

    A leaf's kind is the cost model's (:func:`lwprof.latency.terms.layer_kind`), every activation
    being ``activation``. A parent head is its own element-wise op: ``op`` names it (the runtime's
    node type: "Add", "Concat", "Mul"). Without it the records cannot say which op a parent's own
    forward ran: a parent whose output has twice its input's elements is taken for a concat, any
    other for an add (a guess: ShuffleNet V2's concat and the SE scale are taken for adds).
    """
    if not head.is_leaf:
        if op:
            return _FUNCTIONAL.get(op.lower())
        if not head.functional_calls or not head.input_shape or not head.output_shape:
            return None
        return "concat" if math.prod(head.output_shape) == 2 * math.prod(head.input_shape) else "add"
    kind = layer_kind(head)
    if kind in ("hard_activation", "exp_activation"):
        return "activation"
    return kind if kind in KERNEL_KINDS else None


def kernel_features(head: LayerRecord, members: Sequence[LayerRecord], bytes_per_element: int = 4, kind: str | None = None) -> dict[str, float]:
    """A kernel's features from lwprof's records: its head and the followers fused into it.

    Args:
        head: The kernel's first layer (or a parent, for its own add, concat or scale).
        members: The layers fused after it (a BatchNorm, an activation), in order.
        bytes_per_element: The element size of the byte features.
        kind: The kernel kind (default :func:`kernel_kind` of the head).

    Returns:
        The features :func:`config_features` gives (the same keys), from the records' shapes and counts.
    """
    kind = kind or kernel_kind(head, members) or ""
    shape_in = tuple(head.input_shape or (1,))
    last = members[-1] if members else head
    shape_out = tuple(last.output_shape or head.output_shape or shape_in)
    cin = shape_in[1] if len(shape_in) > 1 else shape_in[0]
    cout = shape_out[1] if len(shape_out) > 1 else shape_out[0]
    hw = (shape_in[2], shape_in[3]) if len(shape_in) >= 4 else (1, 1)
    out = (shape_out[2], shape_out[3]) if len(shape_out) >= 4 else (1, 1)
    k = stride = groups = 1
    if head.conv is not None:
        k, stride, groups = head.conv.kernel[0], head.conv.stride[0] if head.conv.stride else 1, head.conv.groups
    elif head.kind is LayerKind.POOLING:
        k, stride = head.hparams["kernel"][0], head.hparams["stride"][0]
    elif head.kind is LayerKind.SHUFFLE:
        groups = int(head.hparams.get("groups", 1))
    records = [head, *members]
    # A parent (a block whose own add a runtime fused into the kernel) brings its own work only:
    # its ``macs`` and ``params`` include its children's, which are kernels of their own.
    macs = sum(r.macs if r.is_leaf else r.functional_macs for r in records)
    params = sum(r.params for r in records if r.is_leaf)
    bn = any(r.kind is LayerKind.BATCHNORM for r in members)
    acts = [r.type for r in records if r.kind is LayerKind.ACTIVATION]
    act = acts[-1] if acts else ""
    return _features(kind, cin, cout, hw, out, k, stride, groups, macs, params, len(members), bn, act, bytes_per_element)


def kernel_records(layers: Sequence[LayerRecord]) -> tuple[LayerRecord, list[LayerRecord]]:
    """The head and followers of a profile of one :func:`build` module, run as one kernel.

    A root whose own forward runs an op (``add``, ``concat``, ``mul``) is the head; else the first
    leaf, the other leaves its followers.
    """
    root = layers[0]
    if not root.is_leaf and root.functional_calls:
        return root, []
    leaves = [r for r in layers if r.is_leaf and r.calls]
    return leaves[0], leaves[1:]


# -- configuration spaces -------------------------------------------------------------------------

_RESOLUTIONS = (96, 128, 160, 192, 224)
_DIVISORS = (1, 2, 4, 8, 16, 32)
#: Channels seen at each resolution divisor in the zoo (the stem at 1, 1280 at the head at 32).
_CHANNELS = {1: (8, 48), 2: (8, 96), 4: (16, 192), 8: (24, 384), 16: (48, 768), 32: (96, 1280)}
MAX_MACS = 250_000_000  # larger kernels are redrawn: the zoo's largest layer has ~100M (MobileNetV1's 1x1s)
_CONV_ACTS = ("", "ReLU", "ReLU", "ReLU6", "Hardswish", "SiLU")
_POINT_ACTS = ("ReLU", "ReLU6", "Hardswish", "SiLU", "Sigmoid", "Hardsigmoid")


def _round8(x: float) -> int:
    return max(8, int(x + 4) // 8 * 8)


def _divisor(rng: random.Random, around: KernelConfig | None) -> tuple[int, int]:
    """A map size and its divisor: drawn, or a neighbour of ``around``'s."""
    if around is None:
        d = rng.choice(_DIVISORS)
        return -(-rng.choice(_RESOLUTIONS) // d), d
    size = min(224, max(2, round(around.h * math.exp(rng.uniform(-0.35, 0.35)))))
    d = min(_DIVISORS, key=lambda x: abs(math.log(224 / x / size)))
    return size, d


def _channels(rng: random.Random, d: int, around: int | None = None, multiple: int = 8) -> int:
    lo, hi = _CHANNELS[d]
    if around is None:
        c = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    else:
        c = min(2048, around * math.exp(rng.uniform(-0.4, 0.4)))
    c = _round8(c)
    return max(multiple, c // multiple * multiple)


_T = TypeVar("_T")


def _draw(kind: str, rng: random.Random, around: KernelConfig | None = None, fused: bool = True) -> KernelConfig:
    size, d = _divisor(rng, around)
    a = around
    near = a is not None

    def pick(options: Sequence[_T], current: _T | None) -> _T:
        return current if near and current is not None and rng.random() < 0.75 else rng.choice(options)

    if kind in _CONVS:
        bn = pick((True, True, True, False), a.bn if a else None) if fused else False
        act = pick(_CONV_ACTS, a.act if a else None) if fused else ""
        stride = pick((1, 1, 2), a.stride if a else None)
        if kind == "conv1x1":
            cin, cout = _channels(rng, d, a.cin if a else None), _channels(rng, d, a.cout if a else None)
            return KernelConfig(kind, cin, cout, size, size, 1, 1, 1, bn, act)
        k = pick((3, 3, 5, 7), a.k if a else None)
        if kind == "dwconv":
            c = _channels(rng, d, a.cin if a else None)
            return KernelConfig(kind, c, c, size, size, k, stride, c, bn, act)
        if kind == "gconv":
            g = pick((2, 3, 4, 8), a.groups if a else None)
            k = pick((1, 1, 3), a.k if a else None)
            cin, cout = _channels(rng, d, a.cin if a else None, 8 * g), _channels(rng, d, a.cout if a else None, 8 * g)
            return KernelConfig(kind, cin, cout, size, size, k, stride if k > 1 else 1, g, bn, act)
        cin = 3 if d == 1 and rng.random() < 0.5 else _channels(rng, d, a.cin if a else None)
        return KernelConfig(kind, cin, _channels(rng, d, a.cout if a else None), size, size, k, stride, 1, bn, act)
    if kind == "linear":
        cin = _channels(rng, 32, a.cin if a else None)
        cout = pick((1000, 1280, 10, 100), a.cout if a else None) if rng.random() < 0.5 else _channels(rng, 32, a.cout if a else None)
        return KernelConfig(kind, cin, cout, act=pick(("", "", "ReLU", "Hardswish"), a.act if a else None) if fused else "")
    c = _channels(rng, d, a.cin if a else None)
    if kind == "batchnorm":
        return KernelConfig(kind, c, c, size, size, act=pick(("", "ReLU", "ReLU6"), a.act if a else None) if fused else "")
    if kind == "activation":
        return KernelConfig(kind, c, c, size, size, act=pick(_POINT_ACTS, a.act if a else None))
    if kind in ("max_pool", "avg_pool"):
        k = pick((2, 3, 3), a.k if a else None)
        stride = pick((1, 2, 2), a.stride if a else None)
        return KernelConfig(kind, c, c, size, size, k, stride)
    if kind == "shuffle":
        g = pick((2, 3, 4, 8), a.groups if a else None)
        c = max(g, c // g * g)
        return KernelConfig(kind, c, c, size, size, groups=g)
    if kind == "concat":
        return KernelConfig(kind, c, 2 * c, size, size)
    return KernelConfig(kind, c, c, size, size)


@dataclass(frozen=True)
class Space:
    """The configurations of one kernel kind: :meth:`draw` one, or one :meth:`near` another.

    Attributes:
        kind: The kernel kind.
        fused: Draw fused followers too (a BatchNorm, an activation after a conv, a linear layer or a
            BatchNorm): for a runtime that fuses them (ONNX Runtime); false for eager PyTorch, where
            every layer is its own kernel.
        max_macs: Larger kernels are drawn again (they would dominate the measuring time).
    """

    kind: str
    fused: bool = True
    max_macs: int = MAX_MACS

    def draw(self, rng: random.Random) -> KernelConfig:
        return self._within(lambda: _draw(self.kind, rng, None, self.fused))

    def near(self, config: KernelConfig, rng: random.Random) -> KernelConfig:
        """A configuration close to ``config`` (channels within ~1.5x, the map within ~1.4x, mostly the same kernel)."""
        return self._within(lambda: _draw(self.kind, rng, config, self.fused))

    def _within(self, draw: Callable[[], KernelConfig]) -> KernelConfig:
        config = draw()
        for _ in range(50):
            if config_features(config)["macs"] <= self.max_macs and min(config.out_size) >= 1:
                break
            config = draw()
        return config


def spaces(fused: bool = True, max_macs: int = MAX_MACS) -> dict[str, Space]:
    """One space per kernel kind (:data:`KERNEL_KINDS`), with fused followers or without (eager)."""
    return {kind: Space(kind, fused, max_macs) for kind in KERNEL_KINDS}


#: One space per kernel kind, with fused followers (:func:`spaces`).
SPACES: dict[str, Space] = spaces()


def adaptive_sample(
    spaces: Sequence[Space] | Mapping[str, Space],
    measure: Callable[[list[tuple[nn.Module, tuple[int, ...]]]], Sequence[float]],
    *,
    budget: int,
    rounds: int = 3,
    seed: int = 0,
    bytes_per_element: int = 4,
    min_samples: int | None = None,
    on_round: Callable[[int, Mapping[str, float]], None] | None = None,
) -> list[KernelSample]:
    """Measures ``budget`` kernels: a random sample per kind, then rounds where the error is highest.

    The first ``budget / (rounds + 1)`` kernels are spread evenly over the kinds. Each round then
    fits the regressors (:func:`lwprof.latency.regress.fit_regressors`), scores every kind by its
    held-out error (the mean |log(measured / predicted)|), gives the round's kernels to the kinds in
    proportion to their scores, and draws each kind's share half anew and half near its
    worst-predicted kernels.

    Args:
        spaces: The kinds to sample (:data:`SPACES`' values, or a subset).
        measure: Times a list of (module, input shape) and returns seconds per call for each (a runtime's timer).
        budget: Kernels to measure in all (at least 2 per kind).
        rounds: Adaptive rounds after the initial sample.
        seed: Seeds every draw.
        bytes_per_element: The element size of the byte features.
        min_samples: Passed to :func:`~lwprof.latency.regress.fit_regressors` (default: its own).
        on_round: Called after each round with its index and every kind's score (progress, tests).

    Returns:
        Every measured kernel as a :class:`~lwprof.latency.regress.KernelSample`, in the order measured.

    Raises:
        ValueError: Too small a budget, no spaces, or a measure that returns the wrong number of
            times or a time that is not positive.
    """
    spaces = list(spaces.values()) if isinstance(spaces, Mapping) else list(spaces)
    if not spaces:
        raise ValueError("adaptive_sample needs at least one space")
    if budget < 2 * len(spaces) or rounds < 0:
        raise ValueError(f"budget must be at least 2 per kind ({2 * len(spaces)}) and rounds >= 0, got {budget} and {rounds}")
    rng = random.Random(seed)
    first = max(2, budget // (rounds + 1) // len(spaces))
    measured = _measure([s.draw(rng) for s in spaces for _ in range(first)], measure, bytes_per_element)
    left = budget - len(measured)
    for r in range(rounds):
        share = left // (rounds - r)
        if share <= 0:
            break
        regressors = fit_regressors([s for _, s in measured], seed=seed + r, min_samples=min_samples or MIN_SAMPLES)
        scores = {s.kind: mean_log_error(regressors[s.kind].held_out) for s in spaces}
        plan = _allocate(scores, share)
        new: list[KernelConfig] = []
        for space in spaces:
            n = plan[space.kind]
            mine = [c for c, s in measured if s.kind == space.kind]  # in the order the regressor holds its ratios
            ranked = sorted(zip(mine, regressors[space.kind].held_out), key=lambda p: -abs(math.log(p[1])))
            worst = [c for c, _ in ranked[: max(1, n // 2)]]
            for i in range(n):
                new.append(space.near(worst[i // 2 % len(worst)], rng) if worst and i % 2 else space.draw(rng))
        measured += _measure(new, measure, bytes_per_element)
        left -= len(new)
        if on_round is not None:
            on_round(r, scores)
    return [s for _, s in measured]


def _measure(
    configs: list[KernelConfig], measure: Callable[[list[tuple[nn.Module, tuple[int, ...]]]], Sequence[float]], bpe: int
) -> list[tuple[KernelConfig, KernelSample]]:
    if not configs:
        return []
    times = list(measure([build(c) for c in configs]))
    if len(times) != len(configs):
        raise ValueError(f"measure returned {len(times)} times for {len(configs)} kernels")
    out = []
    for c, t in zip(configs, times):
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not t > 0 or not math.isfinite(t):
            raise ValueError(f"measure returned {t!r} seconds for {c.label}: times must be positive")
        out.append((c, KernelSample(c.kind, config_features(c, bpe), float(t))))
    return out


def _allocate(scores: Mapping[str, float], n: int) -> dict[str, int]:
    """``n`` kernels shared in proportion to ``scores`` (largest remainders; evenly when all are 0)."""
    total = sum(scores.values())
    weights = {k: (v / total if total > 0 else 1 / len(scores)) for k, v in scores.items()}
    plan = {k: int(n * w) for k, w in weights.items()}
    rest = n - sum(plan.values())
    for k in sorted(weights, key=lambda k: -(n * weights[k] - plan[k]))[:rest]:
        plan[k] += 1
    return plan
