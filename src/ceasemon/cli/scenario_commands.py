"""``ceasemon validate``, ``schema`` and ``scenarios``: the scenario files, checked and listed."""

from __future__ import annotations

import json
import sys

import click

from ..scenario import ScenarioError, load_scenario, packaged_scenarios
from .options import set_option


@click.command()
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


@click.command()
@click.option("--indent", default=2, show_default=True, help="JSON indentation.")
def schema(indent: int) -> None:
    """Print the JSON Schema of the scenario format."""
    from ..scenario.schema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), indent=indent))


@click.command()
def scenarios() -> None:
    """List the packaged scenarios with their descriptions."""
    for name, path in packaged_scenarios().items():
        try:
            desc = load_scenario(path).description
        except ScenarioError:  # pragma: no cover - packaged files are tested
            desc = "(does not validate)"
        click.echo(f"{name:<20} {' '.join(desc.split())}")
