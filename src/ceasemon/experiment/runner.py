"""Run many replications of a scenario on a serial, process-pool or dask backend.

Replication ``i`` of root seed ``s`` depends on ``(scenario, s, i)`` alone
(``seeds.replication_seed``), its metrics are computed where it ran, and the
tables are put in replication order at the end, so the replication table is
bit-identical whatever the backend, the number of jobs or the chunking.

Work is sent in chunks of replications to amortise the cost of a task; a
worker compiles each scenario once and keeps the compiled model in a small
per-process cache.  The process pool uses its own ``forkserver`` context (or
``spawn`` where there is none) and never touches the global start method.

A replication that raises is recorded with its index, seed and traceback and
reported; the others go on.  Ctrl-C (KeyboardInterrupt) stops the run: work in
flight is abandoned, finished replications are kept, and the result says it
was interrupted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import signal
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UserError
from ..model.streams import replication_seed, seed_label
from ..scenario import Scenario, load_scenario

if TYPE_CHECKING:  # pragma: no cover
    from ..results import RunResult

BACKENDS: tuple[str, ...] = ("serial", "process", "dask")

#: Compiled models kept per worker process (a sweep visits many scenarios).
_MODEL_CACHE_SIZE = 8
_MODELS: OrderedDict[str, Any] = OrderedDict()


# --------------------------------------------------------------------------- one replication
@dataclass
class ReplicationOutput:
    """What one replication sends back: its metrics and daily series, or its failure."""

    replication: int
    seed: int
    metrics: dict[str, float] | None = None
    daily: dict[str, np.ndarray] | None = None
    events: dict[str, np.ndarray] | None = None
    tables: dict[str, dict[str, np.ndarray]] | None = None
    error: str | None = None
    traceback: str | None = None


@dataclass(frozen=True)
class Task:
    """A scenario to replicate: shipped to workers, which compile it once (by ``key``)."""

    key: str
    scenario: Scenario
    root: int
    keep_events: bool = False

    @classmethod
    def make(cls, scenario: Scenario, root: int, keep_events: bool = False) -> Task:
        """Build a task whose key is a hash of the resolved scenario."""
        data = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
        return cls(hashlib.sha256(data.encode()).hexdigest(), scenario, int(root), keep_events)


def _model_for(task: Task):
    from ..model.simulation import build_model

    model = _MODELS.get(task.key)
    if model is None:
        model = build_model(task.scenario)
        _MODELS[task.key] = model
        while len(_MODELS) > _MODEL_CACHE_SIZE:
            _MODELS.popitem(last=False)
    else:
        _MODELS.move_to_end(task.key)
    return model


def run_replication(task: Task, index: int) -> ReplicationOutput:
    """Run replication ``index`` of a task; an exception is caught and recorded."""
    from ..model.simulation import simulate
    from .metrics import daily, metrics
    from .tables import replication_tables

    seq = replication_seed(task.root, index)
    out = ReplicationOutput(replication=index, seed=seed_label(seq))
    try:
        model = _model_for(task)
        rec = simulate(model, seq)
        out.metrics = metrics(rec)
        out.daily = daily(rec)
        out.tables = replication_tables(rec, model.line.starts, model.line.ends, seq)
        if task.keep_events:
            out.events = dict(rec.events.columns)
    except Exception as exc:
        out.metrics = out.daily = out.events = out.tables = None
        out.error = f"{type(exc).__name__}: {exc}"
        out.traceback = traceback.format_exc()
    return out


def run_chunk(task: Task, indices: Sequence[int]) -> list[ReplicationOutput]:
    """Run a chunk of replications of one task (the unit of work sent to a worker)."""
    return [run_replication(task, i) for i in indices]


def _failed_chunk(
    task: Task, indices: Sequence[int], exc: BaseException
) -> list[ReplicationOutput]:
    """Outputs for a chunk whose worker died or could not run it."""
    msg = f"{type(exc).__name__}: {exc}"
    tb = "".join(traceback.format_exception(exc))
    return [
        ReplicationOutput(
            replication=i,
            seed=seed_label(replication_seed(task.root, i)),
            error=f"the worker running this replication failed: {msg}",
            traceback=tb,
        )
        for i in indices
    ]


def _ignore_sigint() -> None:
    """Process-pool initializer: only the parent handles Ctrl-C, and stops the workers.

    A warning in a worker is shown as one line too (``errors.warning_line``), not as Python's
    source-line format.
    """
    import warnings

    from ..errors import show_warning_line

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.showwarning = show_warning_line


# --------------------------------------------------------------------------- backends
#: One unit of work: (tag, task, replication indices); the tag says whose outputs they are.
Work = tuple[Any, Task, list[int]]
#: Called after each chunk with (tag, outputs).
Sink = Callable[[Any, list[ReplicationOutput]], None]


class Backend:
    """Runs chunks of replications somewhere and hands back their outputs as they finish."""

    name = "base"
    workers = 1

    def execute(self, work: Sequence[Work], sink: Sink) -> None:
        """Run every chunk, calling ``sink`` as each completes; KeyboardInterrupt propagates."""
        raise NotImplementedError

    def close(self, abort: bool = False) -> None:
        """Release workers; with ``abort`` do not wait for work in flight."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(abort=exc_type is not None)


class SerialBackend(Backend):
    """Everything in this process, one replication after another."""

    name = "serial"

    def execute(self, work: Sequence[Work], sink: Sink) -> None:
        """Run each replication in turn (chunks of one, so Ctrl-C loses none that finished)."""
        for tag, task, indices in work:
            for i in indices:
                sink(tag, [run_replication(task, i)])


class ProcessBackend(Backend):
    """A pool of worker processes with its own forkserver/spawn context."""

    name = "process"

    def __init__(self, jobs: int):
        import multiprocessing as mp

        self.workers = jobs
        methods = mp.get_all_start_methods()
        self._ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is not None and self._broken:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._broken = False
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=self._ctx, initializer=_ignore_sigint
            )
        return self._pool

    def execute(self, work: Sequence[Work], sink: Sink) -> None:
        """Submit every chunk to the pool and collect them as they complete."""
        from concurrent.futures.process import BrokenProcessPool

        pool = self._executor()
        futures: dict[Future, Work] = {
            pool.submit(run_chunk, t, idx): (g, t, idx) for g, t, idx in work
        }
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                tag, task, indices = futures.pop(fut)
                try:
                    outputs = fut.result()
                except BrokenProcessPool as exc:
                    # A worker died (killed, out of memory): the pool is unusable from here.
                    self._broken = True
                    outputs = _failed_chunk(task, indices, exc)
                except Exception as exc:
                    outputs = _failed_chunk(task, indices, exc)
                sink(tag, outputs)

    def close(self, abort: bool = False) -> None:
        """Shut the pool down; on abort cancel queued chunks and stop running workers at once."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not abort:
            pool.shutdown(wait=True)
            return
        terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
        if terminate is not None:
            terminate()
            return
        processes = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            with contextlib.suppress(Exception):
                p.terminate()
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(timeout=5)


class DaskBackend(Backend):
    """A dask.distributed cluster: the one at ``scheduler``, or a LocalCluster."""

    name = "dask"

    def __init__(self, jobs: int, scheduler: str | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError(
                "the dask backend needs dask.distributed, which is not installed; "
                "install it with: pip install 'ceasemon[dask]'"
            ) from None
        self.scheduler = scheduler
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise UserError(
                    f"cannot connect to the dask scheduler {scheduler!r}: {exc}"
                ) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            self._cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,  # failures come back through the futures
            )
            self._client = Client(self._cluster)
            self.workers = jobs

    def execute(self, work: Sequence[Work], sink: Sink) -> None:
        """Submit every chunk as a dask task and collect them as they complete."""
        from dask.distributed import as_completed

        futures = {
            self._client.submit(run_chunk, task, indices, pure=False): (tag, task, indices)
            for tag, task, indices in work
        }
        try:
            for fut in as_completed(list(futures)):
                tag, task, indices = futures.pop(fut)
                try:
                    outputs = fut.result()
                except Exception as exc:
                    outputs = _failed_chunk(task, indices, exc)
                fut.release()  # the outputs live here now, not in the cluster's memory
                sink(tag, outputs)
        except BaseException:
            with contextlib.suppress(Exception):
                self._client.cancel(list(futures))
            raise

    def close(self, abort: bool = False) -> None:
        """Close the client, and the LocalCluster if this backend started one."""
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def default_jobs() -> int:
    """Default number of worker processes: the number of CPUs."""
    return max(1, os.cpu_count() or 1)


def resolve_backend(
    backend: str | None, jobs: int | None, scheduler: str | None = None
) -> tuple[str, int]:
    """Check and default the backend choice: ``(backend, jobs)``.

    Without an explicit backend: dask when a scheduler is given, else a process
    pool when more than one job is allowed, else serial.

    Raises:
        UserError: unknown backend, jobs < 1, or a scheduler with a non-dask backend.
    """
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise UserError(f"jobs must be a whole number >= 1; got {jobs!r}")
    jobs = default_jobs() if jobs is None else jobs
    if backend is None:
        backend = "dask" if scheduler else ("process" if jobs > 1 else "serial")
    if backend not in BACKENDS:
        raise UserError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise UserError(f"a scheduler address needs the dask backend, not {backend!r}")
    return backend, jobs


def open_backend(backend: str | None, jobs: int | None, scheduler: str | None = None) -> Backend:
    """Start a backend (see ``resolve_backend`` for the defaults)."""
    backend, jobs = resolve_backend(backend, jobs, scheduler)
    if backend == "serial":
        return SerialBackend()
    if backend == "process":
        return ProcessBackend(jobs)
    return DaskBackend(jobs, scheduler)


def chunks(indices: Sequence[int], workers: int, size: int | None = None) -> list[list[int]]:
    """Split replication indices into chunks, in order.

    With ``size`` every chunk has that many.  Without it the chunks shrink as
    the work runs out ("guided" scheduling): each takes the remaining
    replications divided by twice the number of workers, between 1 and 16.  Big
    chunks early amortise the cost of a task; small ones at the end keep every
    worker busy until the last replication, where equal chunks of about a
    quarter of a worker's share left one worker idle for up to a whole chunk.
    """
    idx = list(indices)
    if size is not None:
        return [idx[k : k + size] for k in range(0, len(idx), size)]
    out: list[list[int]] = []
    k = 0
    while k < len(idx):
        step = max(1, min(16, math.ceil((len(idx) - k) / (2 * max(1, workers)))))
        out.append(idx[k : k + step])
        k += step
    return out


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
) -> tuple[dict[Any, Collected], bool]:
    """Run work on a backend; return outputs by tag and whether Ctrl-C stopped it."""
    collected: dict[Any, Collected] = {tag: Collected() for tag, _, _ in work}

    def sink(tag: Any, outputs: list[ReplicationOutput]) -> None:
        collected[tag].add(outputs)
        if progress is not None:
            progress.advance(len(outputs))
        if on_chunk is not None:
            on_chunk(tag, outputs)

    try:
        backend.execute(work, sink)
    except KeyboardInterrupt:
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
        from .metrics import metric_info

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
    )


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
        chunk_size: replications per task (default: guided, shrinking from 16 to 1).
        out_dir: if given, write the results directory there.
        force: allow ``out_dir`` to be a non-empty directory.
        command: the command line to record in the manifest.
        ignore_limits: run even when the estimated size is absurd (see ``ceasemon.limits``).

    Returns:
        A ``RunResult``; ``result.interrupted`` is true when Ctrl-C stopped it
        (finished replications are kept) and ``result.failed`` lists replications
        that raised.

    Raises:
        ScenarioError: the scenario or an override is invalid.
        UserError: a bad option, a non-empty ``out_dir`` without ``force``, dask
            missing for the dask backend, or an absurd size (``LimitError``).
    """
    sc = as_scenario(scenario, overrides)
    n = check_replications(replications, sc)
    root = check_seed(seed, sc)
    check_limits(sc, n, backend, jobs, scheduler, events=events, ignore=ignore_limits)
    if out_dir is not None:
        from ..results import prepare_output_dir

        prepare_output_dir(out_dir, force)
    started = time.time()
    t0 = time.perf_counter()
    task = Task.make(sc, root, events)
    show = False if quiet else progress
    with open_backend(backend, jobs, scheduler) as be:
        work = [(0, task, c) for c in chunks(range(n), be.workers, chunk_size)]
        if be.name == "serial":
            work = [(0, task, list(range(n)))]
        with Progress(n, sc.name, show) as bar:
            collected, interrupted = execute(be, work, bar)
    meta = provenance(be, started, command)
    meta["wall_seconds"] = time.perf_counter() - t0
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
    return result
