"""``ceasemon plot``: the figures of a results directory, drawn from its tables."""

from __future__ import annotations

from pathlib import Path

import click

from ..plotting import FORMATS as PLOT_FORMATS
from ..plotting import KINDS as PLOT_KINDS
from .options import quiet_option


@click.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice([*PLOT_KINDS, "all"]),
    default="all",
    show_default=True,
    help="Which figure: timeseries, line, delays, attribution, deterrence (a run's directory); "
    "compare (a comparison's); sweep (a sweep's heatmap). all: every figure that fits the "
    "directory.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(PLOT_FORMATS),
    default="png",
    show_default=True,
    help="File format of the figures.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="compare: a metric to show (repeatable) [default: the key metrics]; sweep: the "
    "heatmap's metric, one figure each (repeatable) [default: collapsed].",
)
@click.option("--x", "x", metavar="PARAM", default=None, help="sweep: parameter on the x axis.")
@click.option("--y", "y", metavar="PARAM", default=None, help="sweep: parameter on the y axis.")
@click.option(
    "--dpi",
    type=click.FloatRange(min=10, max=1200),
    default=None,
    help="Resolution of PNG figures [default: 150].",
)
@quiet_option
def plot(
    results_dir: Path,
    kind: str,
    fmt: str,
    metrics: tuple[str, ...],
    x: str | None,
    y: str | None,
    dpi: float | None,
    quiet: bool,
) -> None:
    """Draw the figures of RESULTS_DIR (written by run, compare or sweep) into it.

    Prints the path of every file written. Figures are drawn from the result
    tables only; nothing is simulated again.
    """
    from ..plots import plot as plot_api

    for path in plot_api(results_dir, kind, fmt, metrics=metrics, x=x, y=y, dpi=dpi):
        if not quiet:
            click.echo(str(path))
