"""Fuzzed scenarios through the command line: exit 0 or 2, never 1, never a traceback.

``ceasemon validate`` on mutants of the packaged scenarios and of a small complete one
(``fuzz_scenarios.py``), with random ``--set`` overrides and random scenario arguments; and
``ceasemon run`` (one replication of two days, serial) on mutants that validate, which either
runs (exit 0) or is refused up front for its size (exit 2, ``ceasemon.limits``).

The run property tightens the limits (a replication may be estimated at 3 s and 1 GiB at most
here, against 7 days and 8 GiB by default) so that no example runs long, and it leaves out the
figures (matplotlib), which the plot tests cover (a line figure of 10^7 sensors takes minutes);
``-m slow`` runs many more examples.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from fuzz_scenarios import (
    PACKAGED,
    PARSED,
    SOURCES,
    UNICODE,
    Mutant,
    ci,
    data_mutants,
    mutants,
    paths,
    write,
)
from hypothesis import event, given, settings
from hypothesis import strategies as st

import ceasemon.cli.outcome as cli_outcome
from ceasemon import limits
from ceasemon.cli import cli

RUN = ["--set", "duration=2d", "-n", "1", "--backend", "serial", "-q", "--force"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def check_exit(result, allowed=(0, 2)) -> None:
    """Exit status 0 or 2, no traceback, and every line on stderr of a failure says error."""
    out = result.output
    assert result.exit_code in allowed, f"exit {result.exit_code}:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), out[-3000:]
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines and all(
            ln.startswith(("error: ", "warning: ", "Usage:", "Try ", "Error: ")) or not ln.strip()
            for ln in lines
        ), result.stderr[-3000:]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-cli")


# --------------------------------------------------------------------------- validate
@ci(250)
@given(m=mutants())
def test_validate_a_mutant(workdir, m):
    check_exit(invoke("validate", str(write(workdir, m))))


KEYS = sorted({".".join(map(str, path)) for path in paths(PARSED["small"])})
SET_VALUES = st.one_of(
    st.sampled_from(
        ["1", "-1", "1e400", "2d", "[1, 2", "{a: 1}", "null", "~", "[]", "{}", "!!int x", "''"]
    ),
    st.sampled_from(["*x", "&x 1", "!!python/name:os.system", "2020-02-30", "0x_", "\x07"]),
    UNICODE,
)
SET_ARGS = st.one_of(
    st.tuples(st.sampled_from(KEYS), SET_VALUES).map("=".join),
    st.tuples(UNICODE, SET_VALUES).map("=".join),
    UNICODE,
    st.sampled_from(["=", "=1", "a..b=1", ".a=1", "a.=1", "name.0.x=1", "sensors.ears.99=1"]),
)


@ci(300)
@given(sets=st.lists(SET_ARGS, min_size=1, max_size=3))
def test_validate_with_random_overrides(workdir, sets):
    path = write(workdir, Mutant("small", SOURCES["small"], []), "small.yaml")
    args = [a for s in sets for a in ("--set", s)]
    check_exit(invoke("validate", str(path), *args))


@ci(100)
@given(ref=st.one_of(UNICODE, st.sampled_from(["", ".", "/", "..", "a" * 5000, "baseline/"])))
def test_validate_a_random_scenario_argument(ref):
    check_exit(invoke("validate", "--", ref))


# --------------------------------------------------------------------------- run
SIZE_OPS = ("size", "scale", "null", "delete", "dup")


@pytest.fixture(scope="module")
def small_limits():
    """Limits that refuse anything estimated beyond 3 s or 1 GiB, and no figures."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(limits, "MAX_REPLICATION_SECONDS", 3.0)
        mp.setattr(limits, "MAX_REPLICATION_BYTES", 1 * limits.GIB)
        mp.setattr(cli_outcome, "figures", lambda path: None)
        yield


def check_run(directory, m: Mutant) -> None:
    path = write(directory, m)
    if invoke("validate", str(path)).exit_code != 0:
        event("does not validate")
        return
    out = directory / "out"
    r = invoke("run", str(path), *RUN, "-o", str(out))
    check_exit(r)
    event(f"run: exit {r.exit_code}")
    if r.exit_code == 0:
        assert (out / "manifest.json").exists() and (out / "replications.parquet").exists()
    else:
        assert "refused" in r.stderr or "error:" in r.stderr, r.stderr
    shutil.rmtree(out, ignore_errors=True)


@ci(70)
@given(m=data_mutants(("small",), ops=SIZE_OPS))
def test_run_a_valid_mutant_of_the_small_scenario(workdir, small_limits, m):
    check_run(workdir, m)


@ci(40)
@given(m=data_mutants(PACKAGED, ops=SIZE_OPS))
def test_run_a_valid_mutant_of_a_packaged_scenario(workdir, small_limits, m):
    check_run(workdir, m)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, database=None)
@given(m=data_mutants(ops=SIZE_OPS))
def test_run_many_more_mutants(tmp_path_factory, small_limits, m):
    check_run(tmp_path_factory.getbasetemp(), m)
