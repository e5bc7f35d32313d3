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
    if not text:
        return type(exc).__name__
    line = text.splitlines()[0].rstrip()
    if line.endswith(":") and "\n" in text:  # torch's "... got (dict, ...), but expected one of:" and a list below
        line = line.removesuffix(":").removesuffix("but expected one of").rstrip(" ,")
    return line


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


def os_error_text(exc: OSError) -> str:
    """What an OS error says about a path, in words that are true: "permission denied" (never
    "does not exist" for a folder one may not enter), "does not exist", "a part of the path is
    not a folder", ..."""
    import errno

    words = {
        errno.EACCES: "permission denied",
        errno.EPERM: "not permitted",
        errno.ENOENT: "does not exist",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EISDIR: "it is a directory",
        errno.ELOOP: "too many symbolic links (a loop?)",
        errno.ENAMETOOLONG: "the name is too long",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the device",
    }
    return words.get(exc.errno or 0) or (exc.strerror or str(exc) or type(exc).__name__).lower()
