"""ceasemon: a discrete-event simulator of ceasefire-violation monitoring and deterrence.

The public API is small: load a scenario, run it, compare or sweep scenarios,
and read results back.  Everything else is reachable through the submodules.

    import ceasemon as cm
    sc = cm.load_scenario("baseline", overrides={"duration": "90d"})
    res = cm.run(sc, replications=20, seed=1, jobs=2)
    res.summary; res.replications; res.timeseries
    res.save("results/x"); cm.load_results("results/x")
    cmp = cm.compare([sc_a, sc_b], replications=20, seed=1)
    sw = cm.sweep(sc, {"coalition.quorum": [0.5, 0.7]}, replications=10, out_dir="results/q")

The experiment functions are imported on first use, so ``import ceasemon``
stays light.  With the process backend (the default with more than one CPU),
a script must start its work under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    OutputError,
    ReplicationsFailedError,
    ReplicationsFailedWarning,
    ResultsError,
    UserError,
)
from .scenario import Scenario, ScenarioError, load_scenario
from .version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .experiment.compare import CompareResult, compare
    from .experiment.loading import load_results
    from .experiment.runner import run
    from .experiment.sweep import SweepResult, sweep
    from .results import RunResult

_LAZY: dict[str, str] = {
    "run": "ceasemon.experiment.runner",
    "compare": "ceasemon.experiment.compare",
    "sweep": "ceasemon.experiment.sweep",
    "load_results": "ceasemon.experiment.loading",
    "RunResult": "ceasemon.results",
    "CompareResult": "ceasemon.experiment.compare",
    "SweepResult": "ceasemon.experiment.sweep",
}

__all__ = [
    "CompareResult",
    "OutputError",
    "ReplicationsFailedError",
    "ReplicationsFailedWarning",
    "ResultsError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "UserError",
    "__version__",
    "compare",
    "load_results",
    "load_scenario",
    "run",
    "sweep",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ceasemon' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
