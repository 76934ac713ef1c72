"""Run many replications of a scenario on a serial, process-pool or dask backend.

Replication ``i`` of root seed ``s`` depends on ``(scenario, s, i)`` alone
(``model.streams.replication_seed``), its metrics are computed where it ran
(``worker``), and the tables are put in replication order at the end, so the
replication table is bit-identical whatever the backend, the number of jobs or
the chunking.

Replications go out and come back one at a time (``backends``).  A replication
that raises is recorded with its index, seed and traceback; the others go on.
When every replication failed the API raises ``ReplicationsFailedError``, when
some did it warns (``ReplicationsFailedWarning``), naming the cause and the fix.
Ctrl-C (KeyboardInterrupt, and SIGTERM under the CLI) stops the run at any
moment: work in flight is abandoned, every finished replication is kept and
written, and the result says it was interrupted; a signal while the results
are written is held until they are complete.
"""

from __future__ import annotations

import os
import time
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ReplicationsFailedError, ReplicationsFailedWarning, UserError
from ..scenario import Scenario, load_scenario
from .backends import (
    BACKENDS,
    WORKERS_DID_NOT_START,
    Backend,
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    Sink,
    Work,
    _failed_chunk,
    chunks,
    default_jobs,
    open_backend,
    refuse_in_starting_worker,
    resolve_backend,
)
from .interrupts import held_signals, replay
from .worker import ReplicationOutput, Task, _model_for, run_chunk, run_replication

if TYPE_CHECKING:  # pragma: no cover
    from ..results import RunResult

__all__ = [
    "BACKENDS",
    "Backend",
    "DaskBackend",
    "ProcessBackend",
    "ReplicationOutput",
    "SerialBackend",
    "Sink",
    "Task",
    "Work",
    "_failed_chunk",
    "_model_for",
    "check_failures",
    "chunks",
    "default_jobs",
    "execute",
    "open_backend",
    "resolve_backend",
    "run",
    "run_chunk",
    "run_replication",
]


# --------------------------------------------------------------------------- progress
class Progress:
    """A rich progress bar on stderr when it is a terminal; silent otherwise or when quiet."""

    def __init__(self, total: int, description: str, enabled: bool | None = None):
        from rich.console import Console

        console = Console(stderr=True)
        if enabled is None:
            enabled = console.is_terminal
        self._bar = None
        if enabled and total > 0:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self._task = self._bar.add_task(description, total=total)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, n: int = 1, description: str | None = None) -> None:
        """Count ``n`` more replications done."""
        if self._bar is not None:
            kw = {"description": description} if description else {}
            self._bar.update(self._task, advance=n, **kw)


# --------------------------------------------------------------------------- run
@dataclass
class Collected:
    """Outputs gathered for one scenario during a run."""

    outputs: dict[int, ReplicationOutput] = field(default_factory=dict)

    def add(self, outputs: Sequence[ReplicationOutput]) -> None:
        """Keep outputs by replication index."""
        for o in outputs:
            self.outputs[o.replication] = o


def execute(
    backend: Backend,
    work: Sequence[Work],
    progress: Progress | None = None,
    on_chunk: Sink | None = None,
    collected: dict[Any, Collected] | None = None,
) -> tuple[dict[Any, Collected], bool]:
    """Run work on a backend; return outputs by tag and whether Ctrl-C stopped it.

    Outputs go into ``collected`` (by tag) as each replication finishes, so a
    caller that passes its own dict keeps them whatever happens.
    """
    if collected is None:
        collected = {}
    for tag, _, _ in work:
        collected.setdefault(tag, Collected())

    def sink(tag: Any, outputs: list[ReplicationOutput]) -> None:
        collected[tag].add(outputs)
        if progress is not None:
            progress.advance(len(outputs))
        if on_chunk is not None:
            on_chunk(tag, outputs)

    try:
        backend.execute(work, sink)
    except KeyboardInterrupt:
        with held_signals():  # a second Ctrl-C does not stop the workers being stopped
            backend.close(abort=True)
        return collected, True
    return collected, False


def as_scenario(
    scenario: Scenario | str | os.PathLike[str],
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
) -> Scenario:
    """A Scenario from a Scenario (overrides applied), a file path or a packaged name."""
    if isinstance(scenario, Scenario):
        if overrides:
            from ..scenario import scenario_from_dict

            return scenario_from_dict(
                scenario.model_dump(mode="json", by_alias=True), overrides, source=scenario.name
            )
        return scenario
    return load_scenario(scenario, overrides)


def check_replications(replications: int | None, scenario: Scenario) -> int:
    """The number of replications to run: the given one, else the scenario's."""
    n = scenario.replications if replications is None else replications
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UserError(f"replications must be a whole number >= 1; got {replications!r}")
    return n


def check_seed(seed: int | None, scenario: Scenario) -> int:
    """The root seed: the given one, else the scenario's."""
    s = scenario.seed if seed is None else seed
    if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**63:
        raise UserError(f"the seed must be a whole number in [0, 2**63); got {seed!r}")
    return s


def check_limits(
    scenario: Scenario,
    replications: int,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    *,
    events: bool = False,
    ignore: bool = False,
    label: str | None = None,
):
    """Refuse an absurd run before any work starts, warn about a long one (``ceasemon.limits``).

    Raises:
        LimitError: a ``UserError`` whose message gives the estimate.
    """
    from ..limits import check_limits as check

    name, n_jobs = resolve_backend(backend, jobs, scheduler)
    local = 1 if name == "serial" or (name == "dask" and scheduler) else n_jobs
    return check(scenario, replications, workers=local, events=events, ignore=ignore, label=label)


def build_result(
    scenario: Scenario,
    collected: Collected,
    *,
    root: int,
    replications: int,
    keep_events: bool,
    interrupted: bool,
    meta: Mapping[str, Any],
    layout: bool = True,
) -> RunResult:
    """Assemble a ``RunResult`` from the outputs of one scenario's replications."""
    from ..model.simulation import build_model
    from ..results import (
        RunResult,
        events_frame,
        metric_units,
        replications_frame,
        summary_frame,
        timeseries_frame,
    )

    outs = [collected.outputs[i] for i in sorted(collected.outputs)]
    good = [o for o in outs if o.error is None]
    bad = [o for o in outs if o.error is not None]
    reps = replications_frame(
        [o.replication for o in good], [o.seed for o in good], [o.metrics for o in good]
    )
    units = metric_units(scenario.breach_types)
    if not good:
        from ..measures.metrics import metric_info

        reps = reps.reindex(columns=["replication", "seed", *metric_info(scenario.breach_types)])
        reps = reps.astype({"replication": np.int64, "seed": np.int64})
        reps = reps.astype({c: np.float64 for c in reps.columns[2:]})
    from .tables import frames

    labels = build_model(scenario).labels()
    events = None
    if keep_events:
        events = events_frame([(o.replication, o.events) for o in good], labels)
    tables = frames([(o.replication, o.tables) for o in good], labels)
    manifest = {
        "kind": "run",
        "scenario_name": scenario.name,
        **meta,
        "seed": root,
        "replications": replications,
        "completed": len(good),
        "failed": [
            {
                "replication": o.replication,
                "seed": o.seed,
                "error": o.error,
                "traceback": o.traceback,
            }
            for o in bad
        ],
        "interrupted": interrupted,
        "events": keep_events,
        "scenario": scenario.model_dump(mode="json", by_alias=True),
    }
    return RunResult(
        summary=summary_frame(reps, units, scenario.duration),
        replications=reps,
        timeseries=timeseries_frame([(o.replication, o.daily) for o in good]),
        events=events,
        manifest=manifest,
        **tables,
        layout=_layout(scenario) if layout else None,
    )


def _layout(scenario: Scenario) -> Any:
    """What the figures draw of the model (built here, in the parent: workers need no pandas)."""
    from ..model.build import build_model
    from ..results.layout import layout_frame

    return layout_frame(build_model(scenario))


def check_engine(engine: str) -> None:
    """Refuse an engine that does not exist, naming the ones that do."""
    from ..model.engines import ENGINES

    if engine not in ENGINES:
        raise UserError(f"engine {engine!r} does not exist: use one of {', '.join(ENGINES)}")


def provenance(backend: Backend, started: float, command: str | None) -> dict[str, Any]:
    """The manifest fields that describe how a run was made."""
    from ..results import versions

    return {
        "versions": versions(),
        "backend": backend.name,
        "jobs": backend.workers,
        "scheduler": getattr(backend, "scheduler", None),
        "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "wall_seconds": None,
        "command": command,
    }


def unstarted_backend(backend: str | None, jobs: int | None, scheduler: str | None) -> Backend:
    """A stand-in for the manifest when Ctrl-C came before the backend had started."""
    name, n_jobs = resolve_backend(backend, jobs, scheduler)
    stand_in = Backend()
    stand_in.name, stand_in.workers = name, n_jobs
    stand_in.scheduler = scheduler  # type: ignore[attr-defined]
    return stand_in


#: Seeds named one by one in a failure message; the rest are counted.
_SHOWN_SEEDS = 5


def cause_and_fix(
    failed: Sequence[Mapping[str, Any]],
    where: str = "each failure's seed and traceback is in result.failed (and in manifest.json)",
) -> str:
    """The most common error of failed replications, with what to do about it.

    ``where`` says where each failure's seed and traceback can be read.
    """
    error = Counter(str(f["error"]) for f in failed).most_common(1)[0][0]
    if error.startswith(WORKERS_DID_NOT_START):
        return error  # it names the fix
    if error.startswith("the worker running this replication failed"):
        return (
            f"{error}; a worker process died (killed, or out of memory?): run fewer jobs or a "
            f"smaller scenario; {where}"
        )
    return f"{error}; this is a bug in ceasemon, please report it: {where}"


def _seeds(failed: Sequence[Mapping[str, Any]]) -> str:
    seeds = ", ".join(str(f["seed"]) for f in failed[:_SHOWN_SEEDS])
    more = len(failed) - _SHOWN_SEEDS
    return seeds + (f" and {more} more" if more > 0 else "")


def check_failures(runs: Mapping[str, RunResult], whole: Any) -> None:
    """Raise when every finished replication of a run failed; warn when some did.

    A result of failed replications only would otherwise look like an empty,
    successful run (it once did: an unguarded script gave 0 replications and no
    error).  ``whole`` is what the exception carries as ``result``.

    Raises:
        ReplicationsFailedError: a run has failed replications and no good one.
    """
    for label, res in runs.items():
        if res.failed and len(res.replications) == 0:
            raise ReplicationsFailedError(
                f"all {len(res.failed)} replications of {label} failed: "
                f"{cause_and_fix(res.failed)}",
                whole,
            )
    for label, res in runs.items():
        if res.failed:
            warnings.warn(
                f"{len(res.failed)} of {len(res.failed) + len(res.replications)} finished "
                f"replications of {label} failed (seeds {_seeds(res.failed)}), and the summary "
                f"covers only the other {len(res.replications)}: {cause_and_fix(res.failed)}",
                ReplicationsFailedWarning,
                stacklevel=3,
            )


def run(
    scenario: Scenario | str | os.PathLike[str],
    replications: int | None = None,
    seed: int | None = None,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    events: bool = False,
    quiet: bool = False,
    progress: bool | None = None,
    chunk_size: int | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    command: str | None = None,
    ignore_limits: bool = False,
    engine: str = "fast",
) -> RunResult:
    """Run replications of a scenario and summarise them.

    Args:
        scenario: a Scenario, a YAML path, or a packaged scenario name.
        replications: how many; default the scenario's ``replications``.
        seed: root seed; default the scenario's ``seed``.  Replication ``i``
            always uses the same seed, whatever ``replications`` is.
        overrides: ``{"dotted.key": value}`` applied to the scenario first.
        backend: ``"serial"``, ``"process"`` or ``"dask"``; default: dask with a
            scheduler, else process when ``jobs`` > 1, else serial.
        jobs: worker processes (process pool, dask LocalCluster); default the
            number of CPUs.
        scheduler: address of a running dask.distributed scheduler.
        events: keep the events table (memory grows with the number of breaches).
        quiet: no progress bar.
        progress: force the progress bar on or off (default: on a terminal, unless quiet).
        chunk_size: replications per task (default 1: Ctrl-C then loses at most the
            replication each worker is running; bigger chunks may lose more).
        out_dir: if given, write the results directory there.
        force: allow ``out_dir`` to be a non-empty directory.
        command: the command line to record in the manifest.
        ignore_limits: run even when the estimated size is absurd (see ``ceasemon.limits``).
        engine: ``"fast"`` (default) or ``"simpy"``: the mechanism as simpy processes, with
            identical tables for the same seed, about 100 times slower (for reading the model
            and checking it).

    Returns:
        A ``RunResult``; ``result.interrupted`` is true when Ctrl-C stopped it
        (finished replications are kept, and written to ``out_dir``) and
        ``result.failed`` lists replications that raised; when some did, a
        ``ReplicationsFailedWarning`` names how many, their seeds and the cause.

    Raises:
        ScenarioError: the scenario or an override is invalid.
        UserError: a bad option, a non-empty ``out_dir`` without ``force``, dask
            missing for the dask backend, or an absurd size (``LimitError``).
        ReplicationsFailedError: every replication that finished failed (with the
            cause and the fix; ``exc.result`` is the result, already written to
            ``out_dir``).  With the process backend, a script that runs ceasemon
            outside ``if __name__ == "__main__":`` gets this error.
    """
    refuse_in_starting_worker()
    check_engine(engine)
    sc = as_scenario(scenario, overrides)
    n = check_replications(replications, sc)
    root = check_seed(seed, sc)
    check_limits(sc, n, backend, jobs, scheduler, events=events, ignore=ignore_limits)
    if out_dir is not None:
        from ..results import prepare_output_dir

        prepare_output_dir(out_dir, force)
    started = time.time()
    t0 = time.perf_counter()
    task = Task.make(sc, root, events, engine)
    show = False if quiet else progress
    collected: dict[Any, Collected] = {0: Collected()}
    interrupted = False
    be: Backend | None = None
    with Progress(n, sc.name, show) as bar:
        try:
            with open_backend(backend, jobs, scheduler) as be:
                size = None if be.name != "serial" else n  # serial runs one by one anyway
                work = [(0, task, c) for c in chunks(range(n), be.workers, chunk_size or size)]
                _, interrupted = execute(be, work, bar, collected=collected)
        except KeyboardInterrupt:  # while the workers started or stopped: keep what finished
            interrupted = True
    with held_signals() as held:
        if be is None:
            be = unstarted_backend(backend, jobs, scheduler)
        meta = provenance(be, started, command)
        meta["wall_seconds"] = time.perf_counter() - t0
        meta["engine"] = engine
        result = build_result(
            sc,
            collected[0],
            root=root,
            replications=n,
            keep_events=events,
            interrupted=interrupted,
            meta=meta,
        )
        if out_dir is not None:
            result.save(Path(out_dir), force=True)
    if not interrupted:
        replay(held)  # a signal while the complete results were written: delivered now
    check_failures({sc.name: result}, result)
    return result
