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
from ..scenario.models import Scenario
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

    def support_at(self, t: np.ndarray) -> np.ndarray:
        """Yes probability of each nation (last axis) at times ``t`` (days)."""
        factor = (1.0 - self.decay_per_year) ** (np.asarray(t, float)[..., None] / 365.0)
        return np.clip(self.support * factor, 0.0, 1.0)

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
        wait = float(np.nanmean(q)) if np.isfinite(q).any() else math.nan
        return Passage(p[:, None], wait)


#: The name the rest of the code has long used for the coalition's parameters.
CoalitionParams = Coalition


def build_coalition(sc: Scenario) -> Coalition:
    """Arrays of the validated ``coalition`` section."""
    c = sc.coalition
    nations = list(c.nations.values())
    return Coalition(
        names=tuple(c.nations),
        weights=np.array([n.weight for n in nations], dtype=float),
        ratification=np.array([n.ratification for n in nations], dtype=float),
        delays=tuple(n.delay for n in nations),
        support=np.array([n.support for n in nations], dtype=float),
        contributes=tuple(None if n.contributes is None else tuple(n.contributes) for n in nations),
        quorum=c.quorum,
        window=c.decision_window,
        decay_per_year=c.support_decay_per_year,
    )


def ratify(params: CoalitionParams, rng: np.random.Generator) -> np.ndarray:
    """Which nations ratify the guarantee in this replication (one uniform per nation)."""
    return rng.random(len(params.names)) < params.ratification


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


def time_to_quorum(
    params: CoalitionParams, members: np.ndarray, t_report: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """Delay from each report to the coalition's decision, NaN when no quorum in the window.

    ``draws`` holds one row per report from ``decision_draws``.
    """
    k = len(t_report)
    n = len(params.names)
    total = float(params.weights[members].sum())
    if k == 0:
        return np.zeros(0)
    if total <= 0:
        return np.full(k, np.nan)
    delay = draws[:, :n]
    vote_u = draws[:, n:]
    yes = vote_u < support_matrix(params, t_report, delay)
    counted = yes & members[None, :] & (delay <= params.window)
    need = params.quorum * total
    if need <= 0:
        return np.zeros(k)
    d = np.where(counted, delay, np.inf)
    order = np.argsort(d, axis=1, kind="stable")
    d_sorted = np.take_along_axis(d, order, axis=1)
    w_sorted = np.where(np.isfinite(d_sorted), params.weights[order], 0.0)
    cum = np.cumsum(w_sorted, axis=1)
    reached = cum >= need * (1 - 1e-12)
    first = np.argmax(reached, axis=1)
    ok = reached[np.arange(k), first]
    return np.where(ok, d_sorted[np.arange(k), first], np.nan)


def support_matrix(params: CoalitionParams, t_report: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """Yes probability of nation j voting at ``t_report[i] + delay[i, j]``."""
    factor = (1.0 - params.decay_per_year) ** ((t_report[:, None] + delay) / 365.0)
    return np.clip(params.support[None, :] * factor, 0.0, 1.0)


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
    if len(idx) > MAX_ENUMERATED:
        raise ValueError(
            f"the rational aggressor enumerates at most {MAX_ENUMERATED} member nations"
        )
    prob = np.zeros(yes.shape[0])
    for pattern in itertools.product((0, 1), repeat=len(idx)):
        bits = np.array(pattern, bool)
        if c.weights[idx][bits].sum() < need:
            continue
        p = np.prod(np.where(bits, yes[:, idx], 1.0 - yes[:, idx]), axis=1)
        prob += p
    return prob
