"""The figures of studies: a comparison's metrics grid and a sweep's heatmap."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import UserError
from . import DEFAULT_SWEEP_METRIC, KEY_METRICS, PALETTE
from .common import _figure, _footnote, _load, _styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

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
    known = list(dict.fromkeys(table["metric"]))
    if metrics:
        _check_metrics(metrics, known)
        chosen = list(metrics)
    else:
        have = table.groupby("metric", sort=False)["mean"].apply(lambda s: s.notna().any())
        chosen = [m for m in KEY_METRICS if m in have.index and have[m]]
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
        mean = rows["mean"].to_numpy(float)
        lo = rows["ci_low"].to_numpy(float)
        hi = rows["ci_high"].to_numpy(float)
        for k in range(len(names)):
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
        for k in range(1, len(names)):
            d, dl, dh = (float(rows[c].iloc[k]) for c in ("diff", "diff_ci_low", "diff_ci_high"))
            if not math.isfinite(d):
                continue
            sig = math.isfinite(dl) and (dl > 0 or dh < 0)
            text = "Δ " + _delta_text(d, dl, dh, unit)
            ax.annotate(
                text,
                (0.0, y[k]),
                xycoords=("axes fraction", "data"),
                xytext=(2, -13),
                textcoords="offset points",
                fontsize=7.5,
                color="0.1" if sig else "0.45",
                fontweight="bold" if sig else "normal",
            )
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
    from ..experiment.metrics import metric_info
    from ..experiment.sweep import SweepResult

    sw = _load(result)
    if not isinstance(sw, SweepResult):
        raise UserError("the sweep figure is drawn from a sweep results directory")
    x, y, others = _sweep_axes(sw, x, y)
    info = metric_info(sw.manifest["scenario"]["breach_types"])
    _check_metrics([metric], list(info))
    unit = info[metric].unit
    tab = sw.table
    xs, ys = list(sw.params[x]), list(sw.params[y])
    combos = list(itertools.product(*(sw.params[k] for k in others))) or [()]
    ncols = min(3, len(combos))
    nrows = math.ceil(len(combos) / ncols)
    w = max(4.5, 1.15 * len(xs) + 2.2)
    h = max(3.2, 0.75 * len(ys) + 1.6)
    fig = _figure(w * ncols + 1.0, h * nrows + 0.6)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    means = tab[f"{metric}_mean"] if f"{metric}_mean" in tab else pd.Series(np.nan, tab.index)
    finite = means.to_numpy(float)
    finite = finite[np.isfinite(finite)]
    share = unit in ("share", "0/1")
    vmin, vmax = (
        (0.0, 1.0)
        if share
        else ((float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0))
    )
    cmap = "cividis" if metric not in ("collapsed",) else "viridis_r"
    im = None
    frontier = False
    for ax, combo in zip(axes, combos, strict=False):
        sel = np.ones(len(tab), bool)
        for k, v in zip(others, combo, strict=True):
            sel &= np.array([_same_value(a, v) for a in tab[k]])
        sub = tab[sel]
        grid = np.full((len(ys), len(xs)), np.nan)
        low = np.full_like(grid, np.nan)
        high = np.full_like(grid, np.nan)
        for row in sub.to_dict(orient="records"):
            i = next(k for k, v in enumerate(ys) if _same_value(row[y], v))
            j = next(k for k, v in enumerate(xs) if _same_value(row[x], v))
            grid[i, j] = row.get(f"{metric}_mean", np.nan)
            low[i, j] = row.get(f"{metric}_ci_low", np.nan)
            high[i, j] = row.get(f"{metric}_ci_high", np.nan)
        if share:  # a t-interval of a share can leave [0, 1]; show the possible part
            low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
        im = ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, origin="lower", aspect="auto")
        norm = im.norm
        for i, j in itertools.product(range(len(ys)), range(len(xs))):
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
        if (
            metric == "collapsed"
            and len(xs) > 1
            and len(ys) > 1
            and np.isfinite(grid).all()
            and grid.min() < 0.5 < grid.max()
        ):
            frontier = True
            ax.contour(
                np.arange(len(xs)),
                np.arange(len(ys)),
                grid,
                levels=[0.5],
                colors="#D55E00",
                linewidths=2.0,
                linestyles="--",
            )
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        ax.set_yticks(range(len(ys)), [str(v) for v in ys])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.grid(False)
        if others:
            ax.set_title(
                ", ".join(f"{k} = {v}" for k, v in zip(others, combo, strict=True)),
                loc="left",
                fontsize=9,
            )
    for ax in axes[len(combos) :]:
        ax.set_visible(False)
    if im is not None:
        cb = fig.colorbar(im, ax=list(axes[: len(combos)]), shrink=0.9)
        cb.set_label(_metric_label(metric, unit) + ": mean")
    what = "probability the ceasefire collapses" if metric == "collapsed" else metric
    fig.suptitle(f"{sw.manifest['scenario']['name']}: {what}", fontsize=11.5)
    _footnote(
        fig,
        f"{sw.manifest['replications']} replications per grid point; cells: mean and 95% "
        + ("Wilson score interval" if unit == "0/1" else "t-interval")
        + (" (clipped to [0, 1])" if unit == "share" else "")
        + (
            "\nDashed line: the 50% collapse contour (the deterrence frontier)." if frontier else ""
        ),
    )
    return fig
