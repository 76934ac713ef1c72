"""Errors in scenario input, each naming the file, the dotted key and the line.

A user who mistyped a key should read one paragraph that says where and what,
never a traceback.  ``ScenarioError`` carries one or more ``Problem`` items and
the CLI prints them and exits with status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Path = tuple[str | int, ...]


def dotted(path: Sequence[str | int]) -> str:
    """Render a key path as ``a.b[2].c`` (``<top level>`` for the root)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<top level>"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, and where."""

    message: str
    file: str | None = None
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file or "<input>"]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(f"key {self.key}")
        return f"{', '.join(where)}: {self.message}"


class ScenarioError(ValueError):
    """One or more problems with scenario input (bad file, key or value)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(
        cls,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> ScenarioError:
        """Build an error with one problem."""
        return cls([Problem(message, file, key, line)])


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for a close match among ``choices``, else ``""``."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def choices_text(choices: Iterable[str]) -> str:
    """List allowed names for a message."""
    names = sorted(str(c) for c in choices)
    return ", ".join(names) if names else "(none)"
