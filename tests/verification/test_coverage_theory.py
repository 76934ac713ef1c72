"""Verification of docs/model.md section "2 Sensors and detection" (coverage and groups).

Evenly spaced positioned sensors (spacing s, range R, sensors at s/2 + j s):
the sensors in range of a breach at y are the lattice points in the window
[y - R, y + R] of length 2R.  For a breach position uniform over whole lattice
periods, the window's offset against the lattice is uniform, so the number K
of sensors in range is

    K = floor(2R / s) + 1   with probability  frac(2R / s)
    K = floor(2R / s)       with probability  1 - frac(2R / s)

(the share of the line covered by exactly k sensors).  The breaches are kept
away from the ends of the line (party sector weights 0 on 20 km end sectors,
still covered by the lattice), so this holds exactly.  Each sensor in range
detects independently with p, so

    P(detected) = 1 - E[(1 - p)^K],   E[detections] = p E[K],
    Var(detections) = p (1 - p) E[K] + p^2 Var(K).

With p = 1 the detection count is K itself.  Independent groups: a breach is
missed only if every group misses it, P(detected) = 1 - prod_i (1 - p_i) for
full-coverage groups (one virtual sensor each), and 1 - (1 - p_f) E[(1 - p)^K]
for a full group beside a positioned one.  Every breach is an independent
trial (independent positions and detection draws, no failures), so shares have
binomial standard errors.

The model's own closed forms (``analytic.coverage``, ``p_detected_at_least``,
used by the rational aggressor) must give the same numbers exactly.
"""

import math

import numpy as np
import pytest
from verification_tools import BREACH, binomial_se, check, check_share, replications

from ceasemon.measures.metrics import metrics
from ceasemon.model import analytic
from ceasemon.model.simulation import build_model

SECTORS = [
    {"name": "west", "start_km": 0, "end_km": 20, "terrain": "open"},
    {"name": "mid", "start_km": 20, "end_km": 80, "terrain": "open"},
    {"name": "east", "start_km": 80, "end_km": 100, "terrain": "open"},
]
ONLY_MID = {"west": 0, "east": 0}


def k_distribution(spacing: float, range_km: float) -> dict[int, float]:
    """P(K = k) for a lattice of spacing s and a window of length 2R at a uniform offset."""
    ratio = 2.0 * range_km / spacing
    lo = math.floor(ratio)
    frac = ratio - lo
    return {lo: 1.0 - frac, lo + 1: frac}


def mid_line_scenario(make_scenario, sensors, duration="1000d"):
    return make_scenario(
        {
            "duration": duration,
            "contact_line.sectors": SECTORS,
            "parties.red.rates_per_day": {"shot": 20, "shell": 20},
            "parties.blue.rates_per_day": {"shot": 10, "shell": 10},
            "parties.red.sector_weights": ONLY_MID,
            "parties.blue.sector_weights": ONLY_MID,
            "sensors": sensors,
        }
    )


@pytest.mark.parametrize(("spacing", "range_km"), [(10.0, 12.0), (10.0, 7.0), (20.0, 13.0)])
def test_sensors_in_range_and_detected_share(make_scenario, spacing, range_km):
    p = 0.3
    sc = mid_line_scenario(
        make_scenario,
        {
            "ears": {
                "spacing_km": spacing,
                "range_km": range_km,
                "p_detect": {"shot": 1.0, "shell": p},
                "latency": "0s",
            }
        },
    )
    model = build_model(sc)
    pos = model.groups[0].positions
    # preconditions of the lattice formula: mid spans whole periods, no lattice point in
    # [20 - R, 80 + R] is missing from the array, and 2R/s is not an integer (K takes two values)
    assert (80 - 20) % spacing == 0
    assert pos.min() - spacing < 20 - range_km and pos.max() + spacing > 80 + range_km
    np.testing.assert_allclose(np.diff(pos), spacing)
    dist = k_distribution(spacing, range_km)
    assert min(dist.values()) > 0
    ks = np.array(sorted(dist))
    pk = np.array([dist[k] for k in ks])
    e_k = float(ks @ pk)
    var_k = float((ks**2) @ pk - e_k**2)
    p_det = 1.0 - float(pk @ (1.0 - p) ** ks)

    # the model's closed forms agree exactly
    cov = analytic.coverage(model)
    mass = analytic.segment_mass(model, cov, model.aggressor_index)
    shares = analytic.expected_share_in_range(model, cov, mass, 0)
    np.testing.assert_allclose(shares[ks], pk, atol=1e-12)
    assert shares.sum() == pytest.approx(1.0)
    shell = model.types.index("shell")
    assert analytic.p_detected_at_least(model, cov, mass, shell, 1) == pytest.approx(p_det)

    (rec,) = replications(model, root=201, n=1)
    ev = rec.events
    b = ev["kind"] == BREACH
    shot = b & (ev["type"] == model.types.index("shot"))
    k_sim = ev["detections"][shot]  # p = 1: every sensor in range detects
    assert set(np.unique(k_sim)) <= set(ks.tolist())
    for k, share in zip(ks, pk, strict=True):
        check_share(f"coverage s={spacing:g} R={range_km:g}: share with K={k}", k_sim == k, share)
    d = ev["detections"][b & (ev["type"] == shell)]
    check_share(f"coverage s={spacing:g} R={range_km:g} p={p}: detected share", d > 0, p_det)
    sd = math.sqrt(p * (1 - p) * e_k + p**2 * var_k)
    check(
        f"coverage s={spacing:g} R={range_km:g} p={p}: mean detections",
        d.mean(),
        p * e_k,
        sd / math.sqrt(len(d)),
    )


def test_independent_full_coverage_groups(make_scenario):
    ps = {"sat": 0.5, "drone": 0.3, "patrol": 0.2}
    sc = make_scenario(
        {
            "duration": "1000d",
            "sensors": {
                name: {"coverage": "full", "p_detect": {"shot": p, "shell": p}}
                for name, p in ps.items()
            },
        }
    )
    (rec,) = replications(build_model(sc), root=202, n=1)
    expected = 1.0 - math.prod(1.0 - p for p in ps.values())  # 0.72
    m = metrics(rec)
    check(
        "3 full groups: detected_share = 1 - prod(1 - p_i)",
        m["detected_share"],
        expected,
        binomial_se(expected, m["breaches"]),
    )
    d = rec.events["detections"][rec.events["kind"] == BREACH]
    # detections = sum of independent Bernoulli(p_i)
    var = sum(p * (1 - p) for p in ps.values())
    check(
        "3 full groups: mean detections = sum p_i",
        d.mean(),
        sum(ps.values()),
        math.sqrt(var / len(d)),
    )


def test_full_group_beside_a_positioned_group(make_scenario):
    spacing, range_km, p, p_full = 10.0, 12.0, 0.3, 0.4
    sc = mid_line_scenario(
        make_scenario,
        {
            "ears": {
                "spacing_km": spacing,
                "range_km": range_km,
                "p_detect": {"shot": p, "shell": p},
            },
            "sat": {"coverage": "full", "p_detect": {"shell": p_full}},
        },
    )
    model = build_model(sc)
    (rec,) = replications(model, root=203, n=1)
    dist = k_distribution(spacing, range_km)
    miss_positioned = sum(q * (1 - p) ** k for k, q in dist.items())
    ev = rec.events
    b = ev["kind"] == BREACH
    for type_, expected in [
        ("shot", 1.0 - miss_positioned),
        ("shell", 1.0 - (1.0 - p_full) * miss_positioned),
    ]:
        sel = b & (ev["type"] == model.types.index(type_))
        check_share(
            f"positioned + full group: detected share ({type_})",
            ev["detections"][sel] > 0,
            expected,
        )
        cov = analytic.coverage(model)
        mass = analytic.segment_mass(model, cov, model.aggressor_index)
        got = analytic.p_detected_at_least(model, cov, mass, model.types.index(type_), 1)
        assert got == pytest.approx(expected)


def test_first_detection_delay_and_location_error(make_scenario):
    """First arrival and reported position of a detected breach.

    Exponential latency (mean m): the first of K arrivals comes after the minimum of K
    exponentials, mean m / K; the reported position is the true one plus N(0, sd^2) noise.
    """
    spacing, range_km, m_h, sd_km = 10.0, 12.0, 2.0, 0.5
    sc = mid_line_scenario(
        make_scenario,
        {
            "ears": {
                "spacing_km": spacing,
                "range_km": range_km,
                "p_detect": {"shot": 1.0, "shell": 1.0},
                "latency": {"dist": "exponential", "mean": f"{m_h:g}h"},
                "location_error_km": sd_km,
            }
        },
        duration="300d",
    )
    (rec,) = replications(build_model(sc), root=204, n=1)
    ev = rec.events
    b = (ev["kind"] == BREACH) & (ev["t_breach"] < 299.0)  # first arrival within the run
    delay_h = 24.0 * (ev["t_detected"][b] - ev["t_breach"][b])
    dist = k_distribution(spacing, range_km)
    mean = sum(q * m_h / kk for kk, q in dist.items())
    second = sum(q * 2 * (m_h / kk) ** 2 for kk, q in dist.items())  # E[X^2], X ~ Exp(mean m/K)
    check(
        "first detection delay = E[m / K] (exponential latency)",
        delay_h.mean(),
        mean,
        math.sqrt((second - mean**2) / len(delay_h)),
    )
    err = ev["position_reported_km"][b] - ev["position_km"][b]
    n = len(err)
    check("location error: mean", err.mean(), 0.0, sd_km / math.sqrt(n))
    check("location error: sd", err.std(ddof=1), sd_km, sd_km / math.sqrt(2 * (n - 1)))
