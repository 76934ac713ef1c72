"""The sensor layout as a table: what the figures need of the model, written with the run.

Figures never build the model (the layers point one way): a run's results directory holds
``layout.parquet``, one row per sector, per positioned sensor, per full-coverage group and
per vertex of a lon/lat polyline, and ``Layout`` reads it back into the few attributes the
figures use (the line's sectors and map, each group's positions, range and availability).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Columns of ``layout.parquet`` (NaN or "" where a row's kind has no such value).
LAYOUT_COLUMNS: dict[str, str] = {
    "what": "any",  # sector, group (positioned), sensor, full (a full-coverage group), vertex
    "name": "any",  # the sector's or the group's name
    "start_km": "num",
    "end_km": "num",
    "position_km": "num",
    "range_km": "num",
    "availability": "num",
    "lon": "num",
    "lat": "num",
    "km": "num",  # a vertex's distance along the polyline
}


def layout_frame(model: Any) -> pd.DataFrame:
    """The layout table of a built model."""
    from ..scenario.checks import polyline_length_km

    rows: list[dict[str, Any]] = []
    line = model.line
    for name, s, e in zip(line.names, line.starts, line.ends, strict=True):
        rows.append({"what": "sector", "name": name, "start_km": s, "end_km": e})
    for g in model.groups:
        if g.full:
            rows.append({"what": "full", "name": g.name})
            continue
        rows.append(
            {
                "what": "group",
                "name": g.name,
                "range_km": g.range_km,
                "availability": g.availability,
            }
        )
        rows.extend({"what": "sensor", "name": g.name, "position_km": x} for x in g.positions)
    if line.polyline is not None:
        pts = line.polyline
        legs = [polyline_length_km([tuple(a), tuple(b)]) for a, b in itertools.pairwise(pts)]
        km = np.concatenate([[0.0], np.cumsum(legs)])
        for (lon, lat), k in zip(pts, km, strict=True):
            rows.append({"what": "vertex", "lon": lon, "lat": lat, "km": k})
    frame = pd.DataFrame(rows, columns=list(LAYOUT_COLUMNS))
    frame["what"] = frame["what"].astype(str)
    frame["name"] = frame["name"].fillna("").astype(str)
    for col, kind in LAYOUT_COLUMNS.items():
        if kind == "num":
            frame[col] = frame[col].astype(float)
    return frame


@dataclass(frozen=True)
class _Group:
    name: str
    full: bool
    positions: np.ndarray
    range_km: float
    availability: float


@dataclass(frozen=True)
class _Line:
    names: tuple[str, ...]
    starts: np.ndarray
    ends: np.ndarray
    polyline: np.ndarray | None
    vertex_km: np.ndarray | None

    def km_to_lonlat(self, x: np.ndarray) -> np.ndarray:
        """Map km along the line to [lon, lat] on the polyline (linear within each leg)."""
        if self.polyline is None or self.vertex_km is None:
            raise ValueError("this contact line has no polyline")
        lon = np.interp(x, self.vertex_km, self.polyline[:, 0])
        lat = np.interp(x, self.vertex_km, self.polyline[:, 1])
        return np.column_stack([lon, lat])


@dataclass(frozen=True)
class Layout:
    """The layout table read back: ``line`` (sectors, map) and ``groups`` (in table order)."""

    line: _Line
    groups: tuple[_Group, ...]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Layout:
        """Rebuild the layout from ``layout.parquet``'s rows."""
        what = frame["what"].astype(str)
        sec = frame[what == "sector"]
        vert = frame[what == "vertex"]
        line = _Line(
            names=tuple(str(n) for n in sec["name"]),
            starts=sec["start_km"].to_numpy(float),
            ends=sec["end_km"].to_numpy(float),
            polyline=vert[["lon", "lat"]].to_numpy(float) if len(vert) else None,
            vertex_km=vert["km"].to_numpy(float) if len(vert) else None,
        )
        groups: list[_Group] = []
        heads = frame[what.isin(["group", "full"])]
        for row in heads.itertuples(index=False):
            full = row.what == "full"
            at = frame[(what == "sensor") & (frame["name"] == row.name)]
            groups.append(
                _Group(
                    name=str(row.name),
                    full=full,
                    positions=at["position_km"].to_numpy(float),
                    range_km=0.0 if full else float(row.range_km),
                    availability=1.0 if full else float(row.availability),
                )
            )
        return cls(line, tuple(groups))
