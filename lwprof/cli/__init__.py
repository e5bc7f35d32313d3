"""The ``lwprof`` command line: parse -> resolve -> call the API -> render.

One module per command or family of commands, each registering on :data:`lwprof.cli.root.app`:
:mod:`~lwprof.cli.listing` (``list``), :mod:`~lwprof.cli.summary`, :mod:`~lwprof.cli.compare`,
:mod:`~lwprof.cli.layer`, :mod:`~lwprof.cli.check` (``check``, ``pin``), :mod:`~lwprof.cli.latency`
(``bench``), :mod:`~lwprof.cli.sweep`, :mod:`~lwprof.cli.predict` (``calibrate``, ``fit``),
:mod:`~lwprof.cli.explain`. A new
command is one new module in this package: it is discovered (after the ones above, in name order),
with no list to edit. :mod:`~lwprof.cli.support` holds what the commands share: the flags (the
architecture flags generated from the registry), errors as one line and exit 2, stdout for the
result only, output targets, progress.

Each command parses its options, calls :mod:`lwprof.api` (which resolves the spec), builds an
:class:`~lwprof.render.console.Output` with :mod:`lwprof.render` and prints or writes it. Every
:class:`~lwprof.errors.LwprofError` becomes one line on stderr, ``error: <message>``, and exit
code 2; never a traceback. stdout carries the result only.

Importing this package (and ``lwprof --help``) does not import torch or fvcore.
"""

from __future__ import annotations

import importlib
import pkgutil

from typer.core import TyperCommand

from lwprof.cli import support as cs
from lwprof.cli.root import app

__all__ = ["app", "main"]

# The order of ``lwprof --help``; any other module of this package is a command module too, added after these.
_ORDER = ("listing", "summary", "compare", "layer", "check", "latency", "sweep", "predict", "explain")
_NOT_COMMANDS = {"root", "support", "helptext", "__main__"}


def _command_modules() -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_COMMANDS)
    return [m for m in _ORDER if m in found] + [m for m in found if m not in _ORDER]


for _name in _command_modules():
    importlib.import_module(f"{__name__}.{_name}")
for _info in app.registered_commands:  # every command's --help in lwprof's short form
    if _info.cls in (None, TyperCommand):
        _info.cls = cs.LwprofCommand


def main() -> None:
    """The ``lwprof`` console script (exit codes: 0, 1 a check failed, 2 bad input, 130, 141)."""
    cs.fill_closed_fds()
    app()
