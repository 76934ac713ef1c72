"""Upper bounds of the scenario's plain numbers, so that no run can overflow to inf or NaN.

Every number in a scenario is finite (``.inf`` and ``.nan`` are errors).  Numbers that enter
sums and products over a run are also capped: a severity of 1e308 summed over a year of
breaches is ``inf``, and the summary would show ``-`` without a word.  The caps are far beyond
any meaningful value and far below where the model's arithmetic overflows.  The keys that set
the *size* of a run (rates, counts, false alarms per day) have no cap here: ``ceasemon.limits``
refuses a run too large for the machine, with its estimate, before it starts.  Durations are
capped by ``durations.MAX_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import AfterValidator

#: The longest length, position or distance a scenario may give, in km (250 times round the
#: Earth): a product of a few of them, or a sum over a run, stays far from overflowing.
MAX_KM = 1e7
#: The largest severity, benefit, cost, weight or other plain score a scenario may give: a sum
#: over every breach of a run (far fewer than 10^10 within the size limits) stays below 10^19.
MAX_SCORE = 1e9
#: The slowest travel speed of military assistance, in km per day: the longest trip,
#: ``MAX_KM`` km, then takes ``MAX_DAYS`` (10^12 days), the longest duration.
MIN_SPEED = 1e-5


def number_text(value: float) -> str:
    """``value`` as a user would write it: ``1e9``, ``1e-5``, ``1.5e308``, ``12.5``."""
    return f"{value:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


@dataclass(frozen=True)
class _AtMost:
    """Pydantic metadata: the bound as a validator, and as ``maximum`` in the JSON Schema."""

    limit: float
    symmetric: bool

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return AfterValidator(self._check).__get_pydantic_core_schema__(source, handler)

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["maximum"] = self.limit
        if self.symmetric:
            schema["minimum"] = -self.limit
        return schema

    def _check(self, value: float) -> float:
        top = number_text(self.limit)
        if value > self.limit or (self.symmetric and value < -self.limit):
            allowed = f"outside -{top} .. {top}" if self.symmetric else f"more than {top}"
            raise ValueError(
                f"{number_text(value)} is {allowed}, the range allowed here (so that the sums "
                "and products of a run stay finite)"
            )
        return value


def at_most(limit: float, symmetric: bool = False) -> _AtMost:
    """Metadata refusing a value above ``limit`` (or below ``-limit`` when symmetric).

    A validator rather than ``le=``, so that the message says why there is a bound; the JSON
    Schema still gets it as ``maximum``.
    """
    return _AtMost(limit, symmetric)
