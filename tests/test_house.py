"""The house plan (ARCHITECTURE.md): arrows only point down, and the CLI stays thin and readable.

Every ``lwprof`` module has a floor; a module may import modules on its own floor or below,
never above (imports inside functions included: a lazy import is still an arrow).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lwprof"

# Lowest floor first. A module's floor is that of the longest matching prefix.
FLOORS = {
    "lwprof.records": 0,
    "lwprof.errors": 0,
    "lwprof.units": 0,
    "lwprof": 0,  # the package's __init__: version and the lazy API (its lazy import is of lwprof.api, allowed below)
    "lwprof.render": 1,
    "lwprof.architectures.registry": 1,
    "lwprof.architectures.rules": 1,
    "lwprof.counting": 2,
    "lwprof.architectures": 3,
    "lwprof.resolve": 4,
    "lwprof.profiler": 5,
    "lwprof.reference": 6,
    "lwprof.expect": 6,
    "lwprof.latency": 6,
    "lwprof.api": 7,
    "lwprof.cli.support": 8,
    "lwprof.cli.helptext": 8,  # what the commands share: below every command module
    "lwprof.cli": 9,  # the command modules, one per command or family, and the app
}
# The package __init__ hands out the API lazily (``lwprof.profile``); the records' notebook
# displays (``_repr_html_``, ``__rich__``) call the renderer that draws them: the allowed exceptions.
ALLOWED = {("lwprof", "lwprof.api"), ("lwprof.records", "lwprof.render.notebook")}


def floor(module: str) -> int:
    best = max((p for p in FLOORS if module == p or module.startswith(p + ".")), key=len)
    return FLOORS[best]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path: Path) -> set[str]:
    """Every lwprof module ``path`` imports: ``from lwprof import api`` counts as lwprof.api."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lwprof":
            names = [f"{node.module}.{a.name}" for a in node.names if is_module(f"{node.module}.{a.name}")]
            out.update(names or [node.module])
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "lwprof")
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_arrows_point_down(path: Path) -> None:
    here = module_name(path)
    upward = [m for m in imports(path) if floor(m) > floor(here) and (here, m) not in ALLOWED]
    assert not upward, f"{here} (floor {floor(here)}) imports {', '.join(f'{m} (floor {floor(m)})' for m in sorted(upward))}"


CLI = sorted((PACKAGE / "cli").glob("*.py"))
MAX_LINE = 120  # characters; the package's own rule for its command line (one module per command, not a length cap)


@pytest.mark.parametrize("path", CLI, ids=lambda p: p.name)
def test_cli_lines_are_readable(path: Path) -> None:
    long = [f"{path.name}:{n}: {len(line)} characters" for n, line in enumerate(path.read_text().splitlines(), 1) if len(line) > MAX_LINE]
    assert not long, f"lines over {MAX_LINE} characters (wrap them): {long}"


def test_the_cli_is_a_package_of_command_modules() -> None:
    """A command is one module of lwprof/cli/; each stays small, and the package has no cli.py beside it."""
    assert not (PACKAGE / "cli.py").exists() and not list(PACKAGE.glob("cli_*.py"))
    commands = [p for p in CLI if p.stem not in ("__init__", "__main__", "root", "support", "helptext")]
    assert len(commands) >= 8, [p.name for p in CLI]
    big = {p.name: n for p in commands if (n := len(p.read_text().splitlines())) > 250}
    assert not big, f"command modules over 250 lines (split the family): {big}"


def test_spec_parsing_lives_in_one_module() -> None:
    parsers = [p for p in MODULES if "def parse_spec" in p.read_text() or "def load_user_model" in p.read_text()]
    assert [module_name(p) for p in parsers] == ["lwprof.resolve"]


def test_no_helper_is_defined_twice() -> None:
    seen: dict[str, str] = {}
    twice = []
    for path in MODULES:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name in ("_plain", "plain", "_first_line", "first_line", "prod", "_share", "_ratio"):
                if node.name.lstrip("_") in seen:
                    twice.append(f"{node.name} in {module_name(path)} and {seen[node.name.lstrip('_')]}")
                seen[node.name.lstrip("_")] = module_name(path)
    assert not twice, twice
