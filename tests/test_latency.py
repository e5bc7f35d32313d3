"""Measured latency: structure and bookkeeping, and what noisy timings say, on a simulated clock
(no timing thresholds on real runs: those live in make bench)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lwprof.errors import LwprofError
from lwprof.latency.measure import latency_result, measure
from lwprof.latency.timing import Timing
from lwprof.render import measure_grids

__all__: list[str] = []


def stepping_clock(steps: list[float]):
    """A clock that moves on by the next of ``steps`` (cycled) at every reading."""
    t = 0.0
    cycle = itertools.cycle(steps)

    def clock() -> float:
        nonlocal t
        t += next(cycle)
        return t

    return clock


def test_measure_reports_every_leaf_with_ranks_and_restores_threads():
    before = torch.get_num_threads()
    calls = []
    r = measure("mobilenet", resolution=64, warmup=1, repeats=3, max_repeats=3, threads=1, progress=lambda label, i, n: calls.append((i + 1, n)))
    assert torch.get_num_threads() == before
    assert r.threads == 1 and len(r.times_s) == 3 and r.median_s > 0 and r.repeats == 3
    assert calls[-1] == (7, 7)  # 1 warm-up + 3 end-to-end + 3 per-layer passes
    names = [t.name for t in r.layers]
    assert names == [leaf.name for leaf in r.profile.leaves()]
    assert sorted(t.rank_time for t in r.layers) == list(range(1, len(names) + 1))
    assert sorted(t.rank_macs for t in r.layers) == list(range(1, len(names) + 1))
    assert sum(t.share for t in r.layers) == pytest.approx(1.0)
    assert sum(t.macs for t in r.layers) == r.profile.macs
    assert all(len(t.times_s) == 3 and t.timing.median_s == t.median_s for t in r.layers)
    top = min(r.layers, key=lambda t: t.rank_macs)
    assert top.macs == max(t.macs for t in r.layers)
    d = r.to_dict()
    assert d["macs"] == r.profile.macs and len(d["layers"]) == len(names)
    assert {"median_s", "spread_s", "times_s", "iqr_s", "noisy", "layers_sum_s", "warnings"} <= set(d)
    times = d["layers"][0]["times_s"]
    assert len(times) == 3 and 0 <= d["layers"][0]["iqr_s"] <= max(times) - min(times)  # quartiles lie within the runs


def test_measure_on_a_steady_simulated_clock():
    r = measure("mobilenet", resolution=32, warmup=0, repeats=4, clock=stepping_clock([0.002]))
    assert r.times_s == pytest.approx((0.002,) * 4)  # steady: no extra runs
    assert not r.timing.noisy
    assert all(t.median_s == pytest.approx(0.002) and t.iqr_s == pytest.approx(0.0) for t in r.layers)  # one step per hook
    # 84 leaves x 2 ms is far from the 2 ms end to end: the one thing this simulation gets wrong is said.
    (warning,) = r.warnings()
    assert warning.startswith(f"the per-layer times add up to {len(r.layers) * 2} ms, {len(r.layers):.2f}x the end-to-end median 2.00 ms")


def test_noisy_end_to_end_runs_get_more_runs_then_a_warning():
    # Every third reading jumps: the end-to-end runs take 1, 1, 9, 1, 1, 9 ... ms and stay noisy.
    r = measure("mobilenet", resolution=32, warmup=0, repeats=4, max_repeats=12, per_layer=False, clock=stepping_clock([0.001, 0.001, 0.009]))
    assert r.repeats == 12 and r.timing.noisy  # adaptive timing added runs up to the limit
    (warning,) = r.warnings()
    assert "the end-to-end time is noisy" in warning and "more --repeats, fewer --threads, or a quieter machine" in warning
    notes = [n.text for n in measure_grids.latency_notes(r)]
    assert any(n.startswith("Warning: the end-to-end time is noisy") for n in notes)


def test_per_layer_sum_far_from_end_to_end_is_flagged():
    p = measure("mobilenet", resolution=32, warmup=0, repeats=2, max_repeats=2, per_layer=False).profile
    leaves = [r.name for r in p.leaves()]
    steady = Timing((0.010, 0.010, 0.010))
    ok = latency_result(p, steady, {name: (0.010 / len(leaves),) * 3 for name in leaves}, 1)
    assert ok.warnings() == [] and ok.layers_sum_s == pytest.approx(0.010)
    far = latency_result(p, steady, {name: (0.030 / len(leaves),) * 3 for name in leaves}, 1)
    (warning,) = far.warnings()
    assert "add up to 30.0 ms, 3.00x the end-to-end median 10.0 ms" in warning


def test_measure_rejects_bad_settings():
    with pytest.raises(LwprofError):
        measure("mobilenet", repeats=0)
    with pytest.raises(LwprofError):
        measure("mobilenet", threads=0)
    with pytest.raises(LwprofError, match="max_repeats"):
        measure("mobilenet", repeats=5, max_repeats=2)


_EXITS = """
import lwprof
from lwprof.errors import LwprofError
for runtime in ("torch", "onnxruntime"):
    for name in ("OsExitAfterProfiling", "SysExitAfterProfiling"):
        try:
            lwprof.measure(f"tests/data/hostile.py:{name}", repeats=1, warmup=0, runtime=runtime)
        except LwprofError as exc:
            print(runtime, exc)
print("still running")
"""


def test_an_exit_in_the_timed_runs_is_an_error_not_the_end_of_the_caller() -> None:
    # the hostile models run once (the profile's forward) and exit from their second call, the
    # first timed run (or, for onnxruntime, the export's trace): os._exit(11), sys.exit(12).
    # In a child process: without the guard os._exit ends it (exit 11) and prints nothing more.
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _EXITS], capture_output=True, text=True, timeout=300, cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    said = "; lwprof stopped it and wrote nothing"
    assert done.stdout.splitlines() == [
        f"torch the model called os._exit(11){said}",
        f"torch the model called sys.exit(12){said}",
        f"onnxruntime the model called os._exit(11){said}",
        f"onnxruntime the model called sys.exit(12){said}",
        "still running",
    ]
