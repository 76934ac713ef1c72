"""The two engines give identical records: packaged scenarios, and generated ones.

The simpy engine runs the mechanism as processes; the fast engine in exact numpy steps.
Both start from the same draws, so every table must be equal, bit for bit: the events,
the decisions, the aggressor's intensity path, the metrics and the daily series.  The
generated scenarios cover what the packaged ones leave out: revisit groups, failing
sensors, full coverage, several detections to verify, fifo queues, zero delays, fixed
and random distributions, every policy and offensives that happen early.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ceasemon as cm
from ceasemon.measures.metrics import daily, metrics
from ceasemon.model.build import build_model
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import replication_seed


def assert_identical(a, b) -> None:
    """Every table of two replications' records is the same, NaN for NaN."""
    assert a.events.columns.keys() == b.events.columns.keys()
    for name in a.events.columns:
        x, y = np.asarray(a.events[name]), np.asarray(b.events[name])
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    for field in ("t_report", "severity", "t_decided", "t_response", "action", "cost"):
        x, y = getattr(a.decisions, field), getattr(b.decisions, field)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), field
    assert np.array_equal(a.intensity.times, b.intensity.times)
    assert np.array_equal(a.intensity.values, b.intensity.values)
    assert (a.end_time, a.coalition_members) == (b.end_time, b.coalition_members)
    assert a.members_final == b.members_final
    assert a.collapse_day == b.collapse_day or (
        math.isnan(a.collapse_day) and math.isnan(b.collapse_day)
    )
    ma, mb = metrics(a), metrics(b)
    assert ma.keys() == mb.keys()
    for k in ma:
        assert ma[k] == mb[k] or (math.isnan(ma[k]) and math.isnan(mb[k])), k
    da, db = daily(a), daily(b)
    for k in da:
        assert np.array_equal(np.asarray(da[k]), np.asarray(db[k]), equal_nan=True), k


def both(model, seed):
    """The records of one replication from each engine."""
    return simulate(model, seed, engine="fast"), simulate(model, seed, engine="simpy")


#: packaged scenarios, shortened; a timed event is moved into the short run so that both
#: engines go through it (an outage from day 3, a support shock on day 3)
PACKAGED = [
    ("baseline", {"duration": "8d"}),
    ("slow-politics", {"duration": "8d"}),
    ("dense-sensors", {"duration": "2d"}),
    ("donbas-2020", {"duration": "8d"}),
    ("us-never-ratifies", {"duration": "8d"}),
    ("jammed-donetsk", {"duration": "8d", "events.0.at": "3d"}),
    ("election-shock", {"duration": "8d", "events.0.at": "3d"}),
]


@pytest.mark.parametrize(("name", "overrides"), PACKAGED, ids=[n for n, _ in PACKAGED])
def test_the_engines_agree_on_the_packaged_scenarios(name, overrides):
    model = build_model(cm.load_scenario(name, overrides=overrides))
    fast, slow = both(model, replication_seed(11, 0))
    assert len(fast.events) > 0
    assert_identical(fast, slow)


def test_the_engines_agree_through_an_offensive():
    # an adaptive aggressor tempted at once (threshold far below any net gain, a short
    # window): the ceasefire collapses within days, and both engines stop at the same time
    model = build_model(
        cm.load_scenario(
            "baseline",
            overrides={
                "duration": "20d",
                "aggressor.offensive.threshold": -100,
                "aggressor.offensive.window": "3d",
            },
        )
    )
    fast, slow = both(model, replication_seed(5, 1))
    assert fast.collapse_day == pytest.approx(3.0)
    assert_identical(fast, slow)


def _duration(rng: np.random.Generator, lo_h: float, hi_h: float, random: bool):
    """A fixed duration, or a random one, between ``lo_h`` and ``hi_h`` hours."""
    if not random or rng.random() < 0.4:
        return f"{rng.uniform(lo_h, hi_h):.3f}h"
    kind = rng.integers(3)
    if kind == 0:
        return {"dist": "exponential", "mean": f"{rng.uniform(lo_h, hi_h):.3f}h"}
    if kind == 1:
        lo = rng.uniform(lo_h, hi_h)
        return {
            "dist": "uniform",
            "low": f"{lo:.3f}h",
            "high": f"{lo + rng.uniform(0.1, hi_h):.3f}h",
        }
    return {"dist": "lognormal", "median": f"{rng.uniform(lo_h, hi_h):.3f}h", "sigma": 0.5}


def generated_changes(seed: int) -> dict:
    """Dotted-key changes that make MINIMAL a small random scenario (the same for a seed)."""
    rng = np.random.default_rng(seed)
    c: dict = {
        "duration": f"{int(rng.integers(5, 30))}d",
        "seed": int(seed),
        "parties.red.rates_per_day": {
            "shot": float(rng.uniform(0.5, 6)),
            "shell": float(rng.uniform(0, 3)),
        },
        "parties.blue.rates_per_day": {"shot": float(rng.uniform(0, 3))},
        "sensors.ears.count": int(rng.integers(2, 40)),
        "sensors.ears.latency": _duration(rng, 0, 2, True),
        "sensors.ears.false_alarms_per_day": float(rng.choice([0.0, 0.01, 0.05])),
        "attribution.min_detections": int(rng.choice([1, 1, 2])),
        "attribution.analysts": int(rng.integers(1, 4)),
        "attribution.service_time": _duration(rng, 0.1, 6, True),
        "attribution.priority": str(rng.choice(["severity", "fifo"])),
        "reporting.report_interval": f"{rng.uniform(0.5, 3):.2f}d",
        "coalition.nations.A.delay": _duration(rng, 0, 72, True),
        "coalition.nations.B.delay": _duration(rng, 0, 72, True),
        "coalition.nations.A.ratification": float(rng.choice([1.0, 0.7])),
        "coalition.quorum": float(rng.choice([0.0, 0.5, 0.7, 1.0])),
        "coalition.decision_window": f"{rng.uniform(1, 10):.2f}d",
        "coalition.support_decay_per_year": float(rng.choice([0.0, 0.3])),
        "response.ladder.0.implementation": _duration(rng, 0, 96, True),
        "response.ladder.1.implementation": _duration(rng, 0, 96, True),
    }
    if rng.random() < 0.5:
        c["parties.blue.retaliation"] = {
            "probability": float(rng.uniform(0.1, 0.9)),
            "delay": _duration(rng, 0, 12, True),
        }
    if rng.random() < 0.4:
        c["sensors.ears.mtbf"] = f"{rng.uniform(2, 20):.2f}d"
        c["sensors.ears.mttr"] = f"{rng.uniform(0.2, 3):.2f}d"
    if rng.random() < 0.4:
        c["sensors.eye"] = {
            "coverage": "full",
            "p_detect": {"shot": float(rng.uniform(0, 0.5)), "shell": float(rng.uniform(0, 0.9))},
            "latency": _duration(rng, 1, 24, True),
            "revisit": f"{rng.uniform(6, 48):.1f}h",
            "persistence": {"shot": "2h", "shell": "1d"},
            "false_alarms_per_day": float(rng.choice([0.0, 0.2])),
        }
    policy = str(rng.choice(["fixed", "rational", "adaptive", "adaptive"]))
    aggressor: dict = {
        "policy": policy,
        "benefit": {"shot": float(rng.uniform(0, 2)), "shell": float(rng.uniform(0, 6))},
        "discount_per_day": float(rng.choice([0.0, 0.01])),
    }
    if policy == "adaptive":
        aggressor["responsiveness"] = float(rng.uniform(0.5, 4))
        aggressor["prior"] = {"alpha": 1, "beta": 1, "delay": f"{rng.uniform(1, 10):.1f}d"}
    if policy != "fixed" and rng.random() < 0.6:
        aggressor["offensive"] = {
            "type": "shell",
            "threshold": float(rng.uniform(-1, 1)),
            "window": f"{rng.uniform(0.5, 6):.2f}d",
        }
    c["aggressor"] = aggressor
    # version 2 politics (MODEL 8, 10), drawn last so the older parts keep their values
    if rng.random() < 0.5:
        c["coalition.nations.B.ratification"] = {
            "probability": float(rng.choice([1.0, 0.8])),
            "delay": _duration(rng, 0, 240, True),
        }
    events = []
    if rng.random() < 0.4:
        events.append({"kind": "withdrawal", "at": f"{rng.uniform(0, 20):.2f}d", "nation": "A"})
    if rng.random() < 0.4:
        events.append(
            {
                "kind": "support_shock",
                "at": f"{rng.uniform(0, 20):.2f}d",
                "nations": [str(rng.choice(["A", "B"]))],
                "factor": float(rng.choice([0.0, 0.5, 1.5])),
            }
        )
    if events:
        c["events"] = events
    # the Special Commission (MODEL 8), drawn after the events
    if rng.random() < 0.5:
        commission = {
            "meeting_interval": str(rng.choice(["1d", "2.5d", "7d"])),
            "deliberation": _duration(rng, 0, 72, True),
            "min_incidents": int(rng.choice([1, 1, 3])),
        }
        if rng.random() < 0.5:
            commission["extraordinary_severity"] = float(rng.choice([1, 5]))
        c["coalition.commission"] = commission
    # version 2 capabilities (MODEL 9), drawn last so the older parts keep their values; a
    # capability of 0 for both actions leaves rungs without anyone to carry them out
    for nation in ("A", "B"):
        if rng.random() < 0.5:
            c[f"coalition.nations.{nation}.capability"] = {
                "diplomatic": float(rng.choice([0.0, 0.5, 1.0, 3.0])),
                "economic": float(rng.choice([0.0, 1.0, 2.5])),
            }
    c["response.cost_scaling"] = str(rng.choice(["capability", "full"]))
    # escalation (MODEL 9), drawn last: a memory from hours to beyond the run
    if rng.random() < 0.5:
        c["response.escalation"] = {"memory": _duration(rng, 0, 720, False)}
    # terrain (MODEL 11), drawn last: factors for MINIMAL's terrains (north open, south
    # urban), 0 and 1 included; the full-coverage group too, when there is one
    if rng.random() < 0.5:
        c["sensors.ears.terrain_factor"] = {
            "open": float(rng.choice([0.0, 0.4, 1.0])),
            "urban": float(rng.uniform(0, 1)),
        }
    if "sensors.eye" in c and rng.random() < 0.5:
        c["sensors.eye"]["terrain_factor"] = {"urban": float(rng.choice([0.0, 0.3, 0.9]))}
    return c


QUICK = range(40)


@pytest.mark.parametrize("seed", QUICK)
def test_the_engines_agree_on_generated_scenarios(seed, make_scenario):
    model = build_model(make_scenario(generated_changes(seed)))
    assert_identical(*both(model, replication_seed(seed, 0)))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40, 400))
def test_the_engines_agree_on_many_generated_scenarios(seed, make_scenario):
    model = build_model(make_scenario(generated_changes(seed)))
    assert_identical(*both(model, replication_seed(seed, 0)))


def test_the_engines_agree_when_every_delay_is_zero(make_scenario):
    # a breach is detected, verified, reported, decided on and answered at its own instant:
    # the response reaches the aggressor just after that instant, in both engines
    sc = make_scenario(
        {
            "sensors.ears.latency": "0s",
            "attribution.service_time": "0s",
            "reporting.urgent_severity": 0,
            "coalition.quorum": 0.0,
            "response.ladder.0.implementation": "0s",
            "response.ladder.1.implementation": "0s",
            "aggressor.policy": "adaptive",
            "aggressor.responsiveness": 2.0,
            "duration": "20d",
        }
    )
    fast, slow = both(build_model(sc), replication_seed(2, 0))
    assert np.isfinite(fast.decisions.t_response).sum() > 10
    assert_identical(fast, slow)


@pytest.mark.parametrize("policy", ["adaptive", "rational"])
@pytest.mark.parametrize("rep", range(4))
def test_the_engines_agree_through_a_hazard_offensive(policy, rep):
    # the offensive as a hazard (MODEL 12) with a bound high enough to strike within the run
    # in most replications: the thinning candidates come from their own stream, so both
    # engines, stepping differently, accept the same one and stop at the same time; with a
    # learning deadline shorter than the chain (MODEL 11) the adaptive one counts failures early
    overrides = {
        "duration": "30d",
        "aggressor.policy": policy,
        "aggressor.offensive": {
            "type": "ground_assault",
            "hazard": {"base_per_year": 4.0, "sensitivity": 3.0},
        },
    }
    if policy == "adaptive":
        overrides["aggressor.learning"] = {"deadline": "5d"}
    model = build_model(cm.load_scenario("baseline", overrides=overrides))
    fast, slow = both(model, replication_seed(23, rep))
    assert_identical(fast, slow)
