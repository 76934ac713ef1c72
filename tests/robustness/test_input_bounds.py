"""Degenerate or non-finite numbers are refused with file, key and line (exit 2), never run.

Each of these was accepted (or crashed) before the bounds of ``scenario/bounds.py`` and the
checks of ``checks.py``:

* ``reporting.report_interval: 0s`` was accepted, and every routine report was dropped with
  numpy warnings (a division by 0);
* a polyline point of ``.inf`` was an internal error (exit 1, ``math domain error``); one of
  ``1e308`` gave, besides the right error, a second one about a line 14,098 km long;
* a severity or a benefit of ``1e308`` was accepted: ``severity_total`` became ``inf`` and the
  summary showed ``-`` without a word;
* sector weights all 0 (of the line, or of one party) fell back, silently, to equal odds per
  sector;
* an empirical weight of ``.inf`` was accepted and gave NaN probabilities.

``test_every_numeric_key_refuses_non_finite_values`` goes through every numeric key of a
complete scenario, so that a key added later without a finite type fails here.
"""

from __future__ import annotations

import copy
import math

import pytest
import yaml
from click.testing import CliRunner
from fuzz_scenarios import PARSED, SMALL, assert_finite_results, paths

import ceasemon as cm
from ceasemon.cli import cli
from ceasemon.limits import LimitError
from ceasemon.scenario import ScenarioError, load_scenario, scenario_from_dict
from ceasemon.scenario.bounds import MAX_KM, MAX_SCORE

POLYLINE = "  polyline: [[37.0, 48.0], [37.5, 48.0], [38.0, 47.5]]\n"


def polyline_scenario(second_point: str = "[37.5, 48.0]") -> str:
    """``SMALL`` on a lon/lat polyline whose sectors tile it (point 1 replaceable)."""
    from ceasemon.scenario.checks import polyline_length_km

    length = polyline_length_km([(37.0, 48.0), (37.5, 48.0), (38.0, 47.5)])
    text = SMALL.replace("  length_km: 100\n", POLYLINE.replace("[37.5, 48.0]", second_point))
    return text.replace("end_km: 100", f"end_km: {length!r}")


def validate(tmp_path, text: str, name: str = "bad.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    return result, path


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line of ``text`` containing ``fragment``."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if fragment in ln)


def assert_refused(result, path, key: str, line: int, *words: str) -> None:
    """Exit 2, no traceback, and one problem that names this file, line and key."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = result.stderr.splitlines()
    assert lines == [ln for ln in lines if ln.startswith("error: ")], result.stderr
    want = f"error: {path}, line {line}, key {key}: "
    hits = [ln for ln in lines if ln.startswith(want)]
    assert hits, f"no problem at {want!r}:\n{result.stderr}"
    for w in words:
        assert w in hits[0], hits[0]


EXT = "extends: baseline\nname: x\n"


@pytest.mark.parametrize(
    ("body", "key", "fragment", "words"),
    [
        (
            "reporting:\n  report_interval: 0s\n",
            "reporting.report_interval",
            "report_interval",
            ["longer than 0"],
        ),
        (
            "breach_types:\n  missile: {severity: 1e308}\n",
            "breach_types.missile.severity",
            "missile",
            ["1e308", "more than 1e9"],
        ),
        (
            "aggressor:\n  benefit: {missile: 1e308}\n",
            "aggressor.benefit.missile",
            "missile",
            ["1e308", "more than 1e9"],
        ),
        (
            "response:\n  ladder:\n    - {min_severity: 0, action: diplomatic, "
            "implementation: 1d, cost: 1e308}\n",
            "response.ladder[0].cost",
            "cost",
            ["more than 1e9"],
        ),
        (
            "contact_line:\n  length_km: 1e308\n",
            "contact_line.length_km",
            "length_km",
            ["more than 1e7"],
        ),
        (
            "sensors:\n  acoustic: {range_km: .inf}\n",
            "sensors.acoustic.range_km",
            "acoustic",
            ["finite"],
        ),
        (
            "attribution:\n  service_time: {dist: empirical, values: [1h, 2h], "
            "weights: [.inf, 1]}\n",
            "attribution.service_time.weights[0]",
            "service_time",
            ["finite"],
        ),
        (
            "aggressor:\n  offensive: {threshold: -1e300}\n",
            "aggressor.offensive.threshold",
            "offensive",
            ["outside -1e9 .. 1e9"],
        ),
        (
            "response:\n  travel_speed_km_per_day: 1e-300\n",
            "response.travel_speed_km_per_day",
            "travel_speed",
            ["greater than or equal to 0.00001"],
        ),
    ],
    ids=[
        "report-interval-0s",
        "severity-1e308",
        "benefit-1e308",
        "cost-1e308",
        "length-1e308",
        "range-inf",
        "empirical-weight-inf",
        "threshold-minus-1e300",
        "speed-1e-300",
    ],
)
def test_a_degenerate_or_huge_value_is_refused(tmp_path, body, key, fragment, words):
    text = EXT + body
    result, path = validate(tmp_path, text)
    assert_refused(result, path, key, line_of(text, fragment), *words)


def test_a_polyline_point_of_inf_is_an_input_error_not_a_crash(tmp_path):
    text = polyline_scenario("[.inf, 48.0]")
    result, path = validate(tmp_path, text)
    assert_refused(result, path, "contact_line.polyline[1][0]", line_of(text, "polyline"), "finite")


def test_a_polyline_point_far_off_the_earth_gives_one_problem(tmp_path):
    text = polyline_scenario("[1e308, 48.0]")
    result, path = validate(tmp_path, text)
    assert_refused(result, path, "contact_line.polyline[1]", line_of(text, "polyline"), "lon")
    # the line is not measured from a point that is not one: no "the line is 14098 km long"
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_a_valid_polyline_scenario_loads():
    path_text = polyline_scenario()
    sc = scenario_from_dict(yaml.safe_load(path_text))
    assert sc.contact_line.polyline is not None


def test_all_sector_weights_zero_is_refused(tmp_path):
    sectors = "".join(
        f"    - {{name: {n}, start_km: {a}, end_km: {b}, terrain: open, weight: 0}}\n"
        for n, a, b in [("north", 0, 40), ("south", 40, 100)]
    )
    text = SMALL.replace(
        SMALL[SMALL.index("  sectors:\n") : SMALL.index("breach_types:")],
        "  sectors:\n" + sectors,
    )
    result, path = validate(tmp_path, text)
    assert_refused(
        result,
        path,
        "contact_line.sectors",
        line_of(text, "  sectors:"),
        "every sector has weight 0",
    )


def test_a_party_with_weight_zero_on_every_sector_is_refused(tmp_path):
    text = SMALL.replace("sector_weights: {north: 2}", "sector_weights: {north: 0, south: 0}")
    result, path = validate(tmp_path, text)
    assert_refused(
        result,
        path,
        "parties.red.sector_weights",
        line_of(text, "sector_weights"),
        "party 'red'",
        "nowhere",
    )


def test_party_weights_zero_only_where_the_line_has_weight_zero(tmp_path):
    # north has line weight 0, the party puts 0 on south: no sector is left for the party
    text = SMALL.replace(
        "{name: north, start_km: 0, end_km: 40, terrain: open}",
        "{name: north, start_km: 0, end_km: 40, terrain: open, weight: 0}",
    ).replace("sector_weights: {north: 2}", "sector_weights: {south: 0}")
    result, path = validate(tmp_path, text)
    assert_refused(result, path, "parties.red.sector_weights", line_of(text, "sector_weights"))


def test_some_sector_weights_zero_are_fine():
    sc = load_scenario("baseline", {"contact_line.sectors.0.weight": 0})
    assert sc.contact_line.sectors[0].weight == 0


# --------------------------------------------------------------------------- every numeric key
def numeric_paths(data) -> list[tuple]:
    """Every path of ``data`` whose value is a number (not a bool)."""
    out = []
    for path in paths(data):
        node = data
        for part in path:
            node = node[part]
        if isinstance(node, int | float) and not isinstance(node, bool):
            out.append(path)
    return out


def _set(data, path, value):
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _dotted(path) -> str:
    from ceasemon.scenario.errors import dotted

    return dotted(path)


SMALL_DATA = PARSED["small"]
POLY_DATA = yaml.safe_load(polyline_scenario())
NUMERIC = [("small", p) for p in numeric_paths(SMALL_DATA)] + [
    ("polyline", p) for p in numeric_paths(POLY_DATA) if p[:2] == ("contact_line", "polyline")
]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
def test_every_numeric_key_refuses_non_finite_values(value):
    assert len(NUMERIC) > 40  # every plain number of SMALL, and the polyline's coordinates
    for source, path in NUMERIC:
        data = copy.deepcopy(SMALL_DATA if source == "small" else POLY_DATA)
        _set(data, path, value)
        with pytest.raises(ScenarioError) as info:
            scenario_from_dict(data, source="x.yaml")
        keys = [p.key for p in info.value.problems]
        assert _dotted(path) in keys, (path, value, keys)


@pytest.mark.parametrize("value", [1e308, 1e30], ids=["1e308", "1e30"])
def test_every_numeric_key_refuses_a_huge_value_or_the_run_is_refused(value):
    """A huge value is a key error, or (for the keys that size a run) a refused run."""
    for source, path in NUMERIC:
        data = copy.deepcopy(SMALL_DATA if source == "small" else POLY_DATA)
        _set(data, path, value)
        try:
            sc = scenario_from_dict(data, source="x.yaml")
        except ScenarioError as exc:
            assert exc.problems[0].file == "x.yaml"
            assert exc.problems[0].key is not None, (path, str(exc))
            continue
        with pytest.raises(LimitError):
            cm.run(sc, 1, backend="serial")


def test_the_largest_values_allowed_still_give_finite_results():
    """The bounds are enough: severities, benefits, costs and weights at their maximum."""
    top = {f"breach_types.{t}.severity": MAX_SCORE for t in load_scenario("baseline").breach_types}
    top |= {f"aggressor.benefit.{t}": MAX_SCORE for t in ("small_arms", "missile")}
    top |= {
        "response.ladder.0.cost": MAX_SCORE,
        "contact_line.sectors.0.weight": MAX_SCORE,
        "coalition.nations.US.weight": MAX_SCORE,
        "response.hubs.0.distance_km": MAX_KM,
        "response.travel_speed_km_per_day": 1e-5,
        "aggressor.responsiveness": MAX_SCORE,
        "aggressor.discount_per_day": MAX_SCORE,
        "duration": "3d",
    }
    sc = load_scenario("baseline", top)
    res = cm.run(sc, 2, backend="serial")
    assert_finite_results(res)
    assert res.replications["severity_total"].max() >= MAX_SCORE
