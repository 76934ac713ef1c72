"""Safe YAML loading that remembers where every key came from.

Only the safe loader is used: a tag that would construct a Python object is an
error, never executed.  Booleans follow YAML 1.2 (``true``/``false`` only), so
that a nation or sector called ``NO`` or ``on`` stays a name.  Duplicate keys
are errors rather than a silent "last one wins".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Path, Problem, ScenarioError, dotted


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


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


def _walk(node: yaml.Node, path: Path, file: str, origins: dict, problems: list[Problem]) -> None:
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
            _walk(value_node, (*path, key), file, origins, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            origins[(*path, i)] = (file, item.start_mark.line + 1)
            _walk(item, (*path, i), file, origins, problems)


def _path_of(node: yaml.Node, mark: yaml.Mark, path: Path = ()) -> Path | None:
    """Key path of the node that starts at ``mark`` (to name the key of a rejected tag)."""
    children: list[tuple[str | int, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(k.value, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
    elif isinstance(node, yaml.SequenceNode):
        children = list(enumerate(node.value))
    for part, child in children:
        if child.start_mark.index == mark.index:
            return (*path, part)
        found = _path_of(child, mark, (*path, part))
        if found is not None:
            return found
    return None


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document safely, recording the line of every key.

    Raises:
        ScenarioError: malformed YAML, a tag that would build an object,
            several documents, or a duplicate key.
    """
    loader = _Loader(text)
    node = None
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(s) for s in (exc.context, exc.problem) if s)
        cmark = exc.context_mark
        context = exc.context or ""
        if context.startswith("while ") and cmark and mark and cmark.line != mark.line:
            # e.g. an unclosed '[': the problem is at the end of the file, the cause earlier
            what = f"{exc.problem} ({exc.context} that began on line {cmark.line + 1})"
        key = None
        if "constructor" in what and "tag" in what:  # e.g. !!python/object/apply:os.system
            what = (
                f"{what}; tags that construct objects are not allowed in scenario files "
                "(only plain mappings, lists, strings and numbers)"
            )
            found = _path_of(node, mark) if node is not None and mark is not None else None
            key = dotted(found) if found else None
        raise ScenarioError.single(
            f"malformed YAML: {what}", file=file, key=key, line=line
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked YAML errors are rare
        raise ScenarioError.single(f"malformed YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    origins: dict[Path, tuple[str, int | None]] = {(): (file, 1)}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), file, origins, problems)
    if problems:
        raise ScenarioError(problems)
    return Located(data, origins)


def parse_scalar(text: str) -> Any:
    """Parse an override value as a YAML scalar or flow collection (``[1, 2]``, ``{a: 1}``)."""
    return parse_yaml(text, "--set").data
