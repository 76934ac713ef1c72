"""Verification of docs/model.md section "2 Sensors and detection" (sensor failures).

A failing sensor starts up and alternates exponential up times (mean mtbf)
and down times (mean mttr): a two-state Markov chain with rate
nu = 1/mtbf + 1/mttr and availability A = mtbf / (mtbf + mttr):

    P(up at t) = A + (1 - A) exp(-nu t)

A full-coverage group with p = 1 detects a breach iff its one sensor is up,
so the detected share of breaches at Poisson times (uniform given their number)
over [w, T] has the expectation

    E[share] = (1 / (T - w)) int_w^T P(up at t) dt
             = A + (1 - A) (exp(-nu w) - exp(-nu T)) / (nu (T - w))

All breaches of a replication share one up/down path, so the per-replication
share has variance Var(f) + E[f (1 - f)] / N, where f is the share of time the
sensor is up and N the number of breaches; Var(f) is the double integral of the
chain's covariance (``up_share_moments``).  Replications are independent.

Positioned failing sensors fail independently: at stationarity a breach with K
sensors in range is detected (p = 1) unless all are down, P = 1 - E[(1 - A)^K].
Breaches close in space and time share sensor states, so that check uses the
standard error across independent replications.
"""

import math

import numpy as np
import pytest
from verification_tools import BREACH, check, replications, up_share_moments

from ceasemon.measures.metrics import metrics
from ceasemon.model import analytic
from ceasemon.model.simulation import build_model

RATE = 35.0  # breaches per day in the fixture scenario (20 + 5 red, 10 blue)


def failing_full_sensor(make_scenario, mtbf, mttr, duration, warmup):
    return make_scenario(
        {
            "duration": f"{duration:g}d",
            "warmup": f"{warmup:g}d",
            "sensors": {
                "ears": {
                    "coverage": "full",
                    "p_detect": {"shot": 1.0, "shell": 1.0},
                    "mtbf": f"{mtbf:g}d",
                    "mttr": f"{mttr:g}d",
                }
            },
        }
    )


@pytest.mark.parametrize(
    ("mtbf", "mttr", "duration", "warmup", "reps"),
    [
        (3.0, 1.0, 200.0, 10.0, 40),  # long run after a warm-up: the availability 0.75
        (9.0, 1.0, 200.0, 10.0, 40),  # availability 0.9
        (3.0, 1.0, 2.0, 0.0, 400),  # short runs from the start: the transient from "up"
    ],
)
def test_detected_share_of_a_failing_full_sensor(make_scenario, mtbf, mttr, duration, warmup, reps):
    model = build_model(failing_full_sensor(make_scenario, mtbf, mttr, duration, warmup))
    a = mtbf / (mtbf + mttr)
    assert model.groups[0].availability == pytest.approx(a)
    mean, var_f = up_share_moments(mtbf, mttr, warmup, duration)
    n = RATE * (duration - warmup)  # E[N]; E[1/N] ~ 1/E[N] for these N
    var_share = var_f + (mean - (var_f + mean**2)) / n
    shares = [metrics(rec)["detected_share"] for rec in replications(model, root=401, n=reps)]
    label = f"failing full sensor mtbf {mtbf:g}d mttr {mttr:g}d over [{warmup:g}, {duration:g}]d"
    check(f"{label}: detected share", float(np.mean(shares)), mean, math.sqrt(var_share / reps))
    if warmup >= 5 * (1 / (1 / mtbf + 1 / mttr)):
        assert mean == pytest.approx(a, abs=1e-3)  # the transient has died out


def test_positioned_failing_sensors(make_scenario):
    spacing, range_km, mtbf, mttr = 10.0, 12.0, 4.0, 1.0
    a = mtbf / (mtbf + mttr)
    sectors = [
        {"name": "west", "start_km": 0, "end_km": 20, "terrain": "open"},
        {"name": "mid", "start_km": 20, "end_km": 80, "terrain": "open"},
        {"name": "east", "start_km": 80, "end_km": 100, "terrain": "open"},
    ]
    only_mid = {"west": 0, "east": 0}
    sc = make_scenario(
        {
            "duration": "100d",
            "warmup": "10d",
            "contact_line.sectors": sectors,
            "parties.red.sector_weights": only_mid,
            "parties.blue.sector_weights": only_mid,
            "sensors": {
                "ears": {
                    "spacing_km": spacing,
                    "range_km": range_km,
                    "p_detect": {"shot": 1.0, "shell": 1.0},
                    "mtbf": f"{mtbf:g}d",
                    "mttr": f"{mttr:g}d",
                }
            },
        }
    )
    model = build_model(sc)
    # K = 2 on 60 % of the middle sector, 3 on 40 % (see test_coverage_theory)
    pk = {2: 0.6, 3: 0.4}
    # the transient after the 10-day warm-up is below 1e-5: stationary formulas
    nu = 1 / mtbf + 1 / mttr
    assert math.exp(-nu * 10) < 1e-5
    expected = 1.0 - sum(q * (1 - a) ** k for k, q in pk.items())
    expected_count = a * sum(q * k for k, q in pk.items())
    # the rational aggressor's closed form thins each sensor by the availability
    cov = analytic.coverage(model)
    mass = analytic.segment_mass(model, cov, model.aggressor_index)
    assert analytic.p_detected_at_least(model, cov, mass, 0, 1) == pytest.approx(expected)
    recs = replications(model, root=402, n=30)
    share, count = [], []
    for rec in recs:
        ev = rec.events
        b = (ev["kind"] == BREACH) & (ev["t_breach"] >= 10.0)
        share.append(metrics(rec)["detected_share"])
        count.append(ev["detections"][b].mean())
    for name, x, mu in [
        ("detected share = 1 - E[(1 - A)^K]", share, expected),
        ("mean detections = A E[K]", count, expected_count),
    ]:
        x = np.asarray(x)
        check(
            f"positioned failing sensors (A={a:g}): {name}",
            x.mean(),
            mu,
            x.std(ddof=1) / math.sqrt(len(x)),
        )
