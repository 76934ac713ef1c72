"""The sensor network's layout: groups as arrays, and the registry of sensor kinds.

A sensor *kind* says where a group's sensors are: ``positioned`` sensors sit at
points of the line (listed, or spread evenly over sectors) and see breaches
within their range; a ``full`` group is one virtual sensor that sees the whole
line (a satellite constellation, say).  A new kind is one class with a
``positions`` method and one ``@register_sensor_kind`` line (docs/extending.md);
detection (``sensors.py``) and the coverage closed forms (``coverage.py``) read
only ``GroupParams``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..scenario.models import Scenario, SensorGroup
from .line import Line
from .outages import GroupOutages, build_outages, sensor_outages
from .terrain import GroupTerrain, build_terrain


class SensorKind(ABC):
    """How a group of one kind is laid out along the line."""

    #: True when the group is one virtual sensor that covers the whole line.
    full: bool = False

    @abstractmethod
    def positions(self, g: SensorGroup, line: Line) -> np.ndarray:
        """Sorted sensor positions in km (empty for a full-coverage group)."""


#: Sensor kinds by the name a scenario's ``coverage`` key gives.
SENSOR_KINDS: dict[str, SensorKind] = {}


def register_sensor_kind(name: str) -> Callable[[type[SensorKind]], type[SensorKind]]:
    """Class decorator: make a sensor kind available under ``coverage: name``."""

    def add(cls: type[SensorKind]) -> type[SensorKind]:
        SENSOR_KINDS[name] = cls()
        return cls

    return add


@register_sensor_kind("positioned")
class Positioned(SensorKind):
    """Sensors at listed positions, or spread evenly over sectors (the whole line by default)."""

    def positions(self, g: SensorGroup, line: Line) -> np.ndarray:
        """Listed positions sorted, else ``count`` cells or one per ``spacing_km``."""
        if g.positions_km is not None:
            return np.sort(np.asarray(g.positions_km, dtype=float))
        idx = [line.index(s) for s in g.sectors] if g.sectors else list(range(len(line.names)))
        starts, ends = line.union_layout(idx)
        return _even_positions(starts, ends, g.count, g.spacing_km)


@register_sensor_kind("full")
class FullCoverage(SensorKind):
    """One virtual sensor that sees the whole line."""

    full = True

    def positions(self, g: SensorGroup, line: Line) -> np.ndarray:
        """No positions: the group covers everything."""
        return np.zeros(0)


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
    outages: GroupOutages | None = None  # timed sensor outages (outages.py); None: none
    terrain: GroupTerrain | None = None  # terrain factors (terrain.py); None: 1 everywhere

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


def build_group(
    name: str, g: SensorGroup, line: Line, types: tuple[str, ...], events: list | None = None
) -> GroupParams:
    """Arrays of one validated sensor group; its kind (``coverage``) lays the sensors out.

    ``events``: the scenario's sensor outages; those naming the group become its table.
    """
    kind = SENSOR_KINDS[g.coverage]
    positions = kind.positions(g, line)
    full = kind.full
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
        outages=build_outages(events or [], name, line, positions),
        terrain=build_terrain(g.terrain_factor, line),
    )


def build_network(sc: Scenario, line: Line, types: tuple[str, ...]) -> tuple[GroupParams, ...]:
    """All sensor groups of a validated scenario, with their timed outages."""
    events = sensor_outages(sc)
    return tuple(build_group(n, g, line, types, events) for n, g in sc.sensors.items())


def next_pass(t: np.ndarray, revisit: float, phase: float) -> np.ndarray:
    """First pass at or after ``t`` of passes at ``phase + k * revisit``, k >= 0."""
    k = np.ceil((t - phase) / revisit)
    return phase + np.maximum(k, 0.0) * revisit
