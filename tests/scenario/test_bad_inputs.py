"""Every bad input gives problems that name the file, the dotted key and the exact line."""

import pytest
from scenario_cases import CASES, MAIN, MARKER, write_case

from ceasemon.scenario import ScenarioError, load_scenario


def problems_of(case, directory):
    write_case(case, directory)
    with pytest.raises(ScenarioError) as info:
        load_scenario(MAIN)
    return info.value.problems


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problems = problems_of(case, tmp_path)
    pool = list(problems)
    for file, key, line, fragment in case.expected:
        match = next(
            (
                p
                for p in pool
                if (p.file, p.key, p.line) == (file, key, line) and fragment in p.message
            ),
            None,
        )
        assert match is not None, (
            f"no problem ({file}, {key}, line {line}, ...{fragment}...) among:\n"
            + "\n".join(f"  ({p.file}, {p.key}, line {p.line}) {p.message}" for p in problems)
        )
        pool.remove(match)
    assert not pool, "unexpected extra problems:\n" + "\n".join(map(str, pool))
    assert not (tmp_path / MARKER).exists()


def test_the_table_is_wide():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_problem_text_is_one_paragraph_with_file_key_and_line(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for p in problems_of(case, tmp_path):
        text = str(p)
        assert "\n" not in text
        assert text.startswith(p.file + (f", line {p.line}" if p.line else ""))
        if p.key:
            assert f"key {p.key}: " in text
        assert text.endswith(p.message)
        assert "Traceback" not in text and "pydantic" not in text


def test_python_tags_run_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []
    import os
    import subprocess

    monkeypatch.setattr(os, "system", lambda *a, **k: calls.append(a) or 0)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
    for case in CASES:
        if case.id.startswith("python_"):
            problems_of(case, tmp_path)
    assert calls == []
    assert not (tmp_path / MARKER).exists()


def test_a_file_that_is_too_big(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / MAIN).write_text("name: big\n" + "# padding\n" * 600_000)
    with pytest.raises(ScenarioError) as info:
        load_scenario(MAIN)
    (p,) = info.value.problems
    assert p.file == MAIN and "at most" in p.message


def test_a_directory_is_not_a_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ScenarioError) as info:
        load_scenario("dir.yaml")
    (p,) = info.value.problems
    assert p.file == "dir.yaml"
    assert "not found" in p.message


def test_an_unknown_name_lists_the_packaged_scenarios(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario("baselne")
    (p,) = info.value.problems
    assert "did you mean 'baseline'?" in p.message
    assert "slow-politics" in p.message
