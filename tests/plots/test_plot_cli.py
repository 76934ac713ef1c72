"""`ceasemon plot`, and the figures that `run`, `compare` and `sweep` write."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ceasemon import plots
from ceasemon.cli import cli

COMMON = ["--set", "duration=10d", "-n", "2", "--seed", "3", "--backend", "serial", "-q"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_plot_draws_a_kind_in_a_format_and_prints_the_files(results):
    d = results["run"]
    r = invoke("plot", d, "--kind", "deterrence", "--format", "svg")
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == [str(d / "deterrence.svg")]
    r = invoke("plot", d, "--kind", "attribution", "-q")
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and (d / "attribution.png").exists()
    size = (d / "attribution.png").stat().st_size
    r = invoke("plot", d, "--kind", "attribution", "-q", "--dpi", "50")
    assert r.exit_code == 0, r.output
    assert (d / "attribution.png").stat().st_size < size / 2


def test_plot_compare_metrics_and_sweep_axes(results):
    r = invoke("plot", results["compare"], "--metric", "breaches", "--metric", "collapsed")
    assert r.exit_code == 0, r.output
    assert (results["compare"] / "compare.png").exists()
    d = results["sweep3"]
    r = invoke(
        "plot",
        d,
        "--metric",
        "responded_share",
        "--x",
        "attribution.analysts",
        "--y",
        "coalition.quorum",
        "--format",
        "pdf",
    )
    assert r.exit_code == 0, r.output
    assert (d / "sweep_responded_share.pdf").stat().st_size > 5_000


@pytest.mark.parametrize(
    ("where", "args", "message"),
    [
        ("missing", [], "no results directory"),
        ("empty", [], "no manifest.json"),
        ("run", ["--kind", "compare"], "no 'compare' figure for run results"),
        ("compare", ["--kind", "line"], "each scenario's subdirectory"),
        ("sweep1", [], "needs two swept parameters; this sweep has 1"),
        ("sweep3", [], "choose the heatmap's axes with --x and --y"),
        ("sweep", ["--x", "coalition.quorm"], "did you mean 'coalition.quorum'"),
        ("sweep", ["--x", "coalition.quorum", "--y", "coalition.quorum"], "two different"),
        ("sweep", ["--metric", "colapsed"], "did you mean 'collapsed'"),
        ("compare", ["--metric", "nope"], "unknown metric 'nope'"),
        ("no-sectors", ["--kind", "line"], "sectors.parquet' is missing"),
        ("no-delays", [], "delays.parquet' is missing"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(results, tmp_path, where, args, message):
    if where == "missing":
        d = tmp_path / "nowhere"
    elif where == "empty":
        d = tmp_path / "empty"
        d.mkdir()
    elif where.startswith("no-"):
        d = results["run"]
        (d / f"{where[3:]}.parquet").unlink()
    else:
        d = results[where]
    r = invoke("plot", d, *args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize("args", [["--kind", "map"], ["--format", "jpg"]])
def test_unknown_kind_or_format_exits_2(results, args):
    r = invoke("plot", results["run"], *args)
    assert r.exit_code == 2
    assert "Invalid value" in r.stderr


def test_run_writes_the_standard_figures(tmp_path):
    r = invoke("run", "baseline", *COMMON, "-o", tmp_path / "r")
    assert r.exit_code == 0, r.output
    for kind in plots.RUN_KINDS:
        assert (tmp_path / "r" / f"{kind}.png").stat().st_size > 20_000


def test_compare_writes_the_comparison_figure(tmp_path):
    r = invoke("compare", "baseline", "no-guarantee", *COMMON, "-o", tmp_path / "c")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c" / "compare.png").stat().st_size > 20_000
    assert not (tmp_path / "c" / "baseline" / "timeseries.png").exists()


def test_sweep_writes_the_heatmap_only_with_two_parameters(tmp_path):
    r = invoke(
        "sweep",
        "baseline",
        "--param",
        "coalition.quorum=0.3,0.6",
        "--param",
        "coalition.decision_window=5d,30d",
        *COMMON,
        "-o",
        tmp_path / "s2",
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s2" / "sweep_collapsed.png").stat().st_size > 20_000
    r = invoke(
        "sweep", "baseline", "--param", "coalition.quorum=0.3,0.6", *COMMON, "-o", tmp_path / "s1"
    )
    assert r.exit_code == 0, r.output
    assert not list((tmp_path / "s1").glob("*.png"))
