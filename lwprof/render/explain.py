"""``lwprof explain``: the counting conventions, the cross-check verdicts, the statuses and the units, said once.

Every table of counts ends with one line pointing here (:data:`lwprof.render.grid.EXPLAIN_POINTER`)
instead of repeating the conventions paragraph. The terms are the enums of :mod:`lwprof.records`;
a test holds that every verdict and status has its entry here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from lwprof.records import CONVENTIONS, CheckStatus, Status, Verdict
from lwprof.render.console import Output
from lwprof.render.export import list_formats
from lwprof.render.grid import Column, Grid

__all__ = ["TOPICS", "explain_grid", "explain_output"]

VERDICTS = {
    Verdict.OK: "fvcore and FlopCounterMode both count exactly lwprof's MACs",
    Verdict.BY_DESIGN: "the MACs agree; fvcore also counts non-MAC work (BatchNorm, pooling, ...) as flops, which "
    "lwprof reports as other ops; the footer names the ops",
    Verdict.FVCORE_GAP: "FlopCounterMode agrees with lwprof; fvcore has no handler for an op here",
    Verdict.TORCH_GAP: "fvcore agrees with lwprof; FlopCounterMode does not count an op here (backward: FlopCounterMode "
    "counts a grouped or depthwise conv's weight gradient groups times, lwprof's count times groups)",
    Verdict.ELSEWHERE: "backward only: FlopCounterMode's total agrees with lwprof's, but its module tracker credits this "
    "layer's backward to other modules (an identity such as eval-mode Dropout, a module called on its own output, "
    "branches that read one tensor, outputs that feed each other)",
    Verdict.UNCHECKED: "neither tool counts the op (both report 0): lwprof's count stands alone",
    Verdict.MISMATCH: "both tools disagree with lwprof: always shown, never hidden (please report it)",
    Verdict.NA: "not cross-checked (--no-fvcore, or the cross-check was skipped; the footer says why)",
}
STATUSES = {
    Status.FORMULA: "a leaf counted by its registered formula",
    Status.OP_LEVEL: "a leaf of a known type whose own forward or parameters differ: counted from its ops",
    Status.UNSUPPORTED: "a leaf with no formula: counted from its aten ops (exact for MACs) and flagged; "
    "--strict makes it an error",
    Status.PARENT: "a module with children: the sum of its subtree",
    Status.UNUSED: "a leaf the forward never called: zero MACs",
}
CHECKS = {
    CheckStatus.PASS: "the computed number matches the paper's (or your pinned value or budget)",
    CheckStatus.KNOWN_GAP: "no counting convention reproduces the paper's number; the entry says why",
    CheckStatus.FAIL: "a number does not match: lwprof check exits 1",
}
CONVENTION_TERMS = {
    **{part.split(" = ")[0].strip(): part.split(" = ", 1)[1].strip() for part in CONVENTIONS.split("; ") if " = " in part},
    "not MACs": next(p for p in CONVENTIONS.split("; ") if "not MACs" in p),
    "params": "sum of p.numel() over the parameters (trainable: those with requires_grad)",
    "buffers": "non-parameter state, e.g. BatchNorm's running mean and variance",
    "model size": "(params + buffers) x bytes per element of --dtype; an ONNX file's initializers in their own "
    "element types (int8: 1 byte, float16: 2), 'as stored' when that differs",
    "peak activations": "the most activation elements alive at once during the forward, x bytes per element",
    "memory traffic": "inputs and weights read plus outputs written, per layer (summary --memory)",
    "published": "the paper's numbers, counted its way (without BatchNorm or the classifier where it did)",
    "bwd MACs": "--backward: the backward pass's MACs per layer, by autograd on meta tensors: a conv's or matmul's input "
    "and weight gradients each cost its forward MACs; the first layer computes no input gradient, a frozen "
    "(requires_grad=False) weight no weight gradient; other ops one per gradient element",
    "training step": "--backward: forward + backward, the work of one training step without the optimizer",
}
UNITS = {
    "k, M, G": "10^3, 10^6, 10^9 (counts: 568.74 M MACs); exports and JSON give exact integers",
    "KiB, MiB, GiB": "2^10, 2^20, 2^30 bytes",
    "ms": "milliseconds: medians of timed runs, IQR the spread of the middle half; a prediction estimates the fastest run",
    "MAC/s": "achieved multiply-accumulates per second (bench)",
    "exit codes": "0 ok; 1 a check, budget or fit failed; 2 bad input; 130 interrupted; 141 closed pipe",
}
PREDICTIONS = {
    "interval": "a prediction's nominal 80% interval: the prediction times the 10th and 90th percentiles of the "
    "calibration's held-out random networks (measured / predicted, each left out of its own fit)",
    "good": "the held-out interval within +-10% of the prediction, at most a quarter of the benchmarks noisy",
    "fair": "within +-25%, at most half of the benchmarks noisy",
    "poor": "wider, or noisier: said under every prediction, with why; calibrate again on a quiet machine",
    "ungraded": "a calibration without held-out networks (an older lwprof's): no interval; run lwprof calibrate again",
    "digits": "a predicted time shows 3 significant digits within +-2.5%, 2 within +-25%, 1 beyond",
    "tie": "fit: a configuration within the budgets whose interval overlaps the choice's (measure both to choose)",
}


class _Formats(Mapping[str, str]):
    """The output formats registered now (:func:`lwprof.render.export.register_format`): each one's help and suffixes."""

    def _entries(self) -> dict[str, str]:
        return {f.name: f.help + (f" (-o {', '.join('*' + x for x in f.suffixes)})" if f.suffixes else "") for f in list_formats()}

    def __getitem__(self, name: str) -> str:
        return self._entries()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())


TOPICS: dict[str, Mapping[Any, str]] = {
    "conventions": CONVENTION_TERMS,
    "verdicts": VERDICTS,
    "statuses": STATUSES,
    "checks": CHECKS,
    "units": UNITS,
    "predictions": PREDICTIONS,
    "formats": _Formats(),
}


def _rows(topic: str | None) -> list[tuple[str, str, str]]:
    chosen = [topic] if topic else list(TOPICS)
    return [(name, str(getattr(term, "value", term)), text) for name in chosen for term, text in TOPICS[name].items()]


def explain_grid(topic: str | None = None) -> Grid:
    """One row per term: its topic, the term as lwprof prints it, what it means."""
    columns = (Column("topic", group=True), Column("term"), Column("meaning", wrap=True))
    return Grid("lwprof's terms" + (f": {topic}" if topic else ""), columns, tuple(_rows(topic)))


def explain_output(topic: str | None = None) -> Output:
    from lwprof.render.tables import grid_view

    def data() -> dict[str, Any]:
        return {name: {str(getattr(k, "value", k)): v for k, v in TOPICS[name].items()} for name in ([topic] if topic else TOPICS)}

    return Output(lambda: grid_view(explain_grid(topic)), lambda: explain_grid(topic), data)
