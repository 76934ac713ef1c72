"""Binomial draws equal to numpy's ``Generator.binomial``, without its per-draw search.

Why: a breach in range of ``n`` sensors that are up gets Binomial(n, p)
detections.  numpy draws Binomial(n, p) with ``n * min(p, 1 - p) <= 30`` by
inversion: one uniform ``U`` and a sequential search over ``x = 0, 1, ...``
whose cost grows with ``n * min(p, 1 - p)``.  With ten times the sensors, ten
times as many are in range of each breach, and that search became the largest
cost that grew with the network.

What: for a given ``(n, p)`` numpy's answer is a non-decreasing step function
of ``U`` (every step of its search is a rounded subtraction, which is monotone
in ``U``), so it can be tabulated once: for each ``x`` the largest ``U`` for
which the search stops at ``x`` or earlier.  The thresholds here are found by
evaluating numpy's own floating-point recursion (``U -= px``;
``px = ((n - x + 1) * p * px) / (x * q)``, with ``qn = exp(n * log(q))`` from
the C library through ``math``), not the exact binomial distribution, so a
table look-up returns the very integer numpy returns for the same ``U``.  The
uniforms come from the same generator by ``Generator.random``, which takes one
53-bit double per draw from the bit generator exactly as numpy's inversion
does (``(next_uint64 >> 11) * 2**-53``).  So the draws, and the generator's
state after them, are numpy's.

When numpy would do something else the call falls back to
``Generator.binomial`` itself, from the state it started with: BTPE (used
when ``n * min(p, 1 - p) > 30``), the search's restart past its bound (about
once in 10**15 draws), or ``n`` beyond ``MAX_N``.  ``tests/model/test_binomial.py``
checks the equality against numpy on millions of draws.
"""

from __future__ import annotations

import math

import numpy as np

#: Largest ``n`` tabulated; larger ones are drawn by numpy (a table of n rows takes about
#: n * 0.1 ms to build, once per process and p).
MAX_N = 512
#: Tables kept per process (about 0.4 MB each); the oldest goes first.
MAX_CACHED = 64
_TWO53 = 2**53
_BUCKET_SHIFT = 43  # the top 10 of U's 53 bits pick the starting x
_BUCKETS = 1 << (53 - _BUCKET_SHIFT)
_ROW_STEP = 64  # tables grow in steps of this many n


class _Table:
    """numpy's inversion for one ``p <= 0.5`` and every ``n = 0 .. n_max``.

    ``top[n, x]`` is the largest 53-bit integer ``u`` such that the search on
    ``U = u * 2**-53`` stops at ``x`` or before (a running maximum over ``x``);
    beyond ``bound[n]`` it holds ``2**53``, more than any ``u``, so a look-up
    that gets there means a restart.  ``start[n, b]`` is the answer for the
    smallest ``u`` of bucket ``b``, where a look-up begins.
    """

    def __init__(self, p: float, n_max: int):
        self.p, self.n_max = p, n_max
        q = 1.0 - p
        ns = np.arange(n_max + 1)
        # exactly numpy's set-up (random_binomial_inversion), in C doubles
        bound = np.array(
            [int(min(n, n * p + 10.0 * math.sqrt(n * p * q + 1))) for n in range(n_max + 1)]
        )
        width = int(bound.max()) + 2
        px = np.zeros((n_max + 1, width))
        px[:, 0] = [math.exp(n * math.log(q)) for n in range(n_max + 1)]
        for x in range(1, width):
            px[:, x] = ((ns - x + 1) * p * px[:, x - 1]) / (x * q)
        valid = np.arange(width)[None, :] <= bound[:, None]
        px = np.where(valid, px, 0.0)
        last = self._last_stop(px, valid)
        top = np.maximum.accumulate(np.where(valid, last, -1), axis=1)
        self.top = np.where(valid, top, _TWO53).astype(np.int64)
        self.bound = bound
        self.width = width
        self.start = self._starts()

    @staticmethod
    def _stops(px: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Whether numpy's search on ``U = u * 2**-53`` stops exactly when it reaches ``x``.

        Column ``x`` of ``u`` is tried at step ``x``: ``U`` minus ``px[0 .. x-1]``,
        one rounded subtraction at a time as numpy does, against ``px[x]``.
        """
        big_u = u.astype(np.float64) * (1.0 / _TWO53)
        for j in range(px.shape[1] - 1):
            big_u[:, j + 1 :] -= px[:, j : j + 1]
        return big_u <= px

    @classmethod
    def _last_stop(cls, px: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Per (n, x): the largest ``u`` whose search, once at ``x``, stops there.

        The rounding of the running subtraction moves that ``u`` by at most
        about ``x`` units from ``2**53`` times the cumulative sum of ``px``, so
        a bisection starts in a window around it; the window is checked and
        widened to the whole range where it does not hold.  ``u = 0`` always
        stops (the running ``U`` is then at most 0).
        """
        width = px.shape[1]
        cdf = np.cumsum(px, axis=1)
        guess = np.clip(np.floor(cdf * _TWO53), 0, _TWO53 - 1).astype(np.int64)
        slack = 2 * width + 16
        lo = np.maximum(guess - slack, 0)
        lo = np.where(cls._stops(px, lo), lo, 0)
        hi = guess + slack  # exclusive bound: the smallest u known not to stop, or 2**53
        hi = np.where(hi >= _TWO53, _TWO53, hi)
        inside = hi < _TWO53
        probe = np.where(inside, hi, 0)
        hi = np.where(inside & ~cls._stops(px, probe), hi, _TWO53)
        while True:
            open_ = valid & (hi - lo > 1)
            if not open_.any():
                return lo
            mid = np.where(open_, (lo + hi) // 2, lo)
            ok = cls._stops(px, mid)
            lo = np.where(open_ & ok, mid, lo)
            hi = np.where(open_ & ~ok, mid, hi)

    def _starts(self) -> np.ndarray:
        """The answer for the first ``u`` of each bucket, per ``n``."""
        firsts = np.arange(_BUCKETS, dtype=np.int64) << _BUCKET_SHIFT
        out = np.empty((self.n_max + 1, _BUCKETS), np.int16)
        for n in range(self.n_max + 1):
            out[n] = np.searchsorted(self.top[n], firsts, side="left")
        return out


class _Stack:
    """The tables of a set of kinds (one ``p`` each), stacked for one look-up."""

    def __init__(self, p_of_kind: tuple[float, ...], n_max: int):
        n_max = -(-n_max // _ROW_STEP) * _ROW_STEP
        self.n_max = n_max
        kinds = len(p_of_kind)
        self.flip = np.array([p > 0.5 for p in p_of_kind])
        tables = [_table(1.0 - p if p > 0.5 else p, n_max) for p in p_of_kind]
        self.rows = n_max + 1
        self.width = max(t.width for t in tables)
        self.top = np.full((kinds, self.rows, self.width), _TWO53, np.int64)
        self.start = np.zeros((kinds, self.rows, _BUCKETS), np.int16)
        self.bound = np.zeros((kinds, self.rows), np.int64)
        for i, t in enumerate(tables):
            self.top[i, :, : t.width] = t.top[: self.rows]
            self.start[i] = t.start[: self.rows]
            self.bound[i] = t.bound[: self.rows]
        self.top = self.top.reshape(-1)
        self.start = self.start.reshape(-1, _BUCKETS)
        self.bound = self.bound.reshape(-1)


_tables: dict[float, _Table] = {}
_stacks: dict[tuple[float, ...], _Stack] = {}


def _table(p: float, n_max: int) -> _Table:
    """The cached table of ``p``, grown to cover ``n_max``."""
    t = _tables.get(p)
    if t is None or t.n_max < n_max:
        t = _Table(p, n_max)
        _remember(_tables, p, t)
    return t


def _remember(cache: dict, key, value) -> None:
    """Store ``value``, dropping the oldest entries beyond ``MAX_CACHED``."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > MAX_CACHED:
        cache.pop(next(iter(cache)))


def _stack(p_of_kind: np.ndarray, n_max: int) -> _Stack:
    key = tuple(float(p) for p in p_of_kind)
    s = _stacks.get(key)
    if s is None or s.n_max < n_max:
        s = _Stack(key, n_max)
        _remember(_stacks, key, s)
    return s


def binomial(
    rng: np.random.Generator, n: np.ndarray, kind: np.ndarray, p_of_kind: np.ndarray
) -> np.ndarray:
    """``rng.binomial(n, p_of_kind[kind])``: the same numbers and the same state after.

    Args:
        rng: the generator to draw from.
        n: trial counts (int64, >= 0).
        kind: index into ``p_of_kind`` per draw (e.g. the breach type).
        p_of_kind: success probability of each kind, in [0, 1].
    """
    n = np.asarray(n, np.int64)
    kind = np.asarray(kind, np.int64)
    p_of_kind = np.asarray(p_of_kind, np.float64)
    p = p_of_kind[kind]
    out = np.zeros(len(n), np.int64)
    draws = np.flatnonzero((n > 0) & (p > 0))  # numpy takes no uniform for these
    if len(draws) == 0:
        return out
    n_d, k_d = n[draws], kind[draws]
    n_max = int(n_d.max())
    # numpy's choice: inversion while n * min(p, 1 - p) <= 30, else BTPE
    small = np.minimum(p_of_kind, 1.0 - p_of_kind)[k_d]
    if n_max > MAX_N or np.any(small * n_d > 30.0):
        return rng.binomial(n, p)
    st = _stack(p_of_kind, n_max)
    row = k_d * st.rows + n_d
    saved = rng.bit_generator.state
    u = (rng.random(len(draws)) * float(_TWO53)).astype(np.int64)
    x = st.start[row, u >> _BUCKET_SHIFT].astype(np.int64)
    base = row * st.width
    todo = np.arange(len(draws))
    while len(todo):
        more = st.top[base[todo] + x[todo]] < u[todo]
        todo = todo[more]
        x[todo] += 1
    if np.any(x > st.bound[row]):
        rng.bit_generator.state = saved  # numpy restarts the search: let it draw
        return rng.binomial(n, p)
    out[draws] = np.where(st.flip[k_d], n_d - x, x)
    return out
