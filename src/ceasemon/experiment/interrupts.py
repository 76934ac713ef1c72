"""Signals held while something must not be cut in half (a results directory, a pool start).

The CLI turns SIGTERM into KeyboardInterrupt like Ctrl-C; either can arrive at any bytecode.
Inside ``held_signals`` they are recorded instead, and ``replay`` delivers them afterwards.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import Any


@contextlib.contextmanager
def held_signals() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM (where Python handles them) until the block is done.

    Results are assembled and written inside such a block, so that a signal
    cannot leave a half-written directory or none at all.  Yields the list of
    signals that came; ``replay`` delivers them afterwards if the caller wants.
    Signals left to the system (SIG_DFL, SIG_IGN) are not touched, nor is
    anything outside the main thread, where handlers cannot be set.
    """
    held: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def hold(signum: int, frame: Any) -> None:
        held.append(signum)

    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            if callable(signal.getsignal(sig)):
                previous[sig] = signal.signal(sig, hold)
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def replay(held: Sequence[int]) -> None:
    """Deliver held signals to their handlers (SIGINT: KeyboardInterrupt)."""
    for sig in dict.fromkeys(held):
        handler = signal.getsignal(sig)
        if callable(handler):
            handler(sig, None)
