"""Shared pytest set-up: the ``--update-golden`` option for the golden-file tests.

The cross-check cache is off for the suite (its own tests turn it on, in a temporary folder):
every test that cross-checks runs the tools, and none writes to the user's cache. ``make test`` runs the suite
on pytest-xdist's workers: each gets the run's own COLUMNS and LINES; in each, what collection imported is frozen
for the garbage collector.
"""

from __future__ import annotations

import gc
import os

import pytest

os.environ["LWPROF_CROSSCHECK_CACHE"] = "0"  # subprocesses inherit it too


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
