"""How an experiment command calls the API and ends: figures, failed replications, exit status.

Replications that raised are listed (the first few) and the command exits 1; an interrupted
command says what finished and was written, and exits 130.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..errors import ReplicationsFailedError, ReplicationsFailedWarning
from ..scenario.errors import one_line
from .output import status

#: Failed replications listed one by one on stderr; the rest are counted (all are in manifest.json).
_SHOWN_FAILURES = 5


def keep_failed(api: Any) -> Any:
    """``api`` returning its result when replications failed: the command lists them, exits 1."""

    def call(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ReplicationsFailedWarning)
            try:
                return api(*args, **kwargs)
            except ReplicationsFailedError as exc:
                return exc.result

    return call


def command_line(ctx: click.Context) -> str:
    """The command as typed (``ceasemon run ...``), for the manifest."""
    import shlex

    return shlex.join(["ceasemon", *ctx.meta.get("ceasemon.argv", sys.argv[1:])])


def figures(path: Path) -> None:
    """The standard figures of a results directory: ``ceasemon.plots.draw_figures``."""
    from ..plots import draw_figures

    draw_figures(path)


def report_failures(failed: Sequence[dict[str, Any]], label: str = "") -> None:
    """The failed replications on stderr, with their seeds: the first few, then a count."""
    for f in failed[:_SHOWN_FAILURES]:
        error = one_line(str(f["error"]))
        error = error if len(error) <= 200 else error[:197] + "..."
        click.echo(
            f"error: {label}replication {f['replication']} (seed {f['seed']}) failed: {error}",
            err=True,
        )
    if len(failed) > _SHOWN_FAILURES:
        click.echo(
            f"error: {label}... and {len(failed) - _SHOWN_FAILURES} more failed replications",
            err=True,
        )


def finish(
    ctx: click.Context,
    *,
    interrupted: bool,
    failed: int,
    out_dir: Path,
    quiet: bool,
    what: str,
) -> None:
    """The last line and the exit status: 130 interrupted, 1 with failed replications, else 0."""
    if interrupted:
        click.echo(f"interrupted: {what}; what finished was written to {out_dir}", err=True)
        ctx.exit(130)
    status(f"results written to {out_dir}", quiet)
    if failed:
        click.echo(
            f"error: {failed} replication(s) raised an exception (a bug in the model); they are "
            f"listed with their seeds and tracebacks in {out_dir / 'manifest.json'}",
            err=True,
        )
        ctx.exit(1)
