"""Shared pytest set-up: the ``--update-golden`` option for the golden-file tests.

The cross-check cache is off for the suite (its own tests turn it on, in a temporary folder):
every test that cross-checks runs the tools, and none writes to the user's cache.
"""

from __future__ import annotations

import os

import pytest

os.environ["LWPROF_CROSSCHECK_CACHE"] = "0"  # subprocesses inherit it too


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
