"""The stateful part of a replication: incidents through the queue, reports, decisions.

The fast engine (``engines/fast.py``) drives these objects step by step; the simpy engine
uses the same ``Incidents``, ``DetectionLedger``, the ``Pipeline``'s arrays and draw blocks,
and the ``BeliefLedger``'s rules, so that both consume the same random numbers.  Everything
they hold is indexed by incident: candidate breaches first (``0 .. n_candidates-1``), then
false alarms.  Each object owns one job:

* ``Incidents``: the state-independent draws of every potential incident
  (type, severity, queue priority, service time, verdict);
* ``DetectionLedger``: detections of the breaches that happen, drawn step
  by step in time order (so the draws do not depend on the step length);
* ``Pipeline``: the analyst queue, reports (``reporting.py``), the stages
  added before the coalition, coalition decisions and responses;
* ``BeliefLedger``: the adaptive aggressor's successes and failures.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from . import aggressor as agg
from .attribution import verdicts
from .breaches import Candidates
from .coalition import decision_draws, time_to_quorum
from .escalation import EscalationLedger
from .kernels.queue import AnalystQueue
from .records import NO_ACTION, NOT_ATTRIBUTED, Decisions
from .response import available_rungs, implementation_draws, imposed_share, respond, rung_for
from .sensors import FalseAlarms, detect
from .streams import Streams
from .timing import decision_lead


@dataclass
class Incidents:
    """State-independent draws of every potential incident (candidates, then false alarms)."""

    time: np.ndarray  # breach or alarm time
    type: np.ndarray
    severity: np.ndarray
    priority: np.ndarray  # queue priority (lower first)
    service: np.ndarray
    true_row: np.ndarray  # party index, or n_parties for a false alarm
    verdict: np.ndarray
    t_queued: np.ndarray  # NaN until a breach's detections are drawn

    @classmethod
    def draw(cls, model, cand: Candidates, fa: FalseAlarms, streams: Streams) -> Incidents:
        """Service times and verdicts, each kind of incident on its own stream."""
        att = model.attribution
        nc, nf = len(cand), len(fa)
        rng_b = streams.sub("attribution", "breaches")
        service_b = att.service_time.sample(rng_b, nc)
        party = cand.party.astype(np.int64)
        verdict_b = verdicts(att, party, rng_b.random(nc))
        # A false alarm is one detection: it is verifiable only if one detection suffices.
        # Otherwise no analyst ever sees it, and its service time and verdict (drawn on a
        # stream of their own, which nothing else uses) are not drawn at all.
        none = len(model.parties)
        if att.min_detections <= 1:
            rng_f = streams.sub("attribution", "false_alarms")
            service_f = att.service_time.sample(rng_f, nf)
            verdict_f = verdicts(att, np.full(nf, none), rng_f.random(nf))
            fa_queued = fa.t_arrival
        else:
            service_f = np.full(nf, np.nan)
            verdict_f = np.full(nf, NOT_ATTRIBUTED, np.int8)
            fa_queued = np.full(nf, np.nan)
        type_ = np.concatenate([cand.type, fa.type]).astype(np.int64)
        severity = model.severity[type_]
        return cls(
            time=np.concatenate([cand.t, fa.t]),
            type=type_,
            severity=severity,
            priority=-severity if att.by_severity else np.zeros(nc + nf),
            service=np.concatenate([service_b, service_f]),
            true_row=np.concatenate([party, np.full(nf, none)]),
            verdict=np.concatenate([verdict_b, verdict_f]),
            t_queued=np.concatenate([np.full(nc, np.nan), fa_queued]),
        )

    def __len__(self) -> int:
        return len(self.time)


class DetectionLedger:
    """Detections of the breaches that happened, drawn step by step in time order."""

    def __init__(self, model, state, cand: Candidates, streams: Streams):
        self.model, self.state, self.cand, self.streams = model, state, cand, streams
        n = len(cand)
        self.count = np.zeros(n, np.int64)
        self.t_first = np.full(n, np.nan)
        self.t_mth = np.full(n, np.nan)
        self.position_reported = np.full(n, np.nan)

    def detect(self, idx: np.ndarray) -> np.ndarray:
        """Draw the detections of candidates ``idx`` (ascending); return their queue times."""
        if len(idx) == 0:
            return np.zeros(0)
        c = self.cand
        d = detect(
            self.model.groups,
            self.state,
            c.t[idx],
            c.position[idx],
            c.type[idx],
            self.model.attribution.min_detections,
            self.streams,
        )
        self.count[idx] = d.count
        self.t_first[idx] = d.t_first
        self.t_mth[idx] = d.t_mth
        self.position_reported[idx] = d.position_reported
        return d.t_mth


@dataclass
class _Batch:
    """Decisions started together: their draws, quorum times, and the table rows they fill."""

    rep: object
    t_start: np.ndarray
    members: np.ndarray  # (nations,) when membership is constant, else (decisions, nations)
    votes: np.ndarray
    t_decided: np.ndarray
    impl: np.ndarray
    base: np.ndarray  # the rung each severity gives
    first: int = 0  # the first decision's number, for the settling order

    def __post_init__(self) -> None:
        k = len(self.t_start)
        self.settled = np.zeros(k, bool)
        # (t_report, severity, t_decided, t_response, action, cost), filled as they settle
        self.row = (
            self.rep.t_report,
            self.rep.severity,
            self.t_decided,
            np.full(k, np.nan),
            np.full(k, NO_ACTION, np.int8),
            np.zeros(k),
        )

    def members_rows(self, rows: np.ndarray) -> np.ndarray:
        """The members of decisions ``rows``, in the shape ``imposed_share`` takes."""
        return self.members if self.members.ndim == 1 else self.members[rows]


class Pipeline:
    """Analyst queue, reports, decisions and responses of one replication."""

    def __init__(self, model, inc: Incidents, streams: Streams, membership, learns: bool):
        self.model = model
        self.inc = inc
        self.learns = learns
        self.membership = membership
        members = membership.ever
        self.members = members
        self.queue = AnalystQueue(model.attribution.analysts)
        n = len(inc)
        self.t_service = np.full(n, np.nan)
        self.t_attributed = np.full(n, np.nan)
        self.t_reported = np.full(n, np.nan)
        self.t_decided = np.full(n, np.nan)
        self.t_response = np.full(n, np.nan)
        self.action = np.full(n, NO_ACTION, np.int8)
        self.pending_t = np.zeros(0)
        self.pending_id = np.zeros(0, np.int64)
        self.unreported = np.zeros(0, np.int64)  # attributed (named) incidents awaiting a report
        self.politics = decision_draws(model.coalition, streams.sub("politics", "decisions"))
        self.impl = implementation_draws(model.response, streams.sub("response", "implementation"))
        self.available = available_rungs(model.response, model.coalition, members)
        self.holds = [h.start(streams) for h in model.holds]  # stages before the coalition
        self.commission = model.commission.start(streams, inc.severity)
        self.case = np.full(n, np.nan)  # the case of each aggressor-named incident
        self.decisions: list[tuple[np.ndarray, ...]] = []
        memory = model.response.memory
        self.escalation = None if memory is None else EscalationLedger(memory)
        self.unsettled: list[_Batch] = []  # decisions whose rung waits for ``settle``
        self.lead = (
            decision_lead(model.scenario, members, model.pipeline) if memory is not None else 0.0
        )
        self._seq = 0
        # responses to the aggressor's own breaches: (time, tie-break, breach indices, cost)
        self.success_heap: list[tuple[float, int, np.ndarray, float]] = []
        self._pushes = 0

    def advance(self, new_inc: np.ndarray, t1: float) -> None:
        """Take newly known incidents and run the queue, reports and decisions up to ``t1``."""
        self._serve(new_inc, t1)
        self._report_and_decide(t1)

    def _serve(self, new_inc: np.ndarray, t1: float) -> None:
        """Feed incidents to the queue and start everything that starts before ``t1``."""
        inc = self.inc
        pend_t = np.concatenate([self.pending_t, inc.t_queued[new_inc]])
        pend_id = np.concatenate([self.pending_id, new_inc])
        now = pend_t < t1
        feed_t, feed_id = pend_t[now], pend_id[now]
        self.pending_t, self.pending_id = pend_t[~now], pend_id[~now]
        order = np.lexsort((feed_id, feed_t))
        feed_t, feed_id = feed_t[order], feed_id[order]
        ids, starts = self.queue.advance(
            feed_t, inc.priority[feed_id], inc.service[feed_id], feed_id, t1
        )
        self.t_service[ids] = starts
        self.t_attributed[ids] = starts + inc.service[ids]
        self.unreported = np.concatenate([self.unreported, ids])

    def _report_and_decide(self, t1: float) -> None:
        """Reports that close before ``t1``, the decisions they start and the responses."""
        model, inc = self.model, self.inc
        ids = self.unreported
        ids = ids[inc.verdict[ids] >= 0]  # only verdicts that name a party are reported
        t_rep, urgent = model.reporting.report_times(self.t_attributed[ids], inc.severity[ids])
        due = t_rep < t1
        self.unreported = ids[~due]
        ids, t_rep, urgent = ids[due], t_rep[due], urgent[due]
        self.t_reported[ids] = t_rep
        rep = model.reporting.compose(
            ids, t_rep, urgent, inc.verdict, inc.severity, model.aggressor_index
        )
        t_start = self.hold(rep) if len(rep) else np.zeros(0)
        if self.commission is not None:
            # the commission meets whether or not reports came: every meeting before t1
            cases = self.commission.advance(rep, t_start, t1)
            rep, t_start = cases.reports, cases.t_start
            self.case[rep.named] = cases.incident_cases()
        if len(rep):
            self.decide(rep, t_start)
        if self.escalation is not None:
            self.settle(t1 + self.lead)

    def decide(self, rep, t_start: np.ndarray) -> None:
        """The decisions of ``rep`` (reports, or the commission's cases) from ``t_start``.

        Votes and implementation times are drawn now, in the order decisions start, so that
        the draws do not depend on escalation.  Without escalation the rungs and responses
        follow at once; with it they wait for ``settle``, which takes decisions in quorum
        order (``escalation.py``).
        """
        model = self.model
        k = len(rep)
        members, votes = self.members_at(t_start), self.politics.take(k)
        delay = time_to_quorum(model.coalition, members, t_start, votes)
        t_decided = t_start + delay
        base = self.rungs(t_start, rep.severity)
        batch = _Batch(rep, t_start, members, votes, t_decided, self.impl.take(k), base)
        self.decisions.append(batch.row)
        named = rep.named
        self.t_decided[named] = t_decided[rep.slot]
        if self.escalation is None:
            self._apply(batch, np.arange(k), base)
        else:
            batch.first = self._seq
            self._seq += k
            self.unsettled.append(batch)

    def settle(self, horizon: float) -> None:
        """Rungs and responses of the waiting decisions whose quorum is at or before ``horizon``.

        No decision that starts later can reach its quorum before ``horizon`` (the caller
        adds the least delay to a quorum to what has been reported), so the responses a
        settled decision could see are all known.  Decisions with no quorum settle at once.
        """
        if not self.unsettled:
            return
        order = []
        for b, batch in enumerate(self.unsettled):
            q = batch.t_decided
            due = ~batch.settled & ~(q > horizon)  # NaN (never decided) is due
            for j in np.flatnonzero(due):
                order.append((float(q[j]) if np.isfinite(q[j]) else -math.inf, batch.first + j, b))
        order.sort()
        chosen: dict[int, list[tuple[int, int]]] = {}
        ledger, extra = self.escalation, self.model.response.rung_extra()
        for q, seq, b in order:
            batch = self.unsettled[b]
            j = seq - batch.first
            rung = ledger.rung(q, int(batch.base[j]), self.available_at(batch.members, j))
            if rung >= 0 and math.isfinite(q):
                ledger.record(q + (float(batch.impl[j, rung]) + float(extra[rung])), rung)
            chosen.setdefault(b, []).append((j, rung))
        for b, picks in chosen.items():
            batch = self.unsettled[b]
            rows = np.array([j for j, _ in picks], np.int64)
            batch.settled[rows] = True
            self._apply(batch, rows, np.array([r for _, r in picks], np.int64))
        self.unsettled = [x for x in self.unsettled if not x.settled.all()]

    def _apply(self, batch: _Batch, rows: np.ndarray, rung: np.ndarray) -> None:
        """The responses of a batch's decisions ``rows`` on rungs ``rung``, written back."""
        model, inc = self.model, self.inc
        t0, members, votes = batch.t_start[rows], batch.members_rows(rows), batch.votes[rows]
        share = imposed_share(model.response, model.coalition, t0, members, votes, rung)
        t_response, action, cost = respond(
            model.response, rung, batch.t_decided[rows], batch.impl[rows], share
        )
        _, _, _, r_resp, r_action, r_cost = batch.row
        r_resp[rows], r_action[rows], r_cost[rows] = t_response, action, cost
        # write the decision back to the aggressor-named incidents of each decision
        rep = batch.rep
        pick = np.isin(rep.slot, rows)
        named, s_inc = rep.named[pick], rep.slot[pick]
        self.t_response[named] = r_resp[s_inc]
        self.action[named] = r_action[s_inc]
        if self.learns:
            # the aggressor learns from its own breaches that were answered
            own = (inc.true_row[named] == model.aggressor_index) & np.isfinite(
                self.t_response[named]
            )
            for j in np.unique(s_inc[own]):
                self._pushes += 1  # unique tie-break: arrays are never compared
                heapq.heappush(
                    self.success_heap,
                    (float(r_resp[j]), self._pushes, named[own & (s_inc == j)], r_cost[j]),
                )

    def available_at(self, members: np.ndarray, j: int) -> np.ndarray:
        """The rungs the members of decision ``j`` of a batch can carry out."""
        if self.membership.constant:
            return self.available
        mask = np.atleast_2d(members)[j]
        return available_rungs(self.model.response, self.model.coalition, mask)

    def members_at(self, t_start: np.ndarray) -> np.ndarray:
        """Who takes part in each decision: the members at its start (MODEL 8)."""
        if self.membership.constant:
            return self.members
        return self.membership.at(np.nan_to_num(t_start, nan=np.inf))

    def rungs(self, t_start: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """The rung each decision's severity triggers among what its members can carry out."""
        if self.membership.constant:
            return rung_for(self.model.response, self.available, severity)
        members = self.members_at(t_start)
        out = np.empty(len(severity), np.int64)
        for j, (mask, sev) in enumerate(zip(members, severity, strict=True)):
            avail = available_rungs(self.model.response, self.model.coalition, mask)
            out[j] = rung_for(self.model.response, avail, np.array([sev]))[0]
        return out

    def hold(self, rep) -> np.ndarray:
        """When each deciding report's decision starts: at once, or after the added stages."""
        t_start = rep.t_report
        for run in self.holds:
            t_start = run.advance(t_start, rep.severity)
        return t_start

    def decisions_table(self, end: float) -> Decisions:
        """Every decision whose report left by ``end``; later stages after ``end`` are NaN."""
        if self.decisions:
            t_rep, sev, t_dec, t_resp, action, cost = (
                np.concatenate(x) for x in zip(*self.decisions, strict=True)
            )
        else:
            t_rep = sev = t_dec = t_resp = cost = np.zeros(0)
            action = np.zeros(0, np.int8)
        t_dec = np.where(t_dec <= end, t_dec, np.nan)
        t_resp = np.where(t_resp <= end, t_resp, np.nan)
        done = np.isfinite(t_resp)
        keep = t_rep <= end
        return Decisions(
            t_report=t_rep[keep],
            severity=sev[keep],
            t_decided=t_dec[keep],
            t_response=t_resp[keep],
            action=np.where(done, action, NO_ACTION).astype(np.int8)[keep],
            cost=np.where(done, cost, 0.0)[keep],
        )


class BeliefLedger:
    """The adaptive aggressor's accepted breaches and their belief deadlines.

    A breach is a success when a response to it lands by ``t_breach + horizon``
    and a failure when that deadline passes first.  Accepted breaches arrive in
    time order, so their deadlines do too: a pointer walks them.
    """

    def __init__(self, cand: Candidates, horizon: float, capacity: int):
        self.cand = cand
        self.horizon = horizon
        self.accepted = np.empty(capacity, np.int64)
        self.n = 0
        self.ptr = 0
        self.succeeded = np.zeros(len(cand), bool)

    def add(self, idx: np.ndarray) -> None:
        """Record newly accepted aggressor breaches (in time order)."""
        self.accepted[self.n : self.n + len(idx)] = idx
        self.n += len(idx)

    def answered(self, t_r: float, idx: np.ndarray, rows: list[tuple], cost: float) -> None:
        """A response landing at ``t_r`` for breaches ``idx``: one success row per type.

        Only breaches not answered before and whose deadline has not passed count; each
        brings the response's imposed ``cost`` to the row's cost sum (MODEL 9).
        """
        cand = self.cand
        idx = idx[(cand.t[idx] + self.horizon >= t_r) & ~self.succeeded[idx]]
        self.succeeded[idx] = True
        if len(idx) == 0:
            return
        ty = cand.type[idx].astype(np.int64)
        counts = np.bincount(ty)
        sums = np.bincount(ty, weights=t_r - cand.t[idx])
        for k in np.flatnonzero(counts):
            rows.append((t_r, k, counts[k], sums[k], counts[k] * float(cost)))

    def combine(self, rows: list[tuple], due: np.ndarray) -> agg.BeliefEvents:
        """Success ``rows`` and the failures of the unanswered breaches ``due``, by time.

        At one time, successes come first (in the order given), then failures.
        """
        cand, horizon = self.cand, self.horizon
        due = due[~self.succeeded[due]]
        k_s, k_f = len(rows), len(due)
        if k_s + k_f == 0:
            return agg.BeliefEvents.empty()
        times, types, succ, dsum, csum = zip(*rows, strict=True) if rows else ((),) * 5
        time = np.concatenate([np.asarray(times, float), cand.t[due] + horizon])
        order = np.argsort(time, kind="stable")
        return agg.BeliefEvents(
            time=time[order],
            type=np.concatenate([np.asarray(types, np.int64), cand.type[due]]).astype(np.int64)[
                order
            ],
            successes=np.concatenate([np.asarray(succ, float), np.zeros(k_f)])[order],
            failures=np.concatenate([np.zeros(k_s), np.ones(k_f)])[order],
            delay_sum=np.concatenate([np.asarray(dsum, float), np.zeros(k_f)])[order],
            cost_sum=np.concatenate([np.asarray(csum, float), np.zeros(k_f)])[order],
        )

    def events(self, heap: list, t1: float) -> agg.BeliefEvents:
        """Successes (responses landing) and failures (deadlines passing) before ``t1``."""
        rows: list[tuple] = []
        while heap and heap[0][0] < t1:
            t_r, _, idx, cost = heapq.heappop(heap)
            self.answered(t_r, idx, rows, cost)
        acc = self.accepted[self.ptr : self.n]
        hi = int(np.searchsorted(self.cand.t[acc], t1 - self.horizon, side="left"))
        due = acc[:hi]
        self.ptr += hi
        return self.combine(rows, due)
