"""lwprof fit: ranges from the registry's options, the grid, exact re-targeting to other
resolutions, the Pareto front and the choice under budgets (on hand-made grids and a fake
calibration; the search's speed is measured in reports/latency_prediction.md)."""

from __future__ import annotations

import json

import pytest

import lwprof
from lwprof.architectures import get_architecture, list_architectures
from lwprof.errors import LwprofError
from lwprof.latency.fit import Budgets, Candidate, choose, grid, pareto_front, parse_latency, parse_range, parse_vary_ranges, retarget, same_counts
from lwprof.latency.predict import predict_profile
from tests.data.fake_calibration import make_calibration

MOBILENET = get_architecture("mobilenet")

# -- ranges --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, text, values",
    [
        ("alpha", "0.25:1.0:0.25", (0.25, 0.5, 0.75, 1.0)),
        ("alpha", "0.3:0.4:0.05", (0.3, 0.35, 0.4)),  # no 0.35000000000000003, and the end is included
        ("alpha", "0.5,1", (0.5, 1.0)),
        ("resolution", "96:160:32", (96, 128, 160)),
        ("resolution", "128:130", (128, 129, 130)),
        ("groups", "2,4,4", (2, 4)),  # duplicates once
        ("shallow", "all", (False, True)),
        ("groups", "all", (2, 4, 8)),  # no declared choices: the default set
    ],
)
def test_parse_range(key: str, text: str, values: tuple) -> None:
    assert parse_range(MOBILENET.option(key), text) == values


def test_parse_range_all_of_a_choice_option() -> None:
    assert [c.value for c in parse_range(MOBILENET.option("conv"), "all")] == ["standard", "grouped", "dwsep"]
    assert parse_range(get_architecture("shufflenet").option("groups"), "all") == (1, 2, 3, 4, 8)


@pytest.mark.parametrize(
    "key, text, message",
    [
        ("alpha", "0:1:0.5", "alpha must be > 0"),
        ("alpha", "1:0.5:0.1", "B must be >= A"),
        ("alpha", "0.5:1:0", "STEP must be a positive number"),
        ("alpha", "0.5:1:x", "must be numbers"),
        ("alpha", "1:2:3:4", "write A:B:STEP"),
        ("resolution", "96:128:0.5", "whole numbers"),
        ("resolution", "0,224", "resolution must be >= 1"),
        ("conv", "standard:dwsep", "needs a numeric option"),
        ("conv", "standard,bogus", "is not allowed"),
        ("alpha", "all", "no finite set of values"),
        ("alpha", "0.5,,1", "empty value"),
        ("alpha", "0.25:1.0:1e-320", "more than 20,000 values"),  # (B - A) / STEP overflows to inf
    ],
)
def test_parse_range_errors(key: str, text: str, message: str) -> None:
    with pytest.raises(LwprofError, match=message):
        parse_range(MOBILENET.option(key), text)


def test_parse_vary_ranges() -> None:
    assert parse_vary_ranges(["alpha=0.25:1:0.25", "dw-kernel=3,5"]) == {"alpha": "0.25:1:0.25", "dw_kernel": "3,5"}
    for bad in (["alpha"], ["alpha="], ["=1"]):
        with pytest.raises(LwprofError, match="KEY="):
            parse_vary_ranges(bad)
    with pytest.raises(LwprofError, match="given twice"):
        parse_vary_ranges(["alpha=1", "alpha=0.5"])


@pytest.mark.parametrize("text, seconds", [("15", 0.015), ("15ms", 0.015), ("0.015s", 0.015), ("800us", 0.0008), (" 2.5 ms", 0.0025)])
def test_parse_latency(text: str, seconds: float) -> None:
    assert parse_latency(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["0", "-3ms", "fast", "nan", "inf"])
def test_parse_latency_errors(text: str) -> None:
    with pytest.raises(LwprofError, match="--max-latency"):
        parse_latency(text)


# -- the grid --------------------------------------------------------------------------------------


def test_grid_drops_options_that_do_not_apply() -> None:
    conv = MOBILENET.option("conv")
    axes = {"conv": parse_range(conv, "standard,grouped"), "groups": (2, 4)}
    combos, skipped = grid(MOBILENET, axes, {})
    assert [{k: getattr(v, "value", v) for k, v in c.items()} for c in combos] == [
        {"conv": "standard"},  # groups has no effect: kept once
        {"conv": "grouped", "groups": 2},
        {"conv": "grouped", "groups": 4},
    ]
    assert skipped == []


def test_grid_refuses_an_option_that_never_applies() -> None:
    with pytest.raises(LwprofError, match="groups has no effect"):
        grid(MOBILENET, {"groups": (2, 4)}, {})


def test_grid_refuses_a_huge_grid() -> None:
    with pytest.raises(LwprofError, match="at most"):
        grid(MOBILENET, {"alpha": tuple(i / 1000 for i in range(1, 1001)), "resolution": tuple(range(32, 100))}, {})


# -- re-targeting ----------------------------------------------------------------------------------


CASES = [(spec.name, {}) for spec in list_architectures()] + [
    ("mobilenet_v1", {"conv": "grouped", "groups": 8, "alpha": 0.5}),
    ("mobilenet_v1", {"conv": "standard", "shallow": True}),
    ("shufflenet_v1", {"groups": 8, "scale": 0.5}),
    ("ghostnet", {"conv": "standard", "width": 0.6}),
    ("mobilenet_v2", {"conv": "standard", "width": 0.35}),
]


@pytest.mark.parametrize("arch, options", CASES, ids=[f"{a}-{'-'.join(f'{k}{v}' for k, v in o.items())}" for a, o in CASES])
def test_retarget_equals_a_real_walk_record_by_record(arch: str, options: dict) -> None:
    reference = lwprof.profile(arch, resolution=224, **options)
    for resolution in (32, 97, 128, 161, 200, 256, 299):
        real = lwprof.profile(arch, resolution=resolution, **options)
        moved = retarget(reference, resolution, 32)
        assert same_counts(moved, real) == "", (resolution, same_counts(moved, real))
        assert (moved.params, moved.macs, moved.other_ops, moved.traffic_bytes) == (real.params, real.macs, real.other_ops, real.traffic_bytes)
        assert moved.config["resolution"] == resolution and moved.input_shape == real.input_shape


@pytest.mark.parametrize("arch, options", CASES, ids=[f"{a}-{'-'.join(f'{k}{v}' for k, v in o.items())}" for a, o in CASES])
def test_scaled_prices_exactly_what_a_retargeted_profile_costs(arch: str, options: dict) -> None:
    from lwprof.latency.fit import Scaled

    cal = make_calibration(network={"calls": 4e-6, "bytes": 2e-11})
    reference = lwprof.profile(arch, resolution=224, **options)
    scaled = Scaled(reference, 32, cal)
    for resolution in (32, 97, 161, 224, 299):
        moved = retarget(reference, resolution, 32)
        params, macs, seconds = scaled.at(resolution)
        assert (params, macs) == (moved.params, moved.macs) and isinstance(macs, int)
        assert seconds == pytest.approx(predict_profile(moved, cal).total_s, rel=1e-9)


@pytest.mark.parametrize("arch", [spec.name for spec in list_architectures()])
def test_profiles_built_without_weight_initialisation_are_identical(arch: str) -> None:
    from torch import nn

    from lwprof.latency.fit import skip_init

    with skip_init():
        fast = lwprof.profile(arch, resolution=96)
    assert nn.Linear.reset_parameters.__name__ == "reset_parameters"  # restored
    slow = lwprof.profile(arch, resolution=96)
    assert same_counts(fast, slow) == "" and fast.peak_activation_elements == slow.peak_activation_elements and fast.buffers == slow.buffers


def test_same_counts_names_the_first_difference() -> None:
    a, b = lwprof.profile("mobilenet", resolution=224), lwprof.profile("mobilenet", resolution=192)
    assert "input_shape" in same_counts(a, b)


# -- the front and the choice ------------------------------------------------------------------------


def _c(label: str, params: int, macs: int, ms: float, budgets: Budgets = Budgets()) -> Candidate:
    return Candidate(label, {}, label, params, macs, ms / 1e3, budgets.holds(params, macs, ms / 1e3))


def test_pareto_front_on_a_hand_made_grid() -> None:
    cands = [
        _c("a", 10, 100, 5.0),  # front: cheapest
        _c("b", 20, 300, 8.0),  # front
        _c("c", 25, 250, 9.0),  # dominated by b (fewer MACs, more params, slower)
        _c("d", 20, 300, 8.0),  # a tie with b: neither dominates, both on the front
        _c("e", 15, 300, 12.0),  # front: fewer params than b, though slower
        _c("f", 30, 500, 20.0),  # front: the most MACs
        _c("g", 30, 500, 21.0),  # dominated by f (slower)
    ]
    assert pareto_front(cands) == [True, True, False, True, True, True, False]


def test_choose_the_most_macs_within_the_budgets() -> None:
    budgets = Budgets(max_macs=400, max_params=25, max_latency_s=0.010)
    cands = [_c("a", 10, 100, 5.0, budgets), _c("b", 20, 300, 8.0, budgets), _c("e", 15, 300, 12.0, budgets), _c("f", 30, 500, 20.0, budgets)]
    assert [c.fits for c in cands] == [True, True, False, False]
    assert cands[choose(cands)].label == "b"
    assert cands[choose(cands, "latency")].label == "a"
    none = [_c("f", 30, 500, 20.0, Budgets(max_params=1))]
    assert choose(none) is None
    with pytest.raises(LwprofError, match="objective"):
        choose(cands, "params")


def test_choice_breaks_ties_towards_the_faster() -> None:
    cands = [_c("slow", 10, 300, 9.0), _c("fast", 12, 300, 7.0)]
    assert cands[choose(cands)].label == "fast"


# -- the whole search, on a fake calibration ---------------------------------------------------------


def test_fit_finds_the_best_by_brute_force() -> None:
    cal = make_calibration()
    result = lwprof.fit("mobilenet", {"alpha": "0.25:1.0:0.25", "resolution": "128,160,224"}, max_latency="9ms", calibration=cal)
    assert len(result.candidates) == 12 and not result.skipped
    # every candidate's numbers are those of its own profile
    for c in result.candidates:
        p = lwprof.profile(c.spec)
        assert (c.params, c.macs) == (p.params, p.macs)
        assert c.latency_s == pytest.approx(predict_profile(p, cal).total_s, rel=1e-9)
    fits = [c for c in result.candidates if c.latency_s <= 0.009]
    assert result.chosen is not None and result.chosen.macs == max(c.macs for c in fits)
    assert result.chosen.front and result.chosen.fits
    assert result.profiled == 4 + 1  # one walk per alpha, plus one check of re-targeting
    data = json.loads(json.dumps(result.to_dict()))
    assert data["best"]["spec"] == result.chosen.spec and data["searched"] == 12
    assert len(data["front"]) == sum(c.front for c in result.candidates)


def test_fit_with_fixed_options_and_defaults() -> None:
    result = lwprof.fit("mobilenet@conv=dwsep", {"alpha": "0.5,1"}, calibration=make_calibration())
    assert result.fixed == {"conv": "dwsep"} and {c.config["alpha"] for c in result.candidates} == {0.5, 1.0}
    assert result.chosen.config == {"alpha": 1.0}  # no budgets: the most MACs
    default = lwprof.fit("shufflenet", max_macs="100M", calibration=make_calibration())
    assert set(default.axes) == {"resolution", "scale", "groups"}
    assert all(c.macs <= 100e6 for c in default.candidates if c.fits) and default.chosen.macs <= 100e6


def test_fit_reports_invalid_grid_points() -> None:
    result = lwprof.fit("mobilenet", {"alpha": "0.3,0.5", "conv": "grouped", "groups": "8"}, calibration=make_calibration())
    assert [c.config["alpha"] for c in result.candidates] == [0.5]
    assert result.skipped and "does not divide" in result.skipped[0][1]


def test_the_choice_is_shown_when_a_configuration_beyond_the_budgets_dominates_it() -> None:
    from lwprof.latency.fit import FitResult
    from lwprof.render.predict_grids import fit_grid, fit_rows

    budgets = Budgets(max_macs=100)
    c, d = _c("c", 10, 100, 2.0, budgets), _c("d", 9, 120, 1.5, budgets)  # d: more MACs, fewer params, faster, but over the budget
    on = pareto_front([c, d])
    assert on == [False, True]
    cands = [Candidate(x.label, {}, x.label, x.params, x.macs, x.latency_s, x.fits, front) for x, front in zip((c, d), on)]
    best = choose(cands)
    assert cands[best].label == "c"
    result = FitResult("mobilenet_v1", {"alpha": (1.0,)}, {}, tuple(cands), best, budgets, "macs", (), 2, 0.1, {}, 1, ())
    assert [r.label for r in fit_rows(result)] == ["d", "c"]
    grid = fit_grid(result)
    assert ("c", 10, 100, 2.0, "yes", "best") in grid.rows
    assert any("not on the Pareto front" in n.text for n in grid.notes)


def test_fit_takes_vary_texts_and_the_calibrations_dtype() -> None:
    result = lwprof.fit("mobilenet", ["alpha=0.5,1", "resolution=128:160:32"], calibration=make_calibration(dtype="bf16"))
    assert len(result.candidates) == 4 and not result.skipped
    p = lwprof.profile("mobilenet@alpha=0.5,resolution=160", dtype="bf16")
    found = next(c for c in result.candidates if c.config == {"alpha": 0.5, "resolution": 160})
    assert found.latency_s == pytest.approx(predict_profile(p, make_calibration(dtype="bf16")).total_s, rel=1e-9)


def test_fit_with_nothing_within_budget() -> None:
    result = lwprof.fit("mobilenet", {"alpha": "0.5,1"}, max_params="1k", calibration=make_calibration())
    assert result.chosen is None and not any(c.fits for c in result.candidates)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vary": {"alpha": "1"}, "alpha": 0.5}, "both fixed and varied"),
        ({"vary": {"bogus": "1"}}, "no option 'bogus'"),
        ({"vary": {"alpha": "1"}, "max_macs": "lots"}, "--max-macs"),
        ({"vary": {"alpha": "1"}, "max_latency": "soon"}, "--max-latency"),
        ({"vary": {"alpha": "1"}, "objective": "params"}, "--objective"),
        ({"vary": {"alpha": "1"}, "max_params": -1}, "must not be negative"),
    ],
)
def test_fit_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(LwprofError, match=message):
        lwprof.fit("mobilenet", calibration=make_calibration(), **kwargs)


# -- fit --measure: the finalists' kernels timed, stored, and the choice made again ---------------------------------


def test_fit_measure_times_the_finalists_kernels_stores_them_and_chooses_again(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof.latency import fit as search
    from lwprof.latency import kernelpred
    from tests.data.fake_calibration import write_calibration

    path = write_calibration(path=tmp_path / "cal.json", held_out=(0.9, 0.95, 1.0, 1.05, 1.1))
    grid = {"alpha": "0.25:1.0:0.25", "resolution": "128,160,224"}
    plain = lwprof.fit("mobilenet", grid, max_latency="9ms", calibration=str(path))
    finalists = search.finalists(plain)
    assert plain.chosen is not None and finalists[0] is plain.chosen and len(finalists) <= search.MEASURE_LIMIT
    timed: list[int] = []

    def one_second_each(threads, tick):  # every kernel "takes" 1 s: far over the 9 ms budget
        def measure(batch):
            timed.append(len(batch))
            return [1.0] * len(batch)

        return measure

    monkeypatch.setattr(kernelpred, "_torch_measure", one_second_each)
    measured = lwprof.fit("mobilenet", grid, max_latency="9ms", calibration=str(path), measure=True)
    stored = json.loads(path.read_text())["measured"]
    assert timed and len(stored) == sum(timed)  # every distinct kernel timed once, all stored in the file
    plain_price = {c.spec: c.latency_s for c in plain.candidates}
    # in eager PyTorch every leaf is a kernel (a mobilenet_v1's convs, BatchNorms, ReLUs, pool, classifier): at 1 s each, far over 9 ms
    repriced = [c for c in measured.candidates if c.latency_s != plain_price[c.spec]]
    assert all(c.latency_s > 20 and not c.fits for c in repriced)
    assert {c.spec for c in finalists} <= {c.spec for c in repriced} and len(repriced) <= search.MEASURE_LIMIT
    # each round's new choice was measured in the next (up to 3 rounds): here every configuration that fitted, so none fits now
    assert {c.spec for c in plain.candidates if c.fits} <= {c.spec for c in repriced} and measured.chosen is None
    (note,) = [n.text for n in measured.notes if n.text.startswith("--measure:")]
    assert f"the exact kernels of {len(repriced)} finalist(s)" in note and f"stored in {path}" in note and "not measured yet" not in note
    # a later plain fit on the same file prices with the linear model alone, the measured table ignored
    again = lwprof.fit("mobilenet", grid, max_latency="9ms", calibration=str(path))
    assert [c.latency_s for c in again.candidates] == pytest.approx([c.latency_s for c in plain.candidates], rel=1e-12)


def test_fit_measure_says_when_its_last_choice_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof import api
    from lwprof.latency import kernelpred

    monkeypatch.setattr(api, "MEASURE_ROUNDS", 1)
    monkeypatch.setattr(kernelpred, "_torch_measure", lambda threads, tick: lambda batch: [1.0] * len(batch))
    cal = make_calibration(held_out=(0.9, 0.95, 1.0, 1.05, 1.1))  # no file: nothing is stored, the note says none
    grid = {"alpha": "0.25:1.0:0.25", "resolution": "128,160,224"}
    plain = lwprof.fit("mobilenet", grid, max_latency="9ms", calibration=cal)
    result = lwprof.fit("mobilenet", grid, max_latency="9ms", calibration=cal, measure=True)
    assert result.chosen is not None and result.chosen.spec != plain.chosen.spec  # type: ignore[union-attr]
    assert result.chosen.latency_s == next(c.latency_s for c in plain.candidates if c.spec == result.chosen.spec)  # its linear price
    (note,) = [n.text for n in result.notes if n.text.startswith("--measure:")]
    assert f"the new choice ({result.chosen.label}) is not measured yet: run again to measure it" in note and "stored in" not in note


def test_fit_measure_refuses_another_machines_calibration_before_timing(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof.latency import kernelpred
    from tests.data.fake_calibration import write_calibration

    path = write_calibration(path=tmp_path / "board.json", machine="arm-board-4cpu", held_out=(0.9, 1.0, 1.1, 1.2))
    before = path.read_bytes()
    monkeypatch.setattr(kernelpred, "_torch_measure", lambda threads, tick: pytest.fail("timed on this machine"))
    with pytest.raises(LwprofError, match=r"was made on Test CPU \(arm-board-4cpu\), not this machine .*run the command on that machine"):
        lwprof.fit("mobilenet", {"alpha": "0.5,1"}, max_latency="9ms", calibration=str(path), measure=True)
    assert path.read_bytes() == before


def test_a_measured_kernel_is_keyed_by_its_batch_when_not_1() -> None:
    from lwprof.latency.kernelpred import signature

    features = {"cin": 16.0, "cout": 16.0}  # an activation's features do not change with the batch; its time does
    assert signature("activation", features) == "activation|cin=16,cout=16"
    assert signature("activation", features, batch=4) == "activation|cin=16,cout=16|batch=4"


def test_fit_measure_with_nothing_within_the_counts_budgets_measures_nothing() -> None:
    result = lwprof.fit("mobilenet", {"alpha": "0.5,1"}, max_macs="1k", calibration=make_calibration(), measure=True)
    assert result.chosen is None and any(n.text.startswith("--measure: no finalist to measure (no configuration within the budgets") for n in result.notes)
