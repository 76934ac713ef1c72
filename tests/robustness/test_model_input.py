"""Valid but unusual scenarios the model must run.

The fuzzing of ``ceasemon run`` (test_fuzz_cli.py) found that a sensor group with failures
(``mtbf``/``mttr``) and no sensors (``count: 0``, or a ``spacing_km`` wider than its sectors)
failed every replication (``draw_timeline`` took the minimum of an empty array); a group
without sensors now has no failure timeline.
"""

from __future__ import annotations

import pytest

import ceasemon as cm


@pytest.mark.parametrize(
    "overrides",
    [
        {"sensors.acoustic.count": 0},
        {
            "sensors.cameras.spacing_km": 5000,
            "sensors.cameras.mtbf": "30d",
            "sensors.cameras.mttr": "1d",
        },
    ],
    ids=["count-0", "spacing-wider-than-the-line"],
)
def test_a_failing_sensor_group_without_sensors(overrides):
    sc = cm.load_scenario("baseline", {"duration": "2d", **overrides})
    res = cm.run(sc, 1, backend="serial")
    assert res.failed == [], res.failed[0]["error"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"sensors.acoustic.count": 0, "sensors.acoustic.mtbf": None, "sensors.acoustic.mttr": None},
        {"coalition.nations": {}},
        {"reporting.report_interval": "1e-300d"},
        {"attribution.service_time": "1e12d"},
        {"sensors.acoustic.latency": {"dist": "exponential", "mean": "1e12d"}},
        {"duration": "1e-300d"},
        {"attribution.min_detections": 50},
        {"coalition.quorum": 0, "coalition.nations.US.delay": "0s"},
    ],
    ids=str,
)
def test_unusual_but_valid_scenarios_run(overrides):
    sc = cm.load_scenario("baseline", {"duration": "2d", **overrides})
    res = cm.run(sc, 1, backend="serial")
    assert res.failed == []
