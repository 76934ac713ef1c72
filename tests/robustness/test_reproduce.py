"""Determinism and reproduction: the same seed gives the same tables; a manifest reproduces a run.

The backend tests (tests/experiment/test_runner.py) show that serial, process-pool and dask
runs give identical tables; here: repeated runs in one process and in fresh processes with
different hash seeds, other job counts, and ``ceasemon run --manifest`` against a real
earlier run (a different backend, job count and working directory, with the scenario files
gone), plus bad manifests (exit 2, naming the file and the key).
"""

from __future__ import annotations

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
from ceasemon.experiment.tables import TABLES
from ceasemon.reproduce import ReproductionWarning, read_run_manifest, rerun
from ceasemon.scenario import ScenarioError

SHORT = {"duration": "8d"}
N, SEED = 4, 31


def same_tables(a, b, events: bool = False) -> None:
    pd.testing.assert_frame_equal(a.replications, b.replications, check_exact=True)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    if events:
        pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def no_figures(monkeypatch):
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)


# --------------------------------------------------------------------------- determinism
@pytest.fixture(scope="module")
def reference():
    return cm.run("baseline", N, SEED, overrides=SHORT, backend="serial", events=True)


def test_repeated_runs_in_one_process_are_identical(reference):
    again = cm.run("baseline", N, SEED, overrides=SHORT, backend="serial", events=True)
    same_tables(reference, again, events=True)


def test_three_jobs_and_default_chunks_give_the_serial_tables(reference):
    three = cm.run("baseline", N, SEED, overrides=SHORT, backend="process", jobs=3, events=True)
    same_tables(reference, three, events=True)


@pytest.mark.parametrize("hash_seed", ["12345"])
def test_a_fresh_process_with_another_hash_seed_gives_the_same_tables(
    tmp_path, reference, hash_seed
):
    # str hashes differ between these processes: no result may depend on set or hash order
    out = tmp_path / "fresh"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    code = (
        "import ceasemon as cm, sys; "
        f"cm.run('baseline', {N}, {SEED}, overrides={SHORT!r}, backend='serial', events=True)"
        ".save(sys.argv[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(out)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    same_tables(reference, cm.load_results(out), events=True)


# --------------------------------------------------------------------------- --manifest
def test_run_manifest_reproduces_a_real_earlier_run(tmp_path, monkeypatch):
    """End to end: a run from files, then a real process with another backend, jobs and cwd."""
    work = tmp_path / "project"
    (work / "lib").mkdir(parents=True)
    (work / "lib" / "parent.yaml").write_text("extends: baseline\nname: parent\nseed: 5\n")
    (work / "study.yaml").write_text(
        "extends: lib/parent.yaml\nname: study\ncoalition:\n  quorum: 0.6\n"
    )
    monkeypatch.chdir(work)
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)
    first = invoke(
        "run",
        "study.yaml",
        "--set",
        "duration=6d",
        "-n",
        "3",
        "--seed",
        "77",
        "--backend",
        "serial",
        "--events",
        "-q",
        "-o",
        "results/first",
    )
    assert first.exit_code == 0, first.output
    original = work / "results" / "first"
    (work / "study.yaml").unlink()  # the manifest holds the resolved scenario
    (work / "lib" / "parent.yaml").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "ceasemon.cli",
            "run",
            "--manifest",
            str(original / "manifest.json"),
            "--backend",
            "process",
            "-j",
            "2",
            "-q",
            "-o",
            "again",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    a, b = cm.load_results(original), cm.load_results(elsewhere / "again")
    same_tables(a, b, events=True)
    assert b.manifest["scenario"] == a.manifest["scenario"]
    assert (b.manifest["seed"], b.manifest["replications"]) == (77, 3)
    assert (a.manifest["backend"], b.manifest["backend"]) == ("serial", "process")
    assert b.scenario.coalition.quorum == 0.6 and b.scenario.duration == 6.0
    assert (original / "summary.json").read_text() == (
        elsewhere / "again" / "summary.json"
    ).read_text()


def test_manifest_from_the_api_and_a_directory(tmp_path, no_figures, reference):
    reference.save(tmp_path / "ref")
    r = invoke("run", "--manifest", str(tmp_path / "ref"), "-o", str(tmp_path / "cli"), "-q")
    assert r.exit_code == 0, r.output
    same_tables(reference, cm.load_results(tmp_path / "cli"), events=True)
    again = rerun(tmp_path / "ref" / "manifest.json", backend="serial")
    same_tables(reference, again, events=True)
    with pytest.raises(TypeError, match="seed"):
        rerun(tmp_path / "ref", seed=3)


def test_the_default_directory_of_a_rerun_does_not_overwrite_the_run(
    tmp_path, monkeypatch, no_figures, reference
):
    monkeypatch.chdir(tmp_path)
    reference.save(tmp_path / "results" / "baseline")
    r = invoke("run", "--manifest", "results/baseline", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "results" / "baseline-rerun" / "manifest.json").exists()
    r = invoke("run", "--manifest", "results/baseline", "-q")
    assert r.exit_code == 2 and "not empty" in r.stderr


def test_other_versions_are_warned_about(tmp_path, no_figures, reference):
    reference.save(tmp_path / "ref")
    path = tmp_path / "ref" / "manifest.json"
    data = json.loads(path.read_text())
    data["versions"]["numpy"] = "0.0.1"
    path.write_text(json.dumps(data))
    r = invoke("run", "--manifest", str(path), "-o", str(tmp_path / "o"), "-q")
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("warning: ") and "numpy 0.0.1" in r.stderr
    with pytest.warns(ReproductionWarning, match="may differ"):
        read_run_manifest(path)


def write_manifest(tmp_path: Path, reference, change) -> Path:
    reference.save(tmp_path / "ref", force=True)
    path = tmp_path / "ref" / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2) if not isinstance(data, str) else data)
    return path


def _set(key, value):
    def change(data):
        data[key] = value

    return change


def _del(key):
    return lambda data: data.pop(key)


def _scenario(key, value):
    def change(data):
        data["scenario"]["coalition"][key] = value

    return change


BAD = {
    "missing key scenario": (_del("scenario"), "scenario", "required key 'scenario'"),
    "missing key seed": (_del("seed"), "seed", "required key 'seed'"),
    "missing key replications": (_del("replications"), "replications", "required key"),
    "seed of the wrong type": (_set("seed", "x"), "seed", "root seed"),
    "negative seed": (_set("seed", -1), "seed", "root seed"),
    "zero replications": (_set("replications", 0), "replications", ">= 1"),
    "events not a bool": (_set("events", "yes"), "events", "true or false"),
    "scenario not an object": (_set("scenario", [1]), "scenario", "JSON object"),
    "a compare manifest": (_set("kind", "compare"), "kind", "manifest of a compare"),
    "invalid scenario value": (_scenario("quorum", 7), "scenario.coalition.quorum", "less than"),
    "unknown scenario key": (_scenario("quorom", 1), "scenario.coalition.quorom", "unknown key"),
    "extends in the scenario": (
        lambda d: d["scenario"].__setitem__("extends", "baseline"),
        "scenario.extends",
        "cannot use extends",
    ),
}


@pytest.mark.parametrize(("change", "key", "fragment"), BAD.values(), ids=BAD.keys())
def test_a_bad_manifest_exits_2_naming_the_file_and_key(tmp_path, reference, change, key, fragment):
    path = write_manifest(tmp_path, reference, change)
    r = invoke("run", "--manifest", str(path), "-o", str(tmp_path / "o"))
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {path}, key {key}: "), r.stderr
    assert fragment in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_a_manifest_that_is_not_json_or_not_there(tmp_path):
    bad = tmp_path / "m.json"
    bad.write_text('{"kind": "run",\n  "seed": 1,,\n}')
    r = invoke("run", "--manifest", str(bad))
    assert r.exit_code == 2 and r.stderr.startswith(f"error: {bad}, line 2: not valid JSON")
    bad.write_text("[1, 2]")
    assert "a JSON object" in invoke("run", "--manifest", str(bad)).stderr
    bad.write_bytes(b"\xff\xfe")
    assert "not UTF-8" in invoke("run", "--manifest", str(bad)).stderr
    bad.write_text("[" * 100_000 + "]" * 100_000)  # the JSON parser recursed: RecursionError
    r = invoke("run", "--manifest", str(bad))
    assert r.exit_code == 2 and "nested too deeply" in r.stderr, r.output
    r = invoke("run", "--manifest", str(tmp_path / "nowhere.json"))
    assert r.exit_code == 2 and "no such manifest file" in r.stderr
    r = invoke("run", "--manifest", str(tmp_path))  # a directory without a manifest
    assert r.exit_code == 2 and f"{tmp_path / 'manifest.json'}: no such manifest" in r.stderr
    with pytest.raises(ScenarioError):
        read_run_manifest(tmp_path / "nowhere.json")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["baseline"], "SCENARIO"),
        (["-n", "3"], "-n"),
        (["--seed", "1"], "--seed"),
        (["--set", "duration=2d"], "--set"),
    ],
)
def test_manifest_excludes_what_would_change_the_run(tmp_path, reference, extra, named):
    reference.save(tmp_path / "ref")
    r = invoke("run", "--manifest", str(tmp_path / "ref"), *extra)
    assert r.exit_code == 2 and f"--manifest reproduces a run as it was: {named}" in r.stderr
