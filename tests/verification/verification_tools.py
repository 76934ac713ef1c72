"""Shared helpers of the verification suite (not a test module).

Every verification test compares a simulated estimate with a closed form and
accepts it when the two differ by at most ``TOLERANCE`` standard errors.  The
standard error comes from the theory (binomial, Poisson, renewal-process
variances) wherever one exists; where the estimate is a mean of strongly
autocorrelated quantities (queue waits), it is the standard error of the mean
over independent replications.  Seeds are fixed, so every run draws the same
numbers.

Set ``CEASEMON_VERIFY_LOG`` to a file name to append one JSON line per check
(label, expected, simulated, SE, z); the suite's summary table is built from it.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

from ceasemon.model.records import BREACH, FALSE_ALARM, ReplicationRecords
from ceasemon.model.simulation import Model, simulate
from ceasemon.model.streams import replication_seed

_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz

#: Accept a simulated value within this many standard errors of the theory.
TOLERANCE = 4.0

__all__ = [
    "BREACH",
    "FALSE_ALARM",
    "TOLERANCE",
    "binomial_se",
    "check",
    "check_share",
    "replications",
    "up_share_moments",
]


def replications(model: Model, root: int, n: int) -> list[ReplicationRecords]:
    """Replications ``0 .. n-1`` of root seed ``root`` (the runner's seeding)."""
    return [simulate(model, replication_seed(root, i)) for i in range(n)]


def binomial_se(p: float, n: float) -> float:
    """Standard error of a share of ``n`` independent Bernoulli(p) trials."""
    return math.sqrt(p * (1.0 - p) / n)


def check(label: str, simulated: float, expected: float, se: float) -> float:
    """Assert ``|simulated - expected| <= TOLERANCE * se``; return the z-score.

    ``se`` is the standard error of ``simulated`` under the theory.
    """
    assert math.isfinite(simulated), f"{label}: simulated value is {simulated}"
    assert se > 0 and math.isfinite(se), f"{label}: standard error {se} is not positive"
    z = (simulated - expected) / se
    log = os.environ.get("CEASEMON_VERIFY_LOG")
    if log:
        row = {
            "check": label,
            "expected": float(expected),
            "simulated": float(simulated),
            "se": float(se),
            "z": float(z),
        }
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
    assert abs(z) <= TOLERANCE, (
        f"{label}: simulated {simulated:.6g}, theory {expected:.6g}, "
        f"difference {z:+.2f} SE (SE {se:.3g})"
    )
    return z


def check_share(label: str, hits: np.ndarray, p: float) -> float:
    """Check the share of ``True`` in ``hits`` (independent trials) against ``p``."""
    n = len(hits)
    assert n > 0, f"{label}: no trials"
    return check(label, float(np.mean(hits)), p, binomial_se(p, n))


def up_share_moments(
    mtbf: float, mttr: float, t0: float, t1: float, n_points: int = 1501
) -> tuple[float, float]:
    """Mean and variance of the share of ``[t0, t1]`` a failing sensor is up.

    The sensor starts up at time 0 and alternates exponential up (mean
    ``mtbf``) and down (mean ``mttr``) times: a two-state Markov chain with
    ``nu = 1/mtbf + 1/mttr`` and availability ``A = mtbf / (mtbf + mttr)``.

        P(up at t)              = A + (1 - A) exp(-nu t)
        P(up at s, up at t)     = P(up at s) * (A + (1 - A) exp(-nu (t - s))),  s <= t

    The mean of the time share is the average of P(up at t) over the window
    (closed form); its variance is the double integral of the covariance,
    computed on a grid (trapezoid rule).
    """
    a = mtbf / (mtbf + mttr)
    nu = 1.0 / mtbf + 1.0 / mttr
    length = t1 - t0
    mean = a + (1.0 - a) * (math.exp(-nu * t0) - math.exp(-nu * t1)) / (nu * length)
    t = np.linspace(t0, t1, n_points)
    p = a + (1.0 - a) * np.exp(-nu * t)
    s, u = np.meshgrid(t, t, indexing="ij")
    lo = np.minimum(s, u)
    p_lo = a + (1.0 - a) * np.exp(-nu * lo)
    joint = p_lo * (a + (1.0 - a) * np.exp(-nu * np.abs(s - u)))
    cov = joint - p[:, None] * p[None, :]
    inner = _trapezoid(cov, t, axis=1)
    var = float(_trapezoid(inner, t)) / length**2
    return float(mean), var
