"""The options several commands share, defined once so that their names and help agree."""

from __future__ import annotations

from pathlib import Path

import click

from ..experiment.runner import BACKENDS

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a scenario key after extends, e.g. --set coalition.quorum=0.6 (repeatable).",
)

# --------------------------------------------------------------------------- experiments
replications_option = click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Number of replications [default: the scenario's `replications`].",
)
seed_option = click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    default=None,
    help="Root seed; replication i always gets the same seed [default: the scenario's `seed`].",
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the process and dask (local) backends [default: CPU count].",
)
backend_option = click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default=None,
    help="Where replications run [default: dask with --scheduler, else process with more "
    "than one job, else serial]. Results are identical on every backend.",
)
scheduler_option = click.option(
    "--scheduler",
    metavar="ADDR",
    default=None,
    help="Address of a running dask.distributed scheduler (tcp://host:8786); implies "
    "--backend dask. Without it the dask backend starts a local cluster.",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: a readable table; json: machine-readable JSON on stdout, nothing else.",
)
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress bar and no status messages on stderr."
)
force_option = click.option(
    "--force", is_flag=True, help="Write into the output directory even if it is not empty."
)
ignore_limits_option = click.option(
    "--ignore-limits",
    is_flag=True,
    help="Run even when the estimated time or memory is absurd (such runs are refused "
    "up front, with the estimate, and exit status 2).",
)


def output_option(default_text: str):
    """``-o/--output``, the results directory, whose default each command names."""
    return click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Results directory [default: {default_text}].",
    )
