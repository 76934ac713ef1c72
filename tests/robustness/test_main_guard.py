"""The README's Python example works as a script; an unguarded script is told to add the guard.

With the process backend, workers (forkserver or spawn) import the main script again.  The
README's example had no ``if __name__ == "__main__":``, so saved as a script every worker
stopped at start-up and ``cm.run`` returned 0 replications with exit status 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ceasemon as cm

ROOT = Path(__file__).parents[2]
GUARD = 'if __name__ == "__main__":'


def readme_example() -> str:
    """The README's Python code block, as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    [code] = [b for b in blocks if "cm.run(" in b]
    return code


def run_script(tmp_path: Path, code: str, timeout: float = 300) -> subprocess.CompletedProcess:
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def shortened(code: str) -> str:
    """The example with a short scenario and few replications (the same calls and backends)."""
    for old, new in (('"90d"', '"4d"'), ("replications=20", "replications=3")):
        assert old in code, f"the README example changed: {old} is not in it any more"
        code = code.replace(old, new)
    return code


def check_example_ran(tmp_path: Path, got: subprocess.CompletedProcess, n: int) -> None:
    assert got.returncode == 0, got.stderr
    assert "Traceback" not in got.stderr and "warning" not in got.stderr.lower(), got.stderr
    res = cm.load_results(tmp_path / "results" / "x")
    assert len(res.replications) == n and res.failed == []  # was: 0 replications, exit 0
    assert res.manifest["backend"] == "process"
    assert "detected_share" in got.stdout  # the summary and the comparison were printed


def test_the_readme_python_example_runs_as_a_script(tmp_path):
    code = readme_example()
    assert GUARD in code
    check_example_ran(tmp_path, run_script(tmp_path, shortened(code)), 3)


@pytest.mark.slow
def test_the_readme_python_example_runs_as_a_script_as_written(tmp_path):
    check_example_ran(tmp_path, run_script(tmp_path, readme_example(), timeout=900), 20)


UNGUARDED = """\
import ceasemon as cm

sc = cm.load_scenario("baseline", overrides={"duration": "3d"})
res = cm.run(sc, replications=4, seed=1, backend="process", jobs=2, out_dir="out")
print("returned", len(res.replications))
"""


def test_an_unguarded_script_fails_with_a_message_naming_the_guard(tmp_path):
    got = run_script(tmp_path, UNGUARDED)
    assert got.returncode == 1, got.stdout + got.stderr
    assert "returned" not in got.stdout  # was: "returned 0" and exit status 0
    last = got.stderr.strip().splitlines()[-1]
    assert last.startswith("ceasemon.errors.ReplicationsFailedError: all 4 replications"), last
    assert GUARD in last and str(tmp_path / "example.py") in last
    # the workers stopped before running the script's ceasemon calls, with one line each
    for line in got.stderr.splitlines():
        if line.startswith("ceasemon: a worker process stops"):
            assert GUARD in line
    assert "An attempt has been made to start a new process" not in got.stderr
    # the results directory the parent asked for holds the failures, nothing from the workers
    manifest = cm.load_results(tmp_path / "out").manifest
    assert manifest["completed"] == 0 and len(manifest["failed"]) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example.py", "out"]
