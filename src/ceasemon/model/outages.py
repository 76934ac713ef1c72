"""Timed sensor outages (MODEL.md 10): which sensors see less, from when, by how much.

A ``sensor_outage`` event multiplies ``p_detect`` of the named groups' sensors that
stand in the named sectors by ``factor`` from ``at`` until ``until`` (jamming,
sabotage, a cloud season); for a ``full`` group, whose one virtual sensor stands
nowhere, the sectors are those of the breaches.  Overlapping outages multiply.

Why a table: sectors tile the line and a group's sensors are sorted by position,
so the sensors standing in one sector are one index range.  Per group, the
outages become one table of combined factors per (sector, time piece), the time
pieces being the intervals between the group's event boundaries.  Detection
(``sensors.detect``) splits the sensors in range of a breach into the jammed index
ranges and the rest; the closed forms (``coverage.py``) split the sensors in range
of a segment the same way, once per outage state.

False alarms are not changed by an outage: a jammed or blinded sensor is assumed to
keep raising spurious alarms as before (noise is what jamming adds, not removes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .line import Line


@dataclass(frozen=True)
class GroupOutages:
    """The combined outage factors of one sensor group, by sector and time piece."""

    times: np.ndarray  # sorted event boundaries (days); piece k starts at times[k - 1]
    factor: np.ndarray  # (n_sectors, len(times) + 1): product of the factors in force
    first: np.ndarray  # (n_sectors + 1,): sensors of sector s are first[s] .. first[s + 1] - 1
    starts: np.ndarray  # sector starts (km): a breach's sector, for full coverage

    def piece(self, t: np.ndarray) -> np.ndarray:
        """Time piece of each time (``times`` are left-closed boundaries)."""
        return np.searchsorted(self.times, t, side="right")

    def jammed_sectors(self) -> np.ndarray:
        """Sectors where some outage changes the factor at some time."""
        return np.flatnonzero((self.factor != 1.0).any(axis=1))

    def sector_of(self, x: np.ndarray) -> np.ndarray:
        """Sector index of positions, as ``Line.sector_of`` (a boundary goes to the next)."""
        idx = np.searchsorted(self.starts, x, side="right") - 1
        return np.clip(idx, 0, len(self.starts) - 1)

    def factors_at(self, t: float) -> np.ndarray:
        """Factor per sector in force at time ``t``."""
        return self.factor[:, int(self.piece(np.asarray([t]))[0])]


def sector_first(line: Line, positions: np.ndarray) -> np.ndarray:
    """Index bounds of each sector's sensors among sorted ``positions``: (n_sectors + 1,).

    ``Line.sector_of`` is non-decreasing in position, so each sector's sensors are
    one contiguous index range.
    """
    sector = line.sector_of(positions)
    return np.searchsorted(sector, np.arange(len(line.names) + 1), side="left")


def sensor_outages(sc) -> list:
    """The scenario's ``sensor_outage`` events (other event kinds act elsewhere)."""
    return [e for e in sc.events if getattr(e, "kind", None) == "sensor_outage"]


def build_outages(
    events: list, name: str, line: Line, positions: np.ndarray
) -> GroupOutages | None:
    """The outage table of group ``name``, or None when no outage names it."""
    mine = [e for e in events if e.groups is None or name in e.groups]
    if not mine:
        return None
    bounds = [e.at for e in mine] + [e.until for e in mine if e.until is not None]
    times = np.unique(np.asarray(bounds, dtype=float))
    piece_start = np.concatenate([[-np.inf], times])
    factor = np.ones((len(line.names), len(times) + 1))
    for e in mine:
        until = np.inf if e.until is None else float(e.until)
        when = (piece_start >= float(e.at)) & (piece_start < until)
        where = (
            np.arange(len(line.names))
            if e.sectors is None
            else np.array([line.index(s) for s in e.sectors], dtype=np.int64)
        )
        factor[np.ix_(where, when)] *= float(e.factor)
    return GroupOutages(times, factor, sector_first(line, positions), line.starts.copy())


def outage_pieces(groups) -> np.ndarray:
    """Boundaries (days) of the network's outage states: every group's event times, merged."""
    times = [g.outages.times for g in groups if g.outages is not None]
    return np.unique(np.concatenate(times)) if times else np.zeros(0)


def jammed_split(
    g, timeline, t_obs: np.ndarray, position: np.ndarray, k_up: np.ndarray, lo, hi
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Up sensors in range of each breach that are jammed, and the jammed ones that can see.

    Returns ``(jammed, breach, count, factor)``: per breach the number of up sensors in
    range under some outage (all of them, for factor 0 too), and the (breach, count,
    factor) triples of jammed, up sensors with factor > 0, ordered by breach then sector
    (so that drawing them in that order gives the same draws whether the breaches come
    one by one or in a batch).  ``lo``/``hi``: index range of the sensors in range, in
    breach order (None for a full-coverage group).
    """
    o = g.outages
    n = len(t_obs)
    piece = o.piece(t_obs)
    jammed = np.zeros(n, np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if g.full:
        f = o.factor[o.sector_of(position), piece]
        q = np.flatnonzero((f != 1.0) & (k_up > 0))
        jammed[q] = k_up[q]
        parts.append((q, k_up[q], f[q]))
    else:
        for s in o.jammed_sectors():
            f = o.factor[s, piece]
            a = np.maximum(lo, o.first[s])
            b = np.minimum(hi, o.first[s + 1])
            q = np.flatnonzero((f != 1.0) & (b > a))
            if len(q) == 0:
                continue
            k = b[q] - a[q]
            if timeline is not None:
                k = k - timeline.down_among(t_obs[q], a[q], b[q])
            jammed[q] += k
            parts.append((q, k, f[q]))
    if not parts:
        z = np.zeros(0, np.int64)
        return jammed, z, z, np.zeros(0)
    breach, count, factor = (np.concatenate(c) for c in zip(*parts, strict=True))
    keep = (count > 0) & (factor > 0)
    breach, count, factor = breach[keep], count[keep], factor[keep]
    order = np.argsort(breach, kind="stable")
    return jammed, breach[order], count[order], factor[order]
