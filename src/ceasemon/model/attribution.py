"""Incidents, the analyst queue and confusion-matrix verdicts (MODEL.md 3).

The analyst queue is a non-preemptive ``c``-server priority queue: exactly a
``simpy.PriorityResource`` with ``capacity=analysts`` whose requests carry the
priority ``-severity`` (or 0 for ``fifo``), FIFO within a priority.  A year of
the baseline sends ~150,000 incidents through it, and a simpy process per
incident costs about a second, so ``AnalystQueue`` computes the same schedule
directly: while analysts are free, arrivals start at once and a whole run of
them is placed with one vectorised count of busy analysts; only when all are
busy does it step through arrivals and service completions one by one.
``tests/model/test_attribution.py`` checks it against a simpy resource on
random workloads, start time for start time.

The queue can be advanced in pieces (``advance(..., until)``): the
simulation feeds it the incidents known so far and asks for every service
start before ``until``; the result does not depend on how time is cut.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from ..scenario.models import Scenario
from .records import UNKNOWN


@dataclass(frozen=True)
class AttributionParams:
    """Corroboration, analysts and the confusion matrix as arrays."""

    min_detections: int
    analysts: int
    service_time: object  # distribution
    by_severity: bool
    confusion_cdf: np.ndarray  # (n_parties + 1, n_parties + 1): rows true party..., none
    # columns: party 0 .. party n-1, unknown (last)


def build_attribution(sc: Scenario) -> AttributionParams:
    """Arrays of the validated ``attribution`` section."""
    a = sc.attribution
    parties = list(sc.parties)
    rows = [*parties, "none"]
    cols = [*parties, "unknown"]
    matrix = np.array([[a.confusion[r].get(c, 0.0) for c in cols] for r in rows], dtype=float)
    return AttributionParams(
        min_detections=a.min_detections,
        analysts=a.analysts,
        service_time=a.service_time,
        by_severity=a.priority == "severity",
        confusion_cdf=np.cumsum(matrix, axis=1),
    )


def verdicts(params: AttributionParams, true_row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Attributed party index (or ``UNKNOWN``) for each incident, from one uniform each.

    ``true_row`` is the party index, or ``n_parties`` for a false alarm.
    """
    cdf = params.confusion_cdf[true_row]
    col = (u[:, None] * cdf[:, -1:] >= cdf).sum(axis=1)
    n_parties = params.confusion_cdf.shape[1] - 1
    col = np.minimum(col, n_parties)
    return np.where(col == n_parties, UNKNOWN, col).astype(np.int8)


class AnalystQueue:
    """Exact schedule of a ``c``-server non-preemptive priority queue, advanced in pieces.

    Semantics (those of ``simpy.PriorityResource``): an incident that arrives
    while an analyst is free starts at once; otherwise it waits; an analyst who
    finishes at time ``t`` takes the waiting incident of highest priority that
    arrived by ``t``, the earliest arrival first within a priority.
    """

    def __init__(self, servers: int):
        self.servers = servers
        self.free: list[float] = [0.0] * servers  # min-heap of the times analysts become free
        self.waiting: list[tuple[float, float, int, float]] = []  # (prio, arrival, id, service)

    def _nowait_run(self, arr: np.ndarray, svc: np.ndarray, i: int, width: int) -> int:
        """Largest ``j`` such that arrivals ``i .. j-1`` all find a free analyst."""
        a = arr[i : i + width]
        ends = np.sort(a + svc[i : i + width])
        free = np.sort(np.asarray(self.free))
        busy_before = self.servers - np.searchsorted(free, a, side="right")
        # jobs of this run that started before arrival k and are still in service at a_k
        still = np.arange(len(a)) - np.searchsorted(ends, a, side="right")
        full = np.flatnonzero(busy_before + still >= self.servers)
        return i + (int(full[0]) if len(full) else len(a))

    def advance(
        self,
        arrival: np.ndarray,
        priority: np.ndarray,
        service: np.ndarray,
        ident: np.ndarray,
        until: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feed arrivals (sorted, all before ``until``) and start everything that starts before it.

        Returns the ids and start times of the incidents whose service started,
        in order of start.  Incidents still waiting stay in the queue for the
        next call (whose arrivals all come at or after ``until``).
        """
        started_id: list[np.ndarray | list[int]] = []
        started_t: list[np.ndarray | list[float]] = []
        n = len(arrival)
        i = 0
        width = 64
        c = self.servers
        while True:
            if not self.waiting:
                if i >= n:
                    break
                j = self._nowait_run(arrival, service, i, width)
                if j > i:
                    started_id.append(ident[i:j])
                    started_t.append(arrival[i:j])
                    pool = np.concatenate([self.free, arrival[i:j] + service[i:j]])
                    self.free = np.partition(pool, len(pool) - c)[len(pool) - c :].tolist()
                    heapq.heapify(self.free)
                    # grow the window while runs fill it; after a stop, guess the next run
                    # is about as long as this one
                    width = min(width * 2, 1 << 16) if j - i == width else max(64, 2 * (j - i))
                    i = j
                    continue
                # all analysts busy at arrival i: it waits
                heapq.heappush(self.waiting, (priority[i], arrival[i], int(ident[i]), service[i]))
                i += 1
                continue
            f0 = self.free[0]
            if i < n and arrival[i] <= f0:
                heapq.heappush(self.waiting, (priority[i], arrival[i], int(ident[i]), service[i]))
                i += 1
                continue
            if f0 >= until:
                # nobody else starts before `until`; remaining arrivals (all before f0) wait
                for k in range(i, n):
                    heapq.heappush(
                        self.waiting, (priority[k], arrival[k], int(ident[k]), service[k])
                    )
                i = n
                break
            _, _, who, svc = heapq.heappop(self.waiting)
            started_id.append([who])
            started_t.append([f0])
            heapq.heapreplace(self.free, f0 + svc)
        if not started_id:
            return np.zeros(0, np.int64), np.zeros(0)
        return (
            np.concatenate([np.asarray(x, np.int64) for x in started_id]),
            np.concatenate([np.asarray(x, float) for x in started_t]),
        )
