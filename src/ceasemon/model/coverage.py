"""Closed forms of the sensor network's coverage (MODEL.md 2, docs/model.md).

Detection counts are sums of binomials over the segments of the line on which
the number of sensors in range is constant: availability mtbf/(mtbf+mttr)
thins each sensor, and a revisit group's pass falls within the persistence
with probability min(1, persistence/revisit); a group's terrain factor (MODEL.md 11)
multiplies p_detect on the segments of that terrain.  ``p_detected_at_least`` is the
chance that a breach of one type gets at least ``m`` detections, averaged over
where the party breaches.  The detection stage's passage (``sensors.py``), the
verification tests and the coverage figures' tables use these.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

import numpy as np

from .outages import sector_first
from .terrain import sector_factor


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


def _binom_head(k: np.ndarray, q: float | np.ndarray, m: int) -> np.ndarray:
    """P(Binomial(k, q) = j) for j < m, per entry of ``k`` (``q``: one, or one per entry)."""
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


#: Columns of a detection closed form: (sensors in range per segment and column, the group
#: of each column, the outage factor of each column's sensors).
Columns = tuple[np.ndarray, np.ndarray, np.ndarray]


def p_detected_at_least(
    model, cov: Coverage, mass: np.ndarray, type_: int, m: int, columns: Columns | None = None
) -> float:
    """P(a breach of this type gets at least ``m`` detections), averaged over positions.

    ``columns`` splits each group's sensors in range by the outage factor in force
    (``outage_columns``); by default one column per group, factor 1.
    """
    m = max(1, m)
    groups = model.groups
    if columns is None:
        columns = (cov.counts, np.arange(len(groups)), np.ones(len(groups)))
    counts, col_group, col_factor = columns
    if counts.shape[1] == 0:
        return 0.0  # every sensor is blind
    revisit = [j for j, g in enumerate(groups) if g.revisit]
    # probability of each pattern of revisit groups that observe the breach
    total = 0.0
    uniq, terrain, inverse = _distinct_rows(model, cov, counts, col_group)
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
        for c, (j, f) in enumerate(zip(col_group, col_factor, strict=True)):
            g = groups[j]
            if g.revisit and j not in on:
                continue
            _, q = group_detection_prob(g, type_)
            q_c = q * f if terrain is None else q * f * terrain[:, c]
            head = _conv_head(head, _binom_head(uniq[:, c], q_c, m), m)
        total += weight * float(np.dot(w, 1.0 - head.sum(axis=1)))
    return total


def _distinct_rows(
    model, cov: Coverage, counts: np.ndarray, col_group: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Distinct rows of segments: (counts, terrain factor per column or None, inverse).

    Segments with the same sensors in range and (with terrain, MODEL 11) the same terrain
    factor of each column's group detect alike, so the closed form is evaluated once per
    distinct row.  Segments are cut at sector boundaries, so each has one sector and one
    terrain.  Without any ``terrain_factor`` the rows are the counts alone, as before.
    """
    if all(g.terrain is None for g in model.groups):
        uniq, inverse = np.unique(counts, axis=0, return_inverse=True)
        return uniq, None, inverse
    sector = model.line.sector_of((cov.lo + cov.hi) / 2)
    factor = sector_factor(model.groups, model.line, sector)[:, col_group]
    n_cols = counts.shape[1]
    rows, inverse = np.unique(np.column_stack([counts, factor]), axis=0, return_inverse=True)
    return rows[:, :n_cols].astype(np.int64), rows[:, n_cols:], inverse


def sector_counts(model, cov: Coverage) -> np.ndarray:
    """Sensors in range per segment, group and sector they stand in: (segments, groups, sectors).

    A ``full`` group's virtual sensor counts in the sector of the segment (an outage of a
    full group acts on the breaches of its sectors).  Summed over sectors: ``cov.counts``.
    """
    line = model.line
    n_sec = len(line.names)
    mid = (cov.lo + cov.hi) / 2
    out = np.zeros((len(mid), len(model.groups), n_sec), np.int64)
    for j, g in enumerate(model.groups):
        if g.full:
            out[np.arange(len(mid)), j, line.sector_of(mid)] = 1
            continue
        a = np.searchsorted(g.positions, mid - g.range_km, side="left")
        b = np.searchsorted(g.positions, mid + g.range_km, side="right")
        first = sector_first(line, g.positions)
        lo = np.maximum(a[:, None], first[None, :-1])
        hi = np.minimum(b[:, None], first[None, 1:])
        out[:, j, :] = np.maximum(hi - lo, 0)
    return out


def outage_columns(by_sector: np.ndarray, factors: np.ndarray) -> Columns:
    """Columns of the closed form under one outage state: one per group and distinct factor.

    ``factors``: (groups, sectors), the combined outage factor in force per group and
    sector.  Columns of factor 0 are left out (their sensors never detect).
    """
    cols, col_group, col_factor = [], [], []
    for j in range(factors.shape[0]):
        for f in np.unique(factors[j]):
            if f == 0.0:
                continue
            cols.append(by_sector[:, j, factors[j] == f].sum(axis=1))
            col_group.append(j)
            col_factor.append(float(f))
    counts = np.column_stack(cols) if cols else np.zeros((by_sector.shape[0], 0), np.int64)
    return counts, np.asarray(col_group, np.int64), np.asarray(col_factor, float)


def expected_share_in_range(model, cov: Coverage, mass: np.ndarray, group: int) -> np.ndarray:
    """Distribution of the number of sensors of ``group`` in range: P(K = k) for k = 0..max."""
    k = cov.counts[:, group]
    return np.bincount(k, weights=mass)
