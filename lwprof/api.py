"""The Python API under the CLI: :func:`profile`, :func:`compare` and :func:`layer_variants`.

Example::

    import lwprof

    p = lwprof.profile("mobilenet", alpha=0.5, resolution=160)
    print(p.params, p.macs)            # 1331592 76524800  (Table 9: 1.32 M, 76 M)
    for r in p.leaves():
        print(r.name, r.output_shape, r.macs)

    c = lwprof.compare("shufflenet", vary={"groups": [1, 2, 3, 4, 8]})
    for v in c.variants:
        print(v.label, v.profile.macs)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from lwprof.architectures import get_architecture
from lwprof.architectures.blocks import ChannelShuffle, ConvKind, check_groups
from lwprof.architectures.registry import ArchSpec
from lwprof.counting.crosscheck import attach_crosschecks
from lwprof.counting.walker import walk
from lwprof.errors import LwprofError
from lwprof.records import BYTES_PER_ELEMENT, Comparison, ModelProfile, Variant
from lwprof.specs import is_user_spec, parse_spec

__all__ = ["compare", "compare_models", "layer_variants", "profile"]

Progress = Callable[[str], None]


def profile(
    model_or_name: str | nn.Module,
    input_size: Sequence[int] | None = None,
    *,
    batch: int = 1,
    crosscheck: bool = False,
    strict: bool = False,
    verify: bool = False,
    dtype: str = "fp32",
    config: Mapping[str, Any] | None = None,
    **options: Any,
) -> ModelProfile:
    """Profiles a zoo architecture (by name) or any ``nn.Module``.

    Args:
        model_or_name: A registered name or alias ("mobilenet", "shufflenet", "ghostnet"), a
            user model spec ("path/file.py:Class" or "package.module:factory"), or a module.
            A spec may carry options: "mobilenet@alpha=0.5,resolution=160", "net.py:Net@width=2".
        input_size: The input of one sample, (C, H, W). Defaults to the architecture's
            (3, resolution, resolution); required for a module.
        batch: Batch size; every count scales linearly with it.
        crosscheck: Also run fvcore and FlopCounterMode and attach their counts per layer.
        strict: Raise when a leaf layer has no formula instead of flagging it.
        verify: Run PyTorch's meta kernels for every op to check every formula's shape.
        dtype: Element type for byte counts: fp32, fp16, bf16 or int8.
        config: Architecture options as a mapping (merged with ``options``).
        **options: Architecture options, e.g. ``alpha=0.5`` or ``groups=8``.

    Returns:
        The profile: one record per module, totals as properties, ``to_dict()`` for JSON.

    Raises:
        LwprofError: Any bad input (unknown name or option, invalid value, bad shape).
    """
    if batch < 1:
        raise LwprofError(f"batch must be >= 1, got {batch}")
    if dtype not in BYTES_PER_ELEMENT:
        raise LwprofError(f"dtype {dtype!r} is not supported; choose from {', '.join(BYTES_PER_ELEMENT)}")
    if isinstance(model_or_name, str) and "@" in model_or_name:
        name, spec_options = parse_spec(model_or_name)
        if is_user_spec(name):
            if options.get("kwargs") is not None:
                raise LwprofError(f"{model_or_name}: give factory arguments after '@' or with --kwargs, not both")
            options["kwargs"] = spec_options
        else:
            overlap = sorted(set(spec_options) & {k for k, v in options.items() if v is not None})
            if overlap:
                raise LwprofError(f"{model_or_name}: option {overlap[0]!r} is given twice")
            options = {**spec_options, **{k: v for k, v in options.items() if v is not None}}
        model_or_name = name
    if isinstance(model_or_name, nn.Module):
        if input_size is None:
            raise LwprofError("input_size (C, H, W) is required to profile a module")
        model, arch, cfg_dict, real = model_or_name, type(model_or_name).__name__, dict(config or {}), model_or_name
    elif is_user_spec(model_or_name):
        from lwprof.user_models import load_user_model

        model, default_size = load_user_model(model_or_name, options.pop("kwargs", None))
        if options or config:
            raise LwprofError(f"architecture options {sorted({**(config or {}), **options})} do not apply to a user model; pass factory arguments with kwargs")
        input_size = input_size or default_size
        if input_size is None:
            raise LwprofError(f"{model_or_name}: give the input size, e.g. --input-size 3,224,224")
        arch, cfg_dict, real = model_or_name, {}, model
    else:
        spec = get_architecture(model_or_name)
        if options.get("kwargs") is not None:
            raise LwprofError(f"--kwargs is for user models (file.py:Class); {spec.name} takes architecture options")
        options.pop("kwargs", None)
        if input_size is not None and len(input_size) == 3 and input_size[1] == input_size[2]:
            options.setdefault("resolution", input_size[1])
        cfg = spec.configure(config, **options)
        with torch.device("meta"):
            model = spec.build(cfg)
        arch, cfg_dict, real = spec.name, cfg.as_dict(), None
        input_size = input_size or spec.input_shape(cfg)
        if crosscheck:
            real = spec.build(cfg)
    shape = _input_shape(input_size, batch)
    result = walk(model, shape, strict=strict, verify=verify, arch=arch, config=cfg_dict, dtype=dtype)
    if crosscheck and real is not None:
        result = attach_crosschecks(result, real)
    return result


def compare(
    arch: str,
    vary: Mapping[str, Sequence[Any]] | None = None,
    *,
    batch: int = 1,
    crosscheck: bool = False,
    dtype: str = "fp32",
    progress: Progress | None = None,
    **fixed: Any,
) -> Comparison:
    """Profiles variants of one architecture side by side.

    Args:
        arch: A registered architecture name or alias.
        vary: Options to vary and their values; several keys give every combination.
            Defaults to the architecture's design axis (mobilenet: conv; shufflenet: groups;
            ghostnet: conv).
        batch: Batch size.
        crosscheck: Cross-check every variant with fvcore and FlopCounterMode.
        dtype: Element type for byte counts.
        progress: Called with each variant's label before it is profiled.
        **fixed: Options shared by every variant, e.g. ``alpha=0.5``.

    Raises:
        LwprofError: Unknown architecture or option, an invalid value, or an empty axis.
    """
    spec = get_architecture(arch)
    axes = _axes(spec, vary)
    for key in axes:
        if key in fixed and fixed[key] is not None:
            raise LwprofError(f"option {key!r} is both fixed and varied; drop one of them")
    variants = []
    for combo in itertools.product(*axes.values()):
        overrides = dict(zip(axes, combo))
        label = ", ".join(f"{k}={_plain(v)}" for k, v in overrides.items())
        if progress:
            progress(label)
        p = profile(spec.name, batch=batch, crosscheck=crosscheck, dtype=dtype, **{**fixed, **overrides})
        variants.append(Variant(label, p.config, p))
    return Comparison(spec.name, {k: tuple(_plain(v) for v in vals) for k, vals in axes.items()}, tuple(variants))


def compare_models(
    specs: Sequence[str | nn.Module],
    input_size: Sequence[int] | None = None,
    *,
    batch: int = 1,
    crosscheck: bool = False,
    dtype: str = "fp32",
    progress: Progress | None = None,
) -> Comparison:
    """Profiles several models side by side: zoo names, user specs or modules.

    Args:
        specs: E.g. ``["mobilenet", "models.py:TinyNet"]``; ratios are taken to the first.
        input_size: (C, H, W) given to every model (default: each model's own).
        batch: Batch size.
        crosscheck: Cross-check every model with fvcore and FlopCounterMode.
        dtype: Element type for byte counts.
        progress: Called with each model's label before it is profiled.
    """
    if not specs:
        raise LwprofError("compare needs at least one model")
    variants = []
    for spec in specs:
        label = spec if isinstance(spec, str) else type(spec).__name__
        if progress:
            progress(label)
        p = profile(spec, input_size, batch=batch, crosscheck=crosscheck, dtype=dtype)
        variants.append(Variant(label, p.config, p))
    return Comparison("models", {"model": tuple(v.label for v in variants)}, tuple(variants))


def _axes(spec: ArchSpec, vary: Mapping[str, Sequence[Any]] | None) -> dict[str, tuple[Any, ...]]:
    if not vary:
        key, values = spec.compare_axis
        return {key: values}
    axes = {}
    for key, values in vary.items():
        opt = spec.option(key)
        if not values:
            raise LwprofError(f"--vary {key}= needs at least one value")
        axes[opt.name] = tuple(opt.coerce(v) for v in values)
    return axes


def layer_variants(
    in_channels: int,
    out_channels: int,
    kernel: int,
    size: int,
    *,
    stride: int = 1,
    groups: int = 2,
    bias: bool = False,
    ratio: int = 2,
    batch: int = 1,
) -> list[tuple[str, ModelProfile]]:
    """One convolution realised as standard, grouped, depthwise-separable and ghost.

    Reproduces the articles' worked examples, e.g. a 3x3 conv on 12x12x4 -> 12x12x2 costs 72
    params and 10368 MACs; depthwise-separable 44 and 6336 (with "same" padding).

    Args:
        in_channels: Input channels M.
        out_channels: Output channels N.
        kernel: Kernel size D_K (odd; "same" padding k // 2).
        size: Input height and width D_F.
        stride: Stride.
        groups: Groups of the grouped variant (must divide both channel counts).
        bias: Give every conv a bias (the articles' 16 -> 32 example counts one).
        ratio: Ghost ratio s of the ghost variant.
        batch: Batch size.

    Returns:
        (label, profile) per variant; each profile's leaves carry the formula text.

    Raises:
        LwprofError: A non-positive size, an even kernel, a ratio below 2, or groups that do
            not divide the channels.
    """
    for name, value in (("in", in_channels), ("out", out_channels), ("kernel", kernel), ("size", size), ("stride", stride), ("groups", groups), ("ratio", ratio)):
        if value < 1:
            raise LwprofError(f"--{name} must be >= 1, got {value}")
    if kernel % 2 == 0:
        raise LwprofError(f"--kernel must be odd (padding k // 2 keeps the size), got {kernel}")
    if ratio < 2:
        raise LwprofError(f"--ratio must be >= 2 (a ghost module with ratio 1 has no cheap channels), got {ratio}")
    check_groups("the grouped variant", in_channels, out_channels, groups)

    def conv(cin: int, cout: int, k: int, s: int = 1, g: int = 1) -> nn.Conv2d:
        return nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=bias)

    intrinsic = -(-out_channels // ratio)
    cheap = intrinsic * (ratio - 1)
    builds: list[tuple[str, Callable[[], nn.Module]]] = [
        (ConvKind.STANDARD.value, lambda: conv(in_channels, out_channels, kernel, stride)),
        (f"grouped (g={groups})", lambda: nn.Sequential(conv(in_channels, out_channels, kernel, stride, groups), ChannelShuffle(groups))),
        (ConvKind.DWSEP.value, lambda: nn.Sequential(conv(in_channels, in_channels, kernel, stride, in_channels), conv(in_channels, out_channels, 1))),
        (f"ghost (s={ratio})", lambda: _Ghost(conv(in_channels, intrinsic, kernel, stride), conv(intrinsic, cheap, 3, 1, intrinsic), out_channels)),
    ]
    out = []
    for label, build in builds:
        with torch.device("meta"):
            module = build()
        out.append((label, walk(module, (batch, in_channels, size, size), arch=label)))
    return out


class _Ghost(nn.Module):
    """A bare ghost module (no BN/ReLU): primary conv, cheap depthwise conv, concat, cut."""

    def __init__(self, primary: nn.Module, cheap: nn.Module, out_channels: int) -> None:
        super().__init__()
        self.primary, self.cheap, self.out_channels = primary, cheap, out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.primary(x)
        return torch.cat([y, self.cheap(y)], 1)[:, : self.out_channels]


def _input_shape(input_size: Sequence[int], batch: int) -> tuple[int, ...]:
    size = tuple(int(s) for s in input_size)
    if not size or any(s < 1 for s in size):
        raise LwprofError(f"input size must be positive integers, got {tuple(input_size)}")
    return (batch, *size)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, ConvKind) else value

