"""Terrain factors in the detection stage (MODEL.md 11, model/terrain.py).

A factor multiplies p_detect by the breach's sector; a group whose factors are all 1 goes
through the terrain path (its kinds are (type, level) pairs) yet draws exactly what a
group without ``terrain_factor`` draws, and both engines agree when terrain acts.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_engines import assert_identical, both

from ceasemon.model.build import build_model
from ceasemon.model.simulation import simulate
from ceasemon.model.streams import replication_seed
from ceasemon.model.terrain import build_terrain

SENSORS = {
    "ears": {
        "count": 50,
        "range_km": 3,
        "p_detect": {"shot": 0.6, "shell": 0.8},
        "latency": "1min",
        "mtbf": "20d",
        "mttr": "3d",
    },
    "sat": {
        "coverage": "full",
        "p_detect": {"shot": 0.3, "shell": 0.5},
        "latency": "2h",
        "revisit": "12h",
        "persistence": {"shot": "2h", "shell": "1d"},
    },
}


def scenario(make_scenario, **terrain):
    sensors = {k: dict(v) for k, v in SENSORS.items()}
    for group, factors in terrain.items():
        sensors[group]["terrain_factor"] = factors
    return make_scenario({"duration": "60d", "sensors": sensors})


def test_no_terrain_factor_no_table(make_scenario):
    model = build_model(scenario(make_scenario))
    assert all(g.terrain is None for g in model.groups)


def test_table_levels_and_kinds(make_scenario):
    line = build_model(scenario(make_scenario)).line  # north open, south urban
    t = build_terrain({"urban": 0.25, "forest": 0.5}, line)
    assert t.factor.tolist() == [1.0, 0.25]  # open is not named: 1; forest has no sector
    kind, p_of_kind = t.kinds(
        np.array([0, 1, 1]), np.array([10.0, 40.0, 99.0]), np.array([0.6, 0.8])
    )
    assert p_of_kind[kind].tolist() == [0.6, 0.8 * 0.25, 0.8 * 0.25]  # 40 km is south's start
    assert build_terrain({}, line) is None


@pytest.mark.parametrize("group", ["ears", "sat"])
def test_factor_1_everywhere_draws_what_no_terrain_draws(make_scenario, group):
    plain = simulate(build_model(scenario(make_scenario)), 13)
    model = build_model(scenario(make_scenario, **{group: {"open": 1.0, "urban": 1.0}}))
    assert model.groups[list(SENSORS).index(group)].terrain is not None
    assert_identical(plain, simulate(model, 13))


def test_factor_0_everywhere_is_the_group_removed(make_scenario):
    blind = simulate(build_model(scenario(make_scenario, sat={"open": 0.0, "urban": 0.0})), 5)
    sc = make_scenario({"duration": "60d", "sensors": {"ears": SENSORS["ears"]}})
    assert_identical(blind, simulate(build_model(sc), 5))


@pytest.mark.parametrize("policy", ["fixed", "rational", "adaptive"])
def test_the_engines_agree_with_terrain_and_an_outage(make_scenario, policy):
    sc = scenario(make_scenario, ears={"urban": 0.3}, sat={"open": 0.5, "urban": 0.0})
    data = sc.model_dump()
    data["events"] = [{"kind": "sensor_outage", "at": "20d", "sectors": ["south"], "factor": 0.5}]
    data["aggressor"]["policy"] = policy
    if policy == "adaptive":
        data["aggressor"]["responsiveness"] = 2.0
    model = build_model(type(sc).model_validate(data))
    fast, slow = both(model, replication_seed(3, 0))
    assert (fast.events["detections"] > 0).any()
    assert_identical(fast, slow)
