"""Ctrl-C at any moment of a run keeps every finished replication and writes a whole directory.

Replications come back one at a time (they came in chunks of up to 16, so an interrupt half-way
through a 30-replication run could keep none), and a signal while the workers start or stop, or
while the results are written, still leaves a complete results directory.
"""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest

import ceasemon as cm
from ceasemon import results as results_module
from ceasemon.experiment import runner

SEED = 31


def _run_catching_escape(*args, **kwargs):
    """``cm.run``, failing the test (not the session) if Ctrl-C escapes it."""
    try:
        return cm.run(*args, **kwargs)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped cm.run: the finished replications were lost")


def _record_advances(monkeypatch) -> list[int]:
    seen: list[int] = []
    real = runner.Progress.advance

    def advance(self, n=1, description=None):
        seen.append(n)
        return real(self, n, description)

    monkeypatch.setattr(runner.Progress, "advance", advance)
    return seen


def test_process_pool_results_and_the_bar_come_one_replication_at_a_time(short, monkeypatch):
    seen = _record_advances(monkeypatch)
    res = cm.run(short, 30, SEED, backend="process", jobs=2, progress=False)
    assert len(res.replications) == 30
    assert seen == [1] * 30  # was [8, 6, 4, ...]: a chunk's replications arrived together


def test_sigint_half_way_keeps_each_finished_replication_as_an_uninterrupted_run(
    short, monkeypatch, tmp_path
):
    real = runner.Progress.advance
    done = []

    def advance(self, n=1, description=None):
        done.append(n)
        if sum(done) >= 15 and sum(done) - n < 15:  # a real Ctrl-C when half are back
            os.kill(os.getpid(), signal.SIGINT)
        return real(self, n, description)

    monkeypatch.setattr(runner.Progress, "advance", advance)
    out = tmp_path / "out"
    res = cm.run(short, 30, SEED, backend="process", jobs=2, out_dir=out)
    assert res.interrupted
    kept = res.replications["replication"].tolist()
    assert 15 <= len(kept) < 30  # at most one replication lost per worker, the rest kept
    back = cm.load_results(out)
    assert back.interrupted and back.manifest["completed"] == len(kept)
    reference = cm.run(short, 30, SEED, backend="serial").replications
    expected = reference[reference["replication"].isin(kept)].reset_index(drop=True)
    pd.testing.assert_frame_equal(back.replications, expected, check_exact=True)


def test_ctrl_c_while_the_workers_start_still_writes_the_directory(short, monkeypatch, tmp_path):
    def starting(*args, **kwargs):
        raise KeyboardInterrupt  # e.g. a dask LocalCluster takes seconds to start

    monkeypatch.setattr(runner, "open_backend", starting)
    out = tmp_path / "out"
    res = _run_catching_escape(short, 4, SEED, backend="process", jobs=2, out_dir=out)
    assert res.interrupted and len(res.replications) == 0
    back = cm.load_results(out)
    assert back.interrupted and back.manifest["completed"] == 0
    assert back.manifest["backend"] == "process" and back.manifest["jobs"] == 2


def test_ctrl_c_while_the_results_are_written_finishes_them_first(short, monkeypatch, tmp_path):
    real = results_module.write_csv

    def write_csv(path, frame):
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C half-way through save()
        return real(path, frame)

    monkeypatch.setattr(results_module, "write_csv", write_csv)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):  # delivered once the directory is complete
        cm.run(short, 3, SEED, backend="serial", out_dir=out)
    back = cm.load_results(out)  # was: no summary.json, no manifest.json
    assert len(back.replications) == 3 and not back.interrupted
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_second_ctrl_c_while_the_workers_are_stopped_loses_nothing(short, monkeypatch, tmp_path):
    real_close = runner.ProcessBackend.close
    real = runner.Progress.advance
    count = []

    def close(self, abort=False):
        if abort:
            os.kill(os.getpid(), signal.SIGINT)  # pressed again while stopping
        return real_close(self, abort)

    def advance(self, n=1, description=None):
        count.append(n)
        if sum(count) >= 3 and sum(count) - n < 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(self, n, description)

    monkeypatch.setattr(runner.ProcessBackend, "close", close)
    monkeypatch.setattr(runner.Progress, "advance", advance)
    out = tmp_path / "out"
    res = _run_catching_escape(short, 20, SEED, backend="process", jobs=2, out_dir=out)
    assert res.interrupted and len(res.replications) >= 3
    assert cm.load_results(out).manifest["completed"] == len(res.replications)


STARTING_WORKER_INTERRUPTED = """
import multiprocessing.context as mpc, os, signal
import ceasemon as cm

real_start = mpc.ForkServerProcess.start
fired = []

def start(self):
    real_start(self)
    if not fired:  # right after the fork, before the pool has recorded the new process
        fired.append(self.pid)
        os.kill(os.getpid(), signal.SIGINT)

mpc.ForkServerProcess.start = start
res = cm.run("baseline", 8, 1, overrides={"duration": "5d"}, backend="process", jobs=2)
print("interrupted", res.interrupted, flush=True)
"""


def test_ctrl_c_just_as_a_worker_starts_leaves_no_worker_behind(tmp_path):
    """A worker that a Ctrl-C in ``submit`` hid from the pool outlived the run, then crashed."""
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    got = subprocess.run(
        [sys.executable, "-c", STARTING_WORKER_INTERRUPTED],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # stderr closes when the last process holding it ends
    )
    assert got.returncode == 0, got.stderr
    assert "interrupted True" in got.stdout
    assert "Traceback" not in got.stderr, got.stderr  # was: FileNotFoundError in SemLock


INTERRUPTED_IN_WAIT = """
import os, signal
from concurrent.futures import _base
import ceasemon as cm

real_enter = _base._AcquireFutures.__enter__
calls = []

def enter(self):
    # Ctrl-C just after the first future's lock is taken, the worst moment: raised there, it
    # left that lock taken, the pool's manager thread blocked on it and the exit hung for ever
    calls.append(1)
    if len(calls) == 3:
        first = next(iter(self.futures))
        first._condition.acquire()
        os.kill(os.getpid(), signal.SIGINT)
        for future in list(self.futures)[1:]:
            future._condition.acquire()
        return None
    return real_enter(self)

_base._AcquireFutures.__enter__ = enter
res = cm.run("baseline", 8, 1, overrides={"duration": "20d"}, backend="process", jobs=2,
             chunk_size=1)
print("interrupted", res.interrupted, len(res.replications), flush=True)
"""


def test_ctrl_c_inside_the_pool_wait_is_delivered_after_it_and_the_process_exits(tmp_path):
    """A Ctrl-C that landed inside ``concurrent.futures.wait`` left a lock taken: exit hung."""
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    got = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IN_WAIT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # was: the interpreter's exit waited for the pool's manager thread
    )
    assert got.returncode == 0, got.stderr
    assert "interrupted True" in got.stdout, got.stdout
    assert "Traceback" not in got.stderr, got.stderr
