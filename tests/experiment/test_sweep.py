"""Sweeps: the grid, the tidy table, point files, resume, and a killed sweep resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import ceasemon as cm
from ceasemon.experiment import sweep as sweep_mod
from ceasemon.experiment.sweep import grid, parse_param, parse_params

SEED = 5
PARAMS = {"coalition.quorum": [0.4, 0.8], "reporting.urgent_severity": [3, 8]}


@pytest.fixture(scope="module")
def base():
    return cm.load_scenario("baseline", {"duration": "8d"})


@pytest.fixture(scope="module")
def swept(base, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "s"
    return cm.sweep(base, PARAMS, replications=2, seed=SEED, out_dir=out, backend="serial"), out


def test_parse_param_reads_yaml_scalars_and_flow_collections():
    assert parse_param("coalition.quorum=0.5,0.7") == ("coalition.quorum", [0.5, 0.7])
    assert parse_param("reporting.report_interval=6h, 1d") == (
        "reporting.report_interval",
        ["6h", "1d"],
    )
    assert parse_param("attribution.analysts=8") == ("attribution.analysts", [8])
    assert parse_param("s.sectors=[a, b],[c]") == ("s.sectors", [["a", "b"], ["c"]])
    assert parse_param("aggressor.offensive=null,{type: drone}")[1][1] == {"type": "drone"}


@pytest.mark.parametrize("text", ["quorum", "=1,2", "coalition.quorum=", "k=[1,", "k=1,,2"])
def test_bad_param_text_is_a_scenario_error(text):
    with pytest.raises(cm.ScenarioError):
        parse_param(text)


def test_a_key_given_twice_or_a_repeated_value_is_refused():
    with pytest.raises(cm.ScenarioError, match="twice"):
        parse_params(["a=1,2", "a=3"])
    with pytest.raises(cm.UserError, match="repeats a value"):
        grid({"a": [1, 1]})
    with pytest.raises(cm.UserError, match="at least one parameter"):
        grid({})


def test_grid_is_every_combination_last_key_fastest():
    assert grid({"a": [1, 2], "b": ["x", "y", "z"]})[:4] == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 1, "b": "z"},
        {"a": 2, "b": "x"},
    ]


def test_an_invalid_point_fails_before_anything_runs(base, tmp_path):
    with pytest.raises(cm.ScenarioError) as err:
        cm.sweep(base, {"coalition.quorum": [0.5, 1.5, 2]}, 1, out_dir=tmp_path / "s")
    assert len(err.value.problems) == 2 and "coalition.quorum" in str(err.value)
    assert not (tmp_path / "s").exists()


def test_sweep_table_has_one_row_per_point_with_parameter_columns(swept):
    res, _ = swept
    t = res.table
    assert len(t) == 4 and t["point"].tolist() == [0, 1, 2, 3]
    assert list(t.columns[:5]) == [
        "point",
        "coalition.quorum",
        "reporting.urgent_severity",
        "replications",
        "failed",
    ]
    assert t["coalition.quorum"].tolist() == [0.4, 0.4, 0.8, 0.8]
    assert t["reporting.urgent_severity"].tolist() == [3, 8, 3, 8]
    assert {"detected_share_mean", "detected_share_ci_low", "detected_share_ci_high"} <= set(t)
    assert (t["replications"] == 2).all() and (t["failed"] == 0).all()
    long = res.long()
    assert len(long) == 4 * len(res.points[0]["summary"]["metrics"])
    assert {"metric", "unit", "mean", "median", "n"} <= set(long.columns)


def test_each_point_equals_a_plain_run_of_its_scenario(base, swept):
    res, _ = swept
    point = cm.load_scenario(
        "baseline",
        {"duration": "8d", "coalition.quorum": 0.8, "reporting.urgent_severity": 3},
    )
    plain = cm.run(point, 2, SEED, backend="serial")
    row = res.table.set_index("point").loc[2]
    summary = plain.summary.set_index("metric")
    for metric in ("breaches", "detected_share", "decisions"):
        assert row[f"{metric}_mean"] == summary.loc[metric, "mean"]
        assert row[f"{metric}_ci_low"] == summary.loc[metric, "ci_low"]
    reps = res.replications[res.replications["point"] == 2].drop(columns=["point", *PARAMS])
    pd.testing.assert_frame_equal(reps.reset_index(drop=True), plain.replications, check_exact=True)


def test_sweep_on_one_process_pool_matches_serial(base, swept):
    res = cm.sweep(base, PARAMS, 2, SEED, backend="process", jobs=2)
    assert res.manifest["backend"] == "process"
    pd.testing.assert_frame_equal(res.table, swept[0].table, check_exact=True)
    pd.testing.assert_frame_equal(res.replications, swept[0].replications, check_exact=True)


def test_sweep_directory_and_load_results(swept):
    res, out = swept
    names = sorted(p.name for p in (out / "points").iterdir())
    assert names == [f"point-000{k}.{ext}" for k in range(4) for ext in ("json", "parquet")]
    assert {"sweep.csv", "sweep.parquet", "manifest.json"} <= {p.name for p in out.iterdir()}
    back = cm.load_results(out)
    assert isinstance(back, cm.SweepResult) and back.complete
    pd.testing.assert_frame_equal(back.table, res.table, check_exact=True)
    pd.testing.assert_frame_equal(back.replications, res.replications, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), res.table)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_resume_of_a_complete_sweep_runs_nothing(base, swept, monkeypatch):
    res, out = swept

    def no_run(*a, **k):
        raise AssertionError("a complete point was run again")

    monkeypatch.setattr(sweep_mod, "execute", no_run)
    again = cm.sweep(base, PARAMS, 2, SEED, out_dir=out, resume=True, backend="serial")
    pd.testing.assert_frame_equal(again.table, res.table, check_exact=True)


def test_resume_refuses_a_different_sweep(base, swept):
    _, out = swept
    with pytest.raises(cm.UserError, match="different sweep"):
        cm.sweep(base, PARAMS, 3, SEED, out_dir=out, resume=True, backend="serial")
    with pytest.raises(cm.UserError, match="different sweep"):
        cm.sweep(base, {"coalition.quorum": [0.4]}, 2, SEED, out_dir=out, resume=True)


def test_a_non_empty_directory_needs_resume_or_force(base, tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "x").write_text("")
    with pytest.raises(cm.UserError, match="not empty"):
        cm.sweep(base, {"coalition.quorum": [0.5]}, 1, out_dir=d, backend="serial")
    with pytest.raises(cm.UserError, match="not a ceasemon results directory"):
        cm.sweep(base, {"coalition.quorum": [0.5]}, 1, out_dir=d, resume=True)
    res = cm.sweep(base, {"coalition.quorum": [0.5]}, 1, out_dir=d, force=True, backend="serial")
    assert res.complete


def test_resume_reruns_a_point_whose_files_are_missing(base, swept, tmp_path):
    import shutil

    res, out = swept
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "points" / "point-0001.json").unlink()  # as if killed before it was marked complete
    killed = subprocess.Popen([sys.executable, "-c", "pass"])
    killed.wait()
    (copy / f".ceasemon-{killed.pid}-x1y2.tmp").write_text("half")  # a killed writer's temp
    again = cm.sweep(base, PARAMS, 2, SEED, out_dir=copy, resume=True, backend="serial")
    pd.testing.assert_frame_equal(again.table, res.table, check_exact=True)
    assert not list(copy.rglob("*.tmp"))


# --------------------------------------------------------------------------- killed mid-way
KILL_PARAMS = ["--param", "coalition.quorum=0.3,0.5,0.7,0.9", "--param", "attribution.analysts=4,8"]
KILL_ARGS = [
    "sweep",
    "baseline",
    "--set",
    "duration=12d",
    *KILL_PARAMS,
    "-n",
    "3",
    "--seed",
    "7",
    "--backend",
    "serial",
    "-q",
    "--format",
    "json",
]


def _cli(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ceasemon.cli", *KILL_ARGS, "-o", str(out), *extra]


def _complete_points(out: Path) -> list[str]:
    pdir = out / "points"
    return sorted(p.name for p in pdir.glob("point-*.json")) if pdir.is_dir() else []


def _start_and_stop(cmd: list[str], out: Path, at_least: int, sig: int) -> int:
    """Start the sweep, wait until ``at_least`` points are complete, send ``sig``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while len(_complete_points(out)) < at_least:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.01)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode


def test_a_killed_sweep_resumes_without_losing_or_repeating_points(tmp_path):
    out = tmp_path / "killed"
    # 1. SIGTERM after two points: handled like Ctrl-C, exit status 130, marked interrupted
    code = _start_and_stop(_cli(out), out, 2, signal.SIGTERM)
    assert code == 130
    first = _complete_points(out)
    assert 2 <= len(first) < 8
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    # 2. --resume, then SIGKILL (no chance to clean up) after at least one more point
    code = _start_and_stop(_cli(out, "--resume"), out, len(first) + 1, signal.SIGKILL)
    assert code == -signal.SIGKILL
    second = _complete_points(out)
    assert len(first) < len(second) < 8
    # 3. --resume to the end
    done = subprocess.run(_cli(out, "--resume"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 8

    reference = cm.sweep(
        cm.load_scenario("baseline", {"duration": "12d"}),
        {"coalition.quorum": [0.3, 0.5, 0.7, 0.9], "attribution.analysts": [4, 8]},
        replications=3,
        seed=7,
        backend="serial",
    )
    resumed = cm.load_results(out)
    assert resumed.complete
    pd.testing.assert_frame_equal(resumed.table, reference.table, check_exact=True)
    pd.testing.assert_frame_equal(resumed.replications, reference.replications, check_exact=True)
    table = pd.read_csv(out / "sweep.csv")
    assert table["point"].tolist() == list(range(8))  # none missing, none twice
    assert _complete_points(out) == [f"point-{k:04d}.json" for k in range(8)]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert os.listdir(out / "points").__len__() == 16
