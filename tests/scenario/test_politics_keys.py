"""The version 2 politics keys (issue 16) parse, take their documented defaults and round-trip."""

import textwrap

import pytest

from ceasemon.scenario import load_scenario
from ceasemon.scenario.distributions import Exponential, Fixed
from ceasemon.scenario.loader import allowed_keys
from ceasemon.scenario.models import (
    EVENT_KINDS,
    Commission,
    Ratification,
    Scenario,
    SensorOutage,
    SupportShock,
    Withdrawal,
)

POLITICS = """\
extends: baseline
name: politics
coalition:
  commission:
    meeting_interval: 30d
    deliberation: {dist: exponential, mean: 5d}
    min_incidents: 3
    extraordinary_severity: 8
  nations:
    US:
      ratification: {probability: 0.6, delay: 180d}
      contributes: [diplomatic, economic, logistics, military]
      # merges into the baseline's US capability: logistics 3 is inherited, maritime set to 0
      capability: {diplomatic: 1, economic: 4, military: 10, maritime: 0}
    UK:
      ratification: 0.85
response:
  escalation: {memory: 60d}
  cost_scaling: full
events:
  - {kind: sensor_outage, at: 30d, until: 60d, groups: [optical_satellites], factor: 0.2}
  - {kind: sensor_outage, at: 90d, sectors: [black_sea]}
  - {kind: withdrawal, at: 200d, nation: Turkey}
  - {kind: support_shock, at: 300d, nations: [US, UK], factor: 0.5}
  - {kind: support_shock, at: 310d, factor: 1.5}
"""


@pytest.fixture
def politics(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "politics.yaml").write_text(POLITICS, encoding="utf-8")
    return load_scenario("politics.yaml")


def test_defaults_leave_the_version_1_mechanism():
    # the baseline with its version 2 keys set to none (the defaults of these optional keys);
    # cost_scaling, which the baseline states, is checked against the model's default
    sc = load_scenario("baseline")
    plain = {"coalition.commission": None}
    for name, nation in sc.coalition.nations.items():
        plain[f"coalition.nations.{name}.capability"] = None
        plain[f"coalition.nations.{name}.ratification"] = nation.ratification_probability
    sc = load_scenario("baseline", plain)
    assert sc.events == []
    assert sc.coalition.commission is None
    assert sc.response.escalation is None
    assert sc.response.cost_scaling == "capability"
    assert type(sc.response).model_fields["cost_scaling"].default == "capability"
    for nation in sc.coalition.nations.values():
        assert isinstance(nation.ratification, float)
        assert nation.capability is None


def test_ratification_as_a_probability(politics):
    uk = politics.coalition.nations["UK"]
    assert uk.ratification == 0.85
    assert uk.ratification_probability == 0.85


def test_ratification_as_a_vote_after_a_delay(politics):
    us = politics.coalition.nations["US"]
    assert isinstance(us.ratification, Ratification)
    assert us.ratification.probability == 0.6
    assert us.ratification.delay == Fixed(value="180d")
    assert us.ratification_probability == 0.6


def test_a_ratification_mapping_without_delay_votes_at_the_start():
    sc = load_scenario("baseline", {"coalition.nations.US.ratification": {"probability": 0.7}})
    r = sc.coalition.nations["US"].ratification
    assert isinstance(r, Ratification)
    assert (r.probability, r.delay.mean(), r.delay.var()) == (0.7, 0.0, 0.0)


@pytest.mark.parametrize("text", ["1", "0", "1.0"])
def test_a_whole_number_ratification_is_a_probability(text):
    sc = load_scenario("baseline", [f"coalition.nations.US.ratification={text}"])
    assert sc.coalition.nations["US"].ratification == float(text)


def test_commission_keys_and_defaults(politics):
    c = politics.coalition.commission
    assert c.meeting_interval == 30
    assert isinstance(c.deliberation, Exponential) and c.deliberation.mean() == 5
    assert (c.min_incidents, c.extraordinary_severity) == (3, 8)
    default = Commission(meeting_interval="7d")
    assert default.deliberation == Fixed(value="0d")
    assert default.min_incidents == 1
    assert default.extraordinary_severity is None


def test_capability_and_response_keys(politics):
    us = politics.coalition.nations["US"]
    assert us.capability == {
        "diplomatic": 1,
        "economic": 4,
        "logistics": 3,
        "military": 10,
        "maritime": 0,
    }
    assert politics.response.escalation.memory == 60
    assert politics.response.cost_scaling == "full"


def test_events_of_each_kind(politics):
    ev = politics.events
    assert [e.kind for e in ev] == [
        "sensor_outage",
        "sensor_outage",
        "withdrawal",
        "support_shock",
        "support_shock",
    ]
    assert isinstance(ev[0], SensorOutage)
    assert (ev[0].at, ev[0].until, ev[0].groups, ev[0].sectors, ev[0].factor) == (
        30,
        60,
        ["optical_satellites"],
        None,
        0.2,
    )
    # defaults: all groups, until the end, blind
    assert (ev[1].groups, ev[1].until, ev[1].factor) == (None, None, 0.0)
    assert isinstance(ev[2], Withdrawal) and ev[2].nation == "Turkey"
    assert isinstance(ev[3], SupportShock) and ev[3].nations == ["US", "UK"]
    assert ev[4].nations is None and ev[4].factor == 1.5


def test_event_kinds_are_the_models_tags():
    assert EVENT_KINDS == ("sensor_outage", "withdrawal", "support_shock")


def test_events_at_or_beyond_the_end_are_allowed():
    # Documented choice: no effect beyond the end, so that a study varying duration stays valid.
    sc = load_scenario(
        "baseline",
        {
            "duration": "30d",
            "events": [
                {"kind": "sensor_outage", "at": "20d", "until": "400d"},
                {"kind": "withdrawal", "at": "30d", "nation": "US"},
                {"kind": "support_shock", "at": "1000d", "factor": 0},
            ],
        },
    )
    assert [e.at for e in sc.events] == [20, 30, 1000]


def test_capability_for_an_action_not_contributed_may_be_zero():
    sc = load_scenario(
        "baseline",
        {
            "coalition.nations.US.contributes": ["diplomatic"],
            "coalition.nations.US.capability": {"diplomatic": 2, "military": 0},
        },
    )
    assert sc.coalition.nations["US"].capability == {"diplomatic": 2, "military": 0}


def test_capability_without_contributes_is_free():
    sc = load_scenario("baseline", {"coalition.nations.US.capability": {"maritime": 3}})
    assert sc.coalition.nations["US"].contributes is None


def test_the_same_nation_may_be_shocked_twice_and_withdraw_once(politics):
    sc = load_scenario(
        "baseline",
        {
            "events": [
                {"kind": "support_shock", "at": "1d", "nations": ["US"], "factor": 0.5},
                {"kind": "support_shock", "at": "2d", "nations": ["US"], "factor": 0.5},
                {"kind": "withdrawal", "at": "3d", "nation": "US"},
                {"kind": "withdrawal", "at": "3d", "nation": "UK"},
            ]
        },
    )
    assert len(sc.events) == 4


def test_dump_revalidates_to_an_equal_scenario(politics):
    data = politics.model_dump(mode="json", by_alias=True)
    assert data["coalition"]["nations"]["US"]["ratification"] == {
        "probability": 0.6,
        "delay": "180.0d",
    }
    assert data["coalition"]["nations"]["UK"]["ratification"] == 0.85
    assert data["events"][2] == {"kind": "withdrawal", "at": "200.0d", "nation": "Turkey"}
    assert Scenario.model_validate(data) == politics


def test_allowed_keys_follow_the_event_kind_and_ratification_form():
    data = {"events": [{"kind": "withdrawal"}, {"kind": "support_shock"}, {"at": "1d"}]}
    assert allowed_keys(("events", 0), data) == ["at", "kind", "nation"]
    assert allowed_keys(("events", 1), data) == ["at", "factor", "kind", "nations"]
    every = {"at", "kind", "groups", "sectors", "until", "factor", "nation", "nations"}
    assert set(allowed_keys(("events", 2), data)) == every
    path = ("coalition", "nations", "US", "ratification")
    assert allowed_keys(path) == ["delay", "probability"]


def test_a_child_may_switch_ratification_form(tmp_path, monkeypatch):
    # Mappings merge and scalars replace: a child turns the parent's number into a vote later.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parent.yaml").write_text(POLITICS, encoding="utf-8")
    (tmp_path / "child.yaml").write_text(
        textwrap.dedent("""\
            extends: parent.yaml
            name: child
            coalition:
              nations:
                US: {ratification: 0.5}
                UK: {ratification: {probability: 0.9, delay: 30d}}
            """),
        encoding="utf-8",
    )
    sc = load_scenario("child.yaml")
    assert sc.coalition.nations["US"].ratification == 0.5
    assert sc.coalition.nations["UK"].ratification == Ratification(probability=0.9, delay="30d")
