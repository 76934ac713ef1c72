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

import math

import numpy as np

from ...scenario.models import Scenario
from .. import aggressor as agg
from ..assemble import assemble
from ..build import Model
from ..pipeline import BeliefLedger
from ..records import ReplicationRecords
from ..timing import learning_deadline
from ..timing import step_bound as exact_step_bound
from .draws import draw


def simulate_fast(
    model: Model | Scenario,
    seed: np.random.SeedSequence | int,
    *,
    lag: float | None = None,
) -> ReplicationRecords:
    """Run one replication with the fast engine.

    Args:
        model: a compiled ``Model`` (or a ``Scenario``, compiled here).
        seed: the replication's SeedSequence, or an int (replication 0 of that root seed).
        lag: step length override, for tests; it must not exceed the exact bound.

    Returns:
        The replication's records; ``metrics()`` turns them into numbers.
    """
    d = draw(model, seed)
    model, members, policy = d.model, d.members, d.policy
    cand, fa, inc, det, pipe, accepted = d.cand, d.fa, d.inc, d.det, d.pipe, d.accepted
    horizon_t = model.duration

    nc = len(cand)
    ag_idx = np.flatnonzero(cand.is_aggressor)
    own_idx = np.flatnonzero(~cand.is_aggressor & (cand.parent < 0))
    ret_idx = np.flatnonzero(cand.parent >= 0)
    t_ag, t_own, t_ret = cand.t[ag_idx], cand.t[own_idx], cand.t[ret_idx]
    horizon = learning_deadline(model.scenario, model.pipeline)
    if policy.state_dependent:
        bound = exact_step_bound(model.scenario, members, model.pipeline)
        step = bound if lag is None else min(lag, bound)
    else:
        step = math.inf if lag is None else lag
    beliefs = BeliefLedger(cand, horizon, len(ag_idx))
    path: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    end = horizon_t
    collapse_day = math.nan
    t = 0.0
    ag_ptr = own_ptr = ret_ptr = fa_ptr = 0
    while t < end:
        # Without a least lag (a response can land at once) the steps go from one aggressor
        # candidate to the next, and a stretch without any runs the pipeline first: the
        # responses it lands before the next candidate are then known when that one comes.
        quiet = False
        if step > 0:
            t1 = min(t + step, end)
        elif ag_ptr < len(t_ag) and t < t_ag[ag_ptr]:
            t1, quiet = min(float(t_ag[ag_ptr]), end), True
        else:
            t1 = end if ag_ptr >= len(t_ag) else min(end, np.nextafter(t_ag[ag_ptr], math.inf))
            t1 = max(t1, np.nextafter(t, math.inf))
        if not quiet:
            res = _beliefs(policy, beliefs, pipe, t, t1, path)
            if res.collapse is not None and res.collapse < t1:
                end = t1 = res.collapse
                collapse_day = res.collapse
            # 2. accept the aggressor's candidates in [t, t1) by thinning
            hi = int(np.searchsorted(t_ag, t1, side="left"))
            new_ag = ag_idx[ag_ptr:hi]
            ok = cand.u_accept[new_ag] * policy.intensity_max < res.at(
                t_ag[ag_ptr:hi], cand.type[new_ag]
            )
            ag_ptr = hi
            new_ag = new_ag[ok]
            accepted[new_ag] = True
        else:
            new_ag = ag_idx[:0]
        # ... the defender's own breaches, and retaliations whose aggressor breach happened
        hi = int(np.searchsorted(t_own, t1, side="left"))
        new_own = own_idx[own_ptr:hi]
        own_ptr = hi
        hi = int(np.searchsorted(t_ret, t1, side="left"))
        kids = ret_idx[ret_ptr:hi]
        ret_ptr = hi
        kids = kids[accepted[cand.parent[kids]]]
        new = np.sort(np.concatenate([new_ag, new_own, kids]))
        accepted[new] = True
        inc.t_queued[new] = det.detect(new)
        if policy.state_dependent:
            beliefs.add(new_ag)
        hi = int(np.searchsorted(fa.t, t1, side="left"))
        new_fa = nc + np.arange(fa_ptr, hi)
        fa_ptr = hi
        # 3. analyst queue, reports, decisions, responses
        new_inc = np.concatenate([new, new_fa])
        pipe.advance(new_inc[np.isfinite(inc.t_queued[new_inc])], t1)
        if quiet:
            res = _beliefs(policy, beliefs, pipe, t, t1, path)
            if res.collapse is not None and res.collapse < t1:
                end = t1 = res.collapse
                collapse_day = res.collapse
        t = t1
    pipe.settle(math.inf)  # escalating decisions whose quorum came after the last step
    return assemble(
        model, cand, fa, inc, det, pipe, accepted, path, end, collapse_day, d.membership
    )


def _beliefs(policy, beliefs, pipe, t: float, t1: float, path) -> agg.StepResult:
    """1. The belief updates in [t, t1) (responses landing, deadlines passing) applied."""
    if policy.state_dependent:
        events = beliefs.events(pipe.success_heap, t1)
    else:
        events = agg.BeliefEvents.empty()
    res = policy.step(t, t1, events)
    path[0].append(res.times)
    path[1].append(res.values)
    return res
