"""Incidents and confusion-matrix verdicts (MODEL.md 3).

An incident is verifiable once ``min_detections`` detections have reached
fusion; it then waits for one of ``analysts`` analysts (a non-preemptive
priority queue, highest severity first or FIFO: ``kernels/queue.py`` computes
its schedule, exactly as a ``simpy.PriorityResource`` would) and gets a
verdict drawn from the row of the confusion matrix of its true author (or of
``none`` for a false alarm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenario.models import Scenario
from .records import UNKNOWN
from .stage import Basics, Delay, Passage, Stage


@dataclass(frozen=True)
class Attribution(Stage):
    """Corroboration, analysts and the confusion matrix as arrays: the attribution stage."""

    stream = "attribution"

    min_detections: int
    analysts: int
    service_time: object  # distribution
    by_severity: bool
    confusion_cdf: np.ndarray  # (n_parties + 1, n_parties + 1): rows true party..., none
    # columns: party 0 .. party n-1, unknown (last)

    @classmethod
    def build(cls, sc: Scenario, basics: Basics | None = None) -> Attribution:
        """Arrays of the validated ``attribution`` section."""
        return build_attribution(sc)

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least: the shortest service; longest: unbounded (the queue can grow)."""
        return Delay(sc.attribution.service_time.lower(), math.inf)

    def passage(self, view) -> Passage:
        """P(the verdict names the aggressor | its breach), and the mean service time.

        The aggressor does not model congestion: no queue wait.
        """
        ag = view.aggressor
        row = self.confusion_cdf[ag]
        p_named = float(row[ag] - (row[ag - 1] if ag > 0 else 0.0))
        return Passage(p_named, self.service_time.mean())


#: The name the rest of the code has long used for the attribution's parameters.
AttributionParams = Attribution


def build_attribution(sc: Scenario) -> Attribution:
    """Arrays of the validated ``attribution`` section."""
    a = sc.attribution
    parties = list(sc.parties)
    rows = [*parties, "none"]
    cols = [*parties, "unknown"]
    matrix = np.array([[a.confusion[r].get(c, 0.0) for c in cols] for r in rows], dtype=float)
    return Attribution(
        min_detections=a.min_detections,
        analysts=a.analysts,
        service_time=a.service_time,
        by_severity=a.priority == "severity",
        confusion_cdf=np.cumsum(matrix, axis=1),
    )


def verdicts(params: Attribution, true_row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Attributed party index (or ``UNKNOWN``) for each incident, from one uniform each.

    ``true_row`` is the party index, or ``n_parties`` for a false alarm.
    """
    n_parties = params.confusion_cdf.shape[1] - 1
    col = np.empty(len(u), np.int64)
    for row, cdf in enumerate(params.confusion_cdf):  # one row per true party, and none
        sel = true_row == row
        col[sel] = np.searchsorted(cdf, u[sel] * cdf[-1], side="right")
    col = np.minimum(col, n_parties)
    return np.where(col == n_parties, UNKNOWN, col).astype(np.int8)
