"""Full-grid parameter sweeps, written point by point so that they can be resumed.

Every grid point is the base scenario with one value per swept dotted key;
every point runs the same replication seeds (common random numbers across the
grid).  Points run one after another; each point's replications are spread
over the backend's workers.

A sweep directory holds:

* ``manifest.json`` – the sweep's definition (base scenario, parameters,
  replications, seed) and provenance; written first (before ``points/`` exists
  and before the backend starts, so that a sweep stopped at any moment can be
  resumed), updated when the backend runs and at the end.
* ``points/point-NNNN.parquet`` – the point's replication table, then
  ``points/point-NNNN.json`` – its parameters, summary and failures.  The JSON
  is written last and atomically: a point is complete when its JSON exists.
* ``sweep.parquet`` and ``sweep.csv`` – the sweep table, rebuilt (atomically)
  after every point from the complete points.

The sweep table is wide and tidy, one row per complete grid point in grid
order: ``point``, one column per swept key (named by the dotted key), then
``replications`` (completed) and ``failed``, then for every metric
``<metric>_mean``, ``<metric>_ci_low`` and ``<metric>_ci_high`` (95%
t-interval).  ``SweepResult.long()`` gives every summary statistic in long
form: the parameter columns, then ``metric, unit, mean, std, ci_low, ci_high,
median, p05, p95, n``.

``resume=True`` checks that the directory holds the same sweep (same base
scenario, parameters, replications and seed), skips the complete points and
runs the rest; a point that was running when the sweep was stopped is run
again from its start, so nothing is lost or counted twice.  Every point record
carries the fingerprint of its sweep's definition (``sweep``), so a point left
by another sweep in the same directory is never taken for one of this sweep.

``force=True`` writes into a non-empty directory: it runs every point again
and overwrites the files ceasemon writes; nothing else (a user's file, even in
``points/``) is removed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReplicationsFailedError, ReplicationsFailedWarning, UserError
from ..scenario import Problem, Scenario, ScenarioError, scenario_from_dict
from .runner import (
    Progress,
    Task,
    as_scenario,
    build_result,
    cause_and_fix,
    check_limits,
    check_replications,
    check_seed,
    chunks,
    execute,
    open_backend,
    provenance,
)

POINTS_DIR = "points"
_POINT_FILE = re.compile(r"point-\d{4,}\.(json|parquet)")
_STATS = ("mean", "ci_low", "ci_high")


def parse_param(text: str) -> tuple[str, list[Any]]:
    """Parse a CLI ``--param key=v1,v2,...``; values are YAML scalars or flow collections.

    ``coalition.quorum=0.5,0.7`` gives ``("coalition.quorum", [0.5, 0.7])``;
    ``reporting.report_interval=6h,1d`` gives strings; a value may be a flow
    collection (``sensors.acoustic.sectors=[kharkiv],[luhansk]``).

    Raises:
        ScenarioError: malformed text or values.
    """
    from ..scenario.yamlio import parse_yaml

    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError.single(
            f"a parameter must look like dotted.key=value1,value2,...; got {text!r}",
            file="--param",
        )
    try:
        parsed = parse_yaml(f"[{values}]", "--param").data
    except ScenarioError as exc:
        why = "; ".join(pr.message for pr in exc.problems)
        raise ScenarioError.single(
            f"cannot read the values {values!r}: {why}", file="--param", key=key
        ) from None
    if not isinstance(parsed, list) or not parsed:
        raise ScenarioError.single(
            f"give one or more comma-separated values, e.g. {key}=0.5,0.7; got {values!r}",
            file="--param",
            key=key,
        )
    return key, parsed


def parse_params(texts: Sequence[str]) -> dict[str, list[Any]]:
    """Parse several ``--param`` options into ``{key: values}`` (a key may appear once)."""
    out: dict[str, list[Any]] = {}
    for text in texts:
        key, values = parse_param(text)
        if key in out:
            raise ScenarioError.single(f"the parameter {key} is given twice", file="--param")
        out[key] = values
    return out


def grid(params: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The full grid: every combination, the last key varying fastest.

    Raises:
        UserError: no parameters, a key without values, or a value repeated.
    """
    if not params:
        raise UserError("a sweep needs at least one parameter with values")
    for key, values in params.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise UserError(f"the parameter {key} needs a non-empty list of values")
        canon = [_canon(v) for v in values]
        if len(set(canon)) != len(canon):
            raise UserError(f"the parameter {key} repeats a value: {list(values)!r}")
    keys = list(params)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*params.values())]


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def point_scenarios(base: Scenario, points: Sequence[Mapping[str, Any]]) -> list[Scenario]:
    """The scenario of every grid point, validated up front (all problems reported at once)."""
    data = base.model_dump(mode="json", by_alias=True)
    out: list[Scenario] = []
    problems: list[Problem] = []
    for k, point in enumerate(points):
        try:
            out.append(scenario_from_dict(data, dict(point), source=f"sweep point {k}"))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return out


def _param_column(values: Sequence[Any]) -> list[Any]:
    """Values of one swept key as a column of one type (numbers, else text)."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return list(values)
    if all(isinstance(v, bool) for v in values):
        return list(values)
    return [v if isinstance(v, str) else _canon(v) for v in values]


def sweep_table(points: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> pd.DataFrame:
    """The wide sweep table (module docstring) from complete point records."""
    points = sorted(points, key=lambda p: p["point"])
    data: dict[str, Any] = {"point": np.array([p["point"] for p in points], dtype=np.int64)}
    for key in keys:
        data[key] = _param_column([p["params"][key] for p in points])
    data["replications"] = np.array([p["completed"] for p in points], dtype=np.int64)
    data["failed"] = np.array([len(p["failed"]) for p in points], dtype=np.int64)
    metrics: list[str] = []
    for p in points:
        metrics += [m for m in p["summary"]["metrics"] if m not in metrics]
    for m in metrics:
        for stat in _STATS:
            data[f"{m}_{stat}"] = np.array(
                [_num(p["summary"]["metrics"].get(m, {}).get(stat)) for p in points],
                dtype=np.float64,
            )
    return pd.DataFrame(data)


def _num(v: Any) -> float:
    return math.nan if v is None else float(v)


def long_table(
    points: Sequence[Mapping[str, Any]], keys: Sequence[str], units: Mapping[str, str]
) -> pd.DataFrame:
    """Every summary statistic, one row per point and metric."""
    from ..results import SUMMARY_COLUMNS

    rows = []
    for p in sorted(points, key=lambda p: p["point"]):
        for m, entry in p["summary"]["metrics"].items():
            row = {"point": p["point"], **{k: p["params"][k] for k in keys}}
            row.update(metric=m, unit=units.get(m, ""))
            row.update({s: _num(entry.get(s)) for s in SUMMARY_COLUMNS})
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["point", *keys, "metric", "unit", *SUMMARY_COLUMNS])
    for k in keys:
        frame[k] = _param_column(list(frame[k]))
    return frame.astype({"point": np.int64, "n": np.int64})


@dataclass(repr=False)
class SweepResult:
    """The outcome of ``ceasemon.sweep``.

    Attributes:
        table: the wide sweep table, one row per complete grid point.
        points: per complete point: ``point``, ``params``, ``completed``,
            ``failed`` and ``summary`` (the content of a summary.json).
        replications: every point's replication table, with ``point`` and the
            parameter columns in front.
        manifest: the sweep's definition and provenance.
    """

    table: pd.DataFrame
    points: list[dict[str, Any]]
    replications: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def params(self) -> dict[str, list[Any]]:
        """The swept keys and their values."""
        return dict(self.manifest["params"])

    @property
    def complete(self) -> bool:
        """True when every grid point is complete."""
        return len(self.points) == int(self.manifest["points"])

    @property
    def interrupted(self) -> bool:
        """True when the sweep was stopped before all points were complete."""
        return not self.complete

    def long(self) -> pd.DataFrame:
        """Every summary statistic in long form (see the module docstring)."""
        from ..results import metric_units

        units = metric_units(self.manifest["scenario"]["breach_types"])
        return long_table(self.points, list(self.manifest["params"]), units)

    def save(self, path: str | os.PathLike[str], force: bool = False) -> Path:
        """Write the sweep directory (manifest, points and sweep table) to ``path``."""
        from ..results import prepare_output_dir, write_json

        d = prepare_output_dir(path, force)
        pdir = d / POINTS_DIR
        pdir.mkdir(exist_ok=True)
        keys = list(self.manifest["params"])
        for p in self.points:
            reps = self.replications[self.replications["point"] == p["point"]]
            reps = reps.drop(columns=["point", *keys]).reset_index(drop=True)
            _write_point(pdir, p, reps)
        _write_table(d, self.points, keys)
        write_json(d / "manifest.json", self.manifest)
        return d

    def __repr__(self) -> str:
        return (
            f"SweepResult(params={list(self.manifest['params'])}, "
            f"points={len(self.points)}/{self.manifest['points']})"
        )

    def _repr_html_(self) -> str:  # pragma: no cover - Jupyter display
        return f"<p>{self!r}</p>" + self.table.to_html(index=False)


def _point_stem(k: int) -> str:
    return f"point-{k:04d}"


def _write_point(pdir: Path, record: Mapping[str, Any], reps: pd.DataFrame) -> None:
    from ..results import write_json, write_parquet

    stem = _point_stem(int(record["point"]))
    write_parquet(pdir / f"{stem}.parquet", reps)
    write_json(pdir / f"{stem}.json", record)  # last: marks the point complete


def _write_table(d: Path, points: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> None:
    from ..results import write_csv, write_parquet

    table = sweep_table(points, keys)
    write_parquet(d / "sweep.parquet", table)
    write_csv(d / "sweep.csv", table)


def _definition(base: Scenario, params: Mapping[str, Sequence[Any]], n: int, root: int) -> dict:
    return {
        "scenario": base.model_dump(mode="json", by_alias=True),
        "params": {k: list(v) for k, v in params.items()},
        "replications": n,
        "seed": root,
    }


def _same(a: Any, b: Any) -> bool:
    return _canon(a) == _canon(b)


def fingerprint(definition: Mapping[str, Any]) -> str:
    """A short hash of a sweep's definition, recorded in every point record."""
    return hashlib.sha256(_canon(definition).encode()).hexdigest()[:16]


def _read_points(
    d: Path,
    points: Sequence[Mapping[str, Any]],
    n: int,
    root: int,
    sweep_id: str | None = None,
    strict: bool = False,
) -> dict:
    """Complete point records found in ``d/points`` that match this sweep's grid.

    A record with another sweep's fingerprint is not this sweep's (records of
    older versions carry none and are matched by grid, replications and seed).
    A damaged point (its JSON unreadable, or its table unreadable) cannot come
    from ceasemon's atomic writes: with ``strict`` (loading) it is a
    ``ResultsError`` naming the file; without (resuming) the point runs again.
    """
    from ..errors import ResultsError
    from ..results import read_json_file

    pdir = d / POINTS_DIR
    found: dict[int, dict[str, Any]] = {}
    for k, params in enumerate(points):
        path = pdir / f"{_point_stem(k)}.json"
        if not path.exists() and not path.is_symlink():
            continue
        try:
            rec = read_json_file(path)
            _check_record(path, rec)
        except ResultsError:
            if strict:
                raise
            continue
        ok = (
            rec.get("sweep", sweep_id) == sweep_id
            and rec.get("point") == k
            and _same(rec.get("params"), params)
            and rec.get("replications") == n
            and rec.get("seed") == root
        )
        if ok:
            found[k] = rec
    return found


def _check_record(path: Path, rec: Any) -> None:
    """A point record has the shape ``_run_point`` gives it, else ``ResultsError``."""
    from ..errors import ResultsError

    shape = {"point": int, "params": dict, "completed": int, "failed": list, "summary": dict}
    if not isinstance(rec, dict):
        raise ResultsError(f"{str(path)!r} is not a sweep point record (a JSON object)", path)
    for key, typ in shape.items():
        if not isinstance(rec.get(key), typ) or isinstance(rec.get(key), bool):
            raise ResultsError(f"{str(path)!r} key {key}: missing or not a {typ.__name__}", path)
    metrics = rec["summary"].get("metrics")
    if not isinstance(metrics, dict) or not all(isinstance(e, dict) for e in metrics.values()):
        raise ResultsError(f"{str(path)!r} key summary.metrics: missing or not an object", path)


def _read_point_tables(d: Path, done: dict[int, dict[str, Any]], strict: bool) -> dict:
    """The replication table of every done point; a damaged one is dropped (or raises)."""
    from ..errors import ResultsError
    from ..results import TABLE_COLUMNS, read_table

    reps: dict[int, pd.DataFrame] = {}
    for k in sorted(done):
        path = d / POINTS_DIR / f"{_point_stem(k)}.parquet"
        try:
            reps[k] = read_table(path, TABLE_COLUMNS["replications"], numeric_rest=True)
            if len(reps[k]) != done[k]["completed"]:
                raise ResultsError(
                    f"{str(path)!r} has {len(reps[k])} replications, its record "
                    f"says {done[k]['completed']}",
                    path,
                )
        except ResultsError:
            if strict:
                raise
            reps.pop(k, None)
            del done[k]  # run it again
    return reps


def _only_sweep_leftovers(d: Path) -> bool:
    """True when ``d`` holds nothing but a ``points/`` folder of ceasemon's point files.

    That is what a sweep stopped during start-up by an older version left
    (``points/`` before ``manifest.json``): resume can start from it.
    """
    from ..results import foreign_entries

    if foreign_entries(d) != [POINTS_DIR] or not (d / POINTS_DIR).is_dir():
        return False
    return all(_POINT_FILE.fullmatch(name) for name in foreign_entries(d / POINTS_DIR))


def _check_resumable(d: Path, definition: Mapping[str, Any]) -> bool:
    """True when ``d`` holds this sweep (or its start); False when it is empty or absent."""
    from ..results import foreign_entries, read_manifest, remove_stale_temps

    try:
        if not d.exists() or (d.is_dir() and not foreign_entries(d)):
            return False
    except OSError:  # a name too long, no permission: prepare_output_dir says so (exit 2)
        return False
    if not (d / "manifest.json").exists() and d.is_dir() and _only_sweep_leftovers(d):
        remove_stale_temps(d)
        remove_stale_temps(d / POINTS_DIR)
        return True
    manifest = read_manifest(d)  # UserError when not a results directory
    if manifest.get("kind") != "sweep":
        raise UserError(f"{str(d)!r} holds {manifest.get('kind', 'run')} results, not a sweep")
    for field in ("params", "replications", "seed", "scenario"):
        if not _same(manifest.get(field), definition[field]):
            raise UserError(
                f"cannot resume: {str(d)!r} holds a different sweep (its {field} differ); "
                "use the same scenario, --set, --param, -n and --seed, or another directory"
            )
    remove_stale_temps(d)
    remove_stale_temps(d / POINTS_DIR)
    return True


def sweep(
    scenario: Scenario | str | os.PathLike[str],
    params: Mapping[str, Sequence[Any]],
    replications: int | None = None,
    seed: int | None = None,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    resume: bool = False,
    force: bool = False,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    progress: bool | None = None,
    command: str | None = None,
    ignore_limits: bool = False,
) -> SweepResult:
    """Run the full grid of ``params`` over a base scenario, one summary row per point.

    Args:
        scenario: the base: a Scenario, a YAML path or a packaged name.
        params: ``{"dotted.key": [value, ...]}``; the grid is every combination.
        replications: per point; default the base scenario's.
        seed: root seed shared by all points; default the base scenario's.
        out_dir: directory to write point by point (needed for ``resume``).
        resume: skip the points already complete in ``out_dir``.
        force: write into a non-empty ``out_dir``: every point runs again and its
            files are overwritten; nothing else there is removed.
        overrides: ``{"dotted.key": value}`` applied to the base scenario first.
        backend: see ``run``.
        jobs: see ``run``.
        scheduler: see ``run``.
        quiet: no progress bar.
        progress: force the progress bar on or off.
        command: the command line to record in the manifest.
        ignore_limits: run even when the estimated size is absurd (see ``ceasemon.limits``).

    Returns:
        A ``SweepResult``; ``interrupted`` is true when Ctrl-C stopped it (the
        complete points are kept and written).

    Raises:
        ScenarioError: the base scenario or a grid point is invalid.
        UserError: bad parameters or options, or ``out_dir`` holds something
            else (without ``force``) or a different sweep (with ``resume``).
    """
    base = as_scenario(scenario, overrides)
    n = check_replications(replications, base)
    root = check_seed(seed, base)
    points, scenarios = _checked_points(base, params, n, backend, jobs, scheduler, ignore_limits)
    definition = _definition(base, params, n, root)
    if resume and out_dir is None:
        raise UserError("resume needs an output directory (out_dir)")
    plan = _Plan(
        points=points,
        scenarios=scenarios,
        keys=list(params),
        n=n,
        root=root,
        sweep_id=fingerprint(definition),
        out=Path(out_dir) if out_dir is not None else None,
    )
    manifest: dict[str, Any] = {"kind": "sweep", **definition, "points": len(points)}
    done = _start_output(plan, definition, manifest, resume, force)
    reps = _read_point_tables(plan.out, done, strict=False) if plan.out is not None else {}
    started = time.time()
    t0 = time.perf_counter()
    todo = [k for k in range(len(points)) if k not in done]
    with open_backend(backend, jobs, scheduler) as be:
        manifest.update(provenance(be, started, command), status="running")
        plan.write(manifest, done)
        with Progress(n * len(todo), "sweep", False if quiet else progress) as bar:
            interrupted = _run_points(be, bar, plan, todo, done, reps)
    manifest["wall_seconds"] = time.perf_counter() - t0
    manifest["status"] = "complete" if len(done) == len(points) else "interrupted"
    manifest["complete_points"] = len(done)
    if interrupted:
        plan.write(None, done)
    plan.write(manifest, None)
    records = [done[k] for k in sorted(done)]
    result = SweepResult(
        table=sweep_table(records, plan.keys),
        points=records,
        replications=_combined_replications(records, reps, plan.keys),
        manifest=manifest,
    )
    check_point_failures(records, result)
    return result


def check_point_failures(records: Sequence[Mapping[str, Any]], whole: Any) -> None:
    """Raise when no replication of any point succeeded; warn for the points where some failed.

    As for ``run``: a sweep of failed replications only would otherwise look like a
    complete sweep of missing numbers.

    Raises:
        ReplicationsFailedError: replications failed and none succeeded, at any point.
    """
    failed = [r for r in records if r.get("failed")]
    if not failed:
        return
    lost = [f for r in failed for f in r["failed"]]
    cause = cause_and_fix(
        lost, "each failure's seed and traceback is in the point records (result.points, points/)"
    )
    if all(int(r.get("completed", 0)) == 0 for r in records):
        raise ReplicationsFailedError(f"every replication of the sweep failed: {cause}", whole)
    warnings.warn(
        f"{len(lost)} replications failed at {len(failed)} of {len(records)} grid points "
        f"(points {', '.join(str(r['point']) for r in failed[:5])}"
        f"{' ...' if len(failed) > 5 else ''}): their rows summarise only the others; {cause}",
        ReplicationsFailedWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class _Plan:
    """A checked sweep: what running and writing its points needs, named once."""

    points: list[dict[str, Any]]
    scenarios: list[Scenario]
    keys: list[str]
    n: int
    root: int
    sweep_id: str
    out: Path | None  #: the sweep directory; None when nothing is written

    def write(
        self, manifest: Mapping[str, Any] | None, done: Mapping[int, Mapping[str, Any]] | None
    ) -> None:
        """Write the manifest, then the sweep table of the ``done`` points (each if given).

        Nothing is written for a sweep without a directory, so the callers
        need not ask each time.
        """
        from ..results import write_json

        if self.out is None:
            return
        if manifest is not None:
            write_json(self.out / "manifest.json", manifest)
        if done is not None:
            _write_table(self.out, list(done.values()), self.keys)


def _checked_points(
    base: Scenario,
    params: Mapping[str, Sequence[Any]],
    n: int,
    backend: str | None,
    jobs: int | None,
    scheduler: str | None,
    ignore_limits: bool,
) -> tuple[list[dict[str, Any]], list[Scenario]]:
    """The grid's points and their validated scenarios, each within the size limits.

    Everything is checked before anything is written or run, so a bad point
    late in the grid is not found hours into the sweep.
    """
    from ..limits import check_grid

    check_grid(params, ignore=ignore_limits)
    points = grid(params)
    scenarios = point_scenarios(base, points)
    for k, sc in enumerate(scenarios):
        check_limits(sc, n, backend, jobs, scheduler, ignore=ignore_limits, label=f"point {k}")
    return points, scenarios


def _start_output(
    plan: _Plan,
    definition: Mapping[str, Any],
    manifest: Mapping[str, Any],
    resume: bool,
    force: bool,
) -> dict[int, dict[str, Any]]:
    """Prepare the sweep directory; the point records already complete there (when resuming).

    The manifest (marked ``starting``) is written first and atomically, before
    ``points/`` exists: a sweep stopped from then on can be resumed.
    """
    from ..results import prepare_output_dir, remove_stale_temps, write_json

    d = plan.out
    if d is None:
        return {}
    done: dict[int, dict[str, Any]] = {}
    if resume and _check_resumable(d, definition):
        done = _read_points(d, plan.points, plan.n, plan.root, plan.sweep_id)
    else:
        _refuse_a_sweep_without_resume(d, force)
        prepare_output_dir(d, force)
    write_json(d / "manifest.json", {**manifest, "status": "starting"})
    (d / POINTS_DIR).mkdir(exist_ok=True)
    remove_stale_temps(d / POINTS_DIR)
    return done


def _run_points(
    be: Any,
    bar: Progress,
    plan: _Plan,
    todo: Sequence[int],
    done: dict[int, dict[str, Any]],
    reps: dict[int, pd.DataFrame],
) -> bool:
    """Run the ``todo`` points in order, recording each as it completes; True if interrupted.

    Each point is written (its table, then its record) and the sweep table
    rebuilt before the next one starts, so a stop loses at most the running
    point.
    """
    try:
        for k in todo:
            got = _run_point(
                be, bar, k, plan.points[k], plan.scenarios[k], plan.n, plan.root, plan.sweep_id
            )
            if got is None:
                return True
            record, table = got
            if plan.out is not None:
                _write_point(plan.out / POINTS_DIR, record, table)
            done[k], reps[k] = record, table
            plan.write(None, done)
    except KeyboardInterrupt:  # while writing: the point's JSON is not there yet
        return True
    return False


def _refuse_a_sweep_without_resume(d: Path, force: bool) -> None:
    """A plain rerun into a sweep's directory: say that --resume continues it."""
    from ..results import foreign_entries

    try:
        if force or not d.is_dir() or not foreign_entries(d):
            return
        kind = json.loads((d / "manifest.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError, RecursionError):
        return  # prepare_output_dir says what is wrong with the path
    if kind == "sweep":
        raise UserError(
            f"the output directory {str(d)!r} is not empty: it holds a sweep; pass --resume "
            "(resume=True) to "
            "continue it, --force (force=True) to run every point again there, or choose "
            "another directory"
        )


def _run_point(be, bar, k, params, scenario, n, root, sweep_id) -> tuple[dict, pd.DataFrame] | None:
    """Run one grid point; its record and replication table, or None when interrupted."""
    task = Task.make(scenario, root)
    size = 1 if be.name == "serial" else None
    work = [(k, task, c) for c in chunks(range(n), be.workers, size)]
    p0 = time.perf_counter()
    collected, interrupted = execute(be, work, bar)
    if interrupted:
        return None
    res = build_result(
        scenario,
        collected[k],
        root=root,
        replications=n,
        keep_events=False,
        interrupted=False,
        meta={},
        layout=False,  # a point's figures are the sweep's: no sensor layout table
    )
    record = {
        "sweep": sweep_id,
        "point": k,
        "params": params,
        "scenario": scenario.name,
        "replications": n,
        "seed": root,
        "completed": len(res.replications),
        "failed": res.failed,
        "wall_seconds": time.perf_counter() - p0,
        "summary": res.summary_json(),
    }
    # as it will be read back from JSON, so that a resumed sweep is identical
    record = json.loads(json.dumps(_json_ready(record), allow_nan=False))
    return record, res.replications


def _json_ready(obj: Any) -> Any:
    from ..results import json_safe

    return json_safe(obj)


def _combined_replications(
    records: Sequence[Mapping[str, Any]], reps: Mapping[int, pd.DataFrame], keys: Sequence[str]
) -> pd.DataFrame:
    frames = []
    for rec in records:
        frame = reps[rec["point"]].copy()
        front = {"point": np.full(len(frame), rec["point"], np.int64)}
        for key in keys:
            front[key] = [rec["params"][key]] * len(frame)
        frames.append(pd.concat([pd.DataFrame(front), frame.reset_index(drop=True)], axis=1))
    if not frames:
        return pd.DataFrame(columns=["point", *keys, "replication", "seed"])
    out = pd.concat(frames, ignore_index=True)
    for key in keys:
        out[key] = _param_column(list(out[key]))
    return out


def load_sweep(path: str | os.PathLike[str]) -> SweepResult:
    """Read a sweep directory back (complete points only).

    Raises:
        ResultsError: the manifest or a point's file is damaged (named).
    """
    from ..errors import ResultsError
    from ..results import read_manifest

    d = Path(path)
    manifest = read_manifest(d)
    try:
        points = grid(manifest["params"])
    except UserError as exc:
        raise ResultsError(f"{str(d / 'manifest.json')!r} key params: {exc}", d) from None
    if len(points) != manifest["points"]:
        raise ResultsError(f"{str(d / 'manifest.json')!r} key points: not the grid's size", d)
    definition = {f: manifest.get(f) for f in ("scenario", "params", "replications", "seed")}
    sweep_id = fingerprint(definition)
    done = _read_points(d, points, manifest["replications"], manifest["seed"], sweep_id, True)
    records = [done[k] for k in sorted(done)]
    reps = _read_point_tables(d, done, strict=True)
    keys = list(manifest["params"])
    return SweepResult(
        table=sweep_table(records, keys),
        points=records,
        replications=_combined_replications(records, reps, keys),
        manifest=manifest,
    )
