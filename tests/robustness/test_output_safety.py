"""Output safety: no silent overwrite, extends relative to the file, no object-building tags.

* ``run``, ``compare`` and ``sweep`` refuse a non-empty output directory without ``--force``
  (nothing in it is touched) and, with ``--force``, write into it without deleting the
  user's own files; an output path that cannot be a directory is bad input (exit 2).
* ``extends`` paths are resolved relative to the file that names them, whatever the
  working directory, and never against the working directory.
* A YAML tag that would build a Python object is refused wherever YAML is read: a scenario
  file, its parent, a ``--set`` value; nothing runs.
(The static guard against eval/exec/pickle is test_static_guard.py.)
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import ceasemon as cm
import ceasemon.cli.outcome as cli_outcome
from ceasemon.cli import cli

SHORT = ["--set", "duration=2d", "-n", "1", "--backend", "serial", "-q"]
COMMANDS = {
    "run": ["run", *SHORT],
    "compare": ["compare", "baseline", "fixed-aggressor", *SHORT],
    "sweep": ["sweep", "baseline", "--param", "coalition.quorum=0.5,0.6", *SHORT],
}
MARKER = "PWNED"
TAG = '!!python/object/apply:os.system ["touch PWNED"]'


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    monkeypatch.setattr(cli_outcome, "figures", lambda path: None)


def listing(d):
    return sorted((p.relative_to(d).as_posix(), p.stat().st_mtime_ns) for p in d.rglob("*"))


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_non_empty_output_directory_needs_force(tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    before = listing(out)
    r = invoke(*command, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert "not empty" in r.stderr and "--force" in r.stderr
    assert listing(out) == before, "a refused command touched the directory"
    r = invoke(*command, "-o", str(out), "--force")
    assert r.exit_code == 0, r.output
    assert (out / "notes.txt").read_text() == "mine"  # --force writes into, it does not wipe
    assert (out / "manifest.json").exists()


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_an_output_path_that_cannot_be_a_directory(tmp_path, command):
    (tmp_path / "afile").write_text("x")
    for target, fragment in (
        (tmp_path / "afile", "is a file"),  # click's own check of -o
        (tmp_path / "afile" / "sub", "Not a directory"),
        (tmp_path / ("x" * 300), "too long"),
    ):
        r = invoke(*command, "-o", str(target))
        assert r.exit_code == 2, r.output
        assert "rror: " in r.stderr and fragment in r.stderr, r.stderr
        assert "Traceback" not in r.output


@pytest.fixture
def project(tmp_path):
    """lib/base.yaml, sub/study.yaml extending ../lib/base.yaml, and a decoy where we run."""
    (tmp_path / "proj" / "lib").mkdir(parents=True)
    (tmp_path / "proj" / "sub").mkdir()
    (tmp_path / "proj" / "lib" / "base.yaml").write_text(
        "extends: baseline\nname: base\nseed: 111\n"
    )
    (tmp_path / "proj" / "sub" / "study.yaml").write_text(
        "extends: ../lib/base.yaml\nname: study\nreplications: 2\n"
    )
    (tmp_path / "elsewhere" / "lib").mkdir(parents=True)
    (tmp_path / "elsewhere" / "lib" / "base.yaml").write_text(
        "extends: baseline\nname: decoy\nseed: 999\n"
    )
    return tmp_path


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_extends_is_resolved_relative_to_the_file_not_the_working_directory(
    project, monkeypatch, how
):
    monkeypatch.chdir(project / "elsewhere")
    study = project / "proj" / "sub" / "study.yaml"
    ref = "../proj/sub/study.yaml" if how == "relative" else str(study)
    r = invoke("validate", ref)
    assert r.exit_code == 0 and r.stdout.startswith("ok study"), r.output
    r = invoke("run", ref, *SHORT, "-o", "out")
    assert r.exit_code == 0, r.output
    res = cm.load_results(project / "elsewhere" / "out")
    assert res.manifest["scenario"]["seed"] == 111  # lib/base.yaml next to the file, not the decoy
    assert res.manifest["scenario"]["name"] == "study"


def test_a_missing_parent_is_named_at_the_extends_line(project, monkeypatch):
    monkeypatch.chdir(project / "elsewhere")
    (project / "proj" / "lib" / "base.yaml").unlink()
    r = invoke("validate", "../proj/sub/study.yaml")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and "study.yaml, line 1, key extends: " in r.stderr
    assert "cannot extend '../lib/base.yaml': scenario file not found" in r.stderr


@pytest.mark.parametrize("where", ["file", "parent", "--set"])
def test_object_building_tags_are_refused_everywhere(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parent.yaml").write_text("extends: baseline\nname: parent\n")
    child = "extends: parent.yaml\nname: child\n"
    args = ["validate", "child.yaml"]
    if where == "file":
        child += f"description: {TAG}\n"
    elif where == "parent":
        (tmp_path / "parent.yaml").write_text(f"extends: baseline\nname: parent\nseed: {TAG}\n")
    else:
        args += ["--set", f"description={TAG}"]
    (tmp_path / "child.yaml").write_text(child)
    for command in (args, ["run", *args[1:], *SHORT, "-o", "out"]):
        r = invoke(*command)
        assert r.exit_code == 2, r.output
        assert "tags that construct objects are not allowed" in r.stderr
        assert not (tmp_path / MARKER).exists()
        assert not (tmp_path / "out").exists()
    if where == "parent":
        assert r.stderr.startswith("error: parent.yaml, line 3, key seed: ")
