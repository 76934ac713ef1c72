"""Shared parts of the figures: style, statistics of the tables, inputs and small helpers."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import UserError
from . import PALETTE

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import RunResult

_Z95 = 1.959963984540054


def _style() -> dict[str, Any]:
    from cycler import cycler

    return {
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "grid.linewidth": 0.6,
        "font.size": 9.5,
        "axes.titlesize": 10.5,
        "axes.titleweight": "bold",
        "axes.labelsize": 9.5,
        "legend.fontsize": 8.5,
        "legend.frameon": False,
        "figure.titlesize": 12,
        "figure.titleweight": "bold",
        "savefig.dpi": 150,
        "image.cmap": "cividis",
    }


@contextmanager
def _styled() -> Iterator[None]:
    import matplotlib as mpl

    with mpl.rc_context(_style()):
        yield


def _figure(w: float, h: float) -> Figure:
    """A figure on its own Agg canvas (no pyplot, no global backend change)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _styled_figure(func: Callable[..., Figure]) -> Callable[..., Figure]:
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with _styled():
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- statistics
def t_band(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, ...]:
    """Column-wise mean and t-interval of a (replications x points) array, NaN-safe.

    Returns:
        ``(mean, low, high, n)``; the interval is NaN where fewer than two values exist.
    """
    from scipy import stats

    x = np.asarray(values, float)
    n = np.isfinite(x).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(np.isfinite(x), x - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / (n - 1))
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return mean, mean - half, mean + half, n


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> pd.DataFrame:
    """Kaplan-Meier survival estimate with Greenwood's variance.

    Args:
        durations: time of the event, or of censoring, per subject.
        observed: True where the event happened at that time, False where censored.

    Returns:
        One row per distinct time: ``time, at_risk, events, censored, survival,
        se, ci_low, ci_high``; ``survival`` is S(t) just after ``time``, ``se``
        Greenwood's standard error ``S sqrt(sum d / (n (n - d)))`` and the 95%
        band ``S -+ 1.96 se`` clipped to [0, 1] (``se`` is 0 once S is 0).
    """
    t = np.asarray(durations, float)
    e = np.asarray(observed, bool)
    if t.shape != e.shape or not np.isfinite(t).all():
        raise ValueError("durations must be finite and as many as the observed flags")
    times = np.unique(t)
    rows = []
    s, g = 1.0, 0.0
    for tk in times:
        at_risk = int((t >= tk).sum())
        d = int((e & (t == tk)).sum())
        c = int((~e & (t == tk)).sum())
        if d:
            s *= 1.0 - d / at_risk
            g = math.inf if d == at_risk else g + d / (at_risk * (at_risk - d))
        se = 0.0 if s == 0.0 else s * math.sqrt(g)
        rows.append((tk, at_risk, d, c, s, se))
    frame = pd.DataFrame(
        rows, columns=["time", "at_risk", "events", "censored", "survival", "se"]
    ).astype({"time": float, "at_risk": np.int64, "events": np.int64, "censored": np.int64})
    frame["ci_low"] = (frame["survival"] - _Z95 * frame["se"]).clip(0.0, 1.0)
    frame["ci_high"] = (frame["survival"] + _Z95 * frame["se"]).clip(0.0, 1.0)
    return frame


def ecdf(values: np.ndarray, total: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted finite values and the share of ``total`` (default: all values) at or below each."""
    v = np.asarray(values, float)
    n = len(v) if total is None else total
    x = np.sort(v[np.isfinite(v)])
    return x, np.arange(1, len(x) + 1) / max(n, 1)


def coverage(model: Any, x: np.ndarray) -> dict[str, np.ndarray]:
    """Expected sensors in range at positions ``x`` (km) per positioned group.

    The count of a group's sensors within ``range_km`` times their long-run
    availability ``mtbf / (mtbf + mttr)``; full-coverage groups are left out.
    """
    out: dict[str, np.ndarray] = {}
    for g in model.groups:
        if g.full:
            continue
        pos = np.asarray(g.positions, float)
        n = np.searchsorted(pos, x + g.range_km, "right") - np.searchsorted(
            pos, x - g.range_km, "left"
        )
        out[g.name] = n * g.availability
    return out


# --------------------------------------------------------------------------- inputs
def _load(result: Any) -> Any:
    if isinstance(result, str | os.PathLike):
        from ..experiment.loading import load_results

        return load_results(result)
    return result


def _as_run(result: Any, what: str) -> RunResult:
    from ..results import RunResult

    res = _load(result)
    if not isinstance(res, RunResult):
        raise UserError(
            f"the {what} figure is drawn from a run's results directory, not from "
            f"{type(res).__name__}; point at a run (or a scenario's subdirectory of a comparison)"
        )
    return res


def _table(res: RunResult, name: str, what: str) -> pd.DataFrame:
    frame = getattr(res, name)
    if frame is None:
        raise UserError(
            f"the {what} figure needs {name}.parquet, which this results directory lacks "
            "(it was written by an older ceasemon); run the scenario again to write it"
        )
    return frame


def _reps_text(n: int) -> str:
    return f"{n} replication{'s' if n != 1 else ''}"


def _footnote(fig: Figure, text: str) -> None:
    """A grey note at the bottom left, with room kept for it below the axes."""
    lines = text.count("\n") + 1
    height = fig.get_figheight()
    fig.text(0.01, 0.01, text, fontsize=8, color="0.3", ha="left", va="bottom")
    bottom = (0.1 + 0.16 * lines) / height
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))  # left, bottom, width, height


def _no_data(ax: Axes, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def _band(ax: Axes, x, mean, lo, hi, color: str, label: str, step: bool = False) -> None:
    kw = {"step": "post"} if step else {}
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.fill_between(x, lo, hi, where=ok, color=color, alpha=0.25, lw=0, **kw)
    if step:
        ax.step(x, mean, where="post", color=color, lw=1.4, label=label)
    else:
        ax.plot(x, mean, color=color, lw=1.3, label=label)


def _pivot(ts: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    wide = ts.pivot(index="replication", columns="day", values=col)
    return wide.columns.to_numpy(), wide.to_numpy(float)
