"""The sensor network: which breaches are detected, when, and the false alarms.

Detection is state-independent, so it is computed in bulk for every potential
breach before the simulation runs.  Positioned sensors are kept sorted by
position and a breach finds the sensors in range by two ``searchsorted``
calls; there is no loop over sensors.  Per breach and group the number of
detections is Binomial(sensors in range and up, p_detect); a group with
failures looks up each in-range sensor's up/down timeline (again with one
vectorised ``searchsorted`` over all pairs).  Only the earliest
``min_detections`` arrival times of each breach are kept, since the pipeline
needs only the first arrival and the ``min_detections``-th.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..experiment.seeds import Streams
from ..scenario.distributions import Fixed
from ..scenario.models import Scenario, SensorGroup
from .binomial import binomial
from .line import Line


@dataclass(frozen=True)
class GroupParams:
    """A sensor group as arrays (types indexed as in the scenario's breach_types)."""

    name: str
    full: bool
    positions: np.ndarray  # sorted km; empty for full coverage
    range_km: float
    p: np.ndarray  # per type
    fa_rate: float  # false alarms per sensor per day
    loc_err: float
    latency: object  # distribution
    revisit: float | None
    persistence: np.ndarray | None  # days per type
    mtbf: float | None
    mttr: float | None

    @property
    def n_sensors(self) -> int:
        """Sensors in the group (1 for full coverage: one virtual sensor)."""
        return 1 if self.full else len(self.positions)

    @property
    def fails(self) -> bool:
        """True when the group has sensors and they fail and get repaired."""
        return self.mtbf is not None and self.n_sensors > 0

    @property
    def availability(self) -> float:
        """Long-run share of time a sensor is up: mtbf / (mtbf + mttr)."""
        return 1.0 if self.mtbf is None else self.mtbf / (self.mtbf + self.mttr)


def _even_positions(
    starts: np.ndarray, ends: np.ndarray, count: int | None, spacing: float | None
) -> np.ndarray:
    """Spread sensors evenly over the union of intervals ``[starts, ends)``.

    With ``count`` the sensors sit at the centres of ``count`` equal cells; with
    ``spacing_km`` one sensor every ``spacing`` km starting half a spacing in.
    """
    lengths = ends - starts
    total = float(lengths.sum())
    if count is not None:
        offsets = (np.arange(count) + 0.5) * total / max(count, 1)
    else:
        offsets = np.arange(spacing / 2, total, spacing)
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    seg = np.clip(np.searchsorted(cum, offsets, side="right") - 1, 0, len(lengths) - 1)
    return starts[seg] + (offsets - cum[seg])


def build_group(name: str, g: SensorGroup, line: Line, types: tuple[str, ...]) -> GroupParams:
    """Arrays of one validated sensor group."""
    full = g.coverage == "full"
    if full:
        positions = np.zeros(0)
    elif g.positions_km is not None:
        positions = np.sort(np.asarray(g.positions_km, dtype=float))
    else:
        idx = [line.index(s) for s in g.sectors] if g.sectors else list(range(len(line.names)))
        starts, ends = line.union_layout(idx)
        positions = _even_positions(starts, ends, g.count, g.spacing_km)
    persistence = None
    if g.persistence is not None:
        persistence = np.array([g.persistence.get(t, 0.0) for t in types], dtype=float)
    return GroupParams(
        name=name,
        full=full,
        positions=positions,
        range_km=float(g.range_km or 0.0),
        p=np.array([g.p_detect.get(t, 0.0) for t in types], dtype=float),
        fa_rate=g.false_alarms_per_day,
        loc_err=g.location_error_km,
        latency=g.latency,
        revisit=g.revisit,
        persistence=persistence,
        mtbf=g.mtbf,
        mttr=g.mttr,
    )


def build_network(sc: Scenario, line: Line, types: tuple[str, ...]) -> tuple[GroupParams, ...]:
    """All sensor groups of a validated scenario."""
    return tuple(build_group(n, g, line, types) for n, g in sc.sensors.items())


# --------------------------------------------------------------------------------------------
# Per-replication state: failure timelines and revisit phases


@dataclass(frozen=True)
class Timeline:
    """Up/down timelines of a group's sensors, all starting up.

    ``changes`` holds every sensor's change times (down, up, down, ...); ``up``
    answers from them directly (the reference the tests check the rest with).

    Detection asks how many of the sensors ``lo .. hi-1`` are down at time
    ``t``.  Down time is split by day into entries (sensor, day): a "whole"
    entry is a sensor down for the whole day, a "partial" one a day in which it
    goes down or comes back.  Whole entries are counted without looking at the
    time of day, partial ones are checked exactly against their interval, only
    for the queries whose range holds one.  Two layouts:

    * a small network (days x sensors up to ``MAX_PREFIX_CELLS``) has per-day
      prefix sums over sensors of both kinds of entry: two look-ups per query
      count the whole entries and tell whether any partial one is in range;
    * a large one keeps all entries sorted by ``day * n_sensors + sensor``
      with running counts of each kind, so two ``searchsorted`` per query
      give both counts and the place of the partial entries; nothing of size
      days x sensors is built.
    """

    changes: np.ndarray  # (n_sensors, changes per sensor): down, up, down, ... times
    n_sensors: int
    days: int  # entries cover days 0 .. days - 1; later times count as the last day
    full_prefix: np.ndarray | None  # (days, n_sensors + 1): whole-day-down sensors below index
    part_prefix: np.ndarray | None  # (days, n_sensors + 1): partial entries below each index
    part_day_start: np.ndarray | None  # (days,): partial entries of the days before each day
    # large networks (no prefix tables): all entries sorted by key, running counts of each kind
    entry_key: np.ndarray | None  # with one more key at the end, above every query
    # entries before each block of BLOCK sensors of each day: where a look-up starts
    block_start: np.ndarray | None
    whole_below: np.ndarray | None  # whole entries before each place of entry_key
    part_below: np.ndarray | None  # partial entries before each place of entry_key
    part_key: np.ndarray  # day * n_sensors + sensor of each partial entry, sorted
    part_start: np.ndarray  # its down interval
    part_end: np.ndarray
    # large networks: per (day, sensor) cell, flat by key, CELL_UP (no entry), CELL_DOWN (down
    # all day) or CELL_PARTIAL (None above MAX_CELL_FLAGS cells); it answers single-sensor
    # queries without a search but for the partial days
    cell_state: np.ndarray | None = None

    def up(self, sensor: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether ``sensor`` is up at time ``t`` (vectorised over pairs)."""
        m, per_sensor = self.changes.shape
        stride = float(self.changes[:, -1].max()) + 1.0 if m else 1.0
        keys = (self.changes + np.arange(m)[:, None] * stride).ravel()
        before = np.searchsorted(keys, sensor * stride + t, side="right") - sensor * per_sensor
        return (before % 2) == 0

    def down_among(self, t: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """How many of the sensors ``lo .. hi-1`` are down at time ``t``, per query.

        Queries sorted by (day, lo) are fastest (``searchsorted`` then reuses
        its last bound); others are sorted here.
        """
        n = len(t)
        day = np.minimum(np.floor(t).astype(np.int64), self.days - 1)
        base = day * self.n_sensors
        key_lo = base + lo
        order = None
        if n > 1 and np.any(key_lo[1:] < key_lo[:-1]):
            order = sorting_order(key_lo)
            t, lo, hi, day, base, key_lo = (x[order] for x in (t, lo, hi, day, base, key_lo))
        key_hi = base + hi
        if self.full_prefix is None:
            a = self._entries_below(key_lo, day, lo, None)
            b = self._entries_below(key_hi, day, hi, a)
            down = self.whole_below[b] - self.whole_below[a]
            first, count = self.part_below[a], self.part_below[b] - self.part_below[a]
            q = np.flatnonzero(count)
            first, count = first[q], count[q]
        else:
            width = self.n_sensors + 1
            flat_full, flat_part = self.full_prefix.ravel(), self.part_prefix.ravel()
            row = day * width
            down = (flat_full[row + hi] - flat_full[row + lo]).astype(np.int64)
            below_lo = flat_part[row + lo]
            count = flat_part[row + hi] - below_lo
            q = np.flatnonzero(count)
            # partial entries are sorted by (day, sensor): the first in range is found by
            # counting, the days before and the sensors below lo on the day
            first = self.part_day_start[day[q]] + below_lo[q]
            count = count[q].astype(np.int64)
        if len(q):
            # exact check of the partial entries in range, for the queries that have one
            # (each has at least one)
            down[q] += self._partial_down(t[q], first, count)
        if order is None:
            return down
        out = np.empty(n, np.int64)
        out[order] = down
        return out

    def _partial_down(self, t: np.ndarray, first: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Per query, how many of its partial entries ``first .. first + count - 1`` cover ``t``.

        Every query has at least one entry; query k's entries form a run of the expansion.
        """
        starts = np.cumsum(count) - count
        entry = np.arange(int(starts[-1] + count[-1])) + np.repeat(first - starts, count)
        tq = np.repeat(t, count)
        hit = (self.part_start[entry] <= tq) & (tq < self.part_end[entry])
        return _run_sums(hit, starts, count)

    def _entries_below(
        self, key: np.ndarray, day: np.ndarray, sensor: np.ndarray, at_least: np.ndarray | None
    ) -> np.ndarray:
        """``searchsorted(entry_key, key, "left")`` for keys ``day * n + sensor``.

        A day holds about as many entries as sensors are down, so a block of
        ``BLOCK`` sensors holds one or two: the count starts at the entries
        before the key's block and steps over those of the block that are below
        the key (``at_least``: a known lower bound, e.g. the low end of a range).
        """
        blocks = -(-self.n_sensors // BLOCK)
        at = self.block_start[day * blocks + sensor // BLOCK]
        if at_least is not None:
            at = np.maximum(at, at_least)
        todo = np.arange(len(key))
        while len(todo):
            todo = todo[self.entry_key[at[todo]] < key[todo]]
            at[todo] += 1
        return at

    def is_up(self, sensor: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether ``sensor`` is up at time ``t``, from the day entries (same answer as ``up``).

        With the cell states of a large network, only the sensors that change on
        the query's day (a few percent) are looked up.
        """
        if self.cell_state is None:
            return self.down_among(t, sensor, sensor + 1) == 0
        day = np.minimum(np.floor(t).astype(np.int64), self.days - 1)
        key = day * self.n_sensors + sensor
        state = self.cell_state[key]
        up = state == CELL_UP
        q = np.flatnonzero(state == CELL_PARTIAL)
        if len(q):  # the sensor changes that day: check its partial entries of the day
            first = np.searchsorted(self.part_key, key[q], side="left")
            count = np.searchsorted(self.part_key, key[q], side="right") - first
            up[q] = self._partial_down(t[q], first, count) == 0
        return up


def _run_sums(hit: np.ndarray, starts: np.ndarray, count: np.ndarray) -> np.ndarray:
    """How many of each run ``hit[starts[k] : starts[k] + count[k]]`` are true (runs non-empty).

    From one running count; several times faster than ``np.add.reduceat``.
    """
    running = np.cumsum(hit, dtype=np.int64)
    ends = starts + count - 1
    out = running[ends]
    out[1:] -= running[ends[:-1]]
    return out


#: Above this many (day, sensor) cells the per-day prefix tables are not built: building them
#: costs about 4 ns a cell, more than the two searchsorted per query it saves (a year of 2,000
#: sensors is 0.7 million cells; of 20,000 sensors, 6.8 million).
MAX_PREFIX_CELLS = 2_000_000

#: Sensors per block of the large layout's look-up table (BLOCK_START in Timeline).
BLOCK = 8

#: Up to this many (day, sensor) cells a large network keeps one state byte per cell (64 MiB).
MAX_CELL_FLAGS = 64 * 2**20
CELL_UP, CELL_DOWN, CELL_PARTIAL = 0, 1, 2
assert CELL_DOWN == CELL_PARTIAL - 1


def _prefix(day: np.ndarray, sensor: np.ndarray, days: int, m: int) -> np.ndarray:
    """Per day, the number of marked (day, sensor) cells below each sensor index.

    A cell may be marked more than once (a sensor that goes down twice in a day has two
    partial entries), so the counts' type is chosen from the largest day's total.
    """
    per_day = np.bincount(day, minlength=days)
    dtype = np.int16 if len(day) == 0 or per_day.max() < 2**15 else np.int32
    cells = np.bincount(day * (m + 1) + sensor + 1, minlength=days * (m + 1))
    return np.cumsum(cells.reshape(days, m + 1), axis=1, dtype=dtype)


def _change_times(g: GroupParams, horizon: float, rng: np.random.Generator) -> np.ndarray:
    """Each sensor's change times (down, up, down, ...) until past the horizon.

    Up times are exponential with mean mtbf, down times with mean mttr, drawn
    in blocks of ``k`` cycles per sensor (a block of up times, then one of down
    times); another block is drawn, rarely, while some sensor's timeline ends
    before the horizon.  A block continues the running sums where the last
    one stopped, so the times are those of one long cumulative sum.

    A later block is drawn for every sensor (the stream's draws stay the same
    whatever the sensors need) but summed only for the sensors whose timeline
    has not yet passed the horizon; the others' rows are padded with their
    last time, so every row stays sorted and holds every change before the
    horizon (a large network almost always needs a second block for a few
    sensors: summing it for all of them was a third of the timeline's cost).
    """
    m = g.n_sensors
    k = int(np.ceil(horizon / (g.mtbf + g.mttr) * 1.3)) + 8

    def block(last: np.ndarray | None, rows: np.ndarray | None) -> np.ndarray:
        up = rng.exponential(g.mtbf, (m, k))
        down = rng.exponential(g.mttr, (m, k)) if g.mttr > 0 else np.zeros((m, k))
        if rows is not None:
            up, down = up[rows], down[rows]
        n = len(up)
        start = 0 if last is None else 1
        if 2 * k + start > 256 or n < 256:  # long rows or few sensors: numpy's cumsum
            steps = np.empty((n, 2 * k + start))
            if last is not None:
                steps[:, 0] = last
            steps[:, start::2] = up
            steps[:, start + 1 :: 2] = down
            np.cumsum(steps, axis=1, out=steps)
            return steps[:, start:]
        # Running sums along each sensor's row, computed column by column on the transposed
        # steps: the same additions in the same order as a cumsum along the rows, but as
        # long vector additions instead of many short ones (twice as fast for 20,000 sensors).
        steps = np.empty((2 * k + start, n))
        if last is not None:
            steps[0] = last
        steps[start::2] = up.T
        steps[start + 1 :: 2] = down.T
        for j in range(1, 2 * k + start):
            np.add(steps[j], steps[j - 1], out=steps[j])
        return np.ascontiguousarray(steps[start:].T)

    changes = block(None, None)
    while True:
        short = np.flatnonzero(changes[:, -1] <= horizon)
        if len(short) == 0:
            return changes
        more = np.repeat(changes[:, -1:], 2 * k, axis=1)
        more[short] = block(changes[short, -1], short)
        changes = np.hstack([changes, more])


def draw_timeline(g: GroupParams, horizon: float, rng: np.random.Generator) -> Timeline | None:
    """Exponential up (mean mtbf) and down (mean mttr) times for each sensor, all starting up."""
    if not g.fails or g.n_sensors == 0:
        return None  # nothing fails (or there is nothing to fail): every sensor is always up
    m = g.n_sensors
    changes = _change_times(g, horizon, rng)
    # rows are sorted: only the first columns hold down times that start before the horizon
    reach = int(np.count_nonzero(changes[:, 0::2].min(axis=0) < horizon))
    start, end = changes[:, 0 : 2 * reach : 2], changes[:, 1 : 2 * reach : 2]
    live = (start < horizon) & (end > start)
    sensor = np.broadcast_to(np.arange(m, dtype=np.int32)[:, None], start.shape)[live]
    start, end = start[live], end[live]
    # one entry per (down interval, day it overlaps), days 0 .. horizon (inclusive)
    days = int(np.floor(horizon)) + 1
    first = np.floor(start).astype(np.int64)
    floor_end = np.floor(end).astype(np.int64)
    last = np.minimum(floor_end, days - 1)
    n_days = last - first + 1
    which = np.repeat(np.arange(len(start)), n_days)
    offset = np.arange(int(n_days.sum())) - (np.cumsum(n_days) - n_days)[which]
    day = first[which] + offset
    sensor_of = sensor[which]
    # Whole day: down from its start (s <= day) to its end (e >= day + 1).  In offsets from
    # the interval's first day, s <= day unless it is the first day and s is not a whole
    # number, and e >= day + 1 exactly when day < floor(e).  (No float gathers per entry.)
    whole = (offset > 0) & (offset < (floor_end - first)[which])
    on_the_hour = start == first
    if on_the_hour.any():
        whole |= (offset == 0) & on_the_hour[which] & ((floor_end - first)[which] > 0)
    tables = days * (m + 1) <= MAX_PREFIX_CELLS
    if tables:
        full_prefix = _prefix(day[whole], sensor_of[whole], days, m)
        part_prefix = _prefix(day[~whole], sensor_of[~whole], days, m)
    # The entries come in sensor order (then time): a stable sort by day alone puts them in
    # key order, and for days below 2**15 numpy does that with a radix sort, several times
    # faster than sorting the keys.  Equal keys (one sensor's partial entries of one day)
    # may come in any order.
    if days < 2**15 and len(start) < 2**31:
        order = np.argsort(day.astype(np.int16), kind="stable")
        # the sorted days are runs of equal days: no need to gather them
        day_sorted = np.repeat(np.arange(days), np.bincount(day, minlength=days))
        # one gather of (interval, sensor, whole) packed in an int64 instead of three
        packed = (which << 32) | (sensor_of.astype(np.int64) << 1) | whole
        packed = packed[order]
        sensor_sorted = (packed >> 1) & 0x7FFFFFFF
        whole = (packed & 1).astype(bool)
        key = day_sorted * m + sensor_sorted
        at_part = np.flatnonzero(~whole)
        part_interval = packed[at_part] >> 32
    else:
        key = day * m + sensor_of
        order = sorting_order(key)
        key = key[order]
        day_sorted, sensor_sorted = key // m, key % m
        whole = whole[order]
        at_part = np.flatnonzero(~whole)
        part_interval = which[order[at_part]]  # intervals are needed for partial entries only
    part = ~whole
    common = dict(
        changes=changes,
        n_sensors=m,
        days=days,
        part_key=key[at_part],
        part_start=start[part_interval],
        part_end=end[part_interval],
    )
    if tables:
        per_day = part_prefix[:, -1].astype(np.int64)
        return Timeline(
            full_prefix=full_prefix,
            part_prefix=part_prefix,
            part_day_start=np.cumsum(per_day) - per_day,
            entry_key=None,
            block_start=None,
            whole_below=None,
            part_below=None,
            **common,
        )
    blocks = -(-m // BLOCK)
    per_block = np.bincount(day_sorted * blocks + sensor_sorted // BLOCK, minlength=days * blocks)
    block_start = np.cumsum(per_block) - per_block
    cell_state = None
    if days * m <= MAX_CELL_FLAGS:
        # a cell has one whole entry or partial ones, never both
        cell_state = np.full(days * m, CELL_UP, np.uint8)
        cell_state[key] = CELL_PARTIAL - whole.view(np.uint8)  # DOWN = PARTIAL - 1
    return Timeline(
        full_prefix=None,
        part_prefix=None,
        part_day_start=None,
        cell_state=cell_state,
        entry_key=np.append(key, np.iinfo(np.int64).max),
        block_start=block_start,
        whole_below=np.concatenate([[0], np.cumsum(whole)]),
        part_below=np.concatenate([[0], np.cumsum(part)]),
        **common,
    )


def next_pass(t: np.ndarray, revisit: float, phase: float) -> np.ndarray:
    """First pass at or after ``t`` of passes at ``phase + k * revisit``, k >= 0."""
    k = np.ceil((t - phase) / revisit)
    return phase + np.maximum(k, 0.0) * revisit


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


def sorting_order(values: np.ndarray) -> np.ndarray:
    """A permutation that sorts ``values`` (non-decreasing; ties in any order).

    The look-ups only need their queries sorted to run fast (``searchsorted``
    reuses its last bound); which of two equal values comes first changes no
    result.  So instead of ``argsort`` (about 9 ms for 180,000 floats) each
    value is scaled to the high bits of an integer whose low bits hold its
    index, and the integers are sorted with numpy's vectorised ``sort``
    (about 5 ms): values closer than their range / 2**40 may come out swapped.
    """
    n = len(values)
    bits = max(1, (n - 1).bit_length())
    if n < 2 or bits > 23:
        return np.argsort(values)
    lo, hi = float(values.min()), float(values.max())
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return np.argsort(values)
    scale = (2.0 ** (63 - bits) - 1.0) / (hi - lo)
    high = ((values - lo) * scale).astype(np.uint64) << np.uint64(bits)
    packed = np.sort(high | np.arange(n, dtype=np.uint64))
    return (packed & np.uint64((1 << bits) - 1)).astype(np.int64)


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
    by_position = sorting_order(position)
    sorted_position = position[by_position]
    by_day = None
    for gi, g in enumerate(groups):
        p = g.p[type_]
        if g.revisit:
            t_obs = next_pass(t, g.revisit, state.phases[gi])
            p = np.where(t_obs - t <= g.persistence[type_], p, 0.0)
        else:
            t_obs = t
        if g.full:
            k_up = np.ones(n, np.int64)
            if g.fails:
                k_up = state.timelines[gi].is_up(np.zeros(n, np.int64), t_obs).astype(np.int64)
        else:
            # in position order (fast searchsorted), then back to time order once
            lo = np.searchsorted(g.positions, sorted_position - g.range_km, "left")
            hi = np.searchsorted(g.positions, sorted_position + g.range_km, "right")
            k_sorted = hi - lo
            if g.fails and g.revisit:
                k_sorted -= state.timelines[gi].down_among(t_obs[by_position], lo, hi)
            elif g.fails:
                # in (day, position) order, the fastest for the timeline, shared by the groups;
                # only where the group can detect the type (elsewhere k_up is never used)
                if by_day is None:
                    by_day = _day_position_order(t, by_position)
                in_time, in_position = by_day
                if not (p > 0).all():
                    can = p[in_time] > 0
                    in_time, in_position = in_time[can], in_position[can]
                k_sorted[in_position] -= state.timelines[gi].down_among(
                    t[in_time], lo[in_position], hi[in_position]
                )
            k_up = np.empty(n, np.int64)
            k_up[by_position] = k_sorted
        # draw only where a detection is possible: one binomial per such breach
        live = np.flatnonzero((k_up > 0) & (p > 0))
        if len(live) == 0:
            continue
        # numpy's binomial draws, from a table (model/binomial.py: several times faster when
        # many sensors are in range); p of a live breach is its type's p_detect
        d_live = binomial(streams.sub("detection", g.name), k_up[live], type_[live], g.p)
        hit = d_live > 0
        idx, d = live[hit], d_live[hit]
        if len(idx) == 0:
            continue
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
