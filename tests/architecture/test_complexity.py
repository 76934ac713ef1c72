"""No function in ``src/ceasemon`` above cyclomatic complexity 20 (issue 15).

The complexity is radon's (``radon.complexity.cc_visit``), the measure the
issue uses: one plus each ``if``/``elif``, loop, ``except``, ``assert``,
conditional expression, ``match`` case, each extra operand of ``and``/``or``
and each ``for``/``if`` clause of a comprehension.  ruff's C901 (mccabe) does
not count boolean operators or comprehensions, so it would let through the
long ``a and b and c`` validation chains this rule is about.

Every function is checked: module-level functions, methods of classes (and of
nested classes) and closures (radon reports a closure apart from the function
that holds it, so a long inner function cannot hide in a short outer one).

radon is in the ``test`` extra of pyproject.toml, so ``make test`` installs it
(``pip install -e ".[test]"``); until a virtual environment is reinstalled the
test is skipped rather than failing on the missing package.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

radon_complexity = pytest.importorskip("radon.complexity")

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "ceasemon"
LIMIT = 20


def _functions(source: str) -> Iterator[Any]:
    """Yield every function, method and closure radon finds in ``source``.

    ``cc_visit`` lists functions, classes and their methods;
    ``add_inner_blocks`` adds closures and inner classes (with their methods)
    at any depth.  A class's own score is its methods' mean, not a function's,
    so classes are left out.
    """
    blocks = radon_complexity.add_inner_blocks(radon_complexity.cc_visit(source))
    yield from (block for block in blocks if not hasattr(block, "methods"))


def offenders(source: str, limit: int = LIMIT) -> list[tuple[int, str, int]]:
    """``(line, qualified name, complexity)`` of each function above ``limit``."""
    found = [
        (block.lineno, block.fullname, block.complexity)
        for block in _functions(source)
        if block.complexity > limit
    ]
    return sorted(found)


def test_offenders_finds_functions_methods_and_closures():
    """The collector sees all three kinds of function, so the check can fail."""
    branches = "\n".join(f"        if x == {i}:\n            return {i}" for i in range(LIMIT))
    body = f"    def inner(x):\n{branches}\n        return -1\n"
    source = (
        f"def plain(x):\n{branches.replace('        ', '    ')}\n    return -1\n"
        f"def outer():\n{body}    return inner\n"
        f"class K:\n    def method(self, x):\n{branches}\n        return -1\n"
    )
    found = offenders(source)
    assert [(name, score) for _, name, score in found] == [
        ("plain", LIMIT + 1),
        ("outer.inner", LIMIT + 1),
        ("K.method", LIMIT + 1),
    ]
    # Boolean operands and comprehension clauses count, as in the issue.
    assert offenders("def f(a, b, c):\n    return [x for x in a if b and c]\n", 3) == [(1, "f", 4)]
    assert offenders(source, LIMIT + 1) == []


def test_no_function_above_complexity_limit():
    """Every function of the package stays at or below ``LIMIT``."""
    found = [
        f"{path.relative_to(SRC)}:{line} {name} {score}"
        for path in sorted((SRC / PACKAGE).rglob("*.py"))
        for line, name, score in offenders(path.read_text(encoding="utf-8"))
    ]
    assert not found, (
        f"functions above cyclomatic complexity {LIMIT} (radon); split them along their "
        "jobs into small named functions:\n  " + "\n  ".join(found)
    )
