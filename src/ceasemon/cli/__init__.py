"""The ``ceasemon`` command line: thin wrappers that parse, call the Python API and print.

Exit status: 0 on success, 2 on bad input (a scenario, an option, a results
directory), 1 on an internal error, whose traceback goes to a file rather than
the user's screen, or when the environment refused a write (a full disk): that
message says what could not be written and which complete files are there.

The package's modules, by job: ``handling`` (exit statuses, crash reports,
signals, warnings), ``options`` (the options commands share), ``output``
(status lines and tables), ``outcome`` (figures, failed replications and how
an experiment command ends), and one module per command group:
``scenario_commands`` (validate, schema, scenarios), ``run_command``,
``compare_command``, ``sweep_command`` and ``plot_command``.
"""

from __future__ import annotations

import click

from ..errors import UserError
from ..version import __version__
from .compare_command import compare
from .handling import Group
from .plot_command import plot
from .run_command import run
from .scenario_commands import scenarios, schema, validate
from .sweep_command import sweep

__all__ = ["UserError", "cli", "main"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ceasemon")
def cli() -> None:
    """Simulate ceasefire-violation monitoring: sensors, attribution, coalition, deterrence.

    A SCENARIO is a YAML file or the name of a packaged scenario (see `ceasemon scenarios`).
    """


for _command in (validate, schema, scenarios, run, compare, sweep, plot):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ceasemon")
