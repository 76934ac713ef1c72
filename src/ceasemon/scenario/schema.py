"""JSON Schema of the scenario format, for editors and other tools."""

from __future__ import annotations

from typing import Any

from .models import Scenario


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, ``extends`` included."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ceasemon scenario"
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "parent scenario: a path relative to this file, or a packaged name",
    }
    schema["required"] = [r for r in schema.get("required", []) if r == "name"]
    schema["description"] = (
        "A ceasemon scenario. All keys but name may come from the parent given by extends; "
        "a scenario without extends must give every key without a default."
    )
    return schema
