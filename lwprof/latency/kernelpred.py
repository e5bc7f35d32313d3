"""Per-kernel regressors in a calibration: an adaptive kernel sample timed on the runtime, and kernels priced by them.

At calibration (:func:`sample_and_fit`), :func:`lwprof.latency.sampling.adaptive_sample` draws kernel
configurations around the zoo's layers (fused followers for ONNX Runtime, single layers for eager
PyTorch), this module times each on the calibration's runtime, and
:func:`lwprof.latency.regress.fit_regressors` fits one regressor per kernel kind (a random forest on a
linear baseline). The calibration stores them (``regressors``).

At prediction (:func:`kernel_seconds`), a profile's leaves are grouped into kernels by the calibration's
fusion rules (:func:`lwprof.latency.fusion.kernels`); a kernel whose kind has a *forest* is priced by
it, and its seconds are shared among its layers in proportion to the linear model's; every other
kernel, every parent's own work, the in-network extra and the per-run overhead keep today's linear
per-kind model (the fallback, and the baseline the report compares with).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from lwprof.latency.fusion import FusionRule, kernels
from lwprof.records import ModelProfile

__all__ = ["BUDGET", "held_out_both", "kernel_seconds", "measure_kernels", "sample_and_fit", "signature"]

BUDGET, ROUNDS = 600, 3  # kernels timed at calibration (about 43 per kind), and adaptive rounds after the first draw


def sample_and_fit(runtime: str, threads: int | None, quick: bool, progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Draws and times the adaptive kernel sample on ``runtime`` and fits the regressors (kind -> :class:`~lwprof.latency.regress.KernelRegressor`).

    Returns an empty mapping when scikit-learn is missing or ``quick`` (a forest needs 40 kernels of its kind:
    more than a quick calibration's time allows); the linear per-kind model prices every kernel then.
    """
    from lwprof.latency import regress, sampling

    if quick or not regress.forest_available():
        return {}
    budget, rounds = BUDGET, ROUNDS
    spaces = sampling.spaces(fused=runtime == "onnxruntime")
    done = [0]

    def tick(n: int) -> None:
        if progress:
            progress("kernel sample", done[0], budget)
        done[0] += n

    with tempfile.TemporaryDirectory(prefix="lwprof-kernels-") as tmp:
        measure = _ort_measure(Path(tmp), threads, tick) if runtime == "onnxruntime" else _torch_measure(threads, tick)
        samples = sampling.adaptive_sample(spaces, measure, budget=budget, rounds=rounds, seed=0)
    return dict(regress.fit_regressors(samples))


def held_out_both(calibration: Any, networks: Mapping[int, ModelProfile]) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """measured / predicted of every random network, each priced by a fit made without it: by the linear
    model alone, and with the calibration's regressors (one fit per network serves both); and the kernel scale.

    The regressors price kernels timed alone; inside a network a kernel costs a factor more or less (ONNX
    Runtime converts the layout around an isolated kernel, a network once). Each network gives that factor
    exactly: ``(measured - the linear rest) / the forest-priced part``. The calibration's ``kernel_scale`` is
    their median, and each network's held-out ratio uses the median of the *other* networks' factors.

    Args:
        calibration: The calibration (its benchmarks, fusions, regressors).
        networks: Index of each network benchmark in ``calibration.benchmarks`` -> its profile.

    Returns:
        The linear model's ratios, the regressors' ratios, the kernel scale (1.0 without regressors).
    """
    import dataclasses
    import statistics

    from lwprof.latency.costmodel import benchmark_seconds, fit_costs
    from lwprof.latency.predict import predict_profile

    linear: list[float] = []
    parts: list[tuple[float, float, float]] = []  # (measured, linear rest, forest part) per network
    benchmarks = calibration.benchmarks
    for i, profile in networks.items():
        held = benchmarks[i]
        kinds = fit_costs([b for j, b in enumerate(benchmarks) if j != i])
        predicted = benchmark_seconds(held, kinds)
        if predicted > 0 and held.seconds > 0:
            linear.append(held.seconds / predicted)
        if calibration.regressors and held.seconds > 0:
            alone = dataclasses.replace(calibration, kinds=kinds, held_out=(), held_out_kernels=(), kernel_scale=1.0)
            pred = predict_profile(profile, alone)
            forest = sum(p.seconds for p in pred.layers if p.priced_by == "forest")
            parts.append((held.seconds, pred.total_s - forest, forest))
    scales = [(m - rest) / f for m, rest, f in parts if f > 0]
    ratios = []
    for i, (m, rest, f) in enumerate(parts):
        others = [s for j, s in enumerate(scales) if j != i] or [1.0]
        predicted = rest + f * _clamp(statistics.median(others))
        if predicted > 0:
            ratios.append(m / predicted)
    return tuple(linear), tuple(ratios), _clamp(statistics.median(scales)) if scales else 1.0


def _clamp(scale: float) -> float:
    return min(4.0, max(0.25, scale))


def _ort_measure(folder: Path, threads: int | None, tick: Callable[[int], None]) -> Callable[[list[tuple[Any, tuple[int, ...]]]], list[float]]:
    from lwprof.latency import onnxrt, ortcal

    ort = onnxrt.require()
    count = [0]
    floor: list[float] = []  # a run's own overhead (a session of one Flatten of 8 numbers): a prediction adds it once, as the run kind

    def measure(batch: list[tuple[Any, tuple[int, ...]]]) -> list[float]:
        from torch import nn

        if not floor:
            empty = ortcal._prepare(ort, nn.Flatten(), (1, 8), folder, 19_999, threads, "an empty run")
            floor.append(min(ortcal._time(empty, True, 0.05)[4] for _ in range(3)))
        runners = []
        for module, shape in batch:  # every export first, then the timing
            count[0] += 1
            runners.append(ortcal._prepare(ort, module, shape, folder, 20_000 + count[0], threads, "a kernel sample"))
        out = []
        for run in runners:
            tick(1)
            seconds = ortcal._time(run, True, 0.05)[4]  # the fastest run, as every benchmark (costmodel.Benchmark.seconds)
            out.append(max(seconds - floor[0], 0.1 * seconds))  # the kernel, not the session around it
        return out

    return measure


def _torch_measure(threads: int | None, tick: Callable[[int], None]) -> Callable[[list[tuple[Any, tuple[int, ...]]]], list[float]]:
    import torch

    from lwprof.latency.calibrate import RUN_S
    from lwprof.latency.timing import time_call

    def one(module: Any, shape: tuple[int, ...]) -> float:
        x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
        module(x)
        probe = time.perf_counter()
        module(x)
        inner = max(1, round(RUN_S / max(time.perf_counter() - probe, 1e-7)))

        def loop() -> None:
            for _ in range(inner):
                module(x)

        return time_call(loop, warmup=1, repeats=3, max_repeats=9, budget_s=0.05).min_s / inner  # the fastest run, as every benchmark

    def measure(batch: list[tuple[Any, tuple[int, ...]]]) -> list[float]:
        saved = torch.get_num_threads()
        try:
            if threads is not None:
                torch.set_num_threads(threads)
            out = []
            with torch.inference_mode():
                for module, shape in batch:
                    tick(1)
                    out.append(one(module, shape))
            return out
        finally:
            torch.set_num_threads(saved)

    return measure


def signature(kind: str, features: Mapping[str, float], batch: int = 1) -> str:
    """A kernel's key in a calibration's table of measured kernels: its kind, every shape feature, and the batch
    when it is not 1 (the features of a kernel without MACs do not depend on the batch, its time does)."""
    key = kind + "|" + ",".join(f"{k}={features[k]:g}" for k in sorted(features))
    return key if batch == 1 else f"{key}|batch={batch}"


def _batch(record: Any) -> int:
    return int(record.input_shape[0]) if record.input_shape else 1


def check_same_machine(calibration: Any) -> None:
    """Refuses to add this machine's kernel times to a calibration made on another one.

    Raises:
        LwprofError: The calibration's machine is not this one.
    """
    from lwprof.errors import LwprofError
    from lwprof.latency.costmodel import machine_id

    if calibration.from_another_machine:
        where = f" ({calibration.path})" if calibration.path else ""
        raise LwprofError(
            f"the calibration{where} was made on {calibration.cpu} ({calibration.machine}), not this machine ({machine_id()}): "
            "measuring kernels here would store this machine's times in it; run the command on that machine"
        )


def kernel_seconds(
    profile: ModelProfile,
    regressors: Mapping[str, Any],
    rules: Sequence[FusionRule],
    linear: Mapping[str, float],
    bytes_per_element: int,
    known: Any = None,
    measured: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], int, int, set[str]]:
    """Each leaf's share of its kernel's seconds, for the kernels a measured table entry or a forest covers.

    Args:
        profile: The profile.
        regressors: Kind -> regressor (the calibration's).
        rules: The calibration's fusion rules.
        linear: Each leaf's seconds under the linear model (its kernel-kind term, without the in-network extra).
        bytes_per_element: The calibration's element size.
        known: The calibration's kinds (kernels it never measured are split, as the linear model does).
        measured: The calibration's measured kernels (:func:`signature` -> seconds): used first.

    Returns:
        Leaf name -> seconds (only leaves of kernels priced here), kernels priced by forests, kernels in all,
        and the leaves whose kernel was measured.
    """
    from lwprof.latency import sampling

    out: dict[str, float] = {}
    from_table: set[str] = set()
    priced = total = 0
    for k in kernels(profile, rules, known):
        total += 1
        kind = sampling.kernel_kind(k.head, k.members)
        if not kind:
            continue
        features = sampling.kernel_features(k.head, k.members, bytes_per_element, kind)
        seconds = (measured or {}).get(signature(kind, features, _batch(k.head)))
        if seconds is not None:
            from_table.update(r.name for r in k.records)
        else:
            regressor = regressors.get(kind)
            if regressor is None or regressor.model != "forest":
                continue
            seconds = regressor.predict(features)
            priced += 1
        base = [linear.get(r.name, 0.0) for r in k.records]
        whole = sum(base)
        for r, b in zip(k.records, base):
            out[r.name] = seconds * (b / whole if whole > 0 else 1 / len(base))
    return out, priced, total, from_table


def measure_kernels(
    calibration: Any, specs: Sequence[str], progress: Callable[[str, int, int], None] | None = None, batch: int = 1, skip: Collection[str] = ()
) -> dict[str, float]:
    """The exact kernels of ``specs`` at ``batch``, each built from the model's own modules (the head and the layers
    fused into it, copied) at its own input shape, timed once on the calibration's runtime: :func:`signature` -> seconds.
    Kernels whose signature is in ``skip`` (already measured) are left out.

    Raises:
        LwprofError: The calibration was made on another machine (its kernels would be this one's), a spec that
            does not resolve, or (ONNX Runtime) a kernel that does not export.
    """
    check_same_machine(calibration)
    import copy

    from torch import nn

    from lwprof import profiler
    from lwprof.latency import sampling
    from lwprof.resolve import resolve

    found: dict[str, tuple[nn.Module, tuple[int, ...]]] = {}
    for spec in specs:
        resolved = resolve(spec)
        profile = profiler.run(resolved, batch=batch)
        model = resolved.build("cpu").eval()
        modules = dict(model.named_modules())
        for k in kernels(profile, calibration.fusions, calibration.kinds):
            kind = sampling.kernel_kind(k.head, k.members)
            if not kind or not k.head.input_shape or any(r.name not in modules for r in k.records):
                continue
            key = signature(kind, sampling.kernel_features(k.head, k.members, calibration.bytes_per_element, kind), _batch(k.head))
            if key not in found and key not in skip:
                parts = [copy.deepcopy(modules[r.name]) for r in k.records]
                found[key] = (parts[0] if len(parts) == 1 else nn.Sequential(*parts)).eval(), tuple(k.head.input_shape)
    done = [0]

    def tick(n: int) -> None:
        if progress:
            progress("measuring kernels", done[0], len(found))
        done[0] += n

    with tempfile.TemporaryDirectory(prefix="lwprof-kernels-") as tmp:
        measure = _ort_measure(Path(tmp), calibration.threads, tick) if calibration.runtime == "onnxruntime" else _torch_measure(calibration.threads, tick)
        seconds = measure(list(found.values()))
    return dict(zip(found, seconds))
