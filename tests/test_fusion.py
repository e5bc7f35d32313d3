"""Kernel detection and kernel-level prediction, on simulated timings with known answers (and one real ONNX Runtime smoke test)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from torch import nn

import lwprof
from lwprof.errors import LwprofError
from lwprof.latency.costmodel import KINDS, Benchmark, Calibration, KindCost, calibration_file, fit_costs, load_calibration, machine_id, row_keys
from lwprof.latency.fit import Scaled, retarget
from lwprof.latency.fusion import FUSED_SHARE, FusionRule, Trial, assign, detect, fused, kernels
from lwprof.latency.predict import predict_profile
from lwprof.latency.terms import design_row, is_kind, kind_features
from tests.data.fake_calibration import make_calibration, write_calibration

#: ONNX Runtime as this machine measured it (tests/test_fusion.py's smoke test re-detects them): BN folds into every
#: non-grouped conv, ReLU runs inside a conv (+BN) or a Gemm; ReLU6 (Clip), hard-swish and sigmoid do not come free.
ORT_RULES = (
    FusionRule("conv1x1", "batchnorm"), FusionRule("conv", "batchnorm"), FusionRule("dwconv", "batchnorm"),
    FusionRule("conv1x1", "relu"), FusionRule("conv", "relu"), FusionRule("dwconv", "relu"), FusionRule("gconv", "relu"), FusionRule("linear", "relu"),
)  # fmt: skip


class _Block(nn.Sequential):
    def __init__(self) -> None:
        super().__init__(
            nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),  # conv+batchnorm+relu
            nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),  # dwconv+batchnorm, then activation
            nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32), nn.Hardswish(),  # conv1x1+batchnorm, then hard_activation
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10), nn.ReLU(),  # global_pool, view, linear+relu
        )  # fmt: skip


def _profile(model: nn.Module | None = None, shape: tuple[int, ...] = (1, 3, 32, 32)) -> lwprof.ModelProfile:
    return lwprof.profile(model or _Block().eval(), input_size=shape[1:])


# -- detection -------------------------------------------------------------------------------------


def test_detection_threshold_is_half_of_the_member_alone() -> None:
    # A = 100 us, B = 20 us: fused while A -> B < 100 + 0.5 x 20 = 110 us
    assert FUSED_SHARE == 0.5
    assert fused(100e-6, 20e-6, 109.9e-6) and not fused(100e-6, 20e-6, 110.1e-6)
    assert fused(100e-6, 20e-6, 95e-6)  # faster than A alone: noise, still fused


def test_detect_decides_a_pair_by_the_median_of_its_trials() -> None:
    trials = [
        Trial("conv1x1", "batchnorm", "a", 100e-6, 20e-6, 101e-6),  # added 0.05
        Trial("conv1x1", "batchnorm", "b", 50e-6, 10e-6, 52e-6),  # added 0.2
        Trial("conv1x1", "batchnorm", "b2", 50e-6, 10e-6, 59e-6),  # added 0.9 (a burst): median 0.2, fused
        Trial("conv1x1", "hard_activation", "c", 100e-6, 60e-6, 158e-6),  # added 0.97: not fused
        Trial("dwconv", "relu", "d", 80e-6, 30e-6, 83e-6),  # added 0.1 ...
        Trial("dwconv", "relu", "e", 80e-6, 30e-6, 105e-6),  # ... and 0.83: median 0.47, fused (just)
        Trial("dwconv", "activation", "f", 80e-6, 30e-6, 86e-6),  # added 0.2 ...
        Trial("dwconv", "activation", "g", 80e-6, 30e-6, 110e-6),  # ... and 1.0: median 0.6, not fused
    ]
    rules = detect(trials)
    assert [(r.head, r.member, r.trials) for r in rules] == [("conv1x1", "batchnorm", 3), ("dwconv", "relu", 2)]
    assert rules[0].added == pytest.approx(0.2) and rules[1].added == pytest.approx((0.1 + 2.5 / 3) / 2)


# -- kernels ---------------------------------------------------------------------------------------


def test_kernels_group_leaves_by_the_rules() -> None:
    ks = kernels(_profile(), ORT_RULES)
    assert [k.kind for k in ks] == [
        "conv+batchnorm+relu", "dwconv+batchnorm", "activation", "conv1x1+batchnorm", "hard_activation", "global_pool", "view", "linear+relu",
    ]  # fmt: skip
    assert ks[0].names == ("0", "1", "2") and ks[-1].names == ("11", "12")
    assert kernels(_profile(), ()) and all(not k.members for k in kernels(_profile(), ()))  # eager: every leaf its own kernel


def test_a_kernel_the_calibration_never_measured_is_split() -> None:
    known = {"conv+batchnorm"}  # conv+batchnorm+relu unknown: the ReLU is priced alone
    kinds = [k.kind for k in kernels(_profile(), ORT_RULES, known)]
    assert kinds[:2] == ["conv+batchnorm", "activation"]


def test_kernels_only_join_a_layer_fed_by_the_previous_one() -> None:
    class Branches(nn.Module):  # the BN reads x, not the conv's output (another shape): not fused
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(8, 16, 1, bias=False)
            self.bn = nn.BatchNorm2d(8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.conv(x).mean() + self.bn(x).mean()

    assert [k.kind for k in kernels(_profile(Branches(), (1, 8, 8, 8)), ORT_RULES)] == ["conv1x1", "batchnorm"]


def test_kernel_kinds_use_every_feature_of_their_parts() -> None:
    assert kind_features("conv1x1+batchnorm+relu") == ("calls", "macs", "bytes")
    assert kind_features("max_pool") == ("calls", "ops", "bytes") and kind_features("run") == ("calls",)
    assert is_kind("dwconv+batchnorm+relu") and is_kind("linear+hard_activation")
    assert not is_kind("relu+conv1x1") and not is_kind("conv1x1+conv1x1") and not is_kind("conv1x1+network") and not is_kind("bogus")


# -- prediction over kernels -------------------------------------------------------------------------


def ort_calibration(rates: dict[str, dict[str, float]] | None = None, held_out: tuple[float, ...] = ()) -> Calibration:
    """The fake eager calibration's kinds, plus the kernel kinds of :data:`ORT_RULES` and a 5 us run, as ONNX Runtime."""
    base = make_calibration(held_out=held_out)
    kinds = dict(base.kinds)
    for kind in ("conv+batchnorm+relu", "conv+batchnorm", "dwconv+batchnorm", "dwconv+batchnorm+relu", "conv1x1+batchnorm", "conv1x1+batchnorm+relu", "linear+relu"):
        kinds[kind] = KindCost({f: {"calls": 4e-6, "macs": 2e-11, "bytes": 5e-11}[f] for f in kind_features(kind)})
    kinds["run"] = KindCost({"calls": 5e-6})
    for kind, coef in (rates or {}).items():
        kinds[kind] = KindCost(coef)
    return dataclasses.replace(base, kinds=kinds, runtime="onnxruntime", runtime_version="1.0", fusions=ORT_RULES)


def test_prediction_prices_each_kernel_once_by_its_kind() -> None:
    profile = _profile()
    cal = ort_calibration()
    pred = predict_profile(profile, cal)
    by_name = {r.name: r for r in profile.layers}
    stem = [by_name[n] for n in ("0", "1", "2")]
    # conv+batchnorm+relu: one call x 4 us + all three layers' MACs x 2e-11 + their bytes x 5e-11 (the fake network kind is free)
    expected = 4e-6 + 2e-11 * sum(r.macs for r in stem) + 5e-11 * 4 * sum(r.read_elements + r.write_elements for r in stem)
    kernels_by_head = {head: (kind, s) for head, kind, s in pred.by_kernel()}
    assert kernels_by_head["0"] == ("conv+batchnorm+relu", pytest.approx(expected, rel=1e-12))
    assert [p.kernel for p in pred.layers[:3]] == ["0", "0", "0"] and pred.layers[5].kernel == ""
    # the model: every record's own cost, plus the run (5 us) once
    eager = predict_profile(profile, dataclasses.replace(cal, fusions=()))
    assert pred.total_s != eager.total_s
    assert pred.total_s == pytest.approx(sum(s for _, _, s in pred.by_kernel()) + pred.overhead_s, rel=1e-12)
    assert pred.overhead_s >= 5e-6


def test_fit_recovers_a_simulated_runtime_and_predicts_a_held_out_network() -> None:
    # A runtime with known costs: kernels cost 3 us a call + MACs / 50 GMAC/s + bytes / 20 GB/s, a run 7 us; the fit
    # sees only (design row, seconds) pairs built from those rules, as calibrate --runtime onnxruntime does.
    truth = {"calls": 3e-6, "macs": 2e-11, "bytes": 5e-11}
    shapes = [(1, 3, r, r) for r in (16, 24, 32, 40, 48, 56, 64, 72)]
    benches = []
    for i, shape in enumerate(shapes):
        p = _profile(shape=shape)
        row = design_row(p, 4, in_network=False, kernels=assign(p, ORT_RULES), per_run=True)
        seconds = sum((7e-6 if k == "run" else truth[f]) * v for (k, f), v in row.items())
        benches.append(Benchmark("network" if i % 2 else "conv+batchnorm+relu", f"b{i}", row_keys(row), seconds))
    kinds = fit_costs(benches)
    assert set(kinds) >= set(KINDS) | {"run", "conv+batchnorm+relu", "linear+relu"}
    cal = dataclasses.replace(make_calibration(), kinds=kinds, runtime="onnxruntime", fusions=ORT_RULES)
    held = _profile(shape=(1, 3, 44, 44))
    row = design_row(held, 4, in_network=False, kernels=assign(held, ORT_RULES), per_run=True)
    actual = sum((7e-6 if k == "run" else truth[f]) * v for (k, f), v in row.items())
    assert predict_profile(held, cal).total_s == pytest.approx(actual, rel=0.02)


def test_scaled_prices_an_ort_calibration_as_the_retargeted_profile() -> None:
    cal = ort_calibration()
    reference = lwprof.profile("mobilenetv2", resolution=224)
    scaled = Scaled(reference, 32, cal)
    for resolution in (96, 161, 224):
        moved = retarget(reference, resolution, 32)
        assert scaled.at(resolution)[2] == pytest.approx(predict_profile(moved, cal).total_s, rel=1e-9)


# -- the calibration file ------------------------------------------------------------------------------


def test_an_ort_calibration_round_trips_with_its_runtime_and_rules(tmp_path: Path) -> None:
    cal = ort_calibration()
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert back.runtime == "onnxruntime" and back.fusions == ORT_RULES and back.kinds == cal.kinds
    assert "ONNX Runtime 1.0" in back.describe() and any(k == "conv+batchnorm+relu" for k, _, _ in back.kind_rows())


def test_a_version_1_file_is_read_as_torch() -> None:
    data = make_calibration().to_dict()
    data["version"] = 1
    for key in ("fusions", "runtime", "runtime_version"):  # what version 2 added
        data.pop(key)
    assert Calibration.from_dict(data).runtime == "torch"
    data["runtime"] = "onnxruntime"  # version 1 had no runtimes
    with pytest.raises(LwprofError, match="runtime is not a field lwprof knows"):
        Calibration.from_dict(data)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(runtime="tvm"), "runtime must be one of torch, onnxruntime, got \"tvm\""),
        (lambda d: d.update(fusions=[{"head": "conv1x1", "member": "conv1x1"}]), r"fusions\[0\] must name two different layer kinds"),
        (lambda d: d["kinds"].update({"conv1x1+bogus": {"coefficients": {}}}), "kinds.conv1x1\\+bogus is not a kind lwprof knows"),
    ],
)
def test_bad_runtime_fields_are_one_line(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    data = ort_calibration().to_dict()
    edit(data)
    with pytest.raises(LwprofError, match=message):
        Calibration.from_dict(data)


def test_cache_file_names_the_runtime_and_the_other_runtime_is_named(tmp_path: Path) -> None:
    assert calibration_file(1, "fp32", tmp_path, runtime="onnxruntime").name == f"calibration-{machine_id()}-onnxruntime-1t-fp32.json"
    write_calibration(tmp_path, threads=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LWPROF_CACHE_DIR", str(tmp_path))
        assert load_calibration(threads=1).runtime == "torch"
        with pytest.raises(LwprofError, match=r"has a calibration for torch .* none for onnxruntime: run `lwprof calibrate --runtime onnxruntime --threads 1` once"):
            load_calibration(threads=1, runtime="onnxruntime")
    target = tmp_path / "ort.json"
    target.write_text(json.dumps(ort_calibration().to_dict()))
    with pytest.raises(LwprofError, match="measured onnxruntime, not torch: give --runtime onnxruntime"):
        load_calibration(target, runtime="torch")
    assert load_calibration(target).runtime == "onnxruntime"  # no runtime asked: the file's


def test_a_legacy_torch_cache_file_is_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path))
    legacy = tmp_path / f"calibration-{machine_id()}-1t-fp32.json"
    legacy.write_text(json.dumps(make_calibration(threads=1).to_dict()))
    assert load_calibration(threads=1).path == str(legacy)


# -- ONNX Runtime for real ----------------------------------------------------------------------------


def test_real_detection_agrees_with_the_graph_onnxruntime_optimises() -> None:
    pytest.importorskip("onnxruntime")
    from lwprof.latency import onnxrt, ortcal
    from lwprof.latency.calibrate import cases

    trials = [t for t in ortcal.trial_cases() if t.head == "conv1x1" and t.member in ("batchnorm", "relu")]
    selection = [c for c in cases(quick=True) if c.kind in ("conv1x1", "linear")][:3]
    cal = ortcal.calibrate_onnxruntime(threads=1, quick=True, selection=selection, trials=trials)
    assert cal.runtime == "onnxruntime" and cal.threads == 1 and len(cal.benchmarks) == 3 and "run" in cal.kinds
    detected = {(r.head, r.member) for r in cal.fusions}
    # what ONNX Runtime's optimised graph fuses, for the same pairs: every timing-fused pair is one node of that graph
    model = nn.Sequential(nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()).eval()
    run = onnxrt.run_onnxruntime(model, (torch.rand(1, 16, 32, 32),), {}, warmup=1, repeats=2, threads=1)
    rows, _, _ = onnxrt.kernel_rows(run, _profile(model, (1, 16, 32, 32)))
    graph = [name for name, *_ in rows if name != onnxrt.LAYOUT]
    assert graph == ["{0,1,2}"] or graph == ["0+1+2"], graph  # conv, folded BN and ReLU: one kernel in the graph
    assert detected <= {("conv1x1", "batchnorm"), ("conv1x1", "relu")}
    ours = [k.names for k in kernels(_profile(model, (1, 16, 32, 32)), cal.fusions)]
    if detected == {("conv1x1", "batchnorm"), ("conv1x1", "relu")}:
        assert ours == [("0", "1", "2")]


def _write_ort(directory: Path, threads: int = 1) -> Path:
    cal = dataclasses.replace(ort_calibration(held_out=(0.9, 0.95, 1.0, 1.05, 1.1)), threads=threads)
    target = calibration_file(threads, "fp32", directory, runtime="onnxruntime")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(cal.to_dict()))
    return target


def test_predict_runtime_flags_choose_the_calibration(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lwprof.cli import app

    env = {"LWPROF_CACHE_DIR": str(tmp_path)}
    _write_ort(tmp_path)
    torch_only = CliRunner().invoke(app, ["summary", "mobilenet", "--predict", "--threads", "1", "--no-fvcore", "-f", "json"], env=env)
    assert torch_only.exit_code == 2 and "has a calibration for onnxruntime" in torch_only.output and "run `lwprof calibrate --threads 1` once" in torch_only.output
    ort = CliRunner().invoke(app, ["summary", "mobilenet", "--predict", "--runtime", "onnxruntime", "--threads", "1", "--no-fvcore", "-f", "json"], env=env)
    assert ort.exit_code == 0, ort.output
    expected = predict_profile(lwprof.profile("mobilenet"), ort_calibration()).total_s
    assert json.loads(ort.output)["prediction"]["total_s"] == pytest.approx(expected, rel=1e-9)
    fit = CliRunner().invoke(app, ["fit", "mobilenet", "--runtime", "onnxruntime", "--threads", "1", "--vary", "alpha=0.5,1.0", "-f", "json"], env=env)
    assert fit.exit_code == 0, fit.output
    alone = CliRunner().invoke(app, ["summary", "mobilenet", "--runtime", "onnxruntime", "--no-fvcore"], env=env)
    assert alone.exit_code == 2 and "add --predict" in alone.output


def test_bench_predict_on_onnxruntime_compares_kernels(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    from typer.testing import CliRunner

    from lwprof.cli import app

    _write_ort(tmp_path)
    out = tmp_path / "bench.json"
    args = ["bench", "mobilenet", "--resolution", "32", "--alpha", "0.25", "--runtime", "onnxruntime", "--threads", "1", "--predict"]
    done = CliRunner().invoke(app, [*args, "--repeats", "2", "--max-repeats", "2", "--warmup", "1", "-f", "json", "-o", str(out)], env={"LWPROF_CACHE_DIR": str(tmp_path)})
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text())
    assert data["prediction"]["calibration"]["runtime"] == "onnxruntime" and data["prediction"]["spearman"] is not None
    priced = [layer for layer in data["layers"] if layer["predicted_s"] is not None]
    assert len(priced) >= 20  # every conv kernel of MobileNetV1 (27 convs, BN folded) is priced as the layers it ran


# -- per-kernel regressors in a calibration ---------------------------------------------------------------


def test_predictions_price_forest_kernels_by_the_forest_and_the_rest_linear() -> None:
    pytest.importorskip("sklearn")
    from lwprof.latency import sampling
    from lwprof.latency.regress import fit_regressors
    from tests.test_kernreg import samples_of

    regressors = fit_regressors(samples_of("conv1x1", 60, 1) + samples_of("dwconv", 10, 2), seed=0)
    assert regressors["conv1x1"].model == "forest" and regressors["dwconv"].model == "linear"  # 10 samples: the linear fallback
    cal = dataclasses.replace(ort_calibration(), regressors=regressors)
    profile = _profile()
    linear = predict_profile(profile, cal, regressors=False)
    forest = predict_profile(profile, cal)
    k = next(k for k in kernels(profile, ORT_RULES, cal.kinds) if k.kind == "conv1x1+batchnorm")
    expected = regressors["conv1x1"].predict(sampling.kernel_features(k.head, k.members, 4, "conv1x1"))
    network = cal.kinds["network"]  # the in-network extra stays on every leaf (the fake one is free)
    assert network.seconds({"calls": 1.0}) == 0.0
    got = {p.name: p.seconds for p in forest.layers}
    assert got["6"] + got["7"] == pytest.approx(expected, rel=1e-12)  # the kernel's seconds, shared by its two layers
    other = {p.name: p.seconds for p in linear.layers}
    assert got["3"] == other["3"] and got["0"] == other["0"]  # dwconv and conv kernels: no forest, the linear model
    assert any("1 of 8 kernels priced by per-kernel regressors" in n.text for n in forest.notes)
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert back.regressors == regressors and back.info()["regressors"] == ["conv1x1"]


def test_held_out_networks_are_priced_by_both_predictors() -> None:
    pytest.importorskip("sklearn")
    from lwprof.latency.costmodel import held_out_ratios
    from lwprof.latency.kernelpred import held_out_both
    from lwprof.latency.regress import fit_regressors
    from tests.test_kernreg import samples_of

    truth = {"calls": 3e-6, "macs": 2e-11, "bytes": 5e-11}
    benches, networks = [], {}
    for i, r in enumerate((16, 24, 32, 40, 48, 56, 64, 72)):
        p = _profile(shape=(1, 3, r, r))
        row = design_row(p, 4, in_network=True, kernels=assign(p, ORT_RULES), per_run=True)
        seconds = 1.1 * sum((7e-6 if k == "run" else truth.get(f, 0.0)) * v for (k, f), v in row.items())
        benches.append(Benchmark("network", f"n{i}", row_keys(row), seconds))
        networks[i] = p
    cal = dataclasses.replace(
        ort_calibration(), benchmarks=tuple(benches), kinds=fit_costs(benches), regressors=fit_regressors(samples_of("conv1x1", 60, 1), seed=0)
    )
    linear, forest, scale = held_out_both(cal, networks)
    assert 0.25 <= scale <= 4.0
    assert linear == pytest.approx(held_out_ratios(benches), rel=1e-12)  # the linear half is the calibration's own held-out ratios
    assert len(forest) == len(networks) and all(r > 0 for r in forest) and forest != linear
    cal = dataclasses.replace(cal, held_out=linear, held_out_kernels=forest)
    assert cal.interval() != cal.interval(regressors=False)  # a prediction's interval follows the predictor it used


def test_calibrate_for_measures_the_exact_kernels_and_predictions_use_them(tmp_path: Path) -> None:
    from lwprof import api
    from lwprof.latency import sampling
    from lwprof.latency.kernelpred import signature

    target = write_calibration(path=tmp_path / "cal.json", threads=1)
    spec = "mobilenet@resolution=32,alpha=0.25"
    cal = api.calibrate(for_models=[spec], path=str(target), threads=1)
    assert cal.measured and load_calibration(target).measured == cal.measured  # written back
    profile = lwprof.profile(spec)
    pred = predict_profile(profile, cal)
    first = kernels(profile, ())[0]  # eager: every leaf its own kernel; the stem conv first
    kind = sampling.kernel_kind(first.head)
    assert kind is not None
    table = cal.measured[signature(kind, sampling.kernel_features(first.head, (), 4, kind))]
    assert {p.name: p.seconds for p in pred.layers}[first.head.name] == pytest.approx(table, rel=1e-12)  # the fake network kind is free
    assert 0.5 < pred.measured_share < 1.0  # the module calls and the Flatten stay priced by the linear model
    assert any("comes from kernels measured exactly" in n.text for n in pred.notes)
    assert predict_profile(lwprof.profile("mobilenet@resolution=64,alpha=0.25"), cal).measured_share < pred.measured_share


def test_the_kernel_scale_is_what_networks_say_an_isolated_kernel_costs_more(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    from lwprof.latency.kernelpred import held_out_both
    from lwprof.latency.regress import fit_regressors
    from tests.test_kernreg import samples_of

    truth = {"calls": 3e-6, "macs": 2e-11, "bytes": 5e-11}
    regressors = fit_regressors(samples_of("conv1x1", 60, 1), seed=0)
    rows, networks = [], {}
    for i, r in enumerate((16, 24, 32, 40, 48, 56, 64, 72)):
        p = _profile(shape=(1, 3, r, r))
        rows.append(design_row(p, 4, in_network=True, kernels=assign(p, ORT_RULES), per_run=True))
        networks[i] = p
    linear_benches = [Benchmark("network", f"n{i}", row_keys(row), sum((7e-6 if k == "run" else truth.get(f, 0.0)) * v for (k, f), v in row.items())) for i, row in enumerate(rows)]
    base = dataclasses.replace(ort_calibration(), kinds=fit_costs(linear_benches), regressors=regressors)
    benches = []
    for b, p in zip(linear_benches, networks.values()):
        pred = predict_profile(p, base)
        forest = sum(x.seconds for x in pred.layers if x.priced_by == "forest")
        assert forest > 0
        benches.append(dataclasses.replace(b, median_s=pred.total_s + forest))  # inside a network a forest kernel costs 2x its isolated time
    # the linear model held fixed (each leave-one-out fit returns it): what is left to explain is the forests' 2x
    monkeypatch.setattr("lwprof.latency.costmodel.fit_costs", lambda benchmarks, **_: base.kinds)
    _, ratios, scale = held_out_both(dataclasses.replace(base, benchmarks=tuple(benches)), networks)
    assert scale == pytest.approx(2.0, rel=1e-3) and ratios == pytest.approx([1.0] * len(benches), rel=1e-3)
