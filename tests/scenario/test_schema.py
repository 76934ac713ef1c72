"""The JSON Schema of the scenario format agrees with what the loader accepts."""

import pytest
from scenario_cases import PACKAGED

from ceasemon.scenario import Scenario, load_located, load_scenario, packaged_scenarios
from ceasemon.scenario.schema import scenario_json_schema

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_lists_every_top_level_key_and_extends():
    props = scenario_json_schema()["properties"]
    assert set(props) == {f.alias or n for n, f in Scenario.model_fields.items()} | {"extends"}
    assert scenario_json_schema()["required"] == ["name"]


@pytest.mark.parametrize("name", PACKAGED)
def test_merged_packaged_data_is_valid(validator, name):
    data = load_located(name).data
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize("name", PACKAGED)
def test_dumped_scenario_is_valid(validator, name):
    data = load_scenario(name).model_dump(mode="json", by_alias=True)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_a_child_file_with_extends_is_valid(validator):
    assert not list(validator.iter_errors({"extends": "baseline", "name": "x"}))


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"duration": 365}, ["duration"]),
        ({"duration": "3y"}, ["duration"]),
        ({"coalition": {"quorum": 1.2}}, ["coalition", "quorum"]),
        ({"replicatoins": 3}, []),
        ({"attribution": {"service_time": 30}}, ["attribution", "service_time"]),
        (
            {"attribution": {"service_time": {"dist": "weibull", "mean": "1h"}}},
            ["attribution", "service_time"],
        ),
    ],
)
def test_schema_rejects_what_the_loader_rejects(validator, patch, where):
    data = {"extends": "baseline", "name": "x", **patch}
    best = jsonschema.exceptions.best_match(validator.iter_errors(data))
    assert best is not None
    assert list(best.absolute_path) == where


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_files_as_written_are_valid(validator, name):
    # Child files give only what they change; the schema must accept them for editors.
    import yaml

    data = yaml.safe_load(packaged_scenarios()[name].read_text(encoding="utf-8"))
    assert ("extends" in data) == (name != "baseline")
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_a_complete_file_must_give_every_required_key(validator):
    data = load_scenario("baseline").model_dump(mode="json", by_alias=True)
    assert not list(validator.iter_errors(data))
    del data["coalition"]["quorum"]
    best = jsonschema.exceptions.best_match(validator.iter_errors(data))
    assert "'quorum' is a required property" in best.message
    data["extends"] = "baseline"
    assert not list(validator.iter_errors(data))


def test_null_is_allowed_only_in_a_child(validator):
    child = {"extends": "baseline", "name": "x", "aggressor": {"offensive": None}}
    assert not list(validator.iter_errors(child))
    child["sensors"] = {"cameras": None}
    assert not list(validator.iter_errors(child))
    complete = load_scenario("baseline").model_dump(mode="json", by_alias=True)
    complete["sensors"]["cameras"] = None
    assert list(validator.iter_errors(complete))


def test_the_politics_keys_are_in_the_schema(validator):
    child = {
        "extends": "baseline",
        "name": "x",
        "coalition": {
            "commission": {"meeting_interval": "30d", "min_incidents": 2},
            "nations": {
                "US": {"ratification": {"probability": 0.6, "delay": "180d"}},
                "UK": {"ratification": 0.9, "capability": {"military": 2}},
            },
        },
        "response": {"escalation": {"memory": "60d"}, "cost_scaling": "full"},
        "events": [
            {"kind": "sensor_outage", "at": "30d", "until": "60d", "factor": 0.2},
            {"kind": "withdrawal", "at": "200d", "nation": "Turkey"},
            {"kind": "support_shock", "at": "300d", "factor": 0.5},
        ],
    }
    assert not list(validator.iter_errors(child))


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"coalition": {"nations": {"US": {"ratification": 1.2}}}}, "ratification"),
        (
            {"coalition": {"nations": {"US": {"ratification": {"probability": 1.2}}}}},
            "probability",
        ),
        ({"response": {"cost_scaling": "partial"}}, "cost_scaling"),
        ({"events": [{"kind": "eclipse", "at": "1d"}]}, 0),
        ({"events": [{"kind": "withdrawal", "at": "1d", "factor": 0}]}, 0),
        # a child's list replaces the parent's whole, so each event must be complete
        ({"events": [{"kind": "withdrawal", "at": "1d"}]}, 0),
        ({"events": [{"kind": "sensor_outage", "factor": 0.5}]}, 0),
    ],
)
def test_the_schema_rejects_bad_politics_keys(validator, patch, where):
    data = {"extends": "baseline", "name": "x", **patch}
    best = jsonschema.exceptions.best_match(validator.iter_errors(data))
    assert best is not None
    assert where in list(best.absolute_path), list(best.absolute_path)


def test_list_items_in_a_child_are_complete(validator):
    sector = {"name": "a", "start_km": 0, "end_km": 10}  # no terrain
    child = {"extends": "baseline", "name": "x", "contact_line": {"sectors": [sector]}}
    assert list(validator.iter_errors(child))
    sector["terrain"] = "open"
    assert not list(validator.iter_errors(child))


def test_terrain_factor_is_in_the_schema(validator):
    child = {"extends": "baseline", "name": "x"}
    child["sensors"] = {"acoustic": {"terrain_factor": {"urban": 0.5, "forest": 1}}}
    assert not list(validator.iter_errors(child))
    where = ["sensors", "acoustic", "terrain_factor"]
    for bad, path in (({"desert": 0.5}, where), ({"urban": 1.5}, [*where, "urban"])):
        child["sensors"] = {"acoustic": {"terrain_factor": bad}}
        best = jsonschema.exceptions.best_match(validator.iter_errors(child))
        assert best is not None
        assert list(best.absolute_path) == path
