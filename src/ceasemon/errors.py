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
