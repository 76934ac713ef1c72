"""Hypothesis strategies that turn valid scenario files into broken (or surprising) ones.

A mutant starts from a valid source (a packaged scenario or ``SMALL``, a small complete
scenario) and applies one to three mutations, either to the parsed data, which is then written
back as YAML (wrong types, out-of-range and huge numbers, missing, extra and renamed keys, empty
containers, unicode, deep nesting, nulls, absurd sizes), or to the text itself (characters
deleted, duplicated or inserted, YAML tags and anchors, lines swapped).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: A small complete scenario (no extends) that runs in milliseconds.
SMALL = """\
name: small
description: a small complete scenario for fuzzing
seed: 11
duration: 20d
warmup: 1d
replications: 3
contact_line:
  length_km: 100
  sectors:
    - {name: north, start_km: 0, end_km: 40, terrain: open}
    - {name: south, start_km: 40, end_km: 100, terrain: urban, weight: 2}
breach_types:
  shot: {severity: 1}
  shell: {severity: 5}
parties:
  red:
    role: aggressor
    rates_per_day: {shot: 20, shell: 5}
    sector_weights: {north: 2}
  blue:
    role: defender
    rates_per_day: {shot: 10}
    retaliation: {probability: 0.3, delay: {dist: exponential, mean: 2h}}
sensors:
  ears:
    count: 50
    range_km: 3
    p_detect: {shot: 0.6, shell: 0.8}
    latency: {dist: lognormal, median: 1min, sigma: 0.5}
    false_alarms_per_day: 0.01
    mtbf: 30d
    mttr: 2d
  eyes:
    spacing_km: 10
    sectors: [south]
    range_km: 5
    p_detect: {shell: 0.5}
    latency: 10min
  sky:
    coverage: full
    revisit: 1d
    persistence: {shell: 3d}
    p_detect: {shell: 0.4}
    latency: {dist: uniform, low: 6h, high: 1d}
attribution:
  min_detections: 1
  analysts: 3
  service_time: {dist: gamma, mean: 20min, cv: 0.5}
  priority: severity
  confusion:
    red: {red: 0.8, blue: 0.05, unknown: 0.15}
    blue: {red: 0.05, blue: 0.8, unknown: 0.15}
    none: {red: 0.2, blue: 0.2, unknown: 0.6}
reporting: {urgent_severity: 5, report_interval: 1d}
coalition:
  quorum: 0.5
  decision_window: 20d
  support_decay_per_year: 0.1
  nations:
    A: {weight: 2, ratification: 1, delay: {dist: triangular, low: 1d, mode: 2d, high: 4d},
        support: 0.9}
    B: {weight: 1, ratification: 0.7, delay: 4d, support: 0.8, contributes: [diplomatic]}
response:
  ladder:
    - {min_severity: 0, action: diplomatic, implementation: 1d, cost: 1}
    - {min_severity: 5, action: military, implementation: {dist: empirical, values: [5d, 10d],
       weights: [1, 3]}, cost: 5}
  hubs: [{name: depot, distance_km: 300}]
aggressor:
  policy: adaptive
  benefit: {shot: 1, shell: 3}
  discount_per_day: 0.01
  prior: {alpha: 1, beta: 1, delay: 10d}
  responsiveness: 2
  offensive: {type: shell, threshold: 0, window: 10d}
"""


def packaged_texts() -> dict[str, str]:
    """Packaged scenario name -> its YAML text."""
    pkg = resources.files("ceasemon") / "scenarios"
    return {
        p.name.removesuffix(".yaml"): p.read_text("utf-8")
        for p in pkg.iterdir()
        if p.name.endswith(".yaml")
    }


SOURCES: dict[str, str] = {"small": SMALL, **packaged_texts()}
#: the packaged scenarios among the sources (all but the small complete one)
PACKAGED = tuple(s for s in SOURCES if s != "small")


def ci(examples: int):
    """Deterministic settings: a fixed number of examples, no deadline, no database."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: The parsed data of each source (copied before a mutation).
PARSED: dict[str, Any] = {name: yaml.load(text, Loader=_LOADER) for name, text in SOURCES.items()}

# --------------------------------------------------------------------------- values
UNICODE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)
NAMES = st.one_of(
    st.sampled_from(
        ["name", "count", "rate", "sectorz", "p_detct", "NO", "on", "null", "~", "1", "<<"]
    ),
    UNICODE.filter(bool),
)
DURATIONS = st.sampled_from(
    [
        "0s",
        "1s",
        "30min",
        "2d",
        "1.5d",
        "1e12d",
        "1e300d",
        "1000000d",
        "1e-300d",
        "3",
        "-1d",
        "1x",
        "d",
        "nan d",
        "inf d",
        "1e400d",
        "  7 w ",
        "",
    ]
)
NUMBERS = st.one_of(
    st.sampled_from(
        [0, -1, 1, 2, 0.5, 1.0000001, -1e-9, 1e-9, 1e9, 1e308, -1e308, 10**30, 2**63, 2**64]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
)
SCALARS = st.one_of(
    NUMBERS,
    DURATIONS,
    UNICODE,
    st.booleans(),
    st.none(),
    st.sampled_from(["x" * 10_000, "yes", "No", "2020-02-30", "0x1F", "1_000", ".inf", "~"]),
)


def nested(depth: int) -> Any:
    """A list nested ``depth`` levels deep (alternating with mappings)."""
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


VALUES = st.one_of(
    SCALARS,
    st.just([]),
    st.just({}),
    st.lists(SCALARS, max_size=4),
    st.dictionaries(NAMES, SCALARS, max_size=3),
    st.dictionaries(NAMES, st.dictionaries(NAMES, SCALARS, max_size=2), max_size=2),
    st.integers(min_value=3, max_value=60).map(nested),
    st.sampled_from([{"dist": "exponential", "mean": "1e300d"}, {"dist": "weird"}, {"dist": 1}]),
)

# --------------------------------------------------------------------------- data mutations
Path_ = tuple[Any, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every key path under ``node`` (mappings and lists), parents before children."""
    out: list[Path_] = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        out.append((*prefix, key))
        out += paths(value, (*prefix, key))
    return out


def get(node: Any, path: Path_) -> Any:
    for part in path:
        node = node[part]
    return node


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(min(value * factor, 2**70))
    if isinstance(value, float):
        return value * factor
    if isinstance(value, str) and value[-1:] in "smhdw" and value[:1].isdigit():
        unit = "min" if value.endswith("min") else value[-1]
        number = value[: -len(unit)]
        try:
            return f"{float(number) * factor:g}{unit}"
        except ValueError:
            return value
    return value


SIZE_KEYS = {
    "count": [10**9, 10**7, 0],
    "spacing_km": [1e-9, 1e-3],
    "duration": ["1000000d", "1e12d", "1e300d", "36500d"],
    "replications": [10**9, 10**6],
    "range_km": [1e6, 1e300],
    "false_alarms_per_day": [1e7, 1e300],
    "analysts": [10**9, 1],
    "min_detections": [10**9, 1000],
    "mtbf": ["1s", "1e-300d"],
    "mttr": ["1s", "0s"],
    "revisit": ["1s", "1e-300d"],
    "report_interval": ["1s", "1e-300d"],
    "length_km": [1e300, 1e-300],
}


@dataclass
class Mutant:
    """A mutated scenario: its text and what was done to it (shown when a property fails)."""

    source: str
    text: str
    steps: list[str]

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 3000 else self.text[:3000] + "...(cut)"
        return f"Mutant(source={self.source!r}, steps={self.steps!r}, text={text!r})"


OPS = ("replace", "delete", "extra", "rename", "null", "empty", "size", "scale", "dup")


@st.composite
def data_mutants(
    draw, sources: tuple[str, ...] = tuple(SOURCES), ops: tuple[str, ...] = OPS
) -> Mutant:
    """Parse a source, mutate its data one to three times (``ops``), write it back as YAML."""
    source = draw(st.sampled_from(sources))
    data = copy.deepcopy(PARSED[source])
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        all_paths = paths(data)
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        parent = get(data, path[:-1])
        key = path[-1]
        op = draw(st.sampled_from(ops))
        if op == "replace":
            parent[key] = copy.deepcopy(draw(VALUES))
        elif op == "delete":
            del parent[key]
        elif op == "extra" and isinstance(parent, dict):
            parent[draw(NAMES)] = copy.deepcopy(draw(VALUES))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(NAMES)] = parent.pop(key)
        elif op == "null":
            parent[key] = None
        elif op == "empty":
            value = parent[key]
            parent[key] = [] if isinstance(value, list) else {} if isinstance(value, dict) else ""
        elif op == "size":  # an absurd (or extreme) value for a key that sets a size
            sized = [p for p in all_paths if p[-1] in SIZE_KEYS]
            if sized:
                path = draw(st.sampled_from(sized))
                parent, key = get(data, path[:-1]), path[-1]
                parent[key] = copy.deepcopy(draw(st.sampled_from(SIZE_KEYS[key])))
        elif op == "scale":
            factor = draw(st.sampled_from([1e-9, 1e-3, 0.0, -1.0, 1e3, 1e7, 1e300]))
            parent[key] = _scale(parent[key], factor)
        elif op == "dup" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        steps.append(f"{op} {'.'.join(map(str, path))}")
    text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)
    return Mutant(source, text, steps)


# --------------------------------------------------------------------------- text mutations
SNIPPETS = [
    '!!python/object/apply:os.system ["touch PWNED"]',
    "!!python/name:os.system",
    "!!python/object/new:builtins.dict {}",
    "!!binary aGVsbG8=",
    "!!binary ???",
    "!!timestamp 2020-13-45",
    "!!int abc",
    "!!float x",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!str",
    "!custom thing",
    "&anchor",
    "*anchor",
    "*missing",
    "<<: {a: 1}",
    "<<: *anchor",
    "{",
    "[",
    "]",
    "}",
    ": ",
    "- ",
    "? ",
    "'",
    '"',
    "|",
    ">-",
    "%YAML 1.1\n---\n",
    "\n---\n",
    "\n...\n",
    "\t",
    "\x00",
    "\x07",
    "\ufeff",
    "\u2028",
    "é",
    "名前",
    "🙂",
    "#",
    "@",
    "`",
    "\\",
    "\r\n",
    "a: &x [1, 2]\nb: [*x, *x, *x, *x]\n",
]
INSERTS = st.one_of(
    st.sampled_from(SNIPPETS), UNICODE, st.text(alphabet=":{}[],-?&*!|>'\"# \n\t", max_size=6)
)


@st.composite
def text_mutants(draw, sources: tuple[str, ...] = tuple(SOURCES)) -> Mutant:
    """Edit a source's text: delete, duplicate or insert characters, swap or indent lines."""
    source = draw(st.sampled_from(sources))
    text = SOURCES[source]
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        n = len(text)
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "insert", "swap", "indent"]))
        at = draw(st.integers(0, max(0, n - 1)))
        if op == "delete":
            size = draw(st.integers(1, 20))
            text = text[:at] + text[at + size :]
        elif op == "duplicate":
            size = draw(st.integers(1, 40))
            text = text[: at + size] + text[at : at + size] + text[at + size :]
        elif op == "insert":
            text = text[:at] + draw(INSERTS) + text[at:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if op == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
            text = "\n".join(lines)
        steps.append(f"{op} at {at}")
    return Mutant(source, text, steps)


def mutants(sources: tuple[str, ...] = tuple(SOURCES)) -> st.SearchStrategy[Mutant]:
    """Data and text mutants of the given sources."""
    return st.one_of(data_mutants(sources), text_mutants(sources))


def write(directory: Path, mutant: Mutant, name: str = "mutant.yaml") -> Path:
    """Write a mutant's text as UTF-8 (a lone surrogate gives bytes that are not UTF-8)."""
    path = directory / name
    path.write_bytes(mutant.text.encode("utf-8", "surrogatepass"))
    return path


# --------------------------------------------------------------------------- numeric mutations
#: Numbers at and beyond the edges of what a key allows (bounds.py, durations.py), and the
#: non-finite ones.
EDGE_NUMBERS = [
    0,
    -0.0,
    -1,
    5e-324,
    1e-300,
    1e-5,
    0.999999,
    1.000001,
    1e7,
    1e7 * (1 + 1e-9),
    1e9,
    1e9 * (1 + 1e-9),
    1e30,
    1e308,
    -1e308,
    2**63,
    10**30,
    math.inf,
    -math.inf,
    math.nan,
]
#: Raw YAML text put in place of a number: YAML 1.1 forms, non-finite and overflowing forms.
RAW_NUMBERS = [
    "1:30",
    "0x1F",
    "0b101",
    "017",
    "1_000",
    "0o17",
    ".inf",
    "-.inf",
    ".nan",
    "1e400",
    "-1e400",
    "1e-400",
    "!!float 1:30",
    "!!int 0x1F",
]
EDGE_DURATIONS = ["0s", "1e-300d", "1e-9s", "1e12d", "1.0000001e12d", "1:30", "0x1Fd", ".inf d"]
_RAW = "__raw_number_{}__"


def numeric_paths(data: Any) -> list[Path_]:
    """Every path of ``data`` whose value is a number (not a bool) or a duration string."""
    out = []
    for path in paths(data):
        value = get(data, path)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        duration = isinstance(value, str) and value[-1:] in "smhdw" and value[:1].isdigit()
        if number or duration:
            out.append(path)
    return out


@st.composite
def numeric_mutants(draw, sources: tuple[str, ...] = tuple(SOURCES)) -> Mutant:
    """Put edge, non-finite or YAML 1.1 numbers (as raw YAML) in one to four numeric keys."""
    source = draw(st.sampled_from(sources))
    data = copy.deepcopy(PARSED[source])
    steps: list[str] = []
    raws: list[str] = []
    candidates = numeric_paths(data)
    for _ in range(draw(st.integers(1, 4))):
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent, key = get(data, path[:-1]), path[-1]
        if isinstance(parent[key], str):  # a duration
            value: Any = draw(st.sampled_from(EDGE_DURATIONS))
            shown = repr(value)
        elif draw(st.booleans()):
            value = draw(st.sampled_from(EDGE_NUMBERS))
            shown = repr(value)
        else:
            shown = draw(st.sampled_from(RAW_NUMBERS))
            raws.append(shown)
            value = _RAW.format(len(raws) - 1)
        parent[key] = value
        steps.append(f"{'.'.join(map(str, path))} = {shown}")
    text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)
    for i, raw in enumerate(raws):
        text = text.replace(_RAW.format(i), raw)
    return Mutant(source, text, steps)


# --------------------------------------------------------------------------- result invariants
#: Units of the metrics that always have a value: counts, totals, 0/1 (others, such as shares,
#: mean delays and the time mean of the intensity, are NaN when there is nothing to average:
#: no breach, or a run that collapses before its warm-up ends).
MUST_BE_NUMBERS = ("count", "severity", "nations", "benefit units", "0/1")
#: Metrics of other units that always have a value.
ALWAYS_DEFINED = ("aggressor_intensity_final",)


def assert_finite_results(res: Any) -> None:
    """No inf anywhere in a run's tables, and no NaN in a metric that always has a value."""
    import numpy as np

    assert res.failed == [], res.failed[:1]
    assert len(res.replications) > 0
    units = dict(zip(res.summary["metric"], res.summary["unit"], strict=True))
    for name in res.replications.columns:
        col = res.replications[name].to_numpy(dtype=float)
        assert not np.isinf(col).any(), (name, col)
        if units.get(name) in MUST_BE_NUMBERS or name in ALWAYS_DEFINED:
            assert np.isfinite(col).all(), (name, col)
    for row in res.summary.itertuples(index=False):
        for stat in ("mean", "median", "p05", "p95"):
            v = float(getattr(row, stat))
            assert not math.isinf(v), (row.metric, stat, v)
            if row.unit in MUST_BE_NUMBERS or row.metric in ALWAYS_DEFINED:
                assert math.isfinite(v), (row.metric, stat, v)
