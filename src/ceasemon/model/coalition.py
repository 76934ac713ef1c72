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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..scenario.models import Scenario

BLOCK = 256


@dataclass(frozen=True)
class CoalitionParams:
    """The coalition as arrays over nations (scenario order)."""

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


def build_coalition(sc: Scenario) -> CoalitionParams:
    """Arrays of the validated ``coalition`` section."""
    c = sc.coalition
    nations = list(c.nations.values())
    return CoalitionParams(
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


class DrawBlocks:
    """Rows of random numbers handed out in order, drawn ``BLOCK`` rows at a time.

    ``take(k)`` returns the next ``k`` rows; the rows do not depend on how the
    requests are split.
    """

    def __init__(self, draw: Callable[[int], np.ndarray]):
        self._draw = draw
        self._buf: np.ndarray | None = None
        self._pos = 0

    def take(self, k: int) -> np.ndarray:
        """The next ``k`` rows."""
        rows = []
        while k > 0:
            if self._buf is None or self._pos >= len(self._buf):
                self._buf = self._draw(BLOCK)
                self._pos = 0
            n = min(k, len(self._buf) - self._pos)
            rows.append(self._buf[self._pos : self._pos + n])
            self._pos += n
            k -= n
        if not rows:
            return self._draw(0)
        return np.concatenate(rows)


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
    yes = vote_u < _support_matrix(params, t_report, delay)
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


def _support_matrix(params: CoalitionParams, t_report: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """Yes probability of nation j voting at ``t_report[i] + delay[i, j]``."""
    factor = (1.0 - params.decay_per_year) ** ((t_report[:, None] + delay) / 365.0)
    return np.clip(params.support[None, :] * factor, 0.0, 1.0)
