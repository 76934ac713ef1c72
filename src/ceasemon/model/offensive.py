"""The renewed offensive: when the aggressor gives up the ceasefire (MODEL.md 6 and 12).

Two forms, each asked, step by step, for the collapse time inside a step of the
aggressor's expected net gain ``b - C`` of the offensive type (a step function:
``gain[k]`` holds over ``[starts[k], ends[k])``):

* ``WindowOffensive``: the net gain has stayed above ``threshold`` for ``window``
  in a row (deterministic given the gain);
* ``HazardOffensive``: the first event of a Poisson process of rate
  ``h(t) = base / 365 * exp(sensitivity * g(t))`` per day with
  ``g = (b - C) / max(b, 1e-9) <= 1``.  Simulated exactly by thinning at the bound
  ``h_max = base / 365 * exp(sensitivity)`` (Lewis and Shedler): candidates arrive at
  rate ``h_max`` on their own stream (``aggressor/offensive``) and candidate ``i``
  is the offensive when ``u_i < h(t_i) / h_max``.  The candidates do not depend on
  the gain, so the result is the same however the engines cut time into steps.

Both keep what they need between steps and say when the engines must look again
(``pending``): the simpy engine, stepping only when beliefs change, wakes then.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

#: Hazard candidates drawn at a time (their gaps and acceptance uniforms).
BLOCK = 64


class OffensiveRule(ABC):
    """When the ceasefire collapses, given the net gain of the offensive type over a step."""

    @abstractmethod
    def collapse(self, starts: np.ndarray, ends: np.ndarray, gain: np.ndarray) -> float | None:
        """The collapse time in ``[starts[0], ends[-1])``, or None; steps come in time order."""

    @abstractmethod
    def pending(self) -> float | None:
        """The next time at which the collapse could come with the gain unchanged (or None)."""


def run_collapse(
    starts: np.ndarray, ends: np.ndarray, above: np.ndarray, run_start: float | None, window: float
) -> tuple[float | None, float | None]:
    """Find when a run of ``above`` segments first lasts ``window``; return (collapse, run_start).

    ``run_start`` is the start of the run in progress at ``starts[0]`` (None if none).
    """
    n = len(starts)
    if n == 0:
        return None, run_start
    prev = np.concatenate([[run_start is not None], above[:-1]])
    begins = above & ~prev
    idx = np.where(begins, np.arange(n), -1)
    idx = np.maximum.accumulate(idx)
    carried = run_start if run_start is not None else math.nan
    run_from = np.where(idx >= 0, starts[np.maximum(idx, 0)], carried)
    due = run_from + window
    hit = np.flatnonzero(above & (due < ends) & (due >= starts - 1e-12))
    # a run carried in may already be due at the step start
    if len(hit):
        k = hit[0]
        return float(max(due[k], starts[k])), None
    last_above = bool(above[-1])
    return None, (float(run_from[-1]) if last_above else None)


class WindowOffensive(OffensiveRule):
    """The net gain above ``threshold`` for ``window`` in a row (MODEL 6)."""

    def __init__(self, threshold: float, window: float):
        self.threshold = threshold
        self.window = window
        self.run_start: float | None = None

    def collapse(self, starts: np.ndarray, ends: np.ndarray, gain: np.ndarray) -> float | None:
        """The end of the first run above the threshold that lasts the window."""
        hit, self.run_start = run_collapse(
            starts, ends, gain > self.threshold, self.run_start, self.window
        )
        return hit

    def pending(self) -> float | None:
        """When the run in progress will have lasted the window."""
        return None if self.run_start is None else self.run_start + self.window


class HazardOffensive(OffensiveRule):
    """The first event of the hazard ``h(t)``, by thinning at its bound (MODEL 12)."""

    def __init__(self, base_per_year: float, sensitivity: float, benefit: float, rng: Any):
        self.base = base_per_year / 365.0
        self.sensitivity = sensitivity
        self.scale = max(benefit, 1e-9)
        self.bound = self.base * math.exp(sensitivity)  # h_max per day
        self.rng = rng
        self._times = np.zeros(0)
        self._u = np.zeros(0)
        self._pos = 0
        self._last = 0.0  # the latest candidate drawn (0 before any)
        self._done = self.bound <= 0.0  # no hazard: no offensive ever

    def rate(self, gain: np.ndarray) -> np.ndarray:
        """The hazard per day for net gains ``gain`` (``b - C``)."""
        g = np.minimum(gain / self.scale, 1.0)  # C >= 0 so g <= 1; guards rounding
        return self.base * np.exp(self.sensitivity * g)

    def _refill(self) -> None:
        gaps = self.rng.exponential(1.0 / self.bound, BLOCK)
        u = self.rng.random(BLOCK)
        self._times = self._last + np.cumsum(gaps)
        self._last = float(self._times[-1])
        self._u = u
        self._pos = 0

    def _next(self) -> tuple[float, float]:
        if self._pos >= len(self._times):
            self._refill()
        return float(self._times[self._pos]), float(self._u[self._pos])

    def collapse(self, starts: np.ndarray, ends: np.ndarray, gain: np.ndarray) -> float | None:
        """The first accepted candidate in the step, if any (candidates before it are spent)."""
        if self._done or len(starts) == 0:
            return None
        t_end = float(ends[-1])
        rates = self.rate(gain)
        while True:
            t, u = self._next()
            if t >= t_end:
                return None
            seg = max(int(np.searchsorted(starts, t, side="right")) - 1, 0)
            self._pos += 1
            if u * self.bound < rates[seg]:
                self._done = True  # one collapse: later candidates do not matter
                return t

    def pending(self) -> float | None:
        """The next candidate: the offensive can come no sooner."""
        if self._done:
            return None
        return self._next()[0]


def make_offensive(params: Any, rng: Any) -> OffensiveRule | None:
    """The offensive rule of an aggressor's parameters (``AggressorParams``), None without one.

    ``rng`` is the replication's ``aggressor/offensive`` stream: only the hazard draws from it.
    """
    if params.offensive_type is None:
        return None
    if params.offensive_hazard is not None:
        base, sensitivity = params.offensive_hazard
        return HazardOffensive(base, sensitivity, float(params.benefit[params.offensive_type]), rng)
    return WindowOffensive(params.offensive_threshold, params.offensive_window)
