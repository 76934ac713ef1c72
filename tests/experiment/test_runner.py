"""The runner: identical tables on every backend, failures recorded, Ctrl-C keeps work."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import ceasemon as cm
from ceasemon.errors import ReplicationsFailedWarning
from ceasemon.experiment import runner, worker
from ceasemon.experiment.tables import TABLES
from ceasemon.model import simulation
from ceasemon.model.streams import replication_seed, seed_label

N = 6
SEED = 123


def assert_same_tables(a, b) -> None:
    pd.testing.assert_frame_equal(a.replications, b.replications, check_exact=True)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    for name in TABLES:  # the figure tables (experiment/tables.py) too
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_process_pool_matches_serial_for_any_chunking(short, short_run):
    # serial runs one replication at a time; here chunks of 4 and 2 go to two workers
    two = cm.run(short, N, SEED, backend="process", jobs=2, chunk_size=4, events=True)
    assert two.manifest["backend"] == "process" and two.manifest["jobs"] == 2
    assert_same_tables(short_run, two)
    pd.testing.assert_frame_equal(short_run.events, two.events, check_exact=True)


def test_dask_local_cluster_matches_serial(short, short_run):
    pytest.importorskip("dask.distributed")
    res = cm.run(short, N, SEED, backend="dask", jobs=2)
    assert res.manifest["backend"] == "dask"
    assert_same_tables(short_run, res)


def test_replication_i_does_not_depend_on_how_many_run(short, short_run):
    fewer = cm.run(short, 3, SEED, backend="serial")
    pd.testing.assert_frame_equal(
        fewer.replications, short_run.replications.iloc[:3], check_exact=True
    )
    for name in TABLES:
        first = getattr(short_run, name)
        first = first[first["replication"] < 3]
        pd.testing.assert_frame_equal(getattr(fewer, name), first, check_exact=True)
    expected = [seed_label(replication_seed(SEED, i)) for i in range(N)]
    assert short_run.replications["seed"].tolist() == expected
    assert short_run.replications["replication"].tolist() == list(range(N))


def test_another_root_seed_gives_other_numbers(short, short_run):
    other = cm.run(short, N, SEED + 1, backend="serial")
    assert not other.replications["breaches"].equals(short_run.replications["breaches"])


def test_defaults_come_from_the_scenario(short):
    sc = cm.load_scenario("baseline", {"duration": "5d", "replications": 2, "seed": 99})
    res = cm.run(sc, backend="serial")
    assert res.manifest["replications"] == 2 and res.manifest["seed"] == 99
    assert res.replications["seed"].tolist() == [
        seed_label(replication_seed(99, i)) for i in range(2)
    ]


def test_run_accepts_a_name_and_overrides():
    res = cm.run("baseline", 1, 5, overrides={"duration": "3d"}, backend="serial")
    assert res.scenario.duration == 3.0
    assert len(res.replications) == 1


def test_a_failing_replication_is_recorded_with_its_seed(short, monkeypatch):
    real = simulation.simulate

    def flaky(model, seq, **options):
        if seq.spawn_key == (2,):
            raise RuntimeError("boom in replication 2")
        return real(model, seq, **options)

    monkeypatch.setattr(simulation, "simulate", flaky)
    with pytest.warns(ReplicationsFailedWarning) as caught:
        res = cm.run(short, 4, SEED, backend="serial")
    # loud: how many, which seed, the cause, where the traceback is
    [warning] = caught
    text = str(warning.message)
    assert "1 of 4 finished replications of baseline failed" in text
    assert str(seed_label(replication_seed(SEED, 2))) in text
    assert "RuntimeError: boom in replication 2" in text and "result.failed" in text
    assert warning.filename == __file__  # it points at the caller's line
    assert res.replications["replication"].tolist() == [0, 1, 3]
    [failure] = res.failed
    assert failure["replication"] == 2
    assert failure["seed"] == seed_label(replication_seed(SEED, 2))
    assert failure["error"] == "RuntimeError: boom in replication 2"
    assert "flaky" in failure["traceback"]
    assert res.manifest["completed"] == 3
    assert res.summary.set_index("metric").loc["breaches", "n"] == 3


def test_keyboard_interrupt_keeps_finished_replications(short, short_run, monkeypatch, tmp_path):
    real = simulation.simulate

    def interrupted(model, seq, **options):
        if seq.spawn_key == (3,):
            raise KeyboardInterrupt
        return real(model, seq, **options)

    monkeypatch.setattr(simulation, "simulate", interrupted)
    res = cm.run(short, N, SEED, backend="serial", out_dir=tmp_path / "out")
    assert res.interrupted
    pd.testing.assert_frame_equal(
        res.replications, short_run.replications.iloc[:3], check_exact=True
    )
    back = cm.load_results(tmp_path / "out")
    assert back.interrupted and back.manifest["completed"] == 3
    pd.testing.assert_frame_equal(back.replications, res.replications, check_exact=True)


def test_worker_compiles_a_scenario_once(short, monkeypatch):
    calls = []
    real = simulation.build_model
    monkeypatch.setattr(simulation, "build_model", lambda sc: calls.append(1) or real(sc))
    monkeypatch.setattr(worker, "_MODELS", type(worker._MODELS)())
    task = runner.Task.make(short, SEED)
    runner.run_chunk(task, [0, 1])
    runner.run_chunk(task, [2])
    assert len(calls) == 1
    other = runner.Task.make(cm.load_scenario("baseline", {"duration": "11d"}), SEED)
    assert other.key != task.key
    assert runner.Task.make(short, SEED + 5).key == task.key  # the seed is not the model


def test_chunks_are_single_replications_unless_a_size_is_given():
    for n in (1, 5, 31, 200):
        for workers in (1, 2, 8):
            parts = runner.chunks(range(n), workers)
            assert parts == [[i] for i in range(n)]
    assert runner.chunks(range(10), 1, size=3) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 0}, "replications must be"),
        ({"seed": -1}, "seed must be"),
        ({"backend": "threads"}, "unknown backend"),
        ({"jobs": 0}, "jobs must be"),
        ({"backend": "serial", "scheduler": "tcp://x:1"}, "needs the dask backend"),
    ],
)
def test_bad_options_are_user_errors(short, kwargs, message):
    with pytest.raises(cm.UserError, match=message):
        cm.run(short, **{"replications": 1, **kwargs})


def test_default_backend_choice():
    assert runner.resolve_backend(None, 1) == ("serial", 1)
    assert runner.resolve_backend(None, 3) == ("process", 3)
    assert runner.resolve_backend(None, 2, "tcp://h:8786") == ("dask", 2)


def test_dask_missing_is_a_clear_user_error(short, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(cm.UserError, match=r"pip install 'ceasemon\[dask\]'"):
        cm.run(short, 1, backend="dask")


def test_progress_is_silent_off_a_terminal_and_shown_when_asked(short, capsys):
    cm.run(short, 2, SEED, backend="serial")
    assert capsys.readouterr().err == ""
    cm.run(short, 2, SEED, backend="serial", progress=True)
    assert "2/2" in capsys.readouterr().err
    cm.run(short, 2, SEED, backend="serial", progress=True, quiet=True)
    assert capsys.readouterr().err == ""


def test_dead_worker_becomes_failed_replications(short, monkeypatch):
    task = runner.Task.make(short, SEED)
    out = runner._failed_chunk(task, [4, 5], OSError("worker killed"))
    assert [o.replication for o in out] == [4, 5]
    assert out[0].seed == seed_label(replication_seed(SEED, 4))
    assert "worker killed" in out[0].error and out[0].metrics is None


def test_metrics_columns_are_floats_in_spec_order(short_run):
    cols = list(short_run.replications.columns)
    assert cols[:2] == ["replication", "seed"]
    assert cols[2:5] == ["breaches", "aggressor_breaches", "defender_breaches"]
    assert cols[-2:] == ["collapsed", "collapse_day"]
    assert all(short_run.replications[c].dtype == np.float64 for c in cols[2:])


def test_dask_scheduler_address_is_used(short, short_run):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        res = cm.run(short, N, SEED, scheduler=cluster.scheduler_address)
    assert res.manifest["backend"] == "dask"
    assert res.manifest["scheduler"] == cluster.scheduler_address
    assert res.manifest["jobs"] == 2  # the cluster's threads
    assert_same_tables(short_run, res)


def test_a_worker_runs_replications_without_importing_pandas():
    """Workers start faster without pandas (about 0.4 s each); only the parent makes tables."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import ceasemon as cm\n"
        "from ceasemon.experiment import runner\n"
        "task = runner.Task.make(cm.load_scenario('baseline', {'duration': '3d'}), 1)\n"
        "out = runner.run_chunk(task, [0, 1])\n"
        "assert all(o.error is None for o in out), out\n"
        "print('pandas' in sys.modules)\n"
    )
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "False"


def test_a_packed_task_is_unpickled_once_per_worker_and_runs_the_same(short, monkeypatch):
    monkeypatch.setattr(worker, "_TASKS", type(worker._TASKS)())
    task = runner.Task.make(short, SEED)
    pack = worker.PackedTask.pack(task)
    first = worker.run_packed(pack, [0])
    cached = worker._TASKS[pack.key]
    second = worker.run_packed(pack, [1])
    assert worker._TASKS[pack.key] is cached and len(worker._TASKS) == 1
    direct = worker.run_chunk(task, [0, 1])
    assert [o.metrics for o in first + second] == [o.metrics for o in direct]
    # another root seed or events flag is another task, never the cached one
    assert worker.PackedTask.pack(runner.Task.make(short, SEED + 1)).key != pack.key
    assert worker.PackedTask.pack(runner.Task.make(short, SEED, True)).key != pack.key
