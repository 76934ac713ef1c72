"""Helpers that run in other processes: replication workers and the memory probe.

``bench.py`` starts this file as a fresh subprocess to measure peak memory
(``python benchmarks/probes.py memory ...``), so the number is not polluted by
the benchmark's own arrays.  The worker functions are importable by a process
pool's children (``spawn`` start method), which cannot import functions
defined in a script's ``__main__``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import sys
import time
from typing import Any

BASELINE = "baseline"


def load(overrides: dict[str, Any] | None = None):
    """The packaged baseline scenario with dotted-key overrides."""
    import ceasemon

    return ceasemon.load_scenario(BASELINE, overrides=overrides or {})


def find_runner():
    """``ceasemon.run`` (or ``ceasemon.experiment.runner.run``), or None while it does not exist."""
    import ceasemon

    fn = getattr(ceasemon, "run", None)
    if fn is None:
        try:
            from ceasemon.experiment import runner
        except ImportError:
            return None
        fn = getattr(runner, "run", None)
    return fn


def call_runner(fn, scenario, replications: int, seed: int, jobs: int, backend: str):
    """Call the runner with the SPEC section 7 arguments, no events and no progress display.

    Optional arguments are passed only when the runner's signature has them, so
    this keeps working while the runner's API settles.
    """
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    wanted = {
        "replications": replications,
        "seed": seed,
        "jobs": jobs,
        "backend": backend,
        "events": False,
        "progress": False,
        "quiet": True,
    }
    for name, value in wanted.items():
        if name in params:
            kwargs[name] = value
    return fn(scenario, **kwargs)


_MODEL_CACHE: dict[str, Any] = {}


def raw_chunk(args: tuple[str, list[int], int]) -> list[dict[str, float]]:
    """Pool worker: simulate replications ``indices`` of root ``seed``; return their metrics.

    ``args`` is (overrides as JSON, replication indices, root seed).  The model
    is built once per worker process.
    """
    from ceasemon.measures.metrics import metrics
    from ceasemon.model.simulation import build_model, simulate
    from ceasemon.model.streams import replication_seed

    key, indices, root = args
    model = _MODEL_CACHE.get(key)
    if model is None:
        model = _MODEL_CACHE[key] = build_model(load(json.loads(key)))
    return [metrics(simulate(model, replication_seed(root, i))) for i in indices]


def raw_run(overrides: dict[str, Any], n: int, seed: int, jobs: int) -> list[dict[str, float]]:
    """``n`` replications without the runner: a plain loop, or a spawn-context process pool."""
    key = json.dumps(overrides, sort_keys=True)
    if jobs <= 1:
        return raw_chunk((key, list(range(n)), seed))
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, -(-n // (jobs * 4)))
    chunks = [(key, list(range(i, min(n, i + size))), seed) for i in range(0, n, size)]
    with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn")) as pool:
        return [row for part in pool.map(raw_chunk, chunks) for row in part]


def _maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def vm_hwm_mib(pid: int | str = "self") -> float:
    """Peak RSS (``VmHWM``) of a live process's current address space, in MiB.

    Unlike ``ru_maxrss``, which survives ``fork`` + ``exec`` and so reports the
    parent's size for a freshly started interpreter, ``VmHWM`` belongs to the
    address space created by ``exec``: it is the fresh process's own peak.
    Returns NaN where /proc is not available.
    """
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def reset_peak() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS (Linux >= 4.0); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_mib() -> float:
    """Current RSS of this process in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / (1024.0 * 1024.0)


def memory_main(argv: list[str]) -> int:
    """Entry point of ``probes.py memory``: run the workload, print one JSON line."""
    ap = argparse.ArgumentParser(prog="probes.py memory")
    ap.add_argument("--replications", type=int, required=True)
    ap.add_argument("--duration", required=True, help="scenario duration, e.g. 30d")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--single", action="store_true", help="one replication, simulate + metrics")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    overrides = {"duration": a.duration}
    out: dict[str, Any] = {"replications": a.replications, "duration": a.duration}
    if a.single:
        from ceasemon.measures.metrics import metrics
        from ceasemon.model.simulation import build_model, simulate

        metrics(simulate(build_model(load(overrides)), a.seed))
        out["mode"] = "simulate+metrics"
    else:
        fn = find_runner()
        if fn is not None:
            backend = "process" if a.jobs > 1 else "serial"
            res = call_runner(fn, load(overrides), a.replications, a.seed, a.jobs, backend)
            out["mode"] = f"ceasemon.run backend={backend} jobs={a.jobs} events=False"
            del res
        else:
            rows = raw_run(overrides, a.replications, a.seed, a.jobs)
            out["mode"] = (
                f"fallback (no runner yet): plain process pool jobs={a.jobs}, metrics kept"
            )
            out["rows"] = len(rows)
    out["seconds"] = time.perf_counter() - t0
    out["vmhwm_self_mib"] = vm_hwm_mib()
    # ru_maxrss is kept for reference only: it includes the parent's size at fork time
    out["ru_maxrss_self_mib"] = _maxrss_mib(resource.RUSAGE_SELF)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "memory":
        sys.exit(memory_main(sys.argv[2:]))
    print("usage: probes.py memory --replications N --duration 30d [--jobs J] [--single]")
    sys.exit(2)
