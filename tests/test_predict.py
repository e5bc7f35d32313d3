"""The latency cost model: the fit recovers known parameters, predictions are the hand-computed
sums, the calibration file round-trips, and calibration's structure (no timing thresholds:
accuracy is measured by ``make reports``, reports/latency_prediction.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

import lwprof
from lwprof.counting.walker import walk
from lwprof.errors import LwprofError
from lwprof.latency.costmodel import KINDS, Benchmark, Calibration, design_row, fit_costs, layer_kind, load_calibration, nnls, record_terms
from lwprof.latency.predict import predict_profile, spearman
from tests.data.fake_calibration import make_calibration, write_calibration

# -- the fit -----------------------------------------------------------------------------------


def test_nnls_recovers_an_exact_solution_and_keeps_coefficients_non_negative() -> None:
    rows = [[1.0, i, i * i * 1e6] for i in range(1, 9)]
    b = [2.0 * r[0] + 0.5 * r[1] + 3e-6 * r[2] for r in rows]
    assert nnls(rows, b) == pytest.approx([2.0, 0.5, 3e-6], rel=1e-6)
    # A right-hand side that wants a negative intercept gets 0 there, not a negative number.
    down = [v - 10.0 for v in b]
    x = nnls(rows, down)
    assert x[0] == 0.0 and all(v >= 0 for v in x)


def _bench(kind: str, row: dict[tuple[str, str], float], seconds: float) -> Benchmark:
    return Benchmark(kind, f"{kind} {len(row)}", {f"{k}.{f}": v for (k, f), v in row.items()}, seconds)


def _conv_benchmarks(noise: float = 0.0) -> list[Benchmark]:
    """1x1 convs timed as 5 us + MACs / 30 GMAC/s + bytes / 20 GB/s (with a deterministic +-noise)."""
    out = []
    for i, (macs, nbytes) in enumerate([(1e5, 4e4), (1e6, 1e5), (5e6, 2e6), (2e7, 1e6), (5e7, 8e6), (1e8, 2e6), (3e6, 6e6), (8e7, 3e7)]):
        t = 5e-6 + macs / 30e9 + nbytes / 20e9
        out.append(_bench("conv1x1", {("conv1x1", "calls"): 1, ("conv1x1", "macs"): macs, ("conv1x1", "bytes"): nbytes}, t * (1 + noise * math.sin(3 * i))))
    return out


def test_fit_recovers_known_peak_bandwidth_and_overhead() -> None:
    cost = fit_costs(_conv_benchmarks())["conv1x1"]
    assert cost.overhead_s == pytest.approx(5e-6, rel=1e-3)
    assert cost.peak_macs_per_s == pytest.approx(30e9, rel=1e-3)
    assert cost.bandwidth_bytes_per_s == pytest.approx(20e9, rel=1e-3)
    assert cost.benchmarks == 8 and cost.median_error < 1e-6


def test_fit_with_noise_stays_close() -> None:
    cost = fit_costs(_conv_benchmarks(noise=0.03))["conv1x1"]
    assert cost.peak_macs_per_s == pytest.approx(30e9, rel=0.1)
    assert cost.overhead_s == pytest.approx(5e-6, rel=0.25)
    assert 0 < cost.median_error < 0.05


def test_fit_drops_a_benchmark_spoiled_by_another_process() -> None:
    benches = _conv_benchmarks()
    spoiled = benches[3]
    benches[3] = Benchmark(spoiled.kind, spoiled.label, spoiled.row, spoiled.median_s * 3)
    cost = fit_costs(benches + _conv_benchmarks())["conv1x1"]  # 16 benchmarks, one 3x too slow
    assert cost.peak_macs_per_s == pytest.approx(30e9, rel=0.02)
    assert cost.overhead_s == pytest.approx(5e-6, rel=0.05)


def test_fit_is_joint_module_overhead_apart_from_its_children() -> None:
    """A Sequential of n identities costs one module call plus n identity calls: both are recovered."""
    benches = [_bench("view", {("view", "calls"): 1}, 1e-6)]
    benches += [_bench("module", {("module", "calls"): 1, ("view", "calls"): n}, 2e-6 + n * 1e-6) for n in (1, 2, 4, 8, 16)]
    kinds = fit_costs(benches)
    assert kinds["module"].overhead_s == pytest.approx(2e-6, rel=1e-3)
    assert kinds["view"].overhead_s == pytest.approx(1e-6, rel=1e-3)
    assert kinds["dwconv"].benchmarks == 0 and kinds["dwconv"].overhead_s == 0.0  # not covered: all zero


def test_benchmarks_fit_their_fastest_run() -> None:
    quiet = Benchmark("view", "a", {"view.calls": 1}, median_s=2e-6, min_s=1.5e-6, noisy=False)
    noisy = Benchmark("view", "b", {"view.calls": 1}, median_s=9e-6, min_s=1e-6, noisy=True)
    assert quiet.seconds == 1.5e-6 and noisy.seconds == 1e-6  # the fastest run, noisy or not (costmodel.Benchmark.seconds)
    assert Benchmark("view", "c", {"view.calls": 1}, median_s=2e-6).seconds == 2e-6  # no fastest run recorded: the median


def test_a_calibration_fitted_on_medians_says_so_under_its_predictions() -> None:
    from lwprof.latency.costmodel import Calibration
    from lwprof.latency.predict import calibration_notes
    from tests.data.fake_calibration import make_calibration

    data = make_calibration().to_dict()
    assert data["version"] == 3 and not any("fitted medians" in n.text for n in calibration_notes(Calibration.from_dict(data)))
    older = Calibration.from_dict({**data, "version": 2})  # made before the fit took fastest runs
    assert older.fitted_on_medians
    assert any("an older lwprof that fitted medians" in n.text and "run `lwprof calibrate` again" in n.text for n in calibration_notes(older))


def test_fit_rejects_empty_or_zero_times() -> None:
    with pytest.raises(ValueError):
        fit_costs([])
    with pytest.raises(ValueError):
        fit_costs([_bench("view", {("view", "calls"): 1}, 0.0)])


# -- kinds and predictions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "module, shape, kind",
    [
        (nn.Conv2d(8, 16, 1), (1, 8, 4, 4), "conv1x1"),
        (nn.Conv2d(8, 16, 3, padding=1), (1, 8, 4, 4), "conv"),
        (nn.Conv2d(8, 8, 5, padding=2, groups=8), (1, 8, 4, 4), "dwconv"),
        (nn.Conv2d(8, 16, 1, groups=4), (1, 8, 4, 4), "gconv"),
        (nn.Conv2d(8, 16, 3, padding=1, groups=2), (1, 8, 4, 4), "gconv"),
        (nn.Linear(8, 4), (1, 8), "linear"),
        (nn.BatchNorm2d(8), (1, 8, 4, 4), "batchnorm"),
        (nn.ReLU6(), (1, 8, 4, 4), "activation"),
        (nn.Hardswish(), (1, 8, 4, 4), "hard_activation"),
        (nn.SiLU(), (1, 8, 4, 4), "exp_activation"),
        (nn.MaxPool2d(3, 2, 1), (1, 8, 4, 4), "max_pool"),
        (nn.AvgPool2d(3, 2, 1), (1, 8, 4, 4), "avg_pool"),
        (nn.AdaptiveAvgPool2d(1), (1, 8, 4, 4), "global_pool"),
        (nn.Flatten(), (1, 8, 1, 1), "view"),
    ],
)
def test_layer_kinds(module: nn.Module, shape: tuple[int, ...], kind: str) -> None:
    assert layer_kind(walk(module, shape).root) == kind


def test_every_zoo_layer_has_a_benchmarked_kind() -> None:
    from lwprof.architectures import list_architectures

    for spec in list_architectures():
        p = lwprof.profile(spec.name, resolution=64)
        missing = {r.category for r in p.leaves() if r.calls and layer_kind(r) is None}
        assert not missing, (spec.name, missing)


def test_prediction_of_a_small_model_by_hand() -> None:
    """conv 3x3 3->8 on 8x8, BatchNorm, ReLU, in a Sequential: the fake calibration's sums, written out."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
    p = walk(model, (1, 3, 8, 8))
    pred = predict_profile(p, make_calibration())
    # conv ("conv" kind): 10 us + 13,824 MACs x 0.1 ns + (192 + 216 read + 512 written) x 4 bytes x 0.1 ns
    conv = 10e-6 + 13824 * 1e-10 + (192 + 216 + 512) * 4 * 1e-10
    bn = 10e-6 + (512 + 16 + 512) * 4 * 1e-10  # BatchNorm: its input and weight + bias read, output written
    relu = 10e-6 + (512 + 512) * 4 * 1e-10
    module = 2e-6  # the Sequential's own call
    assert conv == pytest.approx(11.7504e-6) and bn == pytest.approx(10.416e-6) and relu == pytest.approx(10.4096e-6)
    assert pred.total_s == pytest.approx(conv + bn + relu + module, rel=1e-12)
    assert pred.total_s == pytest.approx(34.576e-6)
    assert [x.kind for x in pred.layers] == ["conv", "batchnorm", "activation"]
    assert pred.seconds("0") == pytest.approx(conv) and pred.seconds("") == pytest.approx(pred.total_s)
    assert pred.overhead_s == pytest.approx(module)


def test_in_network_extra_is_added_to_every_leaf() -> None:
    """The network kind: per leaf call and per byte of its traffic, on top of its own kind."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
    p = walk(model, (1, 3, 8, 8))
    plain = predict_profile(p, make_calibration())
    extra = predict_profile(p, make_calibration(network={"calls": 5e-6, "bytes": 1e-11}))
    traffic = [(192 + 216 + 512) * 4, (512 + 16 + 512) * 4, (512 + 512) * 4]  # conv, BatchNorm, ReLU
    assert extra.total_s - plain.total_s == pytest.approx(3 * 5e-6 + sum(traffic) * 1e-11)
    assert extra.layers[1].seconds - plain.layers[1].seconds == pytest.approx(5e-6 + traffic[1] * 1e-11)
    assert extra.overhead_s == plain.overhead_s  # parents pay no in-network extra
    row = design_row(p, 4)
    assert row["network", "calls"] == 3 and row["network", "bytes"] == sum(traffic)
    assert ("network", "calls") not in design_row(p, 4, in_network=False)


def test_prediction_prices_a_concat_in_a_forward() -> None:
    class Cat(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Identity()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([self.inner(x), x], 1)

    p = walk(Cat(), (1, 4, 2, 2))
    assert (p.root.functional_calls, p.root.functional_write_elements) == (1, 32)
    pred = predict_profile(p, make_calibration())
    # module call 2 us + identity 1 us + the concat: 3 us + 32 elements x 4 bytes x 0.2 ns
    assert pred.total_s == pytest.approx(2e-6 + 1e-6 + 3e-6 + 32 * 4 * 2e-10)


@pytest.mark.parametrize("arch", ["mobilenet_v1", "mobilenet_v2", "shufflenet_v1", "shufflenet_v2", "ghostnet", "mobilenet_v3_small"])
def test_prediction_equals_the_fits_design_row(arch: str) -> None:
    """The fast pricing in predict_profile and the fit's design rows (record_terms) are one model."""
    cal = make_calibration(network={"calls": 4e-6, "bytes": 2e-11})
    p = lwprof.profile(arch, resolution=96)
    row = design_row(p, 4)
    by_row = sum(v * cal.kinds[k].coefficients.get(f, 0.0) for (k, f), v in row.items())
    pred = predict_profile(p, cal)
    assert pred.total_s == pytest.approx(by_row, rel=1e-9)
    assert sum(x.seconds for x in pred.layers) + pred.overhead_s == pytest.approx(pred.total_s, rel=1e-9)
    assert not pred.notes  # every zoo layer has a benchmarked kind


def test_prediction_scales_with_the_calibration() -> None:
    p = lwprof.profile("mobilenet", resolution=64)
    assert predict_profile(p, make_calibration(scale=2.0)).total_s == pytest.approx(2 * predict_profile(p, make_calibration()).total_s)


def test_a_layer_without_a_benchmark_is_priced_and_flagged() -> None:
    p = walk(nn.Sequential(nn.LayerNorm(8), nn.Linear(8, 4)), (2, 8))
    pred = predict_profile(p, make_calibration())
    norm = pred.layers[0]
    assert norm.estimated and norm.kind == "activation"
    assert any("no micro-benchmark covers 1 Norm" in n.text for n in pred.notes)
    assert record_terms(p.layers[1], 4)[0][2] is True


def test_prediction_refuses_another_dtype() -> None:
    with pytest.raises(LwprofError, match="--dtype fp32"):
        predict_profile(lwprof.profile("mobilenet", resolution=64, dtype="fp16"), make_calibration())


def test_spearman() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)  # 1 - 6 * 4 / (5 * 24)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(math.sqrt(3) / 2)  # ties share the average rank
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError):
        spearman([1], [1, 2])


# -- the calibration file ------------------------------------------------------------------------


def test_calibration_file_round_trips(tmp_path: Path) -> None:
    path = write_calibration(path=tmp_path / "cal.json")
    cal = load_calibration(path)
    assert cal.kinds == make_calibration().kinds and cal.threads == 2 and cal.path == str(path)
    assert set(cal.kinds) == set(KINDS)


def test_missing_calibration_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path))
    with pytest.raises(LwprofError, match=r"run `lwprof calibrate --threads 3`"):
        load_calibration(threads=3)
    write_calibration(tmp_path, threads=1)
    with pytest.raises(LwprofError, match=r"this folder has calibration-.*-1t-fp32.json"):
        load_calibration(threads=3)
    assert load_calibration(threads=1).threads == 1


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof.latency.costmodel import cache_dir

    monkeypatch.delenv("LWPROF_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "lwprof"
    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path / "own"))
    assert cache_dir() == tmp_path / "own"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", r"is not valid JSON \(.*line 1, column 2\); run `lwprof calibrate` again"),
        ("[1, 2]", "expected a JSON object"),
        ('{"version": 99}', "version is the calibration format; this lwprof reads 1 to 3, got 99"),
        ('{"version": 1, "machine": "m"}', "cpu is missing; run `lwprof calibrate` again"),
    ],
)
def test_bad_calibration_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(LwprofError, match=message):
        load_calibration(path)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"version": 1, "threads": ' + "9" * 5000 + "}", "is not usable JSON"),  # past Python's int-digit limit
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),  # nested past the recursion limit
    ],
)
def test_pathological_calibration_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(LwprofError, match=message):
        load_calibration(path)


@pytest.mark.parametrize("field, value, message", [("threads", float("inf"), "threads must be a positive whole number of threads, got Infinity"), ("dtype", "int8", 'dtype must be one of fp32, bf16, fp16, got "int8"')])
def test_calibration_fields_out_of_range_are_refused(tmp_path: Path, field: str, value: object, message: str) -> None:
    data = make_calibration().to_dict()
    data[field] = value
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(data))  # Infinity: what json writes for inf
    with pytest.raises(LwprofError, match=message):
        load_calibration(path)


def test_a_calibration_from_another_torch_says_so() -> None:
    p = lwprof.profile("mobilenet")
    assert not predict_profile(p, make_calibration()).notes
    old = predict_profile(p, make_calibration(torch_version="1.0.0"))
    assert any("calibrated under torch 1.0.0" in n.text and "lwprof calibrate" in n.text for n in old.notes)


def test_a_dtype_mismatch_suggests_only_what_can_be_done() -> None:
    with pytest.raises(LwprofError, match=r"--dtype fp32 or calibrate with --dtype fp16"):
        predict_profile(lwprof.profile("mobilenet", dtype="fp16"), make_calibration())
    with pytest.raises(LwprofError, match=r"profile with --dtype fp32$"):  # no int8 calibration exists
        predict_profile(lwprof.profile("mobilenet", dtype="int8"), make_calibration())


def test_a_calibration_missing_a_kind_is_refused(tmp_path: Path) -> None:
    data = make_calibration().to_dict()
    del data["kinds"]["dwconv"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LwprofError, match="dwconv"):
        load_calibration(path)


# -- calibrate itself: structure only ------------------------------------------------------------


def test_calibrate_smoke_one_benchmark_per_kind() -> None:
    from lwprof.latency.calibrate import calibrate, cases

    selection = []
    for kind in KINDS:
        selection.append(next(c for c in cases(quick=True) if c.kind == kind))
    before = torch.get_num_threads()
    cal = calibrate(threads=1, quick=True, selection=selection)
    assert torch.get_num_threads() == before and cal.threads == 1 and cal.dtype == "fp32"
    assert isinstance(cal, Calibration) and len(cal.benchmarks) == len(KINDS)
    assert set(cal.kinds) == set(KINDS)
    for b in cal.benchmarks:
        assert b.median_s > 0 and b.min_s > 0 and b.runs >= 3 and b.design()
    for cost in cal.kinds.values():
        assert all(v >= 0 for v in cost.coefficients.values()) and cost.benchmarks == 1
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))).kinds == cal.kinds


def test_calibrate_rejects_bad_settings() -> None:
    from lwprof.latency.calibrate import calibrate

    with pytest.raises(LwprofError, match="int8"):
        calibrate(dtype="int8")
    with pytest.raises(LwprofError, match="threads"):
        calibrate(threads=0)


def test_every_benchmark_case_profiles_to_its_own_kind() -> None:
    """Each case's main layer is of the kind it calibrates (so the fit's columns are the right ones)."""
    from lwprof.latency.calibrate import cases

    for case in cases():
        with torch.device("meta"):
            module = case.make()
        row = design_row(walk(module, case.shape), 4)
        assert any(k == case.kind for k, _ in row), (case.label, row)
