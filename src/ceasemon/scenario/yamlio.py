"""Safe YAML loading that remembers where every key came from.

Only the safe loader is used: a tag that would construct a Python object is an
error, never executed.  Booleans follow YAML 1.2 (``true``/``false`` only), so
that a nation or sector called ``NO`` or ``on`` stays a name.  Numbers follow
YAML 1.2 written in decimal (``12``, ``-3``, ``0.5``, ``1e-3``, ``.inf``): the
YAML 1.1 forms PyYAML reads as numbers (sexagesimal ``1:30`` = 90, ``0x1F``,
``0o17``, ``0b101``, ``017`` as octal, ``1_000``) are text here, so that a key
needing a number refuses them by name instead of taking a value the user did not
mean.  Duplicate keys are errors rather than a silent "last one wins".
"""

from __future__ import annotations

import math
import re
import reprlib
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Path, Problem, ScenarioError, dotted

#: Deepest nesting of mappings and lists a scenario file may have (a scenario needs about 5).
MAX_DEPTH = 20


class _ReadableValues:
    """Loader mixin: a value the safe constructor cannot read is a YAML error, not a crash.

    PyYAML's safe constructor raises plain ``ValueError`` for scalars such as
    ``2020-02-30`` (an impossible date), ``!!int abc`` or ``0x_``, and
    ``AttributeError`` for ``!!timestamp x``; here they become a
    ``ConstructorError`` at the node, reported with its line.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (yaml.YAMLError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # ValueError, AttributeError (!!timestamp x), ...
            shown = node.value if isinstance(node, yaml.ScalarNode) else node.id
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {reprlib.repr(shown)} as {node.tag.rsplit(':', 1)[-1]}: {exc}",
                node.start_mark,
            ) from None


class _Loader(_ReadableValues, yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


class _FastLoader(_ReadableValues, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same loader on libyaml's parser (about 8x faster), when PyYAML was built with it."""


_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
#: YAML 1.2 numbers, decimal only: an integer without a leading zero (``017`` is 15 in
#: YAML 1.1 and 17 in YAML 1.2, so it is refused), and a float with a point or an exponent.
_INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
#: What an explicit ``!!float`` may hold besides: a plain integer (``!!float 1`` is 1.0).
_FLOAT_TAGGED_RE = re.compile(r"^[-+]?[0-9]+$")
#: The YAML 1.1 resolvers of PyYAML for int and float, kept after the YAML 1.2 ones so that
#: their extra forms (1:30, 0x1F, 0b101, 017, 1_000) reach the constructors below, which
#: refuse them by name.
_YAML11 = {
    first: [(tag, rx) for tag, rx in resolvers if tag in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class AmbiguousNumberError(yaml.constructor.ConstructorError):
    """A number written in a form that only YAML 1.1 reads as a number (``1:30``, ``0x1F``)."""


def _yaml11_kind(value: str) -> str:
    digits = value.lstrip("+-")
    if ":" in value:
        return "sexagesimal (base 60) number"
    if "_" in value:
        return "number with digits grouped by _"
    if digits[:2].lower() == "0x":
        return "hexadecimal number"
    if digits[:2].lower() == "0b":
        return "binary number"
    if digits[:1] == "0":
        return "octal number"
    return "number form"  # e.g. digits of another script under an explicit !!int


def _refuse_yaml11(loader: yaml.SafeLoader, node: yaml.ScalarNode, value: str) -> None:
    """Raise the error for a YAML 1.1 number form, saying what YAML 1.1 would have read."""
    tag = "int" if node.tag == _INT else "float"
    meant = getattr(yaml.SafeLoader, f"construct_yaml_{tag}")(loader, node)  # may raise
    kind = _yaml11_kind(value)
    write = f"write {meant!r}"
    if kind == "octal number" and _FLOAT_TAGGED_RE.match(value):  # YAML 1.2: decimal digits
        write = f"write {meant!r}, or {int(value)!r} without the leading 0,"
    raise AmbiguousNumberError(
        None,
        None,
        f"{reprlib.repr(value)} is a YAML 1.1 {kind}, {meant!r}; scenario files read numbers "
        f"as YAML 1.2 does, in decimal: {write} or quote the value if it is text",
        node.start_mark,
    )


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """A decimal integer, also under an explicit ``!!int``; other YAML 1.1 forms are errors."""
    value = loader.construct_scalar(node)
    if not _INT_RE.match(value):
        _refuse_yaml11(loader, node, value)
    return int(value)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    """A float as YAML 1.2 writes it; ``.inf`` and ``.nan`` are read (the models refuse them)."""
    value = loader.construct_scalar(node)
    if not (_FLOAT_RE.match(value) or _FLOAT_TAGGED_RE.match(value)):
        _refuse_yaml11(loader, node, value)
    name = value.lstrip("+-.").lower()
    if name in ("inf", "nan"):
        return -math.inf if value.startswith("-") else math.inf if name == "inf" else math.nan
    return float(value)


for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {
        first: [
            (tag, rx)
            for tag, rx in resolvers
            if tag not in (_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:value")  # YAML 1.1 only
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver(
        _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    _cls.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
    _cls.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+.0123456789"))
    for _first, _resolvers in _YAML11.items():
        for _tag, _rx in _resolvers:
            _cls.add_implicit_resolver(_tag, _rx, [_first])
    _cls.add_constructor(_INT, _construct_int)
    _cls.add_constructor(_FLOAT, _construct_float)


@dataclass
class Located:
    """Parsed YAML data plus the origin (file, line) of each key path."""

    data: Any
    origins: dict[Path, tuple[str, int | None]] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[str | None, int | None]:
        """Origin of ``path`` or of its closest ancestor that has one."""
        for n in range(len(path), -1, -1):
            hit = self.origins.get(tuple(path[:n]))
            if hit is not None:
                return hit
        return None, None


def _walk(
    node: yaml.Node,
    path: Path,
    file: str,
    origins: dict,
    problems: list[Problem],
    visited: set[int] | None = None,
) -> None:
    """Record the line of every key path under ``node``.

    An alias (``*name``) is not walked again: its content keeps the line of the
    key that holds the alias, and a chain of aliases of aliases (a "billion
    laughs") costs no more than the text it is written in.
    """
    visited = set() if visited is None else visited
    if id(node) in visited:
        return
    visited.add(id(node))
    if len(path) > MAX_DEPTH and isinstance(node, yaml.CollectionNode):
        problems.append(
            Problem(
                f"nested deeper than {MAX_DEPTH} levels; a scenario needs only a few",
                file,
                dotted(path),
                node.start_mark.line + 1,
            )
        )
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem("a key must be a plain name", file, dotted(path), line))
                continue
            key = key_node.value
            if key == "<<":
                continue  # YAML merge keys are expanded by the constructor
            if key in seen:
                problems.append(
                    Problem(
                        f"duplicate key '{key}' (first given on line {seen[key]})",
                        file,
                        dotted((*path, key)),
                        line,
                    )
                )
                continue
            seen[key] = line
            origins[(*path, key)] = (file, line)
            _walk(value_node, (*path, key), file, origins, problems, visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            origins[(*path, i)] = (file, item.start_mark.line + 1)
            _walk(item, (*path, i), file, origins, problems, visited)


def _path_of(
    node: yaml.Node, mark: yaml.Mark, path: Path = (), seen: set[int] | None = None
) -> Path | None:
    """Key path of the node that starts at ``mark`` (to name the key of a rejected tag)."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias: its node was searched where it was defined
        return None
    seen.add(id(node))
    children: list[tuple[str | int, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(k.value, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
    elif isinstance(node, yaml.SequenceNode):
        children = list(enumerate(node.value))
    for part, child in children:
        if child.start_mark.index == mark.index:
            return (*path, part)
        found = _path_of(child, mark, (*path, part), seen)
        if found is not None:
            return found
    return None


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document safely, recording the line of every key.

    A well-formed file is read by libyaml's fast parser; anything it does not
    accept is read again by the pure-Python one, whose messages and marks the
    errors quote.

    Raises:
        ScenarioError: malformed YAML, a tag that would build an object,
            several documents, or a duplicate key.
    """
    located = _parse_fast(text, file)
    return located if located is not None else _parse_checked(text, file)


def _parse_fast(text: str, file: str) -> Located | None:
    """The document by libyaml's parser, or ``None`` if that parser failed in any way.

    Its failures are not reported from here: libyaml's messages and marks are
    less precise than PyYAML's, so ``_parse_checked`` parses again to explain.
    A duplicate key or a too deep nesting is found by ``_located`` after a
    successful parse, and raised from here.
    """
    fast = None
    try:
        fast = _FastLoader(text)
        node = fast.get_single_node()
        data = None if node is None else fast.construct_document(node)
    except Exception:  # any failure: parsed again by the pure-Python parser
        return None
    else:
        return _located(node, data, file)
    finally:
        if fast is not None:
            fast.dispose()


def _parse_checked(text: str, file: str) -> Located:
    """The document by PyYAML's pure-Python parser, every failure a ``ScenarioError``.

    Each kind of failure gets the message a user can act on, with the line
    (and the key, when the document's structure was read before the failure).
    """
    loader = None
    node = None
    try:
        loader = _Loader(text)  # the reader rejects control characters here
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(exc, node, file) from None
    except yaml.reader.ReaderError as exc:  # a control character, a lone surrogate
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        what = f"the character U+{code:04X} is not allowed in a scenario file"
        line = text.count("\n", 0, exc.position) + 1
        raise ScenarioError.single(f"malformed YAML: {what}", file=file, line=line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - other unmarked YAML errors are rare
        raise ScenarioError.single(f"malformed YAML: {exc}", file=file) from None
    except RecursionError:
        raise ScenarioError.single(
            f"nested deeper than {MAX_DEPTH} levels; a scenario needs only a few",
            file=file,
            line=_too_deep_line(text),
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return _located(node, data, file)


def _marked_error(exc: yaml.MarkedYAMLError, node: yaml.Node | None, file: str) -> ScenarioError:
    """A YAML error with a position, as a problem with its line and, if known, its key.

    A constructor error (a refused number or tag) happens after the document's
    nodes were built, so the key holding the bad value can be named from them.
    """
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    key = None
    if isinstance(exc, yaml.constructor.ConstructorError):
        found = _path_of(node, mark) if node is not None and mark is not None else None
        key = dotted(found) if found else None
    what = _marked_message(exc)
    if not isinstance(exc, AmbiguousNumberError):
        what = f"malformed YAML: {what}"
    return ScenarioError.single(what, file=file, key=key, line=line)


def _marked_message(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's context and problem as one sentence, pointing at the cause.

    An unclosed bracket is a problem at the end of the file whose cause is the
    line that opened it, so that line is named; a tag that would build a
    Python object gets the rule it breaks.
    """
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(str(s) for s in (exc.context, exc.problem) if s)
    cmark = exc.context_mark
    context = exc.context or ""
    if context.startswith("while ") and cmark and mark and cmark.line != mark.line:
        # e.g. an unclosed '[': the problem is at the end of the file, the cause earlier
        what = f"{exc.problem} ({exc.context} that began on line {cmark.line + 1})"
    if "constructor" in what and "tag" in what:  # e.g. !!python/object/apply:os.system
        what = (
            f"{what}; tags that construct objects are not allowed in scenario files "
            "(only plain mappings, lists, strings and numbers)"
        )
    return what


def _too_deep_line(text: str) -> int | None:
    """Line where nesting first exceeds ``MAX_DEPTH`` (the parser's events are not recursive)."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def _located(node: yaml.Node | None, data: Any, file: str) -> Located:
    origins: dict[Path, tuple[str, int | None]] = {(): (file, 1)}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), file, origins, problems)
    if problems:
        raise ScenarioError(problems)
    return Located(data, origins)


def parse_scalar(text: str, source: str = "--set", key: str | None = None) -> Any:
    """Parse an override value as a YAML scalar or flow collection (``[1, 2]``, ``{a: 1}``).

    A problem is reported as from ``source`` at ``key`` (``--set seed``, key ``seed``): the
    value has no line of its own, and the user needs to know which ``--set`` was wrong.
    """
    try:
        return parse_yaml(text, source).data
    except ScenarioError as exc:
        if key is None:
            raise
        raise ScenarioError(
            Problem(p.message, source, key if p.key is None else f"{key}.{p.key}", None)
            for p in exc.problems
        ) from None
