"""What a worker process runs: replications of a scenario, each caught and recorded.

Kept apart from the runner so that a worker imports only the model (no pandas,
no rich): replication ``i`` of root seed ``s`` depends on ``(scenario, s, i)``
alone (``model.streams.replication_seed``) and its metrics are computed where it ran.
A worker compiles each scenario once and keeps the compiled model in a small
per-process cache, so sending replications one at a time costs no recompilation.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.streams import replication_seed, seed_label
from ..scenario import Scenario

#: Compiled models kept per worker process (a sweep visits many scenarios).
_MODEL_CACHE_SIZE = 8
_MODELS: OrderedDict[str, Any] = OrderedDict()


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
    engine: str = "fast"  # "fast" or "simpy": the same tables, at very different speeds

    @classmethod
    def make(
        cls, scenario: Scenario, root: int, keep_events: bool = False, engine: str = "fast"
    ) -> Task:
        """Build a task whose key is a hash of the resolved scenario."""
        data = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
        key = hashlib.sha256(data.encode()).hexdigest()
        return cls(key, scenario, int(root), keep_events, engine)


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
    from ..measures.metrics import daily, metrics
    from ..model.simulation import simulate
    from .tables import replication_tables

    seq = replication_seed(task.root, index)
    out = ReplicationOutput(replication=index, seed=seed_label(seq))
    try:
        model = _model_for(task)
        rec = simulate(model, seq, engine=task.engine)
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


#: Tasks unpickled in this worker, by key (``run_packed``).
_TASKS: OrderedDict[str, Task] = OrderedDict()


@dataclass(frozen=True)
class PackedTask:
    """A task pickled once by the parent: a worker unpickles its scenario once, not per chunk.

    With one replication per chunk, pickling and unpickling the scenario (about 0.5 ms
    each way) for every replication would cost some percent of a short replication.
    """

    key: str
    payload: bytes

    @classmethod
    def pack(cls, task: Task) -> PackedTask:
        """Pickle ``task`` for the workers."""
        import pickle

        key = f"{task.key}:{task.root}:{int(task.keep_events)}:{task.engine}"
        return cls(key, pickle.dumps(task))


def run_packed(packed: PackedTask, indices: Sequence[int]) -> list[ReplicationOutput]:
    """``run_chunk`` of a packed task, unpickled once per worker."""
    task = _TASKS.get(packed.key)
    if task is None:
        import pickle

        task = _TASKS[packed.key] = pickle.loads(packed.payload)
        while len(_TASKS) > _MODEL_CACHE_SIZE:
            _TASKS.popitem(last=False)
    return run_chunk(task, indices)
