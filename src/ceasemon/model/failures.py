"""Failure timelines of sensor groups: which sensors are down, and when.

With ``mtbf``/``mttr`` each sensor alternates exponential up and down times
(MODEL.md 2).  Detection asks, per breach, how many of the sensors in range
are down at its time; false alarms ask whether one sensor is up.  Both are
answered from per-day entries of the down intervals (see ``Timeline``), built
once per replication with no loop over sensors or breaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .kernels.ordering import sorting_order

if TYPE_CHECKING:
    from .network import GroupParams


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
      with running counts of each kind, and where each block of ``BLOCK``
      sensors of each day starts among them: a step or two from there finds
      both ends of a query's range, which give both counts and the place of
      the partial entries; nothing of size days x sensors but one state byte
      per cell (``cell_state``, for single-sensor queries) is built.
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

        Any order of queries gives the same counts.  The large layout is
        fastest with queries in (day, lo) order (its look-ups then walk the
        entries in order), so it sorts others first; the day tables of the
        small layout are read directly, where sorting would only cost time.
        """
        n = len(t)
        day = np.minimum(np.floor(t).astype(np.int64), self.days - 1)
        base = day * self.n_sensors
        key_lo = base + lo
        order = None
        if self.full_prefix is None and n > 1 and np.any(key_lo[1:] < key_lo[:-1]):
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
#: costs about 4 ns a cell, more than the large layout's look-ups cost (a year of 2,000 sensors
#: is 0.7 million cells; of 20,000 sensors, 6.8 million, where forcing the tables made a
#: replication-year take 293 ms instead of 209 ms).
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
