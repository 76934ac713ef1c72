"""The figures of one run: time series, contact line (and map), delays, attribution, deterrence."""

from __future__ import annotations

import itertools
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import UserError
from ..results.layout import Layout
from . import PALETTE
from .common import (
    _as_run,
    _band,
    _figure,
    _footnote,
    _no_data,
    _pivot,
    _reps_text,
    _styled_figure,
    _table,
    coverage,
    ecdf,
    kaplan_meier,
    t_band,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import RunResult


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


def _layout(res: RunResult) -> Layout:
    """The sectors, sensors and map of a run, from its layout table (not from the model)."""
    if res.layout is None:
        raise UserError("this result has no sensor layout table (layout.parquet)")
    return Layout.from_frame(res.layout)


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
    res = _as_run(result, "line")
    sec = _table(res, "sectors", "line")
    model = _layout(res)
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
        from ..experiment.tables import bin_width_km

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

    res = _as_run(result, "line map")
    sec = _table(res, "sectors", "line map")
    model = _layout(res)
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
