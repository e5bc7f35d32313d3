"""The one error type for bad user input.

Anything the user can get wrong (an unknown architecture, groups that do not divide the
channels, alpha <= 0, a model file that does not load) raises :class:`LwprofError`. The CLI
turns it into one line on stderr and exit code 2, the code Typer uses for usage errors.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class LwprofError(ValueError):
    """Bad input from the user; the message is one line that names the bad value."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def suggest(name: str, choices: Iterable[str], n: int = 3) -> str:
    """Returns " (did you mean 'x'?)" for the closest names, or "" when none is close.

    Args:
        name: What the user typed.
        choices: The valid names.
        n: At most this many suggestions.
    """
    by_lower = {c.lower(): c for c in choices}
    close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.5)]
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
