"""A validated scenario as plain Python values, for the reference implementations.

The references in this directory are written independently of
``ceasemon.model``: they read only the validated scenario object (the input
format, ``ceasemon.scenario``) and turn it into the plain numbers below with
their own code, so that a mistake in the model is not copied into its
yardstick.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class PlainParty:
    """One party's breach process."""

    name: str
    aggressor: bool
    rates: list[float]  # breaches/day per type
    sector_cdf: list[float]  # cumulative sector probabilities, sectors in line order
    retaliation_p: float
    retaliation_delay: object | None  # scenario distribution


@dataclass
class PlainGroup:
    """One sensor group."""

    name: str
    full: bool
    positions: np.ndarray  # sorted km (empty for full coverage)
    range_km: float
    p: list[float]  # per type
    fa_rate: float  # per sensor per day
    latency: object  # scenario distribution
    revisit: float | None
    persistence: list[float] | None
    mtbf: float | None
    mttr: float | None

    @property
    def availability(self) -> float:
        """Long-run share of time a sensor is up."""
        if self.mtbf is None:
            return 1.0
        return self.mtbf / (self.mtbf + (self.mttr or 0.0))

    @property
    def n(self) -> int:
        """Number of sensors (1 virtual sensor for full coverage)."""
        return 1 if self.full else len(self.positions)


@dataclass
class Plain:
    """Everything the references need, as plain values (time in days, positions in km)."""

    duration: float
    types: list[str]
    severity: list[float]
    sector_start: np.ndarray
    sector_len: np.ndarray
    parties: list[PlainParty]
    groups: list[PlainGroup]
    min_detections: int
    analysts: int
    service: object  # scenario distribution
    by_severity: bool
    confusion: list[list[float]]  # rows: parties..., none; columns: parties..., unknown

    @property
    def n_sensors(self) -> int:
        """Positioned sensors plus one per full-coverage group."""
        return sum(g.n for g in self.groups)


def _layout(starts: list[float], ends: list[float], count: int | None, spacing: float | None):
    """Evenly spread sensors over the concatenated intervals (cell centres, or every spacing)."""
    lengths = [e - s for s, e in zip(starts, ends, strict=True)]
    total = sum(lengths)
    if count is not None:
        offsets = [(i + 0.5) * total / max(count, 1) for i in range(count)]
    else:
        offsets = []
        x = spacing / 2
        while x < total:
            offsets.append(x)
            x += spacing
    out = []
    for off in offsets:
        acc = 0.0
        for s, ln in zip(starts, lengths, strict=True):
            if off < acc + ln or s == starts[-1]:
                out.append(s + off - acc)
                break
            acc += ln
    return np.sort(np.asarray(out, float))


def plain(sc) -> Plain:
    """Turn a validated ``ceasemon`` scenario into plain values."""
    types = list(sc.breach_types)
    sectors = sorted(sc.contact_line.sectors, key=lambda s: s.start_km)
    names = [s.name for s in sectors]
    start = np.array([s.start_km for s in sectors], float)
    length = np.array([s.end_km - s.start_km for s in sectors], float)
    weight = np.array([s.weight for s in sectors], float)
    parties = []
    for name, p in sc.parties.items():
        pw = np.ones(len(sectors))
        if p.sector_weights:
            pw = np.array([p.sector_weights.get(n, 1.0) for n in names], float)
        mass = length * weight * pw
        cdf = (
            np.cumsum(mass) / mass.sum() if mass.sum() > 0 else np.linspace(0, 1, len(mass) + 1)[1:]
        )
        ret = p.retaliation
        parties.append(
            PlainParty(
                name=name,
                aggressor=p.role == "aggressor",
                rates=[float(p.rates_per_day.get(t, 0.0)) for t in types],
                sector_cdf=cdf.tolist(),
                retaliation_p=0.0 if ret is None else ret.probability,
                retaliation_delay=None if ret is None else ret.delay,
            )
        )
    groups = []
    for gname, g in sc.sensors.items():
        full = g.coverage == "full"
        if full:
            pos = np.zeros(0)
        elif g.positions_km is not None:
            pos = np.sort(np.asarray(g.positions_km, float))
        else:
            chosen = [s for s in sectors if not g.sectors or s.name in g.sectors]
            starts, ends = [], []
            for s in chosen:  # merge adjacent sectors into one interval
                if ends and abs(s.start_km - ends[-1]) < 1e-9:
                    ends[-1] = s.end_km
                else:
                    starts.append(s.start_km)
                    ends.append(s.end_km)
            pos = _layout(starts, ends, g.count, g.spacing_km)
        groups.append(
            PlainGroup(
                name=gname,
                full=full,
                positions=pos,
                range_km=float(g.range_km or 0.0),
                p=[float(g.p_detect.get(t, 0.0)) for t in types],
                fa_rate=float(g.false_alarms_per_day),
                latency=g.latency,
                revisit=g.revisit,
                persistence=None
                if g.persistence is None
                else [float(g.persistence.get(t, 0.0)) for t in types],
                mtbf=g.mtbf,
                mttr=g.mttr,
            )
        )
    a = sc.attribution
    rows = [*sc.parties, "none"]
    cols = [*sc.parties, "unknown"]
    return Plain(
        duration=float(sc.duration),
        types=types,
        severity=[float(sc.breach_types[t].severity) for t in types],
        sector_start=start,
        sector_len=length,
        parties=parties,
        groups=groups,
        min_detections=int(a.min_detections),
        analysts=int(a.analysts),
        service=a.service_time,
        by_severity=a.priority == "severity",
        confusion=[[float(a.confusion[r].get(c, 0.0)) for c in cols] for r in rows],
    )


def scalar_sampler(dist, rnd: random.Random) -> Callable[[], float]:
    """A zero-argument sampler of a scenario distribution using Python's ``random``.

    This is how a plain simpy model draws one value at a time; it does not call
    the distribution's own (numpy, bulk) ``sample``.
    """
    kind = getattr(dist, "dist", "fixed")
    if kind == "fixed":
        v = float(dist.value)
        return lambda: v
    if kind == "exponential":
        m = float(dist.mean_)
        return (lambda: rnd.expovariate(1.0 / m)) if m > 0 else (lambda: 0.0)
    if kind == "lognormal":
        med, s = float(dist.median), float(dist.sigma)
        return lambda: med * math.exp(s * rnd.gauss(0.0, 1.0))
    if kind == "uniform":
        lo, hi = float(dist.low), float(dist.high)
        return lambda: rnd.uniform(lo, hi)
    if kind == "triangular":
        lo, mode, hi = float(dist.low), float(dist.mode), float(dist.high)
        return lambda: rnd.triangular(lo, hi, mode)
    if kind == "gamma":
        m, cv = float(dist.mean_), float(dist.cv)
        if cv == 0 or m == 0:
            return lambda: m
        shape = 1.0 / cv**2
        return lambda: rnd.gammavariate(shape, m / shape)
    if kind == "empirical":
        vals = [float(v) for v in dist.values]
        w = dist.weights or [1.0] * len(vals)
        return lambda: rnd.choices(vals, weights=w)[0]
    raise ValueError(f"no scalar sampler for distribution {kind!r}")


def numpy_sampler(dist) -> Callable[[np.random.Generator, int], np.ndarray]:
    """A bulk sampler ``(rng, n) -> array`` of a scenario distribution, written here."""
    kind = getattr(dist, "dist", "fixed")
    if kind == "fixed":
        return lambda rng, n: np.full(n, float(dist.value))
    if kind == "exponential":
        return lambda rng, n: rng.exponential(float(dist.mean_), n)
    if kind == "lognormal":
        return lambda rng, n: (
            float(dist.median) * np.exp(float(dist.sigma) * rng.standard_normal(n))
        )
    if kind == "uniform":
        return lambda rng, n: rng.uniform(float(dist.low), float(dist.high), n)
    if kind == "triangular":
        lo, mode, hi = float(dist.low), float(dist.mode), float(dist.high)
        if hi == lo:
            return lambda rng, n: np.full(n, lo)
        return lambda rng, n: rng.triangular(lo, mode, hi, n)
    if kind == "gamma":
        m, cv = float(dist.mean_), float(dist.cv)
        if cv == 0 or m == 0:
            return lambda rng, n: np.full(n, m)
        shape = 1.0 / cv**2
        return lambda rng, n: rng.gamma(shape, m / shape, n)
    if kind == "empirical":
        vals = np.asarray(dist.values, float)
        w = np.asarray(dist.weights or [1.0] * len(vals), float)
        return lambda rng, n: rng.choice(vals, n, p=w / w.sum())
    raise ValueError(f"no sampler for distribution {kind!r}")
