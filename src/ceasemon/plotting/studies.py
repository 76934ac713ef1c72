"""The figures of studies: a comparison's metrics grid and a sweep's heatmap."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import UserError
from . import DEFAULT_SWEEP_METRIC, KEY_METRICS, PALETTE
from .common import _figure, _footnote, _load, _styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage

    from ..experiment.compare import CompareResult
    from ..experiment.sweep import SweepResult


def _metric_label(metric: str, unit: str) -> str:
    if unit in ("", "count") or not unit:
        return metric
    return f"{metric} ({unit})"


def _delta_text(d: float, lo: float, hi: float, unit: str) -> str:
    """A paired difference and its interval with as many decimals as its precision warrants."""
    scale, suffix = (100.0, " pp") if unit in ("share", "0/1") else (1.0, "")
    d, lo, hi = d * scale, lo * scale, hi * scale
    width = (hi - lo) / 2 if math.isfinite(lo) and hi > lo else abs(d)
    dec = int(np.clip(1 - math.floor(math.log10(width)), 0, 4)) if width > 0 else 0
    text = f"{d:+.{dec}f}{suffix}"
    if math.isfinite(lo):
        text += f" [{lo:+.{dec}f}, {hi:+.{dec}f}]"
    return text


def _check_metrics(metrics: Sequence[str], known: Sequence[str]) -> None:
    from ..scenario.errors import suggest

    for m in metrics:
        if m not in known:
            raise UserError(f"unknown metric {m!r}{suggest(m, list(known))}")


@_styled_figure
def compare_figure(
    result: CompareResult | str | os.PathLike[str], metrics: Sequence[str] | None = None
) -> Figure:
    """Each metric per scenario with its 95% CI, and the paired difference to the reference."""
    from ..experiment.compare import CompareResult

    cmp = _load(result)
    if not isinstance(cmp, CompareResult):
        raise UserError("the compare figure is drawn from a compare results directory")
    table = cmp.comparison
    chosen = _compare_metrics(table, metrics)
    names = list(cmp.results)
    ncols = min(3, max(len(chosen), 1))
    nrows = max(1, math.ceil(len(chosen) / ncols))
    label_w = max((len(s) for s in names), default=8)
    fig = _figure(
        max(9.0, 3.6 * ncols + 0.07 * label_w), 0.45 * len(names) * nrows + 1.2 * nrows + 1.1
    )
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    y = np.arange(len(names))
    for ax, metric in zip(axes, chosen, strict=False):
        rows = table[table["metric"] == metric].set_index("scenario").reindex(names)
        unit = str(rows["unit"].dropna().iloc[0]) if rows["unit"].notna().any() else ""
        _draw_means(ax, rows, y)
        _annotate_differences(ax, rows, y, unit)
        ax.set_title(_metric_label(metric, unit), loc="left", fontsize=9.5)
        ax.set_ylim(len(names) - 0.4, -0.7)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.margins(x=0.15)
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    axes[0].set_yticks(y, names)
    for ax in axes[::ncols]:
        ax.tick_params(axis="y", labelleft=True)
    ref = names[0]
    fig.suptitle(
        "Scenarios compared on common random numbers: mean and 95% CI\n"
        f"({cmp.manifest.get('replications')} replications each)"
    )
    _footnote(
        fig,
        f"Δ: paired difference to the reference {ref!r} with its 95% interval: paired t, or "
        "Newcombe's for 0/1 metrics\n(bold where the interval excludes 0; pp: percentage "
        "points). "
        "Dotted line: the reference's mean.",
    )
    return fig


def _compare_metrics(table: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    """The metrics to draw: those asked for (each checked), else the key metrics with a value.

    A key metric that no scenario has a mean for (no responses at all, say)
    would be an empty panel, so it is left out by default.
    """
    if metrics:
        _check_metrics(metrics, list(dict.fromkeys(table["metric"])))
        return list(metrics)
    have = table.groupby("metric", sort=False)["mean"].apply(lambda s: s.notna().any())
    return [m for m in KEY_METRICS if m in have.index and have[m]]


def _draw_means(ax: Axes, rows: pd.DataFrame, y: np.ndarray) -> None:
    """Each scenario's mean with its 95% CI, and a dotted line at the reference's mean.

    A mean without a finite interval (one replication, say) is drawn as a bare
    point rather than with a bar that would say nothing.
    """
    mean = rows["mean"].to_numpy(float)
    lo = rows["ci_low"].to_numpy(float)
    hi = rows["ci_high"].to_numpy(float)
    for k in range(len(rows)):
        color = PALETTE[k % len(PALETTE)]
        if np.isfinite(lo[k]):
            ax.errorbar(
                mean[k],
                y[k],
                xerr=[[mean[k] - lo[k]], [hi[k] - mean[k]]],
                fmt="o",
                color=color,
                capsize=3,
                ms=5,
            )
        else:
            ax.plot(mean[k], y[k], "o", color=color, ms=5)
    ax.axvline(mean[0], color="0.5", lw=0.8, ls=":")


def _annotate_differences(ax: Axes, rows: pd.DataFrame, y: np.ndarray, unit: str) -> None:
    """Under each scenario but the reference, its paired difference to the reference.

    The text is bold where the difference's interval excludes 0, so the
    differences that the replications support stand out from those that
    could be noise.
    """
    for k in range(1, len(rows)):
        d, dl, dh = (float(rows[c].iloc[k]) for c in ("diff", "diff_ci_low", "diff_ci_high"))
        if not math.isfinite(d):
            continue
        sig = math.isfinite(dl) and (dl > 0 or dh < 0)
        ax.annotate(
            "Δ " + _delta_text(d, dl, dh, unit),
            (0.0, y[k]),
            xycoords=("axes fraction", "data"),
            xytext=(2, -13),
            textcoords="offset points",
            fontsize=7.5,
            color="0.1" if sig else "0.45",
            fontweight="bold" if sig else "normal",
        )


def _sweep_axes(sw: SweepResult, x: str | None, y: str | None) -> tuple[str, str, list[str]]:
    keys = list(sw.params)
    for name, v in (("--x", x), ("--y", y)):
        if v is not None and v not in keys:
            from ..scenario.errors import suggest

            raise UserError(
                f"{name} {v!r} is not a swept parameter{suggest(v, keys)} "
                f"(swept: {', '.join(keys)})"
            )
    if len(keys) < 2:
        raise UserError(
            f"a sweep heatmap needs two swept parameters; this sweep has {len(keys)} "
            f"({', '.join(keys)})"
        )
    if len(keys) > 2 and (x is None or y is None):
        raise UserError(
            f"this sweep has {len(keys)} parameters ({', '.join(keys)}): choose the heatmap's "
            "axes with --x and --y (the others become one panel per value)"
        )
    x = x or keys[0]
    y = y or next(k for k in keys if k != x)
    if x == y:
        raise UserError("--x and --y must be two different parameters")
    return x, y, [k for k in keys if k not in (x, y)]


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return float(a) == float(b)
    return str(a) == str(b)


@dataclass(frozen=True)
class _Heatmap:
    """What every panel of a sweep heatmap shares: the metric, the two axes, one colour scale."""

    metric: str
    unit: str
    x: str
    y: str
    xs: list[Any]
    ys: list[Any]
    others: list[str]
    vmin: float
    vmax: float

    @property
    def share(self) -> bool:
        """A share or a 0/1 indicator: its scale is [0, 1] and its intervals are clipped to it."""
        return self.unit in ("share", "0/1")

    @property
    def cmap(self) -> str:
        """Reversed viridis for the collapse probability (darker: safer), cividis otherwise."""
        return "cividis" if self.metric not in ("collapsed",) else "viridis_r"


def _load_sweep(result: SweepResult | str | os.PathLike[str]) -> SweepResult:
    """The sweep behind ``result``; any other kind of results is the user's mistake."""
    from ..experiment.sweep import SweepResult

    sw = _load(result)
    if not isinstance(sw, SweepResult):
        raise UserError("the sweep figure is drawn from a sweep results directory")
    return sw


def _color_range(tab: pd.DataFrame, metric: str, share: bool) -> tuple[float, float]:
    """One colour scale for all panels: [0, 1] for shares, else the finite means' range."""
    if share:
        return 0.0, 1.0
    means = tab[f"{metric}_mean"] if f"{metric}_mean" in tab else pd.Series(np.nan, tab.index)
    finite = means.to_numpy(float)
    finite = finite[np.isfinite(finite)]
    return (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)


def _heatmap_spec(sw: SweepResult, metric: str, x: str | None, y: str | None) -> _Heatmap:
    """Check the metric and the axes against the sweep and fix what all panels share."""
    from ..measures.metrics import metric_info

    x, y, others = _sweep_axes(sw, x, y)
    info = metric_info(sw.manifest["scenario"]["breach_types"])
    _check_metrics([metric], list(info))
    unit = info[metric].unit
    vmin, vmax = _color_range(sw.table, metric, unit in ("share", "0/1"))
    xs, ys = list(sw.params[x]), list(sw.params[y])
    return _Heatmap(metric, unit, x, y, xs, ys, others, vmin, vmax)


def _panel_rows(tab: pd.DataFrame, others: list[str], combo: tuple[Any, ...]) -> pd.DataFrame:
    """The grid points of one panel: those whose other parameters have the values ``combo``."""
    sel = np.ones(len(tab), bool)
    for k, v in zip(others, combo, strict=True):
        sel &= np.array([_same_value(a, v) for a in tab[k]])
    return tab[sel]


def _cell_grids(sub: pd.DataFrame, spec: _Heatmap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, CI low and CI high of each cell (rows: y values, columns: x values); NaN: not run."""
    grid = np.full((len(spec.ys), len(spec.xs)), np.nan)
    low = np.full_like(grid, np.nan)
    high = np.full_like(grid, np.nan)
    for row in sub.to_dict(orient="records"):
        i = next(k for k, v in enumerate(spec.ys) if _same_value(row[spec.y], v))
        j = next(k for k, v in enumerate(spec.xs) if _same_value(row[spec.x], v))
        grid[i, j] = row.get(f"{spec.metric}_mean", np.nan)
        low[i, j] = row.get(f"{spec.metric}_ci_low", np.nan)
        high[i, j] = row.get(f"{spec.metric}_ci_high", np.nan)
    if spec.share:  # a t-interval of a share can leave [0, 1]; show the possible part
        low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
    return grid, low, high


def _annotate_cells(
    ax: Axes, im: AxesImage, grid: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    """Write each cell's mean and CI in a colour readable on its shade, or "not run"."""
    norm = im.norm
    for i, j in itertools.product(range(grid.shape[0]), range(grid.shape[1])):
        v = grid[i, j]
        if not np.isfinite(v):
            ax.text(j, i, "not run", ha="center", va="center", fontsize=8, color="0.4")
            continue
        shade = im.cmap(norm(v))
        dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
        ci = f"\n[{low[i, j]:.2g}, {high[i, j]:.2g}]" if np.isfinite(low[i, j]) else ""
        ax.text(
            j,
            i,
            f"{v:.2f}{ci}",
            ha="center",
            va="center",
            fontsize=8.5,
            color="white" if dark else "black",
        )


def _crosses_half(metric: str, grid: np.ndarray) -> bool:
    """Whether a collapse grid, fully run and at least 2 x 2, has cells on both sides of 50%."""
    if metric != "collapsed" or grid.shape[0] <= 1 or grid.shape[1] <= 1:
        return False
    return bool(np.isfinite(grid).all() and grid.min() < 0.5 < grid.max())


def _draw_frontier(ax: Axes, grid: np.ndarray) -> None:
    """The 50% collapse contour: the deterrence frontier between the swept values."""
    ax.contour(
        np.arange(grid.shape[1]),
        np.arange(grid.shape[0]),
        grid,
        levels=[0.5],
        colors="#D55E00",
        linewidths=2.0,
        linestyles="--",
    )


def _label_panel(ax: Axes, spec: _Heatmap, combo: tuple[Any, ...]) -> None:
    """Ticks at the swept values, the parameters as axis labels, the other values as title."""
    ax.set_xticks(range(len(spec.xs)), [str(v) for v in spec.xs])
    ax.set_yticks(range(len(spec.ys)), [str(v) for v in spec.ys])
    ax.set_xlabel(spec.x)
    ax.set_ylabel(spec.y)
    ax.grid(False)
    if spec.others:
        ax.set_title(
            ", ".join(f"{k} = {v}" for k, v in zip(spec.others, combo, strict=True)),
            loc="left",
            fontsize=9,
        )


def _heatmap_panel(
    ax: Axes, tab: pd.DataFrame, spec: _Heatmap, combo: tuple[Any, ...]
) -> tuple[AxesImage, bool]:
    """Draw one panel; return its image (for the colour bar) and whether it has a frontier."""
    grid, low, high = _cell_grids(_panel_rows(tab, spec.others, combo), spec)
    im = ax.imshow(
        grid, cmap=spec.cmap, vmin=spec.vmin, vmax=spec.vmax, origin="lower", aspect="auto"
    )
    _annotate_cells(ax, im, grid, low, high)
    frontier = _crosses_half(spec.metric, grid)
    if frontier:
        _draw_frontier(ax, grid)
    _label_panel(ax, spec, combo)
    return im, frontier


def _sweep_note(replications: Any, unit: str, frontier: bool) -> str:
    """The footnote: replications per point, what a cell shows, and the contour if drawn."""
    return (
        f"{replications} replications per grid point; cells: mean and 95% "
        + ("Wilson score interval" if unit == "0/1" else "t-interval")
        + (" (clipped to [0, 1])" if unit == "share" else "")
        + ("\nDashed line: the 50% collapse contour (the deterrence frontier)." if frontier else "")
    )


@_styled_figure
def sweep_figure(
    result: SweepResult | str | os.PathLike[str],
    metric: str = DEFAULT_SWEEP_METRIC,
    x: str | None = None,
    y: str | None = None,
) -> Figure:
    """Heatmap of a metric's mean over two swept parameters, annotated with mean and CI.

    With more than two swept parameters, ``x`` and ``y`` choose the axes and
    every combination of the other parameters' values gets its own panel.
    """
    sw = _load_sweep(result)
    spec = _heatmap_spec(sw, metric, x, y)
    combos = list(itertools.product(*(sw.params[k] for k in spec.others))) or [()]
    ncols = min(3, len(combos))
    nrows = math.ceil(len(combos) / ncols)
    w = max(4.5, 1.15 * len(spec.xs) + 2.2)
    h = max(3.2, 0.75 * len(spec.ys) + 1.6)
    fig = _figure(w * ncols + 1.0, h * nrows + 0.6)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    im = None
    frontier = False
    for ax, combo in zip(axes, combos, strict=False):
        im, drawn = _heatmap_panel(ax, sw.table, spec, combo)
        frontier = frontier or drawn
    for ax in axes[len(combos) :]:
        ax.set_visible(False)
    if im is not None:
        cb = fig.colorbar(im, ax=list(axes[: len(combos)]), shrink=0.9)
        cb.set_label(_metric_label(metric, spec.unit) + ": mean")
    what = "probability the ceasefire collapses" if metric == "collapsed" else metric
    fig.suptitle(f"{sw.manifest['scenario']['name']}: {what}", fontsize=11.5)
    _footnote(fig, _sweep_note(sw.manifest["replications"], spec.unit, frontier))
    return fig
