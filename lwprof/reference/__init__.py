"""Published numbers and the check against them (``lwprof check``).

:mod:`lwprof.reference.published` holds the numbers as data, each with its source, precision,
counting convention and, where no convention reproduces it, the known gap;
:mod:`lwprof.reference.check` recomputes them. Neither module imports torch or rich at import
time.
"""

from __future__ import annotations

from lwprof.reference.check import CheckResult, run_checks
from lwprof.reference.published import CONVENTION_NAMES, REFERENCES, Reference, published_for

__all__ = ["CONVENTION_NAMES", "REFERENCES", "CheckResult", "Reference", "published_for", "run_checks"]
