"""Where replications run: in this process, in a process pool, or on a dask cluster.

Work goes out one replication at a time by default (``chunks``), and each
backend keeps only a few tasks in flight (``window``): results come back, and
the progress bar moves, replication by replication, so Ctrl-C loses at most
the replication each worker is running.  The process pool gets each scenario
pickled once (``worker.PackedTask``), so a task costs well under 1 ms.  Measured
on two workers against the old chunks of up to 16, on a loaded machine: the
365-day baseline within noise (worker CPU 4.8-4.9 s against 5.3-5.5 s for 8
replications), 10-day replications (about 25 ms each) about 5% more CPU.

The process pool uses its own ``forkserver`` context (or ``spawn`` where there
is none) and never touches the global start method.  Such workers import the
user's main script again; a script that runs ceasemon at import (no
``if __name__ == "__main__":``) makes every worker stop at start-up, and the
backend says so instead of reporting anonymous broken workers.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from ..errors import UserError
from ..model.streams import replication_seed, seed_label
from .interrupts import held_signals, replay
from .worker import PackedTask, ReplicationOutput, Task, run_chunk, run_packed, run_replication

BACKENDS: tuple[str, ...] = ("serial", "process", "dask")

#: One unit of work: (tag, task, replication indices); the tag says whose outputs they are.
Work = tuple[Any, Task, list[int]]
#: Called after each chunk with (tag, outputs).
Sink = Callable[[Any, list[ReplicationOutput]], None]

#: The start of the message for replications lost because no worker process could start.
WORKERS_DID_NOT_START = "the worker processes stopped while starting"

MAIN_GUARD_FIX = (
    'put the code that runs ceasemon under `if __name__ == "__main__":` '
    '(see the README\'s Python example), or pass backend="serial"'
)


# --------------------------------------------------------------------------- start-up failures
def reimported_main() -> str | None:
    """The main script (or module) that spawn and forkserver workers import again, if any."""
    from multiprocessing import spawn

    try:
        data = spawn.get_preparation_data("ceasemon-worker")
    except Exception:  # pragma: no cover - multiprocessing refuses: we are a starting worker
        return None
    return data.get("init_main_from_path") or data.get("init_main_from_name")


def starting_worker() -> bool:
    """Whether this process is a multiprocessing child still importing the main script.

    ``multiprocessing`` marks that phase the same way to refuse starting processes
    from it (``spawn._check_not_importing_main``).
    """
    import multiprocessing as mp

    return bool(getattr(mp.current_process(), "_inheriting", False))


def refuse_in_starting_worker() -> None:
    """Stop a worker that is running the user's unguarded script instead of starting.

    Without this the worker would run the script's ceasemon calls (whole serial
    runs, writes into results directories) before multiprocessing refuses to
    start a pool from it with a long traceback.  One line on stderr says why; the
    parent's error says it again with the fix.
    """
    if not starting_worker():
        return
    main = sys.modules.get("__mp_main__") or sys.modules.get("__main__")  # being imported
    spec = getattr(main, "__spec__", None)
    name = getattr(main, "__file__", None) or getattr(spec, "name", None) or "?"
    sys.stderr.write(
        f"ceasemon: a worker process stops at start-up: it imports the main script "
        f"({name}) again, which runs ceasemon as it is imported; {MAIN_GUARD_FIX}\n"
    )
    sys.stderr.flush()
    raise SystemExit(1)


def start_failure(exc: BaseException) -> str:
    """Why replications were lost when the pool broke before any worker had started."""
    main = reimported_main()
    if main is not None:
        return (
            f"{WORKERS_DID_NOT_START}: with the process backend every worker imports the "
            f"main script ({main}) again, and it starts ceasemon as it is imported; "
            f"{MAIN_GUARD_FIX}"
        )
    return f"{WORKERS_DID_NOT_START} (their own error is on stderr): {type(exc).__name__}: {exc}"


def _failed_chunk(
    task: Task, indices: Sequence[int], exc: BaseException, reason: str | None = None
) -> list[ReplicationOutput]:
    """Outputs for a chunk whose worker died or could not run it."""
    msg = reason or f"the worker running this replication failed: {type(exc).__name__}: {exc}"
    tb = "".join(traceback.format_exception(exc))
    return [
        ReplicationOutput(
            replication=i,
            seed=seed_label(replication_seed(task.root, i)),
            error=msg,
            traceback=tb,
        )
        for i in indices
    ]


def _exit_with_parent() -> None:
    """Stop this worker when the parent dies (SIGKILL, out of memory).

    Otherwise it waits for work forever: every worker holds the write end of the
    pool's task pipe, so its reads never see the end of the file.
    """
    import multiprocessing as mp
    import threading
    from multiprocessing.connection import wait as wait_for

    parent = mp.parent_process()
    if parent is None:  # pragma: no cover - always set in a pool worker
        return

    def watch() -> None:
        wait_for([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="ceasemon-parent-watch", daemon=True).start()


def quiet_worker() -> None:
    """In a worker: only the parent handles Ctrl-C; a warning is one line, not Python's format.

    A warning in a worker is shown as ``errors.warning_line`` gives it, not with its source
    line.
    """
    import warnings

    from ..errors import show_warning_line

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.showwarning = show_warning_line


def _worker_started(flag: Any) -> None:
    """Process-pool initializer: the worker is quiet and ends with its parent."""
    quiet_worker()
    _exit_with_parent()
    flag.value = 1  # the first worker to get here shows the pool could start


#: Seconds the process backend waits for results with Ctrl-C held: the longest an
#: interrupt waits to be delivered.
WAIT_SLICE = 0.1


# --------------------------------------------------------------------------- backends
class Backend:
    """Runs chunks of replications somewhere and hands back their outputs as they finish."""

    name = "base"
    workers = 1

    @property
    def window(self) -> int:
        """Chunks in flight at once: enough to keep every worker busy, few to abandon."""
        return 2 * max(1, self.workers)

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
        self._broken: BaseException | None = None
        self._started: Any = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is not None and self._broken is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._broken = None
        if self._pool is None:
            # set by the first worker to get past the import of the main script
            self._started = self._ctx.Value("b", 0, lock=False)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._ctx,
                initializer=_worker_started,
                initargs=(self._started,),
            )
        return self._pool

    def _lost(self, task: Task, indices: list[int], exc: BaseException) -> list[ReplicationOutput]:
        """Outputs for a chunk the pool could not run, with the reason when no worker started."""
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(exc, BrokenProcessPool):  # a worker died: the pool is unusable from here
            self._broken = exc
            if self._started is not None and not self._started.value:
                return _failed_chunk(task, indices, exc, start_failure(exc))
        return _failed_chunk(task, indices, exc)

    def execute(self, work: Sequence[Work], sink: Sink) -> None:
        """Keep ``window`` chunks in the pool, collect them as they complete, refill."""
        pool = self._executor()
        queue: Iterator[Work] = iter(work)
        futures: dict[Future, Work] = {}
        packed: dict[int, PackedTask] = {}

        def refill() -> None:
            for item in itertools.islice(queue, max(0, self.window - len(futures))):
                tag, task, indices = item
                if self._broken is not None:
                    sink(tag, self._lost(task, indices, self._broken))
                    continue
                try:
                    # submit may start a worker: a signal in the middle would leave it unknown
                    # to the pool, never stopped, and printing a traceback once we have exited
                    with held_signals() as held:
                        pack = packed.get(id(task)) or packed.setdefault(
                            id(task), PackedTask.pack(task)
                        )
                        futures[pool.submit(run_packed, pack, indices)] = item
                except Exception as exc:  # the pool broke since: this chunk is lost the same way
                    sink(tag, self._lost(task, indices, exc))
                replay(held)

        refill()
        while futures:
            finished, held = self._collect(futures)
            for tag, outputs in finished:  # kept before a held Ctrl-C is delivered
                sink(tag, outputs)
            replay(held)
            refill()

    def _collect(
        self, futures: dict[Future, Work]
    ) -> tuple[list[tuple[Any, list[ReplicationOutput]]], list[int]]:
        """The chunks that completed within a short wait (maybe none), and the signals held.

        Ctrl-C is held while ``concurrent.futures`` waits and reads results, and delivered
        by the caller after: an interrupt inside ``wait`` can leave a future's lock taken,
        and the pool's manager thread, blocked on it for ever, then keeps the process from
        exiting.
        """
        finished: list[tuple[Any, list[ReplicationOutput]]] = []
        with held_signals() as held:
            done, _ = wait(list(futures), timeout=WAIT_SLICE, return_when=FIRST_COMPLETED)
            for fut in done:
                tag, task, indices = futures.pop(fut)
                try:
                    outputs = fut.result()
                except Exception as exc:
                    outputs = self._lost(task, indices, exc)
                finished.append((tag, outputs))
        return finished, held

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
        """Keep ``window`` chunks on the cluster, collect them as they complete, refill."""
        from dask.distributed import as_completed

        queue: Iterator[Work] = iter(work)
        futures: dict[Any, Work] = {}
        done = as_completed()

        def refill() -> None:
            for item in itertools.islice(queue, max(0, self.window - len(futures))):
                fut = self._client.submit(run_chunk, item[1], item[2], pure=False)
                futures[fut] = item
                done.add(fut)

        try:
            refill()
            for fut in done:
                tag, task, indices = futures.pop(fut)
                try:
                    outputs = fut.result()
                except Exception as exc:
                    outputs = _failed_chunk(task, indices, exc)
                fut.release()  # the outputs live here now, not in the cluster's memory
                sink(tag, outputs)
                refill()
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
    """Start a backend (see ``resolve_backend`` for the defaults).

    In a worker process that is importing an unguarded main script, stop it
    instead (``refuse_in_starting_worker``).
    """
    refuse_in_starting_worker()
    backend, jobs = resolve_backend(backend, jobs, scheduler)
    if backend == "serial":
        return SerialBackend()
    if backend == "process":
        return ProcessBackend(jobs)
    return DaskBackend(jobs, scheduler)


def chunks(indices: Sequence[int], workers: int, size: int | None = None) -> list[list[int]]:
    """Split replication indices into chunks, in order: of ``size``, by default of one.

    One replication per task keeps every finished replication when a run is
    stopped and moves the progress bar with each; the task costs about 1 ms,
    against 25 ms to 1.5 s for a replication.  ``workers`` is accepted for the
    callers that balanced bigger chunks with it.
    """
    del workers
    step = 1 if size is None else max(1, int(size))
    idx = list(indices)
    return [idx[k : k + step] for k in range(0, len(idx), step)]
