"""Profiles a :class:`~lwprof.resolve.Resolved` model: meta first, real tensors when the forward needs data.

* The counting forward runs on ``meta`` tensors (shapes only, no activation memory).
* When it cannot (the forward calls ``.item()``, ``nonzero``, numpy, copies to the CPU: a
  detector's proposals, a data-dependent branch), the same walk runs on real CPU tensors:
  seeded, valid inputs (:meth:`~lwprof.resolve.Inputs.make`), PyTorch's reference kernels,
  and a memory limit. The profile says so in one note, and that its counts may depend on the
  input's values. ``device="meta"`` or ``"cpu"`` forces one way.
* The optional cross-check with fvcore and FlopCounterMode runs real forward passes too; it is
  skipped, with a note, when it would need more memory than allowed.

Memory limit for real tensors: ``LWPROF_MAX_MEMORY`` (e.g. ``8GiB``), else half of this
machine's memory; the cross-check allows at most 2 GiB, or that limit when it is lower. Every refusal names the
flag that makes the model fit (:func:`smaller`). Inputs too large for any tensor (more than
2^63 bytes, even on ``meta``) are refused before anything is built.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable
from typing import Any

from lwprof.counting.walker import NeedsRealTensors, walk
from lwprof.errors import LwprofError, first_line
from lwprof.records import (
    BYTES_PER_ELEMENT,
    LayerComparison,
    ModelProfile,
    Note,
    Severity,
    inputs_text,
)
from lwprof.resolve import Resolved
from lwprof.units import human_bytes, parse_bytes

__all__ = ["CROSSCHECK_LIMIT", "DEVICES", "MAX_TENSOR_BYTES", "check_tensors", "layer_variants", "memory_limit", "run", "smaller"]

DEVICES = ("auto", "meta", "cpu")
CROSSCHECK_LIMIT = 2 * 2**30  # bytes of weights + activations the cross-check's real forward may use
MAX_TENSOR_BYTES = 2**63 - 1  # the most bytes PyTorch can address in one tensor, meta included


def check_tensors(tensors: Iterable[tuple[str, tuple[int, ...], int]], remedy: str) -> None:
    """Refuses a tensor PyTorch cannot even describe: a dimension or a size over 2^63 - 1.

    Args:
        tensors: (what, shape, bytes per element) of each tensor about to be made.
        remedy: The flags that make it smaller, for the message.

    Raises:
        LwprofError: Naming the tensor, its size and the remedy.
    """
    for what, shape, itemsize in tensors:
        total = math.prod(shape) * itemsize
        if total > MAX_TENSOR_BYTES or any(d > MAX_TENSOR_BYTES for d in shape):
            shown = "x".join(str(d) if len(str(d)) <= 12 else f"{d:.3g}" for d in shape)
            raise LwprofError(f"{what} of shape {shown} would hold about {float(total):.3g} bytes, more than any tensor can (2^63); {remedy}")


def smaller(resolved: Resolved, weights: int = 0, activations: int = 0) -> str:
    """Which flags make a model's real forward pass smaller: "use a smaller --resolution or --batch".

    Args:
        resolved: The model.
        weights: Bytes of its weights.
        activations: Bytes of its inputs and activations.
    """
    if resolved.is_zoo and weights > activations:
        from lwprof.architectures.registry import Role

        sizing = resolved.arch.with_role(Role.WIDTH, Role.CLASSES) if resolved.arch else ()  # the options that set the weights' size
        flags = [f"--{o.name.replace('_', '-')}" for o in sizing]
        return f"the weights take {human_bytes(weights)}: use a smaller {' or '.join(flags)}"
    if resolved.is_zoo:
        return "use a smaller --resolution (or --input-size) or --batch"
    if weights > activations:
        return f"the weights take {human_bytes(weights)}: build a smaller model (e.g. other --kwargs)"
    return "use a smaller --input-size or --batch"


def real_run_bytes(resolved: Resolved, weight_elements: int, activation_elements: int) -> tuple[int, int]:
    """Bytes of weights and activations a real forward pass of ``resolved`` holds: at the element size it runs
    at (a zoo model: fp32, 4 bytes; a user model: its own floating parameters', fp16's 2 bytes say), whatever
    ``--dtype`` counts the profile's bytes at. The one rule of every real-run memory check (the real-tensor
    walk, the cross-check, timing)."""
    size = 4
    if resolved.module is not None:
        from torch.nn.parameter import is_lazy  # a lazy module's parameters have no size yet

        params = (p for p in resolved.module.parameters() if not is_lazy(p) and p.is_floating_point())
        size = next((p.element_size() for p in params), 4)
    return weight_elements * size, activation_elements * size


def memory_limit() -> int:
    """Bytes a real-tensor forward pass may use: ``LWPROF_MAX_MEMORY``, else half the machine's memory.

    Raises:
        LwprofError: ``LWPROF_MAX_MEMORY`` is not a size such as 8GiB.
    """
    text = os.environ.get("LWPROF_MAX_MEMORY")
    if text:
        try:
            return parse_bytes(text)
        except LwprofError as exc:
            raise LwprofError(f"LWPROF_MAX_MEMORY: {exc}") from None
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 2**30


def run(
    resolved: Resolved,
    *,
    batch: int | None = None,
    device: str = "auto",
    crosscheck: bool = False,
    strict: bool = False,
    verify: bool = False,
    dtype: str = "fp32",
    seed: int = 0,
    train: bool = False,
    backward: bool = False,
) -> ModelProfile:
    """Profiles a resolved model.

    Args:
        resolved: The model and its inputs.
        batch: Batch size (prepended to every input given as a shape); None: not asked for, 1
            (an ONNX graph's fixed batch as it is; an explicit batch that differs is refused).
        device: "auto" (meta, then the CPU if the forward needs data), "meta" or "cpu".
        crosscheck: Also count with fvcore and FlopCounterMode and attach a verdict per record.
        strict: Fail when a leaf layer has no formula.
        verify: Run PyTorch's meta kernels for every op (checks every formula's shape).
        dtype: Element type for byte counts.
        seed: Seed of the generated inputs of a real-tensor walk.
        train: Count in training mode (BatchNorm with batch statistics, dropout on, training-only
            branches), forward only.
        backward: Also count the backward pass, per layer (:mod:`lwprof.counting.backward`), and
            with ``crosscheck`` check it against FlopCounterMode's.

    Raises:
        LwprofError: Bad input, a forward that fails, or a real forward pass over the memory limit.
    """
    asked = batch
    if batch is None:
        batch = 1
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise LwprofError(f"batch must be an integer >= 1, got {batch!r}")
    if dtype not in BYTES_PER_ELEMENT:
        raise LwprofError(f"dtype {dtype!r} is not supported; choose from {', '.join(BYTES_PER_ELEMENT)}")
    if device not in DEVICES:
        raise LwprofError(f"device {device!r} is not supported; choose from {', '.join(DEVICES)}")
    if resolved.inputs.has_tensors and batch != 1:
        raise LwprofError(f"the inputs ({resolved.inputs.source}) are tensors, which fix the batch; drop --batch")
    check_tensors(((f"input {s.name or i}" if len(resolved.inputs.specs()) > 1 else "the input", s.shape, s.itemsize) for i, s in enumerate(resolved.inputs.specs(batch))), smaller(resolved))
    if resolved.kind == "onnx":
        if backward:
            raise LwprofError("--backward needs a PyTorch model: an ONNX graph holds no backward pass; profile the nn.Module it was exported from")
        return _run_onnx(resolved, asked, crosscheck, strict, dtype)
    notes = list(resolved.notes)
    common: dict[str, Any] = {"strict": strict, "verify": verify, "arch": resolved.name, "config": resolved.config, "dtype": dtype, "train": train}
    if train:
        notes.append(Note(Severity.INFO, "counted in training mode (--train): BatchNorm with batch statistics, dropout on, training-only branches; forward only"))
    profile: ModelProfile | None = None
    real_inputs = None
    dependent = False
    model: Any = None
    walked: Any = None  # the model and the inputs the counting forward ran on (the backward's too)
    if device != "cpu":
        model = resolved.build("meta")
        walked = resolved.inputs.make(batch, "meta")
        try:
            profile = walk(model, inputs=walked, owned=resolved.module is None, **common)
        except NeedsRealTensors as exc:
            if device == "meta":
                raise LwprofError(f"the forward cannot run on meta tensors: {exc.reason}; --device auto (or cpu) counts it on real tensors") from None
            if resolved.is_zoo:
                raise LwprofError(f"forward pass failed for input {inputs_text(resolved.inputs.specs(batch))}: {exc.reason}") from None
            _check_memory(resolved, batch, exc.peak_bytes, "its forward needs real tensors")
            dependent = True
            notes.append(
                Note(
                    Severity.INFO,
                    f"counted on real CPU tensors (seed {seed}) because the forward needs data: {exc.reason}. "
                    "Work after that point may depend on the input's values (e.g. a detector's proposals)",
                )
            )
    if profile is None:
        if device == "cpu":
            _check_memory(resolved, batch, 0, "--device cpu runs a real forward pass")
        model = resolved.build("cpu")
        real_inputs = resolved.inputs.make(batch, "cpu", seed)
        walked = real_inputs
        profile = walk(model, inputs=real_inputs, device="cpu", memory_limit=memory_limit(), owned=resolved.module is None, **common)
    profile = dataclasses.replace(profile, spec=resolved.spec, input_dependent=dependent, notes=(*notes, *profile.notes), batch_size=resolved.inputs.batch_size(batch))
    if backward:
        profile = _with_backward(resolved, profile, model, walked, batch, seed, device, train)
    if crosscheck:
        profile = _crosscheck(resolved, profile, real_inputs, batch, seed, train)
    return profile


def _with_backward(resolved: Resolved, profile: ModelProfile, model: Any, walked: Any, batch: int, seed: int, device: str, train: bool) -> ModelProfile:
    """``profile`` with the backward pass counted on the model and inputs its forward ran on; with
    ``device="auto"``, a backward that fails on meta tensors is counted again on real CPU tensors."""
    from lwprof.counting.backward import attach_backward, count_backward

    try:
        counts = count_backward(model, walked, device=profile.device, train=train)
    except LwprofError as exc:
        if device != "auto" or profile.device != "meta":
            raise
        _check_memory(resolved, batch, 0, "the backward pass needs real tensors")
        counts = count_backward(resolved.build("cpu"), resolved.inputs.make(batch, "cpu", seed), device="cpu", train=train)
        reason = first_line(exc).removeprefix("the backward pass failed: ").split("; --device cpu")[0]
        note = Note(Severity.INFO, f"the backward pass was counted on real CPU tensors (seed {seed}): on meta tensors it failed ({reason})")
        profile = dataclasses.replace(profile, notes=(*profile.notes, note))
    return attach_backward(profile, counts)


def _run_onnx(resolved: Resolved, batch: int | None, crosscheck: bool, strict: bool, dtype: str) -> ModelProfile:
    """An ONNX graph: counted node by node from its shapes (nothing runs), cross-checked by onnx-tool."""
    from lwprof.counting.onnx_walk import walk_onnx

    walked = walk_onnx(resolved.module, resolved.inputs.args, batch=batch, arch=resolved.name, strict=strict, dtype=dtype, spec=resolved.spec)
    if not crosscheck:
        return dataclasses.replace(walked.profile, crosscheck_note="not run (use --fvcore to compare every node with onnx-tool)")
    from lwprof.counting.onnx_check import attach_onnx_tool

    return attach_onnx_tool(walked, resolved.module)


def _check_memory(resolved: Resolved, batch: int, activations: int, why: str) -> None:
    """Refuses a real forward pass that would not fit (its weights, inputs and activations seen so far)."""
    limit = memory_limit()
    weights = real_run_bytes(resolved, resolved.parameter_count(), 0)[0] if resolved.is_zoo else 0  # a user model's weights exist already
    data = activations or resolved.inputs.element_bytes(batch)  # the walk's peak holds the inputs already
    need = weights + data
    if need > limit:
        raise LwprofError(
            f"{why}, which needs at least {human_bytes(need)} here, more than the {human_bytes(limit)} allowed "
            f"(LWPROF_MAX_MEMORY); {smaller(resolved, weights, data)}"
        )


def _crosscheck(resolved: Resolved, profile: ModelProfile, real_inputs: Any, batch: int, seed: int, train: bool = False) -> ModelProfile:
    from lwprof.counting.crosscheck import attach_crosschecks

    weights, peak = real_run_bytes(resolved, profile.params + profile.buffers, profile.peak_activation_elements or 0)
    per_sample = peak // (1 if real_inputs is not None else batch)
    need = per_sample + weights
    limit = min(CROSSCHECK_LIMIT, memory_limit())
    if need > limit:
        return dataclasses.replace(
            profile,
            crosscheck_note=f"skipped: a real forward pass would need about {human_bytes(need)} ({human_bytes(weights)} of weights, "
            f"{human_bytes(per_sample)} of activations at once), more than the {human_bytes(limit)} the cross-check may use; "
            f"the analytic counts need none (--no-fvcore skips the check; for it to run: {smaller(resolved, weights, per_sample)})",
        )
    if real_inputs is not None:  # the data decided the work: check on the very same inputs
        return attach_crosschecks(profile, resolved.build("cpu"), real_inputs, scale=1, train=train)
    if batch == 1 or weights + per_sample * batch <= limit:  # the tools see the batch itself
        return _checked(resolved, profile, batch, seed, scale=1, train=train)
    checked = _checked(resolved, profile, 1, seed, scale=batch, train=train)
    scaled = f"the tools ran at batch 1 (batch {batch} would need {human_bytes(weights + per_sample * batch)}), their counts x {batch}; work that does not grow with the batch (on weights alone) may then show MISMATCH"
    return dataclasses.replace(checked, crosscheck_note="; ".join(n for n in (checked.crosscheck_note, scaled) if n))


def _checked(resolved: Resolved, profile: ModelProfile, batch: int, seed: int, scale: int, train: bool = False) -> ModelProfile:
    """The cross-check on generated inputs of ``batch``, its counts reused from the cache when the
    same structure ran on the same input before (:mod:`lwprof.counting.cache`)."""
    from lwprof.counting import cache
    from lwprof.counting.crosscheck import ToolCounts, attach_counts, tool_counts

    key = None
    if cache.enabled() and not resolved.inputs.has_tensors:
        key = cache.crosscheck_key(profile, f"{resolved.inputs!r} batch={batch} seed={seed} train={train}{_backward_key(profile)}", scale)
        stored = cache.load(key)
        if stored is not None:
            checked = attach_counts(profile, ToolCounts.from_dict(stored), scale=scale)
            note = "the tools' counts of this structure and input come from the cache (LWPROF_CROSSCHECK_CACHE=0 reruns them)"
            return dataclasses.replace(checked, crosscheck_note="; ".join(n for n in (checked.crosscheck_note, note) if n))
    counts = tool_counts(resolved.build("cpu"), resolved.inputs.make(batch, "cpu", seed), train, profile.backward)
    if key is not None:
        cache.store(key, counts.to_dict())
    return attach_counts(profile, counts, scale=scale)


def _backward_key(profile: ModelProfile) -> str:
    """The part of a cross-check's cache key the backward adds: which parameters need a gradient decides its work."""
    return f" backward trainable={[r.trainable_params for r in profile.layers]}" if profile.backward else ""


def layer_variants(
    in_channels: int,
    out_channels: int,
    kernel: int,
    size: int,
    *,
    stride: int = 1,
    groups: int | None = None,
    bias: bool = False,
    ratio: int = 2,
    batch: int = 1,
) -> LayerComparison:
    """One convolution realised as standard, grouped, depthwise-separable and ghost.

    Reproduces the articles' worked examples, e.g. a 3x3 conv on 12x12x4 -> 12x12x2 costs 72
    params and 10368 MACs; depthwise-separable 44 and 6336 (with "same" padding).

    Args:
        in_channels: Input channels M.
        out_channels: Output channels N.
        kernel: Kernel size D_K (odd; "same" padding k // 2).
        size: Input height and width D_F.
        stride: Stride.
        groups: Groups of the grouped variant (must divide both channel counts). None: 2,
            or the largest group count below it that divides both (the variant is left out,
            with a note, when only 1 does).
        bias: Give every conv a bias (the articles' 16 -> 32 example counts one).
        ratio: Ghost ratio s of the ghost variant.
        batch: Batch size.

    Returns:
        The variants ((label, profile) pairs; each profile's leaves carry the formula text),
        MobileNetV1 eq. 5's predicted dwsep / standard ratio, and notes.

    Raises:
        LwprofError: A non-positive size, an even kernel, a ratio below 2, or given groups that
            do not divide the channels.
    """
    from lwprof.architectures.rules import separable_ratio

    _check_layer(in_channels, out_channels, kernel, size, stride, groups, ratio, batch)
    groups, notes = _grouped_variant(in_channels, out_channels, groups)
    variants = _realised(in_channels, out_channels, kernel, size, stride, groups, bias, ratio, batch)
    return LayerComparison(variants, separable_ratio(out_channels, kernel), tuple(notes))


def _check_layer(in_channels: int, out_channels: int, kernel: int, size: int, stride: int, groups: int | None, ratio: int, batch: int) -> None:
    """Refuses a layer :func:`layer_variants` cannot realise, naming the flag to change."""
    for name, value in (("in", in_channels), ("out", out_channels), ("kernel", kernel), ("size", size), ("stride", stride), ("groups", groups), ("ratio", ratio), ("batch", batch)):
        if value is not None and value < 1:
            raise LwprofError(f"--{name} must be >= 1, got {value}")
    if kernel % 2 == 0:
        raise LwprofError(f"--kernel must be odd (padding k // 2 keeps the size), got {kernel}")
    if ratio < 2:
        raise LwprofError(f"--ratio must be >= 2 (a ghost module with ratio 1 has no cheap channels), got {ratio}")
    if ratio > max(2, out_channels):
        raise LwprofError(f"--ratio must be <= --out ({out_channels}): a ghost module makes out/ratio primary maps, at least one, and the rest cheaply; got {ratio}")
    if (size + 2 * (kernel // 2) - kernel) // stride + 1 < 1:
        raise LwprofError(f"--size {size} is too small for a {kernel}x{kernel} conv with stride {stride}")
    check_tensors(
        (("the input", (batch, in_channels, size, size), 4), ("the standard conv's weight", (out_channels, in_channels, kernel, kernel), 4), ("the output", (batch, out_channels, size, size), 4)),
        "use a smaller --in, --out, --kernel, --size or --batch",
    )


def _grouped_variant(in_channels: int, out_channels: int, groups: int | None) -> tuple[int, list[Note]]:
    """The grouped variant's group count (given: checked; None: 2, or the largest below that divides both
    channel counts; 1 leaves the variant out) and the note that says which."""
    from lwprof.architectures.rules import check_groups, valid_groups

    if groups is not None:
        check_groups("the grouped variant", in_channels, out_channels, groups)
        return groups, []
    groups = max(g for g in valid_groups(in_channels, out_channels) if g <= 2)
    if groups == 1:
        return 1, [Note(Severity.INFO, f"grouped variant left out: no group count > 1 divides both {in_channels} and {out_channels} channels")]
    if groups != 2:
        return groups, [Note(Severity.INFO, f"grouped variant uses g={groups}, the largest group count <= 2 that divides both channel counts")]
    return groups, []


def _realised(
    in_channels: int, out_channels: int, kernel: int, size: int, stride: int, groups: int, bias: bool, ratio: int, batch: int
) -> tuple[tuple[str, ModelProfile], ...]:
    """Each variant built on ``meta`` and walked: (label, profile) pairs; no grouped one when ``groups`` is 1."""
    import torch

    from lwprof.architectures.blocks import conv_unit
    from lwprof.architectures.rules import ConvKind

    kinds = [(ConvKind.STANDARD.value, ConvKind.STANDARD), (f"grouped (g={groups})", ConvKind.GROUPED), (ConvKind.DWSEP.value, ConvKind.DWSEP), (f"ghost (s={ratio})", ConvKind.GHOST)]
    if groups == 1:
        kinds.pop(1)
    out = []
    for label, kind in kinds:
        with torch.device("meta"):
            module = conv_unit(kind, in_channels, out_channels, kernel, stride, groups, act=None, norm=False, bias=bias, ratio=ratio)
        out.append((label, walk(module, (batch, in_channels, size, size), arch=label, owned=True)))
    return tuple(out)
