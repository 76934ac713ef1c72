"""Duration strings with units, the only way a scenario names a span of time.

A bare number where a duration is expected is an error: "3" could mean hours
or days, and a silent guess would be a silently wrong scenario.  Inside the
model every duration is a float number of days.
"""

from __future__ import annotations

import math
import re

#: Accepted units and their length in days.
UNITS: dict[str, float] = {
    "s": 1.0 / 86400.0,
    "min": 1.0 / 1440.0,
    "h": 1.0 / 24.0,
    "d": 1.0,
    "w": 7.0,
}

UNIT_HELP = "s, min, h, d, w (e.g. '30min', '6h', '3d', '1.5d', '2w')"

#: The longest duration a scenario may give, in days (about 2.7 billion years): far beyond
#: any meaning, and far below where a count of days stops fitting a 64-bit integer.
MAX_DAYS = 1e12

_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)\s*(s|min|h|d|w)\s*$")

#: Regular expression of a duration string, for the JSON Schema.
JSON_PATTERN = r"^\s*([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+)\s*(s|min|h|d|w)\s*$"


def _show(value: object) -> str:
    """A value for a message: its repr, cut to about 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:28] + "..." + text[-28:]


def parse_duration(value: object) -> float:
    """Return the duration ``value`` (a string such as ``'6h'``) in days.

    Raises:
        ValueError: with a message listing the accepted units, for a bare
            number, a negative or non-finite value, an unknown unit, or more
            than ``MAX_DAYS`` days.
    """
    if isinstance(value, (bool, int | float)):
        raise ValueError(
            f"a duration needs a unit; got the bare number {_show(value)}. Write it with one of "
            f"the units {UNIT_HELP}"
        )
    if not isinstance(value, str):
        raise ValueError(
            f"a duration must be a string with a unit ({UNIT_HELP}); got {_show(value)}"
        )
    match = _PATTERN.match(value)
    if match is None:
        raise ValueError(
            f"{_show(value)} is not a duration; write a non-negative number followed by one of the "
            f"units {UNIT_HELP}"
        )
    days = float(match.group(1)) * UNITS[match.group(2)]
    if not math.isfinite(days):
        raise ValueError(f"{_show(value)} is not a finite duration")
    if days > MAX_DAYS:
        raise ValueError(
            f"{_show(value)} is longer than the longest duration allowed, {MAX_DAYS:.0e} days "
            "(about 2.7 billion years)"
        )
    return days


def format_duration(days: float) -> str:
    """Format ``days`` as a duration string that parses back to the same float."""
    return f"{float(days)!r}d"
