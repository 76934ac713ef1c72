"""Verification of docs/model.md "Sensor outages (timed events)" (MODEL.md 10).

One full-coverage group with p_detect 1 sees every breach.  An outage of factor f
in one sector from day a to the end of a run of length T: a breach is missed
exactly when it falls in that sector (probability s, its share of the breach mass)
and after a (probability (T - a) / T: a fixed aggressor breaches at constant rates,
so breach times are uniform on [0, T], independent of the sector), and then only
with probability 1 - f.  So each aggressor breach is detected, independently, with

    p = 1 - s (1 - f) (T - a) / T           (f = 0: 1 - s (T - a) / T)

and the detected share of N breaches has binomial standard error sqrt(p (1 - p) / N);
accept 4 SE.  The rational aggressor's passage on day d is the state in force that
day: 1 before a, 1 - s (1 - f) from a on; the model's closed form gives it exactly.

With positioned sensors the closed form splits the sensors in range by the sector they
stand in (a breach near a sector boundary keeps the other sector's sensors): the
detected shares before and after a are checked against it, each a binomial share.
"""

import numpy as np
import pytest
from verification_tools import BREACH, check_share, replications

from ceasemon.model import analytic
from ceasemon.model.build import build_model

T, A = 1000.0, 400.0
# MINIMAL's line: north 0-40 km (weight 1), south 40-100 km (weight 2); the aggressor
# breaches in proportion to length x weight, so north holds 40 / (40 + 120) of its breaches
S_NORTH = 40.0 / (40.0 + 120.0)


def outage_scenario(make_scenario, sensors, factor):
    return make_scenario(
        {
            "duration": f"{T:g}d",
            "sensors": sensors,
            "events": [
                {"kind": "sensor_outage", "at": f"{A:g}d", "sectors": ["north"], "factor": factor}
            ],
        }
    )


def aggressor_breaches(model, root):
    (rec,) = replications(model, root=root, n=1)
    ev = rec.events
    b = (ev["kind"] == BREACH) & (ev["party"] == model.aggressor_index)
    return ev["t_breach"][b], ev["detections"][b], ev["type"][b]


def passage(model, days):
    view = analytic.View(model, np.ones(len(model.coalition.names), bool), days, None)
    return np.broadcast_to(model.detection.passage(view).probability, (len(days), 2))


@pytest.mark.parametrize("factor", [0.0, 0.4])
def test_full_coverage_outage_share(make_scenario, factor):
    sat = {"sat": {"coverage": "full", "p_detect": {"shot": 1.0, "shell": 1.0}}}
    model = build_model(outage_scenario(make_scenario, sat, factor))
    assert model.line.names == ("north", "south")
    share = model.parties[model.aggressor_index].sector_probs[0]
    assert share == pytest.approx(S_NORTH)
    _, detections, _ = aggressor_breaches(model, root=301)
    expected = 1.0 - S_NORTH * (1.0 - factor) * (T - A) / T
    check_share(
        f"outage f={factor}: detected share of aggressor breaches", detections > 0, expected
    )
    # the rational aggressor's passage per day: 1 before a, 1 - s (1 - f) from a on
    days = np.array([0.0, A - 1.0, A, A + 1.0, T])
    p = passage(model, days)
    after = 1.0 - S_NORTH * (1.0 - factor)
    np.testing.assert_allclose(p, np.array([[1, 1], [1, 1], [after] * 2, [after] * 2, [after] * 2]))


def test_positioned_outage_passage_matches_simulation(make_scenario):
    # MINIMAL's ears (50 sensors over 100 km, range 3 km, p 0.6 / 0.8) with north at 0.2
    sc = make_scenario(
        {
            "duration": f"{T:g}d",
            "events": [
                {"kind": "sensor_outage", "at": f"{A:g}d", "sectors": ["north"], "factor": 0.2}
            ],
        }
    )
    model = build_model(sc)
    p = passage(model, np.array([0.0, A]))
    assert (p[1] < p[0]).all()  # the outage lowers it
    t, detections, type_ = aggressor_breaches(model, root=302)
    for k, name in enumerate(model.types):
        for row, when in ((0, t < A), (1, t >= A)):
            hits = detections[when & (type_ == k)] > 0
            check_share(f"outage positioned {name} {'after' if row else 'before'}", hits, p[row, k])
