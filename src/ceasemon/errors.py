"""Errors that are the user's to fix and are not about a scenario file.

``UserError`` covers bad options and results directories (a non-empty output
directory without ``force``, a missing optional dependency, a sweep directory
that holds a different sweep).  The CLI prints its message and exits with
status 2, like a ``ScenarioError``; Python callers can catch it.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input that is not a scenario file: reported like a ScenarioError, exit 2."""


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
