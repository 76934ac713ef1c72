"""Verification of docs/model.md section "6 Aggressor behaviour" (and "5 Response").

The rational aggressor weighs each type's benefit b_t against the expected
discounted cost C_t = P_t cost_t exp(-r D_t) (``analytic.expected_costs``) and
breaches at intensity 1 if b_t > C_t, else 0: the one-shot inspection-game
threshold.  So with b_t just above C_t the type's breaches are a Poisson
process at the full rate, and with b_t just below there are none at all.

P_t is the product of the stage probabilities

    P_t = P(>= min_detections detections)   (coverage averaged over positions)
          * conf[aggressor][aggressor]      (the verdict names the aggressor)
          * P(quorum)                       (weighted subsets of yes votes)
          * [a rung applies]

and each factor is measured in a simulation of the same scenario with a
``fixed`` aggressor: the share of its breaches that are verifiable, the share
of its verified breaches named the aggressor, and the share of decisions that
reach quorum.  Each factor, and their product (standard error by the delta
method from the three independent binomial shares), must match the model's
closed form within 4 SE.  The verifiable share is also derived here from the
geometry: K sensors of the positioned group in range (found on a fine grid),
detections Binomial(K, p) plus Bernoulli(q) from the full-coverage group.

For urgent (severity >= urgent_severity) breaches every incident is a decision
of its own, so the share of the aggressor's breaches answered by a response is
a binomial share with mean P_t, and their breach-to-response delay has mean
D_t plus the queue wait (which the aggressor's D_t leaves out, by design).

With support decay, P_t falls day by day, and the intensity switches from 0 to
1 on the first day with C_t < b_t.
"""

import math

import numpy as np
import pytest
from verification_tools import BREACH, check, check_share, replications

from ceasemon.measures.metrics import metrics
from ceasemon.model import analytic
from ceasemon.model.simulation import build_model
from ceasemon.model.streams import Streams, replication_seed

NATIONS = {  # weight 2, 1, 1; quorum 0.5 of 4: A alone, or B and C together
    "A": {"weight": 2, "ratification": 1, "delay": "2d", "support": 0.6},
    "B": {"weight": 1, "ratification": 1, "delay": "4d", "support": 0.8},
    "C": {"weight": 1, "ratification": 1, "delay": "3d", "support": 0.7},
}
P_QUORUM = 0.6 + 0.4 * 0.8 * 0.7
P_DETECT = {"shot": 0.6, "shell": 0.8}  # positioned group "ears"
Q_DRONE = 0.3  # full-coverage group "drone", both types
P_NAMED = 0.8  # conf[red][red] in the fixture


def deterrence_scenario(make_scenario, duration, policy="fixed", benefit=None, decay=0.0):
    changes = {
        "duration": f"{duration:g}d",
        "sensors": {
            "ears": {"count": 20, "range_km": 3, "p_detect": P_DETECT, "latency": "1min"},
            "drone": {
                "coverage": "full",
                "p_detect": {"shot": Q_DRONE, "shell": Q_DRONE},
                "latency": "30min",
            },
        },
        "attribution.min_detections": 2,
        "coalition.nations": NATIONS,
        "coalition.support_decay_per_year": decay,
        "aggressor.policy": policy,
        "aggressor.discount_per_day": 0.01,
    }
    if benefit is not None:
        changes["aggressor.benefit"] = benefit
    return make_scenario(changes)


def verifiable_probability(model, type_: str) -> float:
    """P(>= 2 detections) from the geometry, on a fine grid of the aggressor's positions."""
    line = model.line
    x = (np.arange(2_000_000) + 0.5) * (line.length_km / 2_000_000)
    sector = line.sector_of(x)
    w = model.parties[model.aggressor_index].sector_probs[sector] / line.lengths[sector]
    w = w / w.sum()
    pos = model.groups[0].positions
    k = np.searchsorted(pos, x + 3.0, side="right") - np.searchsorted(pos, x - 3.0, side="left")
    p, q = P_DETECT[type_], Q_DRONE
    none = (1 - p) ** k * (1 - q)
    one = k * p * (1 - p) ** np.maximum(k - 1, 0) * (1 - q) + (1 - p) ** k * q
    return float(np.dot(w, 1.0 - none - one))


def test_response_probability_is_the_product_of_measured_stages(make_scenario):
    duration = 500.0
    model = build_model(deterrence_scenario(make_scenario, duration))
    members = np.ones(3, bool)
    rng = np.random.default_rng(0)
    p_t = analytic.response_probability(model, members, np.array([0.0]), rng)[0]
    view = analytic.stage_view(model)
    recs = replications(model, root=801, n=4)
    ag = model.aggressor_index
    window, impl = 20.0, 10.0
    dec_ok = np.concatenate(
        [
            np.isfinite(r.decisions.t_decided[r.decisions.t_report <= duration - window - 1])
            for r in recs
        ]
    )
    check_share("stage: share of decisions reaching quorum", dec_ok, P_QUORUM)
    members_q = analytic.quorum_probability(model.coalition, members, model.coalition.support)
    assert members_q[0] == pytest.approx(P_QUORUM)
    for k, type_ in enumerate(model.types):
        assert view.p_verifiable[k] == pytest.approx(verifiable_probability(model, type_), abs=1e-6)
        verifiable, named = [], []
        for r in recs:
            ev = r.events
            own = (
                (ev["kind"] == BREACH)
                & (ev["party"] == ag)
                & (ev["type"] == k)
                & (ev["t_breach"] <= duration - 1)
            )
            verifiable.append(np.isfinite(ev["t_queued"][own]))
            att = own & np.isfinite(ev["t_attributed"])
            named.append(ev["attributed"][att] == ag)
        verifiable, named = np.concatenate(verifiable), np.concatenate(named)
        check_share(
            f"stage {type_}: share verifiable (>= 2 detections)", verifiable, view.p_verifiable[k]
        )
        check_share(f"stage {type_}: share named the aggressor", named, P_NAMED)
        shares = [verifiable.mean(), named.mean(), dec_ok.mean()]
        expected = [view.p_verifiable[k], P_NAMED, P_QUORUM]
        sizes = [len(verifiable), len(named), len(dec_ok)]
        rel = math.sqrt(sum((1 - p) / (p * n) for p, n in zip(expected, sizes, strict=True)))
        assert p_t[k] == pytest.approx(math.prod(expected))
        check(
            f"P_t({type_}) = product of the measured stage shares",
            math.prod(shares),
            p_t[k],
            p_t[k] * rel,
        )

    # urgent breaches (shell): one decision each, so answered breaches are binomial with P_t
    shell = model.types.index("shell")
    answered, delay = [], []
    for r in recs:
        ev = r.events
        own = (
            (ev["kind"] == BREACH)
            & (ev["party"] == ag)
            & (ev["type"] == shell)
            & (ev["t_breach"] <= duration - window - impl - 2)
        )
        hit = np.isfinite(ev["t_response"][own])
        answered.append(hit)
        wait = ev["t_service"][own] - ev["t_queued"][own]
        delay.append((ev["t_response"][own] - ev["t_breach"][own] - wait)[hit])
    answered, delay = np.concatenate(answered), np.concatenate(delay)
    check_share("shell: share of the aggressor's breaches answered = P_t", answered, p_t[shell])
    # D_t: detection + service + E[time to quorum | quorum] + implementation; given quorum
    # the decision comes at 2 d (A yes) or at 4 d (A no, B and C yes)
    d_t = analytic.response_delay(model, members, np.random.default_rng(1))[shell]
    p2 = 0.6 / P_QUORUM
    var_q = p2 * (1 - p2) * 2.0**2
    se = math.sqrt(var_q / len(delay) + var_q / (analytic.PILOT * P_QUORUM))
    check("shell: breach-to-response delay less queue wait = D_t (d)", delay.mean(), d_t, se)


def rational_costs(model, root, index=0):
    """C_t exactly as the replication's rational aggressor computes it (its own stream)."""
    streams = Streams(replication_seed(root, index))
    return analytic.expected_costs(model, np.ones(3, bool), streams.stage("aggressor"))


@pytest.mark.parametrize("above", ["shot", "shell"])
def test_rational_intensity_is_the_inspection_game_threshold(make_scenario, above):
    duration, root, eps = 200.0, 802, 1e-9
    probe = build_model(deterrence_scenario(make_scenario, duration, policy="rational"))
    cost = rational_costs(probe, root)[0]
    # the pilot Monte Carlo in D_t makes C_t differ between streams only slightly
    other = analytic.expected_costs(probe, np.ones(3, bool), np.random.default_rng(5))[0]
    np.testing.assert_allclose(other, cost, rtol=1e-3)
    benefit = {
        t: float(cost[k] * (1 + eps if t == above else 1 - eps)) for k, t in enumerate(probe.types)
    }
    model = build_model(
        deterrence_scenario(make_scenario, duration, policy="rational", benefit=benefit)
    )
    (rec,) = replications(model, root=root, n=1)
    np.testing.assert_allclose(rational_costs(model, root), rational_costs(probe, root))
    ev = rec.events
    rates = {"shot": 20.0, "shell": 5.0}
    for k, t in enumerate(model.types):
        on = t == above
        np.testing.assert_array_equal(rec.intensity.values[:, k], 1.0 if on else 0.0)
        n = int(np.sum((ev["kind"] == BREACH) & (ev["party"] == 0) & (ev["type"] == k)))
        if on:
            mean = rates[t] * duration
            check(
                f"rational, b = C(1 + 1e-9) for {t}: breaches at full rate",
                n,
                mean,
                math.sqrt(mean),
            )
        else:
            assert n == 0, f"b = C(1 - 1e-9) for {t}: no breach expected, got {n}"
    m = metrics(rec)
    assert m["aggressor_intensity_mean"] == pytest.approx(rates[above] / 25.0)


def test_rational_intensity_switches_on_the_day_support_has_decayed_enough(make_scenario):
    duration, root, decay, switch = 730.0, 803, 0.5, 301
    probe = build_model(
        deterrence_scenario(make_scenario, duration, policy="rational", decay=decay)
    )
    cost = rational_costs(probe, root)
    shot = probe.types.index("shot")
    assert np.all(np.diff(cost[:, shot]) < 0)  # support, hence P_t and C_t, fall every day
    # P_t(day) with decay: yes probabilities s_j (1 - decay)^((day + delay_j) / 365); D_t comes
    # from a pilot Monte Carlo on the replication's stream, so compare C_t to 0.1 %
    days = np.arange(len(cost), dtype=float)
    view = analytic.stage_view(probe)
    fac = (1 - decay) ** (days / 365)
    delays = {"A": 2.0, "B": 4.0, "C": 3.0}  # as in NATIONS
    yes = {n: v["support"] * fac * (1 - decay) ** (delays[n] / 365) for n, v in NATIONS.items()}
    # the expected imposed share E[1{quorum} Y / T] replaces P(quorum) (MODEL 9; every nation
    # brings 1, T = 3): A yes decides and Y = 1 + B + C; else B and C both yes, Y = 2
    share = (yes["A"] * (1 + yes["B"] + yes["C"]) + (1 - yes["A"]) * yes["B"] * yes["C"] * 2) / 3
    p_t = view.p_verifiable[shot] * P_NAMED * share
    d_t = analytic.response_delay(probe, np.ones(3, bool), np.random.default_rng(0))[shot]
    np.testing.assert_allclose(cost[:, shot], p_t * 1.0 * np.exp(-0.01 * d_t), rtol=1e-3)
    # b between C on days switch-1 and switch: intensity 0 before, 1 from that day on
    b = float(cost[switch - 1, shot] + cost[switch, shot]) / 2
    model = build_model(
        deterrence_scenario(
            make_scenario,
            duration,
            policy="rational",
            benefit={"shot": b, "shell": 100.0},
            decay=decay,
        )
    )
    (rec,) = replications(model, root=root, n=1)
    times, values = rec.intensity.times, rec.intensity.values
    day = np.floor(times)
    np.testing.assert_array_equal(values[:, shot], (day >= switch).astype(float))
    np.testing.assert_array_equal(values[:, model.types.index("shell")], 1.0)
    ev = rec.events
    t_shot = ev["t_breach"][(ev["kind"] == BREACH) & (ev["party"] == 0) & (ev["type"] == shot)]
    assert np.all(t_shot >= switch)
    mean = 20.0 * (duration - switch)
    check(
        "rational with decay: shot breaches after the switch day",
        len(t_shot),
        mean,
        math.sqrt(mean),
    )
