"""Paper conformance: every published number in lwprof/reference/published.py, and the checker itself."""

from __future__ import annotations

import dataclasses

import pytest

from lwprof.errors import LwprofError
from lwprof.reference import check
from lwprof.reference.check import CheckResult, run_checks
from lwprof.reference.published import (
    CONVENTION_NAMES,
    MOBILENET_V1,
    REFERENCES,
    TRUNCATED_REASON,
    Reference,
    published_for,
)


@pytest.fixture(scope="module")
def all_results() -> list[CheckResult]:
    return run_checks()


def _by(entry_filter) -> Reference:
    matches = [r for r in REFERENCES if entry_filter(r)]
    assert len(matches) == 1, matches
    return matches[0]


# --------------------------------------------------------------------------- the whole table


def test_every_published_number_passes_or_is_a_known_gap(all_results: list[CheckResult]) -> None:
    # All of MobileNetV1 Tables 2-7 and 9, ShuffleNet v1 Tables 1, 2 and 5, MobileNetV2 Table 4
    # and the authors' TF-slim README (V2 checkpoints at 224), ShuffleNet V2 Table 5, MobileNetV3
    # Table 3, GhostNet's ImageNet table and the articles' worked examples, each under the
    # convention recorded with it.
    assert len(all_results) == len(REFERENCES)
    failed = [f"{r.source} | {r.model} | {r.quantity}: {r.note}" for r in all_results if r.status == "fail"]
    assert not failed, "\n".join(failed)
    for ref, res in zip(REFERENCES, all_results):
        if res.status == "pass":
            assert ref.expected_discrepancy is None
            assert abs(res.computed - res.published) <= res.tolerance
        else:
            assert res.status == "known gap"
            assert ref.expected_discrepancy is not None
            assert abs(res.difference - ref.expected_discrepancy) <= res.tolerance


def test_known_gaps_are_the_documented_ones(all_results: list[CheckResult]) -> None:
    # MobileNetV1 Table 2 (first-layer share 1.19 %, a typo for 1.91), Table 4 (Conv MobileNet
    # 4866), ShuffleNet v1 Table 2 (140 at g = 3), MobileNetV2 Table 4 (the 1.4 row, 6.9 M /
    # 585 M, not the released 1.4 model), ShuffleNet V2 Table 5 (MACs: torchvision's stride-2
    # unit; 0.5x unexplained), MobileNetV3 Table 3 (Large 219 M) and GhostNet Table 7 (1.3x, 226 M).
    gaps = {(r.source, r.model, r.quantity, r.published) for r in all_results if r.status == "known gap"}
    assert gaps == {
        ("MobileNetV1 (arXiv 1704.04861) Table 2", "mobilenet_v1", "MACs share Conv 3x3", 1.19),
        ("MobileNetV1 (arXiv 1704.04861) Table 4", "mobilenet_v1 conv=standard", "MACs", 4866.0),
        ("ShuffleNet v1 (arXiv 1707.01083) Table 2", "shufflenet_v1 groups=3 scale=1.0", "MACs", 140.0),
        ("MobileNetV2 (arXiv 1801.04381) Table 4", "mobilenet_v2 width=1.4", "params", 6.9),
        ("MobileNetV2 (arXiv 1801.04381) Table 4", "mobilenet_v2 width=1.4", "MACs", 585.0),
        ("ShuffleNet V2 (arXiv 1807.11164) Table 5", "shufflenet_v2 scale=0.5", "MACs", 41.0),
        ("ShuffleNet V2 (arXiv 1807.11164) Table 5", "shufflenet_v2 scale=1.0", "MACs", 146.0),
        ("ShuffleNet V2 (arXiv 1807.11164) Table 5", "shufflenet_v2 scale=1.5", "MACs", 299.0),
        ("ShuffleNet V2 (arXiv 1807.11164) Table 5", "shufflenet_v2 scale=2.0", "MACs", 591.0),
        ("MobileNetV3 (arXiv 1905.02244) Table 3", "mobilenet_v3_large", "MACs", 219.0),
        ("GhostNet (arXiv 1911.11907) Table 7", "ghostnet width=1.3", "MACs", 226.0),
    }


def test_results_carry_convention_and_units(all_results: list[CheckResult]) -> None:
    assert {f.name for f in dataclasses.fields(CheckResult)} == {
        "source", "model", "quantity", "published", "unit", "computed", "difference",
        "tolerance", "convention", "status", "note",
    }
    for r in all_results:
        assert r.unit in ("M", "%")
        assert r.status in check.STATUSES
        assert r.convention in CONVENTION_NAMES.values()
        assert r.difference == pytest.approx(r.computed - r.published)


def test_mobilenet_first_layer_share_is_1_91_percent(all_results: list[CheckResult]) -> None:
    # MobileNetV1 Table 2 prints 1.19 % for the 3x3 first layer; the exact share is
    # 10,838,016 / 568,740,352 = 1.906 %, so the printed value is a digit transposition.
    res = next(r for r in all_results if r.quantity == "MACs share Conv 3x3")
    assert res.computed == pytest.approx(100 * 10_838_016 / 568_740_352)
    assert round(res.computed, 2) == 1.91


def test_mobilenet_table2_params_shares_need_weights_only() -> None:
    # MobileNetV1 Table 2: Conv 1x1 74.59 %, FC 24.33 % of the parameters. Reproduced by
    # conv + FC weights only; counting BN (sum of numel) gives 74.19 % and 24.22 %.
    import lwprof

    prof = lwprof.profile("mobilenet")
    assert round(check.quantity_value(prof, "params share Conv 1x1", "params/weights", "%"), 2) == 74.59
    assert round(check.quantity_value(prof, "params share FC", "params/weights", "%"), 2) == 24.33
    assert round(check.quantity_value(prof, "params share Conv 1x1", "params/all", "%"), 2) == 74.19
    assert check.quantity_value(prof, "params", "params/weights") == pytest.approx(4.209088)


def _result(all_results: list[CheckResult], ref: Reference) -> CheckResult:
    return all_results[REFERENCES.index(ref)]


def test_mobilenet_v2_table4_1_0_passes_truncated(all_results: list[CheckResult]) -> None:
    # MobileNetV2 (Sandler et al., arXiv 1801.04381) Table 4: MobileNetV2 (1.0), 3.4 M params and
    # 300 M MAdds. lwprof counts 3,470,760 params without BN and 300.77 M MACs: the table cuts
    # them to the printed digit (rounded they would be 3.5 and 301).
    params = _by(lambda r: r.source.short == "MobileNetV2" and r.label == "MobileNetV2 (1.0)" and r.quantity == "params")
    macs = _by(lambda r: r.source.short == "MobileNetV2" and r.label == "MobileNetV2 (1.0)" and r.quantity == "MACs")
    assert (params.published, macs.published) == (3.4, 300)
    assert params.truncated and macs.truncated
    assert (params.convention, macs.convention) == ("params/no-bn", "macs/conv+fc")
    p, m = _result(all_results, params), _result(all_results, macs)
    assert (p.status, m.status) == ("pass", "pass")
    assert p.computed == pytest.approx(3.470760)
    assert m.computed == pytest.approx(300.774, abs=5e-4)
    assert (round(p.computed, 1), round(m.computed)) == (3.5, 301)  # rounding would not reproduce them
    assert TRUNCATED_REASON in m.note


def test_truncated_entries_lie_in_the_truncation_interval(all_results: list[CheckResult]) -> None:
    # The checker's test is symmetric (|difference| <= one unit), a truncated print is one-sided:
    # printed <= count < printed + one unit of the last decimal (MobileNetV2 Table 4, the TF-slim
    # README, MobileNetV3 Table 3).
    truncated = [(ref, res) for ref, res in zip(REFERENCES, all_results) if ref.truncated and ref.expected_discrepancy is None]
    # MobileNetV2 Table 4: 2; TF README: 12 at 224 + 16 lower resolutions + 1 V3-Large params;
    # MobileNetV3 Table 3: 3 (Large 219 M is a gap).
    assert len(truncated) == 34
    for ref, res in truncated:
        assert ref.tolerance == pytest.approx(ref.step) and ref.tolerance_reason == TRUNCATED_REASON, ref.where
        assert ref.published - 1e-9 <= res.computed < ref.published + ref.step, ref.where


def test_mobilenet_v3_table3_is_truncated_not_rounded(all_results: list[CheckResult]) -> None:
    # MobileNetV3 (Howard et al., arXiv 1905.02244) Table 3: V3-Small 1.0, 56 M MAdds and 2.5 M
    # params; V3-Large 1.0, 5.4 M params. lwprof counts 56.51 M (-> 57 rounded; without the
    # classifier 54.90 -> 55) and 5.46 M without BN (-> 5.5 rounded): only truncation gives 56 and 5.4.
    import lwprof

    small = _by(lambda r: r.arch == "mobilenet_v3_small" and r.quantity == "MACs")
    large = _by(lambda r: r.arch == "mobilenet_v3_large" and r.quantity == "params" and r.source.short == "MobileNetV3")
    s, lg = _result(all_results, small), _result(all_results, large)
    assert (s.status, lg.status) == ("pass", "pass")
    assert (int(s.computed), round(s.computed)) == (56, 57)
    conv_only = check.quantity_value(lwprof.profile("mobilenet_v3_small"), "MACs", "macs/conv")
    assert (round(conv_only, 2), round(conv_only), int(conv_only)) == (54.90, 55, 54)  # no 56 without the classifier
    assert (int(lg.computed * 10) / 10, round(lg.computed, 1)) == (5.4, 5.5)


def test_shufflenet_v2_1x_macs_is_a_known_gap_within_bounds(all_results: list[CheckResult]) -> None:
    # ShuffleNet V2 (Ma et al., arXiv 1807.11164) Table 5: 1x, 146 M FLOPs (MACs) and 2.3 M
    # params. lwprof builds torchvision's stride-2 unit and counts 144.91 M, a recorded gap of
    # -1.09 M (the authors' unit counts 145.81 -> 146); the params are reproduced.
    macs = _by(lambda r: r.arch == "shufflenet_v2" and r.config == {"scale": 1.0} and r.quantity == "MACs")
    params = _by(lambda r: r.arch == "shufflenet_v2" and r.config == {"scale": 1.0} and r.quantity == "params")
    res = _result(all_results, macs)
    assert (macs.source.ref, macs.table, macs.published, macs.expected_discrepancy) == ("arXiv 1807.11164", "Table 5", 146, -1.09)
    assert res.status == "known gap"
    assert res.computed == pytest.approx(144.908, abs=5e-4)
    assert abs(res.difference - macs.expected_discrepancy) <= res.tolerance == 0.5
    assert "145.81" in res.note
    assert _result(all_results, params).status == "pass"
    # The gap is checked, not waved through: a model 1 M further off fails.
    drifted = dataclasses.replace(macs, expected_discrepancy=-2.09)
    assert run_checks(entries=[drifted])[0].status == "fail"


# --------------------------------------------------------------------------- the checker itself


def test_wrong_entry_fails() -> None:
    # MobileNetV1 Table 6 prints 569 M mult-adds for 1.0 MobileNet-224; 600 is deliberately wrong.
    wrong = Reference(
        source=MOBILENET_V1, table="Table 6", label="deliberately wrong", arch="mobilenet_v1",
        quantity="MACs", published=600, decimals=0, convention="macs/conv+fc",
    )
    (res,) = run_checks(entries=[wrong])
    assert res.status == "fail"
    assert res.difference == pytest.approx(568.740352 - 600)
    assert "off by" in res.note


def test_right_entry_passes_and_tolerance_is_half_the_last_decimal() -> None:
    # MobileNetV1 Table 6: 1.0 MobileNet-224 has 569 M mult-adds and 4.2 M parameters.
    macs = _by(lambda r: r.table == "Table 6" and r.label == "1.0 MobileNet-224" and r.quantity == "MACs")
    params = _by(lambda r: r.table == "Table 6" and r.label == "1.0 MobileNet-224" and r.quantity == "params")
    share = _by(lambda r: r.quantity == "MACs share Conv 1x1")  # MobileNetV1 Table 2: 94.86 %
    assert (macs.effective_tolerance, params.effective_tolerance) == (0.5, 0.05)
    assert share.effective_tolerance == pytest.approx(0.005)
    assert [r.status for r in run_checks(entries=[macs, params, share])] == ["pass", "pass", "pass"]


def test_known_gap_that_drifts_fails() -> None:
    # MobileNetV1 Table 4 prints 4866 M for Conv MobileNet; lwprof counts 4867.29 M, a recorded
    # gap of +1.29 M. Recording a different gap simulates the model drifting away from it.
    gap = _by(lambda r: r.table == "Table 4" and r.label == "Conv MobileNet" and r.quantity == "MACs")
    assert run_checks(entries=[gap])[0].status == "known gap"
    drifted = dataclasses.replace(gap, expected_discrepancy=3.0)
    res = run_checks(entries=[drifted])[0]
    assert res.status == "fail"
    assert "drifted" in res.note


def test_known_gap_that_closes_fails() -> None:
    # MobileNetV1 Table 6: 569 M is reproduced, so a recorded gap on it is stale.
    ok = _by(lambda r: r.table == "Table 6" and r.label == "1.0 MobileNet-224" and r.quantity == "MACs")
    stale = dataclasses.replace(ok, expected_discrepancy=2.0, discrepancy_reason="test")
    res = run_checks(entries=[stale])[0]
    assert res.status == "fail"
    assert "closed" in res.note


def test_entries_validate_themselves() -> None:
    kwargs = dict(source=MOBILENET_V1, table="Table 6", label="x", arch="mobilenet_v1", quantity="MACs", published=569, decimals=0)
    with pytest.raises(ValueError, match="tolerance_reason"):
        Reference(**kwargs, convention="macs/conv+fc", tolerance=2.0)
    with pytest.raises(ValueError, match="discrepancy_reason"):
        Reference(**kwargs, convention="macs/conv+fc", expected_discrepancy=1.0)
    with pytest.raises(ValueError, match="unknown convention"):
        Reference(**kwargs, convention="macs/everything")
    with pytest.raises(ValueError, match="does not go with"):
        Reference(**kwargs, convention="params/all")
    with pytest.raises(ValueError, match="unit"):
        Reference(**kwargs, convention="macs/conv+fc", unit="G")
    cut = Reference(**kwargs, convention="macs/conv+fc", truncated=True)
    assert (cut.tolerance, cut.effective_tolerance, cut.tolerance_reason) == (1.0, 1.0, TRUNCATED_REASON)
    gap = Reference(**kwargs, convention="macs/conv+fc", truncated=True, expected_discrepancy=1.0, discrepancy_reason="x")
    assert (gap.tolerance, gap.effective_tolerance) == (None, 0.5)  # drift around a gap is not a printing rule


def test_no_tolerance_is_widened_silently() -> None:
    for ref in REFERENCES:
        if ref.tolerance is not None and ref.tolerance > ref.rounding:
            assert ref.tolerance_reason, ref.where
        if ref.expected_discrepancy is not None:
            assert ref.discrepancy_reason, ref.where


def test_each_model_is_profiled_once() -> None:
    seen: list[str] = []
    results = run_checks("mobilenet", progress=lambda label, i, n: seen.append(label))
    assert len(seen) == len(set(seen))
    # MobileNetV1's entries name 10 distinct whole models ({} and {"alpha": 1.0} are one) and
    # 5 distinct single layers (3 in Table 3, 2 in the worked examples).
    assert len(seen) == 15
    assert len(results) == len([r for r in REFERENCES if r.arch == "mobilenet_v1"])


# --------------------------------------------------------------------------- filtering


@pytest.mark.parametrize(
    ("name", "arch"),
    [
        ("mobilenet", "mobilenet_v1"),
        ("ShuffleNet", "shufflenet_v1"),
        ("ghostnet", "ghostnet"),
        ("mobilenet_v2", "mobilenet_v2"),
        ("shufflenet_v2", "shufflenet_v2"),
        ("mobilenet_v3", "mobilenet_v3_large"),
        ("mobilenet_v3_small", "mobilenet_v3_small"),
    ],
)
def test_arch_filter(name: str, arch: str) -> None:
    chosen = check.select(name)
    assert chosen and all(r.arch == arch for r in chosen)
    assert len(chosen) == sum(r.arch == arch for r in REFERENCES)


def test_arch_filter_runs_only_that_arch() -> None:
    # GhostNet's ImageNet table (Table 7 of arXiv v2): 3 widths x (params, MACs).
    results = run_checks("ghostnet")
    assert len(results) == 6
    assert all(r.model.startswith("ghostnet") for r in results)


def test_unknown_arch_raises() -> None:
    with pytest.raises(LwprofError, match="unknown architecture"):
        run_checks("resnet50")


# --------------------------------------------------------------------------- published_for


def test_published_for_mobilenet_alpha_0_5() -> None:
    # MobileNetV1 Table 6: 0.5 MobileNet-224 has 149 M mult-adds and 1.3 M parameters.
    config = {"resolution": 224, "num_classes": 1000, "alpha": 0.5, "conv": "dwsep", "groups": 4, "shallow": False}
    assert published_for("mobilenet", config) == {"params": 1.3, "macs": 149.0, "source": "MobileNetV1 Table 6"}


def test_published_for_profile_config() -> None:
    # MobileNetV1 Table 9: 0.50 MobileNet-160 has 76 M mult-adds and 1.32 M parameters.
    import lwprof

    prof = lwprof.profile("mobilenet", alpha=0.5, resolution=160)
    assert published_for(prof.arch, prof.config) == {"params": 1.32, "macs": 76.0, "source": "MobileNetV1 Table 9"}


def test_published_for_mobilenet_v2_default_is_table4() -> None:
    # MobileNetV2 (arXiv 1801.04381) Table 4: MobileNetV2 (1.0), 3.4 M params, 300 M MAdds. The
    # README's rows are for its 1001-class checkpoints, so they do not apply to the default.
    import lwprof

    expected = {"params": 3.4, "macs": 300.0, "source": "MobileNetV2 Table 4"}
    assert published_for("mobilenet_v2", {}) == expected
    assert published_for("mobilenetv2", {"width": 1.0, "conv": "dwsep", "resolution": 224, "num_classes": 1000}) == expected
    prof = lwprof.profile("mobilenet_v2")
    assert published_for(prof.arch, prof.config) == expected


def test_published_for_mobilenet_v2_readme_checkpoint() -> None:
    # TF-slim MobileNet README, V2 checkpoints: mobilenet_v2_1.4_224 has 582 M MACs and 6.06 M
    # params; for 1.4 with 1000 classes only Table 4's 1.4 row (a known gap) applies.
    assert published_for("mobilenet_v2", {"width": 1.4, "num_classes": 1001}) == {
        "params": 6.06, "macs": 582.0, "source": "TF-slim MobileNet V2 checkpoints",
    }
    assert published_for("mobilenet_v2", {"width": 1.4}) == {"params": 6.9, "macs": 585.0, "source": "MobileNetV2 Table 4"}


def test_published_for_prefers_reproduced_entries() -> None:
    # ShuffleNet v1 1x g=3: Table 1 prints 137 (reproduced), Table 2 prints 140 (a known gap);
    # the params come from the authors' README (1.9 M).
    config = {"resolution": 224, "num_classes": 1000, "groups": 3, "scale": 1.0, "shuffle": True}
    assert published_for("shufflenet", config) == {"macs": 137.0, "params": 1.9, "source": "ShuffleNet v1 Table 1; ShuffleNet v1 README released models"}


@pytest.mark.parametrize(
    "config",
    [
        {"alpha": 0.6},
        {"alpha": 0.5, "num_classes": 10},
        {"alpha": 0.5, "conv": "grouped"},
        {"alpha": 1.0, "resolution": 96},
    ],
)
def test_published_for_unpublished_config_is_empty(config: dict) -> None:
    assert published_for("mobilenet_v1", config) == {}


# --------------------------------------------------------------------------- display and reports


def test_cells_keep_the_printed_precision(all_results: list[CheckResult]) -> None:
    # MobileNetV1 Table 4: MobileNet 569 M mult-adds, 4.2 M params; the article's worked
    # example (huachao1001, CSDN): 72 params for a 3x3 conv 12x12x4 -> 12x12x2.
    mobilenet = [r for r in all_results if r.source.endswith("Table 4") and r.model == "mobilenet_v1"]
    assert [check.cells(r) for r in mobilenet] == [("569 M", "568.74 M", "-0.26 M"), ("4.2 M", "4.209 M", "+0.009 M")]
    example = next(r for r in all_results if r.model == "layer 3x3 4->2 @12x12 standard" and r.quantity == "params")
    assert check.cells(example) == ("72", "72", "0")
    assert [check.printed_decimals(t) for t in (0.5, 0.05, 0.005, 5e-7)] == [0, 1, 2, 6]


def test_reports_main_writes_atomically(tmp_path, monkeypatch) -> None:
    from studies import reports

    monkeypatch.setitem(reports.REPORTS, "fake.md", lambda out: "# fake\n")  # a report is a function of the output folder
    assert reports.main(["fake.md", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "fake.md").read_text() == "# fake\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["fake.md"]  # no temp file left
    assert reports.main(["nope.md", "--out", str(tmp_path)]) == 2


def test_write_atomic_keeps_the_old_file_on_error(tmp_path) -> None:
    from lwprof.render.export import write_atomic  # the one atomic writer, used by lwprof.reports

    target = tmp_path / "r.md"
    write_atomic(target, "old\n")

    with pytest.raises(TypeError):
        write_atomic(target, 42, force=True)  # type: ignore[arg-type]
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]
