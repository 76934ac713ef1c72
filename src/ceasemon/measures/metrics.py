"""Per-replication metrics (SPEC section 6), daily time series, and summary statistics.

Metrics are computed from a replication's records alone.  A mean over an
empty set is NaN, never 0 and never an exception.  Breach-based rates and
delays exclude the warm-up (breaches before ``warmup``); ``collapsed`` and
``coalition_members`` describe the whole run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..model.records import BREACH, FALSE_ALARM, ReplicationRecords
from . import intervals

#: Interval kinds (``MetricInfo.interval``).
T_INTERVAL = "t"
WILSON = "wilson"

#: Ranges of the metrics: counts and other amounts that cannot be negative, shares and 0/1.
NON_NEGATIVE = (0.0, math.inf)
UNIT_RANGE = (0.0, 1.0)


@dataclass(frozen=True)
class MetricInfo:
    """A metric's unit, meaning, possible range and the kind of its interval.

    This is the one declaration that the summary, the comparison (per-scenario
    intervals and differences) and the sweep tables read, so that no reported
    interval leaves the range a metric can take.

    Attributes:
        name: column name in the replication table.
        unit: unit shown next to the numbers.
        description: one-line meaning (tables, plots, docs).
        bounds: the smallest and largest value the metric can take.
        interval: ``"t"``: the t-interval of the mean over replications, clipped to
            ``bounds``; ``"wilson"``: the Wilson score interval of a proportion (the
            metric is 0/1 in each replication).
        up_to_duration: the largest value is the scenario's duration (``collapse_day``);
            ``bounds[1]`` applies when the duration is not known.
    """

    name: str
    unit: str
    description: str
    bounds: tuple[float, float] = NON_NEGATIVE
    interval: str = T_INTERVAL
    up_to_duration: bool = False

    def value_range(self, duration: float | None = None) -> tuple[float, float]:
        """The metric's possible range, with the scenario's duration where it is the bound."""
        low, high = self.bounds
        if self.up_to_duration and duration is not None and math.isfinite(duration):
            high = min(high, float(duration))
        return low, high

    def interval_text(self) -> str:
        """How the interval is made, in words (the column of docs/metrics.md)."""
        if self.interval == WILSON:
            return "Wilson score interval of a proportion"
        low, high = self.bounds
        top = "duration" if self.up_to_duration else (None if math.isinf(high) else f"{high:g}")
        if top is None:
            return "t-interval of the mean" + ("" if math.isinf(low) else f", clipped at {low:g}")
        return f"t-interval of the mean, clipped to [{low:g}, {top}]"


def _amount(name: str, description: str, unit: str = "count") -> MetricInfo:
    return MetricInfo(name, unit, description, NON_NEGATIVE)


def _proportion(name: str, description: str) -> MetricInfo:
    return MetricInfo(name, "share", description, UNIT_RANGE)


def _metric_table(types: Iterable[str] = ()) -> list[MetricInfo]:
    rows = [
        _amount("breaches", "all true breaches, both parties"),
        _amount("aggressor_breaches", "true breaches by the aggressor"),
        _amount("defender_breaches", "true breaches by the defender"),
    ]
    rows += [_amount(f"breaches_{t}", f"true breaches of type {t}") for t in types]
    rows += [
        _amount("severity_total", "sum of severities of aggressor breaches", "severity"),
        _proportion("detected_share", "breaches with at least one detection"),
        _proportion("verified_share", "breaches whose incident completed attribution"),
        _amount("false_alarm_incidents", "false-alarm incidents that were attributed"),
        _proportion("attribution_accuracy", "attributed breaches named correctly"),
        _amount("false_accusations", "incidents wrongly attributed to the defender"),
        _amount(
            "false_accusations_aggressor",
            "incidents attributed to the aggressor whose true party is not (false alarms too)",
        ),
        _amount("detection_delay_h", "breach to first detection at fusion", "hours"),
        _amount("queue_wait_h", "incident's wait for an analyst", "hours"),
        _amount("attribution_delay_h", "breach to attribution verdict", "hours"),
        _amount("responses", "responses implemented"),
        _proportion("responded_share", "aggressor-attributed aggressor breaches answered"),
        _amount("response_delay_d", "breach to implemented response", "days"),
        _amount("coalition_members", "nations that ratified", "nations"),
        _amount("members_final", "nations that are members at the end", "nations"),
        _amount("aggressor_intensity_final", "aggressor breach rate at the end", "x baseline"),
        _amount("aggressor_intensity_mean", "aggressor breach rate, time mean", "x baseline"),
        _amount("cost_imposed", "total cost of implemented responses", "benefit units"),
        _amount("decisions", "coalition decisions started by reports (or cases)"),
        _amount("cases", "cases the commission referred (decisions without one)"),
        MetricInfo(
            "collapsed", "0/1", "the aggressor launched a renewed offensive", UNIT_RANGE, WILSON
        ),
        MetricInfo(
            "collapse_day",
            "day",
            "day of collapse (empty when none)",
            NON_NEGATIVE,
            up_to_duration=True,
        ),
    ]
    return rows


def metric_info(types: Iterable[str] = ()) -> dict[str, MetricInfo]:
    """Metric name -> info, in table order, for the given breach types."""
    return {m.name: m for m in _metric_table(types)}


def info_of(name: str) -> MetricInfo | None:
    """The declaration of one metric column by its name (``breaches_<type>`` for any type).

    Returns None for a column that is not a metric of this version (its interval is then the
    plain t-interval, with no range to keep).
    """
    if name.startswith("breaches_"):
        return metric_info([name.removeprefix("breaches_")]).get(name)
    return metric_info().get(name)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else math.nan


def _share(num: np.ndarray, den: np.ndarray) -> float:
    n = int(np.count_nonzero(den))
    return float(np.count_nonzero(num & den)) / n if n else math.nan


def _weighted_intensity(rec: ReplicationRecords) -> tuple[np.ndarray, np.ndarray]:
    """Times and base-rate-weighted intensity of the aggressor's step function."""
    w = rec.aggressor_base_rates
    total = float(w.sum())
    values = rec.intensity.values
    if total <= 0:
        return rec.intensity.times, np.ones(len(rec.intensity.times))
    # Column by column, not ``values @ w``: a BLAS product may round a row differently with
    # the matrix's shape and alignment, so the same step function, cut into a different
    # number of steps, could differ in the last bit.  Element-wise operations cannot.
    acc = np.zeros(len(values))
    for k in range(values.shape[1]):
        acc += values[:, k] * w[k]
    return rec.intensity.times, acc / total


def _integral_at(times: np.ndarray, vals: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Integral of a right-continuous step function from 0 to each ``x``."""
    if len(times) == 0:
        return np.asarray(x, float)
    seg = np.diff(np.append(times, np.inf))
    cum = np.concatenate([[0.0], np.cumsum(vals[:-1] * seg[:-1])])
    k = np.clip(np.searchsorted(times, x, side="right") - 1, 0, len(times) - 1)
    return cum[k] + vals[k] * (np.asarray(x, float) - times[k])


def metrics(rec: ReplicationRecords) -> dict[str, float]:
    """Every metric of SPEC section 6 for one replication."""
    ev = rec.events
    lab = rec.labels
    after = ev["t_breach"] >= rec.warmup
    breach = (ev["kind"] == BREACH) & after
    fa = (ev["kind"] == FALSE_ALARM) & after
    party = ev["party"]
    ag = breach & (party == lab.aggressor)
    attributed = np.isfinite(ev["t_attributed"])
    detected = np.isfinite(ev["t_detected"])
    responded = np.isfinite(ev["t_response"])
    out: dict[str, float] = {
        "breaches": float(breach.sum()),
        "aggressor_breaches": float(ag.sum()),
        "defender_breaches": float((breach & (party == lab.defender)).sum()),
    }
    counts = np.bincount(ev["type"][breach], minlength=len(lab.types))
    for k, t in enumerate(lab.types):
        out[f"breaches_{t}"] = float(counts[k])
    tb = ev["t_breach"]
    out["severity_total"] = float(ev["severity"][ag].sum())
    out["detected_share"] = _share(detected, breach)
    out["verified_share"] = _share(attributed, breach)
    out["false_alarm_incidents"] = float((fa & attributed).sum())
    att_b = breach & attributed
    out["attribution_accuracy"] = _share(ev["attributed"] == party, att_b)
    accused = attributed & after & (ev["attributed"] == lab.defender) & (party != lab.defender)
    out["false_accusations"] = float(accused.sum())
    blamed = attributed & after & (ev["attributed"] == lab.aggressor) & (party != lab.aggressor)
    out["false_accusations_aggressor"] = float(blamed.sum())
    out["detection_delay_h"] = 24.0 * _mean((ev["t_detected"] - tb)[breach & detected])
    served = after & np.isfinite(ev["t_service"])
    out["queue_wait_h"] = 24.0 * _mean((ev["t_service"] - ev["t_queued"])[served])
    out["attribution_delay_h"] = 24.0 * _mean((ev["t_attributed"] - tb)[att_b])
    dec = rec.decisions
    done = np.isfinite(dec.t_response) & (dec.t_response >= rec.warmup)
    out["responses"] = float(done.sum())
    named_ag = ag & attributed & (ev["attributed"] == lab.aggressor)
    out["responded_share"] = _share(responded, named_ag)
    out["response_delay_d"] = _mean((ev["t_response"] - tb)[breach & responded])
    out["coalition_members"] = float(len(rec.coalition_members))
    out["members_final"] = float(len(rec.members_final))
    times, vals = _weighted_intensity(rec)
    out["aggressor_intensity_final"] = float(vals[-1]) if len(vals) else 1.0
    span = rec.end_time - rec.warmup
    if span > 0:
        area = _integral_at(times, vals, np.array([rec.warmup, rec.end_time]))
        out["aggressor_intensity_mean"] = float((area[1] - area[0]) / span)
    else:
        out["aggressor_intensity_mean"] = math.nan
    out["cost_imposed"] = float(dec.cost[done].sum())
    out["decisions"] = float((dec.t_report >= rec.warmup).sum())
    # a case is one decision (its t_report is its meeting); without a commission, a report
    out["cases"] = out["decisions"]
    out["collapsed"] = 0.0 if math.isnan(rec.collapse_day) else 1.0
    out["collapse_day"] = rec.collapse_day
    return out


#: Columns of the daily time series besides ``replication`` and ``day``.
DAILY_COLUMNS: tuple[str, ...] = (
    "breaches",
    "aggressor_breaches",
    "detected",
    "verified",
    "responses",
    "aggressor_intensity",
)


def daily(rec: ReplicationRecords) -> dict[str, np.ndarray]:
    """Daily counts by the day each thing happened, and the day's mean aggressor intensity.

    ``detected`` and ``verified`` count true breaches whose first detection
    reached fusion / whose attribution completed that day.  Days after a
    collapse are NaN.
    """
    n_days = math.ceil(rec.duration)
    ev = rec.events
    breach = ev["kind"] == BREACH

    def per_day(t: np.ndarray) -> np.ndarray:
        t = t[np.isfinite(t)]
        return np.bincount(np.minimum(t.astype(np.int64), n_days - 1), minlength=n_days).astype(
            float
        )

    ag = breach & (ev["party"] == rec.labels.aggressor)
    out = {
        "day": np.arange(n_days),
        "breaches": per_day(ev["t_breach"][breach]),
        "aggressor_breaches": per_day(ev["t_breach"][ag]),
        "detected": per_day(ev["t_detected"][breach]),
        "verified": per_day(ev["t_attributed"][breach]),
        "responses": per_day(rec.decisions.t_response),
    }
    times, vals = _weighted_intensity(rec)
    edges = np.arange(n_days + 1, dtype=float)
    edges_c = np.minimum(edges, rec.end_time)
    area = _integral_at(times, vals, edges_c)
    width = np.diff(edges_c)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aggressor_intensity"] = np.where(width > 0, np.diff(area) / width, np.nan)
    gone = edges[:-1] >= rec.end_time
    for k in DAILY_COLUMNS:
        out[k] = np.where(gone, np.nan, out[k])
    return out


SUMMARY_FIELDS: tuple[str, ...] = ("mean", "std", "ci_low", "ci_high", "median", "p05", "p95", "n")


def summarize(
    values: Iterable[float],
    level: float = 0.95,
    info: MetricInfo | None = None,
    duration: float | None = None,
) -> dict[str, float]:
    """Mean, sd, interval of the mean, median, 5th/95th percentiles and n (NaN-safe).

    The interval is the one ``info`` declares (``intervals.py``): the Wilson
    score interval for a 0/1 metric, else the t-interval of the mean clipped to
    the metric's range (``duration`` bounds ``collapse_day``).  Without
    ``info`` it is the plain t-interval.  NaN entries (a mean over an empty set
    in some replication) are left out and ``n`` counts the rest.  With no value
    everything but ``n`` is NaN; with one, the spread and the t-interval are
    NaN (a Wilson interval exists from one value on).
    """
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return {k: (0.0 if k == "n" else math.nan) for k in SUMMARY_FIELDS}
    if info is not None and info.interval == WILSON:
        low, high = intervals.wilson(float(x.sum()), n, level)
    else:
        bounds = info.value_range(duration) if info is not None else (-math.inf, math.inf)
        low, high = intervals.t_interval(x, level, bounds)
    scale = intervals.scale_of(x)  # 1.0 unless the values are near the largest float
    y = x / scale
    return {
        "mean": float(y.mean()) * scale,
        "std": float(y.std(ddof=1)) * scale if n > 1 else math.nan,
        "ci_low": low,
        "ci_high": high,
        "median": float(np.median(y)) * scale,
        "p05": float(np.percentile(y, 5)) * scale,
        "p95": float(np.percentile(y, 95)) * scale,
        "n": float(n),
    }
