"""The results directory: SPEC section 5 files, atomic writes, round trip, provenance."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pandas as pd
import pytest

import ceasemon as cm
from ceasemon.experiment.tables import DELAY_SAMPLE, TABLES
from ceasemon.measures.metrics import DAILY_COLUMNS
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
TABLE_FILES = {"sectors.parquet", "confusion.parquet", "delays.parquet", "layout.parquet"}
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
    "case",  # SPEC 8.2
    "retaliation",
]


def all_files(d):
    return {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()}


def test_save_writes_exactly_the_spec_files_and_no_temp_files(short_run, tmp_path):
    short_run.save(tmp_path / "r")
    assert all_files(tmp_path / "r") == SPEC_FILES | TABLE_FILES | {"events.parquet"}
    no_events = cm.RunResult(
        short_run.summary, short_run.replications, short_run.timeseries, None, short_run.manifest
    )
    no_events.save(tmp_path / "s")
    assert all_files(tmp_path / "s") == SPEC_FILES


def test_load_results_round_trip_is_exact(short_run, tmp_path):
    short_run.save(tmp_path / "r")
    back = cm.load_results(tmp_path / "r")
    assert isinstance(back, cm.RunResult)
    for name in ("summary", "replications", "timeseries", "events", *TABLES):
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
    assert all_files(d) == SPEC_FILES | TABLE_FILES | {"events.parquet", "notes.txt"}


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

    assert is_temp_file(Path(".ceasemon-4242-abc123.tmp"))
    assert not is_temp_file(Path("summary.json"))
    assert not is_temp_file(Path(".report.tmp"))  # a user's: never ceasemon's to remove


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


def test_figure_tables_agree_with_the_events_table(short_run):
    ev = short_run.events
    breach = ev[ev["kind"] == "breach"]
    # sectors: counts per sector equal those of the events, bins tile each sector
    sec = short_run.sectors
    got = sec.groupby(["replication", "sector"], observed=True)[
        ["breaches", "detected", "verified", "responded"]
    ].sum()
    want = pd.DataFrame(
        {
            "breaches": breach.groupby(["replication", "sector"], observed=True).size(),
            "detected": breach["t_detected"]
            .notna()
            .groupby([breach["replication"], breach["sector"]], observed=True)
            .sum(),
            "verified": breach["t_attributed"]
            .notna()
            .groupby([breach["replication"], breach["sector"]], observed=True)
            .sum(),
            "responded": breach["t_response"]
            .notna()
            .groupby([breach["replication"], breach["sector"]], observed=True)
            .sum(),
        }
    )
    pd.testing.assert_frame_equal(got.loc[want.index], want, check_dtype=False)
    assert got.drop(want.index)["breaches"].eq(0).all()
    one = sec[sec["replication"] == 0]
    assert one["start_km"].iloc[0] == 0 and one["end_km"].iloc[-1] == 1520
    assert (one["start_km"].to_numpy()[1:] == one["end_km"].to_numpy()[:-1]).all()
    ends = one.groupby("sector", observed=True)["end_km"].max()
    assert ends["donetsk_s"] == 760 and ends["black_sea"] == 1520  # bins never straddle sectors
    # each breach's position lies in a bin of its own sector
    rep0 = breach[breach["replication"] == 0]
    k = np.searchsorted(one["end_km"].to_numpy(), rep0["position_km"].to_numpy(), side="right")
    k = np.minimum(k, len(one) - 1)
    same = one["sector"].to_numpy()[k] == rep0["sector"].to_numpy()
    assert same.mean() > 0.999  # all but a breach exactly on a boundary
    # confusion: every (true party, verdict) cell, zeros included, equals the events' count
    conf = short_run.confusion
    assert set(conf["party"].cat.categories) == {"aggressor", "defender", "none"}
    assert set(conf["attributed"].cat.categories) == {"aggressor", "defender", "unknown"}
    assert len(conf) == 6 * 9
    done = ev[ev["attributed"].notna()]
    want_c = done.groupby(["replication", "party", "attributed"], observed=False).size()
    got_c = conf.set_index(["replication", "party", "attributed"])["count"]
    assert got_c.to_dict() == {k: v for k, v in want_c.to_dict().items() if k in got_c.index}
    assert got_c.sum() == len(done)
    # delays: a subsample of true breaches whose delays are the events' own
    de = short_run.delays
    assert de.groupby("replication").size().le(DELAY_SAMPLE).all()
    keys = list(zip(de["replication"], de["event"], strict=True))
    rows = ev.set_index(["replication", "event"]).loc[keys]
    assert (rows["kind"] == "breach").all()
    assert (rows["party"].astype(str).to_numpy() == de["party"].astype(str).to_numpy()).all()
    np.testing.assert_allclose(
        de["detection_delay_h"], 24 * (rows["t_detected"] - rows["t_breach"]), equal_nan=True
    )
    np.testing.assert_allclose(
        de["response_delay_d"], rows["t_response"] - rows["t_breach"], equal_nan=True
    )
    assert de["attribution_delay_h"].isna().eq(rows["t_attributed"].isna().to_numpy()).all()


def test_delay_subsample_is_seeded_and_small(short_run):
    de = short_run.delays
    counts = de.groupby("replication").size()
    breaches = short_run.replications.set_index("replication")["breaches"]
    assert (counts == np.minimum(breaches, DELAY_SAMPLE)).all()
    for _, g in de.groupby("replication"):
        assert g["event"].is_monotonic_increasing and g["event"].is_unique


def test_the_layout_table_holds_what_the_figures_draw_and_old_directories_get_it_rebuilt(
    short_run, tmp_path
):
    # the figures read the sensor layout from layout.parquet, not from the model: it must
    # hold every sector, every positioned sensor (with its group's range and availability)
    # and every full-coverage group; a directory written before the table existed gets it
    # rebuilt from the manifest's scenario, equal to the one written
    from ceasemon.model.build import build_model
    from ceasemon.results.layout import Layout

    d = short_run.save(tmp_path / "r")
    model = build_model(short_run.scenario)
    lay = Layout.from_frame(cm.load_results(d).layout)
    assert lay.line.names == model.line.names
    assert np.array_equal(lay.line.starts, model.line.starts)
    for g, h in zip(model.groups, lay.groups, strict=True):
        assert (g.name, g.full) == (h.name, h.full)
        if not g.full:
            assert np.array_equal(g.positions, h.positions)
            assert (g.range_km, g.availability) == (h.range_km, h.availability)
    written = cm.load_results(d).layout
    (d / "layout.parquet").unlink()
    pd.testing.assert_frame_equal(cm.load_results(d).layout, written)
