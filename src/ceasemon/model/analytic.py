"""Closed forms of the pipeline's stage probabilities and delays.

The ``rational`` aggressor knows, for each breach type, the probability ``P_t``
that one of its breaches leads to a response and the delay ``D_t`` until it
does (MODEL.md 6).  They are the product and the sum of the stages:

    P_t = P(>= min_detections detections)           coverage averaged over positions
          * confusion[aggressor][aggressor]         attribution names it
          * P(weighted yes votes within the window reach quorum)
          * [a rung applies to severity(t)]
    D_t = E[arrival of the min_detections-th detection | verifiable]
          + E[service] + E[wait for the report] + E[time to quorum | quorum]
          + E[implementation] (+ travel for military)

Closed forms are used where they exist: detection counts are sums of
binomials over the segments of the line on which the number of sensors in
range is constant (availability mtbf/(mtbf+mttr) thins each sensor; a revisit
group's pass falls within the persistence with probability
min(1, persistence/revisit)); the quorum probability enumerates the subsets
of member nations.  Two parts have no closed form and use a pilot Monte Carlo
of 20,000 draws on the scenario's own pilot stream: the delay to the
min_detections-th detection and the expected time to quorum.  The queue wait
is taken as zero (the aggressor does not model congestion), and the rung is
the one the breach's own severity triggers (a routine report's rung may be
higher).  These are documented in docs/model.md.

The same functions serve the verification tests as the model's own view of
itself; the tests check them against simulated frequencies.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from math import comb

import numpy as np

from ..experiment.seeds import Streams
from ..scenario.distributions import Fixed
from .coalition import CoalitionParams, decision_draws, time_to_quorum
from .response import available_rungs, rung_for
from .sensors import detect, draw_state

PILOT = 20_000


@dataclass(frozen=True)
class Coverage:
    """Segments of the line with a constant number of sensors in range of each group."""

    lo: np.ndarray  # segment starts (km)
    hi: np.ndarray  # segment ends
    counts: np.ndarray  # (n_segments, n_groups): sensors in range (1 for full coverage)


def coverage(model) -> Coverage:
    """Cut the line where any sensor's range begins or ends, or a sector changes."""
    line = model.line
    cuts = [line.starts, line.ends]
    for g in model.groups:
        if not g.full:
            cuts += [g.positions - g.range_km, g.positions + g.range_km]
    edges = np.unique(np.clip(np.concatenate(cuts), 0.0, line.length_km))
    lo, hi = edges[:-1], edges[1:]
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    mid = (lo + hi) / 2
    counts = np.empty((len(mid), len(model.groups)), np.int64)
    for j, g in enumerate(model.groups):
        if g.full:
            counts[:, j] = 1
        else:
            a = np.searchsorted(g.positions, mid - g.range_km, side="left")
            b = np.searchsorted(g.positions, mid + g.range_km, side="right")
            counts[:, j] = b - a
    return Coverage(lo, hi, counts)


def segment_mass(model, cov: Coverage, party: int) -> np.ndarray:
    """Probability that a breach of ``party`` falls in each coverage segment."""
    line = model.line
    probs = model.parties[party].sector_probs
    sector = line.sector_of((cov.lo + cov.hi) / 2)
    density = probs[sector] / line.lengths[sector]
    return density * (cov.hi - cov.lo)


def _binom_head(k: np.ndarray, q: float, m: int) -> np.ndarray:
    """P(Binomial(k, q) = j) for j < m, per entry of ``k``: shape (len(k), m)."""
    out = np.zeros((len(k), m))
    for j in range(m):
        c = np.array([comb(int(x), j) if x >= j else 0 for x in k], dtype=float)
        out[:, j] = c * q**j * (1.0 - q) ** np.maximum(k - j, 0)
    return out


def _conv_head(a: np.ndarray, b: np.ndarray, m: int) -> np.ndarray:
    out = np.zeros_like(a)
    for j in range(m):
        out[:, j] = (a[:, : j + 1] * b[:, j::-1]).sum(axis=1)
    return out


def group_detection_prob(g, type_: int) -> tuple[float, float]:
    """(probability the group observes the breach at all, p per sensor given it does)."""
    active = 1.0
    if g.revisit:
        active = min(1.0, g.persistence[type_] / g.revisit) if g.persistence is not None else 0.0
    return active, float(g.p[type_]) * g.availability


def p_detected_at_least(model, cov: Coverage, mass: np.ndarray, type_: int, m: int) -> float:
    """P(a breach of this type gets at least ``m`` detections), averaged over positions."""
    m = max(1, m)
    groups = model.groups
    revisit = [j for j, g in enumerate(groups) if g.revisit]
    # probability of each pattern of revisit groups that observe the breach
    total = 0.0
    uniq, inverse = np.unique(cov.counts, axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=mass, minlength=len(uniq))
    for pattern in itertools.product((0, 1), repeat=len(revisit)):
        weight = 1.0
        on = set()
        for j, bit in zip(revisit, pattern, strict=True):
            a, _ = group_detection_prob(groups[j], type_)
            weight *= a if bit else 1.0 - a
            if bit:
                on.add(j)
        if weight == 0.0:
            continue
        head = np.zeros((len(uniq), m))
        head[:, 0] = 1.0
        for j, g in enumerate(groups):
            if g.revisit and j not in on:
                continue
            _, q = group_detection_prob(g, type_)
            head = _conv_head(head, _binom_head(uniq[:, j], q, m), m)
        total += weight * float(np.dot(w, 1.0 - head.sum(axis=1)))
    return total


def expected_share_in_range(model, cov: Coverage, mass: np.ndarray, group: int) -> np.ndarray:
    """Distribution of the number of sensors of ``group`` in range: P(K = k) for k = 0..max."""
    k = cov.counts[:, group]
    return np.bincount(k, weights=mass)


def nation_yes_factor(c: CoalitionParams, rng: np.random.Generator) -> np.ndarray:
    """E[(1 - decay)^(d / 365) * 1{d <= window}] for each nation's delay d.

    Exact for fixed delays without decay; else a pilot Monte Carlo.
    """
    out = np.empty(len(c.names))
    for j, dist in enumerate(c.delays):
        d = np.array([dist.value]) if isinstance(dist, Fixed) else dist.sample(rng, PILOT)
        out[j] = np.mean(((1.0 - c.decay_per_year) ** (d / 365.0)) * (d <= c.window))
    return out


def quorum_probability(c: CoalitionParams, members: np.ndarray, yes: np.ndarray) -> np.ndarray:
    """P(the weight of independent yes votes reaches quorum); ``yes`` is (..., n_nations)."""
    idx = np.flatnonzero(members)
    total = float(c.weights[idx].sum())
    yes = np.atleast_2d(yes)
    if total <= 0:
        return np.zeros(yes.shape[0])
    need = c.quorum * total * (1 - 1e-12)
    if len(idx) > 16:
        raise ValueError("the rational aggressor enumerates at most 16 member nations")
    prob = np.zeros(yes.shape[0])
    for pattern in itertools.product((0, 1), repeat=len(idx)):
        bits = np.array(pattern, bool)
        if c.weights[idx][bits].sum() < need:
            continue
        p = np.prod(np.where(bits, yes[:, idx], 1.0 - yes[:, idx]), axis=1)
        prob += p
    return prob


@dataclass(frozen=True)
class StageView:
    """The rational aggressor's per-type view of the pipeline (coalition-independent parts)."""

    p_verifiable: np.ndarray  # per type
    p_named: float
    detection_delay: np.ndarray  # E[t_queued - t_breach | verifiable], per type
    service_mean: float
    report_wait: np.ndarray  # per type


@lru_cache(maxsize=8)
def stage_view(model) -> StageView:
    """The parts of P_t and D_t that do not depend on which nations ratified (cached per model)."""
    ag = model.aggressor_index
    cov = coverage(model)
    mass = segment_mass(model, cov, ag)
    m = model.attribution.min_detections
    n_types = len(model.types)
    p_ver = np.array([p_detected_at_least(model, cov, mass, k, m) for k in range(n_types)])
    row = model.attribution.confusion_cdf[ag]
    p_named = float(row[ag] - (row[ag - 1] if ag > 0 else 0.0))
    pilot = Streams(np.random.SeedSequence(model.scenario.seed, spawn_key=(2**31 - 1,)))
    delays = np.full(n_types, np.nan)
    horizon = model.duration
    state = draw_state(model.groups, horizon, pilot)
    for k in range(n_types):
        rng = pilot.sub("positions", f"pilot/{k}")
        pos, _ = model.line.sample(rng, PILOT, model.parties[ag].sector_probs)
        t = rng.uniform(0.0, horizon, PILOT)
        det = detect(model.groups, state, t, pos, np.full(PILOT, k), m, pilot)
        ok = np.isfinite(det.t_mth)
        if ok.any():
            delays[k] = float(np.mean(det.t_mth[ok] - t[ok]))
    urgent = model.severity >= model.urgent_severity
    wait = np.where(urgent, 0.0, model.report_interval / 2.0)
    return StageView(p_ver, p_named, delays, model.attribution.service_time.mean(), wait)


def response_probability(model, members: np.ndarray, days: np.ndarray, rng) -> np.ndarray:
    """P_t on each day: shape (len(days), n_types)."""
    view = stage_view(model)
    c = model.coalition
    factor = nation_yes_factor(c, rng)
    support = c.support_at(days)  # (days, nations)
    p_coal = quorum_probability(c, members, support * factor[None, :])
    available = available_rungs(model.response, c, members)
    has_rung = rung_for(model.response, available, model.severity) >= 0
    per_type = view.p_verifiable * view.p_named * has_rung
    return p_coal[:, None] * per_type[None, :]


def response_delay(model, members: np.ndarray, rng) -> np.ndarray:
    """D_t, expected days from breach to response given there is one, per type."""
    view = stage_view(model)
    c = model.coalition
    draws = decision_draws(c, rng).take(PILOT)
    q = time_to_quorum(c, members, np.zeros(PILOT), draws)
    quorum_wait = float(np.nanmean(q)) if np.isfinite(q).any() else math.nan
    available = available_rungs(model.response, c, members)
    rung = rung_for(model.response, available, model.severity)
    r = model.response
    impl = np.array([d.mean() for d in r.implementation]) + r.rung_extra()
    impl_t = np.where(rung >= 0, impl[np.maximum(rung, 0)], np.nan)
    return view.detection_delay + view.service_mean + view.report_wait + quorum_wait + impl_t


def expected_costs(model, members: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """C_t = P_t * cost_t * exp(-discount * D_t) for every day of the run: (days, types)."""
    days = np.arange(math.ceil(model.duration) + 1, dtype=float)
    p = response_probability(model, members, days, rng)
    d = response_delay(model, members, rng)
    available = available_rungs(model.response, model.coalition, members)
    rung = rung_for(model.response, available, model.severity)
    cost = np.where(rung >= 0, model.response.cost[np.maximum(rung, 0)], 0.0)
    disc = np.exp(-model.aggressor.discount * np.nan_to_num(d, nan=0.0))
    return np.nan_to_num(p * cost[None, :] * disc[None, :], nan=0.0)
