"""Absurd sizes are refused up front, quickly and without allocating, with the estimate.

``ceasemon.limits.estimate`` works from the validated scenario alone; ``check_limits`` runs in
``ceasemon.run``/``compare``/``sweep`` before any worker starts or any directory is written.
"""

from __future__ import annotations

import math
import time
import tracemalloc
import warnings

import pytest
from click.testing import CliRunner
from fuzz_scenarios import SOURCES, data_mutants, write
from hypothesis import HealthCheck, given, settings

import ceasemon as cm
from ceasemon import limits
from ceasemon.cli import cli
from ceasemon.limits import LimitError, LimitWarning, check_limits, estimate
from ceasemon.model.simulation import build_model, simulate
from ceasemon.scenario import ScenarioError, load_scenario

ABSURD = {
    "1e9 sensors": ["--set", "sensors.acoustic.count=1000000000"],
    "1e6 days": ["--set", "duration=1000000d"],
    "1e7 breaches a day": ["--set", "parties.aggressor.rates_per_day.small_arms=1e7"],
    "a sensor every nanometre": ["--set", "sensors.cameras.spacing_km=1e-9"],
    "1e9 replications": ["-n", "1000000000"],
    "failures every second": [
        "--set",
        "sensors.acoustic.mtbf=1s",
        "--set",
        "sensors.acoustic.mttr=1s",
    ],
    "1e12-day duration": ["--set", "duration=1e12d"],
    "min_detections 1e9": ["--set", "attribution.min_detections=1000000000"],
    "1e9 analysts": ["--set", "attribution.analysts=1000000000"],
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Import what `ceasemon run` imports on first use, so that the timings are the check's."""
    invoke("run", "--set", "sensors.acoustic.count=1000000000", "--backend", "serial")


@pytest.mark.parametrize("args", ABSURD.values(), ids=ABSURD.keys())
def test_an_absurd_run_is_refused_at_once_with_the_estimate(tmp_path, args):
    out = tmp_path / "out"
    t0 = time.perf_counter()
    r = invoke("run", "baseline", *args, "--backend", "serial", "-o", str(out))
    elapsed = time.perf_counter() - t0
    assert r.exit_code == 2, r.output
    assert elapsed < 1.0, f"took {elapsed:.2f} s to refuse"
    (line,) = r.stderr.splitlines()
    assert line.startswith("error: scenario 'baseline': refused: ")
    for part in (
        "Estimate:",
        "candidate breaches",
        "sensors",
        "per replication",
        "--ignore-limits",
    ):
        assert part in line, line
    assert "Traceback" not in r.output
    assert not out.exists(), "nothing may be written for a refused run"


@pytest.mark.parametrize(
    "overrides",
    [
        {"sensors.acoustic.count": 10**9},
        {"duration": "1000000d"},
        {"parties.aggressor.rates_per_day.small_arms": 1e7},
        {"sensors.cameras.spacing_km": 1e-9},
        {"sensors.acoustic.count": 10**400},
        {"attribution.min_detections": 10**9},
    ],
    ids=str,
)
def test_the_api_refuses_without_allocating(overrides):
    sc = load_scenario("baseline", overrides)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(LimitError, match="refused") as info:
            cm.run(sc, 2, backend="process", jobs=2)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, cm.UserError)
    assert elapsed < 0.5 and peak < 5 * limits.MIB, (elapsed, peak)


def test_many_replications_and_many_workers_are_refused():
    sc = load_scenario("baseline", {"duration": "2d"})
    with pytest.raises(LimitError, match=r"tables of 1,000,000,000 replications"):
        cm.run(sc, 10**9, backend="serial")
    with pytest.raises(LimitError, match=r"50,000 workers at once"):
        cm.run(sc, 50_000, backend="process", jobs=50_000)
    est = check_limits(sc, 50_000, workers=1)  # one at a time is fine
    assert est.result_bytes * 50_000 < limits.MAX_RESULT_BYTES


def test_compare_and_sweep_refuse_before_running(tmp_path):
    r = invoke(
        "compare",
        "baseline",
        "fixed-aggressor",
        "--set",
        "duration=1000000d",
        "-o",
        str(tmp_path / "c"),
    )
    assert r.exit_code == 2 and "refused" in r.stderr, r.output
    r = invoke(
        "sweep",
        "baseline",
        "--param",
        "sensors.acoustic.count=10,1000000000",
        "-o",
        str(tmp_path / "s"),
        "-q",
    )
    assert r.exit_code == 2, r.output
    assert "scenario 'point 1': refused" in r.stderr
    assert not (tmp_path / "c").exists() and not (tmp_path / "s").exists()


@pytest.mark.parametrize("name", sorted(s for s in SOURCES if s != "small"))
def test_the_packaged_scenarios_pass_without_a_warning(name):
    sc = load_scenario(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LimitWarning)
        est = check_limits(sc, sc.replications, workers=2)
    assert 0.01 < est.seconds_per_replication < limits.WARN_REPLICATION_SECONDS
    assert 1 * limits.MIB < est.bytes_per_replication < 1 * limits.GIB


def test_the_baseline_runs_from_the_command_line(tmp_path):
    r = invoke(
        "run",
        "--set",
        "duration=3d",
        "-n",
        "1",
        "--backend",
        "serial",
        "-q",
        "-o",
        str(tmp_path / "o"),
    )
    assert r.exit_code == 0, r.output
    assert "warning" not in r.stderr and "refused" not in r.stderr


def test_candidates_and_sensors_match_the_model():
    # the fixed aggressor draws at intensity 1: E[C] is exact, the draw is Poisson
    sc = load_scenario("fixed-aggressor", {"duration": "60d"})
    est = estimate(sc)
    model = build_model(sc)
    drawn = [simulate(model, seed).info["candidates"] for seed in range(3)]
    assert sum(drawn) / 3 == pytest.approx(est.candidates, rel=0.02)
    positioned = sum(len(g.positions) for g in model.groups if not g.full)
    full = sum(1 for g in model.groups if g.full)
    assert est.sensors == pytest.approx(positioned + full, rel=0.01)


def test_a_long_run_is_warned_about_up_front(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "WARN_REPLICATION_SECONDS", 1e-3)
    sc = load_scenario("baseline", {"duration": "2d"})
    with pytest.warns(LimitWarning, match=r"this will take long: .* about .* per replication"):
        check_limits(sc, 4, workers=2)
    r = invoke(
        "run",
        "--set",
        "duration=2d",
        "-n",
        "1",
        "--backend",
        "serial",
        "-q",
        "-o",
        str(tmp_path / "o"),
    )
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("warning: scenario 'baseline': this will take long:"), r.stderr


def test_ignore_limits_turns_the_refusal_into_a_warning():
    sc = load_scenario("baseline", {"duration": "1000000d"})
    with pytest.warns(LimitWarning, match="running anyway"):
        est = check_limits(sc, 1, ignore=True)
    assert est.bytes_per_replication > limits.MAX_REPLICATION_BYTES
    help_text = invoke("run", "--help").stdout
    assert "--ignore-limits" in help_text


def test_infinite_estimates_are_refused_not_crashed():
    sc = load_scenario(
        "baseline", {"duration": "1e12d", "parties.aggressor.rates_per_day.small_arms": 1e300}
    )
    est = estimate(sc)
    assert not est.finite and est.candidates == math.inf
    with pytest.raises(LimitError, match="infinitely many candidate breaches"):
        check_limits(sc)


def test_messages_read_well():
    assert limits.count(1234) == "1,234"
    assert limits.count(3.1e6) == "3.1 million"
    assert limits.count(2e15) == "2.0e+15"
    assert limits.size_text(540 * limits.MIB) == "540 MiB"
    assert limits.size_text(12.5 * limits.GIB) == "12.5 GiB"
    assert limits.duration_text(0.4) == "0.4 s"
    assert limits.duration_text(3 * 3600) == "3.0 h"
    assert limits.duration_text(math.inf) == "forever"


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(m=data_mutants(ops=("size", "scale", "null", "delete", "dup")))
def test_the_estimate_of_any_valid_scenario_is_a_number(tmp_path_factory, m):
    path = write(tmp_path_factory.getbasetemp(), m, "limits-mutant.yaml")
    try:
        sc = load_scenario(str(path))
    except ScenarioError:
        return
    t0 = time.perf_counter()
    est = estimate(sc, events=True)
    assert time.perf_counter() - t0 < 0.1
    for value in (
        est.candidates,
        est.sensors,
        est.seconds_per_replication,
        est.bytes_per_replication,
    ):
        assert not math.isnan(value) and value >= 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LimitWarning)
            check_limits(sc, sc.replications, workers=2)
    except LimitError as exc:
        assert "Estimate:" in str(exc)


def test_a_huge_sweep_grid_is_refused_before_it_is_built(tmp_path):
    values = ",".join(str(i) for i in range(1, 201))
    t0 = time.perf_counter()
    r = invoke(
        "sweep",
        "baseline",
        "--param",
        f"attribution.analysts={values}",
        "--param",
        f"seed={values}",
        "-o",
        str(tmp_path / "s"),
    )
    assert time.perf_counter() - t0 < 2.0
    assert r.exit_code == 2, r.output
    assert "a sweep of 40,000 grid points (200 x 200 values)" in r.stderr
    assert not (tmp_path / "s").exists()
    assert limits.check_grid({"a": [1, 2], "b": [1, 2, 3]}) == 6
