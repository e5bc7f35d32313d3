"""Cross-checks lwprof's analytic counts against fvcore and torch's FlopCounterMode.

Both tools run a real forward pass (fvcore JIT-traces real tensors), so they run once at
batch 1 and their counts are scaled by the batch size: conv and linear work is linear in the
batch. Their per-module counts are attached to every record, and each record gets a verdict:

* ``ok``: both tools give exactly lwprof's MACs;
* ``by design``: the only difference is work that fvcore counts and lwprof reports as other
  ops, not MACs: fvcore's BatchNorm handle (normalisation per element) and its adaptive
  average pooling handle (one per input element). FlopCounterMode counts neither;
* ``fvcore gap``: a conv with string padding ("same"/"valid"), which traces to
  ``aten::_convolution_mode``, an op fvcore has no handler for, so fvcore counts 0 while
  FlopCounterMode agrees with lwprof. fvcore's miss, shown under its own name;
* ``MISMATCH``: anything else. It is shown, never hidden.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings

import torch
from torch import nn

from lwprof.records import ModelProfile

__all__ = ["BY_DESIGN", "attach_crosschecks", "fvcore_by_module", "torch_by_module"]

# Leaf categories whose work fvcore counts by convention although it is not a MAC: its
# BatchNorm handle (normalisation) and its adaptive average pooling handle.
BY_DESIGN = frozenset({"BatchNorm", "Pooling"})

# Above this many activation elements at batch 1, the real forward of the cross-check is
# skipped (it would allocate gigabytes); the analytic profile itself never allocates them.
MAX_CROSSCHECK_ELEMENTS = 256 * 2**20


def fvcore_by_module(model: nn.Module, image_shape: tuple[int, ...]) -> dict[str, int]:
    """fvcore's count per module name ("" = the model) for one input of ``image_shape``."""
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fvcore's import and tracer warn about torch.jit
        from fvcore.nn import FlopCountAnalysis

        analysis = FlopCountAnalysis(model, torch.zeros(1, *image_shape))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        return dict(analysis.by_module())


def torch_by_module(model: nn.Module, image_shape: tuple[int, ...]) -> dict[str, int]:
    """FlopCounterMode's count per module name, halved to MACs (it counts 2 FLOPs per MAC)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *image_shape))
    root = type(model).__name__
    out: dict[str, int] = {}
    for key, ops in counter.get_flop_counts().items():
        if key == "Global":
            continue
        name = "" if key == root else key[len(root) + 1 :] if key.startswith(root + ".") else key
        out[name] = sum(ops.values()) // 2
    return out


def attach_crosschecks(profile: ModelProfile, model: nn.Module) -> ModelProfile:
    """Returns ``profile`` with fvcore's and FlopCounterMode's counts and a verdict per record.

    Args:
        profile: The analytic profile.
        model: The same model with real (CPU) weights; it is put in eval mode for the check.

    Returns:
        A new profile. When the input is too large for a real forward pass at batch 1, the
        verdicts stay "n/a" and ``crosscheck_note`` says why.
    """
    image_shape = tuple(profile.input_shape[1:])
    if profile.peak_activation_elements and profile.peak_activation_elements // profile.batch > MAX_CROSSCHECK_ELEMENTS:
        per_image = profile.peak_activation_elements // profile.batch
        return dataclasses.replace(
            profile,
            crosscheck_note=f"skipped: one image needs {per_image:,} activation elements alive at once, more than the "
            f"{MAX_CROSSCHECK_ELEMENTS:,} a real forward pass is allowed here (the analytic counts need none)",
        )
    was_training = model.training
    model.eval()
    try:
        fv = fvcore_by_module(model, image_shape)
        tc = torch_by_module(model, image_shape)
    finally:
        model.train(was_training)
    batch = profile.batch
    string_padding = {n for n, m in model.named_modules() if isinstance(m, nn.modules.conv._ConvNd) and isinstance(m.padding, str)}
    # Leaves first: their verdicts say which differences are explained.
    verdicts: dict[str, str] = {}
    delta: dict[str, int] = {}  # explained (fvcore - lwprof) per module, summed over its leaves
    for r in profile.leaves():
        f, t = fv.get(r.name, 0) * batch, tc.get(r.name, 0) * batch
        if f == r.macs and t == r.macs:
            verdicts[r.name] = "ok"
        elif t == r.macs and r.macs == 0 and r.category in BY_DESIGN:
            verdicts[r.name] = "by design"
        elif t == r.macs and f == 0 and r.name in string_padding:
            verdicts[r.name] = "fvcore gap"
        else:
            verdicts[r.name] = "MISMATCH"
        if verdicts[r.name] in ("by design", "fvcore gap"):
            parts = r.name.split(".") if r.name else []
            for i in range(len(parts) + 1):
                key = ".".join(parts[:i])
                delta[key] = delta.get(key, 0) + f - r.macs
    records = []
    for r in profile.layers:
        f, t = fv.get(r.name, 0) * batch, tc.get(r.name, 0) * batch
        verdict = verdicts.get(r.name)
        if verdict is None:  # a parent: ok when equal, by design when the leaves explain the gap
            if f == r.macs and t == r.macs:
                verdict = "ok"
            elif t == r.macs and f - delta.get(r.name, 0) == r.macs:
                verdict = "by design"
            else:
                verdict = "MISMATCH"
        records.append(dataclasses.replace(r, fvcore_macs=f, torch_macs=t, crosscheck=verdict))
    return dataclasses.replace(profile, layers=tuple(records))
