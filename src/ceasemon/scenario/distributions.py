"""Random durations: the distribution vocabulary of scenario files.

Each distribution knows its analytic mean and variance (as Ciw's do), so that
verification tests and the rational aggressor can use closed forms, and the
bounds of its support, which the simulation uses to find how far ahead the
aggressor's state cannot change (see ``model/timing.py``).  All parameters
and samples are in days.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from .bounds import MAX_SCORE, at_most
from .durations import JSON_PATTERN, format_duration, parse_duration

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": JSON_PATTERN, "examples": ["30min", "6h", "3d"]}),
]
"""A span of time written with a unit (``'6h'``); a float number of days inside."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def mean(self) -> float:  # pragma: no cover - every subclass overrides
        """Analytic mean in days."""
        raise NotImplementedError

    def var(self) -> float:  # pragma: no cover - every subclass overrides
        """Analytic variance in days squared."""
        raise NotImplementedError

    def lower(self) -> float:
        """Lowest value the distribution can take."""
        return 0.0

    def upper(self) -> float:
        """Highest value the distribution can take (``inf`` when unbounded)."""
        return math.inf

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        """Draw ``size`` values (days) from ``rng``."""
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: Duration = Field(description="the value")

    def mean(self) -> float:
        """Analytic mean in days."""
        return self.value

    def var(self) -> float:
        """Analytic variance in days squared."""
        return 0.0

    def lower(self) -> float:
        """Lowest value the distribution can take."""
        return self.value

    def upper(self) -> float:
        """Highest value the distribution can take."""
        return self.value

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values; consumes no random numbers."""
        return np.full(size, self.value)


class Exponential(_Dist):
    """Exponential with the given mean (memoryless waits)."""

    dist: Literal["exponential"]
    mean_: Duration = Field(alias="mean", description="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def mean(self) -> float:
        """Analytic mean in days."""
        return self.mean_

    def var(self) -> float:
        """Analytic variance in days squared."""
        return self.mean_**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (days)."""
        return rng.exponential(self.mean_, size) if self.mean_ > 0 else np.zeros(size)


class Lognormal(_Dist):
    """Lognormal given by its median and the sd ``sigma`` of its logarithm (skewed delays)."""

    dist: Literal["lognormal"]
    median: Duration = Field(description="median")
    sigma: float = Field(
        ge=0,
        le=10,
        allow_inf_nan=False,
        description="standard deviation of log(value) (plain number)",
    )

    def mean(self) -> float:
        """Analytic mean in days."""
        return self.median * math.exp(self.sigma**2 / 2)

    def var(self) -> float:
        """Analytic variance in days squared."""
        s2 = self.sigma**2
        return self.median**2 * math.exp(s2) * math.expm1(s2)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (days)."""
        return self.median * np.exp(self.sigma * rng.standard_normal(size))


class Gamma(_Dist):
    """Gamma given by its mean and coefficient of variation ``cv`` (sd / mean)."""

    dist: Literal["gamma"]
    mean_: Duration = Field(alias="mean", description="mean")
    cv: float = Field(
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="coefficient of variation, sd / mean (plain number)",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def mean(self) -> float:
        """Analytic mean in days."""
        return self.mean_

    def var(self) -> float:
        """Analytic variance in days squared."""
        return (self.mean_ * self.cv) ** 2

    def lower(self) -> float:
        """Lowest value the distribution can take (the mean itself when cv is 0)."""
        return self.mean_ if self.cv == 0 else 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (days)."""
        if self.cv == 0 or self.mean_ == 0:
            return np.full(size, self.mean_)
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_ / shape, size)


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: Duration = Field(description="lowest value")
    high: Duration = Field(description="highest value, >= low")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("uniform needs low <= high")
        return self

    def mean(self) -> float:
        """Analytic mean in days."""
        return (self.low + self.high) / 2

    def var(self) -> float:
        """Analytic variance in days squared."""
        return (self.high - self.low) ** 2 / 12

    def lower(self) -> float:
        """Lowest value the distribution can take."""
        return self.low

    def upper(self) -> float:
        """Highest value the distribution can take."""
        return self.high

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (days)."""
        return rng.uniform(self.low, self.high, size)


class Triangular(_Dist):
    """Triangular with ``low`` <= ``mode`` <= ``high`` (an expert's min / most likely / max)."""

    dist: Literal["triangular"]
    low: Duration = Field(description="lowest value")
    mode: Duration = Field(description="most likely value")
    high: Duration = Field(description="highest value")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high):
            raise ValueError("triangular needs low <= mode <= high")
        return self

    def mean(self) -> float:
        """Analytic mean in days."""
        return (self.low + self.mode + self.high) / 3

    def var(self) -> float:
        """Analytic variance in days squared."""
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def lower(self) -> float:
        """Lowest value the distribution can take."""
        return self.low

    def upper(self) -> float:
        """Highest value the distribution can take."""
        return self.high

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (days)."""
        if self.high == self.low:
            return np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)


class Empirical(_Dist):
    """One of the listed ``values``, with optional ``weights`` (default equal)."""

    dist: Literal["empirical"]
    values: list[Duration] = Field(min_length=1, description="the possible values")
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(MAX_SCORE)]] | None = (
        Field(
            default=None,
            description="relative weights, one per value (default: equal; at most 1e9, not all 0)",
        )
    )

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("empirical needs one weight per value")
            if not sum(self.weights) > 0:
                raise ValueError("empirical weights must not all be 0")
        return self

    def _probs(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        return w / w.sum()

    def mean(self) -> float:
        """Analytic mean in days."""
        return float(np.dot(self._probs(), self.values))

    def var(self) -> float:
        """Analytic variance in days squared."""
        v = np.asarray(self.values)
        p = self._probs()
        return float(np.dot(p, (v - np.dot(p, v)) ** 2))

    def lower(self) -> float:
        """Lowest value the distribution can take."""
        return float(min(v for v, p in zip(self.values, self._probs(), strict=True) if p > 0))

    def upper(self) -> float:
        """Highest value the distribution can take."""
        return float(max(v for v, p in zip(self.values, self._probs(), strict=True) if p > 0))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (days) by inverse CDF, one uniform each."""
        cdf = np.cumsum(self._probs())
        idx = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
        return np.asarray(self.values, float)[np.minimum(idx, len(self.values) - 1)]


def _shorthand(value: Any) -> Any:
    """Let a plain duration string stand for ``{dist: fixed, value: ...}``."""
    if isinstance(value, str):
        return {"dist": "fixed", "value": value}
    if isinstance(value, bool | int | float):
        parse_duration(value)  # raises the bare-number message
    return value


class _ShorthandJsonSchema:
    """JSON Schema of a random duration: the shorthand duration string, or a distribution."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "pattern": JSON_PATTERN}, handler(core_schema)]}


def _serialize(dist: _Dist) -> Any:
    data = dist.model_dump(by_alias=True)
    if data.get("dist") == "fixed":
        return data["value"]
    return data


RandomDuration = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Uniform | Triangular | Empirical,
    Discriminator("dist"),
    BeforeValidator(_shorthand),
    PlainSerializer(_serialize),
    _ShorthandJsonSchema,
]
"""A duration that may be random: ``'6h'`` or ``{dist: exponential, mean: 6h}``."""

DistributionT = Fixed | Exponential | Lognormal | Gamma | Uniform | Triangular | Empirical

DIST_NAMES = ("fixed", "exponential", "lognormal", "gamma", "uniform", "triangular", "empirical")
