"""Compact per-replication tables for figures: where breaches are seen, verdicts, delays.

The standard results (metrics and daily series) say how much is seen, attributed
and answered, but not where along the line, which party is mistaken for which,
or how the delays are spread.  The events table says all of it but grows with
the number of breaches.  These three small tables keep what the figures need;
each is computed where the replication ran, from its records alone, so that
they are bit-identical on every backend (like the replication table):

``sectors``
    one row per replication and km bin: ``replication``, ``sector``,
    ``start_km``, ``end_km``, ``breaches``, ``detected``, ``verified``,
    ``responded`` (true breaches in the bin; of them, those with at least one
    detection, those whose attribution completed, and those that led to an
    implemented response).  Every sector is cut into equal bins of about
    ``bin_km`` (a round number near 1/100 of the line), so a bin never
    straddles two sectors and per-sector counts are the sums over its bins.
``confusion``
    one row per replication, true party (the parties and ``none`` for false
    alarms) and verdict (the parties and ``unknown``): ``replication``,
    ``party``, ``attributed``, ``count`` of incidents that completed
    attribution, zeros included.
``delays``
    a subsample of at most ``DELAY_SAMPLE`` (1,000) true breaches per
    replication, drawn without replacement from a stream of the replication's
    own seed that no stage of the model uses: ``replication``, ``event`` (the
    row in the events table), ``party``, ``type``, ``detection_delay_h``
    (breach to first detection at fusion), ``attribution_delay_h`` (breach to
    verdict), ``response_delay_d`` (breach to implemented response); NaN where
    the stage was not reached.

Like the metrics, the tables leave out breaches (and false alarms) before the
warm-up.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..model.records import BREACH, NO_PARTY, NOT_ATTRIBUTED, UNKNOWN, Labels, ReplicationRecords

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # imported where the frames are made: workers never need it

#: At most this many true breaches per replication go into the delays table.
DELAY_SAMPLE = 1000
#: Key of the subsample's random stream under the replication's seed (no model stage uses it).
_SAMPLE_KEY = zlib.crc32(b"ceasemon.tables.delays")
#: Bin widths to choose from (km): a round number near 1/100 of the line.
_NICE_KM = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)

SECTOR_COLUMNS = ("breaches", "detected", "verified", "responded")
TABLES = ("sectors", "confusion", "delays")


def bin_width_km(length_km: float, target_bins: int = 100) -> float:
    """A round bin width near ``length_km / target_bins``."""
    want = length_km / target_bins
    return min(_NICE_KM, key=lambda w: abs(math.log(w / want)) if want > 0 else w)


def line_bins(
    starts: np.ndarray, ends: np.ndarray, bin_km: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal bins inside each sector: ``(bin starts, bin ends, sector index of each bin)``."""
    starts = np.asarray(starts, float)
    ends = np.asarray(ends, float)
    if bin_km is None:
        bin_km = bin_width_km(float(ends.max() - starts.min()))
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    sec: list[np.ndarray] = []
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        n = max(1, round((e - s) / bin_km))
        edges = s + (e - s) * np.arange(n + 1) / n
        edges[-1] = e
        lo.append(edges[:-1])
        hi.append(edges[1:])
        sec.append(np.full(n, k, np.int64))
    return np.concatenate(lo), np.concatenate(hi), np.concatenate(sec)


def sample_seed(seq: np.random.SeedSequence) -> np.random.SeedSequence:
    """The delays subsample's seed: a child of the replication's seed that no stage uses."""
    return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, _SAMPLE_KEY))


def replication_tables(
    rec: ReplicationRecords,
    sector_starts: np.ndarray,
    sector_ends: np.ndarray,
    seed: np.random.SeedSequence,
) -> dict[str, dict[str, np.ndarray]]:
    """The three tables of one replication as columns of codes (names come with ``labels``).

    Args:
        rec: the replication's records.
        sector_starts: start km of each sector, in the order of ``rec.labels.sectors``.
        sector_ends: end km of each sector, same order.
        seed: the replication's SeedSequence (for the delays subsample).
    """
    ev = rec.events
    lab = rec.labels
    after = ev["t_breach"] >= rec.warmup
    breach = (ev["kind"] == BREACH) & after
    tb = ev["t_breach"]

    # sectors: counts per km bin
    lo, hi, sec = line_bins(sector_starts, sector_ends)
    pos = ev["position_km"][breach]
    sector = ev["sector"][breach].astype(np.int64)
    # a breach's bin: within its own sector, so a position on a boundary stays in its sector
    first = np.searchsorted(sec, np.arange(len(sector_starts)), side="left")
    n_in = np.bincount(sec, minlength=len(sector_starts))
    width = (np.asarray(sector_ends, float) - np.asarray(sector_starts, float)) / n_in
    k = np.floor((pos - np.asarray(sector_starts, float)[sector]) / width[sector]).astype(np.int64)
    k = first[sector] + np.clip(k, 0, n_in[sector] - 1)
    nb = len(lo)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(k[mask], minlength=nb).astype(np.int64)

    sectors = {
        "sector": sec,
        "start_km": lo,
        "end_km": hi,
        "breaches": count(np.ones(len(k), bool)),
        "detected": count(np.isfinite(ev["t_detected"][breach])),
        "verified": count(np.isfinite(ev["t_attributed"][breach])),
        "responded": count(np.isfinite(ev["t_response"][breach])),
    }

    # confusion: true party (parties, then none) x verdict (parties, then unknown)
    n_p = len(lab.parties)
    done = after & (ev["attributed"] != NOT_ATTRIBUTED)
    true = np.where(ev["party"][done] == NO_PARTY, n_p, ev["party"][done]).astype(np.int64)
    said = np.where(ev["attributed"][done] == UNKNOWN, n_p, ev["attributed"][done])
    cells = np.bincount(true * (n_p + 1) + said.astype(np.int64), minlength=(n_p + 1) ** 2)
    rows, cols = np.divmod(np.arange((n_p + 1) ** 2), n_p + 1)
    confusion = {
        "party": np.where(rows == n_p, NO_PARTY, rows),
        "attributed": np.where(cols == n_p, UNKNOWN, cols),
        "count": cells.astype(np.int64),
    }

    # delays: a seeded subsample of true breaches, in event order
    idx = np.flatnonzero(breach)
    if len(idx) > DELAY_SAMPLE:
        rng = np.random.Generator(np.random.PCG64(sample_seed(seed)))
        idx = np.sort(rng.choice(idx, DELAY_SAMPLE, replace=False))
    delays = {
        "event": idx.astype(np.int64),
        "party": ev["party"][idx].astype(np.int64),
        "type": ev["type"][idx].astype(np.int64),
        "detection_delay_h": 24.0 * (ev["t_detected"][idx] - tb[idx]),
        "attribution_delay_h": 24.0 * (ev["t_attributed"][idx] - tb[idx]),
        "response_delay_d": ev["t_response"][idx] - tb[idx],
    }
    return {"sectors": sectors, "confusion": confusion, "delays": delays}


# --------------------------------------------------------------------------- frames
def _cat(codes: np.ndarray, names: Sequence[str], special: Mapping[int, str]) -> pd.Categorical:
    from ..results import _categorical

    return _categorical(codes, names, special)


def _stack(
    parts: Sequence[tuple[int, Mapping[str, np.ndarray]]], columns: Sequence[str], dtypes: Mapping
) -> dict[str, np.ndarray]:
    first = columns[0]
    out: dict[str, np.ndarray] = {
        "replication": np.concatenate(
            [np.full(len(c[first]), i, np.int64) for i, c in parts] or [np.zeros(0, np.int64)]
        )
    }
    for name in columns:
        out[name] = np.concatenate(
            [np.asarray(c[name]) for _, c in parts] or [np.zeros(0, dtypes[name])]
        ).astype(dtypes[name])
    return out


def sectors_frame(
    parts: Sequence[tuple[int, Mapping[str, np.ndarray]]], labels: Labels
) -> pd.DataFrame:
    """The sectors table from ``(replication, columns)`` pairs."""
    import pandas as pd

    cols = ("sector", "start_km", "end_km", *SECTOR_COLUMNS)
    dtypes = {"sector": np.int64, "start_km": float, "end_km": float}
    dtypes.update({c: np.int64 for c in SECTOR_COLUMNS})
    data = _stack([(i, t["sectors"]) for i, t in parts], cols, dtypes)
    data["sector"] = _cat(data["sector"], labels.sectors, {})
    return pd.DataFrame(data)


def confusion_frame(
    parts: Sequence[tuple[int, Mapping[str, np.ndarray]]], labels: Labels
) -> pd.DataFrame:
    """The confusion table from ``(replication, columns)`` pairs."""
    import pandas as pd

    cols = ("party", "attributed", "count")
    data = _stack([(i, t["confusion"]) for i, t in parts], cols, dict.fromkeys(cols, np.int64))
    data["party"] = _cat(data["party"], labels.parties, {NO_PARTY: "none"})
    data["attributed"] = _cat(data["attributed"], labels.parties, {UNKNOWN: "unknown"})
    return pd.DataFrame(data)


def delays_frame(
    parts: Sequence[tuple[int, Mapping[str, np.ndarray]]], labels: Labels
) -> pd.DataFrame:
    """The delays table from ``(replication, columns)`` pairs."""
    import pandas as pd

    cols = (
        "event",
        "party",
        "type",
        "detection_delay_h",
        "attribution_delay_h",
        "response_delay_d",
    )
    dtypes = {"event": np.int64, "party": np.int64, "type": np.int64}
    dtypes.update({c: float for c in cols[3:]})
    data = _stack([(i, t["delays"]) for i, t in parts], cols, dtypes)
    data["party"] = _cat(data["party"], labels.parties, {})
    data["type"] = _cat(data["type"], labels.types, {})
    return pd.DataFrame(data)


def frames(
    parts: Sequence[tuple[int, Mapping[str, Mapping[str, np.ndarray]]]], labels: Labels
) -> dict[str, pd.DataFrame]:
    """All three tables from ``(replication, replication_tables(...))`` pairs."""
    return {
        "sectors": sectors_frame(parts, labels),
        "confusion": confusion_frame(parts, labels),
        "delays": delays_frame(parts, labels),
    }
