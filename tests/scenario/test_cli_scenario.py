"""The scenario commands of the CLI: validate, schema, scenarios, --version, and error paths."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from scenario_cases import CASES, MAIN, MARKER, PACKAGED, write_case

import ceasemon
from ceasemon.cli import cli, scenario_commands
from ceasemon.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[2]


def run(*args):
    return CliRunner().invoke(cli, list(args), prog_name="ceasemon", catch_exceptions=False)


def ceasemon_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m ceasemon.cli``."""
    script = Path(sys.executable).parent / "ceasemon"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "ceasemon.cli"]  # pragma: no cover - no console script


def subprocess_run(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run(
        [*ceasemon_command(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


# --- validate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PACKAGED)
def test_validate_each_packaged_scenario_by_name(name):
    result = run("validate", name)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok {name} ({name})\n"
    assert result.stderr == ""


def test_validate_all_files_in_the_repo_scenarios_directory(monkeypatch):
    monkeypatch.chdir(REPO)
    files = sorted(str(p.relative_to(REPO)) for p in (REPO / "scenarios").glob("*.yaml"))
    assert len(files) == len(PACKAGED)
    result = run("validate", *files)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [f"ok {Path(f).stem} ({f})" for f in files]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validate_bad_input_exits_2_with_one_line_per_problem(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_case(case, tmp_path)
    result = run("validate", MAIN)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == len(case.expected)
    for line in lines:
        assert line.startswith("error: ")
    for file, key, lineno, fragment in case.expected:
        want = [file]
        if lineno is not None:
            want.append(f"line {lineno}")
        if key is not None:
            want.append(f"key {key}")
        prefix = "error: " + ", ".join(want) + ": "
        assert any(ln.startswith(prefix) and fragment in ln for ln in lines), (prefix, lines)
    assert not (tmp_path / MARKER).exists()


def test_validate_reports_good_and_bad_files_together(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / MAIN).write_text("extends: baseline\nname: bad\nduration: 365\n")
    result = run("validate", "baseline", MAIN, "fixed-aggressor")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "ok baseline (baseline)",
        "ok fixed-aggressor (fixed-aggressor)",
    ]
    assert result.stderr.splitlines() == [
        f"error: {MAIN}, line 3, key duration: a duration needs a unit; got the bare number 365. "
        "Write it with one of the units s, min, h, d, w (e.g. '30min', '6h', '3d', '1.5d', '2w')"
    ]


def test_validate_with_set():
    ok = run("validate", "baseline", "--set", "coalition.quorum=0.75", "--set", "duration=90d")
    assert ok.exit_code == 0, ok.output
    bad = run("validate", "baseline", "--set", "coalition.quorum=1.5")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --set coalition.quorum, key coalition.quorum: ")
    assert "less than or equal to 1" in bad.stderr


def test_validate_needs_an_argument():
    result = run("validate")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_validate_unknown_name_suggests():
    result = run("validate", "baselin")
    assert result.exit_code == 2
    assert "did you mean 'baseline'?" in result.stderr


# --- schema, scenarios, version, help ---------------------------------------------------------


def test_schema_is_json_with_every_top_level_key():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    top = {f.alias or n for n, f in Scenario.model_fields.items()}
    assert top | {"extends"} <= set(schema["properties"])
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert json.loads(run("schema", "--indent", "0").stdout) == schema


def test_scenarios_lists_every_packaged_scenario():
    result = run("scenarios")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == PACKAGED
    for line, name in zip(lines, PACKAGED, strict=True):
        description = " ".join(load_scenario(name).description.split())
        assert description
        assert line.endswith(description)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"ceasemon, version {ceasemon.__version__}\n"
    assert ceasemon.__version__ != "0.0.0+unknown"


@pytest.mark.parametrize("command", [[], ["validate"], ["schema"], ["scenarios"]])
def test_help(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: ceasemon" in result.stdout


def test_unknown_command_is_bad_input():
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.output


# --- internal errors --------------------------------------------------------------------------


def test_internal_error_exits_1_with_a_short_message_and_a_traceback_file(tmp_path, monkeypatch):
    def boom():
        raise RuntimeError("kaboom")

    monkeypatch.setattr(scenario_commands, "packaged_scenarios", boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run("scenarios")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "internal error: RuntimeError: kaboom"
    assert len(lines) <= 3
    crash = [w.rstrip(";") for w in result.stderr.split() if "ceasemon-crash-" in w]
    assert len(crash) == 1
    path = Path(crash[0])
    assert path.parent == tmp_path
    assert path.exists()
    text = path.read_text()
    assert "Traceback" in text and "RuntimeError: kaboom" in text
    assert f"ceasemon {ceasemon.__version__}" in text


def test_internal_error_in_a_subcommand_import(tmp_path, monkeypatch):
    import ceasemon.scenario.schema as schema_module

    def boom():
        raise KeyError("missing")

    monkeypatch.setattr(schema_module, "scenario_json_schema", boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run("schema")
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error: KeyError: 'missing'")
    assert len(list(tmp_path.glob("ceasemon-crash-*.txt"))) == 1


# --- real processes ---------------------------------------------------------------------------


def test_subprocess_validate_all_packaged_scenarios():
    result = subprocess_run("validate", *PACKAGED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"ok {n} ({n})" for n in PACKAGED]


def test_subprocess_validate_the_repo_glob():
    files = sorted(str(p) for p in (REPO / "scenarios").glob("*.yaml"))
    result = subprocess_run("validate", *files, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert [ln.split()[:2] for ln in result.stdout.splitlines()] == [["ok", n] for n in PACKAGED]


def test_subprocess_bad_input(tmp_path):
    case = next(c for c in CASES if c.id == "python_object_apply")
    write_case(case, tmp_path)
    result = subprocess_run("validate", MAIN, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {MAIN}, line 3, key description: malformed YAML")
    assert not (tmp_path / MARKER).exists()


def test_subprocess_version_and_schema():
    version = subprocess_run("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"ceasemon, version {ceasemon.__version__}"
    schema = subprocess_run("schema")
    assert schema.returncode == 0
    assert "extends" in json.loads(schema.stdout)["properties"]


def test_python_dash_m_works():
    result = subprocess.run(
        [sys.executable, "-m", "ceasemon.cli", "validate", "baseline"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok baseline (baseline)\n"
