"""Small scenarios for the figure tests."""

from __future__ import annotations

import copy

import ceasemon as cm
from ceasemon.scenario import scenario_from_dict
from ceasemon.scenario.checks import polyline_length_km

SHORT = {"duration": "20d"}
#: A lon/lat contact line (about 500 km) for the map view.
POLYLINE = [[36.6, 50.2], [37.9, 49.0], [37.7, 48.0], [36.2, 47.5], [35.0, 47.2]]
SMALL = {
    "name": "small-map",
    "duration": "30d",
    "seed": 7,
    "replications": 3,
    "contact_line": {"polyline": POLYLINE, "sectors": []},
    "breach_types": {"shot": {"severity": 1}, "shell": {"severity": 5}},
    "parties": {
        "red": {"role": "aggressor", "rates_per_day": {"shot": 20, "shell": 5}},
        "blue": {"role": "defender", "rates_per_day": {"shot": 10}},
    },
    "sensors": {
        "ears": {
            "count": 60,
            "sectors": ["south"],
            "range_km": 3,
            "p_detect": {"shot": 0.6, "shell": 0.8},
            "latency": "1min",
            "false_alarms_per_day": 0.05,
        },
        "eyes": {"spacing_km": 40, "range_km": 15, "p_detect": {"shell": 0.5}, "latency": "10min"},
    },
    "attribution": {
        "min_detections": 1,
        "analysts": 4,
        "service_time": "10min",
        "confusion": {
            "red": {"red": 0.8, "blue": 0.05, "unknown": 0.15},
            "blue": {"red": 0.05, "blue": 0.8, "unknown": 0.15},
            "none": {"red": 0.2, "blue": 0.2, "unknown": 0.6},
        },
    },
    "reporting": {"urgent_severity": 5, "report_interval": "1d"},
    "coalition": {
        "quorum": 0.5,
        "decision_window": "20d",
        "nations": {
            "A": {"weight": 2, "ratification": 1, "delay": "2d", "support": 0.9},
            "B": {"weight": 1, "ratification": 1, "delay": "4d", "support": 0.8},
        },
    },
    "response": {
        "ladder": [
            {"min_severity": 0, "action": "diplomatic", "implementation": "1d", "cost": 1},
            {"min_severity": 5, "action": "economic", "implementation": "10d", "cost": 5},
        ]
    },
    "aggressor": {"policy": "fixed", "benefit": {"shot": 1, "shell": 3}},
}


def small_map_scenario() -> cm.Scenario:
    """A small scenario on a lon/lat polyline, with false alarms that reach a verdict."""
    data = copy.deepcopy(SMALL)
    length = polyline_length_km([tuple(p) for p in POLYLINE])
    cut = round(0.4 * length, 3)
    data["contact_line"]["sectors"] = [
        {"name": "north", "start_km": 0, "end_km": cut, "terrain": "open"},
        {"name": "south", "start_km": cut, "end_km": length, "terrain": "urban", "weight": 2},
    ]
    return scenario_from_dict(data)
