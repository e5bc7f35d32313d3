"""The Python API under the CLI: profile, compare, one layer four ways, and the papers' numbers.

Example::

    import lwprof

    p = lwprof.profile("mobilenet", alpha=0.5, resolution=160)
    print(p.params, p.macs)            # 1331592 76524800  (Table 9: 1.32 M, 76 M)
    for r in p.leaves():
        print(r.name, r.output_shape, r.macs)

    c = lwprof.compare("shufflenet", vary={"groups": [1, 2, 3, 4, 8]})
    for v in c.variants:
        print(v.label, v.profile.macs)

    lwprof.profile(my_module, inputs=[(3, 224, 224), (3, 224, 224)])   # two inputs
    lwprof.profile(my_module, inputs={"input_ids": "long:128"})         # a keyword input

Every function goes through :func:`lwprof.resolve.resolve` (spec + inputs -> one resolved
model) and :func:`lwprof.profiler.run` (meta first, real tensors when the forward needs data).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lwprof.errors import LwprofError
from lwprof.profiler import layer_variants
from lwprof.records import Comparison, ModelProfile, Variant, plain
from lwprof.resolve import resolve

__all__ = [
    "check_expectations",
    "check_papers",
    "compare",
    "compare_models",
    "layer_variants",
    "measure",
    "pin",
    "profile",
    "published",
    "time_variants",
]

#: Called before each item of a long job with (label, index, total).
Progress = Callable[[str, int, int], None]


def _inputs(input_size: Any, inputs: Any) -> Any:
    if input_size is not None and inputs is not None:
        raise LwprofError("give input_size or inputs, not both")
    return inputs if inputs is not None else input_size


def profile(
    model_or_name: Any,
    input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
    *,
    inputs: Any = None,
    batch: int = 1,
    device: str = "auto",
    crosscheck: bool = False,
    strict: bool = False,
    verify: bool = False,
    dtype: str = "fp32",
    config: Mapping[str, Any] | None = None,
    kwargs: str | Mapping[str, Any] | None = None,
    seed: int = 0,
    **options: Any,
) -> ModelProfile:
    """Profiles a zoo architecture (by name), a user model (by spec) or any ``nn.Module``.

    Args:
        model_or_name: A registered name or alias ("mobilenet", "shufflenet", "ghostnet"), a
            user model spec ("path/file.py:Class" or "package.module:factory"), or a module.
            A spec may carry options: "mobilenet@alpha=0.5,resolution=160", "net.py:Net@width=2".
        input_size: The input of one sample, (C, H, W); a list of such for several
            positional inputs. Defaults to the architecture's (3, resolution, resolution) or
            the model's own ``example_inputs`` / ``input_size``.
        inputs: Instead of ``input_size``: a tensor, a shape, an ``--input-size`` string
            ("long:1,128"), a tuple of them, a dict of keyword inputs, or ``(args, kwargs)``.
        batch: Batch size, prepended to every input given as a shape.
        device: "auto" (meta tensors; real CPU tensors when the forward needs data), "meta" or "cpu".
        crosscheck: Also run fvcore and FlopCounterMode and attach their counts per layer.
        strict: Raise when a leaf layer has no formula instead of counting its ops.
        verify: Run PyTorch's meta kernels for every op to check every formula's shape.
        dtype: Element type for byte counts: fp32, fp16, bf16 or int8.
        config: Architecture options as a mapping (merged with ``options``).
        kwargs: A user model's factory arguments (a mapping, JSON or "key=value,...").
        seed: Seed of the generated inputs when the forward runs on real tensors.
        **options: Architecture options, e.g. ``alpha=0.5`` or ``groups=8``.

    Returns:
        The profile: one record per module, totals as properties, ``to_dict()`` for JSON.

    Raises:
        LwprofError: Any bad input (unknown name or option, invalid value, bad shape).
    """
    from lwprof import profiler

    resolved = resolve(model_or_name, inputs=_inputs(input_size, inputs), options={**(config or {}), **options}, kwargs=kwargs)
    return profiler.run(resolved, batch=batch, device=device, crosscheck=crosscheck, strict=strict, verify=verify, dtype=dtype, seed=seed)


def compare(
    arch: str,
    vary: Mapping[str, Sequence[Any]] | None = None,
    *,
    input_size: Sequence[int] | None = None,
    inputs: Any = None,
    batch: int = 1,
    crosscheck: bool = False,
    dtype: str = "fp32",
    progress: Progress | None = None,
    **fixed: Any,
) -> Comparison:
    """Profiles variants of one architecture side by side.

    Args:
        arch: A registered architecture name or alias, optionally with options ("mobilenet@alpha=0.5").
        vary: Options to vary and their values; several keys give every combination.
            Defaults to the architecture's design axis (mobilenet: conv; shufflenet: groups;
            ghostnet: conv).
        input_size: (C, H, W) of every variant (instead of --resolution).
        inputs: Likewise, in any form :func:`profile` takes.
        batch: Batch size.
        crosscheck: Cross-check every variant with fvcore and FlopCounterMode.
        dtype: Element type for byte counts.
        progress: Called before each variant with (label, index, total).
        **fixed: Options shared by every variant, e.g. ``alpha=0.5``.

    Raises:
        LwprofError: Unknown architecture or option, an invalid value, an empty axis, or an
            option that has no effect on any variant.
    """
    from lwprof import profiler
    from lwprof.architectures import get_architecture
    from lwprof.resolve import parse_spec

    name, spec_options = parse_spec(arch)
    for key in sorted(set(spec_options) & {k for k, v in fixed.items() if v is not None}):
        raise LwprofError(f"option {key!r} is given twice ({arch} and a flag)")
    fixed = {**spec_options, **{k: v for k, v in fixed.items() if v is not None}}
    spec = get_architecture(name)
    axes = _axes(spec, vary)
    for key in axes:
        if key in fixed:
            raise LwprofError(f"option {key!r} is both fixed and varied; drop one of them")
    combos = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]
    # every variant is resolved (validated) before any is profiled: a bad value fails at once
    resolved = [resolve(spec.name, inputs=_inputs(input_size, inputs), options={**fixed, **overrides}, check_applies=False) for overrides in combos]
    applied = {key for r in resolved for key in fixed if _applies(spec, r, key)}
    for key in sorted(set(fixed) - applied):
        spec.check_applies(resolved[0].arch_config, key)  # raises: no variant uses it
    variants = []
    for i, (overrides, r) in enumerate(zip(combos, resolved)):
        label = ", ".join(f"{k}={plain(v)}" for k, v in overrides.items())
        if progress:
            progress(label, i, len(combos))
        p = profiler.run(r, batch=batch, crosscheck=crosscheck, dtype=dtype)
        variants.append(Variant(label, p.config, p))
    return Comparison(spec.name, {k: tuple(plain(v) for v in vals) for k, vals in axes.items()}, tuple(variants))


def _applies(spec: Any, resolved: Any, key: str) -> bool:
    try:
        spec.check_applies(resolved.arch_config, key)
    except LwprofError:
        return False
    return True


def compare_models(
    specs: Sequence[Any],
    input_size: Sequence[int] | None = None,
    *,
    inputs: Any = None,
    batch: int = 1,
    crosscheck: bool = False,
    dtype: str = "fp32",
    progress: Progress | None = None,
) -> Comparison:
    """Profiles several models side by side: zoo names, user specs or modules.

    Args:
        specs: E.g. ``["mobilenet", "models.py:TinyNet"]``; ratios are taken to the first.
        input_size: (C, H, W) given to every model (default: each model's own).
        inputs: Likewise, in any form :func:`profile` takes.
        batch: Batch size.
        crosscheck: Cross-check every model with fvcore and FlopCounterMode.
        dtype: Element type for byte counts.
        progress: Called before each model with (label, index, total).
    """
    from lwprof import profiler

    if not specs:
        raise LwprofError("compare needs at least one model")
    resolved = [resolve(spec, inputs=_inputs(input_size, inputs)) for spec in specs]  # all loaded before any is profiled
    variants = []
    for i, (spec, r) in enumerate(zip(specs, resolved)):
        label = spec if isinstance(spec, str) else type(spec).__name__
        if progress:
            progress(label, i, len(specs))
        p = profiler.run(r, batch=batch, crosscheck=crosscheck, dtype=dtype)
        variants.append(Variant(label, p.config, p))
    return Comparison("models", {"model": tuple(v.label for v in variants)}, tuple(variants))


def _axes(spec: Any, vary: Mapping[str, Sequence[Any]] | None) -> dict[str, tuple[Any, ...]]:
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


def published(profile: ModelProfile) -> dict[str, Any] | None:
    """The papers' whole-model numbers for a zoo profile on its own input, or None.

    Returns:
        ``{"params": M, "macs": M, "source": "MobileNetV1 Table 6"}`` (keys left out when not
        published), or None for a user model, a non-square input, or nothing published.
    """
    from lwprof.architectures import get_architecture
    from lwprof.reference.published import published_for

    if not isinstance(profile.config.get("resolution"), int):
        return None
    try:
        get_architecture(profile.arch)
    except LwprofError:
        return None
    if profile.input_shape[1:] != (3, profile.config["resolution"], profile.config["resolution"]):
        return None
    found = published_for(profile.arch, dict(profile.config))
    return dict(found) if found else None



def check_papers(arch: str | None = None, progress: Progress | None = None) -> list[Any]:
    """Every published number (of one architecture) against lwprof's count: ``lwprof check``."""
    from lwprof.reference.check import run_checks

    return run_checks(arch, progress=progress)


def check_expectations(path: str, progress: Progress | None = None) -> list[Any]:
    """A pinned expectations file against the current counts: ``lwprof check --expect``."""
    from lwprof.expect import load, verify

    return verify(load(path), progress=progress)


def pin(specs: Sequence[str], path: str, *, inputs: Any = None, quantities: Sequence[str] | None = None) -> Any:
    """Writes (or updates) an expectations file with the current counts of ``specs``: ``lwprof pin``."""
    from lwprof.expect import pin_file
    from lwprof.resolve import inputs_from

    size = None
    if inputs is not None:
        given = inputs_from(inputs, "--input-size")
        if given.kwargs or len(given.args) != 1 or given.has_tensors or given.args[0].dtype != "float32":
            raise LwprofError("pin records one input size (C,H,W) per entry; give a model several inputs with example_inputs")
        size = given.args[0].shape
    return pin_file(specs, path, size, quantities)


def measure(model_or_name: Any, input_size: Any = None, **kwargs: Any) -> Any:
    """Measured CPU latency, end to end and per layer (:func:`lwprof.latency.measure`)."""
    from lwprof.latency import measure as measure_latency

    return measure_latency(model_or_name, input_size, **kwargs)


def time_variants(comparison: Comparison, *, repeats: int = 10, warmup: int = 2, progress: Progress | None = None) -> dict[str, Any]:
    """End-to-end :class:`~lwprof.latency.timing.Timing` of every variant of a comparison,
    by label (``lwprof sweep --bench``, ``lwprof compare --bench``): median, interquartile
    range, every run; at least ``repeats`` runs, more while they are noisy."""
    out = {}
    for i, v in enumerate(comparison.variants):
        if progress:
            progress(v.label, i, len(comparison.variants))
        result = measure(v.profile.spec or comparison.arch, batch=v.profile.batch, warmup=warmup, repeats=repeats, per_layer=False)
        out[v.label] = result.timing
    return out
