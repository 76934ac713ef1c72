"""The tabulated binomial equals numpy's Generator.binomial, draw for draw and state for state."""

import math

import numpy as np
import pytest

from ceasemon.model.kernels import binomial as bn


def numpy_inversion(n: int, p: float, u: float) -> int | None:
    """The inversion of numpy (random_binomial_inversion) for one uniform, in Python floats.

    None means a restart.
    """
    q = 1.0 - p
    qn = math.exp(n * math.log(q))
    np_ = n * p
    bound = int(min(n, np_ + 10.0 * math.sqrt(np_ * q + 1)))
    x, px = 0, qn
    while u > px:
        x += 1
        if x > bound:
            return None
        u -= px
        px = ((n - x + 1) * p * px) / (x * q)
    return x


def same_as_numpy(n, kind, p_of_kind, seed):
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    got = bn.binomial(a, n, kind, p_of_kind)
    expect = b.binomial(n, np.asarray(p_of_kind)[kind])
    np.testing.assert_array_equal(got, expect)
    assert a.bit_generator.state == b.bit_generator.state
    # and the streams go on alike
    np.testing.assert_array_equal(a.random(5), b.random(5))
    return got


@pytest.mark.parametrize(
    "p_of_kind",
    [
        [0.8, 0.9, 0.3, 0.2, 0.5],
        [0.05, 0.95, 0.6, 0.4],
        [1.0, 0.999, 0.001, 0.7],
        [0.33],
        [0.0, 0.5, 0.1],
    ],
)
@pytest.mark.parametrize("n_high", [3, 12, 60])
def test_draws_and_state_equal_numpy(p_of_kind, n_high):
    rng = np.random.default_rng(n_high)
    size = 40_000
    n = rng.integers(0, n_high + 1, size)
    kind = rng.integers(0, len(p_of_kind), size)
    same_as_numpy(n, kind, p_of_kind, seed=1000 + n_high)


class Recording:
    """A generator that records calls of ``binomial`` (numpy's type cannot be patched)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.binomial_calls = 0
        self.bit_generator = self.rng.bit_generator

    def random(self, *a):
        return self.rng.random(*a)

    def binomial(self, *a):
        self.binomial_calls += 1
        return self.rng.binomial(*a)


def test_many_sensors_in_range_use_the_tables_and_equal_numpy():
    # n around 90 as with 20,000 sensors; every draw by inversion (n * min(p, 1 - p) <= 30)
    rng = np.random.default_rng(5)
    n = rng.integers(60, 100, 200_000)
    kind = rng.integers(0, 4, 200_000)
    p_of_kind = np.array([0.8, 0.9, 0.2, 0.25])
    gen = Recording(9)
    got = bn.binomial(gen, n, kind, p_of_kind)
    assert gen.binomial_calls == 0  # the table path, not numpy's
    expect = np.random.default_rng(9).binomial(n, p_of_kind[kind])
    np.testing.assert_array_equal(got, expect)


def test_btpe_draws_fall_back_to_numpy():
    n = np.array([5, 200, 7])  # 200 * 0.4 = 80 > 30: numpy uses BTPE for that one
    same_as_numpy(n, np.array([0, 0, 1]), [0.4, 0.9], seed=3)
    gen = Recording(3)
    bn.binomial(gen, n, np.array([0, 0, 1]), [0.4, 0.9])
    assert gen.binomial_calls == 1


def test_a_restart_falls_back_to_numpy_from_the_saved_state(monkeypatch):
    # make every search "pass its bound" so that the fallback path runs
    class Tight(bn._Stack):
        def __init__(self, *a):
            super().__init__(*a)
            self.bound = np.full_like(self.bound, -1)

    monkeypatch.setattr(bn, "_stacks", {})
    monkeypatch.setattr(bn, "_Stack", Tight)
    rng = np.random.default_rng(4)
    same_as_numpy(rng.integers(1, 30, 5000), rng.integers(0, 2, 5000), [0.3, 0.8], seed=8)


def test_no_draw_for_zero_trials_or_zero_probability():
    same_as_numpy(np.array([0, 0, 4, 0]), np.array([0, 1, 1, 1]), [0.0, 0.6], seed=2)
    same_as_numpy(np.zeros(0, np.int64), np.zeros(0, np.int64), [0.5], seed=2)


@pytest.mark.parametrize(
    ("n", "p"), [(1, 0.5), (9, 0.2), (91, 0.2), (91, 0.3), (45, 0.1), (5, 0.0)]
)
def test_thresholds_are_exact_at_every_step(n, p):
    """At each threshold u and the next integer the table answers as numpy's loop does."""
    table = bn._Table(p, max(n, 1))
    top = table.top[n]
    for x in range(table.bound[n] + 1):
        for u in {int(top[x]) - 1, int(top[x]), int(top[x]) + 1}:
            if not 0 <= u < 2**53:
                continue
            expect = numpy_inversion(n, p, u / 2**53)
            got = int(np.searchsorted(top, u, side="left"))
            assert got == (table.bound[n] + 1 if expect is None else expect), (x, u)
