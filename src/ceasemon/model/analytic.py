"""The pipeline's closed forms, composed from the stages' own passages (MODEL.md 6).

The ``rational`` aggressor knows, for each breach type, the probability ``P_t``
that one of its breaches leads to a response and the delay ``D_t`` until it
does.  Each stage states its own pass probability and mean delay
(``Stage.passage``); here they are multiplied and added up in pipeline order:

    P_t = detection (P(>= min_detections detections), coverage averaged over positions)
          * attribution (the verdict names the aggressor)
          * reporting (1)
          * coalition (P(weighted yes votes within the window reach quorum), per day)
          * response ([a rung the members can carry out applies to severity(t)])
    D_t = E[arrival of the min_detections-th detection | verifiable] + E[service]
          + E[wait for the report] + E[time to quorum | quorum]
          + E[implementation] (+ travel for military)

The expected cost per breach, ``C_t``, replaces ``P(quorum) * cost`` by the expected
imposed cost ``E[1{quorum} * Y_a / T_a] * cost`` (MODEL 9): the yes sets of the members are
enumerated with each nation's chance that its yes vote counts (window and decay included,
``nation_yes_factor``), and escalation is ignored.

Two parts have no closed form and use a pilot Monte Carlo of 20,000 draws on
the scenario's own pilot stream: the delay to the min_detections-th detection
and the expected time to quorum.  The queue wait is taken as zero (the
aggressor does not model congestion), and the rung is the one the breach's
own severity triggers (a routine report's rung may be higher).  These are
documented in docs/model.md; the verification tests check them against
simulated frequencies.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .coalition import as_membership, expected_share, nation_yes_factor, quorum_probability
from .coverage import (
    Coverage,
    coverage,
    expected_share_in_range,
    group_detection_prob,
    p_detected_at_least,
    segment_mass,
)
from .response import available_rungs, rung_for
from .stage import PILOT, Passage

__all__ = [
    "PILOT",
    "Coverage",
    "StageView",
    "View",
    "coverage",
    "expected_costs",
    "expected_share_in_range",
    "group_detection_prob",
    "nation_yes_factor",
    "p_detected_at_least",
    "pipeline_passage",
    "quorum_probability",
    "response_delay",
    "response_probability",
    "segment_mass",
    "stage_view",
]


@dataclass(frozen=True)
class View:
    """What a stage's passage may look at: the model, who ratified, the days, a pilot stream."""

    model: Any
    members: np.ndarray
    days: np.ndarray
    rng: np.random.Generator
    notes: dict = field(default_factory=dict)  # what a stage leaves for later ones (yes chances)

    @property
    def aggressor(self) -> int:
        """Party index of the aggressor."""
        return self.model.aggressor_index

    @property
    def severity(self) -> np.ndarray:
        """Severity per breach type."""
        return self.model.severity

    @property
    def coalition(self) -> Any:
        """The coalition stage (the response needs it for who contributes what)."""
        return self.model.coalition


def pipeline_passage(view: View) -> Passage:
    """P_t (days, types) and D_t (types): the stages' passages, in pipeline order."""
    probability: Any = 1.0
    delay: Any = 0.0
    for stage in view.model.stages:
        p = stage.passage(view)
        probability = probability * p.probability
        delay = delay + p.delay
    n_days = len(view.days)
    probability = np.broadcast_to(probability, (n_days, len(view.model.types)))
    return Passage(probability, np.asarray(delay, float))


def response_probability(model, members: np.ndarray, days: np.ndarray, rng) -> np.ndarray:
    """P_t on each day: shape (len(days), n_types)."""
    return pipeline_passage(View(model, members, np.asarray(days, float), rng)).probability


def response_delay(model, members: np.ndarray, rng) -> np.ndarray:
    """D_t, expected days from breach to response given there is one, per type."""
    return pipeline_passage(View(model, members, np.zeros(1), rng)).delay


def expected_costs(model, members, rng: np.random.Generator) -> np.ndarray:
    """C_t = P_t * cost_t * exp(-discount * D_t) for every day of the run: (days, types).

    ``members`` is a ``Membership`` (or a mask of nations that are members throughout): the
    aggressor knows who is a member on each day, not who will be (MODEL 8), so each stretch
    of days with the same members gets its own closed forms, all from the same pilot draws.
    """
    days = np.arange(math.ceil(model.duration) + 1, dtype=float)
    membership = as_membership(members)
    masks = membership.at(days)
    rows, which = np.unique(masks, axis=0, return_inverse=True)
    which = np.asarray(which).reshape(-1)
    out = np.zeros((len(days), len(model.types)))
    start = copy.deepcopy(rng)
    for r, mask in enumerate(rows):
        sel = which == r
        stream = rng if r == 0 else copy.deepcopy(start)
        out[sel] = _expected_costs(model, mask, days, stream)[sel]
    return out


def _expected_costs(model, members: np.ndarray, days: np.ndarray, rng) -> np.ndarray:
    """C_t on ``days`` for one fixed set of members."""
    view = View(model, members, days, rng)
    passage = pipeline_passage(view)
    p, d = passage.probability, passage.delay
    available = available_rungs(model.response, model.coalition, members)
    rung = rung_for(model.response, available, model.severity)
    cost = np.where(rung >= 0, model.response.cost[np.maximum(rung, 0)], 0.0)
    cost = cost[None, :] * _share_given_quorum(model, members, view.notes.get("yes"), rung)
    disc = np.exp(-model.aggressor.discount * np.nan_to_num(d, nan=0.0))
    return np.nan_to_num(p * cost * disc[None, :], nan=0.0)


def _share_given_quorum(model, members: np.ndarray, yes, rung: np.ndarray) -> np.ndarray:
    """E[1{quorum} Y_a / T_a] / P(quorum) for each day and type's rung action: (days, types).

    ``P_t`` holds P(quorum) as a factor, so this turns it into the expected imposed share.
    1 with ``cost_scaling: full`` (or when the coalition's passage left no yes chances).
    """
    if not model.response.scaled or yes is None:
        return np.ones((1, len(rung)))
    c = model.coalition
    p_quorum = quorum_probability(c, members, yes)  # (days,)
    share = expected_share(c, members, yes)  # (days, actions)
    action = model.response.action[np.maximum(rung, 0)].astype(np.int64)
    ratio = share[:, action] / np.where(p_quorum > 0, p_quorum, 1.0)[:, None]
    return np.where(p_quorum[:, None] > 0, ratio, 0.0)


@dataclass(frozen=True)
class StageView:
    """The coalition-independent parts of P_t and D_t, stage by stage (for tests and figures)."""

    p_verifiable: np.ndarray  # per type
    p_named: float
    detection_delay: np.ndarray  # E[t_queued - t_breach | verifiable], per type
    service_mean: float
    report_wait: np.ndarray  # per type


def stage_view(model) -> StageView:
    """Detection, attribution and reporting passages of the aggressor's breaches."""
    view = View(model, np.ones(len(model.coalition.names), bool), np.zeros(1), None)
    det = model.detection.passage(view)
    att = model.attribution.passage(view)
    rep = model.reporting.passage(view)
    return StageView(det.probability, att.probability, det.delay, att.delay, rep.delay)
