"""Per-kernel regressors (lwprof.latency.regress) and their sampling (lwprof.latency.sampling).

The regressors are tested on simulated timings with known answers: a kernel costs
``5 us + MACs / 20 GMAC/s + bytes / 8 GB/s``, bytes beyond a 1 MiB cache at half that bandwidth
(the kink a linear model cannot follow), times a log-normal noise of 3%.
"""

from __future__ import annotations

import array
import base64
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

import pytest
import torch
from torch import nn

import lwprof
from lwprof.errors import LwprofError
from lwprof.latency import regress
from lwprof.latency.regress import KernelRegressor, KernelSample, export_forest, fit_regressors, regressors_from_dict, regressors_to_dict
from lwprof.latency.sampling import (
    KERNEL_KINDS,
    SPACES,
    KernelConfig,
    adaptive_sample,
    build,
    config_features,
    kernel_features,
    kernel_kind,
    kernel_records,
    spaces,
)

__all__: list[str] = []

CACHE = 2**20  # bytes: beyond this, traffic runs at half the bandwidth


def simulated(features: Mapping[str, float], rng: random.Random | None = None, noise: float = 0.03) -> float:
    """The known answer: 5 us + MACs / 20e9 + bytes / 8e9, bytes past 1 MiB at 4e9, times exp(N(0, noise))."""
    b = features["bytes"]
    t = 5e-6 + features["macs"] / 20e9 + min(b, CACHE) / 8e9 + max(0.0, b - CACHE) / 4e9
    return t * math.exp(rng.gauss(0.0, noise)) if rng is not None else t


def samples_of(kind: str, n: int, seed: int, noise: float = 0.03) -> list[KernelSample]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        features = config_features(SPACES[kind].draw(rng))
        out.append(KernelSample(kind, features, simulated(features, rng, noise)))
    return out


# -- features: from a configuration and from lwprof's records of its module ---------------------------


@pytest.mark.parametrize("kind", list(KERNEL_KINDS))
def test_config_features_agree_with_the_profile_of_the_built_module(kind: str) -> None:
    rng = random.Random(7)
    for _ in range(4):
        config = SPACES[kind].draw(rng)
        module, shape = build(config)
        profile = lwprof.profile(module, shape[1:])
        head, members = kernel_records(profile.layers)
        op = {"add": "Add", "concat": "Concat", "mul": "Mul"}.get(kind, "")
        assert kernel_kind(head, members, op) == kind, config.label
        assert kernel_features(head, members, 4) == config_features(config, 4) or kind == "mul", config.label
        assert kernel_features(head, members, 4, kind=kind) == config_features(config, 4), config.label


def test_features_by_hand() -> None:
    """A depthwise 3x3, stride 2, 32 channels on 112x112, + BN + ReLU6, worked out by hand."""
    f = config_features(KernelConfig("dwconv", 32, 32, 112, 112, 3, 2, 32, bn=True, act="ReLU6"))
    # output 56x56 ((112 + 2 - 3) // 2 + 1); weights 32 x 1 x 3 x 3 = 288, BN 2 x 32 = 64
    assert (f["ho"], f["wo"], f["params"]) == (56, 56, 288 + 64)
    assert f["macs"] == 32 * 56 * 56 * 9  # = 903,168: outputs x (C_in / g = 1) x 3 x 3
    assert f["bytes"] == (32 * 112 * 112 + 352 + 32 * 56 * 56) * 4  # input + params + output, 4 bytes each
    assert (f["followers"], f["bn"], f["act"]) == (2, 1, 2)
    assert config_features(KernelConfig("add", 16, 16, 8, 8), 2)["bytes"] == (2 * 1024 + 1024) * 2  # two operands, one output


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(16, 16, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x)) + x


def test_a_fused_residual_add_brings_its_own_work_only() -> None:
    """ONNX Runtime fuses Conv+BN+Add: the block's record is a follower, and its MACs (the conv's,
    again) and parameters are not counted twice."""
    layers = lwprof.profile(_Residual(), (16, 8, 8)).layers
    root, conv, bn = layers[0], layers[1], layers[2]
    assert root.macs == conv.macs == 16 * 16 * 8 * 8  # the parent's count includes its child's
    f = kernel_features(conv, [bn, root], 4, kind="conv1x1")
    assert f["macs"] == 16 * 16 * 64 and f["params"] == 16 * 16 + 2 * 16 and f["followers"] == 2


def test_spaces_stay_around_the_zoo() -> None:
    rng = random.Random(3)
    for kind, space in SPACES.items():
        for _ in range(30):
            c = space.draw(rng)
            if kind != "linear":
                assert 2 <= c.h <= 224 and c.h == c.w, c.label
            assert 3 <= c.cin <= 1280 * 1.5 and c.cout >= 8, c.label
            assert config_features(c)["macs"] <= space.max_macs, c.label
            if kind in ("conv1x1", "dwconv", "gconv"):
                assert c.cin % 8 == 0 and c.cin % c.groups == 0 and c.cout % c.groups == 0, c.label
            near = space.near(c, rng)
            assert near.kind == kind and (kind == "linear" or 2 <= near.h <= 224) and near.cin <= 2048, near.label
    for space in spaces(fused=False).values():  # eager: every layer its own kernel, no followers
        for _ in range(30):
            c = space.draw(rng)
            assert not c.bn and (not c.act or space.kind == "activation"), c.label
            near = space.near(c, rng)
            assert not near.bn and (not near.act or space.kind == "activation"), near.label


# -- the regressors on simulated timings ------------------------------------------------------------


def test_forest_follows_the_kink_the_linear_model_cannot() -> None:
    samples = samples_of("conv1x1", 300, 1) + samples_of("dwconv", 300, 2)
    regressors = fit_regressors(samples, seed=0)
    for kind in ("conv1x1", "dwconv"):
        r = regressors[kind]
        assert r.model == "forest" and r.samples == 300 and len(r.held_out) == 300
        # The noise alone gives a median |error| of about 0.674 x 3% = 2%; the bound allows the fit's own error.
        assert r.median_error is not None and r.median_error < 0.05, (kind, r.median_error, r.linear_error)
        assert r.linear_error is not None and r.linear_error > 1.5 * r.median_error, (kind, r.median_error, r.linear_error)


def test_the_ratio_target_extrapolates_past_the_largest_sample() -> None:
    """Trained on kernels up to 1 MiB of traffic, asked about 2-8x larger ones: the ratio follows the
    baseline's scaling, log seconds stay near the largest sample's time. (A hard-swish, SiLU or sigmoid
    after the conv costs 1.5x: what the forest has to learn, the baseline cannot.)"""

    def slower(samples: list[KernelSample]) -> list[KernelSample]:
        return [KernelSample(s.kind, s.features, s.seconds * (1.5 if s.features["act"] in (3, 4, 5) else 1.0)) for s in samples]

    train = slower([s for s in samples_of("conv1x1", 400, 4, noise=0.02) if s.features["bytes"] < CACHE])
    big = slower([s for s in samples_of("conv1x1", 400, 5, noise=0.0) if 2 * CACHE < s.features["bytes"] < 8 * CACHE][:20])
    assert len(train) >= 100 and len(big) >= 10
    errors = {}
    for target in ("ratio", "log"):
        r = fit_regressors(train, target=target)["conv1x1"]
        assert r.model == "forest", r.note
        errors[target] = sorted(abs(r.predict(s.features) / s.seconds - 1) for s in big)[len(big) // 2]
    # Past the cache the true time grows faster than the baseline fitted below it: the ratio's error
    # is that kink's (up to 1 - 8/12 = 33% at 8 MiB), the log target's is the missing growth.
    assert errors["ratio"] < 0.35 and errors["log"] > 1.5 * errors["ratio"], errors


def test_linear_fallback_below_min_samples_recovers_the_simulated_rates() -> None:
    # Below the cache (no kink) and without noise the simulated function is linear: NNLS gets it back.
    samples = [s for s in samples_of("dwconv", 80, 3, noise=0.0) if s.features["bytes"] < CACHE][:20]
    r = fit_regressors(samples, min_samples=40)["dwconv"]
    assert r.model == "linear" and r.trees == () and "fewer than the 40" in r.note
    assert r.linear["calls"] == pytest.approx(5e-6, rel=1e-6)
    assert r.linear["macs"] == pytest.approx(1 / 20e9, rel=1e-6)
    assert r.linear["bytes"] == pytest.approx(1 / 8e9, rel=1e-6)
    assert r.median_error is not None and r.median_error < 1e-6


def test_without_scikit_learn_every_kind_is_linear_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regress, "forest_available", lambda: False)
    r = fit_regressors(samples_of("conv1x1", 60, 1))["conv1x1"]
    assert r.model == "linear" and "scikit-learn is not installed" in r.note and "lwprof[latency]" in r.note


def test_fit_refuses_bad_samples() -> None:
    good = samples_of("conv", 3, 1)
    with pytest.raises(ValueError, match="positive"):
        fit_regressors([*good, KernelSample("conv", good[0].features, 0.0)])
    with pytest.raises(ValueError, match="different features"):
        fit_regressors([*good, KernelSample("conv", {"macs": 1.0}, 1.0)])


def test_exported_trees_predict_what_scikit_learn_predicts() -> None:
    """The oracle is scikit-learn's own predict, on inputs that float32 rounding separates."""
    np = pytest.importorskip("numpy")
    ensemble = pytest.importorskip("sklearn.ensemble")
    rng = random.Random(0)
    x = [[rng.uniform(0, 1e9), rng.choice((1.0, 3.0, 5.0)), rng.uniform(0, 1)] for _ in range(300)]
    y = [math.log(1e-5 + a / 1e13 + (k > 2) * 1e-5 + c * 1e-6) for a, k, c in x]
    model = ensemble.RandomForestRegressor(n_estimators=8, min_samples_leaf=2, random_state=0).fit(x, y)
    names = ("a", "k", "c")
    r = KernelRegressor("t", "forest", names, {"calls": 0.0, "macs": 0.0, "bytes": 0.0}, export_forest(model), target="log")
    # Points at the thresholds themselves and a float64 hair either side of them.
    probe = [list(p) for p in x[:50]]
    for tree in r.trees[:2]:
        for f, t in zip(tree.feature, tree.threshold):
            if f >= 0:
                for v in (t, math.nextafter(t, math.inf), math.nextafter(t, -math.inf)):
                    p = list(x[0])
                    p[f] = v
                    probe.append(p)
    expected = np.exp(model.predict(np.array(probe)))
    got = [r.predict(dict(zip(names, p))) for p in probe]
    assert got == pytest.approx(list(expected), rel=1e-12)


def test_json_round_trip_gives_identical_predictions() -> None:
    samples = samples_of("conv1x1", 80, 1) + samples_of("add", 10, 2)
    regressors = fit_regressors(samples)
    back = regressors_from_dict(json.loads(json.dumps(regressors_to_dict(regressors))))
    assert set(back) == {"conv1x1", "add"} and back["add"].model == "linear"
    for s in samples:
        assert back[s.kind].predict(s.features) == regressors[s.kind].predict(s.features)
    assert back == regressors
    assert KernelSample.from_dict(json.loads(json.dumps(samples[0].to_dict()))) == samples[0]


def test_errors_and_interval_from_the_held_out_ratios() -> None:
    r = KernelRegressor("add", "linear", (), {"calls": 1e-6, "macs": 0.0, "bytes": 0.0}, held_out=(0.5, 0.8, 1.0, 1.25, 2.0))
    # |predicted / measured - 1| = |1 / ratio - 1|: 1, 0.25, 0, 0.2, 0.5 -> median 0.25
    assert r.median_error == pytest.approx(0.25)
    # 80%: the 10th and 90th percentiles of the ratios, interpolated: 0.5 + 0.4 x 0.3 = 0.62 and 1.25 + 0.6 x 0.75 = 1.7
    assert r.interval(0.8) == pytest.approx((0.62, 1.7))
    assert KernelRegressor("add", "linear", (), {}, held_out=(1.0, 1.0, 1.0)).interval() is None


def test_a_missing_feature_is_named() -> None:
    r = fit_regressors(samples_of("conv1x1", 60, 1))["conv1x1"]
    with pytest.raises(LwprofError, match="feature 'act' is missing"):
        r.predict({"macs": 1.0, "bytes": 1.0})


def _forest_json() -> dict:
    return fit_regressors(samples_of("dwconv", 50, 1))["dwconv"].to_dict()


def _set(path: Sequence[object], value: object):
    def edit(d: dict) -> None:
        if path[0] == "trees" and len(path) == 4:  # one node of a tree's array: base64 of int32 or float64
            tree, name, i = d["trees"][path[1]], str(path[2]), int(path[3])  # type: ignore[call-overload]
            numbers = array.array("i" if name in ("feature", "left", "right") else "d", base64.b64decode(tree[name]))
            numbers[i] = value  # type: ignore[call-overload]
            tree[name] = base64.b64encode(numbers.tobytes()).decode()
            return
        node = d
        for key in path[:-1]:
            node = node[key]  # type: ignore[index]
        if value is _DELETE:
            del node[path[-1]]  # type: ignore[arg-type]
        else:
            node[path[-1]] = value  # type: ignore[index]

    return edit


_DELETE = object()
CORRUPT = [
    (("model",), "tree", "model"),
    (("target",), "seconds", "target"),
    (("kind",), _DELETE, "kind is missing"),
    (("extra",), 1, "extra is not a field"),
    (("features",), ["cin", "cin"], "features"),
    (("linear", "macs"), -1.0, "linear.macs must not be negative"),
    (("linear", "bytes"), "fast", "linear.bytes must be a number"),
    (("linear", "calls"), float("nan"), "linear.calls must be a finite number"),
    (("trees",), [], "trees must be non-empty for a forest"),
    (("trees", 0, "left", 0), 0, "trees[0].left[0] must be -1 (a leaf) or a later node's index"),
    (("trees", 0, "left", 0), -1, "trees[0].right[0] must be -1 exactly when left is"),
    (("trees", 0, "feature", 0), 99, "trees[0].feature[0] must be a feature's index (0 to 17)"),
    (("trees", 0, "threshold", 0), float("inf"), "trees[0].threshold[0] must be a finite number, got Infinity"),
    (("trees", 0, "value"), "AAAA", "trees[0].value must be base64 of"),
    (("trees", 0, "right"), "not base64!", "(not base64)"),
    (("trees", 0, "nodes"), 0, "trees[0].nodes must be a whole number >= 1"),
    (("trees", 0, "feature"), [1, 2], "trees[0].feature must be base64 of"),
    (("held_out", 0), 0, "held_out[0] must be a positive ratio"),
    (("samples",), 1.5, "samples must be a whole number"),
]


@pytest.mark.parametrize(("path", "value", "message"), CORRUPT, ids=[m for _, _, m in CORRUPT])
def test_a_corrupted_field_is_one_line_naming_it(path: Sequence[object], value: object, message: str) -> None:
    data = json.loads(json.dumps(_forest_json()))
    _set(path, value)(data)
    data = json.loads(json.dumps(data))  # as a file would hold it (NaN and Infinity as JSON spells them)
    with pytest.raises(LwprofError) as exc:
        regressors_from_dict({"dwconv": data}, "cal.json: regressors")
    text = str(exc.value)
    assert "\n" not in text and text.startswith("cal.json: regressors.dwconv") and message in text, text
    assert "run `lwprof calibrate` again" in text


def test_a_key_that_is_not_its_kind_is_refused() -> None:
    with pytest.raises(LwprofError, match="not its key"):
        regressors_from_dict({"conv": _forest_json()})


def test_predicting_needs_neither_scikit_learn_nor_torch_and_is_fast(tmp_path) -> None:
    kinds = ("conv1x1", "dwconv", "conv", "activation", "batchnorm", "add")
    samples = [s for i, k in enumerate(kinds) for s in samples_of(k, 60, i)]
    path = tmp_path / "regressors.json"
    path.write_text(json.dumps({"regressors": regressors_to_dict(fit_regressors(samples)), "kernels": [s.to_dict() for s in samples[::2]]}))
    code = f"""
import json, sys, time
from lwprof.latency.regress import KernelSample, regressors_from_dict
start = time.perf_counter()
data = json.load(open({str(path)!r}))
regressors = regressors_from_dict(data["regressors"])
kernels = [KernelSample.from_dict(k) for k in data["kernels"]]
total = sum(regressors[k.kind].predict(k.features) for k in kernels)
elapsed = time.perf_counter() - start
print(len(kernels), elapsed, total > 0, "sklearn" in sys.modules, "torch" in sys.modules, "numpy" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "180" and out[2:] == ["True", "False", "False", "False"], out
    # Loading six forests and predicting 180 kernels (a large network's worth): under the 50 ms --predict may add.
    assert float(out[1]) < 0.05, out


# -- adaptive sampling ------------------------------------------------------------------------------


def _conv_features(module: nn.Module, shape: tuple[int, ...]) -> dict[str, float]:
    """MACs and bytes of a built conv kernel, from the module's own attributes (independent of the features code)."""
    conv = next(m for m in module.modules() if isinstance(m, nn.Conv2d))
    _, cin, h, w = shape
    k, s, g = conv.kernel_size[0], conv.stride[0], conv.groups
    ho, wo = (h + 2 * (k // 2) - k) // s + 1, (w + 2 * (k // 2) - k) // s + 1
    params = sum(p.numel() for p in module.parameters())
    macs = conv.out_channels * ho * wo * (cin // g) * k * k
    return {"macs": macs, "bytes": (cin * h * w + params + conv.out_channels * ho * wo) * 4, "cin": cin}


def test_adaptive_sampling_measures_more_where_the_function_is_hardest() -> None:
    """conv1x1 times are exactly linear (no kink, no noise); depthwise times jump with the channel count
    and the cache and are noisy: after the first round, the depthwise kernels get the larger share."""
    rng = random.Random(0)

    def measure(kernels: list[tuple[nn.Module, tuple[int, ...]]]) -> list[float]:
        out = []
        for module, shape in kernels:
            f = _conv_features(module, shape)
            conv = next(m for m in module.modules() if isinstance(m, nn.Conv2d))
            if conv.groups == 1:
                out.append(5e-6 + f["macs"] / 20e9 + f["bytes"] / 8e9)
            else:
                jump = 2.0 if f["cin"] % 32 else 1.0
                out.append(simulated(f, rng, noise=0.08) * jump)
        return out

    scores: list[Mapping[str, float]] = []
    samples = adaptive_sample([SPACES["conv1x1"], SPACES["dwconv"]], measure, budget=240, rounds=3, seed=0, on_round=lambda r, s: scores.append(s))
    counts = {k: sum(s.kind == k for s in samples) for k in ("conv1x1", "dwconv")}
    assert 230 <= len(samples) <= 240 and len(scores) == 3
    assert all(s["dwconv"] > 3 * s["conv1x1"] for s in scores), scores
    assert counts["dwconv"] > 2 * counts["conv1x1"], counts


def test_adaptive_sampling_checks_what_measure_returns() -> None:
    with pytest.raises(ValueError, match="returned 0 times"):
        adaptive_sample([SPACES["add"]], lambda kernels: [], budget=4, rounds=0)
    with pytest.raises(ValueError, match="must be positive"):
        adaptive_sample([SPACES["add"]], lambda kernels: [0.0] * len(kernels), budget=4, rounds=0)
    with pytest.raises(ValueError, match="at least 2 per kind"):
        adaptive_sample([SPACES["add"], SPACES["mul"]], lambda kernels: [1.0] * len(kernels), budget=3)


def test_adaptive_sampling_runs_over_every_kind_and_leaves_the_random_state_alone() -> None:
    state = torch.random.get_rng_state()
    seen: list[int] = []

    def measure(kernels: list[tuple[nn.Module, tuple[int, ...]]]) -> list[float]:
        seen.append(len(kernels))
        return [5e-6 + math.prod(shape) * 1e-9 for _, shape in kernels]

    samples = adaptive_sample(SPACES, measure, budget=4 * len(SPACES), rounds=1, seed=1, min_samples=2)
    assert {s.kind for s in samples} == set(KERNEL_KINDS) and sum(seen) == len(samples) <= 4 * len(SPACES)
    assert seen[0] == 2 * len(SPACES)  # the first half of the budget, evenly: 2 per kind
    assert torch.equal(torch.random.get_rng_state(), state)


def test_built_modules_run() -> None:
    """Every kind's module runs on its input shape and gives the configuration's output shape."""
    rng = random.Random(11)
    for kind, space in SPACES.items():
        config = space.draw(rng)
        while config_features(config)["elements_in"] > 2e5:  # keep the real forward small
            config = space.draw(rng)
        module, shape = build(config)
        with torch.no_grad():
            y = module(torch.zeros(shape))
        ho, wo = config.out_size
        assert tuple(y.shape) == ((1, config.cout) if kind == "linear" else (1, config.cout, ho, wo)), config.label


# -- one real eager mini-run ------------------------------------------------------------------------


def _min_time(kernels: list[tuple[nn.Module, tuple[int, ...]]]) -> list[float]:
    """Seconds per call: the fastest of 9 runs of >= 0.5 ms each (the fastest resists the other processes)."""
    out = []
    for module, shape in kernels:
        x = torch.randn(shape)
        with torch.no_grad():
            module(x)
            start = time.perf_counter()
            module(x)
            calls = max(1, int(0.0005 / max(time.perf_counter() - start, 1e-7)))
            best = math.inf
            for _ in range(9):
                start = time.perf_counter()
                for _ in range(calls):
                    module(x)
                best = min(best, (time.perf_counter() - start) / calls)
        out.append(best)
    return out


def real_samples(per_kind: Mapping[str, int] | None = None, seed: int = 0) -> list[KernelSample]:
    """Real timings, 1 thread: activations of every type (ReLU to SiLU: the per-element cost depends
    on the type, which the linear model does not see), depthwise and 1x1 convs. Two passes in
    opposite orders, the faster kept."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        space = spaces(fused=False, max_macs=5_000_000)
        rng = random.Random(seed)
        configs: list[KernelConfig] = []
        counts = per_kind or {"activation": 75, "dwconv": 45, "conv1x1": 45}
        for kind, n in counts.items():
            while sum(c.kind == kind for c in configs) < n:
                c = space[kind].draw(rng)
                size = config_features(c)["elements_in"]
                if (2e5 <= size <= 2e6) if kind == "activation" else size <= 4e5:
                    configs.append(c)
        built = [build(c) for c in configs]
        first, second = _min_time(built), _min_time(built[::-1])[::-1]
    finally:
        torch.set_num_threads(threads)
    return [KernelSample(c.kind, config_features(c), min(a, b)) for c, a, b in zip(configs, first, second)]


def held_out_errors(samples: Sequence[KernelSample], **options: object) -> tuple[dict[str, tuple[float, float]], dict[str, KernelRegressor]]:
    """Every third sample held out, the others fitted (min_samples 20): kind -> the median held-out
    error of (the regressor, its linear baseline), and the regressors."""
    train = [s for i, s in enumerate(samples) if i % 3]
    test = [s for i, s in enumerate(samples) if i % 3 == 0]
    regressors = fit_regressors(train, min_samples=20, **options)  # type: ignore[arg-type]
    errors = {}
    for kind, r in regressors.items():
        mine = [s for s in test if s.kind == kind]
        errors[kind] = (
            sorted(abs(r.predict(s.features) / s.seconds - 1) for s in mine)[len(mine) // 2],
            sorted(abs(r.baseline(s.features) / s.seconds - 1) for s in mine)[len(mine) // 2],
        )
    return errors, regressors


def test_real_eager_kernels_the_forest_beats_the_linear_model_where_shape_is_not_enough() -> None:
    """165 real kernels, a few seconds (:func:`real_samples`)."""
    errors, regressors = held_out_errors(real_samples())
    forest, linear = errors["activation"]
    # Measured over seeds 0-4 (a loaded 2-core machine): activations 6-10% vs the linear model's 14-46%.
    assert regressors["activation"].model == "forest" and forest < 0.75 * linear, errors
    # The convs: no reliable gain on 30 noisy training kernels each (over seeds 0-4 the baseline was
    # kept on 7 of 10, and the 3 forests kept were no closer); only a sanity bound on every kind.
    assert all(f < 0.35 for f, _ in errors.values()), errors
