"""User models: file and package specs, factory kwargs, unusual layers, and every failure mode."""

from __future__ import annotations

from pathlib import Path

import pytest

import lwprof
from lwprof.errors import LwprofError
from lwprof.resolve import parse_kwargs

NET = Path(__file__).parent / "data" / "user_net.py"


def test_user_model_with_unusual_layers_is_counted_exactly():
    p = lwprof.profile(f"{NET}:OddNet", crosscheck=True)
    leaves = {r.name: r for r in p.leaves()}
    # dilated: groups 3, 6 -> 12, k3 d2 p2 keeps 33x33: 12*33*33 outputs x 2*9 = 235224 MACs.
    assert leaves["dilated"].macs == 235224
    # strided: groups 4, 12 -> 24, k5 s3 p1: floor((33 + 2 - 5)/3) + 1 = 11; 24*11*11 x 3*25.
    assert leaves["strided"].output_shape == (1, 24, 11, 11)
    assert leaves["strided"].macs == 24 * 11 * 11 * 3 * 25
    # Conv1d groups 12, 24 -> 12, k3 over L = 121: 12*119 outputs x 2*3 = 8568.
    assert leaves["seq"].macs == 8568
    # Gain has a parameter and no formula: flagged, its multiply counted as other ops.
    assert p.unsupported == ("gain",)
    assert leaves["gain"].status == "unsupported"
    assert leaves["gain"].other_ops == 24 * 11 * 11
    # fvcore and FlopCounterMode agree on everything they count.
    assert p.mismatches == ()
    assert p.macs == p.fvcore_macs == p.torch_macs
    assert p.params == sum(q.numel() for q in __import__("tests.data.user_net", fromlist=["OddNet"]).OddNet().parameters())


def test_factory_kwargs_and_package_spec():
    wide = lwprof.profile(f"{NET}:make_oddnet", kwargs="width=24")
    assert wide.root.type == "OddNet" and wide.input_shape == (1, 6, 33, 33)
    same = lwprof.profile("tests.data.user_net:make_oddnet", kwargs='{"width": 24}')
    assert same.macs == wide.macs


def test_input_size_overrides_the_declared_one():
    p = lwprof.profile(f"{NET}:OddNet", input_size=(6, 66, 66), batch=2)
    assert p.input_shape == (2, 6, 66, 66)


def test_compare_models_side_by_side():
    c = lwprof.compare_models([f"{NET}:OddNet", f"{NET}:make_oddnet"], batch=1)
    assert [v.label for v in c.variants] == [f"{NET}:OddNet", f"{NET}:make_oddnet"]
    assert c.variants[0].profile.macs == c.variants[1].profile.macs


@pytest.mark.parametrize(
    "spec, kwargs, message",
    [
        ("missing_dir/nope.py:Net", None, "does not exist"),
        (f"{NET}:OddNett", None, "did you mean 'OddNet'"),
        (f"{NET}:broken_factory", None, "failed: RuntimeError: this factory always fails"),
        (f"{NET}:OddNet", "colour=3", "unexpected keyword argument"),
        (f"{NET}:OddNet", "{bad json", "not valid JSON"),
        (f"{NET}:BadForward", None, "forward pass failed"),
        ("no_such_package.models:Net", None, "no module named 'no_such_package'"),
        (f"{NET}:", None, "cannot read model spec"),
    ],
)
def test_user_model_errors_are_one_clear_line(spec, kwargs, message):
    with pytest.raises(LwprofError, match=message) as info:
        lwprof.profile(spec, kwargs=kwargs)
    assert "\n" not in str(info.value)


def test_user_model_without_input_size_needs_one(tmp_path):
    path = tmp_path / "plain.py"
    path.write_text("from torch import nn\n\nclass Plain(nn.Sequential):\n    def __init__(self):\n        super().__init__(nn.Conv2d(3, 4, 1))\n")
    with pytest.raises(LwprofError, match="input size"):
        lwprof.profile(f"{path}:Plain")
    assert lwprof.profile(f"{path}:Plain", input_size=(3, 8, 8)).macs == 4 * 8 * 8 * 3


def test_a_file_that_fails_to_import(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import torch\nraise ImportError('needs a package you do not have')\n")
    with pytest.raises(LwprofError, match="importing .*broken.py failed: ImportError"):
        lwprof.profile(f"{path}:Net")


def test_parse_kwargs():
    assert parse_kwargs("a=1,b=0.5,c=true,d=name") == {"a": 1, "b": 0.5, "c": True, "d": "name"}
    assert parse_kwargs('{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(LwprofError):
        parse_kwargs("novalue")
