"""Expectations files, budgets and pinning (issue: counts as a contract)."""

from __future__ import annotations

import pytest

from lwprof.errors import LwprofError
from lwprof.expect import Bound, load, parse_bound, parse_spec, pin, verify

# MobileNetV1 alpha 0.5 at 160 (Table 9: 1.32 M params, 76 M mult-adds); exact counts measured
# by lwprof and cross-checked against fvcore in test_walker.
HALF_160_PARAMS = 1_331_592
HALF_160_MACS = 76_524_800


@pytest.mark.parametrize(
    "text, op, value, tol",
    [
        (1331592, "==", 1331592, 0),
        ("<= 300M", "<=", 300_000_000, 0),
        ("<300k", "<", 300_000, 0),
        (">= 1.5G", ">=", 1_500_000_000, 0),
        ("3.5M ± 1%", "==", 3_500_000, 35_000),
        ("76.5M +- 100k", "==", 76_500_000, 100_000),
        ("12", "==", 12, 0),
    ],
)
def test_parse_bound_in_every_unit(text, op, value, tol):
    b = parse_bound(text)
    assert (b.op, b.value, b.tolerance) == (op, value, tol)


@pytest.mark.parametrize("text", ["3.5M ± 1e308%", "3.5M ± -1%", "3.5M ± nan%"])
def test_a_tolerance_that_is_no_number_of_percent_is_refused(text):
    with pytest.raises(LwprofError, match="cannot read tolerance"):
        parse_bound(text)


def test_bound_holds():
    assert Bound("<=", 10).holds(10) and not Bound("<", 10).holds(10)
    assert Bound("==", 100, 5).holds(95) and not Bound("==", 100, 5).holds(94)


def test_parse_spec():
    assert parse_spec("mobilenet@alpha=0.5,resolution=160") == ("mobilenet", {"alpha": 0.5, "resolution": 160})
    assert parse_spec("net.py:Net") == ("net.py:Net", {})


def test_pin_then_verify_passes_and_a_changed_model_fails(tmp_path):
    path = tmp_path / "expect.toml"
    path.write_text(pin(["mobilenet@alpha=0.5,resolution=160"]))
    results = verify(load(path))
    assert {r.status for r in results} == {"pass"}
    by_q = {r.quantity: r for r in results}
    assert by_q["params"].measured == HALF_160_PARAMS and by_q["macs"].measured == HALF_160_MACS
    # A changed model (alpha 0.5 -> 0.75) under the same pins fails with a clear difference.
    path.write_text(path.read_text().replace("alpha=0.5", "alpha=0.75"))
    changed = {r.quantity: r for r in verify(load(path))}
    assert changed["params"].status == "fail" and changed["params"].difference > 0
    assert changed["macs"].status == "fail"


def test_budgets_pass_and_fail(tmp_path):
    path = tmp_path / "budget.toml"
    path.write_text(
        '[[model]]\nspec = "mobilenet@alpha=0.5,resolution=160"\nmacs = "<= 80M"\nparams = "< 1.3M"\n'
        'peak_activation_bytes = { value = "0", tolerance = "1%" }\n'
    )
    results = {r.quantity: r for r in verify(load(path))}
    assert results["macs"].status == "pass"  # 76.5 M <= 80 M
    assert results["params"].status == "fail"  # 1.33 M is not < 1.3 M
    assert results["peak_activation_bytes"].status == "fail"


def test_pin_updates_only_the_named_entries(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(pin(["mobilenet@alpha=0.25", "shufflenet@groups=8"]))
    before = load(path)
    path.write_text(path.read_text().replace(str(before[1].bounds["macs"].value), "1"))
    updated = pin(["shufflenet@groups=8"], existing=path)
    after = {e.spec: e for e in load_text(tmp_path, updated)}
    assert list(after) == ["mobilenet@alpha=0.25", "shufflenet@groups=8"]
    assert after["shufflenet@groups=8"].bounds["macs"].value == before[1].bounds["macs"].value


def load_text(tmp_path, text):
    p = tmp_path / "tmp.toml"
    p.write_text(text)
    return load(p)


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[model]]\nspec = "mobilenet"\nmacs = "<= lots"\n', r":3: macs: cannot read 'lots'"),
        ('[[model]]\nspec = "mobilenet"\nparams = 1\nmac = 3\n', r":4: unknown key 'mac'"),
        ('[[model]]\nspec = "mobilenet"\n', r":1: entry 'mobilenet' pins nothing"),
        ('[[model]]\nmacs = 1\n', r":1: \[\[model\]\] entry has no 'spec'"),
        ('[[model]\nspec = 1\n', r"not valid TOML.*line 1"),
        ('[[model]]\nspec = "m"\nmacs = "<= 3M ± 1%"\n', r"tolerance only applies"),
        ('[[model]]\nspec = "m"\nmacs = 1\ninput_size = "224"\n', r":4: input_size must be a list"),
        ('title = "x"\n', r":1: unknown key 'title'"),
    ],
)
def test_malformed_files_name_the_line_and_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(LwprofError, match=message):
        load(path)


def test_missing_file():
    with pytest.raises(LwprofError, match="cannot read expectations file"):
        load("/nonexistent/expect.toml")
