"""A fast sorting permutation for look-ups that only need sorted queries."""

from __future__ import annotations

import numpy as np


def sorting_order(values: np.ndarray) -> np.ndarray:
    """A permutation that sorts ``values`` (non-decreasing; ties in any order).

    The look-ups only need their queries sorted to run fast (``searchsorted``
    reuses its last bound); which of two equal values comes first changes no
    result.  So instead of ``argsort`` (about 9 ms for 180,000 floats) each
    value is scaled to the high bits of an integer whose low bits hold its
    index, and the integers are sorted with numpy's vectorised ``sort``
    (about 5 ms): values closer than their range / 2**40 may come out swapped.
    """
    n = len(values)
    bits = max(1, (n - 1).bit_length())
    if n < 2 or bits > 23:
        return np.argsort(values)
    lo, hi = float(values.min()), float(values.max())
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return np.argsort(values)
    scale = (2.0 ** (63 - bits) - 1.0) / (hi - lo)
    high = ((values - lo) * scale).astype(np.uint64) << np.uint64(bits)
    packed = np.sort(high | np.arange(n, dtype=np.uint64))
    return (packed & np.uint64((1 << bits) - 1)).astype(np.int64)
