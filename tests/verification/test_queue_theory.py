"""Verification of docs/model.md section "3 Incidents and attribution" (the analyst queue).

With one full-coverage detector (p = 1, no latency, no failures, no false
alarms), min_detections 1 and a single party breaching at rate lambda, incidents
enter the queue as a Poisson process.  With c analysts and exponential service
(rate mu) the queue is M/M/c; with a = lambda / mu and rho = a / c < 1, Erlang C:

    C(c, a) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho))
    P(wait > 0) = C(c, a),   W_q = C(c, a) / (c mu - lambda)

With priority by severity (non-preemptive, FIFO within a class, the same
service rate for every class), class k (highest priority first, load
sigma_k = sum_{i<=k} lambda_i / (c mu)) waits on average (Cobham's formula for
M/M/c)

    W_k = C(c, a) / (c mu) / ((1 - sigma_{k-1}) (1 - sigma_k))

Waits of successive incidents are strongly autocorrelated, so the standard
error is that of the mean over independent replications (each one a batch
after its own warm-up, which ``metrics`` discards through the scenario key
``warmup``).  The queue starts empty; its relaxation time here is a few hours,
far below the warm-up.
"""

import math

import numpy as np
import pytest
from verification_tools import BREACH, check, replications

from ceasemon.measures.metrics import metrics
from ceasemon.model.simulation import build_model

SERVICE_H = 1.0  # mean service time: mu = 24 per day
DURATION, WARMUP = 60.0, 5.0


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda / mu."""
    rho = a / c
    top = a**c / math.factorial(c) / (1.0 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def queue_scenario(make_scenario, rates, analysts, priority, duration=DURATION):
    return make_scenario(
        {
            "duration": f"{duration:g}d",
            "warmup": f"{WARMUP:g}d",
            "parties.red.rates_per_day": rates,
            "parties.blue.rates_per_day": {},
            "sensors": {"ears": {"coverage": "full", "p_detect": {"shot": 1.0, "shell": 1.0}}},
            "attribution.min_detections": 1,
            "attribution.analysts": analysts,
            "attribution.priority": priority,
            "attribution.service_time": {"dist": "exponential", "mean": f"{SERVICE_H:g}h"},
            "coalition.nations": {},
        }
    )


@pytest.mark.parametrize(
    ("analysts", "rate", "reps", "duration"),
    [
        (2, 36.0, 80, DURATION),
        (3, 54.0, 80, DURATION),
        # about 4x tighter standard errors, ~25 s each
        pytest.param(2, 36.0, 200, 205.0, marks=pytest.mark.slow),
        pytest.param(3, 54.0, 200, 205.0, marks=pytest.mark.slow),
    ],
)
def test_fifo_queue_is_erlang_c(make_scenario, analysts, rate, reps, duration):
    mu = 24.0 / SERVICE_H
    a = rate / mu
    rho = a / analysts
    assert 0.7 <= rho <= 0.8
    pc = erlang_c(analysts, a)
    wq_h = 24.0 * pc / (analysts * mu - rate)
    model = build_model(
        queue_scenario(make_scenario, {"shot": rate}, analysts, "fifo", duration=duration)
    )
    waits, waited = [], []
    for rec in replications(model, root=501 + analysts, n=reps):
        waits.append(metrics(rec)["queue_wait_h"])
        ev = rec.events
        served = (ev["t_breach"] >= WARMUP) & np.isfinite(ev["t_service"])
        waited.append(np.mean(ev["t_service"][served] > ev["t_queued"][served]))
        # arrivals are the breaches themselves (p = 1, no latency)
        np.testing.assert_array_equal(ev["t_queued"], ev["t_breach"])
        assert np.all(ev["kind"] == BREACH)
    label = f"M/M/{analysts} rho={rho:.2f}, {reps} x {duration - WARMUP:g} d"
    for name, x, expected in [
        ("queue_wait_h = Erlang C W_q (h)", waits, wq_h),
        ("P(wait > 0) = C(c, a)", waited, pc),
    ]:
        x = np.asarray(x)
        check(f"{label}: {name}", x.mean(), expected, x.std(ddof=1) / math.sqrt(len(x)))


def test_severity_priority_is_cobham(make_scenario):
    analysts, lam_high, lam_low = 2, 18.0, 18.0  # shell (severity 5) before shot (severity 1)
    mu = 24.0 / SERVICE_H
    cmu = analysts * mu
    a = (lam_high + lam_low) / mu
    w0 = erlang_c(analysts, a) / cmu
    s1 = lam_high / cmu
    s2 = s1 + lam_low / cmu
    expected = {"shell": 24 * w0 / (1 - s1), "shot": 24 * w0 / ((1 - s1) * (1 - s2))}
    model = build_model(
        queue_scenario(make_scenario, {"shot": lam_low, "shell": lam_high}, analysts, "severity")
    )
    per_type = {t: [] for t in expected}
    for rec in replications(model, root=510, n=80):
        ev = rec.events
        served = (ev["t_breach"] >= WARMUP) & np.isfinite(ev["t_service"])
        for t in expected:
            sel = served & (ev["type"] == model.types.index(t))
            per_type[t].append(24 * np.mean(ev["t_service"][sel] - ev["t_queued"][sel]))
    for t, w in expected.items():
        x = np.asarray(per_type[t])
        check(
            f"M/M/2 priority rho=0.75: mean wait of {t} = Cobham (h)",
            x.mean(),
            w,
            x.std(ddof=1) / math.sqrt(len(x)),
        )
