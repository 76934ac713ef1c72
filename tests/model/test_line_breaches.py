"""Contact line sampling and breach generation (Poisson counts, thinning inputs, retaliation)."""

import numpy as np

from ceasemon.model.breaches import draw_candidates
from ceasemon.model.simulation import build_model
from ceasemon.model.streams import Streams, replication_seed


def test_sector_shares_are_proportional_to_length_times_weight(make_scenario):
    model = build_model(make_scenario())
    line = model.line
    probs = line.sector_probabilities()
    np.testing.assert_allclose(probs, [40 * 1, 60 * 2] / np.float64(160))
    n = 100_000
    pos, sec = line.sample(np.random.default_rng(1), n, probs)
    share = np.bincount(sec, minlength=2) / n
    assert np.all(np.abs(share - probs) < 4 * np.sqrt(probs * (1 - probs) / n))
    # uniform inside the sector
    north = pos[sec == 0]
    assert north.min() >= 0 and north.max() < 40
    assert abs(north.mean() - 20) < 4 * (40 / np.sqrt(12)) / np.sqrt(len(north))
    np.testing.assert_array_equal(line.sector_of(pos), sec)


def test_party_sector_weights_shift_breaches(make_scenario):
    model = build_model(make_scenario({"parties.red.sector_weights": {"north": 0}}))
    red = model.parties[0]
    assert red.sector_probs[0] == 0 and red.sector_probs[1] == 1


def test_candidate_counts_are_poisson_per_party_and_type(make_scenario):
    model = build_model(make_scenario({"duration": "50d"}))
    counts = []
    for i in range(300):
        c = draw_candidates(
            model.parties, model.types, model.line, 50.0, 1.0, Streams(replication_seed(3, i))
        )
        counts.append([np.sum((c.party == 0) & (c.type == 0)), np.sum(c.party == 1)])
    counts = np.array(counts, float)
    for col, mean in enumerate([20 * 50, 10 * 50]):
        x = counts[:, col]
        se = np.sqrt(mean / len(x))
        assert abs(x.mean() - mean) < 4 * se
        # Poisson: variance equals the mean (the sample variance has sd ~ mean*sqrt(2/(n-1)))
        assert abs(x.var(ddof=1) - mean) < 4 * mean * np.sqrt(2 / (len(x) - 1))


def test_candidates_are_sorted_and_retaliations_follow_their_parent(make_scenario):
    sc = make_scenario(
        {
            "parties.blue.retaliation": {
                "probability": 0.3,
                "delay": {"dist": "exponential", "mean": "2h"},
            }
        }
    )
    model = build_model(sc)
    c = draw_candidates(
        model.parties, model.types, model.line, 100.0, 2.0, Streams(replication_seed(4, 0))
    )
    assert np.all(np.diff(c.t) >= 0)
    kids = np.flatnonzero(c.parent >= 0)
    par = c.parent[kids]
    assert np.all(c.is_aggressor[par])
    assert np.all(c.t[kids] >= c.t[par])
    np.testing.assert_array_equal(c.position[kids], c.position[par])
    np.testing.assert_array_equal(c.type[kids], c.type[par])
    np.testing.assert_array_equal(c.children[par], kids)
    share = len(kids) / c.is_aggressor.sum()
    n = c.is_aggressor.sum()
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n) + 0.002  # a few fall past the horizon
    # the bounding rate for thinning doubles the aggressor's candidates
    assert abs(n - 25 * 2 * 100) < 4 * np.sqrt(25 * 2 * 100)


def test_breach_draws_do_not_depend_on_other_types(make_scenario):
    a = build_model(make_scenario())
    b = build_model(make_scenario({"parties.red.rates_per_day.shell": 9}))
    ca = draw_candidates(a.parties, a.types, a.line, 100.0, 1.0, Streams(replication_seed(5, 0)))
    cb = draw_candidates(b.parties, b.types, b.line, 100.0, 1.0, Streams(replication_seed(5, 0)))
    sel_a = (ca.party == 0) & (ca.type == 0)
    sel_b = (cb.party == 0) & (cb.type == 0)
    np.testing.assert_array_equal(ca.t[sel_a], cb.t[sel_b])
    np.testing.assert_array_equal(ca.position[sel_a], cb.position[sel_b])
