"""Verification of docs/model.md section "2 Sensors and detection" (revisiting sensors).

A group with revisit period r observes at r k + phase, the phase uniform per
replication.  A breach at t is seen at the first pass at or after t, if that
pass comes within the type's persistence w, with probability p.  The wait V
from the breach to the next pass is uniform on [0, r): for breach times
uniform over a whole number of periods this holds for every phase, so breaches
are independent trials within one replication.  Hence

    P(detected)                = p * P(V <= w) = p * min(1, w / r)
    delay to detection | seen  = V | V <= w + latency ~ U(0, min(w, r)) + latency
    E[delay]                   = min(w, r) / 2 + latency,  sd min(w, r) / sqrt(12)

Only breaches in [0, T'] with T' a multiple of r and T' + r + latency <= T are
counted, so that the next pass and the arrival of every detection fall inside
the run (a detection after the end of the run is not recorded).
"""

import math

import numpy as np
import pytest
from verification_tools import BREACH, check, check_share, replications

from ceasemon.model import analytic
from ceasemon.model.simulation import build_model

LATENCY_H = 2.0


CASES = [
    # revisit (d), p_detect, persistence (d): one type with w < r, one with w >= r
    (4.0, {"shot": 0.6, "shell": 0.9}, {"shot": 1.0, "shell": 6.0}),
    (0.5, {"shot": 0.7, "shell": 0.4}, {"shot": 0.2, "shell": 0.5}),
]


@pytest.mark.parametrize(("revisit_d", "p", "persistence_d"), CASES)
def test_revisit_detection_probability_and_delay(make_scenario, revisit_d, p, persistence_d):
    duration = 1000.0
    sc = make_scenario(
        {
            "duration": f"{duration:g}d",
            "parties.red.rates_per_day": {"shot": 10, "shell": 10},
            "parties.blue.rates_per_day": {"shot": 10, "shell": 10},
            "sensors": {
                "sat": {
                    "coverage": "full",
                    "p_detect": p,
                    "revisit": f"{revisit_d:g}d",
                    "persistence": {k: f"{v:g}d" for k, v in persistence_d.items()},
                    "latency": f"{LATENCY_H:g}h",
                }
            },
        }
    )
    model = build_model(sc)
    latency = LATENCY_H / 24.0
    horizon = math.floor((duration - revisit_d - latency) / revisit_d) * revisit_d  # T'
    cov = analytic.coverage(model)
    mass = analytic.segment_mass(model, cov, model.aggressor_index)
    recs = replications(model, root=301, n=4)  # four phases
    for type_ in ("shot", "shell"):
        k = model.types.index(type_)
        w = persistence_d[type_]
        expected = p[type_] * min(1.0, w / revisit_d)
        # the rational aggressor's closed form is the same
        assert analytic.p_detected_at_least(model, cov, mass, k, 1) == pytest.approx(expected)
        seen, delays = [], []
        for rec in recs:
            ev = rec.events
            sel = (ev["kind"] == BREACH) & (ev["type"] == k) & (ev["t_breach"] < horizon)
            det = ev["t_detected"][sel]
            ok = np.isfinite(det)
            seen.append(ok)
            delays.append(det[ok] - ev["t_breach"][sel][ok])
        seen = np.concatenate(seen)
        delays = np.concatenate(delays)
        label = f"revisit {revisit_d:g}d, persistence {w:g}d, p {p[type_]}"
        check_share(f"{label}: detected share = p min(1, w/r)", seen, expected)
        window = min(w, revisit_d)
        assert delays.max() <= window + latency + 1e-9
        assert delays.min() >= latency - 1e-9
        check(
            f"{label}: mean delay to detection = min(w, r)/2 + latency (d)",
            delays.mean(),
            window / 2 + latency,
            window / math.sqrt(12 * len(delays)),
        )
