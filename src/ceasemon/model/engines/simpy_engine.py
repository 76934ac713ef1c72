"""The simpy engine: the whole mechanism as simpy processes, one per part (MODEL.md 1-6).

It is the model's readable form and the oracle of the fast engine: it starts from the same
draws (``draws.py``), consumes the random numbers the state decides on (detections,
decisions' votes and implementation times) in the same order, and fills the same arrays,
so both engines give identical records for a seed.  It is far slower (a process step per
breach and incident instead of bulk numpy), so it is for reading, checking and prototyping.

The processes:

* ``breaches``: candidate breaches in time order; the aggressor's are thinned at its
  current intensity, a retaliation happens if its aggressor breach did, and a breach that
  happens is detected at once (its detections' arrival times are drawn now);
* ``door``/``desk``: verifiable incidents queue for the analysts, a
  ``simpy.PriorityResource`` (highest severity first, FIFO within a severity);
* ``report``: urgent incidents leave at once, routine ones with the next periodic report;
* ``decide``/``vote``: each member nation waits its delay and votes; the coalition decides
  when the weight of yes votes reaches the quorum within the window;
* ``respond``: the response lands after its implementation (and travel) time;
* ``think``/``watch``: the aggressor takes in the responses that land and the deadlines that
  pass, changes its intensity, and launches the offensive when the temptation has lasted.

Ties at one instant follow the fast engine's rules, by event priority (lower first):
incidents join the queue, completions (services, votes, responses), learning deadlines,
the aggressor's update, the offensive, breaches, and last the things that start (a
service, a report), which do not start at the end of simulated time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from heapq import heappush

import numpy as np
import simpy

from ...scenario.models import Scenario
from .. import aggressor as agg
from ..assemble import assemble
from ..build import Model
from ..coalition import counted_votes
from ..pipeline import BeliefLedger
from ..records import NO_ACTION, ReplicationRecords
from ..response import imposed_share, respond
from ..timing import learning_deadline
from .draws import Draws, draw

#: Priorities of events at one instant (lower first; simpy's own events are 0 and 1).
JOIN, DONE, DEADLINE, THINK, OFFENSIVE, BREACH, START, MEET, FINISH = 0, 1, 2, 3, 4, 5, 6, 7, 99


class Clock(simpy.Environment):
    """A simpy environment that can schedule at an absolute time (``now + delay`` may round)."""

    def at(self, t: float, priority: int = DONE) -> simpy.Event:
        """An event that fires at time ``t`` exactly, with ``priority`` among ties."""
        ev = simpy.Event(self)
        ev._ok = True
        ev._value = None
        # simpy.Environment.schedule takes a delay; the queue entry is (time, priority, id, ev)
        heappush(self._queue, (float(t), priority, next(self._eid), ev))
        return ev


class World:
    """One replication's processes and the state they share."""

    def __init__(self, d: Draws):
        self.d = d
        self.model: Model = d.model
        self.env = Clock()
        self.end = float(self.model.duration)
        self.collapse_day = math.nan
        self.stop = self.env.event()
        self.analysts = simpy.PriorityResource(self.env, capacity=self.model.attribution.analysts)
        self.horizon = learning_deadline(self.model.scenario, self.model.pipeline)
        self.watching = math.nan  # the due time of the offensive watch last started
        self.learns = d.policy.state_dependent
        self.path: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        self.decisions: list[list] = []
        # belief updates waiting for the aggressor's next look, by time
        self.landed: dict[float, list] = defaultdict(list)
        self.deadlines: dict[float, list] = defaultdict(list)
        self.queue_at: dict[float, list[int]] = {}
        self.report_at: dict[float, list[int]] = {}
        self.weighed_at = -math.inf  # the last instant whose aggressor candidates were weighed
        self.ledger = BeliefLedger(d.cand, self.horizon, 0)  # its successes and failures

    # ---------------------------------------------------------------- helpers
    def stopped(self) -> bool:
        """True once simulated time has reached its end (the duration, or the collapse)."""
        return self.env.now >= self.end

    def collapse(self, t: float) -> None:
        """The ceasefire collapses at ``t`` (now): simulated time ends here."""
        if t < self.end:
            self.end = self.collapse_day = float(t)
            self.stop.succeed()

    # ---------------------------------------------------------------- the aggressor
    def start_aggressor(self) -> None:
        """A state-independent policy is stepped once; an adaptive one looks at time 0."""
        p = self.d.policy
        self.t_last = 0.0
        if not self.learns:
            self.current = p.step(0.0, self.end, agg.BeliefEvents.empty())
            self._record(self.current)
            c = self.current.collapse
            if c is not None and c < self.end:
                self.env.process(self.offensive_at(c))
        else:
            self.look(agg.BeliefEvents.empty())

    def offensive_at(self, t: float):
        """Process: the offensive of a state-independent policy, known from the start."""
        yield self.env.at(t, OFFENSIVE)
        self.collapse(t)

    def _record(self, res: agg.StepResult) -> None:
        self.path[0].append(res.times)
        self.path[1].append(res.values)

    def look(self, events: agg.BeliefEvents) -> None:
        """The adaptive aggressor takes in this instant's updates; it may launch the offensive.

        An update that comes after this instant's aggressor candidates were weighed (a
        response landing at the very instant of its breach: every delay of the chain 0) is
        taken in just after the instant, as in the fast engine.
        """
        now = self.env.now
        t1 = float(np.nextafter(now, math.inf))
        if self.weighed_at == now and len(events.time):
            events.time = np.maximum(events.time, t1)
        res = self.d.policy.step(self.t_last, t1, events)
        self.t_last = t1
        self.current = res
        self._record(res)
        if res.collapse is not None and res.collapse < t1:
            self.collapse(res.collapse)
            return
        offensive = self.d.policy.offensive
        due = None if offensive is None else offensive.pending()
        if due is not None and now < due < self.end and due != self.watching:
            self.watching = due  # one watch per due time, however many looks come before it
            self.env.process(self.watch(due))

    def watch(self, due: float):
        """Process: look again when a temptation in progress will have lasted its window."""
        yield self.env.at(due, OFFENSIVE)
        if not self.stopped() and self.t_last <= due:
            self.look(agg.BeliefEvents.empty())

    def intensity(self, t: float, type_: int) -> float:
        """The aggressor's intensity for a breach type at time ``t`` (now)."""
        return float(self.current.at(np.array([t]), np.array([type_]))[0])

    def think(self, t: float):
        """Process: at ``t``, responses that landed and deadlines that passed update beliefs."""
        yield self.env.at(t, THINK)
        if self.stopped():
            return
        rows: list[tuple] = []
        for _, t_r, idx, cost in sorted(self.landed.pop(t, []), key=lambda x: x[0]):
            self.ledger.answered(t_r, idx, rows, cost)
        due = np.array(sorted(self.deadlines.pop(t, [])), np.int64)
        self.look(self.ledger.combine(rows, due))

    def _wake(self, t: float) -> None:
        if t not in self.landed and t not in self.deadlines:
            self.env.process(self.think(t))

    def deadline(self, i: int):
        """Process: an aggressor breach unanswered by its deadline counts as a failure."""
        t = float(self.d.cand.t[i] + self.horizon)
        yield self.env.at(t, DEADLINE)
        self._wake(t)
        self.deadlines[t].append(i)

    # ---------------------------------------------------------------- breaches
    def breaches(self):
        """Process: candidate breaches in time order; the ones that happen are detected."""
        cand, d = self.d.cand, self.d
        imax = d.policy.intensity_max
        for i in range(len(cand)):
            yield self.env.at(cand.t[i], BREACH)
            if self.stopped():
                return
            if cand.is_aggressor[i]:
                self.weighed_at = float(cand.t[i])
                happens = cand.u_accept[i] * imax < self.intensity(cand.t[i], int(cand.type[i]))
            elif cand.parent[i] >= 0:
                happens = d.accepted[cand.parent[i]]
            else:
                happens = True
            if not happens:
                continue
            d.accepted[i] = True
            t_q = float(d.det.detect(np.array([i]))[0])
            d.inc.t_queued[i] = t_q
            if self.learns and cand.is_aggressor[i]:
                self.env.process(self.deadline(i))
            if math.isfinite(t_q):
                self.join(i, t_q)

    # ---------------------------------------------------------------- analysts
    def join(self, i: int, t: float) -> None:
        """Incident ``i`` will join the analysts' queue at time ``t``."""
        if t not in self.queue_at:
            self.queue_at[t] = []
            self.env.process(self.door(t))
        self.queue_at[t].append(i)

    def door(self, t: float):
        """Process: the incidents arriving at ``t`` ask for an analyst, in incident order."""
        yield self.env.at(t, JOIN)
        ids = sorted(self.queue_at.pop(t))
        if self.stopped():
            return
        for i in ids:
            req = self.analysts.request(priority=self.d.inc.priority[i])
            self.env.process(self.desk(i, req))

    def desk(self, i: int, req):
        """Process: an analyst serves the incident and gives the verdict drawn for it."""
        yield req
        yield self.env.at(self.env.now, START)  # a service does not start at the end
        if self.stopped():
            self.analysts.release(req)
            return
        pipe = self.d.pipe
        pipe.t_service[i] = self.env.now
        t_done = self.env.now + self.d.inc.service[i]
        yield self.env.at(t_done, DONE)
        pipe.t_attributed[i] = t_done
        self.analysts.release(req)
        if self.d.inc.verdict[i] >= 0:  # only verdicts that name a party are reported
            self.file(i, t_done)

    # ---------------------------------------------------------------- reports
    def file(self, i: int, t_att: float) -> None:
        """An attributed incident waits for its report (at once if urgent)."""
        t_rep, _ = self.model.reporting.report_times(
            np.array([t_att]), np.array([self.d.inc.severity[i]])
        )
        t = float(t_rep[0])
        if t not in self.report_at:
            self.report_at[t] = []
            self.env.process(self.report(t))
        self.report_at[t].append(i)

    def report(self, t: float):
        """Process: the reports leaving at ``t``; those naming the aggressor start a decision."""
        yield self.env.at(t, START)
        ids = np.array(self.report_at.pop(t), np.int64)
        if self.stopped():
            return
        m, inc, pipe = self.model, self.d.inc, self.d.pipe
        pipe.t_reported[ids] = t
        t_rep = np.full(len(ids), t)
        urgent = m.reporting.is_urgent(inc.severity[ids])
        rep = m.reporting.compose(ids, t_rep, urgent, inc.verdict, inc.severity, m.aggressor_index)
        if len(rep) == 0:
            return
        t_start = pipe.hold(rep)  # the added stages before the coalition, if any
        run = pipe.commission
        if run is None:
            self.start_decisions(rep, rep.t_report, t_start)
            return
        for m in run.file(rep, t_start):  # reports go to the commission
            self.env.process(self.meeting(float(m)))

    def start_decisions(self, rep, t_row: np.ndarray, t_start: np.ndarray) -> None:
        """Decisions on ``rep`` (reports or cases), recorded at ``t_row``, from ``t_start``."""
        pipe = self.d.pipe
        k = len(rep)
        votes = pipe.politics.take(k)
        impl = pipe.impl.take(k)
        rung = pipe.rungs(t_start, rep.severity)  # among what the members at its start can do
        for j in range(k):
            named = rep.named[rep.slot == j]
            row = [
                float(t_row[j]),
                float(rep.severity[j]),
                math.nan,
                math.nan,
                NO_ACTION,
                0.0,
                len(self.decisions),
            ]
            self.decisions.append(row)
            self.env.process(
                self.decide(row, named, votes[j], impl[j], int(rung[j]), float(t_start[j]))
            )

    # ---------------------------------------------------------------- commission
    def sessions(self):
        """Process: the commission's regular meetings, every ``meeting_interval``."""
        interval = self.model.commission.interval
        k = 1
        while k * interval < self.end:
            yield self.env.at(k * interval, MEET)
            if self.stopped():
                return
            self.hold_meeting()
            k += 1

    def meeting(self, t: float):
        """Process: an extraordinary meeting, called by a report for ``t``."""
        yield self.env.at(t, MEET)
        if not self.stopped():
            self.hold_meeting()

    def hold_meeting(self) -> None:
        """A meeting now (a second one at this instant does nothing); its case, if any."""
        run = self.d.pipe.commission
        case = run.meet(self.env.now)
        if case is None:
            return
        cases = run.cases([(self.env.now, case)])
        self.d.pipe.case[cases.reports.named] = cases.incident_cases()
        self.start_decisions(cases.reports, cases.reports.t_report, cases.t_start)

    # ---------------------------------------------------------------- coalition
    def decide(self, row: list, named: np.ndarray, votes: np.ndarray, impl, rung: int, t0: float):
        """Process: from ``t0`` the member nations vote; a quorum within the window decides."""
        if not math.isfinite(t0):
            return  # an added stage stopped the report
        if t0 > self.env.now:
            yield self.env.at(t0, DONE)
        c = self.model.coalition
        members = np.atleast_2d(self.d.pipe.members_at(np.array([t0])))[0]  # at its start
        total = float(c.weights[members].sum())
        if total <= 0:
            return
        need = c.quorum * total
        decided = self.env.event()
        # whose yes vote counts: within the window, and before a withdrawal
        counted = counted_votes(c, members, np.array([t0]), votes[None, :])
        if need <= 0:
            decided.succeed()
        else:
            tally = [0.0]
            for j in np.flatnonzero(counted[0]):
                self.env.process(self.vote(j, float(votes[j]), need, tally, decided))
        yield decided
        pipe = self.d.pipe
        pipe.t_decided[named] = self.env.now
        row[2] = self.env.now
        if pipe.escalation is not None:  # soon after a response: a rung above it (MODEL 9)
            rung = pipe.escalation.rung(self.env.now, rung, pipe.available_at(members, 0))
        m = self.model  # the imposed share: every counted yes, also those after the quorum
        share = imposed_share(
            m.response, c, np.array([t0]), members, votes[None, :], np.array([rung])
        )
        self.env.process(self.respond(row, named, impl, rung, share))

    def vote(self, j: int, delay: float, need: float, tally: list, decided):
        """Process: nation ``j`` votes yes after its delay; its weight may make the quorum."""
        yield self.env.timeout(delay)
        tally[0] += float(self.model.coalition.weights[j])
        if not decided.triggered and tally[0] >= need * (1 - 1e-12):
            decided.succeed()

    # ---------------------------------------------------------------- response
    def respond(self, row: list, named: np.ndarray, impl: np.ndarray, rung: int, share):
        """Process: the rung the severity triggers is carried out and lands on the aggressor.

        It imposes its cost times ``share`` (the yes-voters' capability share, MODEL 9).
        """
        t_dec = np.array([row[2]])
        t_resp, action, cost = respond(
            self.model.response, np.array([rung]), t_dec, impl[None], share
        )
        pipe = self.d.pipe
        pipe.action[named] = action[0]
        row[4], row[5] = int(action[0]), float(cost[0])
        if not np.isfinite(t_resp[0]):
            return
        t = float(t_resp[0])
        if pipe.escalation is not None:  # known from the decision on: later quorums see it
            pipe.escalation.record(t, rung)
        yield self.env.at(t, DONE)
        pipe.t_response[named] = t
        row[3] = t
        if self.learns:
            own = named[self.d.inc.true_row[named] == self.model.aggressor_index]
            if len(own):
                self._wake(t)
                # by decision number, as the fast engine; with the imposed cost it learns from
                self.landed[t].append((row[6], t, own, row[5]))

    # ---------------------------------------------------------------- the run
    def run(self) -> ReplicationRecords:
        """Start every process, run to the end of simulated time, assemble the records."""
        d = self.d
        self.start_aggressor()
        self.env.process(self.breaches())
        if d.pipe.commission is not None:
            self.env.process(self.sessions())
        nc = len(d.cand)
        t_fa = d.inc.t_queued[nc:]
        for j in np.flatnonzero(np.isfinite(t_fa)):
            self.join(nc + int(j), float(t_fa[j]))
        self.env.process(self.finish())
        if not self.stop.triggered:
            self.env.run(until=self.stop)
        return self._assemble()

    def finish(self):
        """Process: simulated time ends after every other event of the last instant.

        At the end, completions (services, votes, responses) still count; nothing starts.
        """
        yield self.env.at(self.end, FINISH)
        if not self.stop.triggered:
            self.stop.succeed()

    def _assemble(self) -> ReplicationRecords:
        d = self.d
        rows = self.decisions
        cols = list(zip(*rows, strict=True)) if rows else [[]] * 7
        d.pipe.decisions = [
            (
                np.asarray(cols[0], float),
                np.asarray(cols[1], float),
                np.asarray(cols[2], float),
                np.asarray(cols[3], float),
                np.asarray(cols[4], np.int8),
                np.asarray(cols[5], float),
            )
        ]
        return assemble(
            self.model,
            d.cand,
            d.fa,
            d.inc,
            d.det,
            d.pipe,
            d.accepted,
            self.path,
            self.end,
            self.collapse_day,
            d.membership,
        )


def simulate_simpy(
    model: Model | Scenario, seed: np.random.SeedSequence | int
) -> ReplicationRecords:
    """Run one replication with the simpy engine (identical records to ``simulate_fast``)."""
    return World(draw(model, seed)).run()
