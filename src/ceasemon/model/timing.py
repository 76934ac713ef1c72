"""Times the engines and the aggressor derive from the stages' declared delay bounds.

Two rules, each written once, over the stages a report passes on its way to a response
(those after ``reporting`` in the pipeline: by default the coalition and the response):

* the **learning deadline**: an aggressor breach counts as unanswered once the longest
  these stages can take has passed without a response landing (MODEL.md 6): by default
  the coalition's decision window plus the slowest rung, travel included;
* the **step bound**: nothing decided after a breach can change the aggressor's state
  before the least report-to-response time (the sum of these stages' least delays: by
  default the quickest member's least vote delay plus the quickest rung the members can
  carry out), nor before a learning deadline passes.  Steps no longer than this are exact
  (``engines/fast.py``).

All take the scenario (and the ratified members), not a built model, so that ``limits`` can
estimate a run's cost before anything is allocated; ``pipeline`` is the model's (a model
built with an extra stage passes its own).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..scenario.models import Scenario
from .build import PIPELINE
from .stage import Stage

Pipeline = Sequence[tuple[str, type[Stage]]]


def _after_reporting(pipeline: Pipeline | None) -> list[type[Stage]]:
    """The stage classes between a report and a response landing, in order."""
    if pipeline is None:
        pipeline = PIPELINE
    names = [name for name, _ in pipeline]
    return [cls for _, cls in list(pipeline)[names.index("reporting") + 1 :]]


def decision_lead(
    sc: Scenario, members: np.ndarray | None = None, pipeline: Pipeline | None = None
) -> float:
    """Least time from a report to a decision's quorum (the stages between, response excluded).

    A report filed at ``t`` or later cannot be decided before ``t`` plus this: the fast
    engine settles escalating rungs up to there (``Pipeline.settle``).
    """
    if pipeline is None:
        pipeline = PIPELINE
    names = [name for name, _ in pipeline]
    after = list(pipeline)[names.index("reporting") + 1 :]
    return sum((cls.delay(sc, members).least for name, cls in after if name != "response"), 0.0)


def response_lag(
    sc: Scenario, members: np.ndarray | None = None, pipeline: Pipeline | None = None
) -> float:
    """Least time from a report to a response landing (inf when none can land)."""
    total = 0.0
    for cls in _after_reporting(pipeline):
        total = total + cls.delay(sc, members).least
    return total


def learning_deadline(sc: Scenario, pipeline: Pipeline | None = None) -> float:
    """Time after an aggressor breach at which an unanswered breach counts as a failure.

    The scenario's ``aggressor.learning.deadline`` when given (MODEL 11), else the longest
    the stages after reporting can take (MODEL 6).
    """
    learning = sc.aggressor.learning
    if learning is not None:
        return float(learning.deadline)
    total = 0.0
    for cls in _after_reporting(pipeline):
        total = total + cls.delay(sc).longest
    return total


def step_bound(
    sc: Scenario, members: np.ndarray | None = None, pipeline: Pipeline | None = None
) -> float:
    """Longest exact step of a state-dependent aggressor (``members``: None for all nations)."""
    return min(response_lag(sc, members, pipeline), learning_deadline(sc, pipeline))
