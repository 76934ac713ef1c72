"""Comparisons on common random numbers: paired intervals, Welch for reference, files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import ceasemon as cm
from ceasemon.experiment.compare import paired_difference, unique_labels, welch_difference

N = 8
SEED = 11


@pytest.fixture(scope="module")
def sensor_change():
    """Baseline vs the same with half the acoustic sensors: a sensor-only change."""
    base = cm.load_scenario("baseline", {"duration": "10d"})
    fewer = cm.load_scenario(
        "baseline", {"duration": "10d", "name": "half-acoustic", "sensors.acoustic.count": 925}
    )
    return cm.compare([base, fewer], replications=N, seed=SEED, backend="serial")


def rows(cmp, metric):
    c = cmp.comparison
    return c[c["metric"] == metric].set_index("scenario")


def test_every_scenario_runs_the_same_replication_seeds(sensor_change):
    a, b = sensor_change.results.values()
    assert a.replications["seed"].tolist() == b.replications["seed"].tolist()
    # the sensors draw from their own streams: the breaches are the same at the start
    assert a.timeseries["breaches"].iloc[0] == b.timeseries["breaches"].iloc[0]


def test_paired_interval_is_narrower_than_unpaired_on_a_sensor_change(sensor_change):
    for metric in ("detected_share", "attribution_delay_h", "verified_share"):
        r = rows(sensor_change, metric).loc["half-acoustic"]
        paired = r["diff_ci_high"] - r["diff_ci_low"]
        welch = r["welch_ci_high"] - r["welch_ci_low"]
        assert 0 < paired < welch / 2, metric
    # fewer sensors see fewer breaches, and the paired interval resolves it
    r = rows(sensor_change, "detected_share").loc["half-acoustic"]
    assert r["diff_ci_high"] < 0


def test_differences_match_a_hand_computation(sensor_change):
    a, b = (r.replications["verified_share"].to_numpy() for r in sensor_change.results.values())
    r = rows(sensor_change, "verified_share").loc["half-acoustic"]
    d = b - a
    half = stats.t.ppf(0.975, N - 1) * d.std(ddof=1) / math.sqrt(N)
    assert r["diff"] == pytest.approx(d.mean(), rel=1e-12)
    assert r["diff_ci_low"] == pytest.approx(d.mean() - half, rel=1e-12)
    assert r["diff_n"] == N
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert r["welch_ci_low"] == pytest.approx(ci.low, rel=1e-9)
    assert r["welch_ci_high"] == pytest.approx(ci.high, rel=1e-9)
    ref = rows(sensor_change, "verified_share").loc["baseline"]
    assert math.isnan(ref["diff"]) and ref["diff_n"] == 0
    assert ref["mean"] == pytest.approx(a.mean(), rel=1e-12)


def test_comparison_table_is_long_with_one_row_per_metric_and_scenario(sensor_change):
    c = sensor_change.comparison
    n_metrics = len(next(iter(sensor_change.results.values())).summary)
    assert len(c) == 2 * n_metrics
    assert list(c.columns[:7]) == ["metric", "unit", "scenario", "n", "mean", "ci_low", "ci_high"]
    assert sensor_change.reference == "baseline"


def test_save_and_load_a_comparison(sensor_change, tmp_path):
    sensor_change.save(tmp_path / "c")
    files = {p.relative_to(tmp_path / "c").as_posix() for p in (tmp_path / "c").rglob("*")}
    assert {"comparison.csv", "comparison.parquet", "manifest.json"} <= files
    assert {"baseline/replications.parquet", "half-acoustic/replications.csv"} <= files
    back = cm.load_results(tmp_path / "c")
    assert isinstance(back, cm.CompareResult)
    pd.testing.assert_frame_equal(back.comparison, sensor_change.comparison, check_exact=True)
    for name, res in sensor_change.results.items():
        pd.testing.assert_frame_equal(
            back.results[name].replications, res.replications, check_exact=True
        )


def test_compare_needs_two_scenarios():
    with pytest.raises(cm.UserError, match="at least two"):
        cm.compare(["baseline"])


def test_same_name_twice_gets_unique_labels():
    assert unique_labels(["a", "a", "a-2", "b"]) == ["a", "a-2", "a-2-2", "b"]


def test_paired_difference_leaves_out_incomplete_pairs():
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([2.0, 2.5, 9.0, np.nan])
    p = paired_difference(a, b)
    assert p["n"] == 2 and p["diff"] == pytest.approx(0.75)
    w = welch_difference(a, b)
    assert w["diff"] == pytest.approx(np.mean([2.0, 2.5, 9.0]) - np.mean([1.0, 2.0, 4.0]))
    same = welch_difference(np.ones(3), np.ones(3))
    assert same["ci_low"] == same["ci_high"] == 0.0


def test_interrupted_comparison_keeps_balanced_pairs(monkeypatch, tmp_path):
    from ceasemon.model import simulation

    real = simulation.simulate

    def stop(model, seq, **options):
        if model.scenario.name == "b" and seq.spawn_key == (3,):
            raise KeyboardInterrupt
        return real(model, seq, **options)

    monkeypatch.setattr(simulation, "simulate", stop)
    a = cm.load_scenario("baseline", {"duration": "3d", "name": "a"})
    b = cm.load_scenario("baseline", {"duration": "3d", "name": "b", "attribution.analysts": 8})
    res = cm.compare([a, b], 6, 1, backend="serial", out_dir=tmp_path / "c")
    assert res.interrupted
    assert len(res.results["a"].replications) == 4  # a ran replication 3 before b was stopped
    assert len(res.results["b"].replications) == 3
    assert (res.comparison.query("scenario == 'b'")["diff_n"] <= 3).all()
    assert cm.load_results(tmp_path / "c").interrupted


def test_each_scenario_of_a_comparison_carries_its_sensor_layout(sensor_change):
    # the line figure of a comparison's run reads the layout table, not the model: the
    # half-acoustic scenario's table has half the acoustic sensors of the baseline's
    rows = {
        name: (res.layout["what"].eq("sensor") & res.layout["name"].eq("acoustic")).sum()
        for name, res in sensor_change.results.items()
    }
    assert rows["half-acoustic"] == 925
    assert rows["baseline"] > 925
