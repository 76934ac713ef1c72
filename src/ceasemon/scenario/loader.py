"""Load a scenario: find the file, follow ``extends``, apply overrides, validate.

The order is fixed and documented: the file and its ancestors are merged
(child over parent), then the ``--set`` overrides are applied in the order
given, then the result is type-checked (pydantic) and cross-checked
(``checks.py``).  Any problem becomes a ``ScenarioError`` naming file, key and
line.
"""

from __future__ import annotations

import os
import reprlib
import types
import typing
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from .distributions import DIST_NAMES
from .errors import MAX_PROBLEMS, Path, Problem, ScenarioError, choices_text, dotted, suggest
from .merge import apply_override, deep_merge, split_assignment
from .models import EVENT_KINDS, Scenario
from .yamlio import MAX_DEPTH, Located, parse_scalar, parse_yaml

PACKAGE_PREFIX = "package:"
_MAX_FILE_BYTES = 5_000_000


def packaged_dir() -> FsPath:
    """Directory of the scenarios shipped inside the package."""
    return FsPath(str(resources.files("ceasemon") / "scenarios"))


def packaged_scenarios() -> dict[str, FsPath]:
    """Packaged scenario name -> file."""
    return {p.stem: p for p in sorted(packaged_dir().glob("*.yaml"))}


def _is_name(ref: str) -> bool:
    return "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml"))


def _short(text: str, size: int = 80) -> str:
    """``text`` cut to about ``size`` characters for a message (a path may be huge)."""
    return text if len(text) <= size else f"{text[: size // 2]}...{text[-(size // 2) :]}"


def resolve_reference(ref: str, relative_to: FsPath | None = None) -> FsPath:
    """Turn a scenario argument into a file: a path (relative to ``relative_to``) or a name."""
    base = relative_to if relative_to is not None else FsPath.cwd()
    candidate = (base / ref) if not FsPath(ref).is_absolute() else FsPath(ref)
    try:
        if candidate.is_file():
            return candidate
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise ScenarioError.single(
            f"cannot use '{_short(ref)}' as a scenario file: {exc.strerror}",
            file=_short(str(candidate)),
        ) from None
    if _is_name(ref):
        packaged = packaged_scenarios()
        if ref in packaged:
            return packaged[ref]
        raise ScenarioError.single(
            f"no scenario file '{_short(ref)}' and no packaged scenario of that name"
            f"{suggest(ref, packaged)} (packaged: {choices_text(packaged)})",
            file=_display(candidate),
        )
    raise ScenarioError.single("scenario file not found", file=_display(candidate))


def _display(path: FsPath) -> str:
    pkg = packaged_dir()
    try:
        return f"{PACKAGE_PREFIX}{path.resolve().relative_to(pkg.resolve())}"
    except ValueError:
        try:
            return str(path.resolve().relative_to(FsPath.cwd()))
        except ValueError:
            return str(path)


def _read_bounded(path: FsPath, name: str) -> bytes:
    """The file's bytes, refused by its size before it is read, and read at most one past it.

    The size check comes first (``stat``), so that a 3 GB file is refused at once rather than
    after reading it whole into memory; the read itself is bounded too, for a file that grows
    meanwhile or whose ``stat`` size means nothing (a pipe, ``/proc``).
    """

    def too_big(size: str) -> ScenarioError:
        return ScenarioError.single(
            f"the file is {size} bytes; a scenario file may be at most {_MAX_FILE_BYTES:,} bytes",
            file=name,
        )

    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > _MAX_FILE_BYTES:
                raise too_big(f"{size:,}")
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError.single(f"cannot read the file: {exc.strerror}", file=name) from None
    if len(raw) > _MAX_FILE_BYTES:
        raise too_big(f"more than {_MAX_FILE_BYTES:,}")
    return raw


def _read(path: FsPath) -> Located:
    name = _display(path)
    raw = _read_bounded(path, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(
            f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})",
            file=name,
            line=raw.count(b"\n", 0, exc.start) + 1,
        ) from None
    located = parse_yaml(text, name)
    if located.data is None:
        raise ScenarioError.single("the file is empty; a scenario is a mapping of keys", file=name)
    if not isinstance(located.data, dict):
        raise ScenarioError.single(
            f"a scenario must be a mapping of keys, not a {type(located.data).__name__}",
            file=name,
            line=1,
        )
    return located


def _load_chain(path: FsPath, stack: tuple[FsPath, ...]) -> Located:
    real = path.resolve()
    located = _read(path)
    parent_ref = located.data.pop("extends", None)
    if parent_ref is None:
        return located
    file, line = located.origins.get(("extends",), (_display(path), None))
    located.origins.pop(("extends",), None)
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError.single(
            "extends must name a scenario file or a packaged scenario",
            file=file,
            key="extends",
            line=line,
        )
    try:
        parent_path = resolve_reference(parent_ref, path.parent)
    except ScenarioError as exc:
        msg = exc.problems[0].message
        raise ScenarioError.single(
            f"cannot extend '{_short(parent_ref)}': {msg}", file=file, key="extends", line=line
        ) from None
    if parent_path.resolve() in (*stack, real):
        # Reported at the extends line that closes the cycle.
        cycle = " -> ".join(_display(p) for p in (*stack, real, parent_path.resolve()))
        raise ScenarioError.single(f"extends cycle: {cycle}", file=file, key="extends", line=line)
    parent = _load_chain(parent_path, (*stack, real))
    return deep_merge(parent, located)


def _strip_tags(data: Any, loc: Sequence[Any]) -> Path:
    """Map a pydantic error location onto the data, dropping union-member tags."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and any(node.get(tag) == part for tag in _TAG_KEYS):
            continue  # discriminated-union tag (a distribution's dist, an event's kind)
        elif isinstance(part, str) and ("[" in part or part in _UNION_TAGS):
            continue  # pydantic's name of a union member or a validator
        else:
            path.append(part)
            node = None
    return tuple(path)


_UNION_TAGS = {"str", "int", "float", "list", "dict", "bool", "none", "tuple"}
#: The keys that pick the member of a discriminated union, and the values each allows.
_TAG_KEYS: dict[str, tuple[str, ...]] = {"dist": DIST_NAMES, "kind": EVENT_KINDS}


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out += _unwrap(arg)
        return out
    return [tp]


def allowed_keys(path: Path, data: Any = None) -> list[str]:
    """Keys a model accepts at ``path`` of a scenario (empty when it is not a model).

    The path is followed through the scenario's types, every member of a union
    kept, since the data's value there is not yet validated; ``data`` (the raw
    scenario) picks the member of a discriminated union by its tag (a
    distribution's ``dist``, an event's ``kind``).
    """
    candidates: list[Any] = [Scenario]
    node = data
    for part in path:
        candidates = [
            nxt for tp in candidates for t in _unwrap(tp) for nxt in _child_types(t, part)
        ]
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    tags = {k: node.get(k) for k in _TAG_KEYS} if isinstance(node, dict) else {}
    keys = [key for tp in candidates for t in _unwrap(tp) for key in _model_keys(t, tags)]
    return sorted(set(keys))


def _child_types(t: Any, part: str | int) -> list[Any]:
    """The types a value of type ``t`` holds at ``part`` (none if it holds nothing there).

    A model holds its field's type at the field's name or alias, a dict its
    value type at any key, a list or tuple its item type at any index.
    """
    origin = typing.get_origin(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [f.annotation for name, f in t.model_fields.items() if part in (name, f.alias)]
    if origin is dict and not isinstance(part, int):
        return [typing.get_args(t)[1]]
    if origin in (list, tuple) and isinstance(part, int):
        return [typing.get_args(t)[0]]
    return []


def _model_keys(t: Any, tags: Mapping[str, Any]) -> list[str]:
    """The keys of ``t`` if it is a model, as the user writes them (a field's alias, else its name).

    A model whose tag (``dist``, ``kind``) is not the data's is another member
    of the union: its keys would not be accepted, so none.
    """
    if not (isinstance(t, type) and issubclass(t, BaseModel)):
        return []
    for key, value in tags.items():
        tag = t.model_fields.get(key)
        if value is not None and tag is not None and typing.get_args(tag.annotation) != (value,):
            return []
    return [f.alias or n for n, f in t.model_fields.items()]


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 3, 6, 6, 60, 60


def _describe_input(value: Any) -> str:
    # reprlib: the value may be huge, or a web of YAML aliases whose full repr never ends
    text = _SHORT.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problems_from_validation(exc: ValidationError, located: Located) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False)[: MAX_PROBLEMS + 1]:
        path = _strip_tags(located.data, err["loc"])
        file, line = located.where(path)
        kind = err["type"]
        msg = err["msg"]
        if msg.startswith(("Value error, ", "Assertion failed, ")):
            msg = msg.split(", ", 1)[1]
        if kind == "extra_forbidden":
            key = path[-1]
            allowed = allowed_keys(path[:-1], located.data)
            msg = f"unknown key '{key}'{suggest(str(key), allowed)}"
            if allowed:
                msg += f" (allowed here: {', '.join(allowed)})"
        elif kind == "missing":
            msg = f"required key '{path[-1]}' is missing"
            file, line = located.where(path[:-1])
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            msg, path = _tag_message(err, path)
            file, line = located.where(path)
        else:
            if kind == "model_attributes_type":  # a discriminated union given a non-mapping
                msg = "input should be a mapping of keys"
            msg = msg[:1].lower() + msg[1:]
            if "input" in err and kind not in ("value_error", "assertion_error"):
                msg += f" (got {_describe_input(err['input'])})"
        problems.append(Problem(msg, file, dotted(path), line))
    return problems


def _tag_message(err: Any, path: Path) -> tuple[str, Path]:
    """The message for a discriminated union whose tag is missing or unknown, and its key.

    The tag key comes from pydantic's context (``'dist'`` or ``'kind'``); an
    unknown event kind is reported at the ``kind`` key itself, with the
    closest allowed kind.
    """
    tag = str(err.get("ctx", {}).get("discriminator", "'dist'")).strip("'")
    invalid = err["type"] == "union_tag_invalid"
    if tag == "kind":
        kinds = ", ".join(EVENT_KINDS)
        if not invalid:
            return f"an event needs a 'kind': one of {kinds}", path
        given = str(err.get("ctx", {}).get("tag", ""))
        return (
            f"unknown event kind '{given}'{suggest(given, EVENT_KINDS)} (allowed: {kinds})",
            (*path, "kind"),
        )
    if invalid:
        return f"unknown distribution; 'dist' must be one of {', '.join(DIST_NAMES)}", path
    return "a random quantity is a duration ('6h') or a mapping with a 'dist' key", path


def validate(located: Located) -> Scenario:
    """Type-check and cross-check merged scenario data."""
    try:
        scenario = Scenario.model_validate(located.data)
    except ValidationError as exc:
        raise ScenarioError(_problems_from_validation(exc, located)) from None
    from .checks import semantic_problems  # local import: checks imports models

    problems = []
    for path, message in semantic_problems(scenario, MAX_PROBLEMS + 1):
        file, line = located.where(path)
        problems.append(Problem(message, file, dotted(path), line))
    if problems:
        raise ScenarioError(problems)
    return scenario


def load_located(
    ref: str | FsPath, overrides: Mapping[str, Any] | Sequence[str] | None = None
) -> Located:
    """Merged data of a scenario and its ancestors with overrides applied (not validated)."""
    path = resolve_reference(str(ref))
    located = _load_chain(path, ())
    apply_overrides(located, overrides)
    return located


def check_depth(data: Any, source: str) -> None:
    """Refuse Python data nested deeper than a scenario file may be (``yamlio.MAX_DEPTH``).

    Walks without recursion, so that data nested a million levels deep is an
    error, not a RecursionError; shared sub-structures are walked once.
    """
    stack: list[tuple[Any, Path]] = [(data, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict | list | tuple) or id(node) in seen:
            continue
        seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise ScenarioError.single(
                f"nested deeper than {MAX_DEPTH} levels; a scenario needs only a few",
                file=source,
                key=dotted(path[: MAX_DEPTH + 1]),
            )
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((value, (*path, key)) for key, value in items)


def apply_overrides(located: Located, overrides: Mapping[str, Any] | Sequence[str] | None) -> None:
    """Apply ``{"a.b": value}`` (Python values) or ``["a.b=yaml", ...]`` (CLI text) in place."""
    if not overrides:
        return
    if isinstance(overrides, Mapping):
        for key, value in overrides.items():
            check_depth(value, f"override {key}")
            apply_override(located, key, value, f"override {key}")
    else:
        for text in overrides:
            key, value_text = split_assignment(text)
            value = parse_scalar(value_text, f"--set {key}", key) if value_text.strip() else ""
            apply_override(located, key, value, f"--set {key}")


def load_scenario(
    ref: str | FsPath, overrides: Mapping[str, Any] | Sequence[str] | None = None
) -> Scenario:
    """Load, merge, override and validate a scenario.

    Args:
        ref: a path to a YAML file, or the name of a packaged scenario (``"baseline"``).
        overrides: ``{"dotted.key": value}`` or CLI-style ``["dotted.key=value"]``,
            applied after ``extends``.

    Raises:
        ScenarioError: for any bad input, naming file, key and line.
    """
    return validate(load_located(ref, overrides))


def scenario_from_dict(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    source: str = "<dict>",
) -> Scenario:
    """Validate a scenario given as a Python mapping (e.g. a manifest's resolved scenario)."""
    import copy

    check_depth(data, source)
    located = Located(copy.deepcopy(dict(data)), {(): (source, None)})
    if "extends" in located.data:
        raise ScenarioError.single(
            "a scenario given as data cannot use extends; load it from a file",
            file=source,
            key="extends",
        )
    apply_overrides(located, overrides)
    return validate(located)
