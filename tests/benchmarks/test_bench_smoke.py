"""Smoke test of benchmarks/bench.py: it runs at tiny sizes and writes every section.

No timing assertions: only that the script works end to end and that every
number it reports is there and positive.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("meta", "baseline", "references", "scaling", "replications", "memory", "targets")


def positive(x) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(out.read_text()), proc.stdout


@pytest.mark.slow
def test_every_section_is_written(bench):
    res, stdout = bench
    for name in SECTIONS:
        assert name in res, name
    assert res["meta"]["quick"] is True
    for heading in ("1. baseline", "2. scaling", "3. replications/s", "4. memory", "5. targets"):
        assert heading in stdout


@pytest.mark.slow
def test_baseline_and_references_are_positive(bench):
    res, _ = bench
    for policy in ("fixed", "adaptive"):
        row = res["baseline"][policy]
        for key in ("seconds_per_replication_year", "build_seconds", "breaches", "us_per_breach"):
            assert positive(row[key]), (policy, key, row[key])
    ref = res["references"]
    assert positive(ref["vectorised"]["seconds_per_replication_year"])
    assert positive(ref["per_sensor_simpy"]["seconds_per_replication_year"])
    for key, value in ref["ratios"].items():
        assert positive(value), key
    assert len(ref["agreement"]) == 4
    for check in ref["agreement"]:
        assert 0 < check["reference"] <= 1 and 0 < check["ceasemon"] <= 1
        assert math.isfinite(check["z"])


@pytest.mark.slow
def test_scaling_rows_are_positive(bench):
    res, _ = bench
    sc = res["scaling"]
    assert [r["target"] for r in sc["sensors"]] == [200, 2000, 20000]
    assert [r["target"] for r in sc["breaches"]] == [50, 500, 5000]
    for row in sc["sensors"] + sc["breaches"]:
        for key in ("seconds_median", "sensors", "breaches", "us_per_breach"):
            assert positive(row[key]), (row["target"], key)
    sensors = [r["sensors"] for r in sc["sensors"]]
    assert sensors == sorted(sensors) and sensors[0] < sensors[2]
    assert positive(sc["ratio_20000_over_2000_sensors"])
    lin = sc["linearity"]
    for value in lin["us_per_breach"].values():
        assert positive(value)
    # The marginal ratio is a ratio of timing differences: at --quick sizes the 50 -> 500
    # difference can vanish in noise, and then it must be NaN and flagged, never a sign-flipped
    # number.
    if lin["measurable"]:
        assert positive(lin["marginal_ratio"])
    else:
        assert math.isnan(lin["marginal_ratio"])
    assert sc["breaches"][2]["overrides"]["attribution.analysts"] > 16


@pytest.mark.slow
def test_replications_memory_and_targets_are_positive(bench):
    res, _ = bench
    head = res["replications"]["headline"]
    for key in ("serial_replications_per_s", "process_replications_per_s", "speedup"):
        assert positive(head[key]), key
    assert positive(res["memory"]["peak_rss_mib"])
    assert positive(res["memory"]["single_replication"]["peak_rss_mib"])
    assert len(res["targets"]) == 6
    linear = res["scaling"]["linearity"]
    for t in res["targets"]:
        if t["target"].startswith("marginal time per breach") and not linear["measurable"]:
            assert math.isnan(t["value"]) and t["pass"] is None
        else:
            assert positive(t["value"]), t["target"]
        assert t["pass"] in (True, False, None)
