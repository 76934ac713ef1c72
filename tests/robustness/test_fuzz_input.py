"""Fuzzed numbers: refused by key and line, or accepted and run to finite results.

Mutants of the packaged scenarios and of a small complete one (``fuzz_scenarios.py``) with
edge, non-finite and YAML 1.1 numbers in their numeric keys (``numeric_mutants``), and the
general data mutants.  For each, the invariants are:

* ``ceasemon validate`` exits 0 or 2, never 1, and prints no traceback;
* when it exits 2, every problem names the file and a key, and the line wherever the key is in
  the file (all of these are complete files, or files whose parent is a packaged scenario);
* when it exits 0, a short run (3 days, 2 replications, serial) either is refused by the size
  limits (exit 2 on the command line) or gives only finite numbers: no inf anywhere in the
  replication and summary tables, no NaN in a count, a total or a 0/1 metric.

The examples are derandomized and there is no example database, so CI is deterministic;
``-m slow`` runs the same properties on many more examples.
"""

from __future__ import annotations

import warnings

import pytest
from click.testing import CliRunner
from fuzz_scenarios import (
    PACKAGED,
    Mutant,
    assert_finite_results,
    ci,
    data_mutants,
    numeric_mutants,
    write,
)
from hypothesis import event, given, settings
from hypothesis import strategies as st

import ceasemon as cm
from ceasemon import limits
from ceasemon.cli import cli
from ceasemon.limits import LimitError
from ceasemon.scenario import ScenarioError, load_scenario

SHORT = {"duration": "3d", "warmup": "0d"}
#: Problems about the whole file, which have no key.
FILE_LEVEL = ("the file is empty", "a scenario must be a mapping")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-input")


@pytest.fixture(scope="module")
def small_limits():
    """Limits that refuse anything estimated beyond 3 s or 1 GiB per replication."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(limits, "MAX_REPLICATION_SECONDS", 3.0)
        mp.setattr(limits, "MAX_REPLICATION_BYTES", 1 * limits.GIB)
        yield


def check_problems(path, exc: ScenarioError) -> None:
    for p in exc.problems:
        text = str(p)
        assert p.file, f"no file: {text}"
        assert p.file == str(path) or p.file.startswith("package:"), text
        if p.message.startswith(FILE_LEVEL):
            continue
        assert p.key, f"no key: {text}"
        assert p.line is not None and p.line >= 1, f"no line: {text}"


def check_mutant(directory, m: Mutant) -> None:
    path = write(directory, m)
    r = CliRunner().invoke(cli, ["validate", str(path)])
    assert r.exit_code in (0, 2), f"exit {r.exit_code}:\n{r.output[-3000:]}"
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output[-3000:]
    try:
        load_scenario(str(path))
    except ScenarioError as exc:
        assert r.exit_code == 2, r.output
        assert all(ln.startswith("error: ") for ln in r.stderr.splitlines()), r.stderr
        check_problems(path, exc)
        event("refused")
        return
    assert r.exit_code == 0, r.output
    try:
        sc = load_scenario(str(path), SHORT)
    except ScenarioError as exc:  # e.g. an offensive window the short duration cannot hold
        event("refused when shortened")
        check_problems(path, exc)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a numpy warning is a NaN or inf made
        try:
            res = cm.run(sc, 2, backend="serial", progress=False)
        except LimitError:
            event("run refused by the limits")
            return
    event("ran")
    assert_finite_results(res)


@ci(120)
@given(m=numeric_mutants(("small",)))
def test_numeric_mutants_of_the_small_scenario(workdir, small_limits, m):
    check_mutant(workdir, m)


@ci(40)
@given(m=numeric_mutants(PACKAGED))
def test_numeric_mutants_of_the_packaged_scenarios(workdir, small_limits, m):
    check_mutant(workdir, m)


@ci(60)
@given(m=data_mutants(("small",), ops=("replace", "scale", "size", "null", "delete")))
def test_data_mutants_of_the_small_scenario_run_finite(workdir, small_limits, m):
    check_mutant(workdir, m)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, database=None)
@given(m=st.one_of(numeric_mutants(), data_mutants()))
def test_many_more_numeric_and_data_mutants(tmp_path_factory, small_limits, m):
    check_mutant(tmp_path_factory.getbasetemp(), m)
