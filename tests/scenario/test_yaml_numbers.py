"""Numbers in scenario files follow YAML 1.2, in decimal; YAML 1.1-only forms are refused.

PyYAML reads YAML 1.1, where ``1:30`` is the number 90 (base 60), ``0x1F`` is 31, ``017`` is 15
(octal), ``0b101`` is 5 and ``1_000`` is 1000; ``seed: 1:30`` silently became seed 90.  Such a
form is now an error naming the file, the key and the line, which says what YAML 1.1 would have
read.  ``1e3`` (a string for YAML 1.1) is the number 1000, as in YAML 1.2.
"""

from __future__ import annotations

import math

import pytest
import yaml
from click.testing import CliRunner

from ceasemon.cli import cli
from ceasemon.scenario import ScenarioError, load_scenario
from ceasemon.scenario.yamlio import _FastLoader, _Loader, parse_yaml

EXT = "extends: baseline\nname: x\n"


def problem(tmp_path, body: str):
    path = tmp_path / "s.yaml"
    path.write_text(EXT + body, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    (p,) = info.value.problems
    assert p.file == str(path)
    return p


@pytest.mark.parametrize(
    ("body", "key", "line", "meant"),
    [
        ("seed: 1:30\n", "seed", 3, "90"),
        ("seed: 0x1F\n", "seed", 3, "31"),
        ("seed: 0b101\n", "seed", 3, "5"),
        ("replications: 017\n", "replications", 3, "15"),
        ("parties:\n  aggressor:\n    rates_per_day: {small_arms: 1_000}\n", None, 5, "1000"),
        ("coalition:\n  quorum: 0:30.5\n", "coalition.quorum", 4, "30.5"),
        ("breach_types:\n  missile: {severity: 1_0.5}\n", None, 4, "10.5"),
    ],
    ids=["sexagesimal", "hex", "binary", "octal", "digit-groups", "sexagesimal-float", "float-_"],
)
def test_yaml11_number_forms_are_refused_with_key_and_line(tmp_path, body, key, line, meant):
    p = problem(tmp_path, body)
    assert p.line == line
    if key is not None:
        assert p.key == key
    else:
        assert p.key is not None and p.key.startswith(("parties.", "breach_types."))
    assert "YAML 1.1" in p.message and f"write {meant}" in p.message, p.message
    assert not p.message.startswith("malformed")


def test_an_octal_looking_integer_names_both_readings(tmp_path):
    p = problem(tmp_path, "replications: 017\n")
    assert "write 15, or 17 without the leading 0" in p.message


def test_the_cli_exits_2_naming_the_key_and_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(EXT + "seed: 1:30\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["validate", str(path)])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {path}, line 3, key seed: '1:30' is a YAML 1.1")
    r = CliRunner().invoke(cli, ["validate", "baseline", "--set", "seed=0x1F"])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: --set seed, key seed: '0x1F' is a YAML 1.1 hexadecimal")


def test_decimal_numbers_read_as_yaml_1_2_says():
    text = "a: [12, -3, +4, 0, 0.5, .5, -.5, 1., 1e3, 1E-3, 2.5e+6, 017e2, .inf, -.inf, .nan]"
    data = parse_yaml(text, "f.yaml").data["a"]
    assert data[:4] == [12, -3, 4, 0] and all(type(v) is int for v in data[:4])
    assert data[4:12] == [0.5, 0.5, -0.5, 1.0, 1000.0, 0.001, 2.5e6, 1700.0]
    assert all(type(v) is float for v in data[4:])
    assert data[12] == math.inf and data[13] == -math.inf and math.isnan(data[14])


def test_forms_that_are_no_number_in_either_version_stay_text():
    text = "a: [0o17, 08, 1.5.3, '1:30', \"0x1F\", =, 12h, 1e3d]"
    assert parse_yaml(text, "f.yaml").data["a"] == [
        "0o17",
        "08",
        "1.5.3",
        "1:30",
        "0x1F",
        "=",
        "12h",
        "1e3d",
    ]


def test_a_quoted_name_that_looks_like_a_yaml11_number_is_fine():
    sc = load_scenario("baseline", ["description='1:30'"])
    assert sc.description == "1:30"


def test_explicit_tags_follow_the_same_rules():
    assert parse_yaml("a: !!float 1", "f").data == {"a": 1.0}
    assert parse_yaml("a: !!int 12", "f").data == {"a": 12}
    with pytest.raises(ScenarioError, match="hexadecimal"):
        parse_yaml("a: !!int 0x1F", "f")


@pytest.mark.parametrize("loader", [_Loader, _FastLoader], ids=["python", "libyaml"])
def test_both_parsers_resolve_numbers_alike(loader):
    text = "a: [12, 0.5, 1e3, .inf, 0o17, 08, true, yes, ~, '7']"
    data = yaml.load(text, Loader=loader)["a"]
    assert data[:4] == [12, 0.5, 1000.0, math.inf]
    assert data[4:] == ["0o17", "08", True, "yes", None, "7"]
    with pytest.raises(yaml.YAMLError):
        yaml.load("a: 1:30", Loader=loader)


def test_the_packaged_scenarios_use_no_yaml11_number():
    from ceasemon.scenario.loader import packaged_scenarios

    for name in packaged_scenarios():
        load_scenario(name)
