"""Shared fixtures: a small, complete scenario that tests tweak one key at a time."""

import copy

import pytest

from ceasemon.scenario import scenario_from_dict

MINIMAL = {
    "name": "minimal",
    "duration": "100d",
    "seed": 7,
    "replications": 4,
    "contact_line": {
        "length_km": 100,
        "sectors": [
            {"name": "north", "start_km": 0, "end_km": 40, "terrain": "open"},
            {"name": "south", "start_km": 40, "end_km": 100, "terrain": "urban", "weight": 2},
        ],
    },
    "breach_types": {"shot": {"severity": 1}, "shell": {"severity": 5}},
    "parties": {
        "red": {"role": "aggressor", "rates_per_day": {"shot": 20, "shell": 5}},
        "blue": {"role": "defender", "rates_per_day": {"shot": 10}},
    },
    "sensors": {
        "ears": {
            "count": 50,
            "range_km": 3,
            "p_detect": {"shot": 0.6, "shell": 0.8},
            "latency": "1min",
        },
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


def _set(data, dotted, value):
    node = data
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
    last = parts[-1]
    if value is _DELETE:
        node.pop(last, None)
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()


@pytest.fixture
def delete():
    """Marker that removes a key in make_scenario."""
    return _DELETE


@pytest.fixture
def make_scenario():
    """Build a validated scenario from MINIMAL with {"dotted.key": value} changes."""

    def build(changes=None, **kw):
        data = copy.deepcopy(MINIMAL)
        for k, v in {**(changes or {}), **kw}.items():
            _set(data, k, v)
        return scenario_from_dict(data)

    return build
