"""The scenario format: loading, merging, validation, schema and documentation."""

from .distributions import DistributionT, RandomDuration
from .durations import format_duration, parse_duration
from .errors import Problem, ScenarioError
from .loader import load_located, load_scenario, packaged_scenarios, scenario_from_dict
from .models import Scenario

__all__ = [
    "DistributionT",
    "Problem",
    "RandomDuration",
    "Scenario",
    "ScenarioError",
    "format_duration",
    "load_located",
    "load_scenario",
    "packaged_scenarios",
    "parse_duration",
    "scenario_from_dict",
]
