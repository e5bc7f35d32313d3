"""``lwprof calibrate``: micro-benchmarks of every layer kind on this CPU, and the fitted cost model.

Each micro-benchmark is one small module (a 1x1 conv 64 -> 128 on 56x56, a depthwise 5x5
with stride 2, a BatchNorm, a ``Sequential`` of identities, a residual add, ...) at sizes that
span the zoo's layers, from 112x112 stems to 1x1 squeeze-excitation convs. Its features come
from lwprof's own walk of the module (the same records a profile has), its time from
:func:`~lwprof.latency.timing.time_call`: repeated until the spread is small, and flagged
when it is not. Every module runs on several copies in turn, so that its weights and inputs
are no warmer in the caches than in a network. A dozen random networks built from the zoo's
blocks (:func:`random_network`, never a zoo configuration) are timed end to end, for what a
layer costs more in a network than alone. The joint fit (:func:`lwprof.latency.costmodel.fit_costs`)
turns them all into per-kind peaks, bandwidths and overheads.

``quick=True`` runs about a third of the sizes with fewer runs (a smoke test, or a first look).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from lwprof.counting.walker import walk
from lwprof.errors import LwprofError
from lwprof.latency.costmodel import (
    RUNTIMES,
    Benchmark,
    Calibration,
    cpu_name,
    design_row,
    fit_costs,
    held_out_ratios,
    machine_id,
    row_keys,
)
from lwprof.latency.timing import NOISY_SPREAD, check_threads, time_call
from lwprof.records import BYTES_PER_ELEMENT, ModelProfile

__all__ = ["CALIBRATION_DTYPES", "Case", "calibrate", "cases"]

#: Element types a calibration can measure (int8 would need quantised kernels).
CALIBRATION_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}  # the names: costmodel.CALIBRATED_DTYPES

RUN_S = 0.002  # each timed run calls the module this long (several calls when it is quick)
BUDGET_S = 45.0  # timing budget of a whole calibration (quick: a third): noisy benchmarks share what is left
NETWORKS = 12  # random networks timed end to end, for what a layer costs more in a network than alone
COLD_BYTES = 8 * 2**20  # copies of a module and its input cycled through: at least this much data


@dataclass(frozen=True)
class Case:
    """One micro-benchmark: a kind, a label, a module factory and its input shape (batch included)."""

    kind: str
    label: str
    make: Callable[[], nn.Module]
    shape: tuple[int, ...]


def _identities(n: int) -> nn.Module:
    return nn.Sequential(*(nn.Identity() for _ in range(n)))


class _Glue(nn.Module):
    """A parent whose own forward runs one aten op after a child (a residual add, a concat, the SE scale)."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.op = op
        self.inner = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.inner(x)
        if self.op == "add":
            return y + x
        if self.op == "mul":
            return y * x
        if self.op == "cat":
            return torch.cat([y, x], 1)
        return torch.relu(y)


def _conv(cin: int, cout: int, k: int = 1, s: int = 1, g: int = 1) -> Callable[[], nn.Module]:
    return lambda: nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False)


def _shuffle(groups: int) -> Callable[[], nn.Module]:
    def make() -> nn.Module:
        from lwprof.architectures.blocks import ChannelShuffle

        return ChannelShuffle(groups)

    return make


def _round8(x: float) -> int:
    return max(8, int(x + 4) // 8 * 8)


def random_network(seed: int) -> tuple[Callable[[], nn.Module], tuple[int, ...], str]:
    """A random lightweight CNN from the zoo's building blocks: its factory, input shape and label.

    A 3x3 stem (and a max pool, sometimes), then 3 to 5 stages of 1 to 6 blocks each (depthwise-separable pairs, inverted
    residuals with or without SE, ghost bottlenecks, ShuffleNet V1 and V2 units, grouped 3x3
    convs), channels growing 1.5x or 2x per stage in multiples of 8 from 8 to 32, at a random
    resolution; global pooling and a classifier. Never a zoo configuration: it calibrates what
    a layer costs more inside a network than alone.
    """
    import random

    rng = random.Random(1000 + seed)
    resolution = rng.choice((96, 128, 160, 192, 224))
    stem = rng.choice((8, 16, 24, 32))
    pool = rng.random() < 0.3
    plan, c = [], stem
    for _ in range(rng.randint(3, 5)):
        kind = rng.choice(("dwsep", "inverted", "ghost", "shufflev2", "shufflev1", "grouped"))
        out = _round8(c * rng.choice((1.5, 2.0)))
        for i in range(rng.randint(1, 6)):
            plan.append((kind, c, out, 2 if i == 0 else 1, rng.choice((3, 5)), rng.random() < 0.4, rng.choice((3, 6))))
            c = out
    kinds = "-".join(dict.fromkeys(p[0] for p in plan))

    def make() -> nn.Module:
        from lwprof.architectures.blocks import (
            ConvKind,
            GhostBottleneck,
            InvertedResidual,
            ShuffleUnit,
            ShuffleV2Unit,
            conv_bn_act,
            conv_unit,
        )

        layers: list[nn.Module] = [conv_bn_act(3, stem, 3, 2)] + ([nn.MaxPool2d(3, 2, 1)] if pool else [])
        for kind, cin, cout, stride, k, se, t in plan:
            if kind == "dwsep":
                layers.append(conv_unit(ConvKind.DWSEP, cin, cout, 3, stride))
            elif kind == "inverted":
                layers.append(InvertedResidual(cin, cout, stride, cin * t, k, nn.Hardswish if se else nn.ReLU6, se))
            elif kind == "ghost":
                layers.append(GhostBottleneck(cin, cin * t, cout, k, stride, se))
            elif kind == "shufflev2":
                layers.append(ShuffleV2Unit(cin, cout, stride))
            elif kind == "shufflev1":
                g = next(g for g in (8, 4, 2, 1) if (cout // 4) % g == 0 and (cout - cin if stride == 2 else cout) % g == 0 and cin % g == 0)
                layers.append(ShuffleUnit(cin, cout, stride, g))
            else:
                layers.append(conv_unit(ConvKind.GROUPED, cin, cout, 3, stride, 4))
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
        return nn.Sequential(*layers)

    return make, (1, 3, resolution, resolution), f"network {seed}: {len(plan)} blocks ({kinds}) at {resolution}"


def cases(quick: bool = False) -> list[Case]:
    """Every micro-benchmark, at sizes spanning the zoo's layers (``quick``: about a third of them)."""
    out: list[Case] = []

    def add(kind: str, label: str, make: Callable[[], nn.Module], shape: tuple[int, ...]) -> None:
        out.append(Case(kind, label, make, shape))

    # 1x1 convs: MobileNetV1/V2/V3, ShuffleNet V2 and GhostNet pointwise layers, and SE / head convs on 1x1 maps.
    for cin, cout, hw in [
        (8, 16, 112), (16, 32, 112), (32, 64, 112), (16, 96, 112), (32, 16, 112), (64, 128, 56), (128, 128, 56), (24, 144, 56),
        (144, 24, 56), (58, 58, 56), (24, 72, 56), (72, 24, 56), (128, 256, 28), (256, 256, 28), (32, 192, 28), (192, 32, 28),
        (116, 116, 28), (40, 240, 28), (240, 40, 28), (256, 512, 14), (512, 512, 14), (64, 384, 14), (384, 64, 14), (96, 576, 14),
        (232, 232, 14), (160, 960, 7), (960, 160, 7), (512, 1024, 7), (1024, 1024, 7), (320, 1280, 7), (464, 1024, 7),
        (72, 24, 1), (24, 72, 1), (480, 120, 1), (960, 1280, 1), (1024, 256, 1),
    ]:  # fmt: skip
        add("conv1x1", f"conv1x1 {cin}->{cout} {hw}x{hw}", _conv(cin, cout), (1, cin, hw, hw))
    # k x k convs with one group: stems, and the 'standard' variants of the zoo.
    for cin, cout, k, s, hw in [
        (3, 8, 3, 2, 224), (3, 16, 3, 2, 224), (3, 32, 3, 2, 224), (3, 24, 3, 2, 160), (32, 64, 3, 1, 112), (16, 16, 3, 1, 112),
        (64, 64, 3, 2, 112), (128, 128, 3, 1, 56), (72, 72, 5, 2, 56), (256, 256, 3, 1, 28), (120, 120, 5, 1, 28),
        (512, 512, 3, 1, 14), (240, 240, 3, 1, 14), (1024, 1024, 3, 1, 7), (480, 480, 5, 1, 7),
    ]:  # fmt: skip
        add("conv", f"conv{k}x{k} {cin}->{cout} s{s} {hw}x{hw}", _conv(cin, cout, k, s), (1, cin, hw, hw))
    # Depthwise convs, kernels 3 and 5, strides 1 and 2.
    for c, k, s, hw in [
        (8, 3, 1, 112), (32, 3, 1, 112), (96, 3, 2, 112), (16, 3, 1, 112), (64, 3, 2, 112), (144, 3, 1, 56), (128, 3, 1, 56),
        (24, 3, 1, 56), (72, 5, 2, 56), (144, 3, 2, 56), (256, 3, 1, 28), (120, 5, 1, 28), (240, 3, 2, 28), (58, 3, 1, 28),
        (512, 3, 1, 14), (480, 3, 1, 14), (672, 5, 2, 14), (116, 3, 1, 14), (1024, 3, 1, 7), (960, 5, 1, 7), (232, 3, 1, 7),
    ]:  # fmt: skip
        add("dwconv", f"dwconv{k}x{k} {c} s{s} {hw}x{hw}", _conv(c, c, k, s, c), (1, c, hw, hw))
    # Grouped convs: ShuffleNet's 1x1 group convs (g = 2..8) and MobileNetV1's 3x3 group convs.
    for cin, cout, k, g, hw in [
        (24, 200, 1, 2, 56), (200, 50, 1, 2, 28), (50, 200, 1, 2, 28), (240, 60, 1, 3, 28), (60, 240, 1, 3, 28), (480, 120, 1, 3, 14),
        (120, 480, 1, 3, 14), (960, 240, 1, 3, 7), (240, 960, 1, 3, 7), (272, 68, 1, 4, 28), (544, 136, 1, 4, 14), (384, 96, 1, 8, 28),
        (96, 384, 1, 8, 28), (768, 192, 1, 8, 14), (1536, 384, 1, 8, 7), (32, 64, 3, 2, 112), (64, 128, 3, 4, 56),
        (256, 256, 3, 4, 28), (512, 512, 3, 8, 14), (1024, 1024, 3, 4, 7),
    ]:  # fmt: skip
        add("gconv", f"gconv{k}x{k} {cin}->{cout} g{g} {hw}x{hw}", _conv(cin, cout, k, 1, g), (1, cin, hw, hw))
    for cin, cout in [(256, 1000), (512, 1000), (1024, 1000), (1280, 1000), (1536, 1000), (2048, 1000), (576, 1024)]:
        add("linear", f"linear {cin}->{cout}", functools.partial(nn.Linear, cin, cout), (1, cin))
    maps = [(8, 112), (32, 112), (96, 112), (144, 56), (24, 56), (240, 28), (192, 28), (512, 14), (384, 14), (960, 7), (1024, 7)]
    for c, hw in maps:
        add("batchnorm", f"batchnorm {c} {hw}x{hw}", functools.partial(nn.BatchNorm2d, c), (1, c, hw, hw))
    # Activations: in-place ReLU/ReLU6 as the zoo runs them; hard-swish out of place (applied in place
    # again and again it would shrink its input towards denormals, which are slow).
    acts: list[tuple[str, str, Callable[[], nn.Module]]] = [
        ("activation", "relu", lambda: nn.ReLU(inplace=True)), ("activation", "relu6", lambda: nn.ReLU6(inplace=True)),
        ("hard_activation", "hardswish", lambda: nn.Hardswish()), ("hard_activation", "hardsigmoid", lambda: nn.Hardsigmoid()),
        ("exp_activation", "sigmoid", lambda: nn.Sigmoid()), ("exp_activation", "silu", lambda: nn.SiLU()),
    ]  # fmt: skip
    for i, (c, hw) in enumerate(maps + [(72, 1), (960, 1), (16, 112), (40, 28), (120, 14), (2, 1)]):
        for kind, name, make in acts[i % 2 :: 2]:
            add(kind, f"{name} {c} {hw}x{hw}", make, (1, c, hw, hw))
    for k, c, hw in [(3, 24, 112), (3, 8, 112), (3, 48, 56), (3, 24, 56), (3, 240, 28), (3, 480, 14), (2, 64, 56), (3, 16, 112)]:
        add("max_pool", f"maxpool{k}x{k} s2 {c} {hw}x{hw}", functools.partial(nn.MaxPool2d, k, 2, k // 2), (1, c, hw, hw))
        add("avg_pool", f"avgpool{k}x{k} s2 {c} {hw}x{hw}", functools.partial(nn.AvgPool2d, k, 2, k // 2), (1, c, hw, hw))
    for c, hw in [(1024, 7), (72, 56), (480, 14), (120, 28), (960, 7), (16, 112), (1280, 7)]:
        add("global_pool", f"global avgpool {c} {hw}x{hw}", (lambda: nn.AdaptiveAvgPool2d(1)), (1, c, hw, hw))
    for g, c, hw in [(2, 116, 28), (3, 240, 28), (8, 384, 28), (2, 232, 14), (4, 544, 14), (3, 960, 7)]:
        add("shuffle", f"shuffle g{g} {c} {hw}x{hw}", _shuffle(g), (1, c, hw, hw))
    add("view", "identity", nn.Identity, (1, 64, 28, 28))
    add("view", "flatten", nn.Flatten, (1, 1024, 1, 1))
    add("view", "dropout", lambda: nn.Dropout(0.2), (1, 1280))
    for n in (1, 2, 4, 8, 16):
        add("module", f"sequential of {n} identities", functools.partial(_identities, n), (1, 64, 28, 28))
    for op, c, hw in [("add", 24, 56), ("add", 64, 28), ("add", 160, 7), ("add", 16, 112), ("mul", 72, 56), ("mul", 480, 14), ("cat", 58, 28), ("cat", 240, 14), ("cat", 8, 112), ("relu", 240, 28)]:
        add("functional", f"{op} {c} {hw}x{hw}", functools.partial(_Glue, op), (1, c, hw, hw))
    for seed in range(4 if quick else NETWORKS):
        make, shape, label = random_network(seed)
        add("network", label, make, shape)
    if quick:  # every third size of each kind, and every case of the kinds with few
        seen: dict[str, int] = {}
        kept = []
        for case in out:
            seen[case.kind] = seen.get(case.kind, -1) + 1
            if seen[case.kind] % 3 == 0 or sum(o.kind == case.kind for o in out) <= 7:
                kept.append(case)
        return kept
    return out


def calibrate(
    *,
    threads: int | None = None,
    dtype: str = "fp32",
    quick: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    selection: list[Case] | None = None,
    runtime: str = "torch",
    sample_kernels: bool | None = None,
) -> Calibration:
    """Runs the micro-benchmarks on this CPU and fits the cost model.

    Args:
        threads: ``torch.set_num_threads`` for the benchmarks (restored after); None keeps torch's.
        dtype: Element type: fp32, bf16 or fp16.
        quick: About a third of the sizes, fewer runs.
        progress: Called before each benchmark with (label, index, total).
        selection: Run these cases instead of :func:`cases` (tests).
        runtime: ``torch`` (eager) or ``onnxruntime`` (:func:`lwprof.latency.ortcal.calibrate_onnxruntime`:
            kernel detection, then every case exported and timed there).
        sample_kernels: Also time the adaptive kernel sample and fit per-kernel regressors
            (:mod:`lwprof.latency.kernelpred`; default: unless ``selection`` is given).

    Returns:
        The calibration (not saved: :func:`lwprof.api.calibrate` saves it).

    Raises:
        LwprofError: threads out of range, an unsupported dtype or runtime.
    """
    if runtime not in RUNTIMES:
        raise LwprofError(f"unknown runtime {runtime!r}; choose one of: {', '.join(RUNTIMES)}")
    if runtime == "onnxruntime":
        from lwprof.latency import ortcal

        ortcal.check_dtype(dtype)
        return ortcal.calibrate_onnxruntime(threads=threads, quick=quick, progress=progress, selection=selection, sample_kernels=sample_kernels)
    if dtype not in CALIBRATION_DTYPES:
        raise LwprofError(f"calibration measures {', '.join(CALIBRATION_DTYPES)}, not {dtype!r}")
    check_threads(threads)
    todo = selection if selection is not None else cases(quick)
    saved = torch.get_num_threads()
    start = time.perf_counter()
    results = []
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        used = torch.get_num_threads()
        deadline = start + (BUDGET_S / 3 if quick else BUDGET_S)
        with torch.inference_mode():
            for i, case in enumerate(todo):
                if progress:
                    progress(case.label, i, len(todo))
                share = max(0.05, (deadline - time.perf_counter()) / (len(todo) - i))
                results.append(_run(case, CALIBRATION_DTYPES[dtype], BYTES_PER_ELEMENT[dtype], quick, min(1.0, share)))
        if progress:
            progress("fitting", len(todo), len(todo))
    finally:
        torch.set_num_threads(saved)
    kinds = fit_costs(results)
    regressors = {}
    if (selection is None if sample_kernels is None else sample_kernels) and dtype == "fp32":  # the kernel sample is fp32
        from lwprof.latency.kernelpred import sample_and_fit

        regressors = sample_and_fit("torch", threads, quick, progress)
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    cal = Calibration(
        machine_id(), cpu_name(), used, dtype, torch.__version__, kinds, tuple(results), created, 0.0, quick, regressors=regressors,
    )  # fmt: skip
    if regressors:
        from lwprof.latency.kernelpred import held_out_both

        networks = {i: case_row(c, BYTES_PER_ELEMENT[dtype])[2] for i, c in enumerate(todo) if c.kind == "network"}
        held_out, held_kernels, scale = held_out_both(cal, networks)
    else:
        held_out, held_kernels, scale = held_out_ratios(results), (), 1.0
    return dataclasses.replace(cal, held_out=held_out, held_out_kernels=held_kernels, kernel_scale=scale, seconds=time.perf_counter() - start)


def case_row(case: Case, bpe: int) -> tuple[dict[str, float], nn.Module, ModelProfile]:
    """A case's design row (its (kind, feature) totals as "kind.feature" keys), from a walk on meta; with the meta module and profile."""
    with torch.device("meta"):
        meta = case.make()
    profile = walk(meta, case.shape)
    return row_keys(design_row(profile, bpe, in_network=case.kind == "network")), meta, profile


def _run(case: Case, dtype: torch.dtype, bpe: int, quick: bool, budget_s: float = 1.0) -> Benchmark:
    """Profiles one case (its features) and times it (its seconds per call): runs are added
    while the spread is large, until ``budget_s`` of timed runs."""
    row, meta, profile = case_row(case, bpe)
    footprint = max(1, (sum(p.numel() for p in meta.parameters()) + math.prod(case.shape) + (profile.root.activation_elements or 0)) * bpe)
    copies = max(1, min(16, math.ceil(COLD_BYTES / footprint)))
    pairs = []
    generator = torch.Generator().manual_seed(0)
    for _ in range(copies):
        module = case.make().to(dtype).eval()
        pairs.append((module, torch.rand(case.shape, generator=generator).to(dtype)))
    cycle = _cycle(pairs)
    first = next(cycle)
    first[0](first[1])  # warm the kernel and allocator caches
    probe = time.perf_counter()
    for module, x in pairs:
        module(x)
    per_call = max((time.perf_counter() - probe) / len(pairs), 1e-7)
    inner = max(1, round(RUN_S / per_call))

    def run() -> None:
        for _ in range(inner):
            module, x = next(cycle)
            module(x)

    repeats, most = (3, 9) if quick else (7, 35)
    timing = time_call(run, warmup=1, repeats=repeats, max_repeats=most, target_spread=NOISY_SPREAD / 2, budget_s=budget_s)
    return Benchmark(case.kind, case.label, row, timing.median_s / inner, timing.iqr_s / inner, timing.runs, timing.noisy, timing.min_s / inner)


def _cycle(pairs: list[tuple[nn.Module, torch.Tensor]]) -> Iterator[tuple[nn.Module, torch.Tensor]]:
    while True:
        yield from pairs

