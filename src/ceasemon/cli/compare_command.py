"""``ceasemon compare``: scenarios on common random numbers, with paired differences."""

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
from .output import print_comparison


@click.command()
@click.argument("scenarios", nargs=-1, required=True)
@replications_option
@seed_option
@set_option
@output_option("results/compare-<A>-<B>...")
@jobs_option
@backend_option
@scheduler_option
@format_option
@quiet_option
@force_option
@ignore_limits_option
@click.pass_context
def compare(
    ctx: click.Context,
    scenarios: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out_dir: Path | None,
    jobs: int | None,
    backend: str | None,
    scheduler: str | None,
    fmt: str,
    quiet: bool,
    force: bool,
    ignore_limits: bool,
) -> None:
    """Compare scenarios A B ... on common random numbers (the first is the reference).

    Every scenario runs the same replication seeds; the table shows each metric's
    mean and 95% CI per scenario and the paired difference to the first scenario
    with its 95% interval (docs/metrics.md). --set applies to every scenario. Writes
    comparison.csv and .parquet and each scenario's results directory.
    """
    from ..experiment.compare import compare as compare_api
    from ..results import json_safe, safe_name

    if len(scenarios) < 2:
        raise UserError("compare needs at least two scenarios, e.g. ceasemon compare A B")
    scs = [load_scenario(ref, list(overrides)) for ref in scenarios]
    default = "compare-" + "-".join(safe_name(s.name) for s in scs)
    out = out_dir if out_dir is not None else Path("results") / default
    with sigterm_as_interrupt():
        result = keep_failed(compare_api)(
            scs,
            replications,
            seed,
            backend=backend,
            jobs=jobs,
            scheduler=scheduler,
            quiet=quiet or fmt == "json",
            out_dir=out,
            force=force,
            command=command_line(ctx),
            ignore_limits=ignore_limits,
        )
    if not result.interrupted:
        outcome.figures(out)
    if fmt == "json":
        rows = json_safe(result.comparison.to_dict(orient="records"))
        click.echo(json.dumps(rows, indent=2))
    else:
        print_comparison(result)
    for label, failed in result.failed.items():
        report_failures(failed, f"{label}: ")
    finish(
        ctx,
        interrupted=result.interrupted,
        failed=sum(len(f) for f in result.failed.values()),
        out_dir=out,
        quiet=quiet,
        what="the comparison covers the replications finished by every scenario",
    )
