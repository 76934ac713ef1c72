"""Graduated responses: a decision soon after a response climbs one rung (MODEL 9).

With ``response.escalation.memory``, the rung of a decision whose quorum comes at ``q`` is
``max(r, next)`` when the previous implemented response landed at most ``memory`` before
``q``: ``r`` is the rung its severity gives, ``next`` the lowest rung above the previous
response's that the decision's members can carry out (the top such rung when none is above).
Otherwise it is ``r``.

"Previous" means the latest response that landed strictly before ``q`` (among responses at
the same instant, the highest rung).  A response lands no earlier than its own quorum, so
the responses a decision can see all come from decisions with an earlier quorum: deciding
the rungs in quorum order is exact, and the order among equal quorums does not matter.
Both engines ask this ledger, in that order, so they climb the same rungs.
"""

from __future__ import annotations

import bisect
import math

import numpy as np


class EscalationLedger:
    """The responses decided so far (landing time, rung), and the climbing rule."""

    def __init__(self, memory: float):
        self.memory = float(memory)
        self._times: list[float] = []  # sorted
        self._rungs: list[int] = []

    def record(self, t_response: float, rung: int) -> None:
        """A response decided to land at ``t_response`` with ``rung`` (ignored if none)."""
        if rung < 0 or not math.isfinite(t_response):
            return
        i = bisect.bisect_right(self._times, t_response)
        self._times.insert(i, float(t_response))
        self._rungs.insert(i, int(rung))

    def previous(self, q: float) -> tuple[float, int] | None:
        """The latest response landed strictly before ``q``: (time, highest rung then)."""
        i = bisect.bisect_left(self._times, q) - 1
        if i < 0:
            return None
        t = self._times[i]
        lo = bisect.bisect_left(self._times, t)
        return t, max(self._rungs[lo : i + 1])

    def rung(self, q: float, base: int, available: np.ndarray) -> int:
        """The rung of a decision reaching quorum at ``q`` whose severity gives ``base``."""
        if not math.isfinite(q):
            return base
        prev = self.previous(q)
        if prev is None or q - prev[0] > self.memory:
            return base
        can = np.flatnonzero(available)
        if can.size == 0:
            return base
        above = can[can > prev[1]]
        climbed = int(above[0]) if above.size else int(can[-1])
        return max(base, climbed)
