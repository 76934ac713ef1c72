"""Verification of docs/model.md "The renewed offensive as a hazard" (MODEL 12).

With no nation able to respond (every ratification probability 0) the expected cost
C of the offensive type is 0, so g = (b - C) / b = 1 and the hazard is the constant
h = base / 365 * exp(sensitivity) per day.  The collapse time is then exponential:

    P(collapse by T) = 1 - exp(-h T)                       (a binomial share over n runs)
    E[tau | tau < T] = 1/h - T exp(-h T) / (1 - exp(-h T))  (the truncated exponential)

with the standard error of the conditional mean from the truncated exponential's variance
(E[tau^2 | tau < T] by quadrature).
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from verification_tools import binomial_se, check, replications

from ceasemon.model.build import build_model
from ceasemon.scenario.errors import ScenarioError

BASE, SENS, T, N = 6.0, 1.0, 40.0, 300


def _model(make_scenario, **changes):
    return build_model(
        make_scenario(
            {
                "duration": f"{T}d",
                "aggressor.policy": "rational",
                "aggressor.benefit": {"shell": 1.0},
                "aggressor.offensive": {
                    "type": "shell",
                    "hazard": {"base_per_year": BASE, "sensitivity": SENS},
                },
                **changes,
            }
        )
    )


def _collapse_days(model) -> np.ndarray:
    return np.array([r.collapse_day for r in replications(model, 41, N)])


def _check_exponential(days: np.ndarray, h: float, label: str) -> None:
    p = 1.0 - math.exp(-h * T)
    hit = np.isfinite(days)
    check(f"{label}: P(collapse by T)", hit.mean(), p, binomial_se(p, N))
    mean = 1.0 / h - T * math.exp(-h * T) / p
    m2 = quad(lambda t: t * t * h * math.exp(-h * t), 0.0, T)[0] / p
    se = math.sqrt((m2 - mean * mean) / hit.sum())
    check(f"{label}: E[collapse day | collapse]", days[hit].mean(), mean, se)


def test_with_no_cost_the_collapse_is_exponential_at_the_bound(make_scenario):
    nations = {"A": {"weight": 1, "ratification": 0.0, "delay": "6h", "support": 1.0}}
    model = _model(make_scenario, **{"coalition.nations": nations})
    # h = 6/365 e = 0.0447/day: P(collapse by 40 d) = 0.832
    _check_exponential(_collapse_days(model), BASE / 365 * math.exp(SENS), "C = 0")


def test_a_fixed_aggressor_with_an_offensive_is_refused(make_scenario):
    with pytest.raises(ScenarioError, match="fixed aggressor"):
        make_scenario(
            {
                "aggressor.policy": "fixed",
                "aggressor.offensive": {
                    "type": "shell",
                    "hazard": {"base_per_year": 1.0, "sensitivity": 1.0},
                },
            }
        )
