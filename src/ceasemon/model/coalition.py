"""Ratification, reports and the coalition's decision (MODEL.md 4).

Each replication first draws which nations ratify.  A report naming the
aggressor starts a decision: each member nation takes its own delay and then
votes yes with probability ``support * (1 - decay) ** (t / 365)`` at the time
``t`` of its vote.  The coalition decides at the moment the weight of yes
votes reaches ``quorum`` times the members' total weight, if that happens
within ``decision_window``.

A decision's random numbers come in fixed-size blocks (``DrawBlocks``), so
decision number ``k`` always gets the same draws however the simulation cuts
time into steps.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..scenario.distributions import Fixed
from ..scenario.models import ACTIONS, Nation, Ratification, Scenario
from .stage import PILOT, Basics, Delay, Passage, Stage
from .streams import DrawBlocks

#: Member nations the rational aggressor's quorum probability enumerates at most (2**16 subsets).
MAX_ENUMERATED = 16


@dataclass(frozen=True)
class Coalition(Stage):
    """The coalition as arrays over nations (scenario order): the decision stage."""

    stream = "politics"

    names: tuple[str, ...]
    weights: np.ndarray
    ratification: np.ndarray
    delays: tuple[object, ...]  # distributions
    support: np.ndarray
    contributes: tuple[tuple[str, ...] | None, ...]
    quorum: float
    window: float
    decay_per_year: float
    ratification_delays: tuple[object | None, ...] = ()  # per nation; None: decided at day 0
    leave: np.ndarray | None = None  # per nation: withdrawal day (inf: never)
    shock_at: np.ndarray | None = None  # support shocks: their days ...
    shock_factor: np.ndarray | None = None  # ... and factors, (shocks, nations)
    capability: np.ndarray | None = None  # (nations, actions); None: 1 everywhere (MODEL 9)

    def capabilities(self) -> np.ndarray:
        """What each nation brings to each action, (nations, actions) (MODEL 9)."""
        if self.capability is not None:
            return self.capability
        return np.ones((len(self.names), len(ACTIONS)))

    def shocked(self, t: np.ndarray) -> np.ndarray:
        """The support shocks' product in force at times ``t`` (``t`` broadcasts over nations)."""
        out = np.ones(np.shape(t))
        if self.shock_at is not None:
            for at, factor in zip(self.shock_at, self.shock_factor, strict=True):
                out = out * np.where(t >= at, factor, 1.0)
        return out

    def support_at(self, t: np.ndarray) -> np.ndarray:
        """Yes probability of each nation (last axis) at times ``t`` (days)."""
        t = np.asarray(t, float)[..., None]
        factor = (1.0 - self.decay_per_year) ** (t / 365.0)
        support = self.support * factor
        if self.shock_at is not None:
            support = support * self.shocked(np.broadcast_to(t, support.shape))
        return np.clip(support, 0.0, 1.0)

    @classmethod
    def build(cls, sc: Scenario, basics: Basics | None = None) -> Coalition:
        """Arrays of the validated ``coalition`` section."""
        return build_coalition(sc)

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least: the quickest member's least vote delay; longest: the decision window.

        The least is 0 when no quorum is needed, inf with no member or when the quickest
        member's least delay is past the window.
        """
        c = sc.coalition
        nations = list(c.nations.values())
        if members is None:
            members = np.ones(len(nations), bool)
        if not members.any():
            least = math.inf
        elif c.quorum <= 0:
            least = 0.0
        else:
            least = min(n.delay.lower() for n, m in zip(nations, members, strict=True) if m)
            if least > c.decision_window:
                least = math.inf
        return Delay(least, c.decision_window)

    def passage(self, view) -> Passage:
        """P(quorum within the window) on each of ``view.days``; E[time to quorum | quorum].

        Both from the pilot stream ``view.rng``: first each nation's yes factor, then the
        time to quorum of ``PILOT`` simulated decisions.
        """
        factor = nation_yes_factor(self, view.rng)
        support = self.support_at(view.days)  # (days, nations)
        p = quorum_probability(self, view.members, support * factor[None, :])
        draws = decision_draws(self, view.rng).take(PILOT)
        q = time_to_quorum(self, view.members, np.zeros(PILOT), draws)
        if isinstance(getattr(view, "notes", None), dict):
            view.notes["yes"] = support * factor[None, :]  # for the expected imposed cost
        wait = float(np.nanmean(q)) if np.isfinite(q).any() else math.nan
        return Passage(p[:, None], wait)


#: The name the rest of the code has long used for the coalition's parameters.
CoalitionParams = Coalition


def build_coalition(sc: Scenario) -> Coalition:
    """Arrays of the validated ``coalition`` section, and the timed political events."""
    c = sc.coalition
    nations = list(c.nations.values())
    names = tuple(c.nations)
    leave = np.full(len(names), np.inf)
    shocks: list[tuple[float, np.ndarray]] = []
    for ev in sc.events:
        if ev.kind == "withdrawal":
            leave[names.index(ev.nation)] = min(leave[names.index(ev.nation)], ev.at)
        elif ev.kind == "support_shock":
            hit = np.array([ev.nations is None or n in ev.nations for n in names])
            shocks.append((ev.at, np.where(hit, ev.factor, 1.0)))
    shocks.sort(key=lambda x: x[0])
    return Coalition(
        names=names,
        weights=np.array([n.weight for n in nations], dtype=float),
        ratification=np.array([n.ratification_probability for n in nations], dtype=float),
        delays=tuple(n.delay for n in nations),
        support=np.array([n.support for n in nations], dtype=float),
        contributes=tuple(None if n.contributes is None else tuple(n.contributes) for n in nations),
        capability=capability_matrix(nations),
        quorum=c.quorum,
        window=c.decision_window,
        decay_per_year=c.support_decay_per_year,
        ratification_delays=tuple(
            n.ratification.delay if isinstance(n.ratification, Ratification) else None
            for n in nations
        ),
        leave=leave if np.isfinite(leave).any() else None,
        shock_at=np.array([a for a, _ in shocks]) if shocks else None,
        shock_factor=np.array([f for _, f in shocks]) if shocks else None,
    )


def capability_matrix(nations: list[Nation]) -> np.ndarray:
    """What each nation brings to each action, (nations, actions) in ``ACTIONS`` order.

    A given ``capability`` counts as written (actions it leaves out bring 0); else 1 for each
    action the nation ``contributes`` and 0 for the others; a nation with neither brings 1 to
    every action, as a nation without ``contributes`` could always carry out every action.
    """
    out = np.zeros((len(nations), len(ACTIONS)))
    for j, n in enumerate(nations):
        if n.capability is not None:
            for action, score in n.capability.items():
                out[j, ACTIONS.index(action)] = score
        elif n.contributes is not None:
            for action in n.contributes:
                out[j, ACTIONS.index(action)] = 1.0
        else:
            out[j, :] = 1.0
    return out


@dataclass(frozen=True)
class Membership:
    """When each nation is a member: from ``join`` (inf: never) until ``leave`` (inf: never)."""

    join: np.ndarray
    leave: np.ndarray

    @property
    def ever(self) -> np.ndarray:
        """Nations that are members at some time (the conservative set for bounds)."""
        return self.join < self.leave

    @property
    def constant(self) -> bool:
        """Whether membership never changes after the start."""
        joined = np.isin(self.join, (0.0, np.inf))
        return bool(joined.all() and not np.isfinite(self.leave[self.ever]).any())

    def at(self, t: np.ndarray) -> np.ndarray:
        """Who is a member at each time: shape (len(t), nations)."""
        t = np.asarray(t, float)[:, None]
        return (self.join[None, :] <= t) & (t < self.leave[None, :])


def as_membership(members: Membership | np.ndarray) -> Membership:
    """A membership from a mask of nations that are members throughout (or as given)."""
    if isinstance(members, Membership):
        return members
    members = np.asarray(members, bool)
    return Membership(np.where(members, 0.0, np.inf), np.full(len(members), np.inf))


def ratify(params: CoalitionParams, streams) -> Membership:
    """Who ratifies the guarantee in this replication, and when (MODEL 8).

    One uniform per nation decides, as in version 1; a nation whose parliament votes after a
    delay then draws it on a stream of its own, so scenarios without delays keep their draws.
    """
    n = len(params.names)
    yes = streams.sub("politics", "ratification").random(n) < params.ratification
    join = np.where(yes, 0.0, np.inf)
    delays = params.ratification_delays or (None,) * n
    if any(d is not None for d in delays):
        rng = streams.sub("politics", "ratification_delay")
        for j, dist in enumerate(delays):
            if dist is not None:
                d = float(dist.sample(rng, 1)[0])
                join[j] = d if yes[j] else np.inf
    leave = params.leave if params.leave is not None else np.full(n, np.inf)
    return Membership(join, leave.copy())


def decision_draws(params: CoalitionParams, rng: np.random.Generator) -> DrawBlocks:
    """Per decision: each nation's delay, then each nation's vote uniform."""
    n = len(params.names)

    def draw(size: int) -> np.ndarray:
        out = np.empty((size, 2 * n))
        for j, dist in enumerate(params.delays):
            out[:, j] = dist.sample(rng, size)
        out[:, n:] = rng.random((size, n))
        return out

    return DrawBlocks(draw)


def counted_votes(
    params: CoalitionParams, members: np.ndarray, t_start: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """Which nations' yes votes count in each decision, (decisions, nations).

    A vote counts when the nation is a member at the decision's start, votes yes, within the
    window, and (if it withdraws) before it left.  The one rule both engines use, for the
    quorum and for the imposed cost's capability share.
    """
    k, n = len(t_start), len(params.names)
    members = np.broadcast_to(np.atleast_2d(members), (k, n))
    delay = draws[:, :n]
    yes = draws[:, n:] < support_matrix(params, t_start, delay)
    counted = yes & members & (delay <= params.window)
    if params.leave is not None:
        counted &= t_start[:, None] + delay < params.leave[None, :]
    return counted


def time_to_quorum(
    params: CoalitionParams, members: np.ndarray, t_report: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """Delay from each report to the coalition's decision, NaN when no quorum in the window.

    ``draws`` holds one row per report from ``decision_draws``; ``members`` is who is a
    member at each decision's start, (reports, nations), or one row for all.  A nation that
    withdraws during a decision counts only a vote cast before it left.
    """
    k = len(t_report)
    n = len(params.names)
    if k == 0:
        return np.zeros(0)
    members = np.broadcast_to(np.atleast_2d(members), (k, n))
    total = np.where(members, params.weights[None, :], 0.0).sum(axis=1)
    delay = draws[:, :n]
    counted = counted_votes(params, members, t_report, draws)
    need = params.quorum * total
    if (need <= 0).all():
        return np.where(total > 0, 0.0, np.nan)
    d = np.where(counted, delay, np.inf)
    order = np.argsort(d, axis=1, kind="stable")
    d_sorted = np.take_along_axis(d, order, axis=1)
    w_sorted = np.where(np.isfinite(d_sorted), params.weights[order], 0.0)
    cum = np.cumsum(w_sorted, axis=1)
    reached = cum >= (need * (1 - 1e-12))[:, None]
    first = np.argmax(reached, axis=1)
    ok = reached[np.arange(k), first] & (total > 0)
    return np.where(
        need <= 0,
        np.where(total > 0, 0.0, np.nan),
        np.where(ok, d_sorted[np.arange(k), first], np.nan),
    )


def support_matrix(params: CoalitionParams, t_report: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """Yes probability of nation j voting at ``t_report[i] + delay[i, j]`` (shocks included)."""
    t_vote = t_report[:, None] + delay
    factor = (1.0 - params.decay_per_year) ** (t_vote / 365.0)
    support = params.support[None, :] * factor
    if params.shock_at is not None:
        support = support * params.shocked(t_vote)
    return np.clip(support, 0.0, 1.0)


def nation_yes_factor(c: Coalition, rng: np.random.Generator) -> np.ndarray:
    """E[(1 - decay)^(d / 365) * 1{d <= window}] for each nation's delay d.

    Exact for fixed delays without decay; else a pilot Monte Carlo.
    """
    out = np.empty(len(c.names))
    for j, dist in enumerate(c.delays):
        d = np.array([dist.value]) if isinstance(dist, Fixed) else dist.sample(rng, PILOT)
        out[j] = np.mean(((1.0 - c.decay_per_year) ** (d / 365.0)) * (d <= c.window))
    return out


def quorum_probability(c: Coalition, members: np.ndarray, yes: np.ndarray) -> np.ndarray:
    """P(the weight of independent yes votes reaches quorum); ``yes`` is (..., n_nations)."""
    idx = np.flatnonzero(members)
    total = float(c.weights[idx].sum())
    yes = np.atleast_2d(yes)
    if total <= 0:
        return np.zeros(yes.shape[0])
    need = c.quorum * total * (1 - 1e-12)
    prob = np.zeros(yes.shape[0])
    for _bits, p in _quorum_sets(c, idx, yes, need):
        prob += p
    return prob


def _quorum_sets(c: Coalition, idx: np.ndarray, yes: np.ndarray, need: float):
    """Each yes set of the members ``idx`` whose weight reaches ``need``, and its probability."""
    if len(idx) > MAX_ENUMERATED:
        raise ValueError(
            f"the rational aggressor enumerates at most {MAX_ENUMERATED} member nations"
        )
    for pattern in itertools.product((0, 1), repeat=len(idx)):
        bits = np.array(pattern, bool)
        if c.weights[idx][bits].sum() < need:
            continue
        yield bits, np.prod(np.where(bits, yes[:, idx], 1.0 - yes[:, idx]), axis=1)


def expected_share(c: Coalition, members: np.ndarray, yes: np.ndarray) -> np.ndarray:
    """E[1{quorum} * Y_a / T_a] for each action a: (rows of ``yes``, actions) (MODEL 9).

    ``yes`` (..., nations) holds each nation's chance that its yes vote counts; the yes sets
    of the members are enumerated as in ``quorum_probability``.  ``Y_a`` is the capability
    for a of the set, ``T_a`` that of every nation of the scenario (0 share where it is 0).
    """
    idx = np.flatnonzero(members)
    yes = np.atleast_2d(yes)
    cap = c.capabilities()
    out = np.zeros((yes.shape[0], cap.shape[1]))
    total = float(c.weights[idx].sum())
    if total <= 0:
        return out
    t_all = cap.sum(axis=0)
    safe = np.where(t_all > 0, t_all, 1.0)
    for bits, p in _quorum_sets(c, idx, yes, c.quorum * total * (1 - 1e-12)):
        share = np.where(t_all > 0, cap[idx][bits].sum(axis=0) / safe, 0.0)
        out += p[:, None] * share[None, :]
    return out
