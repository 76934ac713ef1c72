"""Fuzzed scenario files: the loader raises only ScenarioError, each problem with file and line.

Mutants of the packaged scenarios and of a small complete one (``fuzz_scenarios.py``) go
through ``load_scenario``; whatever the mutation, the loader returns a Scenario or raises a
ScenarioError whose every problem names the file and the line (all the input here comes from
YAML files), never another exception, and runs no code that a YAML tag names.

The examples are derandomized (the same in every run) and there is no example database, so
that CI is deterministic; ``-m slow`` runs the same properties on many more examples.
"""

from __future__ import annotations

import pytest
from fuzz_scenarios import PACKAGED, Mutant, ci, data_mutants, mutants, text_mutants, write
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasemon.scenario import ScenarioError, load_scenario

MARKER = "PWNED"
FILE_LEVEL = ("the file is empty",)  # problems about the whole file, which has no line


def check_load(directory, mutant: Mutant) -> None:
    """The property: a Scenario, or a ScenarioError naming file and line for every problem."""
    path = write(directory, mutant)
    try:
        load_scenario(str(path))
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError without problems"
        for p in exc.problems:
            text = str(p)
            assert p.file, f"no file: {text}"
            assert p.file.endswith(".yaml"), text
            if not p.message.startswith(FILE_LEVEL):
                assert p.line is not None and p.line >= 1, f"no line: {text}"
            assert "Traceback" not in text
            assert len(text) < 2_000, f"a problem of {len(text):,} characters"
    assert not (directory / MARKER).exists()
    assert not (directory.parent / MARKER).exists()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-loader")


@ci(1000)
@given(m=data_mutants(("small",)))
def test_data_mutants_of_the_small_scenario(workdir, m):
    check_load(workdir, m)


@ci(400)
@given(m=data_mutants(PACKAGED))
def test_data_mutants_of_the_packaged_scenarios(workdir, m):
    check_load(workdir, m)


@ci(700)
@given(m=text_mutants(("small",)))
def test_text_mutants_of_the_small_scenario(workdir, m):
    check_load(workdir, m)


@ci(150)
@given(m=text_mutants(PACKAGED))
def test_text_mutants_of_the_packaged_scenarios(workdir, m):
    check_load(workdir, m)


@ci(300)
@given(
    m=mutants(("small",)),
    parent=st.sampled_from(["parent.yaml", "./parent.yaml", "sub/../parent.yaml", "baseline"]),
)
def test_mutants_in_an_extends_chain(workdir, m, parent):
    # the mutant is the parent of a valid child: errors point into the parent's file
    (workdir / "sub").mkdir(exist_ok=True)
    write(workdir, m, "parent.yaml")
    check_load(workdir, Mutant("child", f"extends: {parent}\nname: child\nseed: 3\n", []))


@pytest.mark.slow
@settings(max_examples=20_000, deadline=None, database=None)
@given(m=mutants())
def test_many_more_mutants(tmp_path_factory, m):
    check_load(tmp_path_factory.getbasetemp(), m)
