"""Reference (b): a fully vectorised numpy estimate of the fixed-policy detection counts.

No simpy and no event loop: all breaches of the period are drawn at once
(Poisson count per party and type, uniform times, sector by weight, uniform
position inside it, retaliations at the same place and type), and for each
sensor group the number of sensors in range of every breach is found with two
``searchsorted`` calls.  Detections are Binomial(sensors in range, p_detect x
availability): availability thinning stands in for the up/down timelines, which
is exact for the per-breach count because sensors fail independently.  Groups
with a revisit see a breach with ``p_detect`` only if their next pass (a random
phase per run) falls within the type's persistence.  A breach is detected when
it has at least one detection and verifiable when it has at least
``min_detections``.

This is the floor for the state-independent part of the model: ceasemon does
all of this and also the queue, reports, coalition and response, so a ratio
of a few is expected and issue 7 asks for at most 3.
"""

from __future__ import annotations

import time

import numpy as np
from refplain import Plain, numpy_sampler


def estimate(p: Plain, seed: int, duration: float | None = None) -> dict[str, float]:
    """Draw one period's breaches and detection counts; return counts, shares and seconds."""
    t0 = time.process_time()  # CPU time: robust to other programs on the machine
    w0 = time.perf_counter()
    horizon = p.duration if duration is None else duration
    rng = np.random.default_rng(seed)
    ts, xs, ks = [], [], []
    defender = next(q for q in p.parties if not q.aggressor)
    ret_delay = numpy_sampler(defender.retaliation_delay) if defender.retaliation_p > 0 else None
    for party in p.parties:
        cdf = np.asarray(party.sector_cdf)
        for k, rate in enumerate(party.rates):
            if rate <= 0:
                continue
            n = rng.poisson(rate * horizon)
            t = rng.uniform(0.0, horizon, n)
            sec = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
            x = p.sector_start[sec] + rng.random(n) * p.sector_len[sec]
            ts.append(t)
            xs.append(x)
            ks.append(np.full(n, k))
            if party.aggressor and ret_delay is not None:
                hit = rng.random(n) < defender.retaliation_p
                tr = t[hit] + ret_delay(rng, int(hit.sum()))
                inside = tr < horizon
                ts.append(tr[inside])
                xs.append(x[hit][inside])
                ks.append(np.full(int(inside.sum()), k))
    x = np.concatenate(xs)
    order = np.argsort(x)  # sorted queries make searchsorted several times faster
    x = x[order]
    t = np.concatenate(ts)[order]
    k = np.concatenate(ks)[order]
    count = np.zeros(len(t), np.int64)
    for g in p.groups:
        pk = np.asarray(g.p)[k] * g.availability
        if g.revisit:
            phase = rng.uniform(0.0, g.revisit)
            nxt = phase + np.maximum(np.ceil((t - phase) / g.revisit), 0.0) * g.revisit
            pk = np.where(nxt - t <= np.asarray(g.persistence)[k], pk, 0.0)
        if g.full:
            in_range = np.ones(len(t), np.int64)
        else:
            lo = np.searchsorted(g.positions, x - g.range_km, side="left")
            hi = np.searchsorted(g.positions, x + g.range_km, side="right")
            in_range = hi - lo
        draw = (in_range > 0) & (pk > 0)  # skip breaches this group cannot see
        count[draw] += rng.binomial(in_range[draw], pk[draw])
    n = len(t)
    detected = int(np.count_nonzero(count >= 1))
    verifiable = int(np.count_nonzero(count >= p.min_detections))
    secs = time.process_time() - t0
    wall = time.perf_counter() - w0
    return {
        "breaches": float(n),
        "detected": float(detected),
        "verifiable": float(verifiable),
        "detected_share": detected / n if n else float("nan"),
        "verifiable_share": verifiable / n if n else float("nan"),
        "detections_per_breach": float(count.mean()) if n else float("nan"),
        "seconds": secs,
        "wall_seconds": wall,
        "simulated_days": horizon,
    }
