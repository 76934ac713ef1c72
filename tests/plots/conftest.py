"""Small real results directories (short runs, few replications) for the figure tests."""

from __future__ import annotations

import shutil

import pytest
from plot_cases import SHORT, small_map_scenario

import ceasemon as cm


def _make(root, name):
    """Write the results directory ``name`` under ``root``."""
    sc = cm.load_scenario("baseline", SHORT)
    grid = {"coalition.decision_window": ["5d", "30d"], "coalition.quorum": [0.3, 0.6]}
    quiet = {"backend": "serial", "quiet": True, "out_dir": root / name}
    if name == "run":
        cm.run(sc, 3, 11, events=True, **quiet)
    elif name == "map":
        cm.run(small_map_scenario(), 3, 5, **quiet)
    elif name == "compare":
        cm.compare(["baseline", "no-guarantee"], 3, 11, overrides=SHORT, **quiet)
    elif name == "sweep":
        cm.sweep(sc, grid, 2, 11, **quiet)
    elif name == "sweep1":
        cm.sweep(sc, {"coalition.quorum": [0.3, 0.6]}, 2, 11, **quiet)
    elif name == "sweep3":
        cm.sweep(sc, {**grid, "attribution.analysts": [8, 16]}, 2, 11, **quiet)
    else:  # pragma: no cover
        raise KeyError(name)


@pytest.fixture(scope="session")
def results_root(tmp_path_factory):
    """Where the results directories are made, each once per test process when first asked for."""
    return tmp_path_factory.mktemp("plot-results")


class Results:
    """Results directories by name, made on first use and copied for each test."""

    def __init__(self, root, tmp_path):
        self.root, self.tmp = root, tmp_path

    def __getitem__(self, name):
        src = self.root / name
        if not (src / "manifest.json").exists():
            _make(self.root, name)
        dest = self.tmp / name
        if not dest.exists():
            shutil.copytree(src, dest)
        return dest


@pytest.fixture
def results(results_root, tmp_path):
    """Fresh copies of small results directories, e.g. ``results["run"]``.

    The names are run, map, compare, sweep, sweep1 and sweep3; a test may write into them.
    """
    return Results(results_root, tmp_path)
