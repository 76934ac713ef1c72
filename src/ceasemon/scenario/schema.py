"""JSON Schema of the scenario format, for editors and other tools.

A file with ``extends`` gives only what it changes, so it is checked against a
*partial* form of the schema: every model's keys optional, ``null`` allowed
(it removes an inherited key) and a distribution mapping allowed to name only
the parameters it changes.  The items of a list stay complete: a list in a
child replaces the parent's whole (a sector, a ladder rung, an event), so
each item must stand on its own.  A file without ``extends`` must also satisfy the
complete schema.  The cross-key checks of ``checks.py`` (sectors tiling the
line, names that must exist) are beyond JSON Schema; ``ceasemon validate``
does them.
"""

from __future__ import annotations

import copy
from typing import Any

from .models import Scenario

_PARTIAL = "Partial"
_DEFS = "#/$defs/"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kept = {k: schema[k] for k in ("title", "description", "default") if k in schema}
    return {**kept, "anyOf": [schema, {"type": "null"}]}


def _partial(node: Any) -> Any:
    """The same schema with nothing required and ``null`` allowed for every key."""
    if isinstance(node, list):
        return [_partial(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("required", "discriminator"):
            continue  # partial members need not carry `dist`, so no discriminator either
        if key == "items":
            out[key] = value  # lists replace whole (no merge), so a child's items are complete
        elif key == "$ref":
            out[key] = value.replace(_DEFS, _DEFS + _PARTIAL, 1)
        elif key == "oneOf":
            out["anyOf"] = _partial(value)  # {mean: 1h} may fit several partial members
        elif key == "properties":
            out[key] = {k: _nullable(_partial(v)) for k, v in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            out[key] = _nullable(_partial(value))
        else:
            out[key] = _partial(value)
    return out


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, ``extends`` included."""
    complete = Scenario.model_json_schema(by_alias=True, mode="validation")
    defs = complete.pop("$defs", {})
    defs["Scenario"] = copy.deepcopy(complete)
    partial_defs = {_PARTIAL + name: _partial(d) for name, d in defs.items()}

    schema = partial_defs.pop(_PARTIAL + "Scenario")
    schema["properties"]["name"] = complete["properties"]["name"]
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "parent scenario: a path relative to this file, or a packaged name",
    }
    schema["required"] = ["name"]
    # Without extends the file must be complete on its own.
    schema["if"] = {"not": {"required": ["extends"]}}
    schema["then"] = {"$ref": _DEFS + "Scenario"}
    schema["$defs"] = {**defs, **partial_defs}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ceasemon scenario"
    schema["description"] = (
        "A ceasemon scenario. A file with extends gives only what it changes (any key may be "
        "left out; null removes an inherited key); a file without extends must give every key "
        "without a default."
    )
    return schema
