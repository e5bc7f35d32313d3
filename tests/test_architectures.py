"""Tests of the architecture zoo: every registered model builds and runs, matches its paper, and
rejects bad configurations with a helpful message."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from lwprof.architectures import ChannelShuffle, ConvKind, channel_shuffle, get_architecture, list_architectures, registry
from lwprof.architectures.registry import ArchConfig, ArchSpec, register_architecture
from lwprof.errors import LwprofError

__all__: list[str] = []

NUM_CLASSES = 10
SMALL_RESOLUTION = 64

SPECS = list_architectures()


def _variants() -> list[tuple[str, str | None, Any]]:
    """(architecture, option, value): every allowed ``conv`` and every value of the compare axis."""
    out: list[tuple[str, str | None, Any]] = []
    for spec in SPECS:
        names = {o.name for o in spec.options()}
        values: list[tuple[str | None, Any]] = []
        if "conv" in names:
            opt = spec.option("conv")
            values += [("conv", v) for v in (opt.choices or tuple(opt.type))]
        axis, axis_values = spec.compare_axis
        values += [(axis, v) for v in axis_values if (axis, v) not in values]
        out += [(spec.name, name, value) for name, value in (values or [(None, None)])]
    return out


def _weight_params(model: nn.Module) -> int:
    """Parameters of every layer except BatchNorm's affine pair (conv and FC weights and biases)."""
    return sum(
        p.numel()
        for m in model.modules()
        if not isinstance(m, nn.modules.batchnorm._BatchNorm)
        for p in m.parameters(recurse=False)
    )


def _build_on_meta(name: str, **overrides: Any) -> nn.Module:
    """Builds without allocating weights: enough to count parameters and read channel counts."""
    with torch.device("meta"):
        return get_architecture(name).build(**overrides)


# --------------------------------------------------------------------------- building and running


def test_zoo_is_registered() -> None:
    assert {"mobilenet_v1", "shufflenet_v1", "ghostnet"} <= {s.name for s in SPECS}


@pytest.mark.parametrize(("arch", "option", "value"), _variants(), ids=lambda v: str(v))
def test_every_variant_builds_and_runs(arch: str, option: str | None, value: Any) -> None:
    spec = get_architecture(arch)
    overrides = {} if option is None else {option: value}
    model = spec.build(num_classes=NUM_CLASSES, resolution=SMALL_RESOLUTION, **overrides).eval()
    torch.manual_seed(0)
    with torch.no_grad():
        out = model(torch.randn(2, 3, SMALL_RESOLUTION, SMALL_RESOLUTION))
    assert out.shape == (2, NUM_CLASSES)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_smallest_resolution_runs_and_every_parameter_gets_a_gradient(spec: ArchSpec) -> None:
    resolution = 32  # every zoo model downsamples by 32, the smallest input its config accepts
    model = spec.build(num_classes=NUM_CLASSES, resolution=resolution).train()
    out = model(torch.randn(2, 3, resolution, resolution))
    assert out.shape == (2, NUM_CLASSES)
    out.square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, f"parameters without a gradient: {missing[:5]}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_options_are_documented_and_compare_axis_is_valid(spec: ArchSpec) -> None:
    for opt in spec.options():
        assert opt.help, f"{spec.name}.{opt.name} has no help text"
    axis, values = spec.compare_axis
    spec.option(axis)  # raises if the axis is not an option
    for value in values:
        assert isinstance(spec.configure({axis: value}), ArchConfig)


# --------------------------------------------------------------------------- channel shuffle


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (2, [0, 3, 1, 4, 2, 5]),  # groups (0 1 2) (3 4 5): take one from each in turn
        (3, [0, 2, 4, 1, 3, 5]),  # groups (0 1) (2 3) (4 5)
        (1, [0, 1, 2, 3, 4, 5]),  # one group: nothing moves
        (6, [0, 1, 2, 3, 4, 5]),  # one channel per group: nothing moves
    ],
)
def test_channel_shuffle_permutation(groups: int, expected: list[int]) -> None:
    x = torch.arange(6, dtype=torch.float32).reshape(1, 6, 1, 1).expand(2, 6, 3, 3).contiguous()
    out = channel_shuffle(x, groups)
    assert out[0, :, 0, 0].tolist() == expected
    assert torch.equal(out[1], out[0])  # the batch is not mixed
    assert torch.equal(ChannelShuffle(groups)(x), out)


@settings(max_examples=50, deadline=None)
@given(groups=st.integers(1, 8), per_group=st.integers(1, 8))
def test_channel_shuffle_is_undone_by_shuffling_with_the_other_factor(groups: int, per_group: int) -> None:
    channels = groups * per_group
    x = torch.randn(2, channels, 2, 3)
    shuffled = channel_shuffle(x, groups)
    assert torch.equal(channel_shuffle(shuffled, channels // groups), x)
    assert sorted(shuffled[0, :, 0, 0].tolist()) == sorted(x[0, :, 0, 0].tolist())  # a permutation


def _shuffles(model: nn.Module) -> list[ChannelShuffle]:
    return [m for m in model.modules() if isinstance(m, ChannelShuffle)]


def test_shufflenet_units_apply_the_shuffle() -> None:
    on = get_architecture("shufflenet").build(groups=3, shuffle=True, resolution=32, num_classes=NUM_CLASSES).eval()
    off = get_architecture("shufflenet").build(groups=3, shuffle=False, resolution=32, num_classes=NUM_CLASSES).eval()
    assert len(_shuffles(on)) == sum((4, 8, 4))  # one per unit
    assert all(s.groups == 3 for s in _shuffles(on))
    assert _shuffles(off) == []
    # Same weights, so the only difference is the shuffle: it must change the output.
    off.load_state_dict(on.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(on(x), off(x))


def test_shufflenet_with_one_group_has_no_shuffle() -> None:
    # With g = 1 a shuffle is the identity, so none is inserted (as in the authors' code).
    assert _shuffles(_build_on_meta("shufflenet", groups=1)) == []


# --------------------------------------------------------------------------- ShuffleNet structure


def _stage_out_channels(stage: nn.Module) -> int:
    first, last = stage[0], stage[-1]
    # The stride-2 unit concatenates its input (the shortcut) with the branch output.
    assert first.branch.gconv1.in_channels + first.branch.gconv2.out_channels == last.branch.gconv2.out_channels
    return int(last.branch.gconv2.out_channels)


@pytest.mark.parametrize(
    ("groups", "expected"),
    # ShuffleNet (Zhang et al., arXiv 1707.01083), Table 1: output channels of stages 2, 3, 4 at 1x.
    [(1, [144, 288, 576]), (2, [200, 400, 800]), (3, [240, 480, 960]), (4, [272, 544, 1088]), (8, [384, 768, 1536])],
)
def test_shufflenet_stage_channels_match_table_1(groups: int, expected: list[int]) -> None:
    model = _build_on_meta("shufflenet", groups=groups)
    assert [_stage_out_channels(getattr(model, f"stage{i}")) for i in (2, 3, 4)] == expected
    assert [len(getattr(model, f"stage{i}")) for i in (2, 3, 4)] == [4, 8, 4]
    for i in (2, 3, 4):
        for j, unit in enumerate(getattr(model, f"stage{i}")):
            out = expected[i - 2]
            assert unit.branch.gconv1.out_channels == out // 4  # bottleneck = a quarter of the output
            assert unit.branch.dwconv.stride == ((2, 2) if j == 0 else (1, 1))
            assert unit.branch.gconv1.groups == (1 if (i, j) == (2, 0) else groups)  # Sec. 3.3
            assert unit.branch.gconv2.groups == groups
            assert isinstance(unit.shortcut, nn.AvgPool2d) == (j == 0)
    assert model.fc.in_features == expected[-1]


@pytest.mark.parametrize(
    ("groups", "scale", "expected"),
    # The authors' reference code (megvii-model/ShuffleNet-Series, ShuffleNetV1/network.py):
    # [conv1, stage 2, stage 3, stage 4] channels.
    [
        (3, 0.5, [12, 120, 240, 480]),
        (3, 1.0, [24, 240, 480, 960]),
        (3, 1.5, [24, 360, 720, 1440]),
        (3, 2.0, [48, 480, 960, 1920]),
        (8, 0.5, [16, 192, 384, 768]),
        (8, 1.0, [24, 384, 768, 1536]),
        (8, 1.5, [24, 576, 1152, 2304]),
        (8, 2.0, [48, 768, 1536, 3072]),
    ],
)
def test_shufflenet_scaled_channels_match_reference_code(groups: int, scale: float, expected: list[int]) -> None:
    model = _build_on_meta("shufflenet", groups=groups, scale=scale)
    stem = model.conv1[0].out_channels
    assert [stem] + [_stage_out_channels(getattr(model, f"stage{i}")) for i in (2, 3, 4)] == expected


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("arch", "overrides", "fragments"),
    [
        ("shufflenet", {"groups": 5}, ["groups", "5", "1, 2, 3, 4, 8"]),
        ("shufflenet", {"scale": 0.3}, ["scale", "0.3", "0.25, 0.5, 1.0, 1.5, 2.0"]),
        ("mobilenet", {"alpha": 0}, ["alpha", "> 0", "got 0"]),
        ("mobilenet", {"alpha": -1}, ["alpha", "> 0", "got -1"]),
        ("ghostnet", {"width": 0}, ["width", "> 0", "got 0"]),
        ("ghostnet", {"ratio": 1}, ["ratio", ">= 2", "got 1"]),
        ("ghostnet", {"dw_kernel": 4}, ["dw_kernel", "odd", "got 4"]),
        ("ghostnet", {"conv": "grouped"}, ["conv", "grouped", "ghost, standard"]),
    ],
)
def test_bad_values_are_rejected_with_a_helpful_message(arch: str, overrides: dict[str, Any], fragments: list[str]) -> None:
    spec = get_architecture(arch)
    with pytest.raises(LwprofError) as info:
        spec.build(**overrides)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(("overrides", "fragments"), [({"groups": 5}, ["groups", "5", "1, 2, 3, 4, 8"]), ({"scale": 0.3}, ["scale", "0.3", "0.25"])])
def test_shufflenet_config_checks_choices_when_built_directly(overrides: dict[str, Any], fragments: list[str]) -> None:
    # Not only the CLI path (Option.coerce) but the dataclass itself refuses values outside choices.
    config_cls = get_architecture("shufflenet").config_cls
    with pytest.raises(LwprofError) as info:
        config_cls(**overrides)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_mobilenet_grouped_conv_error_names_the_layer() -> None:
    with pytest.raises(LwprofError) as info:
        get_architecture("mobilenet").build(conv="grouped", groups=5)
    message = str(info.value)
    assert "groups=5" in message
    assert "features.1" in message  # the first separable layer, 32 -> 64 channels
    assert "32 -> 64" in message


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_too_small_resolution_is_rejected(spec: ArchSpec) -> None:
    with pytest.raises(LwprofError) as info:
        spec.build(resolution=16)
    assert "resolution 16" in str(info.value)
    assert "32" in str(info.value)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_unknown_option_suggests_the_closest(spec: ArchSpec) -> None:
    name = spec.options()[-1].name
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    with pytest.raises(LwprofError) as info:
        spec.configure({typo: 1})
    assert f"did you mean {name!r}" in str(info.value)


def test_unknown_architecture_suggests_the_closest() -> None:
    with pytest.raises(LwprofError) as info:
        get_architecture("shufflnet")
    assert "'shufflenet'" in str(info.value)
    assert "did you mean" in str(info.value)


# --------------------------------------------------------------------------- registry


@pytest.mark.parametrize("taken", ["shufflenet", "mobilenet_v1", "ghostnet_v1"])
def test_duplicate_registration_raises(taken: str) -> None:
    before = [(s.name, s.aliases) for s in registry.list_architectures()]

    @dataclasses.dataclass(frozen=True)
    class DummyConfig(ArchConfig):
        pass

    with pytest.raises(ValueError, match=taken):
        register_architecture("brand_new_net", config=DummyConfig, paper="-", aliases=(taken,), compare_axis=("resolution", (224,)))(
            lambda cfg: nn.Identity()
        )
    assert [(s.name, s.aliases) for s in registry.list_architectures()] == before  # nothing half-registered
    with pytest.raises(LwprofError):
        get_architecture("brand_new_net")


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("mobilenet", "mobilenet_v1"),
        ("MobileNetV1", "mobilenet_v1"),
        ("shufflenet", "shufflenet_v1"),
        ("shufflenetv1", "shufflenet_v1"),
        ("ShuffleNet-V1", "shufflenet_v1"),
        ("ghostnet", "ghostnet"),
        ("ghostnet_v1", "ghostnet"),
    ],
)
def test_aliases_resolve(alias: str, name: str) -> None:
    assert get_architecture(alias).name == name


def test_ghostnet_conv_kinds_are_the_papers_comparison() -> None:
    spec = get_architecture("ghostnet")
    assert spec.compare_axis == ("conv", (ConvKind.STANDARD, ConvKind.GHOST))
    standard = _build_on_meta("ghostnet", conv="standard")
    ghost = _build_on_meta("ghostnet")
    # Ghost modules halve the 1x1 convs' weights (ratio 2): the baseline must be clearly larger.
    assert _weight_params(standard) > _weight_params(ghost) * 1.1
    assert not any(type(m).__name__ == "GhostModule" for m in standard.modules())
    assert sum(type(m).__name__ == "GhostModule" for m in ghost.modules()) == 2 * 16
