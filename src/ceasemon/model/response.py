"""The response ladder, hubs and implementation (MODEL.md 5 and 9).

The action is the last rung whose ``min_severity`` is at or below the
decision's severity, among the rungs for whose action at least one member
nation has a capability above 0 (``coalition.capability_matrix``).  It takes
``implementation`` after the decision, plus, for ``military`` assistance, the
travel time from the nearest hub, and then imposes ``cost`` on the aggressor:
with ``cost_scaling: capability`` only the share ``Y_a / T_a`` of it, the
capability for its action of the nations whose yes vote counted over that of
every nation of the scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenario.models import ACTIONS, Scenario
from .coalition import Coalition, capability_matrix, counted_votes
from .records import NO_ACTION
from .stage import Basics, Delay, Passage, Stage, longest_of
from .streams import DrawBlocks


@dataclass(frozen=True)
class Response(Stage):
    """The ladder as arrays, and the military travel time: the response stage."""

    stream = "response"

    min_severity: np.ndarray
    action: np.ndarray  # action code (index into ACTIONS)
    implementation: tuple[object, ...]  # distributions
    cost: np.ndarray
    travel_days: float  # from the nearest hub, added to military assistance
    scaled: bool = True  # cost_scaling: capability (else full)
    memory: float | None = None  # escalation.memory in days (None: no escalation)

    def rung_extra(self) -> np.ndarray:
        """Travel days added to each rung (military only)."""
        return np.where(self.action == ACTIONS.index("military"), self.travel_days, 0.0)

    @classmethod
    def build(cls, sc: Scenario, basics: Basics | None = None) -> Response:
        """Arrays of the validated ``response`` section."""
        return build_response(sc)

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least: the quickest rung the members can carry out; longest: the slowest rung.

        Travel is included; the least is inf when the members can carry out no rung; the
        longest is over the whole ladder, whoever ratified.
        """
        r = sc.response
        travel = travel_days(sc)
        extra = [travel if x.action == "military" else 0.0 for x in r.ladder]
        can = _capable(sc, members)
        lows = [
            x.implementation.lower() + e
            for x, e in zip(r.ladder, extra, strict=True)
            if can[ACTIONS.index(x.action)]
        ]
        longest = max(
            longest_of(x.implementation) + e for x, e in zip(r.ladder, extra, strict=True)
        )
        return Delay(min(lows) if lows else math.inf, longest)

    def passage(self, view) -> Passage:
        """1 where a type's severity triggers a rung the members can carry out; its mean time.

        The mean implementation time includes travel; NaN where no rung applies.
        """
        rung = rung_for(self, available_rungs(self, view.coalition, view.members), view.severity)
        impl = np.array([d.mean() for d in self.implementation]) + self.rung_extra()
        has = rung >= 0
        return Passage(has, np.where(has, impl[np.maximum(rung, 0)], np.nan))


#: The name the rest of the code has long used for the response's parameters.
ResponseParams = Response


def travel_days(sc: Scenario) -> float:
    """Days of travel from the nearest hub (0 without hubs), added to military assistance."""
    r = sc.response
    hubs = r.hubs or []
    return min(h.distance_km for h in hubs) / r.travel_speed_km_per_day if hubs else 0.0


def _capable(sc: Scenario, members: np.ndarray | None) -> np.ndarray:
    """Per action: whether some member nation (every nation if ``members`` is None) can act."""
    cap = capability_matrix(list(sc.coalition.nations.values()))
    if members is None:
        members = np.ones(len(cap), bool)
    return capable_actions(cap, members)


def capable_actions(capability: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Per action (``ACTIONS`` order): some member has a capability above 0 for it."""
    return (capability[np.asarray(members, bool)] > 0).any(axis=0)


def build_response(sc: Scenario) -> Response:
    """Arrays of the validated ``response`` section."""
    r = sc.response
    travel = travel_days(sc)
    return Response(
        min_severity=np.array([x.min_severity for x in r.ladder], dtype=float),
        action=np.array([ACTIONS.index(x.action) for x in r.ladder], dtype=np.int8),
        implementation=tuple(x.implementation for x in r.ladder),
        cost=np.array([x.cost for x in r.ladder], dtype=float),
        travel_days=float(travel),
        scaled=r.cost_scaling == "capability",
        memory=None if r.escalation is None else float(r.escalation.memory),
    )


def available_rungs(params: Response, coalition: Coalition, members: np.ndarray) -> np.ndarray:
    """Which rungs some member nation can carry out (a capability above 0 for the action)."""
    return capable_actions(coalition.capabilities(), members)[params.action.astype(np.int64)]


def rung_for(params: Response, available: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """Index of the rung each severity triggers, -1 when none applies."""
    ok = (params.min_severity[None, :] <= np.asarray(severity, float)[:, None]) & available[None, :]
    last = params.min_severity.size - 1 - np.argmax(ok[:, ::-1], axis=1)
    return np.where(ok.any(axis=1), last, -1)


def implementation_draws(params: Response, rng: np.random.Generator) -> DrawBlocks:
    """Per decision: a draw from every rung's implementation time (the right one is used)."""

    def draw(size: int) -> np.ndarray:
        out = np.empty((size, len(params.implementation)))
        for j, dist in enumerate(params.implementation):
            out[:, j] = dist.sample(rng, size)
        return out

    return DrawBlocks(draw)


def imposed_share(
    params: Response,
    coalition: Coalition,
    t_start: np.ndarray,
    members: np.ndarray,
    votes: np.ndarray,
    rung: np.ndarray,
) -> np.ndarray:
    """The share of its rung's cost each decision's response imposes (MODEL 9).

    ``Y_a / T_a`` for the rung's action a: ``Y_a`` the capability of the nations whose yes vote
    counts (``counted_votes``: every one within the window, not only those before the
    quorum), ``T_a`` that of every nation of the scenario.  1 with ``cost_scaling: full``.
    Both engines call this with the same arrays, so they impose the same costs.
    """
    k = len(rung)
    if not params.scaled:
        return np.ones(k)
    counted = counted_votes(coalition, members, np.asarray(t_start, float), votes)
    cap = coalition.capabilities()
    a = params.action[np.maximum(rung, 0)].astype(np.int64)
    cap_a = np.ascontiguousarray(cap[:, a].T)  # (decisions, nations)
    # the same reduction for both sums, so that all nations saying yes gives exactly 1
    yes = np.where(counted, cap_a, 0.0).sum(axis=1)
    total = cap_a.sum(axis=1)
    return np.where(total > 0, yes / np.where(total > 0, total, 1.0), 0.0)


def respond(
    params: Response,
    rung: np.ndarray,
    t_decided: np.ndarray,
    draws: np.ndarray,
    share: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Implementation time, action code and cost of each decision (NaN / NO_ACTION / 0 if none).

    ``share`` (``imposed_share``) scales each rung's cost; None imposes the full cost.
    """
    k = len(rung)
    has = (rung >= 0) & np.isfinite(t_decided)
    safe = np.maximum(rung, 0)
    impl = draws[np.arange(k), safe] + params.rung_extra()[safe]
    t_resp = np.where(has, t_decided + impl, np.nan)
    action = np.where(has, params.action[safe], NO_ACTION).astype(np.int8)
    full = params.cost[safe]
    cost = np.where(has, full if share is None else full * share, 0.0)
    return t_resp, action, cost
