"""The Special Commission: reports naming the aggressor become cases (MODEL.md 8).

The Paris Declaration (6 January 2026) gives breaches to a Special Commission that assigns
blame and sets remedies.  With ``coalition.commission`` the reports that name the aggressor
go to it, not straight to the coalition.  It meets at ``k * meeting_interval`` (k = 1, 2,
...) and, when a report of at least ``extraordinary_severity`` arrives, at once (the
regular schedule is unchanged; one meeting per instant).  A meeting takes every report that
arrived since the previous one, with what it carried over: if they hold at least
``min_incidents`` aggressor-named incidents, that is a case, referred to the coalition
``deliberation`` later as one decision whose severity is the highest of its incidents;
otherwise they carry over.  Without a commission each report is a decision.

Both engines share ``CommissionRun``: the fast engine calls ``advance`` once per step (the
meetings before the step's end, once every report before it is known), the simpy engine
``file`` when a report leaves and ``meet`` at each meeting.  Cases are numbered in meeting
order and their deliberation times come in ``DrawBlocks``, so case ``k`` gets the same
draws in both engines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

import numpy as np

from ..scenario.models import Scenario
from .reporting import Reports
from .stage import Basics, Delay, Passage, Stage, longest_of
from .streams import DrawBlocks, Streams


@dataclass(frozen=True)
class Commission(Stage):
    """The commission's parameters (``interval`` 0: no commission, reports decide)."""

    stream: ClassVar[str] = "politics"

    interval: float
    deliberation: object | None  # distribution
    min_incidents: int
    extraordinary: float  # severity calling a meeting at once (inf: never)
    report_interval: float
    urgent: np.ndarray  # per breach type: reported at once (no report-period phase)

    @property
    def enabled(self) -> bool:
        """Whether the scenario has a commission."""
        return self.interval > 0

    @classmethod
    def build(cls, sc: Scenario, basics: Basics) -> Commission:
        """The ``coalition.commission`` section (interval 0 without one)."""
        c = sc.coalition.commission
        urgent = basics.severity >= sc.reporting.urgent_severity
        if c is None:
            return cls(0.0, None, 1, math.inf, sc.reporting.report_interval, urgent)
        extra = math.inf if c.extraordinary_severity is None else float(c.extraordinary_severity)
        return cls(
            float(c.meeting_interval),
            c.deliberation,
            int(c.min_incidents),
            extra,
            sc.reporting.report_interval,
            urgent,
        )

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least: the least deliberation (an extraordinary meeting, or a report at a meeting).

        Longest: a whole interval's wait plus the longest deliberation.  A case held over for
        want of evidence (``min_incidents`` > 1) can wait longer: the adaptive aggressor then
        counts it unanswered at its deadline (docs/model.md).
        """
        c = sc.coalition.commission
        if c is None:
            return Delay(0.0, 0.0)
        return Delay(c.deliberation.lower(), c.meeting_interval + longest_of(c.deliberation))

    def passage(self, view) -> Passage:
        """Every case is referred; the wait for the meeting plus the mean deliberation.

        A type at or above ``extraordinary_severity`` waits for no meeting.  An urgent report
        leaves at any time, so it waits half an interval on average; routine reports leave at
        multiples of ``report_interval`` and so meet the schedule at a fixed set of phases:
        with ``report_interval / meeting_interval = a / b`` in lowest terms the waits are
        ``0, M/b, ..., (b-1) M/b`` equally often, mean ``(b - 1) M / (2 b)``.  Meetings that
        other incidents call, and evidence carried over, are left out (docs/model.md).
        """
        if not self.enabled:
            return Passage(1.0, 0.0)
        m = self.interval
        b = Fraction(self.report_interval / m).limit_denominator(10_000).denominator
        routine_wait = (b - 1) * m / (2.0 * b)
        wait = np.where(self.urgent, m / 2.0, routine_wait)
        wait = np.where(view.severity >= self.extraordinary, 0.0, wait)
        return Passage(1.0, wait + self.deliberation.mean())

    def start(self, streams: Streams, severity: np.ndarray) -> CommissionRun | None:
        """The replication's commission (None without one); ``severity`` per incident."""
        if not self.enabled:
            return None
        rng = streams.sub("politics", "deliberation")
        dist = self.deliberation
        return CommissionRun(self, severity, DrawBlocks(lambda n: dist.sample(rng, n)))


@dataclass(frozen=True)
class Cases:
    """The cases of some meetings, as decisions: ``reports`` (meeting time, severity, who).

    ``t_start`` is each case's referral to the coalition.
    """

    reports: Reports
    t_start: np.ndarray

    def __len__(self) -> int:
        return len(self.t_start)


@dataclass
class CommissionRun:
    """One replication's commission: reports waiting, evidence carried over, cases so far."""

    params: Commission
    severity: np.ndarray  # per incident
    deliberation: DrawBlocks
    count: int = 0  # cases so far
    last: float = -math.inf  # the last meeting
    next_k: int = 1  # the next regular meeting is next_k * interval
    _t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _carry: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _calls: np.ndarray = field(default_factory=lambda: np.zeros(0))  # extraordinary, to come

    def file(self, rep: Reports, t_arrive: np.ndarray) -> np.ndarray:
        """Reports reach the commission at ``t_arrive``: the extraordinary meetings they call.

        A report stopped before (``t_arrive`` NaN) never arrives.
        """
        ok = np.isfinite(t_arrive)
        slot_ok = ok[rep.slot]
        self._t = np.concatenate([self._t, t_arrive[rep.slot][slot_ok]])
        self._ids = np.concatenate([self._ids, rep.named[slot_ok]])
        calls = ok & (rep.severity >= self.params.extraordinary)
        return np.unique(t_arrive[calls])

    def meet(self, m: float) -> np.ndarray | None:
        """A meeting at ``m``: the incidents of its case (sorted), or None (no case).

        A second call at the same instant is the same meeting and does nothing.
        """
        if m <= self.last:
            return None
        self.last = m
        take = self._t <= m
        if take.any():
            self._carry = np.concatenate([self._carry, self._ids[take]])
            self._t, self._ids = self._t[~take], self._ids[~take]
        if len(self._carry) == 0 or len(self._carry) < self.params.min_incidents:
            return None
        case = np.sort(self._carry)
        self._carry = np.zeros(0, np.int64)
        self.count += 1
        return case

    def regular_before(self, t1: float) -> np.ndarray:
        """The regular meetings before ``t1`` not yet handed out (in order)."""
        m = self.params.interval
        k_end = max(self.next_k, math.ceil(t1 / m))  # k * m < t1 for k < k_end (and maybe k_end)
        ks = np.arange(self.next_k, k_end + 1)
        times = ks * m
        times = times[times < t1]
        self.next_k += len(times)
        return times

    def advance(self, rep: Reports, t_arrive: np.ndarray, t1: float) -> Cases:
        """File a batch of reports and hold every meeting before ``t1``: the cases formed."""
        calls = np.union1d(self._calls, self.file(rep, t_arrive))
        self._calls = calls[calls >= t1]
        times = np.union1d(self.regular_before(t1), calls[calls < t1])
        found = []
        for m in times:
            if len(self._t) == 0 and len(self._carry) == 0:
                self.last = max(self.last, float(m))
                continue
            case = self.meet(float(m))
            if case is not None:
                found.append((float(m), case))
        return self.cases(found)

    def cases(self, found: list[tuple[float, np.ndarray]]) -> Cases:
        """Meetings' cases ``(time, incidents)`` as decisions, with their referral times."""
        k = len(found)
        delib = np.asarray(self.deliberation.take(k), float).reshape(-1)
        if k == 0:
            empty = np.zeros(0)
            none = np.zeros(0, np.int64)
            return Cases(Reports(empty, empty, none, none), empty)
        t_meet = np.array([m for m, _ in found])
        named = np.concatenate([c for _, c in found])
        slot = np.repeat(np.arange(k), [len(c) for _, c in found])
        sev = np.array([self.severity[c].max() for _, c in found])
        return Cases(Reports(t_meet, sev, named, slot), t_meet + delib)
