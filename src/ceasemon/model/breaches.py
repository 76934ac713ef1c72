"""Breach generation: Poisson arrivals per party and type, thinning, retaliation.

Everything here is drawn in bulk before the simulation runs, because none of
it depends on the simulation's state.  The aggressor's rate is
``rate * intensity(t)`` with an intensity that reacts to responses; it is
simulated exactly by thinning (Lewis and Shedler): candidates arrive at the
bounding rate ``rate * intensity_max`` and candidate ``i`` becomes a breach
when ``u_i < intensity(t_i) / intensity_max``.  The candidates and their
uniforms are state-independent, so they are drawn here; only the acceptance
waits for the simulation (``engines/``).

Each aggressor candidate also carries its would-be retaliation (a defender
breach at the same place, of the same type, after a random delay), which
happens only if the candidate is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.models import Scenario
from .line import Line
from .stage import Basics, Delay, Passage, Stage
from .streams import Streams


@dataclass(frozen=True)
class PartyParams:
    """A party's breach process, as arrays over breach types."""

    index: int
    name: str
    is_aggressor: bool
    rates: np.ndarray  # breaches/day per type at intensity 1
    sector_probs: np.ndarray
    retaliation_p: float = 0.0
    retaliation_delay: object | None = None  # a distribution (defender only)


def build_parties(sc: Scenario, line: Line, types: tuple[str, ...]) -> tuple[PartyParams, ...]:
    """Per-party breach parameters of a validated scenario (scenario order of parties)."""
    out = []
    for i, (name, party) in enumerate(sc.parties.items()):
        rates = np.array([party.rates_per_day.get(t, 0.0) for t in types], dtype=float)
        pw = None
        if party.sector_weights:
            pw = np.array([party.sector_weights.get(s, 1.0) for s in line.names], dtype=float)
        ret = party.retaliation
        out.append(
            PartyParams(
                index=i,
                name=name,
                is_aggressor=party.role == "aggressor",
                rates=rates,
                sector_probs=line.sector_probabilities(pw),
                retaliation_p=0.0 if ret is None else ret.probability,
                retaliation_delay=None if ret is None else ret.delay,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Breaches(Stage):
    """The parties' breach processes: the first stage (candidates, thinning, retaliation)."""

    stream = "breaches"
    parties: tuple[PartyParams, ...]

    @classmethod
    def build(cls, sc: Scenario, basics: Basics) -> Breaches:
        """Per-party arrays over the breach types."""
        return cls(build_parties(sc, basics.line, basics.types))

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """A breach is where the pipeline starts: no delay."""
        return Delay(0.0, 0.0)

    def passage(self, view) -> Passage:
        """Every breach enters the pipeline at once."""
        return Passage(1.0, 0.0)


@dataclass
class Candidates:
    """Potential breaches of one replication, sorted by time.

    Aggressor candidates await acceptance; the defender's own breaches are
    always accepted; retaliation candidates happen iff their ``parent`` (an
    aggressor candidate) is accepted.
    """

    t: np.ndarray
    party: np.ndarray  # party index
    type: np.ndarray
    position: np.ndarray
    sector: np.ndarray
    u_accept: np.ndarray  # thinning uniforms (aggressor candidates)
    is_aggressor: np.ndarray
    parent: np.ndarray  # index of the aggressor candidate a retaliation answers, else -1
    children: np.ndarray  # index of a candidate's retaliation, else -1

    def __len__(self) -> int:
        return len(self.t)


def _block(
    party: PartyParams,
    k: int,
    rate: float,
    horizon: float,
    line: Line,
    streams: Streams,
    types: tuple[str, ...],
) -> dict[str, np.ndarray]:
    key = f"{party.name}/{types[k]}"
    rng = streams.sub("breaches", key)
    n = int(rng.poisson(rate * horizon))
    t = np.sort(rng.uniform(0.0, horizon, n))
    u = rng.random(n) if party.is_aggressor else np.zeros(n)
    pos, sec = line.sample(streams.sub("positions", key), n, party.sector_probs)
    return {
        "t": t,
        "party": np.full(n, party.index, np.int8),
        "type": np.full(n, k, np.int16),
        "position": pos,
        "sector": sec,
        "u_accept": u,
        "is_aggressor": np.full(n, party.is_aggressor),
    }


def draw_candidates(
    parties: tuple[PartyParams, ...],
    types: tuple[str, ...],
    line: Line,
    horizon: float,
    intensity_max: float,
    streams: Streams,
) -> Candidates:
    """Draw all potential breaches of one replication over ``[0, horizon)``."""
    aggressor = next(p for p in parties if p.is_aggressor)
    defender = next(p for p in parties if not p.is_aggressor)
    blocks = []
    for party in (aggressor, defender):
        bound = intensity_max if party.is_aggressor else 1.0
        for k, rate in enumerate(party.rates):
            if rate > 0:
                blocks.append(_block(party, k, rate * bound, horizon, line, streams, types))
    shadows = _retaliations(blocks, defender, types, streams)
    return _merge(blocks, shadows, horizon)


_COLUMNS = ("t", "party", "type", "position", "sector", "u_accept", "is_aggressor")


def _retaliations(
    blocks: list[dict[str, np.ndarray]],
    defender: PartyParams,
    types: tuple[str, ...],
    streams: Streams,
) -> list[dict[str, np.ndarray]]:
    """Each aggressor candidate's would-be answer, drawn per type; marks ``_ret`` on blocks."""
    shadows: list[dict[str, np.ndarray]] = []
    if defender.retaliation_p <= 0:
        return shadows
    for b in blocks:
        if not b["is_aggressor"][:1].any():
            continue
        rng = streams.sub("retaliation", types[int(b["type"][0])])
        n = len(b["t"])
        hit = rng.random(n) < defender.retaliation_p
        delay = defender.retaliation_delay.sample(rng, n)
        b["_ret"] = hit
        t_ret = b["t"][hit] + delay[hit]
        shadows.append(
            {
                "t": t_ret,
                "party": np.full(len(t_ret), defender.index, np.int8),
                "type": b["type"][hit],
                "position": b["position"][hit],
                "sector": b["sector"][hit],
                "u_accept": np.zeros(len(t_ret)),
                "is_aggressor": np.zeros(len(t_ret), bool),
            }
        )
    return shadows


def _empty() -> Candidates:
    empty = {c: np.zeros(0) for c in _COLUMNS}
    empty.update(party=np.zeros(0, np.int8), type=np.zeros(0, np.int16))
    empty.update(sector=np.zeros(0, np.int16), is_aggressor=np.zeros(0, bool))
    return Candidates(**empty, parent=np.zeros(0, np.int64), children=np.zeros(0, np.int64))


def _merge(
    blocks: list[dict[str, np.ndarray]], shadows: list[dict[str, np.ndarray]], horizon: float
) -> Candidates:
    """All blocks in one time-sorted table, retaliations linked to their aggressor candidate."""
    parts = blocks + shadows
    if not parts:
        return _empty()
    merged = {c: np.concatenate([p[c] for p in parts]) for c in _COLUMNS}
    n_main = sum(len(b["t"]) for b in blocks)
    parent = np.full(len(merged["t"]), -1, np.int64)
    if shadows:
        hits = np.concatenate([b["_ret"] for b in blocks if "_ret" in b])
        # indices (in merged order) of the aggressor candidates that carry a retaliation
        offsets = np.cumsum([0] + [len(b["t"]) for b in blocks])
        ag_idx = np.concatenate(
            [offsets[i] + np.arange(len(b["t"])) for i, b in enumerate(blocks) if "_ret" in b]
        )
        parent[n_main:] = ag_idx[hits]
    order = np.argsort(merged["t"], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    sorted_cols = {c: v[order] for c, v in merged.items()}
    parent = parent[order]
    parent = np.where(parent >= 0, rank[np.maximum(parent, 0)], -1)
    # Retaliations beyond the horizon never happen; they are dropped with their links.
    keep = sorted_cols["t"] < horizon
    if not keep.all():
        new_index = np.cumsum(keep) - 1
        sorted_cols = {c: v[keep] for c, v in sorted_cols.items()}
        parent = parent[keep]
        parent = np.where(parent >= 0, new_index[np.maximum(parent, 0)], -1)
    children = np.full(len(parent), -1, np.int64)
    is_child = np.flatnonzero(parent >= 0)
    children[parent[is_child]] = is_child
    return Candidates(**sorted_cols, parent=parent, children=children)
