"""What the experiment commands print: status lines and the rich tables of their results."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import click


def status(message: str, quiet: bool) -> None:
    """A status message on stderr, unless ``--quiet``."""
    if not quiet:
        click.echo(message, err=True)


def fmt(x: Any) -> str:
    """A number with 4 significant digits; NaN as a dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, int):
        return str(x)
    return f"{x:.4g}"


def ci(low: float, high: float) -> str:
    """An interval ``[low, high]``; a dash when either end is NaN."""
    if math.isnan(low) or math.isnan(high):
        return "-"
    return f"[{fmt(low)}, {fmt(high)}]"


def _console():
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console


def print_summary(result) -> None:
    """A run's summary: every metric's mean and 95% interval."""
    from rich.table import Table

    table = Table(
        title=f"{result.name}: {len(result.replications)} replications, mean and 95% CI",
        title_justify="left",
    )
    for col, justify in (
        ("metric", "left"),
        ("unit", "left"),
        ("mean", "right"),
        ("95% CI", "right"),
        ("n", "right"),
    ):
        table.add_column(col, justify=justify)
    for row in result.summary.itertuples(index=False):
        table.add_row(row.metric, row.unit, fmt(row.mean), ci(row.ci_low, row.ci_high), str(row.n))
    _console().print(table)


def print_comparison(result) -> None:
    """A comparison: each scenario's means and the paired differences to the first."""
    from rich.table import Table

    cmp = result.comparison
    names = list(result.results)
    ref = names[0]
    table = Table(
        title=f"common random numbers, {result.manifest['replications']} replications each: "
        f"mean [95% CI]; difference to {ref} paired [95% CI]",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("unit")
    for name in names:
        table.add_column(name, justify="right")
    for name in names[1:]:
        table.add_column(f"{name} - {ref}", justify="right")
    for metric, rows in cmp.groupby("metric", sort=False):
        by = {r.scenario: r for r in rows.itertuples(index=False)}
        cells = [str(metric), str(rows["unit"].iloc[0])]
        cells += [f"{fmt(by[n].mean)} {ci(by[n].ci_low, by[n].ci_high)}" for n in names]
        cells += [
            f"{fmt(by[n].diff)} {ci(by[n].diff_ci_low, by[n].diff_ci_high)}" for n in names[1:]
        ]
        table.add_row(*cells)
    _console().print(table)


def print_sweep(result, metrics: Sequence[str]) -> None:
    """A sweep: one row per point, the chosen metrics' means and intervals."""
    from rich.table import Table

    tab = result.table
    keys = list(result.params)
    table = Table(
        title=f"sweep: {len(result.points)} of {result.manifest['points']} points, mean [95% CI]",
        title_justify="left",
    )
    for col in ["point", *keys, "n"]:
        table.add_column(col, justify="right")
    for m in metrics:
        table.add_column(m, justify="right")
    for row in tab.to_dict(orient="records"):
        cells = [str(row["point"]), *(str(row[k]) for k in keys), str(row["replications"])]
        cells += [
            f"{fmt(row[f'{m}_mean'])} {ci(row[f'{m}_ci_low'], row[f'{m}_ci_high'])}"
            for m in metrics
        ]
        table.add_row(*cells)
    _console().print(table)
