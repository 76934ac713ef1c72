"""How a command ends when something goes wrong: exit statuses, crash reports, signals, warnings.

Bad input (a scenario, an option, a results directory) exits 2 with one ``error:`` line per
problem; an internal error exits 1 and writes its traceback to a file rather than the user's
screen; a write the environment refused (a full disk) exits 1 naming what could not be written;
Ctrl-C and SIGTERM exit 130. Every warning is shown as one ``warning: ...`` line.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import click

from ..errors import CeasemonWarning, OutputError, UserError, warning_line
from ..scenario import ScenarioError
from ..scenario.errors import one_line
from ..version import __version__

#: Errors of the environment, not of ceasemon: a full disk or quota, a read-only file system.
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def report_environment_error(exc: OSError) -> int:
    """A write the file system refused: what and why, exit 1, no bug-report wording."""
    if isinstance(exc, OutputError):
        click.echo(f"error: {one_line(str(exc))}", err=True)
    else:
        where = f" {exc.filename!r}" if exc.filename else ""
        click.echo(f"error: could not write{where}: {exc.strerror or exc}", err=True)
    return 1


def report_internal_error(exc: BaseException) -> int:
    """A bug: a short message on stderr, the traceback in a file to attach to a report; exit 1."""
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
def warnings_on_stderr() -> Iterator[None]:
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


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
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


class Group(click.Group):
    """Group that turns bad input into exit 2 and bugs into exit 1, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as click does, keeping the arguments as typed for the manifests."""
        ctx.meta["ceasemon.argv"] = list(args)  # recorded in the manifests
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        """Run the command; map what it raised to a message and an exit status."""
        try:
            # SIGTERM is Ctrl-C for the whole command (figures too): exit 130, never killed half-way
            with warnings_on_stderr(), sigterm_as_interrupt():
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
            ctx.exit(report_environment_error(exc))
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:
                ctx.exit(report_environment_error(exc))
            ctx.exit(report_internal_error(exc))
