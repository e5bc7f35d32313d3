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

    lwprof.calibrate()                                    # once per machine: ~/.cache/lwprof/
    lwprof.predict("mobilenet", alpha=0.5).total_s        # predicted seconds, nothing run
    lwprof.fit("mobilenet", max_latency="10ms").chosen    # the most MACs within 10 ms

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
    "calibrate",
    "check_expectations",
    "check_papers",
    "compare",
    "compare_models",
    "fit",
    "layer_variants",
    "load_calibration",
    "measure",
    "pin",
    "predict",
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
    train: bool = False,
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
        train: Count in training mode (BatchNorm with batch statistics, dropout on, a model's
            training-only outputs) instead of eval mode; forward only.
        **options: Architecture options, e.g. ``alpha=0.5`` or ``groups=8``.

    Returns:
        The profile: one record per module, totals as properties, ``to_dict()`` for JSON.

    Raises:
        LwprofError: Any bad input (unknown name or option, invalid value, bad shape).
    """
    from lwprof import profiler

    resolved = resolve(model_or_name, inputs=_inputs(input_size, inputs), options={**(config or {}), **options}, kwargs=kwargs)
    return profiler.run(resolved, batch=batch, device=device, crosscheck=crosscheck, strict=strict, verify=verify, dtype=dtype, seed=seed, train=train)


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
    given = {*fixed, *axes}
    applied = {key for r in resolved for key in given if _applies(spec, r, key)}
    for key in sorted(given - applied):
        spec.check_applies(resolved[0].arch_config, key)  # raises: no variant uses it
    variants = []
    for i, (overrides, r) in enumerate(zip(combos, resolved)):
        label = ", ".join(f"{k}={plain(v)}" for k, v in overrides.items())
        if progress:
            progress(label, i, len(combos))
        p = profiler.run(r, batch=batch, crosscheck=crosscheck, dtype=dtype)
        variants.append(Variant(label, p.config, p))
    return Comparison(spec.name, {k: tuple(plain(v) for v in vals) for k, vals in axes.items()}, tuple(variants), tuple(resolved), batch)


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
    return Comparison("models", {"model": tuple(v.label for v in variants)}, tuple(variants), tuple(resolved), batch)


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
    """Measured CPU latency, end to end and per layer (:func:`lwprof.latency.measure.measure`)."""
    from lwprof.latency.measure import measure as measure_latency

    return measure_latency(model_or_name, input_size, **kwargs)


def time_variants(comparison: Comparison, *, repeats: int = 10, warmup: int = 2, progress: Progress | None = None) -> dict[str, Any]:
    """End-to-end :class:`~lwprof.latency.timing.Timing` of every variant of a comparison,
    by label (``lwprof sweep --bench``, ``lwprof compare --bench``): median, interquartile
    range, every run; at least ``repeats`` runs, more while they are noisy."""
    out = {}
    for i, v in enumerate(comparison.variants):
        if progress:
            progress(v.label, i, len(comparison.variants))
        built = comparison.resolved[i] if i < len(comparison.resolved) else v.profile.spec or comparison.arch
        result = measure(built, batch=comparison.batch, warmup=warmup, repeats=repeats, per_layer=False)
        out[v.label] = result.timing
    return out
# -- predicted latency -------------------------------------------------------------------------


def calibrate(
    *,
    threads: int | None = None,
    dtype: str = "fp32",
    quick: bool = False,
    save: bool = True,
    path: str | None = None,
    force: bool = True,
    progress: Progress | None = None,
) -> Any:
    """Measures this machine once: micro-benchmarks per layer kind, the fitted cost model (``lwprof calibrate``).

    Args:
        threads: torch threads for the benchmarks (default: torch's); predictions are for this many.
        dtype: Element type: fp32, bf16 or fp16.
        quick: About a third of the sizes, fewer runs (a smoke test).
        save: Write the calibration (atomically) for later predictions.
        path: Where to write it; default this machine's file in the cache
            (:func:`lwprof.latency.costmodel.calibration_file`).
        force: Replace an existing file at ``path`` (the cache's own file is always replaced).
        progress: Called before each benchmark with (label, index, total).

    Returns:
        The :class:`~lwprof.latency.costmodel.Calibration`, with ``path`` set when saved.
    """
    import dataclasses

    from lwprof.latency.calibrate import calibrate as run
    from lwprof.latency.costmodel import calibration_file
    from lwprof.render.export import check_writable, to_json, write_atomic

    target = path if path is not None else None
    if save and target is not None:
        check_writable(target, force, what="--save")
    calibration = run(threads=threads, dtype=dtype, quick=quick, progress=progress)
    if not save:
        return calibration
    if target is None:
        default = calibration_file(calibration.threads, dtype)
        default.parent.mkdir(parents=True, exist_ok=True)
        target, force = str(default), True
    written = write_atomic(target, to_json(calibration.to_dict()), force=force)
    return dataclasses.replace(calibration, path=str(written))


def load_calibration(path: str | None = None, *, threads: int | None = None, dtype: str = "fp32") -> Any:
    """This machine's calibration for ``threads`` (default: torch's) and ``dtype``, or the file ``path``.

    Raises:
        LwprofError: None made yet (run ``lwprof calibrate``), or not a calibration file.
    """
    from lwprof.latency.costmodel import load_calibration as load

    if path is None and threads is None:
        import torch

        threads = torch.get_num_threads()
    return load(path, threads=threads or 1, dtype=dtype)


def _calibration(calibration: Any, threads: int | None, dtype: str) -> Any:
    from lwprof.latency.costmodel import Calibration

    if isinstance(calibration, Calibration):
        return calibration
    return load_calibration(calibration, threads=threads, dtype=dtype)


def predict(target: Any, *, calibration: Any = None, threads: int | None = None, **profile_kwargs: Any) -> Any:
    """Predicted latency of a model on this machine, without running it.

    Args:
        target: A :class:`~lwprof.records.ModelProfile`, or anything :func:`profile` takes.
        calibration: A :class:`~lwprof.latency.costmodel.Calibration` or the path of one;
            default: this machine's for ``threads`` and the profile's dtype.
        threads: Which calibration to use (default: torch's thread count).
        **profile_kwargs: Passed to :func:`profile` when ``target`` is not a profile.

    Returns:
        The :class:`~lwprof.latency.predict.Prediction` (``total_s``, per-layer seconds).

    Raises:
        LwprofError: No calibration (run ``lwprof calibrate``), or bad input.
    """
    from lwprof.latency.predict import predict_profile

    p = target if isinstance(target, ModelProfile) else profile(target, **profile_kwargs)
    return predict_profile(p, _calibration(calibration, threads, p.dtype))


def fit(
    arch: str,
    vary: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    max_macs: int | str | None = None,
    max_params: int | str | None = None,
    max_latency: float | str | None = None,
    objective: str = "macs",
    calibration: Any = None,
    threads: int | None = None,
    batch: int = 1,
    progress: Progress | None = None,
    **fixed: Any,
) -> Any:
    """The best configuration of ``arch`` under budgets, and the Pareto front (``lwprof fit``).

    Args:
        arch: A registered architecture, optionally with fixed options ("mobilenet@conv=dwsep").
        vary: Searched options: ``{"alpha": "0.25:1.0:0.05", "resolution": [128, 160]}`` (a
            range string, a comma string or a sequence), or ``--vary`` texts
            (``["alpha=0.25:1.0:0.05"]``); default :data:`lwprof.latency.fit.DEFAULT_RANGES`
            for the options the architecture has.
        max_macs: MACs budget (an int or "300M").
        max_params: Params budget (an int or "3.5M").
        max_latency: Predicted-latency budget: seconds as a float, or a string in ms ("15ms").
        objective: "macs" (the most MACs within the budgets) or "latency" (the fastest).
        calibration: A calibration or its path (default: this machine's, see :func:`predict`).
        threads: Which calibration to use (default: torch's thread count).
        batch: Batch size.
        progress: Called before each distinct model with (label, index, total).
        **fixed: Options fixed for every configuration (``conv="dwsep"``).

    Returns:
        A :class:`~lwprof.latency.fit.FitResult`.

    Raises:
        LwprofError: Bad ranges or budgets, an option given both fixed and varied, no calibration.
    """
    from lwprof.architectures.registry import get_architecture
    from lwprof.latency import fit as search
    from lwprof.resolve import parse_spec
    from lwprof.units import parse_count

    if objective not in search.OBJECTIVES:
        raise LwprofError(f"--objective {objective!r}: choose {' or '.join(search.OBJECTIVES)}")
    name, spec_options = parse_spec(arch)
    spec = get_architecture(name)
    given = {k: v for k, v in fixed.items() if v is not None}
    for key in sorted(set(spec_options) & set(given)):
        raise LwprofError(f"option {key!r} is given twice ({arch} and a flag)")
    fixed_options = {spec.option(k).name: v for k, v in {**spec_options, **given}.items()}
    spec.configure(fixed_options)  # bad fixed values fail before any search
    if isinstance(vary, (list, tuple)):  # --vary KEY=RANGE options as given
        vary = search.parse_vary_ranges(vary)
    texts = dict(vary) if vary else {k: v for k, v in search.DEFAULT_RANGES.items() if k in {o.name for o in spec.options()} and k not in fixed_options}
    axes = {}
    for key, value in texts.items():
        opt = spec.option(key)
        if opt.name in fixed_options:
            raise LwprofError(f"option {opt.name!r} is both fixed and varied; drop one of them")
        values = value if isinstance(value, (list, tuple, set, frozenset, range)) else [value]  # one value: a list of one
        text = value if isinstance(value, str) else ",".join(str(getattr(v, "value", v)) for v in values)
        axes[opt.name] = search.parse_range(opt, text)
    if not axes:
        raise LwprofError(f"nothing to search: give --vary KEY=RANGE (options of {spec.name}: {', '.join(o.name for o in spec.options())})")
    budgets = search.Budgets(
        _count(max_macs, "--max-macs", parse_count), _count(max_params, "--max-params", parse_count),
        max_latency if isinstance(max_latency, (int, float)) or max_latency is None else search.parse_latency(max_latency),
    )  # fmt: skip
    if budgets.max_latency_s is not None and not budgets.max_latency_s > 0:
        raise LwprofError(f"--max-latency must be positive, got {max_latency}")
    cal = _calibration(calibration, threads, "fp32")
    return search.fit(spec.name, axes, fixed_options, cal, budgets, objective=objective, batch=batch, progress=progress)


def _count(value: Any, flag: str, parse: Callable[[str], int]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise LwprofError(f"{flag} must be a count such as 300M, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise LwprofError(f"{flag} must not be negative, got {value}")
        return value
    try:
        return parse(value)
    except LwprofError as exc:
        raise LwprofError(f"{flag}: {exc}") from None
