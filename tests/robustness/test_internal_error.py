"""An internal error (a bug) is a short message saying where the traceback went; exit 1.

The model is monkeypatched to raise inside a replication (serial backend): the run goes on,
the failed replications are listed with their seeds (a few lines at most), the tracebacks
are in manifest.json, which the message names, and no traceback reaches the terminal.  A
bug outside the replications (here: while saving) goes to a crash file named in the message.
Both in-process (click's CliRunner) and in a real process, whose whole stderr is checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

import ceasemon.cli.outcome as cli_outcome
from ceasemon import results
from ceasemon.cli import cli
from ceasemon.model import simulation

RUN = ["run", "--set", "duration=3d", "--seed", "4", "--backend", "serial", "-q"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_replication_that_raises(tmp_path, monkeypatch):
    real = simulation.simulate

    def buggy(model, seq, **options):
        if seq.spawn_key[0] % 2 == 1:
            raise ZeroDivisionError("a bug in the model, " + "very long " * 100)
        return real(model, seq, **options)

    monkeypatch.setattr(simulation, "simulate", buggy)
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)
    out = tmp_path / "out"
    r = invoke(*RUN, "-n", "20", "-o", str(out))
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    lines = r.stderr.splitlines()
    assert len(lines) <= 8, r.stderr  # a short message, however many replications fail
    assert lines[0].startswith("error: replication 1 (seed ")
    assert "failed: ZeroDivisionError: a bug in the model" in lines[0] and len(lines[0]) < 300
    assert lines[-2] == "error: ... and 5 more failed replications"
    assert lines[-1] == (
        "error: 10 replication(s) raised an exception (a bug in the model); they are listed "
        f"with their seeds and tracebacks in {out / 'manifest.json'}"
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["completed"] == 10 and len(manifest["failed"]) == 10
    assert all(
        "Traceback" in f["traceback"] and "buggy" in f["traceback"] for f in manifest["failed"]
    )


def test_a_bug_outside_the_replications_goes_to_a_crash_file(tmp_path, monkeypatch):
    def broken_save(self, path, force=False):
        raise KeyError("a bug while saving")

    monkeypatch.setattr(results.RunResult, "save", broken_save)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    r = invoke(*RUN, "-n", "1", "-o", str(tmp_path / "out"))
    assert r.exit_code == 1, r.output
    assert r.stdout == "" and "Traceback" not in r.output
    lines = r.stderr.splitlines()
    assert lines[0] == "internal error: KeyError: 'a bug while saving'"
    assert len(lines) == 2 and "The full traceback was written to" in lines[1]
    (crash,) = tmp_path.glob("ceasemon-crash-*.txt")
    assert str(crash) in lines[1]
    text = crash.read_text()
    assert "Traceback" in text and "broken_save" in text


BUGGY_MAIN = """
import sys
import ceasemon.model.simulation as simulation

def buggy(model, seq, **options):
    raise RuntimeError("boom in the model")

simulation.simulate = buggy
from ceasemon.cli import main
sys.argv = ["ceasemon", *sys.argv[1:]]
main()
"""


def test_no_traceback_reaches_a_real_terminal(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", BUGGY_MAIN, *RUN, "-n", "2", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"error: replication {i} (seed {seed}) failed: RuntimeError: boom in the model"
        for i, seed in enumerate(
            r["seed"] for r in json.loads(Path(out / "manifest.json").read_text())["failed"]
        )
    ] + [
        "error: 2 replication(s) raised an exception (a bug in the model); they are listed "
        f"with their seeds and tracebacks in {out / 'manifest.json'}"
    ]
