"""``make bench``: lwprof against the other profilers, and its own speed and memory targets.

Writes ``reports/benchmark.md``. Run with ``python -m studies.bench [--quick]``. The peers
(ptflops, thop, torchinfo) come from the ``bench`` extra; a missing one is reported, not fatal.

What it measures, on every zoo model at 224 unless stated:

1. The totals each tool reports (params, and its "MACs"/"FLOPs"), what they include, and who is
   right (lwprof's conv + linear MACs are checked exactly against fvcore and FlopCounterMode by
   the test suite).
2. Time per profile: median of several runs in one process, after a warm-up, on the same CPU
   model instance; lwprof also by name (building the model on ``meta`` included).
3. Peak RSS of one profile of MobileNetV1, each tool in a fresh process.
4. Wall and CPU time (user + system of the process) of ``lwprof --help``, ``lwprof summary
   mobilenet --no-fvcore`` and the default ``lwprof summary mobilenet`` (cross-check on, a cold
   cache: an empty cache folder each run) against a bare ``python -c "import torch"``, all
   interleaved in one run (``python -m studies.bench --cli`` measures these alone); and
   profiling MobileNetV1 at 4096x4096 with batch 256.

Targets (checked here, not in timed unit tests): analytic profile >= 10x faster than the fastest
peer that gives per-layer counts; ``--help`` < 0.3 s; ``summary --no-fvcore`` <= 1.2x the bare
torch import; the default (cross-checked, cold cache) summary <= 1.5x ``--no-fvcore``;
4096x4096 batch 256 < 2 s and < 500 MB.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import torch
from torch import nn

import lwprof
from lwprof.architectures import list_architectures
from studies.studies import table

REPORT = Path("reports") / "benchmark.md"
PYTHON = sys.executable
LWPROF = str(Path(PYTHON).with_name("lwprof"))

# What each tool's default total includes (from its docs and peers.md), for the report.
INCLUDES = {
    "lwprof": "conv + linear multiply-accumulates; BN, activations, pooling reported apart as other ops",
    "FlopCounterMode / 2": "conv + matmul; counts 2 FLOPs per MAC (halved here); BN, ReLU, pooling = 0",
    "fvcore": "MACs + BatchNorm + adaptive avg-pool; calls them 'flops'",
    "ptflops (pytorch)": "MACs + BN, ReLU, pooling, FC bias (module hooks)",
    "ptflops (aten)": "conv + matmul (+ FC bias)",
    "thop": "MACs + BatchNorm; profiles a copy (thop adds buffers to the model)",
    "torchinfo": "'Mult-Adds': conv/linear MACs + BN parameter counts as mult-adds",
}
PER_LAYER = {"fvcore", "ptflops (pytorch)", "thop", "torchinfo", "FlopCounterMode / 2"}


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn()


def tools() -> dict[str, Callable[[nn.Module, tuple[int, ...]], tuple[int | None, int]]]:
    """Every available tool: a function (model, image shape) -> (params or None, total)."""
    out: dict[str, Callable[[nn.Module, tuple[int, ...]], tuple[int | None, int]]] = {}

    def lw(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
        p = lwprof.profile(model, shape)
        return p.params, p.macs

    out["lwprof"] = lw

    def flop_counter(model: nn.Module, shape: tuple[int, ...]) -> tuple[None, int]:
        from torch.utils.flop_counter import FlopCounterMode

        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            model(torch.zeros(1, *shape))
        return None, fc.get_total_flops() // 2

    out["FlopCounterMode / 2"] = flop_counter

    def fvcore_total(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
        from fvcore.nn import FlopCountAnalysis, parameter_count

        a = FlopCountAnalysis(model, torch.zeros(1, *shape)).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        return parameter_count(model)[""], a.total()

    out["fvcore"] = fvcore_total
    try:
        from ptflops import get_model_complexity_info

        def ptflops_backend(backend: str) -> Callable[[nn.Module, tuple[int, ...]], tuple[int, int]]:
            def run(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
                macs, params = get_model_complexity_info(model, shape, as_strings=False, print_per_layer_stat=False, backend=backend)
                return int(params), int(macs)

            return run

        out["ptflops (pytorch)"] = ptflops_backend("pytorch")
        out["ptflops (aten)"] = ptflops_backend("aten")
    except ImportError:
        pass
    try:
        import thop

        def thop_total(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
            macs, params = thop.profile(copy.deepcopy(model), inputs=(torch.zeros(1, *shape),), verbose=False)
            return int(params), int(macs)

        out["thop"] = thop_total
    except ImportError:
        pass
    try:
        import torchinfo

        def torchinfo_total(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
            s = torchinfo.summary(model, input_size=(1, *shape), verbose=0)
            return int(s.total_params), int(s.total_mult_adds)

        out["torchinfo"] = torchinfo_total
    except ImportError:
        pass
    return out


def time_it(fn: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``repeats`` runs after one warm-up."""
    _quiet(fn)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _quiet(fn)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def walls(cmds: list[list[str]], repeats: int = 7, env: dict[str, str] | None = None) -> list[float]:
    """Median wall time of each command (a fresh process each run), runs interleaved (:func:`timings`)."""
    return [wall for wall, _ in timings(cmds, repeats, env)]


def timings(
    cmds: list[list[str]],
    repeats: int = 7,
    env: dict[str, str] | None = None,
    envs: list[Callable[[], dict[str, str]] | None] | None = None,
) -> list[tuple[float, float]]:
    """(median wall seconds, median CPU seconds) of each command, a fresh process each run, runs interleaved.

    Interleaving (a, b, c, a, b, c, ...) spreads this machine's slow phases over every
    command, so their ratios are fair even when single runs vary by +-30%. CPU time is user +
    system of the command's process tree (``RUSAGE_CHILDREN``): on a machine shared with other
    work it varies far less than wall time. ``envs[i]``, when given, makes command i's
    environment afresh for each run (a new cache folder, say).
    """
    import resource

    walls_s: list[list[float]] = [[] for _ in cmds]
    cpus_s: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeats):
        for i, cmd in enumerate(cmds):
            make = envs[i] if envs else None
            run_env = make() if make is not None else env
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env)
            walls_s[i].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus_s[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls_s, cpus_s)]


def compile_bytecode() -> None:
    """lwprof's modules compiled to ``__pycache__``, as an installed package has them (pip compiles on install; an
    editable install writes them on its first run). Where ``PYTHONDONTWRITEBYTECODE`` is set, nothing would write
    them, and every timed run would compile lwprof's ~80 modules from source again (~0.1-0.2 s)."""
    import compileall

    compileall.compile_dir(str(ROOT / "lwprof"), quiet=1)


def cli_times(repeats: int = 7) -> dict[str, tuple[float, float]]:
    """The CLI's start-up measurements, interleaved in one run: each (median wall s, median CPU s).

    ``default (cold)`` runs with an empty cache folder each time (the first run of a model, the
    target); ``default (warm)`` with one that a run before filled; ``import torch (collector
    paused)`` imports torch as lwprof's commands do (Python's garbage collector paused, what
    torch made frozen after: :func:`lwprof.cli.support.quick_imports`), the floor of lwprof's
    own start-up, so the report shows lwprof's cost over torch apart from what that saves.
    """
    compile_bytecode()
    base = {k: v for k, v in os.environ.items() if k not in ("LWPROF_CROSSCHECK_CACHE", "LWPROF_CACHE_DIR")}
    root = Path(tempfile.mkdtemp(prefix="lwprof-bench-cache-"))
    warm = {**base, "LWPROF_CACHE_DIR": str(root / "warm")}
    subprocess.run([LWPROF, "summary", "mobilenet"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=warm)
    runs = iter(range(10**6))

    def cold() -> dict[str, str]:
        return {**base, "LWPROF_CACHE_DIR": str(root / f"cold-{next(runs)}")}

    named: dict[str, tuple[list[str], Callable[[], dict[str, str]] | None]] = {
        "import torch": ([PYTHON, "-c", "import torch"], None),
        "import torch (collector paused)": ([PYTHON, "-c", "import gc; gc.disable(); import torch; gc.freeze(); gc.enable()"], None),
        "--help": ([LWPROF, "--help"], None),
        "--no-fvcore": ([LWPROF, "summary", "mobilenet", "--no-fvcore"], None),
        "default (cold)": ([LWPROF, "summary", "mobilenet"], cold),
        "default (warm)": ([LWPROF, "summary", "mobilenet"], lambda: warm),
    }
    measured = timings([cmd for cmd, _ in named.values()], repeats, base, [make for _, make in named.values()])
    return dict(zip(named, measured))


def cli_targets(t: dict[str, tuple[float, float]]) -> list[tuple[str, str, str, bool]]:
    """The start-up targets' rows: (target, goal, measured, met), judged on wall time, CPU time beside it."""

    def ratio(a: str, b: str) -> str:
        (wa, ca), (wb, cb) = t[a], t[b]
        return f"{wa:.2f} s / {wb:.2f} s = {wa / wb:.2f}x (CPU: {ca:.2f} s / {cb:.2f} s = {ca / cb:.2f}x)"

    (help_wall, _), (torch_wall, _), (summary_wall, _) = t["--help"], t["import torch"], t["--no-fvcore"]
    cold_wall, warm_wall = t["default (cold)"][0], t["default (warm)"][0]
    floor = t["import torch (collector paused)"][0]
    return [
        ("`lwprof --help` wall time", "< 0.3 s", f"{help_wall:.2f} s", help_wall < 0.3),
        (
            "`lwprof summary mobilenet --no-fvcore` / `import torch`",
            "<= 1.2x",
            ratio("--no-fvcore", "import torch") + f"; over `import torch` with the collector paused: {summary_wall / floor:.2f}x",
            summary_wall / torch_wall <= 1.2,
        ),
        (
            "`lwprof summary mobilenet` (cross-check, cold cache) / `--no-fvcore`",
            "<= 1.5x",
            ratio("default (cold)", "--no-fvcore") + f"; cache warm: {warm_wall / summary_wall:.2f}x",
            cold_wall / summary_wall <= 1.5,
        ),
    ]


_RSS_SNIPPET = """
import sys, warnings, io, contextlib
warnings.simplefilter('ignore')
import torch
from lwprof.architectures import get_architecture
from studies.bench import tools
model = get_architecture('mobilenet').build().eval()
name = sys.argv[1]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    if name != 'import torch + build':
        tools()[name](model, (3, 224, 224))
from studies.bench import peak_rss_mb
print(peak_rss_mb())
"""

_BIG_SNIPPET = """
import sys, time
import torch
import lwprof
from studies.bench import peak_rss_mb
size, batch = int(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
p = lwprof.profile('mobilenet', input_size=(3, size, size), batch=batch)
elapsed = time.perf_counter() - start
print(elapsed, peak_rss_mb(), p.macs)
"""


ROOT = Path(__file__).resolve().parent.parent  # the snippets import studies.bench from here


def _snippet(code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([PYTHON, "-c", code, *args], check=True, capture_output=True, text=True, env=env).stdout


def big(size: int, batch: int) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, MACs) of profiling MobileNetV1 at size x size, in a fresh process."""
    out = _snippet(_BIG_SNIPPET, str(size), str(batch)).split()
    return float(out[0]), float(out[1]), int(out[2])


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM).

    Not ``getrusage().ru_maxrss``: on Linux a child started by a large process reports the
    parent's high-water mark there, which made every tool read the same in fresh processes.
    """
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(tool: str) -> float:
    return float(_snippet(_RSS_SNIPPET, tool).strip().splitlines()[-1])


def run(quick: bool = False, progress: Callable[[str], None] = print) -> str:
    """Runs every measurement and returns the Markdown report."""
    repeats = 3 if quick else 7
    available = tools()
    arch_names = [s.name for s in list_architectures()]
    rows_totals: list[list[str]] = []
    rows_time: list[list[str]] = []
    speedups: list[float] = []
    for name in arch_names:
        progress(f"totals and timing: {name}")
        spec = lwprof.architectures.get_architecture(name)
        cfg = spec.configure()
        model = spec.build(cfg).eval()
        shape = spec.input_shape(cfg)
        truth = lwprof.profile(name)
        totals: dict[str, tuple[int | None, int]] = {}
        times: dict[str, float] = {}
        for tool, fn in available.items():
            try:
                totals[tool] = _quiet(lambda: fn(model, shape))
                times[tool] = time_it(lambda: fn(model, shape), repeats)
            except Exception as exc:  # a peer that crashes is a finding, not a benchmark failure
                totals[tool] = (None, -1)
                times[tool] = float("nan")
                progress(f"  {tool} failed on {name}: {type(exc).__name__}: {exc}")
        by_name = time_it(lambda: lwprof.profile(name), repeats)
        for tool, (params, total) in totals.items():
            delta = "" if total < 0 else f"{100 * (total - truth.macs) / truth.macs:+.2f}%"
            rows_totals.append([name, tool, f"{params:,}" if params is not None else "-", f"{total:,}" if total >= 0 else "crashed", delta])
        peers = {t: s for t, s in times.items() if t in PER_LAYER and s == s}
        fastest_peer = min(peers, key=peers.get)
        speedup = peers[fastest_peer] / times["lwprof"]
        speedups.append(speedup)
        rows_time.append(
            [name, f"{1e3 * times['lwprof']:.1f}", f"{1e3 * by_name:.1f}"]
            + [f"{1e3 * times[t]:.1f}" if t in times and times[t] == times[t] else "-" for t in available if t != "lwprof"]
            + [f"{speedup:.1f}x ({fastest_peer})"]
        )
    progress("peak RSS per tool (fresh processes)")
    rss = {tool: rss_mb(tool) for tool in ["import torch + build", *available]}
    progress("CLI wall and CPU times")
    cli = cli_targets(cli_times(repeats))
    progress("2048x2048 batch 64, 4096x4096 batch 256")
    mid_s, mid_mb, _ = big(2048, 64)
    big_s, big_mb, big_macs = big(4096, 256)

    min_speedup = min(speedups)
    targets = [
        ("analytic profile vs fastest per-layer peer", ">= 10x", f"{min_speedup:.1f}x (worst model), {statistics.median(speedups):.1f}x median", min_speedup >= 10),
        *cli,
        ("MobileNetV1 at 2048x2048, batch 64: peak RSS (issue 4)", "< 500 MB", f"{mid_mb:.0f} MB ({mid_s:.2f} s)", mid_mb < 500),
        ("MobileNetV1 at 4096x4096, batch 256: time", "< 2 s", f"{big_s:.2f} s", big_s < 2),
        ("MobileNetV1 at 4096x4096, batch 256: peak RSS", "< 500 MB", f"{big_mb:.0f} MB", big_mb < 500),
    ]
    return _markdown(available, rows_totals, rows_time, rss, targets, repeats, big_macs)


def _markdown(available: dict[str, Any], totals: list[list[str]], times: list[list[str]], rss: dict[str, float], targets: list[tuple[str, str, str, bool]], repeats: int, big_macs: int) -> str:
    versions = {"torch": torch.__version__}
    from importlib.metadata import PackageNotFoundError, version

    for mod in ("fvcore", "ptflops", "thop", "torchinfo"):
        try:
            versions[mod] = version(mod)
        except PackageNotFoundError:
            versions[mod] = "not installed"
    lines = [
        "# Benchmark: lwprof against the other profilers",
        "",
        "Generated by `make bench` (`python -m studies.bench`). Machine: "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f". Times are medians of {repeats} runs after a warm-up, in one process; this machine is noisy (+-30%).",
        "",
        "## Targets",
        "",
        table(["target", "goal", "measured", "met"], [[a, b, c, "yes" if ok else "**no**"] for a, b, c, ok in targets]),
        "",
        "## Totals: same model, different answers",
        "",
        "lwprof's MACs are the reference (exact conv + linear multiply-accumulates, agreeing layer by layer with fvcore's and "
        "FlopCounterMode's conv/matmul counts in the test suite); the last column is each tool's default total against them. "
        "What each includes:",
        "",
        *[f"- **{k}**: {v}" for k, v in INCLUDES.items() if k in available],
        "",
        table(["model", "tool", "params", "total reported", "vs lwprof MACs"], totals),
        "",
        "## Time per profile (ms)",
        "",
        "Same CPU model instance for every tool; 'lwprof (by name)' also builds the model (on `meta`). The speed-up is "
        "against the fastest peer that gives per-layer counts.",
        "",
        table(["model", "lwprof", "lwprof (by name)", *[t for t in available if t != "lwprof"], "speed-up"], times),
        "",
        "Why the 10x target is missed: every tool here, lwprof included, has to run the model's Python `forward` to "
        "see its graph; the arithmetic afterwards is free (peers.md: 0.1 ms over a captured graph). The peers run that "
        "forward on real CPU tensors (tens of ms at 224 on two cores); lwprof runs it on `meta` tensors so that any input "
        "size costs the same and no activation memory (see the 4096x4096 target), and pays instead for a Python dispatch "
        "hook on every remaining aten op and for module hooks on every layer. Already done: "
        "lwprof computes the output shapes of the common ops itself (PyTorch's Python meta kernels cost ~2 ms per "
        "BatchNorm and import sympy and dynamo on first use, ~2 s), stands each conv/linear/BN/activation/pool layer's "
        "formula output in for its forward during the walk, avoids pytree on the hot path, and aggregates parents "
        "in one pass. A 10x margin would need a graph captured once and reused (e.g. across batch sizes and "
        "resolutions), which is future work. At large inputs the picture reverses: the peers' real forward grows with the "
        "input (and runs out of memory), lwprof's does not.",
        "",
        "## Peak RSS profiling MobileNetV1-224 (MB, fresh process each)",
        "",
        table(["tool", "peak RSS (MB)"], [[k, f"{v:.0f}"] for k, v in rss.items()]),
        "",
        f"Profiling MobileNetV1 at 4096x4096 with batch 256 ({big_macs:,} MACs) runs on `meta` tensors: no activation is allocated.",
        "",
        "## Where the CLI's time goes",
        "",
        "`lwprof --help` imports neither torch nor fvcore; its time is Python start-up, Typer and rich (rich's Markdown "
        "renderer is no longer used: `--help` is plain text from lwprof/cli/helptext.py). `lwprof summary mobilenet "
        "--no-fvcore` = `import torch` + parsing the options (lwprof reads plain values itself, so Typer 0.29's Pydantic "
        "adapters, ~0.25 s, are never imported: lwprof/cli/support.py `_PlainValue`) + lwprof's own imports (~0.1 s), "
        "model build and profile (~30 ms) + rendering the 126-row table with rich (~50 ms). A bare `import torch` spends "
        "~0.15 s in Python's garbage collector, and the full collections after it (which scan every object torch made) "
        "cost a CLI another ~0.3 s: lwprof imports torch with the collector paused and freezes what it made "
        "(`gc.freeze`, lwprof/cli/support.py `quick_imports`), so the summary can start faster than the bare import. "
        "The default `summary` cross-checks with fvcore and FlopCounterMode (two real forward passes, ~0.3 s): torch's "
        "FlopCounterMode would import dynamo and sympy on its first op (~1 s); lwprof's counter runs the same dispatch "
        "without that shim (lwprof/counting/crosscheck.py `flop_counter`). Their counts are cached per walked "
        "structure and input, so a second run costs about what `--no-fvcore` does. lwprof's modules are compiled to "
        "bytecode before the timing (as an installed package has them). Measured with cProfile, `python -X importtime` "
        "and `gc.callbacks`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--output", default=str(REPORT), help="Markdown report path")
    parser.add_argument("--json", action="store_true", help="also print the targets as JSON")
    parser.add_argument("--cli", action="store_true", help="only the CLI's start-up targets (printed, no report written)")
    args = parser.parse_args(argv)
    if args.cli:
        print(table(["target", "goal", "measured", "met"], [[a, b, c, "yes" if ok else "**no**"] for a, b, c, ok in cli_targets(cli_times(3 if args.quick else 7))]))
        return
    text = run(quick=args.quick, progress=lambda m: print(m, file=sys.stderr))
    from lwprof.render.export import write_atomic

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, text, force=True)
    print(text)
    if args.json:
        print(json.dumps({"report": args.output}))


if __name__ == "__main__":
    main()
