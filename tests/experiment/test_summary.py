"""Summary statistics against a hand computation, and their NaN handling."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ceasemon.results import SUMMARY_COLUMNS, summary_frame, summary_to_json


def by_hand(x: np.ndarray) -> dict[str, float]:
    x = x[np.isfinite(x)]
    n = len(x)
    mean = x.sum() / n
    sd = math.sqrt(((x - mean) ** 2).sum() / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    srt = np.sort(x)

    def pct(q: float) -> float:  # linear interpolation between order statistics
        h = (n - 1) * q
        lo = math.floor(h)
        return srt[lo] + (h - lo) * (srt[min(lo + 1, n - 1)] - srt[lo])

    return {
        "mean": mean,
        "std": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "median": pct(0.5),
        "p05": pct(0.05),
        "p95": pct(0.95),
        "n": n,
    }


@pytest.mark.parametrize("metric", ["breaches", "detected_share", "attribution_delay_h"])
def test_summary_matches_a_hand_computation(short_run, metric):
    row = short_run.summary.set_index("metric").loc[metric]
    expected = by_hand(short_run.replications[metric].to_numpy())
    assert row["n"] == expected["n"] == 6
    for key in SUMMARY_COLUMNS[:-1]:
        assert row[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-15), key
    # a 95% t-interval with 5 degrees of freedom is mean +- 2.5706 standard errors
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert half == pytest.approx(2.570582 * row["std"] / math.sqrt(6), rel=1e-6)


def test_summary_has_every_metric_in_table_order_with_units(short_run):
    s = short_run.summary
    assert list(s.columns) == ["metric", "unit", *SUMMARY_COLUMNS]
    assert list(s["metric"]) == list(short_run.replications.columns[2:])
    units = dict(zip(s["metric"], s["unit"], strict=True))
    assert units["detected_share"] == "share"
    assert units["detection_delay_h"] == "hours"
    assert units["response_delay_d"] == "days"
    assert s["n"].dtype == np.int64


def test_nan_values_are_left_out_and_counted():
    reps = pd.DataFrame(
        {
            "replication": np.arange(4),
            "seed": np.arange(4),
            "x": [1.0, np.nan, 3.0, 5.0],
            "never": [np.nan] * 4,
            "once": [np.nan, 2.0, np.nan, np.nan],
        }
    )
    s = summary_frame(reps, {"x": "count"}).set_index("metric")
    assert s.loc["x", "n"] == 3 and s.loc["x", "mean"] == 3.0
    assert s.loc["x", "ci_high"] == pytest.approx(3.0 + stats.t.ppf(0.975, 2) * 2 / math.sqrt(3))
    assert s.loc["never", "n"] == 0 and math.isnan(s.loc["never", "mean"])
    assert s.loc["once", "n"] == 1 and s.loc["once", "mean"] == 2.0
    assert math.isnan(s.loc["once", "ci_low"]) and math.isnan(s.loc["once", "std"])
    # summary.json: strict JSON, NaN written as null, n an integer
    text = json.dumps(summary_to_json(s.reset_index(), "demo", 4), allow_nan=False)
    data = json.loads(text)
    assert data["metrics"]["never"]["mean"] is None
    assert data["metrics"]["once"]["n"] == 1 and data["metrics"]["x"]["n"] == 3
    assert set(data) == {"scenario", "replications", "metrics"}
    assert set(data["metrics"]["x"]) == set(SUMMARY_COLUMNS)
