"""Figures from result tables: what the sensors saw, how fast, how right, and whether it deterred.

Every figure is drawn from the tables of a results directory (or the result
objects of the Python API) and never runs a simulation; the line figure
compiles the scenario's layout (sensor positions and ranges) only.

=============  =================================================================================
kind           figure (file ``<kind>.<format>`` in the results directory)
=============  =================================================================================
timeseries     daily breaches, detections, verified breaches and responses: mean over
               replications with a 95% t-band (``timeseries.parquet``)
line           detection share by km along the contact line against the expected number of
               sensors in range, with each group's sensor positions as a rug
               (``sectors.parquet`` and the scenario's layout); with a lon/lat polyline also
               ``line_map``, the same on a map
delays         ECDFs of the detection, attribution and response delays by breach type
               (``delays.parquet``)
attribution    confusion matrix of true party (``none``: false alarms) against verdict
               (``unknown`` included): row shares and counts (``confusion.parquet``)
deterrence     Kaplan-Meier survival of the ceasefire with its 95% Greenwood band
               (``collapse_day`` censored at the end of the run) and the aggressor's intensity
               over time (``replications.parquet``, ``timeseries.parquet``)
compare        each key metric per scenario with its 95% CI, and the paired difference to the
               reference (``comparison.parquet`` of a ``compare`` directory)
sweep          heatmap of a metric over two swept parameters, annotated with mean and CI
               (``sweep.parquet``; file ``sweep_<metric>.<format>``)
=============  =================================================================================

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies) and sequential maps are ``cividis``/``viridis``.  Figures are
``matplotlib.figure.Figure`` objects on an Agg canvas, made without pyplot, so
that nothing here changes the user's matplotlib backend; in Jupyter they
display inline like any figure.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .experiment.compare import CompareResult
    from .experiment.sweep import SweepResult
    from .results import RunResult

#: Every kind of figure.
KINDS: tuple[str, ...] = (
    "timeseries",
    "line",
    "delays",
    "attribution",
    "deterrence",
    "compare",
    "sweep",
)
#: The figures of a run's results directory (``ceasemon run`` draws these).
RUN_KINDS: tuple[str, ...] = KINDS[:5]
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
#: Okabe-Ito, reordered so that the first colours are the most distinct on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
#: Metrics of the compare figure, in panel order.
KEY_METRICS: tuple[str, ...] = (
    "detected_share",
    "verified_share",
    "attribution_accuracy",
    "responded_share",
    "detection_delay_h",
    "attribution_delay_h",
    "response_delay_d",
    "aggressor_intensity_mean",
    "collapsed",
)
DEFAULT_SWEEP_METRIC = "collapsed"
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
        from .results import load_results

        return load_results(result)
    return result


def _as_run(result: Any, what: str) -> RunResult:
    from .results import RunResult

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


# --------------------------------------------------------------------------- run figures
@_styled_figure
def timeseries_figure(result: RunResult | str | os.PathLike[str]) -> Figure:
    """Daily breaches, detections, verified breaches and responses: mean and 95% t-band."""
    res = _as_run(result, "timeseries")
    ts = res.timeseries
    n = ts["replication"].nunique()
    fig = _figure(9, 8.5)
    axes = fig.subplots(4, 1, sharex=True)
    panels = [
        ("True breaches", [("breaches", "all parties"), ("aggressor_breaches", "aggressor")]),
        ("Breaches first detected (a detection reached fusion)", [("detected", "detected")]),
        ("Breaches verified (attribution completed)", [("verified", "verified")]),
        ("Responses implemented", [("responses", "responses")]),
    ]
    colors = iter(PALETTE)
    for ax, (title, cols) in zip(axes, panels, strict=True):
        ax.set_title(title, loc="left")
        ax.set_ylabel("per day")
        if ts.empty:
            _no_data(ax)
            continue
        for col, label in cols:
            days, wide = _pivot(ts, col)
            mean, lo, hi, _ = t_band(wide)
            _band(ax, days + 0.5, mean, lo, hi, next(colors), label)
        ax.set_ylim(bottom=0)
        if len(cols) > 1:
            ax.legend(loc="upper right", ncols=len(cols))
    axes[-1].set_xlabel("day since the ceasefire started")
    axes[-1].set_xlim(0, res.scenario.duration)
    fig.suptitle(f"{res.name}: daily activity along the pipeline")
    collapsed = int(np.nansum(res.replications.get("collapsed", pd.Series(dtype=float))))
    note = f"Mean over {_reps_text(n)} with 95% t-band."
    if collapsed:
        note += (
            f" The ceasefire collapsed in {collapsed} of them; after a collapse a replication "
            "has no days,\nso later means are over the replications still in ceasefire."
        )
    _footnote(fig, note)
    return fig


def _sector_guides(ax: Axes, line: Any, names: bool) -> None:
    for x in line.starts[1:]:
        ax.axvline(x, color="0.55", lw=0.8, ls=":", zorder=0)
    if names:
        from matplotlib.transforms import blended_transform_factory

        tr = blended_transform_factory(ax.transData, ax.transAxes)
        span = float(line.ends[-1] - line.starts[0])
        for s, e, name in zip(line.starts, line.ends, line.names, strict=True):
            narrow = (e - s) / span < 0.09
            ax.text(
                (s + e) / 2,
                1.02,
                name.replace("_", " "),
                transform=tr,
                ha="left" if narrow else "center",
                va="bottom",
                fontsize=8,
                color="0.25",
                rotation=30 if narrow else 0,
                rotation_mode="anchor",
            )


def _bin_shares(sec: pd.DataFrame) -> pd.DataFrame:
    """Pooled shares per bin, and a t-band of the detected share over replications."""
    cols = ["breaches", "detected", "verified", "responded"]
    pooled = sec.groupby(["start_km", "end_km"], sort=True)[cols].sum().reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in cols[1:]:
            pooled[f"{c}_share"] = pooled[c] / pooled["breaches"].where(pooled["breaches"] > 0)
        per = sec.assign(share=sec["detected"] / sec["breaches"].where(sec["breaches"] > 0))
    wide = per.pivot(index="replication", columns="start_km", values="share")
    _, lo, hi, _ = t_band(wide.to_numpy(float))
    pooled["detected_lo"] = lo
    pooled["detected_hi"] = hi
    return pooled


@_styled_figure
def line_figure(result: RunResult | str | os.PathLike[str]) -> Figure:
    """Detection share along the line against sensor coverage, with sensor positions."""
    from .model.simulation import build_model

    res = _as_run(result, "line")
    sec = _table(res, "sectors", "line")
    model = build_model(res.scenario)  # the layout only: no simulation
    line = model.line
    positioned = [g for g in model.groups if not g.full]
    full = [g.name for g in model.groups if g.full]
    fig = _figure(10, 8)
    ax_s, ax_c, ax_r = fig.subplots(
        3, 1, sharex=True, height_ratios=[3, 2, 0.35 * max(len(positioned), 2) + 0.4]
    )
    n = sec["replication"].nunique()
    if sec.empty:
        _no_data(ax_s)
        lo = hi = np.zeros(0)
    else:
        b = _bin_shares(sec)
        lo, hi = b["start_km"].to_numpy(), b["end_km"].to_numpy()
        edges = np.append(lo, hi[-1])

        def steps(v: np.ndarray) -> np.ndarray:
            return np.append(v, v[-1])

        ax_s.fill_between(
            edges,
            steps(b["detected_lo"].to_numpy()),
            steps(b["detected_hi"].to_numpy()),
            step="post",
            color=PALETTE[0],
            alpha=0.25,
            lw=0,
        )
        shares = [
            ("detected", "detected\n(1+ detection)", "-", 2.4),
            ("verified", "verified\n(attributed)", "--", 1.5),
            ("responded", "answered\n(response)", ":", 1.8),
        ]
        for k, (col, label, ls, lw) in enumerate(shares):
            v = b[f"{col}_share"].to_numpy()
            ax_s.step(edges, steps(v), where="post", color=PALETTE[k], lw=lw, ls=ls, label=label)
        from .experiment.tables import bin_width_km

        width = bin_width_km(float(line.ends[-1] - line.starts[0]))
        approx = "" if np.allclose(hi - lo, width) else "~"
        ax_s.set_ylim(0, 1.06)
        ax_s.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, labelspacing=1.0)
        ax_s.set_title(
            f"Share of true breaches per {approx}{width:g} km bin, pooled over {_reps_text(n)} "
            "(band: 95% t-interval of the detected share)",
            loc="left",
            fontsize=9,
            pad=24,
        )
    ax_s.set_ylabel("share of breaches")
    _sector_guides(ax_s, line, names=True)

    # coverage: expected sensors in range, averaged over each bin
    if len(lo) == 0:
        lo = line.starts
        hi = line.ends
    xs = lo[:, None] + (hi - lo)[:, None] * (np.arange(16) + 0.5)[None, :] / 16
    cov = coverage(model, xs.ravel())
    edges = np.append(lo, hi[-1])
    base = np.zeros(len(lo))
    for k, g in enumerate(positioned):
        v = cov[g.name].reshape(len(lo), 16).mean(axis=1)
        top = base + v
        ax_c.fill_between(
            edges,
            np.append(base, base[-1]),
            np.append(top, top[-1]),
            step="post",
            color=PALETTE[k % len(PALETTE)],
            alpha=0.85,
            lw=0,
            label=g.name,
        )
        base = top
    ax_c.set_ylabel("sensors in range\n(x availability)")
    ax_c.set_title(
        "Sensor coverage: expected number of sensors in range of a breach, stacked by group",
        loc="left",
        fontsize=9.5,
    )
    if positioned:
        ax_c.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    else:
        _no_data(ax_c, "no positioned sensors")
    _sector_guides(ax_c, line, names=False)

    # rug: sensor positions per group
    for k, g in enumerate(positioned):
        ax_r.eventplot(
            g.positions,
            lineoffsets=k,
            linelengths=0.7,
            linewidths=0.6,
            colors=PALETTE[k % len(PALETTE)],
        )
    ax_r.set_yticks(
        range(len(positioned)), [f"{g.name} ({len(g.positions)})" for g in positioned], fontsize=8
    )
    ax_r.set_ylim(-0.6, max(len(positioned), 1) - 0.4)
    ax_r.invert_yaxis()
    ax_r.grid(False, axis="y")
    ax_r.set_title("Sensor positions (count)", loc="left", fontsize=9.5)
    _sector_guides(ax_r, line, names=False)
    ax_r.set_xlabel("km along the contact line")
    ax_r.set_xlim(float(line.starts[0]), float(line.ends[-1]))
    fig.suptitle(f"{res.name}: where breaches are seen along the contact line")
    if full:
        _footnote(
            fig,
            "Not shown in coverage: full-coverage groups that see the whole line ("
            + ", ".join(full)
            + ").",
        )
    return fig


@_styled_figure
def line_map_figure(result: RunResult | str | os.PathLike[str]) -> Figure:
    """The contact line on a lon/lat map, coloured by detected share, with the sensors."""
    from matplotlib.collections import LineCollection

    from .model.simulation import build_model

    res = _as_run(result, "line map")
    sec = _table(res, "sectors", "line map")
    model = build_model(res.scenario)
    line = model.line
    if line.polyline is None:
        raise UserError("the map view needs a contact line given as a lon/lat polyline")
    lon, lat = line.polyline[:, 0], line.polyline[:, 1]
    lat0 = float(np.mean(lat))
    squash = max(math.cos(math.radians(lat0)), 0.1)
    ratio = (np.ptp(lon) * squash + 0.2) / (np.ptp(lat) + 0.2)
    fig = _figure(float(np.clip(6.0 * ratio + 3.0, 6.5, 13.0)), 7.0)
    ax = fig.subplots()
    b = _bin_shares(sec) if not sec.empty else None
    if b is not None:
        segs, vals = [], []
        for row in b.itertuples(index=False):
            x = np.linspace(row.start_km, row.end_km, 8)
            segs.append(line.km_to_lonlat(x))
            vals.append(row.detected_share)
        lc = LineCollection(segs, cmap="cividis", linewidths=6, capstyle="butt")
        lc.set_array(np.asarray(vals, float))
        lc.set_clim(0, 1)
        ax.add_collection(lc)
        cb = fig.colorbar(lc, ax=ax, shrink=0.8, pad=0.02)
        cb.set_label("detected share of breaches")
    ax.plot(line.polyline[:, 0], line.polyline[:, 1], color="0.3", lw=0.8, zorder=1)
    for k, g in enumerate(gr for gr in model.groups if not gr.full):
        ll = line.km_to_lonlat(g.positions)
        ax.scatter(
            ll[:, 0],
            ll[:, 1],
            s=16,
            marker="o",
            edgecolors="white",
            linewidths=0.5,
            color=PALETTE[(k + 1) % len(PALETTE)],
            label=f"{g.name} ({len(g.positions)})",
            zorder=3,
        )
    for s, e, name in zip(line.starts, line.ends, line.names, strict=True):
        (lon, lat) = line.km_to_lonlat(np.array([(s + e) / 2]))[0]
        ax.annotate(
            name.replace("_", " "),
            (lon, lat),
            xytext=(8, 8),
            textcoords="offset points",
            fontsize=8.5,
            color="0.1",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    for x in line.starts[1:]:
        lon, lat = line.km_to_lonlat(np.array([x]))[0]
        ax.plot(lon, lat, marker="o", ms=8, color="0.1", mec="white", mew=1.0, zorder=5)
    ax.set_aspect(1.0 / squash)
    ax.autoscale_view()
    ax.margins(0.08)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.legend(loc="best", fontsize=8, title="sensors (count)", markerscale=1.5)
    fig.suptitle(f"{res.name}: detected share along the contact line")
    ax.set_title(
        f"pooled over {_reps_text(sec['replication'].nunique())}; "
        "black dots: sector boundaries; coloured dots: sensors",
        loc="left",
        fontsize=8.5,
        fontweight="normal",
    )
    return fig


_TICKS_H: tuple[tuple[float, str], ...] = (
    (1 / 3600, "1 s"),
    (10 / 3600, "10 s"),
    (1 / 60, "1 min"),
    (5 / 60, "5 min"),
    (0.5, "30 min"),
    (1.0, "1 h"),
    (3.0, "3 h"),
    (12.0, "12 h"),
    (24.0, "1 d"),
    (72.0, "3 d"),
    (168.0, "1 w"),
    (720.0, "30 d"),
)
_TICKS_D: tuple[tuple[float, str], ...] = (
    (1 / 24, "1 h"),
    (0.25, "6 h"),
    (1.0, "1 d"),
    (2.0, "2 d"),
    (5.0, "5 d"),
    (10.0, "10 d"),
    (20.0, "20 d"),
    (30.0, "30 d"),
    (60.0, "60 d"),
    (120.0, "120 d"),
    (240.0, "240 d"),
    (365.0, "1 y"),
)


def _duration_ticks(ax: Axes, unit: str) -> None:
    """Readable duration ticks (``15 s``, ``1 h``, ``3 d``) on a log axis in hours or days."""
    from matplotlib.ticker import NullFormatter, NullLocator

    lo, hi = ax.get_xlim()
    ticks: list[tuple[float, str]] = []
    gap = 0.11 * math.log10(hi / lo) if hi > lo > 0 else 0.0
    for v, t in _TICKS_H if unit == "hours" else _TICKS_D:
        if lo <= v <= hi and (not ticks or math.log10(v / ticks[-1][0]) >= gap):
            ticks.append((v, t))
    if len(ticks) >= 2:
        ax.set_xticks([v for v, _ in ticks], [t for _, t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())


@_styled_figure
def delays_figure(result: RunResult | str | os.PathLike[str]) -> Figure:
    """ECDFs of the detection, attribution and response delays by breach type."""
    res = _as_run(result, "delays")
    de = _table(res, "delays", "delays")
    types = [t for t in res.scenario.breach_types if (de["type"] == t).any()]
    agg = next(n for n, p in res.scenario.parties.items() if p.role == "aggressor")
    fig = _figure(12, 4.8)
    axes = fig.subplots(1, 3, sharey=True)
    panels = [
        ("detection_delay_h", "Breach → first detection", "hours", None),
        ("attribution_delay_h", "Breach → attribution verdict", "hours", None),
        ("response_delay_d", f"{agg.capitalize()} breach → response", "days", agg),
    ]
    handles = {}
    styles = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
    for ax, (col, title, unit, party) in zip(axes, panels, strict=True):
        ax.set_title(title, loc="left")
        ax.set_xlabel("delay (log scale)")
        drawn = False
        for k, t in enumerate(types):
            sel = de["type"] == t
            if party is not None:
                sel &= de["party"] == party
            v = de.loc[sel, col].to_numpy(float)
            if len(v) == 0:
                continue
            x, y = ecdf(v)
            if len(x) == 0:
                continue
            x = np.maximum(x, 1e-4)
            (h,) = ax.step(
                np.concatenate([[x[0]], x]),
                np.concatenate([[0.0], y]),
                where="post",
                color=PALETTE[k % len(PALETTE)],
                ls=styles[k % len(styles)],
                lw=1.6,
            )
            handles[t] = h
            drawn = True
        if drawn:
            ax.set_xscale("log")
            _duration_ticks(ax, unit)
        else:
            _no_data(ax, "no breach reached this stage")
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("share of breaches of the type\nthat reached the stage by then")
    if handles:
        fig.legend(
            list(handles.values()),
            [t.replace("_", " ") for t in handles],
            loc="outside right upper",
            title="breach type",
            handlelength=3,
        )
    n = de["replication"].nunique()
    fig.suptitle(f"{res.name}: how fast breaches pass the pipeline")
    _footnote(
        fig,
        f"ECDFs of a sample of up to 1,000 breaches per replication ({_reps_text(n)}); "
        "a curve ends below 1 where some breaches never reach the stage.",
    )
    return fig


def confusion_matrix(confusion: pd.DataFrame) -> pd.DataFrame:
    """Incidents summed over replications: true party (rows, ``none`` last) x verdict (columns).

    Args:
        confusion: the confusion table (``RunResult.confusion``).

    Returns:
        Integer counts; divide each row by its sum for the row shares the figure shows.
    """
    rows = list(confusion["party"].cat.categories)
    cols = list(confusion["attributed"].cat.categories)
    mat = confusion.pivot_table(
        index="party", columns="attributed", values="count", aggfunc="sum", observed=False
    )
    return mat.reindex(index=rows, columns=cols).fillna(0).astype(np.int64)


@_styled_figure
def attribution_figure(result: RunResult | str | os.PathLike[str]) -> Figure:
    """Confusion matrix of true party against verdict: row shares, and counts per replication."""
    res = _as_run(result, "attribution")
    conf = _table(res, "confusion", "attribution")
    n = conf["replication"].nunique()
    if n == 0:
        fig = _figure(7.5, 4.8)
        ax = fig.subplots()
        _no_data(ax, "no completed replication")
        ax.set_xlabel("attributed to (verdict)")
        ax.set_ylabel("true party")
        fig.suptitle(f"{res.name}: who is blamed for what")
        return fig
    counts = confusion_matrix(conf)
    rows, cols = list(counts.index), list(counts.columns)
    mat = counts.to_numpy(float)
    totals = mat.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = mat / totals[:, None]
    fig = _figure(7.5, 4.8)
    ax = fig.subplots()
    im = ax.imshow(np.nan_to_num(share, nan=0.0), cmap="Blues", vmin=0, vmax=1, aspect="auto")

    def per_rep(v: float) -> str:
        v = v / n
        return f"{v:,.0f}" if v >= 100 or v == 0 else f"{v:,.1f}"

    for i, j in itertools.product(range(len(rows)), range(len(cols))):
        if totals[i] == 0:
            if j == len(cols) // 2:
                ax.text(j, i, "none reached a verdict", ha="center", va="center", color="0.4")
            continue
        ax.text(
            j,
            i,
            f"{share[i, j]:.1%}\n({per_rep(mat[i, j])})",
            ha="center",
            va="center",
            fontsize=9.5,
            color="white" if share[i, j] > 0.55 else "black",
        )
    labels = [
        ("none (false alarm)" if r == "none" else r) + f"\nn = {per_rep(totals[i])}"
        for i, r in enumerate(rows)
    ]
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xticks(range(len(cols)), cols)
    ax.set_xlabel("attributed to (verdict)")
    ax.set_ylabel("true party")
    ax.grid(False)
    cb = fig.colorbar(im, ax=ax, shrink=0.9)
    cb.set_label("share of the row (true party)")
    fig.suptitle(f"{res.name}: who is blamed for what")
    ax.set_title(
        "Incidents that completed attribution: share of the true party's row\n"
        f"(in brackets: count per replication, mean over {_reps_text(n)})",
        loc="left",
        fontsize=9,
        fontweight="normal",
    )
    return fig


@_styled_figure
def deterrence_figure(result: RunResult | str | os.PathLike[str]) -> Figure:
    """Kaplan-Meier survival of the ceasefire with a Greenwood band; aggressor intensity."""
    res = _as_run(result, "deterrence")
    reps = res.replications
    duration = float(res.scenario.duration)
    fig = _figure(11, 4.6)
    ax_s, ax_i = fig.subplots(1, 2)
    n = len(reps)
    if n == 0:
        _no_data(ax_s)
        _no_data(ax_i)
    else:
        day = reps["collapse_day"].to_numpy(float)
        observed = np.isfinite(day)
        km = kaplan_meier(np.where(observed, day, duration), observed)
        t = np.concatenate([[0.0], km["time"], [duration]])
        s = np.concatenate([[1.0], km["survival"], [km["survival"].iloc[-1]]])
        lo = np.concatenate([[1.0], km["ci_low"], [km["ci_low"].iloc[-1]]])
        hi = np.concatenate([[1.0], km["ci_high"], [km["ci_high"].iloc[-1]]])
        ax_s.fill_between(
            t, lo, hi, step="post", color=PALETTE[0], alpha=0.25, lw=0, label="95% Greenwood band"
        )
        ax_s.step(t, s, where="post", color=PALETTE[0], lw=1.8, label="Kaplan-Meier estimate")
        cens = km[km["censored"] > 0]
        ax_s.plot(
            cens["time"],
            cens["survival"],
            "|",
            color="0.2",
            ms=12,
            mew=1.5,
            label=f"censored: held to the end ({int((~observed).sum())})",
        )
        end = km.iloc[-1]
        ax_s.text(
            0.03,
            0.25,
            f"holds to day {duration:g}: {end['survival']:.0%} "
            f"[95% CI {end['ci_low']:.0%}, {end['ci_high']:.0%}]\n"
            f"collapsed in {int(observed.sum())} of {n} replications",
            transform=ax_s.transAxes,
            fontsize=9,
            va="bottom",
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9},
        )
        ax_s.legend(loc="lower left")
    ax_s.set_xlim(0, duration * 1.01)
    ax_s.set_ylim(0, 1.05)
    ax_s.set_xlabel("day since the ceasefire started")
    ax_s.set_ylabel("probability the ceasefire still holds")
    ax_s.set_title("Ceasefire survival (Kaplan-Meier)", loc="left")

    ts = res.timeseries
    if not ts.empty:
        days, wide = _pivot(ts, "aggressor_intensity")
        mean, lo, hi, _ = t_band(wide)
        label = "mean over replications still in ceasefire,\nwith 95% t-band"
        _band(ax_i, days + 0.5, mean, lo, hi, PALETTE[1], label)
        ax_i.axhline(1.0, color="0.3", lw=0.9, ls="--", label="baseline rate (1)")
        ax_i.legend(loc="best")
        top = np.nanmax(hi) if np.isfinite(hi).any() else np.nanmax(mean)
        ax_i.set_ylim(0, max(1.2, float(top) * 1.1))
    ax_i.set_xlim(0, duration)
    ax_i.set_xlabel("day since the ceasefire started")
    ax_i.set_ylabel("breach rate / baseline rate")
    ax_i.set_title("Aggressor's breach intensity", loc="left")
    fig.suptitle(f"{res.name}: does the mechanism deter? ({_reps_text(n)})")
    return fig


# --------------------------------------------------------------------------- compare, sweep
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
    from .scenario.errors import suggest

    for m in metrics:
        if m not in known:
            raise UserError(f"unknown metric {m!r}{suggest(m, list(known))}")


@_styled_figure
def compare_figure(
    result: CompareResult | str | os.PathLike[str], metrics: Sequence[str] | None = None
) -> Figure:
    """Each metric per scenario with its 95% CI, and the paired difference to the reference."""
    from .experiment.compare import CompareResult

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
        f"Δ: paired difference to the reference {ref!r} with its 95% t-interval "
        "(bold where the interval excludes 0; pp: percentage points).\n"
        "Dotted line: the reference's mean.",
    )
    return fig


def _sweep_axes(sw: SweepResult, x: str | None, y: str | None) -> tuple[str, str, list[str]]:
    keys = list(sw.params)
    for name, v in (("--x", x), ("--y", y)):
        if v is not None and v not in keys:
            from .scenario.errors import suggest

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
    from .experiment.metrics import metric_info
    from .experiment.sweep import SweepResult

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
        "t-interval"
        + (" (clipped to [0, 1])" if share else "")
        + (
            "\nDashed line: the 50% collapse contour (the deterrence frontier)." if frontier else ""
        ),
    )
    return fig


# --------------------------------------------------------------------------- files
FIGURES: dict[str, Callable[..., Figure]] = {
    "timeseries": timeseries_figure,
    "line": line_figure,
    "delays": delays_figure,
    "attribution": attribution_figure,
    "deterrence": deterrence_figure,
}


#: The figure tables each run figure needs besides the standard results.
_NEEDS = {"line": "sectors", "delays": "delays", "attribution": "confusion"}


def save_figure(
    fig: Figure, path: str | os.PathLike[str], fmt: str | None = None, dpi: float | None = None
) -> Path:
    """Write a figure atomically; the format is ``fmt`` or the file's suffix.

    ``dpi`` sets the resolution of PNGs (default 150); vector formats ignore it.
    """
    from .results import atomic_write

    dest = Path(path)
    fmt = fmt or dest.suffix.lstrip(".") or "png"
    if fmt not in FORMATS:
        raise UserError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    meta = {"pdf": {"Creator": "ceasemon"}, "svg": {"Creator": "ceasemon"}}.get(fmt, {})
    with _styled():
        atomic_write(
            dest, lambda tmp: fig.savefig(tmp, format=fmt, metadata=meta or None, dpi=dpi or 150)
        )
    return dest


def plot(
    results_dir: str | os.PathLike[str],
    kind: str = "all",
    fmt: str = "png",
    *,
    metrics: Sequence[str] = (),
    x: str | None = None,
    y: str | None = None,
    dpi: float | None = None,
) -> list[Path]:
    """Draw figures of a results directory into it; return the files written.

    Args:
        results_dir: a directory written by ``run``, ``compare`` or ``sweep``.
        kind: one of ``KINDS`` or ``"all"``: the run figures for a run, the
            compare figure for a comparison, the heatmap for a sweep.
        fmt: ``png``, ``svg`` or ``pdf``.
        metrics: compare: the metrics to show (default ``KEY_METRICS``);
            sweep: one heatmap per metric (default ``collapsed``).
        x: sweep: the parameter on the horizontal axis.
        y: sweep: the parameter on the vertical axis.
        dpi: resolution of PNGs (default 150).

    Raises:
        UserError: not a results directory, a kind that does not fit it, a
            missing table, an unknown metric or parameter, or a sweep without
            two parameters.
    """
    from .results import read_manifest

    if kind != "all" and kind not in KINDS:
        raise UserError(f"unknown figure kind {kind!r}; choose one of {', '.join(KINDS)}, all")
    if fmt not in FORMATS:
        raise UserError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    d = Path(results_dir)
    dir_kind = read_manifest(d).get("kind", "run")
    allowed = {"run": RUN_KINDS, "compare": ("compare",), "sweep": ("sweep",)}[dir_kind]
    kinds = allowed if kind == "all" else (kind,)
    if kinds[0] not in allowed:
        hint = {
            "run": "a run's directory has " + ", ".join(RUN_KINDS),
            "compare": "a comparison has the compare figure; the run figures are drawn from "
            "each scenario's subdirectory",
            "sweep": "a sweep has the sweep heatmap",
        }[dir_kind]
        raise UserError(f"no {kind!r} figure for {dir_kind} results in {str(d)!r}: {hint}")
    res = _load(d)
    for k in kinds:  # every table first, so that a missing one writes no figure at all
        if k in _NEEDS:
            _table(res, _NEEDS[k], k)
    written: list[Path] = []
    for k in kinds:
        if k in FIGURES:
            written.append(save_figure(FIGURES[k](res), d / f"{k}.{fmt}", fmt, dpi))
            if k == "line" and res.scenario.contact_line.polyline is not None:
                fig = line_map_figure(res)
                written.append(save_figure(fig, d / f"line_map.{fmt}", fmt, dpi))
        elif k == "compare":
            fig = compare_figure(res, metrics or None)
            written.append(save_figure(fig, d / f"compare.{fmt}", fmt, dpi))
        else:
            for m in metrics or (DEFAULT_SWEEP_METRIC,):
                fig = sweep_figure(res, m, x, y)
                written.append(save_figure(fig, d / f"sweep_{m}.{fmt}", fmt, dpi))
    return written


def draw_figures(results_dir: str | os.PathLike[str]) -> list[Path]:
    """The standard figures of a results directory as PNG (called by ``run``/``compare``/``sweep``).

    A run gets ``RUN_KINDS``, a comparison the compare figure, a sweep with
    exactly two parameters the heatmap of ``collapsed``; a sweep with another
    number of parameters gets none.
    """
    from .results import read_manifest

    manifest = read_manifest(results_dir)
    if manifest.get("kind") == "sweep" and len(manifest.get("params", {})) != 2:
        return []
    return plot(results_dir, "all", "png")
