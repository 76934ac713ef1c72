"""The ``ceasemon`` command line: thin wrappers that parse, call the Python API and print.

Exit status: 0 on success, 2 on bad input (a scenario, an option, a results
directory), 1 on an internal error, whose traceback goes to a file rather than
the user's screen.
"""

from __future__ import annotations

import json
import sys
import tempfile
import traceback

import click

from . import __version__
from .scenario import ScenarioError, load_scenario, packaged_scenarios


class UserError(Exception):
    """Bad input that is not a scenario file: reported like a ScenarioError, exit 2."""


def _report_internal_error(exc: BaseException) -> int:
    fd, path = tempfile.mkstemp(prefix="ceasemon-crash-", suffix=".txt")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(f"ceasemon {__version__}, Python {sys.version}\n")
        fh.write(f"command: {' '.join(sys.argv)}\n\n")
        traceback.print_exception(exc, file=fh)
    click.echo(
        f"internal error: {type(exc).__name__}: {exc}\n"
        f"This is a bug in ceasemon. The full traceback was written to {path}; "
        "please attach it to a bug report.",
        err=True,
    )
    return 1


class _Group(click.Group):
    """Group that turns bad input into exit 2 and bugs into exit 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            ctx.exit(2)
        except UserError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:
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
    from .scenario.schema import scenario_json_schema

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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ceasemon")


if __name__ == "__main__":  # pragma: no cover
    main()
