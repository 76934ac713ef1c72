"""Loading scenarios: extends, deep merge, --set overrides, YAML 1.2 and round trips."""

import textwrap
from pathlib import Path

import pytest
from scenario_cases import PACKAGED

from ceasemon.scenario import (
    Scenario,
    ScenarioError,
    load_located,
    load_scenario,
    packaged_scenarios,
    scenario_from_dict,
)
from ceasemon.scenario.distributions import Exponential, Lognormal
from ceasemon.scenario.merge import deep_merge
from ceasemon.scenario.yamlio import Located, parse_yaml


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- deep merge -------------------------------------------------------------------------------


def merged(parent_text: str, child_text: str) -> Located:
    return deep_merge(
        parse_yaml(textwrap.dedent(parent_text), "parent.yaml"),
        parse_yaml(textwrap.dedent(child_text), "child.yaml"),
    )


def test_mappings_merge_key_by_key():
    out = merged(
        """\
        a: {x: 1, y: {p: 1, q: 2}}
        b: 3
        """,
        """\
        a: {y: {q: 20, r: 30}, z: 4}
        """,
    )
    assert out.data == {"a": {"x": 1, "y": {"p": 1, "q": 20, "r": 30}, "z": 4}, "b": 3}


def test_lists_replace():
    out = merged("l: [1, 2, 3]\nm: [{a: 1}, {b: 2}]\n", "l: [9]\nm: [{c: 3}]\n")
    assert out.data == {"l": [9], "m": [{"c": 3}]}


def test_a_distribution_mapping_replaces_whole():
    out = merged(
        "t: {dist: lognormal, median: 20min, sigma: 0.5}\n",
        "t: {dist: exponential, mean: 1h}\n",
    )
    assert out.data == {"t": {"dist": "exponential", "mean": "1h"}}


def test_a_mapping_without_dist_merges_into_a_distribution():
    # Changing one parameter of an inherited distribution keeps the others.
    out = merged("t: {dist: lognormal, median: 20min, sigma: 0.5}\n", "t: {sigma: 1.0}\n")
    assert out.data == {"t": {"dist": "lognormal", "median": "20min", "sigma": 1.0}}


def test_null_removes_an_inherited_key_and_empty_mapping_empties():
    out = merged("a: {x: 1, y: 2}\nn: {US: 1, UK: 2}\n", "a: {x: null}\nn: {}\n")
    assert out.data == {"a": {"y": 2}, "n": {}}
    assert ("a", "x") not in out.origins
    assert out.origins[("n",)] == ("child.yaml", 2)


def test_scalars_replace_and_types_may_change():
    out = merged("a: {x: 1}\nb: [1]\n", "a: 5\nb: {k: v}\n")
    assert out.data == {"a": 5, "b": {"k": "v"}}


def test_merge_does_not_mutate_its_inputs():
    parent = parse_yaml("a: {x: [1, 2]}\n", "p.yaml")
    child = parse_yaml("a: {x: [3]}\n", "c.yaml")
    deep_merge(parent, child)
    assert parent.data == {"a": {"x": [1, 2]}}
    assert child.data == {"a": {"x": [3]}}


def test_origins_follow_the_values():
    out = merged(
        """\
        keep: 1
        a:
          x: 1
          y: [1, 2]
        """,
        """\
        a:
          y: [3]
        """,
    )
    assert out.origins[("keep",)] == ("parent.yaml", 1)
    assert out.origins[("a", "x")] == ("parent.yaml", 3)
    assert out.origins[("a", "y")] == ("child.yaml", 2)
    assert out.origins[("a", "y", 0)] == ("child.yaml", 2)
    assert ("a", "y", 1) not in out.origins  # the parent's second item is gone


# --- extends ----------------------------------------------------------------------------------


def test_extends_a_packaged_name(here):
    write(here / "s.yaml", "extends: baseline\nname: mine\nreplications: 3\n")
    sc = load_scenario("s.yaml")
    base = load_scenario("baseline")
    assert sc.name == "mine"
    assert sc.replications == 3
    assert sc.model_copy(update={"name": "baseline", "replications": 30}) == base


def test_extends_is_relative_to_the_files_directory(tmp_path, monkeypatch):
    write(tmp_path / "lib" / "root.yaml", "extends: baseline\nname: root\nseed: 11\n")
    write(tmp_path / "lib" / "mid" / "mid.yaml", "extends: ../root.yaml\nname: mid\nseed: 22\n")
    write(
        tmp_path / "work" / "leaf.yaml",
        "extends: ../lib/mid/mid.yaml\nname: leaf\nreplications: 4\n",
    )
    # run from a directory unrelated to any of them
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    sc = load_scenario(tmp_path / "work" / "leaf.yaml")
    assert (sc.name, sc.seed, sc.replications) == ("leaf", 22, 4)
    sc = load_scenario("../work/leaf.yaml")
    assert (sc.name, sc.seed, sc.replications) == ("leaf", 22, 4)


def test_a_file_next_to_the_child_wins_over_a_packaged_name(here):
    write(here / "baseline.yaml", "extends: package-baseline.yaml\nname: local\n")
    write(here / "package-baseline.yaml", "extends: baseline\nname: p\nseed: 5\n")
    write(here / "child.yaml", "extends: baseline.yaml\nname: child\n")
    sc = load_scenario("child.yaml")
    assert (sc.name, sc.seed) == ("child", 5)


def test_extends_must_be_a_name(here):
    write(here / "s.yaml", "extends: [baseline]\nname: s\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario("s.yaml")
    (p,) = info.value.problems
    assert (p.file, p.key, p.line) == ("s.yaml", "extends", 1)


@pytest.mark.parametrize("layout", ["self", "pair", "triangle"])
def test_cycles_are_detected(here, layout):
    names = {"self": ["a"], "pair": ["a", "b"], "triangle": ["a", "b", "c"]}[layout]
    for i, n in enumerate(names):
        nxt = names[(i + 1) % len(names)]
        write(here / f"{n}.yaml", f"name: {n}\nextends: {nxt}.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario("a.yaml")
    (p,) = info.value.problems
    # reported at the extends line of the last file, the one that closes the loop
    assert (p.file, p.key, p.line) == (f"{names[-1]}.yaml", "extends", 2)
    chain = " -> ".join(f"{n}.yaml" for n in [*names, "a"])
    assert p.message == f"extends cycle: {chain}"


def test_a_chain_through_one_parent_is_not_a_cycle(here):
    write(here / "base.yaml", "extends: baseline\nname: base\nseed: 1\n")
    write(here / "left.yaml", "extends: base.yaml\nname: left\n")
    write(here / "right.yaml", "extends: base.yaml\nname: right\nseed: 2\n")
    write(here / "top.yaml", "extends: left.yaml\nname: top\n")
    assert (load_scenario("top.yaml").name, load_scenario("top.yaml").seed) == ("top", 1)
    assert load_scenario("right.yaml").seed == 2


def test_packaged_names_and_paths_are_the_same(here):
    packaged = packaged_scenarios()
    assert sorted(packaged) == PACKAGED
    for name, path in packaged.items():
        assert load_scenario(name) == load_scenario(path) == load_scenario(str(path))


def test_repo_scenarios_directory_is_the_package():
    repo = Path(__file__).resolve().parents[2]
    files = sorted(p.stem for p in (repo / "scenarios").glob("*.yaml"))
    assert files == PACKAGED


# --- overrides --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "getter", "expected"),
    [
        ("duration=90d", lambda s: s.duration, 90.0),
        ("replications=5", lambda s: s.replications, 5),
        ("coalition.quorum=0.75", lambda s: s.coalition.quorum, 0.75),
        ("coalition.quorum=1", lambda s: s.coalition.quorum, 1.0),
        ("name=NO", lambda s: s.name, "NO"),
        ("name=yes", lambda s: s.name, "yes"),
        ("name=on", lambda s: s.name, "on"),
        ("name='123'", lambda s: s.name, "123"),
        ("description=", lambda s: s.description, ""),
        ("description=a=b", lambda s: s.description, "a=b"),
        (
            "sensors.cameras.sectors=[kharkiv, luhansk]",
            lambda s: s.sensors["cameras"].sectors,
            ["kharkiv", "luhansk"],
        ),
        ("response.ladder.1.cost=9", lambda s: s.response.ladder[1].cost, 9.0),
        ("response.ladder.0.action=military", lambda s: s.response.ladder[0].action, "military"),
        ("coalition.nations.US.delay=5d", lambda s: s.coalition.nations["US"].delay.mean(), 5.0),
        ("aggressor.offensive=null", lambda s: s.aggressor.offensive, None),
        (
            "parties.aggressor.rates_per_day={artillery: 1}",
            lambda s: s.parties["aggressor"].rates_per_day,
            {"artillery": 1.0},
        ),
    ],
)
def test_cli_string_overrides(text, getter, expected):
    assert getter(load_scenario("baseline", [text])) == expected


def test_a_distribution_override_replaces_whole():
    sc = load_scenario("baseline", ["attribution.service_time={dist: exponential, mean: 20min}"])
    assert sc.attribution.service_time == Exponential(dist="exponential", mean="20min")
    assert isinstance(load_scenario("baseline").attribution.service_time, Lognormal)


def test_dict_overrides_take_python_values():
    sc = load_scenario(
        "baseline",
        {
            "duration": "90d",
            "coalition.nations.US.support": 0.5,
            "sensors.cameras.sectors": ["kherson"],
            "response.ladder.0.cost": 2,
            "coalition.nations.US.delay": {"dist": "exponential", "mean": "3d"},
        },
    )
    assert sc.duration == 90
    assert sc.coalition.nations["US"].support == 0.5
    assert sc.sensors["cameras"].sectors == ["kherson"]
    assert sc.response.ladder[0].cost == 2
    assert sc.coalition.nations["US"].delay.mean() == 3.0


def test_dict_override_strings_are_not_parsed_as_yaml():
    sc = load_scenario("baseline", {"description": "[not, a, list]"})
    assert sc.description == "[not, a, list]"


def test_overrides_apply_after_extends_and_in_order(here):
    write(here / "s.yaml", "extends: baseline\nname: s\nreplications: 3\n")
    assert load_scenario("s.yaml", ["replications=7"]).replications == 7
    assert load_scenario("s.yaml", ["replications=7", "replications=8"]).replications == 8


def test_override_can_create_a_new_entry():
    sc = load_scenario(
        "baseline", ["coalition.nations.Poland={ratification: 0.9, delay: 2d, support: 0.9}"]
    )
    assert sc.coalition.nations["Poland"].ratification == 0.9
    assert sc.coalition.nations["Poland"].weight == 1.0


def test_a_bad_override_names_the_override_not_the_file():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline", ["sensors.cameras.range_km=-1"])
    (p,) = info.value.problems
    assert (p.file, p.key, p.line) == (
        "--set sensors.cameras.range_km",
        "sensors.cameras.range_km",
        None,
    )
    assert "greater than or equal to 0" in p.message


def test_an_override_of_an_unknown_nested_key_names_the_override():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline", ["nonsense.key=1"])
    (p,) = info.value.problems
    assert (p.file, p.key) == ("--set nonsense.key", "nonsense")
    assert p.message.startswith("unknown key 'nonsense'")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("noequals", "must look like dotted.key=value"),
        ("=5", "must look like dotted.key=value"),
        ("a..b=1", "empty part"),
        ("response.ladder.9.cost=1", "cannot set"),
        ("name.first=x", "cannot set"),
        ("duration=[1d", "malformed YAML"),
    ],
)
def test_malformed_overrides(text, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline", [text])
    assert fragment in str(info.value)


# --- YAML 1.2 ---------------------------------------------------------------------------------


def test_yaml_12_booleans_keep_names_as_strings(here):
    write(
        here / "s.yaml",
        """\
        extends: baseline
        name: NO
        description: yes
        coalition:
          nations:
            NO:
              ratification: 0.9
              delay: 2d
              support: 0.9
            on:
              ratification: 0.8
              delay: 1d
              support: 0.8
        """,
    )
    sc = load_scenario("s.yaml")
    assert sc.name == "NO"
    assert sc.description == "yes"
    assert {"NO", "on"} <= set(sc.coalition.nations)


def test_yaml_12_true_is_still_a_boolean(here):
    write(here / "s.yaml", "extends: baseline\nname: s\ndescription: true\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario("s.yaml")
    (p,) = info.value.problems
    assert (p.key, p.line) == ("description", 3)
    assert "valid string" in p.message


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PACKAGED)
def test_dump_revalidates_to_an_equal_scenario(name):
    sc = load_scenario(name)
    data = sc.model_dump(mode="json", by_alias=True)
    again = scenario_from_dict(data)
    assert isinstance(again, Scenario)
    assert again == sc
    assert again.model_dump(mode="json", by_alias=True) == data


def test_scenario_from_dict_rejects_extends():
    with pytest.raises(ScenarioError, match="cannot use extends"):
        scenario_from_dict({"extends": "baseline", "name": "x"})


def test_scenario_from_dict_applies_overrides_and_names_its_source():
    data = load_scenario("baseline").model_dump(mode="json", by_alias=True)
    assert scenario_from_dict(data, {"replications": 3}).replications == 3
    data["replications"] = 0
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, source="manifest.json")
    (p,) = info.value.problems
    assert (p.file, p.key) == ("manifest.json", "replications")


def test_load_located_is_the_unvalidated_merge():
    loc = load_located("slow-politics")
    assert "extends" not in loc.data
    assert loc.data["name"] == "slow-politics"
    assert loc.data["coalition"]["nations"]["US"]["weight"] == 3  # from the baseline
    assert loc.where(("coalition", "nations", "US", "weight"))[0] == "package:baseline.yaml"
    assert loc.where(("coalition", "nations", "US", "delay"))[0] == "package:slow-politics.yaml"


# --- packaged variants say what they promise ---------------------------------------------------


def test_variants_differ_from_the_baseline_as_described():
    base = load_scenario("baseline")
    slow = load_scenario("slow-politics")
    assert slow.coalition.nations["US"].delay.mean() == pytest.approx(180.0)
    for n in ("UK", "Germany", "Spain"):
        assert slow.coalition.nations[n].delay.mean() > base.coalition.nations[n].delay.mean()
    for n, nation in base.coalition.nations.items():
        slow_n = slow.coalition.nations[n]
        assert slow_n.ratification_probability < nation.ratification_probability
        assert slow_n.ratification.delay == nation.ratification.delay  # the vote's delay inherited
    assert slow.coalition.support_decay_per_year > base.coalition.support_decay_per_year

    dense = load_scenario("dense-sensors")
    assert dense.sensors["acoustic"].count == 2 * base.sensors["acoustic"].count
    assert (
        dense.sensors["counter_battery_radar"].count > base.sensors["counter_battery_radar"].count
    )
    assert dense.sensors["cameras"].spacing_km < base.sensors["cameras"].spacing_km
    assert set(dense.sensors) == set(base.sensors)

    fixed = load_scenario("fixed-aggressor")
    assert fixed.aggressor.policy == "fixed"
    assert fixed.aggressor.offensive is None
    assert (
        fixed.model_copy(
            update={
                "name": "baseline",
                "description": base.description,
                "aggressor": base.aggressor,
            }
        )
        == base
    )

    none = load_scenario("no-guarantee")
    assert none.coalition.nations == {}
    assert none.sensors == base.sensors
    assert none.attribution == base.attribution


def test_the_politics_variants_differ_from_the_baseline_only_as_described():
    base = load_scenario("baseline")

    def same_but(sc, **update):
        return sc.model_copy(update={"description": base.description, **update}) == base

    us = load_scenario("us-never-ratifies")
    assert us.coalition.nations["US"].ratification_probability == 0
    nations = {**us.coalition.nations, "US": base.coalition.nations["US"]}
    coalition = us.coalition.model_copy(update={"nations": nations})
    assert same_but(us, name="baseline", coalition=coalition)

    jammed = load_scenario("jammed-donetsk")
    (outage,) = jammed.events
    assert (outage.kind, outage.at, outage.until, outage.factor) == (
        "sensor_outage",
        90,
        None,
        0.25,
    )
    assert outage.sectors == ["donetsk_n", "donetsk_s"]
    # the land groups are the positioned ones outside the sea sector
    land = [
        name
        for name, g in base.sensors.items()
        if g.coverage != "full" and "black_sea" not in (g.sectors or [])
    ]
    assert sorted(outage.groups) == sorted(land)
    assert same_but(jammed, name="baseline", events=[])

    shock = load_scenario("election-shock")
    (event,) = shock.events
    assert (event.kind, event.at, event.nations, event.factor) == (
        "support_shock",
        182,
        ["US", "France"],
        0.6,
    )
    assert same_but(shock, name="baseline", events=[])

    # no-guarantee: no nation, so no member ever, whatever the inherited commission does
    assert load_scenario("no-guarantee").coalition.nations == {}


def test_donbas_2020_matches_the_osce_figures():
    sc = load_scenario("donbas-2020")
    assert sc.contact_line.length_km == 420
    assert sc.duration == 174
    agg = sum(sc.parties["aggressor"].rates_per_day.values())
    dfd = sum(sc.parties["defender"].rates_per_day.values())
    ret = sc.parties["defender"].retaliation.probability
    assert agg + dfd + ret * agg == pytest.approx(36.0)  # 6,294 CVs in 174 days
    assert set(sc.sensors) == {"acoustic", "cameras"}
    assert sc.sensors["acoustic"].count == 1
    cams = sc.sensors["cameras"]
    assert round(420 / cams.spacing_km) in range(20, 26)  # 25 cameras on ~500 km
    for row in sc.attribution.confusion.values():
        assert row["unknown"] == 1.0
    assert sc.reporting.report_interval == 1.0
    assert sc.reporting.urgent_severity > max(b.severity for b in sc.breach_types.values())
    assert sc.aggressor.policy == "fixed"
    assert sc.coalition.nations == {}
