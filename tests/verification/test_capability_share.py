"""Verification of docs/model.md "Capability and the imposed cost" (MODEL 9).

A response of action a imposes ``cost * Y_a / T_a``: ``Y_a`` the capability for a of the
members whose yes vote counted (every yes within the decision window, not only those before
the quorum), ``T_a`` that of every nation of the scenario, members or not.

The set-up: one rung (diplomatic, cost 4, one hour to implement), every report urgent (each
aggressor-named incident is a decision of its own), a fixed aggressor, no support decay and
fixed vote delays well inside the window.  Nation n then votes yes with probability p_n,
independently of everything else and from one decision to the next, so the imposed shares
``X = Y / T`` of the decisions are independent draws of one law, which the yes sets give in
closed form (enumerated below, 2**3 sets).  Nation D never ratifies: it brings capability 4
to T but never to Y.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from verification_tools import check

from ceasemon.model import analytic
from ceasemon.model.build import build_model
from ceasemon.model.coalition import capability_matrix
from ceasemon.model.records import NO_ACTION
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import Streams, replication_seed
from ceasemon.scenario.models import ACTIONS

T = 60.0  # days
COST = 4.0
SUPPORT = {"A": 0.9, "B": 0.5, "C": 0.3}
CAPABILITY = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0}  # for diplomatic
T_ALL = sum(CAPABILITY.values())  # 10: D counts although it never ratifies


def _nations() -> dict:
    out = {
        n: {
            "weight": 1,
            "ratification": 1,
            "delay": f"{h}h",
            "support": SUPPORT[n],
            "capability": {"diplomatic": CAPABILITY[n]},
        }
        for n, h in zip("ABC", (1, 2, 3), strict=True)
    }
    out["D"] = {
        "weight": 1,
        "ratification": 0,
        "delay": "1h",
        "support": 1.0,
        "capability": {"diplomatic": CAPABILITY["D"]},
    }
    return out


def _scenario(make_scenario, quorum: float, scaling: str = "capability", **more):
    changes = {
        "duration": f"{T:g}d",
        "reporting.urgent_severity": 0,
        "coalition.quorum": quorum,
        "coalition.decision_window": "1d",
        "coalition.nations": _nations(),
        "response.ladder": [
            {"min_severity": 0, "action": "diplomatic", "implementation": "1h", "cost": COST}
        ],
        "response.cost_scaling": scaling,
        **more,
    }
    return build_model(make_scenario(changes))


def share_law(quorum: float) -> tuple[float, float, float]:
    """P(quorum), E[X | quorum], Var[X | quorum] by enumerating the yes sets of A, B, C.

    Members A, B, C weigh 1 each, so a quorum needs ``quorum * 3`` yes votes; a set S has
    probability prod_{n in S} p_n prod_{n not in S} (1 - p_n) and share X = sum_{S} c_n / T.
    """
    names = list(SUPPORT)
    p_q = m1 = m2 = 0.0
    for bits in itertools.product((0, 1), repeat=len(names)):
        if sum(bits) < quorum * len(names) * (1 - 1e-12):
            continue
        p = math.prod(SUPPORT[n] if b else 1 - SUPPORT[n] for n, b in zip(names, bits, strict=True))
        x = sum(CAPABILITY[n] for n, b in zip(names, bits, strict=True) if b) / T_ALL
        p_q, m1, m2 = p_q + p, m1 + p * x, m2 + p * x * x
    mean = m1 / p_q
    return p_q, mean, m2 / p_q - mean**2


def _landed_costs(model, seed: int = 5) -> np.ndarray:
    """Costs of the responses to decisions reported a day or more before the end.

    Every vote (at most 3 h) and implementation (1 h) of those decisions is inside the
    run, so which of them are kept does not depend on their votes.
    """
    dec = simulate(model, replication_seed(seed, 0)).decisions
    early = dec.t_report <= T - 1.0
    landed = early & np.isfinite(dec.t_response)
    assert landed.sum() > 500
    return dec.cost[landed]


def test_the_imposed_cost_is_the_yes_voters_share_of_all_capability(make_scenario):
    # quorum 0.3 of 3: the first yes decides, yet Y holds every yes of the window.  Closed
    # form: E[X | q] = E[Y] / (T P(q)) = (0.9*1 + 0.5*2 + 0.3*3) / (10 * (1 - 0.1*0.5*0.7))
    # = 2.8 / 9.65 = 0.2902 (counting only the first yes, A's, B's or C's, would give
    # (0.9*0.1 + 0.05*0.2 + 0.015*0.3) / 0.965 = 0.108).  The mean of n independent costs
    # 4X has SE 4 sqrt(Var[X | q] / n).
    p_q, mean, var = share_law(0.3)
    assert math.isclose(p_q, 0.965) and math.isclose(mean, 2.8 / (10 * 0.965))
    costs = _landed_costs(_scenario(make_scenario, 0.3))
    se = COST * math.sqrt(var / len(costs))
    check("mean imposed cost, quorum 1 of 3", float(costs.mean()), COST * mean, se)


def test_a_stricter_quorum_weights_the_share_by_the_quorum_sets(make_scenario):
    # quorum 0.6 of 3: two yes votes needed.  E[X | q] = sum over the sets of 2 or 3 yes
    # of p(S) X(S) / P(q) = (0.315*0.3 + 0.135*0.4 + 0.015*0.5 + 0.135*0.6) / 0.6 = 0.395.
    p_q, mean, var = share_law(0.6)
    assert math.isclose(p_q, 0.6) and math.isclose(mean, 0.395)
    costs = _landed_costs(_scenario(make_scenario, 0.6))
    se = COST * math.sqrt(var / len(costs))
    check("mean imposed cost, quorum 2 of 3", float(costs.mean()), COST * mean, se)


def test_full_scaling_imposes_the_whole_cost(make_scenario):
    costs = _landed_costs(_scenario(make_scenario, 0.3, "full"))
    assert (costs == COST).all()


def test_a_rung_nobody_can_carry_out_is_unavailable(make_scenario):
    # A and B bring 0 to diplomatic (B's capability names economic only); the only capable
    # nation, D, never ratifies: decisions still reach a quorum, but no response follows
    nations = _nations()
    nations["A"]["capability"] = {"diplomatic": 0}
    nations["B"]["capability"] = {"economic": 1}
    nations["C"]["capability"] = {"diplomatic": 0}
    model = _scenario(make_scenario, 0.3, **{"coalition.nations": nations})
    rec = simulate(model, replication_seed(5, 0))
    dec = rec.decisions
    assert np.isfinite(dec.t_decided).any()
    assert not np.isfinite(dec.t_response).any()
    assert (dec.action == NO_ACTION).all() and (dec.cost == 0).all()


def test_the_rational_aggressor_weighs_the_expected_share(make_scenario):
    # C_t = P_t * cost_t * E[1{q} X] / P(q) * exp(-r D_t): P_t holds P(quorum) as a factor,
    # which the expected share conditional on a quorum replaces.  Discount 0 and fixed
    # delays inside the window: every factor is exact, so the check is to rounding.
    agg = {"policy": "rational", "benefit": {"shot": 1, "shell": 3}}
    members = np.array([True, True, True, False])
    for quorum in (0.3, 0.6):
        costs = {}
        for scaling in ("capability", "full"):
            model = _scenario(make_scenario, quorum, scaling, aggressor=agg)
            rng = Streams(replication_seed(3, 0)).stage("aggressor")
            costs[scaling] = analytic.expected_costs(model, members, rng)
        rng = Streams(replication_seed(3, 0)).stage("aggressor")
        p_t = analytic.response_probability(model, members, np.arange(len(costs["full"])), rng)
        np.testing.assert_allclose(costs["full"], p_t * COST, rtol=1e-12)
        _, mean, _ = share_law(quorum)
        np.testing.assert_allclose(costs["capability"], p_t * COST * mean, rtol=1e-12)


def test_capability_matrix_defaults(make_scenario):
    # given: as written (absent actions 0); contributes only: 1 each; neither: 1 everywhere
    sc = make_scenario(
        {
            "coalition.nations.A.capability": {"economic": 2.5},
            "coalition.nations.B.contributes": ["diplomatic", "military"],
        }
    )
    nations = list(sc.coalition.nations.values())
    cap = capability_matrix(nations)
    assert cap.shape == (2, len(ACTIONS))
    expect_a = np.zeros(len(ACTIONS))
    expect_a[ACTIONS.index("economic")] = 2.5
    expect_b = np.zeros(len(ACTIONS))
    expect_b[[ACTIONS.index("diplomatic"), ACTIONS.index("military")]] = 1.0
    np.testing.assert_array_equal(cap, [expect_a, expect_b])
    plain = capability_matrix(list(make_scenario().coalition.nations.values()))
    np.testing.assert_array_equal(plain, np.ones((2, len(ACTIONS))))
