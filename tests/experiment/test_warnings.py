"""No Python warning reaches a user of the command line as a raw source line.

Python shows a warning as ``path:line: RuntimeWarning: message`` followed by the source line.
The command line (and each worker process) shows every warning as one ``warning: ...`` line
instead: ceasemon's own with their message, any other with where it came from and a request to
report it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ceasemon.errors import CeasemonWarning, warning_line

SRC = str(Path(__file__).resolve().parents[2] / "src")
#: Python's own format: "<file>:<line>: <Category>Warning: <message>".
RAW = re.compile(r"^\S.*:\d+: \w*Warning: ", re.M)


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    full_env.update(PYTHONPATH=SRC, **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=full_env,
        timeout=120,
    )


def assert_no_raw_warning(stderr: str) -> None:
    assert not RAW.search(stderr), stderr
    assert "Warning: " not in stderr, stderr


def test_warning_line_is_one_line_with_where_it_came_from():
    line = warning_line(
        "invalid value\nencountered in divide",
        RuntimeWarning,
        "/x/site-packages/ceasemon/model/pipeline.py",
        176,
    )
    assert line == (
        "warning: invalid value encountered in divide (RuntimeWarning in model/pipeline.py, "
        "line 176; please report it to the ceasemon developers)"
    )
    assert warning_line("a long run", CeasemonWarning, "x.py", 1) == "warning: a long run"


def test_an_unforeseen_warning_in_a_command_is_one_line(tmp_path):
    """A numpy RuntimeWarning during a command (here injected into loading the scenario).

    Before, the command line passed every warning but its own to Python's display, which
    printed the file, the line, ``RuntimeWarning:`` and the source line.
    """
    proc = run_python(
        """
        import numpy as np
        import ceasemon.cli as cli
        import ceasemon.cli.scenario_commands as commands
        real = commands.load_scenario
        def load(*args, **kwargs):
            np.mean(np.array([]))  # 'Mean of empty slice' and 'invalid value encountered'
            return real(*args, **kwargs)
        commands.load_scenario = load
        cli.cli(["validate", "baseline"], prog_name="ceasemon")
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert_no_raw_warning(proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert lines and all(ln.startswith("warning: ") for ln in lines), proc.stderr
    assert "Mean of empty slice (RuntimeWarning in" in proc.stderr
    assert "np.mean(np.array([]))" not in proc.stderr  # the source line


def test_a_warning_in_a_worker_process_is_one_line(tmp_path):
    """The process pool's initializer installs the same display in each worker."""
    proc = run_python(
        """
        import numpy as np
        from ceasemon.experiment.backends import quiet_worker
        quiet_worker()
        np.float64(1.0) / np.float64(0.0)
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert_no_raw_warning(proc.stderr)
    assert proc.stderr.startswith("warning: divide by zero encountered"), proc.stderr


CLI = (sys.executable, "-m", "ceasemon.cli", "run", "baseline", "--set", "duration=3d")


@pytest.mark.slow
def test_a_one_replication_run_warns_nothing(tmp_path):
    """One replication: no spread, no t-interval, figures from one line of data.

    Any warning (``PYTHONWARNINGS=error``) would fail the command with exit 1.
    """
    proc = subprocess.run(
        [*CLI, "-n", "1", "--backend", "serial", "-o", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC, "PYTHONWARNINGS": "error"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert_no_raw_warning(proc.stderr)
    assert "warning:" not in proc.stderr
    assert (tmp_path / "r" / "deterrence.png").exists()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["serial", "process"])
def test_a_scenario_that_made_numpy_warn_shows_no_raw_warning(tmp_path, backend):
    """``report_interval: 0s`` made the model divide by zero (in the workers, with ``process``).

    Whether it is refused (exit 2) or runs, no raw warning reaches stderr.
    """
    args = ["--set", "reporting.report_interval=0s", "-n", "2", "-j", "2", "--backend", backend]
    proc = subprocess.run(
        [*CLI, *args, "-o", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=300,
    )
    assert proc.returncode in (0, 2), proc.stderr
    assert_no_raw_warning(proc.stderr)
