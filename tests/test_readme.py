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
