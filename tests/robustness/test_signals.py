"""SIGINT and SIGTERM with a real subprocess and a real signal: only complete files are left.

``ceasemon run`` on the serial and process backends is stopped by SIGINT (Ctrl-C) or SIGTERM
(``kill``) after some replications finished: the exit status is 130, the message says what
was kept and where, the finished replications are on disk and equal to those of an
uninterrupted run, every table is readable and no temporary file is left.
(tests/cli/test_interrupt.py checks that the process pool's workers stop.)

``ceasemon sweep`` stopped by SIGINT is completed by ``--resume`` with no point lost or run
twice (tests/experiment/test_sweep.py does the same with SIGTERM and SIGKILL).
"""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import ceasemon as cm
from ceasemon.experiment.runner import Task, run_chunk

psutil = pytest.importorskip("psutil")

SEED = 5
SHORT = {"duration": "10d"}


def _load_sweep_helpers():
    """The killed-sweep helpers of tests/experiment/test_sweep.py, reused as they are."""
    path = Path(__file__).parents[1] / "experiment" / "test_sweep.py"
    spec = importlib.util.spec_from_file_location("_sweep_kill_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu(procs) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def no_temp_files(out: Path) -> None:
    left = [p.name for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert left == [], f"temporary files left: {left}"


def every_file_readable(out: Path) -> None:
    for p in out.rglob("*.parquet"):
        pd.read_parquet(p)
    for p in out.rglob("*.csv"):
        pd.read_csv(p)
    for p in out.rglob("*.json"):
        json.loads(p.read_text())


@pytest.mark.parametrize(
    ("backend", "sig"),
    [
        ("serial", signal.SIGINT),
        ("serial", signal.SIGTERM),
        ("process", signal.SIGTERM),
    ],  # process and SIGINT: tests/cli/test_interrupt.py (and the sweep test below)
    ids=["serial-SIGINT", "serial-SIGTERM", "process-SIGTERM"],
)
def test_a_signal_during_run_keeps_only_complete_files(tmp_path, backend, sig):
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "ceasemon.cli",
        "run",
        "baseline",
        "--set",
        "duration=10d",
        "-n",
        "5000",
        "--seed",
        str(SEED),
        "--backend",
        backend,
        "-j",
        "2",
        "-o",
        str(out),
        "-q",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    me = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    try:
        # wait for a few seconds of work past the imports (about 1.5 s of CPU per process)
        while True:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the run does not work"
            procs = [me, *me.children(recursive=True)]
            if _cpu(procs) > (3.0 if backend == "serial" else 7.0):
                break
            time.sleep(0.1)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted:" in err and f"written to {out}" in err, err
    assert "Traceback" not in err
    no_temp_files(out)
    every_file_readable(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["interrupted"] is True and manifest["failed"] == []
    res = cm.load_results(out)
    kept = res.replications["replication"].tolist()
    assert 0 < len(kept) == manifest["completed"] < 5000
    if backend == "serial":
        assert kept == list(range(len(kept)))  # one after another: a prefix
    assert sorted(set(res.timeseries["replication"])) == kept
    sample = sorted(set(kept[:2] + kept[-2:]))
    task = Task.make(cm.load_scenario("baseline", SHORT), SEED)
    table = res.replications.set_index("replication")
    for rep in run_chunk(task, sample):
        row = table.loc[rep.replication]
        assert row["seed"] == rep.seed
        assert row.drop("seed").to_dict() == pytest.approx(rep.metrics, rel=0, abs=0, nan_ok=True)


def test_sigint_during_sweep_then_resume_runs_each_point_once(tmp_path):
    helpers = _load_sweep_helpers()
    out = tmp_path / "sweep"
    code = helpers._start_and_stop(helpers._cli(out), out, 2, signal.SIGINT)
    assert code == 130
    first = helpers._complete_points(out)
    assert 2 <= len(first) < 8
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    no_temp_files(out)
    every_file_readable(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "points").iterdir()}
    done = subprocess.run(
        helpers._cli(out, "--resume"), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["point"] for r in rows] == list(range(8))
    table = pd.read_csv(out / "sweep.csv")
    assert table["point"].tolist() == list(range(8))  # none missing, none twice
    assert helpers._complete_points(out) == [f"point-{k:04d}.json" for k in range(8)]
    # the points finished before the signal were not run again: their files are untouched
    for name in first:
        stem = name.removesuffix(".json")
        for suffix in (".json", ".parquet"):
            assert (out / "points" / f"{stem}{suffix}").stat().st_mtime_ns == stamps[stem + suffix]
    resumed = cm.load_results(out)
    assert resumed.complete
    reference = cm.sweep(
        cm.load_scenario("baseline", {"duration": "12d"}),
        {"coalition.quorum": [0.3, 0.5, 0.7, 0.9], "attribution.analysts": [4, 8]},
        replications=3,
        seed=7,
        backend="serial",
    )
    pd.testing.assert_frame_equal(resumed.table, reference.table, check_exact=True)
    pd.testing.assert_frame_equal(resumed.replications, reference.replications, check_exact=True)
    no_temp_files(out)
