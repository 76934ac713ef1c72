"""The import graph of ``src/ceasemon``: one-way layers and no cycle (issue 15).

Every ``import`` and ``from ... import`` statement of every module is read with
``ast``, wherever it stands: at module level, inside a function, under
``if TYPE_CHECKING:`` or in a ``try``.  A function-level import is an
import like any other: it only postpones the cycle or the upward dependency
to the first call.  Relative imports are resolved to absolute names;
``from P import x`` is an edge to the module ``P.x`` when that module exists,
else to ``P``.  Only edges between modules of the package are kept.  Not seen:
the implicit import of parent packages (``import a.b.c`` runs ``a/__init__``;
counting it would make every module import the top-level package) and imports
by computed name (``importlib.import_module(name)``: the lazy attributes of
``ceasemon/__init__.py``, which are also imported under ``TYPE_CHECKING`` there,
so they are seen anyway).

The layers, from the bottom; a module may import only from its own layer and
the layers below it:

``base``
    ``ceasemon.errors``: two exception classes, no import.  It is the only
    top-level module at the bottom: every other one imports the scenario
    layer or something above it.
``scenario``
    ``ceasemon.scenario``: reading, merging and validating scenario files.
``model``
    ``ceasemon.model``: the simulation of one replication.
``results``
    ``ceasemon/results.py``: result tables, manifests and directories.
``experiment``
    ``ceasemon.experiment`` (runs, comparisons, sweeps, metrics, seeds),
    ``ceasemon.limits`` and ``ceasemon.reproduce``.  ``limits`` estimates a
    run's size before it starts and is called by the runner and the sweep;
    it reads only the scenario today, but its time estimate is to come from
    the model's stages, so it belongs above the model, beside its callers.
    ``reproduce`` reruns a run from its manifest: it reads results and calls
    the runner.
``figures``
    ``ceasemon.plotting``, ``ceasemon.plots`` and (coming) ``ceasemon.report``.
    Figures draw from results directories, so they may not import the model
    even though it is below them (``FORBIDDEN``): what a figure needs from
    the model (the sensor layout) is written as a table in the results.
``interface``
    ``ceasemon.cli``, ``ceasemon.clidocs``, ``ceasemon.__main__`` and the
    package itself (``ceasemon/__init__.py``, the public API).  Importing the
    package's attributes (``from . import __version__``) from below is an
    upward edge like any other.

A cycle is a strongly connected component of more than one module (Tarjan),
recorded as the set of its modules.  Today's breaks are listed in
``KNOWN_VIOLATIONS``, and the test asserts that the breaks found are exactly
these: a new one fails the test, and so does a fixed one still listed (delete
it from the set: the graph only gets cleaner).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "ceasemon"

Graph = dict[str, set[str]]
Layers = tuple[tuple[str, tuple[str, ...]], ...]
#: A layer break ``(importer, imported)`` or a cycle (the set of its modules).
Violation = tuple[str, str] | frozenset[str]

LAYERS: Layers = (
    ("base", ("ceasemon.errors", "ceasemon.version")),
    ("scenario", ("ceasemon.scenario",)),
    ("model", ("ceasemon.model",)),
    ("results", ("ceasemon.measures", "ceasemon.results")),
    ("experiment", ("ceasemon.experiment", "ceasemon.limits", "ceasemon.reproduce")),
    ("figures", ("ceasemon.plotting", "ceasemon.plots", "ceasemon.report")),
    ("interface", ("ceasemon.cli", "ceasemon.clidocs", "ceasemon.__main__", "ceasemon")),
)
#: (importer's layer, imported layer) pairs that are refused although the second is below.
FORBIDDEN: frozenset[tuple[str, str]] = frozenset({("figures", "model")})


def _name(short: str) -> str:
    """``results`` -> ``ceasemon.results``; ``""`` is the package itself."""
    return f"{PACKAGE}.{short}" if short else PACKAGE


def cycle(*modules: str) -> frozenset[str]:
    """A cycle of ``KNOWN_VIOLATIONS``: the modules of one strongly connected component."""
    return frozenset(_name(m) for m in modules)


def _edges(*pairs: tuple[str, str]) -> set[tuple[str, str]]:
    """Layer breaks of ``KNOWN_VIOLATIONS``: (importer, imported), names without the package."""
    return {(_name(a), _name(b)) for a, b in pairs}


#: The violations the code still has: none since issue 15.  A break or a cycle added later
#: fails the test; listing one here is a decision to be argued in review.
KNOWN_VIOLATIONS: frozenset[Violation] = frozenset()


# --------------------------------------------------------------------------- the checker
def module_files(src: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``src`` by dotted name (a package by its own name)."""
    out: dict[str, Path] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _from_base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` reads from, its dots resolved."""
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _targets(node: ast.AST, module: str, is_package: bool, modules: Iterable[str]) -> set[str]:
    """The modules one import statement imports (``P.x`` when a module, else ``P``)."""
    known = set(modules)
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        assert isinstance(node, ast.ImportFrom)
        base = _from_base(node, module, is_package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    out = set()
    for name in names:
        while name and name not in known:  # import a.b.c of a module a.b: the edge is to a.b
            name = name.rpartition(".")[0]
        if name:
            out.add(name)
    return out


def import_graph(src: Path, package: str) -> Graph:
    """Importer -> imported modules, for every import statement anywhere in each module."""
    files = module_files(src, package)
    graph: Graph = {m: set() for m in files}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[module] |= _targets(node, module, is_package, files)
        graph[module].discard(module)
    return graph


def layer_of(module: str, layers: Layers, package: str) -> str | None:
    """The layer whose longest prefix holds ``module``; the package itself matches only itself."""
    best: tuple[int, str] | None = None
    for name, prefixes in layers:
        for p in prefixes:
            inside = module.startswith(p + ".") and p != package
            if (module == p or inside) and (best is None or len(p) > best[0]):
                best = (len(p), name)
    return best[1] if best else None


def layer_breaks(
    graph: Mapping[str, set[str]],
    layers: Layers,
    package: str,
    forbidden: frozenset[tuple[str, str]] = frozenset(),
) -> set[tuple[str, str]]:
    """Edges to a higher layer, or between a pair of layers in ``forbidden``."""
    rank = {name: i for i, (name, _) in enumerate(layers)}
    out = set()
    for importer, imported in sorted(graph.items()):
        a = layer_of(importer, layers, package)
        for target in imported:
            b = layer_of(target, layers, package)
            if a is None or b is None:
                continue  # reported by unplaced()
            if rank[b] > rank[a] or (a, b) in forbidden:
                out.add((importer, target))
    return out


def unplaced(graph: Mapping[str, set[str]], layers: Layers, package: str) -> set[str]:
    """Modules in no layer: a new top-level module must be given its place."""
    return {m for m in graph if layer_of(m, layers, package) is None}


def cycles(graph: Mapping[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def violations(
    src: Path,
    package: str,
    layers: Layers,
    forbidden: frozenset[tuple[str, str]] = frozenset(),
) -> set[Violation]:
    """Layer breaks and cycles of the package under ``src``."""
    graph = import_graph(src, package)
    return {*layer_breaks(graph, layers, package, forbidden), *cycles(graph)}


def _describe(items: Iterable[Violation]) -> str:
    lines = []
    for v in sorted(items, key=lambda v: (isinstance(v, frozenset), sorted(v))):
        lines.append(
            f"cycle {', '.join(sorted(v))}" if isinstance(v, frozenset) else f"{v[0]} -> {v[1]}"
        )
    return "\n  ".join(lines)


# --------------------------------------------------------------------------- the package
@pytest.fixture(scope="module")
def graph() -> Graph:
    """The package's import graph, read once (about half a second)."""
    return import_graph(SRC, PACKAGE)


def test_every_module_has_a_layer(graph):
    assert len(graph) > 40  # the walk found the package
    assert {"ceasemon", "ceasemon.errors", "ceasemon.model.simulation"} <= set(graph)
    assert not unplaced(graph, LAYERS, PACKAGE)


def test_the_import_graph_breaks_exactly_the_known_violations(graph):
    found = {*layer_breaks(graph, LAYERS, PACKAGE, FORBIDDEN), *cycles(graph)}
    new, fixed = found - KNOWN_VIOLATIONS, KNOWN_VIOLATIONS - found
    assert not new, "new layer breaks or import cycles:\n  " + _describe(new)
    assert not fixed, "fixed (delete them from KNOWN_VIOLATIONS):\n  " + _describe(fixed)


# --------------------------------------------------------------------------- the checker itself
TOY_LAYERS: Layers = (
    ("low", ("toy.low",)),
    ("mid", ("toy.mid",)),
    ("high", ("toy.high", "toy.top", "toy")),
)


def _write_toy(root: Path, files: dict[str, str]) -> Path:
    """A package ``toy`` under ``root/src`` with the given files (path -> source)."""
    src = root / "src"
    for rel, text in {"toy/__init__.py": "", **files}.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return src


CLEAN = {
    "toy/low/__init__.py": "",
    "toy/low/util.py": "import os\n",
    "toy/mid/__init__.py": "from . import core\n",
    "toy/mid/core.py": "from ..low import util\nfrom toy.low.util import os\n",
    "toy/mid/extra.py": "from .core import thing\n",
    "toy/mid/leaf.py": "",
    "toy/top.py": "",
    "toy/high.py": "import toy.mid.core\nfrom .mid import extra\n",
}


def test_checker_finds_nothing_in_a_clean_package(tmp_path):
    src = _write_toy(tmp_path, CLEAN)
    graph = import_graph(src, "toy")
    assert graph["toy.mid.core"] == {"toy.low.util"}
    assert graph["toy.mid"] == {"toy.mid.core"}  # from . import core: the submodule
    assert graph["toy.mid.extra"] == {"toy.mid.core"}  # from .core import thing: the module
    assert graph["toy.high"] == {"toy.mid.core", "toy.mid.extra"}
    assert violations(src, "toy", TOY_LAYERS) == set()
    assert unplaced(graph, TOY_LAYERS, "toy") == set()


def test_checker_catches_a_layer_break_in_a_function(tmp_path):
    body = "def f():\n    from ..top import g\n    return g\n"
    src = _write_toy(tmp_path, {**CLEAN, "toy/low/util.py": body})
    assert violations(src, "toy", TOY_LAYERS) == {("toy.low.util", "toy.top")}


def test_a_layer_break_that_closes_a_loop_is_also_a_cycle(tmp_path):
    body = "def f():\n    from ..high import g\n    return g\n"
    src = _write_toy(tmp_path, {**CLEAN, "toy/low/util.py": body})
    assert violations(src, "toy", TOY_LAYERS) == {
        ("toy.low.util", "toy.high"),
        frozenset({"toy.high", "toy.mid.core", "toy.mid.extra", "toy.low.util"}),
    }


def test_checker_catches_a_type_checking_import(tmp_path):
    body = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from toy.mid import leaf\n"
    src = _write_toy(tmp_path, {**CLEAN, "toy/low/util.py": body})
    assert violations(src, "toy", TOY_LAYERS) == {("toy.low.util", "toy.mid.leaf")}


def test_checker_refuses_a_forbidden_downward_pair(tmp_path):
    high = "import toy.mid.core\nfrom .low import util\n"
    src = _write_toy(tmp_path, {**CLEAN, "toy/high.py": high})
    assert violations(src, "toy", TOY_LAYERS) == set()  # downward: allowed by the order
    forbidden = frozenset({("high", "low")})
    assert violations(src, "toy", TOY_LAYERS, forbidden) == {("toy.high", "toy.low.util")}


def test_checker_catches_a_function_level_cycle_in_one_layer(tmp_path):
    files = {
        **CLEAN,
        "toy/mid/a.py": "from . import b\n",
        "toy/mid/b.py": "def later():\n    from .c import x\n    return x\n",
        "toy/mid/c.py": "try:\n    import toy.mid.a\nexcept ImportError:\n    pass\n",
    }
    src = _write_toy(tmp_path, files)
    assert violations(src, "toy", TOY_LAYERS) == {
        frozenset({"toy.mid.a", "toy.mid.b", "toy.mid.c"})
    }


def test_checker_resolves_deep_relative_imports_and_reports_unplaced_modules(tmp_path):
    files = {**CLEAN, "toy/other/deep/leaf.py": "from ...mid.core import x\nfrom ... import high\n"}
    src = _write_toy(tmp_path, files)
    graph = import_graph(src, "toy")
    assert graph["toy.other.deep.leaf"] == {"toy.mid.core", "toy.high"}
    assert unplaced(graph, TOY_LAYERS, "toy") == {"toy.other.deep.leaf"}


def test_tarjan_finds_separate_and_nested_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert cycles(graph) == {frozenset("abc"), frozenset("de")}
    assert cycles({"a": {"b"}, "b": set()}) == set()


@pytest.mark.parametrize("n", [3000])
def test_tarjan_is_iterative(n):
    ring = {str(i): {str((i + 1) % n)} for i in range(n)}  # deeper than the recursion limit
    assert cycles(ring) == {frozenset(ring)}
