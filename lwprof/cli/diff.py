"""``lwprof diff``: two models layer by layer, aligned by module path.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from __future__ import annotations

from typing import Annotated

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.render.console import Format

__all__ = ["diff"]

SideArg = Annotated[
    str,
    typer.Argument(
        help=(
            "A model: a zoo spec (mobilenet@alpha=0.5), a user spec (net.py:Net@width=2) or a .json file "
            "of lwprof summary -f json."
        ),
        show_default=False,
    ),
]


@app.command()
@cs.handles_errors
@cs.model_options
def diff(
    a: SideArg,
    b: SideArg,
    model: cs.ModelFlags,
    everything: Annotated[
        bool,
        typer.Option(
            "--all", help="Show every module, the unchanged ones too (indented by depth).", rich_help_panel=cs.OUT_PANEL
        ),
    ] = False,
    fmt: cs.FormatOpt = Format.TABLE,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
) -> None:
    """Two models layer by layer: what was added, removed or changed, and the totals' ratios.

    Rows are aligned by module path; each changed row says what differs (type, hparams, shape,
    params, macs) with A's and B's params and MACs and B - A. Deltas and ratios are B relative
    to A. A saved profile (a JSON file) diffs against a model as it is now.

    **Examples**

    * `lwprof diff mobilenet@alpha=1 mobilenet@alpha=0.5`: every conv's width halved.
    * `lwprof diff mobilenet_v2 mobilenet_v3_small --all`: every module of both.
    * `lwprof diff net.py:Net@width=1 net.py:Net@width=2 --input-size 3,64,64`: your model's variants.
    * `lwprof summary net.py:Net -f json -o before.json`, then `lwprof diff before.json net.py:Net`:
      what your edit changed.
    * `lwprof diff mobilenet mobilenet@conv=standard -f csv -o diff.csv`: exact integers.
    """
    from lwprof import api
    from lwprof.render.diff_grids import diff_output

    model.unsupported(
        "diff",
        kwargs="give each user model's arguments in its spec, net.py:Net@width=2",
        threads="diff compares counts and times nothing",
        device="diff counts on meta tensors (CPU ones when a forward needs data)",
        calibration="diff compares counts, not latency",
    )
    cs.targets(output, force)
    with cs.progress("profiling") as step:
        result = api.diff(a, b, inputs=model.inputs, batch=model.batch, dtype=model.dtype, progress=step)
    cs.emit(fmt, diff_output(result, everything=everything), output, force)
