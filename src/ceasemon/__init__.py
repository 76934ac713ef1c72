"""ceasemon: a discrete-event simulator of ceasefire-violation monitoring and deterrence.

The public API is small: load a scenario, run it, compare or sweep scenarios,
and read results back.  Everything else is reachable through the submodules.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .scenario import Scenario, ScenarioError, load_scenario

try:
    __version__ = version("ceasemon")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["Scenario", "ScenarioError", "__version__", "load_scenario"]
