"""``lwprof explain``: the conventions, verdicts, statuses and units every table refers to.

Commands only (see :mod:`lwprof.cli`). Importing this module does not import torch.
"""

from typing import Annotated

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app
from lwprof.errors import LwprofError

__all__ = ["explain"]

Topic = Annotated[
    str | None,
    typer.Argument(
        help="conventions, verdicts, statuses, checks, units, predictions or formats (default: all).",
        show_default=False,
        metavar="TOPIC",
    ),
]


@app.command()
@cs.handles_errors
def explain(
    topic: Topic = None,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
) -> None:
    """What the terms in lwprof's tables mean: counting conventions, verdicts, statuses, units.

    Every table of counts ends with a pointer here instead of repeating them.

    **Examples**

    * `lwprof explain`: every term.
    * `lwprof explain verdicts`: what the check column's ok, by design, fvcore gap, ... mean.
    * `lwprof explain conventions -f json`: the same, for scripts.
    * `lwprof explain formats`: what --format takes, and the -o suffixes that pick each.
    """
    from lwprof.render.explain import TOPICS, explain_output

    if topic is not None and topic.strip().lower() not in TOPICS:
        raise LwprofError(f"no topic {topic!r}; choose {', '.join(TOPICS)}")
    cs.targets(output, force)
    cs.emit(fmt, explain_output(topic.strip().lower() if topic else None), output, force)
