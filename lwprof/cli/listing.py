"""``lwprof list``: the architectures, their options and papers.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app

__all__ = ["list_"]


@app.command("list")
@cs.handles_errors
def list_(
    name: Annotated[
        str | None,
        typer.Argument(
            autocompletion=cs.complete_arch,
            help="Only this architecture (a name or alias).",
            show_default=False,
            metavar="ARCH",
        ),
    ] = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
) -> None:
    """List the architectures, their aliases, options (default, allowed values) and papers.

    **Examples**

    * `lwprof list`
    * `lwprof list shufflenet`: one architecture's options.
    * `lwprof list --format json`: the same, for scripts.
    """
    from lwprof.architectures import get_architecture, list_architectures
    from lwprof.render import views

    cs.targets(output, force)
    cs.emit(fmt, views.list_output([get_architecture(name)] if name else list_architectures()), output, force)
