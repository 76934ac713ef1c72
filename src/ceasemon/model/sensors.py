"""The sensor network: which breaches are detected, when, and the false alarms.

Detection is state-independent, so it is computed in bulk for every potential
breach before the simulation runs.  Positioned sensors are kept sorted by
position and a breach finds the sensors in range by two ``searchsorted``
calls; there is no loop over sensors.  Per breach and group the number of
detections is Binomial(sensors in range and up, p_detect); a group with
failures counts the down sensors in range from its failure timeline
(``failures.py``) without visiting the sensors one by one.  Only the earliest
``min_detections`` arrival times of each breach are kept, since the pipeline
needs only the first arrival and the ``min_detections``-th.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..scenario.distributions import Fixed
from ..scenario.models import Scenario
from . import coverage as cv
from .failures import Timeline, draw_timeline
from .kernels.binomial import binomial
from .kernels.ordering import sorting_order
from .line import Line
from .network import GroupParams, build_network, next_pass
from .outages import jammed_split, outage_pieces
from .stage import PILOT, Basics, Delay, Passage, Stage, longest_of
from .streams import Streams

# --------------------------------------------------------------------------------------------
# Per-replication state: failure timelines (failures.py) and revisit phases


@dataclass(frozen=True)
class Detection(Stage):
    """The sensor groups and the corroboration rule: the detection stage."""

    stream = "detection"
    groups: tuple[GroupParams, ...]
    min_detections: int

    @classmethod
    def build(cls, sc: Scenario, basics: Basics) -> Detection:
        """Every group's layout and arrays; the detections an incident needs."""
        return cls(build_network(sc, basics.line, basics.types), sc.attribution.min_detections)

    @classmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least: the shortest latency; longest: the longest latency plus a revisit period.

        Only groups that detect some breach type count; inf when there is none.
        """
        seeing = [g for g in sc.sensors.values() if any(p > 0 for p in g.p_detect.values())]
        if not seeing:
            return Delay(math.inf, math.inf)
        least = min(g.latency.lower() for g in seeing)
        longest = max(longest_of(g.latency) + (g.revisit or 0.0) for g in seeing)
        return Delay(least, longest)

    def passage(self, view) -> Passage:
        """P(>= min_detections detections) per type, and the mean delay to the last of them.

        The probability is a closed form per outage state (MODEL.md 10: the rational
        aggressor re-evaluates each day under the state in force at the start of that
        day): a per-type array without outages, else one row per day of ``view.days``.
        The delay is a pilot Monte Carlo over breaches spread over the whole run, outages
        included as they fall; it is not split by day: it is an estimate of the delay
        given detection, which an outage changes only through which sensors are left
        (it removes detections, it does not slow them).  Both are cached per model.
        """
        times, p, delay = _detection_passage(view.model)
        if len(times) == 0:
            return Passage(p[0], delay)
        piece = np.searchsorted(times, np.asarray(view.days, float), side="right")
        return Passage(p[piece], delay)


@lru_cache(maxsize=8)
def _detection_passage(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(outage-state boundaries, probability per state and type, delay per type).

    The aggressor's breaches passing detection; one state (no boundary) without outages.
    """
    ag = model.aggressor_index
    cov = cv.coverage(model)
    mass = cv.segment_mass(model, cov, ag)
    m = model.detection.min_detections
    n_types = len(model.types)
    times = outage_pieces(model.groups)
    if len(times) == 0:
        p_ver = np.array([cv.p_detected_at_least(model, cov, mass, k, m) for k in range(n_types)])
        p_pieces = p_ver[None, :]
    else:
        p_pieces = _outage_passages(model, cov, mass, times)
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
    return times, p_pieces, delays


def _outage_passages(model, cov: cv.Coverage, mass: np.ndarray, times: np.ndarray) -> np.ndarray:
    """P(>= min_detections) per outage state (before ``times[0]``, then from each) and type.

    One closed form per distinct state: pieces with the same factors share it.
    """
    m = model.detection.min_detections
    n_types = len(model.types)
    n_sec = len(model.line.names)
    by_sector = cv.sector_counts(model, cov)
    starts = np.concatenate([[-np.inf], times])
    out = np.empty((len(starts), n_types))
    done: dict[bytes, np.ndarray] = {}
    for i, t0 in enumerate(starts):
        factors = np.array(
            [
                np.ones(n_sec) if g.outages is None else g.outages.factors_at(t0)
                for g in model.groups
            ]
        )
        key = factors.tobytes()
        if key not in done:
            cols = cv.outage_columns(by_sector, factors)
            done[key] = np.array(
                [cv.p_detected_at_least(model, cov, mass, k, m, cols) for k in range(n_types)]
            )
        out[i] = done[key]
    return out


@dataclass
class NetworkState:
    """The random state of the network in one replication."""

    timelines: tuple[Timeline | None, ...]
    phases: tuple[float, ...]


def draw_state(groups: tuple[GroupParams, ...], horizon: float, streams: Streams) -> NetworkState:
    """Failure timelines and revisit phases, each group on its own stream."""
    # a revisit group looks at passes up to one revisit after the horizon: cover those too
    timelines = tuple(
        draw_timeline(g, horizon + (g.revisit or 0.0), streams.sub("failures", g.name))
        for g in groups
    )
    phases = tuple(
        float(streams.sub("detection", g.name + "/phase").uniform(0, g.revisit))
        if g.revisit
        else 0.0
        for g in groups
    )
    return NetworkState(timelines, phases)


# --------------------------------------------------------------------------------------------
# Detection of breaches


@dataclass
class Detections:
    """Per breach: detections that reached fusion, first and m-th arrival, reported position."""

    count: np.ndarray
    t_first: np.ndarray  # NaN when none
    t_mth: np.ndarray  # arrival of the min_detections-th detection; NaN when fewer
    position_reported: np.ndarray  # NaN when none


def smallest_per_breach(values: np.ndarray, counts: np.ndarray, m: int) -> np.ndarray:
    """The ``m`` smallest of each breach's ``counts[i]`` consecutive values, padded with inf."""
    n = len(counts)
    out = np.full((n, m), np.inf)
    has = np.flatnonzero(counts > 0)
    if len(has) == 0:
        return out
    starts = (np.cumsum(counts) - counts)[has]
    vals = values.copy()
    owner = np.repeat(np.arange(n), counts)
    slot = np.full(n, -1, np.int64)
    slot[has] = np.arange(len(has))
    for r in range(m):
        mins = np.minimum.reduceat(vals, starts)
        out[has, r] = mins
        if r + 1 == m:
            break
        # remove one occurrence of each breach's minimum before looking for the next
        hit = np.flatnonzero(vals == mins[slot[owner]])
        o = owner[hit]
        first = np.ones(len(hit), bool)
        first[1:] = o[1:] != o[:-1]
        vals[hit[first]] = np.inf
    return out


def _merge_smallest(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    """Element-wise the ``m`` smallest of two sorted lists of ``m`` columns."""
    m = len(a)
    if m == 1:
        return [np.minimum(a[0], b[0])]
    if m == 2:
        lo = np.minimum(a[0], b[0])
        hi = np.minimum(np.maximum(a[0], b[0]), np.minimum(a[1], b[1]))
        return [lo, hi]
    both = np.sort(np.column_stack([*a, *b]), axis=1)
    return [both[:, j].copy() for j in range(m)]


def _day_position_order(t: np.ndarray, by_position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breaches sorted by (day, position): their indices, and their places in position order."""
    n = len(t)
    day = np.floor(t).astype(np.int64)
    if n and int(day.max()) < (2**62) // max(n, 1):
        # day * n + place-in-position-order is unique: sorting it is sorting the breaches
        in_position = np.sort(day[by_position] * n + np.arange(n)) % n
        return by_position[in_position], in_position
    rank = np.empty(n, np.int64)  # a combined key could overflow
    rank[by_position] = np.arange(n)
    in_time = np.lexsort((rank, day))
    return in_time, rank[in_time]


def detect(
    groups: tuple[GroupParams, ...],
    state: NetworkState,
    t: np.ndarray,
    position: np.ndarray,
    type_: np.ndarray,
    min_detections: int,
    streams: Streams,
) -> Detections:
    """Detections of breaches at times ``t``, positions and types (vectorised over breaches)."""
    n = len(t)
    m = max(1, min_detections)
    top = [np.full(n, np.inf) for _ in range(m)]  # the m earliest arrivals, column by column
    first_group = np.full(n, -1, np.int64)
    count = np.zeros(n, np.int64)
    # sorted queries make searchsorted several times faster (it reuses the last bound)
    order = _Orders(t, sorting_order(position))
    for gi, g in enumerate(groups):
        kinds = (type_, g.p) if g.terrain is None else g.terrain.kinds(type_, position, g.p)
        p = kinds[1][kinds[0]]  # per breach: p_detect[type] (x its sector's terrain factor)
        if g.revisit:
            t_obs = next_pass(t, g.revisit, state.phases[gi])
            p = np.where(t_obs - t <= g.persistence[type_], p, 0.0)
        else:
            t_obs = t
        timeline = state.timelines[gi]
        k_up, lo, hi = _sensors_up(g, timeline, t, t_obs, position, p, order)
        d_all = _draw_counts(g, timeline, streams, t_obs, position, kinds, p, k_up, (lo, hi))
        idx = np.flatnonzero(d_all)
        if len(idx) == 0:
            continue
        d = d_all[idx]
        count[idx] += d
        arrive_at = t_obs[idx]
        if isinstance(g.latency, Fixed):
            arrive_at = arrive_at + g.latency.value
            new = [np.where(d > j, arrive_at, np.inf) for j in range(m)]
        else:
            lat = g.latency.sample(streams.sub("latency", g.name), int(d.sum()))
            table = smallest_per_breach(np.repeat(arrive_at, d) + lat, d, m)
            new = [table[:, j] for j in range(m)]
        old = [col[idx] for col in top]
        first_group[idx[new[0] < old[0]]] = gi
        for col, merged in zip(top, _merge_smallest(old, new), strict=True):
            col[idx] = merged
    t_first = np.where(np.isfinite(top[0]), top[0], np.nan)
    t_mth = np.where(np.isfinite(top[m - 1]), top[m - 1], np.nan)
    sd = np.array([g.loc_err for g in groups] + [0.0])[first_group]
    noise = streams.sub("detection", "location").standard_normal(n)
    reported = np.where(first_group >= 0, position + sd * noise, np.nan)
    return Detections(count=count, t_first=t_first, t_mth=t_mth, position_reported=reported)


class _Orders:
    """The breaches in position order, and (on first use) in (day, position) order.

    Shared by the groups of one ``detect`` call, so each order is computed once.
    """

    def __init__(self, t: np.ndarray, by_position: np.ndarray):
        self.t, self.by_position = t, by_position
        self._by_day: tuple[np.ndarray, np.ndarray] | None = None

    def by_day(self) -> tuple[np.ndarray, np.ndarray]:
        """``_day_position_order`` of the breaches."""
        if self._by_day is None:
            self._by_day = _day_position_order(self.t, self.by_position)
        return self._by_day


def _sensors_up(
    g: GroupParams,
    timeline: Timeline | None,
    t: np.ndarray,
    t_obs: np.ndarray,
    position: np.ndarray,
    p: np.ndarray,
    order: _Orders,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Up sensors of the group in range of each breach, in breach order.

    Also the index range ``lo .. hi-1`` of the sensors in range, in breach order, when the
    group has outages (they split that range), else None.
    """
    n = len(t)
    if g.full:
        k_up = np.ones(n, np.int64)
        if g.fails:
            k_up = timeline.is_up(np.zeros(n, np.int64), t_obs).astype(np.int64)
        return k_up, None, None
    # in position order (fast searchsorted), then back to time order once
    by_position = order.by_position
    sorted_position = position[by_position]
    lo = np.searchsorted(g.positions, sorted_position - g.range_km, "left")
    hi = np.searchsorted(g.positions, sorted_position + g.range_km, "right")
    k_sorted = hi - lo
    if g.fails and g.revisit:
        k_sorted -= timeline.down_among(t_obs[by_position], lo, hi)
    elif g.fails:
        # in (day, position) order, the fastest for the timeline, shared by the groups;
        # only where the group can detect the type (elsewhere k_up is never used)
        in_time, in_position = order.by_day()
        if not (p > 0).all():
            can = p[in_time] > 0
            in_time, in_position = in_time[can], in_position[can]
        k_sorted[in_position] -= timeline.down_among(t[in_time], lo[in_position], hi[in_position])
    k_up = np.empty(n, np.int64)
    k_up[by_position] = k_sorted
    if g.outages is None:
        return k_up, None, None
    lo_t, hi_t = np.empty(n, np.int64), np.empty(n, np.int64)
    lo_t[by_position], hi_t[by_position] = lo, hi
    return k_up, lo_t, hi_t


def _draw_counts(
    g: GroupParams,
    timeline: Timeline | None,
    streams: Streams,
    t_obs: np.ndarray,
    position: np.ndarray,
    kinds: tuple[np.ndarray, np.ndarray],
    p: np.ndarray,
    k_up: np.ndarray,
    in_range: tuple[np.ndarray | None, np.ndarray | None],
) -> np.ndarray:
    """Detections of each breach by the group: Binomial(up sensors in range, p) per breach.

    ``kinds``: the kind of each breach and the success probability of each kind, for the
    binomial kernel (the breach type and p_detect; with terrain, ``terrain.py``).
    Sensors under an outage (``outages.py``) are taken out of the ordinary draw and drawn
    with ``p * factor`` on a stream of their own, so that a network without outages draws
    exactly what it drew before outages existed.
    """
    d = np.zeros(len(t_obs), np.int64)
    breach = None
    if g.outages is not None:
        jammed, breach, k_j, f_j = jammed_split(g, timeline, t_obs, position, k_up, *in_range)
        k_up = k_up - jammed
    # draw only where a detection is possible: one binomial per such breach
    live = np.flatnonzero((k_up > 0) & (p > 0))
    if len(live):
        # numpy's binomial draws, from a table (model/kernels/binomial.py: several times faster
        # when many sensors are in range); p of a live breach is its kind's probability
        kind, p_of_kind = kinds
        d[live] = binomial(streams.sub("detection", g.name), k_up[live], kind[live], p_of_kind)
    if breach is not None:
        p_j = p[breach] * f_j
        can = p_j > 0
        if can.any():
            rng = streams.sub("detection", g.name + "/outage")
            np.add.at(d, breach[can], rng.binomial(k_j[can], p_j[can]))
    return d


# --------------------------------------------------------------------------------------------
# False alarms


@dataclass
class FalseAlarms:
    """False alarms of one replication, sorted by time: each is an incident of its own."""

    t: np.ndarray  # time of the alarm
    t_arrival: np.ndarray  # its arrival at fusion
    group: np.ndarray
    position: np.ndarray
    position_reported: np.ndarray
    type: np.ndarray
    sector: np.ndarray  # sector index of the position

    def __len__(self) -> int:
        return len(self.t)


def false_alarms(
    groups: tuple[GroupParams, ...],
    state: NetworkState,
    line: Line,
    horizon: float,
    streams: Streams,
) -> FalseAlarms:
    """Poisson false alarms of every up sensor (thinned by the sensor's up/down timeline)."""
    parts: list[tuple[np.ndarray, ...]] = []
    for gi, g in enumerate(groups):
        if g.fa_rate <= 0 or g.p.sum() <= 0:
            continue
        rng = streams.sub("false_alarms", g.name)
        n = int(rng.poisson(g.fa_rate * g.n_sensors * horizon))
        t = np.sort(rng.uniform(0.0, horizon, n))
        sensor = rng.integers(0, g.n_sensors, n)
        if g.full:
            position = rng.uniform(0.0, line.length_km, n)
            sector = line.sector_of(position)
        else:  # the sectors of the group's sensors, looked up once
            position = g.positions[sensor]
            sector = line.sector_of(g.positions)[sensor]
        cdf = np.cumsum(g.p)
        # searchsorted(cdf, v, side="right") counted without branches: #{k: cdf[k] <= v}
        v = rng.random(n) * cdf[-1]
        type_ = np.zeros(n, np.int64)
        for c in cdf[:-1]:  # the last rung is the cap (len - 1) anyway
            type_ += v >= c

        latency = g.latency.sample(streams.sub("latency", g.name + "/false_alarms"), n)
        reported = position + g.loc_err * rng.standard_normal(n)
        keep = np.ones(n, bool)
        if g.fails:
            keep &= state.timelines[gi].is_up(sensor, t)
        if g.revisit:
            t = next_pass(t, g.revisit, state.phases[gi])
            keep &= t < horizon
        parts.append(
            (
                t[keep],
                t[keep] + latency[keep],
                np.full(int(keep.sum()), gi),
                position[keep],
                reported[keep],
                type_[keep].astype(np.int16),
                sector[keep],
            )
        )
    if not parts:
        z = np.zeros(0)
        i = np.zeros(0, np.int64)
        return FalseAlarms(z, z, i, z, z, np.zeros(0, np.int16), i)
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.argsort(cols[0], kind="stable")
    return FalseAlarms(*(c[order] for c in cols))
