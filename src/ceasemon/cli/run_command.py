"""``ceasemon run``: replications of one scenario, or of an earlier run's manifest."""

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
from .outcome import command_line, finish, keep_failed, report_failures
from .output import print_summary


@click.command()
@click.argument("scenario", required=False, default=None)
@replications_option
@seed_option
@set_option
@click.option(
    "--manifest",
    type=click.Path(path_type=Path),
    default=None,
    help="Reproduce the run of this manifest.json (or results directory): its resolved "
    "scenario, root seed, replications and events; instead of SCENARIO, -n, --seed and "
    "--set. Backend and jobs may differ: the tables are identical.",
)
@output_option("results/<scenario name>; with --manifest results/<scenario name>-rerun")
@jobs_option
@backend_option
@scheduler_option
@click.option(
    "--events", is_flag=True, help="Also write events.parquet: every breach with its history."
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "simpy"]),
    default="fast",
    show_default=True,
    help="fast: bulk numpy in exact steps; simpy: the mechanism as simpy processes, the "
    "model's readable form (identical tables, about 100 times slower).",
)
@format_option
@quiet_option
@force_option
@ignore_limits_option
@click.pass_context
def run(
    ctx: click.Context,
    scenario: str | None,
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    manifest: Path | None,
    out_dir: Path | None,
    jobs: int | None,
    backend: str | None,
    scheduler: str | None,
    events: bool,
    engine: str,
    fmt: str,
    quiet: bool,
    force: bool,
    ignore_limits: bool,
) -> None:
    """Run replications of SCENARIO (default: the packaged baseline) and summarise them.

    Prints the summary table (every metric's mean and 95% interval) and writes
    the results directory: manifest.json, summary.json, replications.parquet/.csv,
    timeseries.parquet and, with --events, events.parquet. Ctrl-C (or SIGTERM)
    stops the run, keeps the finished replications and exits with status 130.
    Sizes beyond the limits (ceasemon.limits) are refused before anything runs.
    """
    from ..experiment.runner import run as run_api
    from ..results import safe_name

    suffix = ""
    if manifest is not None:
        given = [
            name
            for name, value in (
                ("SCENARIO", scenario),
                ("-n", replications),
                ("--seed", seed),
                ("--set", overrides),
            )
            if value
        ]
        if given:
            raise UserError(
                f"--manifest reproduces a run as it was: {', '.join(given)} cannot be given "
                "with it (the manifest holds the scenario, seed and replications)"
            )
        from ..reproduce import read_run_manifest

        spec = read_run_manifest(manifest)
        sc, replications, seed = spec.scenario, spec.replications, spec.seed
        events = events or spec.events
        suffix = "-rerun"
    else:
        sc = load_scenario(scenario or "baseline", list(overrides))
    out = out_dir if out_dir is not None else Path("results") / f"{safe_name(sc.name)}{suffix}"
    with sigterm_as_interrupt():
        result = keep_failed(run_api)(
            sc,
            replications,
            seed,
            backend=backend,
            jobs=jobs,
            scheduler=scheduler,
            events=events,
            quiet=quiet or fmt == "json",
            out_dir=out,
            force=force,
            command=command_line(ctx),
            ignore_limits=ignore_limits,
            engine=engine,
        )
    if not result.interrupted:
        outcome.figures(out)
    if fmt == "json":
        click.echo(json.dumps(result.summary_json(), indent=2))
    else:
        print_summary(result)
    report_failures(result.failed)
    finish(
        ctx,
        interrupted=result.interrupted,
        failed=len(result.failed),
        out_dir=out,
        quiet=quiet,
        what=f"{len(result.replications)} of {result.manifest['replications']} replications done",
    )
