"""Duration strings: units, accepted spellings, and the errors for everything else."""

import math

import numpy as np
import pytest

from ceasemon.scenario import format_duration, parse_duration
from ceasemon.scenario.durations import MAX_DAYS, UNITS


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("30s", 30 / 86400),
        ("30min", 30 / 1440),
        ("6h", 0.25),
        ("3d", 3.0),
        ("2w", 14.0),
        ("1.5d", 1.5),
        ("0.5h", 1 / 48),
        (".5h", 1 / 48),
        ("7.d", 7.0),
        ("1e2s", 100 / 86400),
        ("2.5E1min", 25 / 1440),
        ("0d", 0.0),
        ("0s", 0.0),
        ("  3d  ", 3.0),
        ("3 d", 3.0),
        ("365d", 365.0),
    ],
)
def test_parses_units(text, days):
    assert parse_duration(text) == pytest.approx(days, rel=1e-15, abs=0)


def test_units_table_is_what_the_help_promises():
    assert UNITS == {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0}


@pytest.mark.parametrize("value", [6, 0, 1.5, 365, True, False])
def test_bare_number_is_an_error_that_lists_the_units(value):
    with pytest.raises(ValueError, match="needs a unit") as info:
        parse_duration(value)
    assert "s, min, h, d, w" in str(info.value)
    assert "'30min'" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "d",
        "3",
        "3y",
        "3 days",
        "3D",
        "-3d",
        "+3d",
        "3d4h",
        "1,5d",
        "three days",
        "inf d",
        "nan d",
        "3 hours",
        "h6",
    ],
)
def test_malformed_strings_are_rejected(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_overflow_is_not_a_finite_duration():
    with pytest.raises(ValueError, match="not a finite duration"):
        parse_duration("1e400d")


@pytest.mark.parametrize("value", [None, ["3d"], {"d": 3}, b"3d"])
def test_non_strings_are_rejected(value):
    with pytest.raises(ValueError, match="must be a string with a unit"):
        parse_duration(value)


def test_format_round_trips_exactly():
    rng = np.random.default_rng(20260106)
    values = [0.0, 1.0, 1 / 86400, 15 / 86400, 1 / 3, 365.0, 1e-300, 5e-324, MAX_DAYS]
    values += list(rng.exponential(10.0, 2000)) + list(10.0 ** rng.uniform(-8, 8, 2000))
    for days in values:
        text = format_duration(days)
        assert text.endswith("d")
        assert parse_duration(text) == days  # bit-identical, not approximately


def test_format_of_a_parsed_value_is_stable():
    for text in ("15s", "30min", "6h", "3d", "2w", "1.5d"):
        once = format_duration(parse_duration(text))
        assert format_duration(parse_duration(once)) == once
        assert math.isclose(parse_duration(once), parse_duration(text), rel_tol=0, abs_tol=0)
