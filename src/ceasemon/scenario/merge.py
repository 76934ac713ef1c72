"""Deep merge of a scenario over its parent, and dotted ``--set`` overrides.

Mappings merge key by key; lists, scalars and distributions (mappings with a
``dist`` key, which are one value) replace what the parent had.  Two forms
remove what the parent had: ``key: null`` deletes the key (it then takes its
default), and an empty mapping ``key: {}`` replaces the parent's mapping with
an empty one (``nations: {}``: a coalition of no nations).  The origin (file,
line) of every key follows its value, so that an error in a merged scenario
still points at the file and line the value came from.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import Path, ScenarioError, dotted
from .yamlio import Located


def _drop_under(origins: dict, prefix: Path) -> None:
    n = len(prefix)
    for key in [k for k in origins if len(k) > n and k[:n] == prefix]:
        del origins[key]


def _merge_into(base: dict, over: dict, path: Path, replaced: set, removed: set) -> None:
    """Merge ``over`` into ``base`` in place; collect the paths replaced and removed."""
    for key, value in over.items():
        sub = (*path, key)
        if value is None:
            # `key: null` removes the inherited key, which then takes its default.
            base.pop(key, None)
            removed.add(sub)
        elif (
            isinstance(value, dict)
            and value
            and isinstance(base.get(key), dict)
            and "dist" not in value
        ):
            # A distribution ({dist: ...}) is one value: it replaces, it does not merge;
            # so does an empty mapping, which would otherwise be a no-op.
            _merge_into(base[key], value, sub, replaced, removed)
        else:
            base[key] = copy.deepcopy(value)
            replaced.add(sub)


def deep_merge(parent: Located, child: Located) -> Located:
    """Return ``child`` merged over ``parent``.

    Mappings merge; lists, scalars, distributions and empty mappings replace;
    ``null`` removes the key.  Origins follow the values: the parent's, except
    under a key the child replaced or removed, then the child's (its removed
    keys aside).  The work is linear in the number of keys.
    """
    data = copy.deepcopy(parent.data)
    replaced: set = set()
    removed: set = set()
    _merge_into(data, child.data, (), replaced, removed)
    cut = replaced | removed
    origins = {
        path: where
        for path, where in parent.origins.items()
        if not any(path[:n] in cut for n in range(1, len(path) + 1))
    }
    origins.update((path, where) for path, where in child.origins.items() if path not in removed)
    origins[()] = child.origins.get((), parent.origins.get((), ("<input>", None)))
    return Located(data, origins)


def split_assignment(text: str) -> tuple[str, str]:
    """Split ``'a.b=value'`` into key and value text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError.single(
            f"an override must look like dotted.key=value; got {text!r}", file="--set"
        )
    return key.strip(), value


def _parse_path(key: str) -> Path:
    parts: list[str | int] = []
    for part in key.split("."):
        if part == "":
            raise ScenarioError.single(f"empty part in the key {key!r}", file="--set", key=key)
        parts.append(int(part) if part.isascii() and part.isdigit() else part)
    return tuple(parts)


def apply_override(located: Located, key: str, value: Any, source: str) -> None:
    """Set ``key`` (dotted; digits index lists) to ``value`` in place, recording ``source``."""
    path = _parse_path(key)
    node = located.data
    for depth, part in enumerate(path[:-1]):
        nxt = path[depth + 1]
        if isinstance(node, dict):
            if node.get(part) is None:
                node[part] = [] if isinstance(nxt, int) else {}
                located.origins[path[: depth + 1]] = (source, None)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            raise ScenarioError.single(
                f"cannot set {key!r}: {dotted(path[: depth + 1])} is not a mapping or list "
                "that has this entry",
                file=source,
                key=key,
            )
    last = path[-1]
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    ):
        node[last] = copy.deepcopy(value)
    else:
        raise ScenarioError.single(
            f"cannot set {key!r}: its parent is not a mapping or a list that long",
            file=source,
            key=key,
        )
    _drop_under(located.origins, path)
    located.origins[path] = (source, None)
