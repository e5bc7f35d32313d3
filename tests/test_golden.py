"""Golden files: the rich tables of a few commands, rendered at 120 columns without colour.

A change to a table shows up here as a diff. After an intended change, regenerate them with
``pytest tests/test_golden.py --update-golden`` (or ``make golden``) and review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from lwprof import cli
from lwprof.render import console

__all__: list[str] = []

GOLDEN = Path(__file__).parent / "golden"
WIDTH = 120

CASES = {
    "summary_mobilenet_depth2": ["summary", "mobilenet", "--no-fvcore", "--depth", "2"],
    "summary_mobilenet_by_type": ["summary", "mobilenet", "--by-type", "--no-fvcore"],
    "compare_mobilenet_alpha05": ["compare", "mobilenet", "--alpha", "0.5", "--no-fvcore"],
    "layer_4_2_3_12": ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12"],
}


def _normalise(text: str) -> str:
    """Trailing spaces dropped (rich pads titles; editors strip them), one final newline."""
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _fixed_console() -> Console:
    return Console(width=WIDTH, force_terminal=False, color_system=None)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "stdout_console", _fixed_console)
    result = CliRunner().invoke(cli.app, CASES[name])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    got = _normalise(result.stdout)
    path = GOLDEN / f"{name}.out"
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; run pytest tests/test_golden.py --update-golden")
    expected = path.read_text(encoding="utf-8")
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), str(path), "now"))
        pytest.fail(f"lwprof {' '.join(CASES[name])} differs from {path.name} (pytest --update-golden rewrites it):\n{diff}")
