"""``cm.run(engine=...)`` and ``ceasemon run --engine``: both engines, the same tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import ceasemon as cm
from ceasemon.cli import cli
from ceasemon.errors import UserError
from ceasemon.model.engines import ENGINES

SHORT = {"duration": "4d"}


def test_the_api_gives_identical_tables_on_both_engines(tmp_path):
    fast = cm.run("baseline", 2, 3, overrides=SHORT, backend="serial", quiet=True)
    slow = cm.run(
        "baseline",
        2,
        3,
        overrides=SHORT,
        backend="serial",
        quiet=True,
        engine="simpy",
        out_dir=tmp_path / "simpy",
    )
    pd.testing.assert_frame_equal(fast.replications, slow.replications)
    pd.testing.assert_frame_equal(fast.timeseries, slow.timeseries)
    assert slow.manifest["engine"] == "simpy" and fast.manifest["engine"] == "fast"
    assert json.loads((tmp_path / "simpy" / "manifest.json").read_text())["engine"] == "simpy"


def test_an_unknown_engine_is_bad_input():
    with pytest.raises(UserError, match="engine 'quantum' does not exist: use one of fast, simpy"):
        cm.run("baseline", 1, overrides=SHORT, backend="serial", engine="quantum")


def test_the_command_line_offers_every_engine_and_runs_simpy(tmp_path):
    from ceasemon.cli import run as run_command

    choices = next(p for p in run_command.params if p.name == "engine").type.choices
    assert list(choices) == list(ENGINES)
    out = tmp_path / "r"
    args = ["run", "baseline", "-n", "1", "--set", "duration=3d", "--engine", "simpy"]
    r = CliRunner().invoke(cli, [*args, "-o", str(out), "--quiet", "--backend", "serial"])
    assert r.exit_code == 0, r.output
    fast = cm.run("baseline", 1, overrides={"duration": "3d"}, backend="serial", quiet=True)
    got = cm.load_results(out)
    pd.testing.assert_frame_equal(got.replications, fast.replications, check_dtype=False)
