"""The README's numbers are the code's numbers: the zoo table and the quoted commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lwprof

README = (Path(__file__).parent.parent / "README.md").read_text()


def _zoo_rows():
    for line in README.splitlines():
        m = re.match(r"\| `(\w+)`(?:, `(\w+)`)? .*\| ([\d,]+) / ([\d,]+)(?: \(g=3\))?(?:; ([\d,]+) / ([\d,]+))? \|$", line)
        if m:
            names = [n for n in m.group(1, 2) if n]
            numbers = [int(x.replace(",", "")) for x in m.group(3, 4, 5, 6) if x]
            for i, name in enumerate(names):
                yield pytest.param(name, numbers[2 * i], numbers[2 * i + 1], id=name)


ROWS = list(_zoo_rows())


def test_readme_lists_every_architecture():
    from lwprof.architectures import list_architectures

    assert {r.values[0] for r in ROWS} == {s.name for s in list_architectures()}


@pytest.mark.parametrize("name, params, macs", ROWS)
def test_readme_zoo_table_matches_the_code(name, params, macs):
    p = lwprof.profile(name)
    assert (p.params, p.macs) == (params, macs)


def test_readme_starts_with_the_two_commands():
    block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in block.strip().splitlines()] == [["make", "demo"], ["make", "test"]]


# --------------------------------------------------------------------------------------------
# The example outputs: each block after `<!-- output: lwprof ... -->` is that command's output
# at README_WIDTH columns (a reader on GitHub sees about 100). `pytest tests/test_readme.py
# --update-golden` (or `make golden`) rewrites them from the current code.

README_WIDTH = 100
OUTPUT_BLOCK = re.compile(r"(<!-- output: lwprof (?P<args>[^>]*?) -->\n```\n)(?P<body>.*?)(```)", re.S)


def _render(args: str) -> str:
    import shlex
    from unittest import mock

    from rich.console import Console
    from typer.testing import CliRunner

    from lwprof import cli
    from lwprof.render import console

    with mock.patch.object(console, "stdout_console", lambda: Console(width=README_WIDTH, force_terminal=False, color_system=None)):
        result = CliRunner().invoke(cli.app, shlex.split(args))
    assert result.exit_code in (0, 1), (args, result.stdout, result.stderr)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


EXAMPLES = [m.group("args") for m in OUTPUT_BLOCK.finditer(README)]


def test_readme_has_example_outputs():
    assert len(EXAMPLES) >= 5 and any(a.startswith("check") for a in EXAMPLES)


@pytest.mark.parametrize("args", EXAMPLES)
def test_readme_example_output_is_the_real_output(args, update_golden):
    path = Path(__file__).parent.parent / "README.md"
    text = path.read_text()
    match = next(m for m in OUTPUT_BLOCK.finditer(text) if m.group("args") == args)
    got = _render(args)
    if update_golden:
        path.write_text(text[: match.start("body")] + got + text[match.end("body") :])
        return
    assert max(len(line) for line in got.splitlines()) <= README_WIDTH
    assert match.group("body") == got, f"README block for `lwprof {args}` is stale: run pytest tests/test_readme.py --update-golden"
