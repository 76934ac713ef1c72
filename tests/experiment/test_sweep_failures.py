"""A sweep whose replications fail says so, as ``run`` and ``compare`` do (issue 14)."""

from __future__ import annotations

import pytest

import ceasemon as cm
from ceasemon.model import simulation

PARAMS = {"coalition.decision_window": ["7d", "30d"]}


def test_a_sweep_of_failed_replications_only_raises_with_the_cause(monkeypatch):
    def broken(model, seq, **options):
        raise RuntimeError("model bug")

    monkeypatch.setattr(simulation, "simulate", broken)
    with pytest.raises(cm.ReplicationsFailedError, match="every replication of the sweep failed"):
        cm.sweep("baseline", PARAMS, 2, 1, overrides={"duration": "3d"}, backend="serial")


def test_a_sweep_with_some_failed_replications_warns_naming_the_points(monkeypatch):
    real = simulation.simulate

    def flaky(model, seq, **options):
        # fails at the 30-day window only: point 1 of the grid
        if model.coalition.window == 30.0:
            raise RuntimeError("model bug")
        return real(model, seq, **options)

    monkeypatch.setattr(simulation, "simulate", flaky)
    with pytest.warns(cm.ReplicationsFailedWarning, match=r"2 replications failed at 1 of 2"):
        res = cm.sweep("baseline", PARAMS, 2, 1, overrides={"duration": "3d"}, backend="serial")
    assert len(res.points) == 2


def test_the_sweep_command_lists_failed_replications_and_exits_1(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from ceasemon.cli import cli

    def broken(model, seq, **options):
        raise RuntimeError("model bug")

    monkeypatch.setattr(simulation, "simulate", broken)
    args = ["sweep", "baseline", "--param", "coalition.decision_window=7d,30d", "-n", "1"]
    r = CliRunner().invoke(
        cli, [*args, "--set", "duration=3d", "--backend", "serial", "-o", str(tmp_path / "s")]
    )
    assert r.exit_code == 1, r.output
    assert "model bug" in r.output and "Traceback" not in r.output
