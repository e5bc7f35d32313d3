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
    lwprof.profile(my_module, inputs=["input_ids=long:128"])          # a keyword input

    lwprof.calibrate()                                    # once per machine: ~/.cache/lwprof/
    lwprof.predict("mobilenet", alpha=0.5).total_s        # predicted seconds, nothing run
    lwprof.fit("mobilenet", max_latency="10ms").chosen    # the most MACs within 10 ms

Every function goes through :func:`lwprof.resolve.resolve` (spec + inputs -> one resolved
model) and :func:`lwprof.profiler.run` (meta first, real tensors when the forward needs data).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lwprof.errors import LwprofError
from lwprof.profiler import layer_variants
from lwprof.records import Comparison, ModelProfile, Note, Severity, Variant, plain
from lwprof.resolve import resolve

if TYPE_CHECKING:  # imported when called: `import lwprof` and `lwprof --help` import no torch
    from lwprof.expect import ExpectResult
    from lwprof.latency.costmodel import Calibration
    from lwprof.latency.fit import FitResult
    from lwprof.latency.measure import LatencyResult
    from lwprof.latency.predict import Prediction
    from lwprof.latency.timing import Timing
    from lwprof.reference.check import CheckResult

__all__ = [
    "calibrate",
    "check_expectations",
    "check_papers",
    "compare",
    "compare_models",
    "diff",
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
    batch: int | None = None,
    device: str = "auto",
    crosscheck: bool = False,
    strict: bool = False,
    verify: bool = False,
    dtype: str = "fp32",
    config: Mapping[str, Any] | None = None,
    kwargs: str | Mapping[str, Any] | None = None,
    seed: int = 0,
    train: bool = False,
    backward: bool = False,
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
        batch: Batch size, prepended to every input given as a shape (None: 1; an ONNX graph's
            batch fixed in the file as it is, where an explicit batch that differs is refused).
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
        backward: Also count the backward pass per layer (autograd on meta tensors: each
            gradient's ops, credited to the module whose forward made them), in the records'
            ``backward_macs`` / ``backward_other_ops``; with ``crosscheck``, checked against
            FlopCounterMode's backward. Which parameters have ``requires_grad`` decides which
            weight gradients are counted; the input needs none.
        **options: Architecture options, e.g. ``alpha=0.5`` or ``groups=8``.

    Returns:
        The profile: one record per module, totals as properties, ``to_dict()`` for JSON.

    Raises:
        LwprofError: Any bad input (unknown name or option, invalid value, bad shape).
    """
    from lwprof import profiler

    resolved = resolve(model_or_name, inputs=_inputs(input_size, inputs), options={**(config or {}), **options}, kwargs=kwargs)
    return profiler.run(
        resolved, batch=batch, device=device, crosscheck=crosscheck, strict=strict, verify=verify, dtype=dtype, seed=seed, train=train, backward=backward
    )


def compare(
    arch: str,
    vary: Mapping[str, Sequence[Any]] | None = None,
    *,
    input_size: Sequence[int] | None = None,
    inputs: Any = None,
    batch: int | None = None,
    crosscheck: bool = False,
    dtype: str = "fp32",
    progress: Progress | None = None,
    backward: bool = False,
    **fixed: Any,
) -> Comparison:
    """Profiles variants of one architecture side by side.

    Args:
        arch: A registered architecture name or alias, optionally with options ("mobilenet@alpha=0.5"),
            or a user model spec ("net.py:Net", "net.py:Net@depth=3"): then ``vary`` names its
            factory arguments ({"width": [0.5, 1.0]}).
        vary: Options to vary and their values; several keys give every combination.
            Defaults to the architecture's design axis (mobilenet: conv; shufflenet: groups;
            ghostnet: conv).
        input_size: (C, H, W) of every variant (instead of --resolution).
        inputs: Likewise, in any form :func:`profile` takes.
        batch: Batch size.
        crosscheck: Cross-check every variant with fvcore and FlopCounterMode.
        dtype: Element type for byte counts.
        progress: Called before each variant with (label, index, total).
        backward: Also count every variant's backward pass (as :func:`profile` does).
        **fixed: Options shared by every variant, e.g. ``alpha=0.5``.

    Raises:
        LwprofError: Unknown architecture or option, an invalid value, an empty axis, or an
            option that has no effect on any variant.
    """
    from lwprof.architectures import get_architecture
    from lwprof.resolve import is_user_spec, parse_spec, spec_and_flags

    name, spec_options = parse_spec(arch)
    if is_user_spec(name):
        return _compare_user(
            name, spec_options, vary, fixed, inputs=_inputs(input_size, inputs), batch=batch, crosscheck=crosscheck, dtype=dtype, progress=progress, backward=backward
        )
    fixed = spec_and_flags(arch, spec_options, fixed)
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
    first = resolved[0].arch_config
    for key in sorted(given - applied):
        if first is not None:
            spec.check_applies(first, key)  # raises: no variant uses it
    variants = _profile_variants(combos, resolved, batch=batch, crosscheck=crosscheck, dtype=dtype, progress=progress, backward=backward)
    return Comparison(spec.name, {k: tuple(plain(v) for v in vals) for k, vals in axes.items()}, tuple(variants), tuple(resolved), batch or 1)


def _compare_user(
    name: str,
    given: Mapping[str, Any],
    vary: Mapping[str, Sequence[Any]] | None,
    fixed: Mapping[str, Any],
    *,
    inputs: Any,
    batch: int | None,
    crosscheck: bool,
    dtype: str,
    progress: Progress | None,
    backward: bool = False,
) -> Comparison:
    """Variants of a user model: ``vary`` over its factory arguments (values as ``--kwargs`` reads them)."""
    from lwprof.resolve import parse_kwargs

    if not vary:
        raise LwprofError(f"{name} is a user model: say what to vary among its factory arguments, e.g. --vary width=0.5,1.0")
    if any(v is not None for v in fixed.values()):
        raise LwprofError(f"architecture options do not apply to the user model {name}; give its factory arguments after '@' or vary them")
    axes: dict[str, tuple[Any, ...]] = {}
    for key, values in vary.items():
        if not values:
            raise LwprofError(f"--vary {key}= needs at least one value")
        if key in given:
            raise LwprofError(f"argument {key!r} is both fixed (after '@') and varied; drop one of them")
        axes[key] = tuple(parse_kwargs({key: v} if not isinstance(v, str) else f"{key}={v}")[key] for v in values)
    combos = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]
    resolved = [resolve(name, inputs=inputs, kwargs={**given, **overrides}) for overrides in combos]  # every variant built before any is profiled
    variants = _profile_variants(combos, resolved, batch=batch, crosscheck=crosscheck, dtype=dtype, progress=progress, backward=backward)
    return Comparison(name, {k: tuple(plain(v) for v in vals) for k, vals in axes.items()}, tuple(variants), tuple(resolved), batch or 1)


def _profile_variants(
    combos: Sequence[Mapping[str, Any]], resolved: Sequence[Any], *, batch: int | None, crosscheck: bool, dtype: str, progress: Progress | None, backward: bool
) -> list[Variant]:
    """Profiles each resolved variant in turn (progress per variant), labelled by its options."""
    from lwprof import profiler

    variants = []
    for i, (overrides, r) in enumerate(zip(combos, resolved)):
        label = ", ".join(f"{k}={plain(v)}" for k, v in overrides.items())
        if progress:
            progress(label, i, len(combos))
        p = profiler.run(r, batch=batch, crosscheck=crosscheck, dtype=dtype, backward=backward)
        variants.append(Variant(label, p.config, p))
    return variants


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
    batch: int | None = None,
    crosscheck: bool = False,
    dtype: str = "fp32",
    progress: Progress | None = None,
    backward: bool = False,
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
        backward: Also count every model's backward pass (as :func:`profile` does).
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
        p = profiler.run(r, batch=batch, crosscheck=crosscheck, dtype=dtype, backward=backward)
        variants.append(Variant(label, p.config, p))
    return Comparison("models", {"model": tuple(v.label for v in variants)}, tuple(variants), tuple(resolved), batch or 1)


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


def diff(
    a: Any,
    b: Any,
    *,
    input_size: Sequence[int] | None = None,
    inputs: Any = None,
    batch: int | None = None,
    dtype: str = "fp32",
    progress: Progress | None = None,
) -> Any:
    """The layer-level difference of two models: :class:`lwprof.diffs.ModelDiff`, rows aligned by module path.

    Args:
        a: The first model: a spec ("mobilenet@alpha=0.5", "net.py:Net@width=2"), a module,
            a :class:`ModelProfile`, or a ``.json`` file written by ``lwprof summary --format json``.
        b: The second, likewise; deltas and ratios are B relative to A.
        input_size: (C, H, W) given to both models profiled here (default: each model's own).
        inputs: Likewise, in any form :func:`profile` takes.
        batch: Batch size of the models profiled here.
        dtype: Element type for byte counts.
        progress: Called before each model with (label, index, total).

    Raises:
        LwprofError: A bad spec, an unreadable file, or a file that is not a profile.
    """
    from lwprof.diffs import diff_profiles

    sides = []
    for i, side in enumerate((a, b)):
        label = side if isinstance(side, str) else (side.spec or side.arch) if isinstance(side, ModelProfile) else type(side).__name__
        if progress:
            progress(str(label), i, 2)
        if isinstance(side, ModelProfile):
            sides.append((label, side))
        elif isinstance(side, str) and side.lower().endswith(".json"):
            sides.append((label, _load_profile(side)))
        else:
            sides.append((label, profile(side, inputs=_inputs(input_size, inputs), batch=batch, dtype=dtype)))
    (la, pa), (lb, pb) = sides
    return diff_profiles(pa, pb, str(la), str(lb))


def _load_profile(path: str) -> ModelProfile:
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise LwprofError(f"cannot read {path!r}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise LwprofError(f"{path!r} is not valid JSON: {exc}") from None
    try:
        return ModelProfile.from_dict(data)
    except LwprofError as exc:
        raise LwprofError(f"{path!r}: {exc}") from None


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



def check_papers(arch: str | None = None, progress: Progress | None = None) -> list[CheckResult]:
    """Every published number (of one architecture) against lwprof's count: ``lwprof check``."""
    from lwprof.reference.check import run_checks

    return run_checks(arch, progress=progress)


def check_expectations(path: str, progress: Progress | None = None) -> list[ExpectResult]:
    """A pinned expectations file against the current counts: ``lwprof check --expect``."""
    from lwprof.expect import load, verify

    return verify(load(path), progress=progress)


def pin(specs: Sequence[str], path: str, *, inputs: Any = None, quantities: Sequence[str] | None = None) -> Path:
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


def measure(model_or_name: Any, input_size: Any = None, **kwargs: Any) -> LatencyResult:
    """Measured CPU latency, end to end and per layer (:func:`lwprof.latency.measure.measure`)."""
    from lwprof.latency.measure import measure as measure_latency

    return measure_latency(model_or_name, input_size, **kwargs)


def time_variants(comparison: Comparison, *, repeats: int = 10, warmup: int = 2, progress: Progress | None = None) -> dict[str, Timing]:
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
    runtime: str = "torch",
    for_models: Sequence[str] = (),
) -> Calibration:
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
        runtime: ``torch`` (eager) or ``onnxruntime`` (kernel detection and every benchmark on ONNX Runtime, fp32).
        for_models: Instead of calibrating: measure the exact kernels of these models (specs) on the existing
            calibration's runtime and add them to its table of measured kernels (``lwprof calibrate --for``); the
            calibration read and written is ``path``, else this machine's for ``runtime``, ``threads`` and ``dtype``.

    Returns:
        The :class:`~lwprof.latency.costmodel.Calibration`, with ``path`` set when saved.
    """
    import dataclasses

    if for_models:
        return _measure_for(list(for_models), threads, dtype, path, progress, runtime)
    from lwprof.latency.calibrate import calibrate as run
    from lwprof.latency.costmodel import calibration_file, check_cache_target
    from lwprof.latency.timing import check_threads
    from lwprof.render.export import probe_writable, to_json, write_atomic

    target = path
    if save and target is not None:
        probe_writable(target, force, what="--save")
    elif save:  # this machine's file in the cache: checked before a benchmark runs, not after
        import torch

        check_threads(threads)
        target, force = str(check_cache_target(calibration_file(threads or torch.get_num_threads(), dtype, runtime=runtime))), True
    if runtime == "onnxruntime":
        from lwprof.latency import onnxrt, ortcal

        ortcal.check_dtype(dtype)
        onnxrt.require()
    calibration = run(threads=threads, dtype=dtype, quick=quick, progress=progress, runtime=runtime)
    if not save:
        return calibration
    if path is not None:
        target = path
    else:
        target = str(calibration_file(calibration.threads, dtype, runtime=calibration.runtime))
        os.makedirs(os.path.dirname(target), exist_ok=True)
    written = write_atomic(target, to_json(calibration.to_dict()), force=force)
    return dataclasses.replace(calibration, path=str(written))


def _measure_for(specs: list[str], threads: int | None, dtype: str, path: str | None, progress: Progress | None, runtime: str) -> Calibration:
    """``lwprof calibrate --for``: the exact kernels of ``specs`` measured and added to an existing calibration."""
    import dataclasses

    from lwprof.latency.kernelpred import measure_kernels
    from lwprof.render.export import to_json, write_atomic

    cal = load_calibration(path, threads=threads, dtype=dtype, runtime=runtime)
    measured = measure_kernels(cal, specs, progress)
    cal = dataclasses.replace(cal, measured={**cal.measured, **measured})
    written = write_atomic(cal.path, to_json(cal.to_dict()), force=True)
    return dataclasses.replace(cal, path=str(written))


def load_calibration(path: str | None = None, *, threads: int | None = None, dtype: str = "fp32", runtime: str | None = None) -> Calibration:
    """This machine's calibration for ``runtime`` (default torch), ``threads`` (default: torch's) and ``dtype``, or the file ``path``
    (of ``runtime`` when given).

    Raises:
        LwprofError: None made yet (run ``lwprof calibrate``), a file of another runtime, or not a calibration file.
    """
    from lwprof.latency.costmodel import load_calibration as load

    if path is None and threads is None:
        import torch

        threads = torch.get_num_threads()
    return load(path, threads=threads or 1, dtype=dtype, runtime=runtime)


def _calibration(calibration: Any, threads: int | None, dtype: str, runtime: str | None = None) -> Calibration:
    from lwprof.latency.costmodel import Calibration

    if isinstance(calibration, Calibration):
        if runtime is not None and calibration.runtime != runtime:
            raise LwprofError(f"the calibration measured {calibration.runtime}, not {runtime}; give one made with `lwprof calibrate --runtime {runtime}`")
        return calibration
    return load_calibration(calibration, threads=threads, dtype=dtype, runtime=runtime)


def predict(target: Any, *, calibration: Any = None, threads: int | None = None, runtime: str | None = None, **profile_kwargs: Any) -> Prediction:
    """Predicted latency of a model on this machine, without running it.

    Args:
        target: A :class:`~lwprof.records.ModelProfile`, or anything :func:`profile` takes.
        calibration: A :class:`~lwprof.latency.costmodel.Calibration` or the path of one;
            default: this machine's for ``threads`` and the profile's dtype.
        threads: Which calibration to use (default: torch's thread count).
        runtime: Which runtime's calibration: ``torch`` or ``onnxruntime`` (default: torch, or the file's).
        **profile_kwargs: Passed to :func:`profile` when ``target`` is not a profile.

    Returns:
        The :class:`~lwprof.latency.predict.Prediction` (``total_s``, per-layer seconds).

    Raises:
        LwprofError: No calibration (run ``lwprof calibrate``), or bad input.
    """
    from lwprof.latency.predict import predict_profile

    p = target if isinstance(target, ModelProfile) else profile(target, **profile_kwargs)
    return predict_profile(p, _calibration(calibration, threads, p.dtype, runtime))


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
    runtime: str | None = None,
    measure: bool = False,
    **fixed: Any,
) -> FitResult:
    """The best configuration of ``arch`` under budgets, and the Pareto front (``lwprof fit``).

    Args:
        arch: A registered architecture, optionally with fixed options ("mobilenet@conv=dwsep").
        vary: Searched options: ``{"alpha": "0.25:1.0:0.05", "resolution": [128, 160]}`` (a
            range string, a comma string or a sequence), or ``--vary`` texts
            (``["alpha=0.25:1.0:0.05"]``); default :meth:`ArchSpec.default_search <lwprof.architectures.registry.ArchSpec.default_search>` (each option's ``search``)
            for the options the architecture has.
        max_macs: MACs budget (an int or "300M").
        max_params: Params budget (an int or "3.5M").
        max_latency: Predicted-latency budget: seconds as a float, or a string in ms ("15ms").
        objective: "macs" (the most MACs within the budgets) or "latency" (the fastest).
        calibration: A calibration or its path (default: this machine's, see :func:`predict`).
        threads: Which calibration to use (default: torch's thread count).
        runtime: Which runtime's calibration prices the grid (default: torch, or the file's).
        batch: Batch size.
        progress: Called before each distinct model with (label, index, total).
        measure: Then time the exact kernels of the finalists (:func:`lwprof.latency.fit.finalists`: the choice,
            its ties, the front's configurations whose interval crosses the latency budget; at most 8) on the
            calibration's runtime, store them in its file (as ``lwprof calibrate --for``), price the finalists with
            them and choose again (``lwprof fit --measure``).
        **fixed: Options fixed for every configuration (``conv="dwsep"``).

    Returns:
        A :class:`~lwprof.latency.fit.FitResult`.

    Raises:
        LwprofError: Bad ranges or budgets, an option given both fixed and varied, no calibration.
    """
    from lwprof.architectures.registry import get_architecture
    from lwprof.latency import fit as search
    from lwprof.resolve import parse_spec, spec_and_flags
    from lwprof.units import parse_budget

    if objective not in search.OBJECTIVES:
        raise LwprofError(f"--objective {objective!r}: choose {' or '.join(search.OBJECTIVES)}")
    name, spec_options = parse_spec(arch)
    spec = get_architecture(name)
    fixed_options = {spec.option(k).name: v for k, v in spec_and_flags(arch, spec_options, fixed).items()}
    spec.configure(fixed_options)  # bad fixed values fail before any search
    ranges: Mapping[str, Any] | None = search.parse_vary_ranges(vary) if isinstance(vary, (list, tuple)) else vary  # type: ignore[assignment]
    texts = dict(ranges) if ranges else {k: v for k, v in spec.default_search().items() if k not in fixed_options}
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
        parse_budget(max_macs, "--max-macs"), parse_budget(max_params, "--max-params"),
        max_latency if isinstance(max_latency, (int, float)) or max_latency is None else search.parse_latency(max_latency),
    )  # fmt: skip
    if budgets.max_latency_s is not None and not budgets.max_latency_s > 0:
        raise LwprofError(f"--max-latency must be positive, got {max_latency}")
    cal = _calibration(calibration, threads, "fp32", runtime)
    result = search.fit(spec.name, axes, fixed_options, cal, budgets, objective=objective, batch=batch, progress=progress)
    return _measure_finalists(result, cal, progress) if measure else result


MEASURE_ROUNDS = 3  # fit --measure: rounds of measuring while the re-priced choice is a configuration not yet measured


def _span(shares: Sequence[float]) -> str:
    """[0.8, 0.95] -> "80-95%"; one value (or all equal) -> "80%"."""
    low, high = round(100 * min(shares)), round(100 * max(shares))
    return f"{low}%" if low == high else f"{low}-{high}%"


def _measure_finalists(result: FitResult, cal: Calibration, progress: Progress | None) -> FitResult:
    """``fit --measure``: the finalists' exact kernels timed, stored in the calibration's file, the finalists re-priced;
    again (up to :data:`MEASURE_ROUNDS` rounds and ``MEASURE_LIMIT`` finalists in all) while the new choice is unmeasured.

    Raises:
        LwprofError: The calibration was made on another machine, or its file cannot be written (both before any timing).
    """
    import dataclasses

    from lwprof import profiler
    from lwprof.latency import fit as search
    from lwprof.latency.kernelpred import check_same_machine, measure_kernels
    from lwprof.latency.predict import predict_profile
    from lwprof.render.export import probe_writable, to_json, write_atomic

    check_same_machine(cal)
    if cal.path:
        probe_writable(cal.path, True, what="--measure (the calibration file it stores kernels in)")
    done: list[Any] = []
    prices: dict[str, float] = {}
    shares: list[float] = []
    for _ in range(MEASURE_ROUNDS):
        todo = [c for c in search.finalists(result, search.MEASURE_LIMIT - len(done)) if c.spec not in prices] if len(done) < search.MEASURE_LIMIT else []
        if not todo:
            break
        cal = dataclasses.replace(cal, measured={**cal.measured, **measure_kernels(cal, [c.spec for c in todo], progress, batch=result.batch, skip=cal.measured)})
        for c in todo:
            prediction = predict_profile(profiler.run(resolve(c.spec), batch=result.batch, dtype=cal.dtype), cal)
            prices[c.spec] = prediction.total_s
            shares.append(prediction.measured_share)
        done += todo
        result = search.repriced(result, {c.spec: prices[c.spec] for c in todo})
        if result.chosen is None or result.chosen.spec in prices:
            break
    if not done:
        why = "no configuration within the budgets, and none whose interval reaches the latency budget"
        return dataclasses.replace(result, notes=(*result.notes, Note(Severity.INFO, f"--measure: no finalist to measure ({why})")))
    where = ""
    if cal.path:
        write_atomic(cal.path, to_json(cal.to_dict()), force=True)
        where = f" and stored in {cal.path}"
    note = (
        f"--measure: the exact kernels of {len(done)} finalist(s) ({'; '.join(c.label for c in done)}) timed on this machine{where}; "
        f"those are priced with them ({_span(shares)} of their predicted time measured), the rest of the grid by the linear model, "
        "and the choice made again"
    )
    if result.chosen is not None and result.chosen.spec not in prices:
        note += f"; the new choice ({result.chosen.label}) is not measured yet: run again to measure it"
    return dataclasses.replace(result, notes=(*result.notes, Note(Severity.INFO, note)))
