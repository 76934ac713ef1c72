"""The draws both engines share: everything of a replication that its state does not change.

Both engines start from the same ``Draws``: who ratified, the aggressor's policy, the
candidate breaches, the network's failures and false alarms, every incident's service time
and verdict, and the ledgers that hand out detections and decisions' random numbers in the
order breaches happen and reports leave.  So the two engines consume the same random
numbers in the same order, and their records are identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.models import Scenario
from .. import aggressor as agg
from ..breaches import Candidates, draw_candidates
from ..build import Model, build_model
from ..coalition import Membership, ratify
from ..kernels.allocator import keep_freed_memory
from ..pipeline import DetectionLedger, Incidents, Pipeline
from ..sensors import FalseAlarms, draw_state, false_alarms
from ..streams import Streams, replication_seed


@dataclass
class Draws:
    """A replication's state-independent draws, and the arrays the engines fill in."""

    model: Model
    streams: Streams
    members: np.ndarray  # nations that are members at some time
    membership: Membership
    policy: agg.Policy
    cand: Candidates
    fa: FalseAlarms
    inc: Incidents
    det: DetectionLedger
    pipe: Pipeline
    accepted: np.ndarray


def make_policy(model: Model, membership: Membership, streams: Streams) -> agg.Policy:
    """The aggressor policy of this replication, from the registry."""
    return agg.POLICIES[model.aggressor.policy].make(model, membership, streams)


def draw(model: Model | Scenario, seed: np.random.SeedSequence | int) -> Draws:
    """Compile the scenario if needed and draw what the state does not change."""
    keep_freed_memory()  # once per process: numpy's temporaries reuse memory (see allocator)
    if isinstance(model, Scenario):
        model = build_model(model)
    if not isinstance(seed, np.random.SeedSequence):
        seed = replication_seed(int(seed), 0)
    streams = Streams(seed)
    horizon_t = model.duration
    membership = ratify(model.coalition, streams)
    members = membership.ever
    policy = make_policy(model, membership, streams)
    cand = draw_candidates(
        model.parties, model.types, model.line, horizon_t, policy.intensity_max, streams
    )
    net_state = draw_state(model.groups, horizon_t, streams)
    fa = false_alarms(model.groups, net_state, model.line, horizon_t, streams)
    inc = Incidents.draw(model, cand, fa, streams)
    # detections are drawn as breaches happen, in time order: a rejected candidate costs no
    # detection work, and the draws do not depend on how an engine cuts time
    det = DetectionLedger(model, net_state, cand, streams)
    pipe = Pipeline(model, inc, streams, membership, policy.state_dependent)
    accepted = np.zeros(len(cand), bool)
    return Draws(model, streams, members, membership, policy, cand, fa, inc, det, pipe, accepted)
