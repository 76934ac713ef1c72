"""Errors that are the user's to fix and are not about a scenario file.

``UserError`` covers bad options and results directories (a non-empty output
directory without ``force``, a missing optional dependency, a sweep directory
that holds a different sweep).  The CLI prints its message and exits with
status 2, like a ``ScenarioError``; Python callers can catch it.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input that is not a scenario file: reported like a ScenarioError, exit 2."""


class CeasemonWarning(UserWarning):
    """Something the user should know before a run goes on (the CLI prints it on stderr)."""
