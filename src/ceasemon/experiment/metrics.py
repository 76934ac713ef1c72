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


@dataclass(frozen=True)
class MetricInfo:
    """A metric's unit and one-line meaning (for tables, plots and docs)."""

    name: str
    unit: str
    description: str


def _metric_table(types: Iterable[str] = ()) -> list[MetricInfo]:
    rows = [
        MetricInfo("breaches", "count", "all true breaches, both parties"),
        MetricInfo("aggressor_breaches", "count", "true breaches by the aggressor"),
        MetricInfo("defender_breaches", "count", "true breaches by the defender"),
    ]
    rows += [MetricInfo(f"breaches_{t}", "count", f"true breaches of type {t}") for t in types]
    rows += [
        MetricInfo("severity_total", "severity", "sum of severities of aggressor breaches"),
        MetricInfo("detected_share", "share", "breaches with at least one detection"),
        MetricInfo("verified_share", "share", "breaches whose incident completed attribution"),
        MetricInfo("false_alarm_incidents", "count", "false-alarm incidents that were attributed"),
        MetricInfo("attribution_accuracy", "share", "attributed breaches named correctly"),
        MetricInfo("false_accusations", "count", "incidents wrongly attributed to the defender"),
        MetricInfo("detection_delay_h", "hours", "breach to first detection at fusion"),
        MetricInfo("queue_wait_h", "hours", "incident's wait for an analyst"),
        MetricInfo("attribution_delay_h", "hours", "breach to attribution verdict"),
        MetricInfo("responses", "count", "responses implemented"),
        MetricInfo("responded_share", "share", "aggressor-attributed aggressor breaches answered"),
        MetricInfo("response_delay_d", "days", "breach to implemented response"),
        MetricInfo("coalition_members", "nations", "nations that ratified"),
        MetricInfo("aggressor_intensity_final", "x baseline", "aggressor breach rate at the end"),
        MetricInfo("aggressor_intensity_mean", "x baseline", "aggressor breach rate, time mean"),
        MetricInfo("cost_imposed", "benefit units", "total cost of implemented responses"),
        MetricInfo("decisions", "count", "coalition decisions started by reports"),
        MetricInfo("collapsed", "0/1", "the aggressor launched a renewed offensive"),
        MetricInfo("collapse_day", "day", "day of collapse (empty when none)"),
    ]
    return rows


def metric_info(types: Iterable[str] = ()) -> dict[str, MetricInfo]:
    """Metric name -> info, in table order, for the given breach types."""
    return {m.name: m for m in _metric_table(types)}


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


def summarize(values: Iterable[float], level: float = 0.95) -> dict[str, float]:
    """Mean, sd, t-interval of the mean, median, 5th/95th percentiles and n (NaN-safe).

    NaN entries (a mean over an empty set in some replication) are left out
    and ``n`` counts the rest.  With fewer than two values the spread and the
    interval are NaN.
    """
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return {k: (0.0 if k == "n" else math.nan) for k in SUMMARY_FIELDS}
    mean = float(x.mean())
    if n > 1:
        from scipy import stats  # imported here: it is slow to import and workers never need it

        sd = float(x.std(ddof=1))
        half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    else:
        sd = half = math.nan
    return {
        "mean": mean,
        "std": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "median": float(np.median(x)),
        "p05": float(np.percentile(x, 5)),
        "p95": float(np.percentile(x, 95)),
        "n": float(n),
    }
