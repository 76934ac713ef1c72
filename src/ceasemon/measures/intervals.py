"""Confidence intervals that never leave the range a metric can take.

Each metric declares its range and the kind of its interval once
(``metrics.MetricInfo``); the summary, the comparison and the sweep tables
all come here with that declaration:

``t``
    The t-interval of the mean over replications, clipped to the metric's
    range (shares to [0, 1], counts and delays at 0, ``collapse_day`` to
    [0, duration]).  The true mean lies in the range, so cutting off values it
    cannot take never makes the interval miss it: clipping keeps the coverage
    of the t-interval and only removes impossible values.
``wilson``
    The Wilson score interval of a proportion, for metrics that are 0 or 1 in
    each replication (``collapsed``).  Unlike mean +- t standard errors it
    stays in [0, 1], and it is not degenerate when every replication agrees:
    0 of 20 gives [0, 0.161], not [0, 0].

Differences between scenarios get bounded intervals too: the paired
difference of a 0/1 metric uses Newcombe's score method for paired
proportions (Newcombe 1998, *Statistics in Medicine* 17:2635, method 10, as
given by Altman et al., *Statistics with Confidence*, 2000), the unpaired one
Newcombe's hybrid score ("square-and-add") interval (Newcombe 1998,
*Statistics in Medicine* 17:873, method 10); both stay in [-1, 1].  A
t-interval of a difference is clipped to ``[low - high, high - low]``, the
range of a difference of two values in ``[low, high]`` (for a share [-1, 1];
for a count nothing is cut).

Every function here takes finite values only (the callers drop NaN first) and
returns NaN where an interval does not exist (fewer than two values for a
t-interval, no value at all for a Wilson interval); none of them emits a
numpy warning.
"""

from __future__ import annotations

import math

import numpy as np

#: Above this magnitude, sums and squares of values are computed on values scaled down.
_LARGE = 2.0**500


def scale_of(*arrays: np.ndarray) -> float:
    """A power of two that brings huge finite values to about 1 (else 1.0).

    A sum or a variance of values near the largest float overflows (with a numpy
    warning) although the mean and the spread are representable.  Dividing by a
    power of two is exact, so statistics of the scaled values, multiplied back,
    are the statistics of the values; below ``2**500`` nothing is scaled.
    """
    top = max((float(np.max(np.abs(a))) for a in arrays if len(a)), default=0.0)
    if not top > _LARGE or not math.isfinite(top):
        return 1.0
    return math.ldexp(1.0, math.frexp(top)[1] - 1)  # top / scale in [1, 2)


def z_value(level: float) -> float:
    """The two-sided standard normal quantile of ``level`` (1.96 for 0.95)."""
    from scipy import stats  # imported here: it is slow to import and workers never need it

    return float(stats.norm.ppf(0.5 + level / 2))


def _t_half(sd: float, n: int, level: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)


def clip(low: float, high: float, bounds: tuple[float, float]) -> tuple[float, float]:
    """``[low, high]`` cut to ``bounds`` (NaN stays NaN)."""
    if math.isnan(low) or math.isnan(high):
        return math.nan, math.nan
    return max(low, bounds[0]), min(high, bounds[1])


def difference_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    """The range of ``x - y`` for ``x`` and ``y`` in ``bounds``."""
    width = bounds[1] - bounds[0]
    return -width, width


def t_interval(
    x: np.ndarray, level: float = 0.95, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> tuple[float, float]:
    """The t-interval of the mean of finite ``x``, clipped to ``bounds``; NaN below 2 values."""
    x = np.asarray(x, float)
    n = len(x)
    if n < 2:
        return math.nan, math.nan
    scale = scale_of(x)
    y = x / scale
    mean = float(y.mean())
    half = _t_half(float(y.std(ddof=1)), n, level)
    return clip((mean - half) * scale, (mean + half) * scale, bounds)


def wilson(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n``; NaN when ``n`` is 0.

    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``: the set of
    proportions that a score test at ``level`` does not reject.  At 0 of n it
    is ``[0, z²/(n + z²)]``, at n of n ``[n/(n + z²), 1]``.
    """
    if n <= 0:
        return math.nan, math.nan
    z = z_value(level)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z2n / (4 * n)) / (1 + z2n)
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def _wilson_arms(k: int, n: int, level: float) -> tuple[float, float]:
    """Distances from ``k / n`` down and up to its Wilson limits."""
    low, high = wilson(k, n, level)
    return k / n - low, high - k / n


def newcombe_paired(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Interval of the paired difference ``mean(b) - mean(a)`` of 0/1 values (Newcombe).

    ``a`` and ``b`` are the values of the same replications in two scenarios.
    The Wilson limits of both proportions are combined with the correlation
    of the pairs (``phi``, continuity-corrected when positive and 0 when a
    margin is empty), so that common random numbers narrow the interval as
    they do for a paired t-interval.  NaN without pairs; always in [-1, 1].
    """
    x = np.asarray(b, float) > 0.5  # group 1: this scenario
    y = np.asarray(a, float) > 0.5  # group 2: the reference
    n = len(x)
    if n == 0:
        return math.nan, math.nan
    both = int(np.count_nonzero(x & y))
    only_x = int(np.count_nonzero(x & ~y))
    only_y = int(np.count_nonzero(~x & y))
    neither = n - both - only_x - only_y
    p1, p2 = (both + only_x) / n, (both + only_y) / n
    d = p1 - p2
    margins = (both + only_x) * (only_y + neither) * (both + only_y) * (only_x + neither)
    if margins == 0:
        phi = 0.0
    else:
        cross = both * neither - only_x * only_y
        corrected = cross if cross <= 0 else max(cross - n / 2, 0.0)
        phi = corrected / math.sqrt(margins)
    down1, up1 = _wilson_arms(both + only_x, n, level)
    down2, up2 = _wilson_arms(both + only_y, n, level)
    low = d - math.sqrt(max(down1**2 - 2 * phi * down1 * up2 + up2**2, 0.0))
    high = d + math.sqrt(max(down2**2 - 2 * phi * down2 * up1 + up1**2, 0.0))
    return max(low, -1.0), min(high, 1.0)


def newcombe_unpaired(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Interval of ``mean(b) - mean(a)`` for independent 0/1 samples (Newcombe's hybrid score).

    NaN when a side is empty; always in [-1, 1].
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan
    k1, k2 = int(np.count_nonzero(b > 0.5)), int(np.count_nonzero(a > 0.5))
    down1, up1 = _wilson_arms(k1, len(b), level)
    down2, up2 = _wilson_arms(k2, len(a), level)
    d = k1 / len(b) - k2 / len(a)
    low = d - math.hypot(down1, up2)
    high = d + math.hypot(up1, down2)
    return max(low, -1.0), min(high, 1.0)
