"""Aggressor policies: intensity formulas, belief updates and the collapse rule."""

import numpy as np

from ceasemon.model.aggressor import (
    AdaptivePolicy,
    AggressorParams,
    BeliefEvents,
    RationalPolicy,
)
from ceasemon.model.offensive import run_collapse as _run_collapse


def params(**kw):
    base = dict(
        policy="adaptive",
        benefit=np.array([1.0, 4.0]),
        discount=0.01,
        prior_alpha=1.0,
        prior_beta=1.0,
        prior_delay=10.0,
        responsiveness=2.0,
        offensive_type=None,
        offensive_threshold=0.0,
        offensive_window=0.0,
    )
    base.update(kw)
    return AggressorParams(**base)


def test_adaptive_intensity_is_one_where_benefit_equals_cost():
    pol = AdaptivePolicy(params(), rung_cost=np.array([1.0, 8.0]), n_types=2)
    cost = np.array([1.0, 4.0])
    np.testing.assert_allclose(pol.intensity_of(cost), [1.0, 1.0])
    i = pol.intensity_of(np.array([0.0, 100.0]))
    assert 1 < i[0] < 2 and 0 < i[1] < 1
    np.testing.assert_allclose(i[0], 2 / (1 + np.exp(-2.0)))


def test_adaptive_beliefs_update_with_successes_and_failures():
    pol = AdaptivePolicy(params(), rung_cost=np.array([1.0, 8.0]), n_types=2)
    ev = BeliefEvents(
        time=np.array([1.0, 2.0, 3.0]),
        type=np.array([0, 0, 1]),
        successes=np.array([3.0, 0.0, 0.0]),
        failures=np.array([0.0, 1.0, 1.0]),
        delay_sum=np.array([6.0, 0.0, 0.0]),
        cost_sum=np.array([3.0, 0.0, 0.0]),  # three responses at the full cost 1
    )
    res = pol.step(0.0, 5.0, ev)
    np.testing.assert_array_equal(res.times, [0.0, 1.0, 2.0, 3.0])
    # after the first event: type 0 has Beta(1+3, 1) -> P = 0.8, delay (10 + 6) / 4 = 4
    c0 = 0.8 * 1.0 * np.exp(-0.01 * 4.0)
    np.testing.assert_allclose(
        res.values[1, 0], pol.intensity_of(np.array([c0, 0.5 * 8 * np.exp(-0.1)]))[0]
    )
    np.testing.assert_array_equal(pol.successes, [3, 0])
    np.testing.assert_array_equal(pol.failures, [1, 1])
    # type 1's intensity changes only at its own event
    assert res.values[0, 1] == res.values[2, 1] != res.values[3, 1]


def test_run_collapse_fires_when_the_run_lasts_the_window():
    starts = np.array([0.0, 10.0, 20.0, 30.0])
    ends = np.array([10.0, 20.0, 30.0, 40.0])
    above = np.array([False, True, True, True])
    t, run = _run_collapse(starts, ends, above, None, 15.0)
    assert t == 25.0 and run is None
    t, run = _run_collapse(starts, ends, np.array([True, False, True, True]), None, 25.0)
    assert t is None and run == 20.0
    # a run carried over from the previous step
    t, _ = _run_collapse(np.array([40.0]), np.array([50.0]), np.array([True]), 20.0, 25.0)
    assert t == 45.0


def test_rational_is_the_inspection_game_threshold():
    costs = np.array([[0.9, 5.0], [1.1, 3.0]])  # day 0, day 1
    pol = RationalPolicy(params(policy="rational", offensive_type=1, offensive_window=0.5), costs)
    res = pol.step(0.0, 2.0, BeliefEvents.empty())
    np.testing.assert_array_equal(res.values, [[1.0, 0.0], [0.0, 1.0]])
    assert res.collapse == 1.5  # b - C of type 1 goes above 0 on day 1, for half a day
