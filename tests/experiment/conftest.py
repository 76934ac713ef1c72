"""Shared fixtures: short scenarios so that many replications run in seconds."""

from __future__ import annotations

import pytest

import ceasemon as cm


@pytest.fixture(scope="session")
def short():
    """The packaged baseline shortened to 10 days (about 0.05 s a replication)."""
    return cm.load_scenario("baseline", {"duration": "10d"})


@pytest.fixture(scope="session")
def short_run(short):
    """Six serial replications of the short baseline, events kept (shared, read-only)."""
    return cm.run(short, replications=6, seed=123, backend="serial", events=True)
