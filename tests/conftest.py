"""Shared pytest set-up: the ``--update-golden`` option for the golden-file tests.

The cross-check cache is off for the suite (its own tests turn it on, in a temporary folder):
every test that cross-checks runs the tools, and none writes to the user's cache. ``make test`` runs the suite
on pytest-xdist's workers: each gets the run's own COLUMNS and LINES; in each, what collection imported is frozen
for the garbage collector.

Every worker computes on one thread (``OMP_NUM_THREADS=1`` unless the shell sets it): the workers already fill the
cores, and two workers each spinning up a thread per core fought over them (on this 2-core machine the suite took
168-185 s with torch's default threads, 115 s with one; the counts do not depend on it, and the timing tests set
their own threads).

``CliRunner.invoke`` turns the Typer app into its click command on every call: 13 ms of a 17 ms bad-input case,
~5% of the suite's CPU. Here it is built once per app and set of commands, as an ``lwprof`` process builds it once
(``test_a_command_built_once_runs_again_as_new`` keeps that honest).
"""

from __future__ import annotations

import gc
import os

import pytest
import typer.main
import typer.testing

os.environ["LWPROF_CROSSCHECK_CACHE"] = "0"  # subprocesses inherit it too
_commands: dict[tuple[int, ...], tuple[object, object]] = {}


def _command_built_once(app: typer.Typer) -> object:
    parts = (app, app.registered_callback, *(info.callback for info in app.registered_commands))
    key = tuple(map(id, parts))
    if key not in _commands:  # the parts are kept with the command: no id is reused while it is cached
        _commands[key] = (parts, typer.main.get_command(app))
    return _commands[key][1]


typer.testing._get_command = _command_built_once  # type: ignore[attr-defined]

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # read when torch is imported, here and in subprocesses
    os.environ.setdefault(_name, "1")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """pytest-xdist, on the controller: every worker gets this run's own COLUMNS and LINES (a worker's start-up sets
    them to 80 and 24, which would narrow every table the tests print)."""
    node.workerinput["lwprof_terminal"] = {name: os.environ.get(name) for name in ("COLUMNS", "LINES")}  # type: ignore[attr-defined]


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is imported and collected by now (torch, the test modules) lives as long as the run: frozen, Python's
    full collections stop scanning it (``gc.freeze``; ~1/3 of their time, a few % of the suite's)."""
    gc.freeze()


def pytest_configure(config: pytest.Config) -> None:
    for name, value in getattr(config, "workerinput", {}).get("lwprof_terminal", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/*.out from the current output instead of comparing with them.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with ``--update-golden``."""
    return bool(request.config.getoption("--update-golden"))
