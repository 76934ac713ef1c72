"""The aggressor: how its breach intensity answers expected costs (MODEL.md 6).

For each breach type ``t`` with benefit ``b_t`` the aggressor weighs the
expected discounted cost of a response ``C_t = P_t * cost_t * exp(-r D_t)``:

* ``fixed``: intensity 1 always; it weighs nothing and never launches an offensive.
* ``rational``: knows ``P_t`` and ``D_t`` (``analytic.py``), re-evaluated daily
  because support decays; intensity 1 if ``b_t > C_t`` else 0 (the one-shot
  inspection-game threshold).
* ``adaptive``: learns ``P_t`` as a Beta posterior from its own breaches (a
  response arriving by the breach's deadline is a success, a deadline passing
  without one a failure) and ``D_t`` as the mean delay of the responses it
  saw (the prior delay counting as one observation), and ``cost_t`` as the
  mean imposed cost of those responses (the rung's full cost counting as one
  observation, MODEL 9); intensity ``2 / (1 + exp(-k (b_t - C_t) / max(b_t, 1e-9)))``.

The ceasefire collapses when ``b - C`` of the offensive type has stayed above
``threshold`` for ``window`` in a row, or at the first event of a hazard that grows
with ``b - C`` (``offensive.py``).

A policy is asked for its intensities over one step ``[t0, t1)`` of the
simulation, given the belief updates that fall in the step; it returns a step
function (per type) and the collapse time if the step contains it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..scenario.models import Prior, Scenario
from .analytic import expected_costs
from .coalition import as_membership
from .offensive import OffensiveRule, make_offensive
from .response import available_rungs, rung_for


@dataclass(frozen=True)
class AggressorParams:
    """The validated ``aggressor`` section as arrays over breach types."""

    policy: str
    benefit: np.ndarray
    discount: float
    prior_alpha: float
    prior_beta: float
    prior_delay: float
    responsiveness: float
    offensive_type: int | None
    offensive_threshold: float
    offensive_window: float
    #: (base_per_year, sensitivity) of the hazard form, None for threshold/window
    offensive_hazard: tuple[float, float] | None = None


def build_aggressor(sc: Scenario, types: tuple[str, ...]) -> AggressorParams:
    """Arrays of the validated ``aggressor`` section."""
    a = sc.aggressor
    prior = a.prior or Prior()  # the defaults live in the scenario model, once
    off = a.offensive
    return AggressorParams(
        policy=a.policy,
        benefit=np.array([a.benefit.get(t, 0.0) for t in types], dtype=float),
        discount=a.discount_per_day,
        prior_alpha=prior.alpha,
        prior_beta=prior.beta,
        prior_delay=prior.delay,
        responsiveness=a.responsiveness or 0.0,
        offensive_type=None if off is None else types.index(off.type),
        offensive_threshold=0.0 if off is None or off.threshold is None else off.threshold,
        offensive_window=0.0 if off is None or off.window is None else off.window,
        offensive_hazard=(
            None
            if off is None or off.hazard is None
            else (off.hazard.base_per_year, off.hazard.sensitivity)
        ),
    )


@dataclass
class BeliefEvents:
    """Belief updates falling in one step, sorted by time.

    A success event carries ``n`` answered breaches of one type, the sum of
    their breach-to-response delays and the sum of the costs their responses
    imposed (each answered breach brings its response's); a failure event one
    unanswered breach.
    """

    time: np.ndarray
    type: np.ndarray
    successes: np.ndarray
    failures: np.ndarray
    delay_sum: np.ndarray
    cost_sum: np.ndarray

    @classmethod
    def empty(cls) -> BeliefEvents:
        """No updates."""
        z = np.zeros(0)
        return cls(z, np.zeros(0, np.int64), z, z, z, z)


@dataclass
class StepResult:
    """Intensities over a step: ``values[k]`` holds from ``times[k]``; ``times[0]`` starts it."""

    times: np.ndarray
    values: np.ndarray  # (len(times), n_types)
    collapse: float | None = None

    def at(self, t: np.ndarray, type_: np.ndarray) -> np.ndarray:
        """Intensity of each (time, type) pair inside the step."""
        seg = np.searchsorted(self.times, t, side="right") - 1
        return self.values[np.maximum(seg, 0), type_]


class Policy(ABC):
    """An aggressor policy: its intensities over a step, given the step's belief updates.

    ``intensity_max`` bounds the intensity (the thinning bound of ``breaches``);
    ``state_dependent`` says whether responses change it (then the engines step
    and feed it belief events).  ``make`` builds the replication's policy.
    """

    intensity_max: ClassVar[float] = 1.0
    state_dependent: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def make(cls, model: Any, members: Any, streams: Any) -> Policy:
        """The policy of one replication (``members``: its ``Membership``, or a mask)."""

    @abstractmethod
    def step(self, t0: float, t1: float, events: BeliefEvents) -> StepResult:
        """Intensities over ``[t0, t1)``, applying ``events`` in time order."""


#: Aggressor policies by the name a scenario's ``aggressor.policy`` gives.
POLICIES: dict[str, type[Policy]] = {}


def register(name: str) -> Callable[[type[Policy]], type[Policy]]:
    """Class decorator: make a policy available under ``aggressor.policy: name``."""

    def add(cls: type[Policy]) -> type[Policy]:
        POLICIES[name] = cls
        return cls

    return add


def rung_costs(model: Any, members: np.ndarray) -> np.ndarray:
    """Cost of the rung each breach type's severity triggers, given who ratified (0 if none)."""
    available = available_rungs(model.response, model.coalition, members)
    rung = rung_for(model.response, available, model.severity)
    return np.where(rung >= 0, model.response.cost[np.maximum(rung, 0)], 0.0)


@register("fixed")
class FixedPolicy(Policy):
    """Intensity 1 always; no beliefs, no offensive."""

    def __init__(self, n_types: int):
        self.n_types = n_types

    @classmethod
    def make(cls, model: Any, members: Any, streams: Any) -> FixedPolicy:
        """Needs only the number of breach types."""
        return cls(len(model.types))

    def step(self, t0: float, t1: float, events: BeliefEvents) -> StepResult:
        """Intensity over ``[t0, t1)``."""
        return StepResult(np.array([t0]), np.ones((1, self.n_types)))


@register("rational")
class RationalPolicy(Policy):
    """Knows P_t and D_t for each day; intensity 1 where b_t > C_t, else 0."""

    def __init__(self, params: AggressorParams, day_costs: np.ndarray, offensive_rng: Any = None):
        """``day_costs[d, t]`` is C_t on day d (from ``analytic.expected_costs``)."""
        self.params = params
        self.costs = day_costs
        gain = params.benefit[None, :] - day_costs
        self.gain = gain
        self.intensity = (gain > 0).astype(float)
        self.offensive: OffensiveRule | None = make_offensive(params, offensive_rng)

    @classmethod
    def make(cls, model: Any, members: Any, streams: Any) -> RationalPolicy:
        """The daily costs C_t from the stages' closed forms (``analytic.py``)."""
        costs = expected_costs(model, members, streams.stage("aggressor"))
        return cls(model.aggressor, costs, streams.sub("aggressor", "offensive"))

    def step(self, t0: float, t1: float, events: BeliefEvents) -> StepResult:
        """Daily intensities over ``[t0, t1)``."""
        days = np.arange(math.floor(t0), math.ceil(t1))
        days = days[days < len(self.costs)]
        starts = np.maximum(days.astype(float), t0)
        ends = np.minimum(days + 1.0, t1)
        values = self.intensity[days]
        collapse = None
        if self.offensive is not None:
            gain = self.gain[days, self.params.offensive_type]
            collapse = self.offensive.collapse(starts, ends, gain)
        return StepResult(starts, values, collapse)


@register("adaptive")
@dataclass
class AdaptivePolicy(Policy):
    """Learns P_t (Beta posterior), D_t and cost_t (observed means) from its own breaches."""

    intensity_max: ClassVar[float] = 2.0
    state_dependent: ClassVar[bool] = True
    params: AggressorParams
    rung_cost: np.ndarray  # cost of the rung each type's severity triggers (0 if none)
    n_types: int
    successes: np.ndarray = field(init=False)
    failures: np.ndarray = field(init=False)
    delay_sum: np.ndarray = field(init=False)
    delay_n: np.ndarray = field(init=False)
    cost_sum: np.ndarray = field(init=False)
    offensive_rng: Any = None
    offensive: OffensiveRule | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.offensive = make_offensive(self.params, self.offensive_rng)
        self.successes = np.zeros(self.n_types)
        self.failures = np.zeros(self.n_types)
        self.delay_sum = np.zeros(self.n_types)
        self.delay_n = np.zeros(self.n_types)
        self.cost_sum = np.zeros(self.n_types)

    def cost(
        self,
        s: np.ndarray,
        f: np.ndarray,
        dsum: np.ndarray,
        dn: np.ndarray,
        csum: np.ndarray,
    ) -> np.ndarray:
        """Expected discounted cost C for belief counts (arrays broadcast over rows).

        The cost per response is the mean imposed cost seen, the rung's full cost counting
        as one observation: ``(rung_cost + csum) / (1 + dn)``.
        """
        p = self.params
        prob = (p.prior_alpha + s) / (p.prior_alpha + p.prior_beta + s + f)
        delay = (p.prior_delay + dsum) / (1.0 + dn)
        per_response = (self.rung_cost + csum) / (1.0 + dn)
        return prob * per_response * np.exp(-p.discount * delay)

    def intensity_of(self, cost: np.ndarray) -> np.ndarray:
        """The logistic intensity in (0, 2) for costs C (1 when b = C)."""
        p = self.params
        b = p.benefit
        z = -p.responsiveness * (b - cost) / np.maximum(b, 1e-9)
        return 2.0 / (1.0 + np.exp(np.clip(z, -700, 700)))

    @classmethod
    def make(cls, model: Any, members: Any, streams: Any) -> AdaptivePolicy:
        """Its cost per type is the rung the type's severity triggers among the members'.

        With ratifications over time, among the nations that will be members at some time:
        its prior is the guarantee as announced.
        """
        ever = as_membership(members).ever
        rng = streams.sub("aggressor", "offensive")
        return cls(model.aggressor, rung_costs(model, ever), len(model.types), rng)

    def step(self, t0: float, t1: float, events: BeliefEvents) -> StepResult:
        """Apply the step's belief updates in time order; intensities between them."""
        k = len(events.time)
        inc = np.zeros((k, 5, self.n_types))
        rows = np.arange(k)
        inc[rows, 0, events.type] = events.successes
        inc[rows, 1, events.type] = events.failures
        inc[rows, 2, events.type] = events.delay_sum
        inc[rows, 3, events.type] = events.successes
        inc[rows, 4, events.type] = events.cost_sum
        base = np.stack(
            [self.successes, self.failures, self.delay_sum, self.delay_n, self.cost_sum]
        )
        # accumulate from the running totals, left to right, so that the sums (and so the
        # results) are the same whatever the step boundaries
        cum = np.cumsum(np.concatenate([base[None], inc]), axis=0)
        cost = self.cost(cum[:, 0], cum[:, 1], cum[:, 2], cum[:, 3], cum[:, 4])
        values = self.intensity_of(cost)
        self.successes, self.failures, self.delay_sum, self.delay_n, self.cost_sum = cum[-1]
        # an update from before the step (a response landing at the very instant of the breach
        # it answers, every delay of the chain 0) is taken in at the step's start
        starts = np.concatenate([[t0], np.maximum(events.time, t0)])
        collapse = None
        if self.offensive is not None:
            k = self.params.offensive_type
            ends = np.concatenate([starts[1:], [t1]])
            collapse = self.offensive.collapse(starts, ends, self.params.benefit[k] - cost[:, k])
        return StepResult(starts, values, collapse)
