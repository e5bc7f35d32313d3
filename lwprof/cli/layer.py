"""``lwprof layer``: one convolution four ways.

Commands only (see :mod:`lwprof.cli`): parse, call :mod:`lwprof.api`, render. Importing this
module does not import torch.
"""

from typing import Annotated

import typer

from lwprof.cli import support as cs
from lwprof.cli.root import app

__all__ = ["layer"]


@app.command()
@cs.handles_errors
def layer(
    in_channels: Annotated[int, typer.Option("--in", help="Input channels M.", show_default=False)],
    out_channels: Annotated[int, typer.Option("--out", help="Output channels N.", show_default=False)],
    kernel: Annotated[int, typer.Option("--kernel", help="Kernel size D_K (padding k // 2).", show_default=False)],
    size: Annotated[int, typer.Option("--size", help="Input height and width D_F.", show_default=False)],
    stride: Annotated[int, typer.Option("--stride", help="Stride of the spatial conv.")] = 1,
    groups: Annotated[
        int | None,
        typer.Option(
            "--groups",
            help=(
                "Groups of the grouped variant (must divide --in and --out); default 2, or the largest count <= 2 "
                "that divides both."
            ),
            show_default=False,
        ),
    ] = None,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Give every conv a bias.")] = False,
    ratio: Annotated[int, typer.Option("--ratio", help="Ghost ratio s of the ghost variant.")] = 2,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch size.")] = 1,
    fmt: cs.FormatOpt = None,
    output: cs.OutputOpt = None,
    force: cs.ForceOpt = False,
    quiet: cs.QuietOpt = False,  # read by cs.emit
) -> None:
    """One convolution four ways: standard, grouped, depthwise-separable and ghost.

    Shows params, MACs, the ratio to the standard conv and the formula behind each count,
    with MobileNetV1 eq. 5's predicted ratio 1/N + 1/D_K^2 next to the measured one.

    **Examples**

    * `lwprof layer --in 4 --out 2 --kernel 3 --size 12`: standard 72 params / 10,368 MACs, dwsep 44 / 6,336.
    * `lwprof layer --in 16 --out 32 --kernel 3 --size 12 --bias`: standard 4,640 params, dwsep 704.
    * `lwprof layer --in 512 --out 512 --kernel 3 --size 14 --groups 8`: MobileNetV1's Table 3 layer.
    """
    with cs.quick_imports():  # torch, its objects frozen after
        from lwprof import api
        from lwprof.render import views

    cs.targets(output, force)
    variants = api.layer_variants(
        in_channels, out_channels, kernel, size, stride=stride, groups=groups, bias=bias, ratio=ratio, batch=batch
    )
    cs.emit(fmt, views.layer_output(variants), output, force)
