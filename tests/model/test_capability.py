"""Capability-weighted responses (MODEL 9): the share, rung availability, the learner."""

from __future__ import annotations

import numpy as np

from ceasemon.model.aggressor import AdaptivePolicy, AggressorParams, BeliefEvents
from ceasemon.model.build import build_model
from ceasemon.model.pipeline import BeliefLedger
from ceasemon.model.response import available_rungs, imposed_share


def _params() -> AggressorParams:
    return AggressorParams(
        policy="adaptive",
        benefit=np.array([1.0, 4.0]),
        discount=0.0,
        prior_alpha=1.0,
        prior_beta=1.0,
        prior_delay=10.0,
        responsiveness=2.0,
        offensive_type=None,
        offensive_threshold=0.0,
        offensive_window=0.0,
    )


def _model(make_scenario, **changes):
    base = {
        "coalition.nations.A.capability": {"diplomatic": 1, "economic": 0},
        "coalition.nations.B.capability": {"diplomatic": 3, "economic": 2},
    }
    return build_model(make_scenario({**base, **changes}))


def _votes(model, yes: list[bool], delay: float = 0.1) -> np.ndarray:
    """One decision's draws: every nation votes after ``delay``; u 0 is a yes, 1 a no."""
    n = len(model.coalition.names)
    return np.array([[delay] * n + [0.0 if y else 1.0 for y in yes]])


def test_imposed_share_is_the_yes_voters_capability_over_all(make_scenario):
    # rung 0 is diplomatic (A 1, B 3: T = 4), rung 1 economic (A 0, B 2: T = 2)
    m = _model(make_scenario)
    members = np.array([True, True])
    t0 = np.zeros(1)
    for yes, rung, expect in [
        ([True, False], 0, 0.25),
        ([False, True], 0, 0.75),
        ([True, True], 0, 1.0),
        ([True, False], 1, 0.0),
        ([False, True], 1, 1.0),
    ]:
        share = imposed_share(
            m.response, m.coalition, t0, members, _votes(m, yes), np.array([rung])
        )
        assert share[0] == expect, (yes, rung)
    # a vote after the window does not count; full scaling is 1 whatever the votes
    late = _votes(m, [True, True], delay=30.0)
    assert imposed_share(m.response, m.coalition, t0, members, late, np.array([0]))[0] == 0.0
    full = _model(make_scenario, **{"response.cost_scaling": "full"})
    share = imposed_share(
        full.response, full.coalition, t0, members, _votes(full, [True, False]), np.array([1])
    )
    assert share[0] == 1.0


def test_a_rung_is_available_when_a_member_has_capability_for_it(make_scenario):
    m = _model(make_scenario)
    np.testing.assert_array_equal(
        available_rungs(m.response, m.coalition, np.array([True, False])), [True, False]
    )
    np.testing.assert_array_equal(
        available_rungs(m.response, m.coalition, np.array([False, True])), [True, True]
    )


def test_the_ledger_sums_the_imposed_cost_of_each_answered_breach():
    class Cand:  # three aggressor breaches of type 0, 0, 1
        t = np.array([0.0, 1.0, 2.0])
        type = np.array([0, 0, 1])

        def __len__(self) -> int:
            return 3

    ledger = BeliefLedger(Cand(), horizon=100.0, capacity=3)
    rows: list[tuple] = []
    ledger.answered(5.0, np.array([0, 1, 2]), rows, 1.5)
    assert [(r[1], r[2], r[4]) for r in rows] == [(0, 2, 3.0), (1, 1, 1.5)]
    ev = ledger.combine(rows, np.zeros(0, np.int64))
    np.testing.assert_array_equal(ev.cost_sum, [3.0, 1.5])


def test_the_adaptive_aggressor_learns_the_mean_imposed_cost():
    # prior: the full rung cost 8 as one observation; two responses imposing 2 each:
    # cost_hat = (8 + 2 + 2) / (1 + 2) = 4; P = (1 + 2) / (2 + 2) = 0.75; no discount
    pol = AdaptivePolicy(_params(), rung_cost=np.array([8.0, 8.0]), n_types=2)
    ev = BeliefEvents(
        time=np.array([1.0]),
        type=np.array([0]),
        successes=np.array([2.0]),
        failures=np.array([0.0]),
        delay_sum=np.array([4.0]),
        cost_sum=np.array([4.0]),
    )
    res = pol.step(0.0, 2.0, ev)
    expect = pol.intensity_of(np.array([0.75 * 4.0, 0.5 * 8.0]))
    np.testing.assert_allclose(res.values[1], expect)
    np.testing.assert_allclose(res.values[0], pol.intensity_of(np.array([4.0, 4.0])))
