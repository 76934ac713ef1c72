"""The response ladder, hubs and implementation (MODEL.md 5).

The action is the last rung whose ``min_severity`` is at or below the
decision's severity, among the rungs whose action at least one member nation
contributes (a nation without ``contributes`` contributes every action).  It
takes ``implementation`` after the decision, plus, for ``military``
assistance, the travel time from the nearest hub, and then imposes ``cost``
on the aggressor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..scenario.models import ACTIONS, Scenario
from .coalition import Coalition
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
        can = _contributed(sc, members)
        lows = [
            x.implementation.lower() + e
            for x, e in zip(r.ladder, extra, strict=True)
            if x.action in can
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


def _contributed(sc: Scenario, members: np.ndarray | None) -> set[str]:
    """Actions some member nation contributes (all nations when ``members`` is None)."""
    contributes = [n.contributes for n in sc.coalition.nations.values()]
    if members is None:
        members = np.ones(len(contributes), bool)
    return contributed_actions(contributes, members)


def contributed_actions(
    contributes: Sequence[Sequence[str] | None], members: np.ndarray
) -> set[str]:
    """Actions some member contributes (a nation without ``contributes`` brings every action)."""
    can: set[str] = set()
    for actions, member in zip(contributes, members, strict=True):
        if member:
            can.update(ACTIONS if actions is None else actions)
    return can


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
    )


def available_rungs(params: Response, coalition: Coalition, members: np.ndarray) -> np.ndarray:
    """Which rungs some member nation can carry out."""
    can = contributed_actions(coalition.contributes, members)
    return np.array([ACTIONS[a] in can for a in params.action], dtype=bool)


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


def respond(
    params: Response, rung: np.ndarray, t_decided: np.ndarray, draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Implementation time, action code and cost of each decision (NaN / NO_ACTION / 0 if none)."""
    k = len(rung)
    has = (rung >= 0) & np.isfinite(t_decided)
    safe = np.maximum(rung, 0)
    impl = draws[np.arange(k), safe] + params.rung_extra()[safe]
    t_resp = np.where(has, t_decided + impl, np.nan)
    action = np.where(has, params.action[safe], NO_ACTION).astype(np.int8)
    cost = np.where(has, params.cost[safe], 0.0)
    return t_resp, action, cost
