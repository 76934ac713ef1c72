"""The results directory: SPEC section 5 files, atomic writes, round trip, provenance."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pandas as pd
import pytest

import ceasemon as cm
from ceasemon.experiment.metrics import DAILY_COLUMNS
from ceasemon.model.records import STAGE_TIMES
from ceasemon.results import atomic_write, is_temp_file, write_json
from ceasemon.scenario import scenario_from_dict

SPEC_FILES = {
    "manifest.json",
    "summary.json",
    "replications.parquet",
    "replications.csv",
    "timeseries.parquet",
}
EVENT_COLUMNS_5_1 = [
    "replication",
    "event",
    "kind",
    "party",
    "type",
    "severity",
    "sector",
    "position_km",
    "t_breach",
    "detections",
    "t_detected",
    "t_queued",
    "t_service",
    "t_attributed",
    "attributed",
    "t_reported",
    "t_decided",
    "t_response",
    "action",
    "retaliation",
]


def all_files(d):
    return {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()}


def test_save_writes_exactly_the_spec_files_and_no_temp_files(short_run, tmp_path):
    short_run.save(tmp_path / "r")
    assert all_files(tmp_path / "r") == SPEC_FILES | {"events.parquet"}
    no_events = cm.RunResult(
        short_run.summary, short_run.replications, short_run.timeseries, None, short_run.manifest
    )
    no_events.save(tmp_path / "s")
    assert all_files(tmp_path / "s") == SPEC_FILES


def test_load_results_round_trip_is_exact(short_run, tmp_path):
    short_run.save(tmp_path / "r")
    back = cm.load_results(tmp_path / "r")
    assert isinstance(back, cm.RunResult)
    for name in ("summary", "replications", "timeseries", "events"):
        pd.testing.assert_frame_equal(
            getattr(back, name), getattr(short_run, name), check_exact=True
        )
    assert back.manifest == json.loads(json.dumps(short_run.manifest))
    csv = pd.read_csv(tmp_path / "r" / "replications.csv")
    pd.testing.assert_frame_equal(csv, short_run.replications, check_exact=True, check_dtype=False)


def test_summary_json_has_the_spec_shape(short_run, tmp_path):
    short_run.save(tmp_path / "r")

    def no_nan(token):
        raise AssertionError(f"{token} in summary.json")

    data = json.loads((tmp_path / "r" / "summary.json").read_text(), parse_constant=no_nan)
    assert data["scenario"] == "baseline" and data["replications"] == 6
    assert list(data["metrics"]) == list(short_run.summary["metric"])
    entry = data["metrics"]["detected_share"]
    assert set(entry) == {"mean", "std", "ci_low", "ci_high", "median", "p05", "p95", "n"}
    assert entry["n"] == 6 and entry["ci_low"] < entry["mean"] < entry["ci_high"]
    assert data["metrics"]["collapse_day"]["mean"] is None  # no collapse in 10 days


def test_manifest_carries_provenance(short, short_run):
    m = short_run.manifest
    assert m["kind"] == "run"
    assert {"ceasemon", "python", "numpy", "simpy", "pandas"} <= set(m["versions"])
    assert m["versions"]["ceasemon"] == cm.__version__
    assert (m["seed"], m["replications"], m["completed"]) == (123, 6, 6)
    assert m["backend"] == "serial" and m["jobs"] == 1
    assert m["wall_seconds"] > 0 and m["started"].endswith("+00:00")
    assert m["failed"] == [] and m["interrupted"] is False
    assert "command" in m
    assert scenario_from_dict(m["scenario"]) == short


def test_refuses_a_non_empty_directory_unless_forced(short_run, tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "notes.txt").write_text("mine")
    with pytest.raises(cm.UserError, match="not empty"):
        short_run.save(d)
    assert all_files(d) == {"notes.txt"}
    short_run.save(d, force=True)
    assert all_files(d) == SPEC_FILES | {"events.parquet", "notes.txt"}


def test_forced_save_without_events_removes_a_stale_events_file(short_run, tmp_path):
    short_run.save(tmp_path / "r")
    bare = cm.RunResult(
        short_run.summary, short_run.replications, short_run.timeseries, None, short_run.manifest
    )
    bare.save(tmp_path / "r", force=True)
    assert cm.load_results(tmp_path / "r").events is None


def test_a_file_path_is_refused(short_run, tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(cm.UserError, match="not a directory"):
        short_run.save(tmp_path / "f")


def test_missing_or_unfinished_directory_is_a_user_error(tmp_path):
    with pytest.raises(cm.UserError, match="no results directory"):
        cm.load_results(tmp_path / "nope")
    with pytest.raises(cm.UserError, match=r"no manifest\.json"):
        cm.load_results(tmp_path)


def test_atomic_write_leaves_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "data.json"
    write_json(target, {"v": 1})

    def half_then_fail(tmp):
        tmp.write_text('{"v": 2, "trunc')
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half_then_fail)
    assert json.loads(target.read_text()) == {"v": 1}
    assert sorted(os.listdir(tmp_path)) == ["data.json"]


def test_atomic_write_interrupted_by_ctrl_c_leaves_no_temp_file(tmp_path):
    def interrupted(tmp):
        tmp.write_text("partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x.parquet", interrupted)
    assert os.listdir(tmp_path) == []


def test_atomic_files_get_normal_permissions(short_run, tmp_path):
    short_run.save(tmp_path / "r")
    umask = os.umask(0)
    os.umask(umask)
    mode = (tmp_path / "r" / "summary.json").stat().st_mode & 0o777
    assert mode == 0o666 & ~umask


def test_stale_temp_files_are_recognised():
    from pathlib import Path

    assert is_temp_file(Path(".summary.json.abc123.tmp"))
    assert not is_temp_file(Path("summary.json"))


def test_events_table_follows_spec_5_1(short_run):
    ev = short_run.events
    assert [c for c in ev.columns if c != "position_reported_km"] == EVENT_COLUMNS_5_1
    assert set(ev["kind"].cat.categories) == {"breach", "false_alarm"}
    fa = ev["kind"] == "false_alarm"
    assert fa.any() and (ev.loc[fa, "party"] == "none").all()
    assert set(ev.loc[~fa, "party"]) == {"aggressor", "defender"}
    assert set(ev["attributed"].dropna()) <= {"aggressor", "defender", "unknown"}
    # NaN for unreached stages: never 0 or -1, and nothing after an unreached stage
    t = ev[list(STAGE_TIMES)].to_numpy()
    reached = np.isfinite(t)
    assert not (reached[:, 1:] & ~reached[:, :-1]).any()
    assert (np.nan_to_num(np.diff(t, axis=1), nan=0.0) >= 0).all()
    assert (ev["attributed"].isna() == ev["t_attributed"].isna()).all()
    assert (ev["action"].isna() == ev["t_response"].isna()).all()
    # one row per breach: the counts agree with the metrics
    per_rep = ev[~fa].groupby("replication").size()
    assert per_rep.tolist() == short_run.replications["breaches"].astype(int).tolist()
    assert (
        ev.groupby("replication")["event"].apply(
            lambda e: (e.to_numpy() == np.arange(len(e))).all()
        )
    ).all()


def test_timeseries_has_one_row_per_replication_and_day(short_run):
    ts = short_run.timeseries
    assert list(ts.columns) == ["replication", "day", *DAILY_COLUMNS]
    assert len(ts) == 6 * 10
    assert ts.groupby("replication")["day"].apply(list).tolist() == [list(range(10))] * 6
    totals = ts.groupby("replication")["breaches"].sum().tolist()
    assert totals == short_run.replications["breaches"].tolist()
    assert not math.isnan(ts["aggressor_intensity"].iloc[0])
