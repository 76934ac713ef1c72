"""Errors in scenario input, each naming the file, the dotted key and the line.

A user who mistyped a key should read one paragraph that says where and what,
never a traceback.  ``ScenarioError`` carries one or more ``Problem`` items and
the CLI prints them and exits with status 2.
"""

from __future__ import annotations

import difflib
import itertools
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
        return one_line(f"{', '.join(where)}: {self.message}")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, as in a repr.

    A problem is one line on the terminal, even when a file name, key or value
    the user gave contains a line break.
    """
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


#: Problems reported at most; a file with more gets one closing line saying so.
MAX_PROBLEMS = 100


class ScenarioError(ValueError):
    """One or more problems with scenario input (bad file, key or value)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(itertools.islice(problems, MAX_PROBLEMS + 1))
        if len(self.problems) > MAX_PROBLEMS:
            first = self.problems[MAX_PROBLEMS]
            self.problems[MAX_PROBLEMS] = Problem(
                f"more problems not shown (only the first {MAX_PROBLEMS} are); "
                "fix these and check again",
                first.file,
                first.key,
                first.line,
            )
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


def short(value: object, size: int = 60) -> str:
    """``value`` as text, cut in the middle to about ``size`` characters (for a message)."""
    text = str(value)
    return text if len(text) <= size else f"{text[: size // 2 - 2]}...{text[-(size // 2 - 2) :]}"


#: Names listed at most in a message ("known: a, b, ... and 980 more").
MAX_LISTED = 20
_MAX_SUGGEST_POOL = 1000


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for a close match among ``choices``, else ``""``.

    Looks no further than the first thousand choices, so that a file with
    thousands of names still checks quickly.
    """
    pool = [str(c) for c in itertools.islice(choices, _MAX_SUGGEST_POOL)]
    matches = difflib.get_close_matches(str(word)[:200], pool, n=1, cutoff=0.6)
    return f"; did you mean '{short(matches[0])}'?" if matches else ""


def choices_text(choices: Iterable[str]) -> str:
    """List allowed names for a message (the first ``MAX_LISTED``, then how many more)."""
    names = sorted(short(c) for c in choices)
    if not names:
        return "(none)"
    shown = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return shown + (f" and {more:,} more" if more > 0 else "")
