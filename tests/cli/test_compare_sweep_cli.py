"""`ceasemon compare` and `ceasemon sweep` from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import ceasemon as cm
from ceasemon.cli import cli

COMMON = ["--set", "duration=5d", "-n", "3", "--seed", "2", "--backend", "serial"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def two_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("scenarios")
    (d / "more-analysts.yaml").write_text(
        "extends: baseline\nname: more-analysts\nattribution:\n  analysts: 32\n"
    )
    return "baseline", str(d / "more-analysts.yaml")


def test_compare_prints_means_and_paired_differences(tmp_path, two_files):
    r = invoke("compare", *two_files, *COMMON, "-o", str(tmp_path / "c"))
    assert r.exit_code == 0, r.output
    assert "more-analysts - baseline" in r.stdout and "paired" in r.stdout
    assert "queue_wait_h" in r.stdout
    res = cm.load_results(tmp_path / "c")
    assert list(res.results) == ["baseline", "more-analysts"]
    assert (tmp_path / "c" / "comparison.csv").exists()


def test_compare_json_output(tmp_path, two_files):
    r = invoke("compare", *two_files, *COMMON, "-o", str(tmp_path / "c"), "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert {row["scenario"] for row in rows} == {"baseline", "more-analysts"}
    assert {"diff", "diff_ci_low", "welch_ci_low"} <= set(rows[0])


def test_compare_needs_two_scenarios(tmp_path):
    r = invoke("compare", "baseline", "-o", str(tmp_path / "c"))
    assert r.exit_code == 2 and "at least two" in r.stderr


def test_sweep_prints_one_row_per_point_and_resumes(tmp_path):
    args = ["sweep", "baseline", "--param", "coalition.quorum=0.4,0.6", *COMMON]
    r = invoke(*args, "-o", str(tmp_path / "s"), "--metric", "breaches")
    assert r.exit_code == 0, r.output
    assert "coalition.quorum" in r.stdout and "breaches" in r.stdout
    assert "0.4" in r.stdout and "0.6" in r.stdout
    again = invoke(*args, "-o", str(tmp_path / "s"), "--resume", "--format", "json")
    assert again.exit_code == 0, again.output
    rows = json.loads(again.stdout)
    assert [row["coalition.quorum"] for row in rows] == [0.4, 0.6]
    refused = invoke(*args, "-o", str(tmp_path / "s"))
    assert refused.exit_code == 2 and "not empty" in refused.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "coalition.quorum"], "dotted.key=value1,value2"),
        (["--param", "coalition.quorum=[0.5"], "cannot read the values"),
        (["--param", "coalition.quorum=0.5,3"], "coalition.quorum"),
        (["--param", "a=1", "--param", "a=2"], "twice"),
        (["--param", "coalition.quorum=0.5", "--resume", "--force"], "contradict"),
        (["--param", "coalition.quorum=0.5", "--metric", "detected_shares"], "detected_share"),
    ],
)
def test_sweep_bad_input_exits_2(tmp_path, extra, message):
    r = invoke("sweep", "baseline", *extra, *COMMON, "-o", str(tmp_path / "s"))
    assert r.exit_code == 2, r.output
    assert message in r.stderr


def test_sweep_needs_a_param(tmp_path):
    r = invoke("sweep", "baseline", "-o", str(tmp_path / "s"))
    assert r.exit_code == 2 and "--param" in r.output
