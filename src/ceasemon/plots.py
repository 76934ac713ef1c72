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

This module is the public face; the drawing lives in ``ceasemon.plotting``
(``common``: style and statistics, ``run``: one run's figures, ``studies``:
comparison and sweep).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UserError
from .plotting import (
    DEFAULT_SWEEP_METRIC,
    FORMATS,
    KEY_METRICS,
    KINDS,
    PALETTE,
    RUN_KINDS,
)
from .plotting.common import _load, _styled, _table, coverage, ecdf, kaplan_meier, t_band
from .plotting.run import (
    attribution_figure,
    confusion_matrix,
    delays_figure,
    deterrence_figure,
    line_figure,
    line_map_figure,
    timeseries_figure,
)
from .plotting.studies import compare_figure, sweep_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_SWEEP_METRIC",
    "FIGURES",
    "FORMATS",
    "KEY_METRICS",
    "KINDS",
    "PALETTE",
    "RUN_KINDS",
    "attribution_figure",
    "compare_figure",
    "confusion_matrix",
    "coverage",
    "delays_figure",
    "deterrence_figure",
    "draw_figures",
    "ecdf",
    "kaplan_meier",
    "line_figure",
    "line_map_figure",
    "plot",
    "save_figure",
    "sweep_figure",
    "t_band",
    "timeseries_figure",
]

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
