"""Up-front size estimates: absurd runs are refused before anything is allocated.

A scenario can ask for more than any machine has: 10^9 sensors, a million-day
duration, 10^7 breaches a day, a sensor every nanometre, a billion replications.
``estimate`` works out, from the validated scenario alone (no model is built, no
array allocated; it takes microseconds), how big one replication will be and
about how long it will take; ``check_limits`` refuses a run whose estimate is
beyond the limits below (``LimitError``, a ``UserError``: exit status 2 on the
command line, with the estimate in the message) and warns (``LimitWarning``)
when it is merely long.  ``ignore=True`` (``--ignore-limits``) turns the
refusals into warnings.

Quantities (``E[.]`` under the scenario's rates; ``T`` the duration in days):

* candidate breaches ``C = T * (sum_t r_a,t * b + sum_t r_d,t + p_ret * sum_t r_a,t * b)``,
  with ``b`` the bound of the aggressor's intensity (2 for ``adaptive``, else 1)
  and ``p_ret`` the defender's retaliation probability; these are the draws of
  ``model/breaches.py`` (thinning draws at the bound);
* sensors ``S_g``: ``count``, ``len(positions_km)``, the length of the group's
  sectors over ``spacing_km``, or 1 for full coverage;
* sensors in range of a breach ``k_g = S_g * min(1, 2 range_km / L_g)`` (``L_g``
  the length the group covers; 1 for full coverage), so expected detections
  ``D = C * sum_g k_g * max_t p_g,t``; only groups with a random latency keep
  one number per detection (``D_r``);
* false alarms ``F = T * sum_g f_g * S_g``;
* failure-timeline changes ``U = sum_g 2 S_g (1.3 (T + revisit) / (mtbf + mttr) + 8)`` and
  the (breach, failed sensor) pairs looked at, ``P = sum_g 2 C k_g mttr / (mtbf + mttr)``;
* the analyst queue's load ``rho = (C + F) / T * E[service] / analysts``; an
  overloaded queue is worked one incident at a time;
* simulation steps of the adaptive aggressor ``T / lag`` (``lag`` the least
  report-to-response time; one step per aggressor candidate when it is 0);
* coalition decisions ``K = min(C + F, T / report_interval + C_urgent)``, each
  a row over the ``N`` nations;
* analysts ``A``: the queue keeps (and, each step, sorts) one free time per analyst.

Time and memory are linear in these, with coefficients measured on the
reference machine (2 cores, Python 3.11, numpy 2, commit c7c925b of the model;
one replication of a purpose-built scenario per quantity after a warm-up run,
time with ``time.perf_counter``, peak memory with ``tracemalloc``):

* 100,000 candidates, 1 sensor group, no queue: 0.14 s, 39 MiB;
  1.6 million candidates: 2.0 s, 627 MiB (so about 1.5 us and 400 bytes each);
* each further sensor group: +0.1 us per candidate;
* 100,000 false alarms: +0.17 s, +21 MiB;
* 1 million detections of a random-latency group: +0.1 s, +29 MiB;
* 3.1 million failure-timeline changes: +1.9 s, +224 MiB;
* 4 million sensors: +0.24 s, +113 MiB;
* a queue at load 2 (16 analysts): +4.5 us per incident;
* 2,400 steps of the adaptive aggressor: +4.5 s;
* 1 million analysts over 4 steps: +1.4 s, +78 MiB;
* the baseline (365 d, 346,000 candidates): 0.67 s, 94 MiB (estimated 1.7 s, 199 MiB);
  its rates x4 with a fixed policy (queue load 2): 4.3 s, 318 MiB (estimated 5.7 s, 398 MiB).

The estimate is meant to be right within a factor of about three (it errs on
the high side: it assumes every aggressor candidate at the intensity bound and
every incident queued); it decides only what is absurd, not what is optimal.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, fields
from typing import NamedTuple

from .errors import CeasemonWarning, UserError
from .model.aggressor import POLICIES
from .model.timing import step_bound
from .scenario import Scenario
from .scenario.checks import line_length_km
from .scenario.distributions import Fixed

KIB, MIB, GIB = 1024, 1024**2, 1024**3

#: A replication estimated to need more memory than this is refused.
MAX_REPLICATION_BYTES = 8 * GIB
#: A replication estimated to take longer than this (seconds) is refused.
MAX_REPLICATION_SECONDS = 7 * 86400.0
#: The tables of all replications, kept in memory until they are written, may need at most this.
MAX_RESULT_BYTES = 8 * GIB
#: Memory that all workers together (and the kept tables) may need, when the machine's is unknown.
DEFAULT_MACHINE_BYTES = 32 * GIB
#: A sweep may have at most this many grid points (each is a scenario validated up front).
MAX_SWEEP_POINTS = 10_000
#: A replication estimated to take longer than this (seconds) gets a warning.
WARN_REPLICATION_SECONDS = 60.0
#: What a worker process needs before it runs anything (Python, numpy, pandas, the model).
WORKER_BYTES = 120 * MIB

# Coefficients measured on the reference machine (see the module docstring).
_S_BASE = 0.02  # s per replication
_S_INCIDENT = 1.5e-6  # s per candidate breach or false alarm
_S_INCIDENT_GROUP = 0.1e-6  # s per incident and sensor group
_S_QUEUED = 5e-6  # s per incident worked one at a time by an overloaded queue
_S_DETECTION = 0.1e-6  # s per detection of a random-latency group
_S_FALSE_ALARM = 1e-6  # s per false alarm, besides its cost as an incident
_S_COLUMN = 0.05e-6  # s per incident, group and min_detections column beyond two
_S_CHANGE = 0.6e-6  # s per failure-timeline change
_S_PAIR = 0.05e-6  # s per (breach, failed sensor in range) pair
_S_STEP = 2e-3  # s per step of the adaptive aggressor
_S_BLOCK = 50e-6  # s per (party, breach type) with a rate
_S_VOTE = 0.05e-6  # s per decision and nation
_S_SENSOR = 0.1e-6  # s per sensor (building the network)
_S_DAY = 0.4e-6  # s per simulated day
_S_ANALYST = 0.4e-6  # s per analyst and simulation step (the queue sorts its analysts each step)

_B_BASE = 10 * MIB  # bytes per replication
_B_CANDIDATE = 400  # bytes per candidate breach
_B_FALSE_ALARM = 300  # bytes per false alarm
_B_COLUMN = 16  # bytes per candidate and min_detections column beyond the first
_B_DETECTION = 30  # bytes per detection of a random-latency group
_B_CHANGE = 80  # bytes per failure-timeline change
_B_PAIR = 24  # bytes per (breach, failed sensor in range) pair
_B_SENSOR = 30  # bytes per sensor
_B_DAY = 100  # bytes per simulated day
_B_ANALYST = 60  # bytes per analyst
_B_VOTE = 64  # bytes per nation and decision (or drawn row of decision draws)
_DRAW_ROWS = 512  # rows of decision draws held at once (model/coalition.py BLOCK, twice)

_R_BASE = 100 * KIB  # bytes kept in memory per finished replication (metrics, figure tables)
_R_DAY = 64  # bytes kept per replication and day (the daily table)
_R_EVENT = 300  # bytes kept per incident with events=True


class LimitError(UserError):
    """A run refused because its estimated size is absurd (exit status 2 on the command line)."""


class LimitWarning(CeasemonWarning):
    """A run that will be long (or was let through with ``ignore=True``)."""


@dataclass(frozen=True)
class Estimate:
    """Expected size of one replication of a scenario (see the module docstring).

    Attributes:
        candidates: candidate breaches drawn (C).
        sensors: positioned sensors, plus one per full-coverage group.
        detection_pairs: expected detections, (breach, sensor) pairs (D).
        seconds_per_replication: estimated run time of one replication.
        bytes_per_replication: estimated peak memory of one replication.
        false_alarms: expected false alarms (F).
        failure_changes: up/down changes drawn for failing sensors (U).
        steps: simulation steps of the adaptive aggressor.
        days: simulated days.
        result_bytes: memory that one finished replication's tables keep.
    """

    candidates: float
    sensors: float
    detection_pairs: float
    seconds_per_replication: float
    bytes_per_replication: float
    false_alarms: float = 0.0
    failure_changes: float = 0.0
    steps: float = 1.0
    days: float = 0.0
    result_bytes: float = 0.0

    @property
    def finite(self) -> bool:
        """True when every quantity is a finite number."""
        return all(math.isfinite(getattr(self, f.name)) for f in fields(self))

    def describe(self) -> str:
        """One line for a message: the sizes and the cost of one replication."""
        parts = [
            f"{count(self.candidates)} candidate breaches",
            f"{count(self.sensors)} sensors",
            f"{count(self.detection_pairs)} expected detections",
        ]
        if self.false_alarms:
            parts.append(f"{count(self.false_alarms)} false alarms")
        if self.failure_changes:
            parts.append(f"{count(self.failure_changes)} sensor failures and repairs")
        if self.steps > 1:
            parts.append(f"{count(self.steps)} aggressor steps")
        return (
            f"{', '.join(parts)}; about {duration_text(self.seconds_per_replication)} and "
            f"{size_text(self.bytes_per_replication)} per replication"
        )


# --------------------------------------------------------------------------- formatting
def count(x: float) -> str:
    """A count for a message: ``1,234``, ``3.1 million``, ``2.0e+15`` or ``infinitely many``."""
    if not math.isfinite(x):
        return "infinitely many"
    if x < 1e6:
        return f"{round(x):,}"
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if x < 1e12 and x >= size:
            return f"{x / size:.1f} {word}"
    return f"{x:.1e}"


def size_text(n: float) -> str:
    """Bytes for a message: ``540 MiB``, ``12.5 GiB``, ``3.0e+12 GiB``."""
    if not math.isfinite(n):
        return "unbounded memory"
    if n < GIB:
        return f"{n / MIB:,.0f} MiB"
    if n < 1e6 * GIB:
        return f"{n / GIB:,.1f} GiB"
    return f"{n / GIB:.1e} GiB"


def duration_text(s: float) -> str:
    """Seconds for a message: ``0.4 s``, ``12 min``, ``3.5 h``, ``41 days``, ``2.0e+09 years``."""
    if not math.isfinite(s):
        return "forever"
    for size, unit in ((365.25 * 86400, "years"), (86400, "days"), (3600, "h"), (60, "min")):
        if s >= size:
            v = s / size
            return f"{v:.1e} {unit}" if v >= 1e6 else f"{v:,.1f} {unit}"
    return f"{s:.2g} s"


# --------------------------------------------------------------------------- arithmetic
def _num(x: object) -> float:
    """A float of any scenario number (a huge int becomes inf, not an OverflowError)."""
    try:
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf


def _mul(*xs: float) -> float:
    """Product that is 0 when any factor is 0 (inf * 0 is 0 here: nothing of nothing)."""
    if any(x == 0 for x in xs):
        return 0.0
    out = 1.0
    for x in xs:
        out *= x
    return out


def _div(a: float, b: float) -> float:
    """``a / b`` with ``x / 0 = inf`` (for x > 0) and ``0 / 0 = 0``."""
    if a == 0:
        return 0.0
    return math.inf if b == 0 else a / b


# --------------------------------------------------------------------------- the estimate
def _group_sizes(sc: Scenario, length: float) -> list[tuple[object, float, float]]:
    """``(group, sensors, sensors in range of a breach)`` for each sensor group."""
    sector_len = {s.name: _num(s.end_km) - _num(s.start_km) for s in sc.contact_line.sectors}
    out = []
    for g in sc.sensors.values():
        if g.coverage == "full":
            out.append((g, 1.0, 1.0))
            continue
        covered = sum(sector_len.get(n, 0.0) for n in g.sectors) if g.sectors else length
        if g.positions_km is not None:
            s = float(len(g.positions_km))
        elif g.count is not None:
            s = _num(g.count)
        elif g.spacing_km is not None:
            s = _div(covered, _num(g.spacing_km))
        else:  # pragma: no cover - the checks require one of them
            s = 0.0
        reach = 2.0 * _num(g.range_km or 0.0)
        k = s if covered <= 0 else _mul(s, min(1.0, _div(reach, covered)))
        out.append((g, s, min(s, k)))
    return out


def _steps(sc: Scenario, aggressor_candidates: float) -> float:
    """Steps of a state-dependent aggressor's simulation loop (``model/engines``)."""
    if not POLICIES[sc.aggressor.policy].state_dependent or not sc.coalition.nations:
        return 1.0
    step = step_bound(sc)
    if not math.isfinite(step):
        return 1.0
    if step <= 0:
        return max(1.0, aggressor_candidates)
    ratio = _div(sc.duration, step)
    return float(math.ceil(ratio)) if math.isfinite(ratio) else math.inf


class _Breaches(NamedTuple):
    """What the breach processes draw in one replication (``model/breaches.py``)."""

    days: float  #: the duration T
    bound: float  #: the bound b of the aggressor's intensity
    aggressor: float  #: the aggressor's candidates, drawn at the bound
    candidates: float  #: all candidates C (aggressor, defender, retaliation)
    retaliation: float  #: the defender's retaliation probability
    urgent_rate: float  #: candidates a day of the urgent types
    blocks: float  #: (party, type) streams with a positive rate


class _Sensing(NamedTuple):
    """What the sensor groups add: their sensors, detections, false alarms and failures."""

    groups: float
    sensors: float
    positioned: float
    detections: float
    random_detections: float
    false_alarms: float
    changes: float
    pairs: float


class _Work(NamedTuple):
    """What the analysts, the aggressor's steps and the coalition have to get through."""

    incidents: float
    queued: float
    steps: float
    nations: float
    decisions: float
    days: float  #: whole simulated days (the daily time series' rows)
    min_detections: float
    analysts: float


def _breaches(sc: Scenario) -> _Breaches:
    """Expected candidates of each party, the aggressor's at its intensity bound.

    Thinning draws the aggressor's candidates at the bound and keeps some of
    them later, so the draws (and their memory) are those at the bound.
    """
    t = _num(sc.duration)
    bound = POLICIES[sc.aggressor.policy].intensity_max
    ag = sc.parties[sc.aggressor_name]
    de = sc.parties[sc.defender_name]
    rate_ag = sum(_num(v) for v in ag.rates_per_day.values()) * bound
    rate_de = sum(_num(v) for v in de.rates_per_day.values())
    p_ret = de.retaliation.probability if de.retaliation is not None else 0.0
    c_ag = _mul(t, rate_ag)
    cands = c_ag + _mul(t, rate_de) + _mul(p_ret, c_ag)
    off = sc.aggressor.offensive
    if off is not None and off.hazard is not None:
        # the hazard's thinning candidates, at its bound base / 365 * e^sensitivity per day
        h = off.hazard
        cands += _mul(t, _num(h.base_per_year) / 365.0, math.exp(h.sensitivity))
    urgent = {k for k, b in sc.breach_types.items() if b.severity >= sc.reporting.urgent_severity}
    rate_urgent = sum(_num(v) for k, v in ag.rates_per_day.items() if k in urgent) * bound
    rate_urgent += sum(_num(v) for k, v in de.rates_per_day.items() if k in urgent)
    blocks = sum(1 for v in ag.rates_per_day.values() if v > 0)
    blocks += sum(1 for v in de.rates_per_day.values() if v > 0)
    return _Breaches(t, bound, c_ag, cands, p_ret, rate_urgent, float(blocks))


def _sensing(sc: Scenario, t: float, cands: float) -> _Sensing:
    """Sensors, detections, false alarms and failure timelines summed over the groups.

    Only a random latency keeps one number per detection, and only a group
    that can detect some type raises false alarms (``model/sensors.false_alarms``
    skips the others).
    """
    groups = _group_sizes(sc, _num(line_length_km(sc)))
    sensors = sum(s for _, s, _ in groups)
    positioned = sum(s for g, s, _ in groups if g.coverage != "full")
    detections = random_detections = false_alarms = changes = pairs = 0.0
    for g, s, k in groups:
        p = max(g.p_detect.values(), default=0.0)
        d = _mul(cands, k, p)
        detections += d
        if not isinstance(g.latency, Fixed):
            random_detections += d
        if p > 0:
            false_alarms += _mul(t, g.false_alarms_per_day, s)
        if g.mtbf is not None and g.mttr is not None:
            cycle = g.mtbf + g.mttr
            reach = t + (g.revisit or 0.0)  # timelines cover the passes after the horizon
            changes += _mul(2.0, s, _div(1.3 * reach, cycle) + 8.0)
            pairs += _mul(2.0, cands, k, _div(g.mttr, cycle))
    return _Sensing(
        float(len(groups)),
        sensors,
        positioned,
        detections,
        random_detections,
        false_alarms,
        changes,
        pairs,
    )


def _work(sc: Scenario, br: _Breaches, sn: _Sensing) -> _Work:
    """Incidents, the part of them that queues, the aggressor's steps and the coalition's votes.

    The queue's share grows from nothing at load 0.8 to everything at load 1.6,
    so a busy but stable queue is not charged as an overloaded one.
    """
    t = br.days
    incidents = br.candidates + sn.false_alarms
    att = sc.attribution
    rho = _div(_mul(_div(incidents, t), att.service_time.mean()), _num(att.analysts))
    return _Work(
        incidents=incidents,
        queued=_mul(incidents, min(1.0, max(0.0, (rho - 0.8) / 0.8))),
        steps=_steps(sc, br.aggressor),
        nations=float(len(sc.coalition.nations)),
        decisions=min(incidents, _div(t, sc.reporting.report_interval) + _mul(t, br.urgent_rate)),
        days=float(math.ceil(t)) if math.isfinite(t) else math.inf,
        min_detections=_num(att.min_detections),
        analysts=_num(att.analysts),
    )


def _seconds(br: _Breaches, sn: _Sensing, w: _Work) -> float:
    """Run time of one replication: each quantity times its measured cost (module docstring)."""
    m = w.min_detections
    return (
        _S_BASE
        + _mul(w.incidents, _S_INCIDENT + _S_INCIDENT_GROUP * sn.groups)
        + _mul(w.queued, _S_QUEUED)
        + _mul(sn.false_alarms, _S_FALSE_ALARM)
        + _mul(sn.random_detections, _S_DETECTION, max(1.0, m))
        + _mul(w.incidents, sn.groups, max(0.0, m - 2.0), _S_COLUMN)
        + _mul(sn.changes, _S_CHANGE)
        + _mul(sn.pairs, _S_PAIR)
        + _mul(w.steps, _S_STEP)
        + _mul(br.blocks, _S_BLOCK)
        + _mul(w.decisions, w.nations, _S_VOTE)
        + _mul(sn.sensors, _S_SENSOR)
        + _mul(w.days, _S_DAY)
        + _mul(w.analysts, w.steps, _S_ANALYST)
    )


def _peak_bytes(br: _Breaches, sn: _Sensing, w: _Work) -> float:
    """Peak memory of one replication: each quantity times its measured size (module docstring)."""
    m = w.min_detections
    return (
        _B_BASE
        + _mul(br.candidates, _B_CANDIDATE)
        + _mul(sn.false_alarms, _B_FALSE_ALARM)
        + _mul(br.candidates, max(0.0, m - 1.0), _B_COLUMN)
        + _mul(sn.random_detections, _B_DETECTION, 2.0 if m > 1 else 1.0)
        + _mul(sn.changes, _B_CHANGE)
        + _mul(sn.pairs, _B_PAIR)
        + _mul(sn.positioned, _B_SENSOR)
        + _mul(w.days, _B_DAY)
        + _mul(w.nations, _B_VOTE, _DRAW_ROWS + w.decisions)
        + _mul(w.analysts, _B_ANALYST)
    )


def _kept_bytes(br: _Breaches, sn: _Sensing, w: _Work, events: bool) -> float:
    """Memory of a finished replication's tables: daily rows, and one row per event if kept.

    The events table holds breaches committed, not candidates drawn at the
    intensity bound, so the candidates count divided by the bound here.
    """
    kept = _R_BASE + _mul(w.days, _R_DAY)
    if events:
        c_ag = br.aggressor
        rows = br.candidates / br.bound + _mul(br.retaliation, c_ag / br.bound) + sn.false_alarms
        kept += _mul(rows, _R_EVENT)
    return kept


def _clean(x: float) -> float:
    """An estimate's quantity with NaN (from inf - inf or inf * 0) read as unbounded."""
    return math.inf if math.isnan(x) else float(x)


def estimate(scenario: Scenario, *, events: bool = False) -> Estimate:
    """Expected size and cost of one replication of a validated scenario (no allocation).

    Args:
        scenario: a validated scenario.
        events: the events table will be kept (it adds to the memory of the results).

    Returns:
        An ``Estimate``; its quantities may be ``inf`` for absurd scenarios.
    """
    br = _breaches(scenario)
    sn = _sensing(scenario, br.days, br.candidates)
    w = _work(scenario, br, sn)
    return Estimate(
        candidates=_clean(br.candidates),
        sensors=_clean(sn.sensors),
        detection_pairs=_clean(sn.detections),
        seconds_per_replication=_clean(_seconds(br, sn, w)),
        bytes_per_replication=_clean(_peak_bytes(br, sn, w)),
        false_alarms=_clean(sn.false_alarms),
        failure_changes=_clean(sn.changes),
        steps=_clean(w.steps),
        days=_clean(w.days),
        result_bytes=_clean(_kept_bytes(br, sn, w, events)),
    )


# --------------------------------------------------------------------------- the check
def machine_bytes() -> int:
    """Physical memory of this machine, or ``DEFAULT_MACHINE_BYTES`` when it is unknown."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return DEFAULT_MACHINE_BYTES


def check_limits(
    scenario: Scenario,
    replications: int = 1,
    *,
    workers: int = 1,
    events: bool = False,
    ignore: bool = False,
    label: str | None = None,
) -> Estimate:
    """Refuse an absurd run before it starts; warn about a long one.

    Args:
        scenario: the validated scenario.
        replications: how many replications will run.
        workers: how many run at once on this machine (1 for serial and for a
            remote dask cluster, whose memory is not this machine's).
        events: the events table will be kept.
        ignore: let an absurd run through (with a ``LimitWarning``) instead of refusing it.
        label: what to call the scenario in messages (default its name).

    Returns:
        The estimate.

    Raises:
        LimitError: one replication would need more than ``MAX_REPLICATION_BYTES``
            or ``MAX_REPLICATION_SECONDS``, the kept tables more than
            ``MAX_RESULT_BYTES``, or all workers together more than this
            machine's memory; the message gives the estimate.
    """
    est = estimate(scenario, events=events)
    name = label or scenario.name
    n = max(1, int(replications))
    workers = max(1, min(int(workers), n))
    kept = _mul(float(n), est.result_bytes)
    together = _mul(float(workers), WORKER_BYTES + est.bytes_per_replication) + kept
    machine = machine_bytes()
    problems = []
    if not est.finite:
        problems.append("its size cannot even be counted (the estimate is infinite)")
    if est.bytes_per_replication > MAX_REPLICATION_BYTES:
        problems.append(
            f"one replication would need about {size_text(est.bytes_per_replication)} of "
            f"memory (the limit is {size_text(MAX_REPLICATION_BYTES)})"
        )
    if est.seconds_per_replication > MAX_REPLICATION_SECONDS:
        problems.append(
            f"one replication would take about {duration_text(est.seconds_per_replication)} "
            f"(the limit is {duration_text(MAX_REPLICATION_SECONDS)})"
        )
    if kept > MAX_RESULT_BYTES:
        problems.append(
            f"the tables of {n:,} replications would need about {size_text(kept)} of memory "
            f"(the limit is {size_text(MAX_RESULT_BYTES)})"
        )
    if not problems and together > machine:
        problems.append(
            f"{workers:,} workers at once would need about {size_text(together)} of memory "
            f"and this machine has {size_text(machine)}; use fewer jobs"
        )
    where = f"scenario '{name}': "
    if problems:
        text = (
            f"{where}refused: {'; '.join(problems)}. Estimate: {est.describe()}. "
            "Shorten the duration or lower the rates, sensors, analysts or replications"
        )
        if not ignore:
            raise LimitError(text + ", or pass --ignore-limits (ignore_limits=True) to run anyway")
        warnings.warn(text + "; running anyway (limits ignored)", LimitWarning, stacklevel=2)
    elif est.seconds_per_replication > WARN_REPLICATION_SECONDS:
        total = est.seconds_per_replication * math.ceil(n / workers)
        warnings.warn(
            f"{where}this will take long: {est.describe()}; {n:,} replications on "
            f"{workers} worker(s): about {duration_text(total)}",
            LimitWarning,
            stacklevel=2,
        )
    return est


def check_grid(params: dict, *, ignore: bool = False) -> int:
    """Refuse a sweep grid of more than ``MAX_SWEEP_POINTS`` points before it is built.

    Args:
        params: ``{"dotted.key": [values]}``.
        ignore: let a larger grid through with a ``LimitWarning``.

    Returns:
        The number of grid points.
    """
    sizes = [len(v) if hasattr(v, "__len__") else 1 for v in params.values()]
    points = math.prod(sizes) if sizes else 0
    if points > MAX_SWEEP_POINTS:
        text = (
            f"refused: a sweep of {points:,} grid points ({' x '.join(map(str, sizes))} values) "
            f"is beyond the limit of {MAX_SWEEP_POINTS:,}"
        )
        if not ignore:
            raise LimitError(text + "; sweep fewer values, or pass --ignore-limits")
        warnings.warn(text + "; running anyway (limits ignored)", LimitWarning, stacklevel=2)
    return points
