"""Reporting: when attributed incidents reach the coalition, and in which report (MODEL.md 4).

Only verdicts that name a party are reported.  An incident of at least
``urgent_severity`` goes out alone the moment it is attributed; every other
incident waits for the next routine report, issued every ``report_interval``
and holding all routine incidents attributed in its period.  A report naming
the aggressor starts a coalition decision; its severity is that of the worst
incident it attributes to the aggressor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..scenario.models import Scenario
from .stage import Basics, Delay, Passage, Stage


@dataclass(frozen=True)
class Reports:
    """The reports of one batch that start a decision, and the incidents they name.

    ``t_report`` and ``severity`` have one entry per deciding report, in report
    order; ``named`` lists the aggressor-named incidents of those reports and
    ``slot`` the deciding report (row of ``t_report``) each belongs to.
    """

    t_report: np.ndarray
    severity: np.ndarray
    named: np.ndarray
    slot: np.ndarray

    def __len__(self) -> int:
        return len(self.t_report)


@dataclass(frozen=True)
class Reporting(Stage):
    """Urgent and routine reports: the reporting stage (it draws no random numbers)."""

    stream: ClassVar[str | None] = None
    urgent_severity: float
    report_interval: float
    urgent: np.ndarray  # per breach type: reported at once

    @classmethod
    def build(cls, sc: Scenario, basics: Basics) -> Reporting:
        """The ``reporting`` section, and which breach types are urgent."""
        r = sc.reporting
        return cls(
            urgent_severity=r.urgent_severity,
            report_interval=r.report_interval,
            urgent=basics.severity >= r.urgent_severity,
        )

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least: none; longest: one report interval.

        An urgent incident goes out at once, a routine one attributed just before a report
        with it.
        """
        return Delay(0.0, sc.reporting.report_interval)

    def passage(self, view) -> Passage:
        """Every named incident is reported; the mean wait is half an interval if routine.

        Urgent breach types wait for nothing.
        """
        return Passage(1.0, np.where(self.urgent, 0.0, self.report_interval / 2.0))

    def is_urgent(self, severity: np.ndarray) -> np.ndarray:
        """Whether incidents of these severities are reported at once."""
        return np.asarray(severity) >= self.urgent_severity

    def report_times(
        self, t_attributed: np.ndarray, severity: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        """Each incident's report time, and whether it is urgent."""
        urgent = self.is_urgent(severity)
        interval = self.report_interval
        t_rep = np.where(urgent, t_attributed, (np.floor(t_attributed / interval) + 1.0) * interval)
        return t_rep, urgent

    def compose(
        self,
        ids: np.ndarray,
        t_rep: np.ndarray,
        urgent: np.ndarray,
        verdict: np.ndarray,
        severity: np.ndarray,
        aggressor: int,
    ) -> Reports:
        """Group reported incidents ``ids`` into reports; keep the ones naming the aggressor.

        A report is an urgent incident alone, or all routine incidents of one period;
        reports are ordered by time, routine after urgent at the same time, urgent ones by
        incident, and the incidents of a routine report by incident too (so the order does
        not depend on when an engine learnt of them).  ``verdict`` and ``severity`` are
        indexed by incident.
        """
        key_kind = np.where(urgent, 0, 1)
        key_id = np.where(urgent, ids, -1)
        order = np.lexsort((ids, key_kind, t_rep))  # an urgent report's key is its incident
        ids, t_rep, key_kind, key_id = ids[order], t_rep[order], key_kind[order], key_id[order]
        brk = np.ones(len(ids), bool)
        brk[1:] = (
            (t_rep[1:] != t_rep[:-1])
            | (key_kind[1:] != key_kind[:-1])
            | (key_id[1:] != key_id[:-1])
        )
        report_no = np.cumsum(brk) - 1
        first = np.flatnonzero(brk)
        names_ag = verdict[ids] == aggressor
        if len(ids) == 0:
            sev = np.zeros(0)
        else:
            sev = np.maximum.reduceat(np.where(names_ag, severity[ids], -np.inf), first)
        deciding = np.flatnonzero(np.isfinite(sev))
        slot = np.full(len(first), -1)
        slot[deciding] = np.arange(len(deciding))
        s_of = slot[report_no]
        hit = names_ag & (s_of >= 0)
        return Reports(
            t_report=t_rep[first][deciding],
            severity=sev[deciding],
            named=ids[hit],
            slot=s_of[hit],
        )
