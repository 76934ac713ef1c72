"""Reproduce a run from its manifest: the same resolved scenario, root seed and replications.

A run's ``manifest.json`` holds the scenario as resolved (after ``extends`` and
``--set``), the root seed, the number of replications and whether events were
kept.  That is all a replication table depends on (the backend and the number
of jobs do not change a number), so running them again gives the same tables,
bit for bit, as long as the versions of ceasemon and numpy are the same; a
difference in versions is reported with a warning.

    ceasemon run --manifest results/x/manifest.json -o results/x-again

A missing or unreadable manifest, or one without a usable ``scenario``,
``seed`` or ``replications``, is bad input (``ScenarioError`` naming the file,
the key and, for JSON syntax, the line: exit status 2).
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CeasemonWarning
from .scenario import Problem, Scenario, ScenarioError, scenario_from_dict

if TYPE_CHECKING:  # pragma: no cover
    from .results import RunResult


class ReproductionWarning(CeasemonWarning):
    """The manifest was written by other versions: the numbers may differ."""


@dataclass(frozen=True)
class RunSpec:
    """What a run's manifest says is needed to run it again."""

    scenario: Scenario
    seed: int
    replications: int
    events: bool
    manifest: dict[str, Any]
    path: Path


def _bad(file: str, message: str, key: str | None = None, line: int | None = None) -> ScenarioError:
    return ScenarioError.single(message, file=file, key=key, line=line)


def read_run_manifest(path: str | os.PathLike[str]) -> RunSpec:
    """Read what is needed to reproduce a run from its ``manifest.json`` (or its directory).

    Raises:
        ScenarioError: the manifest is missing, not JSON, not a run's, or lacks a
            usable ``scenario``, ``seed`` or ``replications``; each problem names
            the file and the key (``scenario.coalition.quorum``).
    """
    p = Path(path)
    if p.is_dir():
        p = p / "manifest.json"
    name = str(p)
    data = _parse_manifest(_read_manifest(p, name), name)
    _check_run_manifest(data, name)
    seed, n, events = _run_numbers(data, name)
    scenario = _resolved_scenario(data["scenario"], name)
    _check_versions(name, data.get("versions"))
    return RunSpec(scenario, seed, n, events, data, p)


def _read_manifest(p: Path, name: str) -> str:
    """The manifest's text; a missing, unreadable or non-UTF-8 file is bad input."""
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _bad(
            name, "no such manifest file (give a run's manifest.json or its directory)"
        ) from None
    except OSError as exc:
        raise _bad(name, f"cannot read the manifest: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _bad(name, "the manifest is not UTF-8 text") from None


def _parse_manifest(text: str, name: str) -> dict[str, Any]:
    """The manifest's JSON object; a syntax error is reported with its line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(name, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise _bad(name, "the JSON is nested too deeply to be a manifest") from None
    if not isinstance(data, dict):
        raise _bad(name, "a manifest is a JSON object")
    return data


def _check_run_manifest(data: dict[str, Any], name: str) -> None:
    """A run's manifest (not a compare's or a sweep's) with every key a rerun needs."""
    kind = data.get("kind", "run")
    if kind != "run":
        raise _bad(
            name,
            f"this is the manifest of a {kind}; --manifest reproduces a run (ceasemon run)",
            key="kind",
        )
    for key in ("scenario", "seed", "replications"):
        if key not in data:
            raise _bad(name, f"required key '{key}' is missing", key=key)


def _run_numbers(data: dict[str, Any], name: str) -> tuple[int, int, bool]:
    """The root seed, the number of replications and the events flag, each checked."""
    seed, n, events = data["seed"], data["replications"], data.get("events", False)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise _bad(
            name, f"the root seed must be a whole number in [0, 2**63); got {seed!r}", "seed"
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _bad(name, f"replications must be a whole number >= 1; got {n!r}", "replications")
    if not isinstance(events, bool):
        raise _bad(name, f"events must be true or false; got {events!r}", "events")
    return seed, n, events


def _resolved_scenario(raw: object, name: str) -> Scenario:
    """The recorded scenario, validated again; its problems are keyed under ``scenario.``."""
    if not isinstance(raw, dict):
        raise _bad(name, "the resolved scenario must be a JSON object", "scenario")
    try:
        return scenario_from_dict(raw, source=name)
    except ScenarioError as exc:
        raise ScenarioError(
            Problem(p.message, name, _scenario_key(p.key), p.line) for p in exc.problems
        ) from None


def _scenario_key(key: str | None) -> str:
    """A scenario key as the manifest spells it (``quorum`` -> ``scenario.quorum``)."""
    return "scenario" if not key or key == "<top level>" else f"scenario.{key}"


def _check_versions(name: str, recorded: object) -> None:
    if not isinstance(recorded, dict):
        return
    from .results import versions

    now = versions()
    differ = [
        f"{lib} {recorded[lib]} (now {now[lib]})"
        for lib in ("ceasemon", "numpy")
        if lib in recorded and recorded[lib] != now.get(lib)
    ]
    if differ:
        warnings.warn(
            f"{name} was written with {', '.join(differ)}: the numbers may differ",
            ReproductionWarning,
            stacklevel=3,
        )


def rerun(manifest: str | os.PathLike[str], **options: Any) -> RunResult:
    """Run again what a run's manifest describes: same scenario, seed and replications.

    Args:
        manifest: the run's ``manifest.json`` or its results directory.
        **options: ``ceasemon.run`` options that do not change the numbers
            (``backend``, ``jobs``, ``scheduler``, ``out_dir``, ``force``,
            ``quiet``, ``progress``, ``chunk_size``, ``command``, ``ignore_limits``,
            ``engine``: the engines give identical tables).

    Returns:
        The ``RunResult``; its replication table equals the original's.
    """
    from .experiment.runner import run

    allowed = {
        "backend",
        "jobs",
        "scheduler",
        "out_dir",
        "force",
        "quiet",
        "progress",
        "chunk_size",
        "command",
        "ignore_limits",
        "engine",
    }
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"rerun() does not take {', '.join(unknown)}: it would change the run")
    spec = read_run_manifest(manifest)
    return run(spec.scenario, spec.replications, spec.seed, events=spec.events, **options)
