"""Fuzz: ``ceasemon run`` stopped by SIGINT, SIGTERM or SIGKILL at a seeded random moment.

Each case starts ``ceasemon run baseline --set duration=30d -n 12 -j 2`` (process pool or
serial) into a directory that already holds the user's files (with ``--force``), waits until
the command runs (its SIGTERM handler is installed: before that Python is still importing and
ceasemon has done nothing), sleeps a random delay that lands anywhere from the workers'
start-up through the replications to the writing of results and figures, and sends the
signal.  Invariants:

- SIGINT and SIGTERM: exit status 130 (or 0 when the run was already over), no traceback;
  the replications the message reports finished are exactly those in the written directory,
  and equal, value for value, the same replications of an uninterrupted run.
- SIGKILL: only complete files are left besides temporary ones, and a rerun into a fresh
  directory works and gives the uninterrupted run's table; the workers do not outlive it.
- Always: every file the user placed in the output directory is still there, unchanged.

The quick cases run by default; ``-m slow`` runs many more.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import ceasemon as cm
from ceasemon.results import is_temp_file

psutil = pytest.importorskip("psutil")
pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads signal handlers from /proc"
)

ROOT = Path(__file__).parents[2]
SEED = 77
N = 12
OVERRIDE = {"duration": "30d"}
#: Longest random delay after the command started: past a whole run and its figures.
MAX_DELAY = 6.0
USER_FILES = {"notes.txt": "my notes\n", "mine/data.csv": "a,b\n1,2\n"}


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    """The replication table of an uninterrupted run (the same on every backend)."""
    return cm.run(cm.load_scenario("baseline", OVERRIDE), N, SEED, backend="serial").replications


def _command(out: Path, backend: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ceasemon.cli",
        "run",
        "baseline",
        "--set",
        "duration=30d",
        "-n",
        str(N),
        "--seed",
        str(SEED),
        "-j",
        "2",
        "--backend",
        backend,
        "-o",
        str(out),
        "--force",
        "-q",
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _handles_sigterm(pid: int) -> bool:
    """Whether the process has a SIGTERM handler: ceasemon's command has started."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = re.search(r"^SigCgt:\s*([0-9a-f]+)", text, flags=re.MULTILINE)
    return bool(caught and int(caught.group(1), 16) >> (signal.SIGTERM - 1) & 1)


def _place_user_files(out: Path) -> None:
    for name, text in USER_FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)


def _user_files_intact(out: Path) -> None:
    for name, text in USER_FILES.items():
        assert (out / name).read_text() == text, f"the user's {name} was changed or removed"


def _same_rows(table: pd.DataFrame, reference: pd.DataFrame) -> None:
    kept = table["replication"].tolist()
    expected = reference[reference["replication"].isin(kept)].reset_index(drop=True)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), expected, check_exact=True)


def _only_complete_files(out: Path) -> None:
    for p in out.rglob("*"):
        if not p.is_file() or is_temp_file(p) or p.relative_to(out).as_posix() in USER_FILES:
            continue
        if p.suffix == ".parquet":
            pd.read_parquet(p)
        elif p.suffix == ".json":
            json.loads(p.read_text())


def _start_and_signal(out: Path, backend: str, sig: int, delay: float):
    proc = subprocess.Popen(
        _command(out, backend),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    workers: list = []
    try:
        deadline = time.monotonic() + 120
        while not _handles_sigterm(proc.pid):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.005)
        end = time.monotonic() + delay
        while time.monotonic() < end and proc.poll() is None:
            try:
                workers = psutil.Process(proc.pid).children(recursive=True) or workers
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err, workers


def check_case(
    tmp_path: Path,
    reference: pd.DataFrame,
    backend: str,
    sig: int,
    delay: float,
    rerun_cli: bool = True,
) -> str:
    """Run one case and check its invariants; return what happened (for the record)."""
    out = tmp_path / "out"
    _place_user_files(out)
    code, err, workers = _start_and_signal(out, backend, sig, delay)
    _user_files_intact(out)
    if sig == signal.SIGKILL and code == -signal.SIGKILL:
        _only_complete_files(out)
        _, alive = psutil.wait_procs(workers, timeout=20)
        assert alive == [], f"workers outlived the killed run: {alive}"
        again = tmp_path / "again"
        if rerun_cli:
            rerun = subprocess.run(
                _command(again, backend), capture_output=True, text=True, env=_env(), timeout=300
            )
            assert rerun.returncode == 0, rerun.stderr
        else:  # the same run through the API: no figures, a few seconds less
            cm.run("baseline", N, SEED, overrides=OVERRIDE, backend=backend, jobs=2, out_dir=again)
        _same_rows(cm.load_results(again).replications, reference)
        assert len(cm.load_results(again).replications) == N
        return "killed"
    assert "Traceback" not in err, err
    if code == 0:  # the run was over before the signal
        _same_rows(cm.load_results(out).replications, reference)
        assert len(cm.load_results(out).replications) == N
        return "finished"
    assert code == 130, f"exit status {code}: {err}"
    told = re.search(rf"interrupted: (\d+) of {N} replications done; .* written to", err)
    if not told and not (out / "manifest.json").exists():
        # stopped while the scenario was read, before the run began: nothing written
        assert err.strip().endswith("interrupted."), err
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == (
            sorted(USER_FILES)
        )
        return "before the run"
    res = cm.load_results(out)
    if told:  # stopped during the replications: what it reports is what is on disk
        assert res.interrupted
        assert int(told.group(1)) == len(res.replications) == res.manifest["completed"]
        outcome = f"{len(res.replications)} of {N} kept"
    else:  # stopped after the replications (writing results or figures): all of them are there
        assert err.strip().endswith("interrupted."), err
        assert len(res.replications) == N
        outcome = "after the run"
    _same_rows(res.replications, reference)
    assert sorted(set(res.timeseries["replication"])) == res.replications["replication"].tolist()
    assert not [p.name for p in out.iterdir() if is_temp_file(p)]
    return outcome


QUICK = [("process", signal.SIGINT), ("serial", signal.SIGTERM), ("process", signal.SIGKILL)]


@pytest.mark.parametrize(("backend", "sig"), QUICK, ids=[f"{b}-{s.name}" for b, s in QUICK])
def test_a_signal_at_a_random_moment_keeps_what_finished(tmp_path, reference, backend, sig):
    delay = random.Random(f"{backend}-{sig.name}").uniform(0.5, 2.0)
    print(check_case(tmp_path, reference, backend, sig, delay, rerun_cli=False))


@pytest.mark.slow
@pytest.mark.parametrize("case", range(24))
def test_many_signals_at_random_moments_keep_what_finished(tmp_path, reference, case):
    rng = random.Random(case)
    backend = rng.choice(["process", "serial"])
    sig = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
    delay = rng.uniform(0.0, MAX_DELAY)
    print(
        backend, sig.name, f"{delay:.2f} s:", check_case(tmp_path, reference, backend, sig, delay)
    )
