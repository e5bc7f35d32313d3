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


def test_readme_starts_with_the_two_commands_and_pip():
    block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in block.strip().splitlines()] == [["make", "demo"], ["make", "test"], ["pip", "install"]]


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


ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]  # the front door and the docs behind it
EXAMPLES = [(path, m.group("args")) for path in DOCS for m in OUTPUT_BLOCK.finditer(path.read_text())]


def test_readme_has_example_outputs():
    readme = [args for path, args in EXAMPLES if path.name == "README.md"]
    assert len(readme) >= 2 and len(EXAMPLES) >= 6 and any(a.startswith("check") for _, a in EXAMPLES)


@pytest.mark.parametrize(("path", "args"), EXAMPLES, ids=[f"{p.name}: {a}" for p, a in EXAMPLES])
def test_readme_example_output_is_the_real_output(path, args, update_golden):
    text = path.read_text()
    match = next(m for m in OUTPUT_BLOCK.finditer(text) if m.group("args") == args)
    got = _render(args)
    if update_golden:
        path.write_text(text[: match.start("body")] + got + text[match.end("body") :])
        return
    assert max(len(line) for line in got.splitlines()) <= README_WIDTH
    assert match.group("body") == got, f"{path.name} block for `lwprof {args}` is stale: run pytest tests/test_readme.py --update-golden"


def test_the_readme_is_a_front_door():
    """At most ~300 lines; the details live in docs/, and every docs/ link in it points at a file."""
    assert len(README.splitlines()) <= 300
    for target in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / target).exists() or target in OTHERS_DOCS, target
    assert "pip install" in README.split("## The commands")[0]  # the first screen says how to install


# Written alongside by other work (their links are in the README already; until they land the link dangles).
OTHERS_DOCS = {"docs/onnx.md", "docs/conventions.md", "docs/errors.md", "docs/extending.md"}
