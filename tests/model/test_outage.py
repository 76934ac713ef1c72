"""Timed sensor outages in the detection stage (MODEL.md 10, model/outages.py).

An outage multiplies p_detect of the named groups' sensors standing in the named sectors
(full coverage: of breaches there) by ``factor`` while it lasts; overlapping ones multiply.
The unaffected sensors are drawn exactly as without outages, so a scenario without one
(or with one that changes nothing) gives the very same records.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_engines import assert_identical, both

from ceasemon.model import analytic
from ceasemon.model.build import build_model
from ceasemon.model.outages import GroupOutages
from ceasemon.model.records import BREACH
from ceasemon.model.sensors import detect, draw_state
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import Streams

TWO_GROUPS = {
    "ears": {
        "count": 50,
        "range_km": 3,
        "p_detect": {"shot": 0.6, "shell": 0.8},
        "latency": "1min",
        "mtbf": "20d",
        "mttr": "3d",
    },
    "sat": {"coverage": "full", "p_detect": {"shot": 0.3, "shell": 0.5}, "latency": "2h"},
}


def outage(**kw):
    return {"kind": "sensor_outage", **kw}


def records(make_scenario, seed=11, **changes):
    sc = make_scenario({"duration": "60d", "sensors": TWO_GROUPS, **changes})
    return simulate(build_model(sc), seed)


def test_no_events_no_tables_and_the_old_passage(make_scenario):
    model = build_model(make_scenario({"sensors": TWO_GROUPS}))
    assert all(g.outages is None for g in model.groups)
    view = analytic.View(model, np.ones(2, bool), np.arange(5.0), None)
    p = model.detection.passage(view).probability
    cov = analytic.coverage(model)
    mass = analytic.segment_mass(model, cov, model.aggressor_index)
    expected = [analytic.p_detected_at_least(model, cov, mass, k, 1) for k in range(2)]
    assert p.shape == (2,)
    assert np.array_equal(p, expected)


@pytest.mark.parametrize(
    "events",
    [
        [outage(at="10d", factor=1.0)],  # factor 1: no change
        [outage(at="70d", groups=["ears"], sectors=["north"])],  # after the end of the run
    ],
    ids=["factor-1", "after-the-end"],
)
def test_outage_that_changes_nothing_gives_identical_records(make_scenario, events):
    assert_identical(records(make_scenario), records(make_scenario, events=events))


@pytest.mark.parametrize("group", ["ears", "sat"])
def test_factor_0_everywhere_is_the_group_removed(make_scenario, group):
    # no false alarms (an outage leaves them as they are) and a fixed aggressor
    blind = records(make_scenario, events=[outage(at="0d", groups=[group])])
    others = {k: v for k, v in TWO_GROUPS.items() if k != group}
    removed = records(make_scenario, sensors=others)
    assert_identical(blind, removed)
    # the closed forms agree too
    sc = make_scenario({"sensors": TWO_GROUPS, "events": [outage(at="0d", groups=[group])]})
    view = analytic.View(build_model(sc), np.ones(2, bool), np.arange(3.0), None)
    p_blind = build_model(sc).detection.passage(view).probability
    p_removed = build_model(make_scenario({"sensors": others})).detection.passage(view)
    np.testing.assert_allclose(p_blind, np.broadcast_to(p_removed.probability, (3, 2)))


def test_overlapping_outages_multiply_exactly(make_scenario):
    # 0.5 on [10, 40) and 0.5 on [25, 60) in north is 0.5, 0.25, 0.5 on three pieces
    two = [
        outage(at="10d", until="40d", sectors=["north"], factor=0.5),
        outage(at="25d", until="60d", sectors=["north"], factor=0.5),
    ]
    three = [
        outage(at="10d", until="25d", sectors=["north"], factor=0.5),
        outage(at="25d", until="40d", sectors=["north"], factor=0.25),
        outage(at="40d", until="60d", sectors=["north"], factor=0.5),
    ]
    assert_identical(records(make_scenario, events=two), records(make_scenario, events=three))


def test_overlapping_outages_multiply_in_distribution(make_scenario):
    # one full group, p = 0.8, two outages of 0.5 over the whole run: every breach is
    # detected with 0.8 * 0.25 = 0.2, independently; the share over N aggressor breaches
    # has binomial SE sqrt(0.2 * 0.8 / N) (N ~ 25 * 400 = 10,000: SE 0.004); accept 4 SE
    sc = make_scenario(
        {
            "duration": "400d",
            "sensors": {"sat": {"coverage": "full", "p_detect": {"shot": 0.8, "shell": 0.8}}},
            "events": [outage(at="0d", factor=0.5), outage(at="0d", factor=0.5)],
        }
    )
    ev = simulate(build_model(sc), 5).events
    hit = ev["detections"][(ev["kind"] == BREACH) & (ev["party"] == 0)] > 0
    se = math.sqrt(0.2 * 0.8 / len(hit))
    assert abs(hit.mean() - 0.2) <= 4 * se


def test_detections_count_exactly_the_sensors_left(make_scenario):
    # p_detect 1: a breach's detections are the up sensors in range, less the jammed ones
    # (factor 0); counted here sensor by sensor against the failure timeline
    sc = make_scenario(
        {
            "sensors": {
                "ears": {**TWO_GROUPS["ears"], "p_detect": {"shot": 1.0, "shell": 1.0}},
            },
            "events": [outage(at="20d", until="70d", sectors=["north"])],
        }
    )
    model = build_model(sc)
    g = model.groups[0]
    streams = Streams(np.random.SeedSequence(3))
    state = draw_state(model.groups, model.duration, streams)
    rng = np.random.default_rng(4)
    n = 3000
    t = rng.uniform(0, 100, n)
    pos = rng.uniform(0, 100, n)
    det = detect(model.groups, state, t, pos, np.zeros(n, np.int64), 1, streams)
    sector = model.line.sector_of(g.positions)
    expected = np.empty(n, np.int64)
    for i in range(n):
        near = np.flatnonzero(np.abs(g.positions - pos[i]) <= g.range_km)
        up = state.timelines[0].up(near, np.full(len(near), t[i]))
        jammed = (sector[near] == model.line.index("north")) & (20 <= t[i] < 70)
        expected[i] = int(np.count_nonzero(up & ~jammed))
    assert np.array_equal(det.count, expected)
    # the outage took detections from some breaches: the test is not empty
    in_north = (model.line.sector_of(pos) == model.line.index("north")) & (t >= 20) & (t < 70)
    assert det.count[in_north].mean() < det.count[~in_north & (pos > 45)].mean() / 2


def test_outage_table():
    o = GroupOutages(
        times=np.array([10.0, 20.0]),
        factor=np.array([[1.0, 0.5, 1.0], [1.0, 1.0, 1.0]]),
        first=np.array([0, 3, 5]),
        starts=np.array([0.0, 40.0]),
    )
    assert o.piece(np.array([0.0, 10.0, 19.9, 20.0])).tolist() == [0, 1, 1, 2]
    assert o.jammed_sectors().tolist() == [0]
    assert o.sector_of(np.array([0.0, 39.9, 40.0, 100.0])).tolist() == [0, 0, 1, 1]
    assert o.factors_at(15.0).tolist() == [0.5, 1.0]


def test_engines_identical_with_outages(make_scenario):
    sensors = {
        **TWO_GROUPS,
        "drone": {
            "spacing_km": 10,
            "range_km": 8,
            "revisit": "6h",
            "persistence": {"shot": "2h", "shell": "8h"},
            "p_detect": {"shot": 0.5, "shell": 0.9},
            "latency": {"dist": "exponential", "mean": "30min"},
        },
    }
    sc = make_scenario(
        {
            "duration": "12d",
            "sensors": sensors,
            "attribution.min_detections": 2,
            "events": [
                outage(at="2d", until="8d", sectors=["south"], factor=0.3),
                outage(at="5d", groups=["sat", "drone"], sectors=["north"], factor=0.0),
                outage(at="6d", groups=["ears"], factor=0.5),
            ],
        }
    )
    fast, slow = both(build_model(sc), np.random.SeedSequence(9))
    assert_identical(fast, slow)
