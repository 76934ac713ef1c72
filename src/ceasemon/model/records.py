"""Records passed between stages and returned by one replication.

Columns are numpy arrays (one entry per breach or false alarm) with small
integer codes for names; the code tables live in ``Labels``.  Times are days
since the start; a stage that was never reached is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Code of ``kind``.
BREACH, FALSE_ALARM = 0, 1
#: Party code of a false alarm ("none").
NO_PARTY = -1
#: Verdict codes besides party indices.
UNKNOWN, NOT_ATTRIBUTED = -1, -2
#: Action code when no response.
NO_ACTION = -1

#: Event columns in the order of SPEC section 5.1 (plus ``position_reported_km``).
EVENT_COLUMNS: tuple[str, ...] = (
    "kind",
    "party",
    "type",
    "severity",
    "sector",
    "position_km",
    "position_reported_km",
    "t_breach",
    "detections",
    "t_detected",
    "t_queued",
    "t_service",
    "t_attributed",
    "attributed",
    "t_reported",
    "t_decided",
    "t_response",
    "action",
    "case",
    "retaliation",
)

#: The stage times in pipeline order: a stage after one that was not reached is not reached.
STAGE_TIMES: tuple[str, ...] = (
    "t_breach",
    "t_detected",
    "t_queued",
    "t_service",
    "t_attributed",
    "t_reported",
    "t_decided",
    "t_response",
)


@dataclass(frozen=True)
class Labels:
    """Names behind the integer codes of the event columns."""

    parties: tuple[str, ...]
    types: tuple[str, ...]
    sectors: tuple[str, ...]
    actions: tuple[str, ...]
    aggressor: int
    defender: int


@dataclass
class Events:
    """One row per true breach and per false alarm of a replication (columnar)."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["t_breach"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


@dataclass
class Decisions:
    """One row per coalition decision started by a report naming the aggressor."""

    t_report: np.ndarray
    severity: np.ndarray
    t_decided: np.ndarray  # NaN: no quorum within the window
    t_response: np.ndarray  # NaN: no response (or not within the simulated time)
    action: np.ndarray  # action code, NO_ACTION when none
    cost: np.ndarray


@dataclass
class IntensityPath:
    """The aggressor's per-type intensity as a step function of time.

    ``times[k]`` is when the intensities ``values[k, :]`` start to hold.
    """

    times: np.ndarray
    values: np.ndarray  # shape (len(times), n_types)


@dataclass
class ReplicationRecords:
    """Everything one replication produced; metrics are computed from this alone."""

    events: Events
    decisions: Decisions
    intensity: IntensityPath
    labels: Labels
    duration: float
    warmup: float
    end_time: float  # collapse time, else duration
    collapse_day: float  # NaN when the ceasefire held
    coalition_members: tuple[str, ...]  # nations that ratified within the run
    aggressor_base_rates: np.ndarray  # per type, breaches/day at intensity 1
    info: dict[str, float] = field(default_factory=dict)
    members_final: tuple[str, ...] = ()  # nations that are members at the end
