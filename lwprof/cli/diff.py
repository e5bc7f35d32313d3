"""``lwprof diff``: two models layer by layer, aligned by module path.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app

__all__ = ["diff"]

def _side(name: str) -> object:
    return typer.Argument(
        autocompletion=cs.complete_arch,
        help="A zoo spec (mobilenet@alpha=0.5), a user spec (net.py:Net@width=2) or a lwprof summary -f json file.",
        show_default=False,
        metavar=name,
    )


SideA = Annotated[str, _side("A")]
SideB = Annotated[str, _side("B")]
Everything = Annotated[bool, cs.flag("--all", help="Every module, the unchanged ones too.", panel=cs.OUT_PANEL)]


@app.command()
@cs.handles_errors
@cs.model_options
def diff(
    a: SideA,
    b: SideB,
    model: cs.ModelFlags,
    everything: Everything = False,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
) -> None:
    """Two models layer by layer: what was added, removed or changed, and the totals' ratios.

    Rows are aligned by module path; a changed row says what differs (type, hparams, shape,
    params, macs), with A's and B's params and MACs and B - A; ratios are B / A. A saved
    profile (a JSON file) diffs against a model as it is now.

    **Examples**

    * `lwprof diff mobilenet mobilenet@alpha=0.5`: every conv's width halved.
    * `lwprof diff mobilenet mobilenet@shallow=true --all`: every module of both.
    * `lwprof diff net.py:Net@width=1 net.py:Net@width=2 --input-size 3,64,64`
    * `lwprof diff before.json net.py:Net`: what an edit changed (before.json: summary -f json).
    * `lwprof diff mobilenet mobilenet@conv=standard -f csv -o diff.csv`: exact integers.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render.diff_grids import diff_output

    model.unsupported(
        "diff",
        kwargs="give each model's arguments in its spec, net.py:Net@width=2",
        threads="diff counts; nothing is timed",
        calibration="diff counts; nothing is timed",
        device="diff counts on meta tensors (CPU ones when a forward needs data)",
    )
    cs.targets(output, force)
    with cs.progress("profiling") as step:
        result = api.diff(a, b, inputs=model.inputs, batch=model.asked_batch, dtype=model.dtype, progress=step)
    cs.emit(fmt, diff_output(result, everything=everything), output, force)
