"""The stage protocol: what every part of the pipeline declares about itself.

A breach travels through the stages of MODEL.md in order: it happens
(``breaches``), is seen (``sensors``), attributed (``attribution``), reported
(``reporting``), decided on (``coalition``) and answered (``response``).  Each
stage is a frozen dataclass of plain parameters, built once from the validated
scenario by ``build``; it draws on its own named random stream (``stream``, a
stage of ``streams.STAGES``); and it states two things about itself:

* ``delay(sc, members)``: the least and the longest time it can hold a breach
  up, from the scenario alone (no allocation), so that ``limits`` can use it
  before anything is built;
* ``passage(view)``: the probability that an aggressor breach of each type
  passes the stage, and its expected delay there (the rational aggressor's
  ``P_t`` is the product of the passages, ``D_t`` the sum: ``analytic.py``).

The engines' step length and the adaptive aggressor's learning deadline are
then computed from the declared bounds, once, in ``timing.py``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .line import Line

if TYPE_CHECKING:
    from ..scenario.models import Scenario


#: Draws of a passage's pilot Monte Carlo, where a stage's mean delay has no closed form.
PILOT = 20_000


@dataclass(frozen=True)
class Delay:
    """Least and longest time a stage can hold a breach up (days; ``inf`` when unbounded)."""

    least: float
    longest: float


@dataclass(frozen=True)
class Passage:
    """An aggressor breach's chance to pass a stage and its expected delay there.

    Both broadcast against ``(days, types)``: a per-type array, or a per-day
    column for stages whose chance changes with time (the coalition's support).
    """

    probability: Any
    delay: Any


@dataclass(frozen=True)
class Basics:
    """What every stage may build on: the breach types, their severities and the line."""

    types: tuple[str, ...]
    severity: np.ndarray
    line: Line


class Stage(ABC):
    """One stage of the pipeline: parameters, a random stream, bounds and a passage."""

    #: The named random stream (``streams.STAGES``) the stage draws on.
    stream: ClassVar[str]

    @classmethod
    @abstractmethod
    def build(cls, sc: Scenario, basics: Basics) -> Stage:
        """The stage's plain parameters, from the validated scenario (once per model)."""

    @classmethod
    @abstractmethod
    def delay(cls, sc: Scenario, members: np.ndarray | None = None) -> Delay:
        """Least and longest hold-up, from the scenario (``members``: ratified nations)."""

    @abstractmethod
    def passage(self, view: Any) -> Passage:
        """Pass probability and expected delay per breach type (``analytic.View``)."""


def longest_of(dist: Any) -> float:
    """Longest value of a distribution; mean + 3 sd where it is unbounded."""
    hi = dist.upper()
    return hi if math.isfinite(hi) else dist.mean() + 3.0 * math.sqrt(dist.var())


class ReportStage(Stage):
    """A stage between reporting and the coalition: it holds, or stops, deciding reports.

    It sees each report that would start a coalition decision, in the order reports
    leave, and gives the time the decision starts instead (NaN: no decision).  Both engines
    call it the same way (``start`` once per replication, then ``advance`` in report
    order), so a stage of this shape is added without touching them (docs/extending.md).
    """

    @abstractmethod
    def start(self, streams: Any) -> Any:
        """The replication's running state (its draws come from ``streams``); has ``advance``.

        ``advance(t_report, severity) -> t_start``: arrays over the reports of one batch.
        """
