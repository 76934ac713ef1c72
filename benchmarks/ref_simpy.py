"""Reference (a): the naive simpy design, a Python loop over every sensor for every breach.

This is how the model would look written the obvious way, and it is the
design DESIGN.md ("Speed by design") measures at about 10 s per replication-year
on a 2-core box.  Per party and breach type a simpy process emits Poisson
breaches; each breach draws its sector by weight and a uniform position in it;
the aggressor's breaches draw a retaliation (same place and type, later).  A
breach process then loops in Python over every sensor of every group: a sensor
detects when it is within range, up (each failing sensor has its own simpy
process alternating exponential up and down times) and a uniform falls below
``p_detect``; revisit groups see the breach only if their next pass is within
the persistence of its type.  Each detection arrives after its latency; when
the ``min_detections``-th arrives the incident asks a ``simpy.PriorityResource``
of ``analysts`` (priority ``-severity`` or FIFO) and holds it for a service
time, then draws its verdict from the confusion row.  False alarms (a Poisson
stream per group, at a random sensor that is up) enter the queue only when
``min_detections`` is 1, as in the model.

It covers breaches, detection, corroboration and the analyst queue; reports,
coalition and responses are left out (under the ``fixed`` aggressor they do
not feed back on anything measured here).  The run continues past the end of
breach generation (``drain``) so that late detections and queued incidents
finish, which removes the end-of-period effect from the shares.
"""

from __future__ import annotations

import bisect
import random
import time

import simpy
from refplain import Plain, scalar_sampler


def run(p: Plain, seed: int, duration: float, drain: float | None = None) -> dict[str, float]:
    """Simulate ``duration`` days of breaches (plus ``drain``); return counts, shares, seconds."""
    clock = time.process_time  # CPU time: robust to other programs on the machine
    t0 = clock()
    w0 = time.perf_counter()
    rnd = random.Random(seed)
    rand = rnd.random
    env = simpy.Environment()
    analysts = simpy.PriorityResource(env, capacity=p.analysts)
    m = p.min_detections
    if drain is None:
        longest_persistence = max(
            (max(g.persistence) for g in p.groups if g.persistence), default=0
        )
        longest_latency = max(g.latency.upper() for g in p.groups if g.latency.upper() < 1e9)
        drain = (
            longest_persistence + max((g.revisit or 0.0) for g in p.groups) + longest_latency + 1.0
        )
    stats = {"breaches": 0, "detected": 0, "verified": 0, "detections": 0, "false_alarms": 0}
    until = duration + drain

    groups = []
    for g in p.groups:
        n = g.n
        up = [True] * n
        positions = [0.0] if g.full else [float(x) for x in g.positions]
        groups.append(
            (
                g.full,
                positions,
                g.range_km,
                g.p,
                up,
                scalar_sampler(g.latency, rnd),
                g.revisit,
                g.persistence,
                rnd.uniform(0.0, g.revisit) if g.revisit else 0.0,
            )
        )
        if g.mtbf is not None:
            for i in range(n):
                env.process(_life(env, rnd, up, i, g.mtbf, g.mttr or 0.0))
        if g.fa_rate > 0 and sum(g.p) > 0:
            env.process(_false_alarms(env, rnd, g.fa_rate * n, up, n, m, analysts, p, duration))

    service = scalar_sampler(p.service, rnd)
    defender = next(q for q in p.parties if not q.aggressor)
    ret_delay = scalar_sampler(defender.retaliation_delay, rnd) if defender.retaliation_p else None

    def breach(party_row: int, k: int, x: float):
        stats["breaches"] += 1
        now = env.now
        arrivals = []
        for full, positions, rng_km, pdet, up, lat, revisit, persistence, phase in groups:
            pk = pdet[k]
            delay0 = 0.0
            if revisit:
                passes = max(0.0, -(-(now - phase) // revisit))
                delay0 = phase + passes * revisit - now
                if delay0 > persistence[k]:
                    pk = 0.0
            if full:
                if up[0] and rand() < pk:
                    arrivals.append(delay0 + lat())
                continue
            lo, hi = x - rng_km, x + rng_km
            for xs, is_up in zip(positions, up, strict=True):  # the naive part: every sensor
                if lo <= xs <= hi and is_up and rand() < pk:
                    arrivals.append(delay0 + lat())
        if not arrivals:
            return
        stats["detections"] += len(arrivals)
        arrivals.sort()
        if now + arrivals[0] <= until:
            stats["detected"] += 1
        if len(arrivals) < m:
            return
        yield env.timeout(arrivals[m - 1])
        prio = -p.severity[k] if p.by_severity else 0.0
        with analysts.request(priority=prio) as req:
            yield req
            yield env.timeout(service())
        _verdict(rnd, p.confusion[party_row])
        stats["verified"] += 1

    def retaliate(k: int, x: float, row: int):
        yield env.timeout(ret_delay())
        if env.now < duration:
            yield env.process(breach(row, k, x))

    def source(row: int, party, k: int, rate: float):
        while True:
            yield env.timeout(rnd.expovariate(rate))
            if env.now >= duration:
                return
            sec = bisect.bisect_right(party.sector_cdf, rand())
            sec = min(sec, len(party.sector_cdf) - 1)
            x = float(p.sector_start[sec] + rand() * p.sector_len[sec])
            env.process(breach(row, k, x))
            if party.aggressor and ret_delay is not None and rand() < defender.retaliation_p:
                env.process(retaliate(k, x, p.parties.index(defender)))

    for row, party in enumerate(p.parties):
        for k, rate in enumerate(party.rates):
            if rate > 0:
                env.process(source(row, party, k, rate))
    t_setup = clock() - t0
    env.run(until=duration)
    t_main = clock() - t0 - t_setup
    env.run(until=until)
    t_drain = clock() - t0 - t_setup - t_main
    n = stats["breaches"]
    return {
        "breaches": float(n),
        "detected": float(stats["detected"]),
        "verified": float(stats["verified"]),
        "detected_share": stats["detected"] / n if n else float("nan"),
        "verified_share": stats["verified"] / n if n else float("nan"),
        "detections_per_breach": stats["detections"] / n if n else float("nan"),
        "seconds": clock() - t0,
        "wall_seconds": time.perf_counter() - w0,
        "setup_seconds": t_setup,
        "main_seconds": t_main,
        "drain_seconds": t_drain,
        "simulated_days": float(duration),
        "drain_days": float(drain),
    }


def _verdict(rnd: random.Random, row: list[float]) -> int:
    """Column drawn from a confusion row (the last column is ``unknown``)."""
    u = rnd.random() * sum(row)
    acc = 0.0
    for j, q in enumerate(row):
        acc += q
        if u < acc:
            return j
    return len(row) - 1


def _life(env: simpy.Environment, rnd: random.Random, up: list[bool], i: int, mtbf, mttr):
    """One sensor's alternating exponential up and down times, starting up."""
    while True:
        yield env.timeout(rnd.expovariate(1.0 / mtbf))
        up[i] = False
        yield env.timeout(rnd.expovariate(1.0 / mttr) if mttr > 0 else 0.0)
        up[i] = True


def _false_alarms(env, rnd, rate, up, n, m, analysts, p: Plain, duration):
    """False alarms of a group: a Poisson stream at random sensors, queued when m is 1."""
    while True:
        yield env.timeout(rnd.expovariate(rate))
        if env.now >= duration:
            return
        if not up[rnd.randrange(n)]:
            continue
        if m <= 1:
            env.process(_false_alarm_incident(env, rnd, analysts, p))


def _false_alarm_incident(env, rnd, analysts, p: Plain):
    with analysts.request(priority=0.0) as req:
        yield req
        yield env.timeout(scalar_sampler(p.service, rnd)())
    _verdict(rnd, p.confusion[-1])
