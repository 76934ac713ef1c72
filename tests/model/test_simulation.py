"""End-to-end replications: reproducibility, common random numbers, exact stepping, invariants."""

import math

import numpy as np
import pytest

import ceasemon as cm
from ceasemon.measures.metrics import metrics
from ceasemon.model.records import STAGE_TIMES
from ceasemon.model.simulation import belief_horizon, build_model, simulate
from ceasemon.model.streams import replication_seed


def same_events(a, b):
    assert a.events.columns.keys() == b.events.columns.keys()
    for k in a.events.columns:
        np.testing.assert_array_equal(a.events[k], b.events[k], err_msg=k)


@pytest.fixture(scope="module")
def short_baseline():
    return cm.load_scenario("baseline", overrides={"duration": "40d"})


def test_baseline_end_to_end(short_baseline):
    rec = simulate(build_model(short_baseline), replication_seed(1, 0))
    m = metrics(rec)
    assert m["breaches"] == m["aggressor_breaches"] + m["defender_breaches"]
    assert m["breaches"] == sum(m[f"breaches_{t}"] for t in short_baseline.breach_types)
    # defender: its own Poisson breaches (50/day) plus a Binomial(aggressor breaches, 0.5) answer
    a = m["aggressor_breaches"]
    expect = 50 * 40 + 0.5 * a
    assert abs(m["defender_breaches"] - expect) < 4 * math.sqrt(50 * 40 + 0.25 * a)
    assert 0.9 < m["detected_share"] <= 1
    assert m["verified_share"] <= m["detected_share"]
    assert 0 <= m["attribution_accuracy"] <= 1
    assert m["responses"] > 0
    ev = rec.events
    # pipeline stages never run backwards and an unreached stage stops the rest
    prev = ev["t_breach"]
    for name in STAGE_TIMES[1:]:
        t = ev[name]
        ok = np.isfinite(t)
        assert np.all(t[ok] >= prev[ok] - 1e-12), name
        assert not np.any(ok & np.isnan(prev)), name
        prev = np.where(ok, t, prev)


def test_same_seed_same_records_bit_for_bit(short_baseline):
    model = build_model(short_baseline)
    a = simulate(model, replication_seed(5, 3))
    b = simulate(build_model(short_baseline), replication_seed(5, 3))
    same_events(a, b)
    np.testing.assert_array_equal(a.intensity.values, b.intensity.values)
    c = simulate(model, replication_seed(5, 4))
    assert len(c.events) != len(a.events) or not np.array_equal(
        c.events["t_breach"], a.events["t_breach"]
    )


def test_changing_sensors_changes_no_breach(make_scenario):
    base = make_scenario()
    more = make_scenario(
        {
            "sensors.ears.count": 80,
            "sensors.sat": {
                "coverage": "full",
                "p_detect": {"shell": 0.5},
                "latency": "1d",
                "false_alarms_per_day": 2,
            },
        }
    )
    a = simulate(build_model(base), replication_seed(9, 0))
    b = simulate(build_model(more), replication_seed(9, 0))
    ba = a.events["kind"] == 0
    bb = b.events["kind"] == 0
    for col in ("t_breach", "party", "type", "position_km", "sector"):
        np.testing.assert_array_equal(a.events[col][ba], b.events[col][bb])
    assert not np.array_equal(a.events["detections"][ba], b.events["detections"][bb])


def test_adaptive_steps_are_exact_whatever_their_length(short_baseline):
    model = build_model(short_baseline)
    seed = replication_seed(2, 0)
    a = simulate(model, seed)
    b = simulate(model, seed, lag=0.37)
    same_events(a, b)
    np.testing.assert_array_equal(a.decisions.t_response, b.decisions.t_response)
    assert metrics(a)["aggressor_intensity_final"] == metrics(b)["aggressor_intensity_final"]


def test_fixed_policy_in_steps_equals_one_step(short_baseline):
    model = build_model(short_baseline.model_copy(update={}))
    sc = cm.load_scenario(
        "baseline",
        overrides={"duration": "30d", "aggressor.policy": "fixed", "aggressor.offensive": None},
    )
    model = build_model(sc)
    seed = replication_seed(3, 0)
    same_events(simulate(model, seed), simulate(model, seed, lag=1.3))


def test_fixed_aggressor_breach_counts_match_the_poisson_mean(make_scenario):
    model = build_model(make_scenario({"duration": "20d"}))
    n = 200
    counts = np.array(
        [metrics(simulate(model, replication_seed(4, i)))["aggressor_breaches"] for i in range(n)]
    )
    mean = 25 * 20
    assert abs(counts.mean() - mean) < 4 * math.sqrt(mean / n)


def test_full_coverage_p06_detects_sixty_percent(make_scenario):
    sc = make_scenario(
        {
            "sensors.ears": {"coverage": "full", "p_detect": {"shot": 0.6, "shell": 0.6}},
            "duration": "200d",
        }
    )
    rec = simulate(build_model(sc), replication_seed(6, 0))
    m = metrics(rec)
    n = m["breaches"]
    assert abs(m["detected_share"] - 0.6) < 4 * math.sqrt(0.24 / n)


def test_collapse_truncates_the_run(short_baseline):
    sc = cm.load_scenario(
        "baseline",
        overrides={
            "duration": "60d",
            "aggressor.offensive.window": "5d",
            "aggressor.benefit.ground_assault": 1000,
        },
    )
    rec = simulate(build_model(sc), replication_seed(1, 0))
    assert rec.collapse_day == pytest.approx(5.0)
    assert rec.end_time == rec.collapse_day
    assert np.nanmax(rec.events["t_breach"]) <= rec.collapse_day
    for name in STAGE_TIMES:
        assert not np.any(rec.events[name] > rec.collapse_day)
    assert metrics(rec)["collapsed"] == 1


def test_no_members_no_response(make_scenario):
    sc = make_scenario(
        {"coalition.nations.A.ratification": 0, "coalition.nations.B.ratification": 0}
    )
    m = metrics(simulate(build_model(sc), replication_seed(1, 0)))
    assert m["coalition_members"] == 0
    assert m["responses"] == 0
    assert math.isnan(m["response_delay_d"])


def test_belief_horizon_is_window_plus_longest_implementation(make_scenario):
    m = build_model(make_scenario())
    assert belief_horizon(m) == 20 + 10
