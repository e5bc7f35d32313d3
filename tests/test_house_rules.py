"""Issue 22: one budget reader, one spec-and-flag check; the layer taxonomy is typed (rules read LayerKind and ConvSpec, never a display label) and the
latency terms are data; predictions are the same numbers as before the change.

``tests/data/prediction_snapshot.json`` was written by ``tests/data/make_prediction_snapshot.py`` at commit
6cd71c7, before the change: the comparison below is a refactoring's regression pin, exact to the last bit (fit's fast pricing, Scaled, to rounding: see below).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import lwprof
from lwprof import records
from lwprof.errors import LwprofError
from lwprof.expect import parse_budgets
from lwprof.latency.costmodel import layer_kind
from lwprof.latency.predict import predict_profile
from lwprof.reference.check import run_checks
from tests.data import make_prediction_snapshot as snap

SNAPSHOT = Path(__file__).parent / "data" / "prediction_snapshot.json"


def test_predictions_retargeting_and_design_rows_are_unchanged_to_the_bit() -> None:
    before = json.loads(SNAPSHOT.read_text())
    now = json.loads(json.dumps(snap.snapshot(), sort_keys=True))  # the same float -> JSON -> float trip as the file
    assert now["calibration"]["kinds"] == before["calibration"]["kinds"]
    for model, want in before["models"].items():
        got = now["models"][model]
        for key in ("total_s", "overhead_s", "layers", "design_row", "retargeted"):
            assert got[key] == want[key], (model, key)
        # Scaled (fit's fast pricing) now adds each count's part separately: the same terms summed in another
        # order, so its seconds agree to rounding (1e-15 relative seen); params and MACs are exact integers.
        for r, (params, macs, seconds) in want["scaled"].items():
            assert got["scaled"][r][:2] == [params, macs], (model, r)
            assert got["scaled"][r][2] == pytest.approx(seconds, rel=1e-13, abs=0), (model, r)


def _renamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every display label replaced by a word no rule could know."""
    for kind in records.LayerKind:
        monkeypatch.setitem(records.LABELS, kind, f"L{len(kind.value)}{kind.name.lower()[::-1]}" + (" {kernel}" if "{kernel}" in records.LABELS[kind] else ""))
    monkeypatch.setitem(records.CONV_LABELS, "depthwise", "Deep {kernel}")
    monkeypatch.setitem(records.CONV_LABELS, "grouped", "{label} in teams")


def _facts(arch: str, **opts: Any) -> tuple[Any, ...]:
    p = lwprof.profile(arch, resolution=96, **opts)
    counts = [(r.name, r.kind, r.conv, r.params, r.macs, r.other_ops, r.read_elements, r.write_elements) for r in p.layers]
    kinds = [layer_kind(r) for r in p.leaves()]
    pred = predict_profile(p, snap.calibration())
    return counts, kinds, pred.total_s, [(x.name, x.kind, x.seconds) for x in pred.layers], [r.category for r in p.layers]


@pytest.mark.parametrize("arch, opts", [("mobilenet_v1", {}), ("mobilenet_v1", {"conv": "grouped", "groups": 2}), ("shufflenet_v1", {}), ("mobilenet_v3_small", {})])
def test_renaming_every_label_changes_no_count_kind_or_prediction(arch: str, opts: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    *plain, labels = _facts(arch, **opts)
    _renamed(monkeypatch)
    *renamed, new_labels = _facts(arch, **opts)
    assert renamed == plain
    assert not set(labels) & set(new_labels)  # every label did change
    assert any(x.startswith("Deep ") or x.endswith(" in teams") for x in new_labels)  # depthwise or grouped convs


def test_renaming_every_label_changes_no_paper_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """MobileNetV1's checks include Table 2's shares by layer type ("MACs share Conv DW 3x3"): the rows select
    layers by kind and conv structure, so they pass with every label renamed."""
    plain = [(c.model, c.quantity, c.computed, c.status) for c in run_checks("mobilenet_v1")]
    _renamed(monkeypatch)
    renamed = [(c.model, c.quantity, c.computed, c.status) for c in run_checks("mobilenet_v1")]
    assert any("share" in q for _, q, _, _ in plain)
    assert renamed == plain


@pytest.mark.parametrize("value", ["-5", -5, "-1M"])
def test_every_budget_refuses_a_negative_count_the_same_way(value: Any) -> None:
    """summary's --max-macs (expect.parse_budgets) and fit's (api.fit) read budgets with one function."""
    with pytest.raises(LwprofError, match="--max-macs: count .* must not be negative") as summary:
        parse_budgets(macs=value)
    with pytest.raises(LwprofError, match="--max-macs: count .* must not be negative") as fit:
        lwprof.fit("mobilenet", {"alpha": "1"}, max_macs=value, calibration=snap.calibration())
    assert str(summary.value) == str(fit.value)


@pytest.mark.parametrize("call", [lambda: lwprof.profile("mobilenet@alpha=0.5", alpha=0.5), lambda: lwprof.compare("mobilenet@alpha=0.5", alpha=0.5),
                                  lambda: lwprof.fit("mobilenet@alpha=0.5", {"resolution": "128"}, alpha=0.5, calibration=snap.calibration())])
def test_an_option_in_the_spec_and_as_a_flag_is_one_message_everywhere(call: Any) -> None:
    with pytest.raises(LwprofError) as info:
        call()
    assert str(info.value) == "mobilenet@alpha=0.5: option 'alpha' is given twice (in the spec and as a flag)"


@pytest.mark.parametrize("dtype, size", [(None, 4), ("float16", 2), ("bfloat16", 2)])
def test_the_real_run_memory_check_counts_the_models_own_element_size(dtype: str | None, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Timing refuses a model too large for LWPROF_MAX_MEMORY, counting its weights and activations at the
    element size it runs at: Linear(1000, 1000) holds 1,001,000 parameters; its peak is input + output,
    1,000 + 1,000 elements."""
    import torch
    from torch import nn

    from lwprof.latency.measure import measure
    from lwprof.units import human_bytes

    model = nn.Linear(1000, 1000)
    if dtype is not None:
        model = model.to(getattr(torch, dtype))
    assert lwprof.profile(model, (1000,)).peak_activation_elements == 2000
    monkeypatch.setenv("LWPROF_MAX_MEMORY", "1MiB")
    with pytest.raises(LwprofError) as info:
        measure(model, (1000,), repeats=1, warmup=0, per_layer=False)
    assert f"needs about {human_bytes(size * (1_001_000 + 2000))} here" in str(info.value)
