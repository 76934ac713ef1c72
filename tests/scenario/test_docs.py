"""docs/scenarios.md is generated from the models and must not drift from them."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ceasemon.scenario import load_scenario
from ceasemon.scenario.docs import (
    CHILD_EXAMPLE,
    DISTRIBUTIONS,
    EXAMPLE,
    all_models,
    describe_type,
    generate,
    scenario_models,
    title_of,
)
from ceasemon.scenario.models import Scenario

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "scenarios.md"


@pytest.fixture(scope="module")
def text():
    return generate()


def test_docs_file_is_up_to_date(text):
    assert DOC.exists(), "docs/scenarios.md is missing: run `make docs`"
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/scenarios.md differs from the models: run `make docs`"
    )


def test_module_prints_exactly_the_page(text):
    out = subprocess.run(
        [sys.executable, "-m", "ceasemon.scenario.docs"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert out == text
    assert out.endswith("\n") and not out.endswith("\n\n")


def sections(text):
    """Heading -> body for every ### section."""
    parts = re.split(r"^### (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def heading_of(model):
    if model in DISTRIBUTIONS:
        return f"`{model.model_fields['dist'].annotation.__args__[0]}`"
    return title_of(model)


def test_every_field_of_every_model_is_documented(text):
    found = sections(text)
    models = all_models()
    assert Scenario in models
    # 17 version 1 models; version 2: Ratification, Commission, Escalation, the three events,
    # Hazard and Learning
    assert len(models) == len(set(models)) == 17 + 8 + len(DISTRIBUTIONS)
    for model in models:
        body = found[heading_of(model)]
        rows = re.findall(r"^\| `([^`]+)` \|", body, flags=re.M)
        keys = [f.alias or n for n, f in model.model_fields.items()]
        assert rows == keys, model.__name__
        for name, field in model.model_fields.items():
            if field.description:
                assert field.description.replace("``", "`") in body, (model.__name__, name)


def test_every_model_type_is_reached_from_scenario():
    # A model that no field uses would be documented nowhere: compare with the module.
    import pydantic

    from ceasemon.scenario import models as models_module

    declared = {
        obj
        for obj in vars(models_module).values()
        if isinstance(obj, type)
        and issubclass(obj, pydantic.BaseModel)
        and obj.__module__ == models_module.__name__
        and not obj.__name__.startswith("_")
    }
    assert declared == {m for m, _ in scenario_models()}


def test_paths_are_given_for_nested_models(text):
    found = sections(text)
    assert "At `coalition.nations.NAME.ratification`." in found["Ratification"]
    assert "At `coalition.commission`." in found["Commission"]
    assert "At `response.escalation`." in found["Escalation"]
    for kind in ("Sensor outage", "Withdrawal", "Support shock"):
        assert "At `events[i]`." in found[kind]
    assert "At `contact_line.sectors[i]`." in found["Sector"]
    assert "At `coalition.nations.NAME`." in found["Nation"]
    assert "At `parties.NAME.retaliation`." in found["Retaliation"]


@pytest.mark.parametrize(
    ("model", "field", "words"),
    [
        ("Scenario", "duration", "duration"),
        ("SensorGroup", "latency", "[random duration](#random-durations)"),
        ("Coalition", "quorum", "probability"),
        ("SensorGroup", "range_km", "number >= 0"),
        ("SensorGroup", "spacing_km", "number > 0"),
        ("ContactLine", "sectors", "list of [sector](#sector)"),
        ("Scenario", "parties", "mapping: name → [party](#party)"),
        ("SensorGroup", "persistence", "mapping: name → duration"),
        ("Scenario", "replications", "integer >= 1"),
        ("Sector", "terrain", "one of `open`, `urban`, `forest`, `maritime`"),
        ("Empirical", "values", "list of duration"),
        ("Lognormal", "sigma", "number >= 0 and <= 10"),
        ("ContactLine", "polyline", "list of [number, number]"),
        ("Nation", "ratification", "probability or [ratification](#ratification)"),
        (
            "Nation",
            "capability",
            "mapping: any of `diplomatic`, `economic`, `logistics`, `military`, `maritime` → "
            "number >= 0",
        ),
        (
            "Scenario",
            "events",
            "list; each item, by its `kind`, one of [sensor outage](#sensor-outage), "
            "[withdrawal](#withdrawal) or [support shock](#support-shock)",
        ),
        ("Response", "cost_scaling", "one of `capability`, `full`"),
    ],
)
def test_plain_word_types(model, field, words):
    from ceasemon.scenario import distributions, models

    cls = getattr(models, model, None) or getattr(distributions, model)
    f = cls.model_fields[field]
    assert describe_type(f.annotation, list(f.metadata)) == words


def test_defaults_and_required(text):
    found = sections(text)
    top = found["Scenario (top level)"]
    assert "| `name` | text | required |" in top
    assert "| `warmup` | duration | `0d` |" in top
    assert "| `replications` | integer >= 1 | `30` |" in top
    assert "| `latency` | [random duration](#random-durations) | `0s` |" in found["Sensor group"]
    assert "| `offensive` | [offensive](#offensive) | none |" in found["Aggressor"]
    assert "| `commission` | [commission](#commission) | none |" in found["Coalition"]
    assert "| `cost_scaling` | one of `capability`, `full` | `capability` |" in found["Response"]
    assert "| `deliberation` | [random duration](#random-durations) | `0d` |" in found["Commission"]
    assert "| `min_incidents` | integer >= 1 | `1` |" in found["Commission"]
    assert "| `delay` | [random duration](#random-durations) | `0d` |" in found["Ratification"]
    assert "| `factor` | probability | `0.0` |" in found["Sensor outage"]
    assert re.search(r"^\| `events` \| .* \| `\[\]` \|", top, flags=re.M)


def test_the_complete_example_shows_every_version_2_politics_key(tmp_path):
    path = tmp_path / "example.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    sc = load_scenario(path)
    b = sc.coalition.nations["B"]
    assert b.ratification.probability == 0.8 and b.ratification.delay.mean() == 60
    assert sc.coalition.nations["A"].ratification == 0.9  # and the plain form
    assert b.capability == {"diplomatic": 1, "economic": 3}
    assert sc.sensors["acoustic"].terrain_factor == {"urban": 0.6}
    assert sc.coalition.commission.min_incidents == 2
    assert sc.response.escalation.memory == 30
    assert "cost_scaling" in sc.response.model_fields_set
    assert sorted(e.kind for e in sc.events) == sorted(
        ["sensor_outage", "support_shock", "withdrawal"]
    )


@pytest.mark.parametrize(
    "heading",
    [
        "## Loading: extends and --set",
        "## Durations and units",
        "## Random durations",
        "## Names",
        "## Neutral defaults",
        "## Checks across keys",
        "## Key reference",
        "## A complete annotated example",
    ],
)
def test_prose_sections_exist(text, heading):
    assert re.search(f"^{re.escape(heading)}$", text, flags=re.M)


def test_every_distribution_has_mean_and_variance_row(text):
    for model in DISTRIBUTIONS:
        tag = model.model_fields["dist"].annotation.__args__[0]
        assert re.search(rf"^\| `{tag}` \| .+ \| .+ \| .+ \| .+ \|$", text, flags=re.M), tag


def test_internal_links_resolve(text):
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.M):
        anchors.add(re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-"))
    for link in re.findall(r"\]\(#([^)]+)\)", text):
        assert link in anchors, link


def test_the_complete_example_validates_on_its_own(tmp_path, text):
    assert EXAMPLE in text
    import yaml

    assert "extends" not in yaml.safe_load(EXAMPLE)
    path = tmp_path / "example.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "example"
    # it exercises every top-level key but the defaults it documents
    given = set(sc.model_fields_set)
    assert given >= {f for f, info in Scenario.model_fields.items() if info.is_required()}


def test_the_child_example_validates(tmp_path, text):
    assert CHILD_EXAMPLE in text
    path = tmp_path / "child.yaml"
    path.write_text(CHILD_EXAMPLE, encoding="utf-8")
    sc = load_scenario(path)
    base = load_scenario("baseline")
    assert sc.attribution.analysts == 32
    assert sc.attribution.min_detections == base.attribution.min_detections
    assert "uav_patrols" not in sc.sensors
    assert set(sc.sensors) == set(base.sensors) - {"uav_patrols"}


def test_set_claims_in_the_example_prose_hold(tmp_path):
    from ceasemon.scenario import ScenarioError

    path = tmp_path / "example.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    with pytest.raises(ScenarioError, match="is not a duration"):
        load_scenario(path, ["duration=1y"])
    assert load_scenario(path, ["duration=52w"]).duration == 364
