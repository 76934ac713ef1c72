"""What the figures show: Kaplan-Meier, t-bands, ECDFs, coverage and the confusion counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from plot_cases import small_map_scenario

import ceasemon as cm
from ceasemon import plots
from ceasemon.model.simulation import build_model


def test_kaplan_meier_matches_a_hand_computation():
    # events at 1, 3, 3 and 5; censored at 2 and 4
    km = plots.kaplan_meier([1, 2, 3, 3, 4, 5], [True, False, True, True, False, True])
    assert km["time"].tolist() == [1, 2, 3, 4, 5]
    assert km["at_risk"].tolist() == [6, 5, 4, 2, 1]
    assert km["events"].tolist() == [1, 0, 2, 0, 1]
    assert km["censored"].tolist() == [0, 1, 0, 1, 0]
    s1, s3 = 5 / 6, 5 / 6 * 2 / 4
    np.testing.assert_allclose(km["survival"], [s1, s1, s3, s3, 0.0])
    # Greenwood: Var S = S^2 sum d / (n (n - d))
    se1 = s1 * math.sqrt(1 / (6 * 5))
    se3 = s3 * math.sqrt(1 / (6 * 5) + 2 / (4 * 2))
    np.testing.assert_allclose(km["se"], [se1, se1, se3, se3, 0.0])
    z = 1.959963984540054
    np.testing.assert_allclose(km["ci_low"], np.clip(km["survival"] - z * km["se"], 0, 1))
    np.testing.assert_allclose(km["ci_high"], [min(1, s1 + z * se1)] * 2 + [s3 + z * se3] * 2 + [0])


def test_kaplan_meier_without_events_stays_at_one():
    km = plots.kaplan_meier([365.0] * 4, [False] * 4)
    assert km["survival"].tolist() == [1.0] and km["se"].tolist() == [0.0]
    assert km["censored"].tolist() == [4]


def test_kaplan_meier_rejects_bad_input():
    with pytest.raises(ValueError, match="finite"):
        plots.kaplan_meier([1.0, math.nan], [True, False])


def test_deterrence_figure_draws_the_kaplan_meier_of_the_replication_table(results):
    res = cm.load_results(results["run"])  # a 20-day run
    res.replications = res.replications.assign(collapse_day=[10.0, math.nan, 5.0])
    fig = plots.deterrence_figure(res)
    [km] = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "Kaplan-Meier estimate"]
    # collapse at 5 and 10 of 3, the third censored at the end (day 20)
    np.testing.assert_allclose(km.get_xdata(), [0, 5, 10, 20, 20])
    np.testing.assert_allclose(km.get_ydata(), [1, 2 / 3, 1 / 3, 1 / 3, 1 / 3])


def test_t_band_is_the_t_interval_per_column_ignoring_nan():
    from scipy import stats

    x = np.array([[1.0, 2.0, 5.0], [3.0, np.nan, 5.0], [5.0, 4.0, np.nan]])
    mean, lo, hi, n = plots.t_band(x)
    assert n.tolist() == [3, 2, 2]
    np.testing.assert_allclose(mean, [3.0, 3.0, 5.0])
    half0 = stats.t.ppf(0.975, 2) * 2.0 / math.sqrt(3)
    half1 = stats.t.ppf(0.975, 1) * math.sqrt(2.0) / math.sqrt(2)
    np.testing.assert_allclose([lo[0], hi[0]], [3 - half0, 3 + half0])
    np.testing.assert_allclose([lo[1], hi[1]], [3 - half1, 3 + half1])
    assert lo[2] == hi[2] == 5.0  # no spread
    _, lo1, _, n1 = plots.t_band(np.array([[1.0, np.nan]]))
    assert n1.tolist() == [1, 0] and np.isnan(lo1).all()


def test_ecdf_counts_unreached_stages_in_the_denominator():
    x, y = plots.ecdf(np.array([3.0, np.nan, 1.0, 2.0]))
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert y.tolist() == [0.25, 0.5, 0.75]


def test_coverage_counts_sensors_in_range_times_availability():
    model = build_model(small_map_scenario())
    eyes = next(g for g in model.groups if g.name == "eyes")
    at = np.array([eyes.positions[0], eyes.positions[0] + 20.0])  # spacing 40, range 15
    cov = plots.coverage(model, at)
    assert cov["eyes"].tolist() == [1.0, 0.0]
    sc = cm.load_scenario("baseline")
    model = build_model(sc)
    radar = next(g for g in model.groups if g.name == "counter_battery_radar")
    cov = plots.coverage(model, np.array([600.0]))
    inside = np.sum(np.abs(radar.positions - 600.0) <= radar.range_km)
    assert cov["counter_battery_radar"][0] == pytest.approx(inside * 30 / 32)  # mtbf 30d, mttr 2d
    assert "optical_satellites" not in cov  # full coverage: not positioned


def test_confusion_counts_match_the_events_of_a_run_with_events(tmp_path):
    # what `ceasemon run --events` writes, read back from the directory
    cm.run(small_map_scenario(), 2, 4, backend="serial", events=True, out_dir=tmp_path / "out")
    out = tmp_path / "out"
    res = cm.load_results(out)
    ev = res.events
    done = ev[ev["attributed"].notna()]
    want = pd.crosstab(done["party"], done["attributed"]).reindex(
        index=["red", "blue", "none"], columns=["red", "blue", "unknown"], fill_value=0
    )
    got = plots.confusion_matrix(res.confusion)
    assert list(got.index) == ["red", "blue", "none"]
    assert list(got.columns) == ["red", "blue", "unknown"]
    assert (got.to_numpy() == want.to_numpy()).all()
    assert got.loc["none"].sum() > 0  # false alarms reached verdicts (min_detections 1)
    # and per replication
    per = done.groupby(["replication", "party", "attributed"], observed=False).size()
    table = res.confusion.set_index(["replication", "party", "attributed"])["count"]
    assert (table == per.reindex(table.index)).all()
    # the figure shows the same numbers
    fig = plots.attribution_figure(res)
    texts = [t.get_text() for t in fig.axes[0].texts]
    red_red = got.loc["red", "red"] / got.loc["red"].sum()
    assert any(t.startswith(f"{red_red:.1%}") for t in texts)
