"""Random streams: one SeedSequence per replication, one named stream per stage.

Replication ``i`` of root seed ``s`` uses ``SeedSequence(s, spawn_key=(i,))``,
which is child ``i`` of ``SeedSequence(s).spawn(n)`` for any ``n > i``: a
replication can be rebuilt on any worker from ``(s, i)`` alone.  Inside it,
each stage of MODEL.md section 7 gets its own child, spawned in a fixed order,
and a stage that draws for several named things (breach types, sensor groups)
gets one sub-stream per name, keyed by a hash of the name rather than by
position.  So adding a sensor group changes no breach, and changing one
party's artillery rate changes none of its small-arms draws: scenario
comparisons run on common random numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Rows a ``DrawBlocks`` draws at a time.
BLOCK = 256

#: The stages, in the fixed order in which their streams are spawned.
STAGES: tuple[str, ...] = (
    "breaches",
    "retaliation",
    "positions",
    "detection",
    "latency",
    "false_alarms",
    "failures",
    "attribution",
    "politics",
    "response",
    "aggressor",
)


def replication_seed(root: int, index: int) -> np.random.SeedSequence:
    """SeedSequence of replication ``index`` under root seed ``root``."""
    return np.random.SeedSequence(root, spawn_key=(index,))


def seed_label(seq: np.random.SeedSequence) -> int:
    """A 63-bit integer that identifies a replication's seed (for tables)."""
    return int(seq.generate_state(2, np.uint64)[0] >> np.uint64(1))


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


@dataclass
class Streams:
    """The named random streams of one replication."""

    seed: np.random.SeedSequence
    _stage: dict[str, np.random.SeedSequence] = field(init=False, repr=False)
    _cache: dict[tuple[str, str], np.random.Generator] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Children built explicitly (not with .spawn(), which mutates the parent) so that the
        # same SeedSequence always yields the same streams.
        s = self.seed
        self._stage = {
            name: np.random.SeedSequence(s.entropy, spawn_key=(*s.spawn_key, k))
            for k, name in enumerate(STAGES)
        }
        self._cache = {}

    def stage(self, stage: str) -> np.random.Generator:
        """The stream of a whole stage."""
        return self.sub(stage, "")

    def sub(self, stage: str, name: str) -> np.random.Generator:
        """The stream of ``name`` within ``stage`` (the stage's own stream for ``""``)."""
        key = (stage, name)
        gen = self._cache.get(key)
        if gen is None:
            base = self._stage[stage]
            if name:
                base = np.random.SeedSequence(
                    base.entropy, spawn_key=(*base.spawn_key, _name_key(name))
                )
            gen = np.random.Generator(np.random.PCG64(base))
            self._cache[key] = gen
        return gen


class DrawBlocks:
    """Rows of random numbers handed out in order, drawn ``BLOCK`` rows at a time.

    ``take(k)`` returns the next ``k`` rows; the rows do not depend on how the
    requests are split.
    """

    def __init__(self, draw: Callable[[int], np.ndarray]):
        self._draw = draw
        self._buf: np.ndarray | None = None
        self._pos = 0

    def take(self, k: int) -> np.ndarray:
        """The next ``k`` rows."""
        rows = []
        while k > 0:
            if self._buf is None or self._pos >= len(self._buf):
                self._buf = self._draw(BLOCK)
                self._pos = 0
            n = min(k, len(self._buf) - self._pos)
            rows.append(self._buf[self._pos : self._pos + n])
            self._pos += n
            k -= n
        if not rows:
            return self._draw(0)
        return np.concatenate(rows)
