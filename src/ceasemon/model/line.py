"""Contact line and sectors: where breaches happen and sensors stand.

Positions are km along the line, 0 .. length; sectors tile it.  A breach's
sector is drawn with probability proportional to ``length * weight *
party_weight`` and its position uniformly inside that sector (MODEL.md 1).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..scenario.checks import line_length_km
from ..scenario.models import Scenario


@dataclass(frozen=True)
class Line:
    """Sectors sorted by position, as arrays."""

    length_km: float
    names: tuple[str, ...]
    starts: np.ndarray
    ends: np.ndarray
    weights: np.ndarray
    terrain: tuple[str, ...]
    polyline: np.ndarray | None  # (k, 2) lon/lat points, when the scenario has them

    @property
    def lengths(self) -> np.ndarray:
        """Length of each sector in km."""
        return self.ends - self.starts

    def index(self, name: str) -> int:
        """Index of the sector called ``name``."""
        return self.names.index(name)

    def sector_of(self, x: np.ndarray) -> np.ndarray:
        """Sector index of each position (a position on a boundary belongs to the next sector)."""
        idx = np.searchsorted(self.starts, x, side="right") - 1
        return np.clip(idx, 0, len(self.names) - 1)

    def sector_probabilities(self, party_weights: np.ndarray | None = None) -> np.ndarray:
        """Probability that a breach falls in each sector: length x weight x party weight."""
        mass = self.lengths * self.weights
        if party_weights is not None:
            mass = mass * party_weights
        total = mass.sum()
        return mass / total if total > 0 else np.full(len(mass), 1.0 / len(mass))

    def sample(
        self, rng: np.random.Generator, n: int, probs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` positions: a sector with probabilities ``probs``, then uniform inside it.

        Uses exactly ``2 n`` uniforms, so the draws of one breach do not depend on the others.
        """
        u = rng.random((n, 2))
        cdf = np.cumsum(probs)
        sector = np.searchsorted(cdf, u[:, 0] * cdf[-1], side="right")
        sector = np.minimum(sector, len(probs) - 1)
        # never land in a sector of probability 0 through rounding at the cdf's top
        pos = self.starts[sector] + u[:, 1] * self.lengths[sector]
        return pos, sector.astype(np.int16)

    def union_layout(self, sector_idx: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Start and end of the given sectors (merged where adjacent), sorted by position."""
        order = sorted(sector_idx, key=lambda i: self.starts[i])
        starts: list[float] = []
        ends: list[float] = []
        for i in order:
            s, e = float(self.starts[i]), float(self.ends[i])
            if ends and abs(s - ends[-1]) < 1e-9:
                ends[-1] = e
            else:
                starts.append(s)
                ends.append(e)
        return np.asarray(starts), np.asarray(ends)

    def km_to_lonlat(self, x: np.ndarray) -> np.ndarray:
        """Map km along the line to [lon, lat] on the polyline (linear within each leg)."""
        if self.polyline is None:
            raise ValueError("this contact line has no polyline")
        from ..scenario.checks import polyline_length_km

        pts = self.polyline
        legs = np.array(
            [polyline_length_km([tuple(a), tuple(b)]) for a, b in itertools.pairwise(pts)]
        )
        cum = np.concatenate([[0.0], np.cumsum(legs)])
        lon = np.interp(x, cum, pts[:, 0])
        lat = np.interp(x, cum, pts[:, 1])
        return np.column_stack([lon, lat])


def build_line(sc: Scenario) -> Line:
    """The contact line of a validated scenario."""
    sectors = sorted(sc.contact_line.sectors, key=lambda s: s.start_km)
    poly = sc.contact_line.polyline
    return Line(
        length_km=float(line_length_km(sc)),
        names=tuple(s.name for s in sectors),
        starts=np.array([s.start_km for s in sectors], dtype=float),
        ends=np.array([s.end_km for s in sectors], dtype=float),
        weights=np.array([s.weight for s in sectors], dtype=float),
        terrain=tuple(s.terrain for s in sectors),
        polyline=None if poly is None else np.asarray(poly, dtype=float),
    )
