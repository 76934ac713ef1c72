"""Failed replications are never a silent empty result: the API raises or warns, the CLI exits 1."""

from __future__ import annotations

import json
import warnings

import pytest
from click.testing import CliRunner

import ceasemon as cm
from ceasemon.cli import cli
from ceasemon.experiment import backends, runner, worker
from ceasemon.model import simulation
from ceasemon.model.streams import replication_seed, seed_label

SEED = 8


@pytest.fixture
def always_failing(monkeypatch):
    def broken(model, seq, **options):
        raise RuntimeError("boom")

    monkeypatch.setattr(simulation, "simulate", broken)


def test_every_replication_failing_raises_with_the_cause_and_keeps_the_result(
    short, always_failing, tmp_path
):
    out = tmp_path / "out"
    with pytest.raises(cm.ReplicationsFailedError) as caught:  # was: 0 replications, no error
        cm.run(short, 4, SEED, backend="serial", out_dir=out)
    text = str(caught.value)
    assert "all 4 replications of baseline failed" in text
    assert "RuntimeError: boom" in text and "bug in ceasemon" in text
    res = caught.value.result
    assert len(res.failed) == 4 and len(res.replications) == 0
    manifest = json.loads((out / "manifest.json").read_text())  # written first, for the report
    assert [f["seed"] for f in manifest["failed"]] == [
        seed_label(replication_seed(SEED, i)) for i in range(4)
    ]


def test_compare_raises_when_a_scenario_has_no_good_replication(short, always_failing):
    with pytest.raises(cm.ReplicationsFailedError, match=r"all 2 replications of .* failed"):
        cm.compare(
            [short, cm.load_scenario("slow-politics", {"duration": "10d"})],
            2,
            SEED,
            backend="serial",
        )


def test_compare_warns_when_some_replications_failed(short, monkeypatch):
    real = simulation.simulate

    def flaky(model, seq, **options):
        if seq.spawn_key == (1,):
            raise RuntimeError("boom in 1")
        return real(model, seq, **options)

    monkeypatch.setattr(simulation, "simulate", flaky)
    other = cm.load_scenario("baseline", {"duration": "9d"})
    with pytest.warns(cm.ReplicationsFailedWarning, match="1 of 3 finished replications"):
        cm.compare([short, other], 3, SEED, backend="serial")


def test_a_worker_that_dies_is_explained_with_a_fix():
    task = worker.Task.make(cm.load_scenario("baseline", {"duration": "2d"}), 1)
    lost = backends._failed_chunk(task, [0], OSError("killed"))
    res = type("R", (), {"failed": [{"seed": lost[0].seed, "error": lost[0].error}]})()
    res.replications = []
    with pytest.raises(cm.ReplicationsFailedError, match="worker process died"):
        runner.check_failures({"x": res}, res)


def test_cli_exits_1_and_lists_the_failures_without_a_crash_report(always_failing, tmp_path):
    out = tmp_path / "out"
    args = ["run", "--set", "duration=5d", "-n", "3", "--backend", "serial", "-o", str(out)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the command reports the failures itself
        r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 1, r.output
    assert "error: replication 0 (seed" in r.stderr and "RuntimeError: boom" in r.stderr
    assert "internal error" not in r.stderr and "warning:" not in r.stderr
    assert json.loads((out / "manifest.json").read_text())["completed"] == 0


def test_cli_compare_exits_1_when_a_scenario_failed(always_failing, tmp_path):
    args = ["compare", "baseline", "slow-politics", "--set", "duration=5d", "-n", "2"]
    args += ["--backend", "serial", "-o", str(tmp_path / "cmp")]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 1, r.output
    assert "internal error" not in r.stderr and "failed: RuntimeError: boom" in r.stderr
