"""One replication: build the stages from a scenario and a seed, run them, return records.

The work splits in two (DESIGN.md, "Speed by design"):

1. Everything that does not depend on the simulation's state is drawn in bulk
   with numpy: candidate breaches, their positions, retaliations,
   detections, false alarms, service times and verdicts.
2. The stateful part runs forward in steps ``[t, t + lag)``: accept the
   aggressor's candidates at the intensity its beliefs give, feed the
   analyst queue, emit reports, take coalition decisions and schedule
   responses, which update the aggressor's beliefs.

The step ``lag`` is the shortest time in which a breach can change the
aggressor's state (the least report-to-response delay, and the belief
deadline), so nothing decided inside a step can affect another decision in
the same step: the steps are exact, not an approximation, and results do not
depend on ``lag`` (a test checks this).  When the aggressor's intensity does
not depend on the state (``fixed``, ``rational``) the whole run is one step.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from ..experiment.seeds import Streams, replication_seed
from ..scenario.models import Scenario
from . import aggressor as agg
from .attribution import AnalystQueue, AttributionParams, build_attribution, verdicts
from .breaches import Candidates, PartyParams, build_parties, draw_candidates
from .coalition import CoalitionParams, build_coalition, decision_draws, ratify, time_to_quorum
from .line import Line, build_line
from .records import (
    BREACH,
    FALSE_ALARM,
    NO_ACTION,
    NO_PARTY,
    NOT_ATTRIBUTED,
    STAGE_TIMES,
    Decisions,
    Events,
    IntensityPath,
    Labels,
    ReplicationRecords,
)
from .response import (
    ResponseParams,
    available_rungs,
    build_response,
    implementation_draws,
    respond,
    rung_for,
)
from .sensors import GroupParams, build_network, detect, draw_state, false_alarms


@dataclass(frozen=True, eq=False)
class Model:
    """A scenario compiled into plain per-stage parameters, built once for all replications."""

    scenario: Scenario
    types: tuple[str, ...]
    severity: np.ndarray
    line: Line
    parties: tuple[PartyParams, ...]
    groups: tuple[GroupParams, ...]
    attribution: AttributionParams
    coalition: CoalitionParams
    response: ResponseParams
    aggressor: agg.AggressorParams
    urgent_severity: float
    report_interval: float
    duration: float
    warmup: float

    @property
    def aggressor_index(self) -> int:
        """Party index of the aggressor."""
        return next(p.index for p in self.parties if p.is_aggressor)

    @property
    def defender_index(self) -> int:
        """Party index of the defender."""
        return next(p.index for p in self.parties if not p.is_aggressor)

    def labels(self) -> Labels:
        """Names behind the codes of the event columns."""
        from ..scenario.models import ACTIONS

        return Labels(
            parties=tuple(p.name for p in self.parties),
            types=self.types,
            sectors=self.line.names,
            actions=ACTIONS,
            aggressor=self.aggressor_index,
            defender=self.defender_index,
        )


def build_model(sc: Scenario) -> Model:
    """Compile a validated scenario into stage parameters."""
    types = tuple(sc.breach_types)
    line = build_line(sc)
    return Model(
        scenario=sc,
        types=types,
        severity=np.array([sc.breach_types[t].severity for t in types], dtype=float),
        line=line,
        parties=build_parties(sc, line, types),
        groups=build_network(sc, line, types),
        attribution=build_attribution(sc),
        coalition=build_coalition(sc),
        response=build_response(sc),
        aggressor=agg.build_aggressor(sc, types),
        urgent_severity=sc.reporting.urgent_severity,
        report_interval=sc.reporting.report_interval,
        duration=sc.duration,
        warmup=sc.warmup,
    )


def longest(dist: object) -> float:
    """Longest value of a distribution; mean + 3 sd where it is unbounded."""
    hi = dist.upper()
    return hi if math.isfinite(hi) else dist.mean() + 3.0 * math.sqrt(dist.var())


def belief_horizon(model: Model) -> float:
    """Time after a breach at which an unanswered breach counts as a failure (MODEL.md 6)."""
    r = model.response
    extra = r.rung_extra()
    return model.coalition.window + max(
        longest(d) + e for d, e in zip(r.implementation, extra, strict=True)
    )


def least_response_lag(model: Model, members: np.ndarray, available: np.ndarray) -> float:
    """Least possible time from a report to a response landing (inf when none can)."""
    c, r = model.coalition, model.response
    if not members.any() or not available.any():
        return math.inf
    if c.quorum <= 0:
        vote = 0.0
    else:
        lows = [d.lower() for d, m in zip(c.delays, members, strict=True) if m]
        vote = min(lows)
        if vote > c.window:
            return math.inf
    impl = min(
        d.lower() + e
        for d, e, ok in zip(r.implementation, r.rung_extra(), available, strict=True)
        if ok
    )
    return vote + impl


def make_policy(model: Model, members: np.ndarray, streams: Streams):
    """The aggressor policy of this replication (rational needs the ratified coalition)."""
    a = model.aggressor
    n = len(model.types)
    if a.policy == "fixed":
        return agg.FixedPolicy(n)
    available = available_rungs(model.response, model.coalition, members)
    rung = rung_for(model.response, available, model.severity)
    rung_cost = np.where(rung >= 0, model.response.cost[np.maximum(rung, 0)], 0.0)
    if a.policy == "adaptive":
        return agg.AdaptivePolicy(a, rung_cost, n)
    from .analytic import expected_costs

    costs = expected_costs(model, members, streams.stage("aggressor"))
    return agg.RationalPolicy(a, costs)


class _Pipeline:
    """Mutable state of one replication's stateful part."""

    def __init__(
        self, model: Model, n_inc: int, streams: Streams, members: np.ndarray, learns: bool
    ):
        self.model = model
        self.learns = learns
        self.members = members
        self.queue = AnalystQueue(model.attribution.analysts)
        nan = np.full(n_inc, np.nan)
        self.t_service = nan.copy()
        self.t_attributed = nan.copy()
        self.t_reported = nan.copy()
        self.t_decided = nan.copy()
        self.t_response = nan.copy()
        self.action = np.full(n_inc, NO_ACTION, np.int8)
        self.pending_t = np.zeros(0)
        self.pending_id = np.zeros(0, np.int64)
        self.unreported = np.zeros(0, np.int64)  # attributed (named) incidents awaiting a report
        self.politics = decision_draws(model.coalition, streams.sub("politics", "decisions"))
        self.impl = implementation_draws(model.response, streams.sub("response", "implementation"))
        self.available = available_rungs(model.response, model.coalition, members)
        self.decisions: list[tuple[np.ndarray, ...]] = []
        self.success_heap: list[tuple[float, int, np.ndarray, np.ndarray]] = []
        self._decision_no = 0


def simulate(
    model: Model | Scenario,
    seed: np.random.SeedSequence | int,
    *,
    lag: float | None = None,
) -> ReplicationRecords:
    """Run one replication.

    Args:
        model: a compiled ``Model`` (or a ``Scenario``, compiled here).
        seed: the replication's SeedSequence, or an int (replication 0 of that root seed).
        lag: step length override, for tests; it must not exceed the exact bound.

    Returns:
        The replication's records; ``metrics()`` turns them into numbers.
    """
    if isinstance(model, Scenario):
        model = build_model(model)
    if not isinstance(seed, np.random.SeedSequence):
        seed = replication_seed(int(seed), 0)
    streams = Streams(seed)
    horizon_t = model.duration
    members = ratify(model.coalition, streams.sub("politics", "ratification"))
    policy = make_policy(model, members, streams)

    cand = draw_candidates(
        model.parties, model.types, model.line, horizon_t, policy.intensity_max, streams
    )
    net_state = draw_state(model.groups, horizon_t, streams)
    # Detections are drawn step by step for the breaches that happen (in time order, so the
    # draws do not depend on the step length); a rejected candidate costs no detection work.
    det = _DetectionLedger(model, net_state, cand, streams)
    fa = false_alarms(model.groups, net_state, model.line, horizon_t, streams)
    nc, nf = len(cand), len(fa)
    n_inc = nc + nf

    # Per-incident state-independent draws: service time and verdict uniform.
    att = model.attribution
    rng_b = streams.sub("attribution", "breaches")
    rng_f = streams.sub("attribution", "false_alarms")
    service = np.concatenate(
        [att.service_time.sample(rng_b, nc), att.service_time.sample(rng_f, nf)]
    )
    u_verdict = np.concatenate([rng_b.random(nc), rng_f.random(nf)])
    n_parties = len(model.parties)
    true_row = np.concatenate([cand.party.astype(np.int64), np.full(nf, n_parties)])
    verdict = verdicts(att, true_row, u_verdict)
    inc_type = np.concatenate([cand.type, fa.type]).astype(np.int64)
    inc_sev = model.severity[inc_type]
    priority = -inc_sev if att.by_severity else np.zeros(n_inc)
    fa_queued = fa.t_arrival if att.min_detections <= 1 else np.full(nf, np.nan)
    t_queued = np.concatenate([np.full(nc, np.nan), fa_queued])
    inc_time = np.concatenate([cand.t, fa.t])

    pipe = _Pipeline(model, n_inc, streams, members, policy.state_dependent)
    accepted = np.zeros(nc, bool)
    ag_idx = np.flatnonzero(cand.is_aggressor)
    own_idx = np.flatnonzero(~cand.is_aggressor & (cand.parent < 0))
    ret_idx = np.flatnonzero(cand.parent >= 0)
    t_ag, t_own, t_ret = cand.t[ag_idx], cand.t[own_idx], cand.t[ret_idx]
    horizon = belief_horizon(model)
    if policy.state_dependent:
        bound = min(least_response_lag(model, members, pipe.available), horizon)
        step = bound if lag is None else min(lag, bound)
    else:
        step = math.inf if lag is None else lag
    beliefs = _BeliefLedger(cand, horizon, len(ag_idx))
    path_t: list[np.ndarray] = []
    path_v: list[np.ndarray] = []
    end = horizon_t
    collapse_day = math.nan
    t = 0.0
    ag_ptr = own_ptr = ret_ptr = fa_ptr = 0
    while t < end:
        if step > 0:
            t1 = min(t + step, end)
        else:  # no least lag: step from one aggressor candidate to the next
            t1 = end if ag_ptr >= len(t_ag) else min(end, np.nextafter(t_ag[ag_ptr], math.inf))
            t1 = max(t1, np.nextafter(t, math.inf))
        # 1. belief updates in [t, t1): responses landing, deadlines passing
        if policy.state_dependent:
            events = beliefs.events(pipe.success_heap, t1)
        else:
            events = agg.BeliefEvents.empty()
        res = policy.step(t, t1, events)
        path_t.append(res.times)
        path_v.append(res.values)
        if res.collapse is not None and res.collapse < t1:
            end = t1 = res.collapse
            collapse_day = res.collapse
        # 2. accept the aggressor's candidates in [t, t1); the defender's own breaches are given
        hi = int(np.searchsorted(t_ag, t1, side="left"))
        new_ag = ag_idx[ag_ptr:hi]
        ok = cand.u_accept[new_ag] * policy.intensity_max < res.at(
            t_ag[ag_ptr:hi], cand.type[new_ag]
        )
        ag_ptr = hi
        new_ag = new_ag[ok]
        accepted[new_ag] = True
        hi = int(np.searchsorted(t_own, t1, side="left"))
        new_own = own_idx[own_ptr:hi]
        own_ptr = hi
        # retaliations falling in this step whose aggressor breach happened (now or earlier)
        hi = int(np.searchsorted(t_ret, t1, side="left"))
        kids = ret_idx[ret_ptr:hi]
        ret_ptr = hi
        kids = kids[accepted[cand.parent[kids]]]
        new = np.sort(np.concatenate([new_ag, new_own, kids]))
        accepted[new] = True
        t_queued[new] = det.detect(new)
        if policy.state_dependent:
            beliefs.add(new_ag)
        hi = int(np.searchsorted(fa.t, t1, side="left"))
        new_fa = nc + np.arange(fa_ptr, hi)
        fa_ptr = hi
        # 3. analyst queue, reports, decisions
        new_inc = np.concatenate([new, new_fa])
        new_inc = new_inc[np.isfinite(t_queued[new_inc])]
        _advance(pipe, new_inc, t_queued, priority, service, t1)
        _report_and_decide(pipe, verdict, inc_sev, true_row, t1)
        t = t1

    return _records(
        model,
        cand,
        det,
        fa,
        accepted,
        pipe,
        verdict,
        inc_type,
        inc_sev,
        t_queued,
        inc_time,
        end,
        collapse_day,
        members,
        path_t,
        path_v,
    )


class _DetectionLedger:
    """Detections of the breaches that happened, drawn step by step in time order."""

    def __init__(self, model: Model, state, cand: Candidates, streams: Streams):
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


class _BeliefLedger:
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

    def events(self, heap: list, t1: float) -> agg.BeliefEvents:
        """Successes (responses landing) and failures (deadlines passing) before ``t1``."""
        cand, horizon = self.cand, self.horizon
        times, types, succ, dsum = [], [], [], []
        while heap and heap[0][0] < t1:
            t_r, _, idx, _unused = heapq.heappop(heap)
            idx = idx[(cand.t[idx] + horizon >= t_r) & ~self.succeeded[idx]]
            self.succeeded[idx] = True
            if len(idx) == 0:
                continue
            ty = cand.type[idx].astype(np.int64)
            counts = np.bincount(ty)
            sums = np.bincount(ty, weights=t_r - cand.t[idx])
            for k in np.flatnonzero(counts):
                times.append(t_r)
                types.append(k)
                succ.append(counts[k])
                dsum.append(sums[k])
        acc = self.accepted[self.ptr : self.n]
        hi = int(np.searchsorted(cand.t[acc], t1 - horizon, side="left"))
        due = acc[:hi]
        self.ptr += hi
        due = due[~self.succeeded[due]]
        k_s, k_f = len(times), len(due)
        if k_s + k_f == 0:
            return agg.BeliefEvents.empty()
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
        )


def _advance(pipe: _Pipeline, new_inc, t_queued, priority, service, t1) -> None:
    """Feed newly known incidents to the queue and start everything that starts before ``t1``."""
    pend_t = np.concatenate([pipe.pending_t, t_queued[new_inc]])
    pend_id = np.concatenate([pipe.pending_id, new_inc])
    now = pend_t < t1
    feed_t, feed_id = pend_t[now], pend_id[now]
    pipe.pending_t, pipe.pending_id = pend_t[~now], pend_id[~now]
    order = np.lexsort((feed_id, feed_t))
    feed_t, feed_id = feed_t[order], feed_id[order]
    ids, starts = pipe.queue.advance(feed_t, priority[feed_id], service[feed_id], feed_id, t1)
    pipe.t_service[ids] = starts
    pipe.t_attributed[ids] = starts + service[ids]
    pipe.unreported = np.concatenate([pipe.unreported, ids])


def _report_and_decide(pipe, verdict, inc_sev, true_row, t1) -> None:
    """Reports that close before ``t1``, the decisions they start and the responses."""
    model = pipe.model
    ids = pipe.unreported
    named = verdict[ids] >= 0
    ids = ids[named]
    t_att = pipe.t_attributed[ids]
    urgent = inc_sev[ids] >= model.urgent_severity
    interval = model.report_interval
    t_rep = np.where(urgent, t_att, (np.floor(t_att / interval) + 1.0) * interval)
    due = t_rep < t1
    pipe.unreported = ids[~due]
    ids, t_rep, urgent = ids[due], t_rep[due], urgent[due]
    if len(ids) == 0:
        return
    pipe.t_reported[ids] = t_rep
    # a report: an urgent incident alone, or all routine incidents of one period
    key_kind = np.where(urgent, 0, 1)
    key_id = np.where(urgent, ids, -1)
    order = np.lexsort((key_id, key_kind, t_rep))
    ids, t_rep, key_kind, key_id = ids[order], t_rep[order], key_kind[order], key_id[order]
    brk = np.ones(len(ids), bool)
    brk[1:] = (
        (t_rep[1:] != t_rep[:-1]) | (key_kind[1:] != key_kind[:-1]) | (key_id[1:] != key_id[:-1])
    )
    report_no = np.cumsum(brk) - 1
    # only reports naming the aggressor start a decision; severity = worst incident so named
    names_ag = verdict[ids] == model.aggressor_index
    n_rep = int(report_no[-1]) + 1
    first = np.flatnonzero(brk)
    sev = np.maximum.reduceat(np.where(names_ag, inc_sev[ids], -np.inf), first)
    deciding = np.isfinite(sev)
    rep_t = t_rep[first]
    dec_reports = np.flatnonzero(deciding)
    k = len(dec_reports)
    if k == 0:
        return
    t_report = rep_t[dec_reports]
    severity = sev[dec_reports]
    delay = time_to_quorum(model.coalition, pipe.members, t_report, pipe.politics.take(k))
    t_decided = t_report + delay
    rung = rung_for(model.response, pipe.available, severity)
    t_response, action, cost = respond(model.response, rung, t_decided, pipe.impl.take(k))
    pipe.decisions.append((t_report, severity, t_decided, t_response, action, cost))
    # write back to the aggressor-named incidents of each deciding report
    slot = np.full(n_rep, -1)
    slot[dec_reports] = np.arange(k)
    s_of = slot[report_no]
    hit = names_ag & (s_of >= 0)
    inc = ids[hit]
    s_inc = s_of[hit]
    pipe.t_decided[inc] = t_decided[s_inc]
    pipe.t_response[inc] = t_response[s_inc]
    pipe.action[inc] = action[s_inc]
    # the aggressor learns from its own breaches that were answered (if it learns at all)
    if not pipe.learns:
        return
    own = (true_row[inc] == model.aggressor_index) & np.isfinite(pipe.t_response[inc])
    for j in np.unique(s_inc[own]):
        members_of = inc[own & (s_inc == j)]
        heapq.heappush(
            pipe.success_heap, (float(t_response[j]), pipe._decision_no, members_of, None)
        )
        pipe._decision_no += 1


def _records(
    model,
    cand,
    det,
    fa,
    accepted,
    pipe,
    verdict,
    inc_type,
    inc_sev,
    t_queued,
    inc_time,
    end,
    collapse_day,
    members,
    path_t,
    path_v,
) -> ReplicationRecords:
    nc = len(cand)
    keep_c = np.flatnonzero(accepted & (cand.t < end))
    keep_f = np.flatnonzero(fa.t < end)
    # breaches and false alarms are each in time order: merge them (a breach first on a tie)
    at_f = np.searchsorted(cand.t[keep_c], fa.t[keep_f], side="right") + np.arange(len(keep_f))
    is_fa = np.zeros(len(keep_c) + len(keep_f), bool)
    is_fa[at_f] = True
    idx = np.empty(len(is_fa), np.int64)
    idx[~is_fa] = keep_c
    idx[is_fa] = nc + keep_f

    def incident(of_breaches: np.ndarray, of_alarms: np.ndarray) -> np.ndarray:
        return np.concatenate([of_breaches, of_alarms])[idx]

    cols = {
        "kind": np.where(is_fa, FALSE_ALARM, BREACH).astype(np.int8),
        "party": incident(cand.party, np.full(len(fa), NO_PARTY, np.int8)).astype(np.int8),
        "type": inc_type[idx].astype(np.int16),
        "severity": inc_sev[idx],
        "sector": incident(cand.sector, model.line.sector_of(fa.position)).astype(np.int16),
        "position_km": incident(cand.position, fa.position),
        "position_reported_km": incident(det.position_reported, fa.position_reported),
        "t_breach": inc_time[idx],
        "detections": incident(det.count, np.ones(len(fa), np.int64)).astype(np.int32),
        "t_detected": incident(det.t_first, fa.t_arrival),
        "t_queued": t_queued[idx],
        "t_service": pipe.t_service[idx],
        "t_attributed": pipe.t_attributed[idx],
        "attributed": verdict[idx].astype(np.int8),
        "t_reported": pipe.t_reported[idx],
        "t_decided": pipe.t_decided[idx],
        "t_response": pipe.t_response[idx],
        "action": pipe.action[idx],
        "retaliation": incident(cand.parent >= 0, np.zeros(len(fa), bool)),
    }
    # stages not reached by the end of simulated time are NaN, and so is everything after them
    reached = np.ones(len(idx), bool)
    for name in STAGE_TIMES:
        col = cols[name]
        reached &= np.isfinite(col) & (col <= end)
        col[~reached] = np.nan
    cols["attributed"][np.isnan(cols["t_attributed"])] = NOT_ATTRIBUTED
    cols["action"][np.isnan(cols["t_response"])] = NO_ACTION

    if pipe.decisions:
        dec = [np.concatenate(x) for x in zip(*pipe.decisions, strict=True)]
    else:
        dec = [np.zeros(0)] * 4 + [np.zeros(0, np.int8), np.zeros(0)]
    t_rep, sev, t_dec, t_resp, action, cost = dec
    t_dec = np.where(t_dec <= end, t_dec, np.nan)
    t_resp = np.where(t_resp <= end, t_resp, np.nan)
    action = np.where(np.isfinite(t_resp), action, NO_ACTION).astype(np.int8)
    in_time = t_rep <= end
    decisions = Decisions(
        t_report=t_rep[in_time],
        severity=sev[in_time],
        t_decided=t_dec[in_time],
        t_response=t_resp[in_time],
        action=action[in_time],
        cost=np.where(np.isfinite(t_resp), cost, 0.0)[in_time],
    )
    times = np.concatenate(path_t)
    values = np.concatenate(path_v)
    keep = times <= end
    intensity = IntensityPath(times=times[keep], values=values[keep])
    ag = next(p for p in model.parties if p.is_aggressor)
    return ReplicationRecords(
        events=Events(cols),
        decisions=decisions,
        intensity=intensity,
        labels=model.labels(),
        duration=model.duration,
        warmup=model.warmup,
        end_time=float(end),
        collapse_day=float(collapse_day),
        coalition_members=tuple(
            n for n, m in zip(model.coalition.names, members, strict=True) if m
        ),
        aggressor_base_rates=ag.rates.copy(),
        info={"candidates": float(len(cand)), "false_alarms_total": float(len(fa))},
    )
