"""Timing statistics and the adaptive repeat loop, on a simulated clock (no real timing)."""

from __future__ import annotations

import itertools

import pytest

from lwprof.latency.timing import Timing, time_call


def fake_clock(durations: list[float]):
    """A clock whose successive timed calls take the given durations."""
    now = itertools.count()
    steps = iter(durations)
    state = {"t": 0.0}

    def clock() -> float:
        # Called twice per run: start, then end; advance by the next duration at each end.
        if next(now) % 2:
            state["t"] += next(steps)
        return state["t"]

    return clock


def test_median_and_interquartile_range() -> None:
    t = Timing((0.0100, 0.0101, 0.0102, 0.0103, 0.100))  # one outlier moves neither
    assert t.median_s == pytest.approx(0.0102)
    assert t.iqr_s == pytest.approx(0.0103 - 0.0101)  # inclusive quartiles of 5 runs
    assert not t.noisy and t.warning() == ""


def test_a_noisy_timing_gets_a_warning_with_the_remedy() -> None:
    t = Timing((0.100, 0.300, 0.336, 0.350, 0.600))  # bench ghostnet as once reported: IQR ~ 68% of the median
    assert t.noisy
    assert "is noisy" in t.warning("end to end") and "more --repeats, fewer --threads, or a quieter machine" in t.warning()


def test_time_call_adds_runs_while_noisy_and_stops_when_steady() -> None:
    calls = []
    noisy = [0.010, 0.020, 0.010, 0.020] + [0.015] * 12  # spread 50% at first, then steady
    t = time_call(lambda: calls.append(1), warmup=1, repeats=4, max_repeats=16, clock=fake_clock(noisy))
    assert len(calls) == 1 + t.runs and t.runs > 4 and t.relative_spread <= 0.05


def test_time_call_respects_its_run_limit() -> None:
    durations = [0.010, 0.030] * 20
    t = time_call(lambda: None, warmup=0, repeats=4, max_repeats=8, clock=fake_clock(durations))
    assert t.runs == 8 and t.noisy


def test_time_call_without_adaptation_runs_exactly_repeats() -> None:
    t = time_call(lambda: None, warmup=0, repeats=5, clock=fake_clock([0.01, 0.05, 0.01, 0.05, 0.01]))
    assert t.runs == 5


def test_a_timed_warm_up_runs_until_its_seconds_have_passed_and_announces_only_the_counted_runs() -> None:
    now = {"t": 0.0}

    def clock() -> float:
        return now["t"]

    def run() -> None:
        now["t"] += 0.01  # every run takes 10 ms

    announced: list[int] = []
    t = time_call(run, warmup=2, repeats=3, warmup_s=0.095, clock=clock, on_run=announced.append)
    # 0.095 s of 10 ms runs: the 10th warm-up run ends at 0.100 s, the first past it (2 counted + 8 timed-only)
    assert t.warmup == 10 and t.runs == 3
    assert announced == [0, 1, 2, 3, 4]  # the 2 counted warm-up runs, then the 3 timed ones: a progress total stays true


def test_a_timed_warm_up_is_bounded_by_runs_when_the_clock_stands_still() -> None:
    t = time_call(lambda: None, warmup=0, repeats=2, warmup_s=1.0, clock=lambda: 0.0)
    assert t.warmup == 1000 and t.runs == 2  # timing.WARMUP_MAX_RUNS
