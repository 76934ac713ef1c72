"""Closed forms of the sensor network's coverage (MODEL.md 2, docs/model.md).

Detection counts are sums of binomials over the segments of the line on which
the number of sensors in range is constant: availability mtbf/(mtbf+mttr)
thins each sensor, and a revisit group's pass falls within the persistence
with probability min(1, persistence/revisit).  ``p_detected_at_least`` is the
chance that a breach of one type gets at least ``m`` detections, averaged over
where the party breaches.  The detection stage's passage (``sensors.py``), the
verification tests and the coverage figures' tables use these.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

import numpy as np


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
