"""``ceasemon sweep``: the grid of parameter values over a scenario, resumable point by point."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import UserError
from ..scenario import load_scenario
from . import outcome
from .handling import sigterm_as_interrupt
from .options import (
    backend_option,
    force_option,
    format_option,
    ignore_limits_option,
    jobs_option,
    output_option,
    quiet_option,
    replications_option,
    scheduler_option,
    seed_option,
    set_option,
)
from .outcome import command_line, finish, report_failures
from .output import print_sweep

DEFAULT_SWEEP_METRICS = (
    "detected_share",
    "attribution_accuracy",
    "responded_share",
    "aggressor_intensity_mean",
    "collapsed",
)


@click.command()
@click.argument("scenario")
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2,...",
    help="A swept dotted key and its values, parsed as YAML scalars "
    "(e.g. --param coalition.quorum=0.5,0.7 --param reporting.report_interval=6h,1d). "
    "Repeat for more keys; the grid is every combination.",
)
@replications_option
@seed_option
@set_option
@output_option("results/<scenario name>-sweep")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue a sweep in the output directory: complete points are skipped.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="A metric to show in the printed table (repeatable) [default: "
    + ", ".join(DEFAULT_SWEEP_METRICS)
    + "]. The files hold every metric.",
)
@jobs_option
@backend_option
@scheduler_option
@format_option
@quiet_option
@force_option
@ignore_limits_option
@click.pass_context
def sweep(
    ctx: click.Context,
    scenario: str,
    params: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out_dir: Path | None,
    resume: bool,
    metrics: tuple[str, ...],
    jobs: int | None,
    backend: str | None,
    scheduler: str | None,
    fmt: str,
    quiet: bool,
    force: bool,
    ignore_limits: bool,
) -> None:
    """Run the full grid of --param values over SCENARIO, one summary row per point.

    Each point is written as soon as it completes (points/point-NNNN.json and
    .parquet) and sweep.csv/.parquet are rebuilt, so an interrupted sweep loses
    only the point that was running: rerun the same command with --resume.
    """
    from ..experiment.sweep import parse_params
    from ..experiment.sweep import sweep as sweep_api
    from ..measures.metrics import metric_info
    from ..results import json_safe, safe_name

    if resume and force:
        raise UserError("--resume and --force contradict each other: choose one")
    grid = parse_params(params)
    sc = load_scenario(scenario, list(overrides))
    known = metric_info(sc.breach_types)
    for m in metrics:
        if m not in known:
            from ..scenario.errors import suggest

            raise UserError(f"unknown metric {m!r}{suggest(m, known)}")
    out = out_dir if out_dir is not None else Path("results") / f"{safe_name(sc.name)}-sweep"
    with sigterm_as_interrupt():
        result = outcome.keep_failed(sweep_api)(
            sc,
            grid,
            replications,
            seed,
            out_dir=out,
            resume=resume,
            force=force,
            backend=backend,
            jobs=jobs,
            scheduler=scheduler,
            quiet=quiet or fmt == "json",
            command=command_line(ctx),
            ignore_limits=ignore_limits,
        )
    if not result.interrupted:
        outcome.figures(out)  # the heatmap of `collapsed` when two parameters are swept
    if fmt == "json":
        click.echo(json.dumps(json_safe(result.table.to_dict(orient="records")), indent=2))
    else:
        print_sweep(result, list(metrics) or list(DEFAULT_SWEEP_METRICS))
    failed = [f for p in result.points for f in p["failed"]]
    report_failures(failed)
    finish(
        ctx,
        interrupted=result.interrupted,
        failed=len(failed),
        out_dir=out,
        quiet=quiet,
        what=f"{len(result.points)} of {result.manifest['points']} points complete; "
        "rerun the same command with --resume to finish",
    )
