"""Ratification, quorum timing and the response ladder."""

import numpy as np
import pytest

from ceasemon.model.coalition import ratify, time_to_quorum
from ceasemon.model.records import NO_ACTION
from ceasemon.model.response import available_rungs, respond, rung_for
from ceasemon.model.simulation import build_model
from ceasemon.model.streams import DrawBlocks, Streams
from ceasemon.scenario.models import ACTIONS


def brute_quorum(weights, members, support, quorum, window, t, delays, votes):
    yes = [
        (d, w)
        for d, w, m, s, u in zip(delays, weights, members, support, votes, strict=True)
        if m and u < s and d <= window
    ]
    need = quorum * sum(w for w, m in zip(weights, members, strict=True) if m)
    acc = 0.0
    for d, w in sorted(yes):
        acc += w
        if acc >= need - 1e-12:
            return d
    return np.nan


def test_time_to_quorum_is_the_weighted_order_statistic(make_scenario):
    sc = make_scenario(
        {
            "coalition.nations.C": {"weight": 3, "ratification": 1, "delay": "1d", "support": 0.5},
            "coalition.quorum": 0.6,
        }
    )
    c = build_model(sc).coalition
    rng = np.random.default_rng(1)
    k = 2000
    draws = np.hstack([rng.uniform(0, 30, (k, 3)), rng.random((k, 3))])
    members = np.array([True, False, True])
    got = time_to_quorum(c, members, np.zeros(k), draws)
    for i in range(k):
        exp = brute_quorum(
            c.weights, members, c.support, c.quorum, c.window, 0.0, draws[i, :3], draws[i, 3:]
        )
        if np.isnan(exp):
            assert np.isnan(got[i])
        else:
            assert got[i] == exp


def test_no_members_never_decides(make_scenario):
    c = build_model(make_scenario()).coalition
    got = time_to_quorum(c, np.zeros(2, bool), np.zeros(5), np.zeros((5, 4)))
    assert np.isnan(got).all()


def test_support_decays_by_the_yearly_rate(make_scenario):
    c = build_model(make_scenario({"coalition.support_decay_per_year": 0.2})).coalition
    np.testing.assert_allclose(c.support_at(np.array([365.0]))[0], c.support * 0.8)
    np.testing.assert_allclose(c.support_at(np.array([730.0]))[0], c.support * 0.64)


def test_ratification_is_bernoulli(make_scenario):
    c = build_model(make_scenario({"coalition.nations.A.ratification": 0.3})).coalition
    n = 20_000
    # one replication's streams per draw: nation A is a member from day 0 with probability 0.3
    share = np.mean(
        [
            ratify(c, Streams(np.random.SeedSequence(2, spawn_key=(i,)))).join[0] == 0
            for i in range(n)
        ]
    )
    assert abs(share - 0.3) < 4 * np.sqrt(0.21 / n)


def test_draw_blocks_do_not_depend_on_how_they_are_taken():
    def make():
        rng = np.random.default_rng(3)
        return DrawBlocks(lambda size: rng.random((size, 2)))

    a, b = make(), make()
    whole = a.take(700)
    parts = np.concatenate([b.take(k) for k in (1, 255, 1, 300, 143)])
    np.testing.assert_array_equal(whole, parts)


@pytest.mark.parametrize(("severity", "expect"), [(0.5, 0), (4.9, 0), (5.0, 1), (9.0, 1)])
def test_last_rung_at_or_below_severity(make_scenario, severity, expect):
    m = build_model(make_scenario())
    avail = available_rungs(m.response, m.coalition, np.array([True, True]))
    assert rung_for(m.response, avail, np.array([severity]))[0] == expect


def test_rungs_no_member_contributes_are_skipped(make_scenario):
    m = build_model(
        make_scenario(
            {
                "coalition.nations.A.contributes": ["diplomatic"],
                "coalition.nations.B.contributes": ["diplomatic"],
            }
        )
    )
    avail = available_rungs(m.response, m.coalition, np.array([True, True]))
    assert avail.tolist() == [True, False]
    assert rung_for(m.response, avail, np.array([7.0]))[0] == 0
    none = available_rungs(m.response, m.coalition, np.array([False, False]))
    assert rung_for(m.response, none, np.array([7.0]))[0] == -1


def test_military_assistance_travels_from_the_nearest_hub(make_scenario):
    sc = make_scenario(
        {
            "response.ladder.1.action": "military",
            "response.hubs": [
                {"name": "far", "distance_km": 2000},
                {"name": "near", "distance_km": 600},
            ],
            "response.travel_speed_km_per_day": 300,
        }
    )
    m = build_model(sc)
    draws = np.array([[1.0, 10.0], [1.0, 10.0]])
    t, action, cost = respond(m.response, np.array([0, 1]), np.array([5.0, 5.0]), draws)
    np.testing.assert_allclose(t, [6.0, 5.0 + 10.0 + 2.0])
    assert [ACTIONS[a] for a in action] == ["diplomatic", "military"]
    np.testing.assert_allclose(cost, [1, 5])
    t, action, _ = respond(m.response, np.array([-1]), np.array([5.0]), draws[:1])
    assert np.isnan(t[0]) and action[0] == NO_ACTION
