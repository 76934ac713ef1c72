"""Escalation against its rule (MODEL 9): the rung sequence of a deterministic set-up.

Set-up: daily reports (none urgent), every decision's severity below all but the first
rung's ``min_severity`` (the severity alone gives rung 0), one nation that always votes yes
a quarter day after the report (quorum at ``k + 0.25`` for the report of day ``k``), every
rung implemented in exactly 1.5 days.  A response lands at ``k + 1.75``, so the latest response
landed before the quorum of report ``k`` is report ``k - 2``'s (``k - 1``'s lands half a day
after it), 0.5 day before.  With a memory of at least half a day each decision climbs one
rung above report ``k - 2``'s: ``rung_i = min(i // 2, top)`` for the ``i``-th decision; with a
shorter memory none climbs.  Both engines, every seed: the rule has no randomness here.
"""

from __future__ import annotations

import numpy as np
import pytest

from ceasemon.model.build import build_model
from ceasemon.model.escalation import EscalationLedger
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import replication_seed
from ceasemon.scenario.models import ACTIONS

IMPL = 1.5
LADDER = [
    {"min_severity": 0, "action": "diplomatic", "implementation": f"{IMPL}d", "cost": 1},
    {"min_severity": 50, "action": "economic", "implementation": f"{IMPL}d", "cost": 4},
    {"min_severity": 60, "action": "logistics", "implementation": f"{IMPL}d", "cost": 6},
]


def _model(make_scenario, memory: str, ladder=LADDER, **changes):
    return build_model(
        make_scenario(
            {
                "duration": "40d",
                "reporting.urgent_severity": 100,
                "coalition.nations": {
                    "A": {"weight": 1, "ratification": 1, "delay": "6h", "support": 1.0},
                },
                "coalition.decision_window": "30d",
                "response.ladder": ladder,
                "response.escalation": {"memory": memory},
                **changes,
            }
        )
    )


def _rungs(records, ladder=LADDER) -> np.ndarray:
    """The rung of each decision that was carried out, from its action."""
    d = records.decisions
    done = np.isfinite(d.t_response)
    actions = [ACTIONS.index(x["action"]) for x in ladder]
    return np.array([actions.index(int(a)) for a in d.action[done]])


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_each_decision_climbs_one_rung_above_the_response_before_its_quorum(make_scenario, engine):
    rec = simulate(_model(make_scenario, "1d"), replication_seed(3, 0), engine=engine)
    d = rec.decisions
    done = np.isfinite(d.t_response)
    assert done.sum() >= 30  # a report a day for 40 days, the last ones answered after the end
    # the quorum a quarter day after each daily report, as the set-up says
    np.testing.assert_allclose(d.t_decided[done] - d.t_report[done], 0.25, atol=1e-9)
    np.testing.assert_allclose(np.diff(d.t_report[done]), 1.0, atol=1e-9)
    rungs = _rungs(rec)
    expected = np.minimum(np.arange(len(rungs)) // 2, len(LADDER) - 1)
    np.testing.assert_array_equal(rungs, expected)
    costs = np.array([x["cost"] for x in LADDER], float)
    np.testing.assert_allclose(d.cost[done], costs[expected])  # full share: one nation, yes


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_a_memory_shorter_than_the_gap_never_climbs(make_scenario, engine):
    # the previous response landed 0.5 day before each quorum: a memory of 0.4 day forgets it
    rec = simulate(_model(make_scenario, "0.4d"), replication_seed(3, 0), engine=engine)
    rungs = _rungs(rec)
    assert len(rungs) >= 30
    assert (rungs == 0).all()


def test_military_travel_applies_to_the_rung_finally_chosen(make_scenario):
    # rung 1 is military with 2 days of travel (1,000 km at 500 km/day): the third decision
    # (i = 2) sees the first's rung-0 response (landed at 1.75 + its report day < its quorum)
    # and climbs to it; a climbed decision lands 1.5 + 2 days after its quorum
    ladder = [
        LADDER[0],
        {"min_severity": 50, "action": "military", "implementation": f"{IMPL}d", "cost": 25},
    ]
    model = _model(
        make_scenario,
        "1d",
        ladder=ladder,
        **{
            "response.hubs": [{"name": "hub", "distance_km": 1000}],
            "response.travel_speed_km_per_day": 500,
        },
    )
    fast = simulate(model, replication_seed(3, 0), engine="fast")
    slow = simulate(model, replication_seed(3, 0), engine="simpy")
    for rec in (fast, slow):
        d = rec.decisions
        done = np.isfinite(d.t_response)
        rungs = _rungs(rec, ladder)
        assert list(rungs[:3]) == [0, 0, 1]
        assert (rungs == 1).sum() >= 5
        lag = d.t_response[done] - d.t_decided[done]
        np.testing.assert_allclose(lag, np.where(rungs == 1, IMPL + 2.0, IMPL), atol=1e-9)
    np.testing.assert_array_equal(fast.decisions.action, slow.decisions.action)


# ---------------------------------------------------------------- the rule itself
ALL = np.ones(4, bool)


def test_the_ledger_sees_only_responses_strictly_before_the_quorum():
    led = EscalationLedger(memory=5.0)
    led.record(10.0, 1)
    assert led.rung(10.0, 0, ALL) == 0  # landing at the quorum's instant: not before it
    assert led.rung(10.5, 0, ALL) == 2
    assert led.rung(15.0, 0, ALL) == 2  # exactly memory later: still remembered
    assert led.rung(15.5, 0, ALL) == 0  # forgotten


def test_the_ledger_takes_the_latest_response_and_the_highest_rung_at_one_instant():
    led = EscalationLedger(memory=5.0)
    led.record(3.0, 3)
    led.record(4.0, 0)
    led.record(4.0, 1)
    assert led.previous(5.0) == (4.0, 1)
    assert led.rung(5.0, 0, ALL) == 2  # one above the latest (rung 1), not the earlier rung 3


def test_the_climb_skips_rungs_nobody_can_carry_out_and_stops_at_the_top():
    led = EscalationLedger(memory=5.0)
    led.record(1.0, 0)
    gap = np.array([True, False, True, False])  # rung 1 and the top rung 3 unavailable
    assert led.rung(2.0, 0, gap) == 2  # the next rung the members can carry out
    led.record(2.5, 2)
    assert led.rung(3.0, 0, gap) == 2  # no available rung above: the top available one
    assert led.rung(3.0, 3, gap) == 3  # the severity's own rung when it is higher
    assert led.rung(3.0, -1, np.zeros(4, bool)) == -1  # nobody can act: no response
    led.record(float("nan"), 3)
    led.record(2.8, -1)  # neither is a response
    assert led.previous(3.0) == (2.5, 2)
