"""The distribution vocabulary: analytic moments against samples, bounds, shorthand, round trip.

As in Ciw's tests, each distribution's analytic mean and variance are checked against a large
seeded sample; the tolerance is 4 standard errors, computed from the analytic variance for the
mean and from the sample's fourth central moment for the variance.
"""

import math
import typing

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from ceasemon.scenario import RandomDuration
from ceasemon.scenario.distributions import (
    DIST_NAMES,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)

N = 200_000
SEED = 12345
ADAPTER = TypeAdapter(RandomDuration)

H = 1 / 24  # one hour in days

CASES = {
    "fixed": ({"dist": "fixed", "value": "6h"}, Fixed, 0.25, 0.0, 0.25, 0.25),
    "exponential": (
        {"dist": "exponential", "mean": "2h"},
        Exponential,
        2 * H,
        (2 * H) ** 2,
        0.0,
        math.inf,
    ),
    "lognormal": (
        {"dist": "lognormal", "median": "20min", "sigma": 0.5},
        Lognormal,
        (20 / 1440) * math.exp(0.125),
        (20 / 1440) ** 2 * math.exp(0.25) * (math.exp(0.25) - 1),
        0.0,
        math.inf,
    ),
    "gamma": ({"dist": "gamma", "mean": "3d", "cv": 0.5}, Gamma, 3.0, 2.25, 0.0, math.inf),
    "gamma_cv_above_1": (
        {"dist": "gamma", "mean": "1d", "cv": 2.0},
        Gamma,
        1.0,
        4.0,
        0.0,
        math.inf,
    ),
    "uniform": (
        {"dist": "uniform", "low": "12h", "high": "2d"},
        Uniform,
        1.25,
        1.5**2 / 12,
        0.5,
        2.0,
    ),
    "triangular": (
        {"dist": "triangular", "low": "2d", "mode": "3d", "high": "10d"},
        Triangular,
        5.0,
        (4 + 100 + 9 - 20 - 6 - 30) / 18,
        2.0,
        10.0,
    ),
    "triangular_mode_at_low": (
        {"dist": "triangular", "low": "1d", "mode": "1d", "high": "4d"},
        Triangular,
        2.0,
        (1 + 16 + 1 - 4 - 1 - 4) / 18,
        1.0,
        4.0,
    ),
    "empirical_equal": (
        {"dist": "empirical", "values": ["1d", "2d", "6d"]},
        Empirical,
        3.0,
        (4 + 1 + 9) / 3,
        1.0,
        6.0,
    ),
    "empirical_weighted": (
        {"dist": "empirical", "values": ["1h", "1d", "1w"], "weights": [3, 1, 0]},
        Empirical,
        0.75 * H + 0.25,
        0.75 * (H - (0.75 * H + 0.25)) ** 2 + 0.25 * (1 - (0.75 * H + 0.25)) ** 2,
        H,
        1.0,  # the value with weight 0 is never drawn, so it is not the upper bound
    ),
}


@pytest.fixture(params=sorted(CASES))
def case(request):
    data, cls, mean, var, lower, upper = CASES[request.param]
    return ADAPTER.validate_python(data), cls, mean, var, lower, upper


def test_parses_to_the_right_class(case):
    dist, cls, *_ = case
    assert type(dist) is cls


def test_analytic_moments(case):
    dist, _, mean, var, *_ = case
    assert dist.mean() == pytest.approx(mean, rel=1e-12, abs=1e-15)
    assert dist.var() == pytest.approx(var, rel=1e-12, abs=1e-15)


def test_sample_mean_and_variance_match_theory(case):
    dist, *_ = case
    mean, var = dist.mean(), dist.var()  # the code's closed forms, against its own sampler
    x = dist.sample(np.random.default_rng(SEED), N)
    assert x.shape == (N,)
    se_mean = math.sqrt(var / N)
    assert abs(x.mean() - mean) <= 4 * se_mean + 1e-12
    centred = x - x.mean()
    m4 = float(np.mean(centred**4))
    se_var = math.sqrt(max(m4 - var**2, 0.0) / N)
    assert abs(x.var(ddof=1) - var) <= 4 * se_var + 1e-12


def test_bounds(case):
    dist, _, _, _, lower, upper = case
    assert dist.lower() == pytest.approx(lower, rel=1e-12)
    assert dist.upper() == pytest.approx(upper, rel=1e-12) or dist.upper() == upper == math.inf
    x = dist.sample(np.random.default_rng(SEED), N)
    assert x.min() >= dist.lower()
    assert x.max() <= dist.upper()
    if math.isfinite(upper) and dist.var() > 0:
        # bounded supports are reached (closely) by a large sample
        width = upper - lower
        assert x.min() - lower < 0.01 * width
        assert upper - x.max() < 0.01 * width


def test_same_seed_same_draws(case):
    dist, *_ = case
    a = dist.sample(np.random.default_rng(7), 1000)
    b = dist.sample(np.random.default_rng(7), 1000)
    assert np.array_equal(a, b)


def test_round_trip(case):
    dist, *_ = case
    dumped_py = ADAPTER.dump_python(dist)
    dumped_json = ADAPTER.dump_json(dist)
    assert ADAPTER.validate_python(dumped_py) == dist
    assert ADAPTER.validate_json(dumped_json) == dist


def test_dump_uses_the_file_spelling():
    dist = ADAPTER.validate_python({"dist": "gamma", "mean": "3d", "cv": 0.5})
    assert ADAPTER.dump_python(dist) == {"dist": "gamma", "mean": "3.0d", "cv": 0.5}
    # a fixed value dumps back to the shorthand string
    assert ADAPTER.dump_python(ADAPTER.validate_python("6h")) == "0.25d"


def test_shorthand_is_fixed():
    short = ADAPTER.validate_python("6h")
    assert short == ADAPTER.validate_python({"dist": "fixed", "value": "6h"})
    assert short == Fixed(value="0.25d")
    assert short.mean() == 0.25
    assert short.var() == 0.0
    assert np.array_equal(short.sample(np.random.default_rng(1), 3), [0.25, 0.25, 0.25])


def test_fixed_consumes_no_random_numbers():
    rng = np.random.default_rng(3)
    ADAPTER.validate_python("6h").sample(rng, 100)
    assert rng.random() == np.random.default_rng(3).random()


@pytest.mark.parametrize(
    ("data", "lower", "upper"),
    [
        ({"dist": "exponential", "mean": "0d"}, 0.0, math.inf),
        ({"dist": "gamma", "mean": "2d", "cv": 0}, 2.0, math.inf),
        ({"dist": "triangular", "low": "2d", "mode": "2d", "high": "2d"}, 2.0, 2.0),
        ({"dist": "uniform", "low": "1d", "high": "1d"}, 1.0, 1.0),
    ],
)
def test_degenerate_parameters_give_constants(data, lower, upper):
    dist = ADAPTER.validate_python(data)
    x = dist.sample(np.random.default_rng(1), 100)
    assert np.all(x == x[0])
    assert x[0] == dist.mean()
    assert dist.var() == 0.0
    assert dist.lower() == lower
    assert dist.upper() == upper


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (6, "needs a unit"),
        (1.5, "needs a unit"),
        ({"dist": "exponential", "mean": 2}, "needs a unit"),
        ({"dist": "weibull", "mean": "1h"}, "does not match any of the expected tags"),
        ({"mean": "1h"}, "Unable to extract tag using discriminator"),
        ({"dist": "exponential", "median": "1h"}, "Extra inputs are not permitted"),
        ({"dist": "exponential"}, "Field required"),
        ({"dist": "lognormal", "median": "1h", "sigma": -0.1}, "greater than or equal to 0"),
        ({"dist": "lognormal", "median": "1h", "sigma": "0.5h"}, "valid number"),
        ({"dist": "gamma", "mean": "1h", "cv": -1}, "greater than or equal to 0"),
        ({"dist": "uniform", "low": "2d", "high": "1d"}, "low <= high"),
        ({"dist": "triangular", "low": "1d", "mode": "5d", "high": "3d"}, "low <= mode <= high"),
        ({"dist": "triangular", "low": "2d", "mode": "1d", "high": "3d"}, "low <= mode <= high"),
        ({"dist": "empirical", "values": []}, "at least 1 item"),
        ({"dist": "empirical", "values": ["1d", "2d"], "weights": [1]}, "one weight per value"),
        ({"dist": "empirical", "values": ["1d"], "weights": [0]}, "must not all be 0"),
        ({"dist": "empirical", "values": ["1d"], "weights": [-1]}, "greater than or equal to 0"),
        ({"dist": "fixed", "value": "-1d"}, "is not a duration"),
    ],
)
def test_bad_parameters(data, fragment):
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python(data)
    assert fragment in str(info.value)


def test_every_name_has_a_class():
    classes = (Fixed, Exponential, Lognormal, Gamma, Uniform, Triangular, Empirical)
    tags = [typing.get_args(c.model_fields["dist"].annotation)[0] for c in classes]
    assert tags == list(DIST_NAMES)
    for name in DIST_NAMES:
        assert name in {case[0]["dist"] for case in CASES.values()}


def test_distributions_are_immutable():
    dist = ADAPTER.validate_python({"dist": "exponential", "mean": "1h"})
    with pytest.raises(ValidationError):
        dist.mean_ = 2.0
