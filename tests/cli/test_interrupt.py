"""Ctrl-C during a process-pool run: finished replications are written, workers are stopped."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import pytest

import ceasemon as cm
from ceasemon.experiment.runner import Task, run_chunk

psutil = pytest.importorskip("psutil")


def _cpu(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return t.user + t.system


def test_ctrl_c_keeps_finished_replications_and_stops_the_workers(tmp_path):
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
        "9",
        "-j",
        "2",
        "--backend",
        "process",
        "-o",
        str(out),
        "-q",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    me = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    try:
        while len(workers) < 3:  # the forkserver and two pool workers
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no worker processes started"
            time.sleep(0.05)
            workers = me.children(recursive=True)
        # let some chunks finish: about 8 s of worker CPU time (imports take 1-2 s each)
        while sum(_cpu(w) for w in workers) < 8.0:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the workers do not work"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "written to" in err
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], f"worker processes left running: {alive}"

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["interrupted"] is True and manifest["failed"] == []
    res = cm.load_results(out)
    kept = res.replications["replication"].tolist()
    assert len(kept) == manifest["completed"] < 5000
    # what the message reports finished is what is on disk, replication by replication
    told = re.search(r"interrupted: (\d+) of 5000 replications done", err)
    assert told and int(told.group(1)) == len(kept), err
    # kept replications are exactly what an uninterrupted run gives (checked on a sample)
    assert kept, "nothing finished before the interrupt: raise the sleep"
    sample = sorted(set(kept[:3] + kept[-3:]))
    task = Task.make(cm.load_scenario("baseline", {"duration": "10d"}), 9)
    table = res.replications.set_index("replication")
    for rep in run_chunk(task, sample):
        row = table.loc[rep.replication]
        assert row["seed"] == rep.seed
        assert row.drop("seed").to_dict() == pytest.approx(rep.metrics, rel=0, abs=0, nan_ok=True)
