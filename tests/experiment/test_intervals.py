"""Intervals that stay in each metric's range: Wilson, Newcombe and clipped t-intervals."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ceasemon.experiment.compare import comparison_table, paired_difference, welch_difference
from ceasemon.measures import intervals
from ceasemon.measures.metrics import WILSON, info_of, metric_info, summarize
from ceasemon.results import summary_frame

Z = float(stats.norm.ppf(0.975))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def wilson_by_roots(k: int, n: int) -> tuple[float, float]:
    """The Wilson limits as the roots of (k/n - p)^2 = z^2 p (1 - p) / n, a quadratic in p."""
    ph = k / n
    a = 1 + Z * Z / n
    b = -(2 * ph + Z * Z / n)
    c = ph * ph
    roots = np.roots([a, b, c]).real
    return float(roots.min()), float(roots.max())


# --------------------------------------------------------------------------- Wilson
def test_wilson_at_0_of_20_is_the_closed_form():
    low, high = intervals.wilson(0, 20)
    assert low == 0.0
    # z^2 / (n + z^2) = 3.8415 / 23.8415 (0.1611; with z rounded to 1.96 also 0.1611)
    assert high == pytest.approx(Z * Z / (20 + Z * Z), rel=1e-12)
    assert high == pytest.approx(0.16113, abs=5e-6)
    assert intervals.wilson(20, 20) == pytest.approx((20 / (20 + Z * Z), 1.0), rel=1e-12)


@pytest.mark.parametrize(("k", "n"), [(1, 10), (2, 20), (7, 20), (13, 30), (1, 1), (0, 3)])
def test_wilson_matches_the_roots_of_its_quadratic(k, n):
    assert intervals.wilson(k, n) == pytest.approx(wilson_by_roots(k, n), abs=1e-12)


def test_wilson_coverage_at_p_01_n_20_seeded():
    """2,000 binomial samples at p = 0.1, n = 20: the interval covers p about 95% of the time.

    The exact coverage there is 0.9568 (the old mean +- t*sd/sqrt(n) interval: 0.876).  A
    coverage estimate from 2,000 samples has standard error sqrt(0.95 * 0.05 / 2000) = 0.0049,
    so a correct interval stays above 0.95 - 4 * 0.0049 = 0.9305 except with probability about
    3e-5 (and with this fixed seed always or never).
    """
    rng = np.random.default_rng(20260106)
    ks = rng.binomial(20, 0.1, size=2000)
    limits = np.array([intervals.wilson(int(k), 20) for k in ks])
    covered = (limits[:, 0] <= 0.1) & (limits[:, 1] >= 0.1)
    se = math.sqrt(0.95 * 0.05 / 2000)
    assert covered.mean() >= 0.95 - 4 * se
    exact = sum(
        stats.binom.pmf(k, 20, 0.1)
        for k in range(21)
        if intervals.wilson(k, 20)[0] <= 0.1 <= intervals.wilson(k, 20)[1]
    )
    assert abs(covered.mean() - exact) < 4 * math.sqrt(exact * (1 - exact) / 2000)


# --------------------------------------------------------------------------- the summary
def collapsed_frame(k: int, n: int) -> pd.DataFrame:
    x = np.zeros(n)
    x[:k] = 1.0
    return pd.DataFrame({"replication": np.arange(n), "seed": np.arange(n), "collapsed": x})


def test_collapsed_1_of_10_gets_wilson_not_a_negative_t_interval():
    # before: 0.1 [-0.126, 0.326], a t-interval with a negative probability in it
    row = summary_frame(collapsed_frame(1, 10), {"collapsed": "0/1"}).iloc[0]
    assert row["mean"] == 0.1
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(intervals.wilson(1, 10))
    assert row["ci_low"] == pytest.approx(0.0179, abs=1e-4) and row["ci_low"] > 0


def test_collapsed_20_of_20_is_not_the_degenerate_1_1():
    # before: 1 [1, 1] from 20 replications
    row = summary_frame(collapsed_frame(20, 20), {"collapsed": "0/1"}).iloc[0]
    assert row["ci_high"] == 1.0
    assert row["ci_low"] == pytest.approx(20 / (20 + Z * Z))
    row = summary_frame(collapsed_frame(0, 20), {"collapsed": "0/1"}).iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.0, Z * Z / (20 + Z * Z)))


def test_a_single_replication_of_collapsed_has_a_wilson_interval():
    row = summary_frame(collapsed_frame(1, 1), {}).iloc[0]
    assert row["n"] == 1 and math.isnan(row["std"])
    assert row["ci_low"] == pytest.approx(1 / (1 + Z * Z)) and row["ci_high"] == 1.0


def test_shares_counts_and_collapse_day_stay_in_their_range():
    reps = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "seed": [0, 1, 2],
            "detected_share": [0.99, 1.0, 0.97],  # t-interval before: up to 1.025
            "false_accusations": [0.0, 0.0, 5.0],  # before: down to -5.5
            "breaches_drone": [0.0, 1.0, 9.0],  # any breach type is a count
            "collapse_day": [170.0, 179.0, np.nan],  # before: up to 231.7 of 180 days
        }
    )
    s = summary_frame(reps, {}, duration=180.0).set_index("metric")
    assert s.loc["detected_share", "ci_high"] == 1.0
    assert s.loc["detected_share", "ci_low"] == pytest.approx(
        0.98666667 - stats.t.ppf(0.975, 2) * np.std([0.99, 1.0, 0.97], ddof=1) / math.sqrt(3)
    )
    assert s.loc["false_accusations", "ci_low"] == 0.0
    assert s.loc["breaches_drone", "ci_low"] == 0.0
    assert s.loc["collapse_day", "ci_high"] == 180.0
    assert s.loc["collapse_day", "ci_low"] == pytest.approx(
        174.5 - stats.t.ppf(0.975, 1) * np.std([170, 179], ddof=1) / math.sqrt(2)
    )
    # without a duration only the lower bound is known
    assert summary_frame(reps, {}).set_index("metric").loc["collapse_day", "ci_high"] > 180


def test_every_summary_interval_of_a_real_run_lies_in_its_range(short_run):
    duration = float(short_run.scenario.duration)
    for row in short_run.summary.itertuples(index=False):
        info = info_of(row.metric)
        assert info is not None, row.metric
        low, high = info.value_range(duration)
        if not math.isnan(row.ci_low):
            assert low <= row.ci_low <= row.mean <= row.ci_high <= high, row.metric


METRICS = list(metric_info(["shot"]).values())


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(METRICS),
    st.lists(st.floats(0.0, 1.0), min_size=0, max_size=25),
    st.floats(1.0, 400.0),
)
def test_no_interval_leaves_the_range_for_any_sample(info, unit_values, duration):
    """Values anywhere in a metric's range give an interval in that range, with no warning."""
    low, high = info.value_range(duration)
    top = high if math.isfinite(high) else 1e6
    x = np.asarray(unit_values) * (top - low) + low
    if info.interval == WILSON:
        x = np.round(np.asarray(unit_values))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = summarize(x, info=info, duration=duration)
    if len(x) == 0:
        assert s["n"] == 0 and math.isnan(s["ci_low"])
        return
    if not math.isnan(s["ci_low"]):
        assert low <= s["ci_low"] <= s["mean"] + 1e-9 * top
        assert s["mean"] - 1e-9 * top <= s["ci_high"] <= high


# --------------------------------------------------------------------------- differences
def test_newcombe_paired_matches_the_published_example():
    """The paired table [[59, 6], [16, 80]] gives -0.0621 [-0.1186, -0.0046].

    Cavo et al. (2012) in Fagerland, Lydersen & Laake (2017), chapter 8.
    """
    first = np.array([1] * 59 + [1] * 6 + [0] * 16 + [0] * 80, float)
    second = np.array([1] * 59 + [0] * 6 + [1] * 16 + [0] * 80, float)
    low, high = intervals.newcombe_paired(second, first)
    assert (low, high) == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    d = paired_difference(second, first, info=info_of("collapsed"))
    assert d["diff"] == pytest.approx(-10 / 161) and d["n"] == 161
    assert (d["ci_low"], d["ci_high"]) == (low, high)


def test_newcombe_unpaired_matches_the_published_example():
    """7/34 against 1/34 gives 0.1765 [0.0189, 0.3404].

    Perondi et al. (2004) in Fagerland et al. (2017), chapter 4.
    """
    a = np.array([1] * 1 + [0] * 33, float)
    b = np.array([1] * 7 + [0] * 27, float)
    w = welch_difference(a, b, info=info_of("collapsed"))
    assert w["diff"] == pytest.approx(6 / 34)
    assert (w["ci_low"], w["ci_high"]) == pytest.approx((0.0189, 0.3404), abs=5e-5)


def test_paired_difference_of_collapsed_is_bounded_where_the_t_interval_is_not():
    # one discordant pair in 3: the paired t-interval is 1/3 +- 4.30 * 0.577 / sqrt(3), up to
    # 1.77, a difference of probabilities above 1; Newcombe's interval stays in [-1, 1]
    ref = np.array([0.0, 0.0, 1.0])
    other = np.array([1.0, 0.0, 1.0])
    t_only = paired_difference(ref, other)
    assert t_only["ci_high"] > 1
    d = paired_difference(ref, other, info=info_of("collapsed"))
    assert -1 <= d["ci_low"] < d["diff"] < d["ci_high"] <= 1
    same = paired_difference(np.zeros(20), np.zeros(20), info=info_of("collapsed"))
    assert same["diff"] == 0 and same["ci_low"] < 0 < same["ci_high"]  # not [0, 0]


def test_newcombe_paired_coverage_seeded():
    """Correlated pairs, as on common random numbers: coverage near 95%.

    20 pairs per sample at p = 0.2 and 0.3, one uniform deciding both; over 1,000 seeded samples
    the true difference 0.1 is covered at least 0.95 - 4 * sqrt(0.95 * 0.05 / 1000) = 0.922 of
    the time (Newcombe reports coverage close to nominal for this method).
    """
    rng = np.random.default_rng(7)
    u = rng.random((1000, 20))
    ref = (u < 0.2).astype(float)  # the same uniform decides both: strongly correlated pairs
    other = (u < 0.3).astype(float)
    lims = np.array([intervals.newcombe_paired(r, o) for r, o in zip(ref, other, strict=True)])
    covered = (lims[:, 0] <= 0.1) & (lims[:, 1] >= 0.1)
    assert covered.mean() >= 0.95 - 4 * math.sqrt(0.95 * 0.05 / 1000)
    assert (lims >= -1).all() and (lims <= 1).all()


def test_paired_difference_of_a_share_is_clipped_to_minus_1_1():
    ref = np.array([0.0, 1.0, 0.0])
    other = np.array([1.0, 1.0, 1.0])
    assert paired_difference(ref, other)["ci_high"] > 1
    d = paired_difference(ref, other, info=info_of("detected_share"))
    assert d["ci_high"] == 1.0 and d["ci_low"] >= -1.0
    w = welch_difference(ref, other, info=info_of("detected_share"))
    assert w["ci_low"] >= -1.0 and w["ci_high"] <= 1.0


def fake_run(values: dict[str, list[float]], duration: float = 180.0) -> SimpleNamespace:
    n = len(next(iter(values.values())))
    reps = pd.DataFrame({"replication": np.arange(n), "seed": np.arange(n), **values})
    summary = summary_frame(reps, {k: info_of(k).unit for k in values}, duration)
    return SimpleNamespace(
        summary=summary, replications=reps, scenario=SimpleNamespace(duration=duration)
    )


def test_comparison_table_uses_each_metrics_declared_interval():
    ref = fake_run(
        {
            "collapsed": [0.0] * 10,
            "collapse_day": [np.nan] * 10,
            "detected_share": [0.99, 1.0] * 5,
        }
    )
    other = fake_run(
        {
            "collapsed": [1.0] + [0.0] * 9,
            "collapse_day": [179.0] + [np.nan] * 9,
            "detected_share": [1.0] * 10,
        }
    )
    c = comparison_table({"ref": ref, "other": other}).set_index(["metric", "scenario"])
    row = c.loc[("collapsed", "other")]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(intervals.wilson(1, 10))
    assert (row["diff_ci_low"], row["diff_ci_high"]) == intervals.newcombe_paired(
        np.zeros(10), np.r_[1.0, np.zeros(9)]
    )
    assert row["diff_ci_low"] < 0 < row["diff_ci_high"] <= 1
    assert row["welch_ci_low"] >= -1 and row["welch_ci_high"] <= 1
    ref_row = c.loc[("collapsed", "ref")]
    assert ref_row["ci_low"] == 0.0 and ref_row["ci_high"] == pytest.approx(Z * Z / (10 + Z * Z))
    share = c.loc[("detected_share", "other")]
    assert share["ci_high"] <= 1.0 and share["diff_ci_high"] <= 1.0
    day = c.loc[("collapse_day", "other")]
    assert day["n"] == 1 and day["mean"] == 179.0 and math.isnan(day["diff"])


# --------------------------------------------------------------------------- degenerate inputs
DEGENERATE = {
    "zero": {"collapsed": [], "detected_share": [], "collapse_day": []},
    "one": {"collapsed": [1.0], "detected_share": [0.5], "collapse_day": [3.0]},
    "two": {"collapsed": [0.0, 1.0], "detected_share": [0.5, 0.7], "collapse_day": [3.0, 9.0]},
    "constant": {"collapsed": [0.0] * 4, "detected_share": [1.0] * 4, "collapse_day": [5.0] * 4},
    "all-nan": {
        "collapsed": [0.0] * 3,
        "detected_share": [np.nan] * 3,
        "collapse_day": [np.nan] * 3,
    },
    "huge": {"collapsed": [0.0, 0.0], "detected_share": [1.0, 1.0], "collapse_day": [1.0, 2.0]},
}


@pytest.mark.parametrize("case", list(DEGENERATE))
def test_summary_and_comparison_of_degenerate_inputs_raise_no_warning(case):
    values = {k: np.asarray(v, float) for k, v in DEGENERATE[case].items()}
    if case == "huge":  # finite values whose sum overflows (before: 'overflow encountered')
        values["severity_total"] = np.array([1.0e308, 1.5e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = fake_run(values, duration=10.0)
        other = fake_run({k: v[::-1] for k, v in values.items()}, duration=10.0)
        table = comparison_table({"ref": ref, "other": other})
    for row in table.itertuples(index=False):
        low, high = info_of(row.metric).value_range(10.0)
        for v in (row.mean, row.ci_low, row.ci_high):
            assert math.isnan(v) or low <= v <= high, (row.metric, v)
        for v in (row.diff_ci_low, row.diff_ci_high, row.welch_ci_low, row.welch_ci_high):
            assert math.isnan(v) or low - high <= v <= high - low, (row.metric, v)
    if case == "huge":
        s = ref.summary.set_index("metric").loc["severity_total"]
        assert s["mean"] == 1.25e308 and s["std"] == pytest.approx(math.sqrt(2) * 0.25e308)


# --------------------------------------------------------------------------- docs
def test_docs_name_every_metrics_interval():
    text = DOCS.read_text("utf-8")
    for info in metric_info().values():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| `{info.name}`")), None)
        assert line is not None, f"docs/metrics.md has no row for {info.name}"
        assert info.interval_text() in line, info.name
    assert "| `breaches_<type>`" in text
