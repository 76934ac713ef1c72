"""The ``ceasemon`` command line: thin wrappers that parse, call the Python API and print.

Exit status: 0 on success, 2 on bad input (a scenario, an option, a results
directory), 1 on an internal error, whose traceback goes to a file rather than
the user's screen, or when the environment refused a write (a full disk): that
message says what could not be written and which complete files are there.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from ..errors import (
    CeasemonWarning,
    OutputError,
    ReplicationsFailedError,
    ReplicationsFailedWarning,
    UserError,
    warning_line,
)
from ..experiment.runner import BACKENDS
from ..plotting import FORMATS as PLOT_FORMATS
from ..plotting import KINDS as PLOT_KINDS
from ..scenario import ScenarioError, load_scenario, packaged_scenarios
from ..scenario.errors import one_line
from ..version import __version__

__all__ = ["UserError", "cli", "main"]


#: Errors of the environment, not of ceasemon: a full disk or quota, a read-only file system.
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def _report_environment_error(exc: OSError) -> int:
    """A write the file system refused: what and why, exit 1, no bug-report wording."""
    if isinstance(exc, OutputError):
        click.echo(f"error: {one_line(str(exc))}", err=True)
    else:
        where = f" {exc.filename!r}" if exc.filename else ""
        click.echo(f"error: could not write{where}: {exc.strerror or exc}", err=True)
    return 1


def _report_internal_error(exc: BaseException) -> int:
    try:
        fd, path = tempfile.mkstemp(prefix="ceasemon-crash-", suffix=".txt")
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(f"ceasemon {__version__}, Python {sys.version}\n")
            fh.write(f"command: {' '.join(sys.argv)}\n\n")
            traceback.print_exception(exc, file=fh)
        where = f"The full traceback was written to {path}; please attach it to a bug report."
    except OSError as why:  # e.g. a full temporary directory
        where = f"The traceback could not be written ({why.strerror or why})."
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    click.echo(
        f"internal error: {type(exc).__name__}: {text}\nThis is a bug in ceasemon. {where}",
        err=True,
    )
    return 1


@contextlib.contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Show every warning as one ``warning: ...`` line, never as Python's source-line format.

    ceasemon's own (a long run, another version's manifest) show their message; any other
    (``errors.warning_line``) also says where it came from and asks for a bug report.
    """

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = warning_line(one_line(str(message)), category, filename, lineno)
        click.echo(text, err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", CeasemonWarning)
        warnings.showwarning = show
        yield


class _Group(click.Group):
    """Group that turns bad input into exit 2 and bugs into exit 1, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["ceasemon.argv"] = list(args)  # recorded in the manifests
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            # SIGTERM is Ctrl-C for the whole command (figures too): exit 130, never killed half-way
            with _warnings_on_stderr(), _sigterm_as_interrupt():
                return super().invoke(ctx)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            ctx.exit(2)
        except UserError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted.", err=True)
            ctx.exit(130)
        except OutputError as exc:
            ctx.exit(_report_environment_error(exc))
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:
                ctx.exit(_report_environment_error(exc))
            ctx.exit(_report_internal_error(exc))


set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a scenario key after extends, e.g. --set coalition.quorum=0.6 (repeatable).",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ceasemon")
def cli() -> None:
    """Simulate ceasefire-violation monitoring: sensors, attribution, coalition, deterrence.

    A SCENARIO is a YAML file or the name of a packaged scenario (see `ceasemon scenarios`).
    """


@cli.command()
@click.argument("scenarios", nargs=-1, required=True)
@set_option
def validate(scenarios: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Check scenario files; print `ok NAME` for each valid one, or its errors."""
    failed = False
    for ref in scenarios:
        try:
            sc = load_scenario(ref, list(overrides))
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        click.echo(f"ok {sc.name} ({ref})")
    if failed:
        sys.exit(2)


@cli.command()
@click.option("--indent", default=2, show_default=True, help="JSON indentation.")
def schema(indent: int) -> None:
    """Print the JSON Schema of the scenario format."""
    from ..scenario.schema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), indent=indent))


@cli.command()
def scenarios() -> None:
    """List the packaged scenarios with their descriptions."""
    for name, path in packaged_scenarios().items():
        try:
            desc = load_scenario(path).description
        except ScenarioError:  # pragma: no cover - packaged files are tested
            desc = "(does not validate)"
        click.echo(f"{name:<20} {' '.join(desc.split())}")


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


def _output_option(default_text: str):
    return click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Results directory [default: {default_text}].",
    )


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while experiments run, so finished work is kept and written."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread (e.g. an embedding application)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _keep_failed(api: Any) -> Any:
    """``api`` returning its result when replications failed: the command lists them, exits 1."""

    def call(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ReplicationsFailedWarning)
            try:
                return api(*args, **kwargs)
            except ReplicationsFailedError as exc:
                return exc.result

    return call


def _command_line(ctx: click.Context) -> str:
    """The command as typed (``ceasemon run ...``), for the manifest."""
    import shlex

    return shlex.join(["ceasemon", *ctx.meta.get("ceasemon.argv", sys.argv[1:])])


def _status(message: str, quiet: bool) -> None:
    if not quiet:
        click.echo(message, err=True)


def _fmt(x: Any) -> str:
    """A number with 4 significant digits; NaN as a dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, int):
        return str(x)
    return f"{x:.4g}"


def _ci(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "-"
    return f"[{_fmt(low)}, {_fmt(high)}]"


def _console():
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console


def _figures(path: Path) -> None:
    """The standard figures of a results directory: ``ceasemon.plots.draw_figures``."""
    from ..plots import draw_figures

    draw_figures(path)


#: Failed replications listed one by one on stderr; the rest are counted (all are in manifest.json).
_SHOWN_FAILURES = 5


def _report_failures(failed: Sequence[dict[str, Any]], label: str = "") -> None:
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


def _finish(
    ctx: click.Context,
    *,
    interrupted: bool,
    failed: int,
    out_dir: Path,
    quiet: bool,
    what: str,
) -> None:
    if interrupted:
        click.echo(f"interrupted: {what}; what finished was written to {out_dir}", err=True)
        ctx.exit(130)
    _status(f"results written to {out_dir}", quiet)
    if failed:
        click.echo(
            f"error: {failed} replication(s) raised an exception (a bug in the model); they are "
            f"listed with their seeds and tracebacks in {out_dir / 'manifest.json'}",
            err=True,
        )
        ctx.exit(1)


def _print_summary(result) -> None:
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
        table.add_row(
            row.metric, row.unit, _fmt(row.mean), _ci(row.ci_low, row.ci_high), str(row.n)
        )
    _console().print(table)


@cli.command()
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
@_output_option("results/<scenario name>; with --manifest results/<scenario name>-rerun")
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
    "model's readable form (identical tables, about 60 times slower).",
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
    with _sigterm_as_interrupt():
        result = _keep_failed(run_api)(
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
            command=_command_line(ctx),
            ignore_limits=ignore_limits,
            engine=engine,
        )
    if not result.interrupted:
        _figures(out)
    if fmt == "json":
        click.echo(json.dumps(result.summary_json(), indent=2))
    else:
        _print_summary(result)
    _report_failures(result.failed)
    _finish(
        ctx,
        interrupted=result.interrupted,
        failed=len(result.failed),
        out_dir=out,
        quiet=quiet,
        what=f"{len(result.replications)} of {result.manifest['replications']} replications done",
    )


def _print_comparison(result) -> None:
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
        cells += [f"{_fmt(by[n].mean)} {_ci(by[n].ci_low, by[n].ci_high)}" for n in names]
        cells += [
            f"{_fmt(by[n].diff)} {_ci(by[n].diff_ci_low, by[n].diff_ci_high)}" for n in names[1:]
        ]
        table.add_row(*cells)
    _console().print(table)


@cli.command()
@click.argument("scenarios", nargs=-1, required=True)
@replications_option
@seed_option
@set_option
@_output_option("results/compare-<A>-<B>...")
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
    with _sigterm_as_interrupt():
        result = _keep_failed(compare_api)(
            scs,
            replications,
            seed,
            backend=backend,
            jobs=jobs,
            scheduler=scheduler,
            quiet=quiet or fmt == "json",
            out_dir=out,
            force=force,
            command=_command_line(ctx),
            ignore_limits=ignore_limits,
        )
    if not result.interrupted:
        _figures(out)
    if fmt == "json":
        rows = json_safe(result.comparison.to_dict(orient="records"))
        click.echo(json.dumps(rows, indent=2))
    else:
        _print_comparison(result)
    for label, failed in result.failed.items():
        _report_failures(failed, f"{label}: ")
    _finish(
        ctx,
        interrupted=result.interrupted,
        failed=sum(len(f) for f in result.failed.values()),
        out_dir=out,
        quiet=quiet,
        what="the comparison covers the replications finished by every scenario",
    )


DEFAULT_SWEEP_METRICS = (
    "detected_share",
    "attribution_accuracy",
    "responded_share",
    "aggressor_intensity_mean",
    "collapsed",
)


def _print_sweep(result, metrics: Sequence[str]) -> None:
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
            f"{_fmt(row[f'{m}_mean'])} {_ci(row[f'{m}_ci_low'], row[f'{m}_ci_high'])}"
            for m in metrics
        ]
        table.add_row(*cells)
    _console().print(table)


@cli.command()
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
@_output_option("results/<scenario name>-sweep")
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
    with _sigterm_as_interrupt():
        result = sweep_api(
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
            command=_command_line(ctx),
            ignore_limits=ignore_limits,
        )
    if not result.interrupted:
        _figures(out)  # the heatmap of `collapsed` when two parameters are swept
    if fmt == "json":
        click.echo(json.dumps(json_safe(result.table.to_dict(orient="records")), indent=2))
    else:
        _print_sweep(result, list(metrics) or list(DEFAULT_SWEEP_METRICS))
    failed = [f for p in result.points for f in p["failed"]]
    _report_failures(failed)
    _finish(
        ctx,
        interrupted=result.interrupted,
        failed=len(failed),
        out_dir=out,
        quiet=quiet,
        what=f"{len(result.points)} of {result.manifest['points']} points complete; "
        "rerun the same command with --resume to finish",
    )


@cli.command()
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ceasemon")
