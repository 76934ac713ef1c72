"""Results directories (SPEC section 5): tables, provenance, atomic writes, loading.

A run's results directory holds:

* ``manifest.json`` – provenance: the resolved scenario, versions, root seed,
  replications asked for and completed, failed replications with their seeds,
  backend, jobs, start time, wall seconds and command line.  Written last: a
  directory with a manifest is complete.
* ``summary.json`` – ``{"scenario", "replications", "metrics": {METRIC: {mean,
  std, ci_low, ci_high, median, p05, p95, n}}}`` with 95% intervals that stay in
  each metric's range (Wilson for ``collapsed``, else a clipped t-interval; see
  docs/metrics.md); a value that does not exist (the t-interval of a single
  replication) is ``null``.
* ``replications.parquet`` and ``replications.csv`` – ``replication``,
  ``seed``, then every metric.
* ``timeseries.parquet`` – ``replication``, ``day``, then the daily columns.
* ``events.parquet`` – only when events were kept (SPEC section 5.1).
* ``sectors.parquet``, ``confusion.parquet``, ``delays.parquet`` – compact
  per-replication tables for the figures (``experiment/tables.py``): counts of
  breaches, detected, verified and responded per km bin of each sector
  (``replication, sector, start_km, end_km, breaches, detected, verified,
  responded``); incidents by true party (``none`` for false alarms) and
  verdict (``unknown`` included), zeros included (``replication, party,
  attributed, count``); and a seeded subsample of at most 1,000 true breaches
  per replication with their delays (``replication, event, party, type,
  detection_delay_h, attribution_delay_h, response_delay_d``; NaN where the
  stage was not reached).  Like the replication table, they are bit-identical
  on every backend.
* ``*.png`` (or ``.svg``/``.pdf``) – figures drawn by ``ceasemon.plots``.

Every file is written to a temporary file in the same directory, flushed to
disk and renamed over its destination, so an interrupted run never leaves a
half-written file under a real name.  The temporary files have one pattern,
``.ceasemon-<pid>-<random>.tmp``, and cleanup removes nothing else: a user's
own ``.report.tmp`` is never taken for ceasemon's.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import OutputError, ResultsError, UserError
from .layout import LAYOUT_COLUMNS, layout_frame

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Scenario

#: The files of a run's results directory, in the order they are written.
RUN_FILES: tuple[str, ...] = (
    "events.parquet",
    "layout.parquet",
    "sectors.parquet",
    "confusion.parquet",
    "delays.parquet",
    "timeseries.parquet",
    "replications.parquet",
    "replications.csv",
    "summary.json",
    "manifest.json",
)
#: Columns of the summary table besides ``metric`` and ``unit``.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "mean",
    "std",
    "ci_low",
    "ci_high",
    "median",
    "p05",
    "p95",
    "n",
)
_TMP_PREFIX = ".ceasemon-"
_TMP_SUFFIX = ".tmp"
#: The names ``atomic_write`` gives its temporary files: ``.ceasemon-<pid>-<random>.tmp``.
_TMP_NAME = re.compile(r"\.ceasemon-(\d+)-[A-Za-z0-9_]+\.tmp")

_umask = os.umask(0)
os.umask(_umask)


# --------------------------------------------------------------------------- atomic writes
def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Write a file atomically: ``write(tmp)`` into the same directory, fsync, rename.

    Args:
        path: the destination.
        write: called with the temporary path; it must create the whole file there.

    Returns:
        The destination path.

    If ``write`` raises (or the process is interrupted while it runs) the
    destination is untouched and the temporary file is removed.

    Raises:
        OutputError: the file system refused the write (a full disk, no
            permission, a read-only file system); nothing half-written is left.
    """
    dest = Path(path)
    prefix = f"{_TMP_PREFIX}{os.getpid()}-"
    try:
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=prefix, suffix=_TMP_SUFFIX)
    except OSError as exc:
        raise _output_error(dest, exc) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _output_error(dest, exc) from exc
        raise
    _fsync_dir(dest.parent)
    return dest


def _output_error(dest: Path, exc: OSError) -> OutputError:
    """What could not be written, why, and which complete files its directory holds."""
    try:
        complete = foreign_entries(dest.parent)
    except OSError:
        complete = []
    why = exc.strerror or str(exc) or type(exc).__name__
    if complete:
        shown = ", ".join(complete[:12]) + (
            f" and {len(complete) - 12} more" if len(complete) > 12 else ""
        )
        there = f"the complete files in {str(dest.parent)!r} are: {shown}"
    else:
        there = f"{str(dest.parent)!r} holds no complete file"
    return OutputError(
        f"could not write {str(dest)!r}: {why}; nothing half-written was left, {there}",
        exc.errno,
        dest,
        complete,
    )


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write JSON atomically; NaN and infinities become ``null`` so that any parser reads it."""
    text = json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_parquet(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet atomically (no index)."""
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


def write_csv(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV atomically (no index; floats round-trip exactly)."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def is_temp_file(path: Path) -> bool:
    """True for a temporary file of ``atomic_write`` (``.ceasemon-<pid>-<random>.tmp``).

    Only this pattern is ceasemon's: a user's ``.report.tmp`` or
    ``.thesis.docx.tmp`` is not, so that no cleanup ever removes it.
    """
    return _TMP_NAME.fullmatch(path.name) is not None


def _writer_gone(path: Path) -> bool:
    """True when the process that made this temporary file is this one or no longer runs."""
    match = _TMP_NAME.fullmatch(path.name)
    if match is None:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError, OverflowError):
        return False  # alive (another user's), or cannot tell: leave it
    return False  # another ceasemon that is still writing


def remove_stale_temps(directory: str | os.PathLike[str]) -> int:
    """Remove ceasemon's temporary files a killed writer left in ``directory``; return how many.

    Only files named like ``atomic_write``'s (``is_temp_file``) whose process no
    longer runs are removed; nothing else in the directory is touched.
    """
    d = Path(directory)
    if not d.is_dir():
        return 0
    n = 0
    for p in d.iterdir():
        if is_temp_file(p) and p.is_file() and not p.is_symlink() and _writer_gone(p):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                n += 1
    return n


def foreign_entries(directory: str | os.PathLike[str]) -> list[str]:
    """Names in ``directory`` that are not ceasemon's temporary files (what makes it non-empty)."""
    return sorted(p.name for p in Path(directory).iterdir() if not is_temp_file(p))


def prepare_output_dir(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Create ``path`` if needed; refuse a non-empty directory unless ``force``.

    A directory that holds nothing but ceasemon's own temporary files counts as
    empty.  The refusal is decided before anything is removed: a refused
    command leaves the directory as it was.  Only then are stale temporary
    files of ceasemon's (``remove_stale_temps``) removed.

    Raises:
        UserError: ``path`` is a file, or a non-empty directory and ``force`` is
            false, or it cannot be created (a file in the way, no permission, a
            name too long).
    """
    d = Path(path)
    try:
        if d.exists() and not d.is_dir():
            raise UserError(f"the output path {str(d)!r} exists and is not a directory")
        if d.is_dir():
            if not force and foreign_entries(d):
                raise UserError(
                    f"the output directory {str(d)!r} is not empty; "
                    "choose another one or pass --force (force=True) to write into it"
                )
            remove_stale_temps(d)
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        shown = str(d) if len(str(d)) <= 80 else f"{str(d)[:38]}...{str(d)[-38:]}"
        raise UserError(
            f"cannot use {shown!r} as the output directory: {exc.strerror or exc}"
        ) from None
    return d


def safe_name(name: str) -> str:
    """A file-system-safe version of a scenario name (for subdirectories)."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return out or "scenario"


# --------------------------------------------------------------------------- provenance
def versions() -> dict[str, str]:
    """Versions of ceasemon, Python and the libraries that decide the numbers."""
    import pyarrow
    import scipy
    import simpy

    from ..version import __version__

    return {
        "ceasemon": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "pyarrow": pyarrow.__version__,
    }


def json_safe(obj: Any) -> Any:
    """Turn NaN/inf into None and numpy scalars/arrays into Python values, recursively."""
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# --------------------------------------------------------------------------- tables
def metric_units(breach_types: Iterable[str]) -> dict[str, str]:
    """Metric name -> unit, for a scenario with these breach types."""
    from ..measures.metrics import metric_info

    return {name: info.unit for name, info in metric_info(list(breach_types)).items()}


def summary_frame(
    replications: pd.DataFrame, units: Mapping[str, str], duration: float | None = None
) -> pd.DataFrame:
    """One row per metric (in table order): metric, unit, mean, std, CI, median, p05, p95, n.

    Each metric's interval is the kind its declaration names and stays in its range
    (``duration`` bounds ``collapse_day``; see ``measures/intervals.py``).
    """
    from ..measures.metrics import info_of, summarize

    rows = []
    for name in metric_columns(replications):
        values = replications[name].to_numpy(dtype=float)
        stats = summarize(values, info=info_of(name), duration=duration)
        rows.append({"metric": name, "unit": units.get(name, ""), **stats})
    frame = pd.DataFrame(rows, columns=["metric", "unit", *SUMMARY_COLUMNS])
    frame["n"] = frame["n"].astype(np.int64)
    return frame


def metric_columns(replications: pd.DataFrame) -> list[str]:
    """The metric columns of a replication table (all but ``replication`` and ``seed``)."""
    return [c for c in replications.columns if c not in ("replication", "seed")]


def summary_to_json(summary: pd.DataFrame, scenario: str, replications: int) -> dict[str, Any]:
    """The content of ``summary.json`` (SPEC section 5) from a summary table."""
    metrics: dict[str, dict[str, Any]] = {}
    for row in summary.itertuples(index=False):
        entry: dict[str, Any] = {k: float(getattr(row, k)) for k in SUMMARY_COLUMNS[:-1]}
        entry["n"] = int(row.n)
        metrics[str(row.metric)] = entry
    return json_safe({"scenario": scenario, "replications": int(replications), "metrics": metrics})


def summary_from_json(data: Mapping[str, Any], units: Mapping[str, str]) -> pd.DataFrame:
    """Rebuild the summary table from ``summary.json`` content."""
    rows = []
    for name, entry in data["metrics"].items():
        row: dict[str, Any] = {"metric": name, "unit": units.get(name, "")}
        for k in SUMMARY_COLUMNS:
            v = entry.get(k)
            row[k] = math.nan if v is None else float(v)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["metric", "unit", *SUMMARY_COLUMNS])
    frame["n"] = frame["n"].astype(np.int64)
    return frame


def replications_frame(
    indices: Sequence[int], seeds: Sequence[int], metrics: Sequence[Mapping[str, float]]
) -> pd.DataFrame:
    """The replication table: ``replication``, ``seed``, then every metric (float)."""
    names: list[str] = list(metrics[0]) if metrics else []
    data: dict[str, Any] = {
        "replication": np.asarray(indices, dtype=np.int64),
        "seed": np.asarray(seeds, dtype=np.int64),
    }
    for name in names:
        data[name] = np.array([m[name] for m in metrics], dtype=np.float64)
    return pd.DataFrame(data)


def timeseries_frame(parts: Sequence[tuple[int, Mapping[str, np.ndarray]]]) -> pd.DataFrame:
    """The daily table from ``(replication, daily columns)`` pairs."""
    from ..measures.metrics import DAILY_COLUMNS

    cols = ["replication", "day", *DAILY_COLUMNS]
    if not parts:
        return pd.DataFrame({c: np.zeros(0, np.int64 if c in cols[:2] else float) for c in cols})
    rep = np.concatenate([np.full(len(d["day"]), i, np.int64) for i, d in parts])
    data: dict[str, np.ndarray] = {"replication": rep}
    data["day"] = np.concatenate([np.asarray(d["day"], np.int64) for _, d in parts])
    for c in DAILY_COLUMNS:
        data[c] = np.concatenate([np.asarray(d[c], np.float64) for _, d in parts])
    return pd.DataFrame(data)


def _categorical(
    codes: np.ndarray, names: Sequence[str], special: Mapping[int, str | None]
) -> pd.Categorical:
    """Codes -> pandas Categorical over ``names`` plus the special labels (None: missing)."""
    cats = list(names) + [v for v in special.values() if v is not None and v not in names]
    codes = np.asarray(codes, dtype=np.int64)
    out = np.full(len(codes), -1, dtype=np.int64)
    known = (codes >= 0) & (codes < len(names))
    out[known] = codes[known]
    for code, label in special.items():
        hit = codes == code
        known |= hit
        if label is not None:
            out[hit] = cats.index(label)
    if not known.all():
        bad = sorted(set(codes[~known].tolist()))
        raise ValueError(f"unexpected codes {bad} for labels {list(names)}")
    return pd.Categorical.from_codes(out, categories=cats)


def events_frame(
    parts: Sequence[tuple[int, Mapping[str, np.ndarray]]], labels: Any
) -> pd.DataFrame:
    """The events table of SPEC section 5.1 from ``(replication, event columns)`` pairs.

    Codes become categoricals with the names of ``labels`` (a ``records.Labels``):
    ``party`` ``none`` for a false alarm, ``attributed`` a party or ``unknown``
    (missing when attribution never completed), ``action`` missing without a
    response.  Unreached stage times stay NaN.
    """
    from ..model.records import (
        BREACH,
        EVENT_COLUMNS,
        FALSE_ALARM,
        NO_ACTION,
        NO_PARTY,
        NOT_ATTRIBUTED,
        UNKNOWN,
    )

    cols = {
        name: (
            np.concatenate([np.asarray(c[name]) for _, c in parts])
            if parts
            else np.zeros(0, np.int64 if name not in ("retaliation",) else bool)
        )
        for name in EVENT_COLUMNS
    }
    rep = np.concatenate([np.full(len(c["t_breach"]), i, np.int64) for i, c in parts] or [[]])
    event = np.concatenate(
        [np.arange(len(c["t_breach"]), dtype=np.int64) for _, c in parts] or [[]]
    )
    data: dict[str, Any] = {"replication": rep.astype(np.int64), "event": event.astype(np.int64)}
    for name in EVENT_COLUMNS:
        col = cols[name]
        if name == "kind":
            data[name] = _categorical(col, (), {BREACH: "breach", FALSE_ALARM: "false_alarm"})
        elif name == "party":
            data[name] = _categorical(col, labels.parties, {NO_PARTY: "none"})
        elif name == "type":
            data[name] = _categorical(col, labels.types, {})
        elif name == "sector":
            data[name] = _categorical(col, labels.sectors, {})
        elif name == "attributed":
            data[name] = _categorical(
                col, labels.parties, {UNKNOWN: "unknown", NOT_ATTRIBUTED: None}
            )
        elif name == "action":
            data[name] = _categorical(col, labels.actions, {NO_ACTION: None})
        elif name == "retaliation":
            data[name] = col.astype(bool)
        elif name == "detections":
            data[name] = col.astype(np.int64)
        else:
            data[name] = col.astype(np.float64)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- result object
@dataclass(repr=False)
class RunResult:
    """The outcome of ``ceasemon.run``: tables as DataFrames plus provenance.

    Attributes:
        summary: one row per metric: metric, unit, mean, std, ci_low, ci_high,
            median, p05, p95, n (95% interval of the mean, in the metric's range:
            docs/metrics.md; n counts the replications where the metric exists).
        replications: one row per completed replication: replication, seed,
            then every metric.
        timeseries: one row per replication and day: replication, day, then
            the daily columns.
        events: the events table of SPEC section 5.1, or None when events were
            not kept.
        manifest: provenance (see ``manifest.json``); ``manifest["failed"]``
            lists replications that raised, with their seeds.
        sectors: breaches, detected, verified, responded per replication and
            km bin (``sectors.parquet``), or None.
        confusion: attributed incidents per replication, true party and
            verdict (``confusion.parquet``), or None.
        delays: a subsample of breaches with their delays
            (``delays.parquet``), or None.
        layout: the sectors, sensors and map the figures draw (``layout.parquet``;
            ``results/layout.py``), or None.
    """

    summary: pd.DataFrame
    replications: pd.DataFrame
    timeseries: pd.DataFrame
    events: pd.DataFrame | None
    manifest: dict[str, Any]
    sectors: pd.DataFrame | None = None
    confusion: pd.DataFrame | None = None
    delays: pd.DataFrame | None = None
    layout: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.manifest["scenario"]["name"])

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Replications that raised: ``{"replication", "seed", "error", "traceback"}``."""
        return list(self.manifest.get("failed", []))

    @property
    def interrupted(self) -> bool:
        """True when the run was stopped (Ctrl-C) before all replications finished."""
        return bool(self.manifest.get("interrupted", False))

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario, rebuilt from the manifest."""
        from ..scenario import scenario_from_dict

        return scenario_from_dict(self.manifest["scenario"], source="manifest.json")

    def summary_json(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        return summary_to_json(self.summary, self.name, len(self.replications))

    def save(self, path: str | os.PathLike[str], force: bool = False) -> Path:
        """Write the results directory (SPEC section 5) atomically; return its path.

        Raises:
            UserError: ``path`` is a non-empty directory and ``force`` is false.
        """
        d = prepare_output_dir(path, force)
        earlier = _files_of_earlier_run(d)
        for name in ("events", "sectors", "confusion", "delays", "layout"):
            frame = getattr(self, name)
            if frame is not None:
                write_parquet(d / f"{name}.parquet", frame)
            elif f"{name}.parquet" in earlier:  # stale, written by the earlier run here
                with contextlib.suppress(FileNotFoundError):
                    (d / f"{name}.parquet").unlink()
        write_parquet(d / "timeseries.parquet", self.timeseries)
        write_parquet(d / "replications.parquet", self.replications)
        write_csv(d / "replications.csv", self.replications)
        write_json(d / "summary.json", self.summary_json())
        # the manifest describes the files written: events only with an events table
        write_json(d / "manifest.json", {**self.manifest, "events": self.events is not None})
        return d

    def __repr__(self) -> str:
        extra = ", interrupted" if self.interrupted else ""
        return (
            f"RunResult(scenario={self.name!r}, replications={len(self.replications)}, "
            f"failed={len(self.failed)}{extra})"
        )

    def _repr_html_(self) -> str:  # pragma: no cover - Jupyter display
        return f"<p>{self!r}</p>" + self.summary.to_html(index=False)


def _files_of_earlier_run(d: Path) -> set[str]:
    """The files a ceasemon run's manifest already in ``d`` says that run wrote (else none).

    ``--force`` may replace these; anything else in the directory is the user's.
    """
    try:
        old = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return set()
    if not isinstance(old, dict) or old.get("kind", "run") != "run":
        return set()
    if not isinstance(old.get("versions"), dict) or "ceasemon" not in old["versions"]:
        return set()
    files = set(RUN_FILES)
    if not old.get("events"):
        files.discard("events.parquet")
    return files


# --------------------------------------------------------------------------- reading back
#: The keys every manifest of a kind must have, with their JSON types.
_MANIFEST_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "run": {"scenario": dict, "seed": int, "replications": int, "completed": int, "failed": list},
    "compare": {"scenarios": list, "reference": str, "seed": int, "replications": int},
    "sweep": {"scenario": dict, "params": dict, "seed": int, "replications": int, "points": int},
}
#: Columns each table must have: "int" and "num" columns must be integers / numbers.
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "replications": {"replication": "int", "seed": "int"},
    "sectors": {
        "replication": "int",
        "sector": "any",
        "start_km": "num",
        "end_km": "num",
        "breaches": "num",
        "detected": "num",
        "verified": "num",
        "responded": "num",
    },
    "confusion": {"replication": "int", "party": "any", "attributed": "any", "count": "num"},
    "delays": {
        "replication": "int",
        "event": "int",
        "party": "any",
        "type": "any",
        "detection_delay_h": "num",
        "attribution_delay_h": "num",
        "response_delay_d": "num",
    },
    "events": {"replication": "int", "event": "int"},
    "layout": LAYOUT_COLUMNS,
}


def _damaged(path: Path, why: str) -> ResultsError:
    return ResultsError(f"{str(path)!r} {why}", path)


def read_json_file(path: str | os.PathLike[str]) -> Any:
    """The content of a results JSON file, or ``ResultsError`` naming it."""
    p = Path(path)
    if not p.exists():
        raise _damaged(p, "is missing: the results directory is incomplete or damaged")
    if not p.is_file():
        raise _damaged(p, "is not a file")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _damaged(p, f"cannot be read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise _damaged(p, f"is not valid JSON ({why}): the file is damaged") from None


def read_table(
    path: str | os.PathLike[str], columns: Mapping[str, str], numeric_rest: bool = False
) -> pd.DataFrame:
    """Read one Parquet table of a results directory and check its columns.

    Every table is read here, so that a missing, truncated or foreign file, or
    a directory in its place, is one clear ``ResultsError`` naming the file.

    Args:
        path: the table.
        columns: required columns: ``"int"``, ``"num"`` (any number) or ``"any"``.
        numeric_rest: every other column must be numeric too (the metrics).
    """
    p = Path(path)
    if not p.exists():
        raise _damaged(p, "is missing: the results directory is incomplete or damaged")
    if not p.is_file():
        raise _damaged(p, "is not a file (a Parquet table belongs there)")
    try:
        frame = pd.read_parquet(p, engine="pyarrow")
    except Exception as exc:  # pyarrow raises many kinds for a damaged file
        text = one_line_text(str(exc), 120)
        raise _damaged(p, f"is not a readable Parquet table ({text})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _damaged(p, f"lacks the column(s) {', '.join(missing)}")
    for name in frame.columns:
        kind = columns.get(name, "num" if numeric_rest else "any")
        col = frame[name]
        if kind == "int" and not pd.api.types.is_integer_dtype(col):
            raise _damaged(p, f"has a column {name!r} that is not integers")
        if kind == "num" and (
            not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        ):
            raise _damaged(p, f"has a column {name!r} that is not numbers")
    return frame


def one_line_text(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check ``manifest.json`` of a results directory.

    Raises:
        UserError: no results directory.
        ResultsError: no manifest (an unfinished run), or one that is not valid
            JSON or lacks a key of its kind (``{}``, ``[1, 2]``, a string seed).
    """
    d = Path(path)
    if not d.is_dir():
        raise UserError(f"no results directory {str(d)!r}")
    m = d / "manifest.json"
    if not m.exists():
        raise ResultsError(
            f"{str(d)!r} has no manifest.json: it is not a ceasemon results directory, "
            "or its run did not finish",
            m,
        )
    data = read_json_file(m)
    if not isinstance(data, dict):
        raise _damaged(m, "is not a ceasemon manifest (a JSON object)")
    kind = data.get("kind", "run")
    if kind not in _MANIFEST_KEYS:
        raise _damaged(m, f"has an unknown kind {kind!r} (run, compare or sweep)")
    for key, typ in _MANIFEST_KEYS[kind].items():
        value = data.get(key)
        if key not in data:
            raise _damaged(m, f"lacks the key {key!r}: it is not a complete {kind} manifest")
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise _damaged(m, f"key {key}: expected {typ.__name__}, got {value!r:.60}")
    if kind in ("run", "sweep") and not isinstance(data["scenario"].get("breach_types"), dict):
        raise _damaged(m, "key scenario.breach_types: missing or not a mapping")
    if kind == "compare":
        for e in data["scenarios"]:
            ok = isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("label", "dir"))
            if not ok or Path(e["dir"]).name != e["dir"] or e["dir"] in ("", ".", ".."):
                raise _damaged(m, f"key scenarios: not a scenario entry: {e!r:.60}")
    return data


def _read_summary(d: Path, units: Mapping[str, str]) -> pd.DataFrame:
    path = d / "summary.json"
    data = read_json_file(path)
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict) or not all(isinstance(e, dict) for e in metrics.values()):
        raise _damaged(path, "is not a ceasemon summary (no metrics object)")
    for name, entry in metrics.items():
        for k in SUMMARY_COLUMNS:
            v = entry.get(k)
            if v is not None and (not isinstance(v, int | float) or isinstance(v, bool)):
                raise _damaged(path, f"key metrics.{name}.{k}: expected a number, got {v!r:.40}")
    return summary_from_json(data, units)


def load_run(path: str | os.PathLike[str]) -> RunResult:
    """Read a run's results directory back into a ``RunResult``, checking every file.

    Raises:
        ResultsError: a file is missing, damaged or disagrees with the manifest;
            the message names it.
    """
    from ..measures.metrics import DAILY_COLUMNS
    from ..scenario import ScenarioError, scenario_from_dict

    d = Path(path)
    manifest = read_manifest(d)
    if manifest.get("kind", "run") != "run":
        raise _damaged(d / "manifest.json", f"is a {manifest['kind']} manifest, not a run's")
    mpath = d / "manifest.json"
    try:
        scenario_from_dict(manifest["scenario"], source="manifest.json")
        units = metric_units(manifest["scenario"]["breach_types"])
    except (ScenarioError, TypeError, ValueError, KeyError) as exc:
        raise _damaged(mpath, f"key scenario: not a valid scenario ({exc!s:.120})") from None
    summary = _read_summary(d, units)
    reps = read_table(d / "replications.parquet", TABLE_COLUMNS["replications"], True)
    if len(reps) != manifest["completed"]:
        raise _damaged(
            d / "replications.parquet",
            f"has {len(reps)} replications, the manifest says {manifest['completed']} completed",
        )
    if set(metric_columns(reps)) != set(summary["metric"]):
        raise _damaged(d / "replications.parquet", "has other metrics than summary.json")
    daily = {"replication": "int", "day": "int", **{c: "num" for c in DAILY_COLUMNS}}
    timeseries = read_table(d / "timeseries.parquet", daily)
    if not set(timeseries["replication"]) <= set(reps["replication"]):
        raise _damaged(d / "timeseries.parquet", "has replications that the run does not have")

    events_kept = manifest.get("events") is True  # None: a version before the key existed
    # The figure tables come together; versions before them wrote none of the three.
    figure_tables = ("sectors", "confusion", "delays")
    with_figure_tables = any((d / f"{t}.parquet").exists() for t in figure_tables)

    def optional(name: str, required: bool = False) -> pd.DataFrame | None:
        p = d / f"{name}.parquet"
        required = required or (name in figure_tables and with_figure_tables)
        if not required and not p.exists() and not p.is_symlink():
            return None  # written by a version before these tables, or events not kept
        return read_table(p, TABLE_COLUMNS[name])

    return RunResult(
        summary=summary,
        replications=reps,
        timeseries=timeseries,
        events=None if manifest.get("events") is False else optional("events", events_kept),
        manifest=manifest,
        sectors=optional("sectors"),
        confusion=optional("confusion"),
        delays=optional("delays"),
        layout=_layout(d, manifest),
    )


def _layout(d: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    """``layout.parquet``, or, for a directory from a version before it, rebuilt."""
    p = d / "layout.parquet"
    if p.exists() or p.is_symlink():
        return read_table(p, LAYOUT_COLUMNS)
    from ..model.build import build_model
    from ..scenario import ScenarioError, scenario_from_dict

    try:
        sc = scenario_from_dict(manifest["scenario"], source=str(d / "manifest.json"))
    except ScenarioError as exc:
        raise _damaged(d / "manifest.json", f"holds a scenario that is not valid: {exc}") from exc
    return layout_frame(build_model(sc))
