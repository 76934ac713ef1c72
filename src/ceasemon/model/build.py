"""A scenario compiled once into its stages: the ``Model`` every engine runs.

``PIPELINE`` lists the stages in the order a breach passes them; ``build_model``
builds each from the validated scenario (``Stage.build``), so stages never read
raw dicts and every default is the scenario model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.models import ACTIONS, Scenario
from .aggressor import AggressorParams, build_aggressor
from .attribution import Attribution
from .breaches import Breaches, PartyParams
from .coalition import Coalition
from .commission import Commission
from .line import Line, build_line
from .network import GroupParams
from .records import Labels
from .reporting import Reporting
from .response import Response
from .sensors import Detection
from .stage import Basics, ReportStage, Stage

#: The stages in the order a breach passes them (``Model`` has one attribute per stage).
PIPELINE: tuple[tuple[str, type[Stage]], ...] = (
    ("breaches", Breaches),
    ("detection", Detection),
    ("attribution", Attribution),
    ("reporting", Reporting),
    ("commission", Commission),
    ("coalition", Coalition),
    ("response", Response),
)


@dataclass(frozen=True, eq=False)
class Model:
    """A scenario compiled into plain per-stage parameters, built once for all replications."""

    scenario: Scenario
    types: tuple[str, ...]
    severity: np.ndarray
    line: Line
    breaches: Breaches
    detection: Detection
    attribution: Attribution
    reporting: Reporting
    commission: Commission
    coalition: Coalition
    response: Response
    aggressor: AggressorParams
    duration: float
    warmup: float
    pipeline: tuple[tuple[str, type[Stage]], ...] = PIPELINE
    holds: tuple[ReportStage, ...] = ()  # stages between reporting and the coalition

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages in pipeline order."""
        extra = dict(
            zip((n for n, c in self.pipeline if n not in _FIELDS), self.holds, strict=True)
        )
        return tuple(getattr(self, n) if n in _FIELDS else extra[n] for n, _ in self.pipeline)

    @property
    def parties(self) -> tuple[PartyParams, ...]:
        """The parties' breach processes (scenario order)."""
        return self.breaches.parties

    @property
    def groups(self) -> tuple[GroupParams, ...]:
        """The sensor groups (scenario order)."""
        return self.detection.groups

    @property
    def aggressor_index(self) -> int:
        """Party index of the aggressor."""
        return next(p.index for p in self.parties if p.is_aggressor)

    @property
    def defender_index(self) -> int:
        """Party index of the defender."""
        return next(p.index for p in self.parties if not p.is_aggressor)

    def labels(self) -> Labels:
        """Names behind the codes of the event columns."""
        return Labels(
            parties=tuple(p.name for p in self.parties),
            types=self.types,
            sectors=self.line.names,
            actions=ACTIONS,
            aggressor=self.aggressor_index,
            defender=self.defender_index,
        )


#: The stages every model has, by name (a ``Model`` field each).
_FIELDS = frozenset(name for name, _ in PIPELINE)


def with_stage(name: str, cls: type[ReportStage], after: str = "reporting") -> tuple:
    """The default pipeline with a report stage ``cls`` inserted after stage ``after``."""
    names = [n for n, _ in PIPELINE]
    i = names.index(after) + 1
    return (*PIPELINE[:i], (name, cls), *PIPELINE[i:])


def build_model(sc: Scenario, pipeline: tuple[tuple[str, type[Stage]], ...] = PIPELINE) -> Model:
    """Compile a validated scenario into its stages (``pipeline``: the default, or with more).

    A stage that is not one of the default ones must be a ``ReportStage`` between
    reporting and the coalition.
    """
    types = tuple(sc.breach_types)
    severity = np.array([sc.breach_types[t].severity for t in types], dtype=float)
    basics = Basics(types=types, severity=severity, line=build_line(sc))
    names = [n for n, _ in pipeline]
    if [n for n in names if n in _FIELDS] != [n for n, _ in PIPELINE]:
        raise ValueError("a pipeline keeps every default stage, in order")
    built = {name: cls.build(sc, basics) for name, cls in pipeline}
    holds = tuple(built.pop(n) for n in names if n not in _FIELDS)
    for h in holds:
        if not isinstance(h, ReportStage):
            raise ValueError(f"{type(h).__name__}: an added stage must be a ReportStage")
    lo, hi = names.index("reporting"), names.index("coalition")
    if any(not (lo < names.index(n) < hi) for n in names if n not in _FIELDS):
        raise ValueError("an added stage goes between reporting and the coalition")
    stages = built
    return Model(
        scenario=sc,
        types=types,
        severity=severity,
        line=basics.line,
        **stages,
        aggressor=build_aggressor(sc, types),
        duration=sc.duration,
        warmup=sc.warmup,
        pipeline=tuple(pipeline),
        holds=holds,
    )
