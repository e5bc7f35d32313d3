"""Measured CPU latency, end to end and per layer, next to the analytic MACs.

MACs do not decide speed (ShuffleNet V2, arXiv 1807.11164, Sec. 2): depthwise layers are cheap
in MACs but not in time. :func:`measure` times the real model in inference mode after a
warm-up and reports the median and spread of repeated runs (a
:class:`~lwprof.latency.timing.Timing`, with more runs while they are noisy), with the number of
threads, and times every leaf layer with forward hooks so each layer's achieved MAC/s and its
rank by time can be set beside its rank by MACs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from lwprof import profiler
from lwprof.counting.walker import ModuleState, copy_model, has_lazy
from lwprof.errors import LwprofError
from lwprof.guards import exit_text, no_os_exit
from lwprof.latency.timing import REMEDY, Timing, check_threads, time_call
from lwprof.records import ModelProfile
from lwprof.resolve import resolve
from lwprof.units import human_bytes, human_seconds

__all__ = ["ADAPTIVE_BUDGET_S", "RUNTIMES", "LatencyResult", "LayerTiming", "latency_result", "measure"]

RUNTIMES = ("torch", "onnxruntime")
ADAPTIVE_BUDGET_S = 10.0  # adaptive timing adds runs only while fewer seconds than this were spent timing


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
        times_s: The seconds of every timed pass (empty for a hand-built record).
        modules: The leaves a kernel ran (ONNX Runtime; empty for a layer of eager PyTorch, which is its own).
    """

    name: str
    type: str
    category: str
    macs: int
    median_s: float
    share: float
    rank_time: int
    rank_macs: int
    times_s: tuple[float, ...] = ()
    modules: tuple[str, ...] = ()

    @property
    def timing(self) -> Timing:
        """The passes as a :class:`~lwprof.latency.timing.Timing` (median, IQR, noisy)."""
        return Timing(self.times_s or (self.median_s,))

    @property
    def iqr_s(self) -> float:
        """Interquartile range of the passes."""
        return self.timing.iqr_s

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
        repeats: Timed end-to-end runs (as many as were made; adaptive timing may add runs).
        times_s: Every timed end-to-end run, in seconds.
        layers: Per-layer timings, in execution order (empty when not timed per layer).
        profile: The analytic profile of the same model.
        runtime: ``torch`` (eager) or ``onnxruntime``; with ONNX Runtime each row of ``layers``
            is one kernel (a fused node of the optimised graph), named by the layers it ran.
        runtime_notes: What the runtime did that the reader should know (version, graph
            optimisation level, fusions, layers removed by the export).
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
    runtime: str = "torch"
    runtime_notes: tuple[str, ...] = ()

    @property
    def timing(self) -> Timing:
        """The end-to-end runs as a :class:`~lwprof.latency.timing.Timing`."""
        return Timing(self.times_s, self.warmup)

    @property
    def median_s(self) -> float:
        return self.timing.median_s

    @property
    def spread_s(self) -> float:
        """Interquartile range of the end-to-end times (``timing.iqr_s``)."""
        return self.timing.iqr_s

    @property
    def macs_per_s(self) -> float:
        return self.profile.macs / self.median_s if self.median_s > 0 else 0.0

    @property
    def layers_sum_s(self) -> float:
        """The per-layer medians added up (hooks' overhead included, work outside leaves not)."""
        return sum(t.median_s for t in self.layers)

    def noisy_layers(self) -> tuple[LayerTiming, ...]:
        """The layers whose interquartile range exceeds :data:`~lwprof.latency.timing.NOISY_SPREAD` of their median."""
        return tuple(t for t in self.layers if t.timing.noisy)

    def warnings(self) -> list[str]:
        """What makes these numbers less trustworthy, each with its remedy (empty when none).

        * the end-to-end runs are noisy (IQR over 10% of the median);
        * the per-layer sum is far (over 1.5x either way) from the end-to-end median: one of
          them was disturbed, or the model does much work outside its leaf layers.
        """
        out = []
        if self.timing.noisy:
            out.append(self.timing.warning("the end-to-end time"))
        total, e2e = self.layers_sum_s, self.median_s
        if self.layers and e2e > 0 and total > 0 and not 1 / 1.5 <= total / e2e <= 1.5:
            out.append(
                f"the per-{'kernel' if self.runtime == 'onnxruntime' else 'layer'} times add up to {human_seconds(total)}, {total / e2e:.2f}x the end-to-end median {human_seconds(e2e)}: "
                f"a run was disturbed (try {REMEDY}) or the model works outside its layers"
            )
        return out

    def by_category(self) -> dict[str, tuple[int, float]]:
        """(MACs, seconds) per layer category, slowest first."""
        out: dict[str, list[float]] = {}
        for t in self.layers:
            acc = out.setdefault(t.category, [0, 0.0])
            acc[0] += t.macs
            acc[1] += t.median_s
        return {k: (int(v[0]), v[1]) for k, v in sorted(out.items(), key=lambda kv: -kv[1][1])}

    def to_dict(self) -> dict[str, Any]:
        timing = self.timing
        return {
            "arch": self.arch,
            "config": self.config,
            "input_shape": list(self.input_shape),
            "threads": self.threads,
            "runtime": self.runtime,
            "runtime_notes": list(self.runtime_notes),
            "warmup": self.warmup,
            "repeats": self.repeats,
            "median_s": self.median_s,
            "spread_s": self.spread_s,
            "iqr_s": timing.iqr_s,
            "relative_spread": timing.relative_spread,
            "noisy": timing.noisy,
            "times_s": list(self.times_s),
            "layers_sum_s": self.layers_sum_s,
            "warnings": self.warnings(),
            "macs": self.profile.macs,
            "macs_per_s": self.macs_per_s,
            "layers": [
                {
                    "name": t.name, "type": t.type, "category": t.category, "macs": t.macs, "median_s": t.median_s,
                    "iqr_s": t.iqr_s, "share": t.share, "macs_per_s": t.macs_per_s, "rank_time": t.rank_time,
                    "rank_macs": t.rank_macs, "times_s": list(t.times_s),
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
    max_repeats: int | None = None,
    budget_s: float = ADAPTIVE_BUDGET_S,
    threads: int | None = None,
    per_layer: bool = True,
    kwargs: Any = None,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    runtime: str = "torch",
    **options: Any,
) -> LatencyResult:
    """Times a model on this CPU, end to end and per layer.

    The end-to-end runs go through :func:`~lwprof.latency.timing.time_call`: at least
    ``repeats`` runs, more (up to ``max_repeats``, within ``budget_s`` seconds of runs) while
    the interquartile range is over 5% of the median. Then ``repeats`` more passes with a
    forward hook on every leaf layer give each layer's median and spread.

    Args:
        model_or_name: A zoo name, a user spec or a module (as for :func:`lwprof.profile`).
        input_size: (C, H, W); defaults as for :func:`lwprof.profile`.
        inputs: Instead of ``input_size``, any inputs :func:`lwprof.profile` takes.
        batch: Batch size.
        warmup: Untimed runs first (allocator and kernel caches warm up).
        repeats: Timed runs at least; the median and interquartile range are reported.
        max_repeats: Timed end-to-end runs at most (default ``4 * repeats``; ``repeats``
            for exactly ``repeats`` runs).
        budget_s: Stop adding runs once this many seconds were spent in timed runs.
        threads: ``torch.set_num_threads`` for the runs (restored after); None keeps it.
        per_layer: Also time every leaf layer (``sweep --bench`` and ``compare --bench`` do not).
        kwargs: A user model's factory arguments.
        seed: Seed of the generated inputs.
        progress: Called before every run with (label, index, most runs in all).
        clock: The clock (tests inject a simulated one).
        runtime: ``torch`` (eager PyTorch) or ``onnxruntime`` (the model exported to ONNX and
            run on ONNX Runtime's CPU provider; per kernel instead of per layer, from its profiler).
        **options: Architecture options.

    Raises:
        LwprofError: Bad input, warmup < 0 / repeats < 1 / max_repeats < repeats / threads
            out of range, or a model whose real forward pass would not fit in memory.
    """
    limit = _check_arguments(warmup, repeats, max_repeats, threads, runtime, input_size, inputs)
    resolved = resolve(model_or_name, inputs=inputs if inputs is not None else input_size, options=options, kwargs=kwargs)
    analytic = _analytic(resolved, batch)
    model = resolved.build("cpu")
    kept = None
    if resolved.module is not None:  # the user's own model: timed as it is, left as it came
        if has_lazy(model):
            model = copy_model(model)  # timing would materialise its lazy modules
        else:
            kept = ModuleState(model, buffers=True)
    args, kw = resolved.inputs.make(batch, "cpu", seed)
    try:
        if runtime == "onnxruntime":
            return _measure_onnxruntime(model, args, kw, analytic, resolved.spec or resolved.name, warmup, repeats, limit, budget_s, threads, per_layer, progress, clock)
        return _measure_torch(model, args, kw, analytic, warmup, repeats, limit, budget_s, threads, per_layer, progress, clock)
    finally:
        if kept is not None:
            kept.restore()  # its train/eval flags, caches, counters (the export's forward too)


def _check_arguments(
    warmup: int, repeats: int, max_repeats: int | None, threads: int | None, runtime: str, input_size: Sequence[int] | None, inputs: Any
) -> int:
    """Refuses bad timing arguments before any work; returns the most end-to-end runs.

    Raises:
        LwprofError: warmup < 0, repeats < 1, max_repeats < repeats, threads out of range, an unknown
            runtime (or onnxruntime not installed), input_size and inputs both given.
    """
    if warmup < 0 or repeats < 1:
        raise LwprofError(f"need warmup >= 0 and repeats >= 1, got {warmup} and {repeats}")
    limit = 4 * repeats if max_repeats is None else max_repeats
    if limit < repeats:
        raise LwprofError(f"max_repeats ({max_repeats}) must be at least repeats ({repeats})")
    check_threads(threads)
    if runtime not in RUNTIMES:
        raise LwprofError(f"unknown runtime {runtime!r}; choose one of: {', '.join(RUNTIMES)}")
    if runtime == "onnxruntime":
        from lwprof.latency import onnxrt

        onnxrt.require()  # before any work
    if input_size is not None and inputs is not None:
        raise LwprofError("give input_size or inputs, not both")
    return limit


def _analytic(resolved: Any, batch: int) -> ModelProfile:
    """The analytic profile of what will be timed, after checking that its real run fits in memory.

    Raises:
        LwprofError: An ONNX graph (counted, not timed), or a real run over the memory limit.
    """
    if resolved.kind == "onnx":
        raise LwprofError(f"{resolved.name}: timing runs PyTorch models; an ONNX graph is counted (lwprof summary), not timed")
    analytic = profiler.run(resolved, batch=batch)
    weights, activations = profiler.real_run_bytes(resolved, analytic.params + analytic.buffers, analytic.peak_activation_elements or 0)
    need = weights + activations
    limit_bytes = profiler.memory_limit()
    if need > limit_bytes:
        raise LwprofError(
            f"timing runs the real model, which needs about {human_bytes(need)} here (weights and activations), more than the "
            f"{human_bytes(limit_bytes)} allowed (LWPROF_MAX_MEMORY); {profiler.smaller(resolved, weights, activations)}"
        )
    return analytic


def _measure_torch(
    model: nn.Module, args: tuple[Any, ...], kw: dict[str, Any], analytic: ModelProfile, warmup: int, repeats: int, limit: int,
    budget_s: float, threads: int | None, per_layer: bool, progress: Callable[[str, int, int], None] | None, clock: Callable[[], float],
) -> LatencyResult:
    """Eager PyTorch: the end-to-end runs, then the per-layer passes with hooks (threads set and restored)."""
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    total = warmup + limit + (repeats if per_layer else 0)
    step = 0

    def tick(phase: str) -> None:
        nonlocal step
        if progress:
            progress(phase, step, total)
        step += 1

    try:
        model.eval()
        with torch.inference_mode(), _user_exits():
            end_to_end = time_call(
                lambda: model(*args, **kw), warmup=warmup, repeats=repeats, max_repeats=limit, budget_s=budget_s, clock=clock,
                on_run=lambda i: tick("warm-up" if i < warmup else "end to end"),
            )  # fmt: skip
            layer_times = _time_layers(model, args, kw, repeats, lambda: tick("per layer"), clock) if per_layer else {}
        used_threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(saved_threads)
    return latency_result(analytic, end_to_end, layer_times, used_threads)


def _measure_onnxruntime(
    model: nn.Module, args: tuple[Any, ...], kw: dict[str, Any], analytic: ModelProfile, label: str, warmup: int, repeats: int, limit: int,
    budget_s: float, threads: int | None, per_layer: bool, progress: Callable[[str, int, int], None] | None, clock: Callable[[], float],
) -> LatencyResult:
    from lwprof.latency import onnxrt

    total, step = warmup + limit + (warmup + repeats if per_layer else 0), 0

    def tick(phase: str) -> None:
        nonlocal step
        if progress:
            progress(phase, step, total)
        step += 1

    was_training = model.training
    model.eval()
    try:
        with _user_exits():  # the export runs the model's forward
            run = onnxrt.run_onnxruntime(
                model, args, kw, warmup=warmup, repeats=repeats, max_repeats=limit, budget_s=budget_s, threads=threads,
                per_kernel=per_layer, label=label, clock=clock, on_run=tick,
            )  # fmt: skip
    finally:
        model.train(was_training)
    rows, notes, members = onnxrt.kernel_rows(run, analytic) if per_layer else ([], [], {})
    kernels = sum(1 for g, _ in run.kernels if g.nodes)
    head = (
        f"ONNX Runtime {run.version}, CPU provider, graph optimisation {run.optimisation}, {run.threads} intra-op thread(s); "
        f"exported with torch.onnx (opset {onnxrt.OPSET}, {run.export_s:.1f} s)"
    )
    if per_layer:
        head += f"; its {run.exported_nodes} exported nodes ran as {kernels} kernels, timed by ONNX Runtime's profiler"
    timings = tuple(dataclasses.replace(t, modules=members.get(t.name, ())) for t in _rank_rows(rows))
    return LatencyResult(
        analytic.arch, dict(analytic.config), analytic.input_shape, run.threads, run.end_to_end.warmup, run.end_to_end.runs,
        tuple(run.end_to_end.times_s), timings, analytic, "onnxruntime", (head, *notes),
    )  # fmt: skip


@contextlib.contextmanager
def _user_exits() -> Iterator[None]:
    """The timed runs of a user's model: ``os._exit`` raises instead of ending the process, and
    ``sys.exit`` (or that ``os._exit``) from the model is an :class:`LwprofError`."""
    try:
        with no_os_exit():
            yield
    except SystemExit as exc:
        raise LwprofError(f"the model called {exit_text(exc)}; lwprof stopped it and wrote nothing") from None


def _rank_rows(rows: Sequence[tuple[str, str, str, int, tuple[float, ...]]]) -> tuple[LayerTiming, ...]:
    """(name, type, category, MACs, seconds of every pass) per row -> timings ranked by time and by MACs, in row order."""
    seconds = {name: statistics.median(ts) if ts else 0.0 for name, *_, ts in rows}
    total = sum(seconds.values()) or 1.0
    by_time = {r[0]: i for i, r in enumerate(sorted(rows, key=lambda r: -seconds[r[0]]), 1)}
    by_macs = {r[0]: i for i, r in enumerate(sorted(rows, key=lambda r: (-r[3], -seconds[r[0]])), 1)}
    return tuple(
        LayerTiming(name, kind, category, macs, seconds[name], seconds[name] / total, by_time[name], by_macs[name], tuple(ts))
        for name, kind, category, macs, ts in rows
    )


def latency_result(analytic: ModelProfile, end_to_end: Timing, layer_times: Mapping[str, Sequence[float]], threads: int) -> LatencyResult:
    """A :class:`LatencyResult` from measured (or simulated) times.

    Args:
        analytic: The analytic profile of the timed model.
        end_to_end: The end-to-end runs.
        layer_times: Per leaf name, its seconds in every timed pass (leaves missing here,
            or never called, are left out).
        threads: Threads the runs used.
    """
    return LatencyResult(
        analytic.arch, dict(analytic.config), analytic.input_shape, threads, end_to_end.warmup, end_to_end.runs,
        tuple(end_to_end.times_s), _rank(analytic, layer_times), analytic,
    )  # fmt: skip


def _time_layers(
    model: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], repeats: int, tick: Callable[[], None], clock: Callable[[], float]
) -> dict[str, tuple[float, ...]]:
    """Seconds per pass spent in each leaf module, every pass, timed with forward hooks."""
    names = {id(m): n for n, m in model.named_modules() if next(iter(m.children()), None) is None}
    starts: dict[int, float] = {}
    runs: list[dict[str, float]] = []
    current: dict[str, float] = {}

    def pre(module: nn.Module, args: Any) -> None:
        starts[id(module)] = clock()

    def post(module: nn.Module, args: Any, out: Any) -> None:
        name = names[id(module)]
        current[name] = current.get(name, 0.0) + clock() - starts[id(module)]

    handles = []
    for module in model.modules():
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
    return {name: tuple(run.get(name, 0.0) for run in runs) for name in names.values()}


def _rank(analytic: ModelProfile, times: Mapping[str, Sequence[float]]) -> tuple[LayerTiming, ...]:
    rows = [(r.name, r.type, r.category, r.macs, tuple(times[r.name])) for r in analytic.leaves() if times.get(r.name) and r.calls]
    return _rank_rows(rows)
