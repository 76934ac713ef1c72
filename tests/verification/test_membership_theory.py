"""Membership over time and support shocks against closed forms (MODEL 8 and 10).

One nation, support 1, a vote one hour after a report, quorum 0.5, every report urgent (one
decision per aggressor-named incident), a fixed aggressor: a decision gets a quorum exactly
when the nation is a member at the decision's start and still a member, with support, when
it votes.  Aggressor breaches form a homogeneous Poisson process, so given ``n`` decisions
their report times are (up to the minutes of latency and service) uniform on ``[0, T]``,
and the share of decisions that reach a quorum is binomial with ``p`` the fraction of the
horizon in which a vote can count.  Tolerance: 4 binomial standard errors ``sqrt(p(1-p)/n)``.
"""

from __future__ import annotations

import math

import numpy as np

from ceasemon.model.build import build_model
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import replication_seed

T = 100.0  # days
VOTE = 1 / 24  # the nation's vote delay: one hour


def _one_nation(make_scenario, changes: dict):
    base = {
        "coalition.nations": {
            "A": {"weight": 1, "ratification": 1, "delay": "1h", "support": 1.0},
        },
        "reporting.urgent_severity": 0,
        "duration": f"{T:g}d",
    }
    return build_model(make_scenario({**base, **changes}))


def _quorum_share(model, seed: int = 11) -> tuple[float, int, np.ndarray]:
    rec = simulate(model, replication_seed(seed, 0))
    dec = rec.decisions
    # decisions whose vote would land inside the run (the last hour's are cut by the end)
    inside = dec.t_report + VOTE <= T
    decided = np.isfinite(dec.t_decided[inside])
    return float(decided.mean()), int(inside.sum()), dec


def _assert_binomial(share: float, n: int, p: float) -> None:
    tol = 4 * math.sqrt(p * (1 - p) / n)
    assert abs(share - p) <= tol, (share, p, tol, n)


def test_no_decision_before_a_delayed_ratification(make_scenario):
    # the parliament votes at day 40 and ratifies: a decision counts if it starts at or after
    # day 40, so p = (T - 40) / T of the decisions whose vote lands inside the run
    d = 40.0
    model = _one_nation(
        make_scenario,
        {"coalition.nations.A.ratification": {"probability": 1.0, "delay": f"{d:g}d"}},
    )
    share, n, dec = _quorum_share(model)
    assert not np.isfinite(dec.t_decided[dec.t_report < d]).any()  # none before it joins
    _assert_binomial(share, n, (T - d) / (T - VOTE))


def test_a_withdrawal_cuts_the_answered_share(make_scenario):
    # the nation leaves at day 30: a vote counts only if cast before (report + 1 h < 30)
    w = 30.0
    model = _one_nation(
        make_scenario, {"events": [{"kind": "withdrawal", "at": "30d", "nation": "A"}]}
    )
    share, n, dec = _quorum_share(model)
    assert not np.isfinite(dec.t_decided[dec.t_report + VOTE >= w]).any()
    _assert_binomial(share, n, (w - VOTE) / (T - VOTE))


def test_a_support_shock_to_zero_cuts_the_answered_share(make_scenario):
    # support x0 from day 60: a vote at or after day 60 is a no
    s = 60.0
    model = _one_nation(
        make_scenario, {"events": [{"kind": "support_shock", "at": "60d", "factor": 0.0}]}
    )
    share, n, dec = _quorum_share(model)
    assert not np.isfinite(dec.t_decided[dec.t_report + VOTE >= s]).any()
    _assert_binomial(share, n, (s - VOTE) / (T - VOTE))


def test_a_half_support_shock_halves_the_later_quorums(make_scenario):
    # support x0.5 from day 50: before, every vote is yes; after, each is yes with 0.5, so
    # p = (50 - 1h) / T' + 0.5 * (T - 50 + 1h) / T' with T' = T - 1 h
    s = 50.0
    model = _one_nation(
        make_scenario, {"events": [{"kind": "support_shock", "at": "50d", "factor": 0.5}]}
    )
    share, n, _ = _quorum_share(model)
    p = ((s - VOTE) + 0.5 * (T - s)) / (T - VOTE)
    _assert_binomial(share, n, p)


def test_the_rational_aggressor_knows_who_is_a_member_now(make_scenario):
    # with the nation joining at day 40, the aggressor's response probability is 0 before
    # and the same positive value after (support 1, no decay)
    from ceasemon.model import analytic
    from ceasemon.model.coalition import Membership

    model = _one_nation(make_scenario, {})
    joined = Membership(np.array([40.0]), np.array([np.inf]))
    costs = analytic.expected_costs(model, joined, np.random.default_rng(3))
    always = analytic.expected_costs(model, np.ones(1, bool), np.random.default_rng(3))
    assert (costs[:40] == 0).all()
    np.testing.assert_array_equal(costs[40:], always[40:])
    assert (always[40:] > 0).all()
