"""Times the engines and the aggressor derive from the stages' declared delay bounds.

Two rules, each written once:

* the **learning deadline**: an aggressor breach counts as unanswered once the
  longest a coalition decision and a response can take has passed without a
  response landing (MODEL.md 6): the coalition's longest delay (its decision
  window) plus the response's (the slowest rung, travel included);
* the **step bound**: nothing decided after a breach can change the
  aggressor's state before the least report-to-response time (the quickest
  member's least vote delay plus the quickest rung the members can carry out),
  nor before a learning deadline passes.  Steps no longer than this are exact
  (``engines/fast.py``).

Both take the scenario (and the ratified members), not a built model, so that
``limits`` can estimate a run's cost before anything is allocated.
"""

from __future__ import annotations

import numpy as np

from ..scenario.models import Scenario
from .coalition import Coalition
from .response import Response


def response_lag(sc: Scenario, members: np.ndarray | None = None) -> float:
    """Least time from a report to a response landing (inf when none can land)."""
    return Coalition.delay(sc, members).least + Response.delay(sc, members).least


def learning_deadline(sc: Scenario) -> float:
    """Time after an aggressor breach at which an unanswered breach counts as a failure."""
    return Coalition.delay(sc).longest + Response.delay(sc).longest


def step_bound(sc: Scenario, members: np.ndarray | None = None) -> float:
    """Longest exact step of a state-dependent aggressor (``members``: None for all nations)."""
    return min(response_lag(sc, members), learning_deadline(sc))
