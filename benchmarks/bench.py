"""ceasemon speed benchmark (issue 7): baseline, scaling, replications/s, memory, references.

Usage::

    python benchmarks/bench.py [--quick] [--out benchmarks/out/bench.json] [--repeat K]

Prints a table and writes the same numbers as JSON.  Every ceasemon time is
also given as a ratio to two reference implementations written in this
directory and run in this process on the same scenario: ``ref_simpy`` (the
naive per-sensor simpy loop) and ``ref_vectorised`` (a vectorised numpy
estimate of the fixed-policy detection counts).  See ``benchmarks/README.md``
for what each row means and for the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import probes  # noqa: E402
import ref_simpy  # noqa: E402
import ref_vectorised  # noqa: E402
from refplain import plain  # noqa: E402

YEAR = 365.0
SECTIONS = ("baseline", "references", "scaling", "replications", "memory")
BUSY_PCT = 10.0  # machine CPU use (percent of all cores) above which a section is flagged

# Sizes: (full, quick).  Full mode runs in about 5 minutes on an idle 2-core box (7 with
# --raw-pool); quick mode in about 15 s.
SIZES = {
    "baseline_days": (365, 10),
    "scaling_days": (365, 5),
    "ref_simpy_days": (30, 1),
    "reps": (100, 4),
    "reps_days": (365, 2),
    "mem_reps": (1000, 20),
    "mem_days": (30, 2),
}


def size(name: str, quick: bool):
    """The full or quick value of a size."""
    full, small = SIZES[name]
    return small if quick else full


# --------------------------------------------------------------------------------------------
# timing ceasemon


def _model_api():
    from ceasemon.measures.metrics import metrics
    from ceasemon.model.simulation import build_model, simulate

    return build_model, simulate, metrics


def time_ceasemon(overrides: dict[str, Any], seeds: list[int], warmup: bool = True) -> dict:
    """Build once (timed apart), one warm-up run, then one timed run per seed.

    Times are the process's CPU time (``time.process_time``), which equals the
    wall time on an idle machine and is much less disturbed by other programs;
    the wall-clock median is kept alongside.  Returns the median seconds per
    run, the per-run samples, the build time, the simulated days and the
    breaches and fixed-policy shares of the runs.
    """
    build_model, simulate, metrics = _model_api()
    sc = probes.load(overrides)
    rss_before = probes.rss_mib()
    peak_ok = probes.reset_peak()
    t0 = time.process_time()
    model = build_model(sc)
    build_s = time.process_time() - t0
    if warmup:
        simulate(model, 10_000 + seeds[0])
    samples, walls, rows, ends, verifiable = [], [], [], [], []
    m = sc.attribution.min_detections
    for s in seeds:
        t0, w0 = time.process_time(), time.perf_counter()
        rec = simulate(model, s)
        samples.append(time.process_time() - t0)
        walls.append(time.perf_counter() - w0)
        rows.append(metrics(rec))
        ends.append(float(rec.end_time))
        ev = rec.events
        breach = ev["kind"] == _breach_code()
        nb = int(np.count_nonzero(breach))
        verifiable.append(
            float(np.count_nonzero(breach & (ev["detections"] >= m))) / nb if nb else math.nan
        )
    peak = probes.vm_hwm_mib() if peak_ok else math.nan
    med = statistics.median(samples)
    fastest = min(samples)
    days = statistics.median(ends)
    breaches = statistics.median(r["breaches"] for r in rows)
    return {
        "seconds_median": med,
        "seconds_min": fastest,
        "seconds_samples": samples,
        "wall_seconds_median": statistics.median(walls),
        "build_seconds": build_s,
        "simulated_days": days,
        "seconds_per_replication_year": med * YEAR / days if days > 0 else math.nan,
        "breaches": breaches,
        "breaches_per_day": breaches / days if days > 0 else math.nan,
        "us_per_breach": 1e6 * med / breaches if breaches else math.nan,
        "sensors": positioned_sensors(model),
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak,
        "detected_share": [r["detected_share"] for r in rows],
        "verified_share": [r["verified_share"] for r in rows],
        "verifiable_share": verifiable,
        "collapsed": [r.get("collapsed", math.nan) for r in rows],
    }


def paired_ratio(first, second, seeds: list[int]) -> dict:
    """Median over seeds of time(first(seed)) / time(second(seed)), the two run back to back.

    On a shared or virtual machine the speed drifts by tens of percent within
    minutes; timing two things in separate blocks puts that drift into their
    ratio.  Alternating them seed by seed and taking the median of the
    per-seed ratios cancels it (both sides of a pair see the same machine).
    Each callable returns the CPU seconds it measured, or None to be timed here.
    """

    def timed(fn, seed: int) -> float:
        t0 = time.process_time()
        got = fn(seed)
        return got if got is not None else time.process_time() - t0

    timed(first, 10_000 + seeds[0])  # warm-up of both
    timed(second, 10_000 + seeds[0])
    ratios, a, b = [], [], []
    for seed in seeds:
        ta, tb = timed(first, seed), timed(second, seed)
        a.append(ta)
        b.append(tb)
        ratios.append(ta / tb)
    return {
        "ratio_median": statistics.median(ratios),
        "ratios": ratios,
        "first_seconds": a,
        "second_seconds": b,
    }


def _breach_code() -> int:
    from ceasemon.model.records import BREACH

    return int(BREACH)


def positioned_sensors(model) -> int:
    """Positioned sensors of a compiled model (full-coverage groups not counted)."""
    return int(sum(len(g.positions) for g in model.groups if not g.full))


# --------------------------------------------------------------------------------------------
# scaling overrides


def sensor_overrides(factor: float) -> tuple[dict[str, Any], list[str]]:
    """Scale every positioned group's count (or divide its spacing) by ``factor``."""
    sc = probes.load()
    out: dict[str, Any] = {}
    notes = []
    for name, g in sc.sensors.items():
        if g.coverage == "full":
            continue
        if g.count is not None:
            out[f"sensors.{name}.count"] = max(1, round(g.count * factor))
        elif g.spacing_km is not None:
            out[f"sensors.{name}.spacing_km"] = g.spacing_km / factor
        else:
            notes.append(f"{name}: explicit positions, not scaled")
    return out, notes


def breach_overrides(factor: float, analysts_too: bool) -> dict[str, Any]:
    """Scale every party's rates_per_day by ``factor`` (and the analysts, when asked)."""
    sc = probes.load()
    out: dict[str, Any] = {}
    for name, p in sc.parties.items():
        out[f"parties.{name}.rates_per_day"] = {t: r * factor for t, r in p.rates_per_day.items()}
    if analysts_too:
        out["attribution.analysts"] = max(1, round(sc.attribution.analysts * factor))
    return out


# --------------------------------------------------------------------------------------------
# sections


def section_baseline(quick: bool, repeat: int) -> dict:
    """Seconds per replication-year, fixed and adaptive aggressor."""
    days = size("baseline_days", quick)
    seeds = list(range(1, repeat + 1))
    fixed = time_ceasemon(
        {"aggressor.policy": "fixed", "aggressor.offensive": None, "duration": f"{days}d"}, seeds
    )
    # The packaged adaptive baseline can collapse (the offensive ends simulated time early);
    # without `offensive` every run covers the whole period, so the time is per full year.
    adaptive = time_ceasemon(
        {"aggressor.policy": "adaptive", "aggressor.offensive": None, "duration": f"{days}d"},
        seeds,
    )
    return {
        "duration_days": days,
        "repeat": repeat,
        "fixed": fixed,
        "adaptive": adaptive,
        "note": (
            f"median of {repeat} runs (seeds 1..{repeat}) after one warm-up run; build time apart;"
            " adaptive without aggressor.offensive so no run stops at a collapse"
            + ("" if days == YEAR else f"; {days} d simulated, scaled linearly to a year")
        ),
    }


def section_scaling(quick: bool, repeat: int) -> dict:
    """Sensors 200 / 2,000 / 20,000 and breaches 50 / 500 / 5,000 per day, fixed policy."""
    days = size("scaling_days", quick)
    reps = max(1, min(repeat, 3))
    seeds = list(range(1, reps + 1))
    common = {"aggressor.policy": "fixed", "aggressor.offensive": None, "duration": f"{days}d"}
    sensors = []
    for target, factor in ((200, 0.1), (2000, 1.0), (20000, 10.0)):
        ov, notes = sensor_overrides(factor)
        r = time_ceasemon({**common, **ov}, seeds)
        sensors.append(
            {"target": target, "factor": factor, "overrides": ov, "notes": notes, **_brief(r)}
        )
    breaches = []
    for target, factor in ((50, 0.1), (500, 1.0), (5000, 10.0)):
        ov = breach_overrides(factor, analysts_too=factor > 1)
        r = time_ceasemon({**common, **ov}, seeds)
        breaches.append({"target": target, "factor": factor, "overrides": ov, **_brief(r)})
    s2k, s20k = sensors[1]["seconds_median"], sensors[2]["seconds_median"]
    build_model, simulate, _ = _model_api()
    model_2k = build_model(probes.load({**common, **sensors[1]["overrides"]}))
    model_20k = build_model(probes.load({**common, **sensors[2]["overrides"]}))
    paired = paired_ratio(
        lambda seed: simulate(model_20k, seed) and None,
        lambda seed: simulate(model_2k, seed) and None,
        seeds,
    )
    (b50, b500, b5k) = breaches
    slope_lo = (b500["seconds_median"] - b50["seconds_median"]) / (
        b500["breaches"] - b50["breaches"]
    )
    slope_hi = (b5k["seconds_median"] - b500["seconds_median"]) / (
        b5k["breaches"] - b500["breaches"]
    )
    return {
        "duration_days": days,
        "repeat": reps,
        "policy": "fixed",
        "sensors": sensors,
        "breaches": breaches,
        "ratio_20000_over_2000_sensors": s20k / s2k,
        "ratio_20000_over_2000_sensors_paired": paired["ratio_median"],
        "paired_20000_over_2000": paired,
        "linearity": {
            "us_per_breach": {str(b["target"]): b["us_per_breach"] for b in breaches},
            "marginal_us_per_breach_50_to_500": 1e6 * slope_lo,
            "marginal_us_per_breach_500_to_5000": 1e6 * slope_hi,
            # A ratio of two differences of timings: when the 50 -> 500 difference is lost in
            # timing noise (it can be at --quick sizes) there is no ratio to report.
            "marginal_ratio": slope_hi / slope_lo if slope_lo > 0 and slope_hi > 0 else math.nan,
            "measurable": bool(slope_lo > 0 and slope_hi > 0),
        },
        "note": (
            f"median of {reps} runs after a warm-up, fixed policy, {days} d simulated;"
            " positioned groups' count x factor (spacing / factor), range unchanged;"
            " rates_per_day x factor for both parties (retaliation follows);"
            " at 5,000/day attribution.analysts x 10 (16 -> 160) so the queue stays stable"
        ),
    }


def _brief(r: dict) -> dict:
    keys = (
        "seconds_median",
        "seconds_min",
        "seconds_samples",
        "wall_seconds_median",
        "build_seconds",
        "simulated_days",
        "seconds_per_replication_year",
        "breaches",
        "breaches_per_day",
        "us_per_breach",
        "sensors",
        "rss_before_mib",
        "peak_rss_mib",
    )
    return {k: r[k] for k in keys}


def section_references(quick: bool, repeat: int, baseline: dict) -> dict:
    """Both references on the fixed baseline, their agreement with ceasemon and time ratios."""
    days_b = baseline["duration_days"]
    sc = probes.load(
        {"aggressor.policy": "fixed", "aggressor.offensive": None, "duration": f"{days_b}d"}
    )
    p = plain(sc)
    seeds = list(range(1, repeat + 1))
    ref_vectorised.estimate(p, 10_000)  # warm-up
    vec = [ref_vectorised.estimate(p, s) for s in seeds]
    vec_s = statistics.median(v["seconds"] for v in vec)
    sim_days = size("ref_simpy_days", quick)
    build_model, simulate, _ = _model_api()
    model = build_model(sc)
    paired = paired_ratio(
        lambda seed: simulate(model, seed) and None,
        lambda seed: ref_vectorised.estimate(p, seed)["seconds"],
        seeds,
    )
    naive = ref_simpy.run(p, 1, float(sim_days))
    fixed, adaptive = baseline["fixed"], baseline["adaptive"]
    cm_year = fixed["seconds_per_replication_year"]
    vec_year = vec_s * YEAR / days_b
    # set-up (sensor processes) and drain happen once a run; only the breach period scales
    naive_year = naive["setup_seconds"] + naive["main_seconds"] * YEAR / sim_days
    naive_year += naive["drain_seconds"]

    def pooled(values: list[float], n_per: float) -> tuple[float, float]:
        """Mean and standard error: between-run spread, never below the binomial error."""
        mean = float(np.mean(values))
        binom = math.sqrt(max(mean * (1 - mean), 1e-12) / (n_per * len(values)))
        spread = float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 2 else 0
        return mean, max(binom, spread)

    cm_det = pooled(fixed["detected_share"], fixed["breaches"])
    cm_ver = pooled(fixed["verified_share"], fixed["breaches"])
    cm_vfy = pooled(fixed["verifiable_share"], fixed["breaches"])
    vec_det = pooled([v["detected_share"] for v in vec], vec[0]["breaches"])
    vec_vfy = pooled([v["verifiable_share"] for v in vec], vec[0]["breaches"])
    nv_det = pooled([naive["detected_share"]], naive["breaches"])
    nv_ver = pooled([naive["verified_share"]], naive["breaches"])

    def agree(name: str, ref: tuple[float, float], cm: tuple[float, float], what: str) -> dict:
        z = (ref[0] - cm[0]) / math.hypot(ref[1], cm[1])
        return {
            "check": name,
            "compares": what,
            "reference": ref[0],
            "reference_se": ref[1],
            "ceasemon": cm[0],
            "ceasemon_se": cm[1],
            "z": z,
            "agree": abs(z) < 4.0,
        }

    checks = [
        agree(
            "vectorised detected", vec_det, cm_det, "share with >= 1 detection vs detected_share"
        ),
        agree(
            "vectorised verifiable",
            vec_vfy,
            cm_ver,
            "share with >= min_detections detections vs verified_share",
        ),
        agree("per-sensor simpy detected", nv_det, cm_det, "detected share vs detected_share"),
        agree("per-sensor simpy verified", nv_ver, cm_ver, "verified share vs verified_share"),
    ]
    return {
        "vectorised": {
            "seconds_median": vec_s,
            "wall_seconds_median": statistics.median(v["wall_seconds"] for v in vec),
            "simulated_days": days_b,
            "seconds_per_replication_year": vec_year,
            "breaches": statistics.median(v["breaches"] for v in vec),
            "detected_share": [v["detected_share"] for v in vec],
            "verifiable_share": [v["verifiable_share"] for v in vec],
            "detections_per_breach": statistics.median(v["detections_per_breach"] for v in vec),
            "note": f"median of {repeat} runs after a warm-up, same scenario and duration",
        },
        "per_sensor_simpy": {
            "seconds": naive["seconds"],
            "wall_seconds": naive["wall_seconds"],
            "setup_seconds": naive["setup_seconds"],
            "main_seconds": naive["main_seconds"],
            "drain_seconds": naive["drain_seconds"],
            "simulated_days": sim_days,
            "drain_days": naive["drain_days"],
            "seconds_per_replication_year": naive_year,
            "breaches": naive["breaches"],
            "detected_share": naive["detected_share"],
            "verified_share": naive["verified_share"],
            "detections_per_breach": naive["detections_per_breach"],
            "note": (
                f"one run of {sim_days} d (+ {naive['drain_days']:.0f} d drain without new"
                f" breaches); the time of the breach period is scaled linearly to {YEAR:.0f} d,"
                " set-up and drain counted once"
            ),
        },
        "ceasemon_fixed_verifiable_share": cm_vfy[0],
        "ratios": {
            "fixed_over_vectorised": cm_year / vec_year,
            "fixed_over_vectorised_paired": paired["ratio_median"],
            "per_sensor_over_fixed": naive_year / cm_year,
            "adaptive_over_vectorised": adaptive["seconds_per_replication_year"] / vec_year,
            "per_sensor_over_adaptive": naive_year / adaptive["seconds_per_replication_year"],
        },
        "paired_fixed_over_vectorised": paired,
        "agreement": checks,
        "all_agree": all(c["agree"] for c in checks),
    }


def section_replications(quick: bool, raw_pool: bool) -> dict:
    """Replications/s for N replications, serial and process pool on all cores, and speed-up."""
    n = size("reps", quick)
    days = size("reps_days", quick)
    jobs = os.cpu_count() or 1
    seed = 7
    ov = {"duration": f"{days}d"}
    out: dict[str, Any] = {
        "replications": n,
        "duration_days": days,
        "jobs": jobs,
        "scenario": "baseline as packaged (adaptive aggressor)",
        "note": (
            "wall time, including process start-up"
            + ("" if days == YEAR else f"; duration shortened to {days} d to keep the bench short")
        ),
    }
    fn = probes.find_runner()
    if fn is None:
        out["runner"] = {"available": False, "message": "ceasemon.run not found: runner pending"}
    else:
        res: dict[str, Any] = {"available": True}
        try:
            # serial in two halves, before and after the pool, so that a drift of the
            # machine's speed during the section does not enter the speed-up
            half = max(1, n // 2)
            sc_ov = probes.load(ov)
            t0 = time.perf_counter()
            probes.call_runner(fn, sc_ov, half, seed, 1, "serial")
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            probes.call_runner(fn, sc_ov, n, seed, jobs, "process")
            wall = time.perf_counter() - t0
            res["process"] = {"jobs": jobs, "seconds": wall, "replications_per_s": n / wall}
            t0 = time.perf_counter()
            probes.call_runner(fn, sc_ov, n - half, seed + 1, 1, "serial")
            second = time.perf_counter() - t0
            res["serial"] = {
                "jobs": 1,
                "seconds": first + second,
                "halves_seconds": [first, second],
                "replications_per_s": n / (first + second),
                "note": f"{half} replications before the pool run (seed {seed}), "
                f"{n - half} after it (seed {seed + 1})",
            }
            res["speedup"] = (
                res["process"]["replications_per_s"] / res["serial"]["replications_per_s"]
            )
        except Exception as exc:  # the runner is being written concurrently
            res = {"available": False, "message": f"ceasemon.run failed: {exc!r}"}
        out["runner"] = res
    if raw_pool or not out["runner"]["available"]:
        res = {}
        for label, j in (("serial", 1), ("process", jobs)):
            t0 = time.perf_counter()
            probes.raw_run(ov, n, seed, j)
            wall = time.perf_counter() - t0
            res[label] = {"jobs": j, "seconds": wall, "replications_per_s": n / wall}
        res["speedup"] = res["process"]["replications_per_s"] / res["serial"]["replications_per_s"]
        res["note"] = "bench's own loop / spawn process pool over simulate()+metrics(), no runner"
        out["raw_pool"] = res
    head = out["runner"] if out["runner"]["available"] else out["raw_pool"]
    out["headline"] = {
        "source": "runner" if out["runner"]["available"] else "raw_pool (runner missing)",
        "serial_replications_per_s": head["serial"]["replications_per_s"],
        "process_replications_per_s": head["process"]["replications_per_s"],
        "speedup": head["speedup"],
    }
    return out


def _probe(args: list[str]) -> dict:
    """Run ``probes.py memory ARGS`` in a fresh interpreter and watch its process tree.

    Every 20 ms the RSS of every process of the tree (the probe, the pool's
    forkserver and workers) is read.  Two numbers come out: the largest
    simultaneous sum of RSS seen (a lower bound of the true peak, since a short
    spike can fall between samples) and the sum over processes of each one's
    own peak (``VmHWM``; an upper bound, since the peaks need not coincide).
    """
    import psutil

    cmd = [sys.executable, str(HERE / "probes.py"), "memory", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak_sum = 0
    hwm: dict[int, float] = {}
    while proc.poll() is None:
        try:
            members = [ps, *ps.children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        for q in members:
            with contextlib.suppress(psutil.Error):
                total += q.memory_info().rss
                h = probes.vm_hwm_mib(q.pid)
                if not math.isnan(h):
                    hwm[q.pid] = max(hwm.get(q.pid, 0.0), h)
        peak_sum = max(peak_sum, total)
        time.sleep(0.02)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"memory probe failed ({proc.returncode}): {stderr[-2000:]}")
    rep = json.loads(stdout.strip().splitlines()[-1])
    hwm[proc.pid] = max(hwm.get(proc.pid, 0.0), rep["vmhwm_self_mib"])  # exact, at its exit
    rep["processes_seen"] = len(hwm)
    rep["peak_rss_sum_sampled_mib"] = peak_sum / (1024.0 * 1024.0)
    rep["peak_rss_sum_of_process_peaks_mib"] = float(sum(hwm.values()))
    rep["peak_rss_main_mib"] = rep["vmhwm_self_mib"]
    rep["peak_rss_mib"] = rep["peak_rss_sum_of_process_peaks_mib"]
    return rep


def section_memory(quick: bool) -> dict:
    """Peak RSS of 1,000 replications without events, in a fresh subprocess."""
    n = size("mem_reps", quick)
    days = size("mem_days", quick)
    jobs = os.cpu_count() or 1
    many = _probe(["--replications", str(n), "--duration", f"{days}d", "--jobs", str(jobs)])
    single = _probe(
        ["--replications", "1", "--duration", f"{size('baseline_days', quick)}d", "--single"]
    )
    return {
        "replications": n,
        "duration_days": days,
        "jobs": jobs,
        "many": many,
        "single_replication": single,
        "peak_rss_mib": many["peak_rss_mib"],
        "note": (
            f"{n} replications of the packaged baseline shortened to {days} d, no events, in a"
            " fresh interpreter (process backend on all cores); peak_rss_mib is the sum over"
            " the process tree of each process's own peak RSS (VmHWM), an upper bound of the"
            " true peak (shared pages count once per process and the peaks need not coincide);"
            " the largest sampled simultaneous sum is a lower bound. single_replication: one"
            " full-period replication (simulate + metrics) alone"
        ),
    }


# --------------------------------------------------------------------------------------------
# targets, table, meta


def targets(res: dict) -> list[dict]:
    """The targets of issue 7, measured value against goal."""
    cores = os.cpu_count() or 1
    nan = math.nan
    ratios = res.get("references", {}).get("ratios", {})
    sc = res.get("scaling", {})
    rep = res.get("replications", {}).get("headline", {"source": "not run", "speedup": nan})
    mem = res.get("memory", {"replications": 1000, "peak_rss_mib": nan})
    need_speedup = 0.9 * min(cores, 2) if cores >= 2 else math.nan
    rows = [
        (
            "baseline fixed / vectorised reference (paired runs)",
            ratios.get("fixed_over_vectorised_paired", nan),
            "<= 3",
            3.0,
            "le",
        ),
        (
            "per-sensor simpy loop / baseline fixed",
            ratios.get("per_sensor_over_fixed", nan),
            ">= 20",
            20.0,
            "ge",
        ),
        (
            "20,000 / 2,000 sensors time (paired runs)",
            sc.get("ratio_20000_over_2000_sensors_paired", nan),
            "<= 1.5",
            1.5,
            "le",
        ),
        (
            "marginal time per breach, 500->5,000 over 50->500 (linear = 1)",
            sc.get("linearity", {}).get("marginal_ratio", nan),
            "<= 1.5",
            1.5,
            "le",
        ),
        (
            f"process pool speed-up ({cores} cores, {rep['source']})",
            rep["speedup"],
            f">= {need_speedup:.1f}" if cores >= 2 else "n/a (1 core)",
            need_speedup,
            "ge",
        ),
        (
            f"peak RSS of {mem['replications']} replications, MiB",
            mem["peak_rss_mib"],
            "< 1024",
            1024.0,
            "lt",
        ),
    ]
    out = []
    for name, value, goal, bound, op in rows:
        if math.isnan(bound) or value is None or math.isnan(value):
            ok = None
        elif op == "le":
            ok = value <= bound
        elif op == "ge":
            ok = value >= bound
        else:
            ok = value < bound
        out.append({"target": name, "value": value, "goal": goal, "pass": ok})
    return out


def idle_check(seconds: float = 0.5) -> float:
    """CPU use of the whole machine (percent of all cores) while the bench sleeps.

    Taken before and after each section: anything above a few percent is
    another program, and the section's times are then not trustworthy.
    """
    import psutil

    return float(psutil.cpu_percent(interval=seconds))


def wait_idle(limit: float) -> float:
    """Wait (up to ``limit`` seconds) until other programs leave the CPU; return their use."""
    t0 = time.perf_counter()
    use = idle_check()
    while use > BUSY_PCT and time.perf_counter() - t0 < limit:
        print(f"   machine busy ({use:.0f}% CPU), waiting ...", file=sys.stderr, flush=True)
        time.sleep(2.0)
        use = idle_check()
    return use


def meta(args) -> dict:
    """Machine, versions, commit and date."""
    import simpy

    import ceasemon

    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    cpu = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeat": args.repeat,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "ceasemon": ceasemon.__version__,
        "commit": git("rev-parse", "--short", "HEAD"),
        "model_sources_modified": bool(git("status", "--porcelain", "src/ceasemon/model")),
    }


def _f(x: float, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{nd}g}" if abs(x) < 1 else f"{x:.{nd}f}".rstrip("0").rstrip(".")


def table(res: dict) -> str:
    """The human-readable table (sections that were not run are left out)."""
    m = res["meta"]
    lines = [
        f"ceasemon bench  {m['date']}  {m['cpu']}  {m['cores']} cores  python {m['python']}"
        f"  numpy {m['numpy']}  simpy {m['simpy']}  commit {m['commit']}"
        + ("  (model sources modified)" if m["model_sources_modified"] else "")
        + ("  QUICK" if m["quick"] else "")
    ]
    for name, fn in (
        ("baseline", _table_baseline),
        ("scaling", _table_scaling),
        ("replications", _table_replications),
        ("memory", _table_memory),
    ):
        if name in res:
            lines.append("")
            lines.extend(fn(res))
    noisy = {
        k: max(v["before_pct"], v["after_pct"])
        for k, v in m.get("other_cpu_use", {}).items()
        if max(v["before_pct"], v["after_pct"]) > BUSY_PCT
    }
    if noisy:
        lines.append("")
        lines.append(
            "   WARNING: other programs used the CPU around these sections (percent of all"
            " cores while the bench slept): "
            + ", ".join(f"{k} {v:.0f}%" for k, v in noisy.items())
            + "; their times are unreliable, run again on a quiet machine"
        )
    lines.append("")
    lines.append("5. targets of issue 7")
    for t in res["targets"]:
        status = {True: "PASS", False: "FAIL", None: "n/a"}[t["pass"]]
        lines.append(f"   {status:<5} {t['target']:<70} {_f(t['value']):>10}  goal {t['goal']}")
    if m["quick"]:
        lines.append("   (quick mode: tiny sizes, the numbers say nothing about the targets)")
    return "\n".join(lines)


def _table_baseline(res: dict) -> list[str]:
    b = res["baseline"]
    r = res.get("references")
    lines = [
        f"1. baseline replication-year ({b['note']})",
        "   (times: CPU seconds of the bench process, = wall time on an idle machine)",
    ]
    row = "   {:<38} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}"
    lines.append(
        row.format("", "s/rep-yr", "wall", "build s", "breaches", "us/breach", "x vectorised")
    )
    vy = r["vectorised"]["seconds_per_replication_year"] if r else math.nan
    for pol in ("fixed", "adaptive"):
        x = b[pol]
        lines.append(
            row.format(
                f"ceasemon {pol}",
                _f(x["seconds_per_replication_year"]),
                _f(x["wall_seconds_median"] * YEAR / x["simulated_days"]),
                _f(x["build_seconds"]),
                _f(x["breaches"]),
                _f(x["us_per_breach"]),
                _f(x["seconds_per_replication_year"] / vy),
            )
        )
    if not r:
        return lines
    v, n = r["vectorised"], r["per_sensor_simpy"]
    lines.append(
        row.format(
            "ref (b) vectorised numpy",
            _f(vy),
            _f(v["wall_seconds_median"] * YEAR / v["simulated_days"]),
            "-",
            _f(v["breaches"]),
            "-",
            "1",
        )
    )
    lines.append(
        row.format(
            f"ref (a) per-sensor simpy [{n['simulated_days']:g} d scaled]",
            _f(n["seconds_per_replication_year"]),
            _f(n["wall_seconds"] * n["seconds_per_replication_year"] / n["seconds"]),
            "-",
            _f(n["breaches"]),
            "-",
            _f(n["seconds_per_replication_year"] / vy),
        )
    )
    ra = r["ratios"]
    lines.append(
        f"   ratios: fixed/vectorised {_f(ra['fixed_over_vectorised'])}"
        f" (paired runs: {_f(ra.get('fixed_over_vectorised_paired', math.nan))}), per-sensor/fixed"
        f" {_f(ra['per_sensor_over_fixed'])}, adaptive/vectorised"
        f" {_f(ra['adaptive_over_vectorised'])}, per-sensor/adaptive"
        f" {_f(ra['per_sensor_over_adaptive'])}"
    )
    lines.append("")
    lines.append("   reference agreement (fixed policy; z = difference / combined standard error):")
    for c in r["agreement"]:
        lines.append(
            f"   {c['check']:<28} ref {c['reference']:.5f} +- {c['reference_se']:.5f}   ceasemon"
            f" {c['ceasemon']:.5f} +- {c['ceasemon_se']:.5f}   z {c['z']:+.2f}"
            f"  {'ok' if c['agree'] else 'DISAGREE'}"
        )
    lines.append(
        "   (ceasemon share with >= min_detections detections:"
        f" {r['ceasemon_fixed_verifiable_share']:.5f})"
    )
    return lines


def _table_scaling(res: dict) -> list[str]:
    s = res["scaling"]
    lines = [f"2. scaling ({s['note']})"]
    lines.append(
        "   (peak MiB: the bench process's peak RSS during the row's runs; it held"
        f" {_f(s['sensors'][0]['rss_before_mib'])} MiB before them)"
    )
    row = "   {:<26} {:>9} {:>12} {:>10} {:>10} {:>10} {:>10}"
    lines.append(
        row.format("", "sensors", "breaches/d", "s/run", "s/rep-yr", "us/breach", "peak MiB")
    )
    for kind in ("sensors", "breaches"):
        for x in s[kind]:
            lines.append(
                row.format(
                    f"{kind} {x['target']:,}",
                    f"{x['sensors']:,}",
                    _f(x["breaches_per_day"]),
                    _f(x["seconds_median"]),
                    _f(x["seconds_per_replication_year"]),
                    _f(x["us_per_breach"]),
                    _f(x["peak_rss_mib"]),
                )
            )
    lin = s["linearity"]
    lines.append(
        f"   20,000/2,000 sensors: {_f(s['ratio_20000_over_2000_sensors'])}x (paired runs:"
        f" {_f(s.get('ratio_20000_over_2000_sensors_paired', math.nan))}x);  marginal us/breach"
        f" 50->500 {_f(lin['marginal_us_per_breach_50_to_500'])}, 500->5,000"
        f" {_f(lin['marginal_us_per_breach_500_to_5000'])} (ratio {_f(lin['marginal_ratio'])})"
    )
    return lines


def _table_replications(res: dict) -> list[str]:
    p = res["replications"]
    lines = [f"3. replications/s: {p['replications']} replications of {p['scenario']}, {p['note']}"]
    for src in ("runner", "raw_pool"):
        x = p.get(src)
        if not x:
            continue
        if src == "runner" and not x.get("available"):
            lines.append(f"   runner: SKIPPED ({x['message']})")
            continue
        lines.append(
            f"   {src:<9} serial {_f(x['serial']['replications_per_s'])}/s"
            f"   process x{x['process']['jobs']} {_f(x['process']['replications_per_s'])}/s"
            f"   speed-up {_f(x['speedup'])}" + (f"   ({x['note']})" if "note" in x else "")
        )
    return lines


def _table_memory(res: dict) -> list[str]:
    mem = res["memory"]
    many = mem["many"]
    return [
        f"4. memory: {mem['replications']} replications of {mem['duration_days']} d"
        f" ({many['mode']}, fresh interpreter)",
        f"   peak RSS {_f(mem['peak_rss_mib'])} MiB (sum of the {many['processes_seen']}"
        f" processes' own peaks; largest sampled simultaneous sum"
        f" {_f(many['peak_rss_sum_sampled_mib'])} MiB; main process"
        f" {_f(many['peak_rss_main_mib'])} MiB)",
        f"   one replication of {mem['single_replication']['duration']} alone"
        f" (simulate + metrics): {_f(mem['single_replication']['peak_rss_mib'])} MiB",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run every section, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (seconds), for smoke tests")
    ap.add_argument("--out", default=str(HERE / "out" / "bench.json"), help="JSON output file")
    ap.add_argument(
        "--repeat", type=int, default=None, help="timed runs per row (default 5, quick 1)"
    )
    ap.add_argument(
        "--raw-pool",
        action="store_true",
        help="also time the bench's own process pool (always done when the runner is missing)",
    )
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each section wait up to this long for other programs to leave the CPU",
    )
    ap.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help="comma-separated subset of: " + ", ".join(SECTIONS) + " (default: all)",
    )
    args = ap.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    t_start = time.perf_counter()
    res: dict[str, Any] = {"meta": meta(args)}

    busy: dict[str, dict[str, float]] = {}
    res["meta"]["other_cpu_use"] = busy

    def step(name: str, fn, *a):
        before = wait_idle(args.wait_idle)
        t0 = time.perf_counter()
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        res[name] = fn(*a)
        print(f"[{name}] {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        busy[name] = {
            "before_pct": before,
            "after_pct": idle_check(),
            "load_average_1min": os.getloadavg()[0],
            "bench_peak_rss_mib": probes.vm_hwm_mib(),
        }

    todo = set(args.sections.split(","))
    unknown = todo - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s) {sorted(unknown)}; known: {', '.join(SECTIONS)}")
    if "references" in todo:
        todo.add("baseline")  # the references are compared with the baseline runs
    if "baseline" in todo:
        step("baseline", section_baseline, args.quick, args.repeat)
    if "references" in todo:
        step("references", section_references, args.quick, args.repeat, res["baseline"])
    if "scaling" in todo:
        step("scaling", section_scaling, args.quick, args.repeat)
    if "replications" in todo:
        step("replications", section_replications, args.quick, args.raw_pool)
    if "memory" in todo:
        step("memory", section_memory, args.quick)
    res["targets"] = targets(res)
    res["meta"]["bench_seconds"] = time.perf_counter() - t_start
    res["meta"]["load_average_at_end"] = list(os.getloadavg())
    text = table(res)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=_json_default) + "\n")
    print(f"\nwrote {out}  ({res['meta']['bench_seconds']:.0f} s)")
    return 0


def _json_default(o: Any):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


if __name__ == "__main__":
    sys.exit(main())
