"""`ceasemon run`: the summary table, --format json, the results directory, bad options."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import ceasemon as cm
from ceasemon.cli import cli

SHORT = ["--set", "duration=5d", "-n", "2", "--seed", "3", "--backend", "serial"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def strict_json(text: str):
    def no_nan(token):
        raise AssertionError(f"{token} is not JSON")

    return json.loads(text, parse_constant=no_nan)


def test_run_prints_the_summary_table_and_writes_results(tmp_path):
    r = invoke("run", "baseline", *SHORT, "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    for text in ("metric", "unit", "mean", "95% CI", "detected_share", "share", "hours"):
        assert text in r.stdout
    assert "results written to" in r.stderr
    res = cm.load_results(tmp_path / "out")
    assert len(res.replications) == 2 and res.manifest["seed"] == 3
    assert res.manifest["command"] == " ".join(
        ["ceasemon", "run", "baseline", *SHORT, "-o", str(tmp_path / "out")]
    )
    assert res.scenario.duration == 5.0


def test_format_json_prints_summary_json_only(tmp_path):
    r = invoke("run", *SHORT, "-o", str(tmp_path / "out"), "--format", "json")
    assert r.exit_code == 0, r.output
    data = strict_json(r.stdout)
    assert data == strict_json((tmp_path / "out" / "summary.json").read_text())
    assert data["scenario"] == "baseline" and data["replications"] == 2
    assert set(data["metrics"]["breaches"]) == {
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "median",
        "p05",
        "p95",
        "n",
    }


def test_same_seed_gives_the_same_table_as_the_api(tmp_path):
    invoke("run", *SHORT, "-o", str(tmp_path / "cli"), "-q")
    api = cm.run("baseline", 2, 3, overrides={"duration": "5d"}, backend="serial")
    back = cm.load_results(tmp_path / "cli")
    pd.testing.assert_frame_equal(back.replications, api.replications, check_exact=True)


def test_events_flag_writes_the_events_table(tmp_path):
    r = invoke("run", *SHORT, "-o", str(tmp_path / "out"), "--events", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "events.parquet").exists()


def test_default_output_directory_is_results_scenario_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("run", *SHORT, "--set", "name=short one", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "results" / "short_one" / "manifest.json").exists()


def test_non_empty_directory_needs_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    r = invoke("run", *SHORT, "-o", str(out))
    assert r.exit_code == 2
    assert "not empty" in r.stderr and "--force" in r.stderr
    assert not (out / "manifest.json").exists()
    r = invoke("run", *SHORT, "-o", str(out), "--force", "-q")
    assert r.exit_code == 0 and (out / "manifest.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "-n"),
        (["-j", "0"], "-j"),
        (["--seed", "-4"], "--seed"),
        (["--backend", "gpu"], "--backend"),
        (["--format", "xml"], "--format"),
        (["--backend", "serial", "--scheduler", "tcp://h:1"], "needs the dask backend"),
        (["--set", "coalition.quorum=7"], "coalition.quorum"),
        (["--set", "no_such_key=1"], "no_such_key"),
        (["no-such-scenario"], "no-such-scenario"),
    ],
)
def test_bad_option_values_exit_2_with_a_message(tmp_path, args, message):
    r = invoke("run", *args, "-o", str(tmp_path / "out"))
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output


def test_help_documents_every_option():
    r = invoke("run", "--help")
    for opt in (
        "--replications",
        "--seed",
        "--set",
        "--output",
        "--jobs",
        "--backend",
        "--scheduler",
        "--events",
        "--format",
        "--quiet",
        "--force",
    ):
        assert opt in r.stdout


def test_python_dash_m_ceasemon_runs_the_command_line():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "ceasemon", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("ceasemon")
