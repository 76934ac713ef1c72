"""Terrain (MODEL.md 11): a sensor group sees less of the breaches in some terrains.

A group's ``terrain_factor`` maps a terrain to a factor in [0, 1]; a breach in a sector of
that terrain is detected by each of the group's sensors with ``p_detect[type] * factor``
(terrains not named: 1).  The factor goes by the *breach's* sector, for positioned and
``full`` groups alike: an acoustic array hears less of a shot fired among tall buildings
wherever the array stands.  Outages (``outages.py``) multiply on top of it.

Why levels: the binomial kernel (``kernels/binomial.py``) draws from one table per distinct
success probability, looked up by a *kind* index.  With terrain the kinds are (type, factor
level) pairs, a handful per group; the draws stay numpy's own, and a group without
``terrain_factor`` keeps the type as its kind, so its draws are exactly those of before.

False alarms are not changed (a sensor's spurious alarms do not depend on the terrain of
breaches it does not see).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .line import Line


@dataclass(frozen=True)
class GroupTerrain:
    """One group's terrain factor per sector, as distinct levels."""

    factor: np.ndarray  # (n_sectors,): the factor of each sector's terrain
    levels: np.ndarray  # sorted distinct factors
    level: np.ndarray  # (n_sectors,): index into ``levels`` of each sector's factor
    starts: np.ndarray  # sector starts (km), to find a breach's sector

    def sector_of(self, x: np.ndarray) -> np.ndarray:
        """Sector index of positions, as ``Line.sector_of`` (a boundary goes to the next)."""
        idx = np.searchsorted(self.starts, x, side="right") - 1
        return np.clip(idx, 0, len(self.starts) - 1)

    def kinds(
        self, type_: np.ndarray, position: np.ndarray, p: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(kind of each breach, success probability of each kind) for the binomial kernel.

        Kind ``t * len(levels) + l`` has probability ``p[t] * levels[l]``; ``p`` is the
        group's p_detect per type.
        """
        n_levels = len(self.levels)
        kind = type_ * n_levels + self.level[self.sector_of(position)]
        return kind, (p[:, None] * self.levels[None, :]).ravel()


def build_terrain(factors: dict[str, float] | None, line: Line) -> GroupTerrain | None:
    """The terrain table of a group's ``terrain_factor``; None when the group has none."""
    if not factors:
        return None
    factor = np.array([float(factors.get(t, 1.0)) for t in line.terrain])
    levels, level = np.unique(factor, return_inverse=True)
    return GroupTerrain(factor, levels, np.asarray(level, np.int64).reshape(-1), line.starts.copy())


def sector_factor(groups, line: Line, sector: np.ndarray) -> np.ndarray:
    """Terrain factor per (given sector, group): shape (len(sector), n_groups); 1 without one."""
    out = np.ones((len(sector), len(groups)))
    for j, g in enumerate(groups):
        if g.terrain is not None:
            out[:, j] = g.terrain.factor[sector]
    return out
