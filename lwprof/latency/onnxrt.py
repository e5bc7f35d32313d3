"""Latency on ONNX Runtime: the model exported, run end to end, and timed per kernel.

Lightweight CNNs ship through a runtime, and ONNX Runtime is the CPU runtime that installs from
pip. Its graph optimisations fuse layers (Conv+BatchNorm is folded by the exporter; Conv+ReLU,
Conv+Add+ReLU, Gemm+activation are fused by the runtime) and change the memory layout (NCHWc
on x86), so one PyTorch layer is not one unit of work there. nn-Meter (Zhang et al., MobiSys
2021) calls the runtime's unit of execution a *kernel*; this module times kernels:

* :func:`export_onnx` exports the resolved model with ``torch.onnx.export(..., dynamo=False,
  opset_version=17)``; a model that does not export is one line naming the reason;
* the end-to-end runs use a plain session (no profiler), timed like ``bench`` times eager;
* the per-kernel runs use a second session with ``enable_profiling``: ONNX Runtime writes one
  ``*_kernel_time`` event per executed node and run into its JSON trace;
* :func:`kernel_groups` maps each executed node of the optimised graph back to the exported
  nodes it covers (a fused node is named after the last node it absorbed: the group is found by
  walking the exported graph back from that node to the fused node's own operator), and each
  exported node to the module that ran it through the exporter's scope names
  (``/features/features.3/conv/conv.0/Conv``). Layout conversions (``ReorderInput`` /
  ``ReorderOutput``) cover no layer and are shown as their own group.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lwprof.errors import LwprofError
from lwprof.latency.timing import Timing, check_threads, time_call, warm_up

__all__ = ["INSTALL", "KernelGroup", "OrtRun", "export_onnx", "kernel_groups", "kernel_times", "module_of", "require", "run_onnxruntime"]

INSTALL = "pip install 'lwprof[onnx]'"
LAYOUT = "(layout)"  # the group name of layout conversions, which run no layer
OPSET = 17
WARMUP_S = 0.25  # a fresh session warms up for at least this long too (its first 10-20 runs are slower: timing.time_call)
_FUSED_HEAD = {"FusedConv": "Conv", "FusedGemm": "Gemm", "NhwcFusedConv": "Conv", "QLinearConv": "Conv"}


def require() -> Any:
    """``onnxruntime``, imported; one line with the install command when it is missing.

    Raises:
        LwprofError: onnxruntime (or onnx) is not installed.
    """
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError as exc:
        raise LwprofError(f"--runtime onnxruntime needs the ONNX extra ({exc.name} is not installed): {INSTALL}") from None
    return onnxruntime


def export_onnx(model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], path: str | os.PathLike[str], label: str = "the model") -> None:
    """Exports ``model(*args, **kwargs)`` to ``path`` with the TorchScript-based exporter.

    Raises:
        LwprofError: The model does not export (the exporter's reason, first line, named).
    """
    import torch

    try:
        with warnings.catch_warnings(), _quiet_fds():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, args, str(path), kwargs=dict(kwargs) or None, dynamo=False, opset_version=OPSET)
    except Exception as exc:  # the exporter raises many types; all mean "does not export"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        op = re.search(r"(aten::\w+|operator '?\w+'?)", str(exc))
        what = f" ({op.group(1)})" if op and op.group(1) not in first else ""
        raise LwprofError(f"{label} does not export to ONNX{what}: {first[:200]}; time it with --runtime torch") from None


@contextlib.contextmanager
def _quiet_fds() -> Iterator[None]:
    """Standard output and error at the file-descriptor level sent away (the exporter prints its IR graph from C++)."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@dataclass(frozen=True)
class KernelGroup:
    """One executed node of the optimised graph and what it ran.

    Attributes:
        kernel: The node's name in the optimised graph (ONNX Runtime's profiler names it so).
        op: Its operator (``Conv``, ``FusedConv``, ``ReorderInput``, ...).
        nodes: The exported graph's nodes it covers, in graph order (empty for layout work).
        modules: The modules that ran those nodes (qualified names, in order, without repeats).
    """

    kernel: str
    op: str
    nodes: tuple[str, ...]
    modules: tuple[str, ...]

    @property
    def label(self) -> str:
        """The operators it fused, e.g. ``Conv+Relu`` (the layout group: ``(layout)``)."""
        return "+".join(self.ops) if self.nodes else LAYOUT

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(n.rsplit("/", 1)[-1].split("_")[0] for n in self.nodes)


def module_of(node_name: str, modules: Iterable[str]) -> str:
    """The qualified name of the module whose scope an exported node's name carries.

    The exporter writes each scope as the module's name in its parent, with a container's
    children as ``parent.index`` (``/features/features.3/conv/conv.0/Conv`` is the Conv of
    ``features.3.conv.0``). Unknown pieces stop the walk: the deepest known module is returned
    ("" for the model itself).
    """
    known = set(modules)
    parts = [p for p in node_name.split("/") if p][:-1]
    current, previous = "", ""
    for part in parts:
        options = [part]
        if previous and part.startswith(previous + "."):
            options.insert(0, part[len(previous) + 1 :])
        for piece in options:
            candidate = f"{current}.{piece}" if current else piece
            if candidate in known:
                current = candidate
                break
        else:
            return current
        previous = part
    return current


def kernel_groups(original: Any, optimised: Any, modules: Iterable[str]) -> dict[str, KernelGroup]:
    """Per node of the optimised graph, the exported nodes and modules it runs.

    Args:
        original: The exported ``onnx.ModelProto``.
        optimised: The same model as ONNX Runtime optimised it (``optimized_model_filepath``).
        modules: The model's module names (``named_modules``), to resolve scopes.
    """
    names = list(modules)
    producer: dict[str, Any] = {}
    order: dict[str, int] = {}
    for i, node in enumerate(original.graph.node):
        order[node.name] = i
        for tensor in node.output:
            producer[tensor] = node
    by_name = {n.name: n for n in original.graph.node}
    out: dict[str, KernelGroup] = {}
    for node in optimised.graph.node:
        if node.name in by_name:
            covered = [node.name]
        else:
            covered = _absorbed(node, producer)
        covered = sorted(set(covered), key=lambda n: order.get(n, 0))
        mods = tuple(dict.fromkeys(module_of(n, names) for n in covered))
        out[node.name] = KernelGroup(node.name, node.op_type, tuple(covered), mods)
    return out


def _absorbed(node: Any, producer: Mapping[str, Any]) -> list[str]:
    """The exported nodes a fused node covers: from the producer of its output back to its head."""
    head = _FUSED_HEAD.get(node.op_type, node.op_type)
    # NCHWc nodes are named after the exported tensor they compute; other fused nodes keep it as output
    for out in (node.name, *node.output):
        start = producer.get(re.sub(r"_nchwc$", "", out))
        if start is None:
            continue
        chain = _back_to(start, head, producer, depth=4)
        if chain:
            return chain
    return []


def _back_to(node: Any, head: str, producer: Mapping[str, Any], depth: int) -> list[str]:
    if node.op_type == head:
        return [node.name]
    if depth == 0:
        return []
    for name in node.input:
        up = producer.get(name)
        if up is not None:
            chain = _back_to(up, head, producer, depth - 1)
            if chain:
                return [*chain, node.name]
    return []


def kernel_times(events: Sequence[Mapping[str, Any]]) -> dict[str, tuple[float, ...]]:
    """Seconds per run for every executed node, from ONNX Runtime's profiling trace.

    Each ``model_run`` session event delimits one run; the ``*_kernel_time`` node events inside
    it are added up per node (a node executed twice in a run counts twice). Runs are in order.
    """
    runs = sorted((e["ts"], e["ts"] + e["dur"]) for e in events if e.get("cat") == "Session" and e.get("name") == "model_run")
    per_run: list[dict[str, float]] = [{} for _ in runs]
    for e in events:
        name = str(e.get("name", ""))
        if e.get("cat") != "Node" or not name.endswith("_kernel_time"):
            continue
        ts = e["ts"]
        for i, (start, end) in enumerate(runs):
            if start <= ts <= end:
                node = name[: -len("_kernel_time")]
                per_run[i][node] = per_run[i].get(node, 0.0) + e["dur"] * 1e-6
                break
    nodes = list(dict.fromkeys(n for run in per_run for n in run))
    return {n: tuple(run.get(n, 0.0) for run in per_run) for n in nodes}


@dataclass(frozen=True)
class OrtRun:
    """What one ONNX Runtime measurement found.

    Attributes:
        end_to_end: The end-to-end runs (no profiler attached).
        kernels: Per executed node of the optimised graph, its group and its seconds per run.
        version: ``onnxruntime.__version__``.
        optimisation: The graph optimisation level used.
        threads: Intra-op threads of the sessions.
        exported_nodes: Nodes in the exported graph.
        export_s: Seconds the export took.
    """

    end_to_end: Timing
    kernels: tuple[tuple[KernelGroup, tuple[float, ...]], ...]
    version: str
    optimisation: str
    threads: int
    exported_nodes: int
    export_s: float


def run_onnxruntime(
    model: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    warmup: int = 5,
    repeats: int = 20,
    max_repeats: int | None = None,
    budget_s: float = float("inf"),
    threads: int | None = None,
    per_kernel: bool = True,
    label: str = "the model",
    clock: Callable[[], float] = time.perf_counter,
    on_run: Callable[[str], None] | None = None,
) -> OrtRun:
    """Exports ``model`` and times it on ONNX Runtime's CPU provider.

    Args:
        model: The model, on the CPU, in eval mode.
        args: Positional inputs (CPU tensors).
        kwargs: Keyword inputs.
        warmup: Untimed runs before each timed series.
        repeats: Timed end-to-end runs at least (and per-kernel profiled runs).
        max_repeats: End-to-end runs at most (adaptive, as :func:`~lwprof.latency.timing.time_call`).
        budget_s: Seconds of end-to-end runs after which no runs are added.
        threads: Intra-op threads (None: ONNX Runtime's default, one per core).
        per_kernel: Also run the profiled session.
        label: How errors name the model.
        clock: The clock for the end-to-end runs.
        on_run: Called with the phase before every run.

    Raises:
        LwprofError: onnxruntime missing, the model does not export, or threads out of range.
    """
    ort = require()
    import onnx

    check_threads(threads)
    names = [n for n, _ in model.named_modules()]
    with tempfile.TemporaryDirectory(prefix="lwprof-ort-") as tmp:
        path = Path(tmp) / "model.onnx"
        start = time.perf_counter()
        export_onnx(model, args, kwargs, path, label)
        export_s = time.perf_counter() - start
        original = onnx.load(str(path))
        feeds = _feeds(original, args, kwargs)
        options = _options(ort, threads)
        session = _session(ort, path, options, label)
        used = int(options.intra_op_num_threads) or (os.cpu_count() or 1)

        def tick(phase: str) -> Callable[[int], None]:
            return lambda i: on_run(phase if i >= warmup else "warm-up") if on_run else None

        end_to_end = time_call(
            lambda: session.run(None, feeds), warmup=warmup, repeats=repeats, max_repeats=max_repeats, budget_s=budget_s,
            clock=clock, on_run=tick("end to end"), warmup_s=WARMUP_S,
        )  # fmt: skip
        kernels: tuple[tuple[KernelGroup, tuple[float, ...]], ...] = ()
        if per_kernel:
            profiled = _options(ort, threads)
            profiled.enable_profiling = True
            profiled.profile_file_prefix = str(Path(tmp) / "trace")
            profiled.optimized_model_filepath = str(Path(tmp) / "optimised.onnx")
            traced = _session(ort, path, profiled, label)
            warmed = warm_up(lambda: traced.run(None, feeds), warmup, WARMUP_S, on_run=(lambda i: on_run("warm-up")) if on_run else None)
            for _ in range(repeats):
                if on_run:
                    on_run("per kernel")
                traced.run(None, feeds)
            trace = json.loads(Path(traced.end_profiling()).read_text())
            times = {k: v[warmed:] for k, v in kernel_times(trace).items()}  # the warm-up runs dropped
            groups = kernel_groups(original, onnx.load(profiled.optimized_model_filepath), names)
            kernels = tuple((groups.get(k) or KernelGroup(k, "?", (), ()), v) for k, v in times.items())
    return OrtRun(end_to_end, kernels, ort.__version__, "ORT_ENABLE_ALL (the default)", used, len(original.graph.node), export_s)


def _options(ort: Any, threads: int | None) -> Any:
    options = ort.SessionOptions()
    options.log_severity_level = 3  # no optimiser chatter on stderr
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return options


def _session(ort: Any, path: Path, options: Any, label: str) -> Any:
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise LwprofError(f"ONNX Runtime cannot load {label} as exported: {first[:200]}; time it with --runtime torch") from None


def _feeds(model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    import torch

    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
    inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    if len(inputs) != len(tensors):
        raise LwprofError(f"the exported graph takes {len(inputs)} inputs but the model was given {len(tensors)} tensors; time it with --runtime torch")
    return {name: t.detach().cpu().numpy() for name, t in zip(inputs, tensors)}


def kernel_rows(run: OrtRun, analytic: Any) -> tuple[list[tuple[str, str, str, int, tuple[float, ...]]], list[str], dict[str, tuple[str, ...]]]:
    """One row per kernel (layout conversions added up into one), mapped onto the profile's layers.

    Each row is (name, type, category, MACs, seconds per run): the name lists the modules the
    kernel ran (``features.1.{0,1,2}``), the type its fused operators (``Conv+Relu``), the
    category the first layer's category, the MACs those layers' analytic MACs. A leaf the export
    removed (BatchNorm folded into its convolution, Dropout, Identity) is credited to the kernel
    of the leaf that ran just before it, and said in the returned notes.

    Returns:
        The rows, in execution order, notes, and each row's modules (by row name: the leaves it ran, folded ones included).
    """
    leaves = [r for r in analytic.leaves() if r.calls]
    position = {r.name: j for j, r in enumerate(leaves)}  # execution order of the leaves
    records = {r.name: r for r in analytic.layers}
    owner: dict[str, int] = {}
    for i, (group, _) in enumerate(run.kernels):
        for m in group.modules:
            owner.setdefault(m, i)
    folded: dict[int, list[str]] = {}
    previous: int | None = None
    removed: list[str] = []
    for r in leaves:
        if r.name in owner:
            previous = owner[r.name]
        elif previous is not None:
            folded.setdefault(previous, []).append(r.name)
            removed.append(r.type)
    rows: list[tuple[str, str, str, int, tuple[float, ...]]] = []
    members: dict[str, tuple[str, ...]] = {}
    layout: list[tuple[float, ...]] = []
    seen: dict[str, int] = {}
    for i, (group, times) in enumerate(run.kernels):
        if not group.nodes:
            layout.append(times)
            continue
        mods = [m for m in group.modules if owner.get(m) == i] + folded.get(i, [])
        mods = sorted(dict.fromkeys(mods), key=lambda m: position.get(m, len(leaves)))
        if not mods:  # a kernel whose module another kernel already shows (e.g. a second op of one module)
            mods = list(group.modules[:1])
        leaf_macs = sum(records[m].macs for m in mods if m in records and records[m].is_leaf)
        first = records.get(mods[0]) if mods else None
        category = first.category if first is not None and first.is_leaf else group.label
        name = _names(mods) or "(model)"
        if first is None or not first.is_leaf:
            name = f"{name} ({group.label})"  # an op the module's own forward ran (an add, a concat)
        seen[name] = seen.get(name, 0) + 1
        shown = name if seen[name] == 1 else f"{name} #{seen[name]}"
        rows.append((shown, group.label, category, leaf_macs, times))
        members[shown] = tuple(m for m in mods if m in records and records[m].is_leaf)
    if layout:
        runs = len(layout[0])
        rows.append((LAYOUT, f"Reorder x{len(layout)}", LAYOUT, 0, tuple(sum(t[k] for t in layout) for k in range(runs))))
    notes = []
    if removed:
        counts = {t: removed.count(t) for t in dict.fromkeys(removed)}
        notes.append(
            "removed by the export and credited to the kernel before them: " + ", ".join(f"{n} {t}" for t, n in counts.items())
            + " (BatchNorm is folded into the preceding convolution)"
        )
    if layout:
        notes.append(f"{LAYOUT}: {len(layout)} layout conversions (NCHW <-> NCHWc) that run no layer")
    return rows, notes, members


def _names(modules: Sequence[str]) -> str:
    """``features.1.0`` + ``features.1.2`` -> ``features.1.{0,2}``; unrelated names joined with ``+``."""
    if len(modules) <= 1:
        return "".join(modules)
    parents = {m.rpartition(".")[0] for m in modules}
    if len(parents) == 1 and next(iter(parents)):
        parent = next(iter(parents))
        return f"{parent}.{{{','.join(m.rpartition('.')[2] for m in modules)}}}"
    return "+".join(modules)
