"""The ``lwprof`` Typer app and its root options (``--version``); every command module registers on :data:`app`."""

from __future__ import annotations

from typing import Annotated

import typer

from lwprof.cli import support as cs

__all__ = ["app"]

app = typer.Typer(
    name="lwprof",
    cls=cs.LwprofGroup,
    help=(
        "Profile lightweight CNNs (the MobileNets, ShuffleNets and GhostNet) and your own models: exact per-layer "
        "params, "
        "multiply-accumulates (MACs) and shapes, cross-checked against fvcore and the papers.\n\n"
        "Start with `lwprof list`, then `lwprof summary mobilenet` or `lwprof compare mobilenet`. "
        "MACs are the papers' mult-adds; FLOPs = 2 x MACs."
    ),
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Version = Annotated[
    bool, typer.Option("--version", callback=cs.show_version, is_eager=True, help="Show the version and exit.")
]


@app.callback()
def _root(version: Version = False) -> None:
    """Profile lightweight CNNs: exact per-layer params, MACs and shapes."""
