"""``lwprof check`` and ``lwprof pin``: the papers' numbers, and your own pinned counts.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError

__all__ = ["check", "pin"]

PinSize = Annotated[
    list[str] | None,
    cs.flag("--input-size", help="The input of one sample a user model is pinned at: C,H,W.", metavar="C,H,W"),
]


@app.command()
@cs.handles_errors
def check(
    arch: Annotated[
        str | None, typer.Option("--arch", help="Check only this architecture (default: all).", show_default=False)
    ] = None,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            help="Check your own pinned counts and budgets (a TOML file, see lwprof pin) instead of the papers.",
            show_default=False,
        ),
    ] = None,
    brief: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="The table shows only the summary line and the checks that did not pass (exports keep every check).",
        ),
    ] = False,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
) -> None:
    """Check computed params and MACs against the numbers published in the papers.

    Statuses: pass; known gap (the paper's number is not reproduced by any counting
    convention, and the entry says why); fail. Exit code 0 when nothing fails, 1 when any
    check fails, 2 for usage errors.

    **Examples**

    * `lwprof check`: every published number of every paper.
    * `lwprof check --summary`: the counts, then only the known gaps and failures.
    * `lwprof check --arch shufflenet --format markdown`: one paper, as a Markdown table.
    * `lwprof check --expect lwprof.toml`: your models' pinned params and MAC budgets (for CI).
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.records import CheckStatus
        from lwprof.render import views

    cs.targets(output, force)
    if expect is not None:
        if arch is not None:
            raise LwprofError("--arch filters the paper checks; it does not apply with --expect")
        with cs.progress("checking expectations") as step:
            expected = api.check_expectations(expect, progress=step)
        out = views.expect_output(expected, expect)
        failed = any(r.status == CheckStatus.FAIL for r in expected)
    else:
        with cs.progress("checking against the papers") as step:
            results = api.check_papers(arch, progress=step)
        out = views.check_output(results, problems_only=brief)
        failed = any(r.status == CheckStatus.FAIL for r in results)
    cs.emit(fmt, out, output, force)
    if failed:
        raise typer.Exit(1)


@app.command()
@cs.handles_errors
def pin(
    specs: Annotated[
        list[str],
        typer.Argument(
            help=(
                "Models to pin: zoo names with options (mobilenet@alpha=0.5,resolution=160) or user specs "
                "(net.py:Net@width=2)."
            ),
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help=(
                "The expectations file to write; an existing one is updated: entries with the same spec are "
                "replaced, the rest (and comments) kept."
            ),
            show_default=False,
        ),
    ],
    input_size: PinSize = None,
    quantity: Annotated[
        list[str] | None,
        typer.Option(
            "--quantity",
            help=(
                "What to pin (repeatable): params, trainable_params, macs, flops, peak_activation_bytes. Default: "
                "params, macs, peak_activation_bytes."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Pin the current counts of models in an expectations file (for lwprof check --expect).

    The file is TOML, one [[model]] table per model; edit a value into a budget such as
    macs = "<= 300M" or params = "3.5M ± 1%". Written atomically.

    **Examples**

    * `lwprof pin mobilenet@alpha=0.5 shufflenet@groups=8 -o lwprof.toml`
    * `lwprof pin models/net.py:Net --input-size 3,224,224 -o lwprof.toml`: adds or updates one entry.
    * `lwprof check --expect lwprof.toml`: exits 1 when a count drifts or a budget is exceeded.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api

    typer.echo(f"wrote {api.pin(specs, output, inputs=input_size or None, quantities=quantity or None)}", err=True)
