"""Sensor network: layout, interval look-up, detection counts, failures, revisits."""

import numpy as np
import pytest

from ceasemon.model import failures
from ceasemon.model.failures import _change_times, draw_timeline
from ceasemon.model.kernels.ordering import sorting_order
from ceasemon.model.sensors import (
    GroupParams,
    detect,
    draw_state,
    next_pass,
    smallest_per_breach,
)
from ceasemon.model.simulation import build_model
from ceasemon.model.streams import Streams, replication_seed


def streams(i=0):
    return Streams(replication_seed(11, i))


def test_count_spreads_sensors_evenly_over_the_group_sectors(make_scenario):
    sc = make_scenario({"sensors.ears.count": 6, "sensors.ears.sectors": ["south"]})
    pos = build_model(sc).groups[0].positions
    np.testing.assert_allclose(pos, 40 + (np.arange(6) + 0.5) * 10)


def test_spacing_places_one_sensor_every_spacing_km(make_scenario):
    sc = make_scenario({"sensors.ears.count": None, "sensors.ears.spacing_km": 20})
    pos = build_model(sc).groups[0].positions
    np.testing.assert_allclose(pos, [10, 30, 50, 70, 90])


def test_interval_lookup_counts_the_sensors_in_range_like_brute_force(make_scenario):
    sc = make_scenario({"sensors.ears.p_detect.shot": 1.0, "sensors.ears.latency": "0s"})
    model = build_model(sc)
    g = model.groups[0]
    rng = np.random.default_rng(1)
    y = rng.uniform(0, 100, 5000)
    st = streams()
    state = draw_state(model.groups, 100.0, st)
    det = detect(model.groups, state, np.zeros(5000), y, np.zeros(5000, int), 1, st)
    brute = (np.abs(g.positions[None, :] - y[:, None]) <= g.range_km).sum(axis=1)
    np.testing.assert_array_equal(det.count, brute)


def test_full_coverage_detector_detects_share_p(make_scenario):
    sc = make_scenario(
        {"sensors.ears": {"coverage": "full", "p_detect": {"shot": 0.6}, "latency": "1h"}}
    )
    model = build_model(sc)
    n = 100_000
    st = streams()
    state = draw_state(model.groups, 100.0, st)
    t = np.linspace(0, 99, n)
    det = detect(model.groups, state, t, np.full(n, 50.0), np.zeros(n, int), 1, st)
    share = np.mean(det.count > 0)
    assert abs(share - 0.6) < 4 * np.sqrt(0.6 * 0.4 / n)
    np.testing.assert_allclose(det.t_first[det.count > 0] - t[det.count > 0], 1 / 24)


def test_smallest_per_breach_matches_sorting():
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 6, 1000)
    values = rng.random(counts.sum())
    values[::7] = 0.5  # ties
    got = smallest_per_breach(values, counts, 3)
    start = np.cumsum(counts) - counts
    for i in range(1000):
        s = np.sort(values[start[i] : start[i] + counts[i]])[:3]
        expect = np.full(3, np.inf)
        expect[: len(s)] = s
        np.testing.assert_array_equal(got[i], expect)


def test_failure_timelines_give_the_availability_mtbf_over_mtbf_plus_mttr(make_scenario):
    sc = make_scenario({"sensors.ears.mtbf": "9d", "sensors.ears.mttr": "1d"})
    g = build_model(sc).groups[0]
    tl = draw_timeline(g, 2000.0, np.random.default_rng(3))
    sensors = np.repeat(np.arange(g.n_sensors), 400)
    t = np.tile(np.linspace(500, 1999, 400), g.n_sensors)
    share = tl.up(sensors, t).mean()
    # Alternating renewal process with exponential up (a) and down (b) times: the up fraction
    # over a window L has variance ~ 2 a^2 b^2 / ((a + b)^3 L); sensors are independent.
    a, b, window = 9.0, 1.0, 1500.0
    se = np.sqrt(2 * a**2 * b**2 / ((a + b) ** 3 * window) / g.n_sensors)
    assert abs(share - 0.9) < 4 * se


def test_timeline_starts_up():
    g = GroupParams("g", False, np.zeros(5), 1.0, np.ones(1), 0.0, 0.0, None, None, None, 5.0, 1.0)
    tl = draw_timeline(g, 100.0, np.random.default_rng(4))
    assert tl.up(np.arange(5), np.zeros(5)).all()


def test_next_pass():
    t = np.array([0.0, 0.3, 1.0, 1.29, 1.3, 5.0])
    np.testing.assert_allclose(next_pass(t, 1.0, 0.3), [0.3, 0.3, 1.3, 1.3, 1.3, 5.3])


@pytest.mark.parametrize(("revisit", "persistence"), [("4d", "1d"), ("1d", "3d")])
def test_revisit_detects_at_the_first_pass_within_persistence(make_scenario, revisit, persistence):
    sc = make_scenario(
        {
            "sensors.ears": {
                "coverage": "full",
                "p_detect": {"shot": 0.5},
                "revisit": revisit,
                "persistence": {"shot": persistence},
            }
        }
    )
    model = build_model(sc)
    rev = model.groups[0].revisit
    pers = model.groups[0].persistence[0]
    n = 200_000
    st = streams()
    state = draw_state(model.groups, 1000.0, st)
    t = np.random.default_rng(5).uniform(0, 900, n)
    det = detect(model.groups, state, t, np.full(n, 1.0), np.zeros(n, int), 1, st)
    p = 0.5 * min(1.0, pers / rev)
    share = np.mean(det.count > 0)
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)
    delay = det.t_first[det.count > 0] - t[det.count > 0]
    assert delay.max() <= min(pers, rev) + 1e-9
    mean = min(pers, rev) / 2
    assert abs(delay.mean() - mean) < 4 * (min(pers, rev) / np.sqrt(12)) / np.sqrt(len(delay))


@pytest.mark.parametrize("tables", [True, False])
@pytest.mark.parametrize("sorted_times", [True, False, "day-position"])
def test_down_sensors_in_range_match_a_pairwise_check(
    make_scenario, monkeypatch, sorted_times, tables
):
    sc = make_scenario(
        {"sensors.ears.mtbf": "3d", "sensors.ears.mttr": "2d", "sensors.ears.range_km": 4}
    )
    g = build_model(sc).groups[0]
    if not tables:
        monkeypatch.setattr(failures, "MAX_PREFIX_CELLS", 0)
    tl = draw_timeline(g, 100.0, np.random.default_rng(6))
    assert (tl.full_prefix is not None) == tables
    rng = np.random.default_rng(7)
    n = 3000
    t = rng.uniform(0, 100, n)
    y = rng.uniform(0, 100, n)
    if sorted_times == "day-position":  # the order detect() passes
        order = np.lexsort((y, np.floor(t)))
        t, y = t[order], y[order]
    elif sorted_times:
        t = np.sort(t)
    lo = np.searchsorted(g.positions, y - g.range_km, side="left")
    hi = np.searchsorted(g.positions, y + g.range_km, side="right")
    got = tl.down_among(t, lo, hi)
    in_range = np.abs(g.positions[None, :] - y[:, None]) <= g.range_km
    pair_b, pair_s = np.nonzero(in_range)
    down = ~tl.up(pair_s, t[pair_b])
    expect = np.bincount(pair_b[down], minlength=n)
    np.testing.assert_array_equal(got, expect)
    assert expect.sum() > 100  # the check is not vacuous


def test_down_count_without_day_tables_is_the_same(make_scenario, monkeypatch):
    sc = make_scenario({"sensors.ears.mtbf": "3d", "sensors.ears.mttr": "2d"})
    g = build_model(sc).groups[0]
    rng = np.random.default_rng(8)
    t = np.sort(rng.uniform(0, 100, 2000))
    y = rng.uniform(0, 100, 2000)
    lo = np.searchsorted(g.positions, y - g.range_km, side="left")
    hi = np.searchsorted(g.positions, y + g.range_km, side="right")
    with_tables = draw_timeline(g, 100.0, np.random.default_rng(9))
    monkeypatch.setattr(failures, "MAX_PREFIX_CELLS", 0)
    without = draw_timeline(g, 100.0, np.random.default_rng(9))
    assert with_tables.full_prefix is not None and without.full_prefix is None
    np.testing.assert_array_equal(with_tables.down_among(t, lo, hi), without.down_among(t, lo, hi))


@pytest.mark.parametrize("layout", ["tables", "sparse", "sparse without cell states"])
def test_single_sensor_up_checks_match_the_change_times(make_scenario, monkeypatch, layout):
    # failures a few times a day, so that many days hold several partial entries
    sc = make_scenario({"sensors.ears.mtbf": "6h", "sensors.ears.mttr": "3h"})
    g = build_model(sc).groups[0]
    if layout != "tables":
        monkeypatch.setattr(failures, "MAX_PREFIX_CELLS", 0)
    if layout == "sparse without cell states":
        monkeypatch.setattr(failures, "MAX_CELL_FLAGS", 0)
    tl = draw_timeline(g, 60.0, np.random.default_rng(12))
    assert (tl.cell_state is not None) == (layout == "sparse")
    rng = np.random.default_rng(13)
    sensor = rng.integers(0, g.n_sensors, 20_000)
    t = rng.uniform(0, 60, 20_000)
    expect = tl.up(sensor, t)
    np.testing.assert_array_equal(tl.is_up(sensor, t), expect)
    assert 0.1 < 1 - expect.mean() < 0.6  # the check sees many down sensors


def test_a_replication_is_the_same_with_and_without_day_tables(monkeypatch):
    """The sparse whole-day keys of a large network give the same records as the tables."""
    import ceasemon as cm
    from ceasemon.model.simulation import simulate

    sc = cm.load_scenario(
        "baseline", {"duration": "40d", "aggressor.policy": "fixed", "aggressor.offensive": None}
    )
    model = build_model(sc)
    a = simulate(model, 11)
    monkeypatch.setattr(failures, "MAX_PREFIX_CELLS", 0)
    b = simulate(model, 11)
    for name, col in a.events.columns.items():
        np.testing.assert_array_equal(col, b.events.columns[name], err_msg=name)


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(12).uniform(0, 1220, 50_000),
        np.random.default_rng(13).integers(0, 6_800_000, 50_000),  # (day, sensor) keys
        np.repeat([3.0, 1.0, 2.0], 1000),  # ties
        np.array([5.0]),
        np.full(7, 2.5),
        np.array([]),
    ],
)
def test_sorting_order_is_a_permutation_that_sorts(values):
    order = sorting_order(values)
    assert np.array_equal(np.sort(order), np.arange(len(values)))
    assert np.all(np.diff(values[order]) >= 0)


def test_change_times_are_the_running_sums_of_the_drawn_up_and_down_times():
    """Both ways of summing (column by column for many sensors, numpy's cumsum for few)."""
    for m in (5, 600):
        g = GroupParams(
            "g", False, np.arange(m, dtype=float), 1.0, np.ones(1), 0.0, 0.0, None, None, None,
            4.0, 1.0,
        )  # fmt: skip
        changes = _change_times(g, 30.0, np.random.default_rng(m))
        rng = np.random.default_rng(m)
        k = changes.shape[1] // 2
        up, down = rng.exponential(4.0, (m, k)), rng.exponential(1.0, (m, k))
        steps = np.empty((m, 2 * k))
        steps[:, 0::2], steps[:, 1::2] = up, down
        np.testing.assert_array_equal(changes, np.cumsum(steps, axis=1))
