"""Assemble a replication's records from the stages' arrays.

Breaches that happened and false alarms are merged in time order (a breach
first on a tie); a stage reached after the end of simulated time (the
duration, or the collapse) is NaN, and so is every stage after it.
"""

from __future__ import annotations

import numpy as np

from .breaches import Candidates
from .coalition import as_membership
from .pipeline import DetectionLedger, Incidents, Pipeline
from .records import (
    BREACH,
    FALSE_ALARM,
    NO_ACTION,
    NO_PARTY,
    NOT_ATTRIBUTED,
    STAGE_TIMES,
    Events,
    IntensityPath,
    ReplicationRecords,
)
from .sensors import FalseAlarms


def event_table(
    model,
    cand: Candidates,
    fa: FalseAlarms,
    inc: Incidents,
    det: DetectionLedger,
    pipe: Pipeline,
    accepted: np.ndarray,
    end: float,
) -> Events:
    """One row per breach that happened and per false alarm, SPEC section 5.1 columns."""
    nc = len(cand)
    keep_c = np.flatnonzero(accepted & (cand.t < end))
    keep_f = np.flatnonzero(fa.t < end)
    # Both are in time order: a stable sort of the two runs merges them in one pass, a breach
    # first on a tie.
    order = np.argsort(np.concatenate([cand.t[keep_c], fa.t[keep_f]]), kind="stable")
    is_fa = order >= len(keep_c)
    idx = np.concatenate([keep_c, nc + keep_f])[order]

    def incident(of_breaches: np.ndarray, of_alarms: np.ndarray) -> np.ndarray:
        return np.concatenate([of_breaches, of_alarms])[idx]

    cols = {
        "kind": (BREACH + (FALSE_ALARM - BREACH) * is_fa.view(np.uint8)).astype(np.int8),
        "party": incident(cand.party, np.full(len(fa), NO_PARTY, np.int8)).astype(np.int8),
        "type": inc.type[idx].astype(np.int16),
        "severity": inc.severity[idx],
        "sector": incident(cand.sector, fa.sector).astype(np.int16),
        "position_km": incident(cand.position, fa.position),
        "position_reported_km": incident(det.position_reported, fa.position_reported),
        "t_breach": inc.time[idx],
        "detections": incident(det.count, np.ones(len(fa), np.int64)).astype(np.int32),
        "t_detected": incident(det.t_first, fa.t_arrival),
        "t_queued": inc.t_queued[idx],
        "t_service": pipe.t_service[idx],
        "t_attributed": pipe.t_attributed[idx],
        "attributed": inc.verdict[idx].astype(np.int8),
        "t_reported": pipe.t_reported[idx],
        "t_decided": pipe.t_decided[idx],
        "t_response": pipe.t_response[idx],
        "action": pipe.action[idx],
        "case": pipe.case[idx],
        "retaliation": incident(cand.parent >= 0, np.zeros(len(fa), bool)),
    }
    # A stage reached after the end, and every stage after it, is NaN (NaN <= end is False).
    # Masked writes with irregular masks are slow (a branch per element), and nearly every
    # row to cut is NaN already: only the few others are written.
    reached = np.ones(len(idx), bool)
    for name in STAGE_TIMES:
        col = cols[name]
        reached &= col <= end
        col[np.flatnonzero(~(reached | np.isnan(col)))] = np.nan
    cols["attributed"] = _code_where_nan(cols["attributed"], cols["t_attributed"], NOT_ATTRIBUTED)
    cols["action"] = _code_where_nan(cols["action"], cols["t_response"], NO_ACTION)
    return Events(cols)


def change_points(
    times: np.ndarray, values: np.ndarray, end: float
) -> tuple[np.ndarray, np.ndarray]:
    """The intensity path in canonical form: the first row, then only the rows that change it.

    An engine may start a row wherever it likes (a step's start, every belief update);
    the step function is the same, and so is this form of it: rows before ``end`` (the
    first row always), the last of several rows at one time, and a row only where the
    intensities differ from the row before.  Both engines give the same form, bit for bit.
    """
    if len(times) == 0:
        return times, values
    keep = times < end
    keep[0] = True
    times, values = times[keep], values[keep]
    last = np.ones(len(times), bool)
    last[:-1] = times[1:] != times[:-1]
    times, values = times[last], values[last]
    new = np.ones(len(times), bool)
    new[1:] = (values[1:] != values[:-1]).any(axis=1)
    return times[new], values[new]


def _code_where_nan(codes: np.ndarray, times: np.ndarray, code: int) -> np.ndarray:
    """``codes`` with ``code`` where ``times`` is NaN (branch-free, same dtype)."""
    nan = np.isnan(times).view(np.int8)
    return (codes * (1 - nan) + np.int8(code) * nan).astype(codes.dtype)


def assemble(
    model,
    cand: Candidates,
    fa: FalseAlarms,
    inc: Incidents,
    det: DetectionLedger,
    pipe: Pipeline,
    accepted: np.ndarray,
    path: tuple[list[np.ndarray], list[np.ndarray]],
    end: float,
    collapse_day: float,
    members,
) -> ReplicationRecords:
    """The records of one replication (``members``: its ``Membership``, or a mask)."""
    membership = as_membership(members)
    names = model.coalition.names
    times, values = change_points(np.concatenate(path[0]), np.concatenate(path[1]), end)
    aggressor = next(p for p in model.parties if p.is_aggressor)
    return ReplicationRecords(
        events=event_table(model, cand, fa, inc, det, pipe, accepted, end),
        decisions=pipe.decisions_table(end),
        intensity=IntensityPath(times=times, values=values),
        labels=model.labels(),
        duration=model.duration,
        warmup=model.warmup,
        end_time=float(end),
        collapse_day=float(collapse_day),
        coalition_members=tuple(n for n, j in zip(names, membership.join, strict=True) if j <= end),
        members_final=tuple(
            n for n, m in zip(names, membership.at(np.array([end]))[0], strict=True) if m
        ),
        aggressor_base_rates=aggressor.rates.copy(),
        info={"candidates": float(len(cand)), "false_alarms_total": float(len(fa))},
    )
