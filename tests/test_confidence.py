"""A confidence on every prediction: held-out networks give an interval and a grade; digits follow the interval."""

from __future__ import annotations

import dataclasses
import json

import pytest

from lwprof.errors import LwprofError
from lwprof.latency import costmodel
from lwprof.latency.costmodel import Benchmark, Calibration, held_out_ratios
from lwprof.latency.fit import Budgets, Candidate, FitResult
from lwprof.latency.predict import predict_profile
from lwprof.render.predict_grids import interval_text, ms_text
from tests.data.fake_calibration import make_calibration


def _graded(held_out: tuple[float, ...], noisy: int = 0, total: int = 10) -> Calibration:
    benches = tuple(Benchmark("conv1x1", f"b{i}", {}, 1e-3, noisy=i < noisy) for i in range(total))
    return dataclasses.replace(make_calibration(), benchmarks=benches, held_out=held_out)


def test_interval_is_the_10th_to_90th_percentile_of_the_held_out_ratios() -> None:
    # five ratios 0.8 .. 1.2; inclusive deciles sit at positions 0.4 k of the sorted list:
    # q1 = 0.8 + 0.4 x 0.1 = 0.84, q9 = 1.1 + 0.6 x 0.1 = 1.16 -> reach 16%: "fair"
    cal = _graded((1.2, 0.8, 1.0, 0.9, 1.1))
    low, high = cal.interval()
    assert (low, high) == (pytest.approx(0.84), pytest.approx(1.16))
    assert cal.grade() == "fair"


@pytest.mark.parametrize(
    ("held_out", "noisy", "grade"),
    [
        ((0.97, 1.0, 1.02, 1.05), 0, "good"),  # q1 0.979, q9 1.041: within +-10%
        ((0.97, 1.0, 1.02, 1.05), 3, "fair"),  # the same, with 3 of 10 benchmarks noisy (over a quarter)
        ((0.5, 1.0, 1.5, 2.0), 0, "poor"),  # q1 0.65: 35% below
        ((1.3, 1.35, 1.4, 1.45), 0, "poor"),  # narrow, but every held-out network ran 30-45% slower than predicted
        ((1.0, 1.0, 1.0), 0, "ungraded"),  # fewer than MIN_HELD_OUT networks
        ((), 0, "ungraded"),  # a calibration made before lwprof kept held-out networks
    ],
)
def test_grade(held_out: tuple[float, ...], noisy: int, grade: str) -> None:
    assert _graded(held_out, noisy).grade() == grade


def test_a_prediction_carries_its_interval_and_grade() -> None:
    import lwprof

    cal = _graded((0.8, 0.9, 1.0, 1.1, 1.2))
    pred = predict_profile(lwprof.profile("mobilenet", crosscheck=False), cal)
    assert pred.interval_s == (pytest.approx(pred.total_s * 0.84), pytest.approx(pred.total_s * 1.16))
    assert pred.grade == "fair" and pred.covers(pred.total_s) and not pred.covers(pred.total_s * 1.2)
    data = pred.to_dict()
    assert data["grade"] == "fair" and data["nominal"] == 0.8 and data["interval_s"] == list(pred.interval_s)
    ungraded = predict_profile(lwprof.profile("mobilenet", crosscheck=False), make_calibration())
    assert ungraded.interval_s is None and ungraded.covers(1.0) is None
    assert "no interval" in interval_text(ungraded)


@pytest.mark.parametrize(
    ("seconds", "interval", "text"),
    [
        (0.0123, None, "12.3"),  # no interval: 3 significant digits
        (0.0123, (0.0120, 0.0126), "12.3"),  # +-2.4%: 3
        (0.0123, (0.0110, 0.0140), "12"),  # +-14%: 2
        (0.0723, (0.134, 0.695), "70"),  # the interval reaches 9.6x: 1
        (0.00082, (0.0007, 0.0009), "0.82"),
    ],
)
def test_digits_follow_the_interval(seconds: float, interval: tuple[float, float] | None, text: str) -> None:
    assert ms_text(seconds, interval) == text


def test_an_intervals_ends_take_the_predictions_decimal_place() -> None:
    # 18.4 ms with factors 0.93 / 1.17: 17.1-21.5 ms, +-17% -> 2 significant digits at 18 -> whole ms: 17-22
    interval = (0.0184 * 0.93, 0.0184 * 1.17)
    assert [ms_text(t, interval, like=0.0184) for t in (0.0184, *interval)] == ["18", "17", "22"]


def test_held_out_file_field_round_trips_and_is_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cal = _graded((0.9, 1.0, 1.1, 1.2))
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again.held_out == (0.9, 1.0, 1.1, 1.2) and again.grade() == cal.grade()
    for bad, message in [(-1.0, "must not be negative"), (0.0, "must be a positive ratio"), (True, "must be a number"), ("1", "must be a number")]:
        data = cal.to_dict()
        data["held_out"] = [1.0, bad]
        with pytest.raises(LwprofError, match=rf"held_out\[1\] {message}.*lwprof calibrate"):
            Calibration.from_dict(data)
    data = cal.to_dict()
    data["held_out"] = {"a": 1}
    with pytest.raises(LwprofError, match="held_out must be a list"):
        Calibration.from_dict(data)
    assert "grade" not in cal.to_dict()  # derived, never stored


def test_held_out_ratios_are_one_when_the_timings_are_the_cost_model_itself() -> None:
    # Every benchmark's time made exactly by known coefficients (the fake calibration's, with an
    # in-network extra per call): a fit without any one network predicts it exactly.
    from lwprof.latency import calibrate as cal_mod

    truth = make_calibration(network={"calls": 4e-6, "bytes": 5e-11})
    benches = []
    for case in cal_mod.cases(quick=True):
        row, _, _ = cal_mod.case_row(case, 4)
        bench = Benchmark(case.kind, case.label, row, 0.0)
        benches.append(dataclasses.replace(bench, median_s=costmodel.benchmark_seconds(bench, truth.kinds)))
    ratios = held_out_ratios(benches)
    assert len(ratios) == 4 and all(r == pytest.approx(1.0, rel=1e-3) for r in ratios)


def _result(objective: str, latencies: list[float], best: int, factors: tuple[float, float] | None, max_latency_s: float | None = None) -> FitResult:
    candidates = tuple(Candidate(f"c{i}", {}, f"m@c={i}", 1, 1, t) for i, t in enumerate(latencies))
    calibration = {"interval_factors": list(factors) if factors else None, "nominal": 0.8, "grade": "fair"}
    return FitResult("m", {}, {}, candidates, best, Budgets(max_latency_s=max_latency_s), objective, calibration=calibration)


def test_fit_ties_are_the_candidates_whose_intervals_overlap_the_choice() -> None:
    # factors 0.9 / 1.2: the choice at 10 ms spans 9-12 ms; 11 ms spans 9.9-13.2 (overlaps), 13 ms 11.7-15.6
    # (overlaps: 11.7 <= 12), 14 ms 12.6-16.8 (does not)
    result = _result("latency", [0.010, 0.011, 0.013, 0.014], 0, (0.9, 1.2))
    assert [c.label for c in result.ties()] == ["c1", "c2"]
    assert _result("latency", [0.010, 0.011], 0, None).ties() == ()  # no interval, no ties claimed
    assert _result("macs", [0.010, 0.011], 0, (0.9, 1.2)).ties() == ()  # chosen by exact MACs
    # a 11 ms budget: the choice's 9-12 ms interval reaches above it
    assert _result("macs", [0.010], 0, (0.9, 1.2), max_latency_s=0.011).latency_at_risk()
    assert not _result("macs", [0.010], 0, (0.9, 1.05), max_latency_s=0.011).latency_at_risk()
