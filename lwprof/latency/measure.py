"""Measured CPU latency, end to end and per layer, next to the analytic MACs.

MACs do not decide speed (ShuffleNet V2, arXiv 1807.11164, Sec. 2): depthwise layers are cheap
in MACs but not in time. :func:`measure` times the real model in inference mode after a
warm-up and reports the median and spread of repeated runs, with the number of threads, and
times every leaf layer with forward hooks so each layer's achieved MAC/s and its rank by time
can be set beside its rank by MACs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from lwprof import profiler
from lwprof.errors import LwprofError
from lwprof.records import ModelProfile
from lwprof.resolve import resolve
from lwprof.units import human_bytes

__all__ = ["LatencyResult", "LayerTiming", "measure"]


@dataclass(frozen=True)
class LayerTiming:
    """One leaf layer's measured time.

    Attributes:
        name: Qualified module name.
        type: Module class name.
        category: Layer category (as in the profile).
        macs: Analytic MACs of the layer (all calls).
        median_s: Median seconds per forward pass spent in this layer.
        share: Fraction of the summed per-layer time.
        rank_time: 1 = the slowest layer.
        rank_macs: 1 = the layer with the most MACs.
    """

    name: str
    type: str
    category: str
    macs: int
    median_s: float
    share: float
    rank_time: int
    rank_macs: int

    @property
    def macs_per_s(self) -> float:
        """Achieved multiply-accumulates per second."""
        return self.macs / self.median_s if self.median_s > 0 else 0.0


@dataclass(frozen=True)
class LatencyResult:
    """End-to-end and per-layer latency of one model on this CPU.

    Attributes:
        arch: Architecture (or model spec).
        config: Its configuration.
        input_shape: Input shape, batch included.
        threads: ``torch.get_num_threads()`` during the runs.
        warmup: Untimed runs before measuring.
        repeats: Timed runs.
        times_s: Every timed end-to-end run, in seconds.
        layers: Per-layer timings, in execution order.
        profile: The analytic profile of the same model.
    """

    arch: str
    config: dict[str, Any]
    input_shape: tuple[int, ...]
    threads: int
    warmup: int
    repeats: int
    times_s: tuple[float, ...]
    layers: tuple[LayerTiming, ...]
    profile: ModelProfile

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    @property
    def spread_s(self) -> float:
        """Interquartile range of the end-to-end times."""
        if len(self.times_s) < 2:
            return 0.0
        q = statistics.quantiles(self.times_s, n=4)
        return q[2] - q[0]

    @property
    def macs_per_s(self) -> float:
        return self.profile.macs / self.median_s

    def by_category(self) -> dict[str, tuple[int, float]]:
        """(MACs, seconds) per layer category, slowest first."""
        out: dict[str, list[float]] = {}
        for t in self.layers:
            acc = out.setdefault(t.category, [0, 0.0])
            acc[0] += t.macs
            acc[1] += t.median_s
        return {k: (int(v[0]), v[1]) for k, v in sorted(out.items(), key=lambda kv: -kv[1][1])}

    def to_dict(self) -> dict[str, Any]:
        return {
            "arch": self.arch,
            "config": self.config,
            "input_shape": list(self.input_shape),
            "threads": self.threads,
            "warmup": self.warmup,
            "repeats": self.repeats,
            "median_s": self.median_s,
            "spread_s": self.spread_s,
            "times_s": list(self.times_s),
            "macs": self.profile.macs,
            "macs_per_s": self.macs_per_s,
            "layers": [
                {
                    "name": t.name, "type": t.type, "category": t.category, "macs": t.macs, "median_s": t.median_s,
                    "share": t.share, "macs_per_s": t.macs_per_s, "rank_time": t.rank_time, "rank_macs": t.rank_macs,
                }
                for t in self.layers
            ],
        }


def measure(
    model_or_name: Any,
    input_size: Sequence[int] | None = None,
    *,
    inputs: Any = None,
    batch: int = 1,
    warmup: int = 5,
    repeats: int = 20,
    threads: int | None = None,
    kwargs: Any = None,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
    **options: Any,
) -> LatencyResult:
    """Times a model on this CPU, end to end and per layer.

    Args:
        model_or_name: A zoo name, a user spec or a module (as for :func:`lwprof.profile`).
        input_size: (C, H, W); defaults as for :func:`lwprof.profile`.
        inputs: Instead of ``input_size``, any inputs :func:`lwprof.profile` takes.
        batch: Batch size.
        warmup: Untimed runs first (allocator and kernel caches warm up).
        repeats: Timed runs; the median and interquartile range are reported.
        threads: ``torch.set_num_threads`` for the runs (restored after); None keeps it.
        kwargs: A user model's factory arguments.
        seed: Seed of the generated inputs.
        progress: Called before every run with (label, index, total).
        **options: Architecture options.

    Raises:
        LwprofError: Bad input, warmup < 0 / repeats < 1 / threads out of range, or a model
            whose real forward pass would not fit in memory.
    """
    if warmup < 0 or repeats < 1:
        raise LwprofError(f"need warmup >= 0 and repeats >= 1, got {warmup} and {repeats}")
    cores = os.cpu_count() or 1
    if threads is not None and not 1 <= threads <= 4 * cores:
        raise LwprofError(f"threads must be between 1 and {4 * cores} (this machine has {cores} cores), got {threads}")
    if input_size is not None and inputs is not None:
        raise LwprofError("give input_size or inputs, not both")
    resolved = resolve(model_or_name, inputs=inputs if inputs is not None else input_size, options=options, kwargs=kwargs)
    analytic = profiler.run(resolved, batch=batch)
    weights, activations = 4 * (analytic.params + analytic.buffers), (analytic.peak_activation_bytes or 0) * 4 // analytic.bytes_per_element
    need = weights + activations
    limit = profiler.memory_limit()
    if need > limit:
        raise LwprofError(
            f"timing runs the real model, which needs about {human_bytes(need)} here (weights and activations), more than the "
            f"{human_bytes(limit)} allowed (LWPROF_MAX_MEMORY); {profiler.smaller(resolved, weights, activations)}"
        )
    model = resolved.build("cpu")
    args, kw = resolved.inputs.make(batch, "cpu", seed)
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    total = warmup + 2 * repeats
    step = 0

    def tick(phase: str) -> None:
        nonlocal step
        if progress:
            progress(phase, step, total)
        step += 1

    try:
        model.eval()
        with torch.inference_mode():
            for _ in range(warmup):
                tick("warm-up")
                model(*args, **kw)
            times = []
            for _ in range(repeats):
                tick("end to end")
                start = time.perf_counter()
                model(*args, **kw)
                times.append(time.perf_counter() - start)
            layer_times = _time_layers(model, args, kw, repeats, lambda: tick("per layer"))
        used_threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(saved_threads)
    return LatencyResult(
        analytic.arch, dict(analytic.config), analytic.input_shape, used_threads, warmup, repeats, tuple(times),
        _rank(analytic, layer_times), analytic,
    )


def _time_layers(model: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], repeats: int, tick: Callable[[], None]) -> dict[str, float]:
    """Median seconds per pass spent in each leaf module, timed with forward hooks."""
    names = {id(m): n for n, m in model.named_modules() if next(iter(m.children()), None) is None}
    starts: dict[int, float] = {}
    runs: list[dict[str, float]] = []
    current: dict[str, float] = {}

    def pre(module: nn.Module, args: Any) -> None:
        starts[id(module)] = time.perf_counter()

    def post(module: nn.Module, args: Any, out: Any) -> None:
        name = names[id(module)]
        current[name] = current.get(name, 0.0) + time.perf_counter() - starts[id(module)]

    handles = []
    for name, module in model.named_modules():
        if id(module) in names:
            handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    try:
        for _ in range(repeats):
            tick()
            current = {}
            model(*args, **kwargs)
            runs.append(current)
    finally:
        for h in handles:
            h.remove()
    return {name: statistics.median(run.get(name, 0.0) for run in runs) for name in names.values()}


def _rank(analytic: ModelProfile, seconds: dict[str, float]) -> tuple[LayerTiming, ...]:
    leaves = [r for r in analytic.leaves() if r.name in seconds and r.calls]
    total = sum(seconds[r.name] for r in leaves) or 1.0
    by_time = {r.name: i for i, r in enumerate(sorted(leaves, key=lambda r: -seconds[r.name]), 1)}
    by_macs = {r.name: i for i, r in enumerate(sorted(leaves, key=lambda r: (-r.macs, -seconds[r.name])), 1)}
    return tuple(
        LayerTiming(r.name, r.type, r.category, r.macs, seconds[r.name], seconds[r.name] / total, by_time[r.name], by_macs[r.name])
        for r in leaves
    )
