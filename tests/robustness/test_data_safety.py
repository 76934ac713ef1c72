"""Nothing a user has is lost: a command removes only what it can prove it wrote.

* A refused command touches nothing, and only ceasemon's own temporary files
  (``.ceasemon-<pid>-<random>.tmp``) count as "ours": a user's ``.report.tmp`` or
  ``.thesis.docx.tmp`` makes a directory non-empty and is never deleted.
* ``--force`` writes into a directory and leaves everything else alone (a sweep's
  ``points/`` folder with the user's files in it included).
* ``sweep --resume`` completes a sweep stopped at any moment, start-up included.
* A full disk is an environment error (exit 1, no "bug" wording), and nothing is
  left half-written.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import ceasemon as cm
import ceasemon.cli.outcome as cli_outcome
from ceasemon.cli import cli
from ceasemon.results import is_temp_file, remove_stale_temps

SHORT = ["--set", "duration=2d", "-n", "1", "--backend", "serial", "-q"]
COMMANDS = {
    "run": ["run", *SHORT],
    "compare": ["compare", "baseline", "fixed-aggressor", *SHORT],
    "sweep": ["sweep", "baseline", "--param", "coalition.quorum=0.5,0.6", *SHORT],
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)


def listing(d: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(d).as_posix(), p.stat().st_mtime_ns) for p in d.rglob("*"))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- temporary files
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_refused_command_keeps_the_users_dot_tmp_file(tmp_path, command):
    out = tmp_path / "d"
    out.mkdir()
    (out / ".report.tmp").write_text("draft")
    (out / "notes.txt").write_text("mine")
    before = listing(out)
    r = invoke(*command, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert "not empty" in r.stderr
    assert listing(out) == before, "a refused command touched the directory"


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_users_dot_tmp_file_makes_the_directory_non_empty(tmp_path, command):
    out = tmp_path / "d"
    out.mkdir()
    (out / ".thesis.docx.tmp").write_text("three years of work")
    r = invoke(*command, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert "not empty" in r.stderr
    assert (out / ".thesis.docx.tmp").read_text() == "three years of work"
    r = invoke(*command, "-o", str(out), "--force")
    assert r.exit_code == 0, r.output
    assert (out / ".thesis.docx.tmp").read_text() == "three years of work"


def test_only_ceasemons_temporary_file_pattern_is_recognised():
    assert is_temp_file(Path(".ceasemon-1234-abc_x9.tmp"))
    for name in (
        ".report.tmp",
        ".thesis.docx.tmp",
        ".summary.json.abc123.tmp",
        "x.tmp",
        ".ceasemon-.tmp",
        ".ceasemon-12-ab.tmp.bak",
        "ceasemon-12-ab.tmp",
    ):
        assert not is_temp_file(Path(name)), name


def test_stale_temporary_files_of_a_dead_writer_are_removed_and_count_as_empty(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    stale = out / f".ceasemon-{dead_pid()}-k2j4h5.tmp"
    stale.write_text("half a parquet file")
    live = out / f".ceasemon-{os.getppid()}-k2j4h5.tmp"  # a writer that still runs
    live.write_text("being written")
    res = cm.run(
        "baseline", 1, 1, overrides={"duration": "2d"}, backend="serial", quiet=True, out_dir=out
    )
    assert len(res.replications) == 1
    assert not stale.exists()
    assert live.exists(), "the temporary file of a running writer was removed"
    assert remove_stale_temps(out) == 0


def test_atomic_writes_use_the_ceasemon_pattern(tmp_path, monkeypatch):
    from ceasemon import results

    seen = []
    real = results.os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        return real(src, dst)

    monkeypatch.setattr(results.os, "replace", spy)
    results.write_json(tmp_path / "x.json", {"a": 1})
    assert len(seen) == 1 and is_temp_file(Path(seen[0])), seen
    assert seen[0].startswith(f".ceasemon-{os.getpid()}-")


def test_force_keeps_a_users_table_named_like_ceasemons(tmp_path):
    """Without a ceasemon manifest there, an events.parquet is the user's: --force keeps it."""
    out = tmp_path / "d"
    out.mkdir()
    pd.DataFrame({"mine": [1, 2]}).to_parquet(out / "events.parquet")
    r = invoke("run", *SHORT, "-o", str(out), "--force")
    assert r.exit_code == 0, r.output
    assert list(pd.read_parquet(out / "events.parquet").columns) == ["mine"]
    res = cm.load_results(out)
    assert res.events is None  # the manifest says no events were kept


def test_force_replaces_the_events_table_of_an_earlier_run(tmp_path):
    out = tmp_path / "d"
    assert invoke("run", *SHORT, "--events", "-o", str(out)).exit_code == 0
    assert (out / "events.parquet").exists()
    assert invoke("run", *SHORT, "-o", str(out), "--force").exit_code == 0
    assert not (out / "events.parquet").exists()  # ceasemon's own, from the earlier run
    assert cm.load_results(out).events is None


# --------------------------------------------------------------------------- sweeps
SWEEP = ["sweep", "baseline", "--param", "coalition.quorum=0.5,0.6", *SHORT]


@pytest.fixture(scope="module")
def reference_sweep(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("ref") / "s"
    r = CliRunner().invoke(cli, [*SWEEP, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return pd.read_parquet(out / "sweep.parquet")


def test_sweep_force_keeps_the_users_files_in_points(tmp_path, reference_sweep):
    out = tmp_path / "s"
    (out / "points").mkdir(parents=True)
    (out / "points" / "my-notes.txt").write_text("keep me")
    (out / "notes.txt").write_text("and me")
    r = invoke(*SWEEP, "-o", str(out), "--force")
    assert r.exit_code == 0, r.output
    assert (out / "points" / "my-notes.txt").read_text() == "keep me"
    assert (out / "notes.txt").read_text() == "and me"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference_sweep)


def test_sweep_force_over_another_sweep_never_takes_its_points(tmp_path, monkeypatch):
    """--force leaves the earlier sweep's points in place; they must not count as this one's."""
    import ceasemon.experiment.sweep as sweep_module

    out = tmp_path / "s"
    other = [*SWEEP, "--set", "duration=3d"]  # the same grid over another base scenario
    assert invoke(*other, "-o", str(out)).exit_code == 0
    monkeypatch.setattr(sweep_module, "_run_point", lambda *a, **k: None)  # stopped at once
    assert invoke(*SWEEP, "-o", str(out), "--force").exit_code == 130
    monkeypatch.undo()
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)
    res = cm.load_results(out)
    assert res.points == [], "points of another sweep were taken for this one's"
    r = invoke(*SWEEP, "-o", str(out), "--resume")
    assert r.exit_code == 0, r.output
    expected = cm.sweep(
        "baseline",
        {"coalition.quorum": [0.5, 0.6]},
        1,
        None,
        overrides={"duration": "2d"},
        backend="serial",
        quiet=True,
    ).table
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), expected)


def test_a_sweep_stopped_during_start_up_is_resumed(tmp_path, monkeypatch, reference_sweep):
    """Ctrl-C while the backend starts (a dask cluster takes seconds): --resume completes it."""
    import ceasemon.experiment.sweep as sweep_module

    def slow_start(*args, **kwargs):
        raise KeyboardInterrupt  # the user gave up waiting for the cluster

    out = tmp_path / "s"
    out.mkdir()
    (out / "mine.txt").write_text("mine")
    monkeypatch.setattr(sweep_module, "open_backend", slow_start)
    r = invoke(*SWEEP, "-o", str(out), "--force")
    assert r.exit_code == 130, r.output
    monkeypatch.undo()
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)
    assert json.loads((out / "manifest.json").read_text())["kind"] == "sweep"
    r = invoke(*SWEEP, "-o", str(out), "--resume")
    assert r.exit_code == 0, r.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference_sweep)
    assert (out / "mine.txt").read_text() == "mine"


def test_resume_starts_from_a_points_folder_without_manifest(tmp_path, reference_sweep):
    """What an older version left when stopped during start-up: only an empty points/."""
    out = tmp_path / "s"
    (out / "points").mkdir(parents=True)
    r = invoke(*SWEEP, "-o", str(out), "--resume")
    assert r.exit_code == 0, r.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference_sweep)


def test_resume_refuses_a_points_folder_with_the_users_files(tmp_path):
    out = tmp_path / "s"
    (out / "points").mkdir(parents=True)
    (out / "points" / "draft.docx").write_text("mine")
    before = listing(out)
    r = invoke(*SWEEP, "-o", str(out), "--resume")
    assert r.exit_code == 2, r.output
    assert "manifest.json" in r.stderr
    assert listing(out) == before


def test_resume_with_an_impossible_output_path_is_bad_input(tmp_path):
    r = invoke(*SWEEP, "-o", str(tmp_path / ("x" * 300)), "--resume")
    assert r.exit_code == 2, r.output
    assert "too long" in r.stderr and "bug in ceasemon" not in r.stderr


def test_a_plain_rerun_of_a_sweep_says_resume(tmp_path):
    out = tmp_path / "s"
    assert invoke(*SWEEP, "-o", str(out)).exit_code == 0
    before = listing(out)
    r = invoke(*SWEEP, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert "--resume" in r.stderr and "not empty: it holds a sweep" in r.stderr
    assert listing(out) == before


# --------------------------------------------------------------------------- a full disk
def disk_full_after(monkeypatch, method: str, calls: int) -> None:
    """``DataFrame.<method>`` writes half its file, then fails with ENOSPC, from call ``calls``."""
    real = getattr(pd.DataFrame, method)
    seen = {"n": 0}

    def full(self, path, *args, **kwargs):
        seen["n"] += 1
        if seen["n"] < calls:
            return real(self, path, *args, **kwargs)
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, method, full)


def only_complete_files(out: Path) -> None:
    for p in out.rglob("*"):
        assert not p.name.endswith(".tmp"), f"temporary file left: {p.name}"
        if p.suffix == ".parquet":
            pd.read_parquet(p)
        elif p.suffix == ".json":
            json.loads(p.read_text())


def test_a_full_disk_is_an_environment_error_not_a_bug(tmp_path, monkeypatch):
    out = tmp_path / "d"
    disk_full_after(monkeypatch, "to_csv", 1)  # replications.csv, after the parquet tables
    r = invoke("run", *SHORT, "-o", str(out))
    assert r.exit_code == 1, r.output
    assert "bug in ceasemon" not in r.stderr and "Traceback" not in r.output
    assert r.stderr.startswith("error: could not write ")
    assert "replications.csv" in r.stderr and "No space left on device" in r.stderr
    assert "replications.parquet" in r.stderr  # a complete file that is there
    assert not (out / "manifest.json").exists() and not (out / "replications.csv").exists()
    only_complete_files(out)


def test_a_full_disk_in_the_api_raises_output_error(tmp_path, monkeypatch, short_result):
    disk_full_after(monkeypatch, "to_parquet", 3)
    with pytest.raises(cm.OutputError) as info:
        short_result.save(tmp_path / "d")
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOSPC
    assert info.value.path.name == "delays.parquet"
    assert info.value.complete == ["confusion.parquet", "sectors.parquet"]
    only_complete_files(tmp_path / "d")


def test_a_full_disk_during_a_sweep_keeps_the_complete_points(tmp_path, monkeypatch):
    out = tmp_path / "s"
    disk_full_after(monkeypatch, "to_parquet", 4)  # table, point 0, table, then point 1
    r = invoke(*SWEEP, "-o", str(out))
    assert r.exit_code == 1, r.output
    assert "bug in ceasemon" not in r.stderr and "point-0001.parquet" in r.stderr
    assert "point-0000.json" in r.stderr
    only_complete_files(out)
    monkeypatch.undo()
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)
    r = invoke(*SWEEP, "-o", str(out), "--resume")
    assert r.exit_code == 0, r.output
    assert len(cm.load_results(out).points) == 2


@pytest.fixture(scope="module")
def short_result():
    return cm.run("baseline", 1, 3, overrides={"duration": "2d"}, backend="serial", quiet=True)


# --------------------------------------------------------------------------- fuzz: stopped sweeps
FUZZ_SWEEP = [
    "sweep",
    "baseline",
    "--param",
    "coalition.quorum=0.4,0.6,0.8",
    "--set",
    "duration=4d",
    "-n",
    "2",
    "--backend",
    "serial",
    "-q",
]
SIGNALS = ("SIGINT", "SIGTERM", "SIGKILL")


@pytest.fixture(scope="module")
def fuzz_reference(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("fuzzref") / "s"
    r = CliRunner().invoke(cli, [*FUZZ_SWEEP, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return pd.read_parquet(out / "sweep.parquet")


def check_stopped_sweep(tmp_path: Path, reference: pd.DataFrame, seed: int, sig: str) -> None:
    """Stop a sweep at a seeded random moment; --resume must give the uninterrupted table."""
    import random
    import signal
    import time

    rng = random.Random(seed)
    out = tmp_path / f"s{seed}"
    mine = {"notes.txt": "mine", ".report.tmp": "draft", "points/my.txt": "also mine"}
    for name, text in mine.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(Path(cli_outcome.__file__).parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ceasemon.cli", *FUZZ_SWEEP, "-o", str(out), "--force"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(rng.uniform(0.2, 6.0))
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=120)
    text = err.decode()
    # Before the CLI's handlers exist (while Python imports ceasemon) or after they are gone
    # (at interpreter shutdown), a signal has its default action (-SIGINT, -SIGTERM), or Python
    # reports its own KeyboardInterrupt at import; ceasemon's code never shows a traceback.
    at_import = proc.returncode == 1 and text.rstrip().endswith("KeyboardInterrupt")
    if at_import:
        assert not (out / "manifest.json").exists()
    else:
        assert "Traceback" not in text, text
        allowed = (0, 130, -signal.SIGKILL, -signal.SIGTERM, -signal.SIGINT)
        assert proc.returncode in allowed, (proc.returncode, text)
    if (out / "manifest.json").exists():
        r = invoke(*FUZZ_SWEEP, "-o", str(out), "--resume")
    else:  # stopped before the sweep wrote anything: the user runs the command again
        assert sorted(p.name for p in out.rglob("*")) == sorted(
            ["my.txt", "notes.txt", ".report.tmp", "points"]
        )
        r = invoke(*FUZZ_SWEEP, "-o", str(out), "--force")
    assert r.exit_code == 0, (seed, sig, r.output)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference)
    for name, text in mine.items():
        assert (out / name).read_text() == text, f"{name} was removed or changed"


@pytest.mark.parametrize("sig", SIGNALS)
def test_fuzz_a_stopped_sweep_is_resumed_quick(tmp_path, fuzz_reference, sig):
    check_stopped_sweep(tmp_path, fuzz_reference, SIGNALS.index(sig), sig)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 124))
def test_fuzz_a_stopped_sweep_is_resumed_long(tmp_path, fuzz_reference, seed):
    check_stopped_sweep(tmp_path, fuzz_reference, seed, SIGNALS[seed % 3])
