"""The analyst queue against a simpy PriorityResource, and verdicts against the confusion row."""

import numpy as np
import pytest
import simpy

from ceasemon.model.attribution import AttributionParams, verdicts
from ceasemon.model.kernels.queue import AnalystQueue
from ceasemon.model.records import UNKNOWN


def simpy_schedule(arrival, priority, service, servers):
    """Reference: one simpy process per incident on a PriorityResource."""
    env = simpy.Environment()
    res = simpy.PriorityResource(env, capacity=servers)
    start = np.full(len(arrival), np.nan)

    def incident(i):
        yield env.timeout(arrival[i])
        with res.request(priority=priority[i]) as req:
            yield req
            start[i] = env.now
            yield env.timeout(service[i])

    for i in range(len(arrival)):
        env.process(incident(i))
    env.run()
    return start


def workload(seed, n, servers, load):
    rng = np.random.default_rng(seed)
    service = rng.lognormal(0.0, 0.7, n)
    rate = load * servers / service.mean()
    arrival = np.cumsum(rng.exponential(1 / rate, n))
    priority = -rng.choice([1.0, 3.0, 4.0, 8.0, 10.0], n, p=[0.5, 0.35, 0.1, 0.03, 0.02])
    return arrival, priority, service


def ours(arrival, priority, service, servers, cuts=()):
    q = AnalystQueue(servers)
    start = np.full(len(arrival), np.nan)
    edges = [*cuts, np.inf]
    lo = 0.0
    for hi in edges:
        sel = np.flatnonzero((arrival >= lo) & (arrival < hi))
        ids, t = q.advance(arrival[sel], priority[sel], service[sel], sel, hi)
        start[ids] = t
        lo = hi
    return start


@pytest.mark.parametrize(
    ("servers", "load", "seed"),
    [(1, 0.5, 1), (1, 0.95, 2), (3, 0.7, 3), (16, 0.5, 4), (16, 0.98, 5), (4, 1.3, 6)],
)
def test_queue_matches_simpy_priority_resource(servers, load, seed):
    arrival, priority, service = workload(seed, 3000, servers, load)
    ref = simpy_schedule(arrival, priority, service, servers)
    got = ours(arrival, priority, service, servers)
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("servers", [1, 3])
def test_queue_does_not_depend_on_how_time_is_cut(servers):
    arrival, priority, service = workload(7, 2000, servers, 0.9)
    whole = ours(arrival, priority, service, servers)
    cuts = np.linspace(0, arrival[-1], 37)[1:-1]
    pieces = ours(arrival, priority, service, servers, cuts=cuts)
    np.testing.assert_array_equal(pieces, whole)


def test_fifo_single_server_is_lindley():
    rng = np.random.default_rng(8)
    arrival = np.cumsum(rng.exponential(1.0, 5000))
    service = rng.exponential(0.8, 5000)
    start = ours(arrival, np.zeros(5000), service, 1)
    expect = np.empty(5000)
    free = 0.0
    for i in range(5000):
        expect[i] = max(arrival[i], free)
        free = expect[i] + service[i]
    np.testing.assert_allclose(start, expect, rtol=0, atol=1e-9)


def test_waiting_incidents_carry_over_to_the_next_call():
    q = AnalystQueue(1)
    ids, t = q.advance(np.array([0.0, 0.1]), np.zeros(2), np.array([1.0, 1.0]), np.arange(2), 0.5)
    assert ids.tolist() == [0]
    assert t.tolist() == [0.0]
    # a higher-priority arrival before the analyst is free jumps the queue
    ids, t = q.advance(np.array([0.6]), np.array([-5.0]), np.array([1.0]), np.array([2]), 10.0)
    assert ids.tolist() == [2, 1]
    assert t.tolist() == [1.0, 2.0]


def test_verdict_shares_follow_the_confusion_row():
    conf = np.array([[0.7, 0.1, 0.2], [0.05, 0.8, 0.15], [0.2, 0.1, 0.7]])
    params = AttributionParams(1, 1, None, True, np.cumsum(conf, axis=1))
    n = 200_000
    rng = np.random.default_rng(9)
    for row in range(3):
        v = verdicts(params, np.full(n, row), rng.random(n))
        for col, code in enumerate([0, 1, UNKNOWN]):
            share = np.mean(v == code)
            se = np.sqrt(conf[row, col] * (1 - conf[row, col]) / n)
            assert abs(share - conf[row, col]) < 4 * se + 1e-12
