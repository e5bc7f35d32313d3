"""Timing that says how much to trust it: repeated runs, median, spread, and a warning when noisy.

Every time lwprof shows (``bench``, ``sweep --bench``, calibration) comes from a
:class:`Timing`: the runs themselves, their median and interquartile range, and whether the
spread is large next to the median. :func:`time_call` repeats a call until the spread is
small (or a run or time budget is spent), so a quiet machine gets a quick answer and a noisy
one gets more runs and, if that does not help, a warning with the remedy.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from lwprof.errors import LwprofError
from lwprof.units import human_seconds

__all__ = ["NOISY_SPREAD", "Timing", "check_threads", "time_call", "warm_up"]

NOISY_SPREAD = 0.10  # interquartile range / median above this: the timing is flagged as noisy
REMEDY = "more --repeats, fewer --threads, or a quieter machine"
WARMUP_MAX_RUNS = 1000  # a timed warm-up (``warmup_s``) stops here whatever the clock says


@dataclass(frozen=True)
class Timing:
    """Repeated measurements of one thing, in seconds.

    Attributes:
        times_s: Every timed run, in order.
        warmup: Untimed runs before them.
    """

    NOISY_SPREAD: ClassVar[float] = NOISY_SPREAD
    REMEDY: ClassVar[str] = REMEDY

    times_s: tuple[float, ...]
    warmup: int = 0

    @property
    def runs(self) -> int:
        return len(self.times_s)

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s) if self.times_s else 0.0

    @property
    def iqr_s(self) -> float:
        """Interquartile range (0 for fewer than 2 runs)."""
        if len(self.times_s) < 2:
            return 0.0
        q = statistics.quantiles(self.times_s, n=4, method="inclusive")
        return q[2] - q[0]

    @property
    def min_s(self) -> float:
        return min(self.times_s) if self.times_s else 0.0

    @property
    def relative_spread(self) -> float:
        """IQR / median: 0.05 means the middle half of the runs lie within 5% of the median."""
        return self.iqr_s / self.median_s if self.median_s > 0 else 0.0

    @property
    def noisy(self) -> bool:
        return self.relative_spread > NOISY_SPREAD

    def warning(self, what: str = "the timing") -> str:
        """A one-line warning when noisy (empty otherwise), with the remedy."""
        if not self.noisy:
            return ""
        return (
            f"{what} is noisy: interquartile range {human_seconds(self.iqr_s)} is {100 * self.relative_spread:.0f}% of the "
            f"median {human_seconds(self.median_s)} over {self.runs} runs; try {REMEDY}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "median_s": self.median_s,
            "iqr_s": self.iqr_s,
            "min_s": self.min_s,
            "relative_spread": self.relative_spread,
            "runs": self.runs,
            "warmup": self.warmup,
            "noisy": self.noisy,
            "times_s": list(self.times_s),
        }


def time_call(
    fn: Callable[[], Any],
    *,
    warmup: int = 2,
    repeats: int = 10,
    max_repeats: int | None = None,
    target_spread: float = NOISY_SPREAD / 2,
    budget_s: float = float("inf"),
    clock: Callable[[], float] = time.perf_counter,
    on_run: Callable[[int], None] | None = None,
    warmup_s: float = 0.0,
) -> Timing:
    """Times ``fn()``: ``warmup`` untimed runs (more until ``warmup_s`` seconds have passed), then at least ``repeats`` timed ones.

    With ``max_repeats`` above ``repeats``, runs continue (in groups of ``repeats``) while the
    relative spread exceeds ``target_spread``, up to ``max_repeats`` runs or ``budget_s``
    seconds of timed runs.

    Args:
        fn: What to time (its result is discarded).
        warmup: Untimed runs first (allocator and kernel caches warm up).
        repeats: Timed runs at least.
        max_repeats: Timed runs at most (default: ``repeats``, i.e. no adaptation).
        target_spread: Stop adding runs once IQR / median is at most this.
        budget_s: Stop adding runs once this much time has been spent timing.
        clock: The clock (injected in tests).
        on_run: Called with the index of each run (warm-up runs included) before it.
        warmup_s: Warm up for at least this many seconds too. A fresh ONNX Runtime session runs its first
            10-20 inferences up to 2x slower than its later ones (measured here: 4.7 ms falling to 2.1 ms
            over the first ten runs of a 2 ms network), so a count alone does not warm it.

    Returns:
        The timing.
    """
    if warmup < 0 or repeats < 1:
        raise ValueError(f"need warmup >= 0 and repeats >= 1, got {warmup} and {repeats}")
    limit = max(repeats, max_repeats or repeats)
    warmed = warm_up(fn, warmup, warmup_s, clock, on_run)
    index = warmup
    times: list[float] = []
    spent = 0.0
    while True:
        for _ in range(repeats if not times else min(repeats, limit - len(times))):
            if on_run:
                on_run(index)
            index += 1
            start = clock()
            fn()
            elapsed = clock() - start
            times.append(elapsed)
            spent += elapsed
        timing = Timing(tuple(times), warmed)
        if len(times) >= limit or timing.relative_spread <= target_spread or spent >= budget_s:
            return timing


def warm_up(
    fn: Callable[[], Any], warmup: int, warmup_s: float = 0.0, clock: Callable[[], float] = time.perf_counter, on_run: Callable[[int], None] | None = None
) -> int:
    """Runs ``fn()`` untimed ``warmup`` times, and more until ``warmup_s`` seconds have passed (at most
    :data:`WARMUP_MAX_RUNS` runs then); returns how many runs it made.

    ``on_run`` is called with the index of each of the first ``warmup`` runs only: the runs a timed warm-up adds
    are not announced, so a progress total counted from ``warmup`` stays true. The clock is read only for a
    timed warm-up.
    """
    warmed, started = 0, clock() if warmup_s > 0 else 0.0
    while warmed < warmup or (warmup_s > 0 and warmed < WARMUP_MAX_RUNS and clock() - started < warmup_s):
        if on_run and warmed < warmup:
            on_run(warmed)
        warmed += 1
        fn()
    return warmed


def check_threads(threads: int | None) -> None:
    """Refuses a thread count outside 1 .. 4 x this machine's cores (``--threads``).

    Raises:
        LwprofError: Out of range.
    """
    cores = os.cpu_count() or 1
    if threads is not None and not 1 <= threads <= 4 * cores:
        raise LwprofError(f"threads must be between 1 and {4 * cores} (this machine has {cores} cores), got {threads}")
