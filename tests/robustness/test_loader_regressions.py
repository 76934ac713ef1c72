"""Regression tests for loader bugs the fuzzing found: each was a traceback (exit 1) or a hang.

* PyYAML's safe constructor raised a bare ValueError for an impossible date, ``!!int abc``
  or ``0x_`` (yamlio.py: ``_ReadableValues``);
* a control character raised an unmarked ReaderError (yamlio.py: ``parse_yaml``);
* deep nesting overflowed the stack, and a web of aliases (a "billion laughs") made the line
  bookkeeping exponential (yamlio.py: ``MAX_DEPTH``, ``_walk``);
* merging a file over its parent was quadratic in the number of keys: 20,000 keys took
  five minutes (merge.py: ``deep_merge``);
* a superscript digit in a ``--set`` key (``a.²``) passed ``str.isdigit`` but not ``int``
  (merge.py: ``_parse_path``);
* an ``extends`` name longer than the file system allows raised OSError (loader.py);
* thousands of unknown names gave thousands of problems, each listing every known name and
  each searched for a close match (errors.py: ``MAX_PROBLEMS``, ``MAX_LISTED``; checks.py);
* a 10,000-character value was repeated whole in its message (durations.py, checks.py).
"""

from __future__ import annotations

import time

import pytest

from ceasemon.scenario import ScenarioError, load_scenario
from ceasemon.scenario.errors import MAX_PROBLEMS
from ceasemon.scenario.merge import deep_merge
from ceasemon.scenario.yamlio import MAX_DEPTH, Located, parse_yaml


def problems(tmp_path, text: str, overrides=None):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path), overrides)
    return info.value.problems


def ext(body: str) -> str:
    return "extends: baseline\nname: x\n" + body


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2020-02-30", "day is out of range"),
        ("!!int abc", "as int"),
        ("0x_", "as int"),
        ("!!float abc", "as float"),
        ("!!timestamp 2020-13-01", "as timestamp"),
        ("!!timestamp x", "as timestamp"),
    ],
)
def test_values_the_safe_constructor_cannot_read(tmp_path, value, fragment):
    (p,) = problems(tmp_path, ext(f"seed: 1\ndescription: {value}\n"))
    assert (p.file, p.line, p.key) == (str(tmp_path / "bad.yaml"), 4, "description")
    assert p.message.startswith("malformed YAML: cannot read") and fragment in p.message


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\ufffe"])
def test_a_control_character_is_reported_with_its_line(tmp_path, char):
    (p,) = problems(tmp_path, ext(f"seed: 1\ndescription: a{char}b\n"))
    assert p.line == 4 and f"U+{ord(char):04X}" in p.message


@pytest.mark.parametrize(
    "body",
    [
        "description: " + "[" * 1000 + "]" * 1000 + "\n",
        "description: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n",
        "description:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(3000)),
        "description: " + "[" * 100_000 + "\n",  # deep and malformed
    ],
    ids=["flow-lists", "flow-mappings", "block-mappings", "unclosed"],
)
def test_deep_nesting_is_an_error_with_a_line(tmp_path, body):
    found = problems(tmp_path, ext(body))
    # flow style: all on line 3; block style: the line where the 21st level starts
    line = 3 if body.startswith("description: ") else 3 + MAX_DEPTH
    assert any(p.line == line and f"nested deeper than {MAX_DEPTH}" in p.message for p in found), (
        found
    )


def test_shallow_nesting_is_fine():
    located = parse_yaml("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.yaml")
    assert located.origins[("a",)] == ("f.yaml", 1)


def test_a_billion_laughs_costs_no_more_than_its_text(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    t0 = time.perf_counter()
    where = parse_yaml(text, "laughs.yaml").where(("a9", 3, 4, 5))
    assert time.perf_counter() - t0 < 1.0
    assert where == ("laughs.yaml", 9)  # an alias takes the line of its anchor (a8)
    t0 = time.perf_counter()
    found = problems(tmp_path, ext(text.replace("a0:", "description: x\na0:")))
    assert time.perf_counter() - t0 < 5.0
    assert all(p.line is not None for p in found) and len(found) <= MAX_PROBLEMS + 1


def test_merge_is_linear_in_the_number_of_keys():
    n = 50_000
    parent = Located({"m": {"base": 1}}, {(): ("p", 1), ("m",): ("p", 2), ("m", "base"): ("p", 3)})
    data = {"m": {f"k{i}": {"v": i} for i in range(n)}}
    origins = {(): ("c", 1), ("m",): ("c", 2)}
    for i in range(n):
        origins[("m", f"k{i}")] = ("c", 3 + 2 * i)
        origins[("m", f"k{i}", "v")] = ("c", 4 + 2 * i)
    t0 = time.perf_counter()
    merged = deep_merge(parent, Located(data, origins))
    assert time.perf_counter() - t0 < 2.0  # quadratic, it took hours
    assert merged.data["m"]["base"] == 1 and merged.data["m"][f"k{n - 1}"] == {"v": n - 1}
    assert merged.where(("m", "base")) == ("p", 3)
    assert merged.where(("m", "k7", "v")) == ("c", 18)


def test_merge_origins_follow_replaced_and_removed_keys():
    parent = parse_yaml("a:\n  b: 1\n  c:\n    d: 2\ne: [1, 2]\n", "p.yaml")
    child = parse_yaml("a:\n  c: 5\n  b: null\ne: [3]\n", "c.yaml")
    merged = deep_merge(parent, child)
    assert merged.data == {"a": {"c": 5}, "e": [3]}
    assert merged.origins[("a", "c")] == ("c.yaml", 2)
    assert ("a", "c", "d") not in merged.origins and ("a", "b") not in merged.origins
    assert merged.origins[("e",)] == ("c.yaml", 4) and merged.origins[("e", 0)] == ("c.yaml", 4)
    assert ("e", 1) not in merged.origins


def test_a_superscript_digit_in_a_set_key():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline", ["coalition.²=1"])
    assert info.value.problems[0].key == "coalition.²"


def test_an_extends_name_too_long_for_the_file_system(tmp_path):
    (p,) = problems(tmp_path, "extends: " + "a" * 5000 + "\nname: x\n")
    assert (p.line, p.key) == (1, "extends")
    assert "too long" in p.message and len(p.message) < 400


def test_thousands_of_unknown_names_are_capped_and_quick(tmp_path):
    names = "".join(f"      t{i}: 1\n" for i in range(30_000))
    t0 = time.perf_counter()
    found = problems(tmp_path, ext(f"parties:\n  aggressor:\n    rates_per_day:\n{names}"))
    assert time.perf_counter() - t0 < 10.0
    assert len(found) == MAX_PROBLEMS + 1
    assert "more problems not shown" in found[-1].message and found[-1].line is not None
    assert all(len(str(p)) < 500 for p in found)


def test_a_huge_value_is_shortened_in_its_message(tmp_path):
    found = problems(tmp_path, ext(f"duration: {'x' * 10_000}\nseed: {'7' * 5000}x\n"))
    assert {p.key for p in found} == {"duration", "seed"}
    assert all(len(str(p)) < 500 for p in found)


def test_python_data_nested_too_deeply():
    # scenario_from_dict and Python overrides copied the data recursively: RecursionError
    deep: object = 1
    for _ in range(100_000):
        deep = {"a": deep}
    with pytest.raises(ScenarioError, match=f"nested deeper than {MAX_DEPTH}"):
        load_scenario("baseline", {"description": deep})
    from ceasemon.scenario import scenario_from_dict

    with pytest.raises(ScenarioError, match="nested deeper") as info:
        scenario_from_dict({"name": deep}, source="data")
    assert info.value.problems[0].file == "data"


def test_a_duration_beyond_max_days_is_refused(tmp_path):
    # mttr: 2e300d passed, and the model's day tables cast it to a negative int64 (exit 1)
    from ceasemon.scenario.durations import MAX_DAYS, parse_duration

    assert parse_duration("1e12d") == MAX_DAYS
    (p,) = problems(tmp_path, ext("sensors:\n  acoustic:\n    mttr: 2e300d\n"))
    assert (p.key, p.line) == ("sensors.acoustic.mttr", 5)
    assert "longer than the longest duration allowed" in p.message
