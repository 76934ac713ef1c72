"""The analyst queue of the attribution stage, computed without a process per incident.

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

import numpy as np


class AnalystQueue:
    """Exact schedule of a ``c``-server non-preemptive priority queue, advanced in pieces.

    Semantics (those of ``simpy.PriorityResource``): an incident that arrives
    while an analyst is free starts at once; otherwise it waits; an analyst who
    finishes at time ``t`` takes the waiting incident of highest priority that
    arrived by ``t``, the earliest arrival first within a priority.

    How: suppose every incident started on arrival.  Then the number of
    analysts busy when incident ``k`` arrives is one vectorised count over all
    arrivals, and the first ``k`` that finds all ``c`` busy is the first that
    really waits.  From there the queue is stepped event by event until every
    incident that waited has finished; after that moment the
    "start on arrival" count is exact again (the delayed incidents are gone
    in both schedules), so the next stop is read off the same precomputed
    count.  Python steps only through congested stretches.
    """

    def __init__(self, servers: int):
        self.servers = servers
        self.free: list[float] = [0.0] * servers  # min-heap of the times analysts become free
        self.waiting: list[tuple[float, float, int, float]] = []  # (prio, arrival, id, service)
        self.delayed_until = -np.inf  # when every incident that waited will have finished

    def advance(
        self,
        arrival: np.ndarray,
        priority: np.ndarray,
        service: np.ndarray,
        ident: np.ndarray,
        until: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feed arrivals (sorted, all before ``until``) and start everything that starts before it.

        Returns the ids and start times of the incidents whose service started.
        Incidents still waiting stay in the queue for the next call (whose
        arrivals all come at or after ``until``).
        """
        c = self.servers
        n = len(arrival)
        ends = arrival + service
        # analysts busy at each arrival if nobody in this call had waited
        busy = (
            c
            - np.searchsorted(np.sort(np.asarray(self.free)), arrival, side="right")
            + np.arange(n)
            - np.searchsorted(np.sort(ends), arrival, side="right")
        )
        stops = np.flatnonzero(busy >= c)
        seq_id: list[int] = []
        seq_t: list[float] = []
        direct = np.zeros(n, bool)  # started on arrival, outside the stepped stretches
        free, waiting = self.free, self.waiting
        i = 0
        run_from = 0  # first arrival of the current start-on-arrival stretch
        while True:
            stepping = bool(waiting) or (i < n and arrival[i] < self.delayed_until)
            if not stepping:
                if i >= n:
                    break
                # start on arrival up to the next arrival that finds everyone busy
                k = int(np.searchsorted(stops, i, side="left"))
                stop = int(stops[k]) if k < len(stops) else n
                direct[i:stop] = True
                i = stop
                if i >= n:
                    break
                # analysts' state at the stop: the c latest ends so far
                pool = np.concatenate([free, ends[run_from:i]])
                free[:] = np.partition(pool, len(pool) - c)[len(pool) - c :].tolist()
                heapq.heapify(free)
                run_from = i
            # step event by event
            f0 = free[0]
            if i < n and (not waiting or arrival[i] <= f0):
                if not waiting and f0 <= arrival[i]:
                    seq_id.append(int(ident[i]))
                    seq_t.append(float(arrival[i]))
                    heapq.heapreplace(free, float(ends[i]))
                else:
                    heapq.heappush(waiting, (priority[i], arrival[i], int(ident[i]), service[i]))
                i += 1
                run_from = i
                continue
            if f0 >= until:
                break  # nobody else starts before `until`; the rest wait for the next call
            _, _, who, svc = heapq.heappop(waiting)
            seq_id.append(who)
            seq_t.append(f0)
            end = f0 + svc
            heapq.heapreplace(free, end)
            self.delayed_until = max(self.delayed_until, end)
        if run_from < n:
            pool = np.concatenate([free, ends[run_from:n]])
            free[:] = np.partition(pool, len(pool) - c)[len(pool) - c :].tolist()
            heapq.heapify(free)
        ids = np.concatenate([ident[direct].astype(np.int64), np.asarray(seq_id, np.int64)])
        times = np.concatenate([arrival[direct], np.asarray(seq_t, float)])
        return ids, times
