"""Compare scenarios on common random numbers: paired differences with their intervals.

Every scenario runs replication ``i`` from the same seed, and inside a
replication each stage and each named thing (breach type, sensor group) draws
from its own stream (``model/streams.py``).  A change to one sensor group therefore
leaves the breaches of replication ``i`` as they were, and the difference of a
metric between two scenarios is measured replication by replication: the
paired t-interval of the mean difference is much narrower than the unpaired
(Welch) interval of the difference of two means, which is given for reference.

The comparison table is long (tidy): one row per metric and scenario, with
``metric, unit, scenario, n, mean, ci_low, ci_high`` and, against the first
scenario (the reference; NaN on its own rows), ``diff, diff_ci_low,
diff_ci_high, diff_n`` (paired: mean over replications of this minus the
reference, pairs where either value is missing are left out) and
``welch_diff, welch_ci_low, welch_ci_high`` (unpaired, Welch-Satterthwaite
degrees of freedom).

Every interval stays in the range of what it estimates (``intervals.py``): a
scenario's interval is the one its metric declares (Wilson for ``collapsed``,
else a t-interval clipped to the metric's range), a difference of a 0/1 metric
gets Newcombe's score interval (paired, or unpaired in the ``welch_`` columns)
and any other difference a t-interval clipped to the range of a difference.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import UserError
from ..measures import intervals
from ..measures.metrics import WILSON, MetricInfo, info_of, summarize
from ..scenario import Scenario
from .runner import (
    Progress,
    Task,
    as_scenario,
    build_result,
    check_failures,
    check_limits,
    check_replications,
    check_seed,
    chunks,
    execute,
    open_backend,
    provenance,
)

COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric",
    "unit",
    "scenario",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "diff_n",
    "welch_diff",
    "welch_ci_low",
    "welch_ci_high",
)


def paired_difference(
    a: np.ndarray,
    b: np.ndarray,
    level: float = 0.95,
    info: MetricInfo | None = None,
    duration: float | None = None,
) -> dict[str, float]:
    """Mean of ``b - a`` over pairs where both exist, with an interval in the difference's range.

    A 0/1 metric (``info.interval == "wilson"``) gets Newcombe's interval for paired
    proportions; any other the paired t-interval, clipped to the range of a difference of two
    values of the metric (``[-1, 1]`` for a share, nothing cut for a count).

    Returns:
        ``{"diff", "ci_low", "ci_high", "n"}``; the t-interval is NaN with fewer than 2 pairs.
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    both = np.isfinite(a) & np.isfinite(b)
    a, b = a[both], b[both]
    n = len(a)
    if n == 0:
        return {"diff": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0.0}
    scale = intervals.scale_of(a, b)  # 1.0 unless the values are near the largest float
    d = b / scale - a / scale
    if info is not None and info.interval == WILSON:
        low, high = intervals.newcombe_paired(a, b, level)
    else:
        bounds = info.value_range(duration) if info is not None else (-math.inf, math.inf)
        low, high = intervals.t_interval(d, level)
        low, high = intervals.clip(low * scale, high * scale, intervals.difference_bounds(bounds))
    return {"diff": float(d.mean()) * scale, "ci_low": low, "ci_high": high, "n": float(n)}


def welch_difference(
    a: np.ndarray,
    b: np.ndarray,
    level: float = 0.95,
    info: MetricInfo | None = None,
    duration: float | None = None,
) -> dict[str, float]:
    """Difference of means ``mean(b) - mean(a)`` with an unpaired interval.

    The Welch t-interval (clipped like ``paired_difference``), or for a 0/1 metric
    Newcombe's hybrid score interval for independent proportions.

    Returns:
        ``{"diff", "ci_low", "ci_high"}``; NaN where a side is empty, and the Welch interval
        also where a side has fewer than 2 values.
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a = a[np.isfinite(a)]
    b = b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return {"diff": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    scale = intervals.scale_of(a, b)  # 1.0 unless the values are near the largest float
    a, b = a / scale, b / scale
    diff = float(b.mean() - a.mean())
    if info is not None and info.interval == WILSON:
        low, high = intervals.newcombe_unpaired(a, b, level)
        return {"diff": diff, "ci_low": low, "ci_high": high}
    if len(a) < 2 or len(b) < 2:
        return {"diff": diff * scale, "ci_low": math.nan, "ci_high": math.nan}
    va = float(a.var(ddof=1)) / len(a)
    vb = float(b.var(ddof=1)) / len(b)
    if va + vb == 0.0:
        return {"diff": diff * scale, "ci_low": diff * scale, "ci_high": diff * scale}
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * math.sqrt(va + vb)
    bounds = info.value_range(duration) if info is not None else (-math.inf, math.inf)
    low, high = intervals.clip(
        (diff - half) * scale, (diff + half) * scale, intervals.difference_bounds(bounds)
    )
    return {"diff": diff * scale, "ci_low": low, "ci_high": high}


def comparison_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """The long comparison table (module docstring) from ``{name: RunResult}``, reference first."""
    names = list(results)
    ref = results[names[0]]
    metrics: list[str] = []
    units: dict[str, str] = {}
    for res in results.values():
        for row in res.summary.itertuples(index=False):
            if row.metric not in units:
                metrics.append(row.metric)
                units[row.metric] = row.unit
    ref_reps = ref.replications.set_index("replication")
    durations = {name: _duration(res) for name, res in results.items()}
    rows = []
    for metric in metrics:
        info = info_of(metric)
        for name in names:
            res = results[name]
            reps = res.replications.set_index("replication")
            values = reps[metric] if metric in reps else pd.Series(dtype=float)
            s = summarize(values.to_numpy(float), info=info, duration=durations[name])
            # a difference of two collapse days lies within the longer of the two durations
            span = max(durations[name], durations[names[0]])
            row: dict[str, Any] = {
                "metric": metric,
                "unit": units[metric],
                "scenario": name,
                "n": int(s["n"]),
                "mean": s["mean"],
                "ci_low": s["ci_low"],
                "ci_high": s["ci_high"],
            }
            if name == names[0] or metric not in ref_reps:
                row.update(
                    diff=math.nan,
                    diff_ci_low=math.nan,
                    diff_ci_high=math.nan,
                    diff_n=0,
                    welch_diff=math.nan,
                    welch_ci_low=math.nan,
                    welch_ci_high=math.nan,
                )
            else:
                both = ref_reps[[metric]].join(values.rename("other"), how="inner")
                p = paired_difference(
                    both[metric].to_numpy(float),
                    both["other"].to_numpy(float),
                    info=info,
                    duration=span,
                )
                w = welch_difference(
                    ref_reps[metric].to_numpy(float),
                    values.to_numpy(float),
                    info=info,
                    duration=span,
                )
                row.update(
                    diff=p["diff"],
                    diff_ci_low=p["ci_low"],
                    diff_ci_high=p["ci_high"],
                    diff_n=int(p["n"]),
                    welch_diff=w["diff"],
                    welch_ci_low=w["ci_low"],
                    welch_ci_high=w["ci_high"],
                )
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    return frame.astype({"n": np.int64, "diff_n": np.int64})


def _duration(result: Any) -> float:
    """The simulated days of a run's scenario (the upper bound of ``collapse_day``)."""
    return float(result.scenario.duration)


@dataclass(repr=False)
class CompareResult:
    """The outcome of ``ceasemon.compare``.

    Attributes:
        results: scenario label -> its ``RunResult`` (the reference first).
        comparison: the long comparison table (see the module docstring).
        manifest: provenance of the comparison (seed, replications, backend, ...).
    """

    results: dict[str, Any]
    comparison: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def reference(self) -> str:
        """Label of the reference scenario (the first)."""
        return next(iter(self.results))

    @property
    def interrupted(self) -> bool:
        """True when Ctrl-C stopped the comparison early."""
        return bool(self.manifest.get("interrupted", False))

    @property
    def failed(self) -> dict[str, list[dict[str, Any]]]:
        """Failed replications by scenario label (only scenarios with failures)."""
        return {k: r.failed for k, r in self.results.items() if r.failed}

    def save(self, path: str | os.PathLike[str], force: bool = False) -> Path:
        """Write comparison.csv/.parquet, each scenario's results directory and manifest.json.

        Raises:
            UserError: ``path`` is a non-empty directory and ``force`` is false.
        """
        from ..results import prepare_output_dir, write_csv, write_json, write_parquet

        d = prepare_output_dir(path, force)
        for entry in self.manifest["scenarios"]:
            self.results[entry["label"]].save(d / entry["dir"], force=True)
        write_parquet(d / "comparison.parquet", self.comparison)
        write_csv(d / "comparison.csv", self.comparison)
        write_json(d / "manifest.json", self.manifest)
        return d

    def __repr__(self) -> str:
        return (
            f"CompareResult(scenarios={list(self.results)}, "
            f"replications={self.manifest.get('replications')})"
        )

    def _repr_html_(self) -> str:  # pragma: no cover - Jupyter display
        return f"<p>{self!r}</p>" + self.comparison.to_html(index=False)


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names made unique by a ``-2``, ``-3`` suffix on repeats."""
    used: set[str] = set()
    out = []
    for name in names:
        label, k = name, 1
        while label in used:
            k += 1
            label = f"{name}-{k}"
        used.add(label)
        out.append(label)
    return out


def compare(
    scenarios: Sequence[Scenario | str | os.PathLike[str]],
    replications: int | None = None,
    seed: int | None = None,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    progress: bool | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    command: str | None = None,
    ignore_limits: bool = False,
) -> CompareResult:
    """Run scenarios on common random numbers and compare each with the first.

    Args:
        scenarios: two or more Scenarios, YAML paths or packaged names; the first
            is the reference.
        replications: per scenario; default the reference scenario's.
        seed: root seed shared by all; default the reference scenario's.
        overrides: ``{"dotted.key": value}`` applied to every scenario.
        backend: see ``run``.
        jobs: see ``run``.
        scheduler: see ``run``.
        quiet: no progress bar.
        progress: force the progress bar on or off.
        out_dir: if given, write the results directory there.
        force: allow ``out_dir`` to be a non-empty directory.
        command: the command line to record in the manifest.
        ignore_limits: run even when the estimated size is absurd (see ``ceasemon.limits``).

    Returns:
        A ``CompareResult``.

    Raises:
        ScenarioError: a scenario or an override is invalid.
        UserError: fewer than two scenarios, or a bad option.
        ReplicationsFailedError: a scenario has failed replications and no good one
            (``exc.result`` is the comparison); when some failed, a
            ``ReplicationsFailedWarning`` says how many and why.
    """
    if isinstance(scenarios, str | os.PathLike | Scenario) or len(scenarios) < 2:
        raise UserError("compare needs at least two scenarios")
    scs = [as_scenario(s, overrides) for s in scenarios]
    n = check_replications(replications, scs[0])
    root = check_seed(seed, scs[0])
    for sc in scs:
        check_limits(sc, n, backend, jobs, scheduler, ignore=ignore_limits)
    if out_dir is not None:
        from ..results import prepare_output_dir

        prepare_output_dir(out_dir, force)
    labels = unique_labels([s.name for s in scs])
    tasks = [Task.make(s, root) for s in scs]
    started = time.time()
    t0 = time.perf_counter()
    with open_backend(backend, jobs, scheduler) as be:
        # Interleaved, so that an interrupted comparison still has balanced pairs.
        size = 1 if be.name == "serial" else None
        work = [
            (k, task, c)
            for c in chunks(range(n), max(1, be.workers // len(tasks)), size)
            for k, task in enumerate(tasks)
        ]
        show = False if quiet else progress
        with Progress(n * len(tasks), "compare", show) as bar:
            collected, interrupted = execute(be, work, bar)
    meta = provenance(be, started, command)
    meta["wall_seconds"] = time.perf_counter() - t0
    results = {
        label: build_result(
            sc,
            collected[k],
            root=root,
            replications=n,
            keep_events=False,
            interrupted=interrupted,
            meta=meta,
        )
        for k, (label, sc) in enumerate(zip(labels, scs, strict=True))
    }
    from ..results import safe_name

    dirs = unique_labels([safe_name(label) for label in labels])
    manifest = {
        "kind": "compare",
        "scenarios": [
            {"label": label, "name": sc.name, "dir": d}
            for label, sc, d in zip(labels, scs, dirs, strict=True)
        ],
        "reference": labels[0],
        **meta,
        "seed": root,
        "replications": n,
        "interrupted": interrupted,
    }
    result = CompareResult(results=results, comparison=comparison_table(results), manifest=manifest)
    if out_dir is not None:
        result.save(out_dir, force=True)
    check_failures(results, result)  # raises if a scenario has no good replication, else warns
    return result


def load_comparison(path: str | os.PathLike[str]) -> CompareResult:
    """Read a comparison's results directory back."""
    from ..results import load_run, read_manifest, read_table

    d = Path(path)
    manifest = read_manifest(d)  # checks the shape of every scenario entry
    results = {e["label"]: load_run(d / e["dir"]) for e in manifest["scenarios"]}
    comparison = read_table(d / "comparison.parquet", {"metric": "any", "scenario": "any"})
    return CompareResult(results=results, comparison=comparison, manifest=manifest)
