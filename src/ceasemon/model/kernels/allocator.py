"""Keep freed memory in the process, so that numpy's temporaries do not page-fault.

A replication makes thousands of temporary arrays of a few MiB (one value per
breach).  glibc's malloc gives such blocks back to the kernel when they are
freed: above its mmap threshold each block is a fresh mapping, and below it
the top of the heap is trimmed as soon as more than twice the threshold is
free.  Every new temporary then faults its pages in again.  On the baseline
this was about a quarter of the time of a fixed-policy replication-year
(``benchmarks/bench.py --sections baseline``, glibc's variables set or not,
run one after the other: 0.45 s without, 0.33 s with; a plain timing loop:
0.37 s and 0.28 s).

``keep_freed_memory`` sets two fixed thresholds instead (``mallopt``): blocks
up to 64 MiB come from the heap, and the heap keeps up to 1 GiB of free
memory for reuse.  A process's resident size therefore stays near its peak
during a run, which is what a simulation worker wants.  The trim threshold
must exceed what a replication frees at once: at 5,000 breaches a day (a
working set of about 1 GiB) a threshold of 256 MiB or 512 MiB let the heap
shrink and grow again, 34,000-41,000 page faults and 1.76 s a replication,
against 400 faults and 1.26 s with 1 GiB (``benchmarks/bench.py``'s scaling
rows, timed both ways with glibc's variables; a baseline replication, about
150 MiB, never reaches either threshold).  It is done once per
process, only on Linux with glibc, never when the user has set glibc's own
``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` variables, and not at
all with ``CEASEMON_MALLOC_TUNING=0``.  It changes no result.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: mallopt parameters of glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD_BYTES = 64 * 2**20
TRIM_THRESHOLD_BYTES = 2**30

_state: dict[str, bool] = {}


def _is_glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):
        return False


def keep_freed_memory() -> bool:
    """Set glibc's malloc thresholds once per process; True when they are set."""
    if "done" in _state:
        return _state["done"]
    _state["done"] = False
    if (
        not sys.platform.startswith("linux")
        or os.environ.get("CEASEMON_MALLOC_TUNING", "1") == "0"
        or "MALLOC_MMAP_THRESHOLD_" in os.environ
        or "MALLOC_TRIM_THRESHOLD_" in os.environ
        or not _is_glibc()
    ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and ok
    _state["done"] = ok
    return ok
