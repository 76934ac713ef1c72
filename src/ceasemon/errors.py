"""Errors that are the user's to fix, or the environment's, and are not about a scenario file.

``UserError`` covers bad options and results directories (a non-empty output
directory without ``force``, a missing optional dependency, a sweep directory
that holds a different sweep).  The CLI prints its message and exits with
status 2, like a ``ScenarioError``; Python callers can catch it.

``ResultsError`` is a ``UserError`` about a results directory that cannot be
read back (a missing or damaged table, a manifest of the wrong shape); it names
the file.

``OutputError`` is an ``OSError``: the environment refused to store a result
(a full disk, no permission, a read-only file system).  It is not a bug in
ceasemon: the CLI says what could not be written and which complete files are
there, and exits with status 1 without the bug report wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


class UserError(Exception):
    """Bad input that is not a scenario file: reported like a ScenarioError, exit 2."""


class ResultsError(UserError):
    """A results directory that cannot be read back; ``path`` is the file at fault."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)


class OutputError(OSError):
    """A results file could not be written (disk full, no permission...): exit 1, not a bug.

    Attributes:
        path: the file that could not be written.
        complete: the complete files in its directory (nothing half-written is left).
    """

    def __init__(
        self, message: str, errno: int | None, path: str | Path, complete: Sequence[str] = ()
    ) -> None:
        super().__init__(errno, message)
        self.message = message
        self.path = Path(path)
        self.complete = list(complete)

    def __str__(self) -> str:
        return self.message


class CeasemonWarning(UserWarning):
    """Something the user should know before a run goes on (the CLI prints it on stderr)."""


def warning_line(
    message: Warning | str, category: type[Warning], filename: str, lineno: int
) -> str:
    """A warning as one ``warning: ...`` line, never Python's source-line format.

    ``CeasemonWarning`` is meant for the user and shows its message alone.  Any other warning
    (numpy's ``invalid value encountered``, matplotlib's layout notes) means a case the code did
    not foresee: the line says where it came from and asks for a report, without the raw
    ``path:line: Category: message`` and source line that Python would print.
    """
    text = " ".join(str(message).split())
    if issubclass(category, CeasemonWarning):
        return f"warning: {text}"
    path = filename.replace("\\", "/")
    where = path.rsplit("/ceasemon/", 1)[-1] if "/ceasemon/" in path else path.rsplit("/", 1)[-1]
    return (
        f"warning: {text} ({category.__name__} in {where}, line {lineno}; "
        "please report it to the ceasemon developers)"
    )


def show_warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A ``warnings.showwarning`` that writes ``warning_line`` to stderr (worker processes)."""
    import contextlib
    import sys

    stream = file if file is not None else sys.stderr
    if stream is None:  # pragma: no cover - no stderr (pythonw)
        return
    with contextlib.suppress(OSError):  # a closed stderr must not break a replication
        stream.write(warning_line(message, category, filename, lineno) + "\n")


class ReplicationsFailedError(Exception):
    """Every replication of a run failed, so there is nothing to summarise.

    The message gives the most common cause and what to do about it.  ``result``
    holds what the run produced (its ``failed`` list has each replication's seed,
    error and traceback; a results directory asked for was written), so a caller
    can still inspect or save it.
    """

    def __init__(self, message: str, result: object = None):
        super().__init__(message)
        self.result = result


class ReplicationsFailedWarning(CeasemonWarning):
    """Some replications of a run failed: the summary covers only the others."""
