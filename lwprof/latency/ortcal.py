"""``lwprof calibrate --runtime onnxruntime``: kernel detection and the micro-benchmarks, on ONNX Runtime.

The eager calibration (:mod:`lwprof.latency.calibrate`) times modules in PyTorch; this one exports
every case to ONNX (all exports first, then all timing, so that no export runs between timed runs)
and times each as its own ``InferenceSession`` end to end (``session.run``, several calls per timed
run when it is quick), at ``threads`` intra-op threads.

1. **Kernel detection** (:mod:`lwprof.latency.fusion`): for each pair of layer kinds adjacent in the
   zoo (:func:`trial_cases`: Conv+BN, Conv+BN -> ReLU / ReLU6 / hard-swish / sigmoid for 1x1, k x k,
   depthwise and grouped convs, Linear -> activation, BN -> ReLU), A, B and A -> B are timed in
   interleaved rounds (the fastest run of each kept); the fused pairs become the calibration's rules.
2. **Micro-benchmarks**: every eager case (:func:`lwprof.latency.calibrate.cases`), and each conv and
   linear size once more followed by the layers the zoo puts after it (BN, BN + an activation), so
   that every kernel kind the rules make has benchmarks; plus the random networks.
3. **The fit**: the same non-negative least squares, with kernels as the unit: a benchmark's design
   row groups its leaves into kernels by the rules (a kernel kind per head + fused members) and adds
   one ``run`` (ONNX Runtime's per-inference overhead).
"""

from __future__ import annotations

import datetime
import functools
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lwprof.counting.walker import walk
from lwprof.errors import LwprofError
from lwprof.latency import onnxrt
from lwprof.latency.calibrate import RUN_S, Case, cases
from lwprof.latency.costmodel import Benchmark, Calibration, cpu_name, design_row, fit_costs, held_out_ratios, machine_id, row_keys
from lwprof.latency.fusion import FusionRule, Trial, assign, detect, kernels
from lwprof.latency.timing import NOISY_SPREAD, check_threads, time_call

__all__ = ["BUDGET_S", "TrialCase", "check_dtype", "detect_fusions", "benchmark_cases", "calibrate_onnxruntime", "trial_cases"]

BUDGET_S = 45.0  # timing budget of the micro-benchmarks (quick: a quarter)
ROUNDS = 3  # interleaved rounds of A, B and A -> B per detection trial
WARMUP_S = 0.05  # each fresh session warms up this long before its timed runs (onnxrt.WARMUP_S: a whole model's)


@dataclass(frozen=True)
class TrialCase:
    """One detection test: ``a`` then ``b`` (fed ``a``'s output), at input ``shape``."""

    head: str
    member: str
    label: str
    a: Callable[[], nn.Module]
    b: Callable[[], nn.Module]
    shape: tuple[int, ...]


def _conv(cin: int, cout: int, k: int = 1, g: int = 1, bn: bool = False) -> Callable[[], nn.Module]:
    def make() -> nn.Module:
        conv = nn.Conv2d(cin, cout, k, 1, k // 2, groups=g, bias=False)
        return nn.Sequential(conv, nn.BatchNorm2d(cout)) if bn else conv

    return make


_ACTS: dict[str, tuple[str, Callable[[], nn.Module]]] = {
    "relu": ("relu", lambda: nn.ReLU(inplace=True)),
    "relu6": ("activation", lambda: nn.ReLU6(inplace=True)),
    "hardswish": ("hard_activation", nn.Hardswish),
    "sigmoid": ("exp_activation", nn.Sigmoid),
}
#: (head kind, conv factory arguments, input shape): sizes where the follower costs a good share of the conv.
_HEADS: tuple[tuple[str, tuple[int, int, int, int], tuple[int, ...]], ...] = (
    ("conv1x1", (16, 16, 1, 1), (1, 16, 112, 112)),
    ("conv", (8, 8, 3, 1), (1, 8, 112, 112)),
    ("dwconv", (32, 32, 3, 32), (1, 32, 112, 112)),
    ("gconv", (32, 32, 1, 4), (1, 32, 112, 112)),
    ("conv1x1", (32, 32, 1, 1), (1, 32, 56, 56)),  # a second size of each (not with --quick)
    ("conv", (16, 16, 3, 1), (1, 16, 56, 56)),
    ("dwconv", (64, 64, 3, 64), (1, 64, 56, 56)),
    ("gconv", (64, 64, 1, 4), (1, 64, 56, 56)),
)


def trial_cases(quick: bool = False) -> list[TrialCase]:
    """The kernel-detection tests: every head with BN, and with BN then each activation (``quick``: ReLU6 and hard-swish only)."""
    out = []
    acts = ("relu6", "hardswish") if quick else tuple(_ACTS)
    for head, (cin, cout, k, g), shape in _HEADS[:4] if quick else _HEADS:
        out.append(TrialCase(head, "batchnorm", f"{head} {cin}->{cout} {shape[-1]}x{shape[-1]} -> bn", _conv(cin, cout, k, g), functools.partial(nn.BatchNorm2d, cout), shape))
        for name in acts:
            kind, make = _ACTS[name]
            out.append(TrialCase(head, kind, f"{head} {cin}->{cout} {shape[-1]}x{shape[-1]} + bn -> {name}", _conv(cin, cout, k, g, bn=True), make, shape))
    for name in ("relu",) if quick else ("relu", "hardswish"):
        kind, make = _ACTS[name]
        out.append(TrialCase("linear", kind, f"linear 16->1024 batch 256 -> {name}", lambda: nn.Linear(16, 1024), make, (256, 16)))
    out.append(TrialCase("batchnorm", "relu", "bn 32 112x112 -> relu", lambda: nn.BatchNorm2d(32), _ACTS["relu"][1], (1, 32, 112, 112)))
    return out


#: What the zoo puts after each head kind (its kernel cases): BN alone, BN and a piecewise-linear activation, BN and hard-swish.
_FOLLOWERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "conv1x1": (("bn",), ("bn", "relu"), ("bn", "hardswish"), ("bn", "relu6")),
    "conv": (("bn", "relu"), ("bn", "hardswish"), ("bn", "relu6")),
    "dwconv": (("bn",), ("bn", "relu"), ("bn", "hardswish"), ("bn", "relu6")),
    "gconv": (("bn",), ("bn", "relu")),
    "linear": (("relu",), ("hardswish",)),
}


def benchmark_cases(quick: bool = False) -> list[Case]:
    """The eager cases, and each conv or linear size once more with a follower (in turn: BN; BN, ReLU; BN, hard-swish; ...)."""
    base = cases(quick)
    out: list[Case] = []
    turn: dict[str, int] = {}
    for case in base:
        out.append(case)
        followers = _FOLLOWERS.get(case.kind)
        if not followers:
            continue
        i = turn[case.kind] = turn.get(case.kind, -1) + 1
        chain = followers[i % len(followers)]
        out.append(Case(case.kind, f"{case.label} + {' + '.join(chain)}", _chained(case.make, chain), case.shape))
    return out


def _chained(make: Callable[[], nn.Module], chain: Sequence[str]) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        head = make()
        width = head.out_channels if isinstance(head, nn.Conv2d) else getattr(head, "out_features", 0)
        tail = [nn.BatchNorm2d(width) if name == "bn" else _ACTS[name][1]() for name in chain]
        return nn.Sequential(head, *tail)

    return build


def _prepare(ort: Any, module: nn.Module, shape: tuple[int, ...], folder: Path, index: int, threads: int | None, label: str) -> Callable[[], Any]:
    """Exports ``module`` (eval, fp32, on the CPU) and opens its session: a function that runs it once."""
    x = torch.rand(shape, generator=torch.Generator().manual_seed(index))
    path = folder / f"case{index}.onnx"
    module = module.eval()
    with torch.inference_mode(False), torch.no_grad():
        onnxrt.export_onnx(module, (x,), {}, path, label)
    session = onnxrt._session(ort, path, onnxrt._options(ort, threads), label)
    feeds = {session.get_inputs()[0].name: x.numpy()}
    return lambda: session.run(None, feeds)


def _time(run: Callable[[], Any], quick: bool, budget_s: float) -> tuple[float, float, int, bool, float]:
    """(median, IQR, runs, noisy, fastest) seconds per call of ``run``, timed as the eager calibration times a module."""
    run()  # warm
    probe = time.perf_counter()
    run()
    per_call = max(time.perf_counter() - probe, 1e-7)
    inner = max(1, round(RUN_S / per_call))

    def loop() -> None:
        for _ in range(inner):
            run()

    repeats, most = (3, 9) if quick else (7, 35)
    t = time_call(loop, warmup=1, repeats=repeats, max_repeats=most, target_spread=NOISY_SPREAD / 2, budget_s=budget_s, warmup_s=WARMUP_S)
    return t.median_s / inner, t.iqr_s / inner, t.runs, t.noisy, t.min_s / inner


def detect_fusions(
    ort: Any, folder: Path, threads: int | None, quick: bool, selection: Sequence[TrialCase] | None = None, progress: Callable[[str, int, int], None] | None = None
) -> tuple[tuple[FusionRule, ...], tuple[Trial, ...]]:
    """Times every trial's A, B and A -> B (interleaved rounds, the fastest of each) and returns the rules and the trials.

    B alone is one run of a model, so ONNX Runtime's per-run overhead (timed on a model of one
    Flatten of 8 numbers) is taken off its time: what B adds inside A -> B never includes it.
    """
    todo = list(selection) if selection is not None else trial_cases(quick)
    empty = _prepare(ort, nn.Flatten(), (1, 8), folder, 9_999, threads, "an empty run")
    runners = []
    for i, t in enumerate(todo):
        with torch.no_grad():
            out_shape = tuple(t.a().eval()(torch.rand(t.shape)).shape)
        b = t.b()
        ab = nn.Sequential(t.a(), t.b())
        runners.append(tuple(_prepare(ort, m, s, folder, 3 * i + j + 10_000, threads, t.label) for j, (m, s) in enumerate(((t.a(), t.shape), (b, out_shape), (ab, t.shape)))))
    best = [[math.inf] * 3 for _ in todo]
    rounds = 2 if quick else ROUNDS
    floor = math.inf
    for r in range(rounds):
        floor = min(floor, _time(empty, True, 0.05)[4])
        for i, (t, runs) in enumerate(zip(todo, runners)):
            if progress:
                progress(f"kernel detection: {t.label}", r * len(todo) + i, rounds * len(todo))
            for j, run in enumerate(runs):
                best[i][j] = min(best[i][j], _time(run, True, 0.1)[4])
    trials = tuple(Trial(t.head, t.member, t.label, a, max(b - floor, 0.0), ab) for t, (a, b, ab) in zip(todo, best))
    return detect(trials), trials


def calibrate_onnxruntime(
    *,
    threads: int | None = None,
    quick: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    selection: list[Case] | None = None,
    trials: Sequence[TrialCase] | None = None,
    sample_kernels: bool | None = None,
) -> Calibration:
    """Kernel detection, then the micro-benchmarks on ONNX Runtime, then the fit (kernels as the unit).

    Args:
        threads: Intra-op threads (None: ONNX Runtime's default, one per core).
        quick: About a third of the sizes, fewer runs and trials.
        progress: Called before each step with (label, index, total).
        selection: Run these benchmark cases instead of :func:`benchmark_cases` (tests).
        trials: Run these detection tests instead of :func:`trial_cases` (tests).
        sample_kernels: Also time the adaptive kernel sample and fit per-kernel regressors (default: unless ``selection`` is given).

    Raises:
        LwprofError: onnxruntime missing, threads out of range, a case that does not export.
    """
    ort = onnxrt.require()
    check_threads(threads)
    start = time.perf_counter()
    todo = selection if selection is not None else benchmark_cases(quick)
    with tempfile.TemporaryDirectory(prefix="lwprof-ortcal-") as tmp:
        folder = Path(tmp)
        rules, _ = detect_fusions(ort, folder, threads, quick, trials, progress)
        profiles = []
        for case in todo:
            with torch.device("meta"):
                meta = case.make()
            profiles.append(walk(meta, case.shape))
        runners = []
        for i, case in enumerate(todo):
            if progress:
                progress(f"exporting {case.label}", i, len(todo))
            runners.append(_prepare(ort, case.make(), case.shape, folder, i, threads, case.label))
        deadline = time.perf_counter() + (BUDGET_S / 4 if quick else BUDGET_S)
        results = []
        for i, (case, run, profile) in enumerate(zip(todo, runners, profiles)):
            if progress:
                progress(case.label, i, len(todo))
            share = max(0.05, (deadline - time.perf_counter()) / (len(todo) - i))
            median, iqr, runs, noisy, fastest = _time(run, quick, min(1.0, share))
            placed = assign(profile, rules)
            row = row_keys(design_row(profile, 4, in_network=case.kind == "network", kernels=placed, per_run=True))
            first = kernels(profile, rules)[0] if case.kind != "network" else None
            kind = first.kind if first is not None and first.members else case.kind
            results.append(Benchmark(kind, case.label, row, median, iqr, runs, noisy, fastest))
    if progress:
        progress("fitting", len(todo), len(todo))
    kinds = fit_costs(results)
    regressors = {}
    if selection is None if sample_kernels is None else sample_kernels:
        from lwprof.latency.kernelpred import sample_and_fit

        regressors = sample_and_fit("onnxruntime", threads, quick, progress)
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    used = threads or 0
    if not used:
        import os

        used = os.cpu_count() or 1
    cal = replace(
        Calibration(machine_id(), cpu_name(), used, "fp32", torch.__version__, kinds, tuple(results), created, 0.0, quick),
        runtime="onnxruntime", runtime_version=ort.__version__, fusions=rules, regressors=regressors,
    )
    if regressors:
        from lwprof.latency.kernelpred import held_out_both

        held_out, held_kernels, scale = held_out_both(cal, {i: p for i, (c, p) in enumerate(zip(todo, profiles)) if c.kind == "network"})
    else:
        held_out, held_kernels, scale = held_out_ratios(results), (), 1.0
    return replace(cal, held_out=held_out, held_out_kernels=held_kernels, kernel_scale=scale, seconds=time.perf_counter() - start)


def check_dtype(dtype: str) -> None:
    """ONNX Runtime is calibrated in fp32 (the exported graph's type).

    Raises:
        LwprofError: Another dtype.
    """
    if dtype != "fp32":
        raise LwprofError(f"--runtime onnxruntime calibrates fp32 (the exported graph's type), not --dtype {dtype}; drop --dtype")
