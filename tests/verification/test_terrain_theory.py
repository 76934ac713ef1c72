"""Verification of docs/model.md "Terrain" (MODEL.md 11): ``terrain_factor`` on p_detect.

A breach in a sector of terrain g is detected by each sensor of a group with
``p_detect[type] * terrain_factor[g]`` (terrains not named: 1), by the *breach's* sector.

Closed form, one ``full`` group with p_detect p for every type and the factor f on the
terrain of one sector of share s (MINIMAL's line: north 0-40 km open, weight 1; south
40-100 km urban, weight 2; a fixed aggressor breaches in proportion to length x weight, so
s = 120 / 160 for south).  The one virtual sensor detects a breach in that sector with
p f and elsewhere with p, independently per breach, so

    P(detected) = s p f + (1 - s) p = p (s f + (1 - s))

and the detected share of N aggressor breaches has binomial SE sqrt(P (1 - P) / N);
accept 4 SE.  Per sector the shares are p f and p, each a binomial share.  With f = 0
that sector's breaches are never detected (exactly: no draw has a chance).

Composition with an outage of factor o on the same sector from day a to the end of a run
of length T (breach times of a fixed aggressor are uniform on [0, T], independent of the
sector): in the sector the factor is f before a and f o from a on, so

    P(detected) = p ((1 - s) + s f (a / T + o (T - a) / T)).

The rational aggressor's passage (the closed form of ``coverage.p_detected_at_least``)
must give p (s f + (1 - s)) exactly for the full group, and for a positioned group the
simulated share per type (binomial, 4 SE) of the closed form that multiplies each
segment's q by its sector's factor.  (tests/model/test_terrain.py: factors 1 draw exactly
what no ``terrain_factor`` draws, and the two engines agree with terrain.)
"""

import numpy as np
import pytest
from verification_tools import BREACH, check_share, replications

from ceasemon.model import analytic
from ceasemon.model.build import build_model

T = 400.0
S_SOUTH = 120.0 / 160.0  # south's share of the aggressor's breaches (length x weight)
P = 0.7


def full_group(factor):
    g = {"coverage": "full", "p_detect": {"shot": P, "shell": P}}
    if factor is not None:
        g["terrain_factor"] = {"urban": factor}
    return {"sat": g}


def aggressor_breaches(model, root):
    """Positions, detections and types of the aggressor's breaches in one replication."""
    (rec,) = replications(model, root=root, n=1)
    ev = rec.events
    b = (ev["kind"] == BREACH) & (ev["party"] == model.aggressor_index)
    return ev["position_km"][b], ev["detections"][b], ev["type"][b]


def passage(model, days=(0.0,)):
    view = analytic.View(model, np.ones(len(model.coalition.names), bool), np.array(days), None)
    return np.broadcast_to(model.detection.passage(view).probability, (len(days), 2))


@pytest.mark.parametrize("factor", [0.3, 0.0])
def test_full_coverage_terrain_share(make_scenario, factor):
    sc = make_scenario({"duration": f"{T:g}d", "sensors": full_group(factor)})
    model = build_model(sc)
    assert model.line.terrain == ("open", "urban")
    assert model.parties[model.aggressor_index].sector_probs[1] == pytest.approx(S_SOUTH)
    pos, detections, _ = aggressor_breaches(model, root=401)
    hit = detections > 0
    south = pos >= 40.0
    expected = P * (S_SOUTH * factor + (1.0 - S_SOUTH))
    check_share(f"terrain f={factor}: detected share", hit, expected)
    check_share(f"terrain f={factor}: north (open, factor 1)", hit[~south], P)
    if factor == 0.0:
        assert not hit[south].any()  # a factor-0 terrain is never seen by the group
    else:
        check_share(f"terrain f={factor}: south (urban)", hit[south], P * factor)
    # the rational aggressor's coverage P includes the terrain, exactly
    np.testing.assert_allclose(passage(model), expected, rtol=1e-12)


def test_terrain_composes_with_an_outage(make_scenario):
    f, o, a = 0.5, 0.4, 150.0
    outage = {"kind": "sensor_outage", "at": f"{a:g}d", "sectors": ["south"], "factor": o}
    sc = make_scenario({"duration": f"{T:g}d", "sensors": full_group(f), "events": [outage]})
    model = build_model(sc)
    _, detections, _ = aggressor_breaches(model, root=402)
    expected = P * ((1.0 - S_SOUTH) + S_SOUTH * f * (a / T + o * (T - a) / T))
    check_share("terrain x outage: detected share", detections > 0, expected)
    # the passage per outage state: f before a, f o from a on
    p = passage(model, (0.0, a))
    before = P * (S_SOUTH * f + 1.0 - S_SOUTH)
    after = P * (S_SOUTH * f * o + 1.0 - S_SOUTH)
    np.testing.assert_allclose(p, [[before] * 2, [after] * 2], rtol=1e-12)


def test_positioned_terrain_passage_matches_simulation(make_scenario):
    # MINIMAL's ears (50 sensors over 100 km, range 3 km, p 0.6 / 0.8), urban at 0.25
    sc = make_scenario(
        {"duration": f"{T:g}d", "sensors.ears.terrain_factor": {"urban": 0.25, "open": 0.9}}
    )
    model = build_model(sc)
    plain = passage(build_model(make_scenario({"duration": f"{T:g}d"})))
    p = passage(model)
    assert (p < plain).all()
    _, detections, type_ = aggressor_breaches(model, root=403)
    for k, name in enumerate(model.types):
        check_share(f"terrain positioned {name}", detections[type_ == k] > 0, p[0, k])
