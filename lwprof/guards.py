"""Guards for what surrounds a command: user code that would end the process, and the environment.

* :func:`no_os_exit`: while a command runs, ``os._exit(code)`` in user code (a model file at
  import, a factory, a forward) raises :class:`UserExit` instead of ending lwprof with no word
  and nothing cleaned up; the places that already turn ``sys.exit`` into one error line
  (loading a model, its forward) handle it alike (:func:`exit_text` names which one was called).
  A forked child (a data loader's worker) still exits as it asks.
* :func:`check_thread_variables`: ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` are read by the
  libraries under torch when it is imported; an invalid value makes libgomp print a line of its
  own and be ignored (MKL's silently drops to one thread), so it is refused first, by name.

Torch-free; the ground floor.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping

from lwprof.errors import LwprofError

__all__ = ["UserExit", "check_thread_variables", "exit_text", "no_os_exit"]


class UserExit(SystemExit):
    """``os._exit(code)`` was called while :func:`no_os_exit` was in force."""


def exit_text(exc: SystemExit) -> str:
    """``os._exit(7)`` or ``sys.exit(3)``: what the user's code called."""
    return f"os._exit({exc.code!r})" if isinstance(exc, UserExit) else f"sys.exit({exc.code!r})"


@contextlib.contextmanager
def no_os_exit() -> Iterator[None]:
    """``os._exit`` raises :class:`UserExit` in this process until the block ends (then it is
    restored); in a child forked meanwhile it still ends the child."""
    real = os._exit
    pid = os.getpid()

    def refuse(code: int) -> None:
        if os.getpid() != pid:
            real(code)
        raise UserExit(code)

    os._exit = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        if os._exit is refuse:
            os._exit = real


# The forms libgomp and MKL accept: a positive count (OpenMP also a comma list, for nested levels).
_THREAD_VARIABLES = {
    "OMP_NUM_THREADS": (re.compile(r"\s*0*[1-9]\d*(\s*,\s*0*[1-9]\d*)*\s*"), "a positive whole number (or a comma list of them)"),
    "MKL_NUM_THREADS": (re.compile(r"\s*0*[1-9]\d*\s*"), "a positive whole number"),
}


def check_thread_variables(environ: Mapping[str, str] | None = None) -> None:
    """Refuses an ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` the libraries cannot read.

    Raises:
        LwprofError: The variable's name, its value, and what to set instead.
    """
    env = os.environ if environ is None else environ
    for name, (form, words) in _THREAD_VARIABLES.items():
        value = env.get(name)
        if value is not None and not form.fullmatch(value):
            shown = repr(value) if len(value) <= 40 else repr(value[:40] + "...")
            raise LwprofError(f"environment variable {name}={shown} is not {words}; unset it (unset {name}) or set e.g. {name}=2 (torch would ignore it)")
