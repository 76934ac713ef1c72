"""One replication: build the stages from a scenario and a seed, run them, return records.

The work splits in two (DESIGN.md, "Speed by design"): everything that does
not depend on the simulation's state is drawn in bulk (``engines/draws.py``);
the stateful part (accepting the aggressor's candidates at the intensity its
beliefs give, the analyst queue, reports, coalition decisions, responses and
the aggressor's learning) runs in one of two engines that give identical
records for the same seed:

* ``fast`` (default): steps ``[t, t + lag)`` no longer than the least time in
  which a breach can change the aggressor's state (``timing.step_bound``), so
  nothing decided inside a step can affect another decision in the same step:
  the steps are exact, not an approximation, and results do not depend on
  ``lag`` (a test checks this); when the intensity does not depend on the
  state (``fixed``, ``rational``) the whole run is one step;
* ``simpy``: the same mechanism as simpy processes, one per part.
"""

from __future__ import annotations

import numpy as np

from ..scenario.models import Scenario
from .build import Model, build_model
from .engines import ENGINES
from .engines.draws import make_policy
from .records import ReplicationRecords
from .timing import learning_deadline

__all__ = ["ENGINES", "Model", "belief_horizon", "build_model", "make_policy", "simulate"]


def belief_horizon(model: Model) -> float:
    """Time after a breach at which an unanswered breach counts as a failure (MODEL.md 6)."""
    return learning_deadline(model.scenario, model.pipeline)


def simulate(
    model: Model | Scenario,
    seed: np.random.SeedSequence | int,
    *,
    lag: float | None = None,
    engine: str = "fast",
) -> ReplicationRecords:
    """Run one replication.

    Args:
        model: a compiled ``Model`` (or a ``Scenario``, compiled here).
        seed: the replication's SeedSequence, or an int (replication 0 of that root seed).
        lag: fast engine only: step length override, for tests; at most the exact bound.
        engine: ``"fast"`` or ``"simpy"`` (identical records, the second much slower).

    Returns:
        The replication's records; ``metrics()`` turns them into numbers.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    if engine == "fast":
        return ENGINES["fast"](model, seed, lag=lag)
    return ENGINES[engine](model, seed)
